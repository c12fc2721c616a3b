"""Every quarantine reason code in one place, with what it means and how to fix it (docs/reason_codes.md)."""

from __future__ import annotations

from flows.extract import REASON_CODES as READER_CODES
from flows.normalize.numbers import REASON_CODES as VALUE_CODES

PIPELINE_CODES: dict[str, str] = {
    "invalid_manifest": "report.toml is missing keys, has unknown keys or bad values; the message lists every problem with its fix.",
    "undeclared_file": "a raw file no manifest declares; add a [[tables]] entry for it, list it under ignore, or scaffold one with `skillpulse new-report FILE`.",
    "duplicate_report": "two report folders declare the same series and edition; change one of them.",
    "missing_column": "a header named in columns (or the unpivot pattern) is not in the file; the message lists the headers present and the closest match.",
    "no_data_rows": "the table has a header but no data rows; check header_row, or whether the file was exported completely.",
    "missing_skill": "a row has a figure but no skill name; fill in the name or delete the row.",
    "duplicate_row": "a row repeats an earlier row of the same table cell for cell; delete the copy.",
    "report_failed": "the report could not be ingested at all (an unexpected error); the message names it, the other reports still load, and the next run retries.",
}


def all_reason_codes() -> dict[str, tuple[str, str]]:
    """reason_code -> (stage, explanation), sorted by code."""
    stages = (
        ("discover / normalize", PIPELINE_CODES),
        ("extract (readers)", READER_CODES),
        ("values", VALUE_CODES),
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
