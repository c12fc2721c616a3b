"""Smoke test of bench/: the generator is deterministic and both baselines find what it wrote."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from flows.raw.manifest import load_manifest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("corpus")
    summary = load("generate").generate(out, reports=4, rows=50, shape="mixed", seed=3, skills=500)
    return out, summary


def test_generator_is_deterministic_and_manifests_validate(corpus, tmp_path):
    out, summary = corpus
    again = load("generate").generate(
        tmp_path, reports=4, rows=50, shape="mixed", seed=3, skills=500
    )
    assert again == summary
    files = sorted(p.relative_to(out / "raw") for p in (out / "raw").rglob("*.*"))
    assert files == sorted(p.relative_to(tmp_path / "raw") for p in (tmp_path / "raw").rglob("*.*"))
    assert all((out / "raw" / f).read_bytes() == (tmp_path / "raw" / f).read_bytes() for f in files)
    manifests = [load_manifest(p) for p in sorted((out / "raw").rglob("report.toml"))]
    assert [m.tables[0].measure for m in manifests] == [
        "growth_pct",
        "count",
        "growth_pct",
        "count",
    ]
    assert json.loads((out / "corpus.json").read_text()) == summary


def test_generator_prints_values_the_way_publishers_do(corpus):
    out, _ = corpus
    query = 'SELECT list("YoY growth") FROM read_csv($p, all_varchar = true)'
    with duckdb.connect() as con:
        printed = con.execute(query, {"p": str(out / "raw/*/*/skills.csv")}).fetchone()[0]
    assert any(p.startswith("up ") for p in printed)
    assert any(p.startswith("\u2212") for p in printed)
    assert any(p.startswith("+") and p.endswith("%") for p in printed)


@pytest.mark.parametrize("baseline", ["baseline_duckdb", "baseline_pandas"])
def test_baseline_finds_every_generated_observation(corpus, tmp_path, baseline):
    out, summary = corpus
    counts = load(baseline).run(out / "raw", tmp_path)
    assert counts["reports"] == summary["reports"]
    assert counts["observations"] == summary["observations"]
    assert counts["quarantined"] == 0
    assert counts["ranked"] == summary["ranked"]
    assert counts["value_sum"] == pytest.approx(summary["value_sum"], rel=1e-9)
    with duckdb.connect(str(tmp_path / "baseline.duckdb"), read_only=True) as con:
        top = con.execute("SELECT count(*) FROM rankings WHERE rank_in_report = 1").fetchone()[0]
    assert top == summary["reports"]
