"""Scale-out on an existing engine: the per-report work on a real two-worker Dask cluster."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from distributed import Client, LocalCluster

from tests.conftest import SAMPLE_RAW
from tests.test_operations import run_pipeline, snapshot

pytestmark = pytest.mark.slow


def two_workers() -> LocalCluster:
    """A real Dask cluster of two worker processes on this machine."""
    return LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)


def test_a_dask_cluster_builds_the_same_warehouse_as_threads(
    prefect_server: str, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    threads = run_pipeline(prefect_server, raw, tmp_path / "threads")
    assert threads.returncode == 0, threads.stderr
    with two_workers() as cluster:
        # One report per batch, so both workers get work.
        dask = run_pipeline(
            prefect_server,
            raw,
            tmp_path / "dask",
            "--runner",
            "dask",
            "--dask-address",
            cluster.scheduler_address,
            env={"SKILLPULSE_BATCH_REPORTS": "1"},
        )
        assert dask.returncode == 0, dask.stderr
        with Client(cluster) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert snapshot(tmp_path / "dask") == snapshot(tmp_path / "threads")
    reports = len(list(SAMPLE_RAW.rglob("report.toml")))
    assert f"{reports} ingested" in dask.stdout
    assert sum(executed.values()) >= reports, executed
