"""Tests for flows.extract: every format read as published text, with rows a person can find."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.errors import ConfigError, ExtractError
from flows.extract import RawTable, read_table
from flows.raw.manifest import TableSpec
from flows.reasons import READER_CODES

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
realdata = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")


def spec_for(path: Path, **options) -> TableSpec:
    return TableSpec(
        file=path.name,
        measure="growth_pct",
        columns={"skill": "Skill", "value": "Growth"},
        **options,
    )


def read(path: Path, **options) -> RawTable:
    return read_table(path, spec_for(path, **options))


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def rows(table: RawTable) -> list[tuple]:
    """Data rows as (source_row, c1, c2, ...)."""
    return [tuple(r.values()) for r in table.cells.to_pylist()]


def skipped(table: RawTable) -> list[tuple]:
    return [(r["source_row"], r["reason_code"], r["raw_record"]) for r in table.skipped.to_pylist()]


def raises(code: str, path: Path, **options) -> ExtractError:
    with pytest.raises(ExtractError) as caught:
        read(path, **options)
    assert caught.value.reason_code == code, str(caught.value)
    assert code in READER_CODES
    assert str(path) in str(caught.value)
    return caught.value


# ---------------------------------------------------------------------------------------------
# Contract


def test_raw_table_follows_the_contract(tmp_path):
    table = read(write(tmp_path, "a.csv", "Skill,Growth\nPython,+12%\n"))
    assert table.header == ("Skill", "Growth")
    assert table.cells.schema == pa.schema(
        [("source_row", pa.int64()), ("c1", pa.string()), ("c2", pa.string())]
    )
    assert table.skipped.schema.names == ["source_row", "reason_code", "raw_record"]
    assert table.skipped.schema.field("source_row").type == pa.int64()
    with pytest.raises(AttributeError):
        table.header = ()  # frozen


# ---------------------------------------------------------------------------------------------
# CSV / TSV


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_sniffs_the_delimiter(tmp_path, delimiter):
    # Decimal commas and semicolons inside values must not fool the sniffer.
    other = ";" if delimiter == "," else ","
    lines = [
        ["Skill", "Growth", "Note"],
        ["Python", "1,5" if delimiter != "," else "1.5", f"a{other}b"],
        ["SQL", "2", "c"],
    ]
    text = (
        "\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in line) for line in lines)
        + "\n"
    )
    table = read(write(tmp_path, "a.csv", text))
    assert table.header == ("Skill", "Growth", "Note")
    assert rows(table)[0][1:] == tuple(lines[1])


def test_explicit_delimiter_and_tsv_format(tmp_path):
    path = write(tmp_path, "a.txt", "Skill\tGrowth, in %\nPython\t12\n")
    assert read(path, format="tsv").header == ("Skill", "Growth, in %")
    assert read(path, format="csv", delimiter="\t").header == ("Skill", "Growth, in %")
    assert read(path, format="csv", delimiter=",").header == ("Skill\tGrowth", "in %")


def test_cells_stay_text_exactly_as_published(tmp_path):
    text = "Skill,Growth,Code,Date,Missing\nPython,0.41%,00123,1/1/18,NA\nSQL,+329%,1e3,2012\u201314,null\n"
    table = read(write(tmp_path, "a.csv", text))
    assert rows(table) == [
        (2, "Python", "0.41%", "00123", "1/1/18", "NA"),
        (3, "SQL", "+329%", "1e3", "2012\u201314", "null"),
    ]


def test_blank_and_whitespace_cells_are_null_other_cells_are_not_stripped(tmp_path):
    table = read(write(tmp_path, "a.csv", 'Skill,Growth,Note\n"Legal ",  ,""\n'))
    assert rows(table) == [(2, "Legal ", None, None)]


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    table = read(write(tmp_path, "a.csv", "\ufeffSkill,Growth\nCafé,5%\n"))
    assert table.header == ("Skill", "Growth")
    assert rows(table) == [(2, "Café", "5%")]


def test_cp1252_file_is_decoded_without_an_encoding_option(tmp_path):
    path = write(tmp_path, "a.csv", "Skill,Growth\nCafé \u2013 naïve €,5%\n", encoding="cp1252")
    assert rows(read(path)) == [(2, "Café \u2013 naïve €", "5%")]


def test_latin1_bytes_undefined_in_cp1252_still_decode(tmp_path):
    path = write(tmp_path, "a.csv", b"Skill,Growth\nA\x81\xe9,5%\n")
    assert rows(read(path)) == [(2, "A\x81é", "5%")]


def test_declared_and_utf16_encodings(tmp_path):
    assert rows(
        read(
            write(tmp_path, "a.csv", "Skill,Growth\nÅre,1\n", encoding="latin-1"),
            encoding="latin-1",
        )
    ) == [(2, "Åre", "1")]
    utf16 = write(tmp_path, "b.csv", "Skill\tGrowth\r\nÅre\t1\r\n", encoding="utf-16")
    assert rows(read(utf16)) == [(2, "Åre", "1")]


def test_bad_encoding(tmp_path):
    path = write(tmp_path, "a.csv", "Skill,Growth\nCafé,5%\n", encoding="cp1252")
    assert "utf-8" in str(raises("bad_encoding", path, encoding="utf-8"))
    assert "unknown encoding" in str(raises("bad_encoding", path, encoding="klingon"))


def test_crlf_without_final_newline(tmp_path):
    table = read(write(tmp_path, "a.csv", "Skill,Growth\r\nPython,1%\r\nSQL,2%"))
    assert rows(table) == [(2, "Python", "1%"), (3, "SQL", "2%")]


def test_multi_line_quoted_records_keep_their_text_and_first_line(tmp_path):
    text = 'Skill,Aliases,Growth\r\nPython,"py\r\npython3\r\ncpython",5%\r\nSQL,sql,6%\r\n"R","r\nrlang",7%\r\nGo,,8%\r\n'
    path = write(tmp_path, "a.csv", text)
    table = read(path)
    assert rows(table) == [
        (2, "Python", "py\r\npython3\r\ncpython", "5%"),
        (5, "SQL", "sql", "6%"),
        (6, "R", "r\nrlang", "7%"),
        (8, "Go", None, "8%"),
    ]
    assert text.splitlines()[4].startswith("SQL") and text.splitlines()[7].startswith("Go")


def test_title_rows_above_the_header(tmp_path):
    text = "In-Demand Skills 2026\nGrowth by skill, %\nSkill,Growth\nPython,5\n"
    table = read(write(tmp_path, "a.csv", text), header_row=3)
    assert table.header == ("Skill", "Growth")
    assert rows(table) == [(4, "Python", "5")]


def test_title_row_with_a_multi_line_quoted_header(tmp_path):
    text = 'Title\n"Skill\nname",Growth\nPython,5\n'
    table = read(write(tmp_path, "a.csv", text), header_row=2)
    assert table.header == ("Skill\nname", "Growth")
    assert rows(table) == [(4, "Python", "5")]


def test_multi_row_header_fills_exported_merged_cells_across(tmp_path):
    text = "Skill,2024,,2025,,Note\n,Q1,Q2,Q1,Q2,\nPython,1,2,3,4,x\n"
    table = read(write(tmp_path, "a.csv", text), header_rows=2)
    assert table.header == ("Skill", "2024 Q1", "2024 Q2", "2025 Q1", "2025 Q2", "Note")
    assert rows(table) == [(3, "Python", "1", "2", "3", "4", "x")]


def test_footnotes_below_the_data_are_detected(tmp_path):
    text = "Skill,Growth\nPython,5%\nSQL,6%\n\nSource: Upwork, 2025 data\nNote: growth is YoY.\n*Excludes bots\n"
    table = read(write(tmp_path, "a.csv", text))
    assert rows(table) == [(2, "Python", "5%"), (3, "SQL", "6%")]
    assert skipped(table) == [
        (4, "blank_row", ","),
        (5, "footnote_row", "Source: Upwork, 2025 data"),
        (6, "footnote_row", "Note: growth is YoY."),
        (7, "footnote_row", "*Excludes bots"),
    ]


def test_a_note_like_row_followed_by_data_stays_data(tmp_path):
    text = "Skill,Growth\nNote: taking,5%\nSQL,6%\n"
    assert [r[1] for r in rows(read(write(tmp_path, "a.csv", text)))] == ["Note: taking", "SQL"]


def test_footer_pattern_on_the_first_cell_or_the_whole_row(tmp_path):
    text = "Skill,Growth\nPython,5%\nSQL,6%\nCompiled by,Acme\nAll rights reserved,\n"
    path = write(tmp_path, "a.csv", text)
    by_first_cell = read(path, footer_pattern=r"^Compiled")
    assert [r[1] for r in rows(by_first_cell)] == ["Python", "SQL"]
    assert [s[:2] for s in skipped(by_first_cell)] == [(4, "footnote_row"), (5, "footnote_row")]
    by_row_text = read(path, footer_pattern=r"by,Acme")
    assert [s[0] for s in skipped(by_row_text)] == [4, 5]
    # A Python-only regex (look-ahead) still works.
    assert [s[0] for s in skipped(read(path, footer_pattern=r"^Compiled(?= by)"))] == [4, 5]
    with pytest.raises(ValueError, match="footer_pattern is not a valid regular expression"):
        read(path, footer_pattern="(")


def test_repeated_header_and_blank_rows_are_skipped(tmp_path):
    text = "Skill,Growth\nPython,5%\n\n  Skill , Growth\n ,  \nSQL,6%\n"
    table = read(write(tmp_path, "a.csv", text))
    assert rows(table) == [(2, "Python", "5%"), (6, "SQL", "6%")]
    assert skipped(table) == [
        (3, "blank_row", ","),
        (4, "repeated_header", "  Skill , Growth"),
        (5, "blank_row", " ,  "),
    ]


def test_ragged_rows_are_set_aside_and_short_rows_padded(tmp_path):
    text = "Skill,Growth,Year\nPython,5%,2025\nData, AI and ML,7%,2025\nSQL,6%\nGo,1%,2025,,\n"
    table = read(write(tmp_path, "a.csv", text))
    assert rows(table) == [
        (2, "Python", "5%", "2025"),
        (4, "SQL", "6%", None),
        (5, "Go", "1%", "2025"),
    ]
    assert skipped(table) == [(3, "ragged_row", "Data, AI and ML,7%,2025")]


def test_trailing_delimiter_on_every_data_row_is_not_ragged(tmp_path):
    text = "Skill,Growth\nPython,5%,\nSQL,6%,\nRust,7%,extra\n"
    table = read(write(tmp_path, "a.csv", text))
    assert table.header == ("Skill", "Growth")
    assert rows(table) == [(2, "Python", "5%"), (3, "SQL", "6%")]
    assert skipped(table) == [(4, "ragged_row", "Rust,7%,extra")]


def test_empty_headers_are_named_and_empty_columns_dropped(tmp_path):
    text = "Skill,,Growth,\nPython,core,5%,\nSQL,,6%,\n"
    table = read(write(tmp_path, "a.csv", text))
    assert table.header == ("Skill", "column_2", "Growth")
    assert rows(table) == [(2, "Python", "core", "5%"), (3, "SQL", None, "6%")]


def test_header_only_file_has_no_rows(tmp_path):
    table = read(write(tmp_path, "a.csv", "Skill,Growth"))
    assert table.header == ("Skill", "Growth") and table.cells.num_rows == 0


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty_file"),
        (b"  \r\n\n", "empty_file"),
        (b"\x00\x01\x02junk\xff" * 50, "binary_file"),
        (b"Skill,Growth\n", "no_header"),
    ],
)
def test_unreadable_csv(tmp_path, content, code):
    options = {"header_row": 5} if code == "no_header" else {}
    raises(code, write(tmp_path, "a.csv", content), **options)


def test_xlsx_named_csv_says_what_it_is(tmp_path):
    path = tmp_path / "a.xlsx"
    openpyxl.Workbook().save(path)
    renamed = path.rename(tmp_path / "a.csv")
    assert 'format = "xlsx"' in str(raises("binary_file", renamed))


def test_missing_file_and_bad_delimiter(tmp_path):
    raises("file_unreadable", tmp_path / "missing.csv")
    raises("bad_delimiter", write(tmp_path, "a.csv", "a,b\n"), delimiter=";;")


def test_file_size_and_cell_limits(tmp_path, monkeypatch):
    path = write(tmp_path, "a.csv", "Skill,Growth\n" + "Python,5%\n" * 200)
    monkeypatch.setenv("SKILLPULSE_MAX_FILE_MB", "0.001")
    assert "SKILLPULSE_MAX_FILE_MB" in str(raises("file_too_large", path))
    monkeypatch.setenv("SKILLPULSE_MAX_FILE_MB", "1")
    monkeypatch.setenv("SKILLPULSE_MAX_CELLS", "399")
    message = str(raises("too_many_cells", path))
    assert "400 cells" in message and "SKILLPULSE_MAX_CELLS" in message
    monkeypatch.setenv("SKILLPULSE_MAX_CELLS", "400")
    assert read(path).cells.num_rows == 200
    monkeypatch.setenv("SKILLPULSE_MAX_CELLS", "lots")
    with pytest.raises(ConfigError, match="SKILLPULSE_MAX_CELLS='lots'"):
        read(path)


def test_ten_thousand_rows_read_well_under_100_ms(tmp_path):
    lines = ["skill,category,year,growth,share"]
    lines += [
        f"Skill {i % 500},Cat {i % 37},{2000 + i % 25},+{i % 400}%,{i % 1000 / 1000:.3f}%"
        for i in range(10_000)
    ]
    path = write(tmp_path, "big.csv", "\r\n".join(lines) + "\r\n")
    read(path)  # warm-up: first use of each Arrow kernel
    best = min(_timed(read, path) for _ in range(3))
    table = read(path)
    assert table.cells.num_rows == 10_000
    assert rows(table)[-1] == (10_001, "Skill 499", "Cat 9", "2024", "+399%", "0.999%")
    assert best < 0.1, f"10,000 rows took {best * 1000:.0f} ms"


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# XLSX


def _workbook(path: Path, build) -> Path:
    workbook = openpyxl.Workbook()
    build(workbook)
    workbook.save(path)
    return path


def _with_cached_values(path: Path, cached: dict[str, tuple[str | None, str]]) -> Path:
    """openpyxl writes formulas without a cached value; add one as Excel would (cell -> (type, value))."""
    patched = path.with_name("cached_" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                for ref, (kind, value) in cached.items():
                    attribute = f' t="{kind}"' if kind else ""
                    data = re.sub(
                        rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?'.encode(),
                        rf'<c r="{ref}"\1{attribute}><f>\2</f><v>{value}</v>'.encode(),
                        data,
                    )
            target.writestr(item, data)
    return patched


def _report_sheet(workbook):
    sheet = workbook.active
    sheet.title = "Skills"
    sheet["A1"] = "In-Demand Skills 2026"
    sheet["A2"] = "Number of postings"
    sheet.append([])
    sheet.append(["Skill", "Postings", "Share", "Code", "First seen", "Doubled", "Flag"])
    sheet.append(
        ["Generative AI", 15741.0, 0.522332095, "00123", dt.date(2024, 1, 5), "=B5*2", True]
    )
    sheet.append(
        ["Prompt engineering", 4956, 0.25, "0.41%", dt.datetime(2024, 1, 5, 13, 30), "=1/0", False]
    )
    sheet.append([" ", None, None, None, None, None, None])
    sheet.append(["Large language modeling", 1e20, 1e-7, 7, dt.datetime(2023, 12, 31), None, None])
    sheet.append(["Source: Lightcast"])
    sheet["C5"].number_format = "0.0%"
    sheet["C6"].number_format = "0%"
    workbook.create_sheet("Notes")["A1"] = "Nothing here"


def test_xlsx_renders_numbers_dates_and_formulas_as_published(tmp_path):
    path = _workbook(tmp_path / "skills.xlsx", _report_sheet)
    path = _with_cached_values(path, {"F5": (None, "31482"), "F6": ("e", "#DIV/0!")})
    table = read(path, header_row=4)
    assert table.header == ("Skill", "Postings", "Share", "Code", "First seen", "Doubled", "Flag")
    assert rows(table) == [
        (5, "Generative AI", "15741", "52.2332095%", "00123", "2024-01-05", "31482", "TRUE"),
        (6, "Prompt engineering", "4956", "25%", "0.41%", "2024-01-05 13:30:00", None, "FALSE"),
        (8, "Large language modeling", "1e+20", "1e-7", "7", "2023-12-31", None, None),
    ]
    assert skipped(table) == [
        (7, "blank_row", " \t\t\t\t\t\t"),
        (9, "footnote_row", "Source: Lightcast\t\t\t\t\t\t"),
    ]


def test_xlsx_sheet_by_name_index_and_default(tmp_path):
    path = _workbook(tmp_path / "skills.xlsx", _report_sheet)
    assert read(path).header[0] == "In-Demand Skills 2026"
    assert read(path, sheet="Notes").header == ("Nothing here",)
    assert read(path, sheet=1).header == ("Nothing here",)
    assert read(path, sheet="notes ").header == ("Nothing here",)
    message = str(raises("sheet_not_found", path, sheet="Data"))
    assert "'Skills'" in message and "'Notes'" in message
    raises("sheet_not_found", path, sheet=2)
    raises("no_header", path, header_row=40)


def _merged_sheet(workbook):
    sheet = workbook.active
    sheet.append(["Skill", "Growth", None, "Category"])
    sheet.append([None, "2024", "2025", None])
    sheet.append(["Python", 0.1, 0.2, "Programming"])
    sheet.append(["SQL", 0.3, 0.4, None])
    sheet.append(["Excel", 5, None, None])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("D1:D2")
    sheet.merge_cells("D3:D5")  # a category label spanning three skills
    sheet.merge_cells("B5:C5")  # a number spanning two periods: must not be counted twice


def test_xlsx_multi_row_header_and_merged_cells(tmp_path):
    table = read(_workbook(tmp_path / "merged.xlsx", _merged_sheet), header_rows=2)
    assert table.header == ("Skill", "Growth 2024", "Growth 2025", "Category")
    assert rows(table) == [
        (3, "Python", "0.1", "0.2", "Programming"),
        (4, "SQL", "0.3", "0.4", "Programming"),
        (5, "Excel", "5", None, "Programming"),
    ]


@pytest.mark.parametrize("content", [b"\x00\x01 not a zip" * 40, b"PK\x03\x04truncated"])
def test_not_a_workbook(tmp_path, content):
    raises("not_a_workbook", write(tmp_path, "a.xlsx", content))


def test_truncated_workbook(tmp_path):
    path = _workbook(tmp_path / "skills.xlsx", _report_sheet)
    truncated = write(tmp_path, "cut.xlsx", path.read_bytes()[: path.stat().st_size // 2])
    raises("not_a_workbook", truncated)


# ---------------------------------------------------------------------------------------------
# JSON, JSON Lines, Parquet


def test_json_records_union_of_keys_and_published_number_text(tmp_path):
    records = '[{"skill": "Python", "growth": 1.50, "rank": 1},\n {"skill": "SQL", "new": true, "tags": ["db", 2]},\n {"growth": "0.41%", "rank": null}]'
    table = read(write(tmp_path, "a.json", records))
    assert table.header == ("skill", "growth", "rank", "new", "tags")
    assert rows(table) == [
        (1, "Python", "1.50", "1", None, None),
        (2, "SQL", None, None, "true", '["db",2]'),
        (3, None, "0.41%", None, None, None),
    ]


def test_json_records_under_a_dotted_key(tmp_path):
    document = {"meta": {"title": "x"}, "data": {"rows": [{"skill": "Python", "growth": "+5%"}]}}
    path = write(tmp_path, "a.json", json.dumps(document))
    assert rows(read(path, records_key="data.rows")) == [(1, "Python", "+5%")]
    assert "'rows'" in str(raises("table_not_found", path, records_key="data.items"))
    raises("table_not_found", path)  # no array at the top level: records_key is needed


def test_json_single_array_found_without_records_key(tmp_path):
    path = write(tmp_path, "a.json", '{"title": "Skills", "items": [{"skill": "Go"}]}')
    assert rows(read(path)) == [(1, "Go")]


def test_json_array_of_arrays_uses_the_first_as_header(tmp_path):
    path = write(tmp_path, "a.json", '[["Skill", "Growth"], ["Python", 5], ["SQL"]]')
    table = read(path)
    assert table.header == ("Skill", "Growth")
    assert rows(table) == [(2, "Python", "5"), (3, "SQL", None)]


def test_json_non_record_items_are_skipped(tmp_path):
    table = read(write(tmp_path, "a.json", '[{"skill": "Go"}, "stray text", {"skill": "R"}]'))
    assert rows(table) == [(1, "Go"), (3, "R")]
    assert skipped(table) == [(2, "not_a_record", '"stray text"')]


def test_invalid_json(tmp_path):
    message = str(
        raises("invalid_json", write(tmp_path, "a.json", '[{"skill": "Go"},\n {"skill": }]'))
    )
    assert "line 2" in message


def test_deeply_nested_json_is_invalid_not_a_crash(tmp_path):
    raises("invalid_json", write(tmp_path, "a.json", "[" * 100_000))


def test_json_lines_with_blank_and_bad_lines(tmp_path):
    text = (
        '{"skill": "Python", "growth": 5.0}\n\n{"skill": "SQL"\n{"skill": "Go", "growth": "7%"}\n'
    )
    table = read(write(tmp_path, "a.jsonl", text))
    assert table.header == ("skill", "growth")
    assert rows(table) == [(1, "Python", "5.0"), (4, "Go", "7%")]
    assert skipped(table) == [(3, "invalid_json_line", '{"skill": "SQL"')]
    clean = read(write(tmp_path, "b.jsonl", '{"a": 1}\r\n\r\n{"a": 2}'))
    assert rows(clean) == [(1, "1"), (3, "2")]


def test_parquet_columns_of_any_type_become_text(tmp_path):
    table = pa.table(
        {
            "skill": ["Python", None],
            "count": pa.array([15741, 3], pa.int64()),
            "share": [0.522332095, 1.0],
            "day": [dt.date(2024, 1, 5), None],
            "at": pa.array(
                [dt.datetime(2024, 1, 5), dt.datetime(2024, 1, 5, 13, 30)], pa.timestamp("ms")
            ),
            "flag": [True, False],
            "price": pa.array([Decimal("1.50"), Decimal("2.00")], pa.decimal128(5, 2)),
            "tags": [["a", "b"], []],
            "kind": pa.array(["x", "y"]).dictionary_encode(),
        }
    )
    path = tmp_path / "a.parquet"
    pq.write_table(table, path)
    result = read(path)
    assert result.header == tuple(table.column_names)
    assert rows(result) == [
        (
            1,
            "Python",
            "15741",
            "0.522332095",
            "2024-01-05",
            "2024-01-05",
            "true",
            "1.50",
            '["a","b"]',
            "x",
        ),
        (2, None, "3", "1", None, "2024-01-05 13:30:00", "false", "2.00", "[]", "y"),
    ]


def test_not_a_parquet_file(tmp_path):
    raises("file_unreadable", write(tmp_path, "a.parquet", b"PAR1 but not really" * 10))


# ---------------------------------------------------------------------------------------------
# HTML


def test_html_table_by_caption_with_spans_and_footer():
    table = read(FIXTURES / "skills_page.html", caption="year-over-year")
    assert table.header == ("Category", "Skill", "Growth 2024", "Growth 2025")
    assert rows(table) == [
        (3, "AI & machine learning", "AI video generation and editing", "+120%", "+329%"),
        (4, "AI & machine learning", "Prompt engineering", "41 per cent", None),
        (5, "Data", "Data annotation", "3.5x", "00123"),
    ]
    assert skipped(table) == [(6, "footnote_row", "Source: marketplace job posts, 2024\u20132025.")]


def test_html_table_by_index_aria_label_and_heading():
    page = FIXTURES / "skills_page.html"
    assert read(page).header == ("Home", "About")
    assert read(page, table_index=1).header[0] == "Category"
    by_aria = read(page, caption="share of postings")
    assert rows(by_aria) == [(2, "EMEA", "0.41%"), (3, "APAC", "1/1/18")]
    assert read(page, caption="Fastest-growing").header[0] == "Category"  # the <h2> above it
    assert read(page, caption="overview").header == ("Home", "About")


def test_html_table_not_found_lists_the_tables():
    message = str(raises("table_not_found", FIXTURES / "skills_page.html", caption="salaries"))
    assert "3 table(s)" in message and "Year-over-year growth" in message
    raises("table_not_found", FIXTURES / "skills_page.html", table_index=3)


def test_html_header_row_option_and_entities_left_alone(tmp_path):
    page = """<!DOCTYPE html SYSTEM "http://example.invalid/evil.dtd">
    <html><body><img src="http://example.invalid/x.png"><table>
    <tr><td>Title row</td></tr><tr><td>Skill</td><td>Growth</td></tr>
    <tr><td>C&amp;C++</td><td>&unknown; 5%</td></tr></table></body></html>"""
    table = read(write(tmp_path, "a.html", page), header_row=2)
    assert table.header == ("Skill", "Growth")
    assert rows(table) == [(3, "C&C++", "&unknown; 5%")]


# ---------------------------------------------------------------------------------------------
# Markdown and plain text


def test_markdown_pipe_table():
    table = read(FIXTURES / "report.md")
    assert table.header == ("Skill", "Category", "YoY growth")
    assert rows(table) == [
        (9, "AI video generation and editing", "AI", "+329%"),
        (10, "Prompt engineering", "AI", "178%"),
        (11, "Data labeling | annotation", "Data", "up 60%"),
        (12, "Only a skill", None, None),
    ]
    assert skipped(table) == [(13, "ragged_row", "| Too | many | cells | here |")]
    lines = (FIXTURES / "report.md").read_text().splitlines()
    assert lines[8].startswith("| AI video") and lines[12].startswith("| Too")


def test_markdown_table_by_index_or_caption(tmp_path):
    second = [(21, "AI", "1"), (22, "Data", "2")]
    assert rows(read(FIXTURES / "report.md", table_index=1)) == second
    assert rows(read(FIXTURES / "report.md", caption="top categories")) == second
    raises("table_not_found", write(tmp_path, "a.md", "# Title\n\nNo table | here.\n\n---\n"))


def test_text_label_value_lines():
    table = read(FIXTURES / "label_value.txt")
    assert table.header == ("label", "value")
    assert rows(table) == [
        (3, "AI video generation and editing", "+329%"),
        (4, "Prompt engineering", "178%"),
        (5, "Data annotation", "up 60%"),
        (6, "Set-up automation", "45%"),
    ]
    assert skipped(table) == [
        (1, "unmatched_line", "Top skills by growth (2025)"),
        (7, "unmatched_line", "Machine learning: n/a"),
        (9, "footnote_row", "Note: growth is year over year."),
    ]


def test_text_news_article_bullets():
    table = read(FIXTURES / "article.txt")
    assert table.header == ("category", "label", "value")
    assert rows(table) == [
        (5, "AI & machine learning", "AI video generation and editing", "up 329%"),
        (6, "AI & machine learning", "Prompt engineering", "grew 178% year over year"),
        (7, "Data", "Data annotation", "up over 100%"),
        (8, "Design", "Brand identity design", "down 4%"),
    ]
    assert [s[:2] for s in skipped(table)] == [
        (1, "unmatched_line"),
        (3, "unmatched_line"),
        (9, "unmatched_line"),
        (11, "footnote_row"),
    ]


def test_text_bullets_without_category_and_forced_layout(tmp_path):
    path = write(tmp_path, "a.txt", "* Python is up 12%\n* SQL: +3%\n")
    assert rows(read(path)) == [(1, None, "Python", "up 12%"), (2, None, "SQL", "+3%")]
    assert rows(read(path, text_layout="label_value")) == [(2, "SQL", "+3%")]


def test_text_aligned_columns():
    table = read(FIXTURES / "aligned.txt")
    assert table.header == ("Skill", "Category", "Growth")
    assert rows(table) == [
        (3, "AI video generation", "AI", "+329%"),
        (4, "Prompt engineering", "AI", "178%"),
        (5, "Data annotation", None, "60%"),
        (6, "Machine learning ops", "AI & data", "3.5x"),
    ]
    assert skipped(table) == [(8, "footnote_row", "Source: vendor survey, 2025")]


def test_text_aligned_with_title_and_repeated_header(tmp_path):
    text = (
        "Growth report\n\nSkill      Growth\nPython       5%\nSkill      Growth\nSQL         12%\n"
    )
    table = read(write(tmp_path, "a.txt", text), header_row=2, text_layout="aligned")
    assert rows(table) == [(4, "Python", "5%"), (6, "SQL", "12%")]
    assert skipped(table) == [(5, "repeated_header", "Skill      Growth")]


# ---------------------------------------------------------------------------------------------
# Real published files (../shared/realdata)

AI_INDEX_ROWS = {
    "4.2.1": 121, "4.2.2": 110, "4.2.3": 135, "4.2.4": 20, "4.2.5": 20, "4.2.6": 20, "4.2.7": 30,
    "4.2.8": 51, "4.2.9": 51, "4.2.10": 51, "4.2.11": 60, "4.2.12": 60, "4.2.13": 47, "4.2.14": 3948,
    "4.2.15": 49, "4.2.16": 84, "4.2.17": 48, "4.2.18": 48, "4.2.19": 774, "4.2.20": 18, "4.2.21": 772,
    "4.2.22": 48, "4.2.23": 288, "4.2.24": 22, "4.2.25": 752, "4.2.27": 5,
}  # fmt: skip


@pytest.mark.realdata
@realdata
@pytest.mark.parametrize(("figure", "count"), AI_INDEX_ROWS.items())
def test_ai_index_figures_read_with_published_row_counts(figure, count):
    path = REALDATA / "stanford_ai_index_2025_ch4_jobs" / f"fig_{figure}.csv"
    table = read(path)
    assert table.cells.num_rows == count and table.skipped.num_rows == 0
    with path.open(newline="", encoding="utf-8") as handle:
        published = list(csv.reader(handle))
    assert table.header == tuple(h.strip() for h in published[0])
    expected = [tuple(c if c.strip() else None for c in row) for row in published[1:]]
    assert [r[1:] for r in rows(table)] == expected
    assert rows(table)[0][0] == 2 and rows(table)[-1][0] == count + 1
    texts = [c for column in table.cells.columns[1:] for c in column.to_pylist() if c]
    assert not any("\r" in t for t in texts)


@pytest.mark.realdata
@realdata
def test_ai_index_messy_details_are_kept():
    folder = REALDATA / "stanford_ai_index_2025_ch4_jobs"
    assert read(folder / "fig_4.2.8.csv").header == ("State code", "Numbe rof AI job postings")
    assert rows(read(folder / "fig_4.2.4.csv"))[0][1:] == ("19886", "Scalability", "2012\u201314")
    assert rows(read(folder / "fig_4.2.14.csv"))[0][1:] == ("1/1/18", "Argentina", "2.37%")
    assert rows(read(folder / "fig_4.2.2.csv"))[-1][-1] == "Spain"
    assert rows(read(folder / "fig_4.2.6.csv"))[0][1] == "0.522332095"


@pytest.mark.realdata
@realdata
def test_esco_multi_line_records_are_intact():
    path = REALDATA / "esco_skills_subset" / "skills_en.csv"
    table = read(path)
    assert table.header == ("conceptUri", "reuseLevel", "preferredLabel", "altLabels")
    assert table.cells.num_rows == 4199 and table.skipped.num_rows == 0
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        starts, records = [], []
        line = reader.line_num
        for record in reader:
            starts.append(line + 1)
            records.append(record)
            line = reader.line_num
    assert table.cells.column("source_row").to_pylist() == starts
    assert table.cells.column("c4").to_pylist() == [r[3] or None for r in records]
    first = table.cells.column("c4")[0].as_py()
    assert first.startswith("establish available services\nidentify available services\n")


@pytest.mark.realdata
@realdata
def test_onet_technology_skills_read_as_tsv():
    table = read(REALDATA / "onet_29_2" / "Technology Skills.txt", format="tsv")
    assert table.header[:2] == ("O*NET-SOC Code", "Example")
    assert table.cells.num_rows == 32627 and table.skipped.num_rows == 0
    assert table.cells.column("c3")[0].as_py() == "43232202"
    assert not any("\r" in (v or "") for v in table.cells.column("c6").to_pylist())


@pytest.mark.realdata
@realdata
def test_indeed_postings_by_sector():
    table = read(REALDATA / "indeed_hiring_lab" / "job_postings_by_sector_US.csv")
    assert table.header == (
        "date",
        "jobcountry",
        "indeed_job_postings_index",
        "variable",
        "display_name",
    )
    assert table.cells.num_rows == 74228
    assert rows(table)[0] == (2, "2020-02-01", "US", "100", "total postings", "Accounting")


@pytest.mark.realdata
@realdata
def test_other_realdata_files_read():
    assert read(REALDATA / "data_jobs_course_skills_dim" / "skills_dim.csv").cells.num_rows == 259
    assert read(REALDATA / "onet_29_2" / "Occupation Data.txt", format="tsv").cells.num_rows == 1016
    assert read(REALDATA / "onet_29_2" / "Emerging Tasks.txt", format="tsv").cells.num_rows == 240
    assert (
        read(REALDATA / "indeed_hiring_lab" / "sector-job-title-examples.csv").cells.num_rows == 47
    )
