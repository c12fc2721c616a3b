"""The figure grammar as data: number, scale, currency, qualifier, direction and comparison words, and the printed forms they compile into."""

from __future__ import annotations

import re

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
    "mil": 1e6, "mln": 1e6, "bil": 1e9, "bln": 1e9,  # "US$650 bil": Asian and wire-service press
}  # fmt: skip
CURRENCIES = {"us$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "usd": "USD"}
# Dollars of other countries, printed with a prefix: "S$828 billion", "A$1.2 million".
DOLLAR_PREFIXES = {"a": "AUD", "au": "AUD", "c": "CAD", "ca": "CAD", "s": "SGD", "hk": "HKD"}
DOLLAR_PREFIXES |= {"nz": "NZD"}
CURRENCIES |= {f"{prefix}$": code for prefix, code in DOLLAR_PREFIXES.items()}
CURRENCIES |= {"dollars": "USD", "eur": "EUR", "euros": "EUR", "gbp": "GBP", "pounds": "GBP"}
# ISO codes printed before the amount: "SGD 4,500", "AUD 120,000", "EUR 2.3 billion".
CODES_BEFORE = ("usd", "eur", "gbp", "jpy", "sgd", "aud", "cad", "hkd", "nzd", "inr", "chf", "cny")
CURRENCIES |= {code: code.upper() for code in CODES_BEFORE}
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
# Only right before the figure (never a few words back): "was off 49% from December".
ADJACENT_DIRECTIONS = {-1: "off"}
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
        r"|in one year|^\s*a year\b|from the (?:year prior|prior year|previous year)(?!'s)"
        r"|than (?:it was |they were |a year ago |)last year"
        r"|\b(?:than|from|compared (?:to|with)|versus|vs\.?|on|over) a year (?:ago|earlier|before|prior)"
        r"|\b(?:than|from|compared (?:to|with)|versus|vs\.?) (?:in |during )?(?:the same \w+ of )?"
        r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* )?(?:of )?last year"
        r"|\b(?:on|over) the year\b(?! to\b)",
    ),
    (
        "mom",
        r"month[- ]?(?:over|on)[- ]?month|\bmom\b|\bm/m\b|(?:in|over) the (?:past|last) month"
        r"|from (?:a|the previous|the prior|last) month|since (?:the previous|the prior|last) month"
        r"|\b(?:than|compared (?:to|with)|versus|vs\.?) a month (?:ago|earlier|before|prior)"
        r"|\bon the month\b",
    ),
    (
        "qoq",
        r"quarter[- ]?(?:over|on)[- ]?quarter|\bqoq\b|\bq/q\b|(?:in|over) the (?:past|last) quarter"
        r"|(?:over|from|compared (?:to|with)|versus|vs\.?) the (?:previous|prior|last) quarter"
        r"|\b(?:than|from|compared (?:to|with)|versus|vs\.?) a quarter (?:ago|earlier|before|prior)"
        r"|\bon the quarter\b",
    ),
    (
        "wow",
        r"week[- ]?(?:over|on)[- ]?week|\bwow\b|\bw/w\b|(?:in|over) the (?:past|last) week\b"
        r"|\b(?:than|from|compared (?:to|with)|versus|vs\.?|below|above) a week (?:ago|earlier|before|prior)"
        r"|(?:from|since) (?:the previous|the prior|last) week|\bon the week\b",
    ),
    ("vs_average", r"than (?:the )?(?:[\w-]+ ){0,4}average|(?:below|above) (?:the )?average"),
    (
        "vs_baseline",
        r"\bbaseline\b|pre-pandemic levels?|(?:above|below) (?:the )?(?:[\w-]+ )?(?:levels?|trend)\b"
        r"|\b(?:than|from|compared (?:to|with)) (?:before|prior to) the (?:pandemic|covid(?:-19)?)\b",
    ),
    (
        "vs_prior_period",
        r"\b(?:from|since|relative to|compared (?:to|with)|versus|vs\.?|than (?:in|at|during|on)) (?:the )?"
        r"(?:end of |start of |beginning of |early |late |mid-?)?(?:peak|previous|prior|last|"
        r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|q[1-4]\b|h[12]\b|fy|\d{4}\b|"
        r"\w+ (?:years|decades) ago)|\bthan [\w-]+ (?:weeks|months|quarters|years) ago\b"
        r"|\b(?:over|in|during) the (?:past|last) [\w-]+ "
        r"(?:years|decades|months|weeks|quarters)\b"
        r"|\bover the [\w-]+ (?:years|months|weeks|quarters) to\b"
        r"|\b(?:below|above|off) (?:its |the |their )?(?:all-time |record |previous |prior )?peak\b"
        r"|\bbetween (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* (?:\d{1,2} )?and\b",
    ),
)
# Right after the figure: it is a difference from a peer group ("66% faster", "a 43% premium").
PEER_WORDS = r"faster|slower|higher|lower|greater|more|less|fewer|larger|bigger|premium"
# Time windows are comparisons only for a change; for a share they bound the period.
WINDOW_COMPARISONS = frozenset({"yoy", "mom", "qoq", "wow"})

MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
MONTH_NAMES = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)

# ----------------------------------------------------------------------------- the forms

