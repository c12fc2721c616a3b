"""`skillpulse diff`: figures added, removed and changed between two editions of a series."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.ops.diff import diff_reports
from tests.analyst_warehouse import analyst_warehouse_once

pytestmark = pytest.mark.slow


@pytest.fixture
def warehouse(tmp_path_factory, prefect_harness) -> Path:
    return analyst_warehouse_once(tmp_path_factory)


def diff(warehouse: Path, *args: str):
    return CliRunner().invoke(app, ["diff", *args, "--warehouse", str(warehouse)])


def test_last_two_editions_of_a_series(warehouse: Path) -> None:
    result = diff(warehouse, "--series", "upwork-in-demand-skills", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = {r["skill_name"]: r for r in csv.DictReader(io.StringIO(result.output))}
    assert {name: r["change"] for name, r in rows.items()} == {
        "AI video generation and editing": "changed",
        "AI integration": "changed",
        "E-commerce management": "added",
        # Its 2025 cell was quarantined ("17 per cnet"): no figure then, one now.
        "AI image generation and editing": "added",
        "Prompt engineering": "removed",
    }
    moved = rows["AI video generation and editing"]
    assert (moved["value_before"], moved["value_after"], moved["difference"]) == (
        "120.0",
        "329.0",
        "209.0",
    )
    assert (moved["printed_before"], moved["printed_after"]) == ("+120%", "up over 329%")
    assert (
        moved["source_before"] == "upwork/in-demand-skills-2025/ai-skills.csv:2:Demand growth (YoY)"
    )
    assert moved["period_before"] == "2024-01-01..2024-12-31"
    # Largest change first, then added, then removed.
    order = list(rows)
    assert order[0] == "AI video generation and editing" and order[-1] == "Prompt engineering"


def test_output_is_bounded_and_the_headline_counts_everything(warehouse: Path) -> None:
    result = diff_reports(
        warehouse,
        before="upwork-in-demand-skills-2025",
        after="upwork-in-demand-skills-2026",
        limit=2,
    )
    assert result.rows.num_rows == 2
    assert result.counts == {"added": 2, "removed": 1, "changed": 2, "same": 1}
    assert result.headline().endswith("2 added, 1 removed, 2 changed, 1 same (showing 2 of 5)")
    table = diff(warehouse, "--series", "upwork-in-demand-skills", "--limit", "1")
    assert "(showing 1 of 5)" in table.output and "Prompt engineering" not in table.output


def test_an_edition_against_itself_has_no_differences_and_bad_input_is_explained(
    warehouse: Path,
) -> None:
    same = diff_reports(
        warehouse, before="stanford-ai-index-jobs-2025", after="stanford-ai-index-jobs-2025"
    )
    assert same.rows.num_rows == 0 and set(same.counts) == {"same"} and same.counts["same"] > 100
    single = diff(warehouse, "--series", "stanford-ai-index-jobs")
    assert single.exit_code == 1 and "has 1 edition(s)" in single.output
    unknown = diff(warehouse, "--from", "nope-1", "--to", "upwork-in-demand-skills-2026")
    assert unknown.exit_code == 1 and "no report 'nope-1'" in unknown.output
    neither = diff(warehouse)
    assert neither.exit_code == 1 and "--series" in neither.output
