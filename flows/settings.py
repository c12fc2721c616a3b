"""Where things live: raw, lake, warehouse, reference and SQL folders, with the project's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = Path("data/raw")
DEFAULT_WAREHOUSE = Path("data/warehouse")
DEFAULT_REFERENCE = PROJECT_ROOT / "data" / "reference"
DEFAULT_SQL = PROJECT_ROOT / "sql"


@dataclass(frozen=True)
class Paths:
    """Resolved folders of one pipeline run."""

    raw: Path
    warehouse: Path
    reference: Path = DEFAULT_REFERENCE
    sql: Path = DEFAULT_SQL

    @classmethod
    def resolve(
        cls,
        raw: str | Path,
        warehouse: str | Path,
        reference: str | Path | None = None,
        sql: str | Path | None = None,
    ) -> Paths:
        return cls(
            raw=Path(raw).resolve(),
            warehouse=Path(warehouse).resolve(),
            reference=Path(reference or DEFAULT_REFERENCE).resolve(),
            sql=Path(sql or DEFAULT_SQL).resolve(),
        )

    @property
    def lake(self) -> Path:
        return self.warehouse / "lake"

    @property
    def lock(self) -> Path:
        return self.warehouse / ".skillpulse.lock"
