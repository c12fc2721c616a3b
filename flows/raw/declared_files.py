"""The files a report.toml declares: present in its folder, and not reached through a link out of it."""

from __future__ import annotations

import os
from pathlib import Path

from flows.errors import ManifestError


def check_declared_files(path: Path, files: list[str]) -> None:
    """Every declared file exists in the manifest's folder and resolves inside it (checked on
    every run: the folder can change while the manifest does not)."""
    problems = []
    for file in files:
        target = path.parent / file
        if not target.is_file():
            problems.append(
                f"tables.file {file!r} does not exist in {path.parent}; fix the name or add the file"
            )
        # A link inside the folder that points outside it would smuggle in files from anywhere.
        elif _through_link(path.parent, file) and not target.resolve().is_relative_to(
            path.parent.resolve()
        ):
            problems.append(
                f"tables.file {file!r} resolves outside the report folder (a symbolic link?); "
                "copy the file into the folder"
            )
    if problems:
        raise ManifestError(str(path), problems)


def _through_link(folder: Path, file: str) -> bool:
    """Whether a component of the declared path is a symbolic link. Without one (and without '..',
    which validation refuses) the file is inside the folder: one lstat per component instead of
    resolving both paths, which cost seconds at 10,000 reports."""
    parts = Path(file).parts
    return any(os.path.islink(os.path.join(folder, *parts[: i + 1])) for i in range(len(parts)))
