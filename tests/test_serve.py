"""`skillpulse serve`: a real deployment on a real Prefect server, with its schedule and one-at-a-time limit."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SAMPLE_RAW
from tests.test_operations import SKILLPULSE

pytestmark = pytest.mark.slow


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_creates_a_scheduled_single_writer_deployment_that_runs(
    prefect_server: str, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    warehouse = tmp_path / "warehouse"
    env = os.environ | {"PREFECT_API_URL": prefect_server, "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    log = tmp_path / "serve.log"
    # A file, not a pipe: nobody reads a pipe while the runner logs, and a full pipe blocks it.
    served = subprocess.Popen(
        [
            SKILLPULSE,
            "serve",
            "--cron",
            "30 5 * * 1-5",
            "--timezone",
            "Europe/Berlin",
            "--raw",
            str(raw),
            "--warehouse",
            str(warehouse),
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api = httpx.Client(base_url=prefect_server, timeout=10)

    def deployment():
        assert served.poll() is None, f"skillpulse serve exited: {log.read_text()}"
        answer = api.post(
            "/deployments/filter",
            json={"deployments": {"name": {"any_": ["skillpulse-scheduled"]}}},
        )
        return next(iter(answer.json()), None) if answer.status_code == 200 else None

    try:
        deployment = wait_for(deployment, 180, "the deployment")
        schedule = deployment["schedules"][0]["schedule"]
        assert schedule["cron"] == "30 5 * * 1-5" and schedule["timezone"] == "Europe/Berlin"
        assert deployment["global_concurrency_limit"]["limit"] == 1
        assert deployment["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"
        assert deployment["parameters"] == {
            "raw_dir": str(raw.resolve()),
            "warehouse_dir": str(warehouse.resolve()),
            "lock_timeout": 0,
        }

        # The API answers 503 while SQLite is busy; Prefect's own client retries those too.
        created = wait_for(
            lambda: (
                (
                    r := api.post(f"/deployments/{deployment['id']}/create_flow_run", json={})
                ).status_code
                < 300
                and r
            ),
            60,
            "the API to accept a flow run",
        )
        run = created.json()
        final = wait_for(
            lambda: (
                (state := api.get(f"/flow_runs/{run['id']}").json()["state_type"])
                in ("COMPLETED", "FAILED", "CRASHED")
                and state
            ),
            180,
            "the served flow run to finish",
        )
        assert final == "COMPLETED"
        assert (warehouse / "skillpulse.duckdb").exists()
        # A configured API is used as it is: no local server of our own.
        assert not (warehouse / ".prefect-server").exists()
    finally:
        os.killpg(served.pid, signal.SIGINT)
        try:
            served.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(served.pid, signal.SIGKILL)


def test_prefect_yaml_points_at_the_flow_with_one_writer() -> None:
    import importlib

    import yaml

    from flows.config import PROJECT_ROOT

    config = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (deployment,) = config["deployments"]
    path, name = deployment["entrypoint"].split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert getattr(module, name).name == "skillpulse"
    assert deployment["concurrency_limit"] == {"limit": 1, "collision_strategy": "CANCEL_NEW"}
    assert set(deployment["parameters"]) <= set(getattr(module, name).parameters.properties)


def test_serve_without_a_configured_api_starts_and_stops_its_own_server(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    warehouse = tmp_path / "warehouse"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {
        # A fresh machine: no profile with an API URL either.
        "PREFECT_HOME": str(tmp_path / "home"),
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
    }
    log = tmp_path / "serve.log"
    served = subprocess.Popen(
        [SKILLPULSE, "serve", "--interval", "5", "--raw", str(raw), "--warehouse", str(warehouse)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    history = warehouse / "run_history.jsonl"
    try:

        def completed_run():
            assert served.poll() is None, f"skillpulse serve exited: {log.read_text()}"
            return history.exists() and '"status": "completed"' in history.read_text()

        # A scheduled run (the schedule, not an API call, created it) completes.
        wait_for(completed_run, 150, "a scheduled run to complete")
        assert (warehouse / "skillpulse.duckdb").exists()
        url = re.search(r"Prefect API at (http://127\.0\.0\.1:\d+/api)", log.read_text())[1]
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200
        assert (warehouse / ".prefect-server" / "prefect.db").exists()
        # Only serve is told to stop (as a service manager would); it stops its server itself.
        os.kill(served.pid, signal.SIGTERM)
        served.wait(timeout=60)
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{url}/health", timeout=5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(served.pid, signal.SIGKILL)
