"""Every figure in a cell or sentence as publishers print it: value, qualifier, unit, sign, comparison, period words."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

import pyarrow as pa

from flows.normalize.measures import REGISTRY
from flows.normalize.periods import Period, parse_period

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


# ----------------------------------------------------------------------------- word tables (data)

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS = {w: n for n, w in enumerate(_ONES)} | {w: 10 * n for n, w in enumerate(_TENS, 2)}
ORDINAL_WORDS = {
    w: n
    for n, w in enumerate(
        [
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
            "thirteenth",
            "fourteenth",
            "fifteenth",
            "sixteenth",
            "seventeenth",
            "eighteenth",
            "nineteenth",
            "twentieth",
        ],
        1,
    )
} | {"thirtieth": 30, "fortieth": 40, "fiftieth": 50}
SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6, "mn": 1e6, "m": 1e6,
    "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12,
}  # fmt: skip
CURRENCIES = {"us$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "usd": "USD"}
CURRENCIES |= {"dollars": "USD", "eur": "EUR", "euros": "EUR", "gbp": "GBP", "pounds": "GBP"}
FRACTION_WORDS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4}
FRACTION_WORDS |= {"fifth": 5, "fifths": 5, "tenth": 10, "tenths": 10}
MULTIPLE_WORDS = {"twice": 2.0, "thrice": 3.0, "double": 2.0, "doubled": 2.0, "doubling": 2.0}
MULTIPLE_WORDS |= {"triple": 3.0, "tripled": 3.0, "tripling": 3.0, "quadruple": 4.0}
MULTIPLE_WORDS |= {"quadrupled": 4.0, "quadrupling": 4.0, "halved": 0.5}
GROWTH_VERB_MULTIPLES = frozenset(w for w in MULTIPLE_WORDS if w.endswith(("ed", "ing")))

QUALIFIERS = {
    "at_least": "more than|greater than|over|above|at least|upwards of|in excess of|exceeding|"
    "surpassing|no less than|well above|well over|just over|>=|≥|>",
    "at_most": "nearly|almost|up to|less than|fewer than|under|just under|at most|no more than|"
    "just shy of|<=|≤|<",
    "approx": "about|around|roughly|approximately|approx\\.|some|circa|close to|an estimated|"
    "estimated|~|≈",
}
# Words that sit between a qualifier or direction and the number without changing it.
FILLERS = (
    "a|an|the|just|only|average|on average|nearly a|a staggering|an astonishing|a whopping|"
    "a notable|a substantial|an astounding|astounding|staggering|astonishing|whopping|"
    "substantial|notable|remarkable|a remarkable|a factor of"
)
DIRECTIONS = {
    -1: "down|downward|fell|fallen|falling|fall|declined|declining|decline|decreased|decreasing|"
    "decrease|dropped|dropping|drop|plunged|plunging|plummeted|tumbled|slipped|slid|shrank|"
    "shrunk|lost|cut|dipped|sank|contracted|reduced|lower",
    1: "up|upward|rose|risen|rising|rise|increased|increasing|increase|grew|grown|growing|grow|"
    "gained|jumped|jumping|surged|surging|soared|climbed|climbing|skyrocketed|spiked|"
    "lifted|went up|go up|gain|growth|boost|higher|added|expanded|doubled",
}
# A change named before the figure: "a decline of 0.3%", "a notable growth rate of 4.1%".
CHANGE_OF = {
    -1: "(?:a |an )?(?:decline|drop|decrease|fall|reduction|contraction|cut) (?:of|by)",
    1: "(?:a |an )?(?:increase|rise|growth|jump|gain|surge|growth rate) (?:of|by)",
}
# A verb with "up to" names a level, not a ceiling: "inched up to 3%".
LEVEL_VERBS = "(?:inched|edged|ticked|crept|moved|went|shot|crawled) up to"
# Nouns after the figure that say it is a change: "an 11% drop", "7.6% year-over-year growth".
CHANGE_NOUNS = {
    -1: "drop|decline|decrease|fall|loss|contraction|dip|reduction",
    1: "increase|rise|growth|jump|gain|surge|uptick|go up|boost|bump|percentage change|change",
}
# (code, pattern): first match wins; searched right of the figure, then left of it.
COMPARISONS = (
    (
        "yoy",
        r"year[- ]?(?:over|on)[- ]?year|\byoy\b|\by/y\b|\by-o-y\b|from a year (?:earlier|ago|before)"
        r"|from the same (?:time|month|period) (?:of )?last year|(?:compared (?:to|with)|versus|vs\.?)"
        r" (?:the same \w+ of )?last year|(?:over|in) the (?:past|last) (?:year|12 months)"
        r"|in one year|^\s*a year\b",
    ),
    (
        "mom",
        r"month[- ]?(?:over|on)[- ]?month|\bmom\b|\bm/m\b|(?:in|over) the (?:past|last) month"
        r"|from (?:a|the previous|the prior|last) month",
    ),
    (
        "qoq",
        r"quarter[- ]?(?:over|on)[- ]?quarter|\bqoq\b|\bq/q\b|(?:in|over) the (?:past|last) quarter"
        r"|(?:over|from|compared (?:to|with)|versus|vs\.?) the (?:previous|prior|last) quarter",
    ),
    ("vs_average", r"than (?:the )?(?:[\w-]+ ){0,4}average|(?:below|above) (?:the )?average"),
    (
        "vs_baseline",
        r"\bbaseline\b|pre-pandemic levels?|(?:above|below) (?:the )?(?:[\w-]+ )?levels?\b",
    ),
    (
        "vs_prior_period",
        r"\b(?:from|since|relative to|compared (?:to|with)|versus|vs\.?) (?:the )?"
        r"(?:end of |start of |beginning of |early |late |mid-?)?(?:peak|previous|prior|last|"
        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|q[1-4]\b|h[12]\b|fy|\d{4}\b|"
        r"\w+ (?:years|decades) ago)|\b(?:over|in|during) the (?:past|last) [\w-]+ "
        r"(?:years|decades|months|weeks|quarters)\b"
        r"|\bbetween (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* (?:\d{1,2} )?and\b",
    ),
)
# Right after the figure: it is a difference from a peer group ("66% faster", "a 43% premium").
PEER_WORDS = r"faster|slower|higher|lower|greater|more|less|fewer|larger|bigger|premium"
# Time windows are comparisons only for a change; for a share they bound the period.
_WINDOW_COMPARISONS = frozenset({"yoy", "mom", "qoq"})

MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_MONTH_NAMES = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)

# ----------------------------------------------------------------------------- the forms

_ONE_CHAR = str.maketrans(
    {
        "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\ufe63": "-", "\uff0d": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ",
        "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00d7": "x", "\uff05": "%",
    }
)  # fmt: skip


def _alt(words) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_WORDNUM = rf"(?:(?:{_alt(_TENS)})(?:[- ](?:{_alt(_ONES[1:10])}))?|{_alt(_ONES)})"
_ORDWORD = rf"(?:(?:{_alt(_TENS)})[- ](?:{_alt(ORDINAL_WORDS)})|{_alt(ORDINAL_WORDS)})"
_NUM = r"(?:\d[\d,.]*\d|\d)"
_SNUM = rf"(?:(?<![\w.,])(?<![A-Za-z]-)[+-]?{_NUM})"  # not glued to a word: "GPT-4", "Q3"
_AMOUNT = rf"(?:{_SNUM}|\b{_WORDNUM}\b)"
_PCT = r"(?:\s?%|\s?(?:per\s?cent|percent|pct|prozent)\b)"
_SCALE = r"(?:\s?(?:thousand|millions?|billions?|trillion)\b|(?:k|m|mn|bn|b|tn)\b)"
_CUR = r"(?:us\$|\$|€|£|¥)"
FORMS = re.compile(
    rf"""
    (?P<money>{_CUR}\s?(?P<m_num>{_NUM})(?P<m_scale>{_SCALE})?
      |(?P<m_num2>{_SNUM})(?P<m_scale2>{_SCALE})?\s?(?P<m_code>usd|eur|gbp|dollars|euros|pounds)\b)
    |(?P<range>(?<!from\ )(?![12]\d{{3}}\b)(?P<r_lo>{_SNUM}){_PCT}?\s?(?:-|to)\s?(?P<r_hi>{_SNUM}){_PCT})
    |(?P<between>\bbetween\s(?P<b_lo>{_SNUM}){_PCT}?\sand\s(?P<b_hi>{_SNUM}){_PCT})
    |(?P<percent>(?P<p_num>{_AMOUNT}){_PCT})
    |(?P<multiple>(?P<x_num>{_SNUM})\s?x(?![a-wyz\d])
      |(?P<f_num>{_SNUM}|\b{_WORDNUM})[- ]?fold\b
      |(?P<t_num>{_AMOUNT})\stimes\b
      |\b(?:a\s)?factor\sof\s(?P<fa_num>{_AMOUNT})
      |\b(?P<x_word>{_alt(MULTIPLE_WORDS)})\b)
    |(?P<fraction>(?P<n_num>{_AMOUNT})\s(?:in|out\sof)\s(?P<n_den>(?![12]\d{{3}}\b){_SNUM}|\b{_WORDNUM}\b)
      |(?P<pm_num>{_SNUM})\sper\s(?P<pm_den>hundred|thousand|million|billion)\b
      |\b(?P<fw_n>a|one|two|three|four)[- ](?P<fw_d>{_alt(FRACTION_WORDS)})\b
      |(?<!first\s)(?<!second\s)\bhalf(?=\s(?:of\b|\()))
    |(?P<ordinal>(?P<o_num>{_SNUM})(?:st|nd|rd|th)\b|\b(?P<o_word>{_ORDWORD})\b
      (?=\s(?:place|position|spot)|\))
      |(?:(?<=ranking\s)|(?<=ranked\s)|(?<=ranks\s))(?P<o_word2>{_ORDWORD})\b)
    |(?P<rankchange>(?P<rc_num>{_AMOUNT})\s(?:places?|spots?|positions?|notches?|ranks?)\b)
    |(?P<scaled>(?P<s_num>{_SNUM}|\ba\b|\b{_WORDNUM}\b)(?P<s_scale>{_SCALE}))
    |(?P<number>{_SNUM})
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SYMBOL_ANCHOR = re.compile(r"[-+$€£¥\d]")
_WORD = re.compile(r"[A-Za-z]+")
ANCHOR_WORDS = frozenset(
    ("between", "factor", "half", *MULTIPLE_WORDS, *_TENS, *_ONES, *ORDINAL_WORDS, *FRACTION_WORDS)
)
_AFTER_ARTICLE = frozenset(
    [
        "third",
        "quarter",
        "half",
        "fifth",
        "tenth",
        "thousand",
        "million",
        "billion",
        "trillion",
        "factor",
    ]
)


