"""What every reader shares: the RawTable contract, limits, bytes and text, and the assembly of cells."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.config import current_settings
from flows.errors import ExtractError
from flows.raw.manifest import TableSpec
from flows.user_regex import search_hits

READING_RULES: dict[str, str] = {
    "cells": "Every cell is text exactly as published; a blank or whitespace-only cell is null. Cells are "
    "not stripped (normalize does that); header texts are stripped, multi-row headers joined with a "
    "space, an empty header becomes column_<n>, a column with no header and no data is dropped.",
    "source_row": "The row a person sees: CSV/TSV, markdown, text, JSON Lines -> the line number in a "
    "text editor (a multi-line quoted CSV record -> the line it starts on); XLSX -> the sheet row; "
    "HTML -> the <tr> index within the table (first row 1); JSON -> the 1-based record index (an "
    "array of arrays counts its header array as 1); Parquet -> the 1-based row index; PDF -> the row of "
    "the table from its first header row, counted on across its pages (source_page: the page). header_row "
    "counts the same way.",
    "encoding": "Text formats: encoding from the manifest; else a BOM (UTF-8, UTF-16); else UTF-8; else "
    "cp1252, else latin-1. Deterministic on purpose: a guesser (charset-normalizer) can change its "
    "answer between versions and misreads short English files; other legacy encodings need encoding.",
    "csv": "Parsed by pyarrow with every column typed as string, serially: only that reader numbers "
    "malformed rows and keeps blank lines (DuckDB's read_csv gives no line per row). The delimiter "
    "is sniffed among , ; tab | unless set. Fewer cells than the header: padded with nulls; more "
    "non-blank cells: ragged_row with the exact text (a trailing delimiter on every row is not "
    "ragged). Title rows above the header: header_row (a line number). In a multi-row header a blank "
    "upper cell takes the text on its left when a row below names the column (exported merges).",
    "skipped": "Rows in the data region that are not data: blank_row; repeated_header; ragged_row; "
    "footnote_row from the first row matching footer_pattern (first cell or whole row text) to the "
    "end, or automatically from a row starting Source:/Note(s):/Footnote:/*text/† when every row "
    "below it is blank, another such row, a single-cell row or a ragged row.",
    "xlsx": "python-calamine (Rust, ~10x faster than openpyxl; cached formula values, dates, merged "
    "ranges). Numbers: shortest round-trip text (15741.0 -> 15741); percent-formatted numbers: the "
    "unrounded percentage with its sign (0.522332095 in a 0.0% cell -> 52.2332095%), read from the "
    "workbook XML only when it declares a percent format; dates yyyy-mm-dd [hh:mm:ss]; booleans "
    "TRUE/FALSE; error cells (#DIV/0!) blank. Merged cells: in header rows the value fills the "
    "range; in data rows a text value (a category label) fills it, a number stays in its top-left "
    "cell (never counted twice). Every column of the used range is kept (no ragged rows).",
    "html": "lxml from bytes, no network. Table by caption (substring, any case, of <caption> or "
    "aria-label, else of the nearest h1-h6 above) and table_index (0-based among matches). Header: "
    "<thead>, else leading all-<th> rows, else header_row/header_rows. colspan/rowspan fill every "
    "cell they cover; <br>/<p> read as spaces; <tfoot> rows are footnote_row.",
    "markdown": "GFM pipe tables (a header line and a |---| line); table_index, or caption = text of "
    "the nearest non-blank line above the table; \\| is a literal pipe.",
    "text": "text_layout (guessed when unset): label_value lines 'Skill: +329%', 'Skill — 329%', "
    "'Skill - up 329%' (optionally bulleted or numbered) -> (label, value); category_bullets lines "
    "'- Category: Skill is up 178%.' (is/are/was/were/has/have or grew/rose/fell/up/down...; "
    "category optional; bulleted label_value lines too) -> (category, label, value); aligned: "
    "columns separated by 2+ spaces, boundaries from the gaps all lines share, header = first "
    "non-blank line from header_row. A value must hold a digit; a final full stop is dropped. "
    "Blank and rule lines are layout; other lines are unmatched_line, so no bullet disappears.",
    "json": "An array of records, or the array at records_key (dotted, 'data.rows'; when unset and "
    "the top level holds exactly one array, that one). Header = union of keys in first-seen order. "
    "Numbers keep their published text (1.50); nested values become JSON text.",
    "pdf": 'pdfplumber (MIT; pdfminer.six). pages (e.g. "3-5", [3, 7]; default every page) choose '
    "where to look; the table is the table_index-th (0-based) among the tables found there, in "
    "page order, or among those whose caption (text within 60 pt above the table) contains "
    "caption; bbox [x0, top, x1, bottom] in points from the page's top-left corner crops the first "
    "declared page, and a bbox without ruling is read as one borderless table. Ruled tables come "
    "from the drawn lines; text outside them forms borderless tables from runs of lines of two or "
    "more columns (gaps wider than half the font size) whose columns line up, with a header, two rows or more and a column of short figures. A table that is last on its page and "
    "ends in the lower 40% of it continues on the next page (declared or not) when that page's first table is of the "
    "same kind and width and has no 'Table n' caption of its own (the same one, or 'continued', is "
    "fine); a header printed again is skipped as repeated_header. source_row counts the table's rows from its first header row "
    "across its pages; source_page is the page. Merged cells: a header cell spanning columns "
    "names each of them (multi-row headers joined with a space); in data rows a text spanning "
    "rows fills them, a number stays in its first cell. Superscripts (smaller text raised above "
    "the line) stay where printed as superscript characters (¹²³, ᵃᵇᶜ): '329%' with a raised 1 "
    "reads '329%¹' (the value parser drops footnote marks). A page with an image or drawing and "
    "no table is chart_only.",
    "limits": "Files above SKILLPULSE_MAX_FILE_MB (default 512) and tables above SKILLPULSE_MAX_CELLS "
    "(default 50,000,000) cells are refused; both are read from the environment at each call.",
}

SKIPPED_SCHEMA = pa.schema(
    [("source_row", pa.int64()), ("reason_code", pa.string()), ("raw_record", pa.string())]
)


@dataclass(frozen=True)
class RawTable:
    """One published table: header texts, data cells as text with their rows, and the rows set aside."""

    header: tuple[str, ...]
    cells: pa.Table
    skipped: pa.Table


# ---------------------------------------------------------------------------------------------
# Limits, bytes and text


def check_file_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise unreadable_error(path, exc) from exc
    limit_mb = current_settings().max_file_mb
    if size > limit_mb * 1024 * 1024:
        raise ExtractError(
            "file_too_large",
            f"{path}: the file is {size / 1024 / 1024:,.1f} MB, above the {limit_mb:g} MB limit; "
            "if it is genuine, raise the limit with SKILLPULSE_MAX_FILE_MB=<megabytes>",
        )
    if size == 0:
        raise empty_file_error(path)


def check_cell_bound(path: Path, bound: int) -> None:
    """Refuse before parsing when even a count of separators says the table is above the cell
    limit: parsing first would spend the memory the limit is there to save."""
    limit = current_settings().max_cells
    if bound > limit:
        raise ExtractError(
            "too_many_cells",
            f"{path}: the file holds up to {bound:,} cells (counted from its separators), above "
            f"the limit of {limit:,}; if it is genuine, raise it with SKILLPULSE_MAX_CELLS=<cells>",
        )


def check_cells(path: Path, rows: int, columns: int) -> None:
    limit = current_settings().max_cells
    if rows * columns > limit:
        raise ExtractError(
            "too_many_cells",
            f"{path}: the table has {rows:,} rows x {columns:,} columns = {rows * columns:,} cells, "
            f"above the limit of {limit:,}; if it is genuine, raise it with SKILLPULSE_MAX_CELLS=<cells>",
        )


def unreadable_error(path: Path, exc: BaseException) -> ExtractError:
    reason = getattr(exc, "strerror", None) or exc
    return ExtractError(
        "file_unreadable",
        f"{path}: cannot read the file ({reason}); check that tables.file names a readable file of the declared format",
    )


def empty_file_error(path: Path) -> ExtractError:
    return ExtractError(
        "empty_file", f"{path}: the file is empty; replace it with the file as published"
    )


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise unreadable_error(path, exc) from exc


def utf8(raw: bytes, path: Path, spec: TableSpec) -> bytes:
    """The file's text as UTF-8 bytes without a BOM (see the module docstring for the order tried)."""
    if spec.encoding:
        text = _decode(raw, spec.encoding, path)
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode(raw, "utf-16", path)
    else:
        raw = raw.removeprefix(codecs.BOM_UTF8)
        _refuse_binary(raw, path)
        if raw.isascii():
            return raw
        try:
            raw.decode("utf-8")
            return raw
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
    return text.removeprefix("\ufeff").encode("utf-8")


