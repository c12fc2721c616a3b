"""Object storage (s3://... or any pyarrow filesystem URI) for raw and lake, mirrored to local working folders."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow.fs as pafs

from flows.errors import SkillpulseError
from flows.fsutil import sha256_file, write_atomic, write_text_atomic

# Bookkeeping files kept beside a mirror: what the remote looked like, and what was pushed.
REMOTE_STATE = ".remote-state.json"
PUSHED = ".pushed.json"
CHUNK = 1 << 20


class StorageError(SkillpulseError):
    """Object storage is unreachable, refuses access, or the URL is wrong."""


@dataclass(frozen=True)
class MirrorStats:
    copied: int
    deleted: int
    unchanged: int


def open_location(url: str) -> tuple[pafs.FileSystem, str]:
    """The filesystem and root path of a URL; credentials and endpoint come from the environment (AWS_*)."""
    try:
        return pafs.FileSystem.from_uri(url)
    except (OSError, ValueError) as exc:
        raise StorageError(
            f"cannot open {url!r}: {exc}; check the URL and the AWS_* environment"
        ) from exc


def mirror_down(url: str, local: Path) -> MirrorStats:
    """Make `local` a copy of the remote tree, downloading only objects whose size or time changed."""
    fs, root = open_location(url)
    remote = _remote_state(fs, root, url)
    known = _read_json(local / REMOTE_STATE)
    # What the remote is known to hold, by content: a file just downloaded needs no upload back.
    pushed = _read_json(local / PUSHED)
    copied = 0
    for rel, state in remote.items():
        if known.get(rel) != state or not (local / rel).exists():
            pushed[rel] = _download(fs, f"{root}/{rel}", local / rel)
            copied += 1
    deleted = _delete_local_extras(local, set(remote))
    write_text_atomic(local / REMOTE_STATE, json.dumps(remote, sort_keys=True))
    if copied:
        write_text_atomic(local / PUSHED, json.dumps(pushed, sort_keys=True))
    return MirrorStats(copied=copied, deleted=deleted, unchanged=len(remote) - copied)


def fetch_checked(url: str, rel_dir: str, expected: dict[str, str], target: Path) -> None:
    """Download the named files of one remote folder into `target`, each checked against the
    sha256 discovery recorded, so a worker never ingests other bytes than the plan hashed."""
    fs, root = open_location(url)
    for name, digest in expected.items():
        source = "/".join(part for part in (root, rel_dir, name) if part)
        try:
            got = _download(fs, source, target / name)
        except OSError as exc:
            raise StorageError(f"cannot download {url}/{rel_dir}/{name}: {exc}") from exc
        if got != digest:
            raise StorageError(
                f"{url}/{rel_dir}/{name} changed after this run hashed it (sha256 {got[:12]}..., "
                f"planned {digest[:12]}...); the next run ingests the new version"
            )


def publish_files(local: Path, url: str, rels: list[str], folder: str) -> None:
    """Make the remote `folder` hold exactly `rels` (paths relative to `local` and to the remote
    root, all under `folder`): upload them, delete every other object under that prefix."""
    fs, root = open_location(url)
    try:
        for rel in rels:
            _upload(fs, local / rel, f"{root}/{rel}")
        listing = fs.get_file_info(
            pafs.FileSelector(f"{root}/{folder}", recursive=True, allow_not_found=True)
        )
        keep = {f"{root}/{rel}" for rel in rels}
        for info in listing:
            if info.type == pafs.FileType.File and info.path not in keep:
                fs.delete_file(info.path)
        if not rels and fs.get_file_info(f"{root}/{folder}").type == pafs.FileType.Directory:
            fs.delete_dir(f"{root}/{folder}")  # no empty folder marker left behind
    except OSError as exc:
        raise StorageError(f"cannot write {url}/{folder}: {exc}") from exc


def publish_file(local: Path, url: str, rel: str) -> None:
    """Upload one file, or delete its object when the file does not exist locally."""
    fs, root = open_location(url)
    try:
        if (local / rel).exists():
            _upload(fs, local / rel, f"{root}/{rel}")
        elif fs.get_file_info(f"{root}/{rel}").type == pafs.FileType.File:
            fs.delete_file(f"{root}/{rel}")
    except OSError as exc:
        raise StorageError(f"cannot write {url}/{rel}: {exc}") from exc


def mirror_up(local: Path, url: str) -> MirrorStats:
    """Make the remote tree a copy of `local`, uploading only files whose content changed since the last push."""
    fs, root = open_location(url)
    pushed = _read_json(local / PUSHED)
    current = {rel: sha256_file(local / rel) for rel in _local_files(local)}
    remote = _remote_state(fs, root, url)
    copied = 0
    for rel, digest in current.items():
        if pushed.get(rel) != digest or rel not in remote:
            _upload(fs, local / rel, f"{root}/{rel}")
            copied += 1
    extras = sorted(set(remote) - set(current))
    for rel in extras:
        fs.delete_file(f"{root}/{rel}")
    _delete_empty_remote_dirs(fs, root, current)
    write_text_atomic(local / PUSHED, json.dumps(current, sort_keys=True))
    # The remote now matches local: record it, so the next pull downloads nothing.
    write_text_atomic(
        local / REMOTE_STATE, json.dumps(_remote_state(fs, root, url), sort_keys=True)
    )
    return MirrorStats(copied=copied, deleted=len(extras), unchanged=len(current) - copied)


def _remote_state(fs: pafs.FileSystem, root: str, url: str) -> dict[str, list]:
    try:
        infos = fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True))
    except OSError as exc:
        raise StorageError(f"cannot list {url!r}: {exc}") from exc
    prefix = root.rstrip("/") + "/"
    return {
        info.path.removeprefix(prefix): [info.size, info.mtime_ns]
        for info in infos
        if info.type == pafs.FileType.File
    }


def _delete_empty_remote_dirs(fs: pafs.FileSystem, root: str, kept: dict[str, str]) -> None:
    # Object stores keep directory markers; a retired report's folder must not linger as one.
    infos = fs.get_file_info(pafs.FileSelector(root, recursive=True, allow_not_found=True))
    prefix = root.rstrip("/") + "/"
    folders = {
        info.path.removeprefix(prefix) for info in infos if info.type == pafs.FileType.Directory
    }
    used = {
        "/".join(rel.split("/")[:depth]) for rel in kept for depth in range(1, rel.count("/") + 1)
    }
    for folder in sorted(folders - used, key=len, reverse=True):
        fs.delete_dir(f"{prefix}{folder}")


def _local_files(local: Path) -> list[str]:
    if not local.exists():
        return []
    files = (p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file())
    return sorted(rel for rel in files if not any(part.startswith(".") for part in rel.split("/")))


def _delete_local_extras(local: Path, keep: set[str]) -> int:
    extras = [rel for rel in _local_files(local) if rel not in keep]
    for rel in extras:
        (local / rel).unlink()
    return len(extras)


def _download(fs: pafs.FileSystem, source: str, target: Path) -> str:
    """Copy one object to a local file atomically; returns the sha256 of its bytes."""
    digest = hashlib.sha256()

    def copy(tmp: Path) -> None:
        with fs.open_input_stream(source) as remote, tmp.open("wb") as out:
            while chunk := remote.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)

    write_atomic(target, copy)
    return digest.hexdigest()


def _upload(fs: pafs.FileSystem, source: Path, target: str) -> None:
    with source.open("rb") as local, fs.open_output_stream(target) as remote:
        while chunk := local.read(CHUNK):
            remote.write(chunk)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
