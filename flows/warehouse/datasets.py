"""Marts as Parquet datasets: a folder of report-range parts per mart, switched in by one symlink."""

from __future__ import annotations

import bisect
import json
import os
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from flows.sqlutil import quote_ident
from flows.warehouse.models import Model, report_ranges, split_bounds

VERSIONS = ".versions"
LAYOUT_FILE = "_parts.json"  # pyarrow, pandas and DuckDB/polars globs of *.parquet skip it
# Rows per part of a mart split by report: ~5-10 MB of zstd Parquet, 40 parts at 10M rows. A
# changed report rewrites the part holding it; the others are hard links to the previous files.
PART_ROWS = 250_000
# Rows per Parquet row group, as DuckDB's own writer cuts them.
ROW_GROUP_ROWS = 122_880
# Parts written at once (the machines this runs on have 2+ cores; more only adds memory).
PARALLEL_PARTS = 2
# A part that grew past this many times PART_ROWS makes the next export split the mart anew.
MAX_GROWTH = 2


@dataclass(frozen=True)
class Layout:
    """How a published version of a mart is split: parts at `bounds` of `column`, their files."""

    column: str | None
    bounds: list[str]
    files: list[str]


def mart_dir(marts: Path, name: str) -> Path:
    """The folder readers open: marts/<name>/ (a link to the published version's folder)."""
    return marts / name


def export_mart(
    con: duckdb.DuckDBPyConnection,
    marts: Path,
    model: Model,
    changed: list[str] | None,
) -> Path:
    """Write a new, unpublished version folder of the mart; with `changed` (an incremental build)
    only the parts holding those reports are written, the rest are hard links to the published ones."""
    folder = marts / VERSIONS / f"{model.table}.{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    previous = published_version(marts, model.table)
    layout = read_layout(previous) if previous is not None and changed is not None else None
    if layout is None or layout.column != model.partitioned_by:
        layout, touched = _new_layout(con, model), None
    else:
        touched = {bisect.bisect_right(layout.bounds, report) for report in changed}
    sizes = _write_parts(con, model, folder, previous, layout, touched)
    if touched is not None and max(sizes, default=0) > MAX_GROWTH * PART_ROWS:
        shutil.rmtree(folder)
        return export_mart(con, marts, model, None)
    files = [f"part-{index:04d}.parquet" for index in range(len(sizes))]
    layout_text = json.dumps({"column": layout.column, "bounds": layout.bounds, "files": files})
    (folder / LAYOUT_FILE).write_text(layout_text + "\n", encoding="utf-8")
    return folder


def _new_layout(con: duckdb.DuckDBPyConnection, model: Model) -> Layout:
    if not model.partitioned_by:
        return Layout(None, [], [])
    column = quote_ident(model.partitioned_by)
    counts = con.execute(
        f"SELECT {column}, count(*) FROM marts.{quote_ident(model.table)} "
        f"WHERE {column} IS NOT NULL GROUP BY ALL ORDER BY 1"
    ).fetchall()
    return Layout(model.partitioned_by, split_bounds(counts, PART_ROWS), [])


def _write_parts(
    con: duckdb.DuckDBPyConnection,
    model: Model,
    folder: Path,
    previous: Path | None,
    layout: Layout,
    touched: set[int] | None,
) -> list[int]:
    """Write (or link) each part; returns the rows of each written part (0 for a linked one)."""
    ranges = report_ranges(layout.column, layout.bounds) if layout.column else ["true"]
    # A keyed mart table is stored in key order by a full build (models.py), and a scan keeps
    # that order; an incremental build appends the changed reports' rows, so their parts are
    # sorted, as are a view's.
    order = ", ".join(quote_ident(c) for c in model.key) if model.key else "ALL"
    stored_in_order = model.key and touched is None and model.materialized == "table"
    order = "" if stored_in_order else f" ORDER BY {order}"
    source = f"marts.{quote_ident(model.table)}"
    metadata = comment_metadata(con, model.table)
    sizes = [0] * len(ranges)
    queries = {}
    for index, condition in enumerate(ranges):
        target = folder / f"part-{index:04d}.parquet"
        if touched is None or index in touched or not _link(previous, layout, index, target):
            queries[index] = f"SELECT * FROM {source} WHERE {condition}{order}"
    # Parts go out two at a time: one part's DuckDB scan overlaps the other's Parquet encoding,
    # which pyarrow does on one thread per file (without the GIL).
    with ThreadPoolExecutor(max_workers=PARALLEL_PARTS) as pool:
        # A cursor per part, opened here: a DuckDB connection is not to be shared across threads.
        futures = {
            index: pool.submit(
                _write_part, con.cursor(), query, folder / f"part-{index:04d}.parquet", metadata
            )
            for index, query in queries.items()
        }
        for index, future in futures.items():
            sizes[index] = future.result()
    return sizes


