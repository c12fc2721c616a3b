"""The lake's batch files: a rerun writes a report into a new file, loads keep only current rows, compaction and kill -9."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows import lake
from flows.config import DEFAULT_REFERENCE
from flows.failpoints import ENV as FAILPOINT_ENV
from flows.ingest import Batch, ingest_batch
from flows.raw.discover import discover, reference_fingerprint
from flows.warehouse.database import load_lake
from tests.conftest import write_report
from tests.hostile_corpus import manifest

SERIES = ("alpha", "beta", "gamma")


def write_raw(raw: Path, growth: dict[str, int]) -> None:
    for series in SERIES:
        rows = "".join(f"Skill {series} {i},+{growth.get(series, 1) + i}%\n" for i in range(4))
        write_report(raw / series, manifest(series, "t.csv"), {"t.csv": "Skill,Growth\n" + rows})


def run_once(raw: Path, lake_dir: Path) -> list[str]:
    """Discover, ingest the changed reports as one batch, commit and compact, as the flow does."""
    known = lake.known_fingerprints(lake_dir)
    plan = discover(raw, reference_fingerprint(DEFAULT_REFERENCE), known)
    rows = ingest_batch(Batch(plan.changed), lake_dir, DEFAULT_REFERENCE) if plan.changed else []
    lake.commit(lake_dir, [s.report_id for s in plan.unchanged], rows, plan.retired, plan.problems)
    lake.compact(lake_dir)
    return sorted(r["report_id"] for r in rows)


def batch_files(lake_dir: Path) -> list[str]:
    return sorted(p.name for p in (lake_dir / "observations").glob("batch-*.parquet"))


def loaded(lake_dir: Path, tmp_path: Path) -> list[tuple]:
    """lake.observations as the warehouse loads it: (report_id, skill_raw, value)."""
    database = tmp_path / f"check-{len(list(tmp_path.glob('check-*')))}.duckdb"
    load_lake(database, lake_dir, DEFAULT_REFERENCE)
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "SELECT report_id, skill_raw, value FROM lake.observations ORDER BY ALL"
        ).fetchall()


def expected(growth: dict[str, int]) -> list[tuple]:
    return sorted(
        (f"{series}-2025", f"Skill {series} {i}", float(growth.get(series, 1) + i))
        for series in SERIES
        for i in range(4)
    )


def test_a_rerun_writes_changed_reports_into_a_new_file_and_loads_ignore_their_old_rows(
    tmp_path: Path,
) -> None:
    raw, lake_dir = tmp_path / "raw", tmp_path / "lake"
    write_raw(raw, {})
    assert run_once(raw, lake_dir) == ["alpha-2025", "beta-2025", "gamma-2025"]
    [first] = batch_files(lake_dir)
    assert pq.ParquetFile(lake_dir / "observations" / first).metadata.num_rows == 12

    write_raw(raw, {"alpha": 50})
    assert run_once(raw, lake_dir) == ["alpha-2025"]
    files = batch_files(lake_dir)
    assert len(files) == 2 and first in files  # two of its three reports are still current there
    reports = lake.read_reports(lake_dir).to_pydict()
    mapping = dict(zip(reports["report_id"], reports["observations_file"], strict=True))
    assert mapping["beta-2025"] == mapping["gamma-2025"] == f"observations/{first}"
    assert mapping["alpha-2025"] != mapping["beta-2025"]
    # The old file still holds alpha's old rows; the load keeps only the current ones.
    assert pq.ParquetFile(lake_dir / "observations" / first).metadata.num_rows == 12
    assert loaded(lake_dir, tmp_path) == expected({"alpha": 50})
    # Readers outside the warehouse (the review queue) see the same current rows.
    current = lake.read_current_observations(lake_dir, ["report_id", "skill_raw", "value"])
    assert sorted(tuple(r.values()) for r in current.to_pylist()) == expected({"alpha": 50})

    # With beta also moved, a third of the first file is current: it is compacted away.
    write_raw(raw, {"alpha": 50, "beta": 70})
    assert run_once(raw, lake_dir) == ["beta-2025"]
    assert first not in batch_files(lake_dir) and len(batch_files(lake_dir)) == 3
    assert loaded(lake_dir, tmp_path) == expected({"alpha": 50, "beta": 70})
    # Every file holds only current rows now or is mostly current; nothing unreferenced is left.
    mapped = set(lake.read_reports(lake_dir)["observations_file"].to_pylist())
    assert {f"observations/{name}" for name in batch_files(lake_dir)} == mapped

    # Nothing changed: no file is written or rewritten.
    before = batch_files(lake_dir)
    assert run_once(raw, lake_dir) == []
    assert batch_files(lake_dir) == before


def test_a_lake_of_per_report_files_is_still_read_and_moves_to_batch_files(
    tmp_path: Path,
) -> None:
    """A lake written before batch files (observations/<report_id>/, no map) loads as it is; a
    changed report moves to a batch file and its own folder goes at that commit."""
    raw, lake_dir = tmp_path / "raw", tmp_path / "lake"
    write_raw(raw, {})
    run_once(raw, lake_dir)
    [first] = batch_files(lake_dir)
    rows = pq.read_table(lake_dir / "observations" / first)
    for report_id in ("alpha-2025", "beta-2025", "gamma-2025"):
        mine = rows.filter(pc.equal(rows["report_id"], report_id))
        lake.write_parquet(mine, lake.observations_dir(lake_dir, report_id) / "t.parquet")
    reports = lake.read_reports(lake_dir)
    lake.write_parquet(reports.drop_columns(["observations_file"]), lake_dir / lake.REPORTS_FILE)
    (lake_dir / "observations" / first).unlink()
    assert loaded(lake_dir, tmp_path) == expected({})

    write_raw(raw, {"gamma": 9})
    assert run_once(raw, lake_dir) == ["gamma-2025"]
    assert not lake.observations_dir(lake_dir, "gamma-2025").exists()
    assert lake.observations_dir(lake_dir, "alpha-2025").exists()
    assert loaded(lake_dir, tmp_path) == expected({"gamma": 9})


COMPACT = """
import sys
from pathlib import Path
from flows import lake
lake.compact(Path(sys.argv[1]), below=1.0)
"""


def test_compaction_killed_at_any_point_leaves_the_same_current_rows(tmp_path: Path) -> None:
    raw, lake_dir = tmp_path / "raw", tmp_path / "lake"
    write_raw(raw, {})
    run_once(raw, lake_dir)
    write_raw(raw, {"alpha": 50})
    run_once(raw, lake_dir)
    want = expected({"alpha": 50})
    # Two of the first file's three reports are current: above the default threshold.
    assert lake.compact(lake_dir) == [] and len(batch_files(lake_dir)) == 2
    everyone = ["alpha-2025", "beta-2025", "gamma-2025"]
    for point in ("lake:compact-written", "lake:compact-committed"):
        killed = subprocess.run(
            [sys.executable, "-c", COMPACT, str(lake_dir)],
            env=os.environ | {FAILPOINT_ENV: point},
            capture_output=True,
            text=True,
            check=False,
        )
        assert killed.returncode == -9, f"{point}: {killed.stderr}"
        assert len(batch_files(lake_dir)) == 3  # the new file is there, the old not yet gone
        assert loaded(lake_dir, tmp_path) == want
        # The next commit removes what the killed compaction left unreferenced.
        lake.commit(lake_dir, everyone, [], [], lake.QUARANTINE_SCHEMA.empty_table())
        mapped = set(lake.read_reports(lake_dir)["observations_file"].to_pylist())
        assert {f"observations/{name}" for name in batch_files(lake_dir)} == mapped
        assert len(mapped) == 2 and loaded(lake_dir, tmp_path) == want
    # Every file is wholly current now: nothing to rewrite, however low the bar.
    assert lake.compact(lake_dir, below=1.0) == []


def write_quarantining_raw(raw: Path, bad: dict[str, str]) -> None:
    """Each series with one value that cannot be read (its text from `bad`): one quarantine row."""
    for series in SERIES:
        rows = f"Skill {series},+1%\nOdd {series},{bad.get(series, 'lots')}\n"
        write_report(raw / series, manifest(series, "t.csv"), {"t.csv": "Skill,Growth\n" + rows})


def loaded_quarantine(lake_dir: Path, tmp_path: Path) -> list[tuple]:
    database = tmp_path / f"check-{len(list(tmp_path.glob('check-*')))}.duckdb"
    load_lake(database, lake_dir, DEFAULT_REFERENCE)
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "SELECT report_id, reason_code, message FROM lake.quarantine ORDER BY ALL"
        ).fetchall()


def test_quarantine_rows_go_to_batch_files_and_a_rerun_replaces_one_reports_rows(
    tmp_path: Path,
) -> None:
    raw, lake_dir = tmp_path / "raw", tmp_path / "lake"
    write_quarantining_raw(raw, {})
    run_once(raw, lake_dir)
    [first] = [p.name for p in (lake_dir / "quarantine").glob("batch-*.parquet")]
    before = loaded_quarantine(lake_dir, tmp_path)
    assert [(r[0], r[1]) for r in before] == [(f"{s}-2025", "unparseable_value") for s in SERIES]

    write_quarantining_raw(raw, {"alpha": "many"})
    assert run_once(raw, lake_dir) == ["alpha-2025"]
    after = loaded_quarantine(lake_dir, tmp_path)
    # The first file still holds alpha's old row; the load and readers keep only its new one.
    assert pq.ParquetFile(lake_dir / "quarantine" / first).metadata.num_rows == 3
    assert after[1:] == before[1:] and "many" in after[0][2] and "lots" not in after[0][2]
    current = lake.read_current(lake_dir, lake.QUARANTINE, ["report_id", "message"])
    assert sorted((r["report_id"], r["message"]) for r in current.to_pylist()) == [
        (r[0], r[2]) for r in after
    ]
    # A retired report's rows leave the map; the file holding no current row at all goes.
    write_quarantining_raw(raw, {"alpha": "many", "beta": "heaps", "gamma": "loads"})
    run_once(raw, lake_dir)
    assert not (lake_dir / "quarantine" / first).exists()


def test_per_report_quarantine_and_claims_files_are_still_read_until_their_report_moves(
    tmp_path: Path,
) -> None:
    """A lake written before quarantine batch files (quarantine/<report_id>.parquet, no map
    column) loads as it is; a changed report's own file goes at its commit."""
    raw, lake_dir = tmp_path / "raw", tmp_path / "lake"
    write_quarantining_raw(raw, {})
    run_once(raw, lake_dir)
    [batch] = (lake_dir / "quarantine").glob("batch-*.parquet")
    rows = pq.read_table(batch)
    for report_id in ("alpha-2025", "beta-2025", "gamma-2025"):
        mine = rows.filter(pc.equal(rows["report_id"], report_id))
        lake.write_parquet(mine, lake.quarantine_file(lake_dir, report_id))
    reports = lake.read_reports(lake_dir).drop_columns(["quarantine_file", "claims_file"])
    lake.write_parquet(reports, lake_dir / lake.REPORTS_FILE)
    batch.unlink()
    want = loaded_quarantine(lake_dir, tmp_path)
    assert len(want) == 3

    write_quarantining_raw(raw, {"gamma": "loads"})
    assert run_once(raw, lake_dir) == ["gamma-2025"]
    assert not lake.quarantine_file(lake_dir, "gamma-2025").exists()
    assert lake.quarantine_file(lake_dir, "alpha-2025").exists()
    now = loaded_quarantine(lake_dir, tmp_path)
    assert now[:2] == want[:2] and "loads" in now[2][2]


def test_many_quarantine_files_are_merged_into_one(tmp_path: Path) -> None:
    raw, lake_dir = tmp_path / "raw", tmp_path / "lake"
    write_quarantining_raw(raw, {})
    run_once(raw, lake_dir)
    write_quarantining_raw(raw, {"alpha": "many"})
    run_once(raw, lake_dir)
    want = loaded_quarantine(lake_dir, tmp_path)
    assert len(list((lake_dir / "quarantine").glob("batch-*.parquet"))) == 2
    assert len(lake.compact(lake_dir, max_side=1)) == 2
    [merged] = (lake_dir / "quarantine").glob("batch-*.parquet")
    assert pq.ParquetFile(merged).metadata.num_rows == 3
    assert loaded_quarantine(lake_dir, tmp_path) == want
