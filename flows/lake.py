"""The Parquet lake, source of truth: one file per report table, schemas enforced, writes atomic."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.errors import LakeError
from flows.failpoints import failpoint
from flows.fsutil import write_atomic
from flows.lake_schemas import CLAIMS_SCHEMA, OBSERVATIONS_SCHEMA, QUARANTINE_SCHEMA, REPORTS_SCHEMA

REPORTS_FILE = "reports.parquet"
DISCOVERY_QUARANTINE = "_discovery"


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table in a lake schema; columns a kind of input never has (prose spans, PDF pages) are null."""
    for field in schema:
        if field.name not in table.column_names:
            table = table.append_column(field.name, pa.nulls(table.num_rows, field.type))
    return table.select(schema.names).cast(schema)


def observations_dir(lake: Path, report_id: str) -> Path:
    return lake / "observations" / report_id


def quarantine_file(lake: Path, report_id: str) -> Path:
    return lake / "quarantine" / f"{report_id}.parquet"


def claims_file(lake: Path, report_id: str) -> Path:
    return lake / "claims" / f"{report_id}.parquet"


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


def write_report_tables(
    lake: Path,
    report_id: str,
    tables: dict[str, pa.Table],
    quarantine: pa.Table,
    claims: pa.Table | None = None,
) -> None:
    """Replace a report's observation files, quarantine and claims; files of tables no longer declared go."""
    _replace_small(claims_file(lake, report_id), claims, CLAIMS_SCHEMA)
    folder = observations_dir(lake, report_id)
    # A run killed while writing this report left its temp files here; they are never read.
    for leftover in folder.glob(".*.tmp") if folder.exists() else ():
        leftover.unlink(missing_ok=True)
    for name, table in tables.items():
        write_parquet(table.cast(OBSERVATIONS_SCHEMA), folder / f"{name}.parquet")
    if folder.exists():
        for stale in folder.glob("*.parquet"):
            if stale.stem not in tables:
                stale.unlink()
    target = quarantine_file(lake, report_id)
    if quarantine.num_rows:
        write_parquet(quarantine.cast(QUARANTINE_SCHEMA), target)
    else:
        target.unlink(missing_ok=True)


def _replace_small(target: Path, table: pa.Table | None, schema: pa.Schema) -> None:
    if table is not None and table.num_rows:
        write_parquet(table.cast(schema), target)
    else:
        target.unlink(missing_ok=True)


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
        previous = read_reports(lake) if unchanged or stale else REPORTS_SCHEMA.empty_table()
        kept = previous.filter(pc.is_in(previous["report_id"], pa.array(unchanged, pa.string())))
        old = previous.filter(pc.is_in(previous["report_id"], pa.array(stale, pa.string())))
        old = old.set_column(
            old.schema.get_field_index("status"), "status", pa.repeat("stale", old.num_rows)
        ).set_column(
            old.schema.get_field_index("input_fingerprint"),
            "input_fingerprint",
            pa.repeat("", old.num_rows),
        )
        ingested_rows = pa.Table.from_pylist(ingested, schema=REPORTS_SCHEMA)
        commit_reports(lake, pa.concat_tables([kept, old.cast(REPORTS_SCHEMA), ingested_rows]))
    failpoint("lake:after-commit")
    remove_uncommitted(lake)


def read_reports(lake: Path) -> pa.Table:
    """The committed report rows; empty when the lake is new."""
    path = lake / REPORTS_FILE
    if not path.exists():
        return REPORTS_SCHEMA.empty_table()
    try:
        return read_parquet(path, REPORTS_SCHEMA)
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
    write_parquet(reports.cast(REPORTS_SCHEMA).sort_by("report_id"), lake / REPORTS_FILE)


def remove_uncommitted(lake: Path) -> None:
    """Delete data of reports the commit record does not list: retired ones, and leftovers of a killed run."""
    committed = set(read_reports(lake)["report_id"].to_pylist())
    folder = lake / "observations"
    for name in _names(folder) - committed:
        shutil.rmtree(folder / name, ignore_errors=True)
    quarantined = {name.removesuffix(".parquet") for name in _names(lake / "quarantine")}
    for report_id in quarantined - committed - {DISCOVERY_QUARANTINE}:
        quarantine_file(lake, report_id).unlink(missing_ok=True)
    for report_id in {
        name.removesuffix(".parquet") for name in _names(lake / "claims")
    } - committed:
        claims_file(lake, report_id).unlink(missing_ok=True)


def lake_files(lake: Path, report_ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Observation and quarantine files of the committed reports, sorted so loads are deterministic."""
    # One listing per folder: with thousands of reports, a glob or stat per report costs seconds.
    ids = sorted(report_ids)
    with_data = _names(lake / "observations")
    observations = [
        str(observations_dir(lake, rid) / name)
        for rid in ids
        if rid in with_data
        for name in sorted(_names(observations_dir(lake, rid)))
        if name.endswith(".parquet")
    ]
    quarantined = _names(lake / "quarantine")
    quarantine = [
        str(quarantine_file(lake, rid))
        for rid in [DISCOVERY_QUARANTINE, *ids]
        if f"{rid}.parquet" in quarantined
    ]
    return observations, quarantine


def claims_files(lake: Path, report_ids: Iterable[str]) -> list[str]:
    """Claims files of the committed reports, sorted so loads are deterministic."""
    present = _names(lake / "claims")
    return [
        str(claims_file(lake, rid)) for rid in sorted(report_ids) if f"{rid}.parquet" in present
    ]


def _names(folder: Path) -> set[str]:
    return set(os.listdir(folder)) if folder.is_dir() else set()
