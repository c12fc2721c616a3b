"""Prose as published: every sentence of a text, Markdown, HTML or PDF read into figures, subjects and claims."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.extract.claims import Claim, find_claims
from flows.extract.sentences import Sentence
from flows.extract.subjects import Subject, SubjectRule, antecedent, clause_opening, find_subject
from flows.normalize.figure_cells import in_measure

# ---------------------------------------------------------------------------------------------
# Reading: sentences -> figures with subjects, claims, and what yielded nothing

_NOT_A_FIGURE_AFTER = re.compile(
    r"^\s*(?:-\s*)?(?:years?|months?|weeks?|days?|hours?|minutes?|quarters?|decades?|centuries)\b",
    re.I,
)
_NOT_A_FIGURE_BEFORE = re.compile(
    r"\b(?:page|pages|table|figure|fig\.|chart|chapter|section|no\.|number|item|step|tier|level|phase|top|"
    r"week|day|wave|round|season)\s*$",  # 'In week 12': a name of a time, like 'Q2'
    re.I,
)
_SPOTS = re.compile(r"\b(?:spots?|places?|notch(?:es)?|ranks?)$", re.I)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_HAS_DIGIT = re.compile(r"(?<![A-Za-z])\d+(?![A-Za-z])")  # not '3D Modeling' or 'Q3': names


@dataclass(frozen=True)
class ProseReading:
    """What one file's prose yielded: figures, claims, and sentences with digits that gave nothing."""

    figures: list[dict]
    claims: list[dict]
    leftovers: list[dict]


_MONTH_BEFORE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*$", re.I
)
_EDITION_AFTER = re.compile(r"^\s*(?:annual|edition|anniversary|century)\b", re.I)
_PERIOD_HALF = re.compile(r"\b(?:first|second|the)\s+$", re.I)
_OF_YEAR = re.compile(r"^\s+of\s+(?:the\s+)?(?:year|(?:1[89]|20)\d\d)\b", re.I)
_GLUED_FOOTNOTE = re.compile(r"[A-Za-z)\]”\",.;:]$")


def is_figure(sentence: str, figure) -> bool:
    """False for numbers that count time ('next three months'), label a page or a table, are
    years, dates ('July 7th'), editions ('27th Annual'), halves of a year, footnote marks glued
    to a word ('December,2') or part of a name ('3D Modeling')."""
    text = figure.text.strip()
    before, after = sentence[: figure.start], sentence[figure.end :]
    if figure.unit in ("number", "count") and re.fullmatch(r"(?:1[89]|20)\d\d(?:,\d{1,2})?", text):
        return False
    if (
        figure.unit in ("number", "count")
        and re.fullmatch(r"\d{1,2}", text)
        and _GLUED_FOOTNOTE.search(before)
    ):
        return False
    if figure.unit == "rank" and (_MONTH_BEFORE.search(before) or _EDITION_AFTER.match(after)):
        return False
    if text.lower() == "half" and _PERIOD_HALF.search(before) and _OF_YEAR.match(after):
        return False
    if not before.strip() and re.match(r"^[.)]\s", after) and re.fullmatch(r"\d{1,2}", text):
        return False  # '1. Demand for ...': a list number
    if re.match(r"^-digits?\b", after, re.I):
        return False  # 'double-digit growth' names no amount
    if figure.unit in ("number", "count") and re.match(r"[A-Za-z]", after):
        return False  # a digit glued to letters names a thing: '3D Modeling', '5G', '4K video'
    if figure.unit in ("number", "count") and _NOT_A_FIGURE_AFTER.match(sentence[figure.end :]):
        return False
    if figure.unit == "count" and _SPOTS.search(text):
        return False  # 'took one spot in the top ten': places without a move are no amount
    return not (figure.unit == "number" and _NOT_A_FIGURE_BEFORE.search(sentence[: figure.start]))


_GROWTH_WORDS = re.compile(
    r"\b(?:grow|grew|grown|growing|growth|rise|rose|risen|rising|increase[sd]?|increasing|up|down|"
    r"jump(?:ed)?|surge[sd]?|premiums?|faster|slower|higher|lower|above|below|gain(?:ed)?|"
    r"declined?|drop(?:ped)?|fell|fall(?:en)?|change[sd]?)\b",
    re.I,
)
_LISTED = re.compile(r"^(?:\s+(?:in|for|among)\s+[\w ]{1,25}?)?\s*(?:,|,?\s+and|,?\s+or)\s+$", re.I)
_SHARE_NEXT = re.compile(r"^\s*\)?\s*of\b", re.I)
_CHANGE_NEXT = re.compile(r"^\s*(?:above|below|higher|lower|more|less|faster|slower)\b", re.I)
_LEVEL_BEFORE = re.compile(r"\b(?:to|from|at)\s+(?:just\s+|about\s+|around\s+|nearly\s+)?$", re.I)
_SHARE_RESTATED = re.compile(r"\s*\(\s*\d[\d.]*\s*(?:%|percent|per cent)\s*\)")
_GROWTH_NOUN = re.compile(r"\b(?:growth|premiums?)\b", re.I)


def _restated_once(figures: list, sentence: str) -> list:
    """'over half (63%) of employers' is one figure, the percent: a fraction restated in brackets."""
    kept = []
    for figure, following in zip(figures, [*figures[1:], None], strict=False):
        restated = (
            following is not None
            and figure.unit == "fraction"
            and re.fullmatch(r"\s*\(\s*", sentence[figure.end : following.start])
        )
        if not restated:
            kept.append(figure)
    return kept


