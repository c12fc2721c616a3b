"""What a table sets aside, as quarantine rows with file:row:column and the fix, and the check that every cell is accounted for."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.extract import RawTable
from flows.extract.common import optional
from flows.lake import conform
from flows.lake_schemas import QUARANTINE_SCHEMA


def cell_quarantine(con, header: tuple[str, ...], ctx: dict) -> pa.Table:
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
    return conform(table, QUARANTINE_SCHEMA)


_NO_ROWS = QUARANTINE_SCHEMA.empty_table()


def skipped_quarantine(raw: RawTable, ctx: dict) -> pa.Table:
    skipped = raw.skipped
    n = skipped.num_rows
    if not n:
        return _NO_ROWS  # most tables: building the empty columns cost ~0.2 ms
    row = pc.cast(skipped["source_row"], pa.string())
    page = pc.cast(optional(skipped, "source_page", pa.int32()), pa.string())
    messages = pc.binary_join_element_wise(
        pa.array([ctx["source_file"]] * n, pa.string()),
        pc.coalesce(pc.binary_join_element_wise(row, " (page ", page, ")", ""), row),
        pc.if_else(
            pc.equal(skipped["reason_code"], "unmatched_line"),
            _UNMATCHED_HINT,
            _SKIP_HINT,
        ),
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


# A text line no layout reads may still print figures: the prose reader reads its sentences.
_UNMATCHED_HINT = " the line fits no text_layout and was set aside; if it prints figures, read the file's sentences with a prose table ([[tables]] with prose = true) or set text_layout in report.toml. reason"
_SKIP_HINT = " the row is not data and was set aside; if it holds figures, fix the layout options (header_row, footer_pattern) in report.toml. reason"


# Rows a publisher adds below the skills: the table's own total, not a skill to rank.
TOTAL_NAMES = pa.array(
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

# Most names are printable ASCII and spaces, where only runs of spaces are invisible. RE2 compiles
# a pattern on every call, and the Unicode classes cost ~0.4 ms to compile: more than reading a
# 100-row table. Printable ASCII (" " to "~", as ascii_is_printable reads it: no regex, 8x
# cheaper) that is not a letter, digit or space is all \p{P} or \p{S}.


_ASCII_NOT_ALNUM = "".join(c for c in map(chr, range(32, 127)) if not c.isalnum())

# From this many texts on, a column's rules run on its distinct texts and are joined back.
DISTINCT_FROM = 4096


def visible_name(names: pa.ChunkedArray, plain: bool | None = None) -> pa.ChunkedArray:
    """The name with invisible characters dropped and spaces collapsed; "" when nothing readable is
    left. `plain`: whether the caller already found every name printable ASCII."""
    if len(names) >= DISTINCT_FROM:
        # A large table repeats its names: the regexes run on each distinct text once.
        distinct = pc.unique(names)
        if len(distinct) * 2 <= len(names):
            positions = pc.index_in(names, value_set=distinct)
            return _visible(pa.chunked_array([distinct]), plain).take(positions)
    return _visible(names, plain)


def _visible(names: pa.ChunkedArray, plain: bool | None) -> pa.ChunkedArray:
    if not (_plain_ascii(names) if plain is None else plain):
        return unicode_visible_name(names)
    spaced = names
    if pc.any(pc.match_substring(names, "  ")).as_py():
        spaced = pc.replace_substring_regex(names, " {2,}", " ")
    spaced = pc.utf8_trim_whitespace(spaced)
    # Printable ASCII holds a letter or digit when trimming every other character leaves some.
    readable = pc.not_equal(pc.utf8_trim(names, _ASCII_NOT_ALNUM), "")
    return pc.if_else(readable, spaced, "")


def unicode_visible_name(names: pa.ChunkedArray) -> pa.ChunkedArray:
    """visible_name for any text (the plain-ASCII shortcut aside)."""
    spaced = pc.utf8_trim_whitespace(pc.replace_substring_regex(names, _INVISIBLE, " "))
    return pc.if_else(pc.match_substring_regex(spaced, _NOT_A_NAME), "", spaced)


def total_rows(name: pa.ChunkedArray) -> pa.ChunkedArray:
    """True for a row named like the table's total: "Total", "TOTAL:", "Total*", "Grand total (all skills)"."""
    lowered = pc.utf8_lower(name)
    # The label is a prefix of the lowered name: names that start with no total skip the regex.
    if not any(pc.any(pc.starts_with(lowered, total)).as_py() for total in TOTAL_NAMES.to_pylist()):
        return pa.chunked_array([np.zeros(len(name), dtype=bool)])
    label = pc.replace_substring_regex(lowered, r"\s*(\(.*\))?[\p{P}\p{S}\s]*$", "")
    return pc.fill_null(pc.is_in(label, value_set=TOTAL_NAMES), False)


