"""`skillpulse new-report`: a draft manifest sniffed from a raw file, which loads once the TODOs are filled."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.errors import ManifestError
from flows.raw.manifest import load_manifest
from flows.taxonomy.scaffold import draft_manifest


def fill_todos(text: str) -> str:
    return (
        text.replace('edition = "TODO"', 'edition = "2025"')
        .replace('publisher = "TODO"', 'publisher = "Acme"')
        .replace('title = "TODO"', 'title = "Acme skills"')
        .replace('source_url = "TODO"', 'source_url = "https://example.org/acme"')
    )


def test_long_table_gets_skill_value_and_period(tmp_path: Path) -> None:
    raw = tmp_path / "acme-skills" / "skills.csv"
    raw.parent.mkdir()
    raw.write_text(
        "Year,Skill cluster,AI job postings (% of all job postings)\n2023,Robotics,0.07%\n2024,Robotics,0.08%\n",
        encoding="utf-8",
    )
    draft = draft_manifest(raw)
    assert (
        'period = "Year"' in draft.text
        and 'value = "AI job postings (% of all job postings)"' in draft.text
    )
    assert 'measure = "share_pct"' in draft.text
    draft.path.write_text(draft.text, encoding="utf-8")
    with pytest.raises(ManifestError, match="TODO"):
        load_manifest(draft.path)
    draft.path.write_text(fill_todos(draft.text), encoding="utf-8")
    manifest = load_manifest(draft.path)
    assert manifest.tables[0].columns.skill == "Skill cluster"


def test_wide_table_with_year_columns_is_unpivoted(tmp_path: Path) -> None:
    raw = tmp_path / "wide" / "levels.csv"
    raw.parent.mkdir()
    raw.write_text('Skill,2022,2023,2024\nPython,"1,234","1,500","2,001"\n', encoding="utf-8")
    draft = draft_manifest(raw)
    assert "unpivot = { headers = " in draft.text and 'skill = "Skill"' in draft.text
    assert 'measure = "count"' in draft.text
    draft.path.write_text(fill_todos(draft.text), encoding="utf-8")
    assert load_manifest(draft.path).tables[0].unpivot is not None


def test_cli_refuses_to_overwrite_a_manifest(tmp_path: Path) -> None:
    raw = tmp_path / "r" / "growth.csv"
    raw.parent.mkdir()
    raw.write_text("Skill,YoY growth\nAI integration,+178%\n", encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(app, ["new-report", str(raw)])
    assert first.exit_code == 0, first.output
    assert 'measure = "growth_pct"' in (raw.parent / "report.toml").read_text(encoding="utf-8")
    second = runner.invoke(app, ["new-report", str(raw)])
    assert second.exit_code == 1 and "--force" in second.output
