"""Identity keys of a name: acronyms, nicknames, vendor prefixes, .js suffixes, diacritics; the loose key (endings cut, action noun first); the rule types."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from flows.normalize.name_keys import (
    DIRECTIONAL,
    PARENTHETICAL,
    STOPWORDS,
    normalize_name,
    slugify,
)

MEMO_LIMIT = 200_000

UNREGISTERED_PREFIX = "u-"
ACRONYM_TOKEN = re.compile(r"^[A-Z][A-Z0-9&+/-]{1,7}s?$")
ANY_ACRONYM = re.compile(r"\s[A-Z][A-Z0-9&+/-]{1,7}s?(?:\s|$)")
BRACKETED = re.compile(r"([^()]*?)\(\s*([^()\s]+)\s*\)")
NOT_ALNUM = re.compile(r"[^a-z0-9]")
WORD_BREAK = re.compile(r"[\s/-]+")


@dataclass(frozen=True)
class Concept:
    """Where an identity key leads: a registry id or an imported concept."""

    canonical_id: str
    name: str
    esco_uri: str | None = None
    onet_code: str | None = None


@dataclass(frozen=True)
class Rules:
    """The acronym table (one expansion per acronym, else no contraction), vendors and generic words."""

    contractions: Mapping[tuple[str, ...], str]  # expansion tokens -> acronym
    vendors: tuple[tuple[str, ...], ...]  # longest first
    vendor_starts: frozenset[str]
    generic: frozenset[str]
    keep_js: frozenset[str]
    drop_prefix: tuple[tuple[str, ...], ...]  # "perform data analysis" is "data analysis"
    drop_suffix: tuple[tuple[str, ...], ...]  # "Agile methodology" is "Agile"
    expansions: Mapping[str, tuple[str, ...]]  # acronym -> its one expansion
    nicknames: Mapping[str, tuple[str, ...]]  # "golang" -> ("go",), "vb" -> ("visual", "basic")
    # first word of an expansion -> the expansions' lengths, longest first
    expansion_sizes: Mapping[str, tuple[int, ...]]


@dataclass(frozen=True)
class Identities:
    """Identity keys of the registry and of imported labels, for names the matcher did not resolve."""

    rules: Rules
    registry: Mapping[str, frozenset[str]]  # identity key -> registry ids
    registry_loose: Mapping[str, frozenset[str]]  # loose key -> registry ids
    registry_parts: Mapping[str, frozenset[str]]  # loose key of one action of 'P X and Y' -> ids
    external_exact: Mapping[str, tuple[Concept, ...]]  # normalized label key -> concepts
    external: Mapping[str, tuple[Concept, ...]]  # identity key -> concepts
    external_loose: Mapping[str, tuple[Concept, ...]]  # loose key -> concepts
    concepts: Mapping[str, Concept]  # registry id -> its external ids
    fuzzy_keys: tuple[str, ...]  # imported labels open to fuzzy matching
    fuzzy_ids: tuple[str, ...]
    by_id: Mapping[str, Concept]
    # threshold -> name -> Identity (keyed by the name alone: a str caches its hash, a tuple not).
    memo: dict[float, dict[str, Identity]] = field(default_factory=dict, compare=False, repr=False)
    # threshold -> case- and spacing-folded name -> Identity, for names whose case nothing reads.
    folded: dict[float, dict[str, Identity]] = field(
        default_factory=dict, compare=False, repr=False
    )


# ---------------------------------------------------------------------------------------------
# Identity keys


def defined_acronyms(text: str) -> list[tuple[str, str]]:
    """(acronym, expansion) pairs a name defines: 'Large Language Model (LLM)', 'Apache Subversion SVN'."""
    return [(letters, expansion) for letters, expansion, _ in _definitions(text)]


@lru_cache(maxsize=1 << 16)
def _definitions(text: str) -> tuple[tuple[str, str, str], ...]:
    # Cached: a name is asked once to fold it and again to build its keys.
    if "(" not in text and not ANY_ACRONYM.search(text):
        return ()  # most names: no parentheses, no capitals run
    found: list[tuple[str, str, str]] = []
    for match in BRACKETED.finditer(text):
        found += _defines(match.group(1).split(), match.group(2))
    words = PARENTHETICAL.sub(" ", text).split()
    for i, word in enumerate(words):
        if i and ACRONYM_TOKEN.match(word):
            found += _defines(words[:i], word)
    return tuple(found)


def _defines(before: list[str], acronym: str) -> list[tuple[str, str, str]]:
    letters = NOT_ALNUM.sub("", acronym.casefold())
    letters = letters[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else letters
    if len(letters) < 2 or not acronym[0].isupper():
        return []
    words = [w for w in WORD_BREAK.split(" ".join(before)) if w]
    for skip_stopwords in (False, True):
        kept = [
            i for i, w in enumerate(words) if not (skip_stopwords and w.casefold() in STOPWORDS)
        ]
        tail = kept[-len(letters) :]
        if len(tail) == len(letters) and "".join(words[i][0].casefold() for i in tail) == letters:
            # The expansion as printed, stopwords included: "Visual Basic for Applications".
            return [(letters, " ".join(words[tail[0] :]), acronym)]
    return []


def strip_defined_acronyms(text: str, known: Collection[str] = ()) -> str:
    """The name saying each acronym it defines once: the known acronym, else the expansion.

    'Natural Language Processing (NLP)' -> 'NLP' when NLP is a known acronym, else
    'Natural Language Processing'. A known acronym wins over the name's own expansion, so
    'transact-structural query language T-SQL' is T-SQL, as everywhere else.
    """
    without = text
    for letters, expansion, token in _definitions(text):
        if letters in known:
            spelled = r"[\s/-]+".join(re.escape(w) for w in expansion.split())
            without = re.sub(spelled, " ", without, count=1)
            without = re.sub(rf"\(\s*{re.escape(token)}\s*\)", f" {token} ", without)
            continue
        without = re.sub(
            rf"\(\s*{re.escape(token)}\s*\)|(?<=\s){re.escape(token)}(?=\s|$)",
            " ",
            without,
            flags=re.IGNORECASE,
        )
    return " ".join(without.split())


def _fold(text: str) -> str:
    # Diacritics go too: 'Café' and 'Cafe' are one spelling.
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


JS_SUFFIX = re.compile(r"\b([A-Za-z]{3,})\.?js\b", re.IGNORECASE)


def base_tokens(text: str, known: Collection[str] = ()) -> list[str]:
    """Normalized tokens without qualifiers in parentheses, each acronym the name defines said once."""
    stripped = strip_defined_acronyms(_fold(text), known)
    if "(" in stripped:
        stripped = PARENTHETICAL.sub(" ", stripped)
    if "js" in stripped.casefold():
        stripped = JS_SUFFIX.sub(r"\1 js", stripped)
    return (normalize_name(stripped) or normalize_name(_fold(text))).split()


def identity_key(text: str, rules: Rules) -> str:
    """The key two spellings of one skill share: tokens, .js suffix, acronyms contracted, vendor dropped, no spaces."""
    return key_of(base_tokens(text, rules.expansions), rules)


def key_of(tokens: list[str], rules: Rules) -> str:
    return "".join(key_tokens(tokens, rules))


def key_tokens(tokens: list[str], rules: Rules) -> list[str]:
    if rules.nicknames and any(t in rules.nicknames for t in tokens):
        tokens = [w for t in tokens for w in rules.nicknames.get(t, (t,))]
    tokens = _contract(_drop_js(tokens, rules), rules)
    return _drop_qualifiers(_drop_vendor(tokens, rules), rules)


ARTICLES = frozenset({"a", "an", "the"})
NOMINAL_ENDINGS = ("ing", "ion", "ment")
# 'annotation and labeling' names two actions: no verb to put first.
COORDINATORS = frozenset({"and", "or"})


def loose_of(words: list[str]) -> str:
    """The identity key's words (key_tokens) with each word stemmed and a trailing action noun put first: 'data processing' = 'process data'.

    'heat pump installation' reads as 'installing heat pump' (ESCO prints skills as verb phrases,
    reports as nouns). Word order is kept around a direction word ('text to speech'). Words are
    joined without spaces, as in the identity key, so 'power bi' and 'powerbi' still meet.
    """
    words = [w for w in words if w not in ARTICLES]
    if (
        len(words) > 1
        and words[-1].endswith(NOMINAL_ENDINGS)
        and not words[0].endswith(NOMINAL_ENDINGS)
        and not DIRECTIONAL.intersection(words)
        and not COORDINATORS.intersection(words)
    ):
        words = [words[-1], *words[:-1]]
    return "".join(_stem(w) for w in words)


# 'AI video' in 'AI video generation and editing'; not 'Data' in 'Data science and analytics'.
MIN_SHARED_WORDS = 2


def conjunct_parts(words: list[str]) -> list[list[str]]:
    """'ai video generation and editing' -> 'ai video generation', 'ai video editing': each action of a shared head.

    Only a final 'X and Y' of single words after at least two shared words: 'Data science and
    analytics' (one shared word) and 'Leadership and social influence' name broader things.
    """
    if len(words) < MIN_SHARED_WORDS + 3 or words[-2] != "and" or "and" in words[:-2]:
        return []
    head, first, second = words[:-3], words[-3], words[-1]
    return [[*head, first], [*head, second]]


# Endings cut from a word, longest first, with what is left in their place. A library stemmer
# (Snowball) also rewrites word ends ('basic' stays, 'visualbasic' -> 'visualbas'; 'ruby' ->
# 'rubi'), so a word would stem differently inside a compound than alone and 'visual basic' would
# lose 'visualbasic'. These only cut inflection and action-noun endings (plurals are gone already).
ENDINGS = (
    ("ically", ""),
    ("ating", ""),
    ("ation", ""),
    ("ment", ""),
    ("ical", ""),
    ("ally", ""),
    ("ated", ""),
    ("ing", ""),
    ("ion", ""),
    ("ate", ""),
    ("ise", "is"),
    ("ize", "iz"),
    ("ed", ""),
    ("ly", ""),
)
MIN_STEM = 4


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """The word without an inflection or action-noun ending: 'installing', 'installation' -> 'install'."""
    if not word.isalpha():
        return word
    for ending, replacement in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)] + replacement
    return word


def _drop_js(tokens: list[str], rules: Rules) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if token == "js" and out and out[-1] not in rules.keep_js:
            continue
        out.append(token)
    return out


def _contract(tokens: list[str], rules: Rules) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        for size in rules.expansion_sizes.get(tokens[i], ()):
            acronym = rules.contractions.get(tuple(tokens[i : i + size]))
            if acronym is not None:
                out.append(acronym)
                i += size
                # "Amazon Web Services AWS": the acronym right after its expansion says it twice.
                if i < len(tokens) and tokens[i] == acronym:
                    i += 1
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _drop_vendor(tokens: list[str], rules: Rules) -> list[str]:
    if not tokens or tokens[0] not in rules.vendor_starts:
        return tokens
    for vendor in rules.vendors:
        rest = tokens[len(vendor) :]
        if tuple(tokens[: len(vendor)]) == vendor and rest:
            # "Google Cloud", "SAP ERP", "Microsoft Word": a generic remainder names something else.
            if all(t in rules.generic or t in STOPWORDS for t in rest):
                return tokens
            return rest
    return tokens


def unregistered_id(key: str) -> str:
    """A stable id for a name nobody registered: 'u-' and the slug of its identity key."""
    return UNREGISTERED_PREFIX + (slugify(key) or "x")


class Identity(NamedTuple):
    """A skill name's identity after the registry matcher: its id, how it was found, its external ids.

    A tuple, so a report's identities turn into columns with one zip (harmonize_with).
    """

    canonical_id: str | None
    canonical_name: str | None
    method: str
    score: float | None
    confirmed: bool
    esco_uri: str | None
    onet_code: str | None


def _drop_qualifiers(tokens: list[str], rules: Rules) -> list[str]:
    # What is left must still name something: 'A programming language' is not 'a'.
    for prefix in rules.drop_prefix:
        if tuple(tokens[: len(prefix)]) == prefix and _names_something(tokens[len(prefix) :]):
            tokens = tokens[len(prefix) :]
            break
    for suffix in rules.drop_suffix:
        if tuple(tokens[-len(suffix) :]) == suffix and _names_something(tokens[: -len(suffix)]):
            tokens = tokens[: -len(suffix)]
            break
    return tokens


def _names_something(tokens: list[str]) -> bool:
    return any(t not in STOPWORDS for t in tokens)


def expanded_text(text: str, rules: Rules) -> str | None:
    """The name with its known acronyms spelled out ('LLMs' -> 'large language model'), or None without any."""
    return expanded_of(base_tokens(text, rules.expansions), rules)


def expanded_of(tokens: list[str], rules: Rules) -> str | None:
    if "".join(tokens) in rules.expansions:
        tokens = ["".join(tokens)]  # "Gen AI" spells the acronym "genai" with a space
    if not any(t in rules.expansions for t in tokens):
        return None
    return " ".join(w for t in tokens for w in rules.expansions.get(t, (t,)))