def _anchor_positions(text: str) -> list[int]:
    """Where a figure can start: digits, signs, currency, and number words (a set lookup per word,
    much cheaper than one long alternation tried at every character)."""
    positions = [m.start() for m in _SYMBOL_ANCHOR.finditer(text)]
    words = list(_WORD.finditer(text))
    for i, word in enumerate(words):
        lower = word.group().lower()
        if (
            lower in ANCHOR_WORDS
            or lower.endswith("fold")
            or (
                lower in ("a", "an")
                and i + 1 < len(words)
                and words[i + 1].group().lower() in _AFTER_ARTICLE
            )
        ):
            positions.append(word.start())
    return sorted(positions)


_YEAR = re.compile(r"[12]\d{3}")
_DAY_AFTER_MONTH = re.compile(rf"(?:\b(?:{MONTHS})[a-z]*\.?\s)$", re.IGNORECASE)
_DURATION_AFTER = re.compile(
    r"^\s(?:years?|months?|weeks?|days?|decades?|hours?|minutes?|seconds?|quarters?)\b",
    re.IGNORECASE,
)
_NAME_BEFORE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z]+\s$")
_FOOTNOTE_TAIL = re.compile(r"[%\d]\.\s?(?P<n>\d{1,2})\s*$")
_RANK_WORDS_BEFORE = re.compile(r"\b(?:rank(?:ed|s|ing)?(?: of)?|landing at)\s*$", re.IGNORECASE)


