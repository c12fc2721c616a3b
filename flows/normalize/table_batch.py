"""The small tables of many reports normalized as one: cells read, classified and harmonized once per batch, then split back per table."""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.errors import AccountingError
from flows.extract import RawTable
from flows.normalize.cell_rows import SMALL_TABLE
from flows.normalize.cell_values import read_cell_values, with_figures
from flows.normalize.observation_rows import PART, observation_rows, table_context
from flows.normalize.rejections import cell_quarantine, duplicate_rows, skipped_quarantine
from flows.normalize.table import (
    ReadTable,
    TableResult,
    accounted_result,
    classify,
    declared_measures,
    long_cells,
    name_lookups,
    normalize_read,
)

log = logging.getLogger(__name__)

# Each cell's row among the raw rows of the batch's tables (concatenated in part order).
ROW = "_row"
# Each cell's value column, as its table's long_cells orders them.
COLUMN = "_value_column"
# Cells of one batch at most: bounded memory, and still few Arrow calls per table.
BATCH_CELLS = 200_000


def batchable(table: ReadTable) -> bool:
    """A table read text by text when alone (cell_rows.SMALL_TABLE), so read alike in a batch,
    whose rows are in source_row order (the order normalize_table gives its cells)."""
    rows = table.raw.cells.num_rows
    if not 0 < rows * len(table.layout.value_columns) <= SMALL_TABLE:
        return False
    numbers = table.raw.cells["source_row"].to_numpy()
    return bool(np.all(numbers[1:] > numbers[:-1]))


def normalize_tables(
    con: duckdb.DuckDBPyConnection, tables: list[ReadTable], reference_dir: Path
) -> list[TableResult | Exception]:
    """Each batchable table's result, or the error it raised: the same as normalize_table gives
    it alone. Tables read alike (same reading options and dimensions) go together."""
    results: list[TableResult | Exception | None] = [None] * len(tables)
    groups: dict[tuple, list[int]] = {}
    for index, table in enumerate(tables):
        groups.setdefault(_reading(table), []).append(index)
    for indexes in groups.values():
        for chunk in _chunks(tables, indexes):
            members = [tables[i] for i in chunk]
            try:
                done = _normalize_group(con, members, reference_dir)
            except Exception:
                # One table the batch cannot take must not fail the others: each goes alone,
                # and only the one at fault fails (its own report, as it would have alone).
                log.warning("a batch of %d tables failed; normalizing them one by one", len(chunk))
                done = [_alone(con, table, reference_dir) for table in members]
            for index, result in zip(chunk, done, strict=True):
                results[index] = result
    return results  # type: ignore[return-value]


def _reading(table: ReadTable) -> tuple:
    """What the cells of a batch must share: how value texts are read, and the dimension names
    (each observation's map lists its table's)."""
    spec = table.spec
    return (
        tuple(spec.corrections.items()),
        spec.accounting_negatives,
        float(spec.value_scale),
        tuple(name for name, _ in table.layout.dimensions),
    )


def _chunks(tables: list[ReadTable], indexes: list[int]) -> list[list[int]]:
    chunks: list[list[int]] = [[]]
    cells = 0
    for index in indexes:
        size = tables[index].raw.cells.num_rows * len(tables[index].layout.value_columns)
        if chunks[-1] and cells + size > BATCH_CELLS:
            chunks.append([])
            cells = 0
        chunks[-1].append(index)
        cells += size
    return chunks


def _alone(
    con: duckdb.DuckDBPyConnection, table: ReadTable, reference_dir: Path
) -> TableResult | Exception:
    try:
        return normalize_read(con, table, reference_dir)
    except Exception as exc:
        return exc


def _normalize_group(
    con: duckdb.DuckDBPyConnection, tables: list[ReadTable], reference_dir: Path
) -> list[TableResult | Exception]:
    """normalize_table for many tables in one pass; each row carries its table (PART) and raw row."""
    cells = _long_cells(tables)
    cells = with_figures(cells, read_cell_values(cells, tables[0].spec, small=True), (PART,))
    duplicate = _duplicates(tables).take(cells[ROW])
    classified = classify(cells, duplicate, name_lookups(cells, reference_dir))
    contexts = [table_context(t.source, t.spec, t.source.rel_file(t.spec.file)) for t in tables]
    observations = observation_rows(classified, contexts)
    return _split(con, tables, classified, observations, contexts)


