"""The figure rows of small tables' cells, remembered per distinct text across the reports a process reads."""

from __future__ import annotations

from collections.abc import Callable
from threading import Lock

import pyarrow as pa

from flows.normalize.figure_cells import FIGURE_ROWS_SCHEMA
from flows.raw.manifest import TableSpec

# A corpus of many small reports repeats its cells ("+12.3%", "up 12%"): 1,000 reports of 100 rows
# print ~9,000 distinct values. For a small table, a dozen Arrow calls (~40 us each) cost more than
# looking its texts up; a large table reads faster in Arrow than rows can be rebuilt in Python.
SMALL_TABLE = 1_000
MEMO_SIZE = 1 << 16

_NAMES = tuple(FIGURE_ROWS_SCHEMA.names)
_memo: dict[tuple, tuple[tuple, ...]] = {}
_lock = Lock()

Reader = Callable[[list[str], str, TableSpec], pa.Table]


def remembered_rows(texts: list[str], measure: str, spec: TableSpec, read: Reader) -> pa.Table:
    """read(texts, measure, spec), with the rows of a small table's texts kept for the next tables."""
    if len(texts) > SMALL_TABLE:
        return read(texts, measure, spec)
    reading = (measure, spec.accounting_negatives, spec.value_scale)
    with _lock:
        known = [_memo.get((text, *reading)) for text in texts]
    missing = [text for text, rows in zip(texts, known, strict=True) if rows is None]
    new = _by_text(read(missing, measure, spec), missing) if missing else {}
    rows = [
        row
        for text, found in zip(texts, known, strict=True)
        for row in (new[text] if found is None else found)
    ]
    with _lock:
        if len(_memo) + len(new) > MEMO_SIZE:
            _memo.clear()
        _memo.update({(text, *reading): found for text, found in new.items()})
    columns = zip(*rows, strict=True) if rows else ([] for _ in _NAMES)
    return pa.Table.from_pydict(
        dict(zip(_NAMES, map(list, columns), strict=True)), FIGURE_ROWS_SCHEMA
    )


def _by_text(table: pa.Table, texts: list[str]) -> dict[str, tuple[tuple, ...]]:
    """Each text's rows as tuples in FIGURE_ROWS_SCHEMA order (a text may have several figures)."""
    grouped: dict[str, list[tuple]] = {text: [] for text in texts}
    columns = [table[name].to_pylist() for name in _NAMES]
    for row in zip(*columns, strict=True):
        grouped[row[0]].append(row)
    return {text: tuple(rows) for text, rows in grouped.items()}
