"""Turn one extracted table into typed observations with cell lineage, and quarantine what cannot be read."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.errors import AccountingError, ExtractError
from flows.extract import RawTable, read_table
from flows.extract.common import optional
from flows.fsutil import sha256_file
from flows.lake import OBSERVATIONS_SCHEMA, QUARANTINE_SCHEMA, conform
from flows.normalize.figures import (
    FIGURE_ROWS_SCHEMA,
    figure_rows,
    measure_from_words,
    period_phrase_to_text,
    split_label,
    unit_typo,
)
from flows.normalize.measures import REGISTRY
from flows.normalize.names import harmonize_names
from flows.normalize.numbers import needs_strict_reading
from flows.normalize.periods import parse_period, parse_periods
from flows.normalize.printed import quote
from flows.normalize.prose import prose_tables, read_prose_file
from flows.normalize.values import parse_values
from flows.raw.discover import ReportSource
from flows.raw.manifest import TableSpec
from flows.user_regex import search_texts

FIELDS = ("skill", "category", "period", "geography", "measure")
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

    @property
    def cells_observed(self) -> int:
        return self.observations.num_rows if self.observed_cells < 0 else self.observed_cells


@dataclass(frozen=True)
class Layout:
    """Where each canonical field sits in the published header (1-based column numbers)."""

    fields: dict[str, int]
    value_columns: tuple[tuple[int, str], ...]
    dimensions: tuple[tuple[str, int], ...] = ()


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
    if spec.is_prose:
        return _normalize_prose(source, spec, reference_dir, rel_file)
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


def _normalize_prose(
    source: ReportSource, spec: TableSpec, reference_dir: Path, rel_file: str
) -> TableResult:
    """Every figure of every sentence is one value cell: an observation or a quarantine row."""
    try:
        reading = read_prose_file(source.report_dir / spec.file, spec)
    except ExtractError as exc:
        return _rejected_file(source, spec, rel_file, exc)
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
    dimensions = []
    for name, headers in (spec.columns.dimensions or {}).items():
        names = (headers,) if isinstance(headers, str) else tuple(headers)
        index = next((folded[_fold(n)] for n in names if _fold(n) in folded), None)
        if index is None:
            missing.append(_missing_column_message(f"dimensions.{name}", names, header))
        else:
            dimensions.append((name, index))
    if spec.value_in_label and "skill" in fields:
        value_columns = ((fields["skill"], header[fields["skill"] - 1]),)
    elif spec.unpivot is not None:
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
    return Layout(fields, value_columns, tuple(dimensions))


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
    """Unpivot value cells, read each distinct text once (several figures per cell become several
    rows), harmonize names, split good from bad."""
    rel_file = source.rel_file(spec.file)
    cells = long_cells(raw, layout, spec)
    cells = cells.append_column("declared_measure", _declared_measures(cells, spec.measure))
    cells = _with_figures(cells, read_cell_values(cells, spec))
    lookups = {
        "periods": read_period_texts(_distinct(cells, "period_text")),
        "skills": harmonize_names(_distinct(cells, "skill_raw"), "skill", reference_dir),
        "categories": harmonize_names(_distinct(cells, "category_raw"), "category", reference_dir),
    }
    classified = _classify(cells, raw, lookups)
    context = _context(source, spec, rel_file)
    observations = _observations(classified, context)
    counts = _cell_counts(classified)
    rejected = QUARANTINE_SCHEMA.empty_table()
    if (
        pc.any(pc.equal(classified["status"], "rejected")).as_py()
        or pc.any(classified["period_warning"]).as_py()
    ):
        con.register("classified", classified)
        con.register("raw_cells", raw.cells)
        rejected = _cell_quarantine(con, raw.header, context)
    quarantine = pa.concat_tables([rejected, _skipped_quarantine(raw, context)])
    result = TableResult(
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


def _declared_measures(cells: pa.Table, default: str) -> pa.Array:
    """Each cell's declared measure: the words of its columns.measure cell, else the table's."""
    texts = cells["measure_text"]
    distinct = [t for t in pc.unique(texts).to_pylist() if t is not None]
    named = pa.array([measure_from_words(t) or default for t in distinct], pa.string())
    found = named.take(pc.index_in(texts, value_set=pa.array(distinct, pa.string())))
    return pc.fill_null(found, default)


_PLAIN_CELL = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$"
_NOT_A_FIGURE_WORDS = re.compile(r"[^\W\d_]{2,}\W+[^\W\d_]{2,}")


def read_cell_values(cells: pa.Table, spec: TableSpec) -> pa.Table:
    """One row per figure of each distinct (text, declared measure): FIGURE_ROWS_SCHEMA.

    Plain cells ("329%", "66,635") are read in Arrow by parse_values; the others by find_figures,
    and, when they hold no figure, by parse_values again for its reason (missing marker, period,
    prose -> not_a_figure).
    """
    parts = [FIGURE_ROWS_SCHEMA.empty_table()]
    measures = pc.unique(cells["declared_measure"]).to_pylist()
    for measure in measures:
        rows = (
            cells
            if len(measures) == 1
            else cells.filter(pc.equal(cells["declared_measure"], measure))
        )
        published = _distinct(rows, "source_text")
        read_as = [_corrected(text, spec.corrections) for text in published]
        texts = pa.array(read_as, pa.string())
        plain = pc.fill_null(pc.match_substring_regex(texts, _PLAIN_CELL), False)
        worded = [
            t for t in texts.filter(pc.invert(plain)).to_pylist() if not needs_strict_reading(t)
        ]
        figures = figure_rows(worded, measure, spec.accounting_negatives) if worded else {}
        single = (
            texts.filter(pc.invert(pc.is_in(texts, pa.array(list(figures), pa.string()))))
            if figures
            else texts
        )
        values = scale_values(parse_values(single, measure), spec.value_scale, measure)
        parts.append(_value_rows(values, measure))
        if figures:
            found = pa.Table.from_pylist(
                [row for cell in figures.values() for row in cell], schema=FIGURE_ROWS_SCHEMA
            )
            parts.append(_scale_figures(found, spec.value_scale, measure))
    table = pa.concat_tables(parts)
    if not spec.corrections:
        return table
    # Join back on the text as published: lineage keeps what the file says.
    back = {
        corrected: text
        for text in _distinct(cells, "source_text")
        if (corrected := _corrected(text, spec.corrections)) != text
    }
    originals = [back.get(t, t) for t in table["source_text"].to_pylist()]
    return table.set_column(0, "source_text", pa.array(originals, pa.string()))


def _corrected(text: str, corrections: dict[str, str]) -> str:
    for published, meant in corrections.items():
        text = text.replace(published, meant)
    return text


def _value_rows(values: pa.Table, measure: str) -> pa.Table:
    """parse_values rows as figure rows; prose that reads as no number is not_a_figure, and a
    number with a misspelled unit names the correction that reads it."""
    n = values.num_rows
    reason, message = values["reason_code"], values["message"]
    unreadable = pc.fill_null(pc.equal(reason, "unparseable_value"), False)
    if pc.any(unreadable).as_py():
        reason, message = _explain_unreadable(values["source_text"], reason, message, unreadable)
    nulls = {
        name: pa.nulls(n, FIGURE_ROWS_SCHEMA.field(name).type) for name in FIGURE_ROWS_SCHEMA.names
    }
    columns = nulls | {
        "source_text": values["source_text"],
        "declared_measure": pa.repeat(pa.scalar(measure, pa.string()), n),
        "figure_index": pa.repeat(pa.scalar(0, pa.int32()), n),
        "measure": pa.repeat(pa.scalar(measure, pa.string()), n),
        "value": values["value"],
        "value_qualifier": values["value_qualifier"],
        "unit": values["unit"],
        "horizon": pa.repeat(pa.scalar(False), n),
        "span_start": pa.repeat(pa.scalar(0, pa.int32()), n),
        "span_end": pc.cast(pc.utf8_length(values["source_text"]), pa.int32()),
        "reason_code": reason,
        "message": message,
    }
    return pa.table(columns, schema=FIGURE_ROWS_SCHEMA)


def _explain_unreadable(
    texts: pa.Array, reasons: pa.Array, messages: pa.Array, unreadable: pa.Array
) -> tuple[pa.Array, pa.Array]:
    """For each distinct text no form reads: prose (words, no figure) is not_a_figure; a number
    followed by a misspelled unit gets the manifest correction that reads it as meant."""
    new_reasons, new_messages = [], []
    for text, reason, message, bad in zip(
        texts.to_pylist(),
        reasons.to_pylist(),
        messages.to_pylist(),
        unreadable.to_pylist(),
        strict=True,
    ):
        typo = unit_typo(text) if bad and text else None
        if bad and typo is None and _NOT_A_FIGURE_WORDS.search(text or ""):
            reason = "not_a_figure"
            message = (
                f'"{text}" is prose, not a figure: no number in any form skillpulse reads; if the '
                "column holds notes, point columns.value at the column of figures"
            )
        elif typo is not None:
            message = (
                f'{message}; "{typo[0]}" looks like "{typo[1]}": to read it without editing the '
                f'published file, add corrections = {{ "{typo[0]}" = "{typo[1]}" }} to the table '
                "in report.toml"
            )
        new_reasons.append(reason)
        new_messages.append(message)
    return pa.array(new_reasons, pa.string()), pa.array(new_messages, pa.string())


def _scale_figures(found: pa.Table, scale: float, declared: str) -> pa.Table:
    """value_scale applies to the figures the declaration measures (a bare '0.41' -> 41%)."""
    if scale == 1:
        return found
    rows = found.to_pylist()
    factor = Decimal(repr(float(scale)))
    for row in rows:
        if row["value"] is not None and row["measure"] == declared and row["unit"] == "number":
            row["value"] = float(Decimal(repr(row["value"])) * factor)
    return pa.Table.from_pylist(rows, schema=FIGURE_ROWS_SCHEMA)


def _with_figures(cells: pa.Table, figures: pa.Table) -> pa.Table:
    """Each cell joined to its figures: a cell of n figures becomes n rows (blank cells stay one)."""
    renamed = figures.rename_columns(
        [
            {"reason_code": "value_reason", "message": "value_message"}.get(name, name)
            for name in figures.column_names
        ]
    )
    if not pc.any(pc.greater(renamed["figure_index"], 0)).as_py():
        # One figure per text (most tables): a hash lookup, ~10x cheaper than a join for small tables.
        one_measure = pc.count_distinct(cells["declared_measure"]).as_py() <= 1
        key = "source_text" if one_measure else "key"
        if not one_measure:
            cells = cells.append_column("key", _cell_key(cells))
            renamed = renamed.append_column("key", _cell_key(renamed))
        found = _lookup(cells[key], renamed, key)
        for name in renamed.column_names:
            if name not in cells.column_names:
                cells = cells.append_column(name, found[name])
        if pc.count_distinct(cells["source_column_index"]).as_py() <= 1:
            return cells  # one value column: already in row order
        return cells.sort_by([("source_row", "ascending"), ("source_column_index", "ascending")])
    joined = cells.join(
        renamed, keys=["source_text", "declared_measure"], join_type="left outer", use_threads=False
    )
    return joined.sort_by(
        [
            ("source_row", "ascending"),
            ("source_column_index", "ascending"),
            ("figure_index", "ascending"),
        ]
    )


def _cell_key(table: pa.Table) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(table["source_text"], table["declared_measure"], "\x1f")


def read_period_texts(texts: list[str]) -> pa.Table:
    """parse_periods, and for what it cannot read, period words ('the third quarter of 2024')."""
    periods = parse_periods(texts)
    failed = pc.is_valid(periods["reason_code"])
    if not pc.any(failed).as_py():
        return periods
    rows = periods.to_pylist()
    for row in rows:
        if row["reason_code"] == "unparseable_period":
            words = period_phrase_to_text(row["source_text"])
            if words and (found := parse_period(words)):
                row |= {
                    "period_start": found[0],
                    "period_end": found[1],
                    "period_label": found[2],
                    "reason_code": None,
                    "message": None,
                }
    return pa.Table.from_pylist(rows, schema=periods.schema)


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


def _distinct(cells: pa.Table, column: str) -> list[str]:
    if column not in cells.column_names:
        return []
    return [t for t in pc.unique(cells[column]).to_pylist() if t is not None and t.strip()]


def _classify(cells: pa.Table, raw: RawTable, lookups: dict[str, pa.Table]) -> pa.Table:
    """Attach each figure's period and names, and decide: ok, blank, or rejected and why.

    Hash lookups in Arrow, not a query: for the many small tables of a corpus, a query's fixed
    cost (~6 ms) was most of the work. A period cell that cannot be read does not reject the
    figure: it loads with the period unknown and a warning row says why.
    """
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


def _cell_counts(classified: pa.Table) -> dict[str, int]:
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
    """The figures that loaded, with the report's context; built in Arrow, no query needed."""
    ok = classified.filter(pc.equal(classified["status"], "ok"))
    n = ok.num_rows

    def constant(key: str) -> pa.Array:
        return pa.repeat(pa.scalar(ctx[key], pa.string()), n)

    unknown = ok["period_unknown"]
    columns = {
        **{
            key: constant(key)
            for key in ("report_id", "series_id", "publisher", "edition", "table_name")
        },
        "period_start": pc.if_else(
            unknown,
            pa.scalar(None, pa.date32()),
            pc.coalesce(ok["period_start"], pa.scalar(ctx["report_period_start"], pa.date32())),
        ),
        "period_end": pc.if_else(
            unknown,
            pa.scalar(None, pa.date32()),
            pc.coalesce(ok["period_end"], pa.scalar(ctx["report_period_end"], pa.date32())),
        ),
        "period_label": _null_if_empty(ok["period_label_found"]),
        "geography": pc.coalesce(
            _null_if_empty(ok["geography"]), pa.scalar(ctx["report_geography"], pa.string())
        ),
        "category_raw": _null_if_empty(ok["category_raw"]),
        "source_file": constant("source_file"),
        "source_sha256": constant("source_sha256"),
        "is_horizon": pc.fill_null(ok["horizon"], False),
        "source_text": ok["cell_text"],
        "source_span": _span_text(ok),
        "dimensions": _dimensions(ok),
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
        "currency",
    )
    columns |= {name: ok[name] for name in passed}
    return _conform(pa.table(columns), OBSERVATIONS_SCHEMA)


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
                 || ' (' || coalesce('page ' || q.source_page || ', ', '') || 'column "'
                 || q.problem_column || '"): ' || q.reason_message AS message,
               json_object({record})::VARCHAR AS raw_record,
               CASE WHEN q.status = 'rejected' THEN 'error' ELSE 'warning' END AS severity
        FROM classified q JOIN raw_cells r USING (source_row)
        WHERE q.status = 'rejected' OR q.period_warning
        ORDER BY q.source_row, q.source_column_index, q.figure_index
        """,
        params=params,
    ).to_arrow_table()
    return _conform(table, QUARANTINE_SCHEMA)


def _skipped_quarantine(raw: RawTable, ctx: dict) -> pa.Table:
    skipped = raw.skipped
    n = skipped.num_rows
    row = pc.cast(skipped["source_row"], pa.string())
    page = pc.cast(optional(skipped, "source_page", pa.int32()), pa.string())
    messages = pc.binary_join_element_wise(
        pa.array([ctx["source_file"]] * n, pa.string()),
        pc.coalesce(pc.binary_join_element_wise(row, " (page ", page, ")", ""), row),
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
            "severity": pa.array(["error"] * n, pa.string()),
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


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return conform(table, schema)
