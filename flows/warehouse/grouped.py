"""Incremental refresh of models whose rows span reports: `@grouped_by` groups, `@involving` pairs."""

from __future__ import annotations

import time

import duckdb
import pyarrow as pa

from flows.errors import ModelError
from flows.sqlutil import quote_ident
from flows.warehouse.models import BuiltModel, Model, among_reports, in_key_order, where

# Where the groups of grouped models that the changed reports' rows fell in are kept between the
# lake refresh (which deletes those rows) and the build (which drops it).
STASH = "_stash"


def stash_groups(con: duckdb.DuckDBPyConnection, models: list[Model], reports: list[str]) -> None:
    """Remember, per grouped model, the groups these reports' rows fall in now, before their rows
    change: the model then rebuilds those groups as well as the ones their new rows fall in.

    Called where the database still holds the reports' old rows: before the lake refresh
    deletes them (views over the lake see only new rows after it) and at the start of an
    incremental build (tables still hold the old rows, and reports whose flags changed are known).
    """
    by_name = {model.name.lower(): model for model in models}
    for model in models:
        if not model.grouped_by:
            continue
        stash = _stash_table(model)
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {STASH}")
        groups = _groups_query(model, by_name, reports)
        con.execute(f"CREATE TABLE IF NOT EXISTS {stash} AS SELECT * FROM ({groups}) LIMIT 0")
        con.execute(f"INSERT INTO {stash} {groups}")


def drop_stash(con: duckdb.DuckDBPyConnection) -> None:
    # Table by table: DuckDB 2.0 fails the commit of a DROP SCHEMA CASCADE over a table that the
    # same transaction inserted into.
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = $schema",
        {"schema": STASH},
    ).fetchall()
    for (table,) in tables:
        con.execute(f"DROP TABLE {STASH}.{quote_ident(table)}")
    con.execute(f"DROP SCHEMA IF EXISTS {STASH}")


def _stash_table(model: Model) -> str:
    return f"{STASH}.{quote_ident(model.name)}"


def _groups_query(model: Model, by_name: dict[str, Model], reports: list[str]) -> str:
    """The distinct values of the group column in the reports' rows of the models it reads."""
    column = quote_ident(model.grouped_by or "")
    inputs = [by_name[name] for name in sorted(model.depends_on)]
    parts = [
        f"SELECT {column} FROM {quote_ident(source.schema)}.{quote_ident(source.table)} "
        f"WHERE {among_reports(source.partitioned_by or '', reports)}"
        for source in inputs
    ]
    return f"SELECT DISTINCT {column} FROM ({' UNION ALL '.join(parts)})"


def refresh_groups(
    con: duckdb.DuckDBPyConnection, model: Model, by_name: dict[str, Model], changed: list[str]
) -> BuiltModel:
    """Rebuild the groups the changed reports' rows fell in before (stashed) or fall in now: delete
    their rows, then insert the rows of the model's merge query for the groups it settles and
    the model's own rows for the rest (the filter on the group column reaches the scans through
    the model's GROUP BY, like a report filter)."""
    started = time.perf_counter()
    target = f"{quote_ident(model.schema)}.{quote_ident(model.table)}"
    column = model.grouped_by or ""
    try:
        groups = _groups_query(model, by_name, changed)
        rows = con.execute(f"{groups} UNION SELECT * FROM {_stash_table(model)}").fetchall()
        keys = [value for (value,) in rows]
        merged = _merge(con, model, keys, changed) if model.merge_sql and keys else set()
        con.execute(f"DELETE FROM {target} WHERE {_among_groups(column, keys)}")
        if merged:
            con.execute(f"INSERT INTO {target} BY NAME {in_key_order(model, f'FROM {_MERGED}')}")
        con.execute(f"DROP TABLE IF EXISTS {_MERGED}")
        rebuilt = [key for key in keys if key not in merged]
        if rebuilt:
            changed_rows = where(model.sql, _among_groups(column, rebuilt))
            con.execute(f"INSERT INTO {target} BY NAME {in_key_order(model, changed_rows)}")
    except duckdb.Error as exc:
        raise ModelError(
            f"{model.path}: refreshing {model.name} for {len(changed)} changed report(s) failed: {exc}"
        ) from exc
    [(count,)] = con.execute(f"SELECT count(*) FROM {target}").fetchall()
    how = f"groups: {len(keys)}" + (f", {len(merged)} merged" if model.merge_sql else "")
    return BuiltModel(model.name, model.path, count, time.perf_counter() - started, how=how)


_MERGED = f"{STASH}.merged"


def refresh_involving(
    con: duckdb.DuckDBPyConnection, model: Model, changed: list[str]
) -> BuiltModel:
    """Replace the rows naming a changed report in any `@involving` column with the rows of the
    model's merge query (which reads `_stash.changed`); the other rows name only reports whose
    rows did not change."""
    started = time.perf_counter()
    target = f"{quote_ident(model.schema)}.{quote_ident(model.table)}"
    naming = " OR ".join(among_reports(column, changed) for column in model.involving)
    try:
        _stash_inputs(con, {"changed": pa.table({"report_id": pa.array(changed, pa.string())})})
        con.execute(f"CREATE TABLE {_MERGED} AS {model.merge_sql}")
        con.execute(f"DELETE FROM {target} WHERE {naming}")
        con.execute(f"INSERT INTO {target} BY NAME {in_key_order(model, f'FROM {_MERGED}')}")
        con.execute(f"DROP TABLE {_MERGED}")
    except duckdb.Error as exc:
        raise ModelError(
            f"{model.path}: refreshing {model.name} for {len(changed)} changed report(s) failed: {exc}"
        ) from exc
    [(count,)] = con.execute(f"SELECT count(*) FROM {target}").fetchall()
    return BuiltModel(model.name, model.path, count, time.perf_counter() - started, how="involving")


def _stash_inputs(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    """Store Arrow tables as `_stash.<name>` for a merge query to read."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {STASH}")
    for name, table in tables.items():
        con.register(f"_{name}_arrow", table)
        con.execute(f"CREATE OR REPLACE TABLE {STASH}.{quote_ident(name)} AS FROM _{name}_arrow")
        con.unregister(f"_{name}_arrow")


def _merge(con: duckdb.DuckDBPyConnection, model: Model, keys: list, changed: list[str]) -> set:
    """Run the model's merge query over the touched groups (`_stash.touched`) and the changed
    reports (`_stash.changed`) into `_stash.merged`, before the old rows it reads are deleted;
    return the groups it settled (every touched group it returned rows for)."""
    column = model.grouped_by or ""
    touched = pa.table({column: pa.array(keys)})
    reports = pa.table({"report_id": pa.array(changed, pa.string())})
    _stash_inputs(con, {"touched": touched, "changed": reports})
    con.execute(f"CREATE TABLE {_MERGED} AS {model.merge_sql}")
    settled = con.execute(f"SELECT DISTINCT {quote_ident(column)} FROM {_MERGED}").fetchall()
    return {value for (value,) in settled}


def _among_groups(column: str, keys: list) -> str:
    """`column IN (...)` over the group values (a NULL group too), as literals for the reason
    among_reports gives."""
    condition = among_reports(column, sorted(str(key) for key in keys if key is not None))
    return f"({condition} OR {quote_ident(column)} IS NULL)" if None in keys else condition
