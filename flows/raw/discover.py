"""Find report manifests under the raw folder, hash their files, and plan which reports to (re)ingest."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from flows.config import current_settings
from flows.errors import ManifestError, RawFolderError
from flows.fsutil import sha256_file
from flows.lake_schemas import QUARANTINE_SCHEMA
from flows.raw.declared_files import check_declared_files
from flows.raw.hash_cache import HashCache
from flows.raw.manifest import MANIFEST_NAME, Manifest
from flows.raw.manifest_cache import ManifestCache, ParsedManifest
from flows.raw.tree import RawTree, join, parents, walk

# Bump when normalize gives different output for the same input, so every report is re-ingested.
PIPELINE_VERSION = "1"
DOC_FILES = ("README*", "LICENSE*")


@dataclass(frozen=True)
class ReportSource:
    """One valid report edition found in the raw folder."""

    report_id: str
    report_dir: Path
    rel_dir: str
    parsed: ParsedManifest
    file_hashes: dict[str, str]
    fingerprint: str

    @property
    def manifest(self) -> Manifest:
        """Validated on first use: most reports of a rerun are never read again."""
        return self.parsed.manifest

    def rel_file(self, file: str) -> str:
        """Path of a declared file relative to the raw root, as lineage records it."""
        return f"{self.rel_dir}/{file}" if self.rel_dir else file


@dataclass(frozen=True)
class Plan:
    """What this run must do: ingest `changed`, keep `unchanged`, retire `retired`."""

    changed: tuple[ReportSource, ...]
    unchanged: tuple[ReportSource, ...]
    retired: tuple[str, ...]
    problems: pa.Table
    new: frozenset[str] = frozenset()
    reports_seen: int = 0
    # Reports already in the lake whose manifest broke: kept as they are, marked stale; each
    # with the manifest's problem (report_id -> message).
    stale: tuple[tuple[str, str], ...] = ()


def check_raw_root(raw_dir: Path, given: str | Path | None = None) -> None:
    """A raw folder that is missing or holds no report is a mistake, never an empty corpus: a run
    on it would retire every report."""
    shown = given if given is not None else raw_dir
    if raw_dir.exists() and not raw_dir.is_dir():
        raise RawFolderError(
            f"the raw folder {shown} is a file, not a folder; pass --raw with the folder holding "
            "the reports; nothing was changed"
        )
    if not raw_dir.is_dir():
        raise RawFolderError(
            f"the raw folder {shown} does not exist ({raw_dir}); pass --raw with the folder "
            "holding the reports, or run from the project folder; nothing was changed"
        )
    try:
        found = next(raw_dir.rglob(MANIFEST_NAME), None)
    except OSError as exc:
        raise RawFolderError(
            f"the raw folder {shown} cannot be read ({exc.strerror}); check its permissions; "
            "nothing was changed"
        ) from exc
    if found is None:
        raise RawFolderError(
            f"the raw folder {shown} holds no {MANIFEST_NAME}; pass --raw with the folder holding "
            "the reports (one report.toml per report folder); nothing was changed"
        )


def check_retirements(raw_dir: Path, known_dirs: dict[str, str], allow: bool) -> None:
    """Refuse a run that would retire most of the warehouse (report folders gone from raw)."""
    root = str(raw_dir)
    gone = [
        rid
        for rel, rid in known_dirs.items()
        if not os.path.exists(f"{root}/{join(rel, MANIFEST_NAME)}")
    ]
    if not allow and len(known_dirs) > 1 and len(gone) * 2 > len(known_dirs):
        raise RawFolderError(
            f"this run would retire {len(gone)} of {len(known_dirs)} report editions, whose "
            f"folders are gone from {raw_dir} (e.g. {', '.join(sorted(gone)[:3])}); check --raw, "
            "or pass --allow-retire if they were removed on purpose; nothing was changed"
        )


def discover(
    raw_dir: Path,
    reference_sha: str,
    known: dict[str, str],
    full_refresh: bool = False,
    known_dirs: dict[str, str] | None = None,
    manifest_cache: Path | None = None,
    hash_cache: Path | None = None,
) -> Plan:
    """Scan raw_dir; `known` maps report_id -> fingerprint of what the lake already holds, and
    `known_dirs` its report folders (relative to raw) -> report_id. `manifest_cache` is a file
    keeping parsed manifests by content hash between runs, `hash_cache` one keeping each raw
    file's hash by its stat signature."""
    problems: list[dict] = []
    sources: dict[str, ReportSource] = {}
    tree = walk(raw_dir)
    problems.extend(
        _problem(rel, "symlink_ignored", _link_message(rel), None) for rel in tree.linked_folders
    )
    report_dirs = tree.folders_with(MANIFEST_NAME)
    cache = ManifestCache(manifest_cache, read=not full_refresh)
    hashes_cache = HashCache(hash_cache, read=not full_refresh)
    readable = [
        (rel_dir, parsed)
        for rel_dir in report_dirs
        if (parsed := _read_manifest(raw_dir, rel_dir, tree, cache, hashes_cache, problems))
        is not None
    ]
    cache.save()
    hashed = _hash_all(raw_dir, readable, hashes_cache)
    hashes_cache.save()
    for (rel_dir, manifest), hashes in zip(readable, hashed, strict=True):
        source = _source(raw_dir, rel_dir, manifest, hashes, reference_sha)
        if source.report_id in sources:
            problems.append(_duplicate_problem(source, sources[source.report_id]))
            continue
        sources[source.report_id] = source
    problems.extend(_undeclared_files(tree, report_dirs, sources.values()))
    changed = [
        s for s in sources.values() if full_refresh or known.get(s.report_id) != s.fingerprint
    ]
    unchanged = [
        s for s in sources.values() if not full_refresh and known.get(s.report_id) == s.fingerprint
    ]
    stale = _stale(problems, known_dirs or {}, sources)
    retired = sorted(set(known) - set(sources) - {rid for rid, _ in stale})
    return Plan(
        changed=tuple(changed),
        unchanged=tuple(unchanged),
        retired=tuple(retired),
        problems=pa.Table.from_pylist(problems, schema=QUARANTINE_SCHEMA),
        new=frozenset(s.report_id for s in changed if s.report_id not in known),
        reports_seen=len(sources),
        stale=stale,
    )


