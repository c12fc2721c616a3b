"""Turn one extracted table into typed observations with cell lineage, and quarantine what cannot be read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from flows.config import current_settings
from flows.errors import AccountingError, ExtractError
from flows.extract import RawTable, read_table
from flows.extract.common import optional
from flows.fsutil import sha256_file
from flows.lake_schemas import OBSERVATIONS_SCHEMA, QUARANTINE_SCHEMA
from flows.normalize.cell_values import (
    distinct_nonblank,
    lookup,
    read_cell_values,
    read_period_texts,
    with_figures,
)
from flows.normalize.figure_cells import (
    measure_from_words,
    split_label,
)
from flows.normalize.layout import FIELDS, Layout, resolve_layout
from flows.normalize.name_store import distinct_names
from flows.normalize.names import harmonize_with, load_reference
from flows.normalize.observation_rows import observation_rows, table_context
from flows.normalize.prose import prose_tables, read_prose_file
from flows.normalize.rejections import (
    cell_quarantine,
    duplicate_rows,
    skipped_quarantine,
    total_rows,
    visible_name,
)
from flows.normalize.stray_lines import with_stray_lines
from flows.raw.discover import ReportSource
from flows.raw.manifest import TableSpec

FIELD_COLUMNS = {
    "skill": "skill_raw",
    "category": "category_raw",
    "period": "period_text",
    "geography": "geography",
    "measure": "measure_text",
}


@dataclass(frozen=True)
class TableResult:
    """Observations and quarantine rows of one declared table, with the counts that must add up."""

    table_name: str
    observations: pa.Table
    quarantine: pa.Table
    data_rows: int
    value_cells: int
    blank_cells: int
    rejected_cells: int
    observed_cells: int = -1  # -1: one observation per observed cell (no cell printed several)
    claims: pa.Table | None = None  # prose tables: claims without a number
    # Observations already handed to the batch's file as they were made (a large table's ranges).
    streamed: int = 0

    @property
    def observation_count(self) -> int:
        return self.observations.num_rows + self.streamed

    @property
    def cells_observed(self) -> int:
        return self.observations.num_rows if self.observed_cells < 0 else self.observed_cells


@dataclass(frozen=True)
class ReadTable:
    """A declared table read and laid out, not normalized yet (small ones wait for their batch)."""

    source: ReportSource
    spec: TableSpec
    raw: RawTable
    layout: Layout


def normalize_report(
    con: duckdb.DuckDBPyConnection, source: ReportSource, reference_dir: Path
) -> list[TableResult]:
    """Extract and normalize every declared table of one report; a bad table never stops the others."""
    results = []
    for spec in source.manifest.tables:
        table = read_declared(source, spec, reference_dir)
        results.append(
            normalize_read(con, table, reference_dir) if isinstance(table, ReadTable) else table
        )
    return with_stray_lines(source, results)


def normalize_read(
    con: duckdb.DuckDBPyConnection,
    table: ReadTable,
    reference_dir: Path,
    sink: Callable[[pa.Table], None] | None = None,
) -> TableResult:
    """normalize_table of a read table; a large table's ranges hand their observations to `sink`
    as they are made (counted in TableResult.streamed), when one is given."""
    return normalize_table(
        con, table.source, table.spec, table.raw, table.layout, reference_dir, sink
    )


def read_declared(
    source: ReportSource, spec: TableSpec, reference_dir: Path
) -> TableResult | ReadTable:
    """One declared table, read: a ReadTable to normalize, or already its result (prose, read as
    it is normalized, and a file that cannot be read, quarantined)."""
    rel_file = source.rel_file(spec.file)
    if spec.is_prose:
        return _normalize_prose(source, spec, reference_dir, rel_file)
    try:
        raw = read_table(source.report_dir / spec.file, spec)
    except ExtractError as exc:
        return rejected_file(source, spec, rel_file, exc)
    return laid_out(source, spec, raw)


def laid_out(source: ReportSource, spec: TableSpec, raw: RawTable) -> TableResult | ReadTable:
    """A table read from its file: checked unchanged since discovery, its columns laid out."""
    rel_file = source.rel_file(spec.file)
    try:
        _check_unchanged(source, spec, rel_file)
        layout = resolve_layout(raw.header, spec, rel_file)
        if raw.cells.num_rows == 0 and raw.skipped.num_rows == 0:
            raise ExtractError(
                "no_data_rows",
                f"{rel_file}: the table has a header but no data rows; check header_row in report.toml "
                "or whether the file was exported completely",
            )
    except ExtractError as exc:
        return rejected_file(source, spec, rel_file, exc)
    return ReadTable(source, spec, raw, layout)


def _check_unchanged(source: ReportSource, spec: TableSpec, rel_file: str) -> None:
    """Lineage carries the hash discovery planned with: the bytes read must be those bytes.

    Hashed again after reading: a file rewritten while the run read it (a download still in
    progress) would otherwise pass its new figures off under the old hash.
    """
    try:
        now = sha256_file(source.report_dir / spec.file)
    except OSError:
        now = None
    if now != source.file_hashes[spec.file]:
        raise ExtractError(
            "file_changed",
            f"{rel_file}: the file changed while this run read it (its sha256 is no longer the one "
            "discovered), so its figures are not loaded now; the next run reads it again, once "
            "it is complete",
        )


def _normalize_prose(
    source: ReportSource, spec: TableSpec, reference_dir: Path, rel_file: str
) -> TableResult:
    """Every figure of every sentence is one value cell: an observation or a quarantine row."""
    try:
        reading = read_prose_file(source.report_dir / spec.file, spec)
    except ExtractError as exc:
        return rejected_file(source, spec, rel_file, exc)
    observations, claims, quarantine = prose_tables(reading, source, spec, reference_dir)
    figures = len(reading.figures)
    result = TableResult(
        table_name=spec.table_name,
        observations=observations,
        quarantine=quarantine,
        data_rows=figures,
        value_cells=figures,
        blank_cells=0,
        rejected_cells=figures - observations.num_rows,
        claims=claims,
    )
    check_accounting(result, 1, rel_file)
    return result


def normalize_table(
    con: duckdb.DuckDBPyConnection,
    source: ReportSource,
    spec: TableSpec,
    raw: RawTable,
    layout: Layout,
    reference_dir: Path,
    sink: Callable[[pa.Table], None] | None = None,
) -> TableResult:
    """Unpivot value cells, read each distinct text once (several figures per cell become several
    rows), harmonize names, split good from bad."""
    range_rows = current_settings().range_rows
    if raw.cells.num_rows > range_rows:
        from flows.normalize.large_table import normalize_in_ranges  # it imports this module

        return normalize_in_ranges(source, spec, raw, layout, reference_dir, range_rows, sink)
    rel_file = source.rel_file(spec.file)
    cells = long_cells(raw, layout, spec)
    cells = cells.append_column("declared_measure", declared_measures(cells, spec.measure))
    cells = with_figures(cells, read_cell_values(cells, spec))
    classified = classify(cells, cell_duplicates(cells, raw), name_lookups(cells, reference_dir))
    context = table_context(source, spec, rel_file)
    observations = observation_rows(classified, context)
    counts = cell_counts(classified)
    rejected = QUARANTINE_SCHEMA.empty_table()
    if (
        pc.any(pc.equal(classified["status"], "rejected")).as_py()
        or pc.any(classified["period_warning"]).as_py()
    ):
        con.register("classified", classified)
        con.register("raw_cells", raw.cells)
        rejected = cell_quarantine(con, raw.header, context)
    quarantine = pa.concat_tables([rejected, skipped_quarantine(raw, context)])
    return accounted_result(spec, raw, layout, observations, quarantine, counts, rel_file)


def accounted_result(
    spec: TableSpec,
    raw: RawTable,
    layout: Layout,
    observations: pa.Table,
    quarantine: pa.Table,
    counts: dict[str, int],
    rel_file: str,
    streamed: int = 0,
) -> TableResult:
    """The table's result, once its cell counts are shown to account for every cell."""
    result = TableResult(
        streamed=streamed,
        table_name=spec.table_name,
        observations=observations,
        quarantine=quarantine,
        data_rows=raw.cells.num_rows,
        value_cells=counts["cells"],
        blank_cells=counts["blank"],
        rejected_cells=counts["rejected"],
        observed_cells=counts["ok"],
    )
    check_accounting(result, len(layout.value_columns), rel_file)
    return result


