"""Atomic file writes and content hashing: a reader never sees a half-written file."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

CHUNK = 1 << 20


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def sha256_file(path: Path | str) -> str:
    """Hex sha256 of a file's bytes, read in chunks so big files cost no memory."""
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as handle:
        # One reused buffer: a fresh 1 MiB bytes object per read maps and unmaps memory, which
        # takes a process-wide lock and keeps threads from hashing side by side. Small files get
        # a small one (64 KiB at least, for files that grow or report no size).
        size = os.fstat(handle.fileno()).st_size
        view = memoryview(bytearray(min(max(size, 1 << 16), CHUNK)))
        while read := handle.readinto(view):
            digest.update(view[:read])
    return digest.hexdigest()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success rename it over the target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    # mkstemp makes the file 0600; the lake and marts are for every analyst on the machine.
    os.fchmod(fd, 0o666 & ~_UMASK)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Call write(tmp_path), then publish tmp_path as target in one rename."""
    with atomic_path(target) as tmp:
        write(tmp)


def write_text_atomic(target: Path, text: str) -> None:
    """Write a text file atomically (UTF-8, '\\n' line endings)."""
    write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8", newline="\n"))
