"""The seed-questions notebook answers from a real warehouse's mart files, as a script and under a Jupyter kernel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from flows.config import PROJECT_ROOT
from tests.analyst_warehouse import analyst_warehouse_once

pytestmark = pytest.mark.slow
NOTEBOOK = PROJECT_ROOT / "notebooks" / "seed_questions.ipynb"
SCRIPT = NOTEBOOK.with_suffix(".py")


@pytest.fixture
def marts(tmp_path_factory, prefect_harness) -> Path:
    return analyst_warehouse_once(tmp_path_factory) / "marts"


def assert_answers(text: str) -> None:
    assert "AI video generation and editing" in text and "329.0" in text and "at_least" in text
    assert "No other publisher's report mentions AI video generation and editing yet." in text
    assert "Prompt engineering dropped" in text
    assert "growth_pct: Growth in percentage points" in text


def test_the_script_answers_from_the_marts(marts: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"MARTS_DIR": str(marts)},
    )
    assert result.returncode == 0, result.stderr
    assert_answers(result.stdout)


def test_the_notebook_runs_under_a_jupyter_kernel_and_draws_a_chart(
    marts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("MARTS_DIR", str(marts))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert_answers("".join(o.get("text", "") for o in outputs if o.output_type == "stream"))
    charts = [o["data"]["image/svg+xml"] for o in outputs if "image/svg+xml" in o.get("data", {})]
    # Drawn in the kernel (no script to fetch when the notebook is opened): the labels are there.
    assert len(charts) == 1 and charts[0].lstrip().startswith("<svg")
    assert "AI video generation and editing" in charts[0] and "Microsoft Copilot" in charts[0]


def test_the_notebook_and_its_script_are_paired() -> None:
    import jupytext

    notebook, script = jupytext.read(NOTEBOOK), jupytext.read(SCRIPT)
    assert [c.source for c in notebook.cells] == [c.source for c in script.cells]


def test_mart_files_carry_their_comments(marts: Path) -> None:
    database = marts.parent / "skillpulse.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        expected = con.execute(
            "SELECT table_name, map_from_entries(list((column_name, comment))) "
            "FROM duckdb_columns() WHERE schema_name = 'marts' GROUP BY table_name"
        ).fetchall()
        tables = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"
            ).fetchall()
        }
    # Mart tables, and mart views partitioned by report (written part by part), are exported as
    # folders of parts; other mart views (skill_comparisons) are computed when read.
    folders = {p.name for p in marts.iterdir() if p.is_dir() and not p.name.startswith(".")}
    assert len(tables) >= 6 and folders - tables == {"skill_mentions"} and tables <= folders
    expected = [(mart, comments) for mart, comments in expected if mart in folders]
    for mart, comments in expected:
        for part in sorted((marts / mart).glob("*.parquet")):
            schema = pq.read_schema(part)
            assert json.loads(schema.metadata[b"column_comments"]) == comments
            assert set(comments) == set(schema.names) and all(comments.values()), mart
            assert schema.metadata[b"table_comment"], mart
