"""Prose as published: blocks of text, Markdown and HTML -> sentences with spans, subjects and claims."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import lxml.html
import pysbd
from lxml import etree

from flows.normalize.figures import in_measure

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
    """HTML: the innermost paragraphs, list items, headings and cells; row = the element's source line."""
    root = lxml.html.fromstring(data)
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


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=True)


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


def split_sentences(blocks: list[Block]) -> list[Sentence]:
    """pysbd's rule-based boundaries inside each block; a sentence never spans two blocks."""
    found = []
    for block in blocks:
        for offset, chunk in _chunks(block.text):
            for piece in _segmenter().segment(chunk):
                text = piece.sent.rstrip()
                lead = len(text) - len(text.lstrip())
                start = offset + piece.start + lead
                end = offset + piece.start + len(text)
                if text.strip():
                    found.append(
                        Sentence(
                            block.row,
                            start,
                            end,
                            block.text[start:end],
                            block.published[start:end],
                            bullet=block.bullet and start == 0,
                            heading=block.heading,
                        )
                    )
    return found


# ---------------------------------------------------------------------------------------------
# Claims without numbers ("highest since 2009", "lowest on record")


@dataclass(frozen=True)
class Claim:
    kind: str
    reference: str | None
    subject: str | None
    start: int
    end: int
    text: str


_SINCE_REF = (
    r"(?P<ref>(?:1[89]|20)\d\d\b|[A-Z][^,.;:!?”\"]*?\b(?:began|started|launched)\b[^,.;:!?”\"]*)"
)
_HIGH = r"(?:all[- ]time highs?|record[- ]highs?|highest|high(?:est)? level|most|biggest|largest|strongest|fastest)"
_LOW = r"(?:all[- ]time lows?|record[- ]lows?|lowest|low(?:est)? level|weakest|smallest|fewest|slowest)"
_CLAIMS = (
    ("first_time_since", re.compile(rf"\bfor the first time since {_SINCE_REF}", re.I)),
    ("highest_since", re.compile(rf"\b{_HIGH}\b(?:[^.,;:!?]{{0,60}}?)\bsince {_SINCE_REF}", re.I)),
    ("lowest_since", re.compile(rf"\b{_LOW}\b(?:[^.,;:!?]{{0,60}}?)\bsince {_SINCE_REF}", re.I)),
    (
        "lowest_since",
        re.compile(
            r"\b(?:near |at )?(?P<ref>(?:two|three|four|five|\d+)[- ](?:decade|year))s?[- ]lows?\b",
            re.I,
        ),
    ),
    (
        "highest_since",
        re.compile(
            r"\b(?:near |at )?(?P<ref>(?:two|three|four|five|\d+)[- ](?:decade|year))s?[- ]highs?\b",
            re.I,
        ),
    ),
    (
        "record_high",
        re.compile(
            rf"\bhighest\b[^.,;:!?]{{0,60}}?\b(?:through(?:out)?|in) (?:all of )?{_SINCE_REF}",
            re.I,
        ),
    ),
    (
        "record_low",
        re.compile(
            rf"\b(?:lowest|fewest)\b[^.,;:!?]{{0,60}}?\b(?:through(?:out)?|in) (?:all of )?{_SINCE_REF}",
            re.I,
        ),
    ),
    ("first_time", re.compile(r"\bfor the (?:very )?first time(?: ever)?\b(?! since)", re.I)),
    (
        "record_high",
        re.compile(
            r"\b(?:all[- ]time highs?|record[- ]highs?|historic(?:al)? highs?|series highs?|new heights|highest (?:[\w-]+ ){0,8}?on record|highest (?:[\w-]+ ){0,8}?ever|record (?=(?:US)?[$€£]?\d))",
            re.I,
        ),
    ),
    (
        "record_low",
        re.compile(
            r"\b(?:all[- ]time lows?|record[- ]lows?|historic(?:al)? lows?|series lows?|lowest (?:[\w-]+ ){0,8}?on record|lowest (?:[\w-]+ ){0,8}?ever)",
            re.I,
        ),
    ),
)
_CLAIM_NOUN = re.compile(
    r"^(?:highest|lowest)\s+(?P<noun>.+?)\s+(?:on record|ever|since\b.*)$", re.I
)
_GENERIC_NOUNS = frozenset({"level", "figure", "total", "number", "point", "rate", "interest"})
_CLAUSE_VERB = re.compile(
    r"^(?P<subject>.+?)\s+(?:(?:are|is|was|were|have|has|remain|remains|stood|stands)\b(?:\s+(?:also|still|now|just))?(?:\s+(?:at|near|reaching|hitting))?|hit|hits|reached|reaches|reaching)\b",
    re.I,
)
_LEADING_JOINERS = re.compile(r"^(?:(?:and|but|while|yet|so|meanwhile|also|still)\b[\s,]*)+", re.I)


