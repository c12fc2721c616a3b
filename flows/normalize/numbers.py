"""Printed numbers ("+329%", "3.5x", "41 per cent", "Half") -> value, qualifier, unit; periods -> dates."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import NamedTuple

from flows.normalize.number_forms import SCALE_SUFFIXES, SIMPLE_NUMBER, read_form, read_range
from flows.normalize.number_tokens import NUMBER_TOKEN, phrases, words
from flows.normalize.periods import parse_period
from flows.normalize.printed import FOOTNOTE_MARKS, QUOTES, SUPERSCRIPT_LETTERS, quote, toml_text

# How a text is read, in order, for one declared measure:
#   1. clean: whitespace (incl. no-break/thin spaces), surrounding quotes, footnote markers
#      ("329%*", "329%[1]", superscript digits), unicode minus and dashes, the multiplication
#      sign (read as "x"), letter case;
#   2. strip qualifier and direction words ("up over", "well above", "nearly", "down", "+");
#   3. read the core as one form: number, percent, multiple, scaled count, currency, fraction,
#      "N in M", rank ordinal or number words; failing that, a period ("2012-14", "1/1/18") is
#      rejected as `period_not_value` and a range ("20-30%") becomes its midpoint, qualifier approx;
#   4. conform the reading to the measure (convert, or reject as measure_mismatch / out_of_range).
#
# Decisions (kept here so the docs can quote them):
# - "nearly"/"almost" mean slightly less than: qualifier at_most.
# - "down 12%" is -12. After a direction word of decrease the qualifier is about the magnitude,
#   so "down more than 12%" is value -12, qualifier at_most (the change is -12 or lower).
# - A decimal comma is accepted when it cannot be a thousands separator: "12,5%" is 12.5, but
#   "12,500" (exactly three digits after the comma) is twelve thousand five hundred. With both
#   marks, the last one is the decimal mark ("1.234,5"). A dot alone is always decimal ("1.913").
# - A trailing "+" means at least ("66,000+"); a leading "+" is just the sign ("+329%").
# - A range ("20-30%", "between 20 and 30%") is read as its midpoint with qualifier approx; the
#   published text stays in source_text.
# - growth_pct: percent is percentage points of change ("+329%" -> 329); a multiple x is
#   converted to (x - 1) * 100 ("3.5x" -> 250) and keeps unit 'multiple' for lineage; a bare
#   number is taken as percent. Growth below -100% is out of range.
# - share_pct: percent, fractions ("Half" -> 50, "3 in 100,000" -> 0.003, unit 'fraction') and
#   bare numbers (taken as percent); must lie in 0..100.
# - count: bare or scaled numbers ("170 million"), whole and >= 0, unit 'count'.
# - rank: whole numbers >= 1, also "#3", "3rd", "No. 3", "=3", "T3", "third".
# - index: bare numbers only. ratio: multiples, fractions (as a ratio, "3 in 100,000" ->
#   0.00003) and bare numbers.
# - Currency is recognised only to say so: no measure holds money.

UNITS = ("percent", "multiple", "count", "currency", "fraction", "number")
QUALIFIERS = ("exact", "at_least", "at_most", "approx")


EXAMPLES = (
    "'41%', '+329%', 'up over 300%', '3.5x', '41 per cent', '170 million', 'Half' or '3 in 100,000'"
)


@dataclass(frozen=True, slots=True)
class Reading:
    """A printed value before a measure gives it meaning; `form` is a unit or 'ordinal'."""

    value: float
    qualifier: str
    form: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a text could not be read as a value."""

    reason_code: str
    message: str


# ----------------------------------------------------------------------------- cleaning


_CHARACTER_FIXES = str.maketrans(
    {
        "\u200b": None,  # zero-width space
        "\ufeff": None,  # byte-order mark
        "\u00ad": None,  # soft hyphen
        "\u2212": "-",  # minus sign
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\ufe63": "-",
        "\uff0d": "-",
        "\uff05": "%",
        "\u066a": "%",
        "\u00d7": "x",  # multiplication sign: "3.5" + U+00D7
        "\u2715": "x",
        "\u2716": "x",
    }
)
_FOOTNOTE_ENDINGS = frozenset(
    "]*†‡§¶\u00b9\u00b2\u00b3" + "".join(map(chr, range(0x2070, 0x207A))) + SUPERSCRIPT_LETTERS
)
_GROUP_SEPARATOR = re.compile(r"(?<=\d)[ '\u2019](?=\d{3}(?!\d))")  # "66 635", "1'234" (Swiss)
_TRAILING_PUNCTUATION = re.compile(r"[.,;:]+$")
_MISSING_MARKERS = frozenset(
    words("-|--|---|n/a|na|n.a.|n.a|n/d|nd|null|none|nan|..|...|x|*|**|***|:|?|not available")
    + words("not applicable|tbd|(x)|(na)|(d)")
)


