"""The `skillpulse` command line: run the pipeline, scaffold manifests, inspect the warehouse."""

from __future__ import annotations

import atexit
import gc
import json
import os
import time
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from flows.config import (
    DEFAULT_RAW,
    DEFAULT_WAREHOUSE,
    PROJECT_ROOT,
    Paths,
    current_settings,
    is_remote,
)
from flows.errors import ConfigError, SkillpulseError, WarehouseBusy
from flows.taxonomy.cli import skills_app


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class Runner(StrEnum):
    threads = "threads"
    dask = "dask"


# EX_TEMPFAIL: another run holds the writer lock; trying again later is the fix.
EXIT_BUSY = 75

app = typer.Typer(name="skillpulse", help=__doc__, no_args_is_help=True, add_completion=False)
app.add_typer(skills_app)

RawOption = Annotated[
    str,
    typer.Option(
        "--raw",
        help="Folder (or s3://bucket/prefix) of raw reports, one report.toml per report folder.",
    ),
]
WarehouseOption = Annotated[
    Path, typer.Option("--warehouse", help="Output folder: skillpulse.duckdb, lake/, marts/.")
]

LakeOption = Annotated[
    str | None,
    typer.Option("--lake", help="Keep the Parquet lake in object storage (s3://bucket/prefix)."),
]


@app.callback()
def main() -> None:
    """Skill-demand reports -> Parquet lake -> DuckDB growth rankings."""
    # Settings are checked before any command touches anything: a typo never half-runs.
    try:
        current_settings()
    except ConfigError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc


