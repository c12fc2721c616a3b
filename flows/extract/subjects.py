"""What a figure in a sentence is about: a skill, a category or a statement, and whom the sentence credits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.extract.claims import CLAUSE_BREAK
from flows.extract.sentences import Sentence

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
    r"^(?:according to|compared (?:with|to)|as|in|on|at|by|for|during|over|since|after|before|despite|with|of|among|"
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
    r"it|they|this|that|these|those|the figure|the number|skill|category|field)$"
    # "Its year-over-year growth", "Their share of postings": the thing named before.
    r"|^(?:its|their)\s+(?:[\w-]+\s+){0,2}?(?:growth|demand|share|rise|increase|decline|pay|"
    r"salar(?:y|ies)|postings|rate|billings|premium)\b",
    re.I,
)
_BULLET_LABEL = re.compile(r"^\s*(?:[-*•‣▪\u2013]|\d+[.)])?\s*(?P<label>[^:]{1,120}?)\s*:\s*")
# What follows the colon of 'Skill: +23%', 'Skill: up 140%', 'Skill: over 300%': a figure, maybe
# worded; not a name that starts with digits ('- Design: 3D Modeling is down 45%'), though '16x',
# '5k' and '3bn' are figures.
_LABEL_FIGURE = re.compile(
    r"(?i:(?:up|down|over|nearly|about|around|roughly|more than|less than)\s+)?[+\-−$€£]?"
    r"\d[\d.,]*+(?!(?!x\b|k\b|m\b|bn\b|pp\b)[A-Za-z])"
)
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
    r"|\s+(?:in|during|since|for)\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?$"
)
_WE_SEE_THAT = re.compile(r"\b(?:we|i|you)\s+(?:[a-z]+\s+){1,2}?that\s+", re.I)
# 'in May', 'since May': the month, not the verb 'may'.
_MONTH_MAY = re.compile(r"\b(?:in|of|since|from|to|by|until|through|early|late|mid|end)\s+$", re.I)
_SOURCE = re.compile(
    r"(?i:according to|data from|(?:a |the )?(?:new |recent |latest )?(?:report|study|survey|research|analysis)"
    r" (?:from|by))\s+(?:the\s+)?(?P<a>[A-Z][\w&’'.-]*(?:\s+(?:of\s+|for\s+|and\s+)?[A-Z][\w&’'.-]*)*)"
    r"|(?:the\s+)?(?P<b>[A-Z][\w&’'.-]*(?:\s+(?:of\s+|for\s+|and\s+)?[A-Z][\w&’'.-]*)*)\s+"
    r"(?:estimates|estimated|found|finds|reports|reported|says|said|predicts|predicted|forecasts|"
    r"expects|projects|projected|notes|noted|shows|showed)\b"
)
# Each way of crediting a source holds one of these words (a cheap test before _SOURCE's search).
_SOURCE_WORDS = re.compile(
    r"according to|data from|report|study|survey|research|analysis|estimate|found|finds|says|said|"
    r"predict|forecasts|expects|project|note|show",
    re.I,
)
_NOT_SOURCES = frozenset({"While", "The", "This", "That", "It", "But", "And", "A", "An", "I", "We"})
_EXPLETIVES = frozenset({"there", "which", "who", "that", "it", "this"})
_RELATIVES = frozenset({"which", "who", "that"})
# "It grew", "They have risen by": a pronoun that changed is the thing named before, never an
# expletive ("It is estimated that 40% ..." has no change verb and keeps its own reading).
_PRONOUN_CHANGED = re.compile(
    r"^\W*(?:(?:it|they|this)\s+(?:is|was|are|were)\s+(?:up|down)"
    r"|(?:it|they)\s+(?:has\s+|have\s+|had\s+)?(?:grew|grown|rose|risen|fell|fallen|jumped|"
    r"surged|increased|decreased|declined|dropped|climbed|soared|gained|slipped|dipped|plunged|"
    r"saw|experienced|posted|recorded))\b(?:\s+(?:by|a|an|nearly|almost|about|over|more than))*\s*$",
    re.I,
)
_DATA_FROM = re.compile(r"^(?:data|figures|numbers) from (?:our|the|its|their)\s+", re.I)
_EMPTY_CLAUSE = re.compile(rf"^(?:\W|\b(?:and|but|or|then|yet|so|while|though|{_VERBS})\b)*$", re.I)
_ANTECEDENT = re.compile(
    r"\b(?:fastest|most in[- ]demand|top|leading|biggest|largest|hottest)\b[^.]*?\b(?:is|was|are|were)\s+"
    r"(?:actually\s+)?(?P<x>[^()]+?)\s*(?:\((?:a |an )?(?:type|kind|form|part|subset|branch) of (?P<cat>[^)]+)\))?\s*[.!]?$",
    re.I,
)


# A name made only of numbers, number words, percent words and time words names no subject.
_NO_NAME = re.compile(
    r"^(?:[\s\W]|\d[\d.,]*|per\s?cent|percent|pct|only|just|about|nearly|almost|some|in|of|the|"
    r"week|day|month|quarter|q[1-4]|h[12]|fy\d*|zero|one|two|three|four|five|six|seven|eight|nine|"
    r"ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion)*$",
    re.I,
)
_BRACKET_FRAGMENT = re.compile(r"^[^()]*\)")  # closes a bracket it never opened
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
    if not _SOURCE_WORDS.search(sentence, 0, before):
        return None
    found = None
    for match in _SOURCE.finditer(sentence[:before]):
        name = (match["a"] or match["b"] or "").removesuffix("’s").removesuffix("'s").strip()
        words = name.split()
        while words and words[0] in _NOT_SOURCES:
            words.pop(0)
        if words:
            found = " ".join(words)
    return found


# "Machine learning remains the most in-demand skill.", "..., and machine learning tops the list
# of fastest-growing skills.": the skill opens its clause, the ranking words follow it.
_RANKED_FIRST = re.compile(
    r"(?:^|,\s+and\s+|;\s+)(?!(?:the|this|that|it|they|there|which|who|we|our|its|their)\b)"
    r"(?P<x>[A-Za-z][\w.&+#/' -]{1,60}?)\s+(?:(?:is|was|remains|remained|are|were)\s+(?:still\s+)?"
    r"(?:the|a)\s+(?:most[\w -]*?|fastest[\w -]*?|top|leading|hottest|biggest|largest)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:skill|skills|technology|tool|role)"
    r"|(?:tops|topped|leads|led)\s+the\s+(?:list|ranking|rankings|index)"
    r"|(?:is|are|was|were|remains|remained)\s+in\s+(?:high\s+|hot\s+|strong\s+)?demand)\b[^.;]*[.!]?$"
    r"|^(?:demand|hiring|searches|postings)\s+for\s+(?P<y>[\w.&+#/' -]{2,60}?)\s+(?:soared|surged|"
    r"rose|grew|jumped|climbed|spiked|boomed|increased)\b[^.;]*[.!]?$",
    re.I,
)


def antecedent(sentence: str) -> Subject | None:
    """The skill a sentence without figures names for the next one to refer back to."""
    match = _ANTECEDENT.search(sentence)
    if not match and (ranked := _RANKED_FIRST.search(sentence)):
        name = _tidy(ranked["x"] or ranked["y"])
        return Subject(name, None, "skill", how="back_reference") if name else None
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
    if found is not None and _NO_NAME.match(found.name):
        found = None  # '10 (40 percent)', 'In week 12', 'Q2': a number or a time names nothing
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
        and previous is not None
        and _PRONOUN_CHANGED.match(text[clause_opening(text, start) : start])
    ):
        # 'Machine learning remains the most in-demand skill. It grew 12% ...': the skill before.
        return Subject(
            previous.name, previous.category, previous.kind, source or previous.source,
            "back_reference",
        )  # fmt: skip
    if (
        found is None
        and ellipsis is not None
        and _EMPTY_CLAUSE.match(text[clause_opening(text, start) : start])
    ):
        # '... a jump of 136% from December, but down 20% year over year': the same subject.
        return Subject(
            ellipsis.name, ellipsis.category, ellipsis.kind, source or ellipsis.source, "ellipsis"
        )
    if found is None and measure not in (None, "growth_pct"):  # a change needs a skill
        found = _clause_subject(text, start, end)
    if found is None or _BRACKET_FRAGMENT.match(found.name):
        return None  # '40 percent) declined, …': a piece of a bracketed figure, no name
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
    if label.end() == start or _LABEL_FIGURE.match(sentence.text[label.end() :]):
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
    clause_start = clause_opening(text, start, floor)
    if said := _WE_SEE_THAT.search(text, clause_start, start):
        clause_start = said.end()  # 'we see that AI job postings have increased 48%'
    clause = text[clause_start:start]
    verbs = [
        v
        for v in _VERB.finditer(clause)
        if v[0] != "May" or not _MONTH_MAY.search(clause, 0, v.start())
    ]
    if len(verbs) > 1 and not clause[: verbs[0].start()].strip() and verbs[0][0].endswith("ed"):
        verbs = verbs[1:]  # 'Planned hiring dropped 13%': the participle is part of the subject
    verb = verbs[0] if verbs else None
    # No verb before the figure: the figure's own words hold it ('Planned hiring dropped 13%').
    head = clause if verb is None else clause[: verb.start()]
    name = _tidy(_PERIOD_TAIL.sub("", _DEMAND_FOR.sub("", _tidy(head) or "")))
    if name and name.casefold() in _RELATIVES and clause_start > floor:
        # 'our Job Postings Index — which stands 18% above': the noun before the break.
        before = text[clause_opening(text, clause_start - 1, floor) : clause_start]
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


def clause_opening(text: str, position: int, floor: int = 0) -> int:
    left = text[:position]
    breaks = [m.end() for m in CLAUSE_BREAK.finditer(left) if m.end() > floor]
    return max([floor, *breaks])


def _clause_subject(text: str, start: int, end: int) -> Subject | None:
    """A statement subject: the figure's clause with the figure left out."""
    clause_start = clause_opening(text, start)
    stop = CLAUSE_BREAK.search(text, end)
    clause = text[clause_start:start] + " … " + text[end : stop.start() if stop else len(text)]
    name = _tidy(clause)
    return Subject(name, None, "statement", how="clause") if name and name != "…" else None
