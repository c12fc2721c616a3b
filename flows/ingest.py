"""Extract, normalize and store a batch of reports in the lake; plain functions under the ingest task."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.config import Paths, current_settings
from flows.errors import ConfigError
from flows.failpoints import failpoint
from flows.fsutil import write_atomic
from flows.lake import BatchWriter, write_report
from flows.lake_schemas import OBSERVATIONS_FILE, QUARANTINE_SCHEMA
from flows.normalize.read_window import PendingTable, read_or_prepare, read_pending
from flows.normalize.stray_lines import with_stray_lines
from flows.normalize.table import (
    ReadTable,
    TableResult,
    normalize_read,
    normalize_report,
)
from flows.normalize.table_batch import batchable, normalize_tables
from flows.raw import storage
from flows.raw.discover import ReportSource

log = logging.getLogger(__name__)

# Enough reports per task that Prefect's per-task cost stays small against the work
# (SKILLPULSE_BATCH_REPORTS spreads small corpora over more workers, e.g. on a Dask cluster).
BATCH_BYTES = 64 << 20
# Cells read and waiting to be stored at most: small tables wait for their batch (bounded
# memory). Counted in cells, not lines: counted in lines, a window of 1,000-line tables ten
# values wide held 200 reports and 2M observations (`wide`: ingest peak 2.8 GB; 1.0 in cells).
WINDOW_CELLS = 200_000


class Batch:
    """Reports ingested by one task.

    A plain class on purpose: Prefect walks dataclass and collection parameters looking for
    futures, and a batch of 500 manifests took seconds to walk; quote() is lost through Dask.
    """

    __slots__ = ("sources",)

    def __init__(self, sources: tuple[ReportSource, ...]) -> None:
        self.sources = sources


def make_batches(
    sources: tuple[ReportSource, ...],
    batch_bytes: int = BATCH_BYTES,
    batch_reports: int | None = None,
) -> list[Batch]:
    """Group reports so the number of tasks grows with data volume, not with the number of files."""
    batch_reports = batch_reports or current_settings().batch_reports
    batches: list[Batch] = []
    current: list[ReportSource] = []
    size = 0
    for source in sources:
        source_size = sum((source.report_dir / f).stat().st_size for f in source.file_hashes)
        if current and (size + source_size > batch_bytes or len(current) >= batch_reports):
            batches.append(Batch(tuple(current)))
            current, size = [], 0
        current.append(source)
        size += source_size
    if current:
        batches.append(Batch(tuple(current)))
    return batches


def use_retaining_memory_pool() -> None:
    """Arrow allocations from jemalloc, which keeps freed pages for reuse: with the default
    mimalloc, a 1M-row table spent ~2.5 s of its ~6 s ingest CPU in the kernel, faulting in
    pages it had just returned (jemalloc or the system allocator: ~1.2 s)."""
    # A pyarrow built without jemalloc keeps its default.
    with suppress(NotImplementedError):
        pa.set_memory_pool(pa.jemalloc_memory_pool())


def ingest_batch(batch: Batch, lake: Path, reference_dir: Path) -> list[dict]:
    """Ingest every report of a batch into one new observations file; returns one lake.reports
    row per report, naming that file (the commit makes it current).

    Reports are read in order; their small tables wait and are normalized together (a window of
    reports at a time, table_batch.py), then each report is stored, in order, on its own: one bad
    report never stops the others.
    """
    use_retaining_memory_pool()
    rows: list[dict] = []
    window: list[tuple[ReportSource, list | Exception]] = []
    held, waiting = 0, False
    with closing(duckdb.connect()) as con, BatchWriter(lake) as writer:
        for source in batch.sources:
            read = _read_tables(source, reference_dir)
            if window and _has_large(read):
                # Its ranges go to the batch's file as they are made: the reports before it first.
                rows += _store_window(con, window, writer, reference_dir)
                window, held, waiting = [], 0, False
            read = _normalize_large(con, read, reference_dir, writer)
            window.append((source, read))
            held += _held_cells(read)
            waiting = waiting or _waiting(read)
            if held >= WINDOW_CELLS or not waiting:
                rows += _store_window(con, window, writer, reference_dir)
                window, held, waiting = [], 0, False
        rows += _store_window(con, window, writer, reference_dir)
    return rows


def _read_tables(
    source: ReportSource, reference_dir: Path
) -> list[TableResult | ReadTable | PendingTable] | Exception:
    """A report's tables read (small CSV ones only prepared: their window parses them together).
    A report that fails here fails when it is stored (its failure is its own)."""
    try:
        return [read_or_prepare(source, spec, reference_dir) for spec in source.manifest.tables]
    except Exception as exc:
        return exc


def _has_large(read: list | Exception) -> bool:
    return not isinstance(read, Exception) and any(
        isinstance(t, ReadTable) and not batchable(t) for t in read
    )


def _normalize_large(
    con: duckdb.DuckDBPyConnection, read: list | Exception, reference_dir: Path, writer: BatchWriter
) -> list | Exception:
    """Tables too large to wait for a batch, normalized now. A large table's ranges stream their
    observations into the batch's file while no earlier table of the report has rows to store
    first (the report's rows stay in table order); they are current only once the report's row
    maps it to that file, so a report failing later leaves no current half."""
    if isinstance(read, Exception):
        return read
    try:
        done, in_order = [], True
        for table in read:
            if isinstance(table, ReadTable) and not batchable(table):
                sink = writer.add if in_order else None
                table = normalize_read(con, table, reference_dir, sink)
            in_order = (
                in_order and isinstance(table, TableResult) and not table.observations.num_rows
            )
            done.append(table)
        return done
    except Exception as exc:
        return exc


def _normalized_if_large(con: duckdb.DuckDBPyConnection, table, reference_dir: Path):
    if isinstance(table, ReadTable) and not batchable(table):
        return normalize_read(con, table, reference_dir)
    return table


def _waiting(read: list | Exception) -> bool:
    return not isinstance(read, Exception) and any(
        isinstance(t, ReadTable | PendingTable) for t in read
    )


def _held_cells(read: list | Exception) -> int:
    if isinstance(read, Exception):
        return 0
    return sum(
        t.raw.cells.num_rows * len(t.raw.header)
        if isinstance(t, ReadTable)
        else t.lines * t.prepared.width
        if isinstance(t, PendingTable)
        else t.observations.num_rows
        for t in read
    )


def _read_window(
    con: duckdb.DuckDBPyConnection,
    window: list[tuple[ReportSource, list | Exception]],
    reference_dir: Path,
) -> list[tuple[ReportSource, list | Exception]]:
    """The window's pending CSV tables parsed together; a report with a table that fails
    unexpectedly becomes that error, as if its read had raised it."""
    pending = [
        t
        for _, read in window
        if not isinstance(read, Exception)
        for t in read
        if isinstance(t, PendingTable)
    ]
    if not pending:
        return window
    done = dict(zip(map(id, pending), read_pending(pending), strict=True))

    def finish(read: list | Exception) -> list | Exception:
        if isinstance(read, Exception):
            return read
        try:
            tables = [done.get(id(t), t) for t in read]
            failed = next((t for t in tables if isinstance(t, Exception)), None)
            if failed is not None:
                return failed
            return [_normalized_if_large(con, t, reference_dir) for t in tables]
        except Exception as exc:
            return exc

    return [(source, finish(read)) for source, read in window]


def _store_window(
    con: duckdb.DuckDBPyConnection,
    window: list[tuple[ReportSource, list | Exception]],
    writer: BatchWriter,
    reference_dir: Path,
) -> list[dict]:
    """The window's waiting tables normalized together, then each report stored in order."""
    window = _read_window(con, window, reference_dir)
    waiting = [
        t
        for _, read in window
        if not isinstance(read, Exception)
        for t in read
        if isinstance(t, ReadTable)
    ]
    done = dict(zip(map(id, waiting), normalize_tables(con, waiting, reference_dir), strict=True))

    def store(source: ReportSource, read: list | Exception) -> dict:
        if isinstance(read, Exception):
            raise read
        results = [done[id(t)] if isinstance(t, ReadTable) else t for t in read]
        failed = next((r for r in results if isinstance(r, Exception)), None)
        if failed is not None:
            raise failed
        return store_report(source, with_stray_lines(source, results), writer)

    return [
        _ingest_isolated(source, writer, lambda s=source, r=read: store(s, r))
        for source, read in window
    ]


class StorageContext:
    """What a worker sharing no disk with the flow needs to ingest: where raw and lake live, and
    the flow's reference data and fuzzy threshold, so every worker harmonizes exactly alike.

    A plain class, like Batch, so Prefect does not walk it; it pickles for Dask.
    """

    __slots__ = ("lake_url", "raw_url", "reference", "threshold")

    def __init__(self, paths: Paths) -> None:
        self.raw_url = paths.raw_url
        self.lake_url = paths.lake_url
        # A few kB of CSV: shipping it beats trusting each worker's install to hold the same.
        self.reference = {p.name: p.read_bytes() for p in sorted(paths.reference.glob("*.csv"))}
        self.threshold = current_settings().fuzzy_threshold

    def reference_dir(self) -> Path:
        """The shipped reference data in a folder named by its content: every batch on a worker
        reuses the same folder, and with it the loaded taxonomy and its match memo."""
        digest = hashlib.sha256(repr(sorted(self.reference.items())).encode()).hexdigest()[:16]
        folder = Path(tempfile.gettempdir()) / f"skillpulse-reference-{digest}"
        for name, data in self.reference.items():
            if not (folder / name).exists():
                write_atomic(folder / name, lambda tmp, data=data: tmp.write_bytes(data))
        return folder

    def check_environment(self) -> None:
        worker = current_settings().fuzzy_threshold
        if worker != self.threshold:
            raise ConfigError(
                f"this worker has SKILLPULSE_FUZZY_THRESHOLD={worker:g} but the flow has "
                f"{self.threshold:g}; "
                "start the workers with the flow's environment so every report is matched alike"
            )


def ingest_batch_from_storage(batch: Batch, context: StorageContext) -> list[dict]:
    """Ingest a batch on a machine that shares no disk with the flow: each report's raw files are
    downloaded from object storage (checked against the hashes discovery planned with), and the
    batch's files (observations, quarantine, claims) are uploaded once at the end."""
    context.check_environment()
    use_retaining_memory_pool()
    reference_dir = context.reference_dir()
    with (
        tempfile.TemporaryDirectory(prefix="skillpulse-ingest-") as tmp,
        closing(duckdb.connect()) as con,
    ):
        lake = Path(tmp) / "lake"
        writer = BatchWriter(lake)
        with writer:
            rows = _ingest_from_storage(batch, context, con, writer, Path(tmp), reference_dir)
        for rel in writer.written_files:
            storage.publish_file(lake, context.lake_url, rel)
    return rows


def _ingest_from_storage(
    batch: Batch,
    context: StorageContext,
    con: duckdb.DuckDBPyConnection,
    writer: BatchWriter,
    tmp: Path,
    reference_dir: Path,
) -> list[dict]:
    rows = []
    for source in batch.sources:
        local = replace(source, report_dir=tmp / "raw" / source.report_id)

        def fetch_and_ingest(local: ReportSource = local) -> dict:
            storage.fetch_checked(
                context.raw_url, local.rel_dir, local.file_hashes, local.report_dir
            )
            return ingest_report(con, local, writer, reference_dir)

        rows.append(_ingest_isolated(local, writer, fetch_and_ingest))
        shutil.rmtree(local.report_dir, ignore_errors=True)
    return rows


def _ingest_isolated(source: ReportSource, writer: BatchWriter, ingest: Callable[[], dict]) -> dict:
    # One bad report never stops the others: its failure becomes a quarantine row of its own.
    try:
        return ingest()
    except Exception as exc:
        log.exception("report %s failed", source.report_id)
        problem = {
            "report_id": source.report_id,
            "source_file": f"{source.rel_dir}/report.toml",
            "reason_code": "report_failed",
            "message": f"{source.rel_dir}: the report could not be ingested ({type(exc).__name__}: {exc}); "
            "the other reports were loaded; fix the cause and run again",
        }
        quarantine = pa.Table.from_pylist([problem], schema=QUARANTINE_SCHEMA)
        files = write_report(writer, {}, quarantine)
        row = report_row(source, [], quarantine.num_rows, files)
        # An unexpected failure may be transient: an empty fingerprint makes the next run retry it.
        return row | {"input_fingerprint": ""}


def ingest_report(
    con: duckdb.DuckDBPyConnection, source: ReportSource, writer: BatchWriter, reference_dir: Path
) -> dict:
    """Normalize one report into the batch's files."""
    return store_report(source, normalize_report(con, source, reference_dir), writer)


def store_report(source: ReportSource, results: list[TableResult], writer: BatchWriter) -> dict:
    """A normalized report's observations, quarantine rows and claims to the batch's files;
    returns its lake.reports row."""
    quarantine = (
        pa.concat_tables([r.quarantine for r in results])
        if results
        else QUARANTINE_SCHEMA.empty_table()
    )
    tables = {r.table_name: r.observations for r in results if r.observations.num_rows}
    claims = [r.claims for r in results if r.claims is not None and r.claims.num_rows]
    files = write_report(writer, tables, quarantine, pa.concat_tables(claims) if claims else None)
    if any(r.streamed for r in results):
        files[OBSERVATIONS_FILE] = writer.rel
    failpoint("ingest:after-report")
    return report_row(source, results, quarantine.num_rows, files)


def report_row(
    source: ReportSource, results: list[TableResult], quarantined: int, files: dict[str, str]
) -> dict:
    """The report's lake.reports row; `files` is its file map (lake.write_report)."""
    meta = source.manifest.report
    observations = sum(r.observation_count for r in results)
    status = "failed" if observations == 0 else ("partial" if quarantined else "ok")
    return {
        "report_id": source.report_id,
        "series_id": meta.series,
        "edition": meta.edition,
        "publisher": meta.publisher,
        "title": meta.title,
        "published": meta.published,
        "period_start": meta.period.start if meta.period else None,
        "period_end": meta.period.end if meta.period else None,
        "geography": meta.geography,
        "population": meta.population,
        "source_url": meta.source_url,
        "method_change": meta.method_change,
        "quotes": meta.quotes,
        "report_dir": source.rel_dir,
        "input_fingerprint": source.fingerprint,
        "tables": len(results),
        "data_rows": sum(r.data_rows for r in results),
        "value_cells": sum(r.value_cells for r in results),
        "observations": observations,
        "quarantined": quarantined,
        "blank_cells": sum(r.blank_cells for r in results),
        "observed_cells": sum(r.observed_cells for r in results),
        "rejected_cells": sum(r.rejected_cells for r in results),
        "status": status,
        "ingested_at": datetime.now(UTC),
    } | files
