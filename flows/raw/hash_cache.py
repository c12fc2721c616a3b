"""sha256 of raw files remembered by their stat signature, so a rerun reads only the files that changed."""

from __future__ import annotations

import json
import os
import time
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

    def sha256(self, path: Path) -> str:
        """The file's sha256, read from disk only when its stat signature is not the cached one."""
        stat = os.stat(path)
        signature = [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev]
        key = str(path)
        entry = self.entries.get(key)
        if entry is not None and entry[:5] == signature:
            sha = entry[5]
        else:
            sha = sha256_file(path)
            self.hashed += 1
        self.seen[key] = [*signature, sha]
        return sha

    def save(self) -> None:
        """Write the files this run saw, atomically, when they differ from what was read."""
        if self.path is None or (self.hashed == 0 and self.seen.keys() == self.entries.keys()):
            return
        document = {"version": VERSION, "scan_started_ns": self.scan_started_ns, "files": self.seen}
        write_text_atomic(self.path, json.dumps(document, separators=(",", ":")))
