"""The notebooks run against a real warehouse's mart files and answer the seed article's questions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flows.config import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_seed_questions_notebook_answers_from_the_marts(tmp_path: Path, prefect_harness) -> None:
    from flows.pipeline import skillpulse_pipeline

    skillpulse_pipeline(str(PROJECT_ROOT / "data" / "raw"), str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "notebooks" / "seed_questions.py"),
            str(tmp_path / "marts"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout
    assert "AI video generation and editing" in lines and "329.0" in lines and "at_least" in lines
    assert "No other report mentions AI video generation and editing yet." in lines
