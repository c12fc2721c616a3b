"""One walk of the raw folder: every file under it by relative path, and which of them are plain files."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RawTree:
    """What one walk found. Paths are relative to the raw folder, '/'-separated, and kept as
    strings: building and sorting a Path per file cost discovery a second at 10,000 reports."""

    files: list[str]  # sorted component by component, as Paths sort
    plain: frozenset[str]  # regular files reached without a symbolic link
    linked_folders: list[str]  # folders that are symbolic links (not followed)

    def folders_with(self, name: str) -> list[str]:
        """Folders holding a file called name, in file order ('' for the raw folder itself)."""
        suffix = "/" + name
        return [
            file.removesuffix(suffix) if file != name else ""
            for file in self.files
            if file == name or file.endswith(suffix)
        ]


def walk(raw_dir: Path) -> RawTree:
    """Every file under raw_dir; hidden files and folders are not raw data, and linked folders are
    not followed (they could loop or reach anywhere). Unreadable folders are skipped, as os.walk
    skips them."""
    files: list[str] = []
    plain: set[str] = set()
    linked: list[str] = []
    pending = [""]
    root = str(raw_dir)
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(f"{root}/{folder}" if folder else root) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    rel = f"{folder}/{entry.name}" if folder else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(rel)
                    elif _is_linked_folder(entry):
                        linked.append(rel)
                    else:
                        files.append(rel)
                        if entry.is_file(follow_symlinks=False):
                            plain.add(rel)
        except OSError:
            continue
    files.sort(key=_components)
    return RawTree(files, frozenset(plain), sorted(linked, key=_components))


def _is_linked_folder(entry: os.DirEntry) -> bool:
    try:
        return entry.is_symlink() and entry.is_dir()
    except OSError:
        return False


def _components(rel: str) -> list[str]:
    return rel.split("/")


def join(folder: str, name: str) -> str:
    """A path relative to the raw folder: name inside folder ('' is the raw folder)."""
    return f"{folder}/{name}" if folder else name


def parents(rel: str) -> list[str]:
    """The folders holding rel, nearest first, ending with '' (the raw folder)."""
    parts = rel.split("/")[:-1]
    return ["/".join(parts[:i]) for i in range(len(parts), -1, -1)]
