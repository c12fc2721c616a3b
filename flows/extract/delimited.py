"""CSV and TSV: delimiter and encoding sniffed, title rows, footnotes, repeated headers, ragged rows."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pv

from flows.errors import ExtractError
from flows.extract.common import (
    RawTable,
    assemble,
    blank_to_null,
    check_cell_bound,
    data_body,
    empty_file_error,
    no_header,
    optional,
    read_bytes,
    utf8,
)
from flows.raw.manifest import TableSpec

_LINE_END = re.compile(rb"\r\n|\r|\n")
_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 64 * 1024
_SNIFF_LINES = 50


@dataclass(frozen=True)
class PreparedCsv:
    """A CSV file read up to its body's parse: header records, delimiter, width, where the body starts."""

    path: Path
    spec: TableSpec
    data: bytes
    header_rows: list[list[str]]
    body_at: int
    first_line: int  # the body's first line number
    delimiter: str
    width: int
    header_width: int
    lines: int  # the body's lines


def read_csv(path: Path, spec: TableSpec) -> RawTable:
    """CSV/TSV: header at line header_row, data below; malformed rows placed by their line number."""
    return read_prepared(prepare_csv(path, spec))


def prepare_csv(path: Path, spec: TableSpec) -> PreparedCsv:
    """Everything before the body's parse; the cell bound is checked here, before any parse."""
    data = utf8(read_bytes(path), path, spec)
    if data.isspace():
        raise empty_file_error(path)
    header_at = _offset_after_lines(data, spec.header_row - 1)
    if header_at is None or header_at >= len(data):
        raise no_header(
            path, f"it has fewer than {spec.header_row} lines but header_row = {spec.header_row}"
        )
    delimiter = _delimiter(spec, data[header_at : header_at + _SAMPLE_BYTES], path)
    header_rows, header_lines = _head_records(
        data[header_at : header_at + _SAMPLE_BYTES], delimiter, spec.header_rows
    )
    if len(header_rows) < spec.header_rows or not any(
        c.strip() for row in header_rows for c in row
    ):
        raise no_header(path, f"line {spec.header_row} is blank or missing")
    body_at = _offset_after_lines(data, spec.header_row - 1 + header_lines) or len(data)
    header_width = max(map(len, header_rows))
    width = max(header_width, _sample_width(data[body_at : body_at + _SAMPLE_BYTES], delimiter))
    # At most a cell per delimiter and per line: counted in place, before anything is parsed.
    lines = max(data.count(b"\n", body_at), data.count(b"\r", body_at))
    lines += 0 if body_at >= len(data) or data.endswith((b"\n", b"\r")) else 1
    check_cell_bound(path, data.count(delimiter.encode(), body_at) + lines)
    first_line = spec.header_row + header_lines
    return PreparedCsv(
        path, spec, data, header_rows, body_at, first_line, delimiter, width, header_width, lines
    )


def read_prepared(csv_file: PreparedCsv) -> RawTable:
    """A prepared CSV file's body parsed and assembled on its own."""
    path, data, delimiter = csv_file.path, csv_file.data, csv_file.delimiter
    body = csv_body(path, data, csv_file.body_at, csv_file.first_line, delimiter, csv_file.width)
    body = set_aside_extra_cells(body, csv_file.header_width, csv_file.width, delimiter)
    body = _set_aside_unterminated_quote(body, data[csv_file.body_at :], delimiter)
    return assemble(
        path, csv_file.spec, csv_file.header_rows, body, joiner=delimiter, fill_header_across=True
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
    # A delimiter that splits no header scores nothing, and "," wins when nothing else scores:
    # most files are decided by their first record (parsing 50 lines four times cost more than
    # reading a small report).
    if not any(_first_width(sample, d) >= 2 for d in _DELIMITERS[1:]):
        return ","
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        widths = [len(row) for row in _sample_records(sample, delimiter)]
        if not widths or widths[0] < 2:
            continue
        score = (widths.count(widths[0]) / len(widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_width(sample: str, delimiter: str) -> int:
    """The cell count of the sample's first record, as _sample_records reads it (0: none)."""
    complete = sample[: max(sample.rfind("\n"), sample.rfind("\r")) + 1] or sample
    try:
        return len(
            next(
                filter(None, csv.reader(io.StringIO(complete, newline=""), delimiter=delimiter)), []
            )
        )
    except csv.Error:
        return 0


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


def csv_body(
    path: Path, data: bytes, start: int, first_line: int, delimiter: str, width: int
) -> pa.Table:
    names = [f"c{i}" for i in range(1, width + 1)]
    if start >= len(data):
        return data_body([], [pa.array([], pa.string())] * width)
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
    in_raw = pc.count_substring_regex(optional(table, "_raw", pa.string()), newline)
    spans = 1 + pc.coalesce(in_raw, pa.array(in_cells, pa.int32())).to_numpy(zero_copy_only=False)
    return first_line + np.concatenate(([0], np.cumsum(spans)[:-1])).astype(np.int64)


def _set_aside_unterminated_quote(body: pa.Table, data: bytes, delimiter: str) -> pa.Table:
    """A quote that never closes swallows every later line into one cell of the last record:
    set that record aside as malformed_csv, with its text, instead of loading it as a name."""
    if data.count(b'"') % 2 == 0 or not body.num_rows:
        return body
    last = body.num_rows - 1
    cells = [name for name in body.column_names if name.startswith("c")]
    texts = [body.column(name)[last].as_py() or "" for name in cells]
    if not any("\n" in text or "\r" in text for text in texts):
        return body
    reason = pa.array([None] * last + ["malformed_csv"], pa.string())
    previous = optional(body, "_raw", pa.string())
    raw = pc.if_else(pc.is_valid(reason), delimiter.join(texts), previous)
    body = body.drop_columns([n for n in ("_reason", "_raw") if n in body.column_names])
    return body.append_column("_reason", reason).append_column("_raw", raw)


def set_aside_extra_cells(
    body: pa.Table, header_width: int, width: int, delimiter: str
) -> pa.Table:
    """Rows with text beyond the header's last column are ragged; the extra columns go."""
    if width == header_width:
        return body
    extra = [blank_to_null(body.column(f"c{i}")) for i in range(header_width + 1, width + 1)]
    beyond = pc.is_valid(pc.coalesce(*extra))
    cells = [pc.fill_null(body.column(f"c{i}"), "") for i in range(1, width + 1)]
    rebuilt = pc.binary_join_element_wise(*cells, delimiter)
    raw = pc.if_else(
        beyond,
        pc.coalesce(optional(body, "_raw", pa.string()), rebuilt),
        optional(body, "_raw", pa.string()),
    )
    ragged = pc.or_(pc.fill_null(optional(body, "_ragged", pa.bool_()), False), beyond)
    kept = body.select(["source_row", *[f"c{i}" for i in range(1, header_width + 1)]])
    return kept.append_column("_raw", raw).append_column("_ragged", ragged)
