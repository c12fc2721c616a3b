"""The value and period cells of a table read once per distinct text: figures, corrections, scale, and why a cell is unreadable."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from flows.normalize.cell_rows import (
    PLAIN_CELL,
    SMALL_TABLE,
    explained,
    scaled_figure,
    scaled_value,
    small_table_rows,
)
from flows.normalize.figure_cells import FIGURE_ROWS_SCHEMA, NO_FIGURE_ROWS, figure_table
from flows.normalize.figure_periods import period_phrase_to_text
from flows.normalize.numbers import needs_strict_reading
from flows.normalize.periods import PERIODS_SCHEMA, parse_period, parse_periods
from flows.normalize.values import parse_values
from flows.raw.manifest import TableSpec

_PLAIN_CELL = f"^{PLAIN_CELL.pattern}$"
_NO_PERIODS = PERIODS_SCHEMA.empty_table()  # most tables have no period column


def read_cell_values(cells: pa.Table, spec: TableSpec, small: bool = False) -> pa.Table:
    """One row per figure of each distinct (text, declared measure): FIGURE_ROWS_SCHEMA.

    Plain cells ("329%", "66,635") are read in Arrow by parse_values; the others by find_figures,
    and, when they hold no figure, by parse_values again for its reason (missing marker, period,
    prose -> not_a_figure). Small tables are read alike, text by text (cell_rows.py); `small`
    reads every text so (the cells of many small tables).
    """
    parts = [NO_FIGURE_ROWS]
    measures = pc.unique(cells["declared_measure"]).to_pylist()
    for measure in measures:
        rows = (
            cells
            if len(measures) == 1
            else cells.filter(pc.equal(cells["declared_measure"], measure))
        )
        published = distinct_nonblank(rows, "source_text")
        read_as = (
            [_corrected(text, spec.corrections) for text in published]
            if spec.corrections
            else published
        )
        read = small_table_rows if small or len(read_as) <= SMALL_TABLE else _read_texts
        parts.append(read(read_as, measure, spec))
    table = pa.concat_tables(parts)
    if not spec.corrections:
        return table
    # Join back on the text as published: lineage keeps what the file says.
    back = {
        corrected: text
        for text in distinct_nonblank(cells, "source_text")
        if (corrected := _corrected(text, spec.corrections)) != text
    }
    originals = [back.get(t, t) for t in table["source_text"].to_pylist()]
    return table.set_column(0, "source_text", pa.array(originals, pa.string()))


def _read_texts(read_as: list[str], measure: str, spec: TableSpec) -> pa.Table:
    """The figure rows of distinct texts, in Arrow for plain numbers and text by text for the rest."""
    texts = pa.array(read_as, pa.string())
    plain = pc.fill_null(pc.match_substring_regex(texts, _PLAIN_CELL), False)
    worded = [t for t in texts.filter(pc.invert(plain)).to_pylist() if not _strict(t)]
    found = figure_table(worded, measure, spec.accounting_negatives)
    single = (
        texts.filter(pc.invert(pc.is_in(texts, found["source_text"]))) if found.num_rows else texts
    )
    values = scale_values(parse_values(single, measure), spec.value_scale, measure)
    if not found.num_rows:
        return _value_rows(values, measure)
    return pa.concat_tables(
        [_value_rows(values, measure), _scale_figures(found, spec.value_scale, measure)]
    )


@lru_cache(maxsize=1 << 16)
def _strict(text: str) -> bool:
    return needs_strict_reading(text)


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
    """For each distinct text no form reads: prose is not_a_figure, a misspelled unit names the fix."""
    new_reasons, new_messages = [], []
    for text, reason, message, bad in zip(
        texts.to_pylist(),
        reasons.to_pylist(),
        messages.to_pylist(),
        unreadable.to_pylist(),
        strict=True,
    ):
        if bad:
            reason, message = explained(text, reason, message)
        new_reasons.append(reason)
        new_messages.append(message)
    return pa.array(new_reasons, pa.string()), pa.array(new_messages, pa.string())


def _scale_figures(found: pa.Table, scale: float, declared: str) -> pa.Table:
    """value_scale applies to the figures the declaration measures (a bare '0.41' -> 41%)."""
    if scale == 1:
        return found
    factor = Decimal(repr(float(scale)))
    rows = [scaled_figure(row, factor, declared) for row in found.to_pylist()]
    return pa.Table.from_pylist(rows, schema=FIGURE_ROWS_SCHEMA)


def with_figures(cells: pa.Table, figures: pa.Table, first: tuple[str, ...] = ()) -> pa.Table:
    """Each cell joined to its figures: a cell of n figures becomes n rows (blank cells stay one).

    Rows in cell order; `first`: columns ordering the rows before that (the table of a batch).
    """
    before = [(name, "ascending") for name in first]
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
        added = [name for name in renamed.column_names if name not in cells.column_names]
        positions = pc.index_in(cells[key], value_set=renamed[key].combine_chunks())
        found = renamed.select(added).take(positions)
        cells = pa.Table.from_arrays(
            [*cells.columns, *found.columns], names=[*cells.column_names, *added]
        )
        if pc.count_distinct(cells["source_column_index"]).as_py() <= 1:
            return cells  # one value column: already in row order
        return cells.sort_by(
            [*before, ("source_row", "ascending"), ("source_column_index", "ascending")]
        )
    joined = cells.join(
        renamed, keys=["source_text", "declared_measure"], join_type="left outer", use_threads=False
    )
    return joined.sort_by(
        [
            *before,
            ("source_row", "ascending"),
            ("source_column_index", "ascending"),
            ("figure_index", "ascending"),
        ]
    )


def _cell_key(table: pa.Table) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(table["source_text"], table["declared_measure"], "\x1f")


def read_period_texts(texts: list[str]) -> pa.Table:
    """parse_periods, and for what it cannot read, period words ('the third quarter of 2024')."""
    if not texts:
        return _NO_PERIODS
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
    rows = [scaled_value(row, scale, measure) for row in parsed.to_pylist()]
    return pa.Table.from_pylist(rows, schema=parsed.schema)


def distinct_nonblank(cells: pa.Table, column: str) -> list[str]:
    if column not in cells.column_names:
        return []
    return [t for t in pc.unique(cells[column]).to_pylist() if t is not None and t.strip()]


def lookup(keys: pa.ChunkedArray, table: pa.Table, key: str) -> dict[str, pa.Array]:
    """A left join on one key: the columns of `table` aligned to `keys` (null where no match)."""
    positions = pc.index_in(keys, value_set=table[key].combine_chunks())
    return {name: table[name].take(positions) for name in table.column_names}
