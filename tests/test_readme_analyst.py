"""The README's analyst commands run as written, from a fresh checkout's folder after `make run`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flows.config import PROJECT_ROOT
from tests.conftest import SAMPLE_RAW

pytestmark = pytest.mark.slow
MARKER = "<!-- analyst-commands:"


def analyst_block() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index(MARKER) :]
    return re.search(r"```sh\n(.*?)```", after, re.DOTALL)[1]


def test_the_readme_analyst_commands_run_as_written(tmp_path: Path, prefect_harness) -> None:
    from flows.pipeline import skillpulse_pipeline

    # The checkout's folder after `make run`: data/raw, data/warehouse and the notebooks.
    shutil.copytree(SAMPLE_RAW, tmp_path / "data" / "raw")
    skillpulse_pipeline(str(tmp_path / "data" / "raw"), str(tmp_path / "data" / "warehouse"))
    (tmp_path / "notebooks").symlink_to(PROJECT_ROOT / "notebooks")
    block = analyst_block()
    assert block.count("uv run ") >= 5
    # `uv run X` runs X in the project's environment: here, the environment running the tests.
    script = 'set -euo pipefail\nuv() { shift; "$@"; }\n' + block
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("MARTS_DIR", None)
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "│ AI video generation and editing │ 329.0" in out
    assert "report_id,series_id,publisher,edition,table_name" in out
    assert "printed:  'up over 329%'" in out and "read by " in out
    assert f"wrote {Path('data/warehouse/report.html')}" in out
    assert (tmp_path / "data" / "warehouse" / "report.html").stat().st_size < 2_000_000
    assert "No other publisher's report mentions AI video generation and editing yet." in out
