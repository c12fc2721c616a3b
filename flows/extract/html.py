"""HTML tables read with lxml (no network): by caption or index, spans filled, header rows detected."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import lxml.html
import numpy as np
import pyarrow as pa
from lxml import etree

from flows.errors import ExtractError
from flows.extract.common import (
    RawTable,
    assemble,
    check_cells,
    data_body,
    empty_file_error,
    no_header,
    read_bytes,
    unreadable_error,
    utf8,
)
from flows.raw.manifest import TableSpec


def read_html(path: Path, spec: TableSpec) -> RawTable:
    """HTML: one <table> by caption or index; colspan/rowspan expanded; <tfoot> rows are footnotes."""
    root = _parse(path, spec)
    table = _pick_html_table(root, spec, path)
    for element in table.xpath(".//script | .//style"):
        element.drop_tree()
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    grid = _html_grid(rows, path)
    header_count = _html_header_rows(rows, spec)
    first = spec.header_row - 1 if header_count is None else 0
    count = spec.header_rows if header_count is None else header_count
    if len(grid) < first + count:
        raise no_header(
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
    body = data_body(
        np.arange(first + count + 1, len(grid) + 1),
        columns,
        _reason=pa.array(["footnote_row" if foot else None for foot in in_footer], pa.string()),
        _raw=pa.array(raws, pa.string()),
    )
    return assemble(path, spec, grid[first : first + count], body, joiner="\t")


def outside_tables(
    path: Path, specs: list[TableSpec]
) -> tuple[list[tuple[int, str]], list[tuple[int, int, str]]]:
    """What the declared tables of one HTML file leave: the innermost text blocks outside every
    <table> as (source line, text), and the tables no spec picks as (table_index, line, text)."""
    root = _parse(path, specs[0])
    for element in root.xpath(f"//{' | //'.join(_SKIP)}"):
        element.drop_tree()
    tables = root.xpath("//table")
    picked = []  # the elements themselves: lxml hands out the same proxy while one is alive
    for spec in specs:
        try:
            picked.append(_pick_html_table(root, spec, path))
        except ExtractError:
            continue  # that table reports it is missing
    others = [
        (index, table.sourceline or 0, " ".join(" ".join(table.itertext()).split()))
        for index, table in enumerate(tables)
        if not any(table is chosen for chosen in picked) and not table.xpath("ancestor::table")
    ]
    blocks = [
        (element.sourceline or 0, " ".join(element.text_content().split()))
        for element in root.xpath(_OUTSIDE_BLOCKS)
        if not element.xpath(_INNER_BLOCKS)
    ]
    return [b for b in blocks if b[1]], others


_SKIP = ("script", "style", "noscript", "template", "nav", "footer", "head")
_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "blockquote",
               "figcaption", "pre")  # fmt: skip
_OUTSIDE_BLOCKS = " | ".join(f"//{tag}[not(ancestor::table)]" for tag in _BLOCK_TAGS)
_INNER_BLOCKS = " | ".join(f"descendant::{tag}" for tag in _BLOCK_TAGS)


def _parse(path: Path, spec: TableSpec):
    data = utf8(read_bytes(path), path, spec)
    if data.isspace():
        raise empty_file_error(path)
    parser = lxml.html.HTMLParser(
        encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True
    )
    try:
        return lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise unreadable_error(path, exc) from exc


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


def _html_grid(rows, path: Path) -> list[list[str | None]]:
    """Rows of cell texts with every colspan/rowspan cell filled with its text."""
    _check_spans(rows, path)
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


def _check_spans(rows, path: Path) -> None:
    """The cells the spans would fill, counted before they are filled: 200 cells of rowspan and
    colspan 1000 in a few KB of markup would fill 200 million."""
    covered, widest = 0, 0
    for r, row in enumerate(rows):
        spans = [
            (min(_span(cell.get("rowspan")), len(rows) - r), _span(cell.get("colspan")))
            for cell in row.xpath("./td | ./th")
        ]
        covered += sum(down * across for down, across in spans)
        widest = max(widest, sum(across for _, across in spans))
    check_cells(path, len(rows), widest)
    check_cells(path, 1, covered)


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
