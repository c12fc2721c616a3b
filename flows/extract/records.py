"""Record formats: JSON arrays, JSON Lines and Parquet, every value as its published text."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.errors import ExtractError
from flows.extract.common import (
    JsonNumber,
    RawTable,
    assemble,
    check_cell_bound,
    check_cells,
    data_body,
    decoded_text,
    json_text,
    no_header,
    render_objects,
    text_lines,
    tidy_temporal,
    unreadable_error,
)
from flows.raw.manifest import TableSpec


def read_json(path: Path, spec: TableSpec) -> RawTable:
    """JSON: an array of records (or of arrays, the first holding the header), at records_key if set."""
    text = decoded_text(path, spec)
    check_cell_bound(path, text.count(",") + 1)
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
    text = decoded_text(path, spec)
    check_cell_bound(path, text.count(",") + text.count("\n") + 1)
    all_lines = text_lines(text)
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


def _json_loads(text: str, exact_numbers: bool = False):
    """Parse JSON keeping each number's published text; `exact_numbers` also marks it as a number
    (needed only to write nested values back as JSON, and 3x slower, so used only then)."""
    number = JsonNumber if exact_numbers else str
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
            w if ok else json_text(r) for w, r, ok in zip(raws, records, is_record, strict=True)
        ]
        records = [r if ok else {} for r, ok in zip(records, is_record, strict=True)]
    keys = list(dict.fromkeys(itertools.chain.from_iterable(records)))
    if not keys:
        raise no_header(path, "there are no records with keys")
    columns = [render_objects(list(map(dict.get, records, itertools.repeat(key)))) for key in keys]
    body = data_body(
        rows, columns, _reason=pa.array(problems, pa.string()), _raw=pa.array(raws, pa.string())
    )
    return assemble(path, spec, [keys], body, classify=False)


def _arrays_table(path, spec, arrays: list[list]) -> RawTable:
    header = render_objects(arrays[0]).to_pylist()
    width = max(map(len, arrays))
    columns = (
        itertools.zip_longest(*arrays[1:], fillvalue=None) if len(arrays) > 1 else [()] * width
    )
    body = data_body(np.arange(2, len(arrays) + 1), [render_objects(list(c)) for c in columns])
    return assemble(path, spec, [header], body, classify=False)


def read_parquet(path: Path, spec: TableSpec) -> RawTable:
    """Parquet: every column cast to text; source_row is the 1-based row index."""
    try:
        with pq.ParquetFile(path) as parquet:
            check_cells(path, parquet.metadata.num_rows, parquet.metadata.num_columns)
            table = parquet.read()
    except (pa.ArrowException, OSError) as exc:
        raise unreadable_error(path, exc) from exc
    columns = [_arrow_text(column) for column in table.columns]
    body = data_body(np.arange(1, table.num_rows + 1), columns)
    return assemble(path, spec, [table.column_names], body, classify=False)


def _arrow_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    kind = column.type
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    try:
        text = column.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.chunked_array([render_objects(column.to_pylist())], pa.string())
    return tidy_temporal(text) if pa.types.is_temporal(kind) else text