def _stale(
    problems: list[dict], known_dirs: dict[str, str], sources: dict[str, ReportSource]
) -> tuple[tuple[str, str], ...]:
    """Loaded reports whose manifest is now invalid: a typo must not retire the edition."""
    stale = []
    for problem in problems:
        if problem["reason_code"] != "invalid_manifest":
            continue
        rel_dir = problem["source_file"].removesuffix(MANIFEST_NAME).rstrip("/")
        report_id = known_dirs.get(rel_dir)
        if report_id is not None and report_id not in sources:
            stale.append((report_id, problem["message"]))
    return tuple(sorted(stale))


def _read_manifest(
    raw_dir: Path,
    rel_dir: str,
    tree: RawTree,
    cache: ManifestCache,
    hashes: HashCache,
    problems: list[dict],
) -> ParsedManifest | None:
    rel = join(rel_dir, MANIFEST_NAME)
    path = f"{raw_dir}/{rel}"
    try:
        parsed = cache.load(path, _known_sha(hashes, path))
        # Declared files the walk found as plain files exist inside the folder: no stat needed.
        if not all(join(rel_dir, file) in tree.plain for file in parsed.files):
            check_declared_files(Path(path), parsed.files)
        return parsed
    except ManifestError as exc:
        report_dir = Path(raw_dir, rel_dir)
        # Messages name files from the raw root, as lineage does, never by absolute path.
        message = str(exc).replace(str(report_dir / MANIFEST_NAME), rel)
        message = message.replace(str(report_dir), rel_dir)
        problems.append(_problem(rel, "invalid_manifest", message, "\n".join(exc.problems)))
        return None


def _known_sha(hashes: HashCache, path: str) -> str | None:
    """The manifest's sha256 by its stat signature; None when it cannot be read (load says why)."""
    try:
        return hashes.sha256(path)
    except OSError:
        return None


def _hash_all(
    raw_dir: Path, readable: list[tuple[str, ParsedManifest]], hashes: HashCache
) -> list[dict[str, str]]:
    """sha256 of each report's manifest and declared files, in order."""
    paths = [
        {file: f"{raw_dir}/{join(rel_dir, file)}" for file in parsed.files}
        for rel_dir, parsed in readable
    ]
    known = hashes.sha256_many([path for files in paths for path in files.values()])
    return [
        {MANIFEST_NAME: parsed.sha256, **{file: known[path] for file, path in files.items()}}
        for (_, parsed), files in zip(readable, paths, strict=True)
    ]


