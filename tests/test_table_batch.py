"""Small tables normalized as one batch give each report exactly what it gets alone, and one bad table fails only its own report."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows import ingest as ingest_module
from flows.config import DEFAULT_REFERENCE
from flows.extract import RawTable
from flows.ingest import Batch, ingest_batch, ingest_report
from flows.lake import BatchWriter
from flows.normalize.table import ReadTable, TableResult, normalize_read, read_declared
from flows.normalize.table_batch import batchable, normalize_tables
from flows.raw.discover import ReportSource, discover, reference_fingerprint
from tests.conftest import write_report
from tests.hostile_corpus import manifest

# Rows a table sets aside or rejects, blanks, a cell of two figures, a bare "$" in a report
# with its own currency, per-row measures and dimensions, unpivoted years, and a file that
# lacks its mapped column: each report reads alone and in a batch.
REPORTS = {
    "alpha": (
        manifest("alpha", "t.csv"),
        "Skill,Growth\nPrompt engineering,+48%\nPrompt engineering,+48%\nRust,\n"
        "Go,up about 12% in 2024 and 15% in 2025\nSQL,lots\nTotal,+20%\nSource: survey\n",
    ),
    "beta": (
        manifest(
            "beta",
            "t.csv",
            measure="count",
            columns='{ skill = "Skill" }',
            table='unpivot = { headers = "^20\\\\d\\\\d$", into = "period" }\n',
        ),
        'Skill,2023,2024\nPython,"1,200",1300\nExcel,n/a,900\n',
    ),
    "zeta": (  # the shape of beta: both go through long_cells in one call
        manifest(
            "zeta",
            "t.csv",
            measure="count",
            columns='{ skill = "Skill" }',
            table='unpivot = { headers = "^20\\\\d\\\\d$", into = "period" }\n',
        ),
        "Skill,2023,2024\nRust,40,\nPython,7,8\nRust,40,\n",
    ),
    "gamma": (
        manifest(
            "gamma",
            "t.csv",
            columns='{ skill = "Skill", value = "Figure", measure = "What", '
            'dimensions = { segment = "Segment" } }',
            table="accounting_negatives = true\n",
        ),
        "Skill,What,Segment,Figure\nAI,Share of postings,All,27\nAI,YoY growth,Small,(4.2)\n",
    ),
    "delta": (
        manifest(
            "delta",
            "t.csv",
            measure="money",
            columns='{ skill = "Skill", value = "Pay" }',
            report='currency = "EUR"',
        ),
        'Skill,Pay\nData engineering,"pays $120,000 a year"\nDesign,"£80,000"\n',
    ),
    "epsilon": (manifest("epsilon", "t.csv"), "Name,Growth\nRust,+3%\n"),
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[ReportSource, ...]:
    raw = tmp_path_factory.mktemp("raw")
    for series, (text, csv) in REPORTS.items():
        write_report(raw / series, text, {"t.csv": csv})
    plan = discover(raw, reference_fingerprint(DEFAULT_REFERENCE), {})
    return tuple(sorted(plan.changed, key=lambda s: s.report_id))


def _lake_rows(lake: Path, rows: list[dict], sources) -> tuple:
    observations = [
        pq.read_table(lake / name).to_pylist()
        for name in dict.fromkeys(r["observations_file"] for r in rows if r["observations_file"])
    ]
    quarantine = [
        pq.read_table(lake / name).to_pylist()
        for name in dict.fromkeys(r["quarantine_file"] for r in rows if r["quarantine_file"])
    ]
    files = ("observations_file", "quarantine_file", "claims_file")
    reports = [{k: v for k, v in r.items() if k != "ingested_at" and k not in files} for r in rows]
    return observations, quarantine, reports


def test_a_batch_gives_each_report_what_it_gets_alone(sources, tmp_path: Path) -> None:
    together = ingest_batch(Batch(sources), tmp_path / "together", DEFAULT_REFERENCE)
    alone_lake = tmp_path / "alone"
    with duckdb.connect() as con, BatchWriter(alone_lake) as writer:
        alone = [ingest_report(con, s, writer, DEFAULT_REFERENCE) for s in sources]
    got = _lake_rows(tmp_path / "together", together, sources)
    assert got == _lake_rows(alone_lake, alone, sources)
    observations, quarantine, reports = got
    assert {r["report_id"]: r["status"] for r in reports} == {
        "alpha-2025": "partial",
        "beta-2025": "partial",
        "delta-2025": "ok",
        "epsilon-2025": "failed",
        "gamma-2025": "ok",
        "zeta-2025": "partial",
    }
    assert sum(map(len, observations)) > 8 and sum(map(len, quarantine)) >= 5
    currencies = {
        o["currency"] for rows in observations for o in rows if o["report_id"] == "delta-2025"
    }
    assert currencies == {"EUR", "GBP"}  # a bare "$" takes the report's currency
    # Every table that was read went through the batch.
    tables = [read_declared(s, s.manifest.tables[0], DEFAULT_REFERENCE) for s in sources]
    assert sum(isinstance(t, ReadTable) and batchable(t) for t in tables) == 5


def test_one_table_the_batch_cannot_take_fails_alone(sources) -> None:
    tables = [read_declared(s, s.manifest.tables[0], DEFAULT_REFERENCE) for s in sources]
    good = [t for t in tables if isinstance(t, ReadTable)]
    # Cells that are not text (no reader gives them): the batch's concatenation refuses them.
    bad_cells = good[0].raw.cells.set_column(1, "c1", pa.array([1] * good[0].raw.cells.num_rows))
    bad = ReadTable(
        good[0].source,
        good[0].spec,
        RawTable(good[0].raw.header, bad_cells, good[0].raw.skipped),
        good[0].layout,
    )
    with duckdb.connect() as con:
        results = normalize_tables(con, [*good, bad], DEFAULT_REFERENCE)
        alone = [normalize_read(con, t, DEFAULT_REFERENCE) for t in good]
    assert isinstance(results[-1], Exception)
    for result, expected in zip(results[:-1], alone, strict=True):
        assert isinstance(result, TableResult)
        assert result.observations.equals(expected.observations)
        assert result.quarantine.equals(expected.quarantine)


def test_a_window_holds_at_most_its_cells(sources, tmp_path: Path, monkeypatch) -> None:
    # Counted in cells, so a window of wide tables holds fewer reports than one of narrow tables
    # (counted in lines, 200 wide reports once waited together).
    windows: list[list[str]] = []
    store = ingest_module._store_window

    def recording(con, window, writer, reference_dir):
        windows.append([source.report_id for source, _ in window])
        return store(con, window, writer, reference_dir)

    monkeypatch.setattr(ingest_module, "_store_window", recording)
    bound = 20
    monkeypatch.setattr(ingest_module, "WINDOW_CELLS", bound)
    rows = ingest_batch(Batch(sources), tmp_path / "lake", DEFAULT_REFERENCE)
    assert [r["report_id"] for r in rows] == [s.report_id for s in sources]
    waiting = [window for window in windows if window]
    assert len(waiting) > 1 and sum(map(len, waiting)) == len(sources)

    def cells(report_id: str) -> int:
        csv = REPORTS[report_id.removesuffix("-2025")][1]
        header, *body = csv.rstrip("\n").split("\n")
        return len(body) * (header.count(",") + 1)

    # A window closes with the report that brings it to the bound, not before, not after.
    for window in waiting[:-1]:
        assert sum(map(cells, window[:-1])) < bound <= sum(map(cells, window))