def find_claims(sentence: str) -> list[Claim]:
    """Every claim of a record or a turning point, once each (the most specific kind wins)."""
    taken: list[tuple[int, int]] = []
    claims = []
    for kind, pattern in _CLAIMS:
        for match in pattern.finditer(sentence):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            reference = match.groupdict().get("ref")
            if (
                kind.endswith("_since")
                and reference
                and not re.search(r"\d|decade|year", reference)
            ):
                kind_found, reference = (
                    ("record_high" if kind.startswith("highest") else "record_low"),
                    reference,
                )
            else:
                kind_found = kind
            taken.append((match.start(), match.end()))
            claims.append(
                Claim(
                    kind_found,
                    reference.strip() if reference else None,
                    _claim_subject(sentence, match.start(), match[0]),
                    match.start(),
                    match.end(),
                    match[0],
                )
            )
    return sorted(claims, key=lambda c: c.start)


def _claim_subject(sentence: str, start: int, printed: str) -> str | None:
    noun = _CLAIM_NOUN.match(printed)
    if noun and noun["noun"].split()[-1].lower() not in _GENERIC_NOUNS:
        return noun["noun"]
    clause = _clause_before(sentence, start)
    verb = _CLAUSE_VERB.match(clause)
    subject = _LEADING_JOINERS.sub("", verb["subject"]).strip(" ,") if verb else ""
    return subject or None


_CLAUSE_BREAK = re.compile(
    r"\b(?:reports?|reported|found|finds|says|said|shows?|showed|estimates?|estimated|notes?|noted|"
    r"predicts?|predicted|highlights?|reveals?|revealed|indicates?)\s+that\b|"
    r"[;:—–]|,\s+(?=(?:and|but|while|whereas|though|although|with|as)\b)|\b(?:while|whereas|where|when)\b|\("
)


def _clause_before(sentence: str, position: int) -> str:
    """The text of the clause that ends at `position` (from the last clause break before it)."""
    left = sentence[:position]
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(left)]
    return left[breaks[-1] if breaks else 0 :].strip()


# ---------------------------------------------------------------------------------------------
# Subjects: what a figure is about


@dataclass(frozen=True)
class Subject:
    """The skill, category or statement a figure is about, and who the sentence credits for it."""

    name: str
    category: str | None = None
    kind: str = "skill"  # skill | statement
    source: str | None = None
    how: str = "verb"  # which rule found it: mapping, label, parenthesis, share_of, object, verb, back_reference, clause


@dataclass(frozen=True)
class SubjectRule:
    """A manifest's declared subject for sentences whose wording is too loose to read."""

    match: str
    skill: str
    category: str | None = None