def _long_cells(tables: list[ReadTable]) -> pa.Table:
    """long_cells of every table, each cell with its PART and ROW, in the order the tables give
    them one by one (table, value column, row). Tables of one shape go through long_cells at once."""
    sizes = np.array([t.raw.cells.num_rows for t in tables], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    shapes: dict[tuple, list[int]] = {}
    for index, table in enumerate(tables):
        shapes.setdefault(_shape(table), []).append(index)
    pieces = []
    for members in shapes.values():
        first = tables[members[0]]
        together = RawTable(
            first.raw.header,
            pa.concat_tables([tables[i].raw.cells for i in members]),
            first.raw.skipped.slice(0, 0),
        )
        cells = long_cells(together, first.layout, first.spec)
        cells = cells.append_column(
            "declared_measure", declared_measures(cells, first.spec.measure)
        )
        columns = len(first.layout.value_columns)
        part = np.repeat(np.array(members, dtype=np.int32), sizes[members])
        row = np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in members])
        pieces.append(
            cells.append_column(PART, pa.array(np.tile(part, columns)))
            .append_column(ROW, pa.array(np.tile(row, columns)))
            .append_column(COLUMN, pa.array(np.repeat(np.arange(columns), len(row))))
        )
    cells = pa.concat_tables(pieces).combine_chunks()
    # One call of one value column gives them in table order already.
    if len(pieces) > 1 or len(first.layout.value_columns) > 1:
        cells = cells.sort_by([(PART, "ascending"), (COLUMN, "ascending"), (ROW, "ascending")])
    return cells


def _shape(table: ReadTable) -> tuple:
    """What long_cells reads of a table besides its cells: tables alike in all of it share a call."""
    spec = table.spec
    return (
        table.raw.header,
        table.raw.cells.schema,
        repr(table.layout),
        repr(spec.unpivot),
        repr(spec.constants),
        spec.value_in_label,
        spec.measure,
    )


def _duplicates(tables: list[ReadTable]) -> pa.ChunkedArray:
    """duplicate_rows of each table, for the raw rows of all of them in order."""
    width = max(len(t.raw.header) for t in tables)
    names = ["source_row", *(f"c{i}" for i in range(1, width + 1))]
    cells = pa.concat_tables(
        [t.raw.cells.select([n for n in names if n in t.raw.cells.column_names]) for t in tables],
        promote_options="default",
    )
    sizes = [t.raw.cells.num_rows for t in tables]
    part = np.repeat(np.arange(len(tables), dtype=np.int64), sizes)
    together = RawTable(tuple(names[1:]), cells.select(names), cells.slice(0, 0))
    return duplicate_rows(together, (part, len(tables)))


def _split(
    con: duckdb.DuckDBPyConnection,
    tables: list[ReadTable],
    classified: pa.Table,
    observations: pa.Table,
    contexts: list[dict],
) -> list[TableResult | Exception]:
    """Each table's rows back as its own result: rows are in PART order, so each is a slice."""
    count = len(tables)
    part = classified[PART].to_numpy()
    ok = pc.equal(classified["status"], "ok").to_numpy(zero_copy_only=False)
    bounds = np.searchsorted(part, np.arange(count + 1))
    ok_bounds = np.searchsorted(part[ok], np.arange(count + 1))
    flagged = pc.or_(pc.equal(classified["status"], "rejected"), classified["period_warning"])
    problems = np.bincount(
        part[pc.fill_null(flagged, False).to_numpy(zero_copy_only=False)], minlength=count
    )
    counts = _cell_counts(classified, part, ok, count)
    results: list[TableResult | Exception] = []
    for index, table in enumerate(tables):
        quarantine = skipped_quarantine(table.raw, contexts[index])
        if problems[index]:
            own = classified.slice(bounds[index], bounds[index + 1] - bounds[index])
            con.register("classified", own)
            con.register("raw_cells", table.raw.cells)
            rejected = cell_quarantine(con, table.raw.header, contexts[index])
            quarantine = pa.concat_tables([rejected, quarantine])
        own_rows = observations.slice(ok_bounds[index], ok_bounds[index + 1] - ok_bounds[index])
        try:
            results.append(
                accounted_result(
                    table.spec,
                    table.raw,
                    table.layout,
                    own_rows,
                    quarantine,
                    counts[index],
                    contexts[index]["source_file"],
                )
            )
        except AccountingError as exc:
            results.append(exc)
    return results


def _cell_counts(classified: pa.Table, part: np.ndarray, ok: np.ndarray, count: int) -> list[dict]:
    """table.cell_counts of each table: cells, not figures (a cell of several figures once)."""
    rejected = pc.equal(classified["status"], "rejected").to_numpy(zero_copy_only=False)
    if pc.any(pc.greater(classified["figure_index"], 0)).as_py():
        marks = pa.table(
            {
                PART: classified[PART],
                "source_row": classified["source_row"],
                "source_column_index": classified["source_column_index"],
                "ok": pa.array(ok.astype(np.int8)),
                "rejected": pa.array(rejected.astype(np.int8)),
            }
        )
        per_cell = marks.group_by([PART, "source_row", "source_column_index"]).aggregate(
            [("ok", "max"), ("rejected", "max")]
        )
        part = per_cell[PART].to_numpy()
        ok = per_cell["ok_max"].to_numpy() == 1
        rejected = ~ok & (per_cell["rejected_max"].to_numpy() == 1)
    cells = np.bincount(part, minlength=count)
    n_ok = np.bincount(part, weights=ok, minlength=count).astype(np.int64)
    n_rejected = np.bincount(part, weights=rejected, minlength=count).astype(np.int64)
    return [
        {
            "cells": int(cells[i]),
            "ok": int(n_ok[i]),
            "rejected": int(n_rejected[i]),
            "blank": int(cells[i] - n_ok[i] - n_rejected[i]),
        }
        for i in range(count)
    ]
