"""Every skill name gets an identity: acronyms, vendor prefixes, .js suffixes, imported labels, else a stable id."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from flows.errors import TaxonomyError
from flows.normalize.identity_keys import (
    MEMO_LIMIT,
    Concept,
    Identities,
    Identity,
    Rules,
    _definitions,
    base_tokens,
    conjunct_parts,
    defined_acronyms,
    expanded_of,
    key_tokens,
    loose_of,
    unregistered_id,
)
from flows.normalize.name_keys import (
    MIN_FUZZY_CHARS,
    clean_name,
    fuzzy_keys,
    name_keys,
    normalize_name,
    rank_candidates,
    reordered,
    token_alignment_score,
)
from flows.normalize.reference import (
    ACRONYMS,
    EXTERNAL_LABELS,
    EXTERNAL_SOURCES,
    NAME_RULE_KINDS,
    NAME_RULES,
    NICKNAMES,
    CsvSpec,
    read_rows,
)

if TYPE_CHECKING:
    from flows.normalize.names import Match, Reference


# ---------------------------------------------------------------------------------------------
# Loading


def build_rules(
    acronym_rows: list[dict[str, str]],
    rule_rows: list[dict[str, str]],
    learned: Iterable[tuple[str, str]],
    nickname_rows: Sequence[dict[str, str]] = (),
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
        nicknames=MappingProxyType(
            {
                normalize_name(row["nickname"]): tuple(normalize_name(row["name"]).split())
                for row in nickname_rows
            }
        ),
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
    nicknames = _optional_rows(directory, NICKNAMES)
    external = _optional_rows(directory, EXTERNAL_LABELS)
    problems = validate_rule_rows(acronyms, rule_rows, external)
    problems += [
        f"{NICKNAMES.file}: {row['nickname']!r} needs one word and a name"
        for row in nicknames
        if len(normalize_name(row["nickname"]).split()) != 1 or not normalize_name(row["name"])
    ]
    if problems:
        raise TaxonomyError(f"{directory}: {len(problems)} problem(s) in the name rules:", problems)
    # Threads may build it twice; both results are equal and the last one stays.
    identities = reference.cached["identities"] = build_identities(
        reference, acronyms, rule_rows, external, nicknames
    )
    return identities


def _optional_rows(directory: Path, spec: CsvSpec) -> list[dict[str, str]]:
    return read_rows(directory, spec) if (directory / spec.file).exists() else []


def build_identities(
    reference: Reference,
    acronyms: list[dict[str, str]],
    rule_rows: list[dict[str, str]],
    external: list[dict[str, str]],
    nicknames: Sequence[dict[str, str]] = (),
) -> Identities:
    """Identity keys of every registry name and imported label (one pass over distinct texts)."""
    skills = reference.skills.to_pylist()
    aliases = reference.skill_aliases.to_pylist()
    texts = [(s["name"], s["skill_id"]) for s in skills] + [
        (a["alias"], a["skill_id"]) for a in aliases
    ]
    learned = [pair for text, _ in texts for pair in defined_acronyms(text)]
    learned += [pair for row in external for pair in defined_acronyms(row["label"])]
    rules = build_rules(acronyms, rule_rows, learned, nicknames)
    registry: dict[str, set[str]] = {}
    registry_loose: dict[str, set[str]] = {}
    parts: dict[str, set[str]] = {}
    for text, cid in texts:
        words = key_tokens(base_tokens(text, rules.expansions), rules)
        registry.setdefault("".join(words), set()).add(cid)
        registry_loose.setdefault(loose_of(words), set()).add(cid)
        for part in conjunct_parts(words):
            parts.setdefault(loose_of(part), set()).add(cid)
    concepts = {
        s["skill_id"]: Concept(
            s["skill_id"], s["name"], s["esco_uri"] or None, s["onet_commodity_code"] or None
        )
        for s in skills
    }
    exact: dict[str, dict[str, Concept]] = {}
    loose: dict[str, dict[str, Concept]] = {}
    looser: dict[str, dict[str, Concept]] = {}
    fuzzy: set[tuple[str, str]] = set()
    concept_of: dict[tuple[str, str, str], Concept] = {}  # a concept has many labels
    for row in sorted(external, key=lambda r: EXTERNAL_SOURCES.index(r["source"])):
        which = (row["source"], row["external_id"], row["concept"])
        concept = concept_of.get(which) or concept_of.setdefault(
            which, _external_concept(row, rules)
        )
        exact.setdefault(normalize_name(row["label"]), {}).setdefault(concept.canonical_id, concept)
        words = key_tokens(base_tokens(row["label"], rules.expansions), rules)
        loose.setdefault("".join(words), {}).setdefault(concept.canonical_id, concept)
        looser.setdefault(loose_of(words), {}).setdefault(concept.canonical_id, concept)
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
        registry_loose=MappingProxyType({k: frozenset(v) for k, v in registry_loose.items() if k}),
        # A part that is itself a registry name or spelling stays that entry's.
        registry_parts=MappingProxyType(
            {k: frozenset(v) for k, v in parts.items() if k and k not in registry_loose}
        ),
        external_exact=MappingProxyType({k: tuple(v.values()) for k, v in exact.items() if k}),
        external=MappingProxyType({k: tuple(v.values()) for k, v in loose.items() if k}),
        external_loose=MappingProxyType({k: tuple(v.values()) for k, v in looser.items() if k}),
        concepts=MappingProxyType(concepts),
    )


def _external_concept(row: dict[str, str], rules: Rules) -> Concept:
    # The id comes from the concept's identity key, as for any unregistered name: importing a
    # taxonomy adds spellings to an identity, it never renames one ("Microsoft Office Outlook"
    # and "Microsoft Outlook" are one O*NET product).
    source = row["source"]
    return Concept(
        canonical_id=unregistered_id(
            loose_of(key_tokens(base_tokens(row["concept"], rules.expansions), rules))
        ),
        name=row["concept"],
        esco_uri=row["external_id"] if source == "esco" else None,
        onet_code=row["external_id"] if source == "onet" else None,
    )


# ---------------------------------------------------------------------------------------------
# Resolving what the registry matcher left open


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
    expanded = expanded_of(tokens, identities.rules)
    if match.method == "unmatched" and match.score == 100.0:
        owner = _case_insensitive_owner(reference, name)
        if owner is not None:
            return _registry(identities, owner, names, "normalized", 100.0, False)
        return Identity(None, None, "unmatched", 100.0, False, None, None)
    words = key_tokens(tokens, identities.rules)
    key, loose = "".join(words), loose_of(words)
    owners = identities.registry.get(key, frozenset())
    if not owners and len(identities.registry_loose.get(loose, ())) == 1:
        owners = identities.registry_loose[loose]
    if not owners and len(identities.registry_parts.get(loose, ())) == 1:
        owners = identities.registry_parts[loose]  # a short form: one action of 'P X and Y'

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
    concept, method, score = _external(identities, name, key, loose, threshold)
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
        unregistered_id(loose or key or normalize_name(name)),
        None,
        "unregistered",
        match.score,
        False,
        None,
        None,
    )


def _external(
    identities: Identities, name: str, key: str, loose: str, threshold: float
) -> tuple[Concept | None, str, float | None]:
    exact = identities.external_exact.get(normalize_name(name))
    if exact:
        concept = _unique(exact)
        return concept, "imported" if concept else "unregistered", 100.0 if concept else None
    found = identities.external.get(key) or identities.external_loose.get(loose)
    if found:
        concept = _unique(found)
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


def identify_names(reference: Reference, names: Sequence[str], threshold: float) -> list[Identity]:
    """identify() for each distinct name (the caller passes distinct names only), matching only
    the names not seen before.

    A name whose case and spacing nothing reads (case_blind) is resolved once per folded form:
    the bench prints many of its names in other case or with '&' for 'and' (56,403 spellings of
    20,000 forms on 1m), and each spelling cost the full rules.
    """
    identities = load_identities(reference)
    memo = identities.memo.setdefault(threshold, {})
    folded = identities.folded.setdefault(threshold, {})
    if len(memo) >= MEMO_LIMIT or len(folded) >= MEMO_LIMIT:
        memo.clear()
        folded.clear()
    # One look-up per name (a report's names are mostly known already), as in Reference.match_all.
    found = [memo.get(name) for name in names]
    missing = [i for i, identity in enumerate(found) if identity is None]
    if not missing:
        return found  # type: ignore[return-value]
    folds = {i: case_blind(reference.skill_index.exact, names[i]) for i in missing}
    # The first spelling of each new folded form first; the other spellings then share it.
    firsts: dict[str, int] = {}
    for i in missing:
        if folds[i] is not None and folds[i] not in folded:
            firsts.setdefault(folds[i], i)  # type: ignore[arg-type]
    for batch in (sorted(firsts.values()), missing):
        unknown = [i for i in batch if found[i] is None]
        _resolve(
            identities,
            reference,
            [names[i] for i in unknown],
            [folds[i] for i in unknown],
            threshold,
            memo,
            folded,
            found,
            unknown,
        )
    return found  # type: ignore[return-value]


def _resolve(
    identities: Identities,
    reference: Reference,
    names: list[str],
    folds: list[str | None],
    threshold: float,
    memo: dict[str, Identity],
    folded: dict[str, Identity],
    found: list[Identity | None],
    at: list[int],
) -> None:
    """Each name's identity into found[at[k]]: its folded form's when known, else worked out."""
    todo = []
    for k, fold in enumerate(folds):
        hit = folded.get(fold) if fold is not None else None
        if hit is None:
            todo.append(k)
        else:
            found[at[k]] = memo[names[k]] = hit
    matches = reference.match_all("skill", [names[k] for k in todo], threshold)
    for k, match in zip(todo, matches, strict=True):
        identity = found[at[k]] = memo[names[k]] = _identify(
            identities, reference, names[k], match, threshold
        )
        # A tie of two registry entries is broken by the spelling itself, '&' included.
        if folds[k] is not None and not (match.method == "unmatched" and match.score == 100.0):
            folded.setdefault(folds[k], identity)


def case_blind(exact: Mapping[str, object], name: str) -> str | None:
    """The name lower-cased, '&' as 'and', spaces collapsed, when resolving it reads none of
    them: else None.

    Only three steps read them: the exact alias look-up, the acronyms a name defines
    ('Large Language Model (LLM)') and a tie of two registry entries broken by the spelling
    (identify_names keeps those apart). Every other step reads normalize_name or fuzzy_keys,
    which fold all three alike for ASCII text; a footnote mark in brackets counts its spaces.
    """
    if not name.isascii() or "[" in name or clean_name(name) in exact or _definitions(name):
        return None
    return " ".join(name.lower().replace("&", " and ").split())
