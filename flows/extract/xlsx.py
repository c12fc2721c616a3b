"""XLSX workbooks through python-calamine: sheets, merged cells, cached formula values, percent formats."""

from __future__ import annotations

import html
import itertools
import posixpath
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
from lxml import etree
from python_calamine import CalamineError, CalamineWorkbook

from flows.config import current_settings
from flows.errors import ExtractError
from flows.extract.common import (
    RawTable,
    assemble,
    check_cells,
    data_body,
    no_header,
    render_objects,
)
from flows.raw.manifest import TableSpec

_SSML = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = {"p": "http://schemas.openxmlformats.org/package/2006/relationships"}
_BUILTIN_PERCENT_FORMATS = {9, 10}


def read_xlsx(path: Path, spec: TableSpec) -> RawTable:
    """XLSX: cached values via calamine; merged ranges filled; percent formats kept as percentages.

    Every limit is checked before the work it bounds: the sizes the zip directory declares before
    anything is unzipped, the sheet's extent (from its cell references) before calamine builds
    the dense range, and merged ranges before they are filled.
    """
    check_uncompressed_size(path)
    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            name = _sheet_name(workbook.sheet_names, spec.sheet, path, _hidden(workbook))
            sheet_xml = _sheet_xml(path, name)
            _check_extent(path, sheet_xml)
            sheet = workbook.get_sheet_by_name(name)
            end_row, end_column = sheet.end or (0, 0)
            check_cells(path, end_row + 1, end_column + 1)
            merges = sheet.merged_cell_ranges or []
            _check_merges(path, merges, end_row, end_column)
            grid = sheet.to_python(skip_empty_area=False)
    except (CalamineError, OSError) as exc:
        raise ExtractError(
            "not_a_workbook",
            f"{path}: not a readable xlsx workbook ({exc}); re-download it or re-save it from Excel as .xlsx",
        ) from exc
    header_start = spec.header_row - 1
    header_end = header_start + spec.header_rows
    _percent_to_text(grid, _percent_cells(path, name))
    _uncached_formulas_to_text(grid, sheet_xml)
    _fill_merges(grid, merges, header_start, header_end)
    header_rows = [
        render_objects(row, ("TRUE", "FALSE")).to_pylist() for row in grid[header_start:header_end]
    ]
    if len(header_rows) < spec.header_rows or not any(
        (c or "").strip() for row in header_rows for c in row
    ):
        raise no_header(
            path,
            f"row {spec.header_row} of sheet {name!r} is blank or beyond the last row ({len(grid)})",
        )
    width = max(map(len, grid))
    data = grid[header_end:]
    columns = list(itertools.zip_longest(*data, fillvalue="")) if data else [()] * width
    rendered = [render_objects(column, ("TRUE", "FALSE")) for column in columns]
    body = data_body(np.arange(header_end + 1, header_end + 1 + len(data)), rendered)
    return assemble(path, spec, header_rows, body, joiner="\t")


def check_uncompressed_size(path: Path) -> None:
    """A zip's declared uncompressed sizes against the file limit: a 1 MB workbook may unzip to 1 GB."""
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ExtractError(
            "not_a_workbook",
            f"{path}: not a readable xlsx workbook ({exc}); re-download it or re-save it from Excel as .xlsx",
        ) from exc
    limit_mb = current_settings().max_file_mb
    if total > limit_mb * 1024 * 1024:
        raise ExtractError(
            "file_too_large",
            f"{path}: the workbook unzips to {total / 1024 / 1024:,.1f} MB (uncompressed), above the "
            f"{limit_mb:g} MB limit; if it is genuine, raise the limit with SKILLPULSE_MAX_FILE_MB=<megabytes>",
        )


def _hidden(workbook: CalamineWorkbook) -> set[str]:
    return {
        sheet.name
        for sheet in workbook.sheets_metadata
        if str(sheet.visible).rsplit(".", 1)[-1].lower() != "visible"
    }


def _sheet_name(
    names: list[str], wanted: str | int | None, path: Path, hidden: set[str] = frozenset()
) -> str:
    if wanted is None:
        # A hidden sheet is a draft or a lookup table, not what the publisher shows first.
        shown = [n for n in names if n not in hidden]
        return (shown or names or [""])[0]
    if isinstance(wanted, int) and 0 <= wanted < len(names):
        return names[wanted]
    if wanted in names:
        return wanted
    loose = [
        n
        for n in names
        if isinstance(wanted, str) and n.strip().casefold() == wanted.strip().casefold()
    ]
    if len(loose) == 1:
        return loose[0]
    listing = ", ".join(f"{i}: {n!r}" for i, n in enumerate(names))
    raise ExtractError(
        "sheet_not_found",
        f"{path}: no sheet {wanted!r}; the workbook has {len(names)} sheet(s): {listing}; set sheet to a name or a 0-based index",
    )


