"""Name text -> comparison keys (case, punctuation, plurals, spelling) and the scores that compare two names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from types import MappingProxyType

from rapidfuzz import fuzz, process

from flows.normalize.printed import FOOTNOTE_MARKS

MIN_FUZZY_CHARS = 4  # "R", "C", "Go", "SAS": short names match exactly or not at all
TOKEN_MIN_SIMILARITY = 70.0
SHORTLIST_SIZE = 25
SHORTLIST_CUTOFF = 50.0


# ---------------------------------------------------------------------------------------------
# Normalization

PARENTHETICAL = re.compile(r"\([^()]*\)")
DOTTED_ACRONYM = re.compile(r"\b(?:[a-z]\.){2,}")
SEPARATORS = re.compile(r"[^\w+#]+|_")
PHRASES = ((" artificial intelligence ", " ai "),)
STOPWORDS = frozenset({"a", "an", "and", "for", "in", "of", "on", "the", "to", "with"})
SPELLING = MappingProxyType(
    {
        "analyse": "analyze",
        "analysed": "analyzed",
        "analysing": "analyzing",
        "behaviour": "behavior",
        "catalogue": "catalog",
        "centre": "center",
        "colour": "color",
        "customise": "customize",
        "digitisation": "digitization",
        "labelled": "labeled",
        "labelling": "labeling",
        "licence": "license",
        "modelled": "modeled",
        "modelling": "modeling",
        "optimisation": "optimization",
        "optimise": "optimize",
        "organisation": "organization",
        "organise": "organize",
        "programme": "program",
        "utilise": "utilize",
        "visualisation": "visualization",
        "visualise": "visualize",
    }
)


def clean_name(text: str) -> str:
    """The text as a person wrote it, minus Unicode and whitespace noise: the key of exact alias matching."""
    return " ".join(unicodedata.normalize("NFC", text).split())


# Pure functions of the text, called several times per name while matching: each text is folded once.
@lru_cache(maxsize=1 << 18)
def normalize_name(text: str) -> str:
    """Case, punctuation, '&'/'and', plurals, British spelling and 'artificial intelligence'/'AI' folded away."""
    # Footnote marks go first: NFKC would turn "Python¹" into "python1".
    folded = unicodedata.normalize("NFKC", FOOTNOTE_MARKS.sub("", text)).casefold()
    folded = folded.replace("\u2019", "").replace("'", "")
    folded = DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), folded).replace("&", " and ")
    tokens = [_canonical_token(t) for t in SEPARATORS.sub(" ", folded).split()]
    joined = f" {' '.join(t for t in tokens if t)} "
    for phrase, replacement in PHRASES:
        joined = joined.replace(phrase, replacement)
    return joined.strip()


# Names are many, their words few: each word is worked out once.
@lru_cache(maxsize=1 << 16)
def _canonical_token(token: str) -> str:
    """The word singular and in American spelling; '' for a token with no letter or digit."""
    if not any(c.isalnum() for c in token):
        return ""
    singular = _singular(token)
    return SPELLING.get(singular, singular)


def _singular(token: str) -> str:
    # Short tokens are acronyms or names ("aws", "sas", "ios"); both sides get the same rule, so a
    # mangled stem ("kubernete") still matches itself.
    if len(token) <= 3 or not token.isalpha():
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith("yses"):
        return token[:-4] + "ysis"
    if token.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return token[:-2]
    if token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


@lru_cache(maxsize=1 << 18)
def fuzzy_keys(text: str) -> tuple[str, ...]:
    """The normalized name without parenthetical qualifiers: "SQL (programming language)" -> "sql".

    Fuzzy scores leave the qualifier out, or "Programming languages" would read close to
    "SQL (programming language)" (the long qualifier outweighs the short, decisive "sql").
    """
    stripped = normalize_name(PARENTHETICAL.sub(" ", text))
    return (stripped,) if stripped else tuple(k for k in (normalize_name(text),) if k)


def name_keys(text: str) -> tuple[str, ...]:
    """Every key a name is looked up by: normalized with and without qualifiers, and the same without spaces."""
    keys = tuple(k for k in dict.fromkeys((normalize_name(text), *fuzzy_keys(text))) if k)
    return tuple(dict.fromkeys(keys + tuple(k.replace(" ", "") for k in keys)))


def slugify(name: str) -> str:
    """A lower-case slug id for a name: 'C++' -> 'c-plus-plus', 'SQL (programming language)' -> 'sql'."""
    base = PARENTHETICAL.sub(" ", name).strip() or name
    ascii_text = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode().casefold()
    ascii_text = ascii_text.replace("&", " and ").replace("+", " plus ").replace("#", " sharp ")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


# ---------------------------------------------------------------------------------------------
# Scoring


def token_alignment_score(a: str, b: str) -> float:
    """0-100: characters of aligned tokens over all characters, so a swapped word ("image"/"video") costs its length."""
    tokens_a = _content_tokens(a)
    tokens_b = _content_tokens(b)
    total = sum(map(len, tokens_a)) + sum(map(len, tokens_b))
    if not total or _another_word(tokens_a, tokens_b):
        return 0.0
    pairs = sorted(
        (
            (_token_similarity(x, y), i, j)
            for i, x in enumerate(tokens_a)
            for j, y in enumerate(tokens_b)
        ),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    aligned = 0.0
    for similarity, i, j in pairs:
        if similarity < TOKEN_MIN_SIMILARITY or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        aligned += (len(tokens_a[i]) + len(tokens_b[j])) * similarity / 100
    # A lone letter left over names a language or product ("C shell" / "shell"), however short.
    if _lone_letter_left(tokens_a, used_a) or _lone_letter_left(tokens_b, used_b):
        return 0.0
    return round(100 * aligned / total, 1)


def _another_word(tokens_a: list[str], tokens_b: list[str]) -> bool:
    # One word with letters in front is another word or product ("planner" / "xplanner"); in a
    # longer name the other words carry the meaning ("ensure" / "make sure").
    if len(tokens_a) != 1 or len(tokens_b) != 1 or tokens_a == tokens_b:
        return False
    return tokens_a[0].endswith(tokens_b[0]) or tokens_b[0].endswith(tokens_a[0])


def _lone_letter_left(tokens: list[str], used: set[int]) -> bool:
    return any(len(t) == 1 and t.isalpha() and i not in used for i, t in enumerate(tokens))


NEGATIONS = ("un", "non", "non-")
DIGITS = re.compile(r"\d+")


def _token_similarity(x: str, y: str) -> float:
    # A negation ("unsupervised" / "supervised") or a version ("ggplot2", "html5") is decisive,
    # however few letters it adds.
    similarity = fuzz.ratio(x, y)
    if similarity < TOKEN_MIN_SIMILARITY or x == y:
        return similarity
    if any(x == n + y or y == n + x for n in NEGATIONS):
        return 0.0
    if (DIGITS.search(x) or DIGITS.search(y)) and DIGITS.sub("", x) == DIGITS.sub("", y):
        return 0.0
    return similarity


def _content_tokens(key: str) -> list[str]:
    tokens = key.split()
    return [t for t in tokens if t not in STOPWORDS] or tokens


def rank_candidates(
    keys: Sequence[str], ids: Sequence[str], name: str, limit: int
) -> list[tuple[str, float]]:
    """Best (id, score) per canonical id for a name, best first: a fast shortlist, then the alignment score."""
    best: dict[str, float] = {}
    for query in fuzzy_keys(name):
        if len(query) < MIN_FUZZY_CHARS or not keys:
            continue
        shortlist = process.extract(
            query,
            keys,
            scorer=fuzz.token_set_ratio,
            processor=None,
            limit=SHORTLIST_SIZE,
            score_cutoff=SHORTLIST_CUTOFF,
        )
        for choice, _, position in shortlist:
            score = token_alignment_score(query, choice)
            if score > best.get(ids[position], -1.0):
                best[ids[position]] = score
    return sorted(best.items(), key=lambda item: (-item[1], item[0]))[:limit]


DIRECTIONAL = frozenset({"to", "from", "into", "vs", "versus"})


def reordered(a: str, b: str) -> bool:
    """'Text to speech' / 'Speech to text': the same words around a direction word, swapped."""
    ta = (fuzzy_keys(a) or ("",))[0].split()
    tb = (fuzzy_keys(b) or ("",))[0].split()
    return ta != tb and sorted(ta) == sorted(tb) and bool(DIRECTIONAL.intersection(ta))
