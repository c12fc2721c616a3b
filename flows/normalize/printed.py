"""Helpers for printed text shared by the number and period readers: quotes, footnote marks, distinct texts."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e\u201a"


# Raised letters as a PDF prints them (flows/extract/pdf.py keeps a raised "a" as "ᵃ").
SUPERSCRIPT_LETTERS = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻ"
FOOTNOTE_MARKS = re.compile(
    r"(?:\s*(?:\[[^\]]{1,4}\]|[*†‡§¶]+|[\u00b9\u00b2\u00b3\u2070-\u2079"  # "*", "[1]", "¹"
    + SUPERSCRIPT_LETTERS
    + r"]+))+$"
)


def quote(text: str) -> str:
    """A cell's text for a message: shortened, invisible characters written as escapes."""
    shown = text if len(text) <= 80 else text[:77] + "..."
    return f'"{escape_invisible(shown)}"'


def toml_text(text: str) -> str:
    """The whole text as a TOML string, for a corrections entry a message suggests."""
    return json.dumps(text, ensure_ascii=False)


def escape_invisible(text: str) -> str:
    """NUL, control and zero-width characters as \\xNN / \\uNNNN, so a message shows what is there."""
    if text.isprintable():
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if char == " " or unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp"):
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def distinct_texts(texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if not isinstance(texts, pa.Array):
        texts = pa.array(texts, pa.string())
    return pc.unique(texts.cast(pa.string()))