def _sheet_xml(path: Path, sheet: str) -> bytes:
    """The sheet's XML part (its size already bounded by check_uncompressed_size)."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            return archive.read(part) if part else b""
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError):
        return b""


_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=[\"'](\d{1,10})[\"']")


def _check_extent(path: Path, sheet_xml: bytes) -> None:
    """Rows x columns of the sheet's used range, from its references, before calamine allocates it.

    One far cell (XFD1048576) makes a dense range of 17 billion cells. Only the rows are listed;
    columns are searched for just past what the limit still allows, which a normal sheet never has.
    """
    rows = max(map(int, _ROW_REF.findall(sheet_xml)), default=0)
    rows = max(rows, sheet_xml.count(b"<row"), 1)
    limit = current_settings().max_cells
    allowed = limit // rows
    if allowed >= 16384:  # the widest sheet Excel has: no column can break the limit
        return
    letters = _column_letters(allowed)
    longer = re.search(rb"\br=[\"'][A-Z]{%d,}\d" % (len(letters) + 1), sheet_xml)
    same = re.findall(rb"\br=[\"']([A-Z]{%d})\d" % len(letters), sheet_xml)
    widest = max((c.decode() for c in set(same)), default="")
    if longer or widest > letters:
        columns = (
            _column_number(longer.group()[3:-1].decode()) if longer else _column_number(widest)
        )
        check_cells(path, rows, columns)


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _check_merges(path: Path, merges, end_row: int, end_column: int) -> None:
    """The grid a merge fill makes, before it is made: a few-KB file can merge the whole sheet."""
    if not merges:
        return
    rows = max(end_row, *(bottom for _, (bottom, _) in merges)) + 1
    columns = max(end_column, *(right for _, (_, right) in merges)) + 1
    limit = current_settings().max_cells
    if rows * columns > limit:
        (top, left), (bottom, right) = max(
            merges, key=lambda m: (m[1][0] - m[0][0] + 1) * (m[1][1] - m[0][1] + 1)
        )
        span = f"{_column_letters(left + 1)}{top + 1}:{_column_letters(right + 1)}{bottom + 1}"
        raise ExtractError(
            "too_many_cells",
            f"{path}: the merged range {span} would fill a sheet of {rows:,} rows x {columns:,} "
            f"columns = {rows * columns:,} cells, above the limit of {limit:,}; unmerge the range "
            "in a copy of the workbook, or raise SKILLPULSE_MAX_CELLS if it is genuine",
        )


_UNCACHED_FORMULA = re.compile(
    rb"<(?:\w+:)?c\b[^>]*?\br=[\"']([A-Z]{1,3})(\d{1,7})[\"'][^>]*>\s*"
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)


def _uncached_formulas_to_text(grid: list[list], sheet_xml: bytes) -> None:
    """A formula saved without its result (a generator script, not Excel) shows as "=formula", so
    the value reader quarantines it instead of taking the empty cell for a blank."""
    for letters, row, formula in _UNCACHED_FORMULA.findall(sheet_xml):
        r, c = int(row) - 1, _column_number(letters.decode()) - 1
        if r < len(grid) and c < len(grid[r]) and grid[r][c] in ("", None):
            grid[r][c] = "=" + html.unescape(formula.decode("utf-8", "replace"))


def _fill_merges(grid: list[list], merges, header_start: int, header_end: int) -> None:
    """Header merges fill their range; data merges fill it only with text (a label, never a number)."""
    for (top, left), (bottom, right) in merges:
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        if header_start <= top < header_end:
            bottom = min(bottom, header_end - 1)
        elif top < header_end or not (isinstance(value, str) and value.strip()):
            continue
        while len(grid) <= bottom:
            grid.append([""] * len(grid[0]))
        for row in grid[top : bottom + 1]:
            row.extend([""] * (right + 1 - len(row)))
            row[left : right + 1] = [value] * (right + 1 - left)


def _percent_to_text(grid: list[list], cells: list[tuple[int, int]]) -> None:
    texts: dict[float, str] = {}
    for row, column in cells:
        if row < len(grid) and column < len(grid[row]) and type(grid[row][column]) in (int, float):
            value = grid[row][column]
            if value not in texts:
                shifted = format(Decimal(repr(float(value))).scaleb(2), "f")
                texts[value] = (
                    shifted.rstrip("0").rstrip(".") if "." in shifted else shifted
                ) + "%"
            grid[row][column] = texts[value]


def _percent_cells(path: Path, sheet: str) -> list[tuple[int, int]]:
    """(row, column), 0-based, of the sheet's cells whose number format is a percentage."""
    try:
        with zipfile.ZipFile(path) as archive:
            styles = _percent_styles(archive)
            part = _sheet_part(archive, sheet) if styles else None
            if part is None:
                return []
            root = _xml(archive.read(part))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError):
        return []
    refs = root.xpath(
        "m:sheetData/m:row/m:c[contains($styles, concat(' ', @s, ' '))]/@r",
        namespaces=_SSML,
        styles=f" {' '.join(styles)} ",
    )
    return [_cell_position(ref) for ref in refs]


def _percent_styles(archive: zipfile.ZipFile) -> list[str]:
    root = _xml(archive.read("xl/styles.xml"))
    formats = root.xpath("m:numFmts/m:numFmt", namespaces=_SSML)
    percent = _BUILTIN_PERCENT_FORMATS | {
        int(f.get("numFmtId"))
        for f in formats
        if "%" in re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", f.get("formatCode", ""))
    }
    styles = root.xpath("m:cellXfs/m:xf", namespaces=_SSML)
    return [str(i) for i, xf in enumerate(styles) if int(xf.get("numFmtId", "0")) in percent]


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    book = _xml(archive.read("xl/workbook.xml"))
    ids = book.xpath(
        "m:sheets/m:sheet[@name=$name]/@r:id", namespaces=_SSML | {"r": _OFFICE_REL}, name=sheet
    )
    rels = _xml(archive.read("xl/_rels/workbook.xml.rels"))
    targets = (
        rels.xpath("p:Relationship[@Id=$id]/@Target", namespaces=_PACKAGE_REL, id=ids[0])
        if ids
        else []
    )
    if not targets:
        return None
    target = targets[0]
    return (
        target.lstrip("/")
        if target.startswith("/")
        else posixpath.normpath(posixpath.join("xl", target))
    )


def _xml(data: bytes):
    return etree.fromstring(
        data, parser=etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    )


def _cell_position(ref: str) -> tuple[int, int]:
    letters = ref.rstrip("0123456789")
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter.upper()) - 64
    return int(ref[len(letters) :]) - 1, column - 1
