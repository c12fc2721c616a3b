"""Importers of external taxonomy ids (ESCO, O*NET) into the registry as aliases with their source ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from flows.errors import TaxonomyError
from flows.normalize.name_keys import (
    MIN_FUZZY_CHARS,
    clean_name,
    fuzzy_keys,
    normalize_name,
    rank_candidates,
)
from flows.normalize.names import Reference, load_reference
from flows.normalize.reference import (
    EXTERNAL_LABELS,
    EXTERNAL_SOURCES,
    SKILLS,
    Row,
    read_rows,
    write_rows,
)

IMPORT_MIN_SCORE = 95.0
# Schema metadata key of esco_labels' result: how many altLabels related_to_concept left out.
ALT_LEFT_OUT = "alt_labels_left_out"
IMPORT_SCHEMA = pa.schema(
    [
        ("skill_id", pa.string()),
        ("skill_name", pa.string()),
        ("external_id", pa.string()),
        ("external_label", pa.string()),
        ("match_method", pa.string()),
        ("match_score", pa.float64()),
        ("action", pa.string()),
    ]
)


# ---------------------------------------------------------------------------------------------
# Importers of external ids (ESCO, O*NET)


def import_esco(
    reference_dir: Path,
    path: Path,
    min_score: float = IMPORT_MIN_SCORE,
    use_alt_labels: bool = False,
    dry_run: bool = False,
) -> pa.Table:
    """Fill skills.esco_uri from an ESCO skills CSV (conceptUri, preferredLabel[, altLabels])."""
    # The same labels the label import keeps: an altLabel naming a narrower term is no id source.
    labels = esco_labels(path, use_alt_labels)
    return _import_external(
        reference_dir, [(labels["label"], labels["external_id"])], "esco_uri", min_score, dry_run
    )


def import_onet(
    reference_dir: Path, path: Path, min_score: float = IMPORT_MIN_SCORE, dry_run: bool = False
) -> pa.Table:
    """Fill skills.onet_commodity_code from O*NET 'Technology Skills.txt' (Example -> its most common Commodity Code)."""
    table = _read_external(
        path, ["Example", "Commodity Code"], {"delimiter": "\t", "quote_char": False}
    )
    counts = table.group_by(["Example", "Commodity Code"]).aggregate([([], "count_all")])
    # An example listed under several commodities takes the one most occupations use (ties: lowest code).
    counts = counts.sort_by(
        [("Example", "ascending"), ("count_all", "descending"), ("Commodity Code", "ascending")]
    )
    chosen = counts.group_by("Example", use_threads=False).aggregate([("Commodity Code", "first")])
    return _import_external(
        reference_dir,
        [(chosen["Example"], chosen["Commodity Code_first"])],
        "onet_commodity_code",
        min_score,
        dry_run,
    )


def _read_external(path: Path, columns: list[str], parse: dict[str, object]) -> pa.Table:
    try:
        return pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True, **parse),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns, column_types=dict.fromkeys(columns, pa.string())
            ),
        )
    except (OSError, pa.ArrowInvalid, KeyError) as exc:
        raise TaxonomyError(
            f"cannot read {path} as a table with columns {', '.join(columns)}: {exc}"
        ) from exc


def _import_external(
    reference_dir: Path,
    labels: list[tuple[pa.Array | pa.ChunkedArray, pa.Array | pa.ChunkedArray]],
    column: str,
    min_score: float,
    dry_run: bool,
) -> pa.Table:
    reference = load_reference(reference_dir)
    external = _external_index(labels)
    rows = read_rows(reference_dir, SKILLS)
    confirmed_aliases: dict[str, list[str]] = {}
    for alias in reference.skill_aliases.filter(reference.skill_aliases["confirmed"]).to_pylist():
        confirmed_aliases.setdefault(alias["skill_id"], []).append(alias["alias"])
    report = [
        _import_one(
            reference, external, row, confirmed_aliases.get(row["skill_id"], []), column, min_score
        )
        for row in rows
    ]
    filled = {r["skill_id"]: r["external_id"] for r in report if r["action"] == "filled"}
    if filled and not dry_run:
        write_rows(
            reference_dir,
            SKILLS,
            [{**row, column: filled.get(row["skill_id"], row[column])} for row in rows],
        )
    if dry_run:
        report = [{**r, "action": "would fill"} if r["action"] == "filled" else r for r in report]
    return pa.Table.from_pylist(report, schema=IMPORT_SCHEMA)


@dataclass(frozen=True)
class ExternalIndex:
    """Normalized external labels -> ids, and the fuzzy choices over them."""

    keys: Mapping[str, frozenset[str]]
    label_of: Mapping[str, str]  # key -> one published label, for the report
    fuzzy_keys: tuple[str, ...]


def _external_index(
    labels: list[tuple[pa.Array | pa.ChunkedArray, pa.Array | pa.ChunkedArray]],
) -> ExternalIndex:
    pairs = pa.concat_tables([pa.table({"label": label, "id": ids}) for label, ids in labels])
    pairs = pairs.filter(pc.and_(pc.is_valid(pairs["id"]), pc.is_valid(pairs["label"])))
    pairs = pairs.group_by(["label", "id"]).aggregate([])
    keys: dict[str, set[str]] = {}
    label_of: dict[str, str] = {}
    for label, external_id in zip(pairs["label"].to_pylist(), pairs["id"].to_pylist(), strict=True):
        for key in fuzzy_keys(label):
            keys.setdefault(key, set()).add(external_id.strip())
            label_of.setdefault(key, label)
    return ExternalIndex(
        keys={k: frozenset(v) for k, v in keys.items()},
        label_of=label_of,
        fuzzy_keys=tuple(
            sorted(k for k, v in keys.items() if len(v) == 1 and len(k) >= MIN_FUZZY_CHARS)
        ),
    )


def _import_one(
    reference: Reference,
    external: ExternalIndex,
    skill: Row,
    aliases: list[str],
    column: str,
    min_score: float,
) -> dict[str, object]:
    names = [skill["name"], *aliases]
    found = _find_external(
        external,
        names,
        allow_fuzzy=skill["skill_id"] not in reference.skill_index.umbrella_ids,
        min_score=min_score,
    )
    result = {
        "skill_id": skill["skill_id"],
        "skill_name": skill["name"],
        "external_id": None,
        "external_label": None,
        "match_method": "unmatched",
        "match_score": None,
    }
    if found is None:
        return {**result, "action": "no match"}
    key, ids, method, score = found
    result.update(external_label=external.label_of[key], match_method=method, match_score=score)
    if len(ids) > 1:
        return {**result, "action": "ambiguous"}
    (external_id,) = ids
    current = skill[column]
    action = (
        "filled" if not current else ("unchanged" if current == external_id else "kept existing")
    )
    return {**result, "external_id": external_id, "action": action}


def _find_external(
    external: ExternalIndex, names: list[str], allow_fuzzy: bool, min_score: float
) -> tuple[str, frozenset[str], str, float] | None:
    for name in names:
        for key in fuzzy_keys(name):
            if key in external.keys:
                return key, external.keys[key], "normalized", 100.0
    if not allow_fuzzy:
        return None
    best: tuple[str, frozenset[str], str, float] | None = None
    for name in names:
        for key, score in rank_candidates(external.fuzzy_keys, external.fuzzy_keys, name, limit=1):
            if score >= min_score and (best is None or score > best[3]):
                best = (key, external.keys[key], "fuzzy", score)
    return best


# ---------------------------------------------------------------------------------------------
# Labels of the external taxonomies, kept as aliases with their source ids (external_labels.csv)


def esco_labels(path: Path, use_alt_labels: bool = False) -> pa.Table:
    """(label, external_id, concept, preferred) from an ESCO skills CSV: the official download or a subset."""
    columns = ["conceptUri", "preferredLabel"] + (["altLabels"] if use_alt_labels else [])
    table = _read_external(path, columns, {})
    table = table.filter(
        pc.and_(pc.is_valid(table["conceptUri"]), pc.is_valid(table["preferredLabel"]))
    )
    uri = table["conceptUri"].combine_chunks()
    preferred = table["preferredLabel"].combine_chunks()
    parts = [_labels(preferred, uri, preferred, True)]
    if use_alt_labels:
        # altLabels hold several labels, one per line, inside one quoted cell.
        split = pc.split_pattern(pc.fill_null(table["altLabels"].combine_chunks(), ""), "\n")
        parents = pc.list_parent_indices(split)
        alt = _labels(
            pc.utf8_trim_whitespace(pc.list_flatten(split)),
            pc.take(uri, parents),
            pc.take(preferred, parents),
            False,
        )
        alt = alt.filter(pc.not_equal(alt["label"], ""))
        related = related_to_concept(alt["label"], alt["concept"])
        left_out = alt.num_rows - (pc.sum(related).as_py() or 0)
        parts.append(alt.filter(related))
    labels = pa.concat_tables(parts)
    labels = labels.filter(pc.not_equal(labels["label"], ""))
    return (
        labels.replace_schema_metadata({ALT_LEFT_OUT: str(left_out)}) if use_alt_labels else labels
    )


# Words that say nothing about which skill a label names: an altLabel sharing only these with its
# preferredLabel (`use Microsoft Excel` / `use spreadsheet software`) shares nothing.
FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "to",
        "for",
        "and",
        "or",
        "with",
        "by",
        "at",
        "from",
        "be",
        "use",
        "using",
        "apply",
        "perform",
        "manage",
        "work",
    ]
)
# Words compared by their first letters: `collect tax` / `collecting taxes` share `colle`, `taxes`.
WORD_PREFIX = 5


def related_to_concept(label: pa.ChunkedArray, concept: pa.ChunkedArray) -> pa.ChunkedArray:
    """True where an altLabel shares a word with its concept's preferredLabel.

    ESCO lists narrower terms and products among a concept's altLabels (`Microsoft Excel`, `Google
    Sheets` under `use spreadsheet software`; `Visual Basic`, `PowerShell` under `computer
    programming`; `gold` under `precious metals`). Imported as spellings of the concept they would
    let an umbrella absorb narrower skills, so a label that shares no word with the preferredLabel is
    left out; the synonyms the import is for mostly do share one (`bring in tax` / `collect tax`).
    """
    words: dict[str, frozenset[str]] = {}

    def of(text: str) -> frozenset[str]:
        if text not in words:
            words[text] = frozenset(
                w[:WORD_PREFIX] for w in normalize_name(text).split() if w not in FUNCTION_WORDS
            )
        return words[text]

    # One loop over distinct (label, concept) pairs of the taxonomy, not over rows of a report.
    pairs = pa.table({"label": label, "concept": concept})
    distinct = pairs.group_by(["label", "concept"], use_threads=False).aggregate([]).to_pylist()
    related = {(r["label"], r["concept"]) for r in distinct if of(r["label"]) & of(r["concept"])}
    keys = pc.binary_join_element_wise(label, concept, "\x00")
    wanted = pa.array([f"{a}\x00{b}" for a, b in related], pa.string())
    return pc.is_in(keys, value_set=wanted)


def onet_labels(path: Path) -> pa.Table:
    """(label, external_id, concept, preferred) from O*NET 'Technology Skills.txt': each Example, its most used code."""
    table = _read_external(
        path, ["Example", "Commodity Code"], {"delimiter": "\t", "quote_char": False}
    )
    counts = table.group_by(["Example", "Commodity Code"]).aggregate([([], "count_all")])
    counts = counts.sort_by(
        [("Example", "ascending"), ("count_all", "descending"), ("Commodity Code", "ascending")]
    )
    chosen = counts.group_by("Example", use_threads=False).aggregate([("Commodity Code", "first")])
    examples = chosen["Example"].combine_chunks()
    return _labels(examples, chosen["Commodity Code_first"].combine_chunks(), examples, True)


def _labels(label: pa.Array, external_id: pa.Array, concept: pa.Array, preferred: bool) -> pa.Table:
    return pa.table(
        {
            "label": label,
            "external_id": external_id,
            "concept": concept,
            "preferred": pa.repeat(pa.scalar(preferred), len(label)),
        }
    )


def import_labels(reference_dir: Path, source: str, labels: pa.Table) -> int:
    """Replace the source's rows of external_labels.csv with these labels; returns how many it holds now."""
    if source not in EXTERNAL_SOURCES:
        raise TaxonomyError(f"source must be one of {', '.join(EXTERNAL_SOURCES)}, not {source!r}")
    directory = Path(reference_dir)
    path = directory / EXTERNAL_LABELS.file
    kept = [
        r
        for r in (read_rows(directory, EXTERNAL_LABELS) if path.exists() else [])
        if r["source"] != source
    ]
    distinct = labels.group_by(
        ["label", "external_id", "concept", "preferred"], use_threads=False
    ).aggregate([])
    # One loop over distinct labels (thousands), not over rows of a report.
    rows = [
        {
            "label": clean_name(r["label"]),
            "source": source,
            "external_id": r["external_id"].strip(),
            "concept": clean_name(r["concept"]),
            "preferred": "true" if r["preferred"] else "false",
        }
        for r in distinct.to_pylist()
        if normalize_name(r["label"]) and r["external_id"].strip()
    ]
    write_rows(directory, EXTERNAL_LABELS, kept + rows)
    return len(rows)
