"""Finding tables on a PDF page: ruled ones from their lines, borderless ones from aligned text, merged cells and raised footnote marks."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pdfplumber.utils import cluster_objects, extract_text, extract_words

from flows.errors import ExtractError
from flows.raw.manifest import TableSpec

if TYPE_CHECKING:  # annotations only: pdf.py imports this module
    from flows.extract.pdf import CharBudget

_CAPTION_BAND = 60.0

# Word spaces are about a quarter of the font size; browsers pad table cells by half of it or more.
_COLUMN_GAP = 0.5

# A table ending above this fraction of the page height stopped there; it does not run on.
_LOW_ON_PAGE = 0.6

_DIGIT = re.compile(r"\d")

_CAPTION_LINE = re.compile(r"(?i)^\s*(table|figure|exhibit|chart)\s+\w+")


@dataclass(frozen=True)
class PdfSelection:
    """Where the manifest says the table is: pages (1-based), index among candidates, caption, bbox."""

    pages: tuple[int, ...] | None = None
    table_index: int = 0
    caption: str | None = None
    bbox: tuple[float, float, float, float] | None = None

    @classmethod
    def from_spec(cls, spec: TableSpec) -> PdfSelection:
        return cls(
            pages=spec.pages,
            table_index=spec.table_index or 0,
            caption=spec.caption,
            bbox=tuple(spec.bbox) if spec.bbox else None,
        )


@dataclass(frozen=True)
class Found:
    """One table on one page: its box, its cell texts (None = covered by a merged cell) and caption."""

    page: int
    bbox: tuple[float, float, float, float]
    rows: list[list[str | None]]
    caption: str
    spanning_header: bool
    ruled: bool
    last_on_page: bool = False  # and ending low on it: a table that may run on to the next page


# Finding tables


def candidates(
    pdf, numbers: list[int], selection: PdfSelection, budget: CharBudget, path: Path
) -> tuple[list[Found], dict[int, bool]]:
    """Every table on the declared pages in reading order; and, per page, whether it shows graphics."""
    found: list[Found] = []
    graphics: dict[int, bool] = {}
    tail = ""
    for position, number in enumerate(numbers):
        page = pdf.pages[number - 1]
        box = selection.bbox if position == 0 else None
        try:
            on_page, graphics[number], last_line = page_tables(page, number, box, budget, path)
        finally:
            page.close()  # drops the page's parsed objects: memory stays one page deep
        # A caption left alone at the foot of the previous page belongs to this page's first table.
        if on_page and _CAPTION_LINE.match(tail) and not _CAPTION_LINE.search(on_page[0].caption):
            on_page[0] = replace(on_page[0], caption=f"{tail} {on_page[0].caption}".strip())
        tail = last_line if number + 1 in numbers else ""
        found += on_page
    return found, graphics


def page_tables(
    page, number: int, box, budget: CharBudget, path: Path
) -> tuple[list[Found], bool, str]:
    """The page's tables top to bottom, whether it shows graphics, and its last line of text."""
    if box is not None:
        page = _crop(page, box, number, path)
    chars = budget.take(page, number)
    ruled = _ruled_tables(page, chars, number)
    loose = _outside(chars, [t.bbox for t in ruled])
    on_page = sorted(
        ruled + _borderless_tables(loose, number, whole=box is not None and not ruled),
        key=lambda t: (t.bbox[1], t.bbox[0]),
    )
    below = on_page[-1].bbox[3] if on_page else 0
    lines = extract_text([c for c in chars if c["top"] >= below]).strip().split("\n")
    if on_page and on_page[-1].bbox[3] >= _LOW_ON_PAGE * page.height:
        on_page[-1] = replace(on_page[-1], last_on_page=True)
    return on_page, bool(page.images or page.curves or page.rects) and not on_page, lines[-1]


def _outside(chars: list[dict], boxes: list[tuple]) -> list[dict]:
    """The characters not inside any of the boxes (text around ruled tables)."""
    if not boxes or not chars:
        return chars
    h, v = _centers(chars)
    inside = np.zeros(len(chars), dtype=bool)
    for x0, top, x1, bottom in boxes:
        inside |= (h >= x0) & (h < x1) & (v >= top) & (v < bottom)
    return [chars[i] for i in np.flatnonzero(~inside)]


