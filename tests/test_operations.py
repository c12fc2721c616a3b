"""Running for real: a Prefect server on loopback, one writer, readers never blocked, kill -9 survived."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from filelock import FileLock

from flows.failpoints import ENV as FAILPOINT_ENV
from flows.failpoints import POINTS
from tests.conftest import SAMPLE_RAW

pytestmark = pytest.mark.slow
SKILLPULSE = str(Path(sys.executable).parent / "skillpulse")


def skillpulse(
    api_url: str, *args: str, env: dict | None = None, timeout: float = 240
) -> subprocess.CompletedProcess:
    """Run the real CLI in its own process against the session's Prefect server."""
    full_env = os.environ | {"PREFECT_API_URL": api_url} | (env or {})
    return subprocess.run(
        [SKILLPULSE, *args], env=full_env, capture_output=True, text=True, timeout=timeout
    )


def run_pipeline(
    api_url: str, raw: Path, warehouse: Path, *extra: str, env: dict | None = None
) -> subprocess.CompletedProcess:
    return skillpulse(
        api_url, "run", "--raw", str(raw), "--warehouse", str(warehouse), *extra, env=env
    )


def snapshot(warehouse: Path, every_schema: bool = False) -> dict[str, list[tuple]]:
    """Everything an analyst can read, in a comparable form (run timestamps left out): the lake
    and mart tables and the mart files, or with every_schema every table and view too."""
    listing = (
        "SELECT schema_name, table_name FROM duckdb_tables() UNION ALL "
        "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal ORDER BY ALL"
        if every_schema
        else "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE schema_name IN ('lake', 'marts') ORDER BY ALL"
    )
    tables: dict[str, list[tuple]] = {}
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        names = con.execute(listing).fetchall()
        for schema, table in names:
            exclude = " EXCLUDE (ingested_at)" if (schema, table) == ("lake", "reports") else ""
            tables[f"{schema}.{table}"] = con.execute(
                f'SELECT *{exclude} FROM "{schema}"."{table}" ORDER BY ALL'
            ).fetchall()
    for mart in sorted((warehouse / "marts").glob("[!.]*")):
        tables[f"file:{mart.name}"] = duckdb.sql(
            f"SELECT * FROM read_parquet('{mart}/*.parquet') ORDER BY ALL"
        ).fetchall()
    return tables


def published_digest(warehouse: Path) -> dict[str, str]:
    files = [warehouse / "skillpulse.duckdb", *sorted((warehouse / "marts").glob("*/*.parquet"))]
    return {
        p.relative_to(warehouse).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in files
    }


def edit_sample(raw: Path) -> None:
    """A new edition of both sample reports' numbers, so every report is re-ingested."""
    upwork = raw / "upwork" / "in-demand-skills-2026" / "ai-skills.csv"
    upwork.write_text(
        upwork.read_text(encoding="utf-8").replace("+178%", "+181%"), encoding="utf-8"
    )
    clusters = raw / "stanford-ai-index" / "2025-economy-jobs" / "skill-clusters.csv"
    clusters.write_text(
        clusters.read_text(encoding="utf-8").replace("Robotics,0.02%", "Robotics,0.025%"),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, prefect_server: str) -> dict:
    """A warehouse built from the samples, and the snapshot a clean run on the edited samples gives."""
    root = tmp_path_factory.mktemp("ops")
    raw = root / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    warehouse = root / "warehouse"
    assert run_pipeline(prefect_server, raw, warehouse).returncode == 0
    edited = root / "raw-edited"
    shutil.copytree(raw, edited)
    edit_sample(edited)
    clean = root / "clean"
    assert run_pipeline(prefect_server, edited, clean).returncode == 0
    return {"raw": raw, "warehouse": warehouse, "clean_snapshot": snapshot(clean)}


