"""Readers for every raw format: a published table -> header texts and every cell as text, with its row."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import lxml.html
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv
import pyarrow.parquet as pq
from lxml import etree
from python_calamine import CalamineError, CalamineWorkbook

from flows.errors import ExtractError
from flows.raw.manifest import TableSpec

MAX_FILE_MB = 512
MAX_CELLS = 50_000_000

REASON_CODES: dict[str, str] = {
    # The whole file cannot be read (ExtractError.reason_code).
    "file_unreadable": "the file cannot be opened or parsed; check tables.file and the file's permissions, or re-download it",
    "file_too_large": "the file is above SKILLPULSE_MAX_FILE_MB (default 512); if it is genuine, raise that limit",
    "too_many_cells": "the table has more cells than SKILLPULSE_MAX_CELLS (default 50,000,000); raise that limit or split the file",
    "bad_limit": "SKILLPULSE_MAX_FILE_MB or SKILLPULSE_MAX_CELLS is not a number; fix the environment variable",
    "empty_file": "the file has no content; replace it with the file as published",
    "binary_file": "a text format was declared but the file is binary (e.g. an xlsx or pdf named .csv); set format to the real format",
    "bad_encoding": "the text cannot be decoded with the declared encoding, or the encoding name is unknown; fix encoding in report.toml",
    "bad_delimiter": 'delimiter must be one character (or "\\t"); fix delimiter in report.toml',
    "malformed_csv": "the CSV cannot be tokenised (e.g. an unterminated quote); fix the quoting or re-export the file",
    "no_header": "no header at header_row (file too short, the row is blank, or there are no records); set header_row",
    "not_a_workbook": "the file is not a readable xlsx workbook (not a zip, truncated, encrypted); re-save it from Excel as .xlsx",
    "sheet_not_found": "no sheet with that name or 0-based index; set sheet to one of the sheets the message lists",
    "table_not_found": "no table matches table_index/caption/records_key; pick one of those the message lists",
    "invalid_json": 'the file is not valid JSON; fix it at the reported line, or declare format = "jsonl" for one record per line',
    # One row is set aside (RawTable.skipped.reason_code).
    "blank_row": "every cell of the row is blank; nothing to fix",
    "footnote_row": "a note or source line below the data; nothing to fix (set footer_pattern if real data was taken for a note)",
    "repeated_header": "the header row repeated inside the data (paged export); nothing to fix",
    "ragged_row": "the row has more cells than the header (often an unquoted delimiter inside a value); quote the value in the file",
    "unmatched_line": "a text line that fits none of the supported layouts; rephrase it in the file or set text_layout",
    "invalid_json_line": "a JSON Lines line that is not valid JSON; fix that line",
    "not_a_record": "a JSON record that is not an object; make every record an object",
}

READING_RULES: dict[str, str] = {
    "cells": "Every cell is text exactly as published; a blank or whitespace-only cell is null. Cells are "
    "not stripped (normalize does that); header texts are stripped, multi-row headers joined with a "
    "space, an empty header becomes column_<n>, a column with no header and no data is dropped.",
    "source_row": "The row a person sees: CSV/TSV, markdown, text, JSON Lines -> the line number in a "
    "text editor (a multi-line quoted CSV record -> the line it starts on); XLSX -> the sheet row; "
    "HTML -> the <tr> index within the table (first row 1); JSON -> the 1-based record index (an "
    "array of arrays counts its header array as 1); Parquet -> the 1-based row index. header_row "
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


def read_table(path: Path, spec: TableSpec) -> RawTable:
    """Read the table `spec` declares in `path`, every cell as text with its source row."""
    _check_file_size(path)
    return READERS[spec.file_format](path, spec)


# ---------------------------------------------------------------------------------------------
# Limits, bytes and text


def _limit(variable: str, default: float) -> float:
    raw = os.environ.get(variable)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ExtractError(
            "bad_limit", f"{variable}={raw!r} is not a number; set it to e.g. {default:g}"
        ) from exc


def _check_file_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    limit_mb = _limit("SKILLPULSE_MAX_FILE_MB", MAX_FILE_MB)
    if size > limit_mb * 1024 * 1024:
        raise ExtractError(
            "file_too_large",
            f"{path}: the file is {size / 1024 / 1024:,.1f} MB, above the {limit_mb:g} MB limit; "
            "if it is genuine, raise the limit with SKILLPULSE_MAX_FILE_MB=<megabytes>",
        )
    if size == 0:
        raise _empty(path)


def _check_cells(path: Path, rows: int, columns: int) -> None:
    limit = int(_limit("SKILLPULSE_MAX_CELLS", MAX_CELLS))
    if rows * columns > limit:
        raise ExtractError(
            "too_many_cells",
            f"{path}: the table has {rows:,} rows x {columns:,} columns = {rows * columns:,} cells, "
            f"above the limit of {limit:,}; if it is genuine, raise it with SKILLPULSE_MAX_CELLS=<cells>",
        )


def _unreadable(path: Path, exc: BaseException) -> ExtractError:
    reason = getattr(exc, "strerror", None) or exc
    return ExtractError(
        "file_unreadable",
        f"{path}: cannot read the file ({reason}); check that tables.file names a readable file of the declared format",
    )


def _empty(path: Path) -> ExtractError:
    return ExtractError(
        "empty_file", f"{path}: the file is empty; replace it with the file as published"
    )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _utf8(raw: bytes, path: Path, spec: TableSpec) -> bytes:
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


def _text(path: Path, spec: TableSpec) -> str:
    text = _utf8(_read_bytes(path), path, spec).decode("utf-8")
    if not text.strip():
        raise _empty(path)
    return text


def _lines(text: str) -> list[str]:
    lines = re.split(r"\r\n|\r|\n", text) if "\r" in text else text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


# ---------------------------------------------------------------------------------------------
# Common assembly: header texts, blank cells, skipped rows, empty columns


def _assemble(
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
    _check_cells(path, body.num_rows, width)
    cells = [_blank_to_null(body.column(f"c{i}")) for i in range(1, width + 1)]
    header = _header_texts(header_rows, width, fill_header_across)
    forced = _optional(body, "_reason", pa.string())
    if classify:
        ragged = _optional(body, "_ragged", pa.bool_())
        ragged_np = pc.fill_null(ragged, False).to_numpy(zero_copy_only=False)
        codes = _skip_codes(path, cells, header_rows, spec, ragged_np, joiner)
    else:
        codes = np.zeros(body.num_rows, dtype=np.int8)
    set_aside = (codes > 0) | pc.is_valid(forced).to_numpy(zero_copy_only=False)
    skipped = _skipped_rows(body, width, codes, forced, set_aside, joiner)
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


def _skipped_rows(body, width, codes, forced, set_aside, joiner) -> pa.Table:
    """The rows set aside, with their text as published (or their cells joined when it is not kept)."""
    where = np.flatnonzero(set_aside)
    if not where.size:
        return SKIPPED_SCHEMA.empty_table()
    take = pa.array(where)
    reasons = pc.coalesce(forced.take(take), pa.array(_REASON_BY_CODE[codes[where]], pa.string()))
    cells = [pc.fill_null(body.column(f"c{i}").take(take), "") for i in range(1, width + 1)]
    joined = (
        pc.binary_join_element_wise(*cells, joiner) if cells else pa.nulls(len(where), pa.string())
    )
    raw = pc.coalesce(_optional(body, "_raw", pa.string()).take(take), joined)
    rows = body.column("source_row").take(take).cast(pa.int64())
    return pa.Table.from_arrays([rows, reasons, raw], schema=SKIPPED_SCHEMA)


def _optional(body: pa.Table, name: str, kind: pa.DataType) -> pa.ChunkedArray:
    if name in body.column_names:
        return body.column(name)
    return pa.chunked_array([pa.nulls(body.num_rows, kind)], kind)


def _blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    blank = pc.or_(pc.equal(column, ""), pc.utf8_is_space(column))
    if pc.any(blank).as_py():
        return pc.if_else(blank, pa.scalar(None, pa.string()), column)
    return column


def _header_texts(rows: list[list[str | None]], width: int, fill_across: bool) -> list[str]:
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
_FOOTNOTE = r"(?i)^\s*(?:\*+\S|[†‡]|(?:data\s+)?sources?\s*[:.]|notes?\s*[:.]|footnotes?\s*[:.])"
_FOOTNOTE_PY = re.compile(_FOOTNOTE)


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
    automatic = _regex_hits(lead, _FOOTNOTE)
    below_is_notes = blank | automatic | (present <= 1) | ragged
    tail_is_notes = np.logical_and.accumulate(below_is_notes[::-1])[::-1]
    starts = np.flatnonzero(automatic & tail_is_notes)
    start = starts[0] if starts.size else len(blank)
    if pattern:  # validated by the manifest
        text = pc.binary_join_element_wise(*[pc.fill_null(c, "") for c in cells], joiner)
        hits = np.flatnonzero(_regex_hits(lead, pattern) | _regex_hits(text, pattern))
        if hits.size:
            start = min(start, hits[0])
    footer = np.zeros(len(blank), dtype=bool)
    footer[start:] = True
    return footer & ~blank


def _regex_hits(column: pa.ChunkedArray, pattern: str) -> np.ndarray:
    try:
        hits = pc.match_substring_regex(column, pattern)
    except pa.ArrowInvalid:
        # RE2 lacks some Python syntax (look-arounds): test each distinct text with `re` instead.
        compiled = re.compile(pattern)
        matched = [t for t in pc.unique(column).to_pylist() if t is not None and compiled.search(t)]
        hits = pc.is_in(column, value_set=pa.array(matched, pa.string()))
    return pc.fill_null(hits, False).to_numpy(zero_copy_only=False)


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


def _body(
    source_rows: Sequence[int] | np.ndarray, columns: Sequence[pa.Array], **extra: pa.Array
) -> pa.Table:
    data = {"source_row": pa.array(source_rows, pa.int64())}
    data |= {f"c{i}": column for i, column in enumerate(columns, 1)}
    return pa.table(data | extra)


def _render_objects(
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
        return _tidy_temporal(pa.array(values, pa.timestamp("us")).cast(pa.string()))
    if kind is date:
        return pa.array(values, pa.date32()).cast(pa.string())
    if kind is time:
        return _tidy_temporal(pa.array(values, pa.time64("us")).cast(pa.string()))
    if kind in (dict, list):
        return pa.array(list(map(_json_text, values)), pa.string())
    return pa.array(list(map(str, values)), pa.string())


def _tidy_temporal(texts):
    """'2024-01-05 00:00:00.000000' -> '2024-01-05'; '13:30:00.000000' -> '13:30:00'."""
    return pc.replace_substring_regex(texts, r" 00:00:00(?:\.0+)?$|\.0+$", "")


# ---------------------------------------------------------------------------------------------
# CSV / TSV

_LINE_END = re.compile(rb"\r\n|\r|\n")
_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 64 * 1024
_SNIFF_LINES = 50


def read_csv(path: Path, spec: TableSpec) -> RawTable:
    """CSV/TSV: header at line header_row, data below; malformed rows placed by their line number."""
    data = _utf8(_read_bytes(path), path, spec)
    if data.isspace():
        raise _empty(path)
    header_at = _offset_after_lines(data, spec.header_row - 1)
    if header_at is None or header_at >= len(data):
        raise _no_header(
            path, f"it has fewer than {spec.header_row} lines but header_row = {spec.header_row}"
        )
    delimiter = _delimiter(spec, data[header_at : header_at + _SAMPLE_BYTES], path)
    header_rows, header_lines = _head_records(
        data[header_at : header_at + _SAMPLE_BYTES], delimiter, spec.header_rows
    )
    if len(header_rows) < spec.header_rows or not any(
        c.strip() for row in header_rows for c in row
    ):
        raise _no_header(path, f"line {spec.header_row} is blank or missing")
    body_at = _offset_after_lines(data, spec.header_row - 1 + header_lines) or len(data)
    header_width = max(map(len, header_rows))
    width = max(header_width, _sample_width(data[body_at : body_at + _SAMPLE_BYTES], delimiter))
    body = _csv_body(path, data, body_at, spec.header_row + header_lines, delimiter, width)
    body = _set_aside_extra_cells(body, header_width, width, delimiter)
    return _assemble(path, spec, header_rows, body, joiner=delimiter, fill_header_across=True)


def _no_header(path: Path, problem: str) -> ExtractError:
    return ExtractError(
        "no_header",
        f"{path}: no header row: {problem}; set header_row to the row holding the column names",
    )


def _offset_after_lines(data: bytes, count: int) -> int | None:
    if count == 0:
        return 0
    for number, match in enumerate(_LINE_END.finditer(data), 1):
        if number == count:
            return match.end()
    return None


def _delimiter(spec: TableSpec, sample: bytes, path: Path) -> str:
    delimiter = spec.delimiter
    if delimiter in ("\\t", "tab", "TAB"):
        delimiter = "\t"
    if delimiter is None:
        return (
            "\t"
            if spec.file_format == "tsv"
            else _sniff_delimiter(sample.decode("utf-8", errors="ignore"))
        )
    if len(delimiter) != 1:
        raise ExtractError(
            "bad_delimiter",
            f'{path}: delimiter {delimiter!r} must be one character, e.g. ",", ";" or "\\t"',
        )
    return delimiter


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the header into 2+ cells and the most lines into as many."""
    # A few dozen lines decide it; parsing the whole sample five times cost more than reading
    # a small report.
    sample = "".join(sample.splitlines(keepends=True)[:_SNIFF_LINES])
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        widths = [len(row) for row in _sample_records(sample, delimiter)]
        if not widths or widths[0] < 2:
            continue
        score = (widths.count(widths[0]) / len(widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _sample_records(sample: str, delimiter: str) -> list[list[str]]:
    complete = sample[: max(sample.rfind("\n"), sample.rfind("\r")) + 1] or sample
    try:
        return [
            row for row in csv.reader(io.StringIO(complete, newline=""), delimiter=delimiter) if row
        ]
    except csv.Error:
        return []


def _head_records(head: bytes, delimiter: str, count: int) -> tuple[list[list[str]], int]:
    """The first `count` records and the number of physical lines they span."""
    reader = csv.reader(
        io.StringIO(head.decode("utf-8", errors="ignore"), newline=""), delimiter=delimiter
    )
    records = list(itertools.islice(reader, count))
    return records, reader.line_num


def _sample_width(sample: bytes, delimiter: str) -> int:
    """The most common cell count of the first data records (a trailing delimiter on every row adds one)."""
    widths = Counter(
        map(len, _sample_records(sample.decode("utf-8", errors="ignore"), delimiter)[:-1])
    )
    return widths.most_common(1)[0][0] if widths else 0


def _csv_body(
    path: Path, data: bytes, start: int, first_line: int, delimiter: str, width: int
) -> pa.Table:
    names = [f"c{i}" for i in range(1, width + 1)]
    if start >= len(data):
        return _body([], [pa.array([], pa.string())] * width)
    rejected: list[tuple[int, str]] = []

    def keep_aside(row: pv.InvalidRow) -> str:
        rejected.append((row.number, row.text))
        return "skip"

    try:
        table = pv.read_csv(
            pa.BufferReader(pa.py_buffer(data).slice(start)),
            # Serial on purpose: only the serial reader numbers malformed rows (and it is not slower here).
            read_options=pv.ReadOptions(column_names=names, use_threads=False),
            parse_options=pv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=keep_aside,
            ),
            convert_options=pv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                check_utf8=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise ExtractError(
            "malformed_csv",
            f"{path}: the CSV cannot be parsed ({exc}); look for an unterminated quote near that place",
        ) from exc
    if rejected:
        table = _merge_rejected(table, rejected, delimiter, width)
    rows = _record_lines(table, data[start:], first_line)
    return table.add_column(0, "source_row", pa.array(rows, pa.int64()))


def _merge_rejected(
    table: pa.Table, rejected: list[tuple[int, str]], delimiter: str, width: int
) -> pa.Table:
    """Put rows with another cell count back at their place: padded, or flagged ragged with their text."""
    fields = [_split_record(text, delimiter) for _, text in rejected]
    ragged = [any(f.strip() for f in row[width:]) for row in fields]
    padded = [(row + [""] * width)[:width] for row in fields]
    side = pa.table(
        {f"c{i + 1}": pa.array([row[i] for row in padded], pa.string()) for i in range(width)}
        | {
            "_raw": pa.array([text for _, text in rejected], pa.string()),
            "_ragged": pa.array(ragged),
        }
    )
    total = table.num_rows + len(rejected)
    side_order = np.array([number for number, _ in rejected], dtype=np.int64) - 1
    main_order = np.setdiff1d(np.arange(total), side_order, assume_unique=True)
    main = table.append_column("_raw", pa.nulls(table.num_rows, pa.string())).append_column(
        "_ragged", pa.nulls(table.num_rows, pa.bool_())
    )
    merged = pa.concat_tables(
        [
            main.append_column("_order", pa.array(main_order)),
            side.append_column("_order", pa.array(side_order)),
        ]
    )
    return merged.sort_by("_order").drop_columns(["_order"])


def _split_record(text: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error:
        return [text, "\x00"]  # unparseable: keep it whole and mark it ragged


def _record_lines(table: pa.Table, body: bytes, first_line: int) -> np.ndarray:
    """Line number each record starts on: records spanning several lines push the next ones down."""
    count = table.num_rows
    line_ends = body.count(b"\n")
    returns = body.count(b"\r")
    if returns:
        line_ends += returns - body.count(b"\r\n")
    lines = line_ends + (0 if body.endswith((b"\n", b"\r")) else 1)
    if lines == count:
        return first_line + np.arange(count, dtype=np.int64)
    newline = r"\r\n|\r|\n"
    columns = [name for name in table.column_names if name.startswith("c")]
    in_cells = sum(
        pc.count_substring_regex(pc.fill_null(table.column(name), ""), newline).to_numpy()
        for name in columns
    )
    in_raw = pc.count_substring_regex(_optional(table, "_raw", pa.string()), newline)
    spans = 1 + pc.coalesce(in_raw, pa.array(in_cells, pa.int32())).to_numpy(zero_copy_only=False)
    return first_line + np.concatenate(([0], np.cumsum(spans)[:-1])).astype(np.int64)


def _set_aside_extra_cells(
    body: pa.Table, header_width: int, width: int, delimiter: str
) -> pa.Table:
    """Rows with text beyond the header's last column are ragged; the extra columns go."""
    if width == header_width:
        return body
    extra = [_blank_to_null(body.column(f"c{i}")) for i in range(header_width + 1, width + 1)]
    beyond = pc.is_valid(pc.coalesce(*extra))
    cells = [pc.fill_null(body.column(f"c{i}"), "") for i in range(1, width + 1)]
    rebuilt = pc.binary_join_element_wise(*cells, delimiter)
    raw = pc.if_else(
        beyond,
        pc.coalesce(_optional(body, "_raw", pa.string()), rebuilt),
        _optional(body, "_raw", pa.string()),
    )
    ragged = pc.or_(pc.fill_null(_optional(body, "_ragged", pa.bool_()), False), beyond)
    kept = body.select(["source_row", *[f"c{i}" for i in range(1, header_width + 1)]])
    return kept.append_column("_raw", raw).append_column("_ragged", ragged)


# ---------------------------------------------------------------------------------------------
# XLSX

_SSML = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = {"p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_BUILTIN_PERCENT_FORMATS = {9, 10}


def read_xlsx(path: Path, spec: TableSpec) -> RawTable:
    """XLSX: cached values via calamine; merged ranges filled; percent formats kept as percentages."""
    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            name = _sheet_name(workbook.sheet_names, spec.sheet, path)
            sheet = workbook.get_sheet_by_name(name)
            end_row, end_column = sheet.end or (0, 0)
            _check_cells(path, end_row + 1, end_column + 1)
            grid = sheet.to_python(skip_empty_area=False)
            merges = sheet.merged_cell_ranges or []
    except (CalamineError, OSError) as exc:
        raise ExtractError(
            "not_a_workbook",
            f"{path}: not a readable xlsx workbook ({exc}); re-download it or re-save it from Excel as .xlsx",
        ) from exc
    header_start = spec.header_row - 1
    header_end = header_start + spec.header_rows
    _percent_to_text(grid, _percent_cells(path, name))
    _fill_merges(grid, merges, header_start, header_end)
    header_rows = [
        _render_objects(row, ("TRUE", "FALSE")).to_pylist() for row in grid[header_start:header_end]
    ]
    if len(header_rows) < spec.header_rows or not any(
        (c or "").strip() for row in header_rows for c in row
    ):
        raise _no_header(
            path,
            f"row {spec.header_row} of sheet {name!r} is blank or beyond the last row ({len(grid)})",
        )
    width = max(map(len, grid))
    data = grid[header_end:]
    columns = list(itertools.zip_longest(*data, fillvalue="")) if data else [()] * width
    rendered = [_render_objects(column, ("TRUE", "FALSE")) for column in columns]
    body = _body(np.arange(header_end + 1, header_end + 1 + len(data)), rendered)
    return _assemble(path, spec, header_rows, body, joiner="\t")


def _sheet_name(names: list[str], wanted: str | int | None, path: Path) -> str:
    wanted = 0 if wanted is None else wanted
    if isinstance(wanted, int) and 0 <= wanted < len(names):
        return names[wanted]
    if wanted in names:
        return wanted
    loose = [
        n
        for n in names
        if isinstance(wanted, str) and n.strip().casefold() == wanted.strip().casefold()
    ]
    if len(loose) == 1:
        return loose[0]
    listing = ", ".join(f"{i}: {n!r}" for i, n in enumerate(names))
    raise ExtractError(
        "sheet_not_found",
        f"{path}: no sheet {wanted!r}; the workbook has {len(names)} sheet(s): {listing}; set sheet to a name or a 0-based index",
    )


def _fill_merges(grid: list[list], merges, header_start: int, header_end: int) -> None:
    """Header merges fill their range; data merges fill it only with text (a label, never a number)."""
    for (top, left), (bottom, right) in merges:
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        if header_start <= top < header_end:
            bottom = min(bottom, header_end - 1)
        elif top < header_end or not (isinstance(value, str) and value.strip()):
            continue
        while len(grid) <= bottom:
            grid.append([""] * len(grid[0]))
        for row in grid[top : bottom + 1]:
            row.extend([""] * (right + 1 - len(row)))
            row[left : right + 1] = [value] * (right + 1 - left)


def _percent_to_text(grid: list[list], cells: list[tuple[int, int]]) -> None:
    texts: dict[float, str] = {}
    for row, column in cells:
        if row < len(grid) and column < len(grid[row]) and type(grid[row][column]) in (int, float):
            value = grid[row][column]
            if value not in texts:
                shifted = format(Decimal(repr(float(value))).scaleb(2), "f")
                texts[value] = (
                    shifted.rstrip("0").rstrip(".") if "." in shifted else shifted
                ) + "%"
            grid[row][column] = texts[value]


def _percent_cells(path: Path, sheet: str) -> list[tuple[int, int]]:
    """(row, column), 0-based, of the sheet's cells whose number format is a percentage."""
    try:
        with zipfile.ZipFile(path) as archive:
            styles = _percent_styles(archive)
            part = _sheet_part(archive, sheet) if styles else None
            if part is None:
                return []
            root = _xml(archive.read(part))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError):
        return []
    refs = root.xpath(
        "m:sheetData/m:row/m:c[contains($styles, concat(' ', @s, ' '))]/@r",
        namespaces=_SSML,
        styles=f" {' '.join(styles)} ",
    )
    return [_cell_position(ref) for ref in refs]


def _percent_styles(archive: zipfile.ZipFile) -> list[str]:
    root = _xml(archive.read("xl/styles.xml"))
    formats = root.xpath("m:numFmts/m:numFmt", namespaces=_SSML)
    percent = _BUILTIN_PERCENT_FORMATS | {
        int(f.get("numFmtId"))
        for f in formats
        if "%" in re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", f.get("formatCode", ""))
    }
    styles = root.xpath("m:cellXfs/m:xf", namespaces=_SSML)
    return [str(i) for i, xf in enumerate(styles) if int(xf.get("numFmtId", "0")) in percent]


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    book = _xml(archive.read("xl/workbook.xml"))
    ids = book.xpath(
        "m:sheets/m:sheet[@name=$name]/@r:id", namespaces=_SSML | {"r": _OFFICE_REL}, name=sheet
    )
    rels = _xml(archive.read("xl/_rels/workbook.xml.rels"))
    targets = (
        rels.xpath("p:Relationship[@Id=$id]/@Target", namespaces=_PACKAGE_REL, id=ids[0])
        if ids
        else []
    )
    if not targets:
        return None
    target = targets[0]
    return (
        target.lstrip("/")
        if target.startswith("/")
        else posixpath.normpath(posixpath.join("xl", target))
    )


def _xml(data: bytes):
    return etree.fromstring(
        data, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    )


def _cell_position(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter.upper()) - 64
    return int(ref[len(letters) :]) - 1, column - 1


# ---------------------------------------------------------------------------------------------
# JSON, JSON Lines, Parquet


def read_json(path: Path, spec: TableSpec) -> RawTable:
    """JSON: an array of records (or of arrays, the first holding the header), at records_key if set."""
    text = _text(path, spec)
    try:
        records = _records_at(_json_loads(text), spec.records_key, path)
    except json.JSONDecodeError as exc:
        raise ExtractError(
            "invalid_json",
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno} ({exc.msg}); fix the file there, "
            'or declare format = "jsonl" if it holds one record per line',
        ) from exc
    except RecursionError as exc:
        raise ExtractError(
            "invalid_json", f"{path}: the JSON is nested too deeply to be a table"
        ) from exc
    if _has_nested_values(text, records):
        records = _records_at(_json_loads(text, exact_numbers=True), spec.records_key, path)
    nothing = [None] * len(records)
    return _records_table(path, spec, records, np.arange(1, len(records) + 1), nothing, nothing)


def read_jsonl(path: Path, spec: TableSpec) -> RawTable:
    """JSON Lines: one record per non-blank line; a bad line is skipped with its line number."""
    all_lines = _lines(_text(path, spec))
    filled = list(map(bool, map(str.strip, all_lines)))
    lines = list(itertools.compress(all_lines, filled))
    array = f"[{','.join(lines)}]"
    try:
        records = _json_loads(array)
        problems: list[str | None] = [None] * len(lines)
        if len(records) != len(lines):
            raise ValueError("a line holds more than one value")
        if _has_nested_values(array, records):
            records = _json_loads(array, exact_numbers=True)
    except ValueError:
        records, problems = zip(*map(_json_line, lines), strict=True) if lines else ((), ())
    raws = [line if problem else None for line, problem in zip(lines, problems, strict=True)]
    rows = np.flatnonzero(filled) + 1
    return _records_table(path, spec, list(records), rows, list(problems), raws)


class _JsonNumber(str):
    """A JSON number kept as its published text ("1.50"), still known to be a number."""


def _json_loads(text: str, exact_numbers: bool = False):
    """Parse JSON keeping each number's published text; `exact_numbers` also marks it as a number
    (needed only to write nested values back as JSON, and 3x slower, so used only then)."""
    number = _JsonNumber if exact_numbers else str
    return json.loads(text, parse_float=number, parse_int=number, parse_constant=number)


def _has_nested_values(text: str, records: list) -> bool:
    # Counting brackets is free and never misses nesting; only then look at the values themselves.
    if text.count("{") + text.count("[") <= len(records) + 1:
        return False
    if all(map(isinstance, records, itertools.repeat(dict))):
        values = itertools.chain.from_iterable(map(dict.values, records))
    else:
        values = itertools.chain.from_iterable(
            r.values() if isinstance(r, dict) else r if isinstance(r, list) else () for r in records
        )
    return any(map(isinstance, values, itertools.repeat((dict, list))))


def _json_line(line: str) -> tuple[object, str | None]:
    try:
        return _json_loads(line, exact_numbers=True), None
    except json.JSONDecodeError:
        return {}, "invalid_json_line"


def _json_text(value: object) -> str:
    """Compact JSON of a parsed value, numbers written exactly as published."""
    if isinstance(value, _JsonNumber):
        return str.__str__(value)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                f"{json.dumps(k, ensure_ascii=False)}:{_json_text(v)}" for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(map(_json_text, value)) + "]"
    return json.dumps(value, ensure_ascii=False)


def _records_at(document: object, key: str | None, path: Path) -> list:
    node = document
    if key:
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                present = (
                    f"keys present: {list(node)[:20]}"
                    if isinstance(node, dict)
                    else f"found a {type(node).__name__}"
                )
                raise ExtractError(
                    "table_not_found",
                    f"{path}: records_key {key!r}: no {part!r} there ({present}); fix records_key",
                )
    elif isinstance(node, dict):
        arrays = [k for k, v in node.items() if isinstance(v, list)]
        if len(arrays) != 1:
            raise ExtractError(
                "table_not_found",
                f"{path}: the top level is an object with {len(arrays)} arrays ({arrays[:20]}); set records_key to the one holding the records",
            )
        node = node[arrays[0]]
    if not isinstance(node, list):
        raise ExtractError(
            "table_not_found",
            f"{path}: the records are not an array but a {type(node).__name__}; set records_key to the array",
        )
    return node


def _records_table(
    path, spec, records: list, rows: np.ndarray, problems: list, raws: list
) -> RawTable:
    """Records -> one column per key (first-seen order); a record that is not an object is skipped."""
    kinds = set(map(type, records))
    if records and kinds == {list}:
        return _arrays_table(path, spec, records)
    is_record = list(map(isinstance, records, itertools.repeat(dict)))
    if not all(is_record):
        problems = [
            p or (None if ok else "not_a_record") for p, ok in zip(problems, is_record, strict=True)
        ]
        raws = [
            w if ok else _json_text(r) for w, r, ok in zip(raws, records, is_record, strict=True)
        ]
        records = [r if ok else {} for r, ok in zip(records, is_record, strict=True)]
    keys = list(dict.fromkeys(itertools.chain.from_iterable(records)))
    if not keys:
        raise _no_header(path, "there are no records with keys")
    columns = [_render_objects(list(map(dict.get, records, itertools.repeat(key)))) for key in keys]
    body = _body(
        rows, columns, _reason=pa.array(problems, pa.string()), _raw=pa.array(raws, pa.string())
    )
    return _assemble(path, spec, [keys], body, classify=False)


def _arrays_table(path, spec, arrays: list[list]) -> RawTable:
    header = _render_objects(arrays[0]).to_pylist()
    width = max(map(len, arrays))
    columns = (
        itertools.zip_longest(*arrays[1:], fillvalue=None) if len(arrays) > 1 else [()] * width
    )
    body = _body(np.arange(2, len(arrays) + 1), [_render_objects(list(c)) for c in columns])
    return _assemble(path, spec, [header], body, classify=False)


def read_parquet(path: Path, spec: TableSpec) -> RawTable:
    """Parquet: every column cast to text; source_row is the 1-based row index."""
    try:
        with pq.ParquetFile(path) as parquet:
            _check_cells(path, parquet.metadata.num_rows, parquet.metadata.num_columns)
            table = parquet.read()
    except (pa.ArrowException, OSError) as exc:
        raise _unreadable(path, exc) from exc
    columns = [_arrow_text(column) for column in table.columns]
    body = _body(np.arange(1, table.num_rows + 1), columns)
    return _assemble(path, spec, [table.column_names], body, classify=False)


def _arrow_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    try:
        text = column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.chunked_array([_render_objects(column.to_pylist())], pa.string())
    return _tidy_temporal(text) if pa.types.is_temporal(kind) else text


# ---------------------------------------------------------------------------------------------
# HTML


def read_html(path: Path, spec: TableSpec) -> RawTable:
    """HTML: one <table> by caption or index; colspan/rowspan expanded; <tfoot> rows are footnotes."""
    data = _utf8(_read_bytes(path), path, spec)
    if data.isspace():
        raise _empty(path)
    parser = lxml.html.HTMLParser(
        encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True
    )
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise _unreadable(path, exc) from exc
    table = _pick_html_table(root, spec, path)
    for element in table.xpath(".//script | .//style"):
        element.drop_tree()
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    grid = _html_grid(rows)
    header_count = _html_header_rows(rows, spec)
    first = spec.header_row - 1 if header_count is None else 0
    count = spec.header_rows if header_count is None else header_count
    if len(grid) < first + count:
        raise _no_header(
            path, f"the table has {len(grid)} rows but the header is at row {first + 1}"
        )
    width = max(map(len, grid))
    data_rows = grid[first + count :]
    columns = [
        pa.array([row[i] if i < len(row) else None for row in data_rows], pa.string())
        for i in range(width)
    ]
    in_footer = [row.getparent().tag == "tfoot" for row in rows[first + count :]]
    raws = [
        "\t".join(filter(None, map(_html_cell_text, row.xpath("./td | ./th"))))
        for row in rows[first + count :]
    ]
    body = _body(
        np.arange(first + count + 1, len(grid) + 1),
        columns,
        _reason=pa.array(["footnote_row" if foot else None for foot in in_footer], pa.string()),
        _raw=pa.array(raws, pa.string()),
    )
    return _assemble(path, spec, grid[first : first + count], body, joiner="\t")


def _pick_html_table(root, spec: TableSpec, path: Path):
    tables = root.xpath("//table")
    candidates = tables
    if spec.caption:
        wanted = spec.caption.casefold()
        candidates = [t for t in tables if wanted in _html_label(t).casefold()] or [
            t for t in tables if wanted in _html_heading(t).casefold()
        ]
    index = spec.table_index or 0
    if index < len(candidates):
        return candidates[index]
    listing = "; ".join(
        f"{i}: {(_html_label(t) or _html_heading(t))[:60]!r}" for i, t in enumerate(tables[:20])
    )
    wanted = f"caption {spec.caption!r}, " if spec.caption else ""
    raise ExtractError(
        "table_not_found",
        f"{path}: no table matches {wanted}table_index {index}; the page has {len(tables)} table(s) "
        f"(index: caption or heading) {listing or '-'}; set caption or table_index",
    )


def _html_label(table) -> str:
    captions = table.xpath("./caption")
    caption = " ".join(captions[0].text_content().split()) if captions else ""
    return " ".join(filter(None, [caption, table.get("aria-label", "").strip()]))


def _html_heading(table) -> str:
    headings = table.xpath(
        "preceding::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6][1]"
    )
    return " ".join(headings[0].text_content().split()) if headings else ""


def _html_header_rows(rows, spec: TableSpec) -> int | None:
    """Header row count from the markup (<thead>, leading all-<th> rows); None: use header_row(s)."""
    if spec.header_row != 1 or spec.header_rows != 1:
        return None
    in_head = sum(1 for row in rows if row.getparent().tag == "thead")
    if in_head:
        return in_head
    leading = itertools.takewhile(
        lambda row: row.xpath("./td | ./th") and not row.xpath("./td"), rows
    )
    return sum(1 for _ in leading) or None


def _html_grid(rows) -> list[list[str | None]]:
    """Rows of cell texts with every colspan/rowspan cell filled with its text."""
    occupied: dict[tuple[int, int], str | None] = {}
    for r, row in enumerate(rows):
        column = 0
        for cell in row.xpath("./td | ./th"):
            while (r, column) in occupied:
                column += 1
            text = _html_cell_text(cell)
            rows_spanned = min(_span(cell.get("rowspan")), len(rows) - r)
            for dr, dc in itertools.product(range(rows_spanned), range(_span(cell.get("colspan")))):
                occupied[(r + dr, column + dc)] = text
            column += _span(cell.get("colspan"))
    width = max((c for _, c in occupied), default=-1) + 1
    return [[occupied.get((r, c)) for c in range(width)] for r in range(len(rows))]


def _span(value: str | None) -> int:
    digits = re.match(r"\s*(\d+)", value or "")
    return min(max(int(digits.group(1)), 1), 1000) if digits else 1


def _html_cell_text(cell) -> str | None:
    text = "".join(_spaced_text(cell))
    return " ".join(text.split()) or None


def _spaced_text(element):
    """Text of an element with a space where <br>, <p>, <div> or <li> break the line."""
    if element.text:
        yield element.text
    for child in element:
        if child.tag in ("br", "p", "div", "li"):
            yield " "
        if isinstance(child.tag, str):
            yield from _spaced_text(child)
        if child.tail:
            yield child.tail


# ---------------------------------------------------------------------------------------------
# Markdown pipe tables

_MD_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")


def read_markdown(path: Path, spec: TableSpec) -> RawTable:
    """Markdown: a GFM pipe table; source_row is the line number in the file."""
    lines = _lines(_text(path, spec))
    tables = _markdown_tables(lines)
    start, end = _pick_markdown_table(tables, lines, spec, path)
    header = _md_cells(lines[start])
    width = len(header)
    rows = [_md_cells(line) for line in lines[start + 2 : end]]
    ragged = [any(rest.strip() for rest in row[width:]) for row in rows]
    columns = [
        pa.array([row[i] if i < len(row) else None for row in rows], pa.string())
        for i in range(width)
    ]
    body = _body(
        np.arange(start + 3, end + 1),
        columns,
        _raw=pa.array(lines[start + 2 : end], pa.string()),
        _ragged=pa.array(ragged, pa.bool_()),
    )
    return _assemble(path, spec, [header], body, joiner=" | ")


def _markdown_tables(lines: list[str]) -> list[tuple[int, int]]:
    """(header line index, end index exclusive) of every pipe table."""
    tables = []
    for i in range(1, len(lines)):
        if (
            "|" in lines[i - 1]
            and _MD_RULE.match(lines[i])
            and len(_md_cells(lines[i])) == len(_md_cells(lines[i - 1]))
        ):
            end = i + 1
            while end < len(lines) and lines[end].strip() and "|" in lines[end]:
                end += 1
            tables.append((i - 1, end))
    return tables


def _pick_markdown_table(tables, lines, spec: TableSpec, path: Path) -> tuple[int, int]:
    candidates = tables
    if spec.caption:
        candidates = [
            t for t in tables if spec.caption.casefold() in _line_above(lines, t[0]).casefold()
        ]
    index = spec.table_index or 0
    if index < len(candidates):
        return candidates[index]
    listing = "; ".join(
        f"{i}: line {t[0] + 1} {_line_above(lines, t[0])[:60]!r}" for i, t in enumerate(tables[:20])
    )
    raise ExtractError(
        "table_not_found",
        f"{path}: found {len(tables)} pipe table(s) (a header line with '|' followed by a '|---|' line), none at "
        f"table_index {index}{f' with caption {spec.caption!r}' if spec.caption else ''}: {listing or '-'}",
    )


def _line_above(lines: list[str], index: int) -> str:
    above = [line.strip().lstrip("#").strip() for line in lines[:index] if line.strip()]
    return above[-1] if above else ""


def _md_cells(line: str) -> list[str]:
    text = line.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", text)]


# ---------------------------------------------------------------------------------------------
# Plain text layouts

_BULLET = r"^\s*(?:[-*•‣▪\u2013]|\d+[.)])\s+"
_CATEGORY = r"(?:(?P<category>[^:]+?)\s*:\s+)?"
_VALUE_END = r"(?P<value>.*?\d.*?)[\s.]*$"
_BULLET_COPULA = re.compile(
    _BULLET + _CATEGORY + r"(?P<label>.+?)\s+(?:is|are|was|were|has|have)\s+" + _VALUE_END, re.I
)
_BULLET_VERB = re.compile(
    _BULLET
    + _CATEGORY
    + r"(?P<label>.+?)\s+(?P<value>(?:grew|grown|rose|risen|jumped|climbed|surged|soared|increased|gained|"
    r"decreased|declined|dropped|fell|up|down)\b.*?\d.*?)[\s.]*$",
    re.I,
)
_PAIR = re.compile(
    r"^\s*(?:(?:[-*•‣▪]|\d+[.)])\s+)?(?P<label>.+?)\s*(?::|\s[—\u2013-]\s|—)\s*" + _VALUE_END
)
_BULLET_START = re.compile(_BULLET)
_RULE_LINE = re.compile(r"^[\s\-=_+|:~]+$")


def read_text(path: Path, spec: TableSpec) -> RawTable:
    """Plain text: 'label: value' lines, news-style bullets or space-aligned columns (text_layout)."""
    lines = _lines(_text(path, spec))
    layout = spec.text_layout or _guess_layout(lines)
    if layout == "aligned":
        return _read_aligned(path, spec, lines)
    parse = _bullet_fields if layout == "category_bullets" else _pair_fields
    names = ["category", "label", "value"] if layout == "category_bullets" else ["label", "value"]
    footer = re.compile(spec.footer_pattern) if spec.footer_pattern else None
    numbers, fields, reasons, raws = [], [], [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        note = _is_note(line, footer)
        found = None if note else parse(line)
        numbers.append(number)
        fields.append(found or {})
        reasons.append(None if found else "footnote_row" if note else "unmatched_line")
        raws.append(None if found else line)
    columns = [pa.array([f.get(name) for f in fields], pa.string()) for name in names]
    body = _body(
        numbers, columns, _reason=pa.array(reasons, pa.string()), _raw=pa.array(raws, pa.string())
    )
    return _assemble(path, spec, [names], body, classify=False)


def _is_note(line: str, footer: re.Pattern | None) -> bool:
    return bool(_FOOTNOTE_PY.match(line) or (footer and footer.search(line)))


def _guess_layout(lines: list[str]) -> str:
    """News-style bullets if at least half the 'x: y' lines are such bullets, else pairs, else columns."""
    bullets = sum(1 for line in lines if _BULLET_COPULA.match(line) or _BULLET_VERB.match(line))
    pairs = sum(1 for line in lines if not _FOOTNOTE_PY.match(line) and _PAIR.match(line))
    if bullets and bullets * 2 >= pairs:
        return "category_bullets"
    return "label_value" if pairs else "aligned"


def _bullet_fields(line: str) -> dict[str, str] | None:
    """A bulleted line: 'Category: Skill is up 178%', or 'Skill: +329%' with no category."""
    found = _BULLET_COPULA.match(line) or _BULLET_VERB.match(line)
    if found:
        return {k: v.strip() for k, v in found.groupdict().items() if v}
    return _pair_fields(line) if _BULLET_START.match(line) else None


def _pair_fields(line: str) -> dict[str, str] | None:
    found = _PAIR.match(line)
    return {"label": found["label"].strip(), "value": found["value"].strip()} if found else None


def _read_aligned(path: Path, spec: TableSpec, lines: list[str]) -> RawTable:
    """Columns separated by 2+ spaces; boundaries are the gaps every line of the table shares."""
    expanded = [line.expandtabs(8).rstrip() for line in lines]
    start = next(
        (i for i in range(spec.header_row - 1, len(expanded)) if expanded[i].strip()), None
    )
    if start is None:
        raise _no_header(path, f"no non-blank line at or after line {spec.header_row}")
    footer = re.compile(spec.footer_pattern) if spec.footer_pattern else None
    notes_from = next(
        (i for i in range(start + 1, len(expanded)) if _is_note(expanded[i], footer)), len(expanded)
    )
    table_lines = [
        i
        for i in range(start + 1, notes_from)
        if expanded[i].strip() and not _RULE_LINE.match(expanded[i])
    ]
    spans = _column_spans([expanded[start]] + [expanded[i] for i in table_lines])
    header = _slice(expanded[start], spans)
    note_lines = [i for i in range(notes_from, len(expanded)) if expanded[i].strip()]
    sliced = [_slice(expanded[i], spans) for i in table_lines]
    repeated = [row == header for row in sliced]
    columns = [
        pa.array([row[c] for row in sliced] + [None] * len(note_lines), pa.string())
        for c in range(len(spans))
    ]
    reasons = ["repeated_header" if r else None for r in repeated] + ["footnote_row"] * len(
        note_lines
    )
    raws = [lines[i] if r else None for i, r in zip(table_lines, repeated, strict=True)] + [
        lines[i] for i in note_lines
    ]
    body = _body(
        np.array(table_lines + note_lines, dtype=np.int64) + 1,
        columns,
        _reason=pa.array(reasons, pa.string()),
        _raw=pa.array(raws, pa.string()),
    )
    return _assemble(path, spec, [header], body, classify=False)


def _column_spans(lines: list[str]) -> list[tuple[int, int]]:
    width = max(map(len, lines))
    used = np.zeros(width, dtype=bool)
    for line in lines:
        used[: len(line)] |= np.frombuffer(line.encode("utf-32-le"), dtype=np.uint32) != ord(" ")
    positions = np.flatnonzero(used)
    groups = np.split(positions, np.flatnonzero(np.diff(positions) > 2) + 1)
    return [(int(g[0]), int(g[-1]) + 1) for g in groups if g.size]


def _slice(line: str, spans: list[tuple[int, int]]) -> list[str | None]:
    cells = [line[a:b] for a, b in spans[:-1]] + [line[spans[-1][0] :]]
    return [cell.strip() or None for cell in cells]


READERS: dict[str, Callable[[Path, TableSpec], RawTable]] = {
    "csv": read_csv,
    "tsv": read_csv,
    "xlsx": read_xlsx,
    "json": read_json,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "html": read_html,
    "markdown": read_markdown,
    "text": read_text,
}
