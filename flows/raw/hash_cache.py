"""sha256 of raw files remembered by their stat signature, so a rerun reads only the files that changed."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flows.fsutil import sha256_file, write_text_atomic

CACHE_NAME = ".raw_hashes.json"
VERSION = 1
# A file written within the clock tick of the scan that hashed it can change again without its
# times moving (git's "racily clean" entries): such entries are not trusted and get hashed again.
RACY_NS = 2_000_000_000


class HashCache:
    """Path -> (size, mtime, ctime, inode, device, sha256), kept in one JSON file in the warehouse
    folder. ctime is in the signature because no tool can set it back: a file rewritten with its
    mtime restored (cp -p, rsync -t, touch -d) is still hashed again."""

    def __init__(self, path: Path | None, read: bool = True) -> None:
        self.path = path
        self.scan_started_ns = time.time_ns()
        self.entries: dict[str, list] = self._read() if path is not None and read else {}
        self.seen: dict[str, list] = {}
        self.hashed = 0

    def _read(self) -> dict[str, list]:
        try:
            stored = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}  # none yet, or damaged: hash every file again
        if not isinstance(stored, dict) or stored.get("version") != VERSION:
            return {}
        files, scanned = stored.get("files"), stored.get("scan_started_ns")
        if not isinstance(files, dict) or not isinstance(scanned, int):
            return {}
        trusted_before = scanned - RACY_NS
        return {
            key: entry
            for key, entry in files.items()
            if isinstance(entry, list)
            and len(entry) == 6
            and max(entry[1], entry[2]) < trusted_before
        }

    def sha256(self, path: str) -> str:
        """The file's sha256, read from disk only when its stat signature is not the cached one."""
        sha = self.cached(path)
        if sha is None:
            sha = sha256_file(path)
            self.record(path, sha)
        return sha

    def sha256_many(self, paths: list[str]) -> dict[str, str]:
        """path -> sha256 for many files: cached ones looked up, the others hashed on as many
        threads as cores.

        hashlib releases the GIL while it hashes, so rehashing hundreds of MB of raw files takes
        half the time on two cores. Files go to the threads in a few runs of many files: a task per
        file costs more than hashing a small one, and threads only slow down a rerun that hashes
        nothing.
        """
        known = {path: self.cached(path) for path in paths}
        missing = [path for path, sha in known.items() if sha is None]
        if missing:
            workers = os.cpu_count() or 2
            step = -(-len(missing) // (workers * 4))
            runs = [missing[i : i + step] for i in range(0, len(missing), step)]
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for run, shas in zip(runs, pool.map(_hash_run, runs), strict=True):
                    known.update(zip(run, shas, strict=True))
            for path in missing:
                self.record(path, known[path])
        return known

    def cached(self, path: str) -> str | None:
        """The cached sha256 when the file's stat signature is the cached one; None when the file
        must be hashed (then `record` its sha256)."""
        stat = os.stat(path)
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]
        entry = self.entries.get(path)
        if entry is not None and entry[:5] == signature:
            self.seen[path] = entry
            return entry[5]
        self.seen[path] = signature  # the signature before hashing: a later write moves it
        return None

    def record(self, path: str, sha: str) -> None:
        """Remember the sha256 of a file `cached` did not know."""
        self.seen[path] = [*self.seen[path][:5], sha]
        self.hashed += 1

    def save(self) -> None:
        """Write the files this run saw, atomically, when they differ from what was read."""
        if self.path is None or (self.hashed == 0 and self.seen.keys() == self.entries.keys()):
            return
        document = {"version": VERSION, "scan_started_ns": self.scan_started_ns, "files": self.seen}
        write_text_atomic(self.path, json.dumps(document, separators=(",", ":")))


def _hash_run(paths: list[str]) -> list[str]:
    return [sha256_file(path) for path in paths]
