"""The Parquet lake, source of truth: one observations file per ingest batch, a report -> file map, atomic writes."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterable
from contextlib import ExitStack, closing
from pathlib import Path
from types import TracebackType

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.errors import LakeError
from flows.failpoints import failpoint
from flows.fsutil import atomic_path, write_atomic
from flows.lake_schemas import (
    CLAIMS_FILE,
    CLAIMS_SCHEMA,
    LAKE_REPORTS_SCHEMA,
    OBSERVATIONS_FILE,
    OBSERVATIONS_SCHEMA,
    QUARANTINE_FILE,
    QUARANTINE_SCHEMA,
    REPORTS_SCHEMA,  # noqa: F401  re-exported: callers read the schemas through this module
)
from flows.sqlutil import quote_ident

REPORTS_FILE = "reports.parquet"
DISCOVERY_QUARANTINE = "_discovery"
OBSERVATIONS = "observations"
QUARANTINE = "quarantine"
CLAIMS = "claims"
# Each kind of lake rows: its folder, its schema, and its column in reports.parquet's file map.
KINDS = {
    OBSERVATIONS: (OBSERVATIONS_SCHEMA, OBSERVATIONS_FILE),
    QUARANTINE: (QUARANTINE_SCHEMA, QUARANTINE_FILE),
    CLAIMS: (CLAIMS_SCHEMA, CLAIMS_FILE),
}
BATCH_PREFIX = "batch-"
# Rows buffered before a batch file gets a row group: bounded memory, row groups of a useful size.
ROW_GROUP_ROWS = 128 * 1024
# A batch file whose current rows fall below this share of its rows is rewritten (compact()).
COMPACT_BELOW = 0.5
# Reruns of a few reports each leave a small batch file; past this many, they are merged. Small
# means far below a full batch (500 reports of 100 rows at the tiny preset are 50,000 rows), so
# a full run's files are never rewritten for their size.
SMALL_FILE_ROWS = 5_000
MAX_SMALL_FILES = 16
# Quarantine and claims batch files are merged once there are more than this many: a full run
# of 10,000 small reports writes ~20 (one per ingest batch), which stay as they are.
MAX_SIDE_FILES = 64


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table in a lake schema; columns a kind of input never has (prose spans, PDF pages) are null."""
    if table.schema.equals(schema, check_metadata=True):
        return table  # most tables: selecting and casting them anyway cost ~0.7 ms per report
    for field in schema:
        if field.name not in table.column_names:
            table = table.append_column(field.name, pa.nulls(table.num_rows, field.type))
    return table.select(schema.names).cast(schema)


def observations_dir(lake: Path, report_id: str) -> Path:
    """A report's own folder of observation files: the layout before batch files, still read."""
    return lake / OBSERVATIONS / report_id


def quarantine_file(lake: Path, report_id: str) -> Path:
    """A report's own quarantine file (lakes before batch files), or discovery's."""
    return lake / QUARANTINE / f"{report_id}.parquet"


def claims_file(lake: Path, report_id: str) -> Path:
    """A report's own claims file: the layout before batch files, still read."""
    return lake / CLAIMS / f"{report_id}.parquet"


def read_parquet(path: Path, schema: pa.Schema, columns: list[str] | None = None) -> pa.Table:
    """One lake file in the given schema; columns an older file lacks come back null.

    ParquetFile rather than pq.read_table: the latter imports pyarrow's dataset machinery,
    0.1-0.4 s that a run with nothing to do would otherwise spend.
    """
    wanted = pa.schema([schema.field(name) for name in columns]) if columns else schema
    with pq.ParquetFile(path) as parquet:
        present = [name for name in wanted.names if name in parquet.schema_arrow.names]
        table = parquet.read(columns=present)
    arrays = [
        table[field.name].cast(field.type)
        if field.name in present
        else pa.nulls(table.num_rows, field.type)
        for field in wanted
    ]
    return pa.Table.from_arrays(arrays, schema=wanted)


