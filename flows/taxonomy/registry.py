"""Editing the name registry: add aliases, skills and categories, each change validated before it is written."""

from __future__ import annotations

from pathlib import Path

from flows.errors import TaxonomyError
from flows.normalize.name_keys import (
    clean_name,
    fuzzy_keys,
    name_keys,
    normalize_name,
    slugify,
    token_alignment_score,
)
from flows.normalize.names import Reference, load_reference
from flows.normalize.reference import (
    ALIAS_METHODS,
    ALIAS_SPEC,
    CANONICAL_SPEC,
    CATEGORIES,
    SKILLS,
    SLUG,
    CsvSpec,
    Kind,
    Row,
    read_rows,
    write_rows,
)

# ---------------------------------------------------------------------------------------------
# Editing the registry


def add_alias(
    reference_dir: Path,
    name: str,
    canonical_id: str,
    kind: Kind = "skill",
    method: str = "manual",
    confirmed: bool = True,
) -> Row:
    """Point a raw name at a canonical id (a person's decision: confirmed); rewrites the alias CSV."""
    reference = load_reference(reference_dir)
    index = reference.index(kind)
    alias = clean_name(name)
    if not alias:
        raise TaxonomyError("an alias needs a non-empty name")
    if canonical_id not in index.names:
        raise TaxonomyError(
            f"unknown {kind} id {canonical_id!r}: pick one from {CANONICAL_SPEC[kind].file}"
            + (" or create it with `skillpulse skills new`" if kind == "skill" else "")
        )
    owner = next(
        (cid for cid, cname in index.names.items() if clean_name(cname) == alias), canonical_id
    )
    if owner != canonical_id:
        raise TaxonomyError(
            f"{alias!r} is the canonical name of {kind} {owner!r}; it cannot be an alias of {canonical_id!r}"
        )
    if method not in ALIAS_METHODS:
        raise TaxonomyError(
            f"alias match_method must be one of {', '.join(ALIAS_METHODS)}, not {method!r}"
        )
    spec = ALIAS_SPEC[kind]
    row = {
        "alias": alias,
        spec.columns[1]: canonical_id,
        "match_method": method,
        "score": _format_score(_score_against(reference, kind, alias, canonical_id)),
        "confirmed": "true" if confirmed else "false",
    }
    rows = [r for r in read_rows(reference_dir, spec) if clean_name(r["alias"]) != alias]
    write_rows(reference_dir, spec, [*rows, row])
    return row


def _score_against(reference: Reference, kind: Kind, alias: str, canonical_id: str) -> float:
    """How close the alias reads to the target's other names (100 when normalization alone finds it)."""
    id_column = ALIAS_SPEC[kind].columns[1]
    aliases = getattr(reference, f"{kind}_aliases").to_pylist()
    texts = [reference.index(kind).names[canonical_id]]
    texts += [
        a["alias"]
        for a in aliases
        if a[id_column] == canonical_id and clean_name(a["alias"]) != alias
    ]
    if set(name_keys(alias)) & {k for t in texts for k in name_keys(t)}:
        return 100.0
    return max(
        (
            token_alignment_score(q, k)
            for q in fuzzy_keys(alias)
            for t in texts
            for k in fuzzy_keys(t)
        ),
        default=0.0,
    )


def _format_score(score: float | None) -> str:
    return "" if score is None else f"{score:.1f}"


def add_skill(
    reference_dir: Path,
    name: str,
    category_id: str,
    description: str = "",
    esco_uri: str = "",
    onet_commodity_code: str = "",
    skill_id: str | None = None,
) -> str:
    """Create a canonical skill (its name matches itself from then on); returns the new skill_id."""
    reference = load_reference(reference_dir)
    category = _resolve_category(reference, category_id)
    row = {
        "skill_id": "",
        "name": _new_name(reference, "skill", name),
        "category_id": category,
        "description": description.strip(),
        "esco_uri": esco_uri.strip(),
        "onet_commodity_code": onet_commodity_code.strip(),
    }
    rows = read_rows(reference_dir, SKILLS)
    row["skill_id"] = _new_id(skill_id, row["name"], {r["skill_id"] for r in rows}, SKILLS)
    write_rows(reference_dir, SKILLS, [*rows, row])
    return row["skill_id"]


def add_category(
    reference_dir: Path, name: str, description: str = "", category_id: str | None = None
) -> str:
    """Create a canonical category; returns the new category_id."""
    reference = load_reference(reference_dir)
    row = {
        "category_id": "",
        "name": _new_name(reference, "category", name),
        "description": description.strip(),
    }
    rows = read_rows(reference_dir, CATEGORIES)
    row["category_id"] = _new_id(
        category_id, row["name"], {r["category_id"] for r in rows}, CATEGORIES
    )
    write_rows(reference_dir, CATEGORIES, [*rows, row])
    return row["category_id"]


def _resolve_category(reference: Reference, category: str) -> str:
    if category in reference.category_index.names:
        return category
    found = reference.match("category", category, 100.0)
    if found.method in ("alias", "normalized") and found.canonical_id:
        return found.canonical_id
    known = ", ".join(sorted(reference.category_index.names))
    raise TaxonomyError(
        f"unknown category {category!r}; use one of: {known} (or add one with `skillpulse skills new-category`)"
    )


def _new_name(reference: Reference, kind: Kind, name: str) -> str:
    cleaned = clean_name(name)
    if not normalize_name(cleaned):
        raise TaxonomyError(f"a new {kind} needs a name with letters or digits, not {name!r}")
    existing = reference.match(kind, cleaned, 100.0)
    if existing.method in ("alias", "normalized") and existing.canonical_id:
        raise TaxonomyError(
            f"{cleaned!r} already resolves to {kind} {existing.canonical_id!r} ({existing.method}); "
            "use `skillpulse skills alias` to point a name at an existing id"
        )
    if existing.method == "unmatched" and existing.score == 100.0:
        raise TaxonomyError(
            f"{cleaned!r} reads the same as two existing {kind}s; alias it to one of them instead"
        )
    return cleaned


def _new_id(requested: str | None, name: str, taken: set[str], spec: CsvSpec) -> str:
    if requested:
        if not SLUG.match(requested) or requested in taken:
            raise TaxonomyError(
                f"{spec.key} {requested!r} is {'taken' if requested in taken else 'not a lower-case slug'} in {spec.file}"
            )
        return requested
    base = slugify(name) or spec.key.split("_")[0]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate
