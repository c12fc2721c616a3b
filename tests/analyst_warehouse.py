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

# An outlet repeating the 2026 edition (made-up article): one figure rounded, one misquoted.
QUOTING_OUTLET = """
[report]
series = "tech-wire-upwork-coverage"
edition = "2026"
publisher = "Tech Wire"
title = "Upwork's skills report, in brief"
period = { start = 2025-01-01, end = 2025-12-31 }
geography = "US"
source_url = "https://example.org/tech-wire/upwork-skills-2026"
quotes = "upwork-in-demand-skills-2026"

[[tables]]
file = "article.txt"
prose = true
measure = "growth_pct"
"""

QUOTING_ARTICLE = """Demand for data annotation and labeling is up more than 150%.
AI integration grew 150%, the marketplace said.
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
    write_report(
        raw / "tech-wire" / "upwork-coverage-2026",
        QUOTING_OUTLET,
        {"article.txt": QUOTING_ARTICLE},
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
