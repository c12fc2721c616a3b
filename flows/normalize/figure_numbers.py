"""One matched printed form -> a number: digits, number words, amounts, units, and what is not a figure."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from decimal import Decimal

from flows.normalize.figure_words import (
    CURRENCIES,
    CURRENCY_MARK,
    DATE_SLASH_AFTER,
    DATE_SLASH_BEFORE,
    DAY_AFTER_MONTH,
    DURATION_AFTER,
    FOOTNOTE_TAIL,
    FRACTION_WORDS,
    GROWTH_VERB_MULTIPLES,
    MULTIPLE_WORDS,
    NAME_BEFORE,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    RANK_WORDS_BEFORE,
    SCALES,
    YEAR,
    YEAR_AFTER_DAY,
)

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
class Reading:
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
    bare_dollar: bool = False  # "$" alone: USD unless the report names its currency


def read_match(match: re.Match, text: str) -> Reading | None:
    kind = match.lastgroup
    g = match.group
    start, end = match.span()
    if kind == "mrange":
        return _money_range(match)
    if kind == "money":
        number = _decimal_number(g("m_num") or g("m_num2"))
        scale = (g("m_scale") or g("m_scale2") or "").strip().lower()
        mark = (g("m_code") or CURRENCY_MARK.search(match.group(0)).group(0)).lower().strip()
        code = CURRENCIES.get(mark)
        if number is None:
            return None
        value = _times(number, SCALES[scale]) if scale else number
        return Reading(
            start, end, value, "currency", currency=code or "USD", bare_dollar=mark == "$"
        )
    if kind in ("range", "between"):
        low = _decimal_number(g("r_lo") or g("b_lo"))
        high = _decimal_number(g("r_hi") or g("b_hi"))
        if low is None or high is None or low >= high:
            return None
        mid = float((Decimal(repr(low)) + Decimal(repr(high))) / 2)
        return Reading(start, end, mid, "percent", low=low, high=high)
    if kind == "nbetween":  # "between 12,000 and 16,000 vacancies"
        lo, hi = _decimal_number(g("nb_lo")), _decimal_number(g("nb_hi"))
        if lo is None or hi is None:
            return None
        low, high = _scaled(lo, g("nb_lo_scale") or g("nb_scale")), _scaled(hi, g("nb_scale"))
        if low >= high:
            return None
        mid = float((Decimal(repr(low)) + Decimal(repr(high))) / 2)
        unit = "count" if g("nb_scale") else "number"
        return Reading(start, end, mid, unit, low=low, high=high)
    if kind == "percent":
        value = _amount(g("p_num"))
        return (
            None
            if value is None
            else Reading(start, end, value, "percent", signed=g("p_num")[:1] in "+-")
        )
    if kind == "multiple":
        if g("x_word"):
            word = g("x_word").lower()
            return Reading(
                start, end, MULTIPLE_WORDS[word], "multiple", verb=word in GROWTH_VERB_MULTIPLES
            )
        value = _amount(g("x_num") or g("f_num") or g("t_num") or g("fa_num"))
        return None if value is None else Reading(start, end, value, "multiple")
    if kind == "points":  # "0.7 percentage points": kept apart, never a percent
        if g("pt_wnum"):  # "one percentage point", "nearly five percentage points"
            value = _word_number(g("pt_wnum"))
            return None if value is None else Reading(start, end, value, "points")
        ends = [
            _decimal_number(g("pt_lo") or g("ptb_lo") or g("pt_num")),
            _decimal_number(g("pt_num")),
        ]
        if None in ends or ends[0] > ends[1]:
            return None
        if re.search(r"basis|bps", g("points"), re.IGNORECASE):
            ends = [float(Decimal(repr(point)) / 100) for point in ends]  # 30 bps are 0.3 points
        low, high = ends
        if low == high:
            return Reading(start, end, high, "points", signed=g("pt_num")[:1] in "+-")
        mid = float((Decimal(repr(low)) + Decimal(repr(high))) / 2)
        return Reading(start, end, mid, "points", low=low, high=high)
    if kind == "fraction":
        if g("fq_d") or g(
            "fq_d2"
        ):  # "a quarter", "three quarters of"; "the past four quarters" is time
            numerator = float(NUMBER_WORDS[g("fq_n2").lower()]) if g("fq_n2") else 1.0
            return Reading(start, end, numerator / 4, "fraction")
        if g("fw_d"):
            numerator = (
                1.0 if g("fw_n").lower() in ("a", "one") else float(NUMBER_WORDS[g("fw_n").lower()])
            )
            return Reading(start, end, numerator / FRACTION_WORDS[g("fw_d").lower()], "fraction")
        if g("pm_num"):
            value = _decimal_number(g("pm_num"))
            den = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9}[
                g("pm_den").lower()
            ]
            return None if value is None else Reading(start, end, value / den, "fraction")
        if g("n_num") is None:  # "half of"
            return Reading(start, end, 0.5, "fraction")
        part, whole = _amount(g("n_num")), _amount(g("n_den"))
        if part is None or not whole or (YEAR.fullmatch(g("n_den")) and "," not in g("n_den")):
            return None
        if RANK_WORDS_BEFORE.search(text[max(0, start - 24) : start]):
            return Reading(start, start + len(g("n_num")), part, "rank")
        return Reading(start, end, part / whole, "fraction")
    if kind == "ordinal":
        value = (
            _decimal_number(g("o_num"))
            if g("o_num")
            else _ordinal_word(g("o_word") or g("o_word2"))
        )
        return None if not value else Reading(start, end, float(value), "rank")
    if kind == "rankchange":
        value = _amount(g("rc_num"))
        return None if value is None else Reading(start, end, value, "rank_change")
    if kind == "scaled":
        number = _amount(g("s_num"))
        scale = g("s_scale").strip().lower()
        return (
            None if number is None else Reading(start, end, _times(number, SCALES[scale]), "count")
        )
    number = _decimal_number(g("number"))
    if number is None:
        return None
    return Reading(start, end, number, "number", signed=g("number")[:1] in "+-")


def _money_range(match: re.Match) -> Reading | None:
    """'$91 billion to $93 billion', '$91-93 billion', 'between $70 billion and $72 billion': both
    ends in the currency; a scale printed once applies to both. Ends that do not make a range
    ('$5 million to 20 startups') leave the first amount alone."""
    part = "mb" if match.group("mb_lo") is not None else "mr"
    lo, hi = match.group(f"{part}_lo"), match.group(f"{part}_hi")
    lo_scale, hi_scale = match.group(f"{part}_lo_scale"), match.group(f"{part}_scale")
    mark = CURRENCY_MARK.search(match.group(0)).group(0).lower().strip()
    code = CURRENCIES.get(mark, "USD")
    bare = mark == "$"
    low, high = _decimal_number(lo), _decimal_number(hi)
    if low is None:
        return None
    if high is not None and (hi_scale or not lo_scale):
        low = _scaled(low, lo_scale or hi_scale)
        high = _scaled(high, hi_scale)
        if low < high:
            mid = float((Decimal(repr(low)) + Decimal(repr(high))) / 2)
            return Reading(
                *match.span(), mid, "currency", low=low, high=high, currency=code, bare_dollar=bare
            )
    end = match.end(f"{part}_lo_scale") if lo_scale else match.end(f"{part}_lo")
    value = _scaled(low, lo_scale)
    return Reading(match.start(), end, value, "currency", currency=code, bare_dollar=bare)


def _scaled(number: float, scale: str | None) -> float:
    return _times(number, SCALES[scale.strip().lower()]) if scale else number


def not_a_figure(reading: Reading, text: str) -> bool:
    """Years, days after a month, durations and footnote numbers look like numbers but are not figures."""
    token = text[reading.start : reading.end]
    if reading.unit == "number":
        if YEAR.fullmatch(token.lstrip("+")) and 1800 <= reading.value <= 2199:
            return True
        if (
            DAY_AFTER_MONTH.search(text[max(0, reading.start - 12) : reading.start])
            and reading.value <= 31
        ):
            return True
        if reading.value <= 31 and YEAR_AFTER_DAY.match(text, reading.end):
            return True  # "April 11 to 21, 2023": a day of a date
        if (tail := FOOTNOTE_TAIL.search(text)) and tail.start("n") == reading.start:
            return True
        if DATE_SLASH_AFTER.match(text, reading.end) or DATE_SLASH_BEFORE.search(
            text, max(0, reading.start - 3), reading.start
        ):
            return True  # "as of Fri 6/4": a month/day date
    if (
        reading.unit == "number"
        and NAME_BEFORE.search(text[max(0, reading.start - 40) : reading.start])
        and re.match(r"\s+[a-z]", text[reading.end :])
    ):
        return True  # "Microsoft 365 and", "Windows 11 users": part of a name
    if reading.unit == "number" and _misspelled_unit(text[reading.end : reading.end + 16]):
        return True  # "17 per cnet": the cell reader says what it cannot read, with a suggestion
    return bool(reading.unit in ("number", "count") and DURATION_AFTER.match(text[reading.end :]))


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
