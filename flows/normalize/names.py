"""Skill and category names -> canonical ids at run time: the loaded registry, alias, normalized text, fuzzy match."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from flows.config import DEFAULT_THRESHOLD, current_settings
from flows.errors import TaxonomyError
from flows.normalize.identity import identify_names
from flows.normalize.identity_keys import Identity
from flows.normalize.name_keys import (
    MIN_FUZZY_CHARS,
    clean_name,
    fuzzy_keys,
    name_keys,
    normalize_name,
    rank_candidates,
    reordered,
)
from flows.normalize.name_store import IdentityStore
from flows.normalize.reference import (
    ALIAS_METHODS,
    CATEGORIES,
    CATEGORY_ALIASES,
    FUZZY_EXCLUDE,
    KINDS,
    OPTIONAL_SPECS,
    SKILL_ALIASES,
    SKILLS,
    SLUG,
    SPECS,
    CsvSpec,
    Kind,
    Row,
    read_rows,
)

MEMO_LIMIT = 200_000

# derived: same identity key as a registry entry or imported label (acronym, vendor, .js, ...);
# imported: an ESCO/O*NET label; unregistered: nobody's entry, a stable id from the name's key.
MATCH_METHODS = (
    "alias",
    "normalized",
    "fuzzy",
    "derived",
    "imported",
    "unregistered",
    "unmatched",
    "excluded",
)

HARMONIZED_SCHEMA = pa.schema(
    [
        ("name_raw", pa.string()),
        ("canonical_id", pa.string()),
        ("canonical_name", pa.string()),
        ("match_method", pa.string()),
        ("match_score", pa.float64()),
        ("confirmed", pa.bool_()),
        ("esco_uri", pa.string()),
        ("onet_code", pa.string()),
    ]
)
CANDIDATE_TYPE = pa.struct(
    [("canonical_id", pa.string()), ("canonical_name", pa.string()), ("score", pa.float64())]
)


# ---------------------------------------------------------------------------------------------
# The loaded reference


@dataclass(frozen=True)
class NameIndex:
    """Lookups of one kind (skills or categories), built once per loaded reference."""

    names: Mapping[str, str]  # canonical id -> canonical name
    exact: Mapping[str, tuple[str, bool]]  # cleaned alias or canonical name -> (id, confirmed)
    keys: Mapping[str, Mapping[str, bool]]  # normalized key -> {id: confirmed}
    fuzzy_keys: tuple[str, ...]  # keys open to fuzzy matching (umbrella terms left out)
    fuzzy_ids: tuple[str, ...]
    review_keys: tuple[str, ...]  # every key: a person choosing may pick an umbrella term
    review_ids: tuple[str, ...]
    umbrella_ids: frozenset[str]
    # Spelling variants of a name share their fuzzy keys: rank the candidates once per key.
    ranked_memo: dict[tuple[str, ...], list[tuple[str, float]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def top_two(self, name: str) -> list[tuple[str, float]]:
        keys = fuzzy_keys(name)
        ranked = self.ranked_memo.get(keys)
        if ranked is None:
            if len(self.ranked_memo) >= MEMO_LIMIT:
                self.ranked_memo.clear()
            ranked = self.ranked_memo[keys] = rank_candidates(
                self.fuzzy_keys, self.fuzzy_ids, name, limit=2
            )
        return ranked


class Match(NamedTuple):
    """How one raw name resolved (a tuple: the memo holds one per distinct name, and the garbage
    collector stops tracking tuples of plain values)."""

    canonical_id: str | None
    method: str
    score: float | None
    confirmed: bool


@dataclass(frozen=True)
class Reference:
    """The taxonomy and alias registry as loaded from data/reference, with lookups ready."""

    directory: Path
    skills: pa.Table
    categories: pa.Table
    skill_aliases: pa.Table
    category_aliases: pa.Table
    fuzzy_exclude: pa.Table
    excluded_keys: frozenset[str]
    skill_index: NameIndex
    category_index: NameIndex
    # (kind, threshold) -> raw name -> Match. Keyed by the name alone: a str caches its hash, a
    # (kind, name, threshold) tuple is hashed again on every look-up (1.5 s per 2.5M names).
    memo: dict[tuple[str, float], dict[str, Match]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Built on first use by flows.normalize.identity.load_identities.
    cached: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def index(self, kind: Kind) -> NameIndex:
        return self.skill_index if _check_kind(kind) == "skill" else self.category_index

    def match(self, kind: Kind, name: str, threshold: float = DEFAULT_THRESHOLD) -> Match:
        """Resolve one raw name; each distinct (kind, name, threshold) is worked out once per loaded reference."""
        return self.match_all(kind, [name], threshold)[0]

    def match_all(self, kind: Kind, names: list[str], threshold: float) -> list[Match]:
        """match() for many names at once."""
        memo = self.memo.setdefault((_check_kind(kind), threshold), {})
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        # Ingest threads share this memo: results are taken from the first look-up, never
        # looked up again after another thread may have cleared it.
        found = [memo.get(name) for name in names]
        index = self.index(kind)
        for i in [i for i, match in enumerate(found) if match is None]:
            found[i] = memo[names[i]] = match_in_index(
                index, self.excluded_keys, names[i], threshold
            )
        return found


def _check_kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise TaxonomyError(f"kind must be 'skill' or 'category', not {kind!r}")
    return kind  # type: ignore[return-value]


_CACHE: dict[str, tuple[tuple[tuple[int, int, int], ...], Reference]] = {}


def load_reference(reference_dir: Path) -> Reference:
    """Load and validate data/reference; cached until one of its files changes (inode, mtime, size)."""
    directory = Path(reference_dir)
    signature = _signature(directory)
    cache_key = os.path.abspath(directory)
    cached = _CACHE.get(cache_key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    reference = build_reference(
        directory, {spec.file: read_rows(directory, spec) for spec in SPECS}
    )
    _CACHE[cache_key] = (signature, reference)
    return reference


def _signature(directory: Path) -> tuple[tuple[int, int, int], ...]:
    try:
        stats = [os.stat(os.path.join(directory, spec.file)) for spec in SPECS]
    except FileNotFoundError as exc:
        raise TaxonomyError(
            f"{exc.filename} is missing; the reference folder {directory} needs {', '.join(s.file for s in SPECS)}."
        ) from exc
    # The name-rule files are optional; a change to any of them gives a new Reference too, so the
    # identity keys cached on it (flows.normalize.identity) need no stat calls of their own.
    optional = []
    for spec in OPTIONAL_SPECS:
        try:
            optional.append(os.stat(os.path.join(directory, spec.file)))
        except FileNotFoundError:
            continue
    return tuple((s.st_ino, s.st_mtime_ns, s.st_size) for s in (*stats, *optional))


def build_reference(directory: Path, rows: Mapping[str, list[Row]]) -> Reference:
    """Validate the rows of the five files (all problems at once) and build the lookups."""
    problems = validate_rows(rows)
    if problems:
        raise TaxonomyError(
            f"{directory}: {len(problems)} problem(s) in the reference data:", problems
        )
    excluded_keys = frozenset(k for row in rows[FUZZY_EXCLUDE.file] for k in name_keys(row["name"]))
    skills, categories = rows[SKILLS.file], rows[CATEGORIES.file]
    return Reference(
        directory=directory,
        skills=_table(SKILLS, skills),
        categories=_table(CATEGORIES, categories),
        skill_aliases=_table(SKILL_ALIASES, rows[SKILL_ALIASES.file]),
        category_aliases=_table(CATEGORY_ALIASES, rows[CATEGORY_ALIASES.file]),
        fuzzy_exclude=_table(FUZZY_EXCLUDE, rows[FUZZY_EXCLUDE.file]),
        excluded_keys=excluded_keys,
        skill_index=build_index(skills, "skill_id", rows[SKILL_ALIASES.file], excluded_keys),
        category_index=build_index(
            categories, "category_id", rows[CATEGORY_ALIASES.file], excluded_keys
        ),
    )


def _table(spec: CsvSpec, rows: list[Row]) -> pa.Table:
    columns: dict[str, pa.Array] = {}
    for column in spec.columns:
        values = [row[column] or None for row in rows]
        if column == "score":
            columns[column] = pa.array([float(v) if v else None for v in values], pa.float64())
        elif column == "confirmed":
            columns[column] = pa.array([v == "true" for v in values], pa.bool_())
        else:
            columns[column] = pa.array(values, pa.string())
    return pa.table(columns)


def validate_rows(rows: Mapping[str, list[Row]]) -> list[str]:
    """Every problem in the reference rows: bad or duplicate ids, dangling references, bad flags."""
    problems: list[str] = []
    category_ids = _check_canonical(rows[CATEGORIES.file], CATEGORIES, problems)
    skill_ids = _check_canonical(rows[SKILLS.file], SKILLS, problems)
    for row in rows[SKILLS.file]:
        if row["category_id"] not in category_ids:
            problems.append(
                f"{SKILLS.file}: skill {row['skill_id']!r} has unknown category_id {row['category_id']!r} (add it to {CATEGORIES.file})"
            )
    _check_aliases(
        rows[SKILL_ALIASES.file], SKILL_ALIASES, "skill_id", skill_ids, rows[SKILLS.file], problems
    )
    _check_aliases(
        rows[CATEGORY_ALIASES.file],
        CATEGORY_ALIASES,
        "category_id",
        category_ids,
        rows[CATEGORIES.file],
        problems,
    )
    for row in rows[FUZZY_EXCLUDE.file]:
        if not normalize_name(row["name"]):
            problems.append(f"{FUZZY_EXCLUDE.file}: empty name {row['name']!r}")
    return problems


def _check_canonical(rows: list[Row], spec: CsvSpec, problems: list[str]) -> set[str]:
    seen: set[str] = set()
    for row in rows:
        cid = row[spec.key]
        if not SLUG.match(cid):
            problems.append(
                f"{spec.file}: id {cid!r} is not a lower-case slug like 'ai-video-generation-and-editing'"
            )
        if cid in seen:
            problems.append(f"{spec.file}: id {cid!r} appears twice (ids are unique)")
        if not normalize_name(row["name"]):
            problems.append(f"{spec.file}: id {cid!r} has an empty name")
        seen.add(cid)
    return seen


def _check_aliases(
    rows: list[Row],
    spec: CsvSpec,
    id_column: str,
    ids: set[str],
    canonical: list[Row],
    problems: list[str],
) -> None:
    owner_of_name = {clean_name(row["name"]): row[id_column] for row in canonical}
    seen: set[str] = set()
    for row in rows:
        alias, target = clean_name(row["alias"]), row[id_column]
        where = f"{spec.file}: alias {row['alias']!r}"
        if not alias:
            problems.append(f"{spec.file}: a row has an empty alias")
        if alias in seen:
            problems.append(f"{where} appears twice (an alias points to one id)")
        seen.add(alias)
        if target not in ids:
            problems.append(f"{where} points to unknown {id_column} {target!r}")
        if owner_of_name.get(alias, target) != target:
            problems.append(
                f"{where} is the canonical name of {owner_of_name[alias]!r} but points to {target!r}"
            )
        if row["match_method"] not in ALIAS_METHODS:
            problems.append(
                f"{where}: match_method {row['match_method']!r} is not one of {', '.join(ALIAS_METHODS)}"
            )
        if row["confirmed"] not in ("true", "false"):
            problems.append(
                f"{where}: confirmed must be 'true' or 'false', not {row['confirmed']!r}"
            )
        if not _is_score(row["score"]):
            problems.append(f"{where}: score {row['score']!r} is not a number from 0 to 100")


def _is_score(text: str) -> bool:
    try:
        return text == "" or 0.0 <= float(text) <= 100.0
    except ValueError:
        return False


def build_index(
    canonical: list[Row], id_column: str, aliases: list[Row], excluded_keys: frozenset[str]
) -> NameIndex:
    """Exact, normalized and fuzzy lookups over canonical names (confirmed by definition) and aliases."""
    entries = [(row["name"], row[id_column], True) for row in canonical]
    entries += [(row["alias"], row[id_column], row["confirmed"] == "true") for row in aliases]
    exact: dict[str, tuple[str, bool]] = {}
    keys: dict[str, dict[str, bool]] = {}
    for text, cid, confirmed in entries:
        exact.setdefault(clean_name(text), (cid, confirmed))
        for key in name_keys(text):
            owners = keys.setdefault(key, {})
            owners[cid] = owners.get(cid, False) or confirmed
    umbrella_ids = frozenset(
        cid for text, cid, _ in entries if excluded_keys.intersection(name_keys(text))
    )
    review = sorted(
        {
            (key, cid)
            for text, cid, _ in entries
            for key in fuzzy_keys(text)
            if len(key) >= MIN_FUZZY_CHARS
        }
    )
    fuzzy = [(key, cid) for key, cid in review if cid not in umbrella_ids]
    return NameIndex(
        names=MappingProxyType({row[id_column]: row["name"] for row in canonical}),
        exact=MappingProxyType(exact),
        keys=MappingProxyType({k: MappingProxyType(v) for k, v in keys.items()}),
        fuzzy_keys=tuple(k for k, _ in fuzzy),
        fuzzy_ids=tuple(c for _, c in fuzzy),
        review_keys=tuple(k for k, _ in review),
        review_ids=tuple(c for _, c in review),
        umbrella_ids=umbrella_ids,
    )


# ---------------------------------------------------------------------------------------------
# Matching


def match_in_index(
    index: NameIndex, excluded_keys: frozenset[str], name: str, threshold: float
) -> Match:
    """exact alias -> normalized text -> (umbrella terms stop here) -> fuzzy above threshold -> unmatched."""
    hit = index.exact.get(clean_name(name))
    if hit is not None:
        return Match(hit[0], "alias", 100.0, hit[1])
    keys = name_keys(name)
    owners = next((index.keys[k] for k in keys if k in index.keys), None)
    if owners is not None and len(owners) == 1:
        ((cid, confirmed),) = owners.items()
        return Match(cid, "normalized", 100.0, confirmed)
    if owners is not None:
        # Two canonical entries read the same once normalized: only a person can choose.
        return Match(None, "unmatched", 100.0, False)
    if excluded_keys.intersection(keys):
        return Match(None, "excluded", None, False)
    ranked = index.top_two(name)
    if not ranked:
        return Match(None, "unmatched", None, False)
    (best_id, best_score), tied = ranked[0], len(ranked) > 1 and ranked[1][1] == ranked[0][1]
    if best_score >= threshold and not tied and not reordered(name, index.names[best_id]):
        return Match(best_id, "fuzzy", best_score, False)
    return Match(None, "unmatched", best_score, False)


def harmonize_names(
    names: Sequence[str] | pa.Array | pa.ChunkedArray,
    kind: Kind,
    reference_dir: Path,
    threshold: float | None = None,
) -> pa.Table:
    """One row per distinct non-null input name: its canonical id (null when unmatched), method, score, confirmed."""
    return harmonize_with(load_reference(reference_dir), names, kind, threshold)


def harmonize_with(
    reference: Reference,
    names: Sequence[str] | pa.Array | pa.ChunkedArray,
    kind: Kind,
    threshold: float | None = None,
) -> pa.Table:
    """harmonize_names against an already loaded reference."""
    limit = _threshold(threshold)
    index = reference.index(kind)
    if isinstance(names, pa.Array | pa.ChunkedArray):
        unique = pc.drop_null(pc.unique(names))
        store = _store(reference, limit) if kind == "skill" else None
        if store is not None and store.pays(len(unique)):
            return store.harmonize(unique, lambda found: _skill_table(reference, found, limit))
        names = unique.to_pylist()
    distinct = [n for n in dict.fromkeys(names) if n is not None]
    if kind == "skill":
        return _skill_table(reference, distinct, limit)
    matches = reference.match_all(kind, distinct, limit)
    ids = [m.canonical_id for m in matches]
    nulls = pa.nulls(len(distinct), pa.string())
    return pa.table(
        {
            "name_raw": distinct,
            "canonical_id": ids,
            "canonical_name": [index.names.get(cid) if cid else None for cid in ids],
            "match_method": [m.method for m in matches],
            "match_score": [m.score for m in matches],
            "confirmed": [m.confirmed for m in matches],
            "esco_uri": nulls,
            "onet_code": nulls,
        },
        schema=HARMONIZED_SCHEMA,
    )


def _skill_table(reference: Reference, distinct: list[str], limit: float) -> pa.Table:
    # Every skill name gets an identity, registered or not (flows.normalize.identity).
    found = identify_names(reference, distinct, limit)
    # Column by column: zip(*found) made an iterator per name, and the garbage collector's full
    # passes over the memos it set off cost more than the look-ups.
    columns = [list(map(itemgetter(i), found)) for i in range(len(Identity._fields))]
    return pa.table([distinct, *columns], schema=HARMONIZED_SCHEMA)


def _store(reference: Reference, limit: float) -> IdentityStore:
    return reference.cached.setdefault(f"store-{limit!r}", IdentityStore())  # type: ignore[return-value]


def _threshold(threshold: float | None) -> float:
    if threshold is None:
        return current_settings().fuzzy_threshold
    try:
        value = float(threshold)
    except ValueError as exc:
        raise TaxonomyError(
            f"the fuzzy threshold must be a number between 0 and 100, not {threshold!r}"
        ) from exc
    if not 0.0 <= value <= 100.0:
        raise TaxonomyError(f"fuzzy threshold must be between 0 and 100, not {threshold!r}")
    return value


def candidates_for(
    reference: Reference, kind: Kind, name: str, limit: int = 3
) -> list[dict[str, object]]:
    """Top canonical entries for a person to choose from, umbrella terms included."""
    index = reference.index(kind)
    ranked = rank_candidates(index.review_keys, index.review_ids, name, limit)
    return [
        {"canonical_id": cid, "canonical_name": index.names[cid], "score": score}
        for cid, score in ranked
    ]