_VERBS = (
    r"is|are|was|were|has|have|had|grew|grow|grows|growing|grown|rose|rise|rises|rising|risen|"
    r"increased|increases|increasing|climbed|climbing|jumped|jumping|surged|surging|soared|soaring|"
    r"gained|declined|declining|dropped|dropping|fell|falling|fallen|plummeted|tumbled|slid|"
    r"saw|sees|see|seeing|reported|reports|experienced|hit|hitting|reached|reaching|remain|remains|"
    r"remained|stood|stands|rested|up|down|off|accounted|made|making|comprising|comprised|"
    r"represented|commanded|command|commands|offer|offers|carry|carries|paid|pay|pays|topped|led|"
    r"leads|will|would|could|may|might|can|plans?|planned|expects?|expected|projected|forecast|say|says|"
    r"said|mentioned|mention|showed|shows|totaled|totalled|announced|boost|increase|doubled|tripled|"
    r"skyrocketed|spiked|expanded|shrank|contracted|followed|witnessing|seeing|recording|earning|"
    r"commanding|at"
)
_VERB = re.compile(rf"\b(?:{_VERBS})\b", re.I)
_LEAD_INS = re.compile(
    r"^(?:(?:and|but|while|whereas|though|although|even as|meanwhile|also|still|yet|however|"
    r"notably|in contrast|for instance|for example|by contrast|close behind|at the same time|"
    r"as (?:a result|well)|with)\b[\s,]*)+|"
    r"^(?:according to|as|in|on|at|by|for|during|over|since|after|before|despite|with|of|among|"
    r"so far|this|last|overall)\b[^,]*,\s*",
    re.I,
)
_DEMAND_FOR = re.compile(
    r"^(?:(?:the\s+)?(?:demand|hiring|postings|listings|job postings|searches|need)\s+(?:for|of)\s+"
    r"(?:(?:skills?|roles?|talent)\s+(?:like|such as|in)\s+)?|the (?:number|share|percent(?:age)?) of\s+|"
    r"mentions of\s+|(?:flexible\s+)?hiring in\s+|(?:the|a|an)\s+)",
    re.I,
)
_ANAPHOR = re.compile(
    r"^(?:(?:(?:demand|hiring|growth)\s+for\s+)?(?:that|this|the|such|these|those|its|their)\s+"
    r"(?:skill|skills|category|categories|role|roles|area|one|ones|figure|number|trend|field|job|jobs)|"
    r"it|they|this|that|these|those|the figure|the number)$",
    re.I,
)
_BULLET_LABEL = re.compile(r"^\s*(?:[-*•‣▪\u2013]|\d+[.)])?\s*(?P<label>[^:]{1,120}?)\s*:\s*")
_OBJECT = re.compile(
    r"^\s*(?:[\w\u2011-]+\s+){0,2}?(?:increase|rise|jump|surge|growth|gain|drop|decline|decrease|fall|"
    r"premium|spike|uptick|boost|climb)\s+(?:in|for|of)\s+(?:demand\s+for\s+)?(?P<x>.+)",
    re.I,
)
_COMPARED_NOUN = re.compile(r"^\s*(?:fewer|more|as many|times as many)\s+(?P<x>.+)", re.I)
_SHARE_OF = re.compile(r"^\s*\)?\s*of\s+(?:the\s+|all\s+)?(?P<x>.+)", re.I)
_COUNT_NOUN = re.compile(
    r"^\s+(?P<x>(?:(?!(?:in|on|from|across|for|that|who|which|with|by|at|to|as)\b)[\w&’'.-]+\s?){1,6})"
)
_RIGHT_END = re.compile(
    r"[,;:—–()]|\s(?:compared|while|whereas|but|and\s+(?=\d)|according|as of|by \d{4}|in \d{4}|"
    r"(?:is|are|was|were)\s+(?:up|down)|than|from|since)\b|[.!?]\s*$"
)
_PERIOD_TAIL = re.compile(
    r"\s+(?:by|in|for|through|during|since|from|as of)\s+(?:the\s+)?(?:year\s+)?(?:(?:Q[1-4]|H[12]|[A-Z][a-z]+)\s+)?(?:1[89]|20)\d\d\b.*$"
    r"|\s+(?:at|by) the (?:end|start|beginning) of\b.*$"
    r"|\s+(?:this|last|next)\s+(?:year|month|quarter)\b.*$"
    r"|\s+(?:in\s+the\s+)?(?:next|past|last)\s+\w+\s+(?:months|years|weeks|quarters)\b.*$"
)
_SOURCE = re.compile(
    r"(?i:according to|data from|(?:a |the )?(?:new |recent |latest )?(?:report|study|survey|research|analysis)"
    r" (?:from|by))\s+(?:the\s+)?(?P<a>[A-Z][\w&’'.-]*(?:\s+(?:of\s+|for\s+|and\s+)?[A-Z][\w&’'.-]*)*)"
    r"|(?:the\s+)?(?P<b>[A-Z][\w&’'.-]*(?:\s+(?:of\s+|for\s+|and\s+)?[A-Z][\w&’'.-]*)*)\s+"
    r"(?:estimates|estimated|found|finds|reports|reported|says|said|predicts|predicted|forecasts|"
    r"expects|projects|projected|notes|noted|shows|showed)\b"
)
_NOT_SOURCES = frozenset({"While", "The", "This", "That", "It", "But", "And", "A", "An", "I", "We"})
_EXPLETIVES = frozenset({"there", "which", "who", "that", "it", "this"})
_RELATIVES = frozenset({"which", "who", "that"})
_DATA_FROM = re.compile(r"^(?:data|figures|numbers) from (?:our|the|its|their)\s+", re.I)
_EMPTY_CLAUSE = re.compile(rf"^(?:\W|\b(?:and|but|or|then|yet|so|while|though|{_VERBS})\b)*$", re.I)
_ANTECEDENT = re.compile(
    r"\b(?:fastest|most in[- ]demand|top|leading|biggest|largest|hottest)\b[^.]*?\b(?:is|was|are|were)\s+"
    r"(?:actually\s+)?(?P<x>[^()]+?)\s*(?:\((?:a |an )?(?:type|kind|form|part|subset|branch) of (?P<cat>[^)]+)\))?\s*[.!]?$",
    re.I,
)


