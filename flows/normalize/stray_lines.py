"""Figures a Markdown, text or HTML file prints outside every declared table: a warning row each, naming the line and the option that reads it."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pyarrow as pa

from flows.errors import ExtractError
from flows.extract.common import decoded_text
from flows.extract.html import outside_tables
from flows.extract.markdown import pipe_tables
from flows.extract.prose import is_figure
from flows.extract.sentences import Block, markdown_blocks, text_blocks
from flows.extract.text import aligned_header_line
from flows.lake_schemas import QUARANTINE_SCHEMA
from flows.normalize.figures import find_figures
from flows.raw.discover import ReportSource
from flows.raw.manifest import TableSpec

REASON = "unread_figure_line"


def with_stray_lines(source: ReportSource, results: list) -> list:
    """The results of a report's tables, the first table of each Markdown, text or HTML file carrying a
    warning for every figure its declared tables leave unread (a prose table reads them all)."""
    specs = source.manifest.tables
    by_file: dict[str, list[int]] = {}
    for index, spec in enumerate(specs):
        by_file.setdefault(spec.file, []).append(index)
    results = list(results)
    for indexes in by_file.values():
        group = [specs[i] for i in indexes]
        if any(s.is_prose for s in group) or group[0].file_format_or_none not in (
            "markdown",
            "text",
            "html",
        ):
            continue
        try:
            rows = stray_rows(source, group)
        except ExtractError:
            continue  # the file cannot be read: its tables already say so
        if rows:
            first = results[indexes[0]]
            extra = pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA)
            results[indexes[0]] = dataclasses.replace(
                first, quarantine=pa.concat_tables([first.quarantine, extra])
            )
    return results


def stray_rows(source: ReportSource, specs: list[TableSpec]) -> list[dict]:
    """Quarantine rows (warnings) for the lines of one file that hold figures no declared table reads."""
    spec = specs[0]
    path = source.report_dir / spec.file
    rel_file = source.rel_file(spec.file)
    read = {"html": _html_rows, "markdown": _markdown_rows}.get(spec.file_format, _text_rows)
    rows = read(path, specs, rel_file)
    context = {
        "report_id": source.report_id,
        "table_name": spec.table_name,
        "source_file": rel_file,
        "source_sha256": source.file_hashes[spec.file],
        "source_column": None,
        "reason_code": REASON,
        "severity": "warning",
    }
    return [context | row for row in sorted(rows, key=lambda row: row["source_row"])]


def _html_rows(path: Path, specs: list[TableSpec], rel_file: str) -> list[dict]:
    blocks, others = outside_tables(path, specs)
    file = specs[0].file
    rows = [
        _undeclared_table(rel_file, file, index, (line, line), text[:200], "a <table>")
        for index, line, text in others
        if _figures(text)
    ]
    return rows + [
        _unread_line(rel_file, file, Block(line, text)) for line, text in blocks if _figures(text)
    ]


def _markdown_rows(path: Path, specs: list[TableSpec], rel_file: str) -> list[dict]:
    text = decoded_text(path, specs[0])
    lines = text.splitlines()
    spans = pipe_tables(path, specs[0])[0]
    declared = {pipe_tables(path, s)[1] for s in specs}
    rows = [
        _undeclared_table(rel_file, specs[0].file, index, (a, b), lines[a - 1], "a pipe table")
        for index, (a, b) in enumerate(spans)
        if (a, b) not in declared and _figures("\n".join(lines[a - 1 : b]).replace("|", " ; "))
    ]
    in_tables = {n for a, b in spans for n in range(a, b + 1)}
    blocks = [block for block in markdown_blocks(text) if block.row not in in_tables]
    return rows + _unread_lines(rel_file, specs[0].file, blocks)


def _text_rows(path: Path, specs: list[TableSpec], rel_file: str) -> list[dict]:
    starts = [aligned_header_line(path, s) for s in specs]
    if any(start is None for start in starts):
        return []  # label-value and bullet layouts read or report every line
    text = decoded_text(path, specs[0])
    blocks = [block for block in text_blocks(text) if block.row < min(starts)]
    return _unread_lines(rel_file, specs[0].file, blocks)


def _unread_lines(rel_file: str, file: str, blocks: list[Block]) -> list[dict]:
    return [_unread_line(rel_file, file, block) for block in blocks if _figures(block.text)]


def _figures(text: str) -> list[str]:
    return [f.text for f in find_figures(text) if is_figure(text, f)]


def _unread_line(rel_file: str, file: str, block: Block) -> dict:
    shown = ", ".join(_figures(block.text)[:3])
    return {
        "source_row": block.row,
        "message": f"{rel_file}:{block.row}: the line prints figures ({shown}) outside the "
        f"declared tables, so no table reads them; to read the figures of such lines, add a prose "
        f"table for the file ([[tables]] file = {json.dumps(file)}, prose = true); if the line "
        "belongs to a table, check its header_row, table_index or caption",
        "raw_record": block.published,
    }


def _undeclared_table(
    rel_file: str, file: str, index: int, lines: tuple[int, int], shown: str, kind: str
) -> dict:
    where = f"{lines[0]}-{lines[1]}" if lines[1] != lines[0] else str(lines[0])
    return {
        "source_row": lines[0],
        "message": f"{rel_file}:{where}: {kind} with figures that no [[tables]] entry reads; "
        f"to read it, declare it ([[tables]] file = {json.dumps(file)}, table_index = {index}, "
        "with its measure and columns)",
        "raw_record": shown,
    }
