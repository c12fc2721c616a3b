"""Skill and category names -> canonical ids: alias registry, normalized text, fuzzy match, review queue, importers."""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from rapidfuzz import fuzz, process

from flows.errors import SkillpulseError
from flows.fsutil import atomic_path

Kind = Literal["skill", "category"]
KINDS: tuple[Kind, ...] = ("skill", "category")

# Measured on tests/data/name_pairs.csv (docs/harmonize.md): precision 0.974, recall 0.457, with
# 2.5 points of margin above the highest-scoring hard negative it rejects.
DEFAULT_THRESHOLD = 90.0
# Users tune the fuzzy threshold here; discover folds it into every report's fingerprint.
THRESHOLD_ENV = "SKILLPULSE_FUZZY_THRESHOLD"
IMPORT_MIN_SCORE = 95.0
MIN_FUZZY_CHARS = 4  # "R", "C", "Go", "SAS": short names match exactly or not at all
TOKEN_MIN_SIMILARITY = 70.0
SHORTLIST_SIZE = 25
SHORTLIST_CUTOFF = 50.0
MEMO_LIMIT = 200_000

MATCH_METHODS = ("alias", "normalized", "fuzzy", "unmatched", "excluded")
ALIAS_METHODS = ("seed", "manual", "fuzzy", "import")

HARMONIZED_SCHEMA = pa.schema(
    [
        ("name_raw", pa.string()),
        ("canonical_id", pa.string()),
        ("canonical_name", pa.string()),
        ("match_method", pa.string()),
        ("match_score", pa.float64()),
        ("confirmed", pa.bool_()),
    ]
)
CANDIDATE_TYPE = pa.struct(
    [("canonical_id", pa.string()), ("canonical_name", pa.string()), ("score", pa.float64())]
)
REVIEW_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("name_raw", pa.string()),
        ("match_method", pa.string()),
        ("canonical_id", pa.string()),
        ("canonical_name", pa.string()),
        ("match_score", pa.float64()),
        ("confirmed", pa.bool_()),
        ("reports", pa.int64()),
        ("observations", pa.int64()),
        ("candidates", pa.list_(CANDIDATE_TYPE)),
    ]
)
OBSERVED_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("name_raw", pa.string()),
        ("reports", pa.int64()),
        ("observations", pa.int64()),
    ]
)
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


