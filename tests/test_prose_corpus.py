"""Precision and recall of prose extraction on hand-labelled real sentences (tests/fixtures/corpus)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from rapidfuzz import fuzz

from flows.extract.claims import find_claims
from flows.extract.prose import read_sentences
from flows.extract.sentences import split_sentences, text_blocks
from flows.normalize.figures import find_figures

CORPUS = Path(__file__).parent / "fixtures" / "corpus" / "sentences.jsonl"
PRECISION_TARGET = 0.95
RECALL_TARGET = 0.90


def _labelled() -> list[dict]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]


def _same_figure(label: dict, got: dict) -> bool:
    """Value (sign included) and measure agree; 1e-3 relative tolerance for '1 in 3' and the like."""
    return label["measure"] == got["measure"] and math.isclose(
        label["value"], got["value"], rel_tol=1e-3, abs_tol=1e-9
    )


def _same_subject(label: str, got: str | None) -> bool:
    if not got:
        return False
    a, b = label.casefold(), got.casefold()
    return a in b or b in a or fuzz.token_set_ratio(a, b) >= 80


def _score(rows: list[dict]) -> dict:
    extracted = labelled = matched = subjects = 0
    misses, extras = [], []
    for row in rows:
        read = read_sentences(split_sentences(text_blocks(row["text"])), find_figures).figures
        # Only what becomes an observation counts; the rest is quarantined (no measure, value or subject).
        got = [g for g in read if g["value"] is not None and g["subject"] is not None]
        extracted += len(got)
        labelled += len(row["figures"])
        free = list(got)
        for label in row["figures"]:
            hit = next((g for g in free if _same_figure(label, g)), None)
            if hit is None:
                misses.append((label["printed"], label["measure"], label["value"], row["text"]))
                continue
            free.remove(hit)
            matched += 1
            subjects += _same_subject(label["subject"], hit["subject"])
        extras += [(g["figure_text"], g["measure"], g["value"], row["text"]) for g in free]
    return {
        "precision": matched / extracted if extracted else 0.0,
        "recall": matched / labelled if labelled else 0.0,
        "subject_accuracy": subjects / matched if matched else 0.0,
        "sentences": len(rows),
        "labelled": labelled,
        "extracted": extracted,
        "matched": matched,
        "misses": misses,
        "extras": extras,
    }


def test_corpus_is_real_and_large_enough():
    rows = _labelled()
    assert len(rows) >= 110
    assert all(r["source_url"].startswith("http") for r in rows)
    assert sum(not r["figures"] for r in rows) >= 5  # sentences without a figure
    assert sum(len(r["figures"]) > 1 for r in rows) >= 30  # several figures in one sentence
    assert sum(bool(r["claims"]) for r in rows) >= 10  # claims without a number
    for row in rows:
        for figure in row["figures"]:
            assert figure["printed"] in row["text"]


def test_claims_without_numbers_on_labelled_sentences():
    found = labelled = matched = 0
    for row in _labelled():
        got = [c.kind for c in find_claims(row["text"])]
        found += len(got)
        labelled += len(row["claims"])
        for claim in row["claims"]:
            if claim["kind"] in got:
                got.remove(claim["kind"])
                matched += 1
    print(
        f"\nclaims: precision {matched / found:.3f} ({matched}/{found}), recall {matched / labelled:.3f} ({matched}/{labelled})"
    )
    assert matched / found >= PRECISION_TARGET and matched / labelled >= RECALL_TARGET


def test_precision_and_recall_on_labelled_sentences():
    score = _score(_labelled())
    print(
        f"\nprose extraction on {score['sentences']} real sentences: "
        f"precision {score['precision']:.3f} ({score['matched']}/{score['extracted']}), "
        f"recall {score['recall']:.3f} ({score['matched']}/{score['labelled']}), "
        f"subject accuracy {score['subject_accuracy']:.3f}"
    )
    for printed, measure, value, _ in score["misses"]:
        print(f"  missed: {printed!r} {measure} {value}")
    for printed, measure, value, _ in score["extras"]:
        print(f"  extra:  {printed!r} {measure} {value}")
    assert score["precision"] >= PRECISION_TARGET
    assert score["recall"] >= RECALL_TARGET