_EDGE_PUNCTUATION = " ,.;:—–-\"'()\u201c\u201d\u2018\u2019"


def _tidy(text: str | None) -> str | None:
    """Collapse spaces, drop quotes, joiners and edge punctuation; None when nothing is left."""
    if text is None:
        return None
    text = " ".join(text.split()).strip(_EDGE_PUNCTUATION)
    text = _LEAD_INS.sub("", text).strip(" ,")
    return text or None


def credited_source(sentence: str, before: int) -> str | None:
    """Who the sentence credits ('the World Economic Forum estimates that ...'), nearest before `before`."""
    found = None
    for match in _SOURCE.finditer(sentence[:before]):
        name = (match["a"] or match["b"] or "").removesuffix("’s").removesuffix("'s").strip()
        words = name.split()
        while words and words[0] in _NOT_SOURCES:
            words.pop(0)
        if words:
            found = " ".join(words)
    return found


def antecedent(sentence: str) -> Subject | None:
    """The skill a sentence without figures names for the next one to refer back to."""
    match = _ANTECEDENT.search(sentence)
    if not match:
        return None
    name = _tidy(match["x"])
    return Subject(name, _tidy(match["cat"]), "skill", how="back_reference") if name else None


def find_subject(
    sentence: Sentence,
    start: int,
    end: int,
    measure: str | None,
    previous: Subject | None,
    rules: tuple[SubjectRule, ...] = (),
    ellipsis: Subject | None = None,
) -> Subject | None:
    """The subject of the figure at text[start:end], by the first rule that finds one (see docs/formats.md)."""
    text = sentence.text
    source = credited_source(text, start)
    for rule in rules:
        if re.search(rule.match, text, re.I):
            return Subject(rule.skill, rule.category, "skill", source, "mapping")
    if measure == "money":
        return _money_subject(text, start, end, source)
    found = (
        _label_subject(sentence, start)
        or _parenthesis_subject(text, start, end)
        or _share_subject(text, start, end, measure)
        or _object_subject(text, end, measure)
        or _verb_subject(text, start, measure)
    )
    if found is not None and _ANAPHOR.match(found.name):
        found = (
            None
            if previous is None
            else Subject(
                previous.name,
                previous.category,
                previous.kind,
                source or previous.source,
                "back_reference",
            )
        )
        return found
    if (
        found is None
        and ellipsis is not None
        and _EMPTY_CLAUSE.match(text[_clause_start(text, start) : start])
    ):
        # '... a jump of 136% from December, but down 20% year over year': the same subject.
        return Subject(
            ellipsis.name, ellipsis.category, ellipsis.kind, source or ellipsis.source, "ellipsis"
        )
    if found is None and measure not in (None, "growth_pct"):  # a change needs a skill
        found = _clause_subject(text, start, end)
    if found is None:
        return None
    kind = "statement" if measure == "money" else found.kind
    return Subject(found.name, found.category, kind, source, found.how)


