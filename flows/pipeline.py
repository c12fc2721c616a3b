"""The skillpulse Prefect flow: discover -> extract/normalize -> lake -> load -> build -> export."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task, unmapped
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.states import Cancelled
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows import ingest, lake
from flows.config import Paths
from flows.errors import LakeError, WarehouseBusy
from flows.ops import artifacts, progress
from flows.ops.summary import RunSummary, record_failure, summarize, write_summary
from flows.raw import discover as discovery
from flows.raw import hash_cache, manifest_cache, storage
from flows.warehouse import database as warehouse
from flows.writer_lock import acquire_writer_lock


def stage(**options: Any):
    """A thin Prefect task: results are small and batched, so caching and persistence cost more than they save."""
    return task(cache_policy=NO_CACHE, persist_result=False, **options)


# The plan and report rows are passed quote()d (and a Batch is opaque): Prefect would otherwise
# walk every nested manifest looking for futures, which cost seconds per task at 10,000 reports.

# Only steps that talk to object storage retry: a transient network error is worth a second try;
# local-disk steps and bad inputs are not (a retry would only repeat the same failure).
STORAGE_RETRIES = {"retries": 2, "retry_delay_seconds": [1, 5]}


@stage(**STORAGE_RETRIES)
def pull_from_storage(paths: Paths) -> None:
    """Mirror raw and lake from object storage before reading them; both stay the source of truth."""
    if paths.raw_url:
        storage.mirror_down(paths.raw_url, paths.raw)
    if paths.lake_url:
        storage.mirror_down(paths.lake_url, paths.lake)


@stage(**STORAGE_RETRIES)
def fetch_ingested(paths: Paths) -> None:
    """Mirror down the report files the ingest tasks wrote to the object-storage lake."""
    storage.mirror_down(paths.lake_url, paths.lake)


@stage(**STORAGE_RETRIES)
def push_lake(paths: Paths) -> None:
    storage.mirror_up(paths.lake, paths.lake_url)


@stage()
def discover_reports(paths: Paths, full_refresh: bool, allow_retire: bool) -> discovery.Plan:
    discovery.check_raw_root(paths.raw)
    try:
        known_dirs = lake.known_report_dirs(paths.lake)
    except LakeError:
        if not full_refresh:
            raise
        known_dirs = {}  # --full-refresh rebuilds an unreadable lake from raw
    discovery.check_retirements(paths.raw, known_dirs, allow_retire)
    known = {} if full_refresh else lake.known_fingerprints(paths.lake)
    return discovery.discover(
        paths.raw,
        discovery.reference_fingerprint(paths.reference),
        known,
        full_refresh,
        known_dirs,
        manifest_cache=paths.warehouse / manifest_cache.CACHE_NAME,
        hash_cache=paths.warehouse / hash_cache.CACHE_NAME,
    )


@stage(task_run_name="ingest-batch-{index}")
def ingest_reports(batch: ingest.Batch, index: int, paths: Paths) -> list[dict]:
    return ingest.ingest_batch(batch, paths.lake, paths.reference)


# Retried as a whole: a batch re-fetches, re-ingests and re-publishes the same objects.
@stage(task_run_name="ingest-batch-{index}", **STORAGE_RETRIES)
def ingest_reports_from_storage(
    batch: ingest.Batch, index: int, context: ingest.StorageContext
) -> list[dict]:
    return ingest.ingest_batch_from_storage(batch, context)


@stage()
def commit_lake(paths: Paths, plan: discovery.Plan, ingested: list[dict]) -> None:
    lake.commit(
        paths.lake,
        [s.report_id for s in plan.unchanged],
        ingested,
        plan.retired,
        plan.problems,
        [report_id for report_id, _ in plan.stale],
    )
    # Only a run that moved or dropped reports can leave a batch file mostly superseded.
    if ingested or plan.retired:
        lake.compact(paths.lake)


@stage()
def load_warehouse(
    paths: Paths, previous: warehouse.BuildInputs | None, inputs: warehouse.BuildInputs
) -> warehouse.Draft:
    return warehouse.prepare(paths, previous, inputs)


@stage()
def build_models(draft: warehouse.Draft, paths: Paths) -> dict[str, int]:
    return warehouse.build(draft.database, paths.sql, draft.changed)


@stage()
def export_marts(draft: warehouse.Draft, paths: Paths) -> dict[str, Path]:
    return warehouse.export_marts(draft.database, paths.warehouse, paths.sql, draft.changed)


@stage()
def publish_warehouse(
    database: Path, paths: Paths, inputs: warehouse.BuildInputs, marts: dict[str, Path]
) -> Path:
    return warehouse.publish(database, paths.warehouse, inputs, marts)


@stage()
def publish_run_artifacts(summary: RunSummary, paths: Paths) -> None:
    artifacts.publish_artifacts(summary, paths.warehouse)


# As many ingest batches at once as there are cores: more threads only fight over the GIL and
# memory (measured: 141 s of ingest for 10,000 tiny reports with all batches at once, 46 s with 2).
@flow(name="skillpulse", task_runner=ThreadPoolTaskRunner(max_workers=os.cpu_count() or 2))
def skillpulse_pipeline(
    raw_dir: str = "data/raw",
    warehouse_dir: str = "data/warehouse",
    full_refresh: bool = False,
    lock_timeout: float = 0,
    lake_url: str | None = None,
    allow_retire: bool = False,
    lock_held: bool = False,
) -> dict[str, Any]:
    """Ingest every report under raw_dir into the lake and publish the warehouse built from it.

    lock_held: the caller (the CLI) already holds the writer lock, taken before Prefect started.
    """
    paths = Paths.resolve(raw_dir, warehouse_dir, lake=lake_url)
    clock = StageClock()
    try:
        lock = nullcontext() if lock_held else acquire_writer_lock(paths, lock_timeout)
    except WarehouseBusy as exc:
        # Not a failure of this run's work: it found another writer and did nothing.
        return Cancelled(message=str(exc))
    with lock, record_failure(paths):
        warehouse.remove_stale_temps(paths.warehouse)
        if paths.raw_url or paths.lake_url:
            clock.time("pull", pull_from_storage, paths)
        plan = clock.time("discover", discover_reports, paths, full_refresh, allow_retire)
        ingested = clock.time("ingest", ingest_all, plan, paths)
        if paths.ingest_via_storage and ingested:
            clock.time("fetch", fetch_ingested, paths)
        clock.time("lake", commit_lake, paths, quote(plan), quote(ingested))
        if paths.lake_url:
            clock.time("push", push_lake, paths)
        marts: list[str] = []
        warnings: dict[str, int] = {}
        refreshed: list[str] | None = None
        inputs = warehouse.inputs_digest(paths)
        previous = warehouse.built_from(paths.warehouse)
        if previous != inputs:
            draft = clock.time("load", load_warehouse, paths, previous, inputs)
            try:
                warnings = clock.time("build", build_models, quote(draft), paths)
                staged = clock.time("export", export_marts, quote(draft), paths)
                clock.time("publish", publish_warehouse, draft.database, paths, inputs, staged)
                marts = sorted(staged)
            finally:
                warehouse.discard(draft.database)
            refreshed = draft.changed
        summary = summarize(
            paths, plan, ingested, marts, clock.seconds, clock.started_at, refreshed, warnings
        )
        write_summary(paths, summary)
        publish_run_artifacts(summary, paths)
    get_run_logger().info(summary.render())
    return summary.as_dict()


def pipeline_with_runner(runner: str, dask_address: str | None = None):
    """The flow with its per-report work on threads (default) or on a Dask cluster via prefect-dask."""
    if runner == "threads":
        return skillpulse_pipeline
    from prefect_dask import DaskTaskRunner

    dask = DaskTaskRunner(address=dask_address) if dask_address else DaskTaskRunner()
    return skillpulse_pipeline.with_options(task_runner=dask)


def ingest_all(plan: discovery.Plan, paths: Paths) -> list[dict]:
    """Fan the changed reports out in batches and gather their lake.reports rows."""
    batches = ingest.make_batches(plan.changed)
    if paths.ingest_via_storage:
        context = ingest.StorageContext(paths)
        futures = ingest_reports_from_storage.map(batches, range(len(batches)), unmapped(context))
    else:
        futures = ingest_reports.map(batches, range(len(batches)), unmapped(paths))
    progress.ingest_started(len(plan.changed))
    for done in as_completed(futures):
        progress.batch_ingested(done.result())
    return [row for rows in futures.result() for row in rows]


class StageClock:
    """Wall time of each stage, for the run summary and the benchmark."""

    def __init__(self) -> None:
        self.started_at = time.time()
        self.seconds: dict[str, float] = {}

    def time(self, stage: str, call: Callable, *args: Any) -> Any:
        start = time.perf_counter()
        progress.stage_started(stage)
        try:
            return call(*args)
        finally:
            self.seconds[stage] = round(time.perf_counter() - start, 4)
