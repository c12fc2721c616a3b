"""Discover plans new/changed/unchanged/retired reports; the lake commits atomically; batches stay few."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from flows import lake
from flows.fsutil import CHUNK, sha256_file
from flows.ingest import make_batches
from flows.raw.discover import discover
from tests.conftest import write_report

MANIFEST = """
[report]
series = "{series}"
edition = "2025"
publisher = "P"
title = "T"
source_url = "https://example.org"
ignore = ["*.pdf"]

[[tables]]
file = "skills.csv"
measure = "growth_pct"
columns = {{ skill = "Skill", value = "Growth" }}
"""


def make_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    for series in ("alpha", "beta"):
        write_report(
            raw / series,
            MANIFEST.format(series=series),
            {"skills.csv": "Skill,Growth\nA,1%\n", "report.pdf": "x"},
        )
    return raw


def write_series(raw: Path, rows_by_series: dict[str, str]) -> Path:
    """One 2025 report per series, its skills.csv holding the given data rows."""
    for series, rows in rows_by_series.items():
        write_report(
            raw / series, MANIFEST.format(series=series), {"skills.csv": "Skill,Growth\n" + rows}
        )
    return raw


def test_plan_sorts_reports_into_new_changed_unchanged_and_retired(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    first = discover(raw, "ref", known={})
    assert {s.report_id for s in first.changed} == first.new == {"alpha-2025", "beta-2025"}
    known = {s.report_id: s.fingerprint for s in first.changed} | {"gone-2024": "x"}
    (raw / "beta" / "skills.csv").write_text("Skill,Growth\nA,2%\n", encoding="utf-8")
    second = discover(raw, "ref", known=known)
    assert [s.report_id for s in second.changed] == ["beta-2025"] and not second.new
    assert [s.report_id for s in second.unchanged] == ["alpha-2025"]
    assert second.retired == ("gone-2024",)
    assert discover(raw, "other reference", known=known).unchanged == ()
    assert {s.report_id for s in discover(raw, "ref", known=known, full_refresh=True).changed} == {
        "alpha-2025",
        "beta-2025",
    }


def test_file_hashes_are_sha256_of_the_bytes_whatever_the_size(tmp_path: Path) -> None:
    for size in (0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 7):
        path = tmp_path / f"file-{size}"
        data = bytes(i % 251 for i in range(size))
        path.write_bytes(data)
        assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_reports_hashed_on_threads_keep_their_order_and_their_own_hashes(tmp_path: Path) -> None:
    raw = write_series(tmp_path / "raw", {f"s{i:03}": f"A,{i}%\n" for i in range(57)})
    plan = discover(raw, "ref", known={})
    assert [s.report_id for s in plan.changed] == [f"s{i:03}-2025" for i in range(57)]
    for source in plan.changed:
        csv = (source.report_dir / "skills.csv").read_bytes()
        assert source.file_hashes == {"skills.csv": hashlib.sha256(csv).hexdigest()}


def test_undeclared_files_and_duplicate_reports_are_problems_not_silence(tmp_path: Path) -> None:
    raw = make_raw(tmp_path)
    (raw / "alpha" / "extra.csv").write_text("x", encoding="utf-8")
    (raw / "loose.xlsx").write_bytes(b"x")
    (raw / ".hidden").write_text("x", encoding="utf-8")
    (raw / "README.md").write_text("notes", encoding="utf-8")
    write_report(
        raw / "copy", MANIFEST.format(series="alpha"), {"skills.csv": "Skill,Growth\nA,1%\n"}
    )
    problems = {p["source_file"]: p for p in discover(raw, "ref", known={}).problems.to_pylist()}
    assert set(problems) == {"alpha/extra.csv", "loose.xlsx", "copy/report.toml"}
    assert problems["alpha/extra.csv"]["reason_code"] == "undeclared_file"
    assert "alpha/report.toml does not declare this file" in problems["alpha/extra.csv"]["message"]
    assert "skillpulse new-report loose.xlsx" in problems["loose.xlsx"]["message"]
    assert problems["copy/report.toml"]["reason_code"] == "duplicate_report"


def test_commit_keeps_unchanged_rows_and_removes_retired_and_orphan_data(tmp_path: Path) -> None:
    lake_dir = tmp_path / "lake"
    row = {"report_id": "a-1", "input_fingerprint": "f", "observations": 1}
    table = pa.table({"value": [1.0]})
    for report_id in ("a-1", "b-1", "orphan-1"):
        lake.write_parquet(table, lake.observations_dir(lake_dir, report_id) / "t.parquet")
    lake.commit(
        lake_dir, [], [row, row | {"report_id": "b-1"}], [], lake.QUARANTINE_SCHEMA.empty_table()
    )
    assert not lake.observations_dir(lake_dir, "orphan-1").exists()
    lake.commit(lake_dir, ["a-1"], [], ["b-1"], lake.QUARANTINE_SCHEMA.empty_table())
    assert lake.known_fingerprints(lake_dir) == {"a-1": "f"}
    assert (
        lake.observations_dir(lake_dir, "a-1").exists()
        and not lake.observations_dir(lake_dir, "b-1").exists()
    )
    assert not list(lake_dir.rglob("*.tmp"))


def test_batches_grow_with_volume_not_with_file_count(tmp_path: Path) -> None:
    raw = write_series(tmp_path / "raw", {f"r{i:02}": "A,1%\n" * (i + 1) for i in range(12)})
    sources = discover(raw, "ref", known={}).changed
    assert [
        len(b.sources) for b in make_batches(sources, batch_bytes=1 << 20, batch_reports=5)
    ] == [5, 5, 2]
    by_bytes = make_batches(sources, batch_bytes=60, batch_reports=100)
    assert sum(len(b.sources) for b in by_bytes) == 12 and len(by_bytes) > 1


def test_lake_files_from_an_older_schema_read_with_nulls_for_new_columns(tmp_path):
    older = pa.schema([lake.REPORTS_SCHEMA.field("report_id"), lake.REPORTS_SCHEMA.field("status")])
    pq.write_table(
        pa.table({"report_id": ["a-2025"], "status": ["ok"]}, schema=older), tmp_path / "r.parquet"
    )
    table = lake.read_parquet(tmp_path / "r.parquet", lake.REPORTS_SCHEMA)
    assert table.schema.equals(lake.REPORTS_SCHEMA, check_metadata=True)
    assert table.to_pylist()[0] == {name: None for name in lake.REPORTS_SCHEMA.names} | {
        "report_id": "a-2025",
        "status": "ok",
    }
    assert lake.read_parquet(
        tmp_path / "r.parquet", lake.REPORTS_SCHEMA, ["status"]
    ).to_pylist() == [{"status": "ok"}]
