"""Markdown (GFM) pipe tables, chosen by index or by the caption line above them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa

from flows.errors import ExtractError
from flows.extract.common import RawTable, assemble, data_body, decoded_text, text_lines
from flows.raw.manifest import TableSpec

_MD_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")


def read_markdown(path: Path, spec: TableSpec) -> RawTable:
    """Markdown: a GFM pipe table; source_row is the line number in the file."""
    lines = text_lines(decoded_text(path, spec))
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
    body = data_body(
        np.arange(start + 3, end + 1),
        columns,
        _raw=pa.array(lines[start + 2 : end], pa.string()),
        _ragged=pa.array(ragged, pa.bool_()),
    )
    return assemble(path, spec, [header], body, joiner=" | ")


def pipe_tables(
    path: Path, spec: TableSpec
) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    """Every pipe table of the file as (first line, last line), 1-based, and the one `spec` reads
    (None when none matches: the table itself reports that)."""
    lines = text_lines(decoded_text(path, spec))
    tables = _markdown_tables(lines)
    try:
        start, end = _pick_markdown_table(tables, lines, spec, path)
    except ExtractError:
        return [(a + 1, b) for a, b in tables], None
    return [(a + 1, b) for a, b in tables], (start + 1, end)


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
