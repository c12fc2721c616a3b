"""Time the warehouse's load and export stages alone (wall and CPU s) on a copy of a published warehouse."""

from __future__ import annotations

import argparse
import os
import shutil
import time
from contextlib import closing, contextmanager
from pathlib import Path

from flows.config import DATABASE_NAME
from flows.warehouse import database, datasets
from flows.warehouse.models import discover_models, mart_tables


@contextmanager
def clock(label: str):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    print(
        f"{label:<32} wall {time.perf_counter() - wall:7.2f}  cpu {time.process_time() - cpu:7.2f}"
    )


def load(warehouse: Path, sql: Path, reference: Path, build: bool) -> Path:
    target = warehouse / ".bench-load.duckdb"
    database.discard(target)
    with clock("load"):
        database.load_lake(target, warehouse / "lake", reference)
    if build:
        with clock("build"):
            database.build(target, sql)
    return target


def export(source: Path, warehouse: Path, sql: Path, only: list[str], keep: Path | None) -> None:
    marts = keep or warehouse / ".bench-marts"
    shutil.rmtree(marts, ignore_errors=True)
    models = {m.table: m for m in discover_models(sql) if m.schema == "marts"}
    with closing(database.connect(source, read_only=True)) as con:
        tables = set(mart_tables(con))
        names = [
            n
            for n, m in sorted(models.items())
            if (n in tables or (m.materialized == "view" and m.partitioned_by))
            and (not only or n in only)
        ]
        with clock("export (all)"):
            for name in names:
                with clock(f"  {name}"):
                    folder = datasets.export_mart(con, marts, models[name], None)
                if keep:
                    os.symlink(folder, marts / name)
    if not keep:
        shutil.rmtree(marts, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse", type=Path, help="a COPY of a published warehouse")
    parser.add_argument("--stage", choices=["load", "build", "export", "all"], default="export")
    parser.add_argument("--mart", action="append", default=[])
    parser.add_argument("--keep", type=Path, help="write the marts here and keep them")
    parser.add_argument("--sql", type=Path, default=Path("sql"))
    parser.add_argument("--reference", type=Path, default=Path("data/reference"))
    args = parser.parse_args()
    print(f"threads: {os.cpu_count()}")
    source = args.warehouse / DATABASE_NAME
    if args.stage in ("load", "build", "all"):
        source = load(args.warehouse, args.sql, args.reference, args.stage != "load")
    if args.stage in ("export", "all"):
        export(source, args.warehouse, args.sql, args.mart, args.keep)


if __name__ == "__main__":
    main()
