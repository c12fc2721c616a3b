"""The one registry of quarantine reason codes: what each means and how to fix it (docs/reason_codes.md is generated)."""

from __future__ import annotations

READER_CODES: dict[str, str] = {
    # The whole file cannot be read (ExtractError.reason_code).
    "file_unreadable": "the file cannot be opened or parsed; check tables.file and the file's permissions, or re-download it",
    "file_too_large": "the file is above SKILLPULSE_MAX_FILE_MB (default 512); if it is genuine, raise that limit",
    "too_many_cells": "the table has more cells than SKILLPULSE_MAX_CELLS (default 50,000,000); raise that limit or split the file",
    "empty_file": "the file has no content; replace it with the file as published",
    "binary_file": "a text format was declared but the file is binary (e.g. an xlsx or pdf named .csv); set format to the real format",
    "bad_encoding": "the text cannot be decoded with the declared encoding, or the encoding name is unknown; fix encoding in report.toml",
    "bad_delimiter": 'delimiter must be one character (or "\\t"); fix delimiter in report.toml',
    "malformed_csv": "the CSV cannot be tokenised (e.g. an unterminated quote); fix the quoting or re-export the file",
    "no_header": "no header at header_row (file too short, the row is blank, or there are no records); set header_row",
    "not_a_workbook": "the file is not a readable xlsx workbook (not a zip, truncated, encrypted); re-save it from Excel as .xlsx",
    "sheet_not_found": "no sheet with that name or 0-based index; set sheet to one of the sheets the message lists",
    "table_not_found": "no table matches table_index/caption/records_key; pick one of those the message lists",
    "invalid_json": 'the file is not valid JSON; fix it at the reported line, or declare format = "jsonl" for one record per line',
    "regex_too_slow": "footer_pattern or unpivot.headers backtracks past its time budget (a nested quantifier such as (a+)+); simplify it, or drop look-arounds so the linear-time engine runs it",
    "file_changed": "the file was rewritten between discovery and reading (still downloading?); nothing loaded from it now, the next run reads it again",
    "chart_only": "the declared PDF page shows its figures only as a chart or image (no table, no text to read); the message names the page: type the figures into a CSV beside the PDF, or point pages/bbox at the table that holds them",
    "page_not_found": "tables.pages names a page the PDF does not have; the message gives the page count",
    "too_many_pages": "the PDF has more pages than SKILLPULSE_MAX_PDF_PAGES (default 2,000); raise that limit if the file is genuine",
    "too_many_chars": "the declared PDF pages hold more characters than SKILLPULSE_MAX_PDF_CHARS (default 20,000,000); narrow tables.pages or raise that limit",
    # One row is set aside (RawTable.skipped.reason_code).
    "blank_row": "every cell of the row is blank; nothing to fix",
    "footnote_row": "a note or source line below the data; nothing to fix (set footer_pattern if real data was taken for a note)",
    "repeated_header": "the header row repeated inside the data (paged export); nothing to fix",
    "ragged_row": "the row has more cells than the header (often an unquoted delimiter inside a value); quote the value in the file",
    "unmatched_line": "a text line that fits none of the supported layouts; set text_layout, or read the file's sentences with a prose table (prose = true)",
    "invalid_json_line": "a JSON Lines line that is not valid JSON; fix that line",
    "not_a_record": "a JSON record that is not an object; make every record an object",
}

VALUE_CODES: dict[str, str] = {
    "blank_value": "The value cell is empty or only whitespace, quotes or footnote marks.",
    "missing_marker": "The publisher marks the value as not available ('n/a', '-', '..', 'x').",
    "unparseable_value": "The text is not a number in any form skillpulse reads.",
    "period_not_value": "The text is a year, date or period: the wrong column is mapped as value.",
    "measure_mismatch": "The text is a number of another kind than the table's declared measure.",
    "not_finite": "The number is too large to store (1e400, 400 digits, a value_scale product beyond 1.8e308) or is infinity; fix the cell.",
    "formula_without_value": "A spreadsheet formula saved without its result (or a cell starting with '='); save the file from a spreadsheet so results are stored.",
    "out_of_range": "The number is impossible for the measure (share of 120%, rank 2.5, count -3).",
    "blank_period": "The period cell is empty.",
    "unparseable_period": "The text is not a year, quarter, month, date or span of those.",
    "not_a_figure": "The value cell holds prose, not a figure (a note or a claim); point columns.value at the column of figures, or leave the note out of the table.",
}

