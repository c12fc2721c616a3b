"""Serve the pipeline as a scheduled Prefect deployment: one run at a time, no storm of late runs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron, Interval

from flows.config import is_remote
from flows.ops.prefect_server import prefect_api
from flows.pipeline import skillpulse_pipeline

# CANCEL_NEW: runs that pile up while a run (or the machine) is busy are cancelled rather than queued;
# the next run ingests everything that changed meanwhile, so nothing is missed.
ONE_AT_A_TIME = ConcurrencyLimitConfig(
    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
)


def deployment_parameters(raw: str, warehouse: Path, lake: str | None = None) -> dict:
    # Absolute paths: the served process may run from another working directory than the caller.
    raw_dir = raw if is_remote(raw) else str(Path(raw).resolve())
    parameters = {"raw_dir": raw_dir, "warehouse_dir": str(warehouse.resolve()), "lock_timeout": 0}
    return parameters | ({"lake_url": lake} if lake else {})


def serve_pipeline(
    name: str,
    cron: str,
    timezone: str,
    raw: str,
    warehouse: Path,
    lake: str | None = None,
    interval: float | None = None,
) -> None:
    """Block, serving the flow on its schedule until interrupted.

    With no PREFECT_API_URL, a local Prefect server is started for as long as this runs.
    """
    schedule = (
        Interval(timedelta(seconds=interval), timezone=timezone)
        if interval
        else Cron(cron, timezone=timezone)
    )
    with prefect_api(warehouse) as api_url:
        print(f"skillpulse: serving {name!r} against the Prefect API at {api_url}", flush=True)
        skillpulse_pipeline.serve(
            name=name,
            schedules=[schedule],
            global_limit=ONE_AT_A_TIME,
            limit=1,
            parameters=deployment_parameters(raw, warehouse, lake),
            description="Ingest every changed report, rebuild and publish the warehouse.",
            tags=["skillpulse"],
        )
