"""The bench's articles and big presets cannot rot: what the generator says is in the files is what skillpulse's
prose reader and the DuckDB baseline find there."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from flows.normalize.prose import read_prose_file
from flows.raw.manifest import load_manifest
from tests.test_bench_smoke import load


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("articles")
    summary = load("generate").generate(out, reports=6, rows=0, shape="articles", seed=5)
    return out, summary


def _figure_key(report_id: str, row: int, measure, value, subject, category, kind) -> tuple:
    return (
        report_id,
        row,
        measure,
        None if value is None else round(value, 6),
        (subject or "").casefold(),
        category,
        kind,
    )


def _read(out: Path) -> tuple[Counter, Counter, int]:
    """Figures, claims and leftovers of every article, read as `skillpulse run` reads them."""
    figures, claims, leftovers = Counter(), Counter(), 0
    for path in sorted((out / "raw").rglob("report.toml")):
        spec = load_manifest(path).tables[0]
        reading = read_prose_file(path.parent / spec.file, spec)
        report_id = path.parent.name
        figures.update(
            _figure_key(
                report_id,
                f["source_row"],
                f["measure"],
                f["value"],
                f["subject"],
                f["category"],
                f["subject_kind"],
            )
            for f in reading.figures
        )
        claims.update(
            (report_id, c["source_row"], c["kind"], c["reference"]) for c in reading.claims
        )
        leftovers += len(reading.leftovers)
    return figures, claims, leftovers


def test_generator_is_reproducible(articles, tmp_path):
    out, summary = articles
    again = load("generate").generate(tmp_path, reports=6, rows=0, shape="articles", seed=5)
    assert again == summary
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert all((out / f).read_bytes() == (tmp_path / f).read_bytes() for f in files)
    assert summary["files"] == {"text": 2, "markdown": 2, "html": 2}
    kinds = {load_manifest(p).tables[0].file_format for p in (out / "raw").rglob("report.toml")}
    assert kinds == {"text", "markdown", "html"}


def test_skillpulse_reads_every_generated_figure_and_claim(articles):
    out, summary = articles
    expected = [json.loads(line) for line in (out / "expected.jsonl").read_text().splitlines()]
    want = Counter(
        _figure_key(
            e["report_id"],
            e["source_row"],
            e["measure"],
            e["value"],
            e["subject"],
            e.get("category"),
            e["kind"],
        )
        for e in expected
        if e["type"] == "figure"
    )
    want_claims = Counter(
        (e["report_id"], e["source_row"], e["kind"], e["reference"])
        for e in expected
        if e["type"] == "claim"
    )
    got, got_claims, leftovers = _read(out)
    assert sum(want.values()) == summary["observations"]
    assert got == want, {"missed": want - got, "extra": got - want}
    assert got_claims == want_claims
    assert sum(want_claims.values()) == summary["claims"]
    assert leftovers == summary["leftovers"]
    styles = {e["measure"] for e in expected if e["type"] == "figure"}
    assert styles == {"growth_pct", "share_pct", "money", "count"}


def test_duckdb_baseline_reads_the_same_articles(articles, tmp_path):
    out, summary = articles
    counts = load("baseline_duckdb").run(out / "raw", tmp_path)
    assert counts["reports"] == summary["reports"]
    assert counts["observations"] == summary["observations"]
    assert counts["quarantined"] == 0
    assert counts["statements"] == summary["statements"]
    assert counts["claims"] == summary["claims"]
    assert counts["ranked"] == summary["ranked"]
    assert counts["value_sum"] == pytest.approx(summary["value_sum"], rel=1e-9)


def test_monthly_skill_by_region_table_for_the_big_preset(tmp_path):
    generate = load("generate")
    assert generate.PRESETS["big"] == {"reports": 1, "rows": 5_000_000, "shape": "monthly"}
    per_skill = len(generate.REGIONS) * len(generate.MONTHS)
    summary = generate.generate(tmp_path / "c", reports=1, rows=3 * per_skill, shape="monthly")
    (manifest,) = [load_manifest(p) for p in (tmp_path / "c" / "raw").rglob("report.toml")]
    columns = manifest.tables[0].columns
    assert (columns.period, columns.geography) == ("Month", "Region")
    assert summary["data_rows"] == 3 * per_skill
    assert 0 < summary["blank_cells"] < summary["value_cells"] * 0.1
    counts = load("baseline_duckdb").run(tmp_path / "c" / "raw", tmp_path / "out")
    assert counts["observations"] == summary["observations"]
    assert counts["ranked"] == summary["ranked"]  # one ranking per region
    assert counts["value_sum"] == pytest.approx(summary["value_sum"], rel=1e-9)