def _source(
    raw_dir: Path,
    rel_dir: str,
    parsed: ParsedManifest,
    hashes: dict[str, str],
    reference_sha: str,
) -> ReportSource:
    report_dir = Path(f"{raw_dir}/{rel_dir}") if rel_dir else raw_dir
    file_hashes = {file: hashes[file] for file in parsed.files}
    fingerprint = _fingerprint(hashes[MANIFEST_NAME], file_hashes, reference_sha)
    return ReportSource(parsed.report_id, report_dir, rel_dir, parsed, file_hashes, fingerprint)


def _fingerprint(manifest_sha: str, file_hashes: dict[str, str], reference_sha: str) -> str:
    digest = hashlib.sha256(f"v{PIPELINE_VERSION}|{manifest_sha}|{reference_sha}".encode())
    for name in sorted(file_hashes):
        digest.update(f"|{name}={file_hashes[name]}".encode())
    return digest.hexdigest()


def _undeclared_files(
    tree: RawTree, report_dirs: list[str], sources: Iterable[ReportSource]
) -> list[dict]:
    declared = {join(s.rel_dir, f) for s in sources for f in s.file_hashes}
    declared |= {join(d, MANIFEST_NAME) for d in report_dirs}
    ignores = {s.rel_dir: s.parsed.ignore for s in sources}
    # A folder whose manifest is invalid is already reported; its files are not "undeclared" too.
    valid = {s.rel_dir for s in sources}
    folders = set(report_dirs)
    problems = []
    for rel in tree.files:
        if rel in declared or _is_doc(rel):
            continue
        # The nearest enclosing report folder owns the file.
        owner = next((parent for parent in parents(rel) if parent in folders), None)
        if owner is not None and owner not in valid:
            continue
        inside = rel.removeprefix(f"{owner}/") if owner else rel
        if owner is not None and any(fnmatch.fnmatch(inside, g) for g in ignores.get(owner, ())):
            continue
        problems.append(_problem(rel, "undeclared_file", _undeclared_message(rel, owner), None))
    return problems


def _undeclared_message(rel: str, owner: str | None) -> str:
    if owner is None:
        return (
            f"{rel}: no report.toml declares this file, so none of its figures are loaded; "
            f"run `skillpulse new-report {rel}` to draft a manifest next to it"
        )
    manifest = join(owner, MANIFEST_NAME)
    return (
        f"{rel}: {manifest} does not declare this file; add a [[tables]] entry for it, "
        "or list it under ignore = [...] in the manifest"
    )


def _duplicate_problem(source: ReportSource, first: ReportSource) -> dict:
    message = (
        f"{source.rel_dir}/{MANIFEST_NAME}: report {source.report_id!r} is already declared by "
        f"{first.rel_dir}/{MANIFEST_NAME}; give one of them another series or edition"
    )
    return _problem(f"{source.rel_dir}/{MANIFEST_NAME}", "duplicate_report", message, None)


def _problem(source_file: str, reason_code: str, message: str, raw_record: str | None) -> dict:
    return {
        "source_file": source_file,
        "reason_code": reason_code,
        "message": message,
        "raw_record": raw_record,
    }


def _link_message(rel: str) -> str:
    return (
        f"{rel}: the folder is a symbolic link, which skillpulse does not follow (it could "
        "reach outside the raw folder or loop), so none of its reports are loaded; move or copy "
        "the folder itself under the raw folder"
    )


def _is_doc(rel: str) -> bool:
    name = rel.rpartition("/")[2]
    return any(fnmatch.fnmatch(name, pattern) for pattern in DOC_FILES)


def reference_fingerprint(reference_dir: Path) -> str:
    """Hash of what shapes every report's lake rows besides its own files: the reference data, the
    matching threshold, and the reader code (a changed parser or lake schema re-ingests every
    report, so the lake never mixes rows read by two versions)."""
    settings = current_settings()
    threshold = (
        f"{settings.fuzzy_threshold:g}" if "fuzzy_threshold" in settings.model_fields_set else ""
    )
    digest = hashlib.sha256(f"threshold={threshold}|code={reader_code_digest()}|".encode())
    for path in sorted(reference_dir.glob("*.csv")):
        digest.update(f"{path.name}={sha256_file(path)}|".encode())
    return digest.hexdigest()


def reader_code_digest() -> str:
    """Hash of the modules that turn raw files into lake rows (extract, normalize, the lake)."""
    package = Path(__file__).resolve().parents[1]
    files = sorted(
        [*package.glob("extract/*.py"), *package.glob("normalize/*.py"), *package.glob("lake*.py")]
    )
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.relative_to(package).as_posix()}={sha256_file(path)}|".encode())
    return digest.hexdigest()
