"""Shared test fixtures: the real-data folder, Prefect's test harness, and small report builders."""

from __future__ import annotations

import csv
import io
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"
SAMPLE_RAW = REPO / "data" / "raw"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if REALDATA.is_dir():
        return
    skip = pytest.mark.skip(reason=f"real data folder {REALDATA} is absent")
    for item in items:
        if "realdata" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def realdata() -> Path:
    return REALDATA


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API (SQLite in a temp dir) for every flow run of the session."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    # As for `skillpulse run` on an ephemeral API: no heartbeats, whose thread holds each run ~1 s.
    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield


@pytest.fixture
def sample_raw(tmp_path: Path) -> Path:
    """A writable copy of the sample reports shipped in data/raw."""
    target = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, target)
    return target


def write_report(folder: Path, manifest: str, files: dict[str, str | bytes]) -> Path:
    """Create a report folder with report.toml and raw files; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.toml").write_text(textwrap.dedent(manifest).lstrip(), encoding="utf-8")
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return folder


def normalize_one_table(tmp_path: Path, csv_text: str, table: str):
    """Normalize one CSV as the only table of a report whose [[tables]] entry ends with `table`;
    returns its TableResult."""
    import duckdb

    from flows.normalize.table import normalize_report
    from flows.raw.discover import discover, reference_fingerprint

    folder = tmp_path / "raw" / "p" / "r"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t.csv").write_text(csv_text, encoding="utf-8")
    (folder / "report.toml").write_text(
        '[report]\nseries = "p"\nedition = "1"\npublisher = "p"\ntitle = "t"\n'
        'source_url = "https://example.org/r"\n\n[[tables]]\nfile = "t.csv"\n' + table,
        encoding="utf-8",
    )
    reference = Path(__file__).parents[1] / "data" / "reference"
    plan = discover(tmp_path / "raw", reference_fingerprint(reference), {})
    assert plan.problems.num_rows == 0, plan.problems.to_pylist()
    (result,) = normalize_report(duckdb.connect(), plan.changed[0], reference)
    return result


def names_report(folder: Path, series: str, names: list[str], publisher: str) -> None:
    """A one-table growth report listing the names, row i carrying +i% (the name's index)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Skill", "Demand growth (YoY)"])
    writer.writerows([name, f"+{i}%"] for i, name in enumerate(names, start=1))
    write_report(
        folder,
        f"""
        [report]
        series = "{series}"
        edition = "2026"
        publisher = "{publisher}"
        title = "Skill names, {series}"
        published = 2026-02-04
        period = {{ start = 2025-01-01, end = 2025-12-31 }}
        source_url = "https://example.org/{series}"

        [[tables]]
        name = "skills"
        file = "skills.csv"
        measure = "growth_pct"
        columns = {{ skill = "Skill", value = "Demand growth (YoY)" }}
        """,
        {"skills.csv": buffer.getvalue()},
    )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `prefect server start` on loopback for the session; yields its API URL."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).parent / "prefect"
    log = (home / "server.log").open("w")
    server = subprocess.Popen(
        [
            str(prefect),
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-services",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise RuntimeError(f"prefect server exited: {(home / 'server.log').read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise RuntimeError("prefect server did not become healthy in 120 s")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