def figure_measure(sentence: str, figure, declared: str | None) -> str | None:
    """What the figure measures: a multiple is a ratio as printed ('3.5 times faster' is not +250%);
    else the figure's own words (measure_hint); else the table's declared measure; else, for a
    percent, a share unless its clause speaks of change."""
    if figure.unit == "multiple":
        return "ratio"
    if figure.measure_hint:
        return figure.measure_hint
    if declared:
        return declared
    if figure.unit == "number" and _SHARE_RESTATED.match(sentence, figure.end):
        return "count"  # '10 (40 percent) declined': ten things, and their share
    if figure.unit in ("percent", "fraction"):
        after, before = sentence[figure.end :], sentence[: figure.start]
        if _SHARE_NEXT.match(after):
            return "share_pct"
        if _CHANGE_NEXT.match(after):
            return "growth_pct"
        clause = before[clause_opening(sentence, figure.start) :]
        if _LEVEL_BEFORE.search(before):  # 'rose to 55%', 'up from 44%', 'higher at 20%': a level
            return "growth_pct" if _GROWTH_NOUN.search(clause) else "share_pct"
        return "growth_pct" if _GROWTH_WORDS.search(clause) else "share_pct"
    return None


def read_sentences(
    sentences: list[Sentence],
    find_figures,
    default_measure: str | None = None,
    rules: tuple[SubjectRule, ...] = (),
) -> ProseReading:
    """Every figure with its subject and span, every claim, and the leftovers, in reading order."""
    figures, claims, leftovers = [], [], []
    previous: Subject | None = None
    for sentence in sentences:
        text = sentence.text
        found = _restated_once([f for f in find_figures(text) if is_figure(text, f)], text)
        said = find_claims(text)
        subjects: list[Subject] = []
        in_sentence: list[Subject] = []  # 'job cuts ... were at 946,426, though they plummeted 37%'
        measures: list[str | None] = []
        for index, figure in enumerate(found, 1):
            measure = figure_measure(text, figure, default_measure)
            listed = _LISTED.match(text[found[index - 2].end : figure.start]) if index > 1 else None
            if listed and figure.measure_hint is None:
                measure = measures[
                    -1
                ]  # 'up from 44% in 2022 and 39% in 2019': one list, one measure
            measures.append(measure)
            referred = in_sentence[-1] if in_sentence else previous
            subject = find_subject(
                sentence,
                figure.start,
                figure.end,
                measure,
                referred,
                rules,
                in_sentence[-1] if in_sentence else None,
            )
            if subject is not None:
                in_sentence.append(subject)
                if subject.kind == "skill":
                    subjects.append(subject)
            figures.append(_figure_row(sentence, figure, index, measure, subject))
        for claim in said:
            claims.append(_claim_row(sentence, claim))
        if not found and not said and _HAS_DIGIT.search(text):
            leftovers.append(_sentence_row(sentence))
        previous = (
            subjects[-1] if subjects else (antecedent(text) or (previous if not found else None))
        )
    return ProseReading(figures, claims, leftovers)


def _span(sentence: Sentence, start: int, end: int) -> str:
    """start-end of characters in the sentence (source_text), as table cells give theirs."""
    return f"{start}-{end}"


def _figure_row(
    sentence: Sentence, figure, index: int, measure: str | None, subject: Subject | None
) -> dict:
    return {
        "source_row": sentence.row,
        "source_page": sentence.page,
        "source_span": _span(sentence, figure.start, figure.end),
        "figure_index": index - 1,
        "figure_text": figure.text,
        "value": _value(figure, measure),
        "value_low": figure.low,
        "value_high": figure.high,
        "value_qualifier": figure.qualifier,
        "unit": figure.unit,
        "currency": "$" if figure.bare_dollar else figure.currency,  # resolved per report
        "comparison": figure.comparison,
        "measure": measure,
        "period_text": figure.period_text,
        "is_horizon": figure.horizon,
        "subject": subject.name if subject else None,
        "category": subject.category if subject else None,
        "subject_kind": subject.kind if subject else None,
        "subject_source": subject.source if subject else None,
        "subject_rule": subject.how if subject else None,
        "source_text": sentence.published,
        "sentence_span": f"{sentence.start}-{sentence.end}",
    }


def _value(figure, measure: str | None) -> float | None:
    """The figure on the measure's scale (flows.figures.in_measure); None when it cannot hold it.

    Money is an amount, never a change: 'drop $650 billion on AI' is spending, not a fall."""
    if measure is None:
        return None
    value = in_measure(figure, measure)
    return abs(value) if value is not None and measure == "money" else value


def _claim_row(sentence: Sentence, claim: Claim) -> dict:
    return {
        "kind": claim.kind,
        "reference": claim.reference,
        "subject": claim.subject,
        "claim_text": claim.text,
        "source_row": sentence.row,
        "source_page": sentence.page,
        "source_span": _span(sentence, claim.start, claim.end),
        "source_text": sentence.published,
    }


def _sentence_row(sentence: Sentence) -> dict:
    return {
        "source_row": sentence.row,
        "source_page": sentence.page,
        "source_span": _span(sentence, 0, len(sentence.text)),
        "source_text": sentence.published,
    }
