"""The hostile corpus: one report per kind of bad input, each with the outcome it must have."""

from __future__ import annotations

import io
import json
import re
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from openpyxl import Workbook

from tests.conftest import write_report

# Every corpus report holds this good row (unless it cannot): it must load whatever else is there.
ANCHOR = "Anchor skill"
ANCHOR_ROW = f"{ANCHOR},+10%\n"
# A run of the whole corpus is given this file limit, so the bombs need not be large to trip it.
CORPUS_MAX_FILE_MB = 20


@dataclass(frozen=True)
class Obs:
    """An observation of this skill with this value must be in lake.observations."""

    skill: str
    value: float


@dataclass(frozen=True)
class NoObs:
    """No observation of the report has a skill_raw containing this text (or equal to it)."""

    text: str
    exact: bool = False


@dataclass(frozen=True)
class Quarantined:
    """A quarantine row with this reason code whose message holds every word (and, when given,
    whose source_column is this one)."""

    code: str
    words: tuple[str, ...] = ()
    column: str | None = None


@dataclass(frozen=True)
class Blanks:
    """lake.reports.blank_cells of the report is exactly this."""

    count: int


@dataclass(frozen=True)
class NotBlankWord:
    """No quarantine message of the report calls the value blank/empty."""


@dataclass
class Kind:
    """One kind of hostile input: a report folder built by `make`, and what must come of it."""

    name: str
    group: str
    make: Callable[[Path], None]
    expect: list = field(default_factory=list)
    slow: bool = False


def manifest(
    series: str,
    file: str,
    *,
    measure: str = "growth_pct",
    columns: str = '{ skill = "Skill", value = "Growth" }',
    table: str = "",
    report: str = "",
) -> str:
    return textwrap.dedent(
        f"""
        [report]
        series = "{series}"
        edition = "2025"
        publisher = "Hostile Inputs Inc."
        title = "{series}"
        source_url = "https://example.org/{series}"
        period = {{ start = 2024-01-01, end = 2024-12-31 }}
        {report}

        [[tables]]
        file = "{file}"
        measure = "{measure}"
        columns = {columns}
        """
    ) + textwrap.dedent(table)


def csv_kind(
    name: str,
    group: str,
    body: str | bytes,
    expect: list,
    *,
    header: str = "Skill,Growth\n",
    anchor: bool = True,
    **manifest_options,
) -> Kind:
    """A CSV report: header, the anchor row, then the hostile body."""

    def make(raw: Path) -> None:
        prefix = header + (ANCHOR_ROW if anchor else "")
        content = prefix.encode() + body if isinstance(body, bytes) else prefix + body
        write_report(raw / name, manifest(name, "t.csv", **manifest_options), {"t.csv": content})

    return Kind(name, group, make, ([Obs(ANCHOR, 10.0)] if anchor else []) + expect)


def json_kind(name: str, group: str, records_text: str, expect: list, **options) -> Kind:
    """A JSON report whose records are written as given (so Infinity, NaN and \\u0000 stay raw)."""

    def make(raw: Path) -> None:
        anchor = json.dumps({"Skill": ANCHOR, "Growth": "+10%"})
        text = f"[{anchor}, {records_text}]"
        write_report(raw / name, manifest(name, "t.json", **options), {"t.json": text})

    return Kind(name, group, make, [Obs(ANCHOR, 10.0), *expect])


# ------------------------------------------------------------------------------ workbooks


def workbook_bytes(build: Callable[[Workbook], None]) -> bytes:
    book = Workbook()
    build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite_zip(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same archive with one part's bytes changed (openpyxl cannot write these by itself)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, change(content) if item.filename == part else content)
    return out.getvalue()


def good_sheet(book: Workbook) -> None:
    book.active.append(["Skill", "Growth"])
    book.active.append([ANCHOR, "+10%"])


def merge_bomb() -> bytes:
    """A few-KB workbook whose one merged text cell spans the whole sheet."""

    def build(book: Workbook) -> None:
        good_sheet(book)
        book.active.append(["Spans everything", "+5%"])

    return rewrite_zip(
        workbook_bytes(build),
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            b"</sheetData>",
            b'</sheetData><mergeCells count="1"><mergeCell ref="A3:XFD1048576"/></mergeCells>',
        ),
    )