class TaxonomyError(SkillpulseError):
    """The reference CSVs are missing or invalid, or an edit of the registry was refused."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        lines = "".join(f"\n  - {p}" for p in self.problems)
        super().__init__(message + lines)


# ---------------------------------------------------------------------------------------------
# The reference files


@dataclass(frozen=True)
class CsvSpec:
    """One reference CSV: its file name, its columns in order, and the column it is sorted by."""

    file: str
    columns: tuple[str, ...]
    key: str


SKILLS = CsvSpec(
    "skills.csv",
    ("skill_id", "name", "category_id", "description", "esco_uri", "onet_commodity_code"),
    "skill_id",
)
CATEGORIES = CsvSpec("categories.csv", ("category_id", "name", "description"), "category_id")
SKILL_ALIASES = CsvSpec(
    "skill_aliases.csv", ("alias", "skill_id", "match_method", "score", "confirmed"), "alias"
)
CATEGORY_ALIASES = CsvSpec(
    "category_aliases.csv", ("alias", "category_id", "match_method", "score", "confirmed"), "alias"
)
FUZZY_EXCLUDE = CsvSpec("fuzzy_exclude.csv", ("name", "reason"), "name")
SPECS = (SKILLS, CATEGORIES, SKILL_ALIASES, CATEGORY_ALIASES, FUZZY_EXCLUDE)
CANONICAL_SPEC = {"skill": SKILLS, "category": CATEGORIES}
ALIAS_SPEC = {"skill": SKILL_ALIASES, "category": CATEGORY_ALIASES}

Row = dict[str, str]
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def read_rows(reference_dir: Path, spec: CsvSpec) -> list[Row]:
    """The rows of one reference CSV as dicts of stripped strings; a wrong header or row width is an error."""
    path = Path(reference_dir) / spec.file
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = tuple(next(reader, ()))
            if header != spec.columns:
                raise TaxonomyError(
                    f"{path}: header is {','.join(header) or '(empty)'}; "
                    f"expected {','.join(spec.columns)}. Fix the first line of the file."
                )
            lines = [(reader.line_num, cells) for cells in reader if any(cells)]
    except FileNotFoundError as exc:
        raise TaxonomyError(
            f"{path} is missing; the reference folder needs {', '.join(s.file for s in SPECS)}."
        ) from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TaxonomyError(f"{path} cannot be read as UTF-8 CSV: {exc}") from exc
    width = len(spec.columns)
    bad = [
        f"line {n}: {len(cells)} cells, expected {width}"
        for n, cells in lines
        if len(cells) != width
    ]
    if bad:
        raise TaxonomyError(f"{path}: rows of the wrong width (quote cells that hold commas):", bad)
    return [dict(zip(spec.columns, (c.strip() for c in cells), strict=True)) for _, cells in lines]


def write_rows(reference_dir: Path, spec: CsvSpec, rows: Iterable[Row]) -> Path:
    """Rewrite one reference CSV sorted by its key, '\\n' endings, atomically (temp file + rename)."""
    path = Path(reference_dir) / spec.file
    text = render_rows(spec, rows)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
        os.chmod(tmp, mode)
    return path


def render_rows(spec: CsvSpec, rows: Iterable[Row]) -> str:
    """The exact text write_rows writes: header, then rows sorted by key (case-insensitive, then exact)."""
    ordered = sorted(rows, key=lambda row: (row[spec.key].casefold(), row[spec.key]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(spec.columns)
    writer.writerows([row.get(column, "") or "" for column in spec.columns] for row in ordered)
    return buffer.getvalue()


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
    folded = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "").replace("'", "")
    folded = DOTTED_ACRONYM.sub(lambda m: m.group(0).replace(".", ""), folded).replace("&", " and ")
    tokens = [
        _canonical_token(t)
        for t in SEPARATORS.sub(" ", folded).split()
        if any(c.isalnum() for c in t)
    ]
    joined = f" {' '.join(tokens)} "
    for phrase, replacement in PHRASES:
        joined = joined.replace(phrase, replacement)
    return joined.strip()


def _canonical_token(token: str) -> str:
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
    if not total:
        return 0.0
    pairs = sorted(
        ((fuzz.ratio(x, y), i, j) for i, x in enumerate(tokens_a) for j, y in enumerate(tokens_b)),
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
    return round(100 * aligned / total, 1)


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


@dataclass(frozen=True)
class Match:
    """How one raw name resolved."""

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
    return tuple((s.st_ino, s.st_mtime_ns, s.st_size) for s in stats)


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
    if best_score >= threshold and not tied:
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
        names = pc.unique(names).to_pylist()
    distinct = [n for n in dict.fromkeys(names) if n is not None]
    matches = reference.match_all(kind, distinct, limit)
    ids = [m.canonical_id for m in matches]
    return pa.table(
        {
            "name_raw": distinct,
            "canonical_id": ids,
            "canonical_name": [index.names.get(cid) if cid else None for cid in ids],
            "match_method": [m.method for m in matches],
            "match_score": [m.score for m in matches],
            "confirmed": [m.confirmed for m in matches],
        },
        schema=HARMONIZED_SCHEMA,
    )


def _threshold(threshold: float | None) -> float:
    if threshold is None:
        threshold = os.environ.get(THRESHOLD_ENV, DEFAULT_THRESHOLD)
    try:
        value = float(threshold)
    except ValueError as exc:
        raise TaxonomyError(
            f"{THRESHOLD_ENV} must be a number between 0 and 100, not {threshold!r}"
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


# ---------------------------------------------------------------------------------------------
# Review queue

OBSERVED_SQL = """
SELECT kind, name_raw, count(DISTINCT report_id) AS reports, count(*) AS observations
FROM (
    SELECT 'skill' AS kind, skill_raw AS name_raw, report_id FROM observed WHERE skill_raw IS NOT NULL
    UNION ALL
    SELECT 'category' AS kind, category_raw AS name_raw, report_id FROM observed WHERE category_raw IS NOT NULL
)
WHERE trim(name_raw) <> ''
GROUP BY kind, name_raw
ORDER BY kind, name_raw
"""


def observed_names(source: pa.Table | Path) -> pa.Table:
    """Distinct raw skill and category names with how many reports and observations use them.

    `source` is a warehouse folder (its lake/observations/**/*.parquet are read) or a table with
    the lake's report_id, skill_raw and category_raw columns.
    """
    con = duckdb.connect()
    try:
        if isinstance(source, pa.Table):
            con.register("observed", source.select(["report_id", "skill_raw", "category_raw"]))
        else:
            files = sorted((Path(source) / "lake" / "observations").glob("**/*.parquet"))
            if not files:
                return OBSERVED_SCHEMA.empty_table()
            con.read_parquet([str(f) for f in files], union_by_name=True).create_view("observed")
        return con.sql(OBSERVED_SQL).to_arrow_table().cast(OBSERVED_SCHEMA)
    except (duckdb.Error, KeyError) as exc:
        raise TaxonomyError(
            f"cannot read observed names from {source if isinstance(source, Path) else 'the table'}: {exc}"
        ) from exc
    finally:
        con.close()


def review_queue(
    source: pa.Table | Path,
    reference_dir: Path,
    threshold: float | None = None,
    kinds: Sequence[Kind] = KINDS,
    candidates: int = 3,
) -> pa.Table:
    """Names a person should look at: unmatched, excluded and unconfirmed ones, with top candidates.

    Matching is redone against the registry as it is now, so a name aliased a minute ago leaves the
    queue before the next pipeline run applies it to the lake.
    """
    reference = load_reference(reference_dir)
    observed = observed_names(source)
    parts = [_review_kind(reference, observed, kind, threshold, candidates) for kind in kinds]
    return pa.concat_tables(parts) if parts else REVIEW_SCHEMA.empty_table()


# Most urgent first: nothing matched, then umbrella terms, then guesses to confirm.
METHOD_ORDER = {
    m: i for i, m in enumerate(("unmatched", "excluded", "fuzzy", "normalized", "alias"))
}


def _review_kind(
    reference: Reference, observed: pa.Table, kind: Kind, threshold: float | None, candidates: int
) -> pa.Table:
    names = observed.filter(pc.equal(observed["kind"], kind))
    matched = harmonize_with(reference, names["name_raw"].to_pylist(), kind, threshold)
    rows = [
        {**m, "kind": kind, "reports": n["reports"], "observations": n["observations"]}
        for m, n in zip(matched.to_pylist(), names.to_pylist(), strict=True)
        if not m["confirmed"]
    ]
    rows.sort(key=lambda r: (METHOD_ORDER[r["match_method"]], -r["observations"], r["name_raw"]))
    for row in rows:
        row["candidates"] = candidates_for(reference, kind, row["name_raw"], candidates)
    return pa.Table.from_pylist(rows, schema=REVIEW_SCHEMA)


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
    table = _read_external(
        path,
        ["conceptUri", "preferredLabel", "altLabels"]
        if use_alt_labels
        else ["conceptUri", "preferredLabel"],
        {},
    )
    labels = [(table["preferredLabel"], table["conceptUri"])]
    if use_alt_labels:
        # altLabels hold several labels, one per line, inside one quoted cell.
        split = pc.split_pattern(pc.fill_null(table["altLabels"].combine_chunks(), ""), "\n")
        uris = pc.take(table["conceptUri"].combine_chunks(), pc.list_parent_indices(split))
        labels.append((pc.utf8_trim_whitespace(pc.list_flatten(split)), uris))
    return _import_external(reference_dir, labels, "esco_uri", min_score, dry_run)


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