def _money_subject(text: str, start: int, end: int, source: str | None) -> Subject | None:
    """Money is a statement: the sentence with the amount left out ('Alphabet ... are forecast to
    drop … on AI in 2026 alone'), without a lead-in such as 'As I recently reported,'."""
    name = _tidy(text[:start] + " … " + text[end:])
    return Subject(name, None, "statement", source, "clause") if name and name != "…" else None


def _label_subject(sentence: Sentence, start: int) -> Subject | None:
    """'- Category: Skill is up 178%' (bullets) and 'Skill: +23%' (a figure right after the colon)."""
    label = _BULLET_LABEL.match(sentence.text)
    if not label or label.end() > start:
        return None
    name = _tidy(label["label"])
    if not name:
        return None
    # 'Skill: +23%' or 'Skill: -9% qoq, but +26% yoy': a figure right after the colon; every
    # figure of the line is the label's.
    if label.end() == start or re.match(r"[+\-−\d$€£]", sentence.text[label.end() :]):
        return Subject(name, None, "skill", how="label")
    if sentence.bullet:
        inner = _verb_subject(sentence.text, start, "growth_pct", floor=label.end())
        if inner is not None:
            return Subject(inner.name, name, "skill", how="label")
    return None


def _parenthesis_subject(text: str, start: int, end: int) -> Subject | None:
    """'Virtual Assistance (+18%)', 'Finland (16x)': the name just before the bracket."""
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    if not before.endswith("(") or not after.startswith(")"):
        return None
    if _SHARE_OF.match(after[1:]):
        return None  # 'a majority (52%) of postings': the share rule reads it
    left = before[:-1]
    cut = max(
        (
            m.end()
            for m in re.finditer(
                r",|;|:|\b(?:and|or|for|like|include|including|such as|in|with)\b", left
            )
        ),
        default=0,
    )
    name = _tidy(_DEMAND_FOR.sub("", left[cut:].strip()))
    return Subject(name, None, "skill", how="parenthesis") if name else None


def _share_subject(text: str, start: int, end: int, measure: str | None) -> Subject | None:
    """'39% of workers' skills will be transformed ... by 2030': a statement about those."""
    after = text[end:]
    if after.lstrip().startswith(")"):
        after = after.lstrip()[1:]
    match = _SHARE_OF.match(after)
    if not match or measure not in (None, "share_pct"):
        return None
    rest = match["x"]
    stop = re.search(
        r"[;—–(]|,\s|\s(?:while|whereas|but|compared|according)\b|[.!?]\s*$|[.!?]\s", rest
    )
    name = _tidy(_PERIOD_TAIL.sub("", rest[: stop.start()] if stop else rest))
    return Subject(name, None, "statement", how="share_of") if name else None