# Columns that differ from cell to cell: a dictionary of them only costs time (a quarter of
# writing a report's observations) and bytes; every other column repeats and gains from one.
PER_CELL_COLUMNS = frozenset({"skill_raw", "source_row", "source_text"})


def write_parquet(table: pa.Table, target: Path) -> None:
    """Write one Parquet file atomically (temp file in the same folder, then rename)."""
    dictionary = [name for name in table.column_names if name not in PER_CELL_COLUMNS]
    write_atomic(
        target,
        lambda tmp: pq.write_table(table, tmp, compression="zstd", use_dictionary=dictionary),
    )


class _FileWriter:
    """Rows of one kind streamed into one new lake file, created at the first row group."""

    def __init__(self, lake: Path, kind: str, name: str, stack: ExitStack) -> None:
        self.lake, self.kind, self._stack = lake, kind, stack
        self.schema = KINDS[kind][0]
        self.rel = f"{kind}/{name}"
        self._writer: pq.ParquetWriter | None = None
        self._pending: list[pa.Table] = []
        self._rows = 0

    def add(self, table: pa.Table) -> str:
        if not table.num_rows:
            return ""
        self._pending.append(conform(table, self.schema))
        self._rows += table.num_rows
        if self._rows >= ROW_GROUP_ROWS:
            self.flush()
        return self.rel

    def flush(self) -> None:
        if not self._pending:
            return
        if self._writer is None:
            tmp = self._stack.enter_context(atomic_path(self.lake / self.rel))
            dictionary = [n for n in self.schema.names if n not in PER_CELL_COLUMNS]
            self._writer = self._stack.enter_context(
                pq.ParquetWriter(tmp, self.schema, compression="zstd", use_dictionary=dictionary)
            )
        self._writer.write_table(pa.concat_tables(self._pending), row_group_size=ROW_GROUP_ROWS)
        self._pending, self._rows = [], 0

    @property
    def written(self) -> bool:
        return self._writer is not None


class BatchWriter:
    """The observations, quarantine rows and claims of one ingest batch, each kind streamed into
    one new lake file (observations/, quarantine/, claims/batch-<id>.parquet) published on close.

    A new name per batch: the files of the committed reports are never touched, so a killed run
    leaves the last commit whole, and a file is current only once reports.parquet maps to it.
    """

    def __init__(self, lake: Path) -> None:
        self.lake = lake
        self._stack = ExitStack()
        name = f"{BATCH_PREFIX}{uuid.uuid4().hex}.parquet"
        self.files = {kind: _FileWriter(lake, kind, name, self._stack) for kind in KINDS}
        self.rel = self.files[OBSERVATIONS].rel

    def __enter__(self) -> BatchWriter:
        return self

    def add(self, observations: pa.Table, kind: str = OBSERVATIONS) -> str:
        """Queue one report's rows of a kind; returns the file they go to ('' for none)."""
        return self.files[kind].add(observations)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        # On success the writers close, then the temp files are renamed; on failure they are deleted.
        if error is None:
            for writer in self.files.values():
                writer.flush()
        self._stack.__exit__(kind, error, trace)

    @property
    def written(self) -> bool:
        return self.files[OBSERVATIONS].written

    @property
    def written_files(self) -> list[str]:
        """The files this batch wrote, relative to the lake."""
        return [writer.rel for writer in self.files.values() if writer.written]


def write_report(
    batch: BatchWriter,
    tables: dict[str, pa.Table],
    quarantine: pa.Table,
    claims: pa.Table | None = None,
) -> dict[str, str]:
    """Queue a report's observations, quarantine rows and claims in its batch's files; returns
    its file map for reports.parquet (observations_file, quarantine_file, claims_file)."""
    kept = [conform(t, OBSERVATIONS_SCHEMA) for t in tables.values() if t.num_rows]
    return {
        OBSERVATIONS_FILE: batch.add(pa.concat_tables(kept)) if kept else "",
        QUARANTINE_FILE: batch.add(quarantine, QUARANTINE),
        CLAIMS_FILE: batch.add(claims, CLAIMS) if claims is not None else "",
    }


