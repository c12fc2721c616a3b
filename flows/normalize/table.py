"""Turn one extracted table into typed observations with cell lineage, and quarantine what cannot be read."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from flows.errors import AccountingError, ExtractError
from flows.extract import RawTable, read_table
from flows.fsutil import sha256_file
from flows.lake import OBSERVATIONS_SCHEMA, QUARANTINE_SCHEMA
from flows.normalize.measures import REGISTRY
from flows.normalize.names import harmonize_names
from flows.normalize.periods import parse_periods
from flows.normalize.printed import quote
from flows.normalize.values import parse_values
from flows.raw.discover import ReportSource
from flows.raw.manifest import TableSpec
from flows.user_regex import search_texts

FIELDS = ("skill", "category", "period", "geography")
FIELD_COLUMNS = {
    "skill": "skill_raw",
    "category": "category_raw",
    "period": "period_text",
    "geography": "geography",
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


@dataclass(frozen=True)
class Layout:
    """Where each canonical field sits in the published header (1-based column numbers)."""

    fields: dict[str, int]
    value_columns: tuple[tuple[int, str], ...]


class LayoutError(ExtractError):
    """The published header lacks a column the manifest maps."""


def normalize_report(
    con: duckdb.DuckDBPyConnection, source: ReportSource, reference_dir: Path
) -> list[TableResult]:
    """Extract and normalize every declared table of one report; a bad table never stops the others."""
    return [
        _normalize_declared(con, source, spec, reference_dir) for spec in source.manifest.tables
    ]


def _normalize_declared(
    con, source: ReportSource, spec: TableSpec, reference_dir: Path
) -> TableResult:
    rel_file = source.rel_file(spec.file)
    try:
        raw = read_table(source.report_dir / spec.file, spec)
        _check_unchanged(source, spec, rel_file)
        layout = resolve_layout(raw.header, spec, rel_file)
        if raw.cells.num_rows == 0 and raw.skipped.num_rows == 0:
            raise ExtractError(
                "no_data_rows",
                f"{rel_file}: the table has a header but no data rows; check header_row in report.toml "
                "or whether the file was exported completely",
            )
    except ExtractError as exc:
        return _rejected_file(source, spec, rel_file, exc)
    return normalize_table(con, source, spec, raw, layout, reference_dir)


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


def resolve_layout(header: tuple[str, ...], spec: TableSpec, rel_file: str) -> Layout:
    """Find each mapped column in the header; the first of several declared names present wins."""
    folded = {_fold(h): i for i, h in reversed(list(enumerate(header, start=1)))}
    fields: dict[str, int] = {}
    missing: list[str] = []
    duplicated: list[str] = []
    for field in ("skill", "value", *FIELDS[1:]):
        names = spec.columns.headers(field)
        if not names:
            continue
        index = next((folded[_fold(n)] for n in names if _fold(n) in folded), None)
        if index is not None and (twice := _positions(header, header[index - 1]))[1:]:
            duplicated.append(
                f'columns.{field} = "{header[index - 1].strip()}" names columns '
                + " and ".join(map(str, twice))
            )
        if index is None:
            missing.append(_missing_column_message(field, names, header))
        else:
            fields[field] = index
    if spec.unpivot is not None:
        stripped = [h.strip() for h in header]
        matched = search_texts(stripped, spec.unpivot.headers, "unpivot.headers")
        value_columns = tuple(
            (i, h)
            for i, h in enumerate(header, start=1)
            if matched[i - 1] and i not in fields.values()
        )
        if not value_columns:
            missing.append(
                f'no header matches unpivot.headers = "{spec.unpivot.headers}"; headers are {_list(header)}'
            )
    else:
        value_index = fields.pop("value", None)
        value_columns = ((value_index, header[value_index - 1]),) if value_index else ()
    unpivoted = [h for _, h in value_columns] if spec.unpivot is not None else []
    duplicated += [
        f'unpivot.headers matches "{h.strip()}" in columns ' + " and ".join(map(str, twice))
        for h in dict.fromkeys(unpivoted)
        if (twice := _positions(header, h))[1:]
    ]
    if duplicated:
        raise LayoutError(
            "duplicate_header",
            f"{rel_file}: " + "; ".join(duplicated) + "; the header is ambiguous, so no column "
            "is guessed: set header_row/header_rows so the names differ, or map the table another way",
        )
    if missing:
        raise LayoutError(
            "missing_column",
            f"{rel_file}: " + "; ".join(missing) + "; fix the [tables] columns in report.toml",
        )
    return Layout(fields, value_columns)


def _missing_column_message(field: str, names: tuple[str, ...], header: tuple[str, ...]) -> str:
    wanted = " or ".join(f'"{n}"' for n in names)
    close = difflib.get_close_matches(names[0], header, n=1, cutoff=0.6)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    return f"columns.{field} = {wanted} is not in the header {_list(header)}{hint}"


def _list(header: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{h}"' for h in header) + "]"


def _positions(header: tuple[str, ...], name: str) -> list[int]:
    """1-based columns whose header is `name` (spacing and case aside)."""
    return [i for i, h in enumerate(header, start=1) if _fold(h) == _fold(name)]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def normalize_table(
    con: duckdb.DuckDBPyConnection,
    source: ReportSource,
    spec: TableSpec,
    raw: RawTable,
    layout: Layout,
    reference_dir: Path,
) -> TableResult:
    """Unpivot value cells, parse each distinct text once, harmonize names, split good from bad."""
    rel_file = source.rel_file(spec.file)
    cells = long_cells(raw, layout, spec)
    texts = _distinct(cells, "source_text")
    lookups = {
        "parsed": scale_values(parse_values(texts, spec.measure), spec.value_scale, spec.measure),
        "periods": parse_periods(_distinct(cells, "period_text")),
        "skills": harmonize_names(_distinct(cells, "skill_raw"), "skill", reference_dir),
        "categories": harmonize_names(_distinct(cells, "category_raw"), "category", reference_dir),
    }
    classified = _classify(cells, raw, lookups)
    context = _context(source, spec, rel_file)
    observations = _observations(classified, context)
    status_counts = {
        c["values"]: c["counts"] for c in pc.value_counts(classified["status"]).to_pylist()
    }
    rejected = QUARANTINE_SCHEMA.empty_table()
    if status_counts.get("rejected"):
        con.register("classified", classified)
        con.register("raw_cells", raw.cells)
        rejected = _cell_quarantine(con, raw.header, context)
    quarantine = pa.concat_tables([rejected, _skipped_quarantine(raw, context)])
    result = TableResult(
        table_name=spec.table_name,
        observations=observations,
        quarantine=quarantine,
        data_rows=raw.cells.num_rows,
        value_cells=cells.num_rows,
        blank_cells=status_counts.get("blank", 0),
        rejected_cells=status_counts.get("rejected", 0),
    )
    check_accounting(result, len(layout.value_columns), rel_file)
    return result


def scale_values(parsed: pa.Table, scale: float, measure: str = "count") -> pa.Table:
    """Apply value_scale in decimal, as the value reader converts: 0.164454473 x 100 -> 16.4454473,
    not ...298. The scaled value must still fit the measure: 1.5 published as a fraction is not 150%.
    """
    if scale == 1:
        return parsed
    factor = Decimal(repr(float(scale)))
    kind = REGISTRY[measure]
    rows = parsed.to_pylist()
    for row in rows:
        if row["value"] is None:
            continue
        row["value"] = float(Decimal(repr(row["value"])) * factor)
        if not math.isfinite(row["value"]):
            row |= {
                "value": None,
                "value_qualifier": None,
                "reason_code": "not_finite",
                "message": f"{quote(row['source_text'])} x value_scale {scale:g} is too large to "
                "store (beyond 1.8e308); check value_scale in report.toml and the cell",
            }
        elif not kind.low <= row["value"] <= kind.high:
            row |= {
                "value": None,
                "value_qualifier": None,
                "reason_code": "out_of_range",
                "message": f'"{row["source_text"]}" x value_scale {scale:g} = {row["value"]:g}, '
                f"{kind.problem}, which cannot be a {measure} value; check value_scale and the "
                "column in report.toml",
            }
    return pa.Table.from_pylist(rows, schema=parsed.schema)


def long_cells(raw: RawTable, layout: Layout, spec: TableSpec) -> pa.Table:
    """One row per value cell: its position, its text, and the row's skill/category/period/geography."""
    n = raw.cells.num_rows
    parts = []
    for index, header in layout.value_columns:
        columns = {
            "source_row": raw.cells["source_row"],
            "source_column_index": pa.repeat(pa.scalar(index, pa.int32()), n),
            "source_column": pa.repeat(pa.scalar(header, pa.string()), n),
            "source_text": raw.cells[f"c{index}"],
        }
        for field in FIELDS:
            columns[FIELD_COLUMNS[field]] = _field_values(raw, layout, spec, field, header, n)
        # A bad period is reported at the period's own column, when it has one.
        period_index = layout.fields.get("period", index)
        columns["period_column_index"] = pa.repeat(pa.scalar(period_index, pa.int32()), n)
        columns["period_column"] = pa.repeat(
            pa.scalar(raw.header[period_index - 1], pa.string()), n
        )
        parts.append(pa.table(columns))
    return pa.concat_tables(parts)