def _clean(text: str) -> str:
    """Normalise what varies without meaning: spaces, quotes, dashes, case."""
    text = " ".join(text.translate(_CHARACTER_FIXES).split())  # split() knows unicode spaces
    return text.strip(QUOTES).strip().lower()


def _strip_markers(text: str) -> str:
    # The guards skip regexes that cannot match: most cells end in a digit or "%".
    if text[-1:] in _FOOTNOTE_ENDINGS:
        text = FOOTNOTE_MARKS.sub("", text)
    if text[-1:] in ".,;:":
        text = _TRAILING_PUNCTUATION.sub("", text).strip()
    if " " in text or "'" in text or "\u2019" in text:
        text = _GROUP_SEPARATOR.sub("", text)
    return text


# ----------------------------------------------------------------------------- numbers


# ----------------------------------------------------------------------------- qualifiers


_QUALIFIER_WORDS = {
    "at_least": words(
        "at least|more than|greater than|over|above|upwards of|in excess of|exceeding|"
        "no less than|not less than|>=|\u2265|>"
    ),
    "at_most": words(
        "up to|less than|fewer than|under|below|at most|no more than|not more than|nearly|"
        "almost|<=|\u2264|<"
    ),
    "approx": words(
        "about|around|roughly|approximately|approx.|approx|circa|ca.|c.|some|close to|"
        "an estimated|estimated|est.|~|\u2248|between"
    ),
}
_DIRECTION_WORDS = {
    1: words(
        "up|rose|risen|rising|increased|an increase of|increase of|grew|growth of|gained|"
        "jumped|surged|climbed"
    ),
    -1: words(
        "down|fell|fallen|falling|decreased|a decrease of|decrease of|declined|a decline of|"
        "decline of|dropped|a drop of|drop of|shrank|lost"
    ),
}
_SUFFIX_WORDS = {
    "at_least": words("+|or more|or higher|or above|and above|and over|and up|plus"),
    "at_most": words("or less|or fewer|or lower|and below|and under"),
    1: words(
        "yoy|y/y|y-o-y|year over year|year-over-year|year on year|year-on-year|growth|"
        "increase|rise|gain"
    ),
    -1: words("decline|decrease|drop|fall|loss"),
}
_KIND_OF_PHRASE: dict[str, str | int] = {
    " ".join(w.split()): kind
    for table in (_QUALIFIER_WORDS, _DIRECTION_WORDS, _SUFFIX_WORDS)
    for kind, words in table.items()
    for w in words
}
_PREFIX_WORDS = [
    w for table in (_QUALIFIER_WORDS, _DIRECTION_WORDS) for ws in table.values() for w in ws
]
_PREFIX = re.compile(
    r"(?:(?:well|just|slightly|far|much|somewhat)\s+)?"
    rf"(?P<phrase>{phrases(*_PREFIX_WORDS)})"
    r"(?:\s+by)?(?:\s+|(?<=[^\w\s])|$)"
)
_SUFFIX = re.compile(
    rf"\s*(?P<phrase>{phrases(*(w for ws in _SUFFIX_WORDS.values() for w in ws))})$"
)
_SYMBOL_PREFIXES = frozenset("<>~\u2248\u2264\u2265")
_FLIPPED = {"at_least": "at_most", "at_most": "at_least", "approx": "approx", "exact": "exact"}


class _Phrasing(NamedTuple):
    """A text split into its qualifier, its direction (+1/-1/0) and the core holding the number."""

    qualifier: str
    direction: int
    core: str