def _write_part(
    cursor: duckdb.DuckDBPyConnection, query: str, target: Path, metadata: dict[str, str]
) -> int:
    """Stream one part's rows from DuckDB into a Parquet file (pyarrow's writer: ~30% less CPU
    than DuckDB's COPY for these marts), one row group per batch."""
    with closing(cursor):
        reader = cursor.sql(query).to_arrow_reader(ROW_GROUP_ROWS)
        schema = reader.schema.with_metadata(metadata)
        rows = 0
        with pq.ParquetWriter(target, schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
    return rows


def _link(previous: Path | None, layout: Layout, index: int, target: Path) -> bool:
    """Hard-link the published part unchanged; False when it cannot (then it is written again)."""
    if previous is None or index >= len(layout.files):
        return False
    try:
        os.link(previous / layout.files[index], target)
    except OSError:
        return False
    return True


def read_layout(version: Path) -> Layout | None:
    try:
        stored = json.loads((version / LAYOUT_FILE).read_text(encoding="utf-8"))
        return Layout(stored["column"], list(stored["bounds"]), list(stored["files"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # an older or damaged version: write every part


def published_version(marts: Path, name: str) -> Path | None:
    link = mart_dir(marts, name)
    return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None


def switch(marts: Path, staged: dict[str, Path]) -> None:
    """Point each marts/<name> at its new version (one atomic rename of a symlink each); drop
    marts that are gone and older versions, keeping the one just replaced for readers still on it."""
    for name, folder in staged.items():
        link = mart_dir(marts, name)
        temporary = marts / f".{name}.{uuid.uuid4().hex}.link"
        os.symlink(os.path.relpath(folder, marts), temporary)
        if link.exists() and not link.is_symlink():
            shutil.rmtree(link)  # a folder left by hand: only links are published here
        os.replace(temporary, link)
    for entry in marts.iterdir():
        gone = entry.is_symlink() and entry.name not in staged
        if gone or (entry.suffix == ".parquet" and entry.is_file()):  # a one-file mart of old
            entry.unlink()
    remove_old_versions(marts)


def remove_old_versions(marts: Path) -> None:
    """Delete the version folders of each mart but the published one and the one before it (for
    readers that listed it just before the switch); newer ones are leftovers of a killed run."""
    versions = marts / VERSIONS
    if not versions.is_dir():
        return
    current = {p.resolve() for p in marts.iterdir() if p.is_symlink()}
    by_mart: dict[str, list[Path]] = {}
    for folder in sorted(versions.iterdir()):
        by_mart.setdefault(folder.name.split(".")[0], []).append(folder)
    for folders in by_mart.values():
        published = [f for f in folders if f.resolve() in current]
        older = [f for f in folders if published and f.name < published[-1].name]
        kept = set(published) | set(older[-1:])
        for folder in folders:
            if folder not in kept:
                shutil.rmtree(folder, ignore_errors=True)
    for stale in marts.glob(".*.link"):
        stale.unlink(missing_ok=True)


def comment_metadata(con: duckdb.DuckDBPyConnection, mart: str) -> dict[str, str]:
    """The mart's COMMENTs as Parquet key-value metadata: table_comment, and column_comments as JSON."""
    (table_comment,) = con.execute(
        "SELECT coalesce(comment, '') FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = $mart "
        "UNION ALL SELECT coalesce(comment, '') FROM duckdb_views() WHERE schema_name = 'marts' AND view_name = $mart",
        {"mart": mart},
    ).fetchall()[0]
    columns = dict(
        con.execute(
            "SELECT column_name, comment FROM duckdb_columns() "
            "WHERE schema_name = 'marts' AND table_name = ? AND comment IS NOT NULL",
            [mart],
        ).fetchall()
    )
    return {"table_comment": table_comment, "column_comments": json.dumps(columns, sort_keys=True)}
