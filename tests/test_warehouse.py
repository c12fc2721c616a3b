"""Warehouse connections: the DuckDB memory cap comes from the environment, a bad one is explained."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from flows.errors import ConfigError
from flows.warehouse.database import connect, part_bounds

MEMORY_LIMIT_ENV = "SKILLPULSE_DUCKDB_MEMORY_LIMIT"


def test_memory_limit_from_the_environment_caps_duckdb(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "1GB")
    with closing(connect(tmp_path / "w.duckdb")) as con:
        [(limit,)] = con.sql("SELECT current_setting('memory_limit')").fetchall()
    assert limit == "953.6 MiB"


def test_a_bad_memory_limit_says_what_to_write(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ConfigError, match=r"SKILLPULSE_DUCKDB_MEMORY_LIMIT='lots'.*such as 4GB"):
        connect(tmp_path / "w.duckdb")


def test_part_bounds_cut_the_reports_into_runs_of_about_n_observations() -> None:
    from tests.sql_fixtures import lake_connection

    sizes = {"a-2025": 4, "b-2025": 4, "c-2025": 1, "d-2025": 9, "e-2025": None, "f-2025": 2}
    con = lake_connection(
        reports=[{"report_id": rid, "observations": n} for rid, n in sizes.items()]
    )
    assert part_bounds(con, rows_per_part=5) == ["c-2025", "e-2025"]
    assert part_bounds(con, rows_per_part=100) == []
    assert part_bounds(lake_connection(), rows_per_part=5) == []
