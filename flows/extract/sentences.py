"""Prose blocks (text lines, Markdown, HTML blocks, PDF pages) and their sentences, each with its character span."""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass

import lxml.html
import pysbd
from lxml import etree

# ---------------------------------------------------------------------------------------------
# Blocks: the units a person sees (a line of text or Markdown, an HTML paragraph or list item)


@dataclass(frozen=True)
class Block:
    """One paragraph, line or list item; spans of its sentences are offsets into `text`."""

    row: int
    text: str
    bullet: bool = False
    heading: bool = False
    raw: str | None = None  # the line as published when `text` has markup blanked
    page: int | None = None  # PDF: the page the block is printed on
    line_starts: tuple[int, ...] = ()  # PDF: where each later line of the block starts in `text`

    @property
    def published(self) -> str:
        return self.text if self.raw is None else self.raw


_BULLET_MARK = re.compile(r"^\s*(?:[-*•‣▪\u2013]|\d+[.)])\s+")


def text_blocks(text: str) -> list[Block]:
    """Plain text: every non-blank line is a block, numbered as in a text editor."""
    return [
        Block(number, line, bullet=bool(_BULLET_MARK.match(line)))
        for number, line in enumerate(text.splitlines(), 1)
        if line.strip()
    ]


# Markup is blanked with spaces of the same length, so a span in the cleaned line is a span in
# the published line too.
_MD_LINK = re.compile(r"!?\[(?P<label>[^\]]*)\]\((?P<url>[^)]*)\)")
_MD_MARKS = re.compile(r"(?<![\w*_])(\*\*|__|\*|_|`)(?=\S)|(?<=\S)(\*\*|__|\*|_|`)(?![\w*_])")
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+")
_MD_QUOTE = re.compile(r"^\s*(>\s*)+")
_MD_TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_blocks(text: str) -> list[Block]:
    """Markdown: every non-blank line outside code fences and pipe tables, its markup blanked."""
    blocks, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if _MD_FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or not line.strip() or _MD_TABLE_LINE.match(line):
            continue
        heading = _MD_HEADING.match(line)
        clean = _blank(line, _MD_HEADING) if heading else line
        clean = _blank(clean, _MD_QUOTE)
        clean = _MD_LINK.sub(
            lambda m: " " * (2 if m[0][0] != "!" else 3) + m["label"] + " " * (len(m["url"]) + 1),
            clean,
        )
        clean = _MD_MARKS.sub(lambda m: " " * len(m[0]), clean)
        if clean.strip():
            blocks.append(
                Block(number, clean, bool(_BULLET_MARK.match(clean)), bool(heading), raw=line)
            )
    return blocks


def _blank(line: str, pattern: re.Pattern) -> str:
    return pattern.sub(lambda m: " " * len(m[0]), line, count=1)


_HTML_BLOCKS = (
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
    "dd",
    "dt",
    "blockquote",
    "figcaption",
    "caption",
    "pre",
)
_HTML_SKIP = ("script", "style", "noscript", "template", "nav", "footer", "head")
_BLOCK_XPATH = " | ".join(f"descendant::{tag}" for tag in _HTML_BLOCKS)


def html_blocks(data: bytes) -> list[Block]:
    """HTML (UTF-8 bytes): the innermost paragraphs, list items, headings and cells; row = the element's source line."""
    parser = lxml.html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True)
    root = lxml.html.fromstring(data, parser=parser)
    etree.strip_elements(root, *_HTML_SKIP, with_tail=False)
    blocks = []
    for element in root.xpath(" | ".join(f"descendant-or-self::{tag}" for tag in _HTML_BLOCKS)):
        if element.xpath(_BLOCK_XPATH):
            continue  # an outer block: its inner blocks are read instead
        text = " ".join(element.text_content().split())
        if text:
            blocks.append(
                Block(
                    element.sourceline or 0,
                    text,
                    bullet=element.tag == "li",
                    heading=element.tag in ("h1", "h2", "h3", "h4", "h5", "h6"),
                )
            )
    return blocks


_LINE_END = re.compile(r"[.!?:;]['’\"”)]*\s*$")


