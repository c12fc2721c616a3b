"""A warehouse for the analyst commands' tests: the samples plus an earlier Upwork edition with a bad cell."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_RAW, write_report

EARLIER_EDITION = """
[report]
series = "upwork-in-demand-skills"
edition = "2025"
publisher = "Upwork"
title = "In-Demand Skills 2025 (test edition)"
published = 2025-02-04
period = { start = 2024-01-01, end = 2024-12-31 }
geography = "US"
source_url = "https://www.upwork.com/research/in-demand-skills-2025"

[[tables]]
name = "fastest-growing-ai-skills"
file = "ai-skills.csv"
measure = "growth_pct"
columns = { skill = "Skill", category = "Category", value = "Demand growth (YoY)" }
"""

# Made-up figures: one skill moves up, one down, one only in this edition, one cell unreadable.
EARLIER_TABLE = """Category,Skill,Demand growth (YoY)
Design and creative,AI video generation and editing,+120%
Coding and web development,AI integration,+210%
Data science and analytics,Data annotation and labeling,+154%
Writing,Prompt engineering,+90%
Design and creative,AI image generation and editing,17 per cnet
"""

_built: dict[str, Path] = {}


def analyst_raw(root: Path) -> Path:
    raw = root / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    write_report(
        raw / "upwork" / "in-demand-skills-2025",
        EARLIER_EDITION,
        {"ai-skills.csv": EARLIER_TABLE},
    )
    return raw


def analyst_warehouse_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the warehouse once per test session (the pipeline needs a Prefect API: prefect_harness)."""
    if "warehouse" not in _built:
        from flows.pipeline import skillpulse_pipeline

        root = tmp_path_factory.mktemp("analyst")
        warehouse = root / "warehouse"
        skillpulse_pipeline(str(analyst_raw(root)), str(warehouse))
        _built["warehouse"] = warehouse
    return _built["warehouse"]
