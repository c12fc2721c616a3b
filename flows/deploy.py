"""Serve the pipeline as a scheduled Prefect deployment: one run at a time, no storm of late runs."""

from __future__ import annotations

from pathlib import Path

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

from flows.config import is_remote
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
    name: str, cron: str, timezone: str, raw: str, warehouse: Path, lake: str | None = None
) -> None:
    """Block, serving the flow on its cron schedule until interrupted."""
    skillpulse_pipeline.serve(
        name=name,
        schedules=[Cron(cron, timezone=timezone)],
        global_limit=ONE_AT_A_TIME,
        limit=1,
        parameters=deployment_parameters(raw, warehouse, lake),
        description="Ingest every changed report, rebuild and publish the warehouse.",
        tags=["skillpulse"],
    )
