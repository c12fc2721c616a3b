"""Time (CPU seconds) or profile the ingest stage alone on the first N reports of a corpus."""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import tempfile
import time
from pathlib import Path

from flows import ingest
from flows.raw import discover as discovery


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw", type=Path, help="a raw folder, e.g. bench/.corpus/tiny/raw")
    parser.add_argument("--reports", type=int, default=1000, help="first N reports (by id)")
    parser.add_argument("--reference", type=Path, default=Path("data/reference"))
    parser.add_argument("--profile", type=Path, help="write cProfile stats here and print the top")
    parser.add_argument("--keep", type=Path, help="keep the lake here (to compare outputs)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    reference = args.reference.resolve()
    plan = discovery.discover(args.raw, discovery.reference_fingerprint(reference), {}, True)
    sources = tuple(sorted(plan.changed, key=lambda s: s.report_id)[: args.reports])
    batches = ingest.make_batches(sources)
    for run in range(args.repeat):
        lake = Path(tempfile.mkdtemp(prefix="ingest-cpu-"))
        # The last run is profiled: with --repeat 2, the memos of names and texts are warm.
        profiler = cProfile.Profile() if args.profile and run == args.repeat - 1 else None
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        rows = [row for batch in batches for row in ingest.ingest_batch(batch, lake, reference)]
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"reports={len(rows)} batches={len(batches)} cpu={cpu:.2f} s wall={wall:.2f} s")
        if profiler:
            profiler.dump_stats(args.profile)
            pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(60)
        if args.keep:
            keep(lake, rows, args.keep)
        else:
            shutil.rmtree(lake)


FILE_COLUMNS = ("observations_file", "quarantine_file", "claims_file")


def keep(lake: Path, rows: list[dict], to: Path) -> None:
    """The lake at `to`, batch files named in the order they were written (their names are
    random) and the report rows in a text file, for bench/compare_lakes.py."""
    shutil.rmtree(to, ignore_errors=True)
    shutil.move(lake, to)
    names: dict[str, str] = {}
    for row in rows:
        for column in FILE_COLUMNS:
            rel = row.get(column)
            if rel and rel not in names:
                kind = rel.split("/")[0]
                names[rel] = (
                    f"{kind}/batch-{sum(n.startswith(kind) for n in names.values()):04d}.parquet"
                )
                (to / rel).rename(to / names[rel])
    lines = []
    for row in rows:
        # The fingerprint hashes the reader code too: it differs between two trees by design.
        row = row | {c: names.get(row[c], "") for c in FILE_COLUMNS if c in row}
        row |= {"ingested_at": None, "input_fingerprint": bool(row["input_fingerprint"])}
        # Lakes before batch quarantine and claims files map none: compare the observations' map.
        lines.append(
            repr(
                sorted(
                    (k, v) for k, v in row.items() if k in FILE_COLUMNS[:1] or k not in FILE_COLUMNS
                )
            )
        )
    (to / "ingested_rows.txt").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
