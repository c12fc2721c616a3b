"""`skillpulse new-report`: a draft manifest sniffed from a raw file, which loads once the TODOs are filled."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.errors import ManifestError
from flows.raw.manifest import load_manifest
from flows.taxonomy.scaffold import draft_manifest, layout_fields


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


# Real-style files as publishers share them, under data/raw/<publisher>/<report>/; cells are short
# quotes of the printed forms (Upwork's monthly hiring report, a job board's counts, salary
# guides, rankings), titles above the header as spreadsheets carry them.
DRAFTED = {
    "upwork/monthly-hiring-report-2025-12/top-skills.csv": (
        "Upwork December Monthly Hiring Report,,\n"
        '"Source: Upwork Research Institute, December 2025",,\n'
        "Skill,Category,Change\n"
        "Project Management,Operations,up 23%\n"
        "Accounting & Bookkeeping,Finance,up 15%\n"
        "Virtual Admin Assistance,Admin,dropped 3%\n",
        "growth_pct",
        3,
    ),
    "jobboard/ai-postings-2025/postings.csv": (
        'Skill,Job ads\nPrompt engineering,"12,500"\nMLOps,"over 9,000 job ads"\nLangChain,870\n',
        "count",
        1,
    ),
    "salary-guide/tech-salaries-2025/pay.md": (
        "# Tech salaries 2025\n\nMedian base pay by skill.\n\n"
        "| Skill | Median |\n|---|---|\n| Kubernetes | $118,000 |\n| Rust | nearly $18,000 more |\n"
        "| SQL | $95,500 |\n",
        "money",
        1,
    ),
    "upwork/hiring-notes-2025/skills.txt": (
        "Upwork hiring report, December 2025\n\n"
        "Skill                      Category     Growth\n"
        "Project Management         Operations   +23%\n"
        "Accounting & Bookkeeping   Finance      +15%\n"
        "Virtual Admin Assistance   Admin        +3%\n",
        "growth_pct",
        2,
    ),
    "ranker/skills-ranking-2024/ranks.csv": (
        "Skill,Listed\nPython,(1)\nSQL,(2)\nExcel,(7)\n",
        "rank",
        1,
    ),
}


def _xlsx_with_title(path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Share of job postings requiring AI skills, 2025"])
    sheet.append([])
    sheet.append(["Skill", "Postings"])
    for skill, value in [
        ("Generative AI", "27% of postings"),
        ("Machine learning", "31% of postings"),
        ("Data analysis", "9% of postings"),
    ]:
        sheet.append([skill, value])
    book.save(path)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_drafts_load_unedited_through_run_with_the_right_measure(tmp_path: Path) -> None:
    """`new-report FILE --publisher --source-url` for real-style files: series and edition come
    from the folders, titles above the header set header_row, the values' words the measure; the
    draft runs as written and every figure lands with that measure."""
    import duckdb

    raw = tmp_path / "raw"
    expected = {}
    for rel, (text, measure, header_row) in DRAFTED.items():
        (raw / rel).parent.mkdir(parents=True)
        (raw / rel).write_text(text, encoding="utf-8")
        expected[rel] = (measure, header_row)
    workbook = raw / "survey-co/ai-skills-survey-2025/shares.xlsx"
    workbook.parent.mkdir(parents=True)
    _xlsx_with_title(workbook)
    expected["survey-co/ai-skills-survey-2025/shares.xlsx"] = ("share_pct", 3)
    runner = CliRunner()
    for rel, (measure, header_row) in expected.items():
        publisher = rel.split("/")[0]
        result = runner.invoke(
            app,
            ["new-report", str(raw / rel), "--publisher", publisher.title(),
             "--source-url", f"https://example.org/{publisher}"],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        draft = (raw / rel).parent.joinpath("report.toml").read_text(encoding="utf-8")
        assert '"TODO"' not in draft, draft
        assert f'measure = "{measure}"' in draft, draft
        assert (f"header_row = {header_row}" in draft) == (header_row > 1), draft
    manifest = load_manifest(raw / "upwork/monthly-hiring-report-2025-12/report.toml")
    assert (manifest.report.series, manifest.report.edition) == (
        "upwork-monthly-hiring-report",
        "2025-12",
    )
    assert manifest.report.title == "Upwork December Monthly Hiring Report"
    warehouse = tmp_path / "warehouse"
    run = runner.invoke(app, ["run", "--raw", str(raw), "--warehouse", str(warehouse)])
    assert run.exit_code == 0, run.output
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        landed = con.sql(
            "SELECT r.report_dir, o.measure, count(*) FROM lake.observations o "
            "JOIN lake.reports r USING (report_id) GROUP BY ALL"
        ).fetchall()
        quarantined = con.sql("SELECT reason_code, message FROM lake.quarantine").fetchall()
    by_folder = {Path(folder).parts[-1]: (m, n) for folder, m, n in landed}
    assert len(landed) == len(expected), landed
    for rel, (measure, _) in expected.items():
        assert by_folder[Path(rel).parent.name] == (measure, 3), (rel, landed)
    assert quarantined == [], quarantined


def test_a_header_with_a_blank_corner_is_not_taken_for_a_title(tmp_path: Path) -> None:
    raw = tmp_path / "raw" / "acme" / "2025" / "wide.csv"
    raw.parent.mkdir(parents=True)
    raw.write_text(',2022,2023\nPython,"1,234","1,500"\nSQL,"2,001","2,100"\n', encoding="utf-8")
    draft = draft_manifest(raw).text
    assert "header_row" not in draft
    assert 'series = "acme"' in draft and 'edition = "2025"' in draft


@pytest.mark.parametrize(
    ("folder", "series", "edition"),
    [
        ("raw/upwork/in-demand-skills-2026", "upwork-in-demand-skills", "2026"),
        ("raw/stanford-ai-index/2025-economy-jobs", "stanford-ai-index-economy-jobs", "2025"),
        ("raw/indeed/indeed-postings-2024-09-16", "indeed-postings", "2024-09-16"),
        ("raw/lightcast/skills-report/2025-q1", "lightcast-skills-report", "2025-q1"),
        ("raw/acme/skills", "acme-skills", None),
    ],
)
def test_series_and_edition_come_from_the_folders(tmp_path, folder, series, edition) -> None:
    _, found_series, found_edition = layout_fields(tmp_path / folder / "file.csv")
    assert (found_series, found_edition) == (series, edition)
