"""Parsed manifests are cached by content hash: a rerun parses only changed ones, checks files always."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.raw import manifest_cache
from flows.raw.discover import discover
from flows.raw.manifest import Manifest, load_manifest
from flows.raw.manifest_cache import CACHE_NAME, ManifestCache
from tests.conftest import write_report
from tests.test_discover_lake import MANIFEST, make_raw

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records every manifest that is parsed from TOML (the real parser still runs)."""
    seen: list[Path] = []
    real = manifest_cache.parse_manifest

    def counting(path: Path, content: bytes) -> Manifest:
        seen.append(path)
        return real(path, content)

    monkeypatch.setattr(manifest_cache, "parse_manifest", counting)
    return seen


def test_every_shipped_manifest_comes_back_equal_from_its_cached_form() -> None:
    paths = sorted((REPO / "data" / "raw").rglob("report.toml"))
    assert paths
    for path in paths:
        manifest = load_manifest(path)
        cached = manifest.model_dump(mode="json", exclude_defaults=True)
        assert Manifest.model_validate(json.loads(json.dumps(cached))) == manifest, path


def test_a_rerun_parses_only_the_manifest_that_changed(tmp_path: Path, parses: list[Path]) -> None:
    raw, cache = make_raw(tmp_path), tmp_path / CACHE_NAME
    first = discover(raw, "ref", known={}, manifest_cache=cache)
    assert len(parses) == 2 and cache.exists()
    parses.clear()
    known = {s.report_id: s.fingerprint for s in first.changed}
    again = discover(raw, "ref", known=known, manifest_cache=cache)
    assert parses == [] and again.changed == () and len(again.unchanged) == 2
    # A cached manifest is the same manifest: what ingest reads from it is unchanged.
    assert [s.manifest for s in again.unchanged] == [s.manifest for s in first.changed]

    edited = MANIFEST.format(series="beta").replace('title = "T"', 'title = "New title"')
    (raw / "beta" / "report.toml").write_text(edited, encoding="utf-8")
    third = discover(raw, "ref", known=known, manifest_cache=cache)
    assert parses == [raw / "beta" / "report.toml"]
    assert [s.manifest.report.title for s in third.changed] == ["New title"]
    # The old beta entry is gone: the cache holds what the raw folder holds, no more.
    assert len(json.loads(cache.read_text())["manifests"]) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_declared_files_are_checked_even_when_the_manifest_is_cached(tmp_path: Path) -> None:
    raw, cache = make_raw(tmp_path), tmp_path / CACHE_NAME
    discover(raw, "ref", known={}, manifest_cache=cache)
    (raw / "alpha" / "skills.csv").unlink()
    secret = tmp_path / "secret.csv"
    secret.write_text("Skill,Growth\nA,1%\n", encoding="utf-8")
    (raw / "beta" / "skills.csv").unlink()
    (raw / "beta" / "skills.csv").symlink_to(secret)
    plan = discover(raw, "ref", known={}, manifest_cache=cache)
    messages = {p["source_file"]: p["raw_record"] for p in plan.problems.to_pylist()}
    assert "does not exist" in messages["alpha/report.toml"]
    assert "resolves outside the report folder" in messages["beta/report.toml"]
    assert plan.changed == ()


def test_a_link_that_stays_inside_the_folder_is_still_accepted(tmp_path: Path) -> None:
    folder = write_report(
        tmp_path / "raw" / "gamma",
        MANIFEST.format(series="gamma"),
        {"data/real.csv": "Skill,Growth\nA,1%\n"},
    )
    (folder / "skills.csv").symlink_to(folder / "data" / "real.csv")
    plan = discover(tmp_path / "raw", "ref", known={}, manifest_cache=tmp_path / CACHE_NAME)
    assert [s.report_id for s in plan.changed] == ["gamma-2025"]


@pytest.mark.parametrize("stored", ["not json", '{"version": "old", "manifests": {}}', "[]"])
def test_a_damaged_or_older_cache_is_ignored_and_rewritten(
    tmp_path: Path, parses: list[Path], stored: str
) -> None:
    raw, cache = make_raw(tmp_path), tmp_path / CACHE_NAME
    cache.write_text(stored, encoding="utf-8")
    plan = discover(raw, "ref", known={}, manifest_cache=cache)
    assert len(plan.changed) == 2 and len(parses) == 2
    assert json.loads(cache.read_text())["version"] == manifest_cache.schema_version()


def test_a_full_refresh_parses_every_manifest_again(tmp_path: Path, parses: list[Path]) -> None:
    raw, cache = make_raw(tmp_path), tmp_path / CACHE_NAME
    discover(raw, "ref", known={}, manifest_cache=cache)
    discover(raw, "ref", known={}, full_refresh=True, manifest_cache=cache)
    assert len(parses) == 4


def test_invalid_manifests_are_reported_and_not_cached(tmp_path: Path) -> None:
    raw, cache = make_raw(tmp_path), tmp_path / CACHE_NAME
    (raw / "alpha" / "report.toml").write_text("[report\n", encoding="utf-8")
    for _ in range(2):
        plan = discover(raw, "ref", known={}, manifest_cache=cache)
        assert [p["reason_code"] for p in plan.problems.to_pylist()] == ["invalid_manifest"]
    assert len(ManifestCache(cache).entries) == 1