def declared_measures(cells: pa.Table, default: str) -> pa.Array:
    """Each cell's declared measure: the words of its columns.measure cell, else the table's."""
    texts = cells["measure_text"]
    if texts.null_count == len(texts):  # no columns.measure: every cell takes the table's
        return pa.repeat(pa.scalar(default, pa.string()), len(texts))
    distinct = [t for t in pc.unique(texts).to_pylist() if t is not None]
    named = pa.array([measure_from_words(t) or default for t in distinct], pa.string())
    found = named.take(pc.index_in(texts, value_set=pa.array(distinct, pa.string())))
    return pc.fill_null(found, default)


def long_cells(raw: RawTable, layout: Layout, spec: TableSpec) -> pa.Table:
    """One row per value cell: its position, its text, and the row's skill/category/period/geography.

    `cell_text` is the cell as published and `span_offset` where the value part starts in it
    (not 0 only when value_in_label splits "Germany (3.1%)" into a label and a value).
    """
    n = raw.cells.num_rows
    parts = []
    for index, header in layout.value_columns:
        text = raw.cells[f"c{index}"]
        columns = {
            "source_row": raw.cells["source_row"],
            "source_page": optional(raw.cells, "source_page", pa.int32()),
            "source_column_index": pa.repeat(pa.scalar(index, pa.int32()), n),
            "source_column": pa.repeat(pa.scalar(header, pa.string()), n),
            "source_text": text,
            "cell_text": text,
            "span_offset": pa.repeat(pa.scalar(0, pa.int32()), n),
        }
        for field in FIELDS:
            columns[FIELD_COLUMNS[field]] = _field_values(raw, layout, spec, field, header, n)
        # A bad period is reported at the period's own column, when it has one.
        period_index = layout.fields.get("period", index)
        columns["period_column_index"] = pa.repeat(pa.scalar(period_index, pa.int32()), n)
        columns["period_column"] = pa.repeat(
            pa.scalar(raw.header[period_index - 1], pa.string()), n
        )
        if spec.value_in_label:
            labels, values, offsets = _split_labels(text)
            columns |= {"skill_raw": labels, "source_text": values, "span_offset": offsets}
        for name, column in layout.dimensions:
            columns[f"dim_{name}"] = pc.utf8_trim_whitespace(raw.cells[f"c{column}"])
        parts.append(pa.table(columns))
    return pa.concat_tables(parts)


