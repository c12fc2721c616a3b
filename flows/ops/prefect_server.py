"""A local Prefect server that `skillpulse serve` starts and owns when no PREFECT_API_URL is configured."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from flows.errors import SkillpulseError

SERVER_FOLDER = ".prefect-server"
STARTUP_SECONDS = 180


class PrefectServerError(SkillpulseError):
    """The local Prefect server did not start."""


def configured_api_url() -> str | None:
    """The API URL from the environment or the Prefect profile, if any."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


@contextmanager
def local_server(home: Path) -> Iterator[str]:
    """Start `prefect server start` on loopback with its data in home; yield its API URL; stop it."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    # Its own database and settings; the scheduler service stays on (that is what it is for).
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "false"),
    }
    env.pop("PREFECT_API_URL", None)
    prefect = Path(sys.executable).parent / "prefect"
    with (home / "server.log").open("ab") as log:
        server = subprocess.Popen(
            [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(url):
            if server.poll() is not None or time.monotonic() > deadline:
                tail = (home / "server.log").read_text(errors="replace")[-2000:]
                raise PrefectServerError(
                    f"the local Prefect server did not start (log {home / 'server.log'}):\n{tail}"
                )
            time.sleep(0.5)
        yield url
    finally:
        _stop(server)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@contextmanager
def prefect_api(warehouse: Path) -> Iterator[str]:
    """The configured Prefect API, or a local server owned by this process for as long as it runs.

    Scheduling needs a server (Prefect's ephemeral API refuses schedules). The local one keeps its
    database under <warehouse>/.prefect-server, so deployments and run history survive a restart.
    """
    configured = configured_api_url()
    if configured:
        yield configured
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # SIGTERM (a service manager stopping us) unwinds like Ctrl-C, so the server is stopped too.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with local_server(warehouse / SERVER_FOLDER) as url:
            # Flow runs start in child processes: they find the server through the environment.
            os.environ["PREFECT_API_URL"] = url
            try:
                with temporary_settings(updates={PREFECT_API_URL: url}):
                    yield url
            finally:
                os.environ.pop("PREFECT_API_URL", None)
    finally:
        signal.signal(signal.SIGTERM, previous)
