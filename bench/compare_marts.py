"""Compare two marts folders (marts/<name>/*.parquet): same columns and types as DuckDB reads them,
and the same rows in every mart (EXCEPT ALL both ways)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

DESCRIBE = "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($p))"
DIFFERENCE = (
    "SELECT (SELECT count(*) FROM (FROM read_parquet($a) EXCEPT ALL FROM read_parquet($b))), "
    "(SELECT count(*) FROM (FROM read_parquet($b) EXCEPT ALL FROM read_parquet($a))), "
    "(SELECT count(*) FROM read_parquet($a))"
)


def mart_names(marts: Path) -> list[str]:
    return sorted(p.name for p in marts.iterdir() if p.is_dir() and not p.name.startswith("."))


def compare(before: Path, after: Path) -> list[str]:
    names = mart_names(before)
    problems = [] if names == mart_names(after) else ["the two folders hold different marts"]
    with duckdb.connect() as con:
        for name in names:
            old, new = (str(root / name / "*.parquet") for root in (before, after))
            if (
                con.sql(DESCRIBE, params={"p": old}).fetchall()
                != con.sql(DESCRIBE, params={"p": new}).fetchall()
            ):
                problems.append(f"{name}: columns or types differ")
                continue
            [(missing, extra, rows)] = con.sql(DIFFERENCE, params={"a": old, "b": new}).fetchall()
            print(f"{name:<24} rows {rows:>11,}  only before {missing}  only after {extra}")
            if missing or extra:
                problems.append(f"{name}: {missing} rows only before, {extra} only after")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    problems = compare(args.before, args.after)
    print("\n".join(problems) or "same columns and rows in every mart")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
