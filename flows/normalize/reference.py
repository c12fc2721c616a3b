"""The name registry's files in data/reference: one schema per CSV, read and written atomically."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from flows.errors import TaxonomyError
from flows.fsutil import atomic_path

Kind = Literal["skill", "category"]
KINDS: tuple[Kind, ...] = ("skill", "category")
ALIAS_METHODS = ("seed", "manual", "fuzzy", "import")


# ---------------------------------------------------------------------------------------------
# The reference files


@dataclass(frozen=True)
class CsvSpec:
    """One reference CSV: its file name, its columns in order, the column it is sorted by, and
    (for the tables loaded into DuckDB's `reference` schema) the table and column comments."""

    file: str
    columns: tuple[str, ...]
    key: str
    comment: str = ""
    column_comments: tuple[str, ...] = ()

    @property
    def table(self) -> str:
        return self.file.removesuffix(".csv")


SKILLS = CsvSpec(
    "skills.csv",
    ("skill_id", "name", "category_id", "description", "esco_uri", "onet_commodity_code"),
    "skill_id",
    "Canonical skills: the taxonomy reports are harmonized to (data/reference/skills.csv).",
    (
        "Canonical skill id (slug).",
        "Canonical display name.",
        "Canonical category of the skill.",
        "What the skill covers.",
        "ESCO concept URI, when matched.",
        "O*NET (UNSPSC) commodity code, when matched.",
    ),
)
CATEGORIES = CsvSpec(
    "categories.csv",
    ("category_id", "name", "description"),
    "category_id",
    "Canonical skill categories (data/reference/categories.csv).",
    ("Canonical category id (slug).", "Canonical display name.", "What the category covers."),
)
# The reference files the warehouse loads as reference.<table>.
WAREHOUSE_TABLES = (SKILLS, CATEGORIES)
SKILL_ALIASES = CsvSpec(
    "skill_aliases.csv", ("alias", "skill_id", "match_method", "score", "confirmed"), "alias"
)
CATEGORY_ALIASES = CsvSpec(
    "category_aliases.csv", ("alias", "category_id", "match_method", "score", "confirmed"), "alias"
)
FUZZY_EXCLUDE = CsvSpec("fuzzy_exclude.csv", ("name", "reason"), "name")
SPECS = (SKILLS, CATEGORIES, SKILL_ALIASES, CATEGORY_ALIASES, FUZZY_EXCLUDE)
# Name rules (shipped) and imported taxonomy labels (written by `skills import-esco/-onet`):
# optional files, read by flows.normalize.identity.
ACRONYMS = CsvSpec("acronyms.csv", ("acronym", "expansion", "note"), "acronym")
NAME_RULES = CsvSpec("name_rules.csv", ("text", "rule", "reason"), "text")
NAME_RULE_KINDS = ("vendor", "generic", "keep_js", "drop_prefix", "drop_suffix")
# Nicknames a word goes by ('golang' is go, 'MS' is Microsoft): the word is read as the name.
NICKNAMES = CsvSpec("nicknames.csv", ("nickname", "name", "note"), "nickname")
EXTERNAL_LABELS = CsvSpec(
    "external_labels.csv", ("label", "source", "external_id", "concept", "preferred"), "label"
)
EXTERNAL_SOURCES = ("esco", "onet")  # first wins when one label belongs to both
OPTIONAL_SPECS = (ACRONYMS, NAME_RULES, NICKNAMES, EXTERNAL_LABELS)
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
