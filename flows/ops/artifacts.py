"""Prefect artifacts of a run: a Markdown summary and a table of quarantined rows, readable in the UI and API."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import duckdb
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.config import DATABASE_NAME
from flows.ops.summary import RunSummary

SUMMARY_KEY = "skillpulse-run-summary"
QUARANTINE_KEY = "skillpulse-quarantine"
# The UI shows a table artifact whole; past this many rows, lake.quarantine is the place to look.
QUARANTINE_ROWS = 500
TOP_PER_REPORT = 3


def publish_artifacts(summary: RunSummary, warehouse: Path) -> None:
    """Attach the run summary and the quarantine sample to the current flow run."""
    top, quarantine = _read_warehouse(warehouse / DATABASE_NAME)
    create_markdown_artifact(
        markdown=summary_markdown(summary, top),
        key=SUMMARY_KEY,
        description="skillpulse run summary",
    )
    create_table_artifact(
        table=quarantine,
        key=QUARANTINE_KEY,
        description=f"Quarantined rows (first {QUARANTINE_ROWS})",
    )


def summary_markdown(summary: RunSummary, top: list[dict]) -> str:
    """The run summary as Markdown: reports, rows, quarantine by reason, top growth per report."""
    lines = [
        "# skillpulse run",
        "",
        "| reports | new | changed | unchanged | retired | failed |",
        "|---|---|---|---|---|---|",
        f"| {summary.reports_seen} | {summary.reports_new} | {summary.reports_ingested - summary.reports_new} | "
        f"{summary.reports_unchanged} | {summary.reports_retired} | {summary.reports_failed} |",
        "",
        f"**{summary.observations:,}** observations, **{summary.quarantined:,}** quarantined"
        + (" (nothing changed since the last run)" if summary.nothing_changed else ""),
        "",
    ]
    if summary.quarantine_by_reason:
        lines += ["| quarantine reason | rows |", "|---|---|"]
        lines += [
            f"| `{code}` | {n:,} |" for code, n in sorted(summary.quarantine_by_reason.items())
        ]
        lines.append("")
    if top:
        lines += [
            "## Fastest growth per report",
            "",
            "| report | rank | skill | growth % |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['report_id']} | {r['rank_in_report']} | {r['skill_name']} | {r['growth_pct']:,.1f} |"
            for r in top
        ]
    return "\n".join(lines) + "\n"


def _read_warehouse(database: Path) -> tuple[list[dict], list[dict]]:
    if not database.exists():
        return [], []
    with closing(duckdb.connect(str(database), read_only=True)) as con:
        top = _dicts(
            con,
            """SELECT report_id, rank_in_report, skill_name, growth_pct FROM marts.skill_growth_rankings
               WHERE rank_in_report <= $top QUALIFY row_number() OVER (PARTITION BY report_id ORDER BY rank_in_report, skill_name) <= $top
               ORDER BY report_id, rank_in_report, skill_name""",
            {"top": TOP_PER_REPORT},
        )
        quarantine = _dicts(
            con,
            """SELECT reason_code, source_file, source_row, source_column, message FROM lake.quarantine
               ORDER BY source_file, source_row NULLS FIRST, source_column LIMIT $limit""",
            {"limit": QUARANTINE_ROWS},
        )
    return top, quarantine


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