ONE_CHAR = str.maketrans(
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
_PCT = r"(?:\s?%|\s?(?:per\s?cent|percent|pct|prozent)\b|pc\b)"  # "7.7pc": glued only
_SCALE = r"(?:\s?(?:thousand|millions?|billions?|trillion|mil|mln|bil|bln)\b|(?:k|m|mn|bn|b|tn)\b)"
_DOLLAR_PREFIX = rf"(?<![A-Za-z])(?:us|{_alt(DOLLAR_PREFIXES)})(?=\$)"
_CUR = rf"(?:{_DOLLAR_PREFIX}\$|\$|€|£|¥|\b(?:{_alt(CODES_BEFORE)})\s?(?=\d))"
CURRENCY_MARK = re.compile(_CUR, re.IGNORECASE)
FORMS = re.compile(
    rf"""
    (?P<mrange>(?<!from\ ){_CUR}\s?(?P<mr_lo>{_NUM})(?P<mr_lo_scale>{_SCALE})?\s?(?:-|to)\s?
        {_CUR}?\s?(?P<mr_hi>{_NUM})(?P<mr_scale>{_SCALE})?
      |\bbetween\s{_CUR}\s?(?P<mb_lo>{_NUM})(?P<mb_lo_scale>{_SCALE})?\sand\s
        {_CUR}?\s?(?P<mb_hi>{_NUM})(?P<mb_scale>{_SCALE})?)
    |(?P<money>{_CUR}\s?(?P<m_num>{_NUM})(?P<m_scale>{_SCALE})?
      |(?P<m_num2>{_SNUM})(?P<m_scale2>{_SCALE})?\s?(?P<m_code>usd|eur|gbp|dollars|euros|pounds)\b)
    |(?P<range>(?<!from\ )(?![12]\d{{3}}\b)(?P<r_lo>{_SNUM}){_PCT}?\s?(?:-|to)\s?(?P<r_hi>{_SNUM}){_PCT})
    |(?P<between>\bbetween\s(?P<b_lo>{_SNUM}){_PCT}?\sand\s(?P<b_hi>{_SNUM}){_PCT})
    |(?P<nbetween>\bbetween\s(?![12]\d{{3}}\b)(?P<nb_lo>{_NUM})(?P<nb_lo_scale>{_SCALE})?\sand\s
      (?![12]\d{{3}}\b)(?P<nb_hi>{_NUM})(?P<nb_scale>{_SCALE})?(?![\d%]|\s?per))
    |(?P<points>(?:(?<!from\ )(?P<pt_lo>{_SNUM})\s?(?:-|to)\s?|\bbetween\s(?P<ptb_lo>{_SNUM})\sand\s)?
      (?P<pt_num>{_SNUM})\s?(?:percentage[- ]points?|pct\.?\s?pts?|ppts?|pp|pts?|points?
      |basis[- ]points?|bps)\b
      |(?P<pt_wnum>\b{_WORDNUM})[- ]percentage[- ]points?\b)
    |(?P<percent>(?P<p_num>{_AMOUNT}){_PCT})
    |(?P<multiple>(?P<x_num>{_SNUM})\s?x(?![a-wyz\d])
      |(?P<f_num>{_SNUM}|\b{_WORDNUM})[- ]?fold\b
      |(?P<t_num>{_AMOUNT})\stimes\b
      |\b(?:a\s)?factor\sof\s(?P<fa_num>{_AMOUNT})
      |\b(?P<x_word>{_alt(MULTIPLE_WORDS)})\b)
    |(?P<fraction>(?P<n_num>{_AMOUNT})\s(?:in|out\sof)\s(?P<n_den>(?![12]\d{{3}}\b){_SNUM}|\b{_WORDNUM}\b)
      |(?P<pm_num>{_SNUM})\sper\s(?P<pm_den>hundred|thousand|million|billion)\b
      |\b(?P<fw_n>a|one|two|three|four)[- ](?P<fw_d>{_alt(FRACTION_WORDS)})\b
        (?<!quarter)(?<!quarters)|\b(?P<fq_n>a|one)[- ](?P<fq_d>quarter)\b
        (?!\s+(?:of\s+(?:19|20)\d\d|in\s+a\s+row|earlier|ago|later|before|after))
      |\b(?P<fq_n2>two|three)[- ](?P<fq_d2>quarters?)(?=\s+of\b)
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
_SYMBOL_ANCHOR = re.compile(rf"{_DOLLAR_PREFIX}|[-+$€£¥\d]", re.IGNORECASE)
WORD = re.compile(r"[A-Za-z]+")
ANCHOR_WORDS = frozenset(
    (
        *("between", "factor", "half", *MULTIPLE_WORDS, *_TENS, *_ONES, *ORDINAL_WORDS),
        *(*FRACTION_WORDS, *CODES_BEFORE),
    )
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


def anchor_positions(text: str) -> list[int]:
    """Where a figure can start: digits, signs, currency, and number words (a set lookup per word,
    much cheaper than one long alternation tried at every character)."""
    positions = [m.start() for m in _SYMBOL_ANCHOR.finditer(text)]
    words = list(WORD.finditer(text))
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


YEAR = re.compile(r"[12]\d{3}")
YEAR_AFTER_DAY = re.compile(r",\s[12]\d{3}\b")
DAY_AFTER_MONTH = re.compile(rf"(?:\b(?:{MONTHS})[a-z]*\.?\s)$", re.IGNORECASE)
DURATION_AFTER = re.compile(
    r"^\s(?:years?|months?|weeks?|days?|decades?|hours?|minutes?|seconds?|quarters?)\b",
    re.IGNORECASE,
)
NAME_BEFORE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z]+\s$")
DATE_SLASH_AFTER = re.compile(r"/\d{1,2}\b")
DATE_SLASH_BEFORE = re.compile(r"\b\d{1,2}/$")
FOOTNOTE_TAIL = re.compile(r"[%\d]\.\s?(?P<n>\d{1,2})\s*$")
RANK_WORDS_BEFORE = re.compile(r"\b(?:rank(?:ed|s|ing)?(?: of)?|landing at)\s*$", re.IGNORECASE)
