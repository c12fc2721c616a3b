"""Every skill name gets an identity: acronyms, vendor prefixes, .js suffixes, imported labels, else a stable id."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pyarrow as pa

from flows.harmonize import (
    PARENTHETICAL,
    STOPWORDS,
    CsvSpec,
    Match,
    Reference,
    TaxonomyError,
    clean_name,
    load_reference,
    normalize_name,
    read_rows,
    slugify,
)

ACRONYMS = CsvSpec("acronyms.csv", ("acronym", "expansion", "note"), "acronym")
NAME_RULES = CsvSpec("name_rules.csv", ("text", "rule", "reason"), "text")
EXTERNAL_LABELS = CsvSpec(
    "external_labels.csv", ("label", "source", "external_id", "concept", "preferred"), "label"
)
RULES = ("vendor", "generic", "keep_js")
SOURCES = ("esco", "onet")  # first wins when one label belongs to both
UNREGISTERED_PREFIX = "u-"
ACRONYM_TOKEN = re.compile(r"^[A-Z][A-Z0-9&+/-]{1,7}s?$")
DIRECTIONAL = frozenset({"to", "from", "into", "vs", "versus"})


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
    generic: frozenset[str]
    keep_js: frozenset[str]


@dataclass(frozen=True)
class Identities:
    """Identity keys of the registry and of imported labels, for names the matcher did not resolve."""

    rules: Rules
    registry: Mapping[str, frozenset[str]]  # identity key -> registry ids
    external_exact: Mapping[str, tuple[Concept, ...]]  # normalized label key -> concepts
    external: Mapping[str, tuple[Concept, ...]]  # identity key -> concepts
    concepts: Mapping[str, Concept]  # registry id -> its external ids


# ---------------------------------------------------------------------------------------------
# Identity keys


def defined_acronyms(text: str) -> list[tuple[str, str]]:
    """(acronym, expansion) pairs a name defines: 'Large Language Model (LLM)', 'Apache Subversion SVN'."""
    return [(letters, expansion) for letters, expansion, _ in _definitions(text)]


def _definitions(text: str) -> list[tuple[str, str, str]]:
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
        kept = [w for w in words if not (skip_stopwords and w.casefold() in STOPWORDS)]
        tail = kept[-len(letters) :]
        if len(tail) == len(letters) and "".join(w[0].casefold() for w in tail) == letters:
            start = len(" ".join(words)) - len(" ".join(tail))
            expansion = " ".join(words)[start:] if not skip_stopwords else " ".join(tail)
            return [(letters, expansion, acronym)]
    return []


def strip_defined_acronyms(text: str) -> str:
    """The name without the acronyms it defines: 'Natural Language Processing (NLP)' -> 'Natural Language Processing'."""
    without = text
    for _, _, token in _definitions(text):
        without = re.sub(
            rf"\(\s*{re.escape(token)}\s*\)|(?<=\s){re.escape(token)}(?=\s|$)",
            " ",
            without,
            flags=re.IGNORECASE,
        )
    return " ".join(without.split())


def _fold(text: str) -> str:
    # Diacritics go too: 'Café' and 'Cafe' are one spelling.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def base_tokens(text: str) -> list[str]:
    """Normalized tokens without qualifiers in parentheses and without the acronyms the name defines."""
    stripped = PARENTHETICAL.sub(" ", strip_defined_acronyms(_fold(text)))
    return (normalize_name(stripped) or normalize_name(_fold(text))).split()


def identity_key(text: str, rules: Rules) -> str:
    """The key two spellings of one skill share: tokens, .js suffix, acronyms contracted, vendor dropped, no spaces."""
    tokens = _contract(_drop_js(base_tokens(text), rules), rules)
    tokens = _drop_vendor(tokens, rules)
    return "".join(tokens)


def _drop_js(tokens: list[str], rules: Rules) -> list[str]:
    out: list[str] = []
    for token in tokens:
        if token == "js" and out and out[-1] not in rules.keep_js:
            continue
        stem = token[:-2]
        if token.endswith("js") and len(stem) >= 3 and stem.isalpha() and stem not in rules.keep_js:
            token = stem
        out.append(token)
    return out


def _contract(tokens: list[str], rules: Rules) -> list[str]:
    out: list[str] = []
    i = 0
    longest = max((len(k) for k in rules.contractions), default=0)
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 1, -1):
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


def reordered(a: str, b: str) -> bool:
    """'Text to speech' / 'Speech to text': the same words around a direction word, swapped."""
    ta, tb = normalize_name(a).split(), normalize_name(b).split()
    return ta != tb and sorted(ta) == sorted(tb) and bool(DIRECTIONAL.intersection(ta))


# ---------------------------------------------------------------------------------------------
# Loading


def build_rules(acronym_rows: list[dict[str, str]], rule_rows: list[dict[str, str]], learned: Iterable[tuple[str, str]]) -> Rules:
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
    by_rule: dict[str, list[str]] = {rule: [] for rule in RULES}
    for row in rule_rows:
        by_rule[row["rule"]].append(normalize_name(row["text"]))
    vendors = sorted({tuple(v.split()) for v in by_rule["vendor"] if v}, key=lambda v: -len(v))
    return Rules(
        contractions=MappingProxyType(contractions),
        vendors=tuple(vendors),
        generic=frozenset(by_rule["generic"]),
        keep_js=frozenset(by_rule["keep_js"]),
    )


def validate_rule_rows(acronyms: list[dict[str, str]], rules: list[dict[str, str]], external: list[dict[str, str]]) -> list[str]:
    problems = []
    for row in acronyms:
        if not normalize_name(row["acronym"]) or len(normalize_name(row["expansion"]).split()) < 2:
            problems.append(f"{ACRONYMS.file}: {row['acronym']!r} needs an expansion of two or more words")
    for row in rules:
        if row["rule"] not in RULES:
            problems.append(f"{NAME_RULES.file}: rule {row['rule']!r} for {row['text']!r} is not one of {', '.join(RULES)}")
    for row in external:
        if row["source"] not in SOURCES or not row["external_id"] or not normalize_name(row["label"]):
            problems.append(f"{EXTERNAL_LABELS.file}: label {row['label']!r} needs a source ({', '.join(SOURCES)}) and an external_id")
    return problems


_CACHE: dict[str, tuple[tuple, Identities]] = {}


def load_identities(reference_dir: Path) -> Identities:
    """Rules and identity keys for a reference folder; cached until one of its files changes."""
    directory = Path(reference_dir)
    reference = load_reference(directory)
    signature = (id(reference), *(_stat(directory / spec.file) for spec in (ACRONYMS, NAME_RULES, EXTERNAL_LABELS)))
    cached = _CACHE.get(os.path.abspath(directory))
    if cached is not None and cached[0] == signature:
        return cached[1]
    acronyms = _optional_rows(directory, ACRONYMS)
    rule_rows = _optional_rows(directory, NAME_RULES)
    external = _optional_rows(directory, EXTERNAL_LABELS)
    problems = validate_rule_rows(acronyms, rule_rows, external)
    if problems:
        raise TaxonomyError(f"{directory}: {len(problems)} problem(s) in the name rules:", problems)
    identities = build_identities(reference, acronyms, rule_rows, external)
    _CACHE[os.path.abspath(directory)] = (signature, identities)
    return identities


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        s = os.stat(path)
    except FileNotFoundError:
        return None
    return (s.st_ino, s.st_mtime_ns, s.st_size)


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
    texts = [(s["name"], s["skill_id"]) for s in skills] + [(a["alias"], a["skill_id"]) for a in aliases]
    learned = [pair for text, _ in texts for pair in defined_acronyms(text)]
    learned += [pair for row in external for pair in defined_acronyms(row["label"])]
    rules = build_rules(acronyms, rule_rows, learned)
    registry: dict[str, set[str]] = {}
    for text, cid in texts:
        registry.setdefault(identity_key(text, rules), set()).add(cid)
    concepts = {
        s["skill_id"]: Concept(s["skill_id"], s["name"], s["esco_uri"] or None, s["onet_commodity_code"] or None)
        for s in skills
    }
    exact: dict[str, dict[str, Concept]] = {}
    loose: dict[str, dict[str, Concept]] = {}
    for row in sorted(external, key=lambda r: SOURCES.index(r["source"])):
        concept = _external_concept(row)
        exact.setdefault(normalize_name(row["label"]), {}).setdefault(concept.canonical_id, concept)
        loose.setdefault(identity_key(row["label"], rules), {}).setdefault(concept.canonical_id, concept)
    return Identities(
        rules=rules,
        registry=MappingProxyType({k: frozenset(v) for k, v in registry.items() if k}),
        external_exact=MappingProxyType({k: tuple(v.values()) for k, v in exact.items() if k}),
        external=MappingProxyType({k: tuple(v.values()) for k, v in loose.items() if k}),
        concepts=MappingProxyType(concepts),
    )


def _external_concept(row: dict[str, str]) -> Concept:
    source = row["source"]
    return Concept(
        canonical_id=f"{source}-{slugify(row['concept'])}",
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


def identify(identities: Identities, reference: Reference, name: str, match: Match) -> Identity:
    """Keep the registry's answer; else an identity key shared with the registry or an imported label; else a new id."""
    names = reference.skill_index.names
    if match.canonical_id is not None and not (match.method == "fuzzy" and reordered(name, names[match.canonical_id])):
        return _from_registry(identities, match.canonical_id, names, match.method, match.score, match.confirmed)
    if match.method == "excluded":
        return Identity(None, None, "excluded", None, False, None, None)
    if match.method == "unmatched" and match.score == 100.0:
        owner = _case_insensitive_owner(reference, name)
        if owner is not None:
            return _from_registry(identities, owner, names, "normalized", 100.0, False)
        return Identity(None, None, "unmatched", 100.0, False, None, None)
    key = identity_key(name, identities.rules)
    owners = identities.registry.get(key, frozenset())
    if len(owners) == 1:
        (cid,) = owners
        return _from_registry(identities, cid, names, "derived", _similarity(name, names[cid]), False)
    if len(owners) > 1:
        return Identity(None, None, "unmatched", 100.0, False, None, None)
    for table, method in ((identities.external_exact, "imported"), (identities.external, "derived")):
        found = table.get(normalize_name(name) if method == "imported" else key)
        if found:
            concept = found[0]  # sources in priority order, ESCO first
            score = 100.0 if method == "imported" else _similarity(name, concept.name)
            return Identity(concept.canonical_id, concept.name, method, score, False, concept.esco_uri, concept.onet_code)
    return Identity(unregistered_id(key or normalize_name(name)), None, "unregistered", None, False, None, None)