def pdf_blocks(pages: list[tuple[int, str]]) -> list[Block]:
    """PDF page texts: wrapped lines are joined (a newline read as a space, so offsets hold); a block
    ends after a short line or one ending a sentence, and before a bullet. `row` is the line on the
    page."""
    blocks = []
    for page, text in pages:
        lines = text.split("\n")
        # A line well short of the page's full width ends its paragraph (or is a heading or a
        # table row): only full lines wrap on to the next.
        short = 0.6 * max(map(len, lines), default=0)
        start = 0
        for number, line in enumerate(lines, 1):
            last = number == len(lines)
            ends = (
                last
                or len(line.rstrip()) < short
                or _LINE_END.search(line)
                or _BULLET_MARK.match(lines[number])
            )
            if ends:
                chunk = lines[start:number]
                joined = " ".join(chunk)
                if joined.strip():
                    offsets = tuple(
                        sum(len(x) + 1 for x in chunk[: i + 1]) for i in range(len(chunk) - 1)
                    )
                    blocks.append(
                        Block(
                            start + 1,
                            joined,
                            bullet=bool(_BULLET_MARK.match(joined)),
                            page=page,
                            line_starts=offsets,
                        )
                    )
                start = number
    return blocks


# ---------------------------------------------------------------------------------------------
# Sentences


@dataclass(frozen=True)
class Sentence:
    """One sentence: its block's row, its span in the block's text, and its text."""

    row: int
    start: int
    end: int
    text: str  # markup blanked (same offsets): what subjects and figures are read from
    published: str  # the sentence exactly as in the file, for source_text
    bullet: bool = False
    heading: bool = False
    page: int | None = None


_THREAD = threading.local()


def _segmenter() -> pysbd.Segmenter:
    """This thread's segmenter: a Segmenter keeps the text it is splitting on itself, so ingest
    batches running on threads at once must not share one (they lost and mixed sentences)."""
    segmenter = getattr(_THREAD, "segmenter", None)
    if segmenter is None:
        segmenter = _THREAD.segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return segmenter


# pysbd's cost grows with the square of a block's length: a block longer than this (a page
# without line breaks) is cut at a sentence-like break first, so the work stays linear.
MAX_BLOCK_CHARS = 4000
_CUT = re.compile(r"[.!?]\s+(?=\S)|\s+")


def _chunks(text: str) -> list[tuple[int, str]]:
    """(offset, piece) cuts of at most MAX_BLOCK_CHARS, at the last sentence end (else space) in each."""
    pieces, start = [], 0
    while len(text) - start > MAX_BLOCK_CHARS:
        window = text[start : start + MAX_BLOCK_CHARS]
        cuts = [m.end() for m in _CUT.finditer(window) if m.end() < len(window)]
        sentence_ends = [c for c in cuts if window[:c].rstrip()[-1:] in ".!?"]
        cut = (sentence_ends or cuts or [len(window)])[-1]
        pieces.append((start, window[:cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


# A block with no . ! ? … but at its very end (decimals such as '8.5' aside) holds one sentence:
# pysbd could only return it whole, and it costs ~3 ms a block (it compiles regular expressions per
# call, evicting everyone's from re's cache), most of reading an article.
_INNER_STOP = re.compile(r"[.!?…](?!\d)(?!['’\"”)\]]*\s*$)")


def _segments(chunk: str) -> list[tuple[int, str]]:
    """(start, text) of each sentence of a chunk: pysbd's, or the chunk itself when it is one."""
    if not _INNER_STOP.search(chunk):
        return [(0, chunk)]
    return _with_starts(chunk, _segmenter().processor(chunk).process())


_SPACE = re.compile(r"\s*")


def _with_starts(chunk: str, sentences: list[str]) -> list[tuple[int, str]]:
    """pysbd's char spans, found by str.find: its own search compiles a regular expression per
    sentence, a fifth of reading an article. Each sentence is looked for after the one before
    and keeps the whitespace that follows it, as pysbd's spans do."""
    found, cursor = [], 0
    for sentence in sentences:
        start = chunk.find(sentence, cursor) if sentence else -1
        if start < 0:
            continue
        end = _SPACE.match(chunk, start + len(sentence)).end()
        found.append((start, chunk[start:end]))
        cursor = end
    return found


def split_sentences(blocks: list[Block]) -> list[Sentence]:
    """pysbd's rule-based boundaries inside each block; a sentence never spans two blocks."""
    found = []
    for block in blocks:
        for offset, chunk in _chunks(block.text):
            for piece_start, piece in _segments(chunk):
                text = piece.rstrip()
                lead = len(text) - len(text.lstrip())
                start = offset + piece_start + lead
                end = offset + piece_start + len(text)
                if text.strip():
                    found.append(
                        Sentence(
                            block.row + bisect.bisect_right(block.line_starts, start),
                            start,
                            end,
                            block.text[start:end],
                            block.published[start:end],
                            bullet=block.bullet and start == 0,
                            heading=block.heading,
                            page=block.page,
                        )
                    )
    return found
