"""Figures as publishers print them: the real corpus, and the forms of issue 14."""

from __future__ import annotations

import collections
import csv
import math
import re
from pathlib import Path

import pytest

from bench.find_figures import distinct_texts
from flows.normalize.figure_cells import in_measure
from flows.normalize.figure_periods import figure_period
from flows.normalize.figures import Figure, find_figures

CORPORA = Path(__file__).parent / "fixtures" / "corpus"


_BARE_DOLLAR = re.compile(r"(?<![A-Za-z])\$")


def page_currencies(rows: list[dict]) -> dict[str, str]:
    """source_url -> the currency its manifest declares for a bare "$": a page whose bare-dollar
    figures are not USD (a Singapore salary page) says so in report.toml, as its user would."""
    return {
        row["source_url"]: row["currency"]
        for row in rows
        if row["currency"] not in ("", "USD") and _BARE_DOLLAR.search(row["printed"])
    }


def _corpus_cells(name: str) -> dict[tuple[str, str], list[dict]]:
    """(source_url, printed) -> the figures a correct reader outputs, in printed order."""
    cells: dict[tuple[str, str], list[dict]] = collections.OrderedDict()
    with (CORPORA / name).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            cells.setdefault((row["source_url"], row["printed"]), []).append(row)
    return cells


def _differences(figure: Figure, expected: dict, currency: str | None) -> list[str]:
    measure = figure.measure_hint or expected["declared_measure"]
    value = in_measure(figure, measure)
    period = figure_period(figure)
    found_period = (str(period[0]), str(period[1])) if period else ("", "")
    checks = {
        "value": value is not None
        and math.isclose(value, float(expected["value"]), rel_tol=1e-9, abs_tol=1e-12),
        "measure": measure == expected["measure"],
        "qualifier": figure.qualifier == expected["value_qualifier"],
        "comparison": (figure.comparison or "") == expected["comparison"],
        "currency": ((currency if figure.bare_dollar and currency else figure.currency) or "")
        == expected["currency"],
        "period": found_period == (expected["period_start"], expected["period_end"]),
        "range": (figure.low is None) == (expected["value_low"] == ""),
    }
    return [name for name, ok in checks.items() if not ok]


@pytest.mark.parametrize(
    ("name", "at_least"),
    [
        ("figures.csv", 150),
        ("heldout.csv", 50),
        ("heldout2.csv", 40),
        ("heldout3.csv", 20),
        ("heldout4.csv", 40),
    ],
)
def test_corpus_of_real_published_figures(name: str, at_least: int):
    """>= 95% exact (value, qualifier, measure, period, comparison), none wrong, none lost.

    heldout.csv was transcribed from other pages after figures.csv passed, and scored 49/57
    (86%) before the forms it showed missing were added; heldout2.csv, from yet other pages
    after that, scored 38/42 here (40/42 through the normalizer) before its three forms were
    added (a qualifier inside restating parentheses, "101 nations", a day before a year);
    heldout3.csv, from capex and hiring news pages found after the money ranges, "off 49%" and
    "US$650 bil" were added, scored 22/24 before "from the year prior" and "than it was last year"
    were read as year over year; heldout4.csv, from job-ad indexes, skills reports and Singapore
    salary pages, scored 57/78 (both here and through the normalizer) before the comparison words
    ("on the month", "than a year ago", week over week), count ranges, ISO codes before amounts,
    share verbs, periods in parentheses and [report] currency were added."""
    cells = _corpus_cells(name)
    currencies = page_currencies([row for rows in cells.values() for row in rows])
    exact, wrong, lost, report = 0, 0, 0, []
    for (url, printed), expected in cells.items():
        figures = find_figures(printed)
        if expected[0]["value"] == "":
            exact += not figures
            wrong += bool(figures)
            report += [f"not a figure, but read {printed!r} as {figures}"] if figures else []
            continue
        lost += max(0, len(expected) - len(figures))
        if len(figures) != len(expected):
            wrong += len(expected)
            report.append(
                f"{len(figures)} figures instead of {len(expected)} in {printed!r} ({url})"
            )
            continue
        for figure, row in zip(figures, expected, strict=True):
            if problems := _differences(figure, row, currencies.get(url)):
                wrong += 1
                report.append(f"{printed!r} [{figure.text}]: {', '.join(problems)} ({url})")
            else:
                exact += 1
    total = sum(len(rows) for rows in cells.values())
    print(
        f"\n{name}: {total} rows from {len({u for u, _ in cells})} pages: "
        f"{exact} exact ({exact / total:.1%}), {wrong} wrong, {lost} lost"
    )
    assert total >= at_least
    assert not report, "\n".join(report)
    assert exact / total >= 0.95 and wrong == 0 and lost == 0