def _decode(raw: bytes, encoding: str, path: Path) -> str:
    try:
        return raw.decode(encoding)
    except LookupError as exc:
        raise ExtractError(
            "bad_encoding",
            f'{path}: unknown encoding {encoding!r}; use a Python codec name such as "utf-8", "cp1252" or "utf-16"',
        ) from exc
    except UnicodeDecodeError as exc:
        raise ExtractError(
            "bad_encoding",
            f"{path}: byte {exc.start} ({raw[exc.start : exc.start + 1]!r}) is not valid {encoding}; "
            'fix encoding in report.toml (e.g. "cp1252") or remove it to let the reader decide',
        ) from exc


def _refuse_binary(raw: bytes, path: Path) -> None:
    if b"\x00" not in raw[:8192]:
        return
    hint = (
        'it is a ZIP archive, probably an xlsx workbook: set format = "xlsx"'
        if raw.startswith(b"PK\x03\x04")
        else 'set format to the file\'s real format, or encoding = "utf-16" if it is UTF-16 text without a BOM'
    )
    raise ExtractError("binary_file", f"{path}: the file is binary, not text; {hint}")


def decoded_text(path: Path, spec: TableSpec) -> str:
    text = utf8(read_bytes(path), path, spec).decode("utf-8")
    if not text.strip():
        raise empty_file_error(path)
    return text