# ----------------------------------------------------------------------------- numbers


def _decimal_number(token: str) -> float | None:
    """'66,635' -> 66635; '12,5' -> 12.5 (a comma before other than 3 digits is decimal);
    '1.234,5' -> 1234.5 (with both marks the last is decimal); '1.913' -> 1.913."""
    sign = -1.0 if token.startswith("-") else 1.0
    token = token.lstrip("+-")
    if "," in token and "." in token:
        decimal_mark = "," if token.rfind(",") > token.rfind(".") else "."
        group_mark = "." if decimal_mark == "," else ","
        token = token.replace(group_mark, "").replace(decimal_mark, ".")
    elif "," in token:
        groups = token.split(",")
        if len(groups) == 2 and len(groups[1]) != 3:
            token = token.replace(",", ".")
        elif all(len(g) == 3 for g in groups[1:]):
            token = token.replace(",", "")
        else:
            return None
    elif token.count(".") > 1:
        if not all(len(g) == 3 for g in token.split(".")[1:]):
            return None
        token = token.replace(".", "")
    try:
        return sign * float(token)
    except ValueError:
        return None


def _word_number(text: str) -> float | None:
    """'seventy', 'twenty-five', 'a' (before a scale) -> float."""
    words = text.lower().replace("-", " ").split()
    if words == ["a"] or words == ["an"]:
        return 1.0
    if not words or any(w not in NUMBER_WORDS for w in words):
        return None
    return float(sum(NUMBER_WORDS[w] for w in words))


def _amount(text: str | None) -> float | None:
    if text is None:
        return None
    text = text.strip()
    return _decimal_number(text) if text[:1].isdigit() or text[:1] in "+-" else _word_number(text)


