"""Plain-text layouts articles print: label-value lines, category bullets, aligned columns."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa

from flows.extract.common import (
    FOOTNOTE_LINE,
    RawTable,
    assemble,
    data_body,
    decoded_text,
    no_header,
    text_lines,
)
from flows.raw.manifest import TableSpec
from flows.user_regex import search_texts

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
    lines = text_lines(decoded_text(path, spec))
    layout = spec.text_layout or _guess_layout(lines)
    if layout == "aligned":
        return _read_aligned(path, spec, lines)
    parse = _bullet_fields if layout == "category_bullets" else _pair_fields
    names = ["category", "label", "value"] if layout == "category_bullets" else ["label", "value"]
    footer = _footer_lines(lines, spec)
    numbers, fields, reasons, raws = [], [], [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        note = _is_note(line, footer[number - 1])
        found = None if note else parse(line)
        numbers.append(number)
        fields.append(found or {})
        reasons.append(None if found else "footnote_row" if note else "unmatched_line")
        raws.append(None if found else line)
    columns = [pa.array([f.get(name) for f in fields], pa.string()) for name in names]
    body = data_body(
        numbers, columns, _reason=pa.array(reasons, pa.string()), _raw=pa.array(raws, pa.string())
    )
    return assemble(path, spec, [names], body, classify=False)


def aligned_header_line(path: Path, spec: TableSpec) -> int | None:
    """The 1-based line an aligned table starts at (the lines above it are read by no table);
    None for the line layouts, which read or report every line."""
    lines = text_lines(decoded_text(path, spec))
    if (spec.text_layout or _guess_layout(lines)) != "aligned":
        return None
    return next(
        (i + 1 for i in range(spec.header_row - 1, len(lines)) if lines[i].strip()), len(lines) + 1
    )


def _footer_lines(lines: list[str], spec: TableSpec) -> list[bool]:
    """Which lines footer_pattern finds, in bounded time (it is the user's regex)."""
    if not spec.footer_pattern:
        return [False] * len(lines)
    return search_texts(lines, spec.footer_pattern, "footer_pattern")


def _is_note(line: str, footer_hit: bool) -> bool:
    return bool(FOOTNOTE_LINE.match(line) or footer_hit)


def _guess_layout(lines: list[str]) -> str:
    """News-style bullets if at least half the 'x: y' lines are such bullets, else pairs, else columns."""
    bullets = sum(1 for line in lines if _BULLET_COPULA.match(line) or _BULLET_VERB.match(line))
    pairs = sum(1 for line in lines if not FOOTNOTE_LINE.match(line) and _PAIR.match(line))
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
        raise no_header(path, f"no non-blank line at or after line {spec.header_row}")
    footer = _footer_lines(expanded, spec)
    notes_from = next(
        (i for i in range(start + 1, len(expanded)) if _is_note(expanded[i], footer[i])),
        len(expanded),
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
    body = data_body(
        np.array(table_lines + note_lines, dtype=np.int64) + 1,
        columns,
        _reason=pa.array(reasons, pa.string()),
        _raw=pa.array(raws, pa.string()),
    )
    return assemble(path, spec, [header], body, classify=False)


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
