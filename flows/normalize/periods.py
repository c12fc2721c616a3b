"""Printed periods ("2024", "Q3 2024", "2012-14", "1/1/18") -> start and end dates with a label."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache

import pyarrow as pa

from flows.normalize.printed import FOOTNOTE_MARKS, QUOTES, distinct_texts, quote

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

PERIODS_SCHEMA = pa.schema(
    [
        ("source_text", pa.string()),
        ("period_start", pa.date32()),
        ("period_end", pa.date32()),
        ("period_label", pa.string()),
        ("reason_code", pa.string()),
        ("message", pa.string()),
    ]
)


# ----------------------------------------------------------------------------- periods
# Decisions:
# - "2012-14" (any dash) and "2023/24" are spans of calendar years (2012-01-01..2014-12-31).
# - "2024-03" with a hyphen and a month 01-12 is ISO March 2024; the same with an en dash is a
#   span; with a slash it is a span only when the second number is the next year ("2010/11"),
#   else a month ("2024/03").
# - "1/1/18" is US month/day/year; two-digit years 00-68 are 20xx, 69-99 are 19xx (POSIX %y).
# - "FY2024" is taken as the calendar year 2024 (fiscal years differ by publisher).
# - Labels of spans use the ISO 8601 interval form "2012/2014", which parse_period reads back.

Period = tuple[date, date, str]

# En and em dashes stay: they tell a span (2010 en dash 11) from an ISO month ("2010-11").
_PERIOD_CHARACTER_FIXES = str.maketrans(
    {"\u200b": None, "\ufeff": None, "\u2212": "-", "\u2010": "-", "\u2011": "-"}
)

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
_MONTH = r"(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_YY = r"'?(?P<y>\d{4}|\d{2})"
_YEAR = re.compile(r"(?P<y>\d{4})(?:\.0+)?")  # "2024.0" from a spreadsheet
_FISCAL_YEAR = re.compile(rf"fy\s*{_YY}")
_YEAR_SPAN = re.compile(r"(?P<y>\d{4})\s*(?P<sep>-|\u2013|\u2014|/|to)\s*'?(?P<y2>\d{4}|\d{2})")
_QUARTER = re.compile(rf"(?P<kind>[qh])(?P<n>[1-4])\s*[-/ ]?\s*{_YY}")
_YEAR_QUARTER = re.compile(r"(?P<y>\d{4})\s*[-/ ]?\s*(?P<kind>[qh])(?P<n>[1-4])")
_ISO_MONTH = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})")
_MONTH_YEAR = re.compile(r"(?P<m>\d{1,2})[/.-](?P<y>\d{4})")
_NAMED_MONTH = re.compile(rf"{_MONTH}\s*{_YY}")
_YEAR_NAMED_MONTH = re.compile(rf"(?P<y>\d{{4}})\s+{_MONTH}")
_ISO_DAY = re.compile(
    r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # a time of day from a spreadsheet
)
_US_DAY = re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})")
_DAY_NAMED_MONTH = re.compile(rf"(?P<d>\d{{1,2}})\s+{_MONTH}\s+(?P<y>\d{{4}})")
_NAMED_MONTH_DAY = re.compile(rf"{_MONTH}\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}})")
_PERIOD_SPAN = re.compile(
    r"(?P<a>.+?)(?:\s+(?:-|\u2013|\u2014|to|through|until)\s+|\s*[/\u2013\u2014]\s*)(?P<b>.+)"
)


def _full_year(digits: str) -> int:
    if len(digits) == 4:
        return int(digits)
    yy = int(digits)
    return 2000 + yy if yy < 69 else 1900 + yy


def _plausible(year: int) -> bool:
    return 1800 <= year <= 2199


def _year_period(year: int) -> Period | None:
    return (date(year, 1, 1), date(year, 12, 31), str(year)) if _plausible(year) else None


def _month_period(year: int, month: int) -> Period | None:
    if not (_plausible(year) and 1 <= month <= 12):
        return None
    last = calendar.monthrange(year, month)[1]
    return date(year, month, 1), date(year, month, last), f"{year}-{month:02d}"


def _day_period(year: int, month: int, day: int) -> Period | None:
    if not _plausible(year):
        return None
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    return when, when, when.isoformat()


def _period_year(text: str) -> Period | None:
    if match := _YEAR.fullmatch(text):
        return _year_period(int(match["y"]))
    if match := _FISCAL_YEAR.fullmatch(text):
        found = _year_period(_full_year(match["y"]))
        return None if found is None else (found[0], found[1], f"FY{found[2]}")
    return None


def _period_year_span(text: str) -> Period | None:
    match = _YEAR_SPAN.fullmatch(text)
    if not match:
        return None
    start, end_digits, separator = int(match["y"]), match["y2"], match["sep"]
    if len(end_digits) == 2 and _is_year_month(start, int(end_digits), separator):
        return None
    end = int(end_digits) if len(end_digits) == 4 else start - start % 100 + int(end_digits)
    if len(end_digits) == 2 and end < start:
        end += 100  # "1998-02"
    if not (_plausible(start) and _plausible(end) and start < end <= start + 50):
        return None
    return date(start, 1, 1), date(end, 12, 31), f"{start}/{end}"


def _is_year_month(year: int, two_digits: int, separator: str) -> bool:
    """'2024-03' and '2024/03' are months; '2023/24' (the next year) and '2012-14' are spans."""
    if not 1 <= two_digits <= 12:
        return False
    return separator == "-" or (separator == "/" and two_digits != (year + 1) % 100)


def _period_quarter(text: str) -> Period | None:
    match = _QUARTER.fullmatch(text) or _YEAR_QUARTER.fullmatch(text)
    if not match:
        return None
    kind, n, year = match["kind"], int(match["n"]), _full_year(match["y"])
    if not _plausible(year) or (kind == "h" and n > 2):
        return None
    months = 3 if kind == "q" else 6
    first = (n - 1) * months + 1
    last = first + months - 1
    end = date(year, last, calendar.monthrange(year, last)[1])
    return date(year, first, 1), end, f"{year}-{kind.upper()}{n}"


def _period_month(text: str) -> Period | None:
    if match := _ISO_MONTH.fullmatch(text) or _MONTH_YEAR.fullmatch(text):
        return _month_period(int(match["y"]), int(match["m"]))
    if match := _NAMED_MONTH.fullmatch(text) or _YEAR_NAMED_MONTH.fullmatch(text):
        return _month_period(_full_year(match["y"]), _MONTHS[match["month"]])
    return None


def _period_day(text: str) -> Period | None:
    if match := _ISO_DAY.fullmatch(text):
        return _day_period(int(match["y"]), int(match["m"]), int(match["d"]))
    if match := _US_DAY.fullmatch(text):
        return _day_period(_full_year(match["y"]), int(match["m"]), int(match["d"]))
    if match := _DAY_NAMED_MONTH.fullmatch(text) or _NAMED_MONTH_DAY.fullmatch(text):
        return _day_period(int(match["y"]), _MONTHS[match["month"]], int(match["d"]))
    return None


_PERIOD_READERS: tuple[Callable[[str], Period | None], ...] = (
    _period_year,
    _period_day,
    _period_year_span,
    _period_month,
    _period_quarter,
)


def _read_single_period(text: str) -> Period | None:
    for reader in _PERIOD_READERS:
        if found := reader(text):
            return found
    return None


def _period_span(text: str) -> Period | None:
    """'2020-01-01 to 2020-06-30', 'Jan 2020 to Jun 2021': start of the first, end of the second."""
    match = _PERIOD_SPAN.fullmatch(text)
    if not match:
        return None
    first, last = _read_single_period(match["a"]), _read_single_period(match["b"])
    if first is None or last is None or last[1] < first[0]:
        return None
    return first[0], last[1], f"{first[2]}/{last[2]}"


@lru_cache(maxsize=1 << 16)
def parse_period(text: str) -> Period | None:
    """'2024', '2012-14', '1/1/18', '2024-03', 'Q1 2024', 'FY2024' -> (start, end, label) or None."""
    cleaned = " ".join(text.translate(_PERIOD_CHARACTER_FIXES).split())
    cleaned = cleaned.strip(QUOTES).strip().lower()
    cleaned = FOOTNOTE_MARKS.sub("", cleaned)
    if not cleaned:
        return None
    return _read_single_period(cleaned) or _period_span(cleaned)


def parse_periods(texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> pa.Table:
    """Parse each distinct period text once: one row per distinct input, schema PERIODS_SCHEMA."""
    distinct = distinct_texts(texts).to_pylist()
    found = [None if text is None else parse_period(text) for text in distinct]
    return pa.table(
        [
            pa.array(distinct, pa.string()),
            pa.array([p and p[0] for p in found], pa.date32()),
            pa.array([p and p[1] for p in found], pa.date32()),
            pa.array([p and p[2] for p in found], pa.string()),
            pa.array(
                [_period_reason(t, p) for t, p in zip(distinct, found, strict=True)], pa.string()
            ),
            pa.array(
                [_period_message(t, p) for t, p in zip(distinct, found, strict=True)], pa.string()
            ),
        ],
        schema=PERIODS_SCHEMA,
    )


def _period_reason(text: str | None, period: Period | None) -> str | None:
    if period is not None:
        return None
    return "blank_period" if text is None or not text.strip() else "unparseable_period"


def _period_message(text: str | None, period: Period | None) -> str | None:
    reason = _period_reason(text, period)
    if reason is None:
        return None
    if reason == "blank_period":
        return "the period cell is empty; set constants.period for the table (or [report] period)"
    return (
        f"cannot read {quote(text or '')} as a period (forms read: 2024, 2012-2014, 2024-03, "
        "Q1 2024, FY2024, 2024-03-15, 3/15/24, the third quarter of 2024); the value is kept with "
        "the period unknown: to date it without editing the published file, set constants.period "
        "for the table (or [report] period) in report.toml"
    )