def _ordinal_word(text: str) -> int:
    words = text.lower().replace("-", " ").split()
    return sum(NUMBER_WORDS.get(w, ORDINAL_WORDS.get(w, 0)) for w in words)


def _times(value: float, factor: float) -> float:
    return float(Decimal(repr(value)) * Decimal(repr(factor)))


@dataclass(frozen=True)
class _Reading:
    """A form matched in the text, before its context is read."""

    start: int
    end: int
    value: float
    unit: str
    low: float | None = None
    high: float | None = None
    currency: str | None = None
    signed: bool = False  # the number carries its own sign
    restates_share: bool = False  # "One in five (21%)": the percent restates a fraction
    verb: bool = False  # "doubled", "quadrupling": a change by itself


def _read_match(match: re.Match, text: str) -> _Reading | None:
    kind = match.lastgroup
    g = match.group
    start, end = match.span()
    if kind == "money":
        number = _decimal_number(g("m_num") or g("m_num2"))
        scale = (g("m_scale") or g("m_scale2") or "").strip().lower()
        code = CURRENCIES.get(
            (g("m_code") or match.group(0).split()[0].rstrip("0123456789.,")).lower().strip()
        )
        if number is None:
            return None
        value = _times(number, SCALES[scale]) if scale else number
        return _Reading(start, end, value, "currency", currency=code or "USD")
    if kind in ("range", "between"):
        low = _decimal_number(g("r_lo") or g("b_lo"))
        high = _decimal_number(g("r_hi") or g("b_hi"))
        if low is None or high is None or low >= high:
            return None
        mid = float((Decimal(repr(low)) + Decimal(repr(high))) / 2)
        return _Reading(start, end, mid, "percent", low=low, high=high)
    if kind == "percent":
        value = _amount(g("p_num"))
        return (
            None
            if value is None
            else _Reading(start, end, value, "percent", signed=g("p_num")[:1] in "+-")
        )
    if kind == "multiple":
        if g("x_word"):
            word = g("x_word").lower()
            return _Reading(
                start, end, MULTIPLE_WORDS[word], "multiple", verb=word in GROWTH_VERB_MULTIPLES
            )
        value = _amount(g("x_num") or g("f_num") or g("t_num") or g("fa_num"))
        return None if value is None else _Reading(start, end, value, "multiple")
    if kind == "fraction":
        if g("fw_d"):
            numerator = (
                1.0 if g("fw_n").lower() in ("a", "one") else float(NUMBER_WORDS[g("fw_n").lower()])
            )
            return _Reading(start, end, numerator / FRACTION_WORDS[g("fw_d").lower()], "fraction")
        if g("pm_num"):
            value = _decimal_number(g("pm_num"))
            den = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9}[
                g("pm_den").lower()
            ]
            return None if value is None else _Reading(start, end, value / den, "fraction")
        if g("n_num") is None:  # "half of"
            return _Reading(start, end, 0.5, "fraction")
        part, whole = _amount(g("n_num")), _amount(g("n_den"))
        if part is None or not whole or (_YEAR.fullmatch(g("n_den")) and "," not in g("n_den")):
            return None
        if _RANK_WORDS_BEFORE.search(text[max(0, start - 24) : start]):
            return _Reading(start, start + len(g("n_num")), part, "rank")
        return _Reading(start, end, part / whole, "fraction")
    if kind == "ordinal":
        value = (
            _decimal_number(g("o_num"))
            if g("o_num")
            else _ordinal_word(g("o_word") or g("o_word2"))
        )
        return None if not value else _Reading(start, end, float(value), "rank")
    if kind == "rankchange":
        value = _amount(g("rc_num"))
        return None if value is None else _Reading(start, end, value, "rank_change")
    if kind == "scaled":
        number = _amount(g("s_num"))
        scale = g("s_scale").strip().lower()
        return (
            None if number is None else _Reading(start, end, _times(number, SCALES[scale]), "count")
        )
    number = _decimal_number(g("number"))
    if number is None:
        return None
    return _Reading(start, end, number, "number", signed=g("number")[:1] in "+-")


def _not_a_figure(reading: _Reading, text: str) -> bool:
    """Years, days after a month, durations and footnote numbers look like numbers but are not figures."""
    token = text[reading.start : reading.end]
    if reading.unit == "number":
        if _YEAR.fullmatch(token.lstrip("+")) and 1800 <= reading.value <= 2199:
            return True
        if (
            _DAY_AFTER_MONTH.search(text[max(0, reading.start - 12) : reading.start])
            and reading.value <= 31
        ):
            return True
        if (tail := _FOOTNOTE_TAIL.search(text)) and tail.start("n") == reading.start:
            return True
    if (
        reading.unit == "number"
        and _NAME_BEFORE.search(text[max(0, reading.start - 40) : reading.start])
        and re.match(r"\s+[a-z]", text[reading.end :])
    ):
        return True  # "Microsoft 365 and", "Windows 11 users": part of a name
    if reading.unit == "number" and _misspelled_unit(text[reading.end : reading.end + 16]):
        return True  # "17 per cnet": the cell reader says what it cannot read, with a suggestion
    return bool(reading.unit in ("number", "count") and _DURATION_AFTER.match(text[reading.end :]))


