"""The period words tied to a figure ('in Q3 2024', 'by 2030', 'the May to November 2022 period') and the period they name."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from flows.normalize.figure_words import MONTH_NAMES, MONTHS
from flows.normalize.periods import Period, parse_period

if TYPE_CHECKING:
    from flows.normalize.figures import Figure

_PERIOD = re.compile(
    rf"""
    (?P<span>(?:from|between)\s(?P<sa>(?:(?:{MONTHS})[a-z]*\.?\s|(?:q[1-4]|h[12])\s?)?\d{{4}})\s(?:to|and|-)\s
        (?P<sb>(?:(?:{MONTHS})[a-z]*\.?\s|(?:q[1-4]|h[12])\s?)?\d{{4}}))
    |(?P<base>(?:from|since|relative\sto|compared\s(?:to|with)|versus|vs\.?|above|below|than)\s(?:the\s)?(?:[\w'-]+\s){{0,3}}?\(?
        (?:(?:early|mid|late|end\sof)[\s-])?(?:(?:q[1-4]|h[12])\s?\d{{4}}|(?:{MONTHS})[a-z]*\.?(?:\s\d{{1,2}},?)?(?:\s\d{{4}})?|fy\s?\d{{2,4}}|\d{{4}})(?![-/]\d))
    |(?P<months>(?:the\s)?(?:(?:{MONTHS})[a-z]*\.?(?:\s\d{{4}})?)(?:\sto\s|\s?-\s?)(?:{MONTHS})[a-z]*\.?\s\d{{4}}(?:\speriod)?)
    |(?P<vague>(?:early|mid|late|end\sof|start\sof|beginning\sof)[\s-](?:(?:{MONTHS})[a-z]*\s?)?(?:\d{{4}}|(?=\b)))
    |(?P<quarter>(?:the\s)?(?P<qn>first|second|third|fourth)\s(?P<qk>quarter|half)\sof\s(?P<qy>\d{{4}}))
    |(?P<plain>(?:(?P<by>by)\s)?(?:\b(?:q[1-4]|h[12])\s?\d{{4}}|\bfy\s?\d{{2,4}}|\b(?:{MONTHS})[a-z]*\.?\s\d{{4}}
        |\(?\d{{4}}\s?[-/]\s?(?:\d{{4}}|\d{{2}})\b\)?|(?<![\d,.])\d{{4}}(?!\d|%|,\d))(?:\s(?:period|vs\.?\s\d{{4}}))?)
    |(?P<month>\b(?:in|during|by|for)\s(?:{MONTH_NAMES})\b(?!\s\d{{4}}))
    """,
    re.IGNORECASE | re.VERBOSE,
)
_PERIOD_CUE = re.compile(rf"\d{{4}}|\b(?:{MONTH_NAMES}|{MONTHS})\b", re.IGNORECASE)
_QUARTER_NUMBER = {"first": 1, "second": 2, "third": 3, "fourth": 4}


def period_words(right: str, left: str) -> tuple[str | None, bool]:
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
    text = re.sub(r"^the\s", "", text, flags=re.I)
    if match := re.fullmatch(
        rf"((?:{MONTHS})[a-z]*\.?)\s?(?:to|-)\s?((?:{MONTHS})[a-z]*\.?) (\d{{4}})", text, re.I
    ):
        return _months_of_one_year(
            match[1], match[2], int(match[3])
        )  # "the May to November 2022 period"
    if match := re.fullmatch(
        rf"((?:{MONTHS})[a-z]*\.? \d{{4}})\s?(?:to|-)\s?((?:{MONTHS})[a-z]*\.? \d{{4}})", text, re.I
    ):
        return f"{match[1]} to {match[2]}"  # "November 2022-June 2023"
    if match := re.fullmatch(r"(?:from|between)\s(.+?)\s(?:to|and|-)\s(.+)", text, re.I):
        return f"{match[1]} to {match[2]}"
    if re.match(r"(?:early|mid|late|start of|beginning of)\b", text, re.I):
        return None
    if match := re.fullmatch(rf"end of ((?:{MONTHS})[a-z]*\.? \d{{4}})", text, re.I):
        return match[1]
    if not re.search(r"\d{4}|\bfy\s?\d{2}", text, re.I):
        return None
    return text


def _months_of_one_year(first: str, last: str, year: int) -> str:
    """'May', 'November', 2022 -> 'May 2022 to November 2022'; 'November', 'February', 2025 starts in 2024."""
    months = [m[:3] for m in MONTHS.split("|")]
    a, b = months.index(first[:3].lower()), months.index(last[:3].lower())
    return f"{first} {year - (a > b)} to {last} {year}"


def figure_period(figure: Figure) -> Period | None:
    """The period the figure's own words name, as (start, end, label); None when there are none
    or they cannot be bounded (the caller keeps the value and reports period_text)."""
    if figure.period_text is None:
        return None
    text = period_phrase_to_text(figure.period_text)
    return None if text is None else parse_period(text)