def _one(text: str) -> Figure:
    figures = find_figures(text)
    assert len(figures) == 1, figures
    return figures[0]


@pytest.mark.parametrize(
    ("text", "value", "qualifier", "unit", "comparison", "hint"),
    [
        # The forms issue 14 lists, none of them copied from the corpus.
        ("(38 per cent)", 38, "exact", "percent", None, None),
        ("(-4%)", -4, "exact", "percent", None, "growth_pct"),
        ("(+12%)", 12, "exact", "percent", None, "growth_pct"),
        ("climbed 23% quarter-over-quarter", 23, "exact", "percent", "qoq", "growth_pct"),
        ("up nearly 90% year on year (YoY)", 90, "at_most", "percent", "yoy", "growth_pct"),
        ("31% below average", -31, "exact", "percent", "vs_average", "growth_pct"),
        ("2.4x faster", 2.4, "exact", "multiple", "vs_peer", "ratio"),
        ("27% of postings", 27, "exact", "percent", None, "share_pct"),
        ("over 12,500 job ads", 12500, "at_least", "number", None, "count"),
        ("grew nearly fourfold", 4, "at_most", "multiple", None, "growth_pct"),
        ("dropped by 12%", -12, "exact", "percent", None, "growth_pct"),
        ("plunged 8.5%", -8.5, "exact", "percent", None, "growth_pct"),
        ("grew 30%.2", 30, "exact", "percent", None, "growth_pct"),
        ("41%*", 41, "exact", "percent", None, None),
        ("12%†", 12, "exact", "percent", None, None),
        ("about €2.3 billion", 2.3e9, "approx", "currency", None, "money"),
        ("nearly $18,000", 18000, "at_most", "currency", None, "money"),
        ("5 places lower", -5, "exact", "rank_change", None, "rank_change"),
        ("a third of employers", 1 / 3, "exact", "fraction", None, "share_pct"),
        ("one in five workers", 0.2, "exact", "fraction", None, "share_pct"),
        ("twice as likely as men", 2, "exact", "multiple", "vs_peer", "ratio"),
        ("Germany (3.1%)", 3.1, "exact", "percent", None, None),
        ("Prompt engineering - up 48%", 48, "exact", "percent", None, "growth_pct"),
        ("1.234,5 Stellen", 1234.5, "exact", "number", None, None),
        # Forms found missing on real pages (each has a corpus row with its source).
        ("sales were off 12% in May", -12, "exact", "percent", None, "growth_pct"),
        ("US$3 bil in funding", 3e9, "exact", "currency", None, "money"),
        ("an estimated S$1.2 mln", 1.2e6, "approx", "currency", None, "money"),
        ("$2-3 million", 2.5e6, "approx", "currency", None, "money"),
        ("between €5 million and €7 million", 6e6, "approx", "currency", None, "money"),
        ("rose 4.5pc", 4.5, "exact", "percent", None, "growth_pct"),
        ("Index covering 40 economies", 40, "exact", "number", None, "count"),
        ("a 9% rise from the prior year", 9, "exact", "percent", "yoy", "growth_pct"),
        # Forms heldout4 found missing (each has a corpus row with its source).
        ("job ads rose 2.1% week-over-week", 2.1, "exact", "percent", "wow", "growth_pct"),
        ("+4% WoW", 4, "exact", "percent", "wow", "growth_pct"),
        ("listings were 3% below a week prior", -3, "exact", "percent", "wow", "growth_pct"),
        ("fell 1.3 per cent on the month", -1.3, "exact", "percent", "mom", "growth_pct"),
        ("were down 1.9 per cent over the year", -1.9, "exact", "percent", "yoy", "growth_pct"),
        ("9.6% lower than a year ago", -9.6, "exact", "percent", "yoy", "growth_pct"),
        ("5% higher than in May of last year", 5, "exact", "percent", "yoy", "growth_pct"),
        (
            "62% higher than before the pandemic",
            62,
            "exact",
            "percent",
            "vs_baseline",
            "growth_pct",
        ),
        (
            "1.4% fewer openings than in June",
            -1.4,
            "exact",
            "percent",
            "vs_prior_period",
            "growth_pct",
        ),
        ("30% below peak demand", -30, "exact", "percent", "vs_prior_period", "growth_pct"),
        ("up 1% for its fastest rise since May 2021", 1, "exact", "percent", None, "growth_pct"),
        (
            "three times larger than in 2019",
            3,
            "exact",
            "multiple",
            "vs_prior_period",
            "growth_pct",
        ),
        ("44% plan to hire", 44, "exact", "percent", None, "share_pct"),
        ("between 12,000 and 16,000 vacancies", 14000, "approx", "number", None, "count"),
        ("around SGD 4,500 to SGD 5,000", 4750, "approx", "currency", None, "money"),
        ("AUD 120,000 a year", 120000, "exact", "currency", None, "money"),
        # Forms found trying more pages after heldout4 (hiring-lab notes, Freelancer.com, Upwork).
        ("2.9% below the 2019 trend", -2.9, "exact", "percent", "vs_baseline", "growth_pct"),
        ("three quarters of employers", 0.75, "exact", "fraction", None, "share_pct"),
        ("up 0.7 percentage points", 0.7, "exact", "points", None, "share_change_pp"),
        ("down 15 pts", -15, "exact", "points", None, "share_change_pp"),
        # Points are a measure of their own (share_change_pp), never a growth percent.
        ("+0.7 ppt QoQ", 0.7, "exact", "points", "qoq", "share_change_pp"),
        (
            "fell 2.5 percentage points from a year earlier",
            -2.5,
            "exact",
            "points",
            "yoy",
            "share_change_pp",
        ),
        ("30 basis points", 0.3, "exact", "points", None, "share_change_pp"),
        ("1-2 pp", 1.5, "approx", "points", None, "share_change_pp"),
        ("between 1 and 2 percentage points", 1.5, "approx", "points", None, "share_change_pp"),
        ("the index rose 3 points", 3, "exact", "number", None, "index"),
    ],
)
def test_printed_forms(text, value, qualifier, unit, comparison, hint):
    figure = _one(text)
    assert math.isclose(figure.value, value, rel_tol=1e-9)
    assert (figure.qualifier, figure.unit, figure.comparison, figure.measure_hint) == (
        qualifier,
        unit,
        comparison,
        hint,
    )
    assert text[figure.start : figure.end] == figure.text