def _split_qualifiers(text: str) -> _Phrasing:
    qualifier, direction, core = "exact", 0, text
    while core[:1].isalpha() or core[:1] in _SYMBOL_PREFIXES:
        if not (match := _PREFIX.match(core)):
            break
        kind = _KIND_OF_PHRASE[" ".join(match["phrase"].split())]
        qualifier, direction = _apply_phrase(kind, qualifier, direction)
        core = core[match.end() :]
    while (core[-1:].isalpha() or core[-1:] == "+") and (match := _SUFFIX.search(core)):
        if match.start() == 0:
            break
        kind = _KIND_OF_PHRASE[" ".join(match["phrase"].split())]
        qualifier, direction = _apply_phrase(kind, qualifier, direction)
        core = core[: match.start()]
    return _Phrasing(qualifier, direction, core.strip())


def _apply_phrase(kind: str | int, qualifier: str, direction: int) -> tuple[str, int]:
    """A direction word sets the sign; the first qualifier word wins."""
    if isinstance(kind, int):
        return qualifier, kind
    return (kind if qualifier == "exact" else qualifier), direction


# ----------------------------------------------------------------------------- reading

FAST_NUMBER = re.compile(r"(?P<sign>[+-]?)" + SIMPLE_NUMBER)  # "+329%", "-12.5%", "66,635"


def read_value(text: str) -> Reading | Rejection:
    """Read a printed value without a measure: '3.5x' -> Reading(3.5, 'exact', 'multiple')."""
    reading = _read_value(text)
    if isinstance(reading, Reading) and not math.isfinite(reading.value):
        return not_finite(text)
    return reading


_TWO_SIGNS = re.compile(r"[+-]\s*[+-]\s*\d")
# "=3" is a tied rank; "=5+7" or "=SUM(B2:B9)" is a formula.
_TIED_RANK = re.compile(r"=\s*\d+(?:st|nd|rd|th)?")
_INFINITY_WORDS = frozenset(("inf", "infinity", "\u221e"))


# Texts the figure reader would read in part ("1e400%" as 1, "+-12%" as -12, "[1,2]" as 1.2,
# "=5+7" as 5 and 7, "#DIV/0!" as 0): the strict cell reader decides them, whole or not at all.
# An exponent, or more digits than a float holds exactly (16+), may overflow or lose digits.
_EXPONENT = re.compile(r"\d\s*[eE][+-]?\d|\d{16,}")
_EXCEL_ERROR = re.compile(
    r"#(?:DIV/0!|N/A|VALUE!|REF!|NAME\?|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)", re.I
)
_CONTAINER = re.compile(r"^\s*(?:\[.*\]|\{.*\})\s*$", re.S)
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\x00-\x08\x0b\x0c\x0e-\x1f]")


def needs_strict_reading(text: str) -> bool:
    """True for a cell only the strict reader may read: an exponent (which may overflow), two
    signs, a formula, an Excel error, a JSON list or object, or invisible characters."""
    stripped = text.strip()
    return bool(
        _EXPONENT.search(stripped)
        or _TWO_SIGNS.match(stripped)
        or (stripped.startswith("=") and not _TIED_RANK.fullmatch(stripped))
        or _EXCEL_ERROR.search(stripped)
        or _CONTAINER.match(stripped)
        or _INVISIBLE.search(stripped)
        or stripped.lstrip("+-").lower() in _INFINITY_WORDS
    )


def not_finite(text: str, how: str = "reads as") -> Rejection:
    """A number beyond what a float holds (1e400) or not a number: quarantined, never stored."""
    return Rejection(
        "not_finite",
        f"{quote(text)} {how} a number too large to store (beyond 1.8e308) or not a number; "
        "it is not stored. If it is a misprint of a real figure (a stray exponent, extra digits), "
        f'add corrections = {{ {toml_text(text)} = "<the figure meant>" }} to the table in report.toml '
        "to read it without editing the published file",
    )