def _object_subject(text: str, end: int, measure: str | None) -> Subject | None:
    """'a 38% surge in game design', '2.4 million job posts': the thing named after the figure."""
    after = text[end:]
    match = _OBJECT.match(after) or _COMPARED_NOUN.match(after)
    if match:
        return _ended(match["x"], "skill", "object")
    if measure == "count":
        noun = _COUNT_NOUN.match(after)
        if noun and not _VERB.match(noun["x"].strip()):
            return _ended(noun["x"], "statement", "object")
    return None


def _ended(rest: str, kind: str, how: str) -> Subject | None:
    stop = _RIGHT_END.search(rest)
    name = _tidy(_PERIOD_TAIL.sub("", rest[: stop.start()] if stop else rest))
    return Subject(name, None, kind, how=how) if name else None


def _verb_subject(text: str, start: int, measure: str | None, floor: int = 0) -> Subject | None:
    """'Demand for that skill is up ...', 'AI integration skills grew 178%': the clause's subject."""
    clause_start = _clause_start(text, start, floor)
    clause = text[clause_start:start]
    verb = _VERB.search(clause)
    # No verb before the figure: the figure's own words hold it ('Planned hiring dropped 13%').
    head = clause if verb is None else clause[: verb.start()]
    name = _tidy(_DEMAND_FOR.sub("", _tidy(head) or ""))
    if name and name.casefold() in _RELATIVES and clause_start > floor:
        # 'our Job Postings Index — which stands 18% above': the noun before the break.
        before = text[_clause_start(text, clause_start - 1, floor) : clause_start]
        name = _tidy(
            _DEMAND_FOR.sub("", _tidy(_DATA_FROM.sub("", before.rstrip(" —–-,(;:"))) or "")
        )
    if not name:
        return None
    if name.casefold() in _EXPLETIVES:
        return None  # 'There are 35% fewer listings': the object rule reads what follows
    if len(name.split()) > 12:
        return None  # a whole clause, not a name
    kind = "statement" if measure in ("count", "money") else "skill"  # amounts of things
    return Subject(name, None, kind, how="verb")


def _clause_start(text: str, position: int, floor: int = 0) -> int:
    left = text[:position]
    breaks = [m.end() for m in _CLAUSE_BREAK.finditer(left) if m.end() > floor]
    return max([floor, *breaks])


def _clause_subject(text: str, start: int, end: int) -> Subject | None:
    """A statement subject: the figure's clause with the figure left out."""
    clause_start = _clause_start(text, start)
    stop = _CLAUSE_BREAK.search(text, end)
    clause = text[clause_start:start] + " … " + text[end : stop.start() if stop else len(text)]
    name = _tidy(clause)
    return Subject(name, None, "statement", how="clause") if name and name != "…" else None


# ---------------------------------------------------------------------------------------------
# Reading: sentences -> figures with subjects, claims, and what yielded nothing

_NOT_A_FIGURE_AFTER = re.compile(
    r"^\s*(?:-\s*)?(?:years?|months?|weeks?|days?|hours?|minutes?|quarters?|decades?|centuries)\b",
    re.I,
)
_NOT_A_FIGURE_BEFORE = re.compile(
    r"\b(?:page|pages|table|figure|fig\.|chart|chapter|section|no\.|number|item|step|tier|level|phase|top)\s*$",
    re.I,
)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class ProseReading:
    """What one file's prose yielded: figures, claims, and sentences with digits that gave nothing."""

    figures: list[dict]
    claims: list[dict]
    leftovers: list[dict]


_MONTH_BEFORE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s*$", re.I
)
_EDITION_AFTER = re.compile(r"^\s*(?:annual|edition|anniversary|century)\b", re.I)
_PERIOD_HALF = re.compile(r"\b(?:first|second|the)\s+$", re.I)
_OF_YEAR = re.compile(r"^\s+of\s+(?:the\s+)?(?:year|(?:1[89]|20)\d\d)\b", re.I)
_GLUED_FOOTNOTE = re.compile(r"[A-Za-z)\]”\",.;:]$")


