"""`skillpulse query`: read-only SQL on the published warehouse, as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock
from typer.testing import CliRunner

from flows.cli import app
from tests.analyst_warehouse import analyst_warehouse_once

pytestmark = pytest.mark.slow
SKILLPULSE = str(Path(sys.executable).parent / "skillpulse")
UPWORK_TOP = (
    "SELECT skill_name, growth_pct, rank_in_report FROM marts.skill_growth_rankings "
    "WHERE report_id = 'upwork-in-demand-skills-2026' ORDER BY rank_in_report"
)


@pytest.fixture
def warehouse(tmp_path_factory, prefect_harness) -> Path:
    return analyst_warehouse_once(tmp_path_factory)


def query(warehouse: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SKILLPULSE, "query", *args, "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_query_prints_csv_json_and_a_table(warehouse: Path) -> None:
    as_csv = query(warehouse, UPWORK_TOP, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["skill_name"] for r in rows][:2] == [
        "AI video generation and editing",
        "AI integration",
    ]
    assert rows[0]["growth_pct"] == "329.0" and rows[0]["rank_in_report"] == "1"

    as_json = query(warehouse, UPWORK_TOP, "--format", "json")
    assert json.loads(as_json.stdout)[0] == {
        "skill_name": "AI video generation and editing",
        "growth_pct": 329.0,
        "rank_in_report": 1,
    }
    empty = query(warehouse, "SELECT 1 AS x WHERE false", "--format", "json")
    assert json.loads(empty.stdout) == []

    table = query(warehouse, UPWORK_TOP)
    assert table.returncode == 0 and "AI video generation and editing" in table.stdout
    assert f"{len(rows)} row(s)" in table.stdout


def test_table_format_is_bounded_and_says_so(warehouse: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["query", "SELECT * FROM range(50)", "--warehouse", str(warehouse), "--max-rows", "7"],
    )
    assert result.exit_code == 0, result.output
    assert "50 row(s), the first 7 shown" in result.output
    assert "│ 6 " in result.output and "│ 7 " not in result.output


def test_query_is_read_only_and_errors_are_clear(warehouse: Path, tmp_path: Path) -> None:
    before = (warehouse / "skillpulse.duckdb").read_bytes()
    write = query(warehouse, "CREATE TABLE marts.mine AS SELECT 1")
    assert write.returncode == 1 and "read-only" in write.stderr.lower()
    assert (warehouse / "skillpulse.duckdb").read_bytes() == before
    missing = query(warehouse, "SELECT * FROM marts.no_such_mart")
    assert missing.returncode == 1 and "no_such_mart" in missing.stderr
    nothing = query(tmp_path, "SELECT 1")
    assert nothing.returncode == 1 and "run `skillpulse run` first" in nothing.stderr


def test_query_is_not_blocked_by_a_writer_and_sees_each_published_file(
    warehouse: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "warehouse"
    shutil.copytree(warehouse, copy)
    # A run holds the writer lock and has its own database open read-write while it builds.
    with (
        FileLock(str(copy / ".skillpulse.lock"), timeout=0),
        duckdb.connect(str(copy / ".skillpulse.duckdb.building.tmp")) as building,
    ):
        building.execute("CREATE TABLE t AS SELECT 1")
        answer = query(copy, "SELECT count(*) AS n FROM lake.reports", "--format", "csv")
        assert answer.returncode == 0, answer.stderr
        assert answer.stdout.splitlines() == ["n", "5"]
    # Publishing renames a new file over the old one; the next query reads the new one.
    staged = tmp_path / "next.duckdb"
    with duckdb.connect(str(staged)) as con:
        con.execute("CREATE SCHEMA lake; CREATE TABLE lake.reports AS SELECT 'x' AS report_id")
    os.replace(staged, copy / "skillpulse.duckdb")
    again = query(copy, "SELECT count(*) AS n FROM lake.reports", "--format", "csv")
    assert again.stdout.splitlines() == ["n", "1"]
