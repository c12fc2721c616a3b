"""Claims without a number in a sentence ("highest since 2009", "lowest on record"): kind, reference point, subject."""

from __future__ import annotations

import re
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Claims without numbers ("highest since 2009", "lowest on record")


@dataclass(frozen=True)
class Claim:
    kind: str
    reference: str | None
    subject: str | None
    start: int
    end: int
    text: str


_SINCE_REF = (
    r"(?P<ref>(?:1[89]|20)\d\d\b|[A-Z][^,.;:!?”\"]*?\b(?:began|started|launched)\b[^,.;:!?”\"]*)"
)
_HIGH = r"(?:all[- ]time highs?|record[- ]highs?|highest|high(?:est)? level|most|biggest|largest|strongest|fastest)"
_LOW = r"(?:all[- ]time lows?|record[- ]lows?|lowest|low(?:est)? level|weakest|smallest|fewest|slowest)"
_CLAIMS = (
    ("first_time_since", re.compile(rf"\bfor the first time since {_SINCE_REF}", re.I)),
    ("highest_since", re.compile(rf"\b{_HIGH}\b(?:[^.,;:!?]{{0,60}}?)\bsince {_SINCE_REF}", re.I)),
    ("lowest_since", re.compile(rf"\b{_LOW}\b(?:[^.,;:!?]{{0,60}}?)\bsince {_SINCE_REF}", re.I)),
    (
        "lowest_since",
        re.compile(
            r"\b(?:near |at )?(?P<ref>(?:two|three|four|five|\d+)[- ](?:decade|year))s?[- ]lows?\b",
            re.I,
        ),
    ),
    (
        "highest_since",
        re.compile(
            r"\b(?:near |at )?(?P<ref>(?:two|three|four|five|\d+)[- ](?:decade|year))s?[- ]highs?\b",
            re.I,
        ),
    ),
    (
        "record_high",
        re.compile(
            rf"\bhighest\b[^.,;:!?]{{0,60}}?\b(?:through(?:out)?|in) (?:all of )?{_SINCE_REF}",
            re.I,
        ),
    ),
    (
        "record_low",
        re.compile(
            rf"\b(?:lowest|fewest)\b[^.,;:!?]{{0,60}}?\b(?:through(?:out)?|in) (?:all of )?{_SINCE_REF}",
            re.I,
        ),
    ),
    ("first_time", re.compile(r"\bfor the (?:very )?first time(?: ever)?\b(?! since)", re.I)),
    (
        "record_high",
        re.compile(
            r"\b(?:all[- ]time highs?|record[- ]highs?|historic(?:al)? highs?|series highs?|new heights|highest (?:[\w-]+ ){0,8}?on record|highest (?:[\w-]+ ){0,8}?ever|record (?=(?:US)?[$€£]?\d))",
            re.I,
        ),
    ),
    (
        "record_low",
        re.compile(
            r"\b(?:all[- ]time lows?|record[- ]lows?|historic(?:al)? lows?|series lows?|lowest (?:[\w-]+ ){0,8}?on record|lowest (?:[\w-]+ ){0,8}?ever)",
            re.I,
        ),
    ),
)
_CLAIM_NOUN = re.compile(
    r"^(?:highest|lowest)\s+(?P<noun>.+?)\s+(?:on record|ever|since\b.*)$", re.I
)
_GENERIC_NOUNS = frozenset({"level", "figure", "total", "number", "point", "rate", "interest"})
_CLAUSE_VERB = re.compile(
    r"^(?P<subject>.+?)\s+(?:(?:are|is|was|were|have|has|remain|remains|stood|stands)\b(?:\s+(?:also|still|now|just))?(?:\s+(?:at|near|reaching|hitting))?|hit|hits|reached|reaches|reaching)\b",
    re.I,
)
_LEADING_JOINERS = re.compile(r"^(?:(?:and|but|while|yet|so|meanwhile|also|still)\b[\s,]*)+", re.I)


# Every claim pattern needs one of these words; most sentences have none, and ten searches each
# cost more than one.
_CLAIM_WORDS = re.compile(r"since|high|low|fewest|first time|record|heights", re.I)


def find_claims(sentence: str) -> list[Claim]:
    """Every claim of a record or a turning point, once each (the most specific kind wins)."""
    if not _CLAIM_WORDS.search(sentence):
        return []
    taken: list[tuple[int, int]] = []
    claims = []
    for kind, pattern in _CLAIMS:
        for match in pattern.finditer(sentence):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            reference = match.groupdict().get("ref")
            if (
                kind.endswith("_since")
                and reference
                and not re.search(r"\d|decade|year", reference)
            ):
                kind_found, reference = (
                    ("record_high" if kind.startswith("highest") else "record_low"),
                    reference,
                )
            else:
                kind_found = kind
            taken.append((match.start(), match.end()))
            claims.append(
                Claim(
                    kind_found,
                    reference.strip() if reference else None,
                    _claim_subject(sentence, match.start(), match[0]),
                    match.start(),
                    match.end(),
                    match[0],
                )
            )
    return sorted(claims, key=lambda c: c.start)


def _claim_subject(sentence: str, start: int, printed: str) -> str | None:
    noun = _CLAIM_NOUN.match(printed)
    if noun and noun["noun"].split()[-1].lower() not in _GENERIC_NOUNS:
        return noun["noun"]
    clause = _clause_before(sentence, start)
    verb = _CLAUSE_VERB.match(clause)
    subject = _LEADING_JOINERS.sub("", verb["subject"]).strip(" ,") if verb else ""
    return subject or None


CLAUSE_BREAK = re.compile(
    r"\b(?:reports?|reported|found|finds|says|said|shows?|showed|estimates?|estimated|notes?|noted|"
    r"predicts?|predicted|highlights?|reveals?|revealed|indicates?)\s+that\b|"
    r"[;:—–]|,\s+(?=(?:and|but|while|whereas|though|although|with|as)\b)|\b(?:while|whereas|where|when)\b|\("
)


def _clause_before(sentence: str, position: int) -> str:
    """The text of the clause that ends at `position` (from the last clause break before it)."""
    left = sentence[:position]
    breaks = [m.end() for m in CLAUSE_BREAK.finditer(left)]
    return left[breaks[-1] if breaks else 0 :].strip()
