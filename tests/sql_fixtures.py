"""Build an in-memory DuckDB holding the lake and reference tables, filled with given rows, for SQL model tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import count
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from flows.lake_schemas import OBSERVATIONS_SCHEMA, QUARANTINE_SCHEMA, REPORTS_SCHEMA
from flows.normalize import measures
from flows.normalize.reference import WAREHOUSE_TABLES
from flows.warehouse.build import build_models

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
DEFAULT_PERIOD = (date(2025, 1, 1), date(2025, 12, 31))

Row = Mapping[str, Any]


def series_of(report_id: str) -> tuple[str, str]:
    """'upwork-in-demand-skills-2026' -> ('upwork-in-demand-skills', '2026'), as manifests build report ids."""
    series, _, edition = report_id.rpartition("-")
    return series, edition


def observation(row: Row, source_row: int) -> dict[str, Any]:
    """Fill every lake.observations column a test did not give: names, units and cell-level lineage."""
    report_id = row["report_id"]
    series, edition = series_of(report_id)
    table_name = row.get("table_name", "skills")
    skill_id = row.get("skill_id")
    filled = {
        "series_id": series,
        "publisher": series.split("-")[0].title(),
        "edition": edition,
        "table_name": table_name,
        "measure": "growth_pct",
        "period_start": DEFAULT_PERIOD[0],
        "period_end": DEFAULT_PERIOD[1],
        "skill_raw": skill_id,
        "skill_match_method": "alias" if skill_id else "unmatched",
        "skill_match_score": 100.0 if skill_id else None,
        "value_qualifier": "exact",
        "source_file": f"{series}/{edition}/{table_name}.csv",
        "source_sha256": "0" * 64,
        "source_row": source_row,
        "source_column": "value",
        "source_column_index": 2,
        "figure_index": 0,
    }
    filled.update(row)
    filled.setdefault(
        "skill_match_confirmed", filled["skill_match_method"] in ("alias", "normalized")
    )
    filled.setdefault("unit", measures.REGISTRY[filled["measure"]].unit)
    filled.setdefault("source_text", None if filled.get("value") is None else str(filled["value"]))
    return _dated(filled)


def report(row: Row) -> dict[str, Any]:
    """Fill every lake.reports column a test did not give."""
    series, edition = series_of(row["report_id"])
    filled = {
        "series_id": series,
        "edition": edition,
        "publisher": series.split("-")[0].title(),
        "title": f"{series} {edition}",
        "published": date(int(edition), 2, 1) if edition.isdigit() else None,
        "period_start": DEFAULT_PERIOD[0],
        "period_end": DEFAULT_PERIOD[1],
        "source_url": f"https://example.org/{series}/{edition}",
        "report_dir": f"{series}/{edition}",
        "input_fingerprint": "f" * 64,
        "tables": 1,
        "status": "ok",
        "ingested_at": datetime(2026, 1, 1),
    }
    filled.update(row)
    return _dated(filled)


def lake_connection(
    observations: Iterable[Row] = (),
    reports: Iterable[Row] = (),
    quarantine: Iterable[Row] = (),
    skills: Iterable[Row] = (),
    categories: Iterable[Row] = (),
) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with lake.* (exact lake schemas) and reference.* holding the given rows.

    Reports and skills that observations mention but the test did not list are added with defaults
    (a skill's default name is its id), so a test only writes the rows it is about.
    """
    rows = [
        observation(row, source_row)
        for row, source_row in zip(observations, count(2), strict=False)
    ]
    report_rows = [report(row) for row in reports]
    listed_reports = {row["report_id"] for row in report_rows}
    report_rows += [
        report({"report_id": rid})
        for rid in dict.fromkeys(r["report_id"] for r in rows)
        if rid not in listed_reports
    ]
    skill_rows = [dict(row) for row in skills]
    listed_skills = {row["skill_id"] for row in skill_rows}
    skill_rows += [
        {"skill_id": sid, "name": sid}
        for sid in dict.fromkeys(r["skill_id"] for r in rows if r.get("skill_id"))
        if sid not in listed_skills
    ]
    con = duckdb.connect()
    con.execute("CREATE SCHEMA lake; CREATE SCHEMA reference")
    _create(con, "lake.observations", pa.Table.from_pylist(rows, schema=OBSERVATIONS_SCHEMA))
    _create(con, "lake.reports", pa.Table.from_pylist(report_rows, schema=REPORTS_SCHEMA))
    _create(
        con, "lake.quarantine", pa.Table.from_pylist(list(quarantine), schema=QUARANTINE_SCHEMA)
    )
    _create(con, "reference.skills", _reference_table("skills", skill_rows))
    _create(con, "reference.categories", _reference_table("categories", list(categories)))
    _create(con, "reference.measures", measures.reference_table())
    return con


def built_warehouse(**rows: Iterable[Row]) -> duckdb.DuckDBPyConnection:
    """lake_connection(...) with every model in sql/ built."""
    con = lake_connection(**rows)
    build_models(con, SQL_DIR)
    return con


def query(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Rows of a query as dicts, for readable assertions."""
    cursor = con.execute(sql, params or {})
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _reference_table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    columns = next(spec.columns for spec in WAREHOUSE_TABLES if spec.table == name)
    schema = pa.schema([(column, pa.string()) for column in columns])
    return pa.Table.from_pylist(rows, schema=schema)


def _create(con: duckdb.DuckDBPyConnection, target: str, table: pa.Table) -> None:
    con.register("fixture_rows", table)
    con.execute(f"CREATE TABLE {target} AS SELECT * FROM fixture_rows")
    con.unregister("fixture_rows")


def _dated(row: dict[str, Any]) -> dict[str, Any]:
    """Accept ISO strings for date columns, so tests can write '2024-12-31'."""
    for column in ("period_start", "period_end", "published"):
        if isinstance(row.get(column), str):
            row[column] = date.fromisoformat(row[column])
    return row
