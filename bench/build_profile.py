"""Time each model and check of a full build on a copy of a warehouse: wall, CPU and peak RSS."""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import threading
import time
from contextlib import closing, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.config import DATABASE_NAME  # noqa: E402
from flows.warehouse import build, checks, database, grouped, models  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


def rss() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakSampler(threading.Thread):
    """Samples this process's RSS every 20 ms; `peak` is the highest since the last reset()."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.done = threading.Event()

    def reset(self) -> None:
        self.peak = rss()

    def run(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, rss())


@contextmanager
def measured(sampler: PeakSampler, rows: list[dict], name: str):
    sampler.reset()
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    rows.append(
        {
            "name": name,
            "wall_s": round(time.perf_counter() - wall, 2),
            "cpu_s": round(time.process_time() - cpu, 2),
            "peak_mib": round(max(sampler.peak, rss()) / MIB),
        }
    )
    print(
        f"{name:55s} {rows[-1]['wall_s']:8.2f} {rows[-1]['cpu_s']:8.2f} {rows[-1]['peak_mib']:7d}"
    )


def _exists(con, model: models.Model) -> bool:
    [(found,)] = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = $schema AND table_name = $table",
        {"schema": model.schema, "table": model.table},
    ).fetchall()
    return model.materialized != "table" or found > 0


def profile(db: Path, sql_dir: Path, with_checks: bool, changed: list[str] | None) -> list[dict]:
    """A full build as database.build runs it (one transaction, parts by report range), one
    model (then one check) at a time; with `changed`, the incremental build of those reports on
    the built copy instead (their rows of partitioned tables replaced, the groups they touch of
    grouped tables rebuilt, the rest rebuilt whole)."""
    sampler = PeakSampler()
    sampler.start()
    rows: list[dict] = []
    with closing(database.connect(db, keep_order=False)) as con:
        if changed is None:  # as after the load stage: no model tables yet
            for schema in reversed(models.MODEL_SCHEMAS):
                con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            con.execute("CHECKPOINT")
        bounds = database.part_bounds(con) if changed is None else []
        print(f"part bounds: {len(bounds)}; model / wall s / cpu s / peak MiB")
        con.begin()
        found = models.discover_models(sql_dir)
        by_name = {model.name.lower(): model for model in found}
        if changed is not None:
            # Tables added since the warehouse was published are built whole first, untimed: an
            # incremental build expects every model of the same SQL to exist.
            missing = [model for model in found if not _exists(con, model)]
            for model in missing:
                print(f"(building missing {model.name} first)")
                models.build_model(con, model, [])
            con.commit()
            con.begin()
            with measured(sampler, rows, "stash groups"):
                grouped.stash_groups(con, found, changed)
        for model in found:
            with measured(sampler, rows, model.name):
                built = build.build_one(con, model, by_name, changed, bounds)
            rows[-1]["how"] = built.how
            if built.how:
                print(f"    ({built.how})")
        if changed is not None:
            grouped.drop_stash(con)
        with measured(sampler, rows, "commit"):
            con.commit()
        if with_checks:
            for path in sorted((sql_dir / checks.CHECKS_DIR).glob("*.sql")):
                with measured(sampler, rows, f"check {path.stem}"):
                    checks._run_check(con, path, changed, bounds)
            for model in models.discover_models(sql_dir):
                if model.key and (model.materialized == "table" or model.partitioned_by):
                    with measured(sampler, rows, f"key {model.name}"):
                        checks._run_key_check(con, model, changed, bounds)
        with measured(sampler, rows, "checkpoint"):
            con.execute("CHECKPOINT")
    sampler.done.set()
    total_cpu = sum(r["cpu_s"] for r in rows)
    total_wall = sum(r["wall_s"] for r in rows)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"{'total':55s} {total_wall:8.2f} {total_cpu:8.2f} {peak:7d} (max RSS)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("warehouse", type=Path, help="a published warehouse folder (read only)")
    parser.add_argument("--work", type=Path, required=True, help="where to copy its database")
    parser.add_argument("--sql", type=Path, default=ROOT / "sql")
    parser.add_argument("--no-checks", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--changed", nargs="+", help="report ids: time an incremental build of them"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    copy = args.work / DATABASE_NAME
    shutil.copyfile(args.warehouse / DATABASE_NAME, copy)
    rows = profile(copy, args.sql, not args.no_checks, args.changed)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
