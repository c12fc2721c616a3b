"""Figure reading per distinct text: 100,000 distinct cells and sentences through find_figures.

find_figures runs once per distinct string (the readers memoize on it), so its cost per text is
what a corpus of many distinct printed values pays: `uv run python bench/find_figures.py`.
"""

from __future__ import annotations

import argparse
import time

from flows.normalize.figures import find_figures

TEMPLATES = (
    "up {n}% year-over-year",
    "{n}% of postings",
    "-{n}% month-over-month, but +{m}% year-over-year",
    "Skill {n} (up {m}%)",
    "nearly ${n},{m:03d} in 2024",
    "{n} in {m}00 job postings",
    "The share rose from {n}% in Q1 2024 to {m}% by 2030, about {n}.{m} times the average",
    "+{n}.{m}%",
)


def distinct_texts(count: int) -> list[str]:
    """`count` distinct texts in the shapes publishers print, every template equally often."""
    return [
        template.format(n=i + 1, m=i * 7919 % 1000 + 1)
        for i in range(count // len(TEMPLATES))
        for template in TEMPLATES
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=100_000)
    texts = distinct_texts(parser.parse_args().texts)
    find_figures.cache_clear()
    started, cpu = time.perf_counter(), time.process_time()
    found = sum(len(find_figures(t)) for t in texts)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"find_figures: {len(texts):,} distinct texts, {found:,} figures in {seconds:.2f} s "
        f"({cpu_seconds / len(texts) * 1e6:.0f} us CPU per text)"
    )


if __name__ == "__main__":
    main()
