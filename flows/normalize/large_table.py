"""A table too large to normalize at once: the whole-table rules decided once on distinct texts, then row ranges normalized in parallel."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from flows.extract import RawTable
from flows.lake_schemas import QUARANTINE_SCHEMA
from flows.normalize import table as single
from flows.normalize.cell_values import read_cell_values, read_period_texts, with_figures
from flows.normalize.layout import Layout
from flows.normalize.names import harmonize_names
from flows.normalize.observation_rows import observation_rows, table_context
from flows.normalize.rejections import (
    DUPLICATE_COLUMN,
    cell_quarantine,
    duplicate_rows,
    skipped_quarantine,
)
from flows.raw.discover import ReportSource
from flows.raw.manifest import TableSpec

_NAMED = ("period_text", "skill_raw", "category_raw")


@dataclass(frozen=True)
class _RangeResult:
    observations: pa.Table
    rejected: pa.Table
    counts: dict[str, int]
    streamed: int = 0


def normalize_in_ranges(
    source: ReportSource,
    spec: TableSpec,
    raw: RawTable,
    layout: Layout,
    reference_dir: Path,
    range_rows: int,
    sink: Callable[[pa.Table], None] | None = None,
) -> single.TableResult:
    """normalize_table's result, built range by range: the same rows in the same order.

    What depends on the whole table is decided first: which rows repeat an earlier one, and each
    distinct value text, period and name (read and harmonized once, in first-seen order, as the
    whole table would be). Each range then holds only its own cells, so memory grows with the
    range, not the table, and the ranges run on threads (Arrow releases the GIL). With a sink,
    each range's observations go to it in order as the range is done, and are not kept.
    """
    rel_file = source.rel_file(spec.file)
    cells = raw.cells.append_column(DUPLICATE_COLUMN, duplicate_rows(raw))
    ranges = [
        RawTable(raw.header, cells.slice(start, range_rows), raw.skipped.slice(0, 0))
        for start in range(0, cells.num_rows, range_rows)
    ]
    found = _in_parallel(lambda part: _distinct_texts(part, layout, spec), ranges)
    figures = read_cell_values(_distinct_values([texts for texts, _ in found]), spec)
    named = {column: _first_seen(names[column] for _, names in found) for column in _NAMED}
    lookups = {
        "periods": read_period_texts(named["period_text"]),
        "skills": harmonize_names(named["skill_raw"], "skill", reference_dir),
        "categories": harmonize_names(named["category_raw"], "category", reference_dir),
    }
    context = table_context(source, spec, rel_file)
    parts = _in_parallel(
        lambda part: _normalize_range(part, layout, spec, figures, lookups, context),
        ranges,
        _streamed(sink),
    )
    counts = {
        key: sum(p.counts[key] for p in parts) for key in ("cells", "ok", "rejected", "blank")
    }
    quarantine = pa.concat_tables([*(p.rejected for p in parts), skipped_quarantine(raw, context)])
    observations = pa.concat_tables([p.observations for p in parts])
    streamed = sum(p.streamed for p in parts)
    return single.accounted_result(
        spec, raw, layout, observations, quarantine, counts, rel_file, streamed
    )


def _streamed(sink: Callable[[pa.Table], None] | None) -> Callable | None:
    """Hands a done range's observations to the sink, keeping only their count."""
    if sink is None:
        return None

    def hand_over(part: _RangeResult) -> _RangeResult:
        sink(part.observations)
        return _RangeResult(
            part.observations.schema.empty_table(),
            part.rejected,
            part.counts,
            part.observations.num_rows,
        )

    return hand_over


def _in_parallel(work: Callable, ranges: list[RawTable], then: Callable | None = None) -> list:
    """work on every range, on threads; with `then`, ranges go a round of workers at a time and
    each result passes through `then` in order, so only a round's results are held whole."""
    workers = max(1, min(len(ranges), os.cpu_count() or 1))
    with ThreadPoolExecutor(workers, thread_name_prefix="skillpulse-range") as pool:
        if then is None:
            return list(pool.map(work, ranges))
        return [
            then(done)
            for start in range(0, len(ranges), workers)
            for done in list(pool.map(work, ranges[start : start + workers]))
        ]


def _long_cells(part: RawTable, layout: Layout, spec: TableSpec) -> pa.Table:
    cells = single.long_cells(part, layout, spec)
    return cells.append_column("declared_measure", single.declared_measures(cells, spec.measure))


def _distinct_texts(
    part: RawTable, layout: Layout, spec: TableSpec
) -> tuple[dict[str, pa.Array], dict[str, pa.Array]]:
    """A range's distinct value texts per declared measure, and its distinct period and name texts,
    each in first-seen order."""
    cells = _long_cells(part, layout, spec)
    measures = pc.unique(cells["declared_measure"]).to_pylist()
    texts = {
        measure: pc.unique(
            cells["source_text"]
            if len(measures) == 1
            else cells.filter(pc.equal(cells["declared_measure"], measure))["source_text"]
        )
        for measure in measures
    }
    return texts, {column: pc.unique(cells[column]) for column in _NAMED}


def _first_seen(parts: Iterable[pa.Array]) -> list[str]:
    """The distinct non-blank texts of ranges in order, as the whole column would list them."""
    distinct = pc.unique(pa.chunked_array(list(parts), pa.string())).to_pylist()
    return [t for t in distinct if t is not None and t.strip()]


def _distinct_values(parts: list[dict[str, pa.Array]]) -> pa.Table:
    """One row per distinct (value text, declared measure) of the whole table, measures and texts
    in first-seen order: what read_cell_values reads of the whole table's cells."""
    measures = list(dict.fromkeys(m for part in parts for m in part))
    columns = {"source_text": [], "declared_measure": []}
    for measure in measures:
        texts = pc.unique(
            pa.chunked_array([part[measure] for part in parts if measure in part], pa.string())
        )
        columns["source_text"].append(texts)
        columns["declared_measure"].append(pa.repeat(pa.scalar(measure, pa.string()), len(texts)))
    return pa.table(
        {name: pa.chunked_array(arrays, pa.string()) for name, arrays in columns.items()}
    )


def _normalize_range(
    part: RawTable,
    layout: Layout,
    spec: TableSpec,
    figures: pa.Table,
    lookups: dict[str, pa.Table],
    context: dict,
) -> _RangeResult:
    cells = with_figures(_long_cells(part, layout, spec), figures)
    classified = single.classify(cells, single.cell_duplicates(cells, part), lookups)
    rejected = QUARANTINE_SCHEMA.empty_table()
    if (
        pc.any(pc.equal(classified["status"], "rejected")).as_py()
        or pc.any(classified["period_warning"]).as_py()
    ):
        # A connection per range: registered tables are per connection, and ranges run at once.
        with closing(duckdb.connect()) as con:
            con.register("classified", classified)
            con.register("raw_cells", part.cells.drop_columns([DUPLICATE_COLUMN]))
            rejected = cell_quarantine(con, part.header, context)
    return _RangeResult(
        observation_rows(classified, context), rejected, single.cell_counts(classified)
    )