def _split_labels(cells: pa.ChunkedArray) -> tuple[pa.Array, pa.Array, pa.Array]:
    """value_in_label: each distinct cell -> (label, value text, where the value text starts)."""
    distinct = [t for t in pc.unique(cells).to_pylist() if t is not None]
    split = [split_label(text) for text in distinct]
    positions = pc.index_in(cells, value_set=pa.array(distinct, pa.string()))
    return (
        pa.array([label for label, _, _ in split], pa.string()).take(positions),
        pa.array([value for _, value, _ in split], pa.string()).take(positions),
        pc.fill_null(pa.array([offset for _, _, offset in split], pa.int32()).take(positions), 0),
    )


def _field_values(
    raw: RawTable, layout: Layout, spec: TableSpec, field: str, header: str, n: int
) -> pa.Array:
    if field in layout.fields:
        return pc.utf8_trim_whitespace(raw.cells[f"c{layout.fields[field]}"])
    if spec.unpivot is not None and spec.unpivot.into == field:
        return pa.repeat(pa.scalar(header.strip(), pa.string()), n)
    constant = getattr(spec.constants, field, None) if field != "skill" else None
    return pa.repeat(pa.scalar(constant, pa.string()), n)


def name_lookups(cells: pa.Table, reference_dir: Path) -> dict[str, pa.Table]:
    """Each distinct period, skill and category text of the cells, read or harmonized once."""
    # The reference and threshold once per table: each look-up stats nine files and reads the
    # environment, a notable share of a 100-row table.
    reference, threshold = load_reference(reference_dir), current_settings().fuzzy_threshold
    return {
        "periods": read_period_texts(distinct_nonblank(cells, "period_text")),
        "skills": harmonize_with(reference, distinct_names(cells["skill_raw"]), "skill", threshold),
        "categories": harmonize_with(
            reference, distinct_nonblank(cells, "category_raw"), "category", threshold
        ),
    }


