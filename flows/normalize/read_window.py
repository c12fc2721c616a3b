"""Small CSV tables of an ingest window: prepared as their report is read, parsed together when the window is stored."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flows.errors import ExtractError
from flows.extract.common import check_file_size
from flows.extract.csv_window import read_csv_window
from flows.extract.delimited import PreparedCsv, prepare_csv, read_prepared
from flows.normalize.cell_rows import SMALL_TABLE
from flows.normalize.table import ReadTable, TableResult, laid_out, read_declared, rejected_file
from flows.raw.discover import ReportSource
from flows.raw.manifest import TableSpec

# A delimited file of at most this many lines waits for its window: the size of table that
# table_batch normalizes with others; a larger one is read at once, as it comes.
WINDOW_LINES = SMALL_TABLE


@dataclass(frozen=True)
class PendingTable:
    """A declared CSV table read up to its body, which is parsed with the rest of its window."""

    source: ReportSource
    spec: TableSpec
    prepared: PreparedCsv

    @property
    def lines(self) -> int:
        return self.prepared.lines


def read_or_prepare(
    source: ReportSource, spec: TableSpec, reference_dir: Path
) -> TableResult | ReadTable | PendingTable:
    """read_declared, except that a small CSV table stops before its parse (read_pending ends it)."""
    if spec.is_prose or spec.file_format not in ("csv", "tsv"):
        return read_declared(source, spec, reference_dir)
    try:
        path = source.report_dir / spec.file
        check_file_size(path)
        prepared = prepare_csv(path, spec)
        if prepared.lines <= WINDOW_LINES:
            return PendingTable(source, spec, prepared)
        raw = read_prepared(prepared)
    except ExtractError as exc:
        return rejected_file(source, spec, source.rel_file(spec.file), exc)
    return laid_out(source, spec, raw)


def read_pending(tables: list[PendingTable]) -> list[TableResult | ReadTable | Exception]:
    """Each pending table as read_declared gives it (or the unexpected error that fails its report)."""
    raws = read_csv_window([t.prepared for t in tables])
    return [_finish(table, raw) for table, raw in zip(tables, raws, strict=True)]


def _finish(table: PendingTable, raw) -> TableResult | ReadTable | Exception:
    if isinstance(raw, ExtractError):
        return rejected_file(table.source, table.spec, table.source.rel_file(table.spec.file), raw)
    if isinstance(raw, Exception):
        return raw
    try:
        return laid_out(table.source, table.spec, raw)
    except Exception as exc:
        return exc
