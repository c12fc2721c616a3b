"""marts.figure_reconciliation: given figures of two reports, each pair lands in its class."""

from __future__ import annotations

import pytest

from flows.warehouse.checks import run_checks
from tests.sql_fixtures import SQL_DIR, built_warehouse, query

SKILL = "prompt-engineering"
INDEX = "labour-index-2025"  # the research index that publishes the exact count
BLOG = "analytics-blog-2025"  # a blog post rounding it
PRESS = "wire-press-2025"


def figure(report_id: str, value: float, qualifier: str = "exact", **extra) -> dict:
    return {
        "report_id": report_id,
        "skill_id": SKILL,
        "measure": "count",
        "value": value,
        "value_qualifier": qualifier,
        "source_text": extra.pop("printed", f"{value:g}"),
        **extra,
    }


def reconcile(*figures: dict, reports: tuple[dict, ...] = ()) -> list[dict]:
    con = built_warehouse(observations=figures, reports=reports)
    run_checks(con, SQL_DIR)
    return query(
        con,
        "SELECT report_id_a, report_id_b, value_a, value_b, class, b_quotes_a "
        "FROM marts.figure_reconciliation ORDER BY report_id_b",
    )


# (anchor value, anchor qualifier, other value, other qualifier, expected class)
CASES = [
    (66635, "exact", 66635, "exact", "same"),
    (66635, "exact", 66000, "at_least", "consistent"),  # "more than 66,000"
    (66635, "exact", 67000, "at_least", "conflict"),  # "more than 67,000" overstates it
    (66635, "exact", 67000, "exact", "consistent"),  # "67,000": rounded to thousands
    (66635, "exact", 66000, "exact", "conflict"),  # "66,000" would round 66,635 wrongly
    (6263, "exact", 6300, "at_most", "consistent"),  # "nearly 6,300"
    (6263, "exact", 6200, "at_most", "conflict"),  # "nearly 6,200" is below it
    (6263, "exact", 6000, "approx", "consistent"),  # "about 6,000"
    (6263, "exact", 5000, "approx", "conflict"),
    (3.5, "exact", 3, "exact", "conflict"),  # "3x" and "3.5x": not a rounding of each other
    (3.5, "exact", 3, "at_least", "consistent"),  # "more than 3x"
    (3.5, "exact", 3.46, "exact", "consistent"),  # 3.46 rounds to 3.5
    (329, "exact", 300, "at_least", "consistent"),  # "up over 300%": qualified, so rounded
    (39, "exact", 40, "at_most", "consistent"),  # "nearly 40%" of workers' skills
    (39, "exact", 40, "exact", "conflict"),  # an exact 40% below 1,000 is exact to 1
    (329, "exact", 400, "at_least", "conflict"),
]


@pytest.mark.parametrize(("a", "qa", "b", "qb", "expected"), CASES)
def test_each_pair_lands_in_its_class(a, qa, b, qb, expected):
    [row] = reconcile(figure(INDEX, a, qa), figure(BLOG, b, qb))
    assert {row["value_a"], row["value_b"]} == {
        a,
        b,
    }  # either may be the anchor; the class is symmetric
    assert row["class"] == expected


def test_the_anchor_is_the_exact_original_and_every_other_figure_pairs_with_it():
    rows = reconcile(
        figure(BLOG, 66000, "at_least"),
        figure(INDEX, 66635),
        figure(PRESS, 66600, "approx"),
    )
    assert [(r["report_id_a"], r["report_id_b"], r["class"]) for r in rows] == [
        (INDEX, BLOG, "consistent"),
        (INDEX, PRESS, "consistent"),
    ]


def test_a_quoting_report_pairs_with_the_report_it_quotes_and_leaves_the_consensus():
    reports = (
        {"report_id": INDEX},
        {"report_id": BLOG},
        {"report_id": PRESS, "quotes": BLOG},
    )
    figures = (
        figure(INDEX, 66635),
        figure(BLOG, 66000, "at_least"),
        figure(PRESS, 66000, "at_least"),
    )
    rows = reconcile(*figures, reports=reports)
    quoted = [r for r in rows if r["b_quotes_a"]]
    assert [(r["report_id_a"], r["report_id_b"], r["class"]) for r in quoted] == [
        (BLOG, PRESS, "same")
    ]
    con = built_warehouse(observations=figures, reports=reports)
    counted = query(
        con,
        "SELECT report_id, is_independent, reports FROM marts.skill_comparisons ORDER BY report_id",
    )
    assert [(r["report_id"], r["is_independent"], r["reports"]) for r in counted] == [
        (BLOG, True, 2),
        (INDEX, True, 2),
        (PRESS, False, 2),
    ]


def test_figures_of_other_periods_geographies_or_measures_are_not_paired():
    rows = reconcile(
        figure(INDEX, 66635),
        figure(BLOG, 66000, "at_least", geography="UK"),
        figure(PRESS, 66000, "at_least", measure="index"),
    )
    assert rows == []


def test_conflicts_are_a_warning_not_a_failure():
    con = built_warehouse(observations=(figure(INDEX, 3.5), figure(BLOG, 3.0)))
    [warning] = [r for r in run_checks(con, SQL_DIR) if r.name == "figure_conflicts"]
    assert (warning.severity, warning.rows, warning.passed) == ("warn", 1, False)