def is_figure(sentence: str, figure) -> bool:
    """False for numbers that count time ('next three months'), label a page or a table, are
    years, dates ('July 7th'), editions ('27th Annual'), halves of a year, or footnote marks glued
    to a word ('December,2')."""
    text = figure.text.strip()
    before, after = sentence[: figure.start], sentence[figure.end :]
    if figure.unit in ("number", "count") and re.fullmatch(r"(?:1[89]|20)\d\d(?:,\d{1,2})?", text):
        return False
    if (
        figure.unit in ("number", "count")
        and re.fullmatch(r"\d{1,2}", text)
        and _GLUED_FOOTNOTE.search(before)
    ):
        return False
    if figure.unit == "rank" and (_MONTH_BEFORE.search(before) or _EDITION_AFTER.match(after)):
        return False
    if text.lower() == "half" and _PERIOD_HALF.search(before) and _OF_YEAR.match(after):
        return False
    if not before.strip() and re.match(r"^[.)]\s", after) and re.fullmatch(r"\d{1,2}", text):
        return False  # '1. Demand for ...': a list number
    if re.match(r"^-digits?\b", after, re.I):
        return False  # 'double-digit growth' names no amount
    if figure.unit in ("number", "count") and _NOT_A_FIGURE_AFTER.match(sentence[figure.end :]):
        return False
    return not (figure.unit == "number" and _NOT_A_FIGURE_BEFORE.search(sentence[: figure.start]))


_GROWTH_WORDS = re.compile(
    r"\b(?:grow|grew|grown|growing|growth|rise|rose|risen|rising|increase[sd]?|increasing|up|down|"
    r"jump(?:ed)?|surge[sd]?|premiums?|faster|slower|higher|lower|above|below|gain(?:ed)?|"
    r"declined?|drop(?:ped)?|fell|fall(?:en)?|change[sd]?)\b",
    re.I,
)
_LISTED = re.compile(r"^(?:\s+(?:in|for|among)\s+[\w ]{1,25}?)?\s*(?:,|,?\s+and|,?\s+or)\s+$", re.I)
_SHARE_NEXT = re.compile(r"^\s*\)?\s*of\b", re.I)
_CHANGE_NEXT = re.compile(r"^\s*(?:above|below|higher|lower|more|less|faster|slower)\b", re.I)
_LEVEL_BEFORE = re.compile(r"\b(?:to|from|at)\s+(?:just\s+|about\s+|around\s+|nearly\s+)?$", re.I)
_GROWTH_NOUN = re.compile(r"\b(?:growth|premiums?)\b", re.I)


def _restated_once(figures: list, sentence: str) -> list:
    """'over half (63%) of employers' is one figure, the percent: a fraction restated in brackets."""
    kept = []
    for figure, following in zip(figures, [*figures[1:], None], strict=False):
        restated = (
            following is not None
            and figure.unit == "fraction"
            and re.fullmatch(r"\s*\(\s*", sentence[figure.end : following.start])
        )
        if not restated:
            kept.append(figure)
    return kept


def figure_measure(sentence: str, figure, declared: str | None) -> str | None:
    """What the figure measures: a multiple is a ratio as printed ('3.5 times faster' is not +250%);
    else the figure's own words (measure_hint); else the table's declared measure; else, for a
    percent, a share unless its clause speaks of change."""
    if figure.unit == "multiple":
        return "ratio"
    if figure.measure_hint:
        return figure.measure_hint
    if declared:
        return declared
    if figure.unit in ("percent", "fraction"):
        after, before = sentence[figure.end :], sentence[: figure.start]
        if _SHARE_NEXT.match(after):
            return "share_pct"
        if _CHANGE_NEXT.match(after):
            return "growth_pct"
        clause = before[_clause_start(sentence, figure.start) :]
        if _LEVEL_BEFORE.search(before):  # 'rose to 55%', 'up from 44%', 'higher at 20%': a level
            return "growth_pct" if _GROWTH_NOUN.search(clause) else "share_pct"
        return "growth_pct" if _GROWTH_WORDS.search(clause) else "share_pct"
    return None


