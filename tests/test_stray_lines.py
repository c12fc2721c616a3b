"""Markdown and text files: every line outside a declared table that prints a figure is read or reported."""

from __future__ import annotations

from pathlib import Path

import duckdb

from flows.normalize.table import normalize_report
from flows.raw.discover import discover, reference_fingerprint

REFERENCE = Path(__file__).parents[1] / "data" / "reference"

# Short quotes (one sentence or one table cell each) from
# https://www.inc.com/reuters/last-years-hiring-announcements-lowest-since-2015/91105641 and
# https://www.globenewswire.com/news-release/2026/01/08/3215434/0/en/Upwork-December-Monthly-Hiring-Report-Operational-Roles-Rise-as-Businesses-Brace-for-Macro-Uncertainty-in-2026.html
MARKDOWN = """# Hiring announcements, 2024

Companies announced 769,953 hiring plans, down 1.3 percent from 2023.

| Skill | Growth |
|---|---|
| Project Management | +23% |
| Accounting & Bookkeeping | +15% |

Source: Challenger, Gray & Christmas

| Sector | Planned cuts |
|---|---|
| Technology | 38,792 |

Hiring announcements dropped to 7,999 in December from 11,621 in November.
Nothing here is a figure.
"""

ALIGNED = """Upwork hiring report: demand up 14% year over year
Skill                      Growth
Project Management         +23%
Accounting & Bookkeeping   +15%
"""

LABEL_VALUE = """Top skills
Project Management: +23%
Accounting & Bookkeeping: +15%
Demand rose 14% in the year.
"""


def _report(raw: Path, name: str, file: str, text: str, tables: str) -> None:
    folder = raw / "demo" / name
    folder.mkdir(parents=True)
    (folder / file).write_text(text, encoding="utf-8")
    (folder / "report.toml").write_text(
        f"""[report]
series = "{name}"
edition = "2024"
publisher = "demo"
title = "Stray lines"
source_url = "https://www.inc.com/reuters/last-years-hiring-announcements-lowest-since-2015/91105641"
{tables}""",
        encoding="utf-8",
    )


def _run(tmp_path: Path, file: str, text: str, tables: str):
    raw = tmp_path / "raw"
    _report(raw, "r", file, text, tables)
    plan = discover(raw, reference_fingerprint(REFERENCE), {})
    assert plan.problems.num_rows == 0, plan.problems.to_pylist()
    (source,) = plan.changed
    return normalize_report(duckdb.connect(), source, REFERENCE)


def _unread(results) -> list[dict]:
    return [
        row
        for result in results
        for row in result.quarantine.to_pylist()
        if row["reason_code"] == "unread_figure_line"
    ]


GROWTH_TABLE = """
[[tables]]
file = "{file}"
measure = "growth_pct"
columns = {{ skill = "Skill", value = "Growth" }}
"""


def test_markdown_lines_and_tables_outside_the_declared_table_are_reported(tmp_path: Path):
    results = _run(tmp_path, "page.md", MARKDOWN, GROWTH_TABLE.format(file="page.md"))
    assert results[0].observations.num_rows == 2
    unread = _unread(results)
    assert [(r["source_row"], r["severity"]) for r in unread] == [
        (3, "warning"),
        (12, "warning"),
        (16, "warning"),
    ]
    intro, table, closing = (r["message"] for r in unread)
    assert "demo/r/page.md:12-14" in table and "table_index = 1" in table
    assert "demo/r/page.md:3:" in intro and "769,953" in intro and "prose = true" in intro
    assert "7,999" in closing and "11,621" in closing
    # The heading's year, the source line and the line without digits are no figures.
    assert unread[2]["raw_record"] == MARKDOWN.splitlines()[15]


def test_a_prose_table_reads_what_the_tables_leave(tmp_path: Path):
    tables = GROWTH_TABLE.format(file="page.md") + (
        '\n[[tables]]\nfile = "page.md"\ntable_index = 1\nname = "cuts"\nmeasure = "count"\n'
        'columns = { skill = "Sector", value = "Planned cuts" }\n'
        '\n[[tables]]\nfile = "page.md"\nname = "page-prose"\nprose = true\nmeasure = "count"\n'
    )
    results = _run(tmp_path, "page.md", MARKDOWN, tables)
    assert not _unread(results)
    prose_rows = {o["source_row"] for o in results[2].observations.to_pylist()}
    assert {3, 16} <= prose_rows | {q["source_row"] for q in results[2].quarantine.to_pylist()}


def test_declaring_every_table_leaves_only_the_prose_lines(tmp_path: Path):
    tables = GROWTH_TABLE.format(file="page.md") + (
        '\n[[tables]]\nfile = "page.md"\ntable_index = 1\nname = "cuts"\nmeasure = "count"\n'
        'columns = { skill = "Sector", value = "Planned cuts" }\n'
    )
    unread = _unread(_run(tmp_path, "page.md", MARKDOWN, tables))
    assert [r["source_row"] for r in unread] == [3, 16]


def test_aligned_text_reports_a_figure_above_its_header(tmp_path: Path):
    tables = GROWTH_TABLE.format(file="page.txt").replace(
        'measure = "growth_pct"', 'measure = "growth_pct"\nheader_row = 2\ntext_layout = "aligned"'
    )
    results = _run(tmp_path, "page.txt", ALIGNED, tables)
    assert results[0].observations.num_rows == 2
    (unread,) = _unread(results)
    assert unread["source_row"] == 1 and "14%" in unread["message"]


def test_line_layouts_read_or_report_every_line_already(tmp_path: Path):
    tables = (
        '\n[[tables]]\nfile = "page.txt"\nmeasure = "growth_pct"\ntext_layout = "label_value"\n'
        'columns = { skill = "label", value = "value" }\n'
    )
    results = _run(tmp_path, "page.txt", LABEL_VALUE, tables)
    assert not _unread(results)
    reasons = {q["source_row"]: q["reason_code"] for q in results[0].quarantine.to_pylist()}
    assert reasons[4] == "unmatched_line" and results[0].observations.num_rows == 2
    (message,) = [q["message"] for q in results[0].quarantine.to_pylist() if q["source_row"] == 4]
    assert "prose = true" in message


HTML = """<html><head><title>Hiring 2024</title></head><body>
<nav><a href="/p/2">Page 2 of 14</a></nav>
<h1>Hiring announcements, 2024</h1>
<p>Companies announced 769,953 hiring plans, down 1.3 percent from 2023.</p>
<table><tr><th>Skill</th><th>Growth</th></tr>
<tr><td>Project Management</td><td>+23%</td></tr></table>
<table><tr><th>Sector</th><th>Planned cuts</th></tr>
<tr><td>Technology</td><td>38,792</td></tr></table>
<footer>Call 555 0100</footer>
</body></html>
"""


def test_html_paragraphs_and_tables_outside_the_declared_table_are_reported(tmp_path: Path):
    results = _run(tmp_path, "page.html", HTML, GROWTH_TABLE.format(file="page.html"))
    assert results[0].observations.num_rows == 1
    unread = _unread(results)
    assert [r["source_row"] for r in unread] == [4, 7]
    paragraph, table = (r["message"] for r in unread)
    assert "demo/r/page.html:4:" in paragraph and "prose = true" in paragraph
    assert "a <table>" in table and "table_index = 1" in table
