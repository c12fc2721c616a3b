"""Every skill name gets an identity: acronyms, vendor prefixes, .js suffixes, imported labels, else a stable id."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from flows.errors import TaxonomyError
from flows.normalize.name_keys import (
    MIN_FUZZY_CHARS,
    PARENTHETICAL,
    STOPWORDS,
    clean_name,
    fuzzy_keys,
    name_keys,
    normalize_name,
    rank_candidates,
    reordered,
    slugify,
    token_alignment_score,
)
from flows.normalize.reference import (
    ACRONYMS,
    EXTERNAL_LABELS,
    EXTERNAL_SOURCES,
    NAME_RULE_KINDS,
    NAME_RULES,
    CsvSpec,
    read_rows,
)

if TYPE_CHECKING:
    from flows.normalize.names import Match, Reference

MEMO_LIMIT = 200_000

UNREGISTERED_PREFIX = "u-"
ACRONYM_TOKEN = re.compile(r"^[A-Z][A-Z0-9&+/-]{1,7}s?$")
ANY_ACRONYM = re.compile(r"\s[A-Z][A-Z0-9&+/-]{1,7}s?(?:\s|$)")


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
    # first word of an expansion -> the expansions' lengths, longest first
    expansion_sizes: Mapping[str, tuple[int, ...]]


@dataclass(frozen=True)
class Identities:
    """Identity keys of the registry and of imported labels, for names the matcher did not resolve."""

    rules: Rules
    registry: Mapping[str, frozenset[str]]  # identity key -> registry ids
    external_exact: Mapping[str, tuple[Concept, ...]]  # normalized label key -> concepts
    external: Mapping[str, tuple[Concept, ...]]  # identity key -> concepts
    concepts: Mapping[str, Concept]  # registry id -> its external ids
    fuzzy_keys: tuple[str, ...]  # imported labels open to fuzzy matching
    fuzzy_ids: tuple[str, ...]
    by_id: Mapping[str, Concept]
    # threshold -> name -> Identity (keyed by the name alone: a str caches its hash, a tuple not).
    memo: dict[float, dict[str, Identity]] = field(default_factory=dict, compare=False, repr=False)


# ---------------------------------------------------------------------------------------------
# Identity keys


def defined_acronyms(text: str) -> list[tuple[str, str]]:
    """(acronym, expansion) pairs a name defines: 'Large Language Model (LLM)', 'Apache Subversion SVN'."""
    return [(letters, expansion) for letters, expansion, _ in _definitions(text)]


def _definitions(text: str) -> list[tuple[str, str, str]]:
    if "(" not in text and not ANY_ACRONYM.search(text):
        return []  # most names: no parentheses, no capitals run
    found = []
    for match in re.finditer(r"([^()]*?)\(\s*([^()\s]+)\s*\)", text):
        found += _defines(match.group(1).split(), match.group(2))
    words = PARENTHETICAL.sub(" ", text).split()
    for i, word in enumerate(words):
        if i and ACRONYM_TOKEN.match(word):
            found += _defines(words[:i], word)
    return found


def _defines(before: list[str], acronym: str) -> list[tuple[str, str, str]]:
    letters = re.sub(r"[^a-z0-9]", "", acronym.casefold())
    letters = letters[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else letters
    if len(letters) < 2 or not acronym[0].isupper():
        return []
    words = [w for w in re.split(r"[\s/-]+", " ".join(before)) if w]
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
    return _key_of(base_tokens(text, rules.expansions), rules)


def _key_of(tokens: list[str], rules: Rules) -> str:
    tokens = _contract(_drop_js(tokens, rules), rules)
    tokens = _drop_qualifiers(_drop_vendor(tokens, rules), rules)
    return "".join(tokens)


def _drop_qualifiers(tokens: list[str], rules: Rules) -> list[str]:
    for prefix in rules.drop_prefix:
        if tuple(tokens[: len(prefix)]) == prefix and len(tokens) > len(prefix):
            tokens = tokens[len(prefix) :]
            break
    for suffix in rules.drop_suffix:
        if tuple(tokens[-len(suffix) :]) == suffix and len(tokens) > len(suffix):
            tokens = tokens[: -len(suffix)]
            break
    return tokens


def expanded_text(text: str, rules: Rules) -> str | None:
    """The name with its known acronyms spelled out ('LLMs' -> 'large language model'), or None without any."""
    return _expanded_of(base_tokens(text, rules.expansions), rules)


def _expanded_of(tokens: list[str], rules: Rules) -> str | None:
    if "".join(tokens) in rules.expansions:
        tokens = ["".join(tokens)]  # "Gen AI" spells the acronym "genai" with a space
    if not any(t in rules.expansions for t in tokens):
        return None
    return " ".join(w for t in tokens for w in rules.expansions.get(t, (t,)))


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


# ---------------------------------------------------------------------------------------------
# Loading


def build_rules(
    acronym_rows: list[dict[str, str]],
    rule_rows: list[dict[str, str]],
    learned: Iterable[tuple[str, str]],
) -> Rules:
    """Contractions from the shipped table, plus acronyms the registry's own names define (shipped ones win)."""
    expansions: dict[str, set[tuple[str, ...]]] = {}
    for row in acronym_rows:
        expansions.setdefault(normalize_name(row["acronym"]), set()).add(
            tuple(normalize_name(row["expansion"]).split())
        )
    shipped = set(expansions)
    for acronym, expansion in learned:
        key = normalize_name(acronym)
        if key and key not in shipped:
            expansions.setdefault(key, set()).add(tuple(normalize_name(expansion).split()))
    owners: dict[tuple[str, ...], set[str]] = {}
    for acronym, forms in expansions.items():
        if len(forms) == 1:  # an acronym with two expansions never merges them
            owners.setdefault(next(iter(forms)), set()).add(acronym)
    contractions = {
        form: next(iter(acrs)) for form, acrs in owners.items() if len(acrs) == 1 and len(form) > 1
    }
    by_rule: dict[str, list[str]] = {rule: [] for rule in NAME_RULE_KINDS}
    for row in rule_rows:
        by_rule[row["rule"]].append(normalize_name(row["text"]))
    vendors = sorted({tuple(v.split()) for v in by_rule["vendor"] if v}, key=lambda v: -len(v))
    return Rules(
        contractions=MappingProxyType(contractions),
        vendors=tuple(vendors),
        vendor_starts=frozenset(v[0] for v in vendors),
        generic=frozenset(by_rule["generic"]),
        keep_js=frozenset(by_rule["keep_js"]),
        drop_prefix=tuple(tuple(t.split()) for t in by_rule["drop_prefix"] if t),
        drop_suffix=tuple(tuple(t.split()) for t in by_rule["drop_suffix"] if t),
        expansions=MappingProxyType({a: form for form, a in contractions.items()}),
        expansion_sizes=MappingProxyType(
            {
                first: tuple(sorted({len(f) for f in contractions if f[0] == first}, reverse=True))
                for first in {f[0] for f in contractions}
            }
        ),
    )


