"""Issue 18, decision 2: lake write cost per report, Parquet files against Delta Lake.

Reads the current observations of an existing lake (e.g. a `bench/run.py --keep` warehouse of the
tiny preset) and writes the first N reports again four ways, timing each:
  files    one Parquet file per report table, atomically (flows.lake.write_parquet, the old lake)
  batch    one Parquet file per ingest batch of 500 reports (flows.lake.BatchWriter, the lake now)
  delta    one Delta table, one replace-where commit per report (what a rerun of one report does)
  batched  one Delta table, one append commit per ingest batch of 500 reports
then the time to read everything back into DuckDB. Needs deltalake, which is not a project
dependency: `uv run --with deltalake python bench/lake_layouts.py --lake DIR/lake --reports 1000`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from flows.lake import BatchWriter, read_current_observations, read_reports, write_parquet
from flows.lake_schemas import OBSERVATIONS_SCHEMA

BATCH = 500


def timed(call) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--reports", type=int, default=1000)
    args = parser.parse_args()
    from deltalake import DeltaTable, write_deltalake

    ids = sorted(read_reports(args.lake)["report_id"].to_pylist())[: args.reports]
    rows = read_current_observations(args.lake, OBSERVATIONS_SCHEMA.names)
    rows = rows.filter(pc.is_in(rows["report_id"], pa.array(ids, pa.string())))
    tables = [
        rows.filter(pc.equal(rows["report_id"], rid)).cast(OBSERVATIONS_SCHEMA) for rid in ids
    ]
    plain = OBSERVATIONS_SCHEMA.remove_metadata()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)

        def one_file_each() -> None:
            for table in tables:
                report = table["report_id"][0].as_py()
                write_parquet(table, root / "files" / report / "skills.parquet")

        def batch_files() -> None:
            for start in range(0, len(tables), BATCH):
                with BatchWriter(root / "batch") as writer:
                    for table in tables[start : start + BATCH]:
                        writer.add(table)

        def delta_per_report() -> None:
            uri = str(root / "delta")
            for table in tables:
                report = table["report_id"][0].as_py()
                write_deltalake(
                    uri,
                    table.cast(plain),
                    mode="overwrite",
                    predicate=f"report_id = '{report}'",  # generated ids: letters, digits, '-'
                )

        def delta_batched() -> None:
            uri = str(root / "batched")
            for start in range(0, len(tables), BATCH):
                batch = pa.concat_tables(t.cast(plain) for t in tables[start : start + BATCH])
                write_deltalake(uri, batch, mode="append")

        # The first Delta write creates the table; it needs a first commit to replace-where into.
        write_deltalake(str(root / "delta"), plain.empty_table(), mode="append")
        for name, call in [
            ("files", one_file_each),
            ("batch", batch_files),
            ("delta", delta_per_report),
            ("batched", delta_batched),
        ]:
            wall, cpu = timed(call)
            results[name] = {"write_s": round(wall, 2), "write_cpu_s": round(cpu, 2)}
            results[name]["ms_per_report"] = round(1000 * wall / len(tables), 2)

        def read_files(name: str = "files") -> None:
            written = sorted(str(p) for p in (root / name).rglob("*.parquet"))
            duckdb.sql("SELECT count(*) FROM read_parquet($f)", params={"f": written}).fetchall()

        def read_delta(name: str) -> None:
            con = duckdb.connect()
            con.register("delta", DeltaTable(str(root / name)).to_pyarrow_dataset())
            con.execute("SELECT count(*) FROM delta").fetchall()

        reads = [("files", read_files), ("batch", lambda: read_files("batch"))]
        reads += [(name, lambda name=name: read_delta(name)) for name in ("delta", "batched")]
        for name, call in reads:
            wall, _ = timed(call)
            results[name]["read_s"] = round(wall, 2)
        for name in ("delta", "batched"):
            results[name]["files"] = len(list((root / name).glob("*.parquet")))
            results[name]["log_entries"] = len(list((root / name / "_delta_log").glob("*.json")))
        results["files"]["files"] = len(tables)
        results["batch"]["files"] = len(list((root / "batch").rglob("*.parquet")))
    print(json.dumps({"reports": len(tables), **results}, indent=1))


if __name__ == "__main__":
    main()