PIPELINE_CODES: dict[str, str] = {
    "invalid_manifest": "report.toml is missing keys, has unknown keys or bad values; the message lists every problem with its fix.",
    "undeclared_file": "a raw file no manifest declares; add a [[tables]] entry for it, list it under ignore, or scaffold one with `skillpulse new-report FILE`.",
    "symlink_ignored": "a folder under raw is a symbolic link, which is not followed; move or copy the folder itself under raw.",
    "duplicate_report": "two report folders declare the same series and edition; change one of them.",
    "missing_column": "a header named in columns (or the unpivot pattern) is not in the file; the message lists the headers present and the closest match.",
    "duplicate_header": "two columns share the header a mapped field (or the unpivot pattern) names, so which holds the figures is ambiguous; the message names both columns.",
    "no_data_rows": "the table has a header but no data rows; check header_row, or whether the file was exported completely.",
    "missing_skill": "a row has a figure but no skill name; fill in the name or delete the row.",
    "total_row": "a row named Total, Subtotal, All skills or Overall is the table's total, not a skill; kept out of the rankings, nothing to fix.",
    "duplicate_row": "a row repeats an earlier row of the same table cell for cell; delete the copy.",
    "unread_figure_line": "warning: a Markdown or text line (or a pipe table) outside every declared table prints figures no table reads; the message names the line and the entry that reads it (a prose table, prose = true, or a table with its table_index)",
    "check_failed": "the report's observations failed a warehouse check (e.g. a value that is not finite in a lake written by an older version); they are left out of the build, the other reports are published.",
    "report_failed": "the report could not be ingested at all (an unexpected error); the message names it, the other reports still load, and the next run retries.",
}


PROSE_CODES: dict[str, str] = {
    "prose_no_subject": "a figure in a sentence whose subject (skill, category or statement) could not be "
    "found, e.g. 'it rose 12%' with nothing before it to refer to; declare [[tables.subjects]] "
    "match/skill for that wording",
    "prose_no_measure": "a figure whose words do not say what it measures (a bare number) and the table "
    "declares no measure; set measure in the [[tables]] entry",
    "prose_bad_value": "a figure the measure cannot hold (a share above 100%, a percent read as a count); "
    "check measure in the [[tables]] entry",
    "prose_no_figure": "warning: a sentence with digits that gave no figure and no claim (a date, a "
    "page number, or a figure form skillpulse does not read); nothing is lost, the sentence is "
    "kept here",
}


def all_reason_codes() -> dict[str, tuple[str, str]]:
    """reason_code -> (stage, explanation), sorted by code."""
    stages = (
        ("discover / normalize", PIPELINE_CODES),
        ("extract (readers)", READER_CODES),
        ("values", VALUE_CODES),
        ("prose", PROSE_CODES),
    )
    codes = {code: (stage, text) for stage, table in stages for code, text in table.items()}
    return dict(sorted(codes.items()))


def render_reason_codes() -> str:
    """docs/reason_codes.md: one row per code."""
    lines = [
        "# Quarantine reason codes",
        "",
        "Generated from the code (`skillpulse docs`); do not edit by hand. Every row of `lake.quarantine`",
        "carries one of these in `reason_code`, and a `message` naming the file, row and column, the bad",
        "text, and the fix.",
        "",
        "| reason_code | stage | meaning and fix |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{code}` | {stage} | {text.replace('|', '/')} |"
        for code, (stage, text) in all_reason_codes().items()
    ]
    return "\n".join(lines) + "\n"
