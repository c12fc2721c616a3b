"""Figures a Markdown or text file prints outside every declared table: a warning row each, naming the line and the option that reads it."""

from __future__ import annotations

import dataclasses
import json

import pyarrow as pa

from flows.errors import ExtractError
from flows.extract.common import decoded_text
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
    """The results of a report's tables, the first table of each Markdown or text file carrying a
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
    text = decoded_text(path, spec)
    rows = []
    if spec.file_format == "markdown":
        spans = pipe_tables(path, spec)[0]
        declared = {pipe_tables(path, s)[1] for s in specs}
        in_tables = {n for a, b in spans for n in range(a, b + 1)}
        lines = text.splitlines()
        for index, (a, b) in enumerate(spans):
            if (a, b) not in declared and _figures("\n".join(lines[a - 1 : b]).replace("|", " ; ")):
                rows.append(_undeclared_table(rel_file, spec.file, index, a, b, lines[a - 1]))
        blocks = [block for block in markdown_blocks(text) if block.row not in in_tables]
    else:
        starts = [aligned_header_line(path, s) for s in specs]
        if any(start is None for start in starts):
            return []  # label-value and bullet layouts read or report every line
        blocks = [block for block in text_blocks(text) if block.row < min(starts)]
    rows += [_unread_line(rel_file, spec.file, block) for block in blocks if _figures(block.text)]
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


def _undeclared_table(rel_file: str, file: str, index: int, a: int, b: int, header: str) -> dict:
    return {
        "source_row": a,
        "message": f"{rel_file}:{a}-{b}: a pipe table with figures that no [[tables]] entry reads; "
        f"to read it, declare it ([[tables]] file = {json.dumps(file)}, table_index = {index}, "
        "with its measure and columns)",
        "raw_record": header,
    }