def cell_duplicates(cells: pa.Table, raw: RawTable) -> pa.ChunkedArray:
    """For each cell, whether its raw row repeats an earlier row of the table."""
    row_of_cell = pc.index_in(cells["source_row"], value_set=raw.cells["source_row"])
    return duplicate_rows(raw).take(row_of_cell)


def classify(cells: pa.Table, duplicate: pa.ChunkedArray, lookups: dict[str, pa.Table]) -> pa.Table:
    """Attach each figure's period and names, and decide: ok, blank, or rejected and why.

    Hash lookups in Arrow, not a query: for the many small tables of a corpus, a query's fixed
    cost (~6 ms) was most of the work. A period cell that cannot be read does not reject the
    figure: it loads with the period unknown and a warning row says why. `duplicate`: per cell,
    whether its row repeats an earlier one (cell_duplicates).
    """
    period = lookup(cells["period_text"], lookups["periods"], "source_text")
    skill = lookup(cells["skill_raw"], lookups["skills"], "name_raw")
    category = lookup(cells["category_raw"], lookups["categories"], "name_raw")
    blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(cells["source_text"]), ""), True)
    name = visible_name(cells["skill_raw"])
    no_skill = pc.fill_null(pc.equal(name, ""), True)
    total = total_rows(name)
    bad_value = pc.is_valid(cells["value_reason"])
    has_period = pc.fill_null(pc.not_equal(cells["period_text"], ""), False)
    bad_period = pc.and_(has_period, pc.is_valid(period["reason_code"]))
    rejected = pc.or_(pc.or_(duplicate, no_skill), pc.or_(total, bad_value))
    status = pc.if_else(blank, "blank", pc.if_else(rejected, "rejected", "ok"))
    reason_code = _first_of(
        (duplicate, "duplicate_row"),
        (no_skill, "missing_skill"),
        (total, "total_row"),
        (bad_value, cells["value_reason"]),
        default=period["reason_code"],
    )
    reason_message = _first_of(
        (duplicate, "the whole row repeats an earlier row of the same table; delete the copy"),
        (
            no_skill,
            "the row has a figure but no skill name (blank, invisible or punctuation only); "
            "fill in the skill or delete the row",
        ),
        (
            total,
            "the row is a total of the table, not a skill, so it is kept out of the rankings; "
            "nothing to fix",
        ),
        (bad_value, cells["value_message"]),
        default=pc.binary_join_element_wise(
            period["message"],
            pa.scalar("; the value loads with the period unknown"),
            "",
        ),
    )
    # A period warning is reported at the period's own column, when it has one.
    period_is_reason = pc.and_(bad_period, pc.invert(rejected))
    own_period = pc.is_valid(cells["figure_period_start"])
    extra = {
        "period_start": pc.if_else(
            own_period, cells["figure_period_start"], period["period_start"]
        ),
        "period_end": pc.if_else(own_period, cells["figure_period_end"], period["period_end"]),
        "period_label_found": pc.if_else(
            own_period, cells["figure_period_text"], cells["period_text"]
        ),
        "period_unknown": bad_period,
        "period_warning": pc.and_(bad_period, pc.equal(status, "ok")),
        "skill_id": skill["canonical_id"],
        "skill_match_method": skill["match_method"],
        "skill_match_score": skill["match_score"],
        "skill_match_confirmed": skill["confirmed"],
        "esco_uri": skill["esco_uri"],
        "onet_code": skill["onet_code"],
        "category_id": category["canonical_id"],
        "status": status,
        "problem_column": pc.if_else(
            period_is_reason, cells["period_column"], cells["source_column"]
        ),
        "problem_column_index": pc.if_else(
            period_is_reason, cells["period_column_index"], cells["source_column_index"]
        ),
        "reason_code": reason_code,
        "reason_message": reason_message,
    }
    for name, column in extra.items():
        cells = cells.append_column(name, column)
    return cells


