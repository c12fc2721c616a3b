"""Accepting a review proposal (issue 16): the reports and rows it changes, and a rebuild of only those."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows import config
from flows.cli import app
from flows.config import DATABASE_NAME, Paths
from flows.taxonomy.accept import accept_alias, proposal_impact
from tests.conftest import names_report

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "reference"
TARGET = "ai-video-generation-and-editing"


def skill_ids(warehouse: Path) -> dict[tuple[str, str], str]:
    with duckdb.connect(str(warehouse / DATABASE_NAME), read_only=True) as con:
        rows = con.execute(
            "SELECT report_id, skill_raw, skill_id FROM lake.observations ORDER BY ALL"
        ).fetchall()
    return {(r, name): sid for r, name, sid in rows}


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_accepting_an_alias_rebuilds_only_the_reports_it_touches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.pipeline import skillpulse_pipeline

    reference = tmp_path / "reference"
    shutil.copytree(SHIPPED, reference)
    monkeypatch.setattr(config, "DEFAULT_REFERENCE", reference)  # the pipeline's registry
    raw, warehouse = tmp_path / "raw", tmp_path / "warehouse"
    names_report(raw / "a", "accept-a", ["AI video production", "Python"], "Accept test")
    names_report(raw / "b", "accept-b", ["Python", "SQL"], "Accept test")
    names_report(raw / "c", "accept-c", ["Data science", "Kubernetes"], "Accept test")
    # Five reports: one changed of five stays under the warehouse's share for an incremental build.
    names_report(raw / "d", "accept-d", ["SQL"], "Accept test")
    names_report(raw / "e", "accept-e", ["Kubernetes"], "Accept test")
    assert skillpulse_pipeline(str(raw), str(warehouse))["reports_ingested"] == 5
    before = skill_ids(warehouse)
    paths = Paths.resolve(raw, warehouse)
    assert paths.reference == reference.resolve()

    impact = proposal_impact(paths.lake, paths.reference, "AI video production", TARGET).to_pylist()
    assert [(r["report_id"], r["name_raw"], r["observations"], r["id_after"]) for r in impact] == [
        ("accept-a-2026", "AI video production", 1, TARGET)
    ]
    assert impact[0]["id_before"] == before[("accept-a-2026", "AI video production")] != TARGET
    shown = CliRunner().invoke(
        app,
        [
            "skills",
            "accept",
            "AI video production",
            TARGET,
            "--dry-run",
            "--raw",
            str(raw),
            "--warehouse",
            str(warehouse),
        ],
    )
    assert shown.exit_code == 0, shown.output
    assert "accept-a-2026" in shown.output and "accept-b-2026" not in shown.output
    # A trial only: the registry is not written.
    assert "AI video production" not in (reference / "skill_aliases.csv").read_text()

    done = accept_alias(paths, "AI video production", TARGET)
    assert (done.reports, done.restamped) == (["accept-a-2026"], 4)
    summary = skillpulse_pipeline(str(raw), str(warehouse))
    assert (summary["reports_ingested"], summary["reports_unchanged"]) == (1, 4)
    assert (summary["warehouse_build"], summary["reports_refreshed"]) == ("incremental", 1)
    after = skill_ids(warehouse)
    assert after[("accept-a-2026", "AI video production")] == TARGET
    assert {k: v for k, v in after.items() if k[0] != "accept-a-2026"} == {
        k: v for k, v in before.items() if k[0] != "accept-a-2026"
    }
    # accept-a was written again into a new batch file; its old rows there are not counted.
    impact = proposal_impact(paths.lake, paths.reference, "Python", "sql").to_pylist()
    assert [(r["report_id"], r["observations"]) for r in impact] == [
        ("accept-a-2026", 1),
        ("accept-b-2026", 1),
    ]
    # What the incremental path published is what a full rebuild gives.
    skillpulse_pipeline(str(raw), str(warehouse), full_refresh=True)
    assert skill_ids(warehouse) == after


def test_an_alias_that_changes_nothing_observed_touches_no_report(tmp_path: Path) -> None:
    lake = tmp_path / "warehouse" / "lake"
    (lake / "observations").mkdir(parents=True)
    assert proposal_impact(lake, SHIPPED, "AI video production", TARGET).num_rows == 0
