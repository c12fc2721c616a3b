"""Small CSV files of an ingest window read together: one parse and one assembly over their bodies, split back per file."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from flows.errors import ExtractError
from flows.extract.common import (
    FOOTNOTE,
    NO_SKIPPED,
    RawTable,
    blank_to_null,
    check_cells,
    header_texts,
    optional,
    regex_hits,
    skipped_rows,
)
from flows.extract.delimited import (
    PreparedCsv,
    csv_body,
    read_prepared,
    set_aside_extra_cells,
)

log = logging.getLogger(__name__)


def read_csv_window(files: list[PreparedCsv]) -> list[RawTable | Exception]:
    """Each prepared file's RawTable (or the error reading it alone raises): what read_prepared
    gives each one. Files parsed alike (delimiter, widths) whose bodies hold no rule that looks
    past the file (footer_pattern, an unclosed quote, a bare CR at the end) are read together."""
    results: list[RawTable | Exception | None] = [None] * len(files)
    groups: dict[tuple, list[int]] = {}
    for index, csv_file in enumerate(files):
        if _joinable(csv_file):
            key = (csv_file.delimiter, csv_file.width, csv_file.header_width)
            groups.setdefault(key, []).append(index)
    for indexes in groups.values():
        if len(indexes) < 2:
            continue
        members = [files[i] for i in indexes]
        try:
            together = _read_together(members)
        except Exception:
            # The parse of the joined bodies is only a shortcut: any doubt, and each file alone.
            log.debug(
                "%d CSV files could not be read together; reading them one by one", len(members)
            )
            continue
        for index, result in zip(indexes, together, strict=True):
            results[index] = result
    return [
        _alone(csv_file) if result is None else result
        for csv_file, result in zip(files, results, strict=True)
    ]


def _alone(csv_file: PreparedCsv) -> RawTable | Exception:
    try:
        return read_prepared(csv_file)
    except Exception as exc:
        return exc


def _joinable(csv_file: PreparedCsv) -> bool:
    body = memoryview(csv_file.data)[csv_file.body_at :]
    return (
        len(body) > 0
        and csv_file.spec.footer_pattern is None
        # An odd quote count may swallow the next file; the unclosed-quote rule reads one file.
        and csv_file.data.count(b'"', csv_file.body_at) % 2 == 0
        # A CR ending one body and a LF starting the next would read as one line end.
        and not csv_file.data.endswith(b"\r")
    )


def _body_lines(body: bytes) -> int:
    """Lines as _record_lines counts them (CRLF, CR and LF each end one)."""
    ends = body.count(b"\n") + body.count(b"\r") - body.count(b"\r\n")
    return ends + (0 if body.endswith((b"\n", b"\r")) else 1)


def _read_together(files: list[PreparedCsv]) -> list[RawTable | Exception]:
    bodies = [f.data[f.body_at :] for f in files]
    joined = b"".join(b if b.endswith(b"\n") else b + b"\n" for b in bodies)
    line_starts = np.cumsum([0] + [_body_lines(b) for b in bodies[:-1]]).astype(np.int64)
    first = files[0]
    body = csv_body(Path("window"), joined, 0, 0, first.delimiter, first.width)
    starts = body.column("source_row").to_numpy()
    # Every file's first line must start a record, or a record ran across files.
    if not np.isin(line_starts, starts).all():
        raise ExtractError("malformed_csv", "a record of the joined bodies spans two files")
    segment = np.searchsorted(line_starts, starts, side="right") - 1
    offsets = np.array([f.first_line for f in files], dtype=np.int64) - line_starts
    body = body.set_column(0, "source_row", pa.array(starts + offsets[segment], pa.int64()))
    body = set_aside_extra_cells(body, first.header_width, first.width, first.delimiter)
    body = body.combine_chunks()
    bounds = np.searchsorted(segment, np.arange(len(files) + 1))
    return _assemble_segments(files, body, bounds)


def _assemble_segments(
    files: list[PreparedCsv], body: pa.Table, bounds: np.ndarray
) -> list[RawTable | Exception]:
    """common.assemble over the joined body, each rule kept within its file (bounds[k] to
    bounds[k + 1]); the files have no footer_pattern and no unclosed quote."""
    width = sum(1 for name in body.column_names if name.startswith("c"))
    count = body.num_rows
    segment = np.repeat(np.arange(len(files)), np.diff(bounds))
    cells = [blank_to_null(body.column(f"c{i}")) for i in range(1, width + 1)]
    joiner = files[0].delimiter
    ragged = pc.fill_null(optional(body, "_ragged", pa.bool_()), False).to_numpy(
        zero_copy_only=False
    )
    present = np.zeros(count, dtype=np.int32)
    for column in cells:
        present += pc.is_valid(column).to_numpy(zero_copy_only=False)
    blank = present == 0
    codes = np.zeros(count, dtype=np.int8)
    codes[ragged] = 4
    codes[_repeated_headers(cells, [f.header_rows for f in files], segment)] = 3
    codes[_footers(cells, present, blank, ragged, bounds, segment)] = 2
    codes[blank] = 1
    forced = optional(body, "_reason", pa.string())
    set_aside = (codes > 0) | pc.is_valid(forced).to_numpy(zero_copy_only=False)
    skipped = skipped_rows(body, width, codes, forced, set_aside, joiner)
    skipped_bounds = np.searchsorted(np.flatnonzero(set_aside), bounds)
    rows = body.column("source_row")
    if set_aside.any():
        keep = pa.array(~set_aside)
        rows = rows.filter(keep)
        cells = [column.filter(keep) for column in cells]
    kept_bounds = np.concatenate(([0], np.cumsum(~set_aside)))[bounds]
    valid = [
        np.concatenate(([0], np.cumsum(pc.is_valid(c).to_numpy(zero_copy_only=False))))
        for c in cells
    ]
    results: list[RawTable | Exception] = []
    for k, csv_file in enumerate(files):
        start, stop = int(kept_bounds[k]), int(kept_bounds[k + 1])
        try:
            check_cells(csv_file.path, int(bounds[k + 1] - bounds[k]), width)
        except ExtractError as exc:
            results.append(exc)
            continue
        header = header_texts(csv_file.header_rows, width, True)
        kept = [i for i in range(width) if header[i] or valid[i][stop] > valid[i][start]]
        names = tuple(header[i] or f"column_{n}" for n, i in enumerate(kept, 1))
        columns = {"source_row": rows.slice(start, stop - start)} | {
            f"c{n}": cells[i].slice(start, stop - start) for n, i in enumerate(kept, 1)
        }
        low, high = int(skipped_bounds[k]), int(skipped_bounds[k + 1])
        aside = skipped.slice(low, high - low) if high > low else NO_SKIPPED
        results.append(RawTable(header=names, cells=pa.table(columns), skipped=aside))
    return results


def _repeated_headers(cells, header_rows: list[list[list[str]]], segment) -> np.ndarray:
    """common._repeated_header, each row compared with its own file's header rows."""
    width = len(cells)
    repeated = np.zeros(len(segment), dtype=bool)
    trimmed = [pc.fill_null(pc.utf8_trim_whitespace(column), "") for column in cells]
    take = pa.array(segment)
    for h in range(max(map(len, header_rows))):
        texts = []
        for rows in header_rows:
            row = [(cell or "").strip() for cell in rows[h]][:width] if h < len(rows) else []
            texts.append(row + [""] * (width - len(row)))
        active = np.array([any(row) for row in texts])
        if not active.any():
            continue
        same = active[segment]
        for column in range(width):
            expected = pa.array([row[column] for row in texts], pa.string()).take(take)
            same &= pc.fill_null(pc.equal(trimmed[column], expected), False).to_numpy(
                zero_copy_only=False
            )
        repeated |= same
    return repeated


def _footers(cells, present, blank, ragged, bounds, segment) -> np.ndarray:
    """common._footer without a footer_pattern, each file's footnotes found within it."""
    count = len(blank)
    automatic = regex_hits(pc.coalesce(*cells), FOOTNOTE)
    below_is_notes = blank | automatic | (present <= 1) | ragged
    index = np.arange(count)
    starts = bounds[:-1]
    # Within a file, a row heads notes when every row from it to the file's end is a note.
    last_data = np.maximum.reduceat(np.where(below_is_notes, -1, index), starts)
    heads = automatic & (index > last_data[segment])
    first_head = np.minimum.reduceat(np.where(heads, index, count), starts)
    return (index >= first_head[segment]) & ~blank