def read_sentences(
    sentences: list[Sentence],
    find_figures,
    default_measure: str | None = None,
    rules: tuple[SubjectRule, ...] = (),
) -> ProseReading:
    """Every figure with its subject and span, every claim, and the leftovers, in reading order."""
    figures, claims, leftovers = [], [], []
    previous: Subject | None = None
    for sentence in sentences:
        text = sentence.text
        found = _restated_once([f for f in find_figures(text) if is_figure(text, f)], text)
        said = find_claims(text)
        subjects: list[Subject] = []
        in_sentence: list[Subject] = []  # 'job cuts ... were at 946,426, though they plummeted 37%'
        measures: list[str | None] = []
        for index, figure in enumerate(found, 1):
            measure = figure_measure(text, figure, default_measure)
            listed = _LISTED.match(text[found[index - 2].end : figure.start]) if index > 1 else None
            if listed and figure.measure_hint is None:
                measure = measures[
                    -1
                ]  # 'up from 44% in 2022 and 39% in 2019': one list, one measure
            measures.append(measure)
            referred = in_sentence[-1] if in_sentence else previous
            subject = find_subject(
                sentence,
                figure.start,
                figure.end,
                measure,
                referred,
                rules,
                in_sentence[-1] if in_sentence else None,
            )
            if subject is not None:
                in_sentence.append(subject)
                if subject.kind == "skill":
                    subjects.append(subject)
            figures.append(_figure_row(sentence, figure, index, measure, subject))
        for claim in said:
            claims.append(_claim_row(sentence, claim))
        if not found and not said and _HAS_DIGIT.search(text):
            leftovers.append(_sentence_row(sentence))
        previous = (
            subjects[-1] if subjects else (antecedent(text) or (previous if not found else None))
        )
    return ProseReading(figures, claims, leftovers)


def _span(sentence: Sentence, start: int, end: int) -> str:
    """start-end of characters in the sentence (source_text), as table cells give theirs."""
    return f"{start}-{end}"


def _figure_row(
    sentence: Sentence, figure, index: int, measure: str | None, subject: Subject | None
) -> dict:
    return {
        "source_row": sentence.row,
        "source_span": _span(sentence, figure.start, figure.end),
        "figure_index": index - 1,
        "figure_text": figure.text,
        "value": _value(figure, measure),
        "value_low": figure.low,
        "value_high": figure.high,
        "value_qualifier": figure.qualifier,
        "unit": figure.unit,
        "currency": figure.currency,
        "comparison": figure.comparison,
        "measure": measure,
        "period_text": figure.period_text,
        "is_horizon": figure.horizon,
        "subject": subject.name if subject else None,
        "category": subject.category if subject else None,
        "subject_kind": subject.kind if subject else None,
        "subject_source": subject.source if subject else None,
        "subject_rule": subject.how if subject else None,
        "source_text": sentence.published,
        "sentence_span": f"{sentence.start}-{sentence.end}",
    }


def _value(figure, measure: str | None) -> float | None:
    """The figure on the measure's scale (flows.figures.in_measure); None when it cannot hold it.

    Money is an amount, never a change: 'drop $650 billion on AI' is spending, not a fall."""
    if measure is None:
        return None
    value = in_measure(figure, measure)
    return abs(value) if value is not None and measure == "money" else value


def _claim_row(sentence: Sentence, claim: Claim) -> dict:
    return {
        "kind": claim.kind,
        "reference": claim.reference,
        "subject": claim.subject,
        "claim_text": claim.text,
        "source_row": sentence.row,
        "source_span": _span(sentence, claim.start, claim.end),
        "source_text": sentence.published,
    }


def _sentence_row(sentence: Sentence) -> dict:
    return {
        "source_row": sentence.row,
        "source_span": _span(sentence, 0, len(sentence.text)),
        "source_text": sentence.published,
    }
