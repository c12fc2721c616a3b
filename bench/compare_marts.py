"""Compare the marts (and intermediate tables) of two warehouse databases: counts and an
order-free checksum, and with --exact the rows themselves (EXCEPT ALL both ways)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.sqlutil import quote_ident

SCHEMAS = ("marts", "intermediate")


def relations(con: duckdb.DuckDBPyConnection, catalog: str) -> set[tuple[str, str]]:
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = $db "
        "UNION SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = $db "
        "AND NOT internal",
        {"db": catalog},
    ).fetchall()
    return {(schema, name) for schema, name in rows if schema in SCHEMAS}


def summary(con: duckdb.DuckDBPyConnection, target: str) -> tuple[int, int]:
    # hash() of the whole row as a struct, summed as HUGEINT: independent of row order.
    [(rows, checksum)] = con.execute(
        f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {target} AS t"
    ).fetchall()
    return rows, checksum


def differing(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    [(rows,)] = con.execute(
        f"SELECT count(*) FROM (SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right})"
    ).fetchall()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--exact", action="store_true", help="EXCEPT ALL both ways too")
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute("ATTACH $path AS b (READ_ONLY)", {"path": str(args.before)})
    con.execute("ATTACH $path AS a (READ_ONLY)", {"path": str(args.after)})
    before, after = relations(con, "b"), relations(con, "a")
    problems = 0
    for schema, name in sorted(before | after):
        if (schema, name) not in before or (schema, name) not in after:
            side = "after" if (schema, name) not in after else "before"
            print(f"{schema}.{name}: missing {side}")
            problems += schema == "marts"
            continue
        rel = f"{quote_ident(schema)}.{quote_ident(name)}"
        left, right = f"b.{rel}", f"a.{rel}"
        old, new = summary(con, left), summary(con, right)
        line = f"{schema}.{name}: rows {old[0]} / {new[0]}, checksum {'same' if old == new else 'DIFFERS'}"
        if args.exact:
            line += f", only before {differing(con, left, right)}, only after {differing(con, right, left)}"
        print(line)
        problems += old != new and schema == "marts"
    print("IDENTICAL" if not problems else f"{problems} DIFFER")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