def _field_values(
    raw: RawTable, layout: Layout, spec: TableSpec, field: str, header: str, n: int
) -> pa.Array:
    if field in layout.fields:
        return pc.utf8_trim_whitespace(raw.cells[f"c{layout.fields[field]}"])
    if spec.unpivot is not None and spec.unpivot.into == field:
        return pa.repeat(pa.scalar(header.strip(), pa.string()), n)
    constant = getattr(spec.constants, field, None) if field != "skill" else None
    return pa.repeat(pa.scalar(constant, pa.string()), n)


def _distinct(cells: pa.Table, column: str) -> list[str]:
    if column not in cells.column_names:
        return []
    return [t for t in pc.unique(cells[column]).to_pylist() if t is not None and t.strip()]


def _classify(cells: pa.Table, raw: RawTable, lookups: dict[str, pa.Table]) -> pa.Table:
    """Attach each cell's parsed value, period and names, and decide: ok, blank, or rejected and why.

    Hash lookups in Arrow, not a query: for the many small tables of a corpus, a query's fixed
    cost (~6 ms) was most of the work.
    """
    value = _lookup(cells["source_text"], lookups["parsed"], "source_text")
    period = _lookup(cells["period_text"], lookups["periods"], "source_text")
    skill = _lookup(cells["skill_raw"], lookups["skills"], "name_raw")
    category = _lookup(cells["category_raw"], lookups["categories"], "name_raw")
    row_of_cell = pc.index_in(cells["source_row"], value_set=raw.cells["source_row"])
    duplicate = _duplicate_rows(raw).take(row_of_cell)
    blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(cells["source_text"]), ""), True)
    name = _visible_name(cells["skill_raw"])
    no_skill = pc.fill_null(pc.equal(name, ""), True)
    # "Total", "TOTAL:", "Total*" and "Grand total (all skills)" alike.
    label = pc.replace_substring_regex(pc.utf8_lower(name), r"\s*(\(.*\))?[\p{P}\p{S}\s]*$", "")
    total = pc.fill_null(pc.is_in(label, value_set=_TOTAL_NAMES), False)
    bad_value = pc.is_valid(value["reason_code"])
    has_period = pc.fill_null(pc.not_equal(cells["period_text"], ""), False)
    bad_period = pc.and_(has_period, pc.is_valid(period["reason_code"]))
    rejected = pc.or_(pc.or_(pc.or_(duplicate, no_skill), total), pc.or_(bad_value, bad_period))
    status = pc.if_else(blank, "blank", pc.if_else(rejected, "rejected", "ok"))
    reason_code = _first_of(
        (duplicate, "duplicate_row"),
        (no_skill, "missing_skill"),
        (total, "total_row"),
        (bad_value, value["reason_code"]),
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
        (bad_value, value["message"]),
        default=period["message"],
    )
    period_is_reason = pc.and_(
        bad_period, pc.invert(pc.or_(pc.or_(duplicate, no_skill), pc.or_(total, bad_value)))
    )
    extra = {
        "value": value["value"],
        "value_qualifier": value["value_qualifier"],
        "unit": value["unit"],
        "period_start": period["period_start"],
        "period_end": period["period_end"],
        "skill_id": skill["canonical_id"],
        "skill_match_method": skill["match_method"],
        "skill_match_score": skill["match_score"],
        "skill_match_confirmed": skill["confirmed"],
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
    return cells.sort_by([("source_row", "ascending"), ("source_column_index", "ascending")])


def _lookup(keys: pa.ChunkedArray, table: pa.Table, key: str) -> dict[str, pa.Array]:
    """A left join on one key: the columns of `table` aligned to `keys` (null where no match)."""
    positions = pc.index_in(keys, value_set=table[key].combine_chunks())
    return {name: table[name].take(positions) for name in table.column_names}


# Rows a publisher adds below the skills: the table's own total, not a skill to rank.
_TOTAL_NAMES = pa.array(
    [
        "total",
        "totals",
        "grand total",
        "subtotal",
        "sub-total",
        "sub total",
        "all skills",
        "overall",
    ]
)
# What a person cannot see or read as a name: spaces, control, format (zero-width) and
# punctuation-only texts.
_INVISIBLE = r"[\s\p{Z}\p{C}]+"
_NOT_A_NAME = r"^[\s\p{Z}\p{C}\p{P}\p{S}]*$"


def _visible_name(names: pa.ChunkedArray) -> pa.ChunkedArray:
    """The name with invisible characters dropped and spaces collapsed; "" when nothing readable is left."""
    spaced = pc.utf8_trim_whitespace(pc.replace_substring_regex(names, _INVISIBLE, " "))
    return pc.if_else(pc.match_substring_regex(spaced, _NOT_A_NAME), "", spaced)


def _duplicate_rows(raw: RawTable) -> pa.ChunkedArray:
    """True for a raw row identical to an earlier one (spaces aside): published once, later copies
    are rejected. "ChatGPT" and "ChatGPT " printed twice are one row printed twice."""
    columns = [
        pc.fill_null(_visible_name(raw.cells[f"c{i}"]), "\x00")
        for i in range(1, len(raw.header) + 1)
    ]
    row_text = pc.binary_join_element_wise(*columns, "\x1f")
    rows = pa.table({"row_text": row_text, "source_row": raw.cells["source_row"]})
    first = rows.group_by("row_text").aggregate([("source_row", "min")])
    first_row = first["source_row_min"].take(
        pc.index_in(row_text, value_set=first["row_text"].combine_chunks())
    )
    return pc.not_equal(raw.cells["source_row"], first_row)


def _first_of(*cases: tuple, default) -> pa.ChunkedArray:
    """CASE WHEN a THEN x WHEN b THEN y ... ELSE default, in Arrow."""
    result = default
    for condition, value in reversed(cases):
        result = pc.if_else(condition, value, result)
    return result


def _context(source: ReportSource, spec: TableSpec, rel_file: str) -> dict:
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
        "source_file": rel_file,
        "source_sha256": source.file_hashes[spec.file],
    }


