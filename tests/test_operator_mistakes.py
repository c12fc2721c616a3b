"""Operator mistakes never empty the warehouse: each one exits non-zero, says what is wrong, and changes nothing published."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from filelock import FileLock

from tests.conftest import SAMPLE_RAW, write_report
from tests.test_operations import (
    SKILLPULSE,
    copy_of,
    edit_sample,
    published,
    published_digest,
    run_pipeline,
    skillpulse,
    snapshot,
)

pytestmark = pytest.mark.slow
_ = published  # the module-scoped fixture, shared with test_operations
UPWORK = Path("upwork") / "in-demand-skills-2026"
SQL = Path(__file__).resolve().parents[1] / "sql"


def unchanged(warehouse: Path, before: dict, digest: dict) -> None:
    assert published_digest(warehouse) == digest
    assert snapshot(warehouse) == before


def refused(result: subprocess.CompletedProcess, *words: str) -> None:
    """A clear refusal: non-zero exit, the words in one short message, no traceback."""
    assert result.returncode not in (0, -9), result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    message = result.stderr.strip()
    assert message and len(message.splitlines()) <= 3, message
    for word in words:
        assert word in message, (word, message)


def test_a_missing_raw_folder_is_an_error_and_changes_nothing(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    _, warehouse = copy_of(published, tmp_path)
    before, digest = snapshot(warehouse), published_digest(warehouse)
    result = run_pipeline(prefect_server, tmp_path / "no-such-folder", warehouse)
    refused(result, "no-such-folder", "does not exist")
    unchanged(warehouse, before, digest)


def test_an_empty_raw_folder_is_an_error_and_changes_nothing(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    _, warehouse = copy_of(published, tmp_path)
    before, digest = snapshot(warehouse), published_digest(warehouse)
    (tmp_path / "empty").mkdir()
    result = run_pipeline(prefect_server, tmp_path / "empty", warehouse)
    refused(result, "report.toml")
    unchanged(warehouse, before, digest)


def test_running_from_the_wrong_directory_changes_nothing(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    _, warehouse = copy_of(published, tmp_path)
    before, digest = snapshot(warehouse), published_digest(warehouse)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [SKILLPULSE, "run", "--warehouse", str(warehouse)],
        env=os.environ | {"PREFECT_API_URL": prefect_server},
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=240,
    )
    refused(result, "data/raw", "does not exist")
    unchanged(warehouse, before, digest)


def test_a_run_that_would_retire_most_reports_stops_unless_allowed(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    before, digest = snapshot(warehouse), published_digest(warehouse)
    shutil.rmtree(raw / "upwork")
    shutil.rmtree(raw / "indeed-hiring-lab")
    result = run_pipeline(prefect_server, raw, warehouse)
    refused(result, "would retire 2 of 3", "--allow-retire")
    unchanged(warehouse, before, digest)
    allowed = run_pipeline(prefect_server, raw, warehouse, "--allow-retire")
    assert allowed.returncode == 0, allowed.stderr
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM lake.reports").fetchone() == (1,)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SKILLPULSE_FUZZY_THRESHOLD", "abc"),
        ("SKILLPULSE_MAX_FILE_MB", "-1"),
        ("SKILLPULSE_MAX_CELLS", "many"),
    ],
)
def test_an_invalid_setting_is_refused_before_anything_changes(
    published: dict, prefect_server: str, tmp_path: Path, variable: str, value: str
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    edit_sample(raw)
    before, digest = snapshot(warehouse), published_digest(warehouse)
    result = run_pipeline(prefect_server, raw, warehouse, env={variable: value})
    refused(result, variable, repr(value))
    unchanged(warehouse, before, digest)


def break_manifest(raw: Path) -> Path:
    manifest = raw / UPWORK / "report.toml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("title =", "titel =", 1), encoding="utf-8"
    )
    return manifest


def observations_of(warehouse: Path, report_prefix: str) -> list[tuple]:
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT * FROM lake.observations WHERE report_id LIKE ? ORDER BY ALL",
            [report_prefix + "%"],
        ).fetchall()


def report_status(warehouse: Path, report_prefix: str) -> str:
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        return con.execute(
            "SELECT status FROM lake.reports WHERE report_id LIKE ?", [report_prefix + "%"]
        ).fetchone()[0]


def test_a_manifest_typo_keeps_the_last_good_data_marked_stale_until_mended(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    kept = observations_of(warehouse, "upwork")
    marts = {k: v for k, v in snapshot(warehouse).items() if k.startswith("file:")}
    assert kept
    manifest = break_manifest(raw)
    for _ in range(2):  # reported on every run until it is mended
        result = run_pipeline(prefect_server, raw, warehouse)
        assert result.returncode == 1, result.stdout + result.stderr
        output = result.stdout + result.stderr
        assert "upwork/in-demand-skills-2026/report.toml" in output
        assert "stale" in output and "did you mean 'title'" in output
        assert str(raw) not in output
        assert observations_of(warehouse, "upwork") == kept
        assert report_status(warehouse, "upwork") == "stale"
        assert {k: v for k, v in snapshot(warehouse).items() if k.startswith("file:")} == marts
        status = skillpulse(prefect_server, "status", "--warehouse", str(warehouse))
        assert status.returncode == 1 and "stale" in status.stdout
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace("titel =", "title =", 1), encoding="utf-8"
    )
    mended = run_pipeline(prefect_server, raw, warehouse)
    assert mended.returncode == 0, mended.stderr
    assert report_status(warehouse, "upwork") != "stale"
    assert observations_of(warehouse, "upwork") == kept
    assert skillpulse(prefect_server, "status", "--warehouse", str(warehouse)).returncode == 0


def test_status_fails_while_a_report_has_failed(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    write_report(
        raw / "broken" / "empty-2025",
        """
        [report]
        series = "empty"
        edition = "2025"
        publisher = "Nobody"
        title = "An empty file"
        source_url = "https://example.org/empty"

        [[tables]]
        file = "skills.csv"
        measure = "growth_pct"
        columns = { skill = "Skill", value = "Growth" }
        """,
        {"skills.csv": ""},
    )
    result = run_pipeline(prefect_server, raw, warehouse)
    assert result.returncode == 0, result.stderr
    for _ in range(2):  # the report stays failed on a run with nothing changed, and so does status
        status = skillpulse(prefect_server, "status", "--warehouse", str(warehouse))
        assert status.returncode == 1, status.stdout
        assert "empty-2025" in status.stdout and "failed" in status.stdout
        assert run_pipeline(prefect_server, raw, warehouse).returncode == 0


def test_lake_files_are_readable_by_the_machines_other_users(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    warehouse = tmp_path / "warehouse"
    result = subprocess.run(
        [SKILLPULSE, "run", "--raw", str(raw), "--warehouse", str(warehouse)],
        env=os.environ | {"PREFECT_API_URL": prefect_server},
        capture_output=True,
        text=True,
        timeout=240,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert result.returncode == 0, result.stderr
    files = [p for p in warehouse.rglob("*") if p.is_file() and p.name != ".skillpulse.lock"]
    assert any("lake" in p.parts for p in files)
    private = [
        (str(p.relative_to(warehouse)), oct(stat.S_IMODE(p.stat().st_mode)))
        for p in files
        if stat.S_IMODE(p.stat().st_mode) & 0o044 != 0o044
    ]
    assert private == []


def flow_runs_for(api_url: str, warehouse: Path) -> list[dict]:
    flows = httpx.post(
        f"{api_url}/flows/filter", json={"flows": {"name": {"any_": ["skillpulse"]}}}
    ).json()
    runs = httpx.post(
        f"{api_url}/flow_runs/filter", json={"flows": {"id": {"any_": [f["id"] for f in flows]}}}
    ).json()
    return [r for r in runs if r["parameters"].get("warehouse_dir") == str(warehouse)]


def test_a_second_writer_is_refused_before_prefect_starts(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    with FileLock(warehouse / ".skillpulse.lock"):
        started = time.monotonic()
        result = run_pipeline(prefect_server, raw, warehouse)
        seconds = time.monotonic() - started
    assert result.returncode == 75, result.stderr
    assert "another skillpulse run is writing to" in result.stderr
    assert flow_runs_for(prefect_server, warehouse) == []
    assert seconds < 20


def big_raw(raw: Path, reports: int = 12) -> None:
    """Reports ranking the same reference skills differently, so the marts compare and average them."""
    import csv

    with (SQL.parent / "data" / "reference" / "skills.csv").open(encoding="utf-8") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    for r in range(reports):
        lines = ["Skill,Growth"] + [
            f'"{name}",{(i * 7919 + r * 104729) % 1009 / 7 - 50:.4f}%'
            for i, name in enumerate(names)
        ]
        write_report(
            raw / f"series-{r}",
            f"""
            [report]
            series = "series-{r}"
            edition = "2025"
            publisher = "Publisher {r % 5}"
            title = "Report {r}"
            source_url = "https://example.org/{r}"

            [[tables]]
            file = "skills.csv"
            measure = "growth_pct"
            columns = {{ skill = "Skill", value = "Growth" }}
            """,
            {"skills.csv": "\n".join(lines) + "\n"},
        )


def test_float_reductions_in_models_have_a_fixed_order() -> None:
    """A float sum in whatever order the threads finish differs in the last bit between builds;
    at scale that made marts differ byte for byte. Every float reduction names its order."""
    reduction = re.compile(
        r"\b(avg|sum|fsum|corr|covar_\w+|stddev\w*|var_\w+|variance|regr_\w+)\s*\(", re.I
    )
    unordered = []
    for path in sorted(SQL.rglob("*.sql")):
        code = "\n".join(line.split("--")[0] for line in path.read_text().splitlines())
        for match in reduction.finditer(code):
            depth, end = 0, match.end() - 1
            for end in range(match.end() - 1, len(code)):
                depth += {"(": 1, ")": -1}.get(code[end], 0)
                if depth == 0:
                    break
            if "order by" not in code[match.end() : end].lower():
                unordered.append(f"{path.relative_to(SQL)}: {code[match.start() : end + 1]}")
    assert unordered == []


def test_rebuilds_are_byte_identical(prefect_server: str, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    big_raw(raw)
    marts = []
    for name in ("first", "second"):
        warehouse = tmp_path / name
        result = run_pipeline(prefect_server, raw, warehouse)
        assert result.returncode == 0, result.stderr
        marts.append(
            {
                p.relative_to(warehouse / "marts").as_posix(): p.read_bytes()
                for p in sorted((warehouse / "marts").glob("*/*.parquet"))
            }
        )
    assert marts[0].keys() == marts[1].keys() and marts[0]
    with duckdb.connect(str(tmp_path / "first" / "skillpulse.duckdb"), read_only=True) as con:
        compared = con.execute("SELECT count(*) FROM marts.skill_comparisons").fetchone()[0]
    assert compared > 10
    differing = [name for name in marts[0] if marts[0][name] != marts[1][name]]
    assert differing == []


def test_leftover_temp_files_of_a_killed_run_are_removed(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    edit_sample(raw)  # the killed run was writing a changed report; this run writes it again
    lake = warehouse / "lake"
    leftovers = [
        lake / "observations" / ".batch-0123abcd.parquet.k1l2m3.tmp",
        lake / ".reports.parquet.a1b2c3.tmp",
        lake / "quarantine" / ".x.parquet.d4e5f6.tmp",
    ]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a parquet file")
    result = run_pipeline(prefect_server, raw, warehouse)
    assert result.returncode == 0, result.stderr
    assert [p for p in leftovers if p.exists()] == []


def test_a_failed_run_is_recorded_and_leaves_no_temp_database(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    raw, warehouse = copy_of(published, tmp_path)
    (warehouse / ".built_from").unlink()
    broken = next((warehouse / "lake" / "observations").rglob("*.parquet"))
    broken.write_bytes(b"not parquet")
    result = run_pipeline(prefect_server, raw, warehouse)
    assert result.returncode == 1, result.stdout + result.stderr
    assert list(warehouse.glob(".skillpulse.duckdb.*")) == []
    last = json.loads((warehouse / "last_run.json").read_text(encoding="utf-8"))
    assert last["status"] == "failed" and last["error"]
    status = skillpulse(prefect_server, "status", "--warehouse", str(warehouse))
    assert status.returncode == 1 and "FAILED" in status.stdout


def test_a_check_failing_on_one_reports_rows_sets_that_report_aside_and_publishes_the_rest(
    published: dict, prefect_server: str, tmp_path: Path
) -> None:
    """A lake written before values were checked finite holds a NaN: the build sets that report
    aside (check_failed) instead of failing the warehouse on this and every later run."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    raw, warehouse = copy_of(published, tmp_path)
    for path in (warehouse / "lake" / "observations").glob("batch-*.parquet"):
        table = pq.read_table(path)
        upwork = pc.starts_with(table["report_id"], "upwork")
        first = pc.equal(table["source_row"], pc.min(pc.filter(table["source_row"], upwork)))
        values = pc.if_else(pc.and_(upwork, first), float("nan"), table["value"])
        pq.write_table(
            table.set_column(table.schema.get_field_index("value"), "value", values), path
        )
    (warehouse / ".built_from").unlink()
    others = {k: v for k, v in snapshot(warehouse).items() if k == "lake.reports"}
    result = run_pipeline(prefect_server, raw, warehouse)
    assert result.returncode == 0, result.stdout + result.stderr
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        loaded = {
            r[0] for r in con.execute("SELECT DISTINCT report_id FROM lake.observations").fetchall()
        }
        reasons = con.execute(
            "SELECT report_id, message FROM lake.quarantine WHERE reason_code = 'check_failed'"
        ).fetchall()
    assert not any(report.startswith("upwork") for report in loaded) and len(loaded) == 2
    assert [r[0][:6] for r in reasons] == ["upwork"]
    assert "upwork/in-demand-skills-2026/report.toml" in reasons[0][1]
    assert {k: v for k, v in snapshot(warehouse).items() if k == "lake.reports"} == others
