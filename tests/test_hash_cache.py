"""Raw files are hashed again only when their stat signature moved, or was too new to trust."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flows.raw import hash_cache
from flows.raw.discover import discover
from flows.raw.hash_cache import CACHE_NAME, HashCache
from tests.test_discover_lake import make_raw


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records every file whose bytes are read and hashed (the real hash still runs)."""
    seen: list[Path] = []
    real = hash_cache.sha256_file

    def counting(path: Path | str) -> str:
        seen.append(Path(path))
        return real(path)

    monkeypatch.setattr(hash_cache, "sha256_file", counting)
    return seen


@pytest.fixture
def aged_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The two-report raw folder, trusted as soon as it is scanned: a test cannot set a file's
    ctime back, so the racy window shrinks to the scan itself instead of two seconds."""
    monkeypatch.setattr(hash_cache, "RACY_NS", 0)
    return make_raw(tmp_path)


def plan(raw: Path, cache: Path):
    return discover(raw, "ref", known={}, hash_cache=cache)


def fingerprints(result) -> dict[str, str]:
    return {s.report_id: s.fingerprint for s in result.changed}


def test_a_rerun_reads_no_unchanged_file(
    tmp_path: Path, aged_raw: Path, hashed: list[Path]
) -> None:
    raw, cache = aged_raw, tmp_path / CACHE_NAME
    first = plan(raw, cache)
    assert len(hashed) == 4 and cache.exists()  # two manifests, two tables
    hashed.clear()
    stamp = cache.stat().st_mtime_ns
    again = plan(raw, cache)
    assert hashed == [] and fingerprints(again) == fingerprints(first)
    assert cache.stat().st_mtime_ns == stamp  # nothing new: the file is not rewritten


def test_a_rewrite_with_the_same_size_and_restored_mtime_is_hashed_again(
    tmp_path: Path, aged_raw: Path, hashed: list[Path]
) -> None:
    raw, cache = aged_raw, tmp_path / CACHE_NAME
    first = plan(raw, cache)
    table = raw / "beta" / "skills.csv"
    before = table.stat()
    table.write_text("Skill,Growth\nA,2%\n", encoding="utf-8")  # same size
    os.utime(table, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or `touch -d` do
    hashed.clear()
    again = plan(raw, cache)
    assert hashed == [table]
    assert fingerprints(again)["beta-2025"] != fingerprints(first)["beta-2025"]
    assert fingerprints(again)["alpha-2025"] == fingerprints(first)["alpha-2025"]


def test_files_written_just_before_the_scan_are_not_trusted(
    tmp_path: Path, hashed: list[Path]
) -> None:
    raw, cache = make_raw(tmp_path), tmp_path / CACHE_NAME  # written now: racily clean
    plan(raw, cache)
    hashed.clear()
    plan(raw, cache)
    assert len(hashed) == 4


@pytest.mark.parametrize(
    "stored", ["not json", '{"version": 0, "files": {}, "scan_started_ns": 1}', "[]"]
)
def test_a_damaged_or_older_cache_is_ignored_and_rewritten(
    tmp_path: Path, aged_raw: Path, stored: str
) -> None:
    raw, cache = aged_raw, tmp_path / CACHE_NAME
    cache.write_text(stored, encoding="utf-8")
    assert len(plan(raw, cache).changed) == 2
    assert json.loads(cache.read_text())["version"] == hash_cache.VERSION
    assert len(HashCache(cache).entries) == 4


def test_a_full_refresh_hashes_every_file_again(
    tmp_path: Path, aged_raw: Path, hashed: list[Path]
) -> None:
    raw, cache = aged_raw, tmp_path / CACHE_NAME
    plan(raw, cache)
    discover(raw, "ref", known={}, full_refresh=True, hash_cache=cache)
    assert len(hashed) == 8
