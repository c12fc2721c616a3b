"""A file rewritten between hashing and reading never gets the old hash on its new content."""

from __future__ import annotations

from pathlib import Path

from flows.config import DEFAULT_REFERENCE
from flows.ingest import Batch, ingest_batch
from flows.lake import read_parquet
from flows.lake_schemas import OBSERVATIONS_SCHEMA, QUARANTINE_SCHEMA
from flows.raw.discover import discover, reference_fingerprint
from tests.conftest import write_report
from tests.hostile_corpus import manifest


def test_a_file_changed_after_discovery_is_not_loaded_under_the_old_hash(tmp_path: Path) -> None:
    raw, lake = tmp_path / "raw", tmp_path / "lake"
    folder = write_report(
        raw / "racing", manifest("racing", "t.csv"), {"t.csv": "Skill,Growth\nOld skill,+1%\n"}
    )
    plan = discover(raw, reference_fingerprint(DEFAULT_REFERENCE), {})
    (folder / "t.csv").write_text("Skill,Growth\nNew skill,+99%\n", encoding="utf-8")
    [row] = ingest_batch(Batch(plan.changed), lake, DEFAULT_REFERENCE)
    assert row["observations"] == 0
    quarantine = read_parquet(lake / row["quarantine_file"], QUARANTINE_SCHEMA)
    assert quarantine["reason_code"].to_pylist() == ["file_changed"]
    assert "racing/t.csv" in quarantine["message"][0].as_py()
    assert not list((lake / "observations").rglob("*.parquet"))
    # The next run plans with the new hash and loads the new figures.
    again = discover(
        raw, reference_fingerprint(DEFAULT_REFERENCE), {row["report_id"]: row["input_fingerprint"]}
    )
    assert [s.report_id for s in again.changed] == [row["report_id"]]
    ingest_batch(Batch(again.changed), lake, DEFAULT_REFERENCE)
    [path] = (lake / "observations").rglob("*.parquet")
    loaded = read_parquet(path, OBSERVATIONS_SCHEMA).select(["skill_raw", "value"]).to_pylist()
    assert loaded == [{"skill_raw": "New skill", "value": 99.0}]
