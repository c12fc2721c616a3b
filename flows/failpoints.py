"""Named crash points for fault-injection tests: SKILLPULSE_FAILPOINT=<name> kills the process there (SIGKILL)."""

from __future__ import annotations

import os
import signal

from flows.config import current_settings

ENV = "SKILLPULSE_FAILPOINT"
POINTS = (
    "ingest:after-report",
    "lake:after-commit",
    "warehouse:after-load",
    "warehouse:after-build",
    "warehouse:before-publish",
    "warehouse:after-publish",
)


def failpoint(name: str) -> None:
    """Die at once, as kill -9 would, when the environment names this point; a no-op otherwise."""
    if current_settings().failpoint == name:
        os.kill(os.getpid(), signal.SIGKILL)
