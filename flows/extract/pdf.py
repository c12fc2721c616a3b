"""PDF reader: a published table (ruled or borderless, over several pages) and each page's text, with page numbers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pdfplumber
import pyarrow as pa
import pyarrow.compute as pc
from pdfminer.pdfexceptions import PDFException, PSException
from pdfminer.pdftypes import resolve1
from pdfplumber.utils import extract_text
from pdfplumber.utils.exceptions import PdfminerException

from flows.config import current_settings
from flows.errors import ExtractError
from flows.extract.common import RawTable, assemble, check_file_size, data_body
from flows.extract.pdf_tables import _CAPTION_LINE, Found, PdfSelection, candidates, page_tables
from flows.normalize.printed import SUPERSCRIPT_LETTERS
from flows.raw.manifest import TableSpec, parse_pages

PAGE_SEPARATOR = "\n\n"

_SUPERSCRIPT = str.maketrans(
    "0123456789+-−()abcdefghijklmnoprstuvwxyz", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁽⁾" + SUPERSCRIPT_LETTERS
)


# ---------------------------------------------------------------------------------------------
# Entry points


def read_pdf(path: Path, spec: TableSpec, selection: PdfSelection | None = None) -> RawTable:
    """The declared table of a PDF: every cell as text, with its row (counted across pages) and page."""
    selection = selection or PdfSelection.from_spec(spec)
    with _open(path) as pdf:
        numbers = _page_numbers(pdf, selection.pages, path)
        budget = CharBudget(path)
        found, graphics = candidates(pdf, numbers, selection, budget, path)
        pieces = _pick(found, selection, graphics, path)
        pieces += _follow(pdf, pieces, numbers, budget, path)
    return _to_raw(path, spec, pieces)


def page_texts(path: Path, pages: str | Sequence[int] | None = None) -> pa.Table:
    """One row per page: `page` (1-based), `text` (superscripts inline), `char_start`/`char_end`, the
    page's span in the document text (the pages' texts joined by PAGE_SEPARATOR), for the prose reader."""
    check_file_size(path)
    with _open(path) as pdf:
        numbers = _page_numbers(pdf, parse_pages(pages), path)
        budget = CharBudget(path)
        texts = []
        for number in numbers:
            page = pdf.pages[number - 1]
            try:
                chars = budget.take(page, number)
                texts.append(extract_text(chars) if chars else "")
            finally:
                page.close()
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths + len(PAGE_SEPARATOR))[:-1]]).astype(np.int64)
    return pa.table(
        {
            "page": pa.array(numbers, pa.int32()),
            "text": pa.array(texts, pa.string()),
            "char_start": pa.array(starts, pa.int64()),
            "char_end": pa.array(starts + lengths, pa.int64()),
        }
    )


def document_text(pages: pa.Table) -> str:
    """The text page_texts' offsets refer to."""
    return PAGE_SEPARATOR.join(pages["text"].to_pylist())


# ---------------------------------------------------------------------------------------------
# Opening, limits, characters


def _open(path: Path):
    try:
        pdf = pdfplumber.open(path)
    except (PdfminerException, OSError) as exc:
        raise ExtractError(
            "file_unreadable",
            f"{path}: cannot read the PDF ({exc}); check that the file is a complete, unencrypted PDF "
            "as published (re-download it), or set format to the file's real format",
        ) from exc
    return pdf


def _page_numbers(pdf, wanted: tuple[int, ...] | None, path: Path) -> list[int]:
    limit = current_settings().max_pdf_pages
    try:
        # The page tree's own count: listing the pages would build an object for each first.
        count = resolve1(resolve1(pdf.doc.catalog["Pages"])["Count"])
        count = count if isinstance(count, int) else len(pdf.pages)
    except (PdfminerException, PDFException, PSException, KeyError, TypeError) as exc:
        raise ExtractError(
            "file_unreadable", f"{path}: cannot list the PDF's pages ({exc})"
        ) from exc
    if count > limit:
        raise ExtractError(
            "too_many_pages",
            f"{path}: the PDF has {count:,} pages, above the limit of {limit:,}; if it is genuine, "
            "raise it with SKILLPULSE_MAX_PDF_PAGES=<pages>",
        )
    if wanted is None:
        return list(range(1, count + 1))
    missing = [n for n in wanted if n > count]
    if missing:
        raise ExtractError(
            "page_not_found",
            f"{path}: tables.pages names page {missing[0]} but the PDF has {count} page(s); "
            f'fix pages in report.toml (e.g. pages = "1-{count}")',
        )
    return list(dict.fromkeys(wanted))


