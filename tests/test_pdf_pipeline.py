"""End to end: a PDF report (a table over two pages, a chart page) through the real flow into the marts."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.pipeline import skillpulse_pipeline
from tests import pdf_fixtures as pdf
from tests.conftest import write_report

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

SKILLS = [
    ["Skill", "Category", "Growth 2025"],
    ["AI video generation and editing", "Design and creative", "+329%<super>1</super>"],
    ["AI integration", "Coding and web development", "178%"],
    ["Data annotation and labeling", "Admin support", "154%"],
    ["E-commerce management", "Sales and marketing", "130%"],
    ["AI image generation and editing", "Design and creative", "95%"],
    ["Bookkeeping", "Accounting", "\u22125.2%"],
]

BAD = ["Basket weaving", "Crafts", "lots"]
SPACE = 560

MANIFEST = """
[report]
series = "acme-freelance-report"
edition = "2025"
publisher = "Acme Freelance"
title = "Acme freelance report 2025"
source_url = "https://example.org/acme-2025.pdf"
period = { start = 2025-01-01, end = 2025-12-31 }

[[tables]]
name = "skills"
file = "report.pdf"
pages = "2-3"
caption = "In-demand skills"
measure = "growth_pct"
columns = { skill = "Skill", category = "Category", value = "Growth 2025" }

[[tables]]
name = "chart"
file = "report.pdf"
pages = 4
measure = "growth_pct"
columns = { skill = "Skill", value = "Growth 2025" }
"""


def _report(folder: Path) -> None:
    # Space first, so the skills table starts low on page 2 and runs over onto page 3.
    story = pdf.prose("Acme freelance report 2025.") + pdf.page_break()
    story += [pdf.Spacer(1, SPACE)]
    story += pdf.ruled_table([*SKILLS, BAD], "Table 2: In-demand skills", repeat=1)
    story += pdf.page_break() + pdf.chart()
    write_report(folder, MANIFEST, {})
    pdf.build(folder / "report.pdf", story)


def test_a_pdf_report_loads_with_page_lineage_and_ranks_in_the_marts(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _report(raw / "acme" / "freelance-2025")
    warehouse = tmp_path / "warehouse"
    summary = skillpulse_pipeline(str(raw), str(warehouse))
    assert summary["reports_ingested"] == 1
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        observations = con.execute(
            """SELECT skill_raw, category_raw, value, source_text, source_page, source_row
               FROM staging.observations WHERE table_name = 'skills' ORDER BY source_row"""
        ).fetchall()
        ranking = con.execute(
            """SELECT skill_name, growth_pct, rank_in_report FROM marts.skill_growth_rankings
               WHERE report_id = 'acme-freelance-report-2025' ORDER BY rank_in_report"""
        ).fetchall()
        quarantine = con.execute(
            "SELECT table_name, reason_code, message FROM lake.quarantine ORDER BY table_name"
        ).fetchall()
    assert [o[:4] for o in observations] == [
        (row[0], row[1], value, row[2].replace("<super>1</super>", "¹"))
        for row, value in zip(SKILLS[1:], (329, 178, 154, 130, 95, -5.2), strict=True)
    ]
    # As docs/formats.md shows: three rows on page 2, the header again on page 3 (row 5), three more.
    assert [o[4:] for o in observations] == [(2, 2), (2, 3), (2, 4), (3, 6), (3, 7), (3, 8)]
    assert [name for name, *_ in ranking][:5] == [
        "AI video generation and editing",
        "AI integration",
        "Data annotation and labeling",
        "E-commerce management",
        "AI image generation and editing",
    ]
    assert [g for _, g, _ in ranking][:2] == [329.0, 178.0]
    by_table = {(t, code): message for t, code, message in quarantine}
    assert "page 4 shows a chart or image" in by_table[("chart", "chart_only")]
    assert "report.pdf:5 (page 3): " in by_table[("skills", "repeated_header")]
    assert (
        'report.pdf:9:3 (page 3, column "Growth 2025")' in by_table[("skills", "unparseable_value")]
    )
    assert '"lots"' in by_table[("skills", "unparseable_value")]
