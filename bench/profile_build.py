"""Time each model and check of a warehouse build (wall and CPU s), on an unpublished copy.

Point it at a warehouse whose lake is ahead of its published database (e.g. restore the old
skillpulse.duckdb and .built_from after a run that changed one report): the build is then the
incremental one that run did; --full times a build from scratch. Nothing is published.

    uv run python bench/profile_build.py /tmp/me-1m [--full] [--export] [--top 25]
"""

from __future__ import annotations

import argparse
import time
from contextlib import closing
from pathlib import Path

from flows.config import Paths
from flows.warehouse import database as warehouse
from flows.warehouse.checks import run_checks
from flows.warehouse.models import build_models


def profile(
    warehouse_dir: Path, full: bool, export: bool, keep: Path | None = None
) -> list[tuple[str, str, float, float]]:
    """(kind, name, wall s, cpu s) of every model, check and (with export) the mart export; with
    `keep`, the built database is moved there (to compare builds) instead of deleted."""
    paths = Paths.resolve(".", warehouse_dir)
    inputs = warehouse.inputs_digest(paths)
    previous = None if full else warehouse.built_from(warehouse_dir)
    started, cpu = time.perf_counter(), time.process_time()
    draft = warehouse.prepare(paths, previous, inputs)
    rows = [
        ("prepare", "copy + lake refresh", time.perf_counter() - started, time.process_time() - cpu)
    ]
    print(f"changed reports: {draft.changed if draft.changed is None else len(draft.changed)}")
    try:
        with closing(warehouse.connect(draft.database, keep_order=False)) as con:
            bounds = warehouse.part_bounds(con) if draft.changed is None else None
            built = build_models(con, paths.sql, draft.changed, bounds)
            rows += [
                ("model", f"{m.name} ({m.how})", m.seconds, m.cpu_seconds) for m in built.models
            ]
            checks = run_checks(con, paths.sql, draft.changed, bounds)
            rows += [("check", c.name, c.seconds, c.cpu_seconds) for c in checks]
            con.execute("CHECKPOINT")
        if export:
            started, cpu = time.perf_counter(), time.process_time()
            warehouse.export_marts(draft.database, warehouse_dir, paths.sql, draft.changed)
            rows.append(
                ("export", "marts", time.perf_counter() - started, time.process_time() - cpu)
            )
        if keep is not None:
            draft.database.replace(keep)
    finally:
        warehouse.discard(draft.database)
        warehouse.remove_stale_temps(warehouse_dir)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--full", action="store_true", help="build from scratch")
    parser.add_argument("--export", action="store_true", help="also time the mart export")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--keep", type=Path, help="keep the built database at this path")
    args = parser.parse_args()
    rows = profile(args.warehouse, args.full, args.export, args.keep)
    print(f"total: wall {sum(r[2] for r in rows):.2f} s, cpu {sum(r[3] for r in rows):.2f} s")
    print(f"{'kind':8} {'wall s':>8} {'cpu s':>8}  name")
    for kind, name, wall, cpu in sorted(rows, key=lambda r: -r[3])[: args.top]:
        print(f"{kind:8} {wall:8.2f} {cpu:8.2f}  {name}")


if __name__ == "__main__":
    main()
