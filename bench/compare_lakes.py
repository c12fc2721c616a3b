"""Compare two lakes (or ingest outputs) row for row: observations, quarantine, claims and report rows."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def compare(before: Path, after: Path) -> bool:
    con = duckdb.connect()
    same = True
    for kind in ("observations", "quarantine", "claims"):
        files = [sorted(map(str, (lake / kind).rglob("*.parquet"))) for lake in (before, after)]
        if not any(files):
            continue
        # A report's own quarantine and claims files: the name says whose rows they are (batch
        # files hold report_id, which says it for them).
        own = not any("/batch-" in f for side in files for f in side)
        name = ", parse_filename(filename, true) AS f" if kind != "observations" and own else ""
        for side, listed in zip("ab", files, strict=True):
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {side} AS SELECT * EXCLUDE (filename){name}, filename AS file "
                "FROM read_parquet($files, filename = true, file_row_number = true, "
                "union_by_name = true)",
                {"files": listed},
            )
        for side in "ab":
            con.execute(f"UPDATE {side} SET file = parse_filename(file)")
        rows = [con.execute(f"SELECT count(*) FROM {x}").fetchone()[0] for x in "ab"]
        rows_a, rows_b = (f"(SELECT * EXCLUDE (file, file_row_number) FROM {x})" for x in "ab")
        only_a = con.execute(f"SELECT count(*) FROM ({rows_a} EXCEPT ALL {rows_b})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM ({rows_b} EXCEPT ALL {rows_a})").fetchone()[0]
        # The same rows in the same order (files in name order: a report's own, or the batch's).
        ordered = con.execute(
            "SELECT count(*) FROM (SELECT row_number() OVER (ORDER BY file, file_row_number) "
            "AS n, * EXCLUDE (file, file_row_number) FROM a) x FULL JOIN "
            "(SELECT row_number() OVER (ORDER BY file, file_row_number) AS n, "
            "* EXCLUDE (file, file_row_number) FROM b) y USING (n) "
            "WHERE x::VARCHAR IS DISTINCT FROM y::VARCHAR"
        ).fetchone()[0]
        print(
            f"{kind}: {rows[0]} / {rows[1]} rows, only before {only_a}, only after {only_b}, "
            f"out of order {ordered}"
        )
        same &= only_a == only_b == ordered == 0 and rows[0] == rows[1]
    listed = [lake / "ingested_rows.txt" for lake in (before, after)]
    if all(p.exists() for p in listed):
        a, b = (p.read_text().splitlines() for p in listed)
        print(
            f"report rows: {len(a)} / {len(b)}, differing {sum(x != y for x, y in zip(a, b, strict=False))}"
        )
        same &= a == b
    print("IDENTICAL" if same else "DIFFERENT")
    return same


if __name__ == "__main__":
    sys.exit(0 if compare(Path(sys.argv[1]), Path(sys.argv[2])) else 1)