@app.command()
def run(
    raw: RawOption = str(DEFAULT_RAW),
    warehouse: WarehouseOption = DEFAULT_WAREHOUSE,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Re-ingest every report, changed or not.")
    ] = False,
    wait: Annotated[
        float, typer.Option("--wait", help="Seconds to wait for another run's writer lock.")
    ] = 0,
    json_summary: Annotated[
        Path | None, typer.Option("--json-summary", help="Also write the run summary here as JSON.")
    ] = None,
    runner: Annotated[
        Runner,
        typer.Option(
            "--runner", help="Where per-report work runs: local threads or a Dask cluster."
        ),
    ] = Runner.threads,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            help="Existing Dask scheduler (tcp://HOST:8786); default: a local cluster.",
        ),
    ] = None,
    lake: LakeOption = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show Prefect's log lines too.")
    ] = False,
    allow_retire: Annotated[
        bool,
        typer.Option(
            "--allow-retire",
            help="Let the run retire most reports of the warehouse (their folders were removed on purpose).",
        ),
    ] = False,
) -> None:
    """Run the pipeline once: raw reports -> lake -> DuckDB -> marts."""
    started, started_at = time.perf_counter(), time.time()
    if lake is not None and not is_remote(lake):
        typer.secho(
            f"skillpulse: --lake takes an object-storage URL such as s3://bucket/lake, not {lake!r}",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)
    if not verbose:
        # The summary below says what a person needs; Prefect's per-task lines stay in its API and UI.
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from flows.writer_lock import acquire_writer_lock

    paths = Paths.resolve(raw, warehouse, lake=lake)
    try:
        preflight(paths, raw, allow_retire)
        # Taken before Prefect starts (10-30 s on a busy machine): a second writer is told at once.
        lock = acquire_writer_lock(paths, wait)
    except WarehouseBusy as exc:
        typer.secho(f"skillpulse: {exc}", fg="yellow", err=True)
        raise typer.Exit(EXIT_BUSY) from exc
    except SkillpulseError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    from flows.ops.progress import live_progress
    from flows.ops.summary import RunSummary
    from flows.pipeline import pipeline_with_runner

    pipeline = pipeline_with_runner(runner.value, dask_address)
    try:
        with one_off_run_settings(), live_progress(watching(verbose)):
            summary = pipeline(
                raw,
                str(warehouse),
                full_refresh=full_refresh,
                lake_url=lake,
                allow_retire=allow_retire,
                lock_held=True,
            )
    except SkillpulseError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    finally:
        lock.release()
    wall = time.perf_counter() - started
    typer.echo(RunSummary(**summary).render())
    prefect_start = summary["flow_started_at"] - started_at
    overhead = wall - sum(summary["seconds"].values())
    typer.echo(
        f"  wall time:    {wall:.2f} s (Prefect start {prefect_start:.2f} s, all Prefect bookkeeping {overhead:.2f} s)"
    )
    if json_summary:
        record = summary | {
            "seconds_wall": round(wall, 4),
            "prefect_start": round(prefect_start, 4),
            "seconds_prefect_overhead": round(overhead, 4),
        }
        json_summary.write_text(
            json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    if summary.get("stale_reports"):
        typer.secho(
            f"skillpulse: {len(summary['stale_reports'])} report(s) are stale: their manifest is "
            "invalid, so their last good data was kept; fix the manifest(s) listed above",
            fg="red",
            err=True,
        )
        raise typer.Exit(1)


def preflight(paths: Paths, raw: str, allow_retire: bool) -> None:
    """Mistakes caught before anything starts: a missing or empty raw folder, a mass retirement."""
    if paths.raw_url:
        return  # checked by the flow once the mirror is pulled
    from flows.errors import LakeError
    from flows.lake import known_report_dirs
    from flows.raw.discover import check_raw_root, check_retirements

    check_raw_root(paths.raw, raw)
    try:
        known = known_report_dirs(paths.lake)
    except LakeError:
        return  # the run itself reports an unreadable lake, and records the failure
    check_retirements(paths.raw, known, allow_retire)


def watching(verbose: bool):
    """A console for live progress when a person watches a terminal (and Prefect's lines are off)."""
    import sys

    from rich.console import Console

    return (
        Console(stderr=True)
        if sys.stdout.isatty() and sys.stderr.isatty() and not verbose
        else None
    )


HEARTBEAT_ENV = ("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_RUNNER_HEARTBEAT_FREQUENCY")


def one_off_run_settings() -> AbstractContextManager:
    """Prefect settings for `skillpulse run`: no flow heartbeats when the API is ephemeral.

    Heartbeats let a Prefect server mark a run that crashed; an ephemeral API stops with this
    process, so nobody reads them, and stopping the heartbeat thread holds every run up to a
    second after its last task. A configured API (PREFECT_API_URL) or frequency keeps them.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    if PREFECT_API_URL.value() or any(name in os.environ for name in HEARTBEAT_ENV):
        return nullcontext()
    return temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


@app.command("new-report")
def new_report(
    file: Annotated[
        Path,
        typer.Argument(help="A raw file no manifest declares yet.", exists=True, dir_okay=False),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing report.toml.")
    ] = False,
    publisher: Annotated[str | None, typer.Option(help="Who published the report.")] = None,
    series: Annotated[
        str | None, typer.Option(help="Series slug shared by every edition, e.g. upwork-ai-skills.")
    ] = None,
    edition: Annotated[str | None, typer.Option(help='Edition name, e.g. "2026-02".')] = None,
    source_url: Annotated[
        str | None, typer.Option("--source-url", help="Where the figures were published.")
    ] = None,
    title: Annotated[str | None, typer.Option(help="The report's title.")] = None,
    prose: Annotated[
        bool | None,
        typer.Option(
            "--prose/--table",
            help="Read text, Markdown or HTML as prose (every sentence) or as one table; guessed when unset.",
        ),
    ] = None,
) -> None:
    """Sniff a raw file and write a draft report.toml beside it (a table, or prose for articles)."""
    from flows.taxonomy.scaffold import ReportFields, draft_manifest

    fields = ReportFields(publisher, series, edition, source_url, title)
    try:
        draft = draft_manifest(file, fields, prose)
    except SkillpulseError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    if draft.path.exists() and not force:
        typer.secho(
            f"skillpulse: {draft.path} exists; pass --force to overwrite it. The draft would be:\n",
            err=True,
        )
        typer.echo(draft.text)
        raise typer.Exit(1)
    draft.path.write_text(draft.text, encoding="utf-8")
    typer.echo(f"wrote {draft.path}; fill in the TODOs, then run `skillpulse run`.")


@app.command()
def status(
    warehouse: WarehouseOption = DEFAULT_WAREHOUSE,
    runs: Annotated[int, typer.Option(help="How many past runs to show.")] = 5,
) -> None:
    """Show the last runs, what the warehouse holds and the quarantine by reason; exit 1 if the last run failed."""
    from flows.ops.status import render_status

    text, last_failed = render_status(warehouse, runs)
    typer.echo(text)
    if last_failed:
        raise typer.Exit(1)


@app.command()
def docs(
    output: Annotated[
        Path, typer.Option("--output", help="Where to write the data dictionary.")
    ] = PROJECT_ROOT / "docs" / "tables.md",
) -> None:
    """Write the data dictionary (docs/tables.md) and the reason codes (docs/reason_codes.md) from the code."""
    from flows.config import DEFAULT_REFERENCE, DEFAULT_SQL
    from flows.fsutil import write_text_atomic
    from flows.reasons import render_reason_codes
    from flows.warehouse.database import data_dictionary

    write_text_atomic(output, data_dictionary(DEFAULT_SQL, DEFAULT_REFERENCE))
    reasons = output.parent / "reason_codes.md"
    write_text_atomic(reasons, render_reason_codes())
    typer.echo(f"wrote {output} and {reasons}")


@app.command()
def serve(
    cron: Annotated[str, typer.Option(help="When to run, as a cron expression.")] = "0 6 * * *",
    timezone: Annotated[
        str, typer.Option(help="Time zone of the cron expression (IANA name).")
    ] = "UTC",
    raw: RawOption = str(DEFAULT_RAW),
    warehouse: WarehouseOption = DEFAULT_WAREHOUSE,
    name: Annotated[str, typer.Option(help="Deployment name.")] = "skillpulse-scheduled",
    lake: LakeOption = None,
    interval: Annotated[
        float | None,
        typer.Option(help="Run every this many seconds instead of on the cron schedule."),
    ] = None,
) -> None:
    """Serve the pipeline as a scheduled Prefect deployment (one run at a time, no catch-up storm).

    With no PREFECT_API_URL it starts a local Prefect server (loopback, data under the warehouse
    folder) for as long as it runs.
    """
    from flows.deploy import serve_pipeline

    try:
        serve_pipeline(
            name=name,
            cron=cron,
            timezone=timezone,
            raw=raw,
            warehouse=warehouse,
            lake=lake,
            interval=interval,
        )
    except SkillpulseError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc


@app.command()
def query(
    sql: Annotated[
        str, typer.Argument(help='SQL to run, e.g. "SELECT * FROM marts.category_summary".')
    ],
    warehouse: WarehouseOption = DEFAULT_WAREHOUSE,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="How to print the answer.")
    ] = OutputFormat.table,
    max_rows: Annotated[
        int, typer.Option("--max-rows", help="Rows the table format shows (csv and json show all).")
    ] = 1000,
) -> None:
    """Run SQL on the published warehouse, read-only: never blocked by a run, never half-built."""
    from flows.ops.query import print_query

    try:
        print_query(warehouse, sql, output_format.value, max_rows)
    except SkillpulseError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc


@app.command()
def report(
    warehouse: WarehouseOption = DEFAULT_WAREHOUSE,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="HTML file to write; default: <warehouse>/report.html."),
    ] = None,
) -> None:
    """Write one self-contained HTML page of charts over the published warehouse (opens offline)."""
    from flows.ops.report import write_report

    try:
        written = write_report(warehouse, out or warehouse / "report.html")
    except SkillpulseError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"wrote {written} ({written.stat().st_size / 1e6:.2f} MB)")


@app.command()
def explain(
    report_id: Annotated[
        str, typer.Argument(help="A report_id, e.g. upwork-in-demand-skills-2026.")
    ],
    skill: Annotated[
        str, typer.Argument(help="A skill_id, its canonical name or the name as printed.")
    ],
    warehouse: WarehouseOption = DEFAULT_WAREHOUSE,
    raw: Annotated[
        Path | None,
        typer.Option("--raw", help="Raw reports folder; default: the last run's."),
    ] = None,
) -> None:
    """Where a skill's figures in a report came from: file, cell, printed text, manifest, mart rows."""
    from flows.ops.explain import explain as explain_figure
    from flows.ops.explain import render

    try:
        typer.echo(render(explain_figure(warehouse, report_id, skill, raw)))
    except SkillpulseError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc


@app.command()
def diff(
    series: Annotated[
        str | None, typer.Option("--series", help="Compare the last two editions of this series.")
    ] = None,
    before: Annotated[str | None, typer.Option("--from", help="Earlier report_id.")] = None,
    after: Annotated[str | None, typer.Option("--to", help="Later report_id.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="Most rows to print.")] = 50,
    warehouse: WarehouseOption = DEFAULT_WAREHOUSE,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="How to print the rows.")
    ] = OutputFormat.table,
) -> None:
    """Figures added, removed and changed between two editions (latest period to latest period)."""
    from flows.ops.diff import diff_reports
    from flows.ops.query import print_result

    try:
        result = diff_reports(warehouse, series, before, after, limit)
    except SkillpulseError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    if output_format is OutputFormat.table:
        typer.echo(result.headline())
    print_result(result.rows, output_format.value, limit)


def console() -> None:
    """The `skillpulse` console script: the app, without the interpreter's last collection."""
    # At exit Python walks every object still alive in one last collection (Prefect's, and the
    # plan of 10,000 reports): 1-2 s of a no-change rerun's 5. Nothing runs after it, and
    # freezing in atexit (which runs before it, after every other exit handler) skips it.
    atexit.register(gc.freeze)
    app()