def _plain_ascii(names: pa.ChunkedArray) -> bool:
    return pc.all(pc.ascii_is_printable(names)).as_py() is not False


def duplicate_rows(raw: RawTable, tables: tuple[np.ndarray, int] | None = None) -> pa.ChunkedArray:
    """True for a raw row identical to an earlier one (spaces aside): published once, later copies
    are rejected. "ChatGPT" and "ChatGPT " printed twice are one row printed twice.

    `tables`: the cells of many tables one after another, as each row's table number and the
    number of tables; a row repeats only rows of its own table.
    """
    if DUPLICATE_COLUMN in raw.cells.column_names:
        return raw.cells[DUPLICATE_COLUMN]  # marked on the whole table before it was split
    n = raw.cells.num_rows
    # Each column as codes of its distinct texts: the visible-name rules run on those only.
    encoded = [
        pc.dictionary_encode(raw.cells[f"c{i}"], null_encoding="encode")
        for i in range(1, len(raw.header) + 1)
    ]
    # Rows already told apart by some of their columns are all distinct: plain-ASCII columns
    # (names, most often) come first, so the Unicode pass over the others is rarely needed.
    texts = [pa.chunked_array([_dictionary(column)]) for column in encoded]
    plain = [_plain_ascii(text) for text in texts]
    order = sorted(range(len(texts)), key=lambda i: not plain[i])
    row_key, distinct = tables if tables is not None else (np.zeros(n, dtype=np.int64), 1)
    if distinct == n:
        return pa.chunked_array([np.zeros(n, dtype=bool)])
    for i in order:
        # A row is its tuple of visible texts: each column as the code of its visible text,
        # combined into one dense integer per distinct tuple (no row strings are built).
        visible, count = _codes(pc.fill_null(visible_name(texts[i], plain[i]), "\x00"))
        code = visible[_indices(encoded[i])]
        row_key, distinct = _codes(pa.array(row_key * count + code))
        if distinct == n:
            return pa.chunked_array([np.zeros(n, dtype=bool)])
    # Each distinct row's first source_row, in numpy: an Arrow group_by costs ~0.2 ms to set up.
    rows = raw.cells["source_row"].to_numpy()
    first = np.full(distinct, np.iinfo(np.int64).max)
    np.minimum.at(first, row_key, rows)
    return pa.chunked_array([first[row_key] != rows])


def _dictionary(encoded: pa.ChunkedArray) -> pa.Array:
    # Chunks of one dictionary_encode call share one dictionary, the whole column's.
    return encoded.chunks[-1].dictionary if encoded.num_chunks else pa.array([], pa.string())


def _indices(encoded: pa.ChunkedArray) -> np.ndarray:
    return np.concatenate(
        [chunk.indices.to_numpy() for chunk in encoded.chunks] or [np.zeros(0, np.int32)]
    )


# A column of raw.cells that holds duplicate_rows of the whole table (set on a large table's ranges).
DUPLICATE_COLUMN = "_duplicate"


def _codes(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, int]:
    """Each value's index among the distinct values (0..count-1), and that count."""
    encoded = (
        pc.dictionary_encode(values).combine_chunks()
        if isinstance(values, pa.ChunkedArray)
        else pc.dictionary_encode(values)
    )
    return encoded.indices.to_numpy().astype(np.int64), len(encoded.dictionary)