def _from_registry(identities: Identities, cid: str, names: Mapping[str, str], method: str, score: float | None, confirmed: bool) -> Identity:
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


def _case_insensitive_owner(reference: Reference, name: str) -> str | None:
    # "generative AI" normalizes to two registry entries; the one it spells case for case wins.
    wanted = clean_name(name).casefold()
    owners = {cid for text, (cid, _) in reference.skill_index.exact.items() if text.casefold() == wanted}
    return owners.pop() if len(owners) == 1 else None


def _similarity(a: str, b: str) -> float:
    from flows.harmonize import fuzzy_keys, token_alignment_score

    return max((token_alignment_score(x, y) for x in fuzzy_keys(a) for y in fuzzy_keys(b)), default=0.0)


IDENTITY_SCHEMA_FIELDS = [("esco_uri", pa.string()), ("onet_code", pa.string())]


def identify_all(reference_dir: Path, reference: Reference, names: Sequence[str], matches: Sequence[Match]) -> list[Identity]:
    """identify() for each distinct name (the caller passes distinct names only)."""
    identities = load_identities(reference_dir)
    return [identify(identities, reference, n, m) for n, m in zip(names, matches, strict=True)]


def resolve_skill_ids(names: Sequence[str], reference_dir: Path, threshold: float | None = None) -> list[Identity]:
    """The identity of each distinct skill name against the registry in reference_dir."""
    from flows.harmonize import _threshold

    reference = load_reference(reference_dir)
    distinct = list(dict.fromkeys(n for n in names if n is not None))
    matches = reference.match_all("skill", distinct, _threshold(threshold))
    return identify_all(reference_dir, reference, distinct, matches)
