"""XLSX workbooks through python-calamine: sheets, merged cells, cached formula values, percent formats."""

from __future__ import annotations

import itertools
import posixpath
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import numpy as np
from lxml import etree
from python_calamine import CalamineError, CalamineWorkbook

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
    """XLSX: cached values via calamine; merged ranges filled; percent formats kept as percentages."""
    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            name = _sheet_name(workbook.sheet_names, spec.sheet, path)
            sheet = workbook.get_sheet_by_name(name)
            end_row, end_column = sheet.end or (0, 0)
            check_cells(path, end_row + 1, end_column + 1)
            grid = sheet.to_python(skip_empty_area=False)
            merges = sheet.merged_cell_ranges or []
    except (CalamineError, OSError) as exc:
        raise ExtractError(
            "not_a_workbook",
            f"{path}: not a readable xlsx workbook ({exc}); re-download it or re-save it from Excel as .xlsx",
        ) from exc
    header_start = spec.header_row - 1
    header_end = header_start + spec.header_rows
    _percent_to_text(grid, _percent_cells(path, name))
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


def _sheet_name(names: list[str], wanted: str | int | None, path: Path) -> str:
    wanted = 0 if wanted is None else wanted
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
