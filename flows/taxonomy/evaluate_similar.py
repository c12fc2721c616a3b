"""Does the embedding model earn its place? Ranking, pairwise and anchored-merge figures on labelled pairs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv

from flows.normalize.name_keys import rank_candidates
from flows.normalize.names import harmonize_names, load_reference
from flows.taxonomy import similar as sim
from flows.taxonomy.evaluate import DEFAULT_PAIRS, Scores, load_pairs

THRESHOLDS = (0.80, 0.85, 0.88, 0.90, 0.92, 0.94, 0.96)


def ranking_hits(pairs: Sequence[dict[str, str]], k: int = 3) -> dict[str, float]:
    """Share of same-skill pairs whose partner is among the top k of all the file's other names.

    `name_b` is the query, every other distinct name of the file the pool: once ranked by the
    spelling score `skills review` used before (rapidfuzz shortlist + token alignment), once by
    embedding cosine.
    """
    pool = list(dict.fromkeys(n for p in pairs for n in (p["name_a"], p["name_b"])))
    positives = [p for p in pairs if p["same"] == "true"]
    queries = [p["name_b"] for p in positives]
    by_meaning = sim.nearest(queries, pool, k)
    hits = {"spelling": 0, "embedding": 0}
    for pair, near in zip(positives, by_meaning, strict=True):
        others = [n for n in pool if n != pair["name_b"]]
        spelled = [name for name, _ in rank_candidates(others, others, pair["name_b"], k)]
        hits["spelling"] += pair["name_a"] in spelled
        hits["embedding"] += pair["name_a"] in {pool[i] for i, _ in near}
    return {method: count / len(positives) for method, count in hits.items()}


def pairwise_scores(
    pairs: Sequence[dict[str, str]], thresholds: Sequence[float] = THRESHOLDS
) -> dict[float, Scores]:
    """The model alone: a pair is 'same' when the cosine of its two spellings reaches the threshold."""
    a = sim.embed([p["name_a"] for p in pairs])
    b = sim.embed([p["name_b"] for p in pairs])
    cosine = (a * b).sum(axis=1)
    actual = np.array([p["same"] == "true" for p in pairs])
    return {t: _scores(cosine >= t, actual) for t in thresholds}


def anchored_scores(
    pairs: Sequence[dict[str, str]],
    reference_dir: Path,
    thresholds: Sequence[float] = THRESHOLDS,
) -> dict[float | None, Scores]:
    """End to end with an automatic merge: a name the rules leave `unregistered` takes the id of
    its nearest anchor (registry name or alias, imported label) when the cosine reaches the
    threshold. Each name is resolved alone, as in its own report; None is the rules alone."""
    reference = load_reference(reference_dir)
    anchors = set(reference.skills["name"].to_pylist()) | set(
        reference.skill_aliases["alias"].to_pylist()
    )
    labels = Path(reference_dir) / "external_labels.csv"
    if labels.exists():
        anchors |= set(pacsv.read_csv(labels)["label"].to_pylist())
    anchors_list = sorted(a for a in anchors if a)
    anchor_ids = harmonize_names(anchors_list, "skill", reference_dir)["canonical_id"].to_pylist()
    names = list(dict.fromkeys(n for p in pairs for n in (p["name_a"], p["name_b"])))
    rows = {n: harmonize_names([n], "skill", reference_dir).to_pylist()[0] for n in names}
    nearest = dict(zip(names, sim.nearest(names, anchors_list, 1, skip_self=False), strict=True))
    actual = np.array([p["same"] == "true" for p in pairs])
    out: dict[float | None, Scores] = {}
    for t in (None, *thresholds):
        ids = {}
        for name, row in rows.items():
            ids[name] = row["canonical_id"]
            hit = nearest[name][:1]
            if t is not None and row["match_method"] == "unregistered" and hit and hit[0][1] >= t:
                ids[name] = anchor_ids[hit[0][0]] or ids[name]
        predicted = np.array(
            [ids[p["name_a"]] is not None and ids[p["name_a"]] == ids[p["name_b"]] for p in pairs]
        )
        out[t] = _scores(predicted, actual)
    return out


def _scores(predicted: np.ndarray, actual: np.ndarray) -> Scores:
    tp = int((predicted & actual).sum())
    fp = int((predicted & ~actual).sum())
    fn = int((~predicted & actual).sum())
    return Scores(len(actual), tp, fp, fn, len(actual) - tp - fp - fn)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=Path, action="append")
    parser.add_argument("--reference-dir", type=Path, default=Path("data/reference"))
    args = parser.parse_args(argv)
    for path in args.pairs or [DEFAULT_PAIRS]:
        pairs = load_pairs(path)
        print(f"{path}")
        hits = ranking_hits(pairs)
        print("  partner in the top 3: " + ", ".join(f"{m} {v:.3f}" for m, v in hits.items()))
        for t, s in pairwise_scores(pairs).items():
            print(f"  cosine >= {t:.2f} alone     {s.line()}")
        for t, s in anchored_scores(pairs, args.reference_dir).items():
            label = "rules alone       " if t is None else f"merge at >= {t:.2f}"
            print(f"  {label}  {s.line()}")
    return 0


if __name__ == "__main__":  # python -m flows.taxonomy.evaluate_similar
    raise SystemExit(main())
