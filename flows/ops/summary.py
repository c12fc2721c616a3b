"""The run summary: what a run read, wrote and set aside, printed for people and saved as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from flows.config import Paths
from flows.fsutil import write_text_atomic
from flows.lake import QUARANTINE, read_current, read_reports
from flows.raw.discover import Plan

SUMMARY_FILE = "last_run.json"
HISTORY_FILE = "run_history.jsonl"


@dataclass(frozen=True)
class RunSummary:
    status: str
    finished_at: str
    raw_dir: str
    warehouse_dir: str
    nothing_changed: bool
    reports_seen: int
    reports_ingested: int
    reports_new: int
    reports_unchanged: int
    reports_retired: int
    reports_failed: int
    observations: int
    quarantined: int
    quarantine_by_reason: dict[str, int]
    marts: list[str]
    seconds: dict[str, float] = field(default_factory=dict)
    # none (nothing to build), full (from the whole lake) or incremental (changed reports' rows).
    warehouse_build: str = "none"
    reports_refreshed: int = 0
    flow_started_at: float = 0.0
    # One message per reason code (the first quarantined row's), to say what went wrong.
    quarantine_examples: dict[str, str] = field(default_factory=dict)
    # Warning checks (sql/checks with '-- @severity warn') and the rows each found this build.
    warnings: dict[str, int] = field(default_factory=dict)
    # Reports kept with their last good data because their manifest broke: report_id -> problem.
    stale_reports: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)

    def _build_note(self) -> str:
        if self.warehouse_build == "incremental":
            return f" (incremental: {self.reports_refreshed} report(s) refreshed)"
        return f" ({self.warehouse_build} build)" if self.warehouse_build == "full" else ""

    def render(self) -> str:
        if self.nothing_changed:
            head = f"skillpulse: nothing changed in {self.reports_seen} report(s); the warehouse is as it was."
        else:
            head = (
                f"skillpulse: {self.reports_seen} report(s) read: {self.reports_ingested} ingested "
                f"({self.reports_new} new, {self.reports_ingested - self.reports_new} changed), "
                f"{self.reports_unchanged} unchanged, {self.reports_retired} retired, {self.reports_failed} failed."
            )
        reasons = ", ".join(f"{code} {n}" for code, n in sorted(self.quarantine_by_reason.items()))
        lines = [
            head,
            f"  observations: {self.observations:,}",
            f"  quarantined:  {self.quarantined:,}" + (f" ({reasons})" if reasons else ""),
            f"  time:         {sum(self.seconds.values()):.2f} s ("
            + ", ".join(f"{k} {v:.2f}" for k, v in self.seconds.items())
            + ")",
            f"  warehouse:    {self.warehouse_dir}" + self._build_note(),
        ]
        lines += [
            f"  warning:      {name}: {rows:,} row(s) (see sql/checks/{name}.sql)"
            for name, rows in sorted(self.warnings.items())
        ]
        if self.stale_reports:
            lines.append(
                f"  stale:        {len(self.stale_reports)} report(s) kept with their last good data "
                "until their manifest is mended:"
            )
            lines += [f"    {rid}: {problem}" for rid, problem in self.stale_reports.items()]
        return "\n".join(lines[:3] + self._top_reasons() + lines[3:])

    def _top_reasons(self, top: int = 5, width: int = 240) -> list[str]:
        ranked = sorted(self.quarantine_by_reason.items(), key=lambda item: (-item[1], item[0]))
        lines = []
        for code, count in ranked[:top]:
            example = self.quarantine_examples.get(code)
            if example:
                shown = example if len(example) <= width else example[: width - 1] + "…"
                lines.append(f"    {code} ({count:,}), e.g. {shown}")
        if len(ranked) > top and lines:
            lines.append(f"    ... {len(ranked) - top} more reason(s): `skillpulse status`")
        return lines


def summarize(
    paths: Paths,
    plan: Plan,
    ingested: list[dict],
    marts: list[str],
    seconds: dict[str, float],
    flow_started_at: float,
    refreshed: list[str] | None = None,
    warnings: dict[str, int] | None = None,
) -> RunSummary:
    """Totals over the whole lake after this run, plus what this run did."""
    reports = read_reports(paths.lake)
    reasons, examples = quarantine_reasons(
        read_current(paths.lake, QUARANTINE, ["reason_code", "message"])
    )
    return RunSummary(
        status="completed",
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        raw_dir=str(paths.raw),
        warehouse_dir=str(paths.warehouse),
        nothing_changed=not ingested and not plan.retired and not marts,
        reports_seen=plan.reports_seen,
        reports_ingested=len(ingested),
        reports_new=len(plan.new),
        reports_unchanged=len(plan.unchanged),
        reports_retired=len(plan.retired),
        reports_failed=sum(1 for row in ingested if row["status"] == "failed"),
        observations=int(pc.sum(reports["observations"]).as_py() or 0),
        quarantined=sum(reasons.values()),
        quarantine_by_reason=reasons,
        quarantine_examples=examples,
        marts=marts,
        seconds=seconds,
        flow_started_at=flow_started_at,
        stale_reports=dict(plan.stale),
        warehouse_build="none" if not marts else "full" if refreshed is None else "incremental",
        reports_refreshed=len(refreshed or []),
        warnings=warnings or {},
    )


def quarantine_reasons(table: pa.Table) -> tuple[dict[str, int], dict[str, str]]:
    """Quarantined rows per reason code (reason_code, message rows of the lake), and each code's
    first message."""
    grouped = table.group_by("reason_code", use_threads=False).aggregate(
        [("message", "first"), ([], "count_all")]
    )
    counts = dict(
        zip(grouped["reason_code"].to_pylist(), grouped["count_all"].to_pylist(), strict=True)
    )
    examples = dict(
        zip(grouped["reason_code"].to_pylist(), grouped["message_first"].to_pylist(), strict=True)
    )
    return counts, examples


def write_summary(paths: Paths, summary: RunSummary | dict) -> None:
    """Save the summary as last_run.json and append it to the run history."""
    record = summary.as_dict() if isinstance(summary, RunSummary) else summary
    write_text_atomic(
        paths.warehouse / SUMMARY_FILE, json.dumps(record, indent=2, sort_keys=True) + "\n"
    )
    with (paths.warehouse / HISTORY_FILE).open("a", encoding="utf-8") as history:
        history.write(json.dumps(record, sort_keys=True) + "\n")


@contextmanager
def record_failure(paths: Paths) -> Iterator[None]:
    """A failed run leaves a 'failed' summary behind, so `skillpulse status` can say so."""
    try:
        yield
    except Exception as exc:
        failure = {
            "status": "failed",
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "raw_dir": str(paths.raw),
            "warehouse_dir": str(paths.warehouse),
            "error": f"{type(exc).__name__}: {exc}",
        }
        write_summary(paths, failure)
        raise


def read_history(warehouse: Path, last: int = 10) -> list[dict]:
    """The most recent run summaries, newest last."""
    path = warehouse / HISTORY_FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[-last:]
    return [json.loads(line) for line in lines if line.strip()]
