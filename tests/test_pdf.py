"""PDF tables and page texts read back from PDFs written with reportlab: cells exact, with their pages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import duckdb
import pdfplumber
import pytest

from flows.config import DEFAULT_REFERENCE
from flows.errors import ExtractError, ManifestError
from flows.extract import read_table
from flows.extract.pdf import document_text, page_texts
from flows.normalize.names import harmonize_names
from flows.normalize.table import normalize_report
from flows.normalize.values import parse_values
from flows.raw.discover import discover
from flows.raw.manifest import TableSpec, load_manifest, parse_pages
from tests import pdf_fixtures as pdf
from tests.conftest import write_report

COLUMNS = {"skill": "Skill", "value": "Growth 2025"}


def read(path: Path, **selection):
    """Through the dispatcher, as the pipeline reads: the format comes from the .pdf suffix."""
    spec = TableSpec(file=path.name, measure="growth_pct", columns=COLUMNS, **selection)
    return read_table(path, spec)


def rows_of(raw) -> list[list]:
    return [list(row.values()) for row in raw.cells.to_pylist()]


def test_a_ruled_table_round_trips_every_cell_with_its_page(tmp_path: Path) -> None:
    path = pdf.build(tmp_path / "report.pdf", pdf.ruled_table(pdf.GROWTH, "Table 1: Growth"))
    raw = read(path)
    assert raw.header == tuple(pdf.GROWTH[0])
    assert rows_of(raw) == [[n, 1, *row] for n, row in enumerate(pdf.GROWTH[1:], start=2)]
    assert raw.skipped.num_rows == 0


def test_a_borderless_table_round_trips_every_cell(tmp_path: Path) -> None:
    story = pdf.prose("Skills in demand, by growth of freelance hires.")
    story += pdf.borderless_table(pdf.GROWTH, "Table 2: Growth by skill")
    story += pdf.prose("Source: the marketplace's own hiring data.")
    raw = read(pdf.build(tmp_path / "report.pdf", story))
    assert raw.header == tuple(pdf.GROWTH[0])
    assert rows_of(raw) == [[n, 1, *row] for n, row in enumerate(pdf.GROWTH[1:], start=2)]


def _long_rows(count: int) -> list[list[str]]:
    return [["Skill", "Category", "Growth 2025"]] + [
        [f"Skill number {i}", f"Category {i % 7}", f"{i * 1001:,}"] for i in range(1, count + 1)
    ]


@pytest.mark.parametrize("ruled", [True, False], ids=["ruled", "borderless"])
def test_a_table_over_two_pages_is_one_table_with_each_row_on_its_page(
    tmp_path: Path, ruled: bool
) -> None:
    rows = _long_rows(80)
    table = pdf.ruled_table(rows, "Table 3: All skills", repeat=1) if ruled else []
    table = table or pdf.borderless_table(rows, "Table 3: All skills")
    path = pdf.build(tmp_path / "report.pdf", table)
    raw = read(path)
    texts = {row["page"]: row["text"] for row in page_texts(path).to_pylist()}
    assert len(texts) >= 2
    got = raw.cells.to_pylist()
    assert [[r["c1"], r["c2"], r["c3"]] for r in got] == rows[1:]
    assert {r["source_page"] for r in got} == set(texts)
    # Every row's page is the page its text is printed on.
    assert all(f"{r['c1']} {r['c2']}" in texts[r["source_page"]] for r in got)
    assert [r["source_row"] for r in got] == sorted(r["source_row"] for r in got)
    if ruled:  # the header printed again on each later page is set aside, with its page
        skipped = raw.skipped.to_pydict()
        assert skipped["reason_code"] == ["repeated_header"] * (len(texts) - 1)
        assert skipped["raw_record"] == ["Skill\tCategory\tGrowth 2025"] * (len(texts) - 1)
        assert skipped["source_page"] == sorted(texts)[1:]


def test_merged_header_cells_name_every_column_they_cover(tmp_path: Path) -> None:
    rows = [
        ["Skill", "Growth", ""],
        ["", "2024", "2025"],
        ["AI video generation", "120%", "+329%"],
        ["AI integration", "80%", "178%"],
    ]
    table = pdf.Table(pdf.cells(rows))
    table.setStyle(pdf.RULED)
    table.setStyle(pdf.TableStyle([("SPAN", (1, 0), (2, 0)), ("SPAN", (0, 0), (0, 1))]))
    raw = read(pdf.build(tmp_path / "report.pdf", [table]))
    assert raw.header == ("Skill", "Growth 2024", "Growth 2025")
    assert rows_of(raw) == [[3, 1, *rows[2]], [4, 1, *rows[3]]]


def test_footnote_marks_minus_and_thousands_are_kept_as_printed_and_parse(tmp_path: Path) -> None:
    rows = [
        ["Skill", "Growth 2025"],
        ["AI video generation", "+329%<super>1</super>"],
        ["Data annotation<super>a</super>", "\u22125.2%"],
        ["Freelance hires", "12,345<super>23</super>"],
        ["AI integration<super>2</super>", "41%<super>b</super>"],
    ]
    raw = read(pdf.build(tmp_path / "report.pdf", pdf.ruled_table(rows)))
    cells = raw.cells.to_pydict()
    assert cells["c1"] == [
        "AI video generation",
        "Data annotationᵃ",
        "Freelance hires",
        "AI integration²",
    ]
    assert cells["c2"] == ["+329%¹", "\u22125.2%", "12,345²³", "41%ᵇ"]
    parsed = parse_values(cells["c2"], "growth_pct").to_pydict()
    assert dict(zip(parsed["source_text"], parsed["value"], strict=True)) == {
        "+329%¹": 329.0,
        "\u22125.2%": -5.2,
        "12,345²³": 12345.0,
        "41%ᵇ": 41.0,
    }
    names = harmonize_names(cells["c1"], "skill", DEFAULT_REFERENCE).to_pydict()
    matched = dict(zip(names["name_raw"], names["canonical_id"], strict=True))
    assert matched["AI integration²"] == "ai-integration"  # the mark does not hide the name


def test_the_table_is_chosen_by_caption_index_page_or_box(tmp_path: Path) -> None:
    other = [["Skill", "Growth 2025"], ["Excel", "41%"], ["SQL", "7%"]]
    story = pdf.ruled_table(pdf.GROWTH, "Table 1: Growth") + pdf.page_break()
    story += pdf.borderless_table(other, "Table 2: Office skills")
    path = pdf.build(tmp_path / "report.pdf", story)
    by_caption = read(path, caption="office skills")
    assert by_caption.cells["c1"].to_pylist() == ["Excel", "SQL"]
    assert by_caption.cells["source_page"].to_pylist() == [2, 2]
    assert read(path, table_index=1).cells.equals(by_caption.cells)
    assert read(path, pages=2).cells.equals(by_caption.cells)
    with pdfplumber.open(path) as document:
        top = next(w["top"] for w in document.pages[1].extract_words() if w["text"] == "Skill")
    box = read(path, pages="2", bbox=(0, top - 2, 595, top + 60))
    assert box.cells.equals(by_caption.cells)
    with pytest.raises(ExtractError) as caught:
        read(path, caption="regional breakdown")
    assert caught.value.reason_code == "table_not_found"
    assert "caption 'Table 1: Growth'" in str(caught.value)


def test_a_prose_only_page_has_no_table_and_says_so(tmp_path: Path) -> None:
    story = pdf.prose("Demand for AI video generation rose 329% year over year.")
    path = pdf.build(tmp_path / "report.pdf", story)
    with pytest.raises(ExtractError) as caught:
        read(path)
    assert caught.value.reason_code == "table_not_found"
    assert "found 0 table(s) (the pages hold only prose)" in str(caught.value)


def test_a_chart_without_a_table_is_chart_only_with_its_page(tmp_path: Path) -> None:
    story = pdf.ruled_table(pdf.GROWTH) + pdf.page_break() + pdf.chart()
    path = pdf.build(tmp_path / "report.pdf", story)
    with pytest.raises(ExtractError) as caught:
        read(path, pages=2)
    assert caught.value.reason_code == "chart_only"
    assert "page 2 shows a chart or image" in str(caught.value)


def test_page_texts_give_each_page_and_its_span_in_the_document(tmp_path: Path) -> None:
    story = pdf.prose("AI skills rose 329%¹ in 2025.") + pdf.page_break()
    story += pdf.prose("Coding is up 178%.", "Bookkeeping fell \u22125.2%.")
    path = pdf.build(tmp_path / "report.pdf", story)
    pages = page_texts(path)
    assert pages["page"].to_pylist() == [1, 2]
    assert pages["text"].to_pylist() == [
        "AI skills rose 329%¹ in 2025.",
        "Coding is up 178%.\nBookkeeping fell \u22125.2%.",
    ]
    text = document_text(pages)
    for row in pages.to_pylist():
        assert text[row["char_start"] : row["char_end"]] == row["text"]
    assert page_texts(path, "2")["page"].to_pylist() == [2]


def test_limits_are_checked_before_the_work(tmp_path: Path, monkeypatch) -> None:
    story = pdf.ruled_table(pdf.GROWTH) + pdf.page_break() + pdf.prose("Second page.")
    path = pdf.build(tmp_path / "report.pdf", story)
    cases = [
        (
            {"SKILLPULSE_MAX_PDF_PAGES": "1"},
            {},
            "too_many_pages",
            "has 2 pages, above the limit of 1",
        ),
        ({"SKILLPULSE_MAX_PDF_CHARS": "50"}, {}, "too_many_chars", "above the limit of 50"),
        ({}, {"pages": [3]}, "page_not_found", "names page 3 but the PDF has 2 page(s)"),
    ]
    for env, selection, code, text in cases:
        with monkeypatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            with pytest.raises(ExtractError) as caught:
                read(path, **selection)
        assert caught.value.reason_code == code
        assert text in str(caught.value)
    # The text of the pages, for prose, is bounded the same way.
    for variable, code in (
        ("SKILLPULSE_MAX_FILE_MB", "file_too_large"),
        ("SKILLPULSE_MAX_PDF_CHARS", "too_many_chars"),
    ):
        with monkeypatch.context() as patch:
            patch.setenv(variable, "0.001" if code == "file_too_large" else "50")
            with pytest.raises(ExtractError) as caught:
                page_texts(path)
        assert caught.value.reason_code == code


def test_a_file_that_is_not_a_pdf_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"Skill,Growth\nAI,329%\n")
    with pytest.raises(ExtractError) as caught:
        read(path)
    assert caught.value.reason_code == "file_unreadable"
    assert caught.value.__cause__ is not None


def test_pages_are_written_as_ranges_or_lists() -> None:
    assert parse_pages("3-5, 8") == (3, 4, 5, 8)
    assert parse_pages([2, 4]) == (2, 4)
    assert parse_pages(7) == (7,)
    assert parse_pages(None) is None
    for bad in ("0-2", "5-3", "three", ""):
        with pytest.raises(ValueError):
            parse_pages(bad)


def test_blank_cells_of_a_borderless_table_are_null_and_notes_around_it_stay_out(
    tmp_path: Path,
) -> None:
    rows = [
        ["Skill", "Category", "Growth 2025"],
        ["AI video generation", "Creative", "+329%"],
        ["Web design", "Creative", ""],
        ["SQL", "", "7%"],
    ]
    story = pdf.prose("An opening paragraph about the year in freelance hiring.")
    story += pdf.borderless_table(rows, "Table 1: Growth") + pdf.prose("Source: hiring data.")
    raw = read(pdf.build(tmp_path / "report.pdf", story))
    assert rows_of(raw) == [
        [2, 1, "AI video generation", "Creative", "+329%"],
        [3, 1, "Web design", "Creative", None],
        [4, 1, "SQL", None, "7%"],
    ]


def test_a_label_spanning_rows_fills_them_and_a_number_never_counts_twice(
    tmp_path: Path,
) -> None:
    rows = [
        ["Category", "Skill", "Growth 2025"],
        ["Creative", "AI video generation", "+329%"],
        ["", "Web design", "20%"],
        ["Coding", "Python", "12%"],
        ["Data", "SQL", "7%"],
        ["", "Excel", ""],
    ]
    table = pdf.Table(pdf.cells(rows))
    table.setStyle(pdf.RULED)
    table.setStyle(pdf.TableStyle([("SPAN", (0, 1), (0, 2)), ("SPAN", (2, 4), (2, 5))]))
    raw = read(pdf.build(tmp_path / "report.pdf", [table]))
    assert [row[2:] for row in rows_of(raw)] == [
        ["Creative", "AI video generation", "+329%"],
        ["Creative", "Web design", "20%"],
        ["Coding", "Python", "12%"],
        ["Data", "SQL", "7%"],
        [None, "Excel", None],
    ]


def test_every_cell_of_a_two_page_table_round_trips_through_the_normalizer(
    tmp_path: Path,
) -> None:
    rows = [["Skill", "Category", "Growth 2025"]] + [
        [f"Skill number {i}", "Coding", f"\u2212{i // 5}.5%" if i % 5 == 0 else f"+{i * 101:,}.5%"]
        for i in range(1, 61)
    ]
    folder = write_report(
        tmp_path / "raw" / "acme" / "2025",
        """
        [report]
        series = "acme-skills"
        edition = "2025"
        publisher = "Acme"
        title = "Acme skills 2025"
        source_url = "https://example.org/acme.pdf"

        [[tables]]
        name = "growth"
        file = "report.pdf"
        pages = "1-2"
        measure = "growth_pct"
        columns = { skill = "Skill", category = "Category", value = "Growth 2025" }
        """,
        {},
    )
    path = pdf.build(folder / "report.pdf", pdf.borderless_table(rows, "Table 1: Growth"))
    (source,) = discover(tmp_path / "raw", "", {}).changed
    with duckdb.connect() as con:
        (result,) = normalize_report(con, source, DEFAULT_REFERENCE)
    texts = {row["page"]: row["text"] for row in page_texts(path).to_pylist()}
    got = result.observations.select(
        ["skill_raw", "source_text", "value", "source_page", "source_row", "source_column"]
    ).to_pylist()
    assert [(o["skill_raw"], o["source_text"]) for o in got] == [(r[0], r[2]) for r in rows[1:]]
    assert [o["value"] for o in got] == [
        -(i // 5 + 0.5) if i % 5 == 0 else i * 101 + 0.5 for i in range(1, 61)
    ]
    assert [o["source_row"] for o in got] == list(range(2, 62))
    assert {o["source_page"] for o in got} == {1, 2} == set(texts)
    assert all(
        f"{o['skill_raw']} Coding {o['source_text']}" in texts[o["source_page"]] for o in got
    )
    assert {o["source_column"] for o in got} == {"Growth 2025"}
    assert result.quarantine.num_rows == 0


def test_a_table_running_past_the_declared_pages_is_followed_to_its_end(tmp_path: Path) -> None:
    rows = _long_rows(80)
    path = pdf.build(tmp_path / "report.pdf", pdf.ruled_table(rows, "Table 1", repeat=1))
    pages = page_texts(path)["page"].to_pylist()
    assert len(pages) >= 3
    raw = read(path, pages=1)
    assert [[r["c1"], r["c2"], r["c3"]] for r in raw.cells.to_pylist()] == rows[1:]
    assert sorted(set(raw.cells["source_page"].to_pylist())) == pages


def test_manifest_mistakes_in_pages_and_bbox_name_the_fix(tmp_path: Path) -> None:
    folder = write_report(
        tmp_path / "r",
        """
        [report]
        series = "acme"
        edition = "2025"
        publisher = "Acme"
        title = "Acme"
        source_url = "https://example.org/a.pdf"

        [[tables]]
        file = "a.pdf"
        pages = "3 to 5"
        measure = "count"
        columns = { skill = "S", value = "V" }

        [[tables]]
        name = "b"
        file = "a.pdf"
        pages = [2, 0]
        bbox = [500, 10, 100, 20]
        measure = "count"
        columns = { skill = "S", value = "V" }
        """,
        {"a.pdf": b"%PDF-1.4"},
    )
    with pytest.raises(ManifestError) as caught:
        load_manifest(folder / "report.toml")
    message = str(caught.value)
    assert "tables.0.pages: pages '3 to 5': '3 to 5' is not a page or range" in message
    assert "tables.1.pages: pages [2, 0] must list page numbers from 1" in message
    assert "tables.1.bbox: bbox [500.0, 10.0, 100.0, 20.0] must be [x0, top, x1, bottom]" in message


SENTENCE = (
    "Demand for AI video generation rose 329% year over year in 2025, while data annotation "
    "grew 154% and bookkeeping fell 5.2% across 12,345 hires. "
)


def test_text_set_in_columns_or_justified_is_prose_not_a_table(tmp_path: Path) -> None:
    article = pdf.two_column_article(tmp_path / "article.pdf", SENTENCE * 60)
    story = [*pdf.justified(SENTENCE * 6, 7, 120), *pdf.justified(SENTENCE * 6, 9, 180)]
    story += pdf.justified(SENTENCE * 6, 11, 250)
    narrow = pdf.build(tmp_path / "narrow.pdf", story)
    for path in (article, narrow):
        with pytest.raises(ExtractError) as caught:
            read(path)
        assert caught.value.reason_code == "table_not_found", path.name
        assert "found 0 table(s)" in str(caught.value)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium to print HTML to PDF")
def test_tables_printed_by_a_browser_read_back_exactly(tmp_path: Path) -> None:
    """Another PDF writer (Chromium/Skia: borders drawn as rectangles, header repeated per page)."""
    rows = "".join(
        f"<tr><td>Skill number {i}</td><td>Cat {i % 7}</td><td>{i * 1001:,}</td></tr>"
        for i in range(1, 121)
    )
    head = "<thead><tr><th>Skill</th><th>Category</th><th>Hires</th></tr></thead>"
    (tmp_path / "report.html").write_text(
        "<html><body style='font-family: sans-serif'>"
        "<h2>Table 1: Growth</h2><table border='1' style='border-collapse: collapse'>"
        "<tr><th rowspan='2'>Skill</th><th colspan='2'>Growth</th></tr>"
        "<tr><th>2024</th><th>2025</th></tr>"
        "<tr><td>AI video generation</td><td>120%</td><td>+329%<sup>1</sup></td></tr>"
        "<tr><td>Data annotation</td><td>&minus;5.2%</td><td>12,345</td></tr></table>"
        f"<h2>Table 2: All skills</h2><table border='1' style='border-collapse: collapse'>{head}"
        f"<tbody>{rows}</tbody></table>"
        f"<h2>Table 3: Borderless</h2><table cellpadding='5'>{head}<tbody>{rows}</tbody></table>"
        "</body></html>",
        encoding="utf-8",
    )
    path = tmp_path / "report.pdf"
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
         f"--print-to-pdf={path}", str(tmp_path / "report.html")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    growth = read(path, caption="Table 1")
    assert growth.header == ("Skill", "Growth 2024", "Growth 2025")
    assert rows_of(growth) == [
        [3, 1, "AI video generation", "120%", "+329%¹"],
        [4, 1, "Data annotation", "\u22125.2%", "12,345"],
    ]
    expected = [[f"Skill number {i}", f"Cat {i % 7}", f"{i * 1001:,}"] for i in range(1, 121)]
    for caption in ("All skills", "Borderless"):
        raw = read(path, caption=caption)
        assert [[r["c1"], r["c2"], r["c3"]] for r in raw.cells.to_pylist()] == expected, caption
        assert len(set(raw.cells["source_page"].to_pylist())) >= 2
        assert set(raw.skipped["reason_code"].to_pylist()) == {"repeated_header"}


@pytest.mark.realdata
def test_published_pdfs_in_the_real_data_read_or_fail_clearly(realdata: Path) -> None:
    """Every PDF under ../shared/realdata: its pages give text, its first table reads or is explained."""
    pdfs = sorted(realdata.rglob("*.pdf"))
    if not pdfs:
        pytest.skip(f"no PDF under {realdata}")
    for path in pdfs:
        pages = page_texts(path)
        assert pages.num_rows >= 1
        try:
            raw = read(path)
        except ExtractError as exc:
            assert exc.reason_code in {"table_not_found", "chart_only", "no_header"}, str(exc)
        else:
            assert raw.cells.num_rows + raw.skipped.num_rows >= 1


def test_a_same_width_table_under_its_own_caption_on_the_next_page_is_another_table(
    tmp_path: Path,
) -> None:
    other = [
        ["Skill", "Category", "Growth 2025"],
        ["Excel", "Office", "41%"],
        ["SQL", "Data", "7%"],
    ]
    story = pdf.ruled_table(pdf.GROWTH, "Table 1: Growth") + pdf.page_break()
    story += pdf.ruled_table(other, "Table 2: Office skills")
    path = pdf.build(tmp_path / "report.pdf", story)
    first = read(path, caption="Table 1")
    assert [r[2:] for r in rows_of(first)] == pdf.GROWTH[1:]
    assert rows_of(read(path, table_index=1)) == [
        [n, 2, *row] for n, row in enumerate(other[1:], 2)
    ]
    # Uncaptioned, it is the first table running on when that one ends low on its page ...
    rows = _long_rows(30)
    story = pdf.ruled_table(rows, "Table 1: Growth") + pdf.page_break() + pdf.ruled_table(other)
    merged = read(pdf.build(tmp_path / "merged.pdf", story))
    assert [r[2:] for r in rows_of(merged)] == rows[1:] + other[1:]
    assert merged.skipped["reason_code"].to_pylist() == ["repeated_header"]
    # ... and another table when that one stopped halfway down its page.
    story = pdf.ruled_table(pdf.GROWTH, "Table 1: Growth") + pdf.page_break()
    story += pdf.ruled_table(other)
    apart = read(pdf.build(tmp_path / "apart.pdf", story))
    assert [r[2:] for r in rows_of(apart)] == pdf.GROWTH[1:]


def test_a_caption_left_at_the_foot_of_a_page_names_the_table_on_the_next(tmp_path: Path) -> None:
    story = [pdf.Spacer(1, 650), *pdf.prose("Table 4: Regional shares"), *pdf.page_break()]
    story += pdf.ruled_table([["Region", "Share"], ["Europe", "38.5%"], ["Asia", "1,204"]])
    path = pdf.build(tmp_path / "report.pdf", story)
    raw = read(path, caption="regional shares")
    assert raw.header == ("Region", "Share")
    assert raw.cells["source_page"].to_pylist() == [2, 2]
