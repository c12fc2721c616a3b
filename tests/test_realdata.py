"""Real published files (../shared/realdata) through the whole flow: every figure accounted for, spot values exact."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import time
import tomllib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from flows.extract import read_table
from flows.normalize.layout import resolve_layout
from flows.pipeline import skillpulse_pipeline
from flows.raw.manifest import MANIFEST_NAME, Manifest, TableSpec, load_manifest
from flows.reasons import all_reason_codes

pytestmark = pytest.mark.realdata

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"
MANIFESTS = REPO / "tests" / "fixtures" / "realdata"
# Publisher folder of the manifests -> folder of ../shared/realdata holding its raw files.
SOURCES = {
    "stanford-hai": "stanford_ai_index_2025_ch4_jobs",
    "onet": "onet_29_2",
    "indeed-hiring-lab": "indeed_hiring_lab",
}
JOBS = "stanford-hai/ai-index-2025-ai-job-postings"
TALENT = "stanford-hai/ai-index-2025-ai-talent"
USAGE = "stanford-hai/ai-index-2025-ai-usage-by-occupation"
ONET = "onet/onet-29.2-technology-skills"
INDEED = "indeed-hiring-lab/job-postings-by-sector-us"
# Data rows per report, from the row counts in ../shared/realdata/README.md (4.2.24 is declared twice).
DATA_ROWS = {
    "ai-index-ai-job-postings-2025": 121 + 110 + 135 + 20 + 20 + 20 + 30 + 3 * 51 + 60 + 60,
    "ai-index-ai-talent-2025": 47 + 3948 + 49 + 84 + 48 + 48 + 774 + 18 + 772 + 48 + 288,
    "ai-index-ai-usage-by-occupation-2025": 2 * 22 + 752 + 5,
    "onet-technology-skills-29.2": 32627,
    "indeed-job-postings-by-sector-2024-09-16": 74228,
}
# Words that tell the reader what to do about a quarantined input.
FIXES = (
    "point columns.value",
    "set ",
    "fix ",
    "declare",
    "add corrections",
    "nothing to load",
    "remove",
    "delete",
    "fill in",
)


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The manifests of tests/fixtures/realdata with the real files copied next to them."""
    target = tmp_path_factory.mktemp("realdata") / "raw"
    for manifest in sorted(MANIFESTS.rglob(MANIFEST_NAME)):
        folder = manifest.parent.relative_to(MANIFESTS)
        (target / folder).mkdir(parents=True)
        shutil.copy(manifest, target / folder / MANIFEST_NAME)
        source = REALDATA / SOURCES[folder.parts[0]]
        tables = tomllib.loads(manifest.read_text(encoding="utf-8"))["tables"]
        for file in {table["file"] for table in tables}:
            shutil.copy(source / file, target / folder / file)
    return target


@pytest.fixture(scope="module")
def built(raw: Path, prefect_harness) -> tuple[Path, dict, float]:
    warehouse = raw.parent / "warehouse"
    started = time.perf_counter()
    summary = skillpulse_pipeline(str(raw), str(warehouse))
    return warehouse, summary, time.perf_counter() - started


@pytest.fixture(scope="module")
def con(built) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published warehouse, opened read-only as an analyst opens it."""
    warehouse, _, _ = built
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as connection:
        yield connection


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def published_rows(path: Path) -> list[list[str]]:
    """The file as a person reads it, independently of skillpulse's readers: header first."""
    delimiter = "\t" if path.suffix == ".txt" else ","
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def declared_tables(raw: Path) -> list[tuple[str, TableSpec]]:
    """(report folder relative to raw, TableSpec) for every declared table."""
    return [
        (str(manifest.parent.relative_to(raw)), table)
        for manifest in sorted(raw.rglob(MANIFEST_NAME))
        for table in load_manifest(manifest).tables
    ]


def test_every_report_is_read_and_only_onet_loads_nothing(built, con) -> None:
    _, summary, _ = built
    assert summary["reports_ingested"] == len(DATA_ROWS)
    rows = dict(query(con, "SELECT report_id, status FROM lake.reports"))
    assert rows == dict.fromkeys(DATA_ROWS, "ok") | {"onet-technology-skills-29.2": "failed"}


def test_every_value_cell_is_accounted_for(con) -> None:
    rows = query(
        con,
        """SELECT r.report_id, r.data_rows, r.value_cells, r.observations, r.blank_cells, r.quarantined,
                  (SELECT count(*) FROM lake.quarantine q WHERE q.report_id = r.report_id AND q.source_column IS NOT NULL)
           FROM lake.reports r ORDER BY 1""",
    )
    for report_id, data_rows, cells, observations, blanks, quarantined, rejected_cells in rows:
        assert data_rows == cells == DATA_ROWS[report_id], report_id
        assert cells == observations + blanks + quarantined, report_id
        assert quarantined == rejected_cells, f"{report_id}: rows or files set aside in clean files"


