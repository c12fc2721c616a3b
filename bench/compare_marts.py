"""Compare two warehouses: the marts, intermediate and lake tables of their databases (counts and an
order-free checksum; with --exact the rows themselves, EXCEPT ALL both ways), or with --exports
their exported marts folders (columns and types as DuckDB reads them, and rows)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.sqlutil import quote_ident

SCHEMAS = ("marts", "intermediate", "lake")
# Differ by design between two runs: when a report was ingested and the reader code's hash.
VOLATILE = {"ingested_at", "input_fingerprint", "observations_file", "run_id", "built_at"}


def relations(con: duckdb.DuckDBPyConnection, catalog: str) -> set[tuple[str, str]]:
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = $db "
        "UNION SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = $db "
        "AND NOT internal",
        {"db": catalog},
    ).fetchall()
    return {(schema, name) for schema, name in rows if schema in SCHEMAS}


def stable_columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, name: str) -> str:
    columns = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = $db "
        "AND schema_name = $s AND table_name = $t ORDER BY column_index",
        {"db": catalog, "s": schema, "t": name},
    ).fetchall()
    return ", ".join(quote_ident(c) for (c,) in columns if c not in VOLATILE)


def summary(con: duckdb.DuckDBPyConnection, target: str) -> tuple[int, int]:
    # hash() of the whole row as a struct, summed as HUGEINT: independent of row order.
    [(rows, checksum)] = con.execute(
        f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {target} AS t"
    ).fetchall()
    return rows, checksum


def differing(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    [(rows,)] = con.execute(f"SELECT count(*) FROM ({left} EXCEPT ALL {right})").fetchall()
    return rows


DESCRIBE = "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($p))"
DIFFERENCE = (
    "SELECT (SELECT count(*) FROM (FROM read_parquet($a) EXCEPT ALL FROM read_parquet($b))), "
    "(SELECT count(*) FROM (FROM read_parquet($b) EXCEPT ALL FROM read_parquet($a))), "
    "(SELECT count(*) FROM read_parquet($a))"
)


def compare_exports(before: Path, after: Path) -> int:
    """Differences between two marts folders (marts/<name>/*.parquet), or two warehouses'."""
    before, after = (p / "marts" if (p / "marts").is_dir() else p for p in (before, after))
    names = [
        sorted(m.name for m in p.iterdir() if m.is_dir() and not m.name.startswith("."))
        for p in (before, after)
    ]
    problems = 0 if names[0] == names[1] else 1
    con = duckdb.connect()
    for name in names[0]:
        old, new = (str(root / name / "*.parquet") for root in (before, after))
        if (
            con.sql(DESCRIBE, params={"p": old}).fetchall()
            != con.sql(DESCRIBE, params={"p": new}).fetchall()
        ):
            print(f"{name}: columns or types DIFFER")
            problems += 1
            continue
        [(missing, extra, rows)] = con.sql(DIFFERENCE, params={"a": old, "b": new}).fetchall()
        print(f"{name}: rows {rows}, only before {missing}, only after {extra}")
        problems += bool(missing or extra)
    return problems


def database(path: Path) -> str:
    """A warehouse folder or its skillpulse.duckdb file."""
    return str(path / "skillpulse.duckdb" if path.is_dir() else path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before", type=Path, help="warehouse folder, .duckdb file or marts folder")
    parser.add_argument("after", type=Path, help="warehouse folder, .duckdb file or marts folder")
    parser.add_argument("--exact", action="store_true", help="EXCEPT ALL both ways too")
    parser.add_argument("--exports", action="store_true", help="compare the marts folders")
    args = parser.parse_args()
    if args.exports:
        problems = compare_exports(args.before, args.after)
        print("IDENTICAL" if not problems else f"{problems} DIFFER")
        sys.exit(1 if problems else 0)
    con = duckdb.connect()
    con.execute("ATTACH $path AS b (READ_ONLY)", {"path": database(args.before)})
    con.execute("ATTACH $path AS a (READ_ONLY)", {"path": database(args.after)})
    before, after = relations(con, "b"), relations(con, "a")
    problems = 0
    for schema, name in sorted(before | after):
        if (schema, name) not in before or (schema, name) not in after:
            side = "after" if (schema, name) not in after else "before"
            print(f"{schema}.{name}: missing {side}")
            problems += schema == "marts"
            continue
        rel = f"{quote_ident(schema)}.{quote_ident(name)}"
        listed = stable_columns(con, "b", schema, name)
        left, right = (f"(SELECT {listed} FROM {db}.{rel})" for db in "ba")
        old, new = summary(con, left), summary(con, right)
        same = "same" if old == new else "DIFFERS"
        line = f"{schema}.{name}: rows {old[0]} / {new[0]}, checksum {same}"
        if args.exact:
            only_before, only_after = differing(con, left, right), differing(con, right, left)
            line += f", only before {only_before}, only after {only_after}"
            new = new if only_before == only_after == 0 else None
        print(line)
        problems += old != new
    print("IDENTICAL" if not problems else f"{problems} DIFFER")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
