"""marts.figure_reconciliation: given figures of two reports, each pair lands in its class."""

from __future__ import annotations

import duckdb
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


def test_a_report_quoting_the_anchor_is_paired_with_it_once():
    reports = ({"report_id": INDEX}, {"report_id": BLOG, "quotes": INDEX}, {"report_id": PRESS})
    rows = reconcile(
        figure(INDEX, 66635),
        figure(BLOG, 66000, "at_least"),
        figure(PRESS, 67000, "at_least"),
        reports=reports,
    )
    assert [(r["report_id_a"], r["report_id_b"], r["class"], r["b_quotes_a"]) for r in rows] == [
        (INDEX, BLOG, "consistent", True),
        (INDEX, PRESS, "conflict", False),
    ]


def test_after_an_incremental_build_conflicts_of_pairs_with_a_changed_report_are_listed():
    con = built_warehouse(
        observations=(figure(INDEX, 3.5), figure(BLOG, 3.0), figure(PRESS, 5.0)),
    )

    def conflicts(changed):
        [warning] = [r for r in run_checks(con, SQL_DIR, changed) if r.name == "figure_conflicts"]
        return sorted((row[2], row[5]) for row in warning.sample)

    assert conflicts(None) == [(INDEX, BLOG), (INDEX, PRESS)]  # 3.5 is the finest: the anchor
    assert conflicts([PRESS]) == [(INDEX, PRESS)]
    assert conflicts([BLOG]) == [(INDEX, BLOG)]
    assert conflicts([INDEX]) == [(INDEX, BLOG), (INDEX, PRESS)]
    assert conflicts(["elsewhere-2025"]) == []


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


# Real figures quoted by several outlets (one sentence each, with where it was read). The World
# Economic Forum's Future of Jobs Report 2025 found that employers expect 39% of workers' core
# skills to change by 2030; outlets repeat it exactly or as "nearly 40%".
QUOTED = {
    "wef-future-of-jobs-2025": (
        "https://www.personalgrowthcoaching.org/expected-disruption-in-job-skills-2025",
        None,
        "Overall, employers expect 39% of workers' core skills to change by 2030.",
    ),
    "gulfnews-jobs-2025": (
        "https://gulfnews.com/business/markets/10-jobs-that-may-disappear-in-the-next-5-years-1.500013211",
        "wef-future-of-jobs-2025",
        "Nearly 40% of workers' core skills expected to change by 2030: World Economic Forum.",
    ),
    "brights-core-skills-2025": (
        "https://www.brights.com/articles/39-shift-in-core-skills-by-2030---how-will-your-business-adapt",
        "wef-future-of-jobs-2025",
        "It's a fact. 39% of core skills will change by 2030.",
    ),
    "industry-workforce-2025": (
        "https://www.businessandindustry.co.uk/our-future-workforce/rapid-technological-advances-demand-lifelong-learning",
        None,
        "Nearly 40% of today's core work skills are changing or becoming outdated by 2030.",
    ),
}


@pytest.mark.slow
def test_real_quoted_figures_reconcile_through_the_pipeline(tmp_path, prefect_harness):
    from flows.pipeline import skillpulse_pipeline
    from tests.conftest import write_report

    raw = tmp_path / "raw"
    for report_id, (url, quotes, sentence) in QUOTED.items():
        series, edition = report_id.rsplit("-", 1)
        quoted = f'quotes = "{quotes}"\n' if quotes else ""
        write_report(
            raw / series / edition,
            f"""
            [report]
            series = "{series}"
            edition = "{edition}"
            publisher = "{series.split("-")[0]}"
            title = "Future of jobs coverage"
            source_url = "{url}"
            {quoted}
            [[tables]]
            file = "article.txt"
            prose = true
            measure = "share_pct"
            [[tables.subjects]]
            match = "core (work )?skills"
            skill = "Core skills changing by 2030"
            """.replace("            {quoted}", quoted),
            {"article.txt": sentence + "\n"},
        )
    warehouse = tmp_path / "warehouse"
    skillpulse_pipeline(str(raw), str(warehouse))
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        pairs = con.execute(
            "SELECT report_id_a, report_id_b, value_a, value_qualifier_b, value_b, class, b_quotes_a "
            "FROM marts.figure_reconciliation ORDER BY report_id_b"
        ).fetchall()
        independent = dict(
            con.execute("SELECT report_id, is_independent FROM marts.skill_comparisons").fetchall()
        )
    anchor = "wef-future-of-jobs-2025"
    assert pairs == [
        (anchor, "brights-core-skills-2025", 39.0, "exact", 39.0, "same", True),
        (anchor, "gulfnews-jobs-2025", 39.0, "at_most", 40.0, "consistent", True),
        (anchor, "industry-workforce-2025", 39.0, "at_most", 40.0, "consistent", False),
    ]
    assert independent == {
        anchor: True,
        "brights-core-skills-2025": False,
        "gulfnews-jobs-2025": False,
        "industry-workforce-2025": True,
    }