def text_lines(text: str) -> list[str]:
    lines = re.split(r"\r\n|\r|\n", text) if "\r" in text else text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


# ---------------------------------------------------------------------------------------------
# Common assembly: header texts, blank cells, skipped rows, empty columns


def assemble(
    path: Path,
    spec: TableSpec,
    header_rows: list[list[str | None]],
    body: pa.Table,
    *,
    joiner: str = ",",
    fill_header_across: bool = False,
    classify: bool = True,
) -> RawTable:
    """Body (source_row, c1..cN, optional _raw/_reason/_ragged) -> RawTable, setting aside non-data rows."""
    width = sum(1 for name in body.column_names if name.startswith("c"))
    check_cells(path, body.num_rows, width)
    cells = [blank_to_null(body.column(f"c{i}")) for i in range(1, width + 1)]
    header = header_texts(header_rows, width, fill_header_across)
    forced = optional(body, "_reason", pa.string())
    if classify:
        ragged = optional(body, "_ragged", pa.bool_())
        ragged_np = pc.fill_null(ragged, False).to_numpy(zero_copy_only=False)
        codes = _skip_codes(path, cells, header_rows, spec, ragged_np, joiner)
    else:
        codes = np.zeros(body.num_rows, dtype=np.int8)
    set_aside = (codes > 0) | pc.is_valid(forced).to_numpy(zero_copy_only=False)
    skipped = skipped_rows(body, width, codes, forced, set_aside, joiner)
    if set_aside.any():
        keep = pa.array(~set_aside)
        rows = body.column("source_row").filter(keep)
        cells = [col.filter(keep) for col in cells]
    else:
        rows = body.column("source_row")
    kept = [i for i in range(width) if header[i] or pc.any(pc.is_valid(cells[i])).as_py()]
    names = tuple(header[i] or f"column_{n}" for n, i in enumerate(kept, 1))
    columns = {"source_row": rows.cast(pa.int64())} | {
        f"c{n}": cells[i] for n, i in enumerate(kept, 1)
    }
    return RawTable(header=names, cells=pa.table(columns), skipped=skipped)


_REASON_BY_CODE = np.array(
    [None, "blank_row", "footnote_row", "repeated_header", "ragged_row"], dtype=object
)