class CharBudget:
    """Counts the characters of the pages read so far, refusing more than the limit before the work."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.limit = current_settings().max_pdf_chars
        self.used = 0

    def take(self, page, number: int) -> list[dict]:
        try:
            chars = page.chars
        except (PdfminerException, ValueError, KeyError, TypeError) as exc:
            raise ExtractError(
                "file_unreadable", f"{self.path}: page {number} cannot be read ({exc})"
            ) from exc
        self.used += len(chars)
        if self.used > self.limit:
            raise ExtractError(
                "too_many_chars",
                f"{self.path}: pages up to {number} hold {self.used:,} characters, above the limit of "
                f"{self.limit:,}; narrow tables.pages or raise SKILLPULSE_MAX_PDF_CHARS=<characters>",
            )
        return _inline_superscripts(chars)


def _inline_superscripts(chars: list[dict]) -> list[dict]:
    """The characters, raised small ones (footnote marks) replaced by copies on their line as ¹²³."""
    if len(chars) < 2:
        return chars
    size = np.array([c["size"] for c in chars])
    bottom = np.array([c["bottom"] for c in chars])
    x0 = np.array([c["x0"] for c in chars])
    x1 = np.array([c["x1"] for c in chars])
    # Content-stream order: a mark is drawn right after the text it annotates, in smaller type.
    gap = x0[1:] - x1[:-1]
    starts = 1 + np.flatnonzero(
        (size[1:] < 0.9 * size[:-1])
        & (bottom[1:] < bottom[:-1] - 0.15 * size[:-1])
        & (gap >= -0.5 * size[:-1])
        & (gap <= size[:-1])
    )
    if not starts.size:
        return chars
    out = list(chars)
    for start in starts:
        base = chars[start - 1]
        end = start + 1  # a mark of several characters ("23") continues in the same type
        while end < len(chars) and size[end] == size[start] and bottom[end] == bottom[start]:
            end += 1
        for k in range(start, end):
            out[k] = chars[k] | {
                "text": chars[k]["text"].translate(_SUPERSCRIPT),
                "top": base["top"],
                "bottom": base["bottom"],
                "doctop": base["doctop"],
            }
    return out


# ---------------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------------
# Choosing the table and its continuation, then the RawTable


def _pick(
    found: list[Found], selection: PdfSelection, graphics: dict[int, bool], path: Path
) -> list[Found]:
    candidates = found
    if selection.caption:
        wanted = selection.caption.casefold()
        candidates = [t for t in found if wanted in t.caption.casefold()]
    if selection.table_index >= len(candidates):
        raise _not_found(found, selection, graphics, path)
    first = candidates[selection.table_index]
    pieces = [first]
    for table in found[found.index(first) + 1 :]:
        previous = pieces[-1]
        if table.page != previous.page + 1 or not previous.last_on_page:
            break
        if not _continues(first, table):
            break
        pieces.append(table)
        if not table.last_on_page:
            break
    return pieces


def _follow(pdf, pieces: list[Found], declared: list[int], budget, path: Path) -> list[Found]:
    """Undeclared pages the table runs on to, so nothing printed in the table is left out."""
    more: list[Found] = []
    last = pieces[-1]
    while last.last_on_page and last.page < len(pdf.pages) and last.page + 1 not in declared:
        page = pdf.pages[last.page]
        try:
            on_page, _, _ = page_tables(page, last.page + 1, None, budget, path)
        finally:
            page.close()
        if not on_page or not _continues(pieces[0], on_page[0]):
            break
        last = on_page[0]
        more.append(last)
    return more


def _continues(first: Found, table: Found) -> bool:
    """Same kind and width, and not under a caption of its own ("Table 2 (continued)" is fine)."""
    if table.ruled != first.ruled or len(table.rows[0]) != len(first.rows[0]):
        return False
    captioned = _CAPTION_LINE.search(table.caption) is not None
    return not captioned or "cont" in table.caption.casefold() or table.caption == first.caption


def _not_found(
    found, selection: PdfSelection, graphics: dict[int, bool], path: Path
) -> ExtractError:
    pages = sorted(graphics)
    where = f"page {pages[0]}" if len(pages) == 1 else f"pages {pages[0]}-{pages[-1]}"
    charts = [n for n, has in graphics.items() if has]
    if not found and charts:
        return ExtractError(
            "chart_only",
            f"{path}: page {charts[0]} shows a chart or image but no table with text to read "
            f"(searched {where}); the figures exist only as a picture: type them into a CSV beside "
            "the PDF, or point tables.pages/bbox at a page with the table",
        )
    listing = "; ".join(
        f"{i}: page {t.page}, {len(t.rows[0])} columns, caption {t.caption[:50]!r}"
        for i, t in enumerate(found[:20])
    )
    wanted = f"caption {selection.caption!r}, " if selection.caption else ""
    return ExtractError(
        "table_not_found",
        f"{path}: no table matches {wanted}table_index {selection.table_index} on {where}; found "
        f"{len(found)} table(s) ({listing or 'the pages hold only prose'}); set pages, caption, "
        "table_index or bbox in report.toml",
    )


def _to_raw(path: Path, spec: TableSpec, pieces: list[Found]) -> RawTable:
    rows = [row for piece in pieces for row in piece.rows]
    pages = [piece.page for piece in pieces for _ in piece.rows]
    width = max(map(len, rows))
    rows = [row + [""] * (width - len(row)) for row in rows]
    first = spec.header_row - 1
    count = max(spec.header_rows, 2 if pieces[0].spanning_header and first == 0 else 1)
    if len(rows) < first + count:
        raise ExtractError(
            "no_header",
            f"{path}: the table on page {pieces[0].page} has {len(rows)} rows but the header is at row "
            f"{first + 1}; set header_row",
        )
    body_rows = rows[first + count :]
    columns = [pa.array([row[i] for row in body_rows], pa.string()) for i in range(width)]
    source_rows = np.arange(first + count + 1, len(rows) + 1)
    header = [[cell or "" for cell in row] for row in rows[first : first + count]]
    raw = assemble(
        path, spec, header, data_body(source_rows, columns), joiner="\t", fill_header_across=True
    )
    page_of_row = pa.array(pages, pa.int32())
    cells = raw.cells.add_column(
        1, "source_page", page_of_row.take(pc.subtract(raw.cells["source_row"], 1))
    )
    skipped = raw.skipped.append_column(
        "source_page", page_of_row.take(pc.subtract(raw.skipped["source_row"], 1))
    )
    return RawTable(header=raw.header, cells=cells, skipped=skipped)
