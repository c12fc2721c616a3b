"""Shared test fixtures: the real-data folder, Prefect's test harness, and small report builders."""

from __future__ import annotations

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
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
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