def _observations(classified: pa.Table, ctx: dict) -> pa.Table:
    """The cells that parsed, with the report's context; built in Arrow, no query needed."""
    ok = classified.filter(pc.equal(classified["status"], "ok"))
    n = ok.num_rows

    def constant(key: str) -> pa.Array:
        return pa.repeat(pa.scalar(ctx[key], pa.string()), n)

    columns = {
        **{
            key: constant(key)
            for key in ("report_id", "series_id", "publisher", "edition", "table_name", "measure")
        },
        "period_start": pc.coalesce(
            ok["period_start"], pa.scalar(ctx["report_period_start"], pa.date32())
        ),
        "period_end": pc.coalesce(
            ok["period_end"], pa.scalar(ctx["report_period_end"], pa.date32())
        ),
        "period_label": _null_if_empty(ok["period_text"]),
        "geography": pc.coalesce(
            _null_if_empty(ok["geography"]), pa.scalar(ctx["report_geography"], pa.string())
        ),
        "category_raw": _null_if_empty(ok["category_raw"]),
        "source_file": constant("source_file"),
        "source_sha256": constant("source_sha256"),
    }
    passed = (
        "category_id",
        "skill_raw",
        "skill_id",
        "skill_match_method",
        "skill_match_score",
        "skill_match_confirmed",
        "value",
        "value_qualifier",
        "unit",
        "source_row",
        "source_column",
        "source_column_index",
        "source_text",
    )
    columns |= {name: ok[name] for name in passed}
    return _conform(pa.table(columns), OBSERVATIONS_SCHEMA)