def validate_rule_rows(
    acronyms: list[dict[str, str]], rules: list[dict[str, str]], external: list[dict[str, str]]
) -> list[str]:
    """Every problem in the optional files at once: empty expansions, unknown rules, bad sources."""
    problems = []
    for row in acronyms:
        if not normalize_name(row["acronym"]) or len(normalize_name(row["expansion"]).split()) < 2:
            problems.append(
                f"{ACRONYMS.file}: {row['acronym']!r} needs an expansion of two or more words"
            )
    for row in rules:
        if row["rule"] not in NAME_RULE_KINDS:
            problems.append(
                f"{NAME_RULES.file}: rule {row['rule']!r} for {row['text']!r} is not one of {', '.join(NAME_RULE_KINDS)}"
            )
    for row in external:
        if (
            row["source"] not in EXTERNAL_SOURCES
            or not row["external_id"]
            or not normalize_name(row["label"])
        ):
            problems.append(
                f"{EXTERNAL_LABELS.file}: label {row['label']!r} needs a source ({', '.join(EXTERNAL_SOURCES)}) and an external_id"
            )
    return problems


def load_identities(reference: Reference) -> Identities:
    """Rules and identity keys for a loaded reference, built once per Reference.

    load_reference stats the rule files too, so a changed rule file gives a new Reference.
    """
    cached = reference.cached.get("identities")
    if cached is not None:
        return cached  # type: ignore[return-value]
    directory = Path(reference.directory)
    acronyms = _optional_rows(directory, ACRONYMS)
    rule_rows = _optional_rows(directory, NAME_RULES)
    external = _optional_rows(directory, EXTERNAL_LABELS)
    problems = validate_rule_rows(acronyms, rule_rows, external)
    if problems:
        raise TaxonomyError(f"{directory}: {len(problems)} problem(s) in the name rules:", problems)
    # Threads may build it twice; both results are equal and the last one stays.
    identities = reference.cached["identities"] = build_identities(
        reference, acronyms, rule_rows, external
    )
    return identities


def _optional_rows(directory: Path, spec: CsvSpec) -> list[dict[str, str]]:
    return read_rows(directory, spec) if (directory / spec.file).exists() else []


