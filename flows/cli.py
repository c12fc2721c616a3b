"""The `skillpulse` command line: run the pipeline, scaffold manifests, inspect the warehouse."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from flows.errors import SkillpulseError
from flows.settings import DEFAULT_RAW, DEFAULT_WAREHOUSE

app = typer.Typer(name="skillpulse", help=__doc__, no_args_is_help=True, add_completion=False)

RawOption = Annotated[Path, typer.Option("--raw", help="Folder of raw reports (one report.toml per report folder).")]
WarehouseOption = Annotated[Path, typer.Option("--warehouse", help="Output folder: skillpulse.duckdb, lake/, marts/.")]


@app.callback()
def main() -> None:
    """Skill-demand reports -> Parquet lake -> DuckDB growth rankings."""


@app.command()
def run(
    raw: RawOption = DEFAULT_RAW,
    warehouse: WarehouseOption = DEFAULT_WAREHOUSE,
    full_refresh: Annotated[bool, typer.Option("--full-refresh", help="Re-ingest every report, changed or not.")] = False,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for another run's writer lock.")] = 0,
    json_summary: Annotated[Path | None, typer.Option("--json-summary", help="Also write the run summary here as JSON.")] = None,
) -> None:
    """Run the pipeline once: raw reports -> lake -> DuckDB -> marts."""
    started = time.perf_counter()
    from flows.pipeline import skillpulse_pipeline

    try:
        summary = skillpulse_pipeline(str(raw), str(warehouse), full_refresh=full_refresh, lock_timeout=wait)
    except SkillpulseError as exc:
        typer.secho(f"skillpulse: {exc}", fg="red", err=True)
        raise typer.Exit(1) from exc
    wall = time.perf_counter() - started
    summary["seconds"]["prefect_overhead"] = round(wall - sum(summary["seconds"].values()), 4)
    summary["seconds_wall"] = round(wall, 4)
    if json_summary:
        json_summary.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    typer.echo(f"  wall time:    {wall:.2f} s (Prefect start and bookkeeping {summary['seconds']['prefect_overhead']:.2f} s)")

