"""`skillpulse query`: SQL on the published warehouse, read-only, printed as a table, CSV or JSON."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
from rich.console import Console
from rich.table import Table

from flows.config import DATABASE_NAME
from flows.errors import SkillpulseError
from flows.sqlutil import quote_literal


class QueryError(SkillpulseError):
    """The warehouse is not published yet, or DuckDB rejected the query."""


@contextmanager
def published(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published database.

    A run builds a new file and renames it over the old one, so a fresh read-only connection per
    call never waits for a writer and always sees one whole run's warehouse.
    """
    database = warehouse / DATABASE_NAME
    if not database.exists():
        raise QueryError(f"no warehouse published at {database}: run `skillpulse run` first")
    try:
        con = duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        raise QueryError(f"cannot open {database} read-only: {exc}") from exc
    with closing(con):
        yield con


def run_query(warehouse: Path, sql: str, parameters: list | None = None) -> pa.Table:
    """The answer to one SQL text (its last statement's result) as an Arrow table."""
    with published(warehouse) as con:
        try:
            relation = con.sql(sql, params=parameters)
            if relation is None:
                return pa.table({})
            return relation.to_arrow_table()
        except duckdb.Error as exc:
            raise QueryError(f"the query failed: {exc}") from exc


def as_csv(result: pa.Table) -> str:
    """CSV with a header, written by DuckDB (nested values as DuckDB prints them)."""
    with tempfile.TemporaryDirectory() as folder, closing(duckdb.connect()) as con:
        target = Path(folder) / "result.csv"
        con.register("result", result)
        con.execute(f"COPY result TO {quote_literal(target.as_posix())} (HEADER, FORMAT csv)")
        return target.read_text(encoding="utf-8")


def as_json(result: pa.Table) -> str:
    """A JSON array of objects, one per row (dates and decimals as DuckDB writes them)."""
    with closing(duckdb.connect()) as con:
        con.register("result", result)
        return con.execute(
            "SELECT coalesce(CAST(to_json(list(r)) AS VARCHAR), '[]') FROM result AS r"
        ).fetchone()[0]


def as_table(result: pa.Table, console: Console, max_rows: int) -> None:
    """A rich table of at most max_rows rows, with a note saying how many were left out."""
    table = Table(show_header=True, header_style="bold", show_lines=False)
    for name in result.column_names:
        table.add_column(name, overflow="fold")
    with closing(duckdb.connect()) as con:
        con.register("result", result.slice(0, max_rows))
        texts = (
            con.execute("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM result").fetchall()
            if result.num_columns
            else []
        )
    for row in texts:
        table.add_row(*("NULL" if value is None else value for value in row))
    console.print(table)
    hidden = result.num_rows - max_rows
    note = f"{result.num_rows:,} row(s)" + (
        f", the first {max_rows:,} shown (--max-rows, or --format csv for all)"
        if hidden > 0
        else ""
    )
    console.print(note, style="dim")


def print_query(warehouse: Path, sql: str, output_format: str, max_rows: int = 1000) -> None:
    """Run the query and print its answer on stdout in the chosen format."""
    print_result(run_query(warehouse, sql), output_format, max_rows)


def print_result(result: pa.Table, output_format: str, max_rows: int = 1000) -> None:
    """Print an answer on stdout: a table for people, CSV or JSON for programs."""
    # Not a terminal: no wrapping at 80 columns, so piped tables stay one line per row.
    console = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 400)
    if output_format == "csv":
        console.file.write(as_csv(result))
    elif output_format == "json":
        console.file.write(as_json(result) + "\n")
    else:
        as_table(result, console, max_rows)