def build_identities(
    reference: Reference,
    acronyms: list[dict[str, str]],
    rule_rows: list[dict[str, str]],
    external: list[dict[str, str]],
) -> Identities:
    """Identity keys of every registry name and imported label (one pass over distinct texts)."""
    skills = reference.skills.to_pylist()
    aliases = reference.skill_aliases.to_pylist()
    texts = [(s["name"], s["skill_id"]) for s in skills] + [
        (a["alias"], a["skill_id"]) for a in aliases
    ]
    learned = [pair for text, _ in texts for pair in defined_acronyms(text)]
    learned += [pair for row in external for pair in defined_acronyms(row["label"])]
    rules = build_rules(acronyms, rule_rows, learned)
    registry: dict[str, set[str]] = {}
    for text, cid in texts:
        registry.setdefault(identity_key(text, rules), set()).add(cid)
    concepts = {
        s["skill_id"]: Concept(
            s["skill_id"], s["name"], s["esco_uri"] or None, s["onet_commodity_code"] or None
        )
        for s in skills
    }
    exact: dict[str, dict[str, Concept]] = {}
    loose: dict[str, dict[str, Concept]] = {}
    fuzzy: set[tuple[str, str]] = set()
    concept_of: dict[tuple[str, str, str], Concept] = {}  # a concept has many labels
    for row in sorted(external, key=lambda r: EXTERNAL_SOURCES.index(r["source"])):
        which = (row["source"], row["external_id"], row["concept"])
        concept = concept_of.get(which) or concept_of.setdefault(
            which, _external_concept(row, rules)
        )
        exact.setdefault(normalize_name(row["label"]), {}).setdefault(concept.canonical_id, concept)
        loose.setdefault(identity_key(row["label"], rules), {}).setdefault(
            concept.canonical_id, concept
        )
        fuzzy.update(
            (k, concept.canonical_id) for k in fuzzy_keys(row["label"]) if len(k) >= MIN_FUZZY_CHARS
        )
    choices = sorted(fuzzy)
    by_id = {c.canonical_id: c for v in loose.values() for c in v.values()}
    return Identities(
        rules=rules,
        fuzzy_keys=tuple(k for k, _ in choices),
        fuzzy_ids=tuple(c for _, c in choices),
        by_id=MappingProxyType(by_id),
        registry=MappingProxyType({k: frozenset(v) for k, v in registry.items() if k}),
        external_exact=MappingProxyType({k: tuple(v.values()) for k, v in exact.items() if k}),
        external=MappingProxyType({k: tuple(v.values()) for k, v in loose.items() if k}),
        concepts=MappingProxyType(concepts),
    )


def _external_concept(row: dict[str, str], rules: Rules) -> Concept:
    # The id comes from the concept's identity key, as for any unregistered name: importing a
    # taxonomy adds spellings to an identity, it never renames one ("Microsoft Office Outlook"
    # and "Microsoft Outlook" are one O*NET product).
    source = row["source"]
    return Concept(
        canonical_id=unregistered_id(identity_key(row["concept"], rules)),
        name=row["concept"],
        esco_uri=row["external_id"] if source == "esco" else None,
        onet_code=row["external_id"] if source == "onet" else None,
    )


# ---------------------------------------------------------------------------------------------
# Resolving what the registry matcher left open


@dataclass(frozen=True)
class Identity:
    """A skill name's identity after the registry matcher: its id, how it was found, its external ids."""

    canonical_id: str | None
    canonical_name: str | None
    method: str
    score: float | None
    confirmed: bool
    esco_uri: str | None
    onet_code: str | None


def identify(
    identities: Identities, reference: Reference, name: str, match: Match, threshold: float
) -> Identity:
    """Keep the registry's answer; else an identity key shared with the registry or an imported label; else a new id."""
    memo = identities.memo.setdefault(threshold, {})
    found = memo.get(name)
    if found is None:
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        found = memo[name] = _identify(identities, reference, name, match, threshold)
    return found


