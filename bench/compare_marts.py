"""Compare the marts and lake tables of two published warehouses row for row (EXCEPT ALL both ways)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

# Differ by design between two runs: when a report was ingested and the reader code's hash.
VOLATILE = {"ingested_at", "input_fingerprint", "observations_file", "run_id", "built_at"}


def tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = 'a' AND schema_name IN ('marts', 'lake', 'intermediate') ORDER BY ALL"
    ).fetchall()


def compare(before: Path, after: Path) -> bool:
    con = duckdb.connect()
    con.execute("ATTACH $path AS a (READ_ONLY)", {"path": str(before / "skillpulse.duckdb")})
    con.execute("ATTACH $path AS b (READ_ONLY)", {"path": str(after / "skillpulse.duckdb")})
    con.execute("USE a")
    names = tables(con)
    same = True
    for schema, table in names:
        columns = [
            c
            for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'a' "
                "AND schema_name = $s AND table_name = $t ORDER BY column_index",
                {"s": schema, "t": table},
            ).fetchall()
            if c not in VOLATILE
        ]
        listed = ", ".join(f'"{c}"' for c in columns)
        x, y = (f'(SELECT {listed} FROM {db}."{schema}"."{table}")' for db in "ab")
        counts = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (x, y)]
        only_a = con.execute(f"SELECT count(*) FROM ({x} EXCEPT ALL {y})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM ({y} EXCEPT ALL {x})").fetchone()[0]
        ok = counts[0] == counts[1] and only_a == only_b == 0
        same &= ok
        print(
            f"{'ok  ' if ok else 'DIFF'} {schema}.{table}: {counts[0]} / {counts[1]} rows, "
            f"only before {only_a}, only after {only_b}"
        )
    print("IDENTICAL" if same else "DIFFERENT")
    return same


if __name__ == "__main__":
    sys.exit(0 if compare(Path(sys.argv[1]), Path(sys.argv[2])) else 1)
