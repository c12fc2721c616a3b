"""One error hierarchy for skillpulse: every failure derives from SkillpulseError and chains its cause."""

from __future__ import annotations

from collections.abc import Sequence


class SkillpulseError(Exception):
    """Base class of every error skillpulse raises on purpose."""


class ManifestError(SkillpulseError):
    """A report.toml is missing, unreadable or invalid; `problems` lists every mistake at once."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s) in the manifest:\n{lines}")


class ExtractError(SkillpulseError):
    """A raw file cannot be read as the table its manifest declares."""

    def __init__(self, reason_code: str, message: str) -> None:
        self.reason_code = reason_code
        super().__init__(message)


class ModelError(SkillpulseError):
    """A SQL model failed to build, or the model graph is inconsistent."""


class CheckFailed(SkillpulseError):
    """A data check in sql/checks returned offending rows."""


class AccountingError(SkillpulseError):
    """Raw data rows and the rows written to observations and quarantine do not add up."""


class LakeError(SkillpulseError):
    """A file of the Parquet lake is unreadable; the lake can be rebuilt from raw with --full-refresh."""


class WarehouseBusy(SkillpulseError):
    """Another run holds the writer lock on the warehouse."""


class RawFolderError(SkillpulseError):
    """The raw folder is missing or holds no report, or the run would retire most reports."""


class ConfigError(SkillpulseError):
    """An environment setting has a value skillpulse cannot use."""


class TaxonomyError(SkillpulseError):
    """The reference CSVs are missing or invalid, or an edit of the registry was refused."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        lines = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(message + lines)
