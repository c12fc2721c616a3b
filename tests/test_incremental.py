"""Incremental warehouse builds: replacing a few reports' rows gives what a build from scratch gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from flows.config import Paths
from flows.pipeline import skillpulse_pipeline
from flows.warehouse import database as warehouse
from flows.warehouse.models import discover_models
from tests.conftest import SAMPLE_RAW
from tests.test_bench_smoke import load
from tests.test_operations import snapshot

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

UPWORK_CSV = Path("upwork/in-demand-skills-2026/ai-skills.csv")


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """The sample reports plus eight generated ones (long and wide), so one report is a small share."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    corpus = tmp_path / "corpus"
    load("generate").generate(corpus, reports=8, rows=40, shape="mixed", seed=5, skills=300)
    shutil.copytree(corpus / "raw", raw, dirs_exist_ok=True)
    return raw


def run(raw: Path, warehouse_dir: Path) -> dict:
    return skillpulse_pipeline(str(raw), str(warehouse_dir))


def assert_marts_in_key_order(warehouse_dir: Path) -> None:
    """A full build stores and exports every keyed mart table sorted by its key (views are
    computed when read, and not exported)."""
    for model in discover_models(Paths.resolve(".", warehouse_dir).sql):
        if model.schema != "marts" or not model.key or model.materialized != "table":
            continue
        key = ", ".join(model.key)
        mart = warehouse_dir / "marts" / model.table / "*.parquet"
        as_written = duckdb.sql(f"SELECT {key} FROM read_parquet('{mart}')").fetchall()
        in_order = duckdb.sql(f"SELECT {key} FROM read_parquet('{mart}') ORDER BY {key}").fetchall()
        assert as_written == in_order, model.name


def assert_same_as_a_fresh_build(raw: Path, built: Path, tmp_path: Path, name: str) -> None:
    fresh = run(raw, tmp_path / f"fresh-{name}")
    assert fresh["warehouse_build"] == "full"
    assert_marts_in_key_order(tmp_path / f"fresh-{name}")
    incremental = snapshot(built, every_schema=True)
    scratch = snapshot(tmp_path / f"fresh-{name}", every_schema=True)
    assert len(incremental) > 10 and incremental.keys() == scratch.keys()
    for table in incremental:
        assert incremental[table] == scratch[table], table


def test_a_changed_report_refreshes_only_its_rows(raw: Path, tmp_path: Path) -> None:
    built = tmp_path / "warehouse"
    first = run(raw, built)
    assert first["warehouse_build"] == "full"

    csv = raw / UPWORK_CSV
    csv.write_text(csv.read_text(encoding="utf-8").replace("+178%", "+181%"), encoding="utf-8")
    changed = run(raw, built)
    assert (changed["warehouse_build"], changed["reports_refreshed"]) == ("incremental", 1)
    with duckdb.connect(str(built / "skillpulse.duckdb"), read_only=True) as con:
        assert con.sql(
            "SELECT growth_pct FROM marts.skill_growth_rankings WHERE skill_name ILIKE 'AI integration'"
        ).fetchall() == [(181.0,)]
    assert_same_as_a_fresh_build(raw, built, tmp_path, "changed")


def test_retired_reports_and_new_editions_are_removed_and_added(raw: Path, tmp_path: Path) -> None:
    built = tmp_path / "warehouse"
    run(raw, built)
    retired, earlier, *_ = sorted(raw.glob("synthetic-*/*"))
    shutil.move(retired, tmp_path / "retired")
    # A new edition of another report's series, so the cross-edition marts change too.
    later = earlier.parent / f"{earlier.name}-next"
    shutil.copytree(earlier, later)
    manifest = later / "report.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('edition = "2025"', 'edition = "2026"'),
        encoding="utf-8",
    )
    again = run(raw, built)
    assert (again["reports_retired"], again["reports_new"]) == (1, 1)
    # The new and retired reports, and the earlier edition: it is no longer the latest.
    assert (again["warehouse_build"], again["reports_refreshed"]) == ("incremental", 3)
    with duckdb.connect(str(built / "skillpulse.duckdb"), read_only=True) as con:
        [(steps,)] = con.sql("SELECT count(*) FROM marts.edition_changes").fetchall()
    assert steps > 0
    assert_same_as_a_fresh_build(raw, built, tmp_path, "retired")


def test_many_changed_reports_or_changed_models_build_afresh(raw: Path, tmp_path: Path) -> None:
    built = tmp_path / "warehouse"
    run(raw, built)
    for csv in raw.glob("synthetic-*/*/*.csv"):
        csv.write_text(csv.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    many = run(raw, built)
    assert many["reports_ingested"] > 2 and many["warehouse_build"] == "full"

    paths = Paths.resolve(str(raw), str(built))
    inputs = warehouse.inputs_digest(paths)
    stale_models = warehouse.BuildInputs(code="other SQL", lake=inputs.lake)
    draft = warehouse.prepare(paths, stale_models, inputs)
    try:
        assert draft.changed is None
    finally:
        warehouse.discard(draft.database)


def test_an_unreadable_build_record_builds_afresh(raw: Path, tmp_path: Path) -> None:
    built = tmp_path / "warehouse"
    run(raw, built)
    (built / warehouse.BUILT_FROM).write_text("0123abcd\n", encoding="utf-8")  # an older format
    assert warehouse.built_from(built) is None
    csv = raw / UPWORK_CSV
    csv.write_text(csv.read_text(encoding="utf-8").replace("+178%", "+181%"), encoding="utf-8")
    assert run(raw, built)["warehouse_build"] == "full"