def far_cell() -> bytes:
    """A workbook whose used range reaches the last cell of the sheet (17 billion cells)."""

    def build(book: Workbook) -> None:
        good_sheet(book)
        book.active["XFD1048576"] = "far away"

    return workbook_bytes(build)


def zip_bomb(uncompressed_mb: int) -> bytes:
    """A small workbook whose sheet XML unzips to `uncompressed_mb` MB of repeated rows."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>Skill</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>Growth</t></is></c></row>'
    )
    filler = b"<!--" + b"x" * (1 << 20) + b"-->"
    tail = b"</sheetData></worksheet>"
    template = workbook_bytes(good_sheet)
    source = zipfile.ZipFile(io.BytesIO(template))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item.filename))
                continue
            info = zipfile.ZipInfo(item.filename, item.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w", force_zip64=True) as sheet:
                sheet.write(head)
                for _ in range(uncompressed_mb):
                    sheet.write(filler)
                sheet.write(tail)
    return out.getvalue()


def formula_without_cache() -> bytes:
    """openpyxl writes formulas without cached values, as a generator script would."""

    def build(book: Workbook) -> None:
        good_sheet(book)
        book.active.append(["Computed skill", "=5+7"])

    return workbook_bytes(build)


def hidden_first_sheet() -> bytes:
    def build(book: Workbook) -> None:
        old = book.active
        old.title = "Old draft"
        old.append(["Skill", "Growth"])
        old.append(["Hidden draft skill", "+99%"])
        old.sheet_state = "hidden"
        shown = book.create_sheet("Published")
        shown.append(["Skill", "Growth"])
        shown.append([ANCHOR, "+10%"])
        book.active = 1

    return workbook_bytes(build)


def numeric_merge_in_data() -> bytes:
    def build(book: Workbook) -> None:
        good_sheet(book)
        book.active.append(["Merged number", 0.25])
        book.active.append(["Below", None])
        book.active.merge_cells("B3:B4")

    return workbook_bytes(build)


def total_row_xlsx() -> bytes:
    def build(book: Workbook) -> None:
        good_sheet(book)
        book.active.append(["Total", "+100%"])

    return workbook_bytes(build)


def xlsx_kind(name: str, make_bytes: Callable[[], bytes], expect: list, **options) -> Kind:
    def make(raw: Path) -> None:
        write_report(raw / name, manifest(name, "t.xlsx", **options), {"t.xlsx": make_bytes()})

    return Kind(name, "resource" if "bomb" in name else "silent-loss", make, expect)


# ------------------------------------------------------------------------------ other formats


def parquet_kind(name: str, values: list[float], expect: list) -> Kind:
    def make(raw: Path) -> None:
        folder = raw / name
        write_report(folder, manifest(name, "t.parquet"), {})
        table = pa.table(
            {
                "Skill": [ANCHOR, *[f"Float {i}" for i in range(len(values))]],
                "Growth": [10.0, *values],
            }
        )
        pq.write_table(table, folder / "t.parquet")

    return Kind(name, "non-finite", make, [Obs(ANCHOR, 10.0), *expect])


def html_span_bomb() -> str:
    cells = "".join('<td rowspan="1000" colspan="1000">x</td>' for _ in range(200))
    return (
        "<table><tr><th>Skill</th><th>Growth</th></tr>"
        f"<tr><td>{ANCHOR}</td><td>+10%</td></tr><tr>{cells}</tr>{'<tr></tr>' * 1000}</table>"
    )


def text_kind(name: str, group: str, text: str, expect: list) -> Kind:
    def make(raw: Path) -> None:
        write_report(
            raw / name,
            manifest(name, "t.txt", columns='{ skill = "label", value = "value" }'),
            {"t.txt": f"{ANCHOR}: +10%\n{text}"},
        )

    return Kind(name, group, make, [Obs(ANCHOR, 10.0), *expect])


def symlinked_folder(raw: Path) -> None:
    """A report folder that is a symbolic link to a folder outside the raw root."""
    outside = raw.parent / "outside-raw" / "linked"
    write_report(
        outside, manifest("symlinked-folder", "t.csv"), {"t.csv": "Skill,Growth\n" + ANCHOR_ROW}
    )
    (raw / "symlinked-folder").symlink_to(outside, target_is_directory=True)


def duplicate_report(raw: Path) -> None:
    text = manifest("duplicate-report", "t.csv")
    write_report(raw / "duplicate-report", text, {"t.csv": "Skill,Growth\n" + ANCHOR_ROW})
    write_report(raw / "duplicate-report~copy", text, {"t.csv": "Skill,Growth\nCopy,+1%\n"})


def redos_text(length: int = 40) -> str:
    return "a" * length + "!"


SLOW_TEXT = redos_text()


def text_footer_redos(raw: Path) -> None:
    name = "text-footer-redos"
    write_report(
        raw / name,
        manifest(
            name,
            "t.txt",
            columns='{ skill = "label", value = "value" }',
            table='footer_pattern = "^(a+)+$"\n',
        ),
        {"t.txt": f"{ANCHOR}: +10%\n{SLOW_TEXT}: +5%\n"},
    )


# ------------------------------------------------------------------------------ the corpus

PERIOD_COLUMNS = '{ skill = "Skill", value = "Growth", period = "Period" }'

KINDS: list[Kind] = [
    # --- numbers that are not finite, or overflow --------------------------------------------
    csv_kind(
        "pct-overflow",
        "non-finite",
        "Overflowing skill,1e400%\n",
        [Quarantined("not_finite", ("1e400%",)), NoObs("Overflowing skill")],
    ),
    csv_kind(
        "count-overflow",
        "non-finite",
        "Overflowing count,1e400\n",
        [Quarantined("not_finite", ("1e400",)), NoObs("Overflowing count")],
        header="Skill,Count\n",
        anchor=False,
        measure="count",
        columns='{ skill = "Skill", value = "Count" }',
    ),
    csv_kind(
        "count-overflow-with-good-rows",
        "non-finite",
        "Good count,41\nOverflowing count,1e400\n",
        [Obs("Good count", 41.0), Quarantined("not_finite")],
        header="Skill,Count\n",
        anchor=False,
        measure="count",
        columns='{ skill = "Skill", value = "Count" }',
    ),
    csv_kind(
        "long-digits",
        "non-finite",
        "Long number,1" + "0" * 400 + "\n",
        [Quarantined("not_finite"), NoObs("Long number")],
        header="Skill,Count\n",
        anchor=False,
        measure="count",
        columns='{ skill = "Skill", value = "Count" }',
    ),
    csv_kind(
        "scaled-overflow",
        "non-finite",
        "Huge money,1" + "0" * 300 + " billion\n",
        [Quarantined("not_finite"), NoObs("Huge money")],
        header="Skill,Count\n",
        anchor=False,
        measure="count",
        columns='{ skill = "Skill", value = "Count" }',
    ),
    csv_kind(
        "multiple-overflow",
        "non-finite",
        "Huge multiple,1" + "0" * 308 + "x\n",
        [Quarantined("not_finite"), NoObs("Huge multiple")],
    ),
    csv_kind(
        "text-infinity",
        "non-finite",
        "Infinite skill,Infinity%\nInf skill,inf\n",
        [NoObs("Infinite skill"), NoObs("Inf skill")],
    ),
    csv_kind("text-nan", "non-finite", "NaN skill,NaN\n", [NoObs("NaN skill")]),
    json_kind(
        "json-infinity",
        "non-finite",
        '{"Skill": "Infinite JSON", "Growth": Infinity}',
        [Quarantined("not_finite", ("Infinity",)), NoObs("Infinite JSON")],
    ),
    json_kind(
        "json-negative-infinity",
        "non-finite",
        '{"Skill": "Negative infinite", "Growth": -Infinity}',
        [Quarantined("not_finite"), NoObs("Negative infinite")],
    ),
    json_kind(
        "json-nan", "non-finite", '{"Skill": "NaN JSON", "Growth": NaN}', [NoObs("NaN JSON")]
    ),
    json_kind(
        "json-overflow-number",
        "non-finite",
        '{"Skill": "Overflow JSON", "Growth": 1e999}',
        [Quarantined("not_finite"), NoObs("Overflow JSON")],
    ),
    parquet_kind(
        "parquet-infinity",
        [float("inf"), float("-inf")],
        [Quarantined("not_finite"), NoObs("Float 0"), NoObs("Float 1")],
    ),
    parquet_kind("parquet-nan", [float("nan")], [NoObs("Float 0")]),
    csv_kind("value-scale-nan", "non-finite", "", [], anchor=False, table="value_scale = nan\n"),
    csv_kind("value-scale-inf", "non-finite", "", [], anchor=False, table="value_scale = inf\n"),
    csv_kind("value-scale-zero", "non-finite", "", [], anchor=False, table="value_scale = 0.0\n"),
    csv_kind(
        "value-scale-overflow",
        "non-finite",
        "Big skill,1e10\n",
        [Quarantined("not_finite"), NoObs("Big skill")],
        header="Skill,Count\n",
        anchor=False,
        measure="count",
        columns='{ skill = "Skill", value = "Count" }',
        table="value_scale = 1e300\n",
    ),
    text_kind(
        "text-layout-overflow",
        "non-finite",
        "Overflowing line: 1e400%\n",
        [Quarantined("not_finite"), NoObs("Overflowing line")],
    ),
    # --- resource bombs -----------------------------------------------------------------------
    xlsx_kind("xlsx-merge-bomb", merge_bomb, [Quarantined("too_many_cells", ("merged",))]),
    xlsx_kind("xlsx-far-cell-bomb", far_cell, [Quarantined("too_many_cells")]),
    xlsx_kind(
        "xlsx-zip-bomb",
        lambda: zip_bomb(CORPUS_MAX_FILE_MB * 3),
        [Quarantined("file_too_large", ("uncompressed",))],
    ),
    Kind(
        "html-span-bomb",
        "resource",
        lambda raw: write_report(
            raw / "html-span-bomb",
            manifest("html-span-bomb", "t.html"),
            {"t.html": html_span_bomb()},
        ),
        [Quarantined("too_many_cells")],
    ),
    csv_kind(
        "csv-wide-row",
        "resource",
        "Wide," + ",".join(["1"] * 200_000) + "\n",
        [Quarantined("ragged_row")],
    ),
    Kind(
        "json-deep-nesting",
        "resource",
        lambda raw: write_report(
            raw / "json-deep-nesting",
            manifest("json-deep-nesting", "t.json"),
            {"t.json": "[" * 200_000 + "]" * 200_000},
        ),
        [Quarantined("invalid_json")],
    ),
    # --- user regular expressions that backtrack ----------------------------------------------
    Kind(
        "unpivot-redos",
        "regex",
        lambda raw: write_report(
            raw / "unpivot-redos",
            manifest(
                "unpivot-redos",
                "t.csv",
                columns='{ skill = "Skill" }',
                table='unpivot = { headers = "^([0-9a]+)+$" }\n',
            ),
            {"t.csv": f"Skill,2023,2024,{SLOW_TEXT}\n{ANCHOR},+10%,+12%,x\n"},
        ),
        [Obs(ANCHOR, 10.0), Obs(ANCHOR, 12.0)],
    ),
    csv_kind(
        "footer-redos",
        "regex",
        f"{SLOW_TEXT},+5%\n",
        [Obs(SLOW_TEXT, 5.0)],
        table='footer_pattern = "^(a+)+$"\n',
    ),
    # Python syntax RE2 lacks runs in a bounded engine: past its time budget the table is refused.
    csv_kind(
        "footer-redos-lookaround",
        "regex",
        f"{SLOW_TEXT},+5%\n",
        [Quarantined("regex_too_slow", ("footer_pattern",))],
        anchor=False,
        table='footer_pattern = "^(?!Note)(a|a)+$"\n',
    ),
    Kind("text-footer-redos", "regex", text_footer_redos, [Obs(ANCHOR, 10.0), Obs(SLOW_TEXT, 5.0)]),
    # --- figures lost or altered without a word -----------------------------------------------
    csv_kind(
        "csv-unterminated-quote",
        "silent-loss",
        '"Broken skill,+5%\nNext skill,+6%\nLast skill,+7%\n',
        [Quarantined("malformed_csv"), NoObs("\n")],
    ),
    csv_kind(
        "csv-quote-in-middle",
        "silent-loss",
        'Fine skill,+4%\nBad "quoted skill,+5%\n',
        [Obs("Fine skill", 4.0)],
    ),
    xlsx_kind(
        "xlsx-formula-no-cache",
        formula_without_cache,
        [
            Obs(ANCHOR, 10.0),
            Quarantined("formula_without_value", ("=5+7",)),
            NoObs("Computed skill"),
        ],
    ),
    xlsx_kind(
        "xlsx-hidden-first-sheet",
        hidden_first_sheet,
        [Obs(ANCHOR, 10.0), NoObs("Hidden draft skill")],
    ),
    xlsx_kind(
        "xlsx-numeric-merge",
        numeric_merge_in_data,
        [Obs(ANCHOR, 10.0), Obs("Merged number", 0.25), NoObs("Below")],
    ),
    xlsx_kind(
        "xlsx-total-row",
        total_row_xlsx,
        [Obs(ANCHOR, 10.0), Quarantined("total_row"), NoObs("Total", exact=True)],
    ),
    Kind(
        "symlinked-folder",
        "silent-loss",
        symlinked_folder,
        [Quarantined("symlink_ignored", ("symlinked-folder",))],
    ),
    csv_kind(
        "plus-minus",
        "silent-loss",
        "Signed skill,+-12%\n",
        [Quarantined("unparseable_value", ("+-12%",)), NoObs("Signed skill")],
    ),
    csv_kind(
        "minus-plus",
        "silent-loss",
        "Signed skill,-+12%\n",
        [Quarantined("unparseable_value"), NoObs("Signed skill")],
    ),
    csv_kind(
        "double-plus",
        "silent-loss",
        "Signed skill,++12%\n",
        [Quarantined("unparseable_value"), NoObs("Signed skill")],
    ),
    csv_kind(
        "double-minus",
        "silent-loss",
        "Signed skill,--12%\n",
        [Quarantined("unparseable_value"), NoObs("Signed skill")],
    ),
    csv_kind(
        "duplicated-value-header",
        "silent-loss",
        f"{ANCHOR},+10%,+99%\n",
        [Quarantined("duplicate_header", ('"Growth"',))],
        header="Skill,Growth,Growth\n",
        anchor=False,
    ),
    csv_kind(
        "duplicated-skill-header",
        "silent-loss",
        f"{ANCHOR},Other,+10%\n",
        [Quarantined("duplicate_header", ('"Skill"',))],
        header="Skill,Skill,Growth\n",
        anchor=False,
    ),
    csv_kind(
        "duplicated-header-spacing",
        "silent-loss",
        f"{ANCHOR},+10%,+99%\n",
        [Quarantined("duplicate_header")],
        header="Skill,Growth, Growth \n",
        anchor=False,
    ),
    csv_kind(
        "row-twice-trailing-space",
        "silent-loss",
        "ChatGPT,+71%\nChatGPT ,+71%\n",
        [Obs("ChatGPT", 71.0), Quarantined("duplicate_row")],
    ),
    csv_kind(
        "row-twice-value-space",
        "silent-loss",
        "ChatGPT,+71%\nChatGPT,+71% \n",
        [Obs("ChatGPT", 71.0), Quarantined("duplicate_row")],
    ),
    csv_kind(
        "row-twice-nbsp",
        "silent-loss",
        "ChatGPT,+71%\nChatGPT\u00a0,+71%\n",
        [Obs("ChatGPT", 71.0), Quarantined("duplicate_row")],
    ),
    csv_kind(
        "total-row",
        "silent-loss",
        "Python,+20%\nTotal,+30%\n",
        [Obs("Python", 20.0), Quarantined("total_row", ("a total",)), NoObs("Total", exact=True)],
    ),
    csv_kind(
        "grand-total-row",
        "silent-loss",
        "Python,+20%\nGrand total,+30%\n",
        [Quarantined("total_row"), NoObs("Grand total", exact=True)],
    ),
    csv_kind(
        "all-skills-row",
        "silent-loss",
        "Python,+20%\nAll skills,+30%\n",
        [Quarantined("total_row"), NoObs("All skills", exact=True)],
    ),
    csv_kind(
        "subtotal-row",
        "silent-loss",
        "Python,+20%\nSubtotal,+30%\n",
        [Quarantined("total_row"), NoObs("Subtotal", exact=True)],
    ),
    csv_kind(
        "zero-width-name",
        "silent-loss",
        "\u200b,+5%\n",
        [Quarantined("missing_skill"), NoObs("\u200b", exact=True)],
    ),
    csv_kind(
        "soft-hyphen-bom-name", "silent-loss", "\u00ad\ufeff,+5%\n", [Quarantined("missing_skill")]
    ),
    csv_kind(
        "unicode-space-name", "silent-loss", "\u3000\u2003,+5%\n", [Quarantined("missing_skill")]
    ),
    json_kind(
        "nul-only-name",
        "silent-loss",
        '{"Skill": "\\u0000", "Growth": "+5%"}',
        [Quarantined("missing_skill")],
    ),
    json_kind(
        "control-only-name",
        "silent-loss",
        '{"Skill": "\\u0007\\u0008", "Growth": "+5%"}',
        [Quarantined("missing_skill")],
    ),
    csv_kind("punctuation-only-name", "silent-loss", '"-",+5%\n', [Quarantined("missing_skill")]),
    # --- values of the wrong shape ------------------------------------------------------------
    json_kind(
        "json-array-value",
        "messages",
        '{"Skill": "Array skill", "Growth": [1, 2]}',
        [Quarantined("unparseable_value", ("[1,2]",)), NotBlankWord(), NoObs("Array skill")],
    ),
    json_kind(
        "json-object-value",
        "messages",
        '{"Skill": "Object skill", "Growth": {"a": 1}}',
        [Quarantined("unparseable_value"), NotBlankWord(), NoObs("Object skill")],
    ),
    json_kind(
        "json-boolean-value",
        "messages",
        '{"Skill": "Boolean skill", "Growth": true}',
        [Quarantined("unparseable_value"), NoObs("Boolean skill")],
    ),
    csv_kind("excel-error-text", "messages", "Error skill,#DIV/0!\n", [NoObs("Error skill")]),
    csv_kind(
        "formula-text",
        "messages",
        "Formula skill,=1+1\n",
        [Quarantined("formula_without_value", ("=1+1",)), NoObs("Formula skill")],
    ),
    csv_kind(
        "two-decimal-points",
        "messages",
        "Dotted skill,12.5.3%\n",
        [Quarantined("unparseable_value"), NoObs("Dotted skill")],
    ),
    csv_kind(
        "bad-period-column",
        "messages",
        "Period skill,+5%,2024-13\n",
        # A period that cannot be read keeps the figure (period unknown) with a warning row at
        # the period's own column.
        [Quarantined("unparseable_period", column="Period"), Obs("Period skill", 5.0)],
        header="Skill,Growth,Period\n",
        anchor=False,
        columns=PERIOD_COLUMNS,
    ),
    csv_kind(
        "zero-width-in-value",
        "messages",
        "Hidden skill,1\u200b2x%\n",
        [Quarantined("unparseable_value", ("\\u200b",)), NoObs("Hidden skill")],
    ),
    csv_kind(
        "negative-share",
        "messages",
        "Share skill,-5%\nBig share,120%\n",
        [Quarantined("out_of_range"), NoObs("Share skill"), NoObs("Big share")],
        header="Skill,Share\n",
        anchor=False,
        measure="share_pct",
        columns='{ skill = "Skill", value = "Share" }',
    ),
    csv_kind(
        "fractional-rank",
        "messages",
        "Rank skill,2.5\nZero rank,0\n",
        [Quarantined("out_of_range"), NoObs("Rank skill"), NoObs("Zero rank")],
        header="Skill,Rank\n",
        anchor=False,
        measure="rank",
        columns='{ skill = "Skill", value = "Rank" }',
    ),
    csv_kind(
        "total-row-punctuated",
        "silent-loss",
        "Python,+20%\nTOTAL:,+30%\nGrand total (all skills),+31%\n",
        [Obs("Python", 20.0), Quarantined("total_row"), NoObs("TOTAL"), NoObs("Grand total")],
    ),
    csv_kind(
        "negative-overflow",
        "non-finite",
        "Falling skill,-1e400%\n",
        [Quarantined("not_finite"), NoObs("Falling skill")],
    ),
    csv_kind(
        "range-overflow",
        "non-finite",
        "Range skill,1e400-2e400%\n",
        [NoObs("Range skill")],
    ),
    csv_kind(
        "unicode-infinity",
        "non-finite",
        "Infinite skill,\u221e\n",
        [Quarantined("not_finite"), NoObs("Infinite skill")],
    ),
    json_kind(
        "json-huge-integer",
        "non-finite",
        '{"Skill": "Huge integer", "Growth": 1' + "0" * 400 + "}",
        [Quarantined("not_finite"), NoObs("Huge integer")],
    ),
    csv_kind(
        "unterminated-quote-first-row",
        "silent-loss",
        '"Everything after,+5%\nA,+1%\nB,+2%\n',
        [Quarantined("malformed_csv"), NoObs("\n"), NoObs("Everything after")],
        anchor=False,
    ),
    csv_kind(
        "bom-only-value",
        "silent-loss",
        "Bom skill,\ufeff\n",
        [NoObs("Bom skill")],
    ),
    # --- files and manifests ------------------------------------------------------------------
    Kind("duplicate-report", "files", duplicate_report, [Quarantined("duplicate_report")]),
    csv_kind(
        "header-beyond-file",
        "files",
        "",
        [Quarantined("no_header")],
        anchor=False,
        table="header_row = 40\n",
    ),
    csv_kind(
        "nul-in-csv",
        "files",
        "Nul\x00skill,+5%\n",
        [Quarantined("binary_file", ("nul-in-csv/t.csv",))],
        anchor=False,
    ),
    csv_kind(
        "missing-value-column",
        "files",
        "",
        [Quarantined("missing_column", ('"Growth"',))],
        header="Skill,Grow\n",
        anchor=False,
    ),
]

# Kinds whose manifest is refused: the anchor cannot load.
for kind in KINDS:
    if kind.name in {"value-scale-nan", "value-scale-inf", "value-scale-zero"}:
        kind.expect = [Quarantined("invalid_manifest", ("value_scale",))]


def build(raw: Path, kinds: list[Kind] | None = None) -> list[Kind]:
    """Write every kind's report folder under raw; returns the kinds written."""
    raw.mkdir(parents=True, exist_ok=True)
    chosen = KINDS if kinds is None else kinds
    for kind in chosen:
        kind.make(raw)
    return chosen


def report_of(source_file: str) -> str:
    """The corpus kind a lake row belongs to, from its relative source_file."""
    return re.split(r"[/\\~]", source_file, maxsplit=1)[0]