def test_each_table_matches_its_file_cell_for_cell(con, raw: Path) -> None:
    """Counted from the file with Python's csv module: every value cell is an observation, a blank
    cell or a quarantined cell, and every observation holds the text and skill of its own cell."""
    for folder, table in declared_tables(raw):
        source_file = f"{folder}/{table.file}"
        rows = published_rows(raw / folder / table.file)
        header = rows[0]
        value_at = header.index(table.columns.value)
        skill_at = header.index(table.columns.skill)
        cells = {line: row[value_at] for line, row in enumerate(rows[1:], start=2)}
        blanks = sum(1 for text in cells.values() if not text.strip())
        observed = query(
            con,
            """SELECT source_row, source_text, skill_raw, source_column, source_column_index, source_sha256
               FROM lake.observations WHERE source_file = ? AND table_name = ?""",
            [source_file, table.table_name],
        )
        (rejected,) = query(
            con,
            "SELECT count(*) FROM lake.quarantine WHERE source_file = ? AND table_name = ?",
            [source_file, table.table_name],
        )[0]
        assert len(observed) + rejected + blanks == len(cells), source_file
        sha256 = hashlib.sha256((raw / folder / table.file).read_bytes()).hexdigest()
        for row, text, skill, column, column_index, digest in observed:
            assert (text, column, column_index, digest) == (
                cells[row],
                table.columns.value,
                value_at + 1,
                sha256,
            ), (source_file, row)
            assert skill == rows[row - 1][skill_at].strip(), (source_file, row)


SPOT_VALUES = [
    # (report folder, file, skill, period_start, measure, value, source_row), values as published.
    (
        JOBS,
        "fig_4.2.5.csv",
        "Generative artificial intelligence",
        date(2023, 1, 1),
        "count",
        15741,
        2,
    ),
    (
        JOBS,
        "fig_4.2.5.csv",
        "Generative artificial intelligence",
        date(2024, 1, 1),
        "count",
        66635,
        12,
    ),
    (
        JOBS,
        "fig_4.2.6.csv",
        "Large language modeling",
        date(2023, 1, 1),
        "share_pct",
        16.4454473,
        3,
    ),
    (JOBS, "fig_4.2.4.csv", "Python (programming language)", date(2012, 1, 1), "count", 31782, 11),
    (JOBS, "fig_4.2.3.csv", "Generative AI", date(2024, 1, 1), "share_pct", 0.22, 91),
    (JOBS, "fig_4.2.8.csv", "CA", date(2024, 1, 1), "count", 103375, 6),
    (JOBS, "fig_4.2.10.csv", "CA", date(2024, 1, 1), "share_pct", 15.7, 6),
    (JOBS, "fig_4.2.7.csv", "Information", date(2024, 1, 1), "share_pct", 9.33, 31),
    (TALENT, "fig_4.2.13.csv", "India", date(2024, 12, 1), "growth_pct", 33.39, 2),
    (TALENT, "fig_4.2.14.csv", "India", date(2024, 12, 1), "growth_pct", 33.39, 1681),
    (TALENT, "fig_4.2.15.csv", "United States", date(2015, 1, 1), "ratio", 2.63, 2),
    (TALENT, "fig_4.2.23.csv", "Argentina", date(2019, 1, 1), "ratio", -0.18, 2),
    (USAGE, "fig_4.2.25.csv", "Accountants", None, "share_pct", 0.4010138593950885, 2),
    (INDEED, "job_postings_by_sector_US.csv", "Accounting", date(2020, 2, 1), "index", 100, 2),
    (
        INDEED,
        "job_postings_by_sector_US.csv",
        "Software Development",
        date(2024, 9, 13),
        "index",
        69.14,
        67481,
    ),
]


@pytest.mark.parametrize(
    ("folder", "file", "skill", "start", "measure", "value", "row"), SPOT_VALUES
)
def test_spot_values_come_out_exactly(con, folder, file, skill, start, measure, value, row) -> None:
    found = query(
        con,
        """SELECT measure, value, source_row FROM lake.observations
           WHERE source_file = ? AND skill_raw = ? AND period_start IS NOT DISTINCT FROM ?""",
        [f"{folder}/{file}", skill, start],
    )
    assert len(found) == 1, found
    assert found == [(measure, value, row)]