def copy_of(published: dict, tmp_path: Path) -> tuple[Path, Path]:
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(published["raw"], raw)
    shutil.copytree(published["warehouse"], warehouse, symlinks=True)  # marts/<name> are links
    return raw, warehouse


def test_flow_runs_and_artifacts_are_read_back_from_the_server(
    published: dict, prefect_server: str
) -> None:
    flows = httpx.post(
        f"{prefect_server}/flows/filter", json={"flows": {"name": {"any_": ["skillpulse"]}}}
    ).json()
    assert len(flows) == 1
    runs = httpx.post(
        f"{prefect_server}/flow_runs/filter",
        json={"flows": {"id": {"any_": [flows[0]["id"]]}}, "sort": "EXPECTED_START_TIME_DESC"},
    ).json()
    # Other tests share the server (and kill or refuse runs on purpose): look at this fixture's runs.
    ours = [
        run for run in runs if run["parameters"].get("warehouse_dir") == str(published["warehouse"])
    ]
    assert ours and all(run["state_type"] == "COMPLETED" for run in ours)
    runs = ours
    artifacts = httpx.post(
        f"{prefect_server}/artifacts/filter",
        json={
            "artifacts": {"key": {"any_": ["skillpulse-run-summary", "skillpulse-quarantine"]}},
            "flow_runs": {"id": {"any_": [run["id"] for run in ours]}},
        },
    ).json()
    by_key = {a["key"]: a for a in artifacts}
    assert set(by_key) == {"skillpulse-run-summary", "skillpulse-quarantine"}
    summary = by_key["skillpulse-run-summary"]["data"]
    assert "AI video generation and editing" in summary and "Fastest growth per report" in summary
    assert by_key["skillpulse-run-summary"]["flow_run_id"] in {run["id"] for run in runs}