def cell_counts(classified: pa.Table) -> dict[str, int]:
    """Cells, not figures: a cell is observed when one of its figures loaded, rejected when none
    did and one was rejected, blank otherwise; cells = observed + rejected + blank."""
    if not pc.any(pc.greater(classified["figure_index"], 0)).as_py():
        counts = {
            c["values"]: c["counts"] for c in pc.value_counts(classified["status"]).to_pylist()
        }
        cells = classified.num_rows
        return {
            "cells": cells,
            "ok": counts.get("ok", 0),
            "rejected": counts.get("rejected", 0),
            "blank": counts.get("blank", 0),
        }
    marks = pa.table(
        {
            "source_row": classified["source_row"],
            "source_column_index": classified["source_column_index"],
            "ok": pc.cast(pc.equal(classified["status"], "ok"), pa.int8()),
            "rejected": pc.cast(pc.equal(classified["status"], "rejected"), pa.int8()),
        }
    )
    per_cell = marks.group_by(["source_row", "source_column_index"]).aggregate(
        [("ok", "max"), ("rejected", "max")]
    )
    ok = pc.equal(per_cell["ok_max"], 1)
    rejected = pc.and_(pc.invert(ok), pc.equal(per_cell["rejected_max"], 1))
    cells = per_cell.num_rows
    n_ok = pc.sum(ok).as_py() or 0
    n_rejected = pc.sum(rejected).as_py() or 0
    return {"cells": cells, "ok": n_ok, "rejected": n_rejected, "blank": cells - n_ok - n_rejected}


def _first_of(*cases: tuple, default) -> pa.ChunkedArray:
    """CASE WHEN a THEN x WHEN b THEN y ... ELSE default, in Arrow."""
    result = default
    for condition, value in reversed(cases):
        result = pc.if_else(condition, value, result)
    return result


def check_accounting(result: TableResult, value_columns: int, rel_file: str) -> None:
    """Every value cell of every data row must end as an observation, a rejected cell or a blank."""
    expected = result.data_rows * value_columns
    landed = result.cells_observed + result.rejected_cells + result.blank_cells
    if result.value_cells != expected or landed != expected:
        raise AccountingError(
            f"{rel_file}: {result.data_rows} data rows x {value_columns} value columns = {expected} cells, "
            f"but {result.cells_observed} observed + {result.rejected_cells} rejected + "
            f"{result.blank_cells} blank = {landed}; this is a skillpulse bug, please report it with the file"
        )


def rejected_file(
    source: ReportSource, spec: TableSpec, rel_file: str, exc: ExtractError
) -> TableResult:
    row = {
        "report_id": source.report_id,
        "table_name": spec.table_name,
        "source_file": rel_file,
        "source_sha256": source.file_hashes[spec.file],
        "reason_code": exc.reason_code,
        # Readers name the file they were given; messages name it as lineage does, from raw.
        "message": str(exc).replace(str(source.report_dir / spec.file), rel_file),
        "severity": "error",
    }
    return TableResult(
        table_name=spec.table_name,
        observations=OBSERVATIONS_SCHEMA.empty_table(),
        quarantine=pa.Table.from_pylist([row], schema=QUARANTINE_SCHEMA),
        data_rows=0,
        value_cells=0,
        blank_cells=0,
        rejected_cells=0,
    )
