"""Manifest validation: every mistake is reported at once, with the key, the bad value and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.errors import ManifestError, SkillpulseError
from flows.raw.manifest import load_manifest
from tests.conftest import SAMPLE_RAW, write_report

GOOD = """
[report]
series = "upwork-in-demand-skills"
edition = "2026"
publisher = "Upwork"
title = "In-Demand Skills 2026"
published = 2026-02-04
period = { start = 2025-01-01, end = 2025-12-31 }
source_url = "https://www.upwork.com/research/in-demand-skills-2026"

[[tables]]
file = "ai skills.csv"
measure = "growth_pct"
columns = { skill = "Skill", category = ["Category", "Work category"], value = "YoY growth" }
"""


def test_valid_manifest_is_frozen_and_derives_names(tmp_path: Path) -> None:
    folder = write_report(tmp_path / "r", GOOD, {"ai skills.csv": "Skill,YoY growth\n"})
    manifest = load_manifest(folder / "report.toml")
    table = manifest.tables[0]
    assert manifest.report_id == "upwork-in-demand-skills-2026"
    assert table.table_name == "ai-skills"
    assert table.file_format == "csv"
    assert table.columns.headers("category") == ("Category", "Work category")
    with pytest.raises(Exception, match="frozen"):
        table.measure = "count"


@pytest.mark.parametrize(
    ("written", "read", "problem"),
    [
        ("sgd", "SGD", None),
        ("S$", None, 'did you mean currency = "SGD"?'),
        ("dollars", None, "ISO"),
    ],
)
def test_report_currency_is_an_iso_code(tmp_path: Path, written, read, problem) -> None:
    text = GOOD.replace("[[tables]]", f'currency = "{written}"\n\n[[tables]]')
    folder = write_report(tmp_path / "r", text, {"ai skills.csv": "Skill,YoY growth\n"})
    if problem is None:
        assert load_manifest(folder / "report.toml").report.currency == read
        return
    with pytest.raises(ManifestError, match=re.escape(problem)):
        load_manifest(folder / "report.toml")


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    bad = """
    [report]
    series = "Upwork Skills"
    edition = "2026"
    publisher = "Upwork"
    titel = "typo"
    source_url = "ftp://nowhere"
    period = { start = 2025-12-31, end = 2025-01-01 }

    [[tables]]
    file = "../../etc/passwd"
    measure = "growth"
    columns = { skil = "Skill", value = "v" }
    """
    folder = write_report(tmp_path / "r", bad, {})
    with pytest.raises(ManifestError) as caught:
        load_manifest(folder / "report.toml")
    problems = "\n".join(caught.value.problems)
    assert isinstance(caught.value, SkillpulseError)
    assert "report.series: series 'Upwork Skills' must be lower-case" in problems
    assert "report.title: required key is missing" in problems
    assert "report.titel: unknown key; did you mean 'title'?" in problems
    assert "source_url 'ftp://nowhere' must be the http(s) address" in problems
    assert "period end 2025-01-01 is before its start 2025-12-31" in problems
    assert "tables.0.file: file '../../etc/passwd' leaves the report folder" in problems
    assert "tables.0.measure: 'growth' is not allowed; use 'growth_pct'" in problems
    assert "tables.0.columns.skil: unknown key; did you mean 'skill'?" in problems
    assert len(caught.value.problems) == 9


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (
            'file = "a.csv"\nmeasure = "count"\ncolumns = { skill = "S" }',
            "the table has no value column",
        ),
        (
            'file = "a.csv"\nmeasure = "count"\ncolumns = { skill = "S", value = "V" }\nunpivot = { headers = "^20" }',
            "not both",
        ),
        (
            'file = "a.csv"\nmeasure = "count"\ncolumns = { skill = "S" }\nunpivot = { headers = "(" }',
            "not a valid regular expression",
        ),
        (
            'file = "a.docx"\nmeasure = "count"\ncolumns = { skill = "S", value = "V" }',
            "cannot tell the format",
        ),
        (
            'file = "/abs/a.csv"\nmeasure = "count"\ncolumns = { skill = "S", value = "V" }',
            "leaves the report folder",
        ),
        (
            'file = "a.csv"\nname = "../x"\nmeasure = "count"\ncolumns = { skill = "S", value = "V" }',
            "must be letters, digits",
        ),
    ],
)
def test_table_mistakes_name_the_fix(tmp_path: Path, table: str, expected: str) -> None:
    head = GOOD.split("[[tables]]")[0]
    folder = write_report(
        tmp_path / "r", head + "[[tables]]\n" + table, {"a.csv": "S,V\n", "a.docx": "x"}
    )
    with pytest.raises(ManifestError, match=expected.replace("(", r"\(")):
        load_manifest(folder / "report.toml")


def test_missing_file_and_broken_toml(tmp_path: Path) -> None:
    folder = write_report(tmp_path / "r", GOOD, {})
    with pytest.raises(ManifestError, match=r"'ai skills\.csv' does not exist"):
        load_manifest(folder / "report.toml")
    (folder / "report.toml").write_text("[report\nseries = 1", encoding="utf-8")
    with pytest.raises(ManifestError, match="not valid TOML") as caught:
        load_manifest(folder / "report.toml")
    assert caught.value.__cause__ is not None


def test_two_tables_with_one_name_are_refused(tmp_path: Path) -> None:
    two = (
        GOOD
        + '\n[[tables]]\nfile = "ai skills.csv"\nmeasure = "count"\ncolumns = { skill = "Skill", value = "n" }\n'
    )
    folder = write_report(tmp_path / "r", two, {"ai skills.csv": ""})
    with pytest.raises(ManifestError, match="used twice"):
        load_manifest(folder / "report.toml")


def test_shipped_sample_manifests_are_valid() -> None:
    manifests = sorted(SAMPLE_RAW.rglob("report.toml"))
    assert len(manifests) >= 2
    for path in manifests:
        assert load_manifest(path).report.source_url.startswith("https://")
