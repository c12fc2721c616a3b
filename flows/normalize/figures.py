"""Every figure in a cell or sentence as publishers print it: value, qualifier, unit, sign, comparison, period words."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from flows.normalize.figure_numbers import Reading, not_a_figure, read_match
from flows.normalize.figure_periods import period_words
from flows.normalize.figure_words import (
    ADJACENT_DIRECTIONS,
    ANCHOR_WORDS,
    CHANGE_NOUNS,
    CHANGE_OF,
    COMPARISONS,
    DIRECTIONS,
    FILLERS,
    FORMS,
    LEVEL_VERBS,
    MONTHS,
    ONE_CHAR,
    PEER_WORDS,
    QUALIFIERS,
    SCALES,
    WINDOW_COMPARISONS,
    WORD,
    anchor_positions,
)

# How a text is read (decisions kept here so docs/formats.md can quote them):
# 1. Characters that vary without meaning are mapped one-for-one (dashes and the minus sign to "-",
#    no-break and thin spaces to " ", typographic quotes), so every span points into the input.
# 2. FORMS, one alternation tried left to right, finds the figures: money, a percent range, a
#    percent, a multiple, a fraction, an ordinal rank, a rank change, a scaled count, a plain number.
#    Not figures: years (1800-2199) and periods, days after a month name, durations ("15 years
#    ago"), digits glued to letters ("GPT-4", "Q3"), a footnote number after the last full stop
#    ("grew 19%. 3"), footnote marks ("41%*"), and number words that name no amount ("one of").
# 3. Each figure reads the words between it and its neighbours: qualifier words right before it
#    ("nearly" at_most, "over" at_least, "about" approx), a direction ("fell", "dropped by",
#    "an 11% drop", "30% below") that makes it negative, unless "to"/"from" makes it a level
#    ("dropped to 2.5%", "down from 2.5%"); comparison words (COMPARISONS); period words.
# 4. A list shares its context: "tumbled by 44.6% and 22.8%, respectively" gives two falls.
# 5. A fraction restated in parentheses is one figure: "One in five (21%)" is 21%.
# 6. Parentheses never make a figure negative: "(38 per cent)" is 38, "(-4%)" is -4.
# 7. After a word of decrease the qualifier is about the size of the fall: "down almost 40%" is
#    -40 at_least (the change is -40 or higher), as flows/values.py decides for cells.


@dataclass(frozen=True)
class Figure:
    """One figure found in a text, with the words that give it meaning."""

    start: int
    end: int
    text: str
    value: float
    low: float | None
    high: float | None
    qualifier: str
    unit: str
    currency: str | None
    comparison: str | None
    measure_hint: str | None
    period_text: str | None
    horizon: bool = False  # "by 2030": a target or forecast, not a measured period
    bare_dollar: bool = False  # "$" alone: the report's currency (report.toml) or else USD


# ----------------------------------------------------------------------------- context


def _end_pattern(spec: str) -> re.Pattern:
    return re.compile(rf"(?:^|(?<=[\s(,]))(?:{spec})\s*$", re.IGNORECASE)


_QUALIFIER_END = {kind: _end_pattern(words) for kind, words in QUALIFIERS.items()}
_FILLER_END = _end_pattern(FILLERS)
_LEVEL_END = _end_pattern(f"{LEVEL_VERBS}|to|from|at")
# "compared to 34.4% below a week prior": a gap below a base, not a level "to" a value.
_COMPARED_TO_END = re.compile(r"\bcompared\s(?:to|with)\s*$", re.IGNORECASE)
_LEVEL_VERB_END = re.compile(rf"{LEVEL_VERBS}\s*$", re.IGNORECASE)
_CHANGE_OF_END = {sign: _end_pattern(words) for sign, words in CHANGE_OF.items()}
_BY_END = _end_pattern("by")
_DIRECTION_END = {
    sign: _end_pattern(
        f"{words}|{ADJACENT_DIRECTIONS[sign]}" if sign in ADJACENT_DIRECTIONS else words
    )
    for sign, words in DIRECTIONS.items()
}
_DIRECTION_ANY = re.compile(
    r"\b(?P<word>"
    + "|".join(f"(?P<d{'n' if s < 0 else 'p'}>{w})" for s, w in DIRECTIONS.items())
    + r")\b",
    re.IGNORECASE,
)
_CHANGE_AFTER = re.compile(
    r"^\s*(?:[\w-]+\s){0,2}?(?:(?P<neg>"
    + CHANGE_NOUNS[-1]
    + r")|(?P<pos>"
    + CHANGE_NOUNS[1]
    + r"))\b",
    re.IGNORECASE,
)
_BELOW_AFTER = re.compile(r"^\s*(?:below|under|lower)\b", re.IGNORECASE)
_PEER_AFTER = re.compile(
    rf"^\s*(?:[\w-]+\s){{0,2}}?(?:{PEER_WORDS})\b|^\s*as \w+ (?:[\w-]+ ){{0,3}}?as\b", re.IGNORECASE
)
_PEER_BEFORE = re.compile(
    r"premium of\s*$|\b(?:outpac|outstrip|outgrow|outperform)\w*\b.*$", re.IGNORECASE
)
_PLURAL_AFTER = re.compile(r"^\s(?:[A-Za-z-]+\s){0,2}?(?!points\b|basis\b)[a-z]{3,}s\b")
_COUNTED_AFTER = re.compile(
    r"^\s(?!points\b|across\b|plus\b|less\b|was\b|has\b|this\b|its\b)[a-z]{3,}s\b"
)
_RATIO_AFTER = re.compile(r"^\s*(?:[\w-]+\s){0,3}?(?:for every|per)\s", re.IGNORECASE)
_MULTIPLE_PEER_AFTER = re.compile(r"^\s*(?:the|than)\b", re.IGNORECASE)
# Every comparison pattern holds one of these words: a cheap test before the full patterns.
_COMPARISON_CUE = re.compile(
    r"year|month|quarter|week|yoy|mom|qoq|wow|/|average|baseline|level|from|since|relative|"
    r"compared|versus|vs|between|past|last|peak|ago|prior|earlier|than|pandemic|trend",
    re.IGNORECASE,
)
_COMPARISON_ANY = re.compile(
    "|".join(f"(?P<{code}>{pattern})" for code, pattern in COMPARISONS), re.IGNORECASE
)
# "44% plan to ...", "47% say": a share of the people asked, named by what they say or do.
_SHARE_AFTER = re.compile(
    r"^\s*(?:of\b|share\b|(?:say|said|plan|planned|expect|expected|believe|believed|agree|agreed|"
    r"report|reported|want|wanted|intend|intended|think|thought|feel|felt|prefer|preferred)\b)",
    re.IGNORECASE,
)
# "eight times larger than in January 2016": a multiple of an earlier level of the same thing.
_THAN_THEN = re.compile(r"^\s*(?:[\w-]+\s){0,2}?than\s(?:in|at|during|on)\b", re.IGNORECASE)
# "their fastest rise since July last year": the words date a record, not the base of the change.
_RECORD_SINCE = re.compile(
    r"\b(?:fastest|biggest|largest|highest|lowest|strongest|weakest|sharpest|steepest|slowest|"
    r"best|worst|first)\b(?:\s[\w-]+){0,3}?\ssince\s(?:[\w-]+\s?){1,4}",
    re.IGNORECASE,
)
_SHARE_BEFORE = re.compile(
    r"\b(?:share of|accounted for|accounting for|accounts for|top)\s*$", re.IGNORECASE
)
_INDEX_BEFORE = re.compile(r"\bindex\b|index-wert", re.IGNORECASE)
_LIST_GAP = re.compile(r"^\s*(?:,|and|or|&|, and|, or)\s*$", re.IGNORECASE)
_RESTATED = re.compile(r"^\s*(?:[\w'-]+\s){0,3}\(\s*(?:[\w-]+\s){0,2}$")
_CLAUSE_END = re.compile(
    r"(?<![A-Z][a-z]{2})(?<![A-Z][a-z]{3})(?<!\b[A-Za-z])[.;!?](?:\s|$)|\bbut\b"
)
_GROWTH_GRAMMAR = re.compile(
    r"\b(?:by|up|increas\w*|grew|grow\w*|rose|ris\w+|jump\w*|surg\w*)\s*(?:nearly|almost|more than|over|about)?\s*(?:a\s)?$",
    re.IGNORECASE,
)

_SPAN = re.compile(
    rf"\b(?:from|between)\s(?:(?:{MONTHS})[a-z]*\.?\s|(?:q[1-4]|h[12])\s?)?\d{{4}}\s(?:to|and|-)\s"
    rf"(?:(?:{MONTHS})[a-z]*\.?\s|(?:q[1-4]|h[12])\s?)?\d{{4}}"
    r"|\bfrom\s\d{4}\s?-\s?\d{2,4}\b",
    re.IGNORECASE,
)
_WINDOW = re.compile(
    r"(?:over|in) the (?:past|last) (?:year|12 months|month|quarter|week)|in one year|^\s*a year\b"
    r"|\b(?:on|over) the (?:year|month|quarter|week)\b",
    re.IGNORECASE,
)


def strip_left(left: str) -> tuple[str, int, bool, str]:
    """Peel the words right before a figure: (qualifier, direction, level, rest of the text)."""
    qualifier, direction, level = "exact", 0, False
    left = left[-80:]  # the words that can qualify a figure sit right before it
    while True:
        left = left.rstrip()
        if not left:
            break
        tail = max(0, len(left) - 36)  # the phrases are short: search only the end of the text
        if match := _LEVEL_VERB_END.search(left, tail):
            level = True
            left = left[: match.start()]
            break
        change = next(
            ((sign, m) for sign, p in _CHANGE_OF_END.items() if (m := p.search(left, tail))), None
        )
        if change is not None:
            direction = change[0]
            left = left[: change[1].start()]
            break
        for kind, pattern in _QUALIFIER_END.items():
            if match := pattern.search(left, tail):
                qualifier = kind if qualifier == "exact" else qualifier
                left = left[: match.start()]
                break
        else:
            if match := _FILLER_END.search(left, tail):
                left = left[: match.start()]
            elif match := _LEVEL_END.search(left, tail):
                level = True
                left = left[: match.start()]
                break
            elif match := _BY_END.search(left, tail):
                left = left[: match.start()]
            else:
                for sign, pattern in _DIRECTION_END.items():
                    if match := pattern.search(left, tail):
                        direction = sign
                        left = left[: match.start()]
                        break
                break
    return qualifier, direction, level, left


def _nearby_direction(left: str) -> int:
    """A direction word a few words back: 'cut review times by 94%', 'tumbled over the past year by'."""
    words = left.split()[-6:]
    window = " ".join(words)
    if window.endswith(","):
        return 0  # "10 declined, 13 (52%) increased": the verb of the item before
    window = window.rsplit(", ", 1)[-1]
    if re.search(r"\b(?:to|from)\b", window, re.IGNORECASE) and not re.search(r"\bby\s*$", window):
        return 0
    found = list(_DIRECTION_ANY.finditer(window))
    if not found:
        return 0
    return -1 if found[-1].group("dn") else 1


def _comparison(right: str, left: str) -> tuple[str | None, str]:
    """The comparison code and where it was found ('right' or 'left')."""
    for side, text in (("right", right), ("left", left)):
        if len(text) < 3:
            continue
        if not _COMPARISON_CUE.search(text):
            continue
        found = {match.lastgroup for match in _COMPARISON_ANY.finditer(text)}
        if side == "left":
            found &= WINDOW_COMPARISONS  # "up from last year's 9%": words of this figure's own time
        for code, _ in COMPARISONS:
            if code in found:
                return code, side
    return None, ""


def _measure_hint(
    reading: Reading,
    unit: str,
    direction: int,
    comparison: str | None,
    growthy: bool,
    right: str,
    left: str,
    printed: str,
) -> str | None:
    if unit == "currency":
        return "money"
    if unit == "points":
        return "share_change_pp"  # never a growth, whatever the table declares
    if unit in ("rank", "rank_change"):
        return unit
    if unit == "fraction":
        return "share_pct"
    if unit == "multiple":
        return "growth_pct" if growthy else "ratio"
    if unit == "percent":
        if (
            reading.restates_share
            or _SHARE_AFTER.match(right)
            or _SHARE_BEFORE.search(left, max(0, len(left) - 40))
        ):
            return "share_pct"
        if direction or growthy or comparison:
            return "growth_pct"
        return None
    counted = reading.value == int(reading.value) and _COUNTED_AFTER.match(right)
    if (_INDEX_BEFORE.search(left, max(0, len(left) - 40)) and not counted) or re.match(
        r"^\s*punkte", right, re.I
    ):
        return "index"  # "Index data from 25 countries" counts countries
    if _RATIO_AFTER.match(right):
        return "ratio"  # "2.4 unemployed workers for every job opening"
    if reading.value == int(reading.value) and _PLURAL_AFTER.match(right):
        return "count"  # "101 nations", "913 respondents": a whole number of things
    if unit == "count" or re.match(
        r"^\s*(?:[\w-]+\s){0,3}?(?:job|posting|worker|people|learner|"
        r"member|listing|position|opening|vacanc|professional|employer|hire|role|ad|leader)",
        right,
        re.I,
    ):
        return "count"
    if "," in printed and reading.value == int(reading.value):
        return "count"  # "209,000": thousands are counted; other bare numbers take the declaration
    return None


def _readings(text: str) -> list[Reading]:
    readings = []
    position = 0
    # FORMS is tried only where a figure can start (a digit, a sign, a number word): ~10x faster.
    for start in anchor_positions(text):
        if start < position:
            continue
        match = FORMS.match(text, start)
        reading = None if match is None else read_match(match, text)
        if reading is None:  # no form here, or one that does not hold (a range "2022 to 27%")
            continue
        if not not_a_figure(reading, text):
            readings.append(reading)
        position = match.end()
    # A fraction restated in parentheses is one figure: "One in five (21%)".
    kept = []
    for i, reading in enumerate(readings):
        following = readings[i + 1] if i + 1 < len(readings) else None
        if (
            following is not None
            and reading.unit in ("fraction", "multiple")
            and following.unit in ("percent", "multiple")
            and _RESTATED.match(text[reading.end : following.start])
            and text[following.end : following.end + 1] == ")"
        ):
            if reading.unit == "fraction":
                readings[i + 1] = replace(following, restates_share=True)
            continue
        kept.append(reading)
    return kept


def _clip_left(text: str) -> str:
    """The part of the text before a figure that belongs to its clause."""
    ends = list(_CLAUSE_END.finditer(text))
    return text[ends[-1].end() :] if ends else text


def _clip_right(text: str) -> str:
    match = _CLAUSE_END.search(text)
    return text[: match.start()] if match else text


@lru_cache(maxsize=1 << 16)
def find_figures(text: str) -> tuple[Figure, ...]:
    """Every figure in a cell or a sentence, in order (a tuple: results are cached per text)."""
    if not text or (not any(c.isdigit() for c in text) and not _has_word_figure(text)):
        return ()
    if plain := _PLAIN.fullmatch(text):
        return (_plain_figure(text, plain),)
    norm = text.translate(ONE_CHAR)
    readings = _readings(norm)
    figures: list[Figure] = []
    previous: Figure | None = None
    for i, reading in enumerate(readings):
        left_bound = readings[i - 1].end if i else 0
        right_bound = readings[i + 1].start if i + 1 < len(readings) else len(norm)
        raw_left = norm[left_bound : reading.start]
        left = _clip_left(raw_left)
        right = _clip_right(norm[reading.end : right_bound])
        in_list = previous is not None and _LIST_GAP.match(raw_left)
        figure = _figure(norm, text, reading, left, right, previous if in_list else None)
        figures.append(figure)
        previous = figure
    return tuple(figures)


def _figure(
    norm: str, text: str, reading: Reading, left: str, right: str, listed: Figure | None
) -> Figure:
    # The words that qualify a figure sit near it; periods may open a long clause ("From 2019 to
    # 2024 job adverts in highly exposed occupations grew 38%").
    period_left, period_right = left[-120:], right[:120]
    left, right = left[-70:], right[:120]
    qualifier, direction, level, rest = strip_left(left)
    if level and _BELOW_AFTER.match(right) and _COMPARED_TO_END.search(left):
        level = False
    if direction == 0 and not level:
        direction = _nearby_direction(rest)
    change = None if level else _CHANGE_AFTER.match(right)
    if change:
        direction = direction or (-1 if change.group("neg") else 1)
    if _BELOW_AFTER.match(right) and reading.unit in ("percent", "rank_change"):
        direction = -1
    comparison, side = _comparison(
        _SPAN.sub(" ", _RECORD_SINCE.sub(" ", right)), "" if level else _SPAN.sub(" ", left)
    )
    peer = (
        _PEER_AFTER.match(right)
        or _PEER_BEFORE.search(rest, max(0, len(rest) - 60))
        or (reading.unit == "multiple" and _MULTIPLE_PEER_AFTER.match(right))
    )
    peer = peer and reading.unit != "rank_change"  # "5 places lower" is a move, not a peer gap
    if peer and comparison != "vs_average" and (comparison is None or side == "left"):
        comparison = "vs_peer"
    if peer and re.match(r"^\s*(?:[\w-]+\s)?(?:lower|less|fewer|slower)\b", right, re.I):
        direction = -1
    if listed is not None:
        direction = direction or (listed.value < 0 and -1) or 0
        comparison = comparison or listed.comparison
    unit = reading.unit
    printed_unit = norm[reading.start : reading.end].lower()
    if (
        unit == "points"
        and _INDEX_BEFORE.search(left)
        and not re.search(r"per|pct|pp", printed_unit)
    ):
        unit = "number"  # "the index rose 3 points": index points, not percentage points
    if unit == "rank_change" and not direction:
        unit = "count"  # "over 20,300 positions": a count, not places moved
    growthy = bool(
        direction
        or reading.verb
        or change
        or (reading.signed and unit == "percent")
        or (unit == "multiple" and _GROWTH_GRAMMAR.search(left, max(0, len(left) - 40)))
    )
    if unit == "multiple" and comparison == "vs_peer":
        growthy = False  # "3x higher growth": a ratio to the peer, not a growth of 200%
    if unit == "multiple" and comparison == "vs_prior_period" and _THAN_THEN.match(right):
        growthy = True  # "eight times larger than in January 2016": a level's growth since then
    if level:
        direction = 0
        growthy = reading.verb
        if comparison == "vs_prior_period":
            comparison = None  # "from 27% to 29% between February and March": levels at two times
    window = _WINDOW.search(right if side == "right" else left)
    growth_words = unit == "percent" and _GROWTH_GRAMMAR.search(left, max(0, len(left) - 40))
    if comparison in WINDOW_COMPARISONS and window and not growthy and not growth_words:
        comparison = None  # "49% used it in the last year": a period, not a change
    if comparison and unit == "percent" and not level:
        growthy = True
    printed = norm[reading.start : reading.end]
    hint = _measure_hint(reading, unit, direction, comparison, growthy, right, rest, printed)
    if listed is not None and hint is None:
        hint = listed.measure_hint
    value, low, high = reading.value, reading.low, reading.high
    if reading.signed or (low is not None and low < 0):
        direction = 0
    if direction < 0:
        value = -abs(value)
        if low is not None and high is not None:
            low, high = -abs(high), -abs(low)
        qualifier = {"at_least": "at_most", "at_most": "at_least"}.get(qualifier, qualifier)
    if low is not None:
        qualifier = "approx"
    period, horizon = period_words(period_right, period_left)
    return Figure(
        start=reading.start,
        end=reading.end,
        text=text[reading.start : reading.end],
        value=value,
        low=low,
        high=high,
        qualifier=qualifier,
        unit=unit,
        currency=reading.currency,
        comparison=comparison,
        measure_hint=hint,
        period_text=period,
        horizon=horizon,
        bare_dollar=reading.bare_dollar,
    )


_PLAIN = re.compile(r"(?P<sign>[+-]?)(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?P<f>\.\d+)?(?P<pct>%?)")


def _plain_figure(text: str, plain: re.Match) -> Figure:
    """'+329%', '66,635', '12.5%': most table cells, read without the context machinery."""
    value = float(plain["n"].replace(",", "") + (plain["f"] or ""))
    percent = bool(plain["pct"])
    if plain["sign"] == "-":
        value = -value
    # A signed percent is a change; "66,635" is counted; other bare numbers take the declaration.
    hint = "growth_pct" if percent and plain["sign"] else None
    if not percent and "," in plain["n"] and not plain["f"]:
        hint = "count"
    unit = "percent" if percent else "number"
    return Figure(0, len(text), text, value, None, None, "exact", unit, None, None, hint, None)


def _sign(value: float) -> int:
    return -1 if value < 0 else 1


def _has_word_figure(text: str) -> bool:
    return any(
        (w := m.group().lower()) in ANCHOR_WORDS or w in SCALES or w.endswith("fold")
        for m in WORD.finditer(text)
    )


# ----------------------------------------------------------------------------- in a measure


_FORM_OF_UNIT = {"rank": "ordinal"}
