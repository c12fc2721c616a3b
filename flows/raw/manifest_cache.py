"""Parsed report.toml files cached by content hash, so a rerun parses only the manifests that changed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pydantic

from flows.fsutil import sha256_file, write_text_atomic
from flows.raw.manifest import Manifest, parse_manifest, read_manifest_bytes

CACHE_NAME = ".manifests.json"
# What decides how a manifest's bytes validate: the manifest schema, the measure registry and
# pydantic itself. A change to any of them empties the cache.
_SCHEMA_FILES = (
    Path(__file__).with_name("manifest.py"),
    Path(__file__).parents[1] / "normalize" / "measures.py",
)


@dataclass(frozen=True, eq=False)
class ParsedManifest:
    """A valid manifest as discovery needs it; the full Manifest is validated again from its JSON
    form only when a report is ingested (most reports of a rerun are not)."""

    sha256: str
    data: dict = field(repr=False)

    @property
    def report_id(self) -> str:
        return f"{self.data['report']['series']}-{self.data['report']['edition']}"

    @cached_property
    def files(self) -> list[str]:
        return [table["file"] for table in self.data["tables"]]

    @property
    def ignore(self) -> list[str]:
        return self.data["report"].get("ignore", [])

    @cached_property
    def manifest(self) -> Manifest:
        return Manifest.model_validate(self.data)


class ManifestCache:
    """sha256 of a report.toml -> its validated content, kept in one JSON file in the warehouse
    folder; entries not used by a run are dropped when it saves."""

    def __init__(self, path: Path | None, read: bool = True) -> None:
        self.path = path
        self.version = schema_version()
        self.entries: dict[str, dict] = self._read() if path is not None and read else {}
        self.used: set[str] = set()
        self.added = False

    def _read(self) -> dict[str, dict]:
        try:
            stored = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}  # none yet, or damaged: parse every manifest again
        if not isinstance(stored, dict) or stored.get("version") != self.version:
            return {}
        entries = stored.get("manifests")
        return entries if isinstance(entries, dict) else {}

    def load(self, path: Path | str, sha: str | None = None) -> ParsedManifest:
        """The manifest at path (whose bytes hash to sha, when known), parsed only when its bytes
        are not in the cache; ManifestError when it is invalid (invalid manifests are not cached:
        they are few and get fixed)."""
        if sha in self.entries:
            self.used.add(sha)
            return ParsedManifest(sha, self.entries[sha])
        path = Path(path)
        content = read_manifest_bytes(path)
        sha = hashlib.sha256(content).hexdigest()
        data = self.entries.get(sha)
        if data is not None:
            self.used.add(sha)
            return ParsedManifest(sha, data)
        manifest = parse_manifest(path, content)
        self.used.add(sha)
        data = manifest.model_dump(mode="json", exclude_defaults=True)
        self.entries[sha] = data
        self.added = True
        parsed = ParsedManifest(sha, data)
        parsed.__dict__["manifest"] = manifest  # already validated: no second pass
        return parsed

    def save(self) -> None:
        """Write the entries this run used, atomically, when they differ from the file's."""
        if self.path is None:
            return
        stale = set(self.entries) - self.used
        if not self.added and not stale:
            return
        kept = {sha: self.entries[sha] for sha in sorted(self.used)}
        document = {"version": self.version, "manifests": kept}
        write_text_atomic(self.path, json.dumps(document, separators=(",", ":")))


def schema_version() -> str:
    digest = hashlib.sha256(f"pydantic={pydantic.VERSION}|".encode())
    for path in _SCHEMA_FILES:
        digest.update(f"{path.name}={sha256_file(path)}|".encode())
    return digest.hexdigest()