NO_SKIPPED = SKIPPED_SCHEMA.empty_table()


def skipped_rows(body, width, codes, forced, set_aside, joiner) -> pa.Table:
    """The rows set aside, with their text as published (or their cells joined when it is not kept)."""
    where = np.flatnonzero(set_aside)
    if not where.size:
        return NO_SKIPPED  # most tables: building the empty columns cost ~30 us a file
    take = pa.array(where)
    reasons = pc.coalesce(forced.take(take), pa.array(_REASON_BY_CODE[codes[where]], pa.string()))
    cells = [pc.fill_null(body.column(f"c{i}").take(take), "") for i in range(1, width + 1)]
    joined = (
        pc.binary_join_element_wise(*cells, joiner) if cells else pa.nulls(len(where), pa.string())
    )
    raw = pc.coalesce(optional(body, "_raw", pa.string()).take(take), joined)
    rows = body.column("source_row").take(take).cast(pa.int64())
    return pa.Table.from_arrays([rows, reasons, raw], schema=SKIPPED_SCHEMA)


def optional(body: pa.Table, name: str, kind: pa.DataType) -> pa.ChunkedArray:
    if name in body.column_names:
        return body.column(name)
    return pa.chunked_array([pa.nulls(body.num_rows, kind)], kind)


def blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    blank = pc.or_(pc.equal(column, ""), pc.utf8_is_space(column))
    if pc.any(blank).as_py():
        return pc.if_else(blank, pa.scalar(None, pa.string()), column)
    return column


def header_texts(rows: list[list[str | None]], width: int, fill_across: bool) -> list[str]:
    """Header rows -> one text per column: parts joined with a space, a repeated part kept once."""
    grid = [[(cell or "").strip() for cell in row] + [""] * (width - len(row)) for row in rows]
    if fill_across:
        for upper, row in enumerate(grid[:-1]):
            carry = ""
            for column in range(width):
                if row[column]:
                    carry = row[column]
                elif carry and any(lower[column] for lower in grid[upper + 1 :]):
                    row[column] = carry
    texts = []
    for column in range(width):
        parts: list[str] = []
        for row in grid:
            if row[column] and (not parts or parts[-1] != row[column]):
                parts.append(row[column])
        texts.append(" ".join(parts))
    return texts


# Footnote lines: "Source:", "Sources.", "Data source:", "Note:", "Notes:", "Footnote:", "*text", "†".
FOOTNOTE = r"(?i)^\s*(?:\*+\S|[†‡]|(?:data\s+)?sources?\s*[:.]|notes?\s*[:.]|footnotes?\s*[:.])"
FOOTNOTE_LINE = re.compile(FOOTNOTE)


def _skip_codes(path, cells, header_rows, spec, ragged, joiner) -> np.ndarray:
    """One code per body row: 0 data, then _REASON_BY_CODE; blank > footnote > repeated header > ragged."""
    count = len(ragged)
    present = np.zeros(count, dtype=np.int32)
    for column in cells:
        present += pc.is_valid(column).to_numpy(zero_copy_only=False)
    blank = present == 0
    codes = np.zeros(count, dtype=np.int8)
    if not cells or not count:
        return codes
    codes[ragged] = 4
    codes[_repeated_header(cells, header_rows)] = 3
    codes[_footer(cells, present, blank, ragged, spec.footer_pattern, joiner)] = 2
    codes[blank] = 1
    return codes


def _footer(cells, present, blank, ragged, pattern, joiner) -> np.ndarray:
    lead = pc.coalesce(*cells)
    automatic = regex_hits(lead, FOOTNOTE)
    below_is_notes = blank | automatic | (present <= 1) | ragged
    tail_is_notes = np.logical_and.accumulate(below_is_notes[::-1])[::-1]
    starts = np.flatnonzero(automatic & tail_is_notes)
    start = starts[0] if starts.size else len(blank)
    if pattern:  # validated by the manifest
        text = pc.binary_join_element_wise(*[pc.fill_null(c, "") for c in cells], joiner)
        hits = np.flatnonzero(regex_hits(lead, pattern) | regex_hits(text, pattern))
        if hits.size:
            start = min(start, hits[0])
    footer = np.zeros(len(blank), dtype=bool)
    footer[start:] = True
    return footer & ~blank


