"""Warehouse connections: the DuckDB memory cap comes from the environment, a bad one is explained."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from flows.errors import ConfigError
from flows.warehouse import MEMORY_LIMIT_ENV, connect


def test_memory_limit_from_the_environment_caps_duckdb(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1GB")
    with closing(connect(tmp_path / "w.duckdb")) as con:
        [(limit,)] = con.sql("SELECT current_setting('memory_limit')").fetchall()
    assert limit == "953.6 MiB"


def test_a_bad_memory_limit_says_what_to_write(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ConfigError, match=r"SKILLPULSE_DUCKDB_MEMORY_LIMIT='lots'.*such as 4GB"):
        connect(tmp_path / "w.duckdb")