def _crop(page, bbox, number: int, path: Path):
    x0, top, x1, bottom = bbox
    if not (0 <= x0 < x1 <= page.width and 0 <= top < bottom <= page.height):
        raise ExtractError(
            "table_not_found",
            f"{path}: bbox {list(bbox)} is not inside page {number} (0, 0, {page.width:g}, "
            f"{page.height:g}); give [x0, top, x1, bottom] in points from the top-left corner",
        )
    return page.crop(bbox)


def _ruled_tables(page, chars: list[dict], number: int) -> list[Found]:
    tables = page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"})
    found = []
    for table in sorted(tables, key=lambda t: (t.bbox[1], t.bbox[0])):
        rows = _ruled_rows(table, chars)
        if len(rows) < 2 or max(map(len, rows)) < 2:
            continue  # a boxed paragraph or a rule, not a table
        found.append(
            Found(
                page=number,
                bbox=tuple(table.bbox),
                rows=rows,
                caption=_caption(chars, table.bbox),
                spanning_header=any(cell is None for cell in table.rows[0].cells),
                ruled=True,
            )
        )
    return found


def _ruled_rows(table, chars: list[dict]) -> list[list[str | None]]:
    """Cell texts from the cells' boxes; a cell covered by a taller text cell above takes its text."""
    centers = _centers(chars)
    grid: list[list[str | None]] = []
    boxes: list[list[tuple | None]] = []
    for row in table.rows:
        texts = [None if cell is None else _text_in(cell, chars, centers) for cell in row.cells]
        grid.append(texts)
        boxes.append(list(row.cells))
    for r in range(1, len(grid)):
        for c, cell in enumerate(boxes[r]):
            above = next((k for k in range(r - 1, -1, -1) if boxes[k][c] is not None), None)
            covered = (
                cell is None
                and above is not None
                and boxes[above][c][3] > table.rows[r].bbox[1] + 1
            )
            if covered and grid[above][c] and not _DIGIT.search(grid[above][c]):
                grid[r][c] = grid[above][c]
    return grid


