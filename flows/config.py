"""Where things live: raw, lake, warehouse, reference and SQL folders, with the project's defaults."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = Path("data/raw")
DEFAULT_WAREHOUSE = Path("data/warehouse")
DEFAULT_REFERENCE = PROJECT_ROOT / "data" / "reference"
DEFAULT_SQL = PROJECT_ROOT / "sql"
RAW_MIRROR = ".raw-mirror"


@dataclass(frozen=True)
class Paths:
    """Resolved locations of one pipeline run.

    Raw and lake may live in object storage (`raw_url`, `lake_url`); the pipeline then works on
    local mirrors inside the warehouse folder, and the remote copies stay the source of truth.
    """

    raw: Path
    warehouse: Path
    reference: Path = DEFAULT_REFERENCE
    sql: Path = DEFAULT_SQL
    raw_url: str | None = None
    lake_url: str | None = None

    @classmethod
    def resolve(
        cls,
        raw: str | Path,
        warehouse: str | Path,
        lake: str | None = None,
        reference: str | Path | None = None,
        sql: str | Path | None = None,
    ) -> Paths:
        warehouse_dir = Path(warehouse).resolve()
        raw_url = str(raw) if is_remote(str(raw)) else None
        return cls(
            raw=warehouse_dir / RAW_MIRROR if raw_url else Path(raw).resolve(),
            warehouse=warehouse_dir,
            reference=Path(reference or DEFAULT_REFERENCE).resolve(),
            sql=Path(sql or DEFAULT_SQL).resolve(),
            raw_url=raw_url,
            lake_url=lake if lake and is_remote(lake) else None,
        )

    @property
    def ingest_via_storage(self) -> bool:
        """With raw and lake both in object storage, ingest tasks read and write them directly,
        so workers on other machines need no shared disk."""
        return bool(self.raw_url and self.lake_url)

    @property
    def lake(self) -> Path:
        return self.warehouse / "lake"

    @property
    def lock(self) -> Path:
        return self.warehouse / ".skillpulse.lock"


def is_remote(location: str) -> bool:
    """True for URLs such as s3://bucket/prefix; plain paths (and file://) stay local."""
    return "://" in location and not location.startswith("file://")
