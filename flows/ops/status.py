"""`skillpulse status`: the last runs, what the warehouse holds, and the quarantine by reason."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import duckdb

from flows.config import DATABASE_NAME
from flows.ops.summary import read_history


def render_status(warehouse: Path, runs: int) -> tuple[str, bool]:
    """Status text, and whether the last run failed."""
    history = read_history(warehouse, runs)
    lines = [f"warehouse: {warehouse.resolve()}", "", "last runs:"]
    if not history:
        lines.append("  none yet: run `skillpulse run`")
    for run in history:
        lines.append("  " + _run_line(run))
    contents, unwell = _contents(warehouse / DATABASE_NAME)
    lines += ["", *contents]
    last_failed = bool(history) and history[-1].get("status") == "failed"
    return "\n".join(lines), last_failed or bool(unwell)


def _run_line(run: dict) -> str:
    when = run.get("finished_at", "?")
    if run.get("status") == "failed":
        return f"{when}  FAILED  {run.get('error', '')}"
    seconds = sum(run.get("seconds", {}).values())
    did = (
        "nothing changed"
        if run.get("nothing_changed")
        else (
            f"{run.get('reports_ingested', 0)} ingested, {run.get('reports_unchanged', 0)} unchanged, "
            f"{run.get('reports_retired', 0)} retired, {run.get('reports_failed', 0)} failed"
        )
    )
    return f"{when}  ok      {did}; {run.get('observations', 0):,} observations, {run.get('quarantined', 0):,} quarantined, {seconds:.1f} s"


def _contents(database: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """What the warehouse holds, and its reports that failed or are stale (they fail status too)."""
    if not database.exists():
        return ["no warehouse published yet"], []
    with closing(duckdb.connect(str(database), read_only=True)) as con:
        reports = con.execute(
            "SELECT count(*), count(DISTINCT series_id), count(DISTINCT publisher) FROM lake.reports"
        ).fetchone()
        observations = con.execute("SELECT count(*) FROM lake.observations").fetchone()[0]
        # One example per reason, the first in file order, to say what went wrong.
        reasons = con.execute(
            "SELECT reason_code, count(*), arg_min(message, (source_file, source_row)) "
            "FROM lake.quarantine GROUP BY ALL ORDER BY 2 DESC, 1"
        ).fetchall()
        unwell = con.execute(
            "SELECT report_id, status FROM lake.reports WHERE status IN ('failed', 'stale') "
            "ORDER BY ALL"
        ).fetchall()
    lines = [
        f"warehouse holds: {reports[0]} report edition(s) of {reports[1]} series from {reports[2]} publisher(s); "
        f"{observations:,} observations",
        "quarantine by reason:" if reasons else "quarantine: empty",
    ]
    lines += [
        f"  {code:<24} {count:>8,}  e.g. {_short(example)}" for code, count, example in reasons
    ]
    if unwell:
        lines.append("reports needing attention (see lake.quarantine for why):")
        lines += [f"  {report_id}  {status}" for report_id, status in unwell]
    return lines, unwell


def _short(text: str, width: int = 160) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
