"""End to end: the Prefect flow on real files into tmp_path, checked number by number with lineage."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.pipeline import skillpulse_pipeline
from flows.reasons import all_reason_codes
from tests.conftest import write_report

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

UPWORK = "upwork-in-demand-skills-2026"
STANFORD = "stanford-ai-index-jobs-2025"


def run(raw: Path, warehouse: Path, **options) -> dict:
    return skillpulse_pipeline(str(raw), str(warehouse), **options)


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def digest_outputs(warehouse: Path) -> dict[str, str]:
    files = [
        warehouse / "skillpulse.duckdb",
        *sorted((warehouse / "marts").glob("*/*.parquet")),
        *sorted((warehouse / "lake").rglob("*.parquet")),
    ]
    return {
        str(p.relative_to(warehouse)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> tuple[Path, Path, dict]:
    root = tmp_path_factory.mktemp("e2e")
    raw = root / "raw"
    shutil.copytree(Path(__file__).resolve().parents[1] / "data" / "raw", raw)
    warehouse = root / "warehouse"
    summary = run(raw, warehouse)
    return raw, warehouse, summary


def test_published_numbers_come_out_exactly_with_lineage(built) -> None:
    _, warehouse, summary = built
    assert summary["reports_ingested"] == 3
    assert summary["reports_failed"] == 0
    row = query(
        warehouse,
        """SELECT value, value_qualifier, measure, category_raw, period_start, period_end, geography,
                  source_file, source_row, source_column, source_column_index, source_text, length(source_sha256)
           FROM lake.observations WHERE report_id = ? AND skill_raw = 'AI video generation and editing'""",
        [UPWORK],
    )
    assert row == [
        (
            329.0,
            "at_least",
            "growth_pct",
            "Design and creative",
            *_year(2025),
            "US",
            "upwork/in-demand-skills-2026/ai-skills.csv",
            2,
            "Demand growth (YoY)",
            3,
            "up over 329%",
            64,
        )
    ]
    counts = query(
        warehouse,
        """SELECT period_label, value, source_row, source_column FROM lake.observations
           WHERE report_id = ? AND table_name = 'generative-ai-skill-postings'
             AND skill_raw = 'Generative artificial intelligence' ORDER BY period_label""",
        [STANFORD],
    )
    assert counts == [
        ("2023", 15741.0, 5, "Number of AI job postings"),
        ("2024", 66635.0, 15, "Number of AI job postings"),
    ]
    wide = query(
        warehouse,
        """SELECT value, period_start, period_end, source_row, source_column, source_text FROM lake.observations
           WHERE table_name = 'ai-postings-by-skill-cluster' AND skill_raw = 'Robotics' AND source_column = '2024'""",
    )
    assert wide == [(0.07, *_year(2024), 3, "2024", "0.07%")]
    shares = query(
        warehouse,
        """SELECT round(value, 6) FROM lake.observations
           WHERE table_name = 'generative-ai-skill-shares' AND skill_raw = 'ChatGPT' AND period_label = '2023'""",
    )
    assert shares == [(10.110831,)]


def test_growth_rankings_answer_the_seed_question(built) -> None:
    _, warehouse, _ = built
    top = query(
        warehouse,
        """SELECT skill_name, growth_pct, rank_in_report, rank_in_category, percentile
           FROM marts.skill_growth_rankings WHERE report_id = ? ORDER BY rank_in_report""",
        [UPWORK],
    )
    assert [(name, growth, rank) for name, growth, rank, *_ in top] == [
        ("AI video generation and editing", 329.0, 1),
        ("AI integration", 178.0, 2),
        ("Data annotation and labeling", 154.0, 3),
        ("E-commerce management", 130.0, 4),
        ("AI image generation and editing", 95.0, 5),
    ]
    assert top[0][3] == 1 and top[-1][3] == 2  # both design-and-creative skills, ranked within it
    assert top[0][4] == 1.0 and top[-1][4] == 0.0
    derived = query(
        warehouse,
        """SELECT round(growth_pct, 2) FROM marts.skill_growth_rankings
           WHERE report_id = ? AND skill_name ILIKE 'Generative artificial intelligence' AND table_name = 'generative-ai-skill-postings'""",
        [STANFORD],
    )
    assert derived == [(round((66635 / 15741 - 1) * 100, 2),)]
    exported = pq.read_table(warehouse / "marts" / "skill_growth_rankings")
    assert (
        exported.num_rows
        == query(warehouse, "SELECT count(*) FROM marts.skill_growth_rankings")[0][0]
    )


def test_named_tables_have_the_documented_columns_all_commented(built) -> None:
    _, warehouse, _ = built
    expected = {
        (
            "lake",
            "observations",
        ): "report_id series_id publisher edition table_name period_start period_end geography "
        "category_raw category_id skill_raw skill_id measure value value_qualifier source_file source_sha256 "
        "source_row source_column source_text",
        (
            "lake",
            "quarantine",
        ): "source_file source_row source_column reason_code message raw_record",
        ("lake", "reports"): "report_id series_id edition publisher title source_url",
        (
            "marts",
            "skill_growth_rankings",
        ): "report_id skill_id skill_name category_id growth_pct rank_in_report "
        "rank_in_category percentile",
    }
    for (schema, table), columns in expected.items():
        rows = dict(
            query(
                warehouse,
                "SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                [schema, table],
            )
        )
        assert set(columns.split()) <= set(rows), (schema, table)
        assert all(rows.values()), f"{schema}.{table} has uncommented columns"
        (comment,) = query(
            warehouse,
            "SELECT comment FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        )[0]
        assert comment


def test_every_value_cell_is_accounted_for(built) -> None:
    _, warehouse, _ = built
    rows = query(
        warehouse,
        "SELECT report_id, value_cells, observations, blank_cells, rejected_cells FROM lake.reports ORDER BY 1",
    )
    for report_id, cells, observations, blanks, rejected in rows:
        assert cells == observations + blanks + rejected, report_id
    (observed,) = query(warehouse, "SELECT count(*) FROM lake.observations")[0]
    assert observed == sum(r[2] for r in rows)


def test_rerun_changed_file_and_removed_report(built, tmp_path: Path) -> None:
    raw, warehouse, _ = built
    raw, warehouse = _copy(raw, warehouse, tmp_path)
    before = digest_outputs(warehouse)
    again = run(raw, warehouse)
    assert again["nothing_changed"] and again["reports_ingested"] == 0
    assert digest_outputs(warehouse) == before

    csv = raw / "upwork" / "in-demand-skills-2026" / "ai-skills.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("+178%", "+181%"), encoding="utf-8")
    changed = run(raw, warehouse)
    assert changed["reports_ingested"] == 1 and changed["reports_unchanged"] == 2
    assert query(
        warehouse,
        "SELECT value, source_text FROM lake.observations WHERE skill_raw = 'AI integration'",
    ) == [(181.0, "+181%")]
    assert query(
        warehouse, "SELECT count(*) FROM lake.observations WHERE report_id = ?", [UPWORK]
    ) == [(5,)]

    shutil.rmtree(raw / "upwork")
    retired = run(raw, warehouse)
    assert retired["reports_retired"] == 1
    assert query(
        warehouse, "SELECT count(*) FROM lake.observations WHERE report_id = ?", [UPWORK]
    ) == [(0,)]
    assert query(
        warehouse, "SELECT count(*) FROM marts.skill_growth_rankings WHERE report_id = ?", [UPWORK]
    ) == [(0,)]
    assert not (warehouse / "lake" / "observations" / UPWORK).exists()


def test_bad_input_is_quarantined_and_the_rest_still_loads(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_report(
        raw / "acme" / "skills-2025",
        """
        [report]
        series = "acme-skills"
        edition = "2025"
        publisher = "Acme Jobs"
        title = "Acme skills 2025"
        source_url = "https://example.org/acme"
        period = { start = 2024-01-01, end = 2024-12-31 }

        [[tables]]
        file = "skills.csv"
        measure = "growth_pct"
        columns = { skill = "Skill", value = "Growth" }
        """,
        {
            "skills.csv": "Skill,Growth\r\nPrompt engineering,+41%\r\nChatbot development,17 per cnet\r\n,12%\r\nPrompt engineering,+41%\r\nRobotics,\r\n"
        },
    )
    write_report(
        raw / "broken" / "x",
        """
        [report]
        series = "Broken"
        """,
        {"table.csv": "a,b\n"},
    )
    (raw / "stray.csv").write_text("Skill,Growth\nX,1%\n", encoding="utf-8")
    summary = run(raw, tmp_path / "warehouse")
    assert summary["reports_ingested"] == 1
    warehouse = tmp_path / "warehouse"
    assert query(warehouse, "SELECT skill_raw, value FROM lake.observations") == [
        ("Prompt engineering", 41.0)
    ]
    quarantine = query(
        warehouse,
        "SELECT reason_code, source_file, source_row, source_column, message FROM lake.quarantine ORDER BY source_file, source_row",
    )
    by_reason = {q[0]: q for q in quarantine}
    assert set(by_reason) >= {
        "invalid_manifest",
        "undeclared_file",
        "missing_skill",
        "duplicate_row",
    }
    bad_value = next(q for q in quarantine if q[2] == 3)
    assert bad_value[1:4] == ("acme/skills-2025/skills.csv", 3, "Growth")
    assert "acme/skills-2025/skills.csv:3:2" in bad_value[4] and "17 per cnet" in bad_value[4]
    assert "skillpulse new-report stray.csv" in by_reason["undeclared_file"][4]
    assert set(by_reason) <= set(all_reason_codes()), (
        "every reason code the pipeline emits is documented"
    )
    (cells, observations, blanks, quarantined) = query(
        warehouse, "SELECT value_cells, observations, blank_cells, quarantined FROM lake.reports"
    )[0]
    assert (cells, observations, blanks, quarantined) == (5, 1, 1, 3)


def _copy(raw: Path, warehouse: Path, tmp_path: Path) -> tuple[Path, Path]:
    shutil.copytree(raw, tmp_path / "raw")
    shutil.copytree(warehouse, tmp_path / "warehouse", symlinks=True)
    return tmp_path / "raw", tmp_path / "warehouse"


def _year(year: int) -> tuple:
    from datetime import date

    return date(year, 1, 1), date(year, 12, 31)
