"""Ingest the first N reports of a corpus on 2 threads or 2 processes: wall and CPU seconds."""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import tempfile
import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from flows import ingest
from flows.raw import discover as discovery


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw", type=Path)
    parser.add_argument("--reports", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool", choices=("threads", "processes"), default="threads")
    args = parser.parse_args()
    reference = Path("data/reference").resolve()
    plan = discovery.discover(args.raw, discovery.reference_fingerprint(reference), {}, True)
    sources = tuple(sorted(plan.changed, key=lambda s: s.report_id)[: args.reports])
    batches = ingest.make_batches(sources)
    lake = Path(tempfile.mkdtemp(prefix="ingest-workers-"))
    pool: Executor = (
        ThreadPoolExecutor(args.workers)
        if args.pool == "threads"
        else ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("fork"))
    )
    cpu, wall = cpu_seconds(), time.perf_counter()
    with pool:
        futures = [pool.submit(ingest.ingest_batch, b, lake, reference) for b in batches]
        rows = [row for f in futures for row in f.result()]
    # After the pool has shut down: its processes are reaped, so their CPU counts as children's.
    cpu, wall = cpu_seconds() - cpu, time.perf_counter() - wall
    print(
        f"{args.pool}: reports={len(rows)} batches={len(batches)} cpu={cpu:.2f} s wall={wall:.2f} s"
    )
    shutil.rmtree(lake)


if __name__ == "__main__":
    main()
