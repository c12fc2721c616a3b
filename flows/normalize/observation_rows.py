"""The loaded figures of one table as lake observation rows: the report's context stamped on each, lineage spans and dimensions."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.lake_schemas import OBSERVATIONS_SCHEMA
from flows.normalize.figure_cells import resolved_currency
from flows.raw.discover import ReportSource
from flows.raw.manifest import TableSpec


def table_context(source: ReportSource, spec: TableSpec, rel_file: str) -> dict:
    report = source.manifest.report
    period = report.period
    return {
        "report_id": source.report_id,
        "series_id": report.series,
        "publisher": report.publisher,
        "edition": report.edition,
        "table_name": spec.table_name,
        "measure": spec.measure,
        "report_period_start": period.start if period else None,
        "report_period_end": period.end if period else None,
        "report_geography": report.geography,
        "report_currency": report.currency,
        "source_file": rel_file,
        "source_sha256": source.file_hashes[spec.file],
    }


# Columns of a classified table that observation rows do not read.
_NOT_READ = frozenset(
    {
        "source_text",
        "declared_measure",
        "measure_text",
        "period_text",
        "period_column",
        "period_column_index",
        "value_reason",
        "value_message",
        "figure_period_start",
        "figure_period_end",
        "figure_period_text",
        "status",
        "period_warning",
        "problem_column",
        "problem_column_index",
        "reason_code",
        "reason_message",
        "key",
    }
)


# The column naming each row's table among the tables of a batch (an index into their contexts).
PART = "_part"


def observation_rows(classified: pa.Table, ctx: dict | list[dict]) -> pa.Table:
    """The figures that loaded, with the report's context; built in Arrow, no query needed.

    `ctx`: the table's context, or a list of them for the tables of a batch, indexed by PART.
    """
    # The filter copies every column it keeps: not those of the classification (reasons, texts).
    kept = [name for name in classified.column_names if name not in _NOT_READ]
    ok = classified.select(kept).filter(pc.equal(classified["status"], "ok"))
    n = ok.num_rows

    def stamp(key: str, kind: pa.DataType) -> pa.Scalar | pa.ChunkedArray:
        if isinstance(ctx, dict):
            return pa.scalar(ctx[key], kind)
        return pa.array([table[key] for table in ctx], kind).take(ok[PART])

    def constant(key: str) -> pa.Array | pa.ChunkedArray:
        value = stamp(key, pa.string())
        return pa.repeat(value, n) if isinstance(value, pa.Scalar) else value

    unknown = ok["period_unknown"]
    currency = stamp("report_currency", pa.string())
    columns = {
        **{
            key: constant(key)
            for key in ("report_id", "series_id", "publisher", "edition", "table_name")
        },
        "period_start": pc.if_else(
            unknown,
            pa.scalar(None, pa.date32()),
            pc.coalesce(ok["period_start"], stamp("report_period_start", pa.date32())),
        ),
        "period_end": pc.if_else(
            unknown,
            pa.scalar(None, pa.date32()),
            pc.coalesce(ok["period_end"], stamp("report_period_end", pa.date32())),
        ),
        "period_label": _null_if_empty(ok["period_label_found"]),
        "geography": pc.coalesce(
            _null_if_empty(ok["geography"]), stamp("report_geography", pa.string())
        ),
        "category_raw": _null_if_empty(ok["category_raw"]),
        "source_file": constant("source_file"),
        "source_sha256": constant("source_sha256"),
        "is_horizon": pc.fill_null(ok["horizon"], False),
        "source_text": ok["cell_text"],
        "source_span": _span_text(ok),
        "dimensions": _dimensions(ok),
        "currency": resolved_currency(
            ok["currency"], currency.as_py() if isinstance(currency, pa.Scalar) else currency
        ),
    }
    passed = (
        "measure",
        "category_id",
        "skill_raw",
        "skill_id",
        "skill_match_method",
        "skill_match_score",
        "skill_match_confirmed",
        "esco_uri",
        "onet_code",
        "value",
        "value_qualifier",
        "unit",
        "source_row",
        "source_page",
        "source_column",
        "source_column_index",
        "figure_index",
        "comparison",
        "value_low",
        "value_high",
    )
    columns |= {name: ok[name] for name in passed}
    return in_schema(columns, n, OBSERVATIONS_SCHEMA)


def in_schema(columns: dict, n: int, schema: pa.Schema) -> pa.Table:
    """lake.conform for columns not yet in a table: casting only the columns whose type differs
    costs a third of building a table and casting all of it (~1 ms of a 100-row report)."""
    arrays = []
    for field in schema:
        column = columns.get(field.name)
        if column is None:
            column = pa.nulls(n, field.type)
        elif column.type != field.type:
            column = column.cast(field.type)
        arrays.append(column)
    return pa.Table.from_arrays(arrays, schema=schema)


def _span_text(rows: pa.Table) -> pa.ChunkedArray:
    """'start-end' of the figure in the published cell (the label's length added when split)."""
    start = pc.add(rows["span_start"], rows["span_offset"])
    end = pc.add(rows["span_end"], rows["span_offset"])
    return pc.binary_join_element_wise(pc.cast(start, pa.string()), pc.cast(end, pa.string()), "-")


def _dimensions(rows: pa.Table) -> pa.Array:
    """The declared extra dimensions of each row as a map {name: text} (empty when none)."""
    names = [name.removeprefix("dim_") for name in rows.column_names if name.startswith("dim_")]
    n = rows.num_rows
    k = len(names)
    offsets = pa.array(np.arange(n + 1, dtype=np.int32) * k)
    if not k:
        return pa.MapArray.from_arrays(
            offsets, pa.array([], pa.string()), pa.array([], pa.string())
        )
    values = pa.concat_arrays([rows[f"dim_{name}"].combine_chunks() for name in names])
    order = (np.arange(k)[None, :] * n + np.arange(n)[:, None]).ravel()
    keys = pa.array(np.tile(np.array(names, dtype=object), n), pa.string())
    return pa.MapArray.from_arrays(offsets, keys, values.take(pa.array(order)))


def _null_if_empty(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)