@pytest.mark.parametrize(
    ("text", "currency"),
    [("£80k", "GBP"), ("€3m", "EUR"), ("A$120k", "AUD"), ("US$3m", "USD"), ("5m euros", "EUR")],
)
def test_a_scale_letter_keeps_the_currency_mark(text, currency):
    """ "£80k" is pounds like "£80,000": the scale letter glued to the number once hid the mark."""
    figure = _one(text)
    assert (figure.unit, figure.currency, figure.bare_dollar) == ("currency", currency, False)


def test_money_range_keeps_both_ends_and_currency():
    figure = _one("HK$3 billion to HK$4.5 billion")
    assert (figure.low, figure.high, figure.currency) == (3e9, 4.5e9, "HKD")


def test_bare_dollar_is_marked_for_the_reports_currency():
    """A bare "$" is USD unless report.toml names the publisher's currency; "US$" and "S$" say theirs."""
    bare, us, sg = (_one(t) for t in ("$5,000 a month", "US$5,000", "S$5,000"))
    assert (bare.currency, bare.bare_dollar) == ("USD", True)
    assert (us.currency, us.bare_dollar, sg.currency, sg.bare_dollar) == (
        "USD",
        False,
        "SGD",
        False,
    )


@pytest.mark.parametrize(
    "text", ["over the past four quarters", "two quarters in a row", "as of Fri 6/4", "on 3/15"]
)
def test_time_words_are_not_figures(text: str) -> None:
    assert find_figures(text) == ()


