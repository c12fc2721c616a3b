"""Every setting in one place: the SKILLPULSE_* variables, validated once, and where things live (paths)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RAW = Path("data/raw")
DEFAULT_WAREHOUSE = Path("data/warehouse")
DEFAULT_REFERENCE = PROJECT_ROOT / "data" / "reference"
DEFAULT_SQL = PROJECT_ROOT / "sql"
RAW_MIRROR = ".raw-mirror"
DATABASE_NAME = "skillpulse.duckdb"
ENV_PREFIX = "SKILLPULSE_"
# Measured on tests/data/name_pairs.csv (docs/harmonize.md): precision 0.974, recall 0.457, with
# 2.5 points of margin above the highest-scoring hard negative it rejects.
DEFAULT_THRESHOLD = 90.0


class Settings(BaseSettings):
    """The SKILLPULSE_* environment, typed and checked; frozen once read."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    fuzzy_threshold: float = Field(
        DEFAULT_THRESHOLD,
        ge=0,
        le=100,
        description="Fuzzy name-match score (0-100) needed to merge a name.",
    )
    max_file_mb: float = Field(512, gt=0, description="Largest raw file read, in MB.")
    max_cells: int = Field(50_000_000, gt=0, description="Most cells one table may hold.")
    max_pdf_pages: int = Field(2_000, gt=0, description="Most pages a PDF may have to be read.")
    max_pdf_chars: int = Field(
        20_000_000, gt=0, description="Most characters read from the declared pages of one PDF."
    )
    range_rows: int = Field(
        500_000,
        ge=1,
        description="Rows of one table normalized at once; a larger table goes in ranges of this many, in parallel.",
    )
    batch_reports: int = Field(
        500, ge=1, description="Reports per ingest task (smaller spreads work over more workers)."
    )
    duckdb_memory_limit: str | None = Field(
        None, description="DuckDB memory cap for load and build, e.g. 4GB (default: 80% of RAM)."
    )
    failpoint: str | None = Field(
        None, description="Fault-injection tests only: kill the process at this named point."
    )


def current_settings() -> Settings:
    """The settings of this process's environment; raises ConfigError naming every bad variable."""
    # Keys first: decoding every value of the environment was most of a call, and prose asks
    # several times per article.
    ours = tuple(sorted((k, os.environ[k]) for k in os.environ if k.startswith(ENV_PREFIX)))
    return _settings(ours)


@lru_cache(maxsize=8)
def _settings(environment: tuple[tuple[str, str], ...]) -> Settings:
    try:
        return Settings(**{})
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{str(error['loc'][0]).upper()}={error.get('input')!r}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigError(
            f"invalid setting(s): {problems}; fix or unset the variable(s) and run again"
        ) from exc


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
