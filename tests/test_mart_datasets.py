"""Marts are Parquet datasets (marts/<name>/): every common reader reads them, and a changed report
rewrites only the parts holding it while the other parts stay the same files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from flows.pipeline import skillpulse_pipeline
from flows.warehouse import datasets
from tests.test_incremental import UPWORK_CSV, raw  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def database_rows(warehouse: Path, name: str) -> list[tuple]:
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        return con.execute(f'SELECT * FROM marts."{name}" ORDER BY ALL').fetchall()


def parts(warehouse: Path, name: str) -> dict[str, os.stat_result]:
    folder = warehouse / "marts" / name
    return {p.name: p.stat() for p in sorted(folder.glob("*.parquet"))}


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 50 rows, so the small test corpus splits into several."""
    monkeypatch.setattr(datasets, "PART_ROWS", 50)


def test_every_mart_reads_the_same_with_pandas_pyarrow_duckdb_and_polars(
    raw: Path,  # noqa: F811
    tmp_path: Path,
    small_parts: None,
) -> None:
    warehouse = tmp_path / "warehouse"
    summary = skillpulse_pipeline(str(raw), str(warehouse))
    assert len(summary["marts"]) >= 6
    for name in summary["marts"]:
        folder = warehouse / "marts" / name
        expected = database_rows(warehouse, name)
        via_duckdb = duckdb.sql(
            f"SELECT * FROM read_parquet('{folder}/*.parquet') ORDER BY ALL"
        ).fetchall()
        assert via_duckdb == expected, name
        arrow = pq.read_table(folder)
        assert arrow.num_rows == len(expected), name
        frame = pd.read_parquet(folder)
        assert (len(frame), list(frame.columns)) == (len(expected), arrow.column_names), name
        assert duckdb.sql("SELECT * FROM arrow ORDER BY ALL").fetchall() == expected, name
        via_polars = duckdb.from_arrow(pl.read_parquet(f"{folder}/*.parquet").to_arrow())
        assert via_polars.query("t", "SELECT * FROM t ORDER BY ALL").fetchall() == expected, name
    assert len(parts(warehouse, "skill_growth_rankings")) > 2  # split by report range


def test_a_changed_report_rewrites_only_the_part_holding_it(
    raw: Path,  # noqa: F811
    tmp_path: Path,
    small_parts: None,
) -> None:
    warehouse = tmp_path / "warehouse"
    skillpulse_pipeline(str(raw), str(warehouse))
    before = parts(warehouse, "skill_growth_rankings")
    old_version = (warehouse / "marts" / "skill_growth_rankings").resolve()

    csv = raw / UPWORK_CSV
    csv.write_text(csv.read_text(encoding="utf-8").replace("+178%", "+181%"), encoding="utf-8")
    changed = skillpulse_pipeline(str(raw), str(warehouse))
    assert changed["warehouse_build"] == "incremental"
    after = parts(warehouse, "skill_growth_rankings")
    assert after.keys() == before.keys()
    same = [n for n in after if after[n].st_ino == before[n].st_ino]
    rewritten = [n for n in after if after[n].st_ino != before[n].st_ino]
    assert len(rewritten) == 1 and len(same) == len(after) - 1
    folder = warehouse / "marts" / "skill_growth_rankings"
    assert duckdb.sql(
        f"SELECT growth_pct FROM read_parquet('{folder}/{rewritten[0]}') "
        "WHERE skill_name ILIKE 'AI integration'"
    ).fetchall() == [(181.0,)]
    # Readers that listed the old version just before the switch can still read all of it.
    assert old_version.is_dir() and old_version != folder.resolve()
    assert pq.read_table(old_version).num_rows == sum(
        pq.read_metadata(old_version / n).num_rows for n in before
    )

    # A later run drops versions older than the previous one; a killed run's leftovers go too.
    leftover = (
        warehouse / "marts" / datasets.VERSIONS / "skill_growth_rankings.99999999999999999999-x"
    )
    shutil.copytree(folder.resolve(), leftover)
    csv.write_text(csv.read_text(encoding="utf-8").replace("+181%", "+182%"), encoding="utf-8")
    skillpulse_pipeline(str(raw), str(warehouse))
    versions = sorted((warehouse / "marts" / datasets.VERSIONS).glob("skill_growth_rankings.*"))
    assert len(versions) == 2 and not old_version.exists() and not leftover.exists()
    assert (warehouse / "marts" / "skill_growth_rankings").resolve() == versions[-1]