def _null_if_empty(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)


def _cell_quarantine(con, header: tuple[str, ...], ctx: dict) -> pa.Table:
    params = {k: ctx[k] for k in ("report_id", "table_name", "source_file", "source_sha256")}
    params |= {f"h{i}": h for i, h in enumerate(header, start=1)}
    # The raw row as {header: text}; headers are bound parameters, never SQL text.
    record = ", ".join(f"$h{i}::VARCHAR, r.c{i}" for i in range(1, len(header) + 1))
    table = con.sql(
        f"""
        SELECT $report_id AS report_id, $table_name AS table_name, $source_file AS source_file,
               $source_sha256 AS source_sha256, q.source_row, q.problem_column AS source_column,
               q.reason_code,
               $source_file || ':' || q.source_row || ':' || q.problem_column_index
                 || ' (column "' || q.problem_column || '"): ' || q.reason_message AS message,
               json_object({record})::VARCHAR AS raw_record
        FROM classified q JOIN raw_cells r USING (source_row)
        WHERE q.status = 'rejected'
        ORDER BY q.source_row, q.source_column_index
        """,
        params=params,
    ).to_arrow_table()
    return _conform(table, QUARANTINE_SCHEMA)


def _skipped_quarantine(raw: RawTable, ctx: dict) -> pa.Table:
    skipped = raw.skipped
    n = skipped.num_rows
    messages = pc.binary_join_element_wise(
        pa.array([ctx["source_file"]] * n, pa.string()),
        pc.cast(skipped["source_row"], pa.string()),
        pa.array([_SKIP_HINT] * n, pa.string()),
        pc.cast(skipped["reason_code"], pa.string()),
        ":",
    )
    return pa.table(
        {
            "report_id": pa.array([ctx["report_id"]] * n, pa.string()),
            "table_name": pa.array([ctx["table_name"]] * n, pa.string()),
            "source_file": pa.array([ctx["source_file"]] * n, pa.string()),
            "source_sha256": pa.array([ctx["source_sha256"]] * n, pa.string()),
            "source_row": skipped["source_row"],
            "source_column": pa.nulls(n, pa.string()),
            "reason_code": skipped["reason_code"],
            "message": messages,
            "raw_record": skipped["raw_record"],
        },
        schema=QUARANTINE_SCHEMA,
    )


_SKIP_HINT = " the row is not data and was set aside; if it holds figures, fix the layout options (header_row, footer_pattern) in report.toml. reason"


def _rejected_file(
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


def check_accounting(result: TableResult, value_columns: int, rel_file: str) -> None:
    """Every value cell of every data row must end as an observation, a rejected cell or a blank."""
    expected = result.data_rows * value_columns
    landed = result.observations.num_rows + result.rejected_cells + result.blank_cells
    if result.value_cells != expected or landed != expected:
        raise AccountingError(
            f"{rel_file}: {result.data_rows} data rows x {value_columns} value columns = {expected} cells, "
            f"but {result.observations.num_rows} observations + {result.rejected_cells} rejected + "
            f"{result.blank_cells} blank = {landed}; this is a skillpulse bug, please report it with the file"
        )


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table.select(schema.names).cast(schema)
