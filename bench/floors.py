"""The floors under a full run: what the steps no design can skip cost alone, beside the DuckDB script's own two statements."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from contextlib import closing, contextmanager
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_duckdb import PARSED, RANKINGS, cells_query

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from flows.config import DATABASE_NAME  # noqa: E402
from flows.sqlutil import quote_ident  # noqa: E402

# Relations smaller than this are not floors worth naming.
MIN_ROWS = 100_000
TIMINGS: list[dict] = []


@contextmanager
def clock(step: str, rows: int | None = None):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    TIMINGS.append(
        {
            "step": step,
            "rows": rows,
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(time.process_time() - cpu, 2),
        }
    )
    print(f"{step:<58} wall {TIMINGS[-1]['wall_s']:7.2f}  cpu {TIMINGS[-1]['cpu_s']:7.2f}")


def script_steps(raw: Path, work: Path) -> None:
    """The DuckDB script's two statements, timed apart: parse to Parquet, then rank."""
    observations = work / "observations.parquet"
    cells, params = cells_query(raw, union_by_name=False)
    with closing(duckdb.connect(str(work / "script.duckdb"))) as con:
        with clock("script: parse the CSVs into Parquet (COPY)"):
            con.execute(
                f"COPY ({PARSED.format(cells=cells)}) TO $out (FORMAT parquet)",
                {**params, "out": str(observations)},
            )
        with clock("script: rank (CREATE TABLE AS)"):
            con.execute(f"CREATE TABLE rankings AS {RANKINGS}", {"observations": str(observations)})


def large_relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    return con.execute(
        "SELECT schema_name, table_name, estimated_size FROM duckdb_tables() "
        "WHERE database_name = 'published' AND estimated_size >= $min "
        "ORDER BY schema_name, table_name",
        {"min": MIN_ROWS},
    ).fetchall()


def write_floors(database: Path, work: Path) -> None:
    """Each large table copied into a new database file (nothing computed: the storage write
    alone), then fetched as Arrow and written as one zstd Parquet file (the export's two halves)."""
    with closing(duckdb.connect(str(work / "copy.duckdb"))) as con:
        con.execute("SET preserve_insertion_order = false")
        con.execute("ATTACH $path AS published (READ_ONLY)", {"path": str(database)})
        con.execute("USE published")
        for schema, table, rows in large_relations(con):
            name = f"{quote_ident(schema)}.{quote_ident(table)}"
            with clock(f"write {schema}.{table} into a new database", rows):
                con.execute(
                    f"CREATE TABLE copy.main.{quote_ident(schema + '_' + table)} AS SELECT * FROM {name}"
                )
            with clock(f"fetch {schema}.{table} as Arrow", rows):
                arrow = con.sql(f"SELECT * FROM {name}").to_arrow_table()
            with clock(f"write {schema}.{table} as Parquet (pyarrow, zstd)", rows):
                pq.write_table(arrow, work / f"{table}.parquet", compression="zstd")
            del arrow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw", type=Path, required=True, help="the corpus raw folder")
    parser.add_argument("--warehouse", type=Path, required=True, help="its published warehouse")
    parser.add_argument("--json", type=Path, help="also write the timings here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="skillpulse-floors-"))
    try:
        script_steps(args.raw, work)
        write_floors(args.warehouse / DATABASE_NAME, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(TIMINGS, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
