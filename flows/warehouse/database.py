"""Build a fresh DuckDB file from the lake, run the SQL models, export marts, and publish atomically."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from flows.config import DATABASE_NAME, Paths, current_settings
from flows.errors import CheckFailed, ConfigError
from flows.failpoints import failpoint
from flows.fsutil import sha256_file, write_text_atomic
from flows.lake import (
    CLAIMS,
    DISCOVERY_QUARANTINE,
    KINDS,
    OBSERVATIONS,
    QUARANTINE,
    REPORTS_FILE,
    current_map,
    current_rows_query,
    quarantine_file,
    read_reports,
)
from flows.lake_schemas import (
    CLAIMS_SCHEMA,
    OBSERVATIONS_SCHEMA,
    QUARANTINE_SCHEMA,
    REPORTS_SCHEMA,
    TABLE_COMMENTS,
)
from flows.normalize.measures import reference_table
from flows.normalize.reference import WAREHOUSE_TABLES
from flows.ops.docs import render_data_dictionary
from flows.sqlutil import quote_ident, quote_literal
from flows.warehouse import datasets
from flows.warehouse.build import build_models
from flows.warehouse.checks import CheckResult, offending_reports, run_checks
from flows.warehouse.grouped import stash_groups
from flows.warehouse.models import (
    TRAILING_SEMICOLON,
    discover_models,
    mart_tables,
    read_sql,
    split_bounds,
)

# Past this share of changed reports, replacing their rows costs more than building afresh.
MAX_CHANGED_SHARE = 0.25
# Rows per part when a full build splits a partitioned model by report (see part_bounds): with
# 2.5M-row parts the largest model of a 10M-row build holds 3.2 GB instead of 8.3 GB and builds
# a little faster; 1M-row parts save little more (skill_values 1.5 GB) and cost ~15% more time.
PART_ROWS = 2_500_000
BUILT_FROM = ".built_from"
MARTS_STAGING = ".marts-staging"


def connect(
    database: Path, read_only: bool = False, keep_order: bool = True
) -> duckdb.DuckDBPyConnection:
    """Open a warehouse database; DuckDB's memory is capped at SKILLPULSE_DUCKDB_MEMORY_LIMIT
    (e.g. 4GB) when set, trading build time for a lower peak (DuckDB's default is 80% of RAM).

    keep_order=False lets DuckDB insert rows in any order, except where a query says ORDER BY
    (keyed models do): 25% faster to load the lake, and nothing reads its physical order.
    """
    limit = current_settings().duckdb_memory_limit
    config: dict[str, str | bool] = {"memory_limit": limit} if limit else {}
    if not keep_order:
        config["preserve_insertion_order"] = False
    try:
        return duckdb.connect(str(database), read_only=read_only, config=config)
    except duckdb.ParserException as exc:
        raise ConfigError(
            f"SKILLPULSE_DUCKDB_MEMORY_LIMIT={limit!r} is not a memory size DuckDB understands ({exc}); "
            "use a number and a unit such as 4GB or 512MB, or unset it"
        ) from exc


def temp_database(warehouse: Path) -> Path:
    """A new, unpublished database path in the warehouse folder (same filesystem, so rename is atomic)."""
    warehouse.mkdir(parents=True, exist_ok=True)
    return warehouse / f".{DATABASE_NAME}.{uuid.uuid4().hex}.tmp"


@dataclass(frozen=True)
class BuildInputs:
    """Digests of what a database is built from, split by what a change to them costs."""

    code: str  # SQL models, reference data, lake schemas: a change rebuilds every table
    lake: str  # the committed lake: a change replaces the rows of the reports that changed


@dataclass(frozen=True)
class Draft:
    """An unpublished database: built from scratch (changed is None) or a copy of the published one
    whose lake tables already hold the new rows of the `changed` reports."""

    database: Path
    changed: list[str] | None


def prepare(paths: Paths, previous: BuildInputs | None, inputs: BuildInputs) -> Draft:
    """Copy the published database and bring its lake tables up to date when only the lake changed
    and few reports did; otherwise load a fresh database from the whole lake."""
    database = temp_database(paths.warehouse)
    published = paths.warehouse / DATABASE_NAME
    try:
        if previous is not None and previous.code == inputs.code and published.exists():
            shutil.copyfile(published, database)
            changed = refresh_lake(database, paths.lake, paths.sql)
            if changed is not None:
                return Draft(database, changed)
            discard(database)
        load_lake(database, paths.lake, paths.reference)
    except BaseException:
        discard(database)  # a failed load leaves no temp database behind
        raise
    return Draft(database, None)


def load_lake(database: Path, lake: Path, reference_dir: Path) -> None:
    """Create lake.* and reference.* tables in a fresh database with a few bulk statements."""
    reports = read_reports(lake)
    with closing(connect(database, keep_order=False)) as con:
        con.execute("CREATE SCHEMA lake; CREATE SCHEMA reference")
        _create_from_parquet(con, "observations", OBSERVATIONS_SCHEMA, [])
        _create_from_parquet(con, "quarantine", QUARANTINE_SCHEMA, _discovery_files(lake))
        _create_from_parquet(con, "claims", CLAIMS_SCHEMA, [])
        for kind in KINDS:
            _insert_current(con, kind, current_map(lake, reports, kind))
        reports_file = lake / REPORTS_FILE
        _create_from_parquet(
            con, "reports", REPORTS_SCHEMA, [str(reports_file)] if reports_file.exists() else []
        )
        _load_reference(con, reference_dir)
        failpoint("warehouse:after-load")


def refresh_lake(database: Path, lake: Path, sql_dir: Path) -> list[str] | None:
    """Replace the lake rows of reports whose commit changed (new, re-ingested or retired) and
    return their ids, with those of reports whose staging.reports flags change with them (see
    reports_with_changed_fields); None, leaving the database untouched, when too many changed
    to be worth it."""
    committed = read_reports(lake)
    with closing(connect(database, keep_order=False)) as con:
        con.register("committed", committed)
        changed = [report_id for (report_id,) in con.execute(_CHANGED_REPORTS).fetchall()]
        if len(changed) > MAX_CHANGED_SHARE * max(committed.num_rows, 1):
            return None
        reloaded = committed.filter(
            pc.is_in(committed["report_id"], pa.array(changed, pa.string()))
        )
        con.register("changed", pa.table({"report_id": pa.array(changed, pa.string())}))
        con.begin()
        # Views over the lake see only the new rows once these are replaced.
        stash_groups(con, discover_models(sql_dir), changed)
        con.execute(
            "DELETE FROM lake.observations WHERE report_id IN (SELECT report_id FROM changed)"
        )
        _insert_current(con, OBSERVATIONS, current_map(lake, reloaded))
        # Quarantine is small and discovery problems belong to no report: reload it whole.
        con.execute("DELETE FROM lake.quarantine")
        _insert_parquet(con, "quarantine", QUARANTINE_SCHEMA, _discovery_files(lake))
        _insert_current(con, QUARANTINE, current_map(lake, committed, QUARANTINE))
        # Claims are few: reloaded whole, like quarantine.
        con.execute("DELETE FROM lake.claims")
        _insert_current(con, CLAIMS, current_map(lake, committed, CLAIMS))
        con.execute("DELETE FROM lake.reports")
        con.execute(f"INSERT INTO lake.reports SELECT {_columns(REPORTS_SCHEMA)} FROM committed")
        con.commit()
        failpoint("warehouse:after-load")
        # Not held to MAX_CHANGED_SHARE: their lake rows stay, only their model rows are redone.
        return sorted(set(changed) | reports_with_changed_fields(con, sql_dir))


# The staging.reports fields of a report that other reports' commits decide; partitioned models
# may read these and a report's own fields, but no other cross-report field (edition_order,
# editions_in_series, previous_report_id move for a whole series whenever an edition arrives).
CROSS_REPORT_FIELDS = ("is_latest_edition", "quotes_loaded", "is_quoted")


def reports_with_changed_fields(con: duckdb.DuckDBPyConnection, sql_dir: Path) -> set[str]:
    """Reports whose CROSS_REPORT_FIELDS in staging.reports change once lake.reports is
    refreshed, though their own commit did not: a new edition takes is_latest_edition from the
    one before, a quoted report arriving flips its quoter's quotes_loaded (and a quoting one
    arriving the quoted report's is_quoted). Their rows of
    partitioned models are refreshed too."""
    query = TRAILING_SEMICOLON.sub("", read_sql(sql_dir / "staging" / "reports.sql"))
    fields = ", ".join(quote_ident(name) for name in ("report_id", *CROSS_REPORT_FIELDS))
    rows = con.execute(
        f"SELECT report_id FROM (SELECT {fields} FROM ({query}) "
        f"EXCEPT SELECT {fields} FROM staging.reports)"
    ).fetchall()
    return {report_id for (report_id,) in rows}


def _insert_current(con: duckdb.DuckDBPyConnection, kind: str, current: pa.Table) -> None:
    """Insert the current rows of a kind from the lake files in `current` (report_id, file): a
    batch file may also hold rows of reports since written again elsewhere, which the map leaves
    out."""
    if not current.num_rows:
        return
    files = sorted(set(current["file"].to_pylist()))
    con.register("current_files", current)
    con.execute(
        f"INSERT INTO lake.{quote_ident(kind)} {current_rows_query(KINDS[kind][0].names)}",
        {"files": files},
    )
    con.unregister("current_files")


def _discovery_files(lake: Path) -> list[str]:
    """Discovery's quarantine file (bad manifests, undeclared files): it belongs to no report."""
    path = quarantine_file(lake, DISCOVERY_QUARANTINE)
    return [str(path)] if path.exists() else []


# A report changed when its commit row (fingerprint, ingestion time) is new or gone.
_CHANGED_REPORTS = """
SELECT report_id FROM (
    SELECT report_id, input_fingerprint, ingested_at FROM committed
    EXCEPT
    SELECT report_id, input_fingerprint, ingested_at FROM lake.reports
)
UNION
SELECT report_id FROM (
    SELECT report_id FROM lake.reports EXCEPT SELECT report_id FROM committed
)
ORDER BY report_id
"""


def _create_from_parquet(
    con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, files: list[str]
) -> None:
    target = f"lake.{quote_ident(table)}"
    con.register("empty_source", schema.empty_table())
    con.execute(f"CREATE TABLE {target} AS SELECT * FROM empty_source")
    con.unregister("empty_source")
    _insert_parquet(con, table, schema, files)
    _comment(
        con,
        target,
        TABLE_COMMENTS[table],
        {f.name: f.metadata[b"comment"].decode() for f in schema},
    )


def _insert_parquet(
    con: duckdb.DuckDBPyConnection, table: str, schema: pa.Schema, files: list[str]
) -> None:
    if files:
        con.execute(
            f"INSERT INTO lake.{quote_ident(table)} SELECT {_columns(schema)} FROM read_parquet($files, union_by_name = true)",
            {"files": files},
        )


def _columns(schema: pa.Schema) -> str:
    return ", ".join(quote_ident(name) for name in schema.names)


def _load_reference(con: duckdb.DuckDBPyConnection, reference_dir: Path) -> None:
    for spec in WAREHOUSE_TABLES:
        columns = dict(zip(spec.columns, spec.column_comments, strict=True))
        target = f"reference.{quote_ident(spec.table)}"
        definition = ", ".join(f"{quote_ident(c)} VARCHAR" for c in columns)
        con.execute(f"CREATE TABLE {target} ({definition})")
        path = reference_dir / spec.file
        if path.exists():
            names = ", ".join(quote_ident(c) for c in columns)
            con.execute(
                f"INSERT INTO {target} SELECT {names} FROM read_csv($path, header = true, all_varchar = true)",
                {"path": str(path)},
            )
        _comment(con, target, spec.comment, columns)
    measures = reference_table()
    con.register("measure_rows", measures)
    con.execute("CREATE TABLE reference.measures AS SELECT * FROM measure_rows")
    con.unregister("measure_rows")
    _comment(
        con,
        "reference.measures",
        measures.schema.metadata[b"comment"].decode(),
        {f.name: f.metadata[b"comment"].decode() for f in measures.schema},
    )


def _comment(
    con: duckdb.DuckDBPyConnection, target: str, comment: str, columns: dict[str, str]
) -> None:
    # COMMENT ON takes no parameters; the texts are the project's own, quoted as literals.
    con.execute(f"COMMENT ON TABLE {target} IS {quote_literal(comment)}")
    for column, text in columns.items():
        con.execute(f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS {quote_literal(text)}")


def build(database: Path, sql_dir: Path, changed: list[str] | None = None) -> dict[str, int]:
    """Run the SQL models in dependency order (only the changed reports' rows of partitioned
    models when `changed` is given), then the checks; returns the rows each warning check found
    (`-- @severity warn`: publishers disagreeing is news, not a failure)."""
    with closing(connect(database, keep_order=False)) as con:
        bounds = part_bounds(con) if changed is None else None
        build_models(con, sql_dir, changed, bounds)
        try:
            results = run_checks(con, sql_dir, changed, bounds)
        except CheckFailed as exc:
            failed = [r for r in exc.results if not r.passed and r.severity == "error"]
            culprits = offending_reports(con, failed)
            if not culprits:
                raise
            # One report's bad rows must not stop the warehouse: set them aside and build again.
            if changed is not None:
                stash_groups(con, discover_models(sql_dir), sorted(culprits))
            set_aside_reports(con, sorted(culprits), failed)
            again = None if changed is None else sorted(set(changed) | culprits)
            build_models(con, sql_dir, again, bounds)
            results = run_checks(con, sql_dir, again, bounds)
        con.execute("CHECKPOINT")
        failpoint("warehouse:after-build")
        return {r.name: r.rows for r in results if r.severity == "warn" and r.rows}


def set_aside_reports(
    con: duckdb.DuckDBPyConnection, report_ids: list[str], failed: list[CheckResult]
) -> None:
    """Drop these reports' observations from the build and say why in lake.quarantine."""
    checks = ", ".join(r.name for r in failed)
    message = (
        "{dir}: the report's observations failed the warehouse check(s) " + checks + ", so they "
        "are left out of this build and the other reports are published; fix the cause (see the "
        "check) and run again, with --full-refresh if the lake was written by an older version"
    )
    for report_id in report_ids:
        folder = con.execute(
            "SELECT coalesce(report_dir, report_id) FROM lake.reports WHERE report_id = ?",
            [report_id],
        ).fetchone()
        where = folder[0] if folder else report_id
        con.execute("DELETE FROM lake.observations WHERE report_id = ?", [report_id])
        con.execute(
            "INSERT INTO lake.quarantine BY NAME SELECT ? AS report_id, ? AS source_file, "
            "'check_failed' AS reason_code, ? AS message",
            [report_id, f"{where}/report.toml", message.format(dir=f"{where}/report.toml")],
        )


def part_bounds(con: duckdb.DuckDBPyConnection, rows_per_part: int = PART_ROWS) -> list[str]:
    """Report ids at which a full build starts a new part of each partitioned model: parts of
    about `rows_per_part` observations, in report order."""
    reports = con.execute(
        "SELECT report_id, coalesce(observations, 0) FROM lake.reports ORDER BY report_id"
    ).fetchall()
    return split_bounds(reports, rows_per_part)


def export_marts(
    database: Path, warehouse: Path, sql_dir: Path, changed: list[str] | None = None
) -> dict[str, Path]:
    """Write a new version folder of every exported mart (datasets.export_mart); publish()
    switches them in.

    Exported: every mart table, and every mart view tagged `@partitioned_by` (written part by
    part like a table); an unpartitioned view would be computed whole on every run, so it is
    left to the database (skill_comparisons: its two parts are exported). Parts are sorted by
    the mart's `@key` (by all columns without one). After an incremental build (`changed`),
    only the parts holding the changed reports are written.
    """
    marts = warehouse / "marts"
    models = {m.table: m for m in discover_models(sql_dir) if m.schema == "marts"}
    with closing(connect(database, read_only=True)) as con:
        tables = set(mart_tables(con))
        exported = sorted(
            name
            for name, model in models.items()
            if name in tables or (model.materialized == "view" and model.partitioned_by)
        )
        return {name: datasets.export_mart(con, marts, models[name], changed) for name in exported}


def publish(database: Path, warehouse: Path, inputs: BuildInputs, marts: dict[str, Path]) -> Path:
    """Swap the new database and the marts' new versions in by rename; open readers keep the old
    files until they reopen them.

    The digest of the inputs is written last: a run killed between the renames leaves a stale
    digest, so the next run rebuilds and the database and marts agree again.
    """
    target = warehouse / DATABASE_NAME
    failpoint("warehouse:before-publish")
    os.replace(database, target)
    datasets.switch(warehouse / "marts", marts)
    failpoint("warehouse:after-publish")
    write_text_atomic(warehouse / BUILT_FROM, json.dumps(asdict(inputs)) + "\n")
    return target


def inputs_digest(paths: Paths) -> BuildInputs:
    """Digests of everything the database is built from: the SQL models, the reference data and
    the lake schemas (code), and the committed lake (lake)."""
    # Only the reference files loaded as reference.* tables: aliases and name rules reach the
    # database through the lake rows they shape (their fingerprints), so accepting an alias
    # rebuilds just the reports it touches (flows/taxonomy/accept.py).
    code = [
        *sorted(paths.sql.rglob("*.sql")),
        *(paths.reference / spec.file for spec in WAREHOUSE_TABLES),
    ]
    schemas = [OBSERVATIONS_SCHEMA, QUARANTINE_SCHEMA, REPORTS_SCHEMA, CLAIMS_SCHEMA]
    lake_state = [paths.lake / REPORTS_FILE, quarantine_file(paths.lake, DISCOVERY_QUARANTINE)]
    return BuildInputs(
        code=_digest(code, extra="|".join(str(schema) for schema in schemas)),
        lake=_digest(lake_state),
    )


def _digest(files: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in files:
        digest.update(f"{path.name}={sha256_file(path) if path.exists() else '-'}|".encode())
    return digest.hexdigest()


def built_from(warehouse: Path) -> BuildInputs | None:
    """The inputs the published database was built from; None when there is none to trust."""
    marker = warehouse / BUILT_FROM
    if not (warehouse / DATABASE_NAME).exists() or not marker.exists():
        return None
    try:
        return BuildInputs(**json.loads(marker.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None  # an older or damaged marker: build afresh


def discard(database: Path) -> None:
    """Remove an unpublished database (and its WAL) after a failed build."""
    database.unlink(missing_ok=True)
    Path(f"{database}.wal").unlink(missing_ok=True)


def remove_stale_temps(warehouse: Path) -> None:
    """Delete what a killed run left unpublished (databases, staged marts); called under the writer lock."""
    for stale in warehouse.glob(f".{DATABASE_NAME}.*.tmp*"):
        stale.unlink(missing_ok=True)
    # Temp files of lake writes a killed run left (a complete batch file it never committed goes
    # at the next commit, see flows.lake.remove_uncommitted).
    lake = warehouse / "lake"
    for folder in (lake, lake / OBSERVATIONS, lake / "quarantine", lake / "claims"):
        for stale in folder.glob(".*.tmp") if folder.is_dir() else ():
            stale.unlink(missing_ok=True)
    shutil.rmtree(warehouse / MARTS_STAGING, ignore_errors=True)  # left by versions before datasets
    datasets.remove_old_versions(warehouse / "marts")


def data_dictionary(sql_dir: Path, reference_dir: Path) -> str:
    """The data dictionary of a warehouse built from an empty lake: it depends on code, not on data."""
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / DATABASE_NAME
        load_lake(database, Path(tmp) / "lake", reference_dir)
        with closing(connect(database, keep_order=False)) as con:
            build_models(con, sql_dir)
            return render_data_dictionary(con)
