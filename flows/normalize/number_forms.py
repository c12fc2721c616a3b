"""The printed forms of a number's core (percent, multiple, scaled count, currency, fraction, N in M, rank, words, range) -> value and form."""

from __future__ import annotations

import re
from collections.abc import Callable

from flows.normalize.measures import exact_decimal
from flows.normalize.number_tokens import NUMBER_TOKEN, amount, number, phrases, word_number, words

# ----------------------------------------------------------------------------- forms
# Each reader takes the core (no sign, no qualifier) and returns (value, form) or None.

_PERCENT = re.compile(r"(?P<n>.+?)\s*(?:%|per\s?cent|percent|pct\.?|pc)")
_MULTIPLE = re.compile(rf"(?P<n>{NUMBER_TOKEN})\s*x|x\s*(?P<m>{NUMBER_TOKEN})")
_TIMES = re.compile(r"(?P<n>.+?)(?:\s*-?\s*fold|\s+times)")
_MULTIPLE_WORDS = {"twice": 2.0, "thrice": 3.0, "double": 2.0, "doubled": 2.0, "doubling": 2.0}
_MULTIPLE_WORDS |= {"triple": 3.0, "tripled": 3.0, "quadrupled": 4.0, "halved": 0.5}
SCALE_SUFFIXES = dict.fromkeys(words("k|thousand"), 10**3)
SCALE_SUFFIXES |= dict.fromkeys(words("m|mn|mio|mil|million|millions"), 10**6)
SCALE_SUFFIXES |= dict.fromkeys(words("b|bn|billion|billions"), 10**9)
SCALE_SUFFIXES |= dict.fromkeys(words("tn|trillion"), 10**12)
_SCALED = re.compile(rf"(?P<n>{NUMBER_TOKEN})\s*(?P<scale>{phrases(*SCALE_SUFFIXES)})\.?")
_CURRENCY = re.compile(
    r"(?:(?:us\$|a\$|c\$|\$|€|£|¥|₹|usd|eur|gbp|jpy|inr)\s*(?P<pre>.+)"
    r"|(?P<post>.+?)\s*(?:\$|€|£|usd|eur|gbp|jpy|inr|dollars|euros|pounds))"
)
_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "quarter": 4, "fourth": 4, "fifth": 5}
_DENOMINATORS |= {"sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
_FRACTION_WORD = re.compile(
    rf"(?:(?P<n>a|an|one|two|three|four|five|six|seven|eight|nine|\d+)[\s-]+)?"
    rf"(?P<d>{phrases(*_DENOMINATORS)})s?"
)
_N_IN_M = re.compile(r"(?P<n>.+?)\s+(?:in|out\s+of|of|per|for)(?:\s+every)?\s+(?P<m>.+)")
_ORDINAL_WORDS = {
    word: n
    for n, word in enumerate(
        words("first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh")
        + words("twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth")
        + words("nineteenth|twentieth"),
        1,
    )
}
_RANK = re.compile(
    r"(?P<mark>#|no\.?|number|rank(?:ed)?|tied|joint|equal|=|t-?)?\s*"
    r"(?P<n>\d+|" + phrases(*_ORDINAL_WORDS) + r")\s*(?P<suffix>st|nd|rd|th)?\s*(?P<tie>=)?"
)


SIMPLE_NUMBER = r"(?P<n>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<pct>%?)"
_SIMPLE = re.compile(SIMPLE_NUMBER)


def _read_simple(core: str) -> tuple[float, str] | None:
    """The common case in one regex: '1234', '12.5%', '66,635'."""
    match = _SIMPLE.fullmatch(core)
    if not match:
        return None
    return float(match["n"].replace(",", "")), "percent" if match["pct"] else "number"


def _read_plain(core: str) -> tuple[float, str] | None:
    value = number(core)
    return None if value is None else (value, "number")


def _read_percent(core: str) -> tuple[float, str] | None:
    match = _PERCENT.fullmatch(core)
    value = amount(match["n"]) if match else None
    return None if value is None else (value, "percent")


def _read_multiple(core: str) -> tuple[float, str] | None:
    if core in _MULTIPLE_WORDS:
        return _MULTIPLE_WORDS[core], "multiple"
    if match := _MULTIPLE.fullmatch(core):
        value = number(match["n"] or match["m"])
    elif match := _TIMES.fullmatch(core):
        value = amount(match["n"])
    else:
        return None
    return None if value is None else (value, "multiple")


def _read_scaled(core: str) -> tuple[float, str] | None:
    match = _SCALED.fullmatch(core)
    value = number(match["n"]) if match else None
    return (
        None
        if value is None
        else (float(exact_decimal(value) * SCALE_SUFFIXES[match["scale"]]), "count")
    )


def _read_currency(core: str) -> tuple[float, str] | None:
    match = _CURRENCY.fullmatch(core)
    if not match:
        return None
    printed = (match["pre"] or match["post"]).strip()
    found = _read_plain(printed) or _read_scaled(printed)
    return None if found is None else (found[0], "currency")


def _read_fraction_word(core: str) -> tuple[float, str] | None:
    match = _FRACTION_WORD.fullmatch(core)
    if not match or (match["n"] is None and match["d"] not in ("half", "quarter")):
        return None  # a bare "third" is a rank, read by _read_rank
    numerator = 1.0 if match["n"] in (None, "a", "an") else amount(match["n"])
    return None if numerator is None else (numerator / _DENOMINATORS[match["d"]], "fraction")


def _read_n_in_m(core: str) -> tuple[float, str] | None:
    match = _N_IN_M.fullmatch(core)
    if not match:
        return None
    part, whole = amount(match["n"]), amount(match["m"])
    if part is None or not whole:
        return None
    return part / whole, "fraction"


def _read_rank(core: str) -> tuple[float, str] | None:
    match = _RANK.fullmatch(core)
    if not match or not (
        match["mark"] or match["suffix"] or match["tie"] or not match["n"].isdigit()
    ):
        return None
    n = match["n"]
    return (float(n) if n.isdigit() else float(_ORDINAL_WORDS[n])), "ordinal"


def _read_words(core: str) -> tuple[float, str] | None:
    value = word_number(core)
    return None if value is None else (value, "number")


_READERS: tuple[Callable[[str], tuple[float, str] | None], ...] = (
    _read_simple,
    _read_plain,
    _read_percent,
    _read_multiple,
    _read_scaled,
    _read_currency,
    _read_fraction_word,
    _read_n_in_m,
    _read_rank,
    _read_words,
)


def read_form(core: str) -> tuple[float, str] | None:
    for reader in _READERS:
        if found := reader(core):
            return found
    return None


def _read_signed(text: str) -> tuple[float, str] | None:
    sign = -1.0 if text.startswith("-") else 1.0
    found = read_form(text.lstrip("+-").lstrip())
    return None if found is None else (sign * found[0], found[1])


_RANGE = re.compile(
    rf"(?P<low>[+-]?\s*{NUMBER_TOKEN})\s*(?P<low_unit>%|x)?\s*(?:-|to|and)\s*"
    rf"(?P<high>[+-]?\s*{NUMBER_TOKEN}(?P<high_unit>.*))"
)


def read_range(core: str) -> tuple[float, str] | None:
    """'20-30%', '20% to 30%', '3-5x' -> midpoint; both ends must be of one form."""
    match = _RANGE.fullmatch(core)
    if not match:
        return None
    high = _read_signed(match["high"])
    low = _read_signed(match["low"] + (match["low_unit"] or match["high_unit"]))
    if high is None or low is None or high[1] != low[1]:
        return None
    return float((exact_decimal(low[0]) + exact_decimal(high[0])) / 2), high[1]