def regex_hits(column: pa.ChunkedArray, pattern: str) -> np.ndarray:
    return search_hits(column, pattern, "footer_pattern")


def _repeated_header(cells, header_rows) -> np.ndarray:
    repeated = np.zeros(len(cells[0]), dtype=bool)
    for row in header_rows:
        texts = [(cell or "").strip() for cell in row][: len(cells)]
        texts += [""] * (len(cells) - len(texts))
        if not any(texts):
            continue
        first = next(i for i, text in enumerate(texts) if text)
        candidates = np.flatnonzero(_as_bool(pc.match_substring(cells[first], texts[first])))
        if not candidates.size:
            continue
        take = pa.array(candidates)
        same = np.ones(candidates.size, dtype=bool)
        for column, text in zip(cells, texts, strict=True):
            trimmed = pc.fill_null(pc.utf8_trim_whitespace(column.take(take)), "")
            same &= _as_bool(pc.equal(trimmed, text))
        repeated[candidates[same]] = True
    return repeated


def _as_bool(mask) -> np.ndarray:
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def data_body(
    source_rows: Sequence[int] | np.ndarray, columns: Sequence[pa.Array], **extra: pa.Array
) -> pa.Table:
    data = {"source_row": pa.array(source_rows, pa.int64())}
    data |= {f"c{i}": column for i, column in enumerate(columns, 1)}
    return pa.table(data | extra)


def render_objects(
    values: Sequence[object], booleans: tuple[str, str] = ("true", "false")
) -> pa.Array:
    """Python cell values -> text; each kind of value (str, float, date...) is rendered in one Arrow pass."""
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    objects = np.fromiter(values, dtype=object, count=len(values))
    kinds = np.fromiter(map(type, values), dtype=object, count=len(values))
    pieces, positions = [], []
    for kind in set(kinds.tolist()):
        where = np.flatnonzero(kinds == kind)
        pieces.append(_render_kind(kind, objects[where], booleans))
        positions.append(where)
    order = np.argsort(np.concatenate(positions), kind="stable")
    return pa.concat_arrays(pieces).take(pa.array(order))


def _render_kind(kind: type, values: np.ndarray, booleans: tuple[str, str]) -> pa.Array:
    if kind is str:
        return pa.array(values, pa.string())
    if kind is type(None):
        return pa.nulls(len(values), pa.string())
    if kind is bool:
        return pc.if_else(pa.array(values, pa.bool_()), booleans[0], booleans[1])
    if kind is float:
        return pa.array(values, pa.float64()).cast(pa.string())
    if kind is int:
        try:
            return pa.array(values, pa.int64()).cast(pa.string())
        except OverflowError:
            return pa.array(list(map(str, values)), pa.string())
    if kind is datetime:
        return tidy_temporal(pa.array(values, pa.timestamp("us")).cast(pa.string()))
    if kind is date:
        return pa.array(values, pa.date32()).cast(pa.string())
    if kind is time:
        return tidy_temporal(pa.array(values, pa.time64("us")).cast(pa.string()))
    if kind in (dict, list):
        return pa.array(list(map(json_text, values)), pa.string())
    return pa.array(list(map(str, values)), pa.string())


def tidy_temporal(texts):
    """'2024-01-05 00:00:00.000000' -> '2024-01-05'; '13:30:00.000000' -> '13:30:00'."""
    return pc.replace_substring_regex(texts, r" 00:00:00(?:\.0+)?$|\.0+$", "")


class JsonNumber(str):
    """A JSON number kept as its published text ("1.50"), still known to be a number."""


def json_text(value: object) -> str:
    """Compact JSON of a parsed value, numbers written exactly as published."""
    if isinstance(value, JsonNumber):
        return str.__str__(value)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(k, ensure_ascii=False)}:{json_text(v)}" for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(map(json_text, value)) + "]"
    return json.dumps(value, ensure_ascii=False)


def no_header(path: Path, problem: str) -> ExtractError:
    return ExtractError(
        "no_header",
        f"{path}: no header row: {problem}; set header_row to the row holding the column names",
    )