def test_a_second_writer_exits_with_a_clear_message_or_waits(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    lock = FileLock(warehouse / ".skillpulse.lock")
    with lock:
        refused = run_pipeline(prefect_server, raw, warehouse)
    assert refused.returncode == 75
    assert "another skillpulse run is writing to" in refused.stderr and "--wait" in refused.stderr
    assert "Traceback" not in refused.stderr

    lock.acquire()
    waiting = subprocess.Popen(
        [SKILLPULSE, "run", "--raw", str(raw), "--warehouse", str(warehouse), "--wait", "120"],
        env=os.environ | {"PREFECT_API_URL": prefect_server},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)
    assert waiting.poll() is None, "the waiting run should still be queued behind the lock"
    lock.release()
    out, err = waiting.communicate(timeout=240)
    assert waiting.returncode == 0, err
    assert "nothing changed" in out


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    from pathlib import Path
    database, signal_dir = sys.argv[1], Path(sys.argv[2])
    con = duckdb.connect(database, read_only=True)
    count = "SELECT value FROM lake.observations WHERE skill_raw = 'AI integration'"
    print("before", con.execute(count).fetchall(), flush=True)
    (signal_dir / "reader-ready").touch()
    while not (signal_dir / "run-done").exists():
        print("during", con.execute(count).fetchall(), flush=True)
        time.sleep(0.05)
    print("after", con.execute(count).fetchall(), flush=True)
    con.close()
    con = duckdb.connect(database, read_only=True)
    print("reconnected", con.execute(count).fetchall(), flush=True)
    """
)


def test_readers_are_never_blocked_and_see_the_new_warehouse_on_reconnect(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    edit_sample(raw)
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse / "skillpulse.duckdb"), str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "reader-ready").exists():
        assert time.monotonic() < deadline and reader.poll() is None, (
            reader.stderr.read() if reader.poll() is not None else "reader not ready"
        )
        time.sleep(0.05)
    result = run_pipeline(prefect_server, raw, warehouse)
    (tmp_path / "run-done").touch()
    out, err = reader.communicate(timeout=60)
    assert result.returncode == 0, result.stderr
    assert reader.returncode == 0, err
    lines = out.splitlines()
    assert lines[0] == "before [(178.0,)]"
    assert all(line == "during [(178.0,)]" for line in lines if line.startswith("during"))
    assert "after [(178.0,)]" in lines
    assert lines[-1] == "reconnected [(181.0,)]"


@pytest.mark.parametrize("point", POINTS)
def test_a_run_killed_anywhere_leaves_the_warehouse_intact_and_the_next_run_heals(
    published: dict, prefect_server: str, tmp_path: Path, point: str
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    before = published_digest(warehouse)
    old_snapshot = snapshot(warehouse)
    edit_sample(raw)
    killed = run_pipeline(prefect_server, raw, warehouse, env={FAILPOINT_ENV: point})
    assert killed.returncode == -9, f"{point}: {killed.stdout}\n{killed.stderr}"
    if point != "warehouse:after-publish":
        assert published_digest(warehouse) == before
        assert snapshot(warehouse) == old_snapshot
    healed = run_pipeline(prefect_server, raw, warehouse)
    assert healed.returncode == 0, healed.stderr
    assert snapshot(warehouse) == published["clean_snapshot"]
    assert (
        not list(warehouse.glob(".skillpulse.duckdb.*"))
        and not (warehouse / ".marts-staging").exists()
    )


def test_status_shows_runs_and_fails_after_a_failed_run(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    ok = skillpulse(prefect_server, "status", "--warehouse", str(warehouse))
    assert ok.returncode == 0, ok.stderr
    assert "warehouse holds: 3 report edition(s)" in ok.stdout and "observations" in ok.stdout
    (warehouse / "lake" / "reports.parquet").write_bytes(b"not parquet at all")
    failed = run_pipeline(prefect_server, raw, warehouse)
    assert failed.returncode != 0
    assert "reports.parquet is unreadable" in failed.stderr and "--full-refresh" in failed.stderr
    status = skillpulse(prefect_server, "status", "--warehouse", str(warehouse))
    assert status.returncode == 1
    assert "FAILED" in status.stdout
    repaired = run_pipeline(prefect_server, raw, warehouse, "--full-refresh")
    assert repaired.returncode == 0, repaired.stderr
    assert skillpulse(prefect_server, "status", "--warehouse", str(warehouse)).returncode == 0


def test_a_normal_run_is_quiet_on_prefects_ephemeral_api(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"} | {
        "PREFECT_HOME": str(tmp_path / "prefect")
    }
    result = subprocess.run(
        [SKILLPULSE, "run", "--raw", str(raw), "--warehouse", str(tmp_path / "warehouse")],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output and "telemetry" not in output.lower() and "ERROR" not in output
    reports = len(list(SAMPLE_RAW.rglob("report.toml")))
    assert result.stdout.startswith(f"skillpulse: {reports} report(s) read: {reports} ingested")
    assert "Prefect start" in result.stdout


def test_one_off_runs_send_heartbeats_only_to_a_configured_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        get_current_settings,
        temporary_settings,
    )

    from flows.cli import HEARTBEAT_ENV, one_off_run_settings

    for name in HEARTBEAT_ENV:
        monkeypatch.delenv(name, raising=False)
    # Prefect's defaults, whatever the session's test harness set.
    defaults = temporary_settings(
        restore_defaults={PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY}
    )
    with defaults:
        # Ephemeral API: nobody can act on a heartbeat, and stopping their thread costs up to 1 s.
        with one_off_run_settings():
            assert get_current_settings().flows.heartbeat_frequency is None
        monkeypatch.setenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "60")
        with one_off_run_settings():
            assert get_current_settings().flows.heartbeat_frequency is not None
    monkeypatch.delenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY")
    api = {PREFECT_API_URL: "http://127.0.0.1:4200/api", PREFECT_FLOWS_HEARTBEAT_FREQUENCY: 180}
    with temporary_settings(updates=api), one_off_run_settings():
        assert get_current_settings().flows.heartbeat_frequency is not None
