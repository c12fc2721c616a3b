"""Data dictionary: every warehouse table and column with its type and COMMENT, as Markdown."""

from __future__ import annotations

from pathlib import Path

import duckdb

from flows.fsutil import write_text_atomic

DOCUMENTED_SCHEMAS = ("lake", "reference", "staging", "intermediate", "marts")

_TABLES = """
SELECT schema_name, table_name, comment, kind
FROM (
    SELECT schema_name, table_name, comment, 'table' AS kind
    FROM duckdb_tables()
    WHERE database_name = current_database()
    UNION ALL
    SELECT schema_name, view_name, comment, 'view'
    FROM duckdb_views()
    WHERE database_name = current_database() AND NOT internal
)
WHERE list_contains($schemas, schema_name)
ORDER BY list_position($schemas, schema_name), table_name
"""

_COLUMNS = """
SELECT schema_name, table_name, column_name, data_type, comment
FROM duckdb_columns()
WHERE database_name = current_database() AND list_contains($schemas, schema_name)
ORDER BY schema_name, table_name, column_index
"""


def render_data_dictionary(con: duckdb.DuckDBPyConnection) -> str:
    """Markdown with one section per table (schema order: lake, reference, staging, intermediate, marts)."""
    params = {"schemas": list(DOCUMENTED_SCHEMAS)}
    tables = con.execute(_TABLES, params).fetchall()
    columns: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
    for schema, table, column, data_type, comment in con.execute(_COLUMNS, params).fetchall():
        columns.setdefault((schema, table), []).append((column, data_type, comment))
    lines = [
        "# skillpulse data dictionary",
        "",
        "Generated from the warehouse's table and column comments (`skillpulse docs`); do not edit by hand.",
        "The comments live in flows/lake.py, flows/warehouse/database.py and the `-- @table` / `-- @column` lines of sql/.",
    ]
    for schema, table, comment, kind in tables:
        lines += _section(schema, table, comment, kind, columns.get((schema, table), []))
    return "\n".join(lines) + "\n"


def write_data_dictionary(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Render the data dictionary and replace `path` with it atomically."""
    write_text_atomic(path, render_data_dictionary(con))


def _section(
    schema: str,
    table: str,
    comment: str | None,
    kind: str,
    columns: list[tuple[str, str, str | None]],
) -> list[str]:
    heading = f"## {schema}.{table}" + (" (view)" if kind == "view" else "")
    lines = [
        "",
        heading,
        "",
        _cell(comment) or "_No comment._",
        "",
        "| column | type | comment |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{name}` | {_cell(data_type)} | {_cell(text)} |" for name, data_type, text in columns
    ]
    return lines


def _cell(text: str | None) -> str:
    """Keep a comment on one Markdown table row: no pipes or line breaks."""
    if not text:
        return ""
    return " ".join(text.split()).replace("|", "\\|")