def _read_value(text: str) -> Reading | Rejection:
    if fast := FAST_NUMBER.fullmatch(text):
        value = float(fast["n"].replace(",", ""))
        return Reading(
            -value if fast["sign"] == "-" else value,
            "exact",
            "percent" if fast["pct"] else "number",
        )
    cleaned = _clean(text)
    if cleaned.startswith("=") and not _TIED_RANK.fullmatch(cleaned):
        return Rejection(
            "formula_without_value",
            f"{quote(text)} is a formula without its result (the file was written by a program, "
            "not saved by a spreadsheet); open and save it in Excel or LibreOffice so the "
            "results are stored, then run again",
        )
    if cleaned.lstrip("+-") in _INFINITY_WORDS:
        return not_finite(text, "is")
    if cleaned in _MISSING_MARKERS:
        return Rejection(
            "missing_marker",
            f"{quote(text)} marks a value the publisher did not give; nothing to load",
        )
    stripped = _strip_markers(cleaned)
    if not stripped and any(c.isdigit() for c in cleaned):
        # "[1,2]" is a list (a JSON array), not a footnote mark on an empty cell.
        return Rejection("unparseable_value", _unparseable_message(text, cleaned))
    cleaned = stripped
    if not cleaned:
        return Rejection(
            "blank_value",
            f"{quote(text)} holds no value (only quotes or footnote marks), so there is nothing to load",
        )
    return _read_phrase(text, cleaned)


def _read_phrase(text: str, cleaned: str) -> Reading | Rejection:
    if _TWO_SIGNS.match(cleaned):
        return Rejection(
            "unparseable_value",
            f"{quote(text)} has two signs, so its direction is unclear; once the report says which "
            f"it means, add corrections = {{ {toml_text(text)} = {toml_text(_one_sign(cleaned))} }} (or the "
            "other sign) to the table in report.toml, or leave it quarantined",
        )
    phrasing = _split_qualifiers(cleaned)
    qualifier = phrasing.qualifier
    negative = phrasing.core.startswith("-") or phrasing.direction < 0
    found = read_form(phrasing.core.lstrip("+-").lstrip())
    if found is None and (period := parse_period(text)) is not None:
        return Rejection(
            "period_not_value",
            f"{quote(text)} is a period ({period[2]}), not a value; map this column as "
            "columns.period in report.toml and point columns.value at the column of numbers",
        )
    if found is None and (found := read_range(phrasing.core)) is not None:
        qualifier, negative = "approx", phrasing.direction < 0
    if found is None:
        return Rejection("unparseable_value", _unparseable_message(text, phrasing.core))
    value, form = found
    if phrasing.direction < 0:
        qualifier = _FLIPPED[qualifier]
    return Reading(-abs(value) if negative else value, qualifier, form)


_KNOWN_TAILS = ("%", "per cent", "percent", "pct", "x", "times", "fold", *SCALE_SUFFIXES)
_NUMBER_AND_TAIL = re.compile(rf"[+-]?{NUMBER_TOKEN}\s*(?P<tail>\D.*)")
# Flag columns ("Hot Technology": Y/N in O*NET) are mapped as values by mistake; the fix is in the
# manifest, not in the cell, so the message must not ask for a number in its place.
_FLAGS = frozenset(words("y|n|yes|no|true|false"))


def _unparseable_message(text: str, core: str) -> str:
    if core in _FLAGS:
        return (
            f"{quote(text)} is a yes/no flag, not a figure, and no measure holds flags; "
            "point columns.value at a column of numbers, or remove this table from report.toml"
        )
    if (match := _NUMBER_AND_TAIL.fullmatch(core)) and (
        close := difflib.get_close_matches(match["tail"], _KNOWN_TAILS, n=1, cutoff=0.6)
    ):
        return (
            f'cannot read {quote(text)} as a number (did you mean "{close[0]}"?); to read it '
            f'without editing the published file, add corrections = {{ "{match["tail"]}" = '
            f'"{close[0]}" }} to the table in report.toml'
        )
    if len(text) > 60:
        return (
            f"cannot read {quote(text)} as a number; if the column holds no figures, point "
            "columns.value at the one that does; a figure printed another way reads as meant with "
            "a corrections entry for the table in report.toml"
        )
    return (
        f"cannot read {quote(text)} as a number in any form skillpulse reads ({EXAMPLES}); if it "
        f'is a figure printed another way, add corrections = {{ {toml_text(text)} = "<one of those '
        'forms>" } to the table in report.toml to read it without editing the published file; if '
        "the column holds no figures, point columns.value at the one that does"
    )


def _one_sign(text: str) -> str:
    """'+-12%' -> '-12%': the sign nearest the digits."""
    return re.sub(r"^\s*[+-]\s*([+-])\s*", r"\1", text)