def write_discovery_quarantine(lake: Path, problems: pa.Table) -> None:
    """Problems found before any report is read (bad manifests, undeclared files); rewritten when they change."""
    target = quarantine_file(lake, DISCOVERY_QUARANTINE)
    problems = problems.cast(QUARANTINE_SCHEMA)
    previous = (
        read_parquet(target, QUARANTINE_SCHEMA)
        if target.exists()
        else QUARANTINE_SCHEMA.empty_table()
    )
    if previous.equals(problems):
        return
    if problems.num_rows:
        write_parquet(problems, target)
    else:
        target.unlink(missing_ok=True)


def commit(
    lake: Path,
    unchanged: list[str],
    ingested: list[dict],
    retired: Iterable[str],
    problems: pa.Table,
    stale: Iterable[str] = (),
) -> None:
    """Record new report rows beside the unchanged ones, then remove the data of retired reports.

    Stale reports (their manifest broke) keep their data and row, marked status 'stale' with an
    empty fingerprint, so the run after the manifest is mended ingests them again.
    """
    retired, stale = list(retired), list(stale)
    write_discovery_quarantine(lake, problems)
    if ingested or retired or stale or not (lake / REPORTS_FILE).exists():
        previous = read_reports(lake) if unchanged or stale else LAKE_REPORTS_SCHEMA.empty_table()
        kept = previous.filter(pc.is_in(previous["report_id"], pa.array(unchanged, pa.string())))
        old = previous.filter(pc.is_in(previous["report_id"], pa.array(stale, pa.string())))
        old = old.set_column(
            old.schema.get_field_index("status"), "status", pa.repeat("stale", old.num_rows)
        ).set_column(
            old.schema.get_field_index("input_fingerprint"),
            "input_fingerprint",
            pa.repeat("", old.num_rows),
        )
        ingested_rows = pa.Table.from_pylist(ingested, schema=LAKE_REPORTS_SCHEMA)
        commit_reports(lake, pa.concat_tables([kept, old.cast(LAKE_REPORTS_SCHEMA), ingested_rows]))
    failpoint("lake:after-commit")
    remove_uncommitted(lake)


def read_reports(lake: Path) -> pa.Table:
    """The committed report rows; empty when the lake is new."""
    path = lake / REPORTS_FILE
    if not path.exists():
        return LAKE_REPORTS_SCHEMA.empty_table()
    try:
        return read_parquet(path, LAKE_REPORTS_SCHEMA)
    except (OSError, pa.ArrowException) as exc:
        raise LakeError(
            f"{path} is unreadable ({exc}); rebuild the lake from the raw files with `skillpulse run --full-refresh`"
        ) from exc


def known_report_dirs(lake: Path) -> dict[str, str]:
    """Report folder (relative to raw) -> report_id of what the lake holds."""
    reports = read_reports(lake)
    return dict(
        zip(reports["report_dir"].to_pylist(), reports["report_id"].to_pylist(), strict=True)
    )


def known_fingerprints(lake: Path) -> dict[str, str]:
    reports = read_reports(lake)
    return dict(
        zip(reports["report_id"].to_pylist(), reports["input_fingerprint"].to_pylist(), strict=True)
    )


def commit_reports(lake: Path, reports: pa.Table) -> None:
    """Publish the report rows: the lake's commit record, written after the data files it describes."""
    write_parquet(reports.cast(LAKE_REPORTS_SCHEMA).sort_by("report_id"), lake / REPORTS_FILE)


def remove_uncommitted(lake: Path) -> None:
    """Delete data the commit record does not point to: retired reports, rows replaced by a
    newer batch file or compacted away, and leftovers of a killed run."""
    reports = read_reports(lake)
    for kind in KINDS:
        mapped = dict(
            zip(reports["report_id"].to_pylist(), _file_column(reports, kind), strict=True)
        )
        live_files = {f for f in mapped.values() if f}
        folder = lake / kind
        for name in _names(folder):
            if name.startswith(BATCH_PREFIX) and name.endswith(".parquet"):
                if f"{kind}/{name}" not in live_files:
                    (folder / name).unlink(missing_ok=True)
            elif name.startswith(".") or name == f"{DISCOVERY_QUARANTINE}.parquet":
                continue  # temp files: remove_stale_temps() deletes them under the writer lock
            elif mapped.get(name.removesuffix(".parquet"), "") is not None:
                # A report's own folder or file: current only while its row maps it to none (NULL).
                _remove(folder / name)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _file_column(reports: pa.Table, kind: str = OBSERVATIONS) -> list[str | None]:
    return reports[KINDS[kind][1]].to_pylist()