def _centers(chars: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    h = np.array([(c["x0"] + c["x1"]) / 2 for c in chars])
    v = np.array([(c["top"] + c["bottom"]) / 2 for c in chars])
    return h, v


def _text_in(bbox, chars: list[dict], centers) -> str:
    x0, top, x1, bottom = bbox
    h, v = centers
    inside = np.flatnonzero((h >= x0) & (h < x1) & (v >= top) & (v < bottom))
    if not inside.size:
        return ""
    return " ".join(extract_text([chars[i] for i in inside]).split("\n"))


def _caption(chars: list[dict], bbox) -> str:
    """Text printed within _CAPTION_BAND points above the table."""
    top = bbox[1]
    near = [c for c in chars if top - _CAPTION_BAND <= c["bottom"] <= top + 1]
    return " ".join(extract_text(near).split()) if near else ""


def _borderless_tables(chars: list[dict], number: int, whole: bool) -> list[Found]:
    """Runs of text lines with two or more aligned columns; `whole`: the lines are one table (a bbox)."""
    lines = _lines(chars)
    if not lines:
        return []
    counts = [len(segments) for segments, _ in lines]
    runs = [(0, len(lines))] if whole else _runs(lines, counts)
    found = []
    for start, end in runs:
        if not whole and not _regular(counts[start:end]):
            continue
        spanning = start > 0 and _spans_columns(lines[start - 1], lines[start:end])
        first = start - 1 if spanning else start
        rows = _column_rows(lines[first:end])
        if len(rows) < 2 or max(map(len, rows)) < 2 or not (whole or _has_figures(rows)):
            continue
        boxes = [seg["bbox"] for segments, _ in lines[first:end] for seg in segments]
        bbox = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        found.append(Found(number, bbox, rows, _caption(chars, bbox), spanning, ruled=False))
    return found


def _regular(counts: list[int]) -> bool:
    """A header and two rows or more, most with the same number of cells: not a justified paragraph,
    whose stretched spaces can line up by chance on a line or two but vary from line to line."""
    multi = [c for c in counts if c >= 2]
    return len(multi) >= 3 and Counter(multi).most_common(1)[0][1] >= 0.5 * len(multi)


def _has_figures(rows: list[list[str | None]]) -> bool:
    """A column of short cells holding digits: a table of figures, not text set in columns."""
    body = rows[1:]
    for column in range(1, len(rows[0])):
        cells = [row[column] for row in body if row[column]]
        figures = [c for c in cells if _DIGIT.search(c) and len(c.split()) <= 4]
        if len(cells) >= 0.5 * len(body) and len(figures) >= 0.6 * len(cells):
            return True
    return False


def _lines(chars: list[dict]) -> list[tuple[list[dict], float]]:
    """Text lines top to bottom, each as its segments (words closer than _COLUMN_GAP font sizes) and its height."""
    words = extract_words(chars, x_tolerance=3, y_tolerance=3, extra_attrs=["size"])
    lines = []
    for line in cluster_objects(words, lambda w: round(w["bottom"], 1), tolerance=3):
        line.sort(key=lambda w: w["x0"])
        segments: list[dict] = []
        for word in line:
            if segments and word["x0"] - segments[-1]["bbox"][2] <= _COLUMN_GAP * word["size"]:
                last = segments[-1]
                last["text"] += " " + word["text"]
                last["bbox"] = (last["bbox"][0], min(last["bbox"][1], word["top"]), word["x1"],
                                max(last["bbox"][3], word["bottom"]))  # fmt: skip
            else:
                segments.append(
                    {
                        "text": word["text"],
                        "bbox": (word["x0"], word["top"], word["x1"], word["bottom"]),
                    }
                )
        height = max(w["bottom"] - w["top"] for w in line)
        lines.append((segments, height))
    return lines


def _runs(lines, counts: list[int]) -> list[tuple[int, int]]:
    """Maximal runs of close lines whose ends have 2+ segments (single-segment lines allowed inside)."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if counts[i] < 2:
            i += 1
            continue
        end = i + 1
        last_multi = i
        while end < len(lines) and _close(lines[end - 1], lines[end]):
            if counts[end] >= 2:
                last_multi = end
            elif counts[end] == 1 and end + 1 < len(lines) and counts[end + 1] < 2:
                break
            end += 1
        end = last_multi + 1
        if end - i >= 2:
            runs.append((i, end))
        i = end
    return runs


def _close(upper, lower) -> bool:
    gap = lower[0][0]["bbox"][1] - max(seg["bbox"][3] for seg in upper[0])
    return gap < 1.5 * max(upper[1], lower[1])


def _spans_columns(line, body) -> bool:
    """A single-text line just above a run, not starting at its left edge: a header over columns."""
    segments, _ = line
    left = min(seg["bbox"][0] for segments_, _ in body for seg in segments_)
    return (
        len(segments) == 1
        and segments[0]["bbox"][0] > left + 2
        and _close(line, body[0])
        and not _CAPTION_LINE.match(segments[0]["text"])
    )


def _column_rows(lines) -> list[list[str | None]]:
    """Columns = the x ranges no gap separates on any multi-segment line; text placed by overlap."""
    spans = sorted(
        (seg["bbox"][0], seg["bbox"][2])
        for segments, _ in lines
        if len(segments) > 1
        for seg in segments
    )
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    rows = []
    for segments, _ in lines:
        row: list[str | None] = [""] * len(columns)
        for seg in segments:
            x0, _, x1, _ = seg["bbox"]
            hit = [c for c, (c0, c1) in enumerate(columns) if x0 < c1 and x1 > c0] or [
                min(range(len(columns)), key=lambda c: abs(columns[c][0] - x0))
            ]
            row[hit[0]] = seg["text"] if not row[hit[0]] else f"{row[hit[0]]} {seg['text']}"
            for c in hit[1:]:
                row[c] = None
        rows.append(row)
    return rows
