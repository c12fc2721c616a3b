"""User-supplied regular expressions (unpivot headers, footer patterns) matched in bounded time."""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import regex

from flows.errors import ExtractError

# The whole budget of one pattern over one table; a sane pattern needs milliseconds.
BUDGET_SECONDS = 2.0


def search_hits(column: pa.Array | pa.ChunkedArray, pattern: str, setting: str) -> np.ndarray:
    """True where the pattern is found in the text (null texts: False).

    RE2 (pyarrow's engine) runs in linear time whatever the pattern. Syntax RE2 lacks
    (look-arounds, back-references) runs in the `regex` engine on each distinct text under a
    time budget: a pattern that backtracks past it refuses the table with `regex_too_slow`.
    """
    try:
        hits = pc.match_substring_regex(column, pattern)
    except pa.ArrowInvalid:
        deadline = time.monotonic() + BUDGET_SECONDS
        distinct = [t for t in pc.unique(column).to_pylist() if t is not None]
        matched = [t for t in distinct if _search(pattern, t, setting, deadline)]
        hits = pc.is_in(column, value_set=pa.array(matched, pa.string()))
    return pc.fill_null(hits, False).to_numpy(zero_copy_only=False)


def search_texts(texts: list[str], pattern: str, setting: str) -> list[bool]:
    """search_hits for a short list of Python strings (headers, lines)."""
    return search_hits(pa.array(texts, pa.string()), pattern, setting).tolist()


def _search(pattern: str, text: str, setting: str, deadline: float) -> bool:
    try:
        return (
            regex.search(pattern, text, timeout=max(deadline - time.monotonic(), 0.001)) is not None
        )
    except TimeoutError as exc:
        raise ExtractError(
            "regex_too_slow",
            f"{setting} = {pattern!r} took more than {BUDGET_SECONDS:g} s (it backtracks, e.g. a "
            "nested quantifier like (a+)+); write it without look-arounds and back-references so "
            "the linear-time engine runs it, or remove the nesting",
        ) from exc
