"""Precision and recall of skill-name harmonizing on labelled pairs, each spelling in its own report."""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flows.errors import TaxonomyError
from flows.normalize.names import harmonize_names

DEFAULT_PAIRS = Path("tests/data/name_pairs.csv")


class PairsError(TaxonomyError):
    """The labelled pairs file is missing or malformed."""


@dataclass(frozen=True)
class Scores:
    """Confusion counts of one evaluation and the figures derived from them."""

    pairs: int
    true_pos: int
    false_pos: int
    false_neg: int
    true_neg: int

    @property
    def precision(self) -> float:
        predicted = self.true_pos + self.false_pos
        return self.true_pos / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        actual = self.true_pos + self.false_neg
        return self.true_pos / actual if actual else 0.0

    def line(self) -> str:
        return (
            f"{self.pairs} pairs: precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"(tp {self.true_pos}, fp {self.false_pos}, fn {self.false_neg}, tn {self.true_neg})"
        )


@dataclass(frozen=True)
class Outcome:
    """One pair as the harmonizer saw it."""

    pair: dict[str, str]
    id_a: str | None
    id_b: str | None

    @property
    def predicted(self) -> bool:
        return self.id_a is not None and self.id_a == self.id_b

    @property
    def actual(self) -> bool:
        return self.pair["same"] == "true"


def load_pairs(path: Path) -> list[dict[str, str]]:
    """The labelled pairs; `same` is 'true' or 'false', every row names its source."""
    try:
        with Path(path).open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise PairsError(f"cannot read labelled pairs {path}: {exc}") from exc
    bad = [
        i + 2
        for i, row in enumerate(rows)
        if row.get("same") not in ("true", "false")
        or not row.get("name_a")
        or not row.get("name_b")
    ]
    if bad:
        raise PairsError(f"{path}: rows {bad[:10]} need name_a, name_b and same=true|false")
    return rows


def skill_ids_one_report_each(
    names: Sequence[str], reference_dir: Path, threshold: float | None = None
) -> dict[str, str | None]:
    """The skill_id each name gets when it is the only name of its report (one harmonize call per name)."""
    ids: dict[str, str | None] = {}
    for name in dict.fromkeys(names):
        ids[name] = harmonize_names([name], "skill", reference_dir, threshold)[
            "canonical_id"
        ].to_pylist()[0]
    return ids


def evaluate(
    pairs: Sequence[dict[str, str]],
    resolve: Callable[[Sequence[str]], dict[str, str | None]],
) -> list[Outcome]:
    """Resolve both spellings of every pair and keep what each got."""
    ids = resolve([name for p in pairs for name in (p["name_a"], p["name_b"])])
    return [Outcome(p, ids[p["name_a"]], ids[p["name_b"]]) for p in pairs]


def score(outcomes: Sequence[Outcome]) -> Scores:
    """Confusion counts: a pair is predicted 'same' when both spellings got one non-null skill_id."""
    tp = sum(o.predicted and o.actual for o in outcomes)
    fp = sum(o.predicted and not o.actual for o in outcomes)
    fn = sum(o.actual and not o.predicted for o in outcomes)
    return Scores(len(outcomes), tp, fp, fn, len(outcomes) - tp - fp - fn)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--reference-dir", type=Path, default=Path("data/reference"))
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--errors", action="store_true", help="list every wrong pair")
    args = parser.parse_args(argv)
    outcomes = evaluate(
        load_pairs(args.pairs),
        lambda names: skill_ids_one_report_each(names, args.reference_dir, args.threshold),
    )
    print("all     ", score(outcomes).line())
    for split in ("dev", "holdout"):
        part = [o for o in outcomes if o.pair.get("split", "dev") == split]
        if part:
            print(f"{split:8}", score(part).line())
    if args.errors:
        for o in outcomes:
            if o.predicted != o.actual:
                kind = "false merge" if o.predicted else "missed    "
                print(
                    f"  {kind} {o.pair['name_a']!r} -> {o.id_a} | {o.pair['name_b']!r} -> {o.id_b}"
                )
    return 0


if __name__ == "__main__":  # python -m flows.taxonomy.evaluate
    raise SystemExit(main())
