"""CSV files read together in one parse give each file what reading it alone gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.errors import ExtractError
from flows.extract import csv_window
from flows.extract.delimited import PreparedCsv, prepare_csv, read_prepared
from flows.raw.manifest import TableSpec

# Each file exercises one rule that must stay within its own file once the bodies are joined.
FILES = {
    "plain.csv": 'Skill,Growth\n"Python, advanced",12%\nSQL,9%\n',
    # Footnotes at its end; the next file's data rows must not make them data again.
    "footnotes.csv": "Skill,Growth\nRust,30%\n\nSource: a survey\n* weighted\n",
    # A row that reads like a footnote with data below it is data.
    "note_then_data.csv": "Skill,Growth\nNote: x,1%\nGo,4%\n",
    # Repeated header, blank line, a short row and a ragged one.
    "repeated.csv": "Skill,Growth\nJava,5%\nSkill,Growth\n\nKotlin\nScala,7%,extra\n",
    # A quoted record over two lines pushes the next rows' line numbers down.
    "multiline.csv": 'Skill,Growth\n"Machine\nlearning",20%\nC++,3%',
    # Title line above the header, CRLF line ends.
    "titled.csv": "Table 1: growth\r\nSkill,Growth\r\nExcel,-2%\r\nSkill,Growth\r\n",
    # A header naming what another file's header names: only its own header repeats.
    "other_header.csv": "Skill,Growth\nPython,Growth\n",
    # The last row alone is a footnote (the file's end, not the window's).
    "last_note.csv": "Skill,Growth\nR,2%\nSources: ours\n",
}
OPTIONS = {"titled.csv": {"header_row": 2}}


def _prepared(tmp_path: Path) -> list[PreparedCsv]:
    files = []
    for name, text in FILES.items():
        path = tmp_path / name
        path.write_bytes(text.encode())
        spec = TableSpec(
            file=name,
            measure="growth_pct",
            columns={"skill": "Skill", "value": "Growth"},
            **OPTIONS.get(name, {}),
        )
        files.append(prepare_csv(path, spec))
    return files


def test_files_read_together_equal_each_file_read_alone(tmp_path: Path) -> None:
    files = _prepared(tmp_path)
    together = csv_window._read_together(files)  # the joined path itself: no fallback hides a miss
    for csv_file, raw in zip(files, together, strict=True):
        alone = read_prepared(csv_file)
        assert raw.header == alone.header, csv_file.path.name
        assert raw.cells.equals(alone.cells), (csv_file.path.name, raw.cells, alone.cells)
        assert raw.skipped.equals(alone.skipped), (csv_file.path.name, raw.skipped, alone.skipped)
    skipped = {
        f.path.name: r.skipped["reason_code"].to_pylist()
        for f, r in zip(files, together, strict=True)
    }
    assert skipped["footnotes.csv"] == ["blank_row", "footnote_row", "footnote_row"]
    assert skipped["note_then_data.csv"] == []
    assert skipped["repeated.csv"] == ["repeated_header", "blank_row", "ragged_row"]
    assert skipped["last_note.csv"] == ["footnote_row"]


def test_a_file_whose_record_runs_past_its_end_is_read_alone(tmp_path: Path) -> None:
    files = _prepared(tmp_path)
    (tmp_path / "open.csv").write_bytes(b'Skill,Growth\n"Rust,3%\n')
    spec = TableSpec(
        file="open.csv", measure="growth_pct", columns={"skill": "Skill", "value": "Growth"}
    )
    opened = prepare_csv(tmp_path / "open.csv", spec)
    assert not csv_window._joinable(opened)
    window = csv_window.read_csv_window([*files, opened])
    assert (
        window[-1].skipped["reason_code"].to_pylist()
        == read_prepared(opened).skipped["reason_code"].to_pylist()
    )
    for csv_file, raw in zip(files, window, strict=False):
        assert raw.cells.equals(read_prepared(csv_file).cells)


def test_a_record_spanning_two_joined_files_is_refused(tmp_path: Path) -> None:
    # An even quote count, yet a quote left open: the first one is inside a field, so literal.
    files = _prepared(tmp_path)[:2]
    (tmp_path / "open.csv").write_bytes(b'Skill,Growth\nA5"in,1%\n"B,2%\n')
    spec = TableSpec(
        file="open.csv", measure="growth_pct", columns={"skill": "Skill", "value": "Growth"}
    )
    opened = prepare_csv(tmp_path / "open.csv", spec)
    assert csv_window._joinable(opened)
    with pytest.raises(ExtractError, match="spans two files"):
        csv_window._read_together([opened, *files])
    window = csv_window.read_csv_window([opened, *files])
    for csv_file, raw in zip([opened, *files], window, strict=True):
        alone = read_prepared(csv_file)
        assert raw.cells.equals(alone.cells)
        assert raw.skipped.equals(alone.skipped)