def _identify(
    identities: Identities, reference: Reference, name: str, match: Match, threshold: float
) -> Identity:
    names = reference.skill_index.names
    if match.canonical_id is not None and not (
        match.method == "fuzzy" and reordered(name, names[match.canonical_id])
    ):
        return _registry(
            identities, match.canonical_id, names, match.method, match.score, match.confirmed
        )
    if match.method == "excluded":
        return Identity(None, None, "excluded", None, False, None, None)
    tokens = base_tokens(name, identities.rules.expansions)
    expanded = _expanded_of(tokens, identities.rules)
    if match.method == "unmatched" and match.score == 100.0:
        owner = _case_insensitive_owner(reference, name)
        if owner is not None:
            return _registry(identities, owner, names, "normalized", 100.0, False)
        return Identity(None, None, "unmatched", 100.0, False, None, None)
    key = _key_of(tokens, identities.rules)
    owners = identities.registry.get(key, frozenset())
    if len(owners) > 1 and expanded:
        owner = _case_insensitive_owner(reference, expanded)
        owners = frozenset({owner}) if owner else owners
    if len(owners) == 1:
        (cid,) = owners
        return _registry(identities, cid, names, "derived", _similarity(name, names[cid]), False)
    if len(owners) > 1:
        return Identity(None, None, "unmatched", 100.0, False, None, None)
    if expanded:
        # Only a name that is nothing but an acronym may be fuzzy-matched spelled out: in
        # "t-sql" the spelled-out "sql" would outweigh the decisive "t".
        if len(expanded.split()) > 1 and key in identities.rules.expansions:
            spelled = reference.match("skill", expanded, threshold)
            cid, score = spelled.canonical_id, spelled.score
        else:
            cid, score = _exact_owner(reference, expanded), 100.0
        if cid is not None and not reordered(expanded, names[cid]):
            return _registry(identities, cid, names, "derived", score, False)
    concept, method, score = _external(identities, name, key, threshold)
    if concept is not None:
        return Identity(
            concept.canonical_id,
            concept.name,
            method,
            score,
            False,
            concept.esco_uri,
            concept.onet_code,
        )
    # The best registry candidate's score stays, as for an unmatched name: review ranks by it.
    return Identity(
        unregistered_id(key or normalize_name(name)),
        None,
        "unregistered",
        match.score,
        False,
        None,
        None,
    )


def _external(
    identities: Identities, name: str, key: str, threshold: float
) -> tuple[Concept | None, str, float | None]:
    exact = identities.external_exact.get(normalize_name(name))
    if exact:
        concept = _unique(exact)
        return concept, "imported" if concept else "unregistered", 100.0 if concept else None
    loose = identities.external.get(key)
    if loose:
        concept = _unique(loose)
        return (
            concept,
            "derived" if concept else "unregistered",
            (_similarity(name, concept.name) if concept else None),
        )
    ranked = rank_candidates(identities.fuzzy_keys, identities.fuzzy_ids, name, limit=2)
    if ranked and ranked[0][1] >= threshold and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
        concept = identities.by_id[ranked[0][0]]
        if not reordered(name, concept.name):
            return concept, "fuzzy", ranked[0][1]
    return None, "unregistered", None


def _unique(found: tuple[Concept, ...]) -> Concept | None:
    """The concept a label names; None when the first source gives it two (ESCO first, then O*NET)."""
    first = [c for c in found if (c.esco_uri is None) == (found[0].esco_uri is None)]
    return first[0] if len(first) == 1 else None


def _registry(
    identities: Identities,
    cid: str,
    names: Mapping[str, str],
    method: str,
    score: float | None,
    confirmed: bool,
) -> Identity:
    concept = identities.concepts.get(cid)
    return Identity(
        cid,
        names[cid],
        method,
        score,
        confirmed,
        concept.esco_uri if concept else None,
        concept.onet_code if concept else None,
    )


def _exact_owner(reference: Reference, text: str) -> str | None:
    """The registry's alias or normalized match only: no fuzzy ranking (the cost of most look-ups)."""
    index = reference.skill_index
    hit = index.exact.get(clean_name(text))
    if hit is not None:
        return hit[0]
    owners = next((index.keys[k] for k in name_keys(text) if k in index.keys), None)
    return next(iter(owners)) if owners is not None and len(owners) == 1 else None


def _case_insensitive_owner(reference: Reference, name: str) -> str | None:
    # "generative AI" normalizes to two registry entries; the one it spells case for case wins.
    wanted = clean_name(name).casefold()
    owners = {
        cid for text, (cid, _) in reference.skill_index.exact.items() if text.casefold() == wanted
    }
    return owners.pop() if len(owners) == 1 else None


def _similarity(a: str, b: str) -> float:
    return max(
        (token_alignment_score(x, y) for x in fuzzy_keys(a) for y in fuzzy_keys(b)), default=0.0
    )


def identify_all(
    reference: Reference, names: Sequence[str], matches: Sequence[Match], threshold: float
) -> list[Identity]:
    """identify() for each distinct name (the caller passes distinct names only)."""
    identities = load_identities(reference)
    return [
        identify(identities, reference, n, m, threshold)
        for n, m in zip(names, matches, strict=True)
    ]
