"""Number tokens as printed: digits with either decimal mark, number words, scaled amounts; word-table helpers."""

from __future__ import annotations

import re


def words(spec: str) -> tuple[str, ...]:
    """'at least|more than' -> ('at least', 'more than'): word tables stay one line each."""
    return tuple(spec.split("|"))


NUMBER_TOKEN = r"(?:\d[\d.,]*|\.\d+)"


_PLAIN = re.compile(
    r"(?:\d+(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?"
)  # "3e-05": a float written by a program


_THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")


_THOUSANDS_DOT = re.compile(r"\d{1,3}(?:\.\d{3})+")


_DECIMAL_COMMA = re.compile(r"\d+,\d+")


_EUROPEAN = re.compile(r"\d{1,3}(?:\.\d{3})*,\d+")


_SMALL_NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        words("zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen")
        + words("fourteen|fifteen|sixteen|seventeen|eighteen|nineteen")
    )
} | {
    word: 10 * n
    for n, word in enumerate(words("twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"), 2)
}


_SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}


def number(token: str) -> float | None:
    """A digit string with thousands separators or a decimal comma -> float."""
    if _PLAIN.fullmatch(token):
        return float(token)
    if _THOUSANDS_COMMA.fullmatch(token):
        return float(token.replace(",", ""))
    if _EUROPEAN.fullmatch(token):
        return float(token.replace(".", "").replace(",", "."))
    if _DECIMAL_COMMA.fullmatch(token):
        return float(token.replace(",", "."))
    if _THOUSANDS_DOT.fullmatch(token) and token.count(".") > 1:
        return float(token.replace(".", ""))
    return None


def word_number(text: str) -> float | None:
    """'seven', 'twenty-five', 'a hundred', 'two million' -> float."""
    total = current = 0.0
    seen = False
    for word in text.replace("-", " ").split():
        if word == "and" and seen:
            continue
        if word in ("a", "an") and not seen:
            current = 1.0
        elif word in _SMALL_NUMBER_WORDS:
            current += _SMALL_NUMBER_WORDS[word]
            seen = True
        elif word == "hundred":
            current = (current or 1.0) * 100
            seen = True
        elif word in _SCALE_WORDS:
            total += (current or 1.0) * _SCALE_WORDS[word]
            current = 0.0
            seen = True
        else:
            return None
    return total + current if seen else None


def amount(text: str) -> float | None:
    """Digits or number words."""
    return number(text) if text[:1].isdigit() or text[:1] == "." else word_number(text)


def phrases(*words: str) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )
