"""`skillpulse explain`: a figure's file, cell, printed text, hash, manifest lines and mart rows."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.analyst_warehouse import analyst_warehouse_once

pytestmark = pytest.mark.slow


@pytest.fixture
def warehouse(tmp_path_factory, prefect_harness) -> Path:
    return analyst_warehouse_once(tmp_path_factory)


def explain(warehouse: Path, *args: str):
    return CliRunner().invoke(app, ["explain", *args, "--warehouse", str(warehouse)])


def test_explain_traces_a_figure_to_its_cell_manifest_and_marts(warehouse: Path) -> None:
    result = explain(warehouse, "upwork-in-demand-skills-2025", "ai-video-generation-and-editing")
    assert result.exit_code == 0, result.output
    text = result.output
    raw = Path(json.loads((warehouse / "last_run.json").read_text())["raw_dir"])
    report_dir = raw / "upwork" / "in-demand-skills-2025"
    sha = hashlib.sha256((report_dir / "ai-skills.csv").read_bytes()).hexdigest()
    assert "file:     upwork/in-demand-skills-2025/ai-skills.csv" in text
    assert "row 2, column 'Demand growth (YoY)' (column 3)" in text
    assert "printed:  '+120%'" in text and f"sha256:   {sha}" in text
    assert "growth_pct 120.0 (exact)" in text

    manifest = (report_dir / "report.toml").read_text().splitlines()
    first = manifest.index("[[tables]]") + 1
    assert f"read by {report_dir / 'report.toml'}, lines {first}-{first + 4}:" in text
    assert f"  {first + 4:>4} | {manifest[first + 3]}" in text

    assert "marts.skill_growth_rankings: 1 row(s) built from it" in text
    # Both the step into 2026 (as the earlier edition) and the ranking row of this edition.
    assert "marts.edition_changes: 1 row(s) built from it" in text
    assert "value_before=120.0, value_after=329.0" in text
    assert "marts.skill_name_matches: 1 row(s)" in text


def test_explain_finds_a_skill_by_printed_name_and_lists_every_figure(warehouse: Path) -> None:
    result = explain(warehouse, "stanford-ai-index-jobs-2025", "microsoft copilot")
    assert result.exit_code == 0, result.output
    assert "figure 4 of 4" in result.output
    assert "generative-ai-skills.xlsx" in result.output and "printed:  '1496'" in result.output


def test_explain_says_what_is_missing_and_what_is_close(warehouse: Path) -> None:
    unknown = explain(warehouse, "no-such-report", "x")
    assert unknown.exit_code == 1 and "no report 'no-such-report'" in unknown.output
    typo = explain(warehouse, "upwork-in-demand-skills-2026", "AI vido generation")
    assert typo.exit_code == 1
    assert "closest names there: 'AI video generation and editing'" in typo.output


def test_explain_and_the_report_name_a_pdf_figures_page(tmp_path: Path, prefect_harness) -> None:
    from flows.ops.report import write_report
    from flows.pipeline import skillpulse_pipeline
    from tests.test_pdf_pipeline import _report

    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    _report(raw / "acme" / "freelance-2025")
    skillpulse_pipeline(str(raw), str(warehouse))
    result = explain(warehouse, "acme-freelance-report-2025", "E-commerce management")
    assert result.exit_code == 0, result.output
    assert "  page:     3" in result.output
    assert "row 6, column 'Growth 2025'" in result.output and "printed:  '130%'" in result.output
    html = write_report(warehouse, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "acme/freelance-2025/report.pdf:6:Growth 2025 (page 3)" in html
