"""Build a fresh DuckDB file from the lake, run the SQL models, export marts, and publish atomically."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
from contextlib import closing
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.docs import render_data_dictionary
from flows.failpoints import failpoint
from flows.fsutil import sha256_file, write_text_atomic
from flows.lake import (
    DISCOVERY_QUARANTINE,
    OBSERVATIONS_SCHEMA,
    QUARANTINE_SCHEMA,
    REPORTS_FILE,
    REPORTS_SCHEMA,
    TABLE_COMMENTS,
    lake_files,
    quarantine_file,
    read_reports,
    write_parquet,
)
from flows.models import build_models, mart_tables, run_checks
from flows.settings import Paths
from flows.sqlutil import quote_ident, quote_literal

DATABASE_NAME = "skillpulse.duckdb"
BUILT_FROM = ".built_from"
MARTS_STAGING = ".marts-staging"
REFERENCE_TABLES = {
    "skills": (
        "Canonical skills: the taxonomy reports are harmonized to (data/reference/skills.csv).",
        {
            "skill_id": "Canonical skill id (slug).",
            "name": "Canonical display name.",
            "category_id": "Canonical category of the skill.",
            "description": "What the skill covers.",
            "esco_uri": "ESCO concept URI, when matched.",
            "onet_commodity_code": "O*NET (UNSPSC) commodity code, when matched.",
        },
    ),
    "categories": (
        "Canonical skill categories (data/reference/categories.csv).",
        {
            "category_id": "Canonical category id (slug).",
            "name": "Canonical display name.",
            "description": "What the category covers.",
        },
    ),
}


def temp_database(warehouse: Path) -> Path:
    """A new, unpublished database path in the warehouse folder (same filesystem, so rename is atomic)."""
    warehouse.mkdir(parents=True, exist_ok=True)
    return warehouse / f".{DATABASE_NAME}.{uuid.uuid4().hex}.tmp"


def load_lake(database: Path, lake: Path, reference_dir: Path) -> None:
    """Create lake.* and reference.* tables in a fresh database with a few bulk statements."""
    report_ids = read_reports(lake)["report_id"].to_pylist()
    observation_files, quarantine_files = lake_files(lake, report_ids)
    with closing(duckdb.connect(str(database))) as con:
        con.execute("CREATE SCHEMA lake; CREATE SCHEMA reference")
        _create_from_parquet(con, "observations", OBSERVATIONS_SCHEMA, observation_files)
        _create_from_parquet(con, "quarantine", QUARANTINE_SCHEMA, quarantine_files)
        reports_file = lake / REPORTS_FILE
        _create_from_parquet(
            con, "reports", REPORTS_SCHEMA, [str(reports_file)] if reports_file.exists() else []
        )
        _load_reference(con, reference_dir)
        failpoint("warehouse:after-load")


def _create_from_parquet(
    con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, files: list[str]
) -> None:
    target = f"lake.{quote_ident(table)}"
    con.register("empty_source", schema.empty_table())
    con.execute(f"CREATE TABLE {target} AS SELECT * FROM empty_source")
    con.unregister("empty_source")
    if files:
        columns = ", ".join(quote_ident(name) for name in schema.names)
        con.execute(
            f"INSERT INTO {target} SELECT {columns} FROM read_parquet($files)", {"files": files}
        )
    _comment(
        con,
        target,
        TABLE_COMMENTS[table],
        {f.name: f.metadata[b"comment"].decode() for f in schema},
    )


def _load_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> None:
    for table, (comment, columns) in REFERENCE_TABLES.items():
        target = f"reference.{quote_ident(table)}"
        definition = ", ".join(f"{quote_ident(c)} VARCHAR" for c in columns)
        con.execute(f"CREATE TABLE {target} ({definition})")
        path = reference_dir / f"{table}.csv"
        if path.exists():
            names = ", ".join(quote_ident(c) for c in columns)
            con.execute(
                f"INSERT INTO {target} SELECT {names} FROM read_csv($path, header = true, all_varchar = true)",
                {"path": str(path)},
            )
        _comment(con, target, comment, columns)


def _comment(
    con: duckdb.DuckDBPyConnection, target: str, comment: str, columns: dict[str, str]
) -> None:
    # COMMENT ON takes no parameters; the texts are the project's own, quoted as literals.
    con.execute(f"COMMENT ON TABLE {target} IS {quote_literal(comment)}")
    for column, text in columns.items():
        con.execute(f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS {quote_literal(text)}")


def build(database: Path, sql_dir: Path) -> dict[str, int]:
    """Run the SQL models in dependency order, then the checks; returns rows per model."""
    with closing(duckdb.connect(str(database))) as con:
        result = build_models(con, sql_dir)
        run_checks(con, sql_dir)
        con.execute("CHECKPOINT")
        failpoint("warehouse:after-build")
        return result.row_counts


def export_marts(database: Path, warehouse: Path) -> list[str]:
    """Write every mart, sorted, to a staging folder; publish() moves them beside the new database."""
    staging = warehouse / MARTS_STAGING
    shutil.rmtree(staging, ignore_errors=True)
    with closing(duckdb.connect(str(database), read_only=True)) as con:
        names = mart_tables(con)
        for name in names:
            table = con.sql(
                f"SELECT * FROM marts.{quote_ident(name)} ORDER BY ALL"
            ).to_arrow_table()
            write_parquet(table, staging / f"{name}.parquet")
    return names


def publish(database: Path, warehouse: Path, inputs: str) -> Path:
    """Swap the new database and marts in by rename; open readers keep the old file until they reconnect.

    The digest of the inputs is written last: a run killed between the renames leaves a stale
    digest, so the next run rebuilds and the database and marts agree again.
    """
    target = warehouse / DATABASE_NAME
    marts = warehouse / "marts"
    marts.mkdir(parents=True, exist_ok=True)
    failpoint("warehouse:before-publish")
    os.replace(database, target)
    staged = sorted((warehouse / MARTS_STAGING).glob("*.parquet"))
    for mart in staged:
        os.replace(mart, marts / mart.name)
    for stale in marts.glob("*.parquet"):
        if stale.name not in {m.name for m in staged}:
            stale.unlink()
    shutil.rmtree(warehouse / MARTS_STAGING, ignore_errors=True)
    failpoint("warehouse:after-publish")
    write_text_atomic(warehouse / BUILT_FROM, inputs + "\n")
    return target


def inputs_digest(paths: Paths) -> str:
    """Hash of everything the database is built from: the committed lake, the SQL models, the reference data."""
    lake_state = [paths.lake / REPORTS_FILE, quarantine_file(paths.lake, DISCOVERY_QUARANTINE)]
    files = [*lake_state, *sorted(paths.sql.rglob("*.sql")), *sorted(paths.reference.glob("*.csv"))]
    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.name}={sha256_file(path) if path.exists() else '-'}|".encode())
    return digest.hexdigest()


def built_from(warehouse: Path) -> str | None:
    """The inputs digest of the published database; None when there is none to trust."""
    marker = warehouse / BUILT_FROM
    if not (warehouse / DATABASE_NAME).exists() or not marker.exists():
        return None
    return marker.read_text(encoding="utf-8").strip()


def discard(database: Path) -> None:
    """Remove an unpublished database (and its WAL) after a failed build."""
    database.unlink(missing_ok=True)
    Path(f"{database}.wal").unlink(missing_ok=True)


def remove_stale_temps(warehouse: Path) -> None:
    """Delete what a killed run left unpublished (databases, staged marts); called under the writer lock."""
    for stale in warehouse.glob(f".{DATABASE_NAME}.*.tmp*"):
        stale.unlink(missing_ok=True)
    shutil.rmtree(warehouse / MARTS_STAGING, ignore_errors=True)


def data_dictionary(sql_dir: Path, reference_dir: Path) -> str:
    """The data dictionary of a warehouse built from an empty lake: it depends on code, not on data."""
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / DATABASE_NAME
        load_lake(database, Path(tmp) / "lake", reference_dir)
        with closing(duckdb.connect(str(database))) as con:
            build_models(con, sql_dir)
            return render_data_dictionary(con)
