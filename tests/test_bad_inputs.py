"""A corpus of hostile inputs: each gets its reason code and an actionable message; good reports still load."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from flows.pipeline import skillpulse_pipeline
from flows.reasons import all_reason_codes
from tests.conftest import write_report

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

HEAD = """
[report]
series = "{series}"
edition = "2025"
publisher = "Hostile Inputs Inc."
title = "{series}"
source_url = "https://example.org/{series}"
period = {{ start = 2024-01-01, end = 2024-12-31 }}

[[tables]]
file = "{file}"
measure = "growth_pct"
columns = {{ skill = "Skill", value = "Growth" }}
"""
SQL_HEADER = 'Growth"); DROP TABLE lake.observations; --'


def report(
    raw: Path, series: str, file: str, content: str | bytes, manifest: str | None = None
) -> None:
    text = manifest if manifest is not None else HEAD.format(series=series, file=file)
    write_report(raw / series, text, {file: content} if content is not None else {})


def truncated_xlsx() -> bytes:
    buffer = io.BytesIO()
    book = Workbook()
    book.active.append(["Skill", "Growth"])
    book.active.append(["Prompt engineering", "+41%"])
    book.save(buffer)
    return buffer.getvalue()[: len(buffer.getvalue()) // 2]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> Path:
    raw = tmp_path_factory.mktemp("hostile") / "raw"
    report(
        raw, "good", "skills.csv", "Skill,Growth\nPrompt engineering,+41%\nAI integration,+178%\n"
    )
    report(raw, "empty-file", "skills.csv", "")
    report(raw, "header-only", "skills.csv", "Skill,Growth\n")
    report(raw, "binary-junk", "skills.csv", bytes(range(256)) * 64)
    report(raw, "truncated-xlsx", "skills.xlsx", truncated_xlsx())
    wrong_encoding = HEAD.format(series="wrong-encoding", file="skills.csv").replace(
        'measure = "growth_pct"', 'measure = "growth_pct"\nencoding = "utf-8"'
    )
    report(
        raw,
        "wrong-encoding",
        "skills.csv",
        "Skill,Growth\nR\xe9sum\xe9 writing,+12%\n".encode("cp1252"),
        wrong_encoding,
    )
    report(
        raw,
        "duplicated-rows",
        "skills.csv",
        "Skill,Growth\nChatGPT,+71%\nChatGPT,+71%\nCopilot,+12%\n",
    )
    report(
        raw,
        "missing-file",
        "other.csv",
        None,
        HEAD.format(series="missing-file", file="absent.csv"),
    )
    report(raw, "missing-column", "skills.csv", "Skill,YoY\nChatGPT,+71%\n")
    outside = HEAD.format(series="outside", file="../good/skills.csv")
    report(raw, "outside", "placeholder.txt", "x", outside)
    sql = HEAD.format(series="sql-header", file="skills.csv").replace(
        'value = "Growth"', "value = '''" + SQL_HEADER + "'''"
    )
    report(
        raw,
        "sql-header",
        "skills.csv",
        f'Skill,"{SQL_HEADER.replace(chr(34), chr(34) * 2)}"\nData annotation and labeling,+154%\n',
        sql,
    )
    report(
        raw, "too-large", "skills.csv", "Skill,Growth\n" + "Prompt engineering,+41%\n" * 2_200_000
    )
    return raw


@pytest.fixture(scope="module")
def warehouse(hostile: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("hostile-warehouse")
    mp = pytest.MonkeyPatch()
    mp.setenv("SKILLPULSE_MAX_FILE_MB", "20")
    try:
        summary = skillpulse_pipeline(str(hostile), str(warehouse))
    finally:
        mp.undo()
    assert summary["status"] == "completed"
    return warehouse


def quarantine(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT source_file, reason_code, message FROM lake.quarantine ORDER BY ALL"
        ).fetchall()
    by_report: dict[str, list[tuple]] = {}
    for source_file, code, message in rows:
        by_report.setdefault(source_file.split("/")[0], []).append((code, message))
    return by_report


@pytest.mark.parametrize(
    ("series", "code", "words"),
    [
        ("empty-file", "empty_file", ["empty-file/skills.csv"]),
        ("header-only", "no_data_rows", ["header-only/skills.csv", "no data rows"]),
        ("binary-junk", "binary_file", ["binary-junk/skills.csv"]),
        ("truncated-xlsx", "not_a_workbook", ["truncated-xlsx/skills.xlsx"]),
        ("wrong-encoding", "bad_encoding", ["utf-8", "encoding"]),
        ("duplicated-rows", "duplicate_row", ["duplicated-rows/skills.csv:3:2", "delete the copy"]),
        ("missing-file", "invalid_manifest", ["'absent.csv' does not exist"]),
        ("missing-column", "missing_column", ['"Growth"', '"YoY"']),
        ("outside", "invalid_manifest", ["leaves the report folder"]),
        ("too-large", "file_too_large", ["too-large/skills.csv", "SKILLPULSE_MAX_FILE_MB"]),
    ],
)
def test_each_bad_input_gets_its_reason_and_an_actionable_message(
    warehouse: Path, series: str, code: str, words: list[str]
) -> None:
    rows = quarantine(warehouse).get(series, [])
    matching = [message for reason, message in rows if reason == code]
    assert matching, f"{series}: expected {code}, got {rows}"
    for word in words:
        assert any(word in message for message in matching), (word, matching)


def test_good_reports_still_load_and_sql_in_a_header_is_only_text(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        loaded = con.execute(
            "SELECT report_id, skill_raw, value, source_column FROM lake.observations ORDER BY ALL"
        ).fetchall()
        reports = con.execute(
            "SELECT report_id, value_cells, observations, blank_cells, rejected_cells FROM lake.reports"
        ).fetchall()
    assert ("good-2025", "AI integration", 178.0, "Growth") in loaded
    assert ("sql-header-2025", "Data annotation and labeling", 154.0, SQL_HEADER) in loaded
    assert ("duplicated-rows-2025", "ChatGPT", 71.0, "Growth") in loaded
    for report_id, cells, observations, blanks, rejected in reports:
        assert cells == observations + blanks + rejected, report_id


def test_nothing_failed_unexpectedly_and_every_reason_is_documented(warehouse: Path) -> None:
    rows = [row for rows in quarantine(warehouse).values() for row in rows]
    assert {code for code, _ in rows} <= set(all_reason_codes())
    assert "report_failed" not in {code for code, _ in rows}
    assert all(len(message) > 40 for _, message in rows)