def _legacy_files(lake: Path, kind: str, report_ids: list[str]) -> list[tuple[str, str]]:
    """(report_id, file) of reports whose rows are still in their own files (before batch files)."""
    if not report_ids:
        return []
    if kind != OBSERVATIONS:
        present = _names(lake / kind)
        return [
            (rid, str(lake / kind / f"{rid}.parquet"))
            for rid in report_ids
            if f"{rid}.parquet" in present
        ]
    with_data = _names(lake / OBSERVATIONS)
    return [
        (rid, str(observations_dir(lake, rid) / name))
        for rid in report_ids
        if rid in with_data
        for name in sorted(_names(observations_dir(lake, rid)))
        if name.endswith(".parquet")
    ]


def current_map(lake: Path, reports: pa.Table, kind: str = OBSERVATIONS) -> pa.Table:
    """(report_id, file): the lake files holding each report's current rows of a kind, as
    absolute paths; a loader keeps only the rows of a file whose (report_id, file) is listed here."""
    report_ids, files = reports["report_id"].to_pylist(), _file_column(reports, kind)
    pairs = [(rid, str(lake / f)) for rid, f in zip(report_ids, files, strict=True) if f]
    # One listing per folder: with thousands of reports, a glob or stat per report costs seconds.
    legacy = sorted(rid for rid, f in zip(report_ids, files, strict=True) if f is None)
    pairs += _legacy_files(lake, kind, legacy)
    pairs.sort(key=lambda pair: (pair[1], pair[0]))
    return pa.table(
        {
            "report_id": pa.array([p[0] for p in pairs], pa.string()),
            "file": pa.array([p[1] for p in pairs], pa.string()),
        }
    )


def observation_map(lake: Path, reports: pa.Table) -> pa.Table:
    """current_map of the observations."""
    return current_map(lake, reports, OBSERVATIONS)


def current_rows_query(columns: Iterable[str]) -> str:
    """SELECT of the current rows: the files in $files, each kept only for the reports a
    registered `current_files` (current_map) points to it."""
    selected = ", ".join(f"o.{quote_ident(name)}" for name in columns)
    return (
        f"SELECT {selected} FROM read_parquet($files, union_by_name = true, filename = true) AS o "
        "SEMI JOIN current_files AS c ON o.filename = c.file AND o.report_id = c.report_id"
    )


def read_current(lake: Path, kind: str, columns: list[str]) -> pa.Table:
    """The lake's current rows of a kind (these columns), as a reader outside the warehouse sees
    them; quarantine includes discovery's problems."""
    schema = pa.schema([KINDS[kind][0].field(name) for name in columns])
    current = current_map(lake, read_reports(lake), kind)
    parts = []
    discovery = quarantine_file(lake, DISCOVERY_QUARANTINE)
    if kind == QUARANTINE and discovery.exists():
        parts.append(read_parquet(discovery, QUARANTINE_SCHEMA, columns))
    if current.num_rows:
        with closing(duckdb.connect()) as con:
            con.register("current_files", current)
            files = sorted(set(current["file"].to_pylist()))
            parts.append(
                con.sql(current_rows_query(columns), params={"files": files})
                .to_arrow_table()
                .cast(schema)
            )
    return pa.concat_tables(parts) if parts else schema.empty_table()


def read_current_observations(lake: Path, columns: list[str]) -> pa.Table:
    """The lake's current observations (these columns), as a reader outside the warehouse sees them."""
    return read_current(lake, OBSERVATIONS, columns)