def test_money_then_other_number_is_not_a_range():
    """'$5 million to 20 startups': the second number is not money, so no range is read."""
    first = find_figures("$5 million to 20 startups")[0]
    assert (first.value, first.low, first.unit) == (5e6, None, "currency")


def test_range_keeps_both_ends():
    figure = _one("20-25%")
    assert (figure.value, figure.low, figure.high, figure.qualifier) == (22.5, 20, 25, "approx")


def test_several_figures_in_one_cell_keep_their_spans():
    text = "+7% MoM, -3% YoY"
    figures = find_figures(text)
    assert [(f.value, f.comparison) for f in figures] == [(7, "mom"), (-3, "yoy")]
    assert [text[f.start : f.end] for f in figures] == ["+7%", "-3%"]


@pytest.mark.parametrize(
    ("text", "start", "end", "horizon"),
    [
        ("grew 12% in the third quarter of 2024", "2024-07-01", "2024-09-30", False),
        ("H1 2025: up 9%", "2025-01-01", "2025-06-30", False),
        ("41% at the end of June 2023", "2023-06-01", "2023-06-30", False),
        ("up 5% from March 2024 to February 2025", "2024-03-01", "2025-02-28", False),
        ("12% in the 2021-2023 period", "2021-01-01", "2023-12-31", False),
        ("rose 3% in FY2024", "2024-01-01", "2024-12-31", False),
        ("39% by 2030", "2030-01-01", "2030-12-31", True),
        ("7.7% (May–November 2022)", "2022-05-01", "2022-11-30", False),
        ("13% (November 2022–June 2023)", "2022-11-01", "2023-06-30", False),
        ("fell 30% between Q4 2019 and Q1 2020", "2019-10-01", "2020-03-31", False),
    ],
)
def test_period_words(text, start, end, horizon):
    figure = _one(text)
    period = figure_period(figure)
    assert period is not None, figure.period_text
    assert (str(period[0]), str(period[1]), figure.horizon) == (start, end, horizon)


def test_unreadable_period_keeps_the_words():
    figure = _one("60,784 in early 2024")
    assert figure.value == 60784 and figure.period_text == "early 2024"
    assert figure_period(figure) is None


@pytest.mark.parametrize(
    "text",
    [
        "At one point the share of remote postings was the highest on record",
        "The report suggests that workers should focus on AI",
        "Layoffs are at an all-time high since 2009",
        "Survey fielded from May-July 2024 among GPT-4 users in Q3",
        "Users of Microsoft 365 and COVID-19 trackers over the past 15 years",
    ],
)
def test_prose_without_figures(text):
    assert find_figures(text) == ()


def test_the_speed_bench_texts_are_distinct_and_all_read():
    """bench/find_figures.py times find_figures on distinct texts; each of its shapes holds a figure."""
    texts = distinct_texts(800)
    assert len(set(texts)) == len(texts)
    assert all(find_figures(t) for t in texts)