_UNIT_WORDS = ("per cent", "percent", "pct", "times", "fold", "thousand", "million", "billion")


def _misspelled_unit(after: str) -> bool:
    words = after.lower().split()
    candidates = [" ".join(words[:2]), words[0]] if words else []
    return any(
        c not in _UNIT_WORDS and difflib.get_close_matches(c, _UNIT_WORDS, n=1, cutoff=0.75)
        for c in candidates
        if len(c) >= 4
    )


def unit_typo(text: str) -> tuple[str, str] | None:
    """The first misspelled unit after a number and its likely spelling: '(17 per cnet)' ->
    ('per cnet', 'per cent'); for messages that name the manifest correction."""
    for match in re.finditer(r"\d(?:[\d,.]*\d)?\s+(\S+(?:\s\S+)?)", text):
        words = match.group(1).lower().strip("().,;").split()
        for candidate in (" ".join(words[:2]), words[0]) if words else ():
            if len(candidate) >= 4 and candidate not in _UNIT_WORDS:
                close = difflib.get_close_matches(candidate, _UNIT_WORDS, n=1, cutoff=0.75)
                if close:
                    return candidate, close[0]
    return None


# ----------------------------------------------------------------------------- context


def _end_pattern(spec: str) -> re.Pattern:
    return re.compile(rf"(?:^|(?<=[\s(,]))(?:{spec})\s*$", re.IGNORECASE)


_QUALIFIER_END = {kind: _end_pattern(words) for kind, words in QUALIFIERS.items()}
_FILLER_END = _end_pattern(FILLERS)
_LEVEL_END = _end_pattern(f"{LEVEL_VERBS}|to|from|at")
_LEVEL_VERB_END = re.compile(rf"{LEVEL_VERBS}\s*$", re.IGNORECASE)
_CHANGE_OF_END = {sign: _end_pattern(words) for sign, words in CHANGE_OF.items()}
_BY_END = _end_pattern("by")
_DIRECTION_END = {sign: _end_pattern(words) for sign, words in DIRECTIONS.items()}
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
_RATIO_AFTER = re.compile(r"^\s*(?:[\w-]+\s){0,3}?(?:for every|per)\s", re.IGNORECASE)
_MULTIPLE_PEER_AFTER = re.compile(r"^\s*(?:the|than)\b", re.IGNORECASE)
# Every comparison pattern holds one of these words: a cheap test before the full patterns.
_COMPARISON_CUE = re.compile(
    r"year|month|quarter|yoy|mom|qoq|/|average|baseline|level|from|since|relative|compared|"
    r"versus|vs|between|past|last|peak|ago",
    re.IGNORECASE,
)
_COMPARISON_ANY = re.compile(
    "|".join(f"(?P<{code}>{pattern})" for code, pattern in COMPARISONS), re.IGNORECASE
)
_SHARE_AFTER = re.compile(r"^\s*(?:of\b|share\b)", re.IGNORECASE)
_SHARE_BEFORE = re.compile(
    r"\b(?:share of|accounted for|accounting for|accounts for|top)\s*$", re.IGNORECASE
)
_INDEX_BEFORE = re.compile(r"\bindex\b|index-wert", re.IGNORECASE)
_LIST_GAP = re.compile(r"^\s*(?:,|and|or|&|, and|, or)\s*$", re.IGNORECASE)
_RESTATED = re.compile(r"^\s*(?:[\w'-]+\s){0,3}\(\s*$")
_CLAUSE_END = re.compile(
    r"(?<![A-Z][a-z]{2})(?<![A-Z][a-z]{3})(?<!\b[A-Za-z])[.;!?](?:\s|$)|\bbut\b"
)
_GROWTH_GRAMMAR = re.compile(
    r"\b(?:by|up|increas\w*|grew|grow\w*|rose|ris\w+|jump\w*|surg\w*)\s*(?:nearly|almost|more than|over|about)?\s*(?:a\s)?$",
    re.IGNORECASE,
)