def compact(
    lake: Path,
    below: float = COMPACT_BELOW,
    small_rows: int = SMALL_FILE_ROWS,
    max_small: int = MAX_SMALL_FILES,
    max_side: int = MAX_SIDE_FILES,
) -> list[str]:
    """Rewrite the observation batch files whose current rows fall below `below` of their rows
    (and merge small ones once there are more than `max_small`), and the quarantine and claims
    batch files once there are more than `max_side` of a kind, into new files; returns the files
    replaced.

    The new files are written first, then reports.parquet points the moved reports to them, then
    the old files go: a run killed at any point leaves one complete, consistent lake.
    """
    reports = read_reports(lake)
    chosen = {OBSERVATIONS: _sparse_or_small(lake, reports, below, small_rows, max_small)}
    for kind in (QUARANTINE, CLAIMS):
        files = {f for f in _file_column(reports, kind) if f and f.startswith(f"{kind}/")}
        chosen[kind] = sorted(files) if len(files) > max_side else []
    if not any(chosen.values()):
        return []
    moves = {}
    with BatchWriter(lake) as batch:
        for kind, rels in chosen.items():
            if rels:
                moves[kind] = _move_rows(lake, reports, kind, rels, batch)
    failpoint("lake:compact-written")
    for kind, (moved, files) in moves.items():
        writer = batch.files[kind]
        target = pc.if_else(moved, pa.scalar(writer.rel if writer.written else ""), files)
        column = KINDS[kind][1]
        reports = reports.set_column(reports.schema.get_field_index(column), column, target)
    commit_reports(lake, reports)
    failpoint("lake:compact-committed")
    remove_uncommitted(lake)
    return sorted(rel for rels in chosen.values() for rel in rels)


def _sparse_or_small(
    lake: Path, reports: pa.Table, below: float, small_rows: int, max_small: int
) -> list[str]:
    files = pa.array(_file_column(reports), pa.string())
    counts = reports.select(["observations"]).append_column("file", files)
    counts = counts.filter(pc.starts_with(counts["file"], f"{OBSERVATIONS}/{BATCH_PREFIX}"))
    sums = counts.group_by("file").aggregate([("observations", "sum")])
    live = dict(zip(sums["file"].to_pylist(), sums["observations_sum"].to_pylist(), strict=True))
    total = {rel: pq.ParquetFile(lake / rel).metadata.num_rows for rel in sorted(live)}
    sparse = {rel for rel in live if live[rel] < below * total[rel]}
    small = {rel for rel in live if total[rel] < small_rows}
    return sorted(sparse | (small if len(small) > max_small else set()))


def _move_rows(
    lake: Path, reports: pa.Table, kind: str, rels: list[str], batch: BatchWriter
) -> tuple[pa.ChunkedArray, pa.Array]:
    """The current rows of these files into the batch; returns which reports moved, and the map."""
    files = pa.array(_file_column(reports, kind), pa.string())
    moved = pc.is_in(files, pa.array(rels, pa.string()))
    moved_ids = pc.filter(reports["report_id"], moved)
    for rel in rels:
        rows = read_parquet(lake / rel, KINDS[kind][0])
        ids = pc.filter(moved_ids, pc.equal(pc.filter(files, moved), rel))
        batch.add(rows.filter(pc.is_in(rows["report_id"], ids)), kind)
    return moved, files


def lake_files(lake: Path, report_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Files holding the committed reports' observations and quarantine rows (discovery's too),
    sorted; a batch file also holds rows that are no longer current: filter with current_map."""
    ids = sorted(report_ids)
    reports = read_reports(lake)
    reports = reports.filter(pc.is_in(reports["report_id"], pa.array(ids, pa.string())))
    observations = sorted(set(observation_map(lake, reports)["file"].to_pylist()))
    discovery = quarantine_file(lake, DISCOVERY_QUARANTINE)
    quarantine = sorted(set(current_map(lake, reports, QUARANTINE)["file"].to_pylist()))
    return observations, ([str(discovery)] if discovery.exists() else []) + quarantine


def _names(folder: Path) -> set[str]:
    return set(os.listdir(folder)) if folder.is_dir() else set()