def test_periods_and_areas_are_read_as_published(con) -> None:
    en_dash = query(
        con,
        "SELECT DISTINCT period_start, period_end FROM lake.observations WHERE source_file = ? AND period_label = ?",
        [f"{JOBS}/fig_4.2.4.csv", "2012\u201314"],
    )
    assert en_dash == [(date(2012, 1, 1), date(2014, 12, 31))]
    # fig_4.2.2.csv has no final line break: its last row must read "Spain", as the others do.
    last = query(
        con,
        "SELECT skill_raw, geography, value FROM lake.observations WHERE source_file = ? ORDER BY source_row DESC LIMIT 1",
        [f"{JOBS}/fig_4.2.2.csv"],
    )
    assert last == [("Spain", "Spain", 1.24)]
    blanks = query(
        con,
        "SELECT blank_cells FROM lake.reports WHERE report_id = 'ai-index-ai-job-postings-2025'",
    )
    assert blanks == [(49 + 48,)]  # the years fig_4.2.1 and fig_4.2.2 print no figure for


def test_onet_flags_are_refused_cell_by_cell_with_the_fix(con) -> None:
    rows = query(
        con,
        """SELECT reason_code, source_column, count(*), count(DISTINCT source_row), min(source_row), max(source_row)
           FROM lake.quarantine WHERE report_id = 'onet-technology-skills-29.2' GROUP BY ALL""",
    )
    assert rows == [("unparseable_value", "Hot Technology", 32627, 32627, 2, 32628)]
    (message,) = query(
        con,
        "SELECT message FROM lake.quarantine WHERE report_id = 'onet-technology-skills-29.2' AND source_row = 2",
    )[0]
    assert message == (
        f'{ONET}/Technology Skills.txt:2:5 (column "Hot Technology"): "Y" is a yes/no flag, not a figure, '
        "and no measure holds flags; point columns.value at a column of numbers, or remove this table "
        "from report.toml"
    )


def test_every_quarantine_row_says_where_what_and_how_to_fix(con) -> None:
    documented = all_reason_codes()
    rows = query(
        con,
        "SELECT source_file, source_row, source_column, reason_code, message, raw_record FROM lake.quarantine",
    )
    assert rows, "the O*NET flags must be quarantined"
    for source_file, row, column, reason, message, record in rows:
        assert reason in documented and reason != "report_failed", message
        where = f"{source_file}:{row}:" if row is not None else source_file
        assert message.startswith(where), message
        if column is not None:
            assert f'"{json.loads(record)[column]}"' in message, message
        assert any(fix in message for fix in FIXES), message


def test_the_run_stays_quick(built) -> None:
    _, summary, seconds = built
    # ~3 s of pipeline work here (74,228 Indeed rows, 32,627 O*NET cells); the rest is Prefect.
    assert sum(summary["seconds"].values()) < 20
    assert seconds < 60


DOC_EXAMPLE_FILES = {
    "fig_4.2.4.csv": REALDATA / SOURCES["stanford-hai"],
    "Technology Skills.txt": REALDATA / SOURCES["onet"],
    "generative-ai-skills.xlsx": REPO / "data/raw/stanford-ai-index/2025-economy-jobs",
    "skill-clusters.csv": REPO / "data/raw/stanford-ai-index/2025-economy-jobs",
    "top-skills.csv": REPO / "data/raw/stanford-ai-index/2025-economy-jobs",
    "job-postings-index.json": REPO / "data/raw/indeed-hiring-lab/job-postings-index-2024",
    **dict.fromkeys(
        ["skills_page.html", "report.md", "article.txt", "label_value.txt", "aligned.txt"],
        REPO / "tests/fixtures/extract",
    ),
}


def test_formats_doc_examples_are_valid_and_read_their_files() -> None:
    """docs/formats.md stays true to the code: each example validates, and reads its file if we have it."""
    document = (REPO / "docs" / "formats.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", document, re.S)
    report = '[report]\nseries = "doc"\nedition = "1"\npublisher = "p"\ntitle = "t"\nsource_url = "https://example.org"\n'
    read = set()
    for block in blocks:
        for table in Manifest.model_validate(tomllib.loads(report + block)).tables:
            if table.file in DOC_EXAMPLE_FILES:
                raw = read_table(DOC_EXAMPLE_FILES[table.file] / table.file, table)
                assert raw.cells.num_rows and resolve_layout(raw.header, table, table.file)
                read.add(table.file)
    assert read == set(DOC_EXAMPLE_FILES)