_PERIOD = re.compile(
    rf"""
    (?P<span>(?:from|between)\s(?P<sa>(?:(?:{MONTHS})[a-z]*\.?\s)?\d{{4}})\s(?:to|and|-)\s(?P<sb>(?:(?:{MONTHS})[a-z]*\.?\s)?\d{{4}}))
    |(?P<base>(?:from|since|relative\sto|compared\s(?:to|with)|versus|vs\.?|above|below)\s(?:the\s)?(?:[\w'-]+\s){{0,3}}?\(?
        (?:(?:early|mid|late|end\sof)[\s-])?(?:(?:q[1-4]|h[12])\s?\d{{4}}|(?:{MONTHS})[a-z]*\.?(?:\s\d{{1,2}},?)?(?:\s\d{{4}})?|fy\s?\d{{2,4}}|\d{{4}})(?![-/]\d))
    |(?P<vague>(?:early|mid|late|end\sof|start\sof|beginning\sof)[\s-](?:(?:{MONTHS})[a-z]*\s?)?(?:\d{{4}}|(?=\b)))
    |(?P<quarter>(?:the\s)?(?P<qn>first|second|third|fourth)\s(?P<qk>quarter|half)\sof\s(?P<qy>\d{{4}}))
    |(?P<plain>(?:(?P<by>by)\s)?(?:\b(?:q[1-4]|h[12])\s?\d{{4}}|\bfy\s?\d{{2,4}}|\b(?:{MONTHS})[a-z]*\.?\s\d{{4}}
        |\(?\d{{4}}\s?[-/]\s?(?:\d{{4}}|\d{{2}})\b\)?|(?<![\d,.])\d{{4}}(?!\d|%|,\d))(?:\s(?:period|vs\.?\s\d{{4}}))?)
    |(?P<month>\b(?:in|during|by|for)\s(?:{_MONTH_NAMES})\b(?!\s\d{{4}}))
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SPAN = re.compile(
    rf"\b(?:from|between)\s(?:(?:{MONTHS})[a-z]*\.?\s)?\d{{4}}\s(?:to|and|-)\s(?:(?:{MONTHS})[a-z]*\.?\s)?\d{{4}}"
    r"|\bfrom\s\d{4}\s?-\s?\d{2,4}\b",
    re.IGNORECASE,
)
_WINDOW = re.compile(
    r"(?:over|in) the (?:past|last) (?:year|12 months|month|quarter)|in one year|^\s*a year\b",
    re.IGNORECASE,
)
_PERIOD_CUE = re.compile(rf"\d{{4}}|\b(?:{_MONTH_NAMES}|{MONTHS})\b", re.IGNORECASE)
_QUARTER_NUMBER = {"first": 1, "second": 2, "third": 3, "fourth": 4}


def _strip_left(left: str) -> tuple[str, int, bool, str]:
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
            found &= (
                _WINDOW_COMPARISONS  # "up from last year's 9%": words of this figure's own time
            )
        for code, _ in COMPARISONS:
            if code in found:
                return code, side
    return None, ""


def _period_words(right: str, left: str) -> tuple[str | None, bool]:
    """The period phrase tied to a figure, and whether it is a horizon ('by 2030')."""
    for text in (right, left):
        if not _PERIOD_CUE.search(text):
            continue
        for match in _PERIOD.finditer(text):
            kind = match.lastgroup
            if kind == "base":
                continue
            phrase = match.group(0).strip(" ,()")
            if kind == "plain" and match.group("by"):
                return phrase, True
            return phrase, False
    return None, False


def period_phrase_to_text(phrase: str) -> str | None:
    """Period words -> a form the period parser reads: 'the third quarter of 2024' -> 'Q3 2024'.

    None when the words cannot be bounded ('early 2024', 'mid-2025', 'in May' without a year).
    """
    text = " ".join(phrase.replace("(", " ").replace(")", " ").split())
    if match := re.fullmatch(
        r"(?:the )?(first|second|third|fourth) (quarter|half) of (\d{4})", text, re.I
    ):
        kind = "Q" if match[2].lower() == "quarter" else "H"
        return f"{kind}{_QUARTER_NUMBER[match[1].lower()]} {match[3]}"
    text = re.sub(r"^(?:in|during|for|by|of|through|as of)\s", "", text, flags=re.I)
    text = re.sub(r"\s(?:period)$", "", text, flags=re.I)
    text = re.sub(r"\s(?:vs\.?|versus)\s\d{4}$", "", text, flags=re.I)
    if match := re.fullmatch(r"(?:from|between)\s(.+?)\s(?:to|and|-)\s(.+)", text, re.I):
        return f"{match[1]} to {match[2]}"
    if re.match(r"(?:early|mid|late|start of|beginning of)\b", text, re.I):
        return None
    if match := re.fullmatch(rf"end of ((?:{MONTHS})[a-z]*\.? \d{{4}})", text, re.I):
        return match[1]
    if not re.search(r"\d{4}|\bfy\s?\d{2}", text, re.I):
        return None
    return text


def figure_period(figure: Figure) -> Period | None:
    """The period the figure's own words name, as (start, end, label); None when there are none
    or they cannot be bounded (the caller keeps the value and reports period_text)."""
    if figure.period_text is None:
        return None
    text = period_phrase_to_text(figure.period_text)
    return None if text is None else parse_period(text)


def _measure_hint(
    reading: _Reading,
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
    if _INDEX_BEFORE.search(left, max(0, len(left) - 40)) or re.match(r"^\s*punkte", right, re.I):
        return "index"
    if _RATIO_AFTER.match(right):
        return "ratio"  # "2.4 unemployed workers for every job opening"
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


def _readings(text: str) -> list[_Reading]:
    readings = []
    position = 0
    # FORMS is tried only where a figure can start (a digit, a sign, a number word): ~10x faster.
    for start in _anchor_positions(text):
        if start < position:
            continue
        match = FORMS.match(text, start)
        reading = None if match is None else _read_match(match, text)
        if reading is None:  # no form here, or one that does not hold (a range "2022 to 27%")
            continue
        if not _not_a_figure(reading, text):
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
    norm = text.translate(_ONE_CHAR)
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
    norm: str, text: str, reading: _Reading, left: str, right: str, listed: Figure | None
) -> Figure:
    # The words that qualify a figure sit near it; periods may open a long clause ("From 2019 to
    # 2024 job adverts in highly exposed occupations grew 38%").
    period_left, period_right = left[-120:], right[:120]
    left, right = left[-70:], right[:120]
    qualifier, direction, level, rest = _strip_left(left)
    if direction == 0 and not level:
        direction = _nearby_direction(rest)
    change = None if level else _CHANGE_AFTER.match(right)
    if change:
        direction = direction or (-1 if change.group("neg") else 1)
    if _BELOW_AFTER.match(right) and reading.unit in ("percent", "rank_change"):
        direction = -1
    comparison, side = _comparison(_SPAN.sub(" ", right), "" if level else _SPAN.sub(" ", left))
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
    if level:
        direction = 0
        growthy = reading.verb
        if comparison == "vs_prior_period":
            comparison = None  # "from 27% to 29% between February and March": levels at two times
    window = _WINDOW.search(right if side == "right" else left)
    growth_words = unit == "percent" and _GROWTH_GRAMMAR.search(left, max(0, len(left) - 40))
    if comparison in _WINDOW_COMPARISONS and window and not growthy and not growth_words:
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
    period, horizon = _period_words(period_right, period_left)
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
        for m in _WORD.finditer(text)
    )


# ----------------------------------------------------------------------------- in a measure


def in_measure(figure: Figure, measure: str) -> float | None:
    """The figure's value on the scale of a measure (flows/normalize/measures.py), or None when
    the measure does not take this form; bounds are checked by the caller."""
    convert = REGISTRY[measure].forms.get(_FORM_OF_UNIT.get(figure.unit, figure.unit))
    return None if convert is None else convert(figure.value)


_FORM_OF_UNIT = {"rank": "ordinal"}


# ----------------------------------------------------------------------------- for the table normalizer

FIGURE_ROWS_SCHEMA = pa.schema(
    [
        ("source_text", pa.string()),
        ("declared_measure", pa.string()),
        ("figure_index", pa.int32()),
        ("measure", pa.string()),
        ("value", pa.float64()),
        ("value_low", pa.float64()),
        ("value_high", pa.float64()),
        ("value_qualifier", pa.string()),
        ("unit", pa.string()),
        ("currency", pa.string()),
        ("comparison", pa.string()),
        ("span_start", pa.int32()),
        ("span_end", pa.int32()),
        ("figure_period_start", pa.date32()),
        ("figure_period_end", pa.date32()),
        ("figure_period_text", pa.string()),
        ("horizon", pa.bool_()),
        ("reason_code", pa.string()),
        ("message", pa.string()),
    ]
)
_ACCOUNTING_NEGATIVE = re.compile(r"\(\s*[\d.,]+\s*%?\s*\)")


def figure_rows(
    texts: list[str], declared: str, accounting_negatives: bool = False
) -> dict[str, list[dict]]:
    """text -> one row per figure in it (FIGURE_ROWS_SCHEMA), for a table that declares `declared`.

    The words of a figure choose its measure when they say one ("27% of postings" is a share even
    in a growth table); a bare figure takes the declared measure. Texts without figures are left
    out: the caller reads them as single values (missing markers, periods, prose).
    """
    rows: dict[str, list[dict]] = {}
    for text in texts:
        figures = find_figures(text)
        if not figures:
            continue
        negative = accounting_negatives and _ACCOUNTING_NEGATIVE.fullmatch(text.strip())
        rows[text] = [
            _figure_row(text, declared, index, figure, bool(negative))
            for index, figure in enumerate(figures)
        ]
    return rows


def _figure_row(text: str, declared: str, index: int, figure: Figure, negative: bool) -> dict:
    measure = figure.measure_hint or declared
    value = in_measure(figure, measure)
    if value is not None and negative:
        value = -value
    low, high = (
        (
            in_measure(_with_value(figure, figure.low), measure),
            in_measure(_with_value(figure, figure.high), measure),
        )
        if figure.low is not None and figure.high is not None
        else (None, None)
    )
    period = figure_period(figure)
    row = {
        "source_text": text,
        "declared_measure": declared,
        "figure_index": index,
        "measure": measure,
        "value": value,
        "value_low": low,
        "value_high": high,
        "value_qualifier": figure.qualifier,
        "unit": figure.unit,
        "currency": figure.currency,
        "comparison": figure.comparison,
        "span_start": figure.start,
        "span_end": figure.end,
        "figure_period_start": period[0] if period else None,
        "figure_period_end": period[1] if period else None,
        "figure_period_text": figure.period_text,
        "horizon": figure.horizon,
        "reason_code": None,
        "message": None,
    }
    kind = REGISTRY[measure]
    where = f'"{figure.text}" (characters {figure.start}-{figure.end} of "{_short(text)}")'
    if value is None:
        row |= {
            "reason_code": "measure_mismatch",
            "message": f"{where} is printed as {figure.unit}, which a {measure} figure cannot be; "
            f"if this row holds another measure, name it in a column and map it as columns.measure "
            f"in report.toml (or declare measure = ... for the table)",
        }
    elif not kind.fits(value):
        row |= {
            "reason_code": "out_of_range",
            "message": f"{where} reads as {value:g}, {kind.problem}, which cannot be a {measure} "
            "value; check the declared measure, columns.measure, or the mapped value column",
        }
    if row["reason_code"]:
        row |= {"value": None, "value_low": None, "value_high": None}
    return row


def _with_value(figure: Figure, value: float | None) -> Figure:
    return Figure(
        figure.start, figure.end, figure.text, value if value is not None else figure.value,
        None, None, figure.qualifier, figure.unit, figure.currency, figure.comparison,
        figure.measure_hint, figure.period_text, figure.horizon,
    )  # fmt: skip


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


_MEASURE_WORDS = (
    ("share_pct", r"\bshare|\bproportion|\bpercent(?:age)? of|% of|\bpenetration"),
    (
        "growth_pct",
        r"\bgrowth|\bchange|\bincrease|\bdecline|\byoy\b|\bmom\b|\bqoq\b|\brise\b|over[- ]year",
    ),
    ("rank_change", r"\brank(?:ing)? change|\bplaces? moved|\bmovement"),
    ("rank", r"\brank|\bposition|\bplace\b"),
    ("money", r"\bsalary|\bwage|\bpay\b|\brevenue|\bspend|\bearnings|\busd\b|\$|€|£|\bmoney"),
    ("index", r"\bindex"),
    ("ratio", r"\bratio|\bmultiple|\btimes\b"),
    ("count", r"\bcount|\bnumber|\bpostings|\bjobs\b|\bworkers|\bhires|\bvolume"),
)


@lru_cache(maxsize=1024)
def measure_from_words(text: str | None) -> str | None:
    """A measure named in a cell of the columns.measure column: 'share_pct', 'YoY growth',
    'Share of postings', 'Number of jobs' -> the measure; None when the words name none."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip().lower()
    if cleaned in REGISTRY:
        return cleaned
    for measure, pattern in _MEASURE_WORDS:
        if re.search(pattern, cleaned):
            return measure
    return None


_LABEL_SEPARATOR = re.compile(r"(?:\s[-–—:|]\s?|:\s|,\s|\s?\()\s*$")


def split_label(text: str) -> tuple[str, str, int]:
    """'Germany (3.1%)' -> ('Germany', '(3.1%)', 8); 'Prompt engineering - up 48%' ->
    ('Prompt engineering', 'up 48%', 21): the label, the value words, and where they start.
    A cell without a figure is all label (its value is then blank)."""
    figures = find_figures(text)
    if not figures:
        return text.strip(), "", len(text)
    norm = text.translate(_ONE_CHAR)
    _, _, _, rest = _strip_left(norm[: figures[0].start])
    cut = len(rest.rstrip())
    label = rest.rstrip()
    if separator := _LABEL_SEPARATOR.search(label):
        label = label[: separator.start()]
        cut = separator.start()
    value = text[cut:].strip(" -–—:|,")
    offset = text.index(value, cut) if value else len(text)
    return label.strip(" -–—:|,"), value, offset
