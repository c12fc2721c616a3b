"""`skillpulse explain REPORT SKILL`: where a figure came from, and every mart row built from it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from flows.errors import SkillpulseError
from flows.ops.query import published
from flows.ops.summary import read_history
from flows.raw.manifest import MANIFEST_NAME, load_manifest
from flows.sqlutil import quote_ident

TABLE_HEADER = re.compile(r"^\s*\[\[\s*tables\s*\]\]")
ANY_HEADER = re.compile(r"^\s*\[")
# Optional lineage columns: printed only when this warehouse's lake has them (PDF and prose add them).
OPTIONAL = ("source_page", "source_span")

FIGURES = """
SELECT o.*, r.report_dir
FROM lake.observations AS o
LEFT JOIN lake.reports AS r ON r.report_id = o.report_id
WHERE o.report_id = $report
  AND (o.skill_id = $skill OR lower(o.skill_raw) = lower($skill)
       OR o.skill_id IN (SELECT skill_id FROM reference.skills WHERE lower(name) = lower($skill)))
ORDER BY o.table_name, o.source_file, o.source_row, o.source_column_index, o.period_start
"""

NEAREST = """
SELECT DISTINCT skill_raw, skill_id, jaro_winkler_similarity(lower(skill_raw), lower($skill)) AS score
FROM lake.observations WHERE report_id = $report
ORDER BY score DESC, skill_raw LIMIT 5
"""

MART_COLUMNS = """
SELECT table_name, list(column_name ORDER BY column_index) AS columns
FROM duckdb_columns() WHERE schema_name = 'marts' GROUP BY table_name ORDER BY table_name
"""


class ExplainError(SkillpulseError):
    """The report or the skill is not in the published warehouse."""


@dataclass(frozen=True)
class Explanation:
    report_id: str
    figures: list[dict]
    manifests: list[tuple[str, list[tuple[int, str]]]]
    marts: list[tuple[str, list[dict]]]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, **parameters: object) -> list[dict]:
    result = con.sql(sql, params=parameters)
    names = result.columns
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def manifest_block(manifest: Path, table_name: str) -> list[tuple[int, str]]:
    """The numbered lines of the [[tables]] block that declares table_name."""
    tables = [t.table_name for t in load_manifest(manifest).tables]
    if table_name not in tables:
        return []
    lines = manifest.read_text(encoding="utf-8").splitlines()
    starts = [n for n, line in enumerate(lines) if TABLE_HEADER.match(line)]
    start = starts[tables.index(table_name)]
    end = next((n for n in range(start + 1, len(lines)) if ANY_HEADER.match(lines[n])), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return [(n + 1, lines[n]) for n in range(start, end)]


def _mart_filter(columns: list[str]) -> str | None:
    """WHERE text for a mart's rows built from the report's figures of one skill (or its category)."""
    reports = [c for c in columns if c == "report_id" or c.startswith("report_id_")]
    if not reports:
        return None
    if "skill_id" in columns:
        key = "skill_id = $skill_id"
    elif "category_id" in columns:
        key = "list_contains($category_ids, category_id)"
    else:
        return None
    either = " OR ".join(f"{quote_ident(c)} = $report" for c in reports)
    return f"({either}) AND {key}"


def explain(warehouse: Path, report_id: str, skill: str, raw: Path | None = None) -> Explanation:
    """Every figure of the skill in the report, its manifest block and the mart rows built from it."""
    with published(warehouse) as con:
        figures = _rows(con, FIGURES, report=report_id, skill=skill)
        if not figures:
            known = con.sql(
                "SELECT count(*) FROM lake.reports WHERE report_id = $report",
                params={"report": report_id},
            ).fetchall()[0][0]
            if not known:
                raise ExplainError(
                    f"no report {report_id!r} in the warehouse; `skillpulse query "
                    '"SELECT report_id FROM lake.reports"` lists them'
                )
            nearest = ", ".join(
                repr(r["skill_raw"]) for r in _rows(con, NEAREST, report=report_id, skill=skill)
            )
            raise ExplainError(
                f"{report_id} has no figure for {skill!r} (a skill_id, canonical name or name as "
                f"printed); closest names there: {nearest}"
            )
        skill_id = next((f["skill_id"] for f in figures if f["skill_id"]), None)
        categories = sorted({f["category_id"] for f in figures if f["category_id"]})
        marts = []
        for mart, columns in con.sql(MART_COLUMNS).fetchall():
            where = _mart_filter(columns)
            if where is None or (skill_id is None and "skill_id" in columns):
                continue
            parameters = {"report": report_id} | (
                {"skill_id": skill_id} if "skill_id" in columns else {"category_ids": categories}
            )
            rows = _rows(
                con, f"SELECT * FROM marts.{quote_ident(mart)} WHERE {where}", **parameters
            )
            marts.append((mart, rows))
    raw_dir = raw or _last_raw(warehouse)
    manifests = []
    for table_name, report_dir in sorted({(f["table_name"], f["report_dir"]) for f in figures}):
        manifest = raw_dir / report_dir / MANIFEST_NAME if raw_dir and report_dir else None
        block = manifest_block(manifest, table_name) if manifest and manifest.exists() else []
        manifests.append((str(manifest) if manifest else f"{report_dir}/{MANIFEST_NAME}", block))
    return Explanation(report_id, figures, manifests, marts)


def _last_raw(warehouse: Path) -> Path | None:
    history = read_history(warehouse, 1)
    raw = history[-1].get("raw_dir") if history else None
    return Path(raw) if raw and "://" not in raw else None


def render(explanation: Explanation, max_rows: int = 20) -> str:
    """The explanation as text: figures with their lineage, manifest lines, then mart rows."""
    out = []
    for n, f in enumerate(explanation.figures, 1):
        period = f"{f['period_start']}..{f['period_end']}" if f["period_start"] else "no period"
        out += [
            f"figure {n} of {len(explanation.figures)}: {f['measure']} {f['value']} "
            f"({f['value_qualifier']}), {period}, {f['geography'] or 'no geography'}",
            f"  report:   {f['report_id']} ({f['publisher']}, edition {f['edition']}), table {f['table_name']}",
            f"  skill:    printed {f['skill_raw']!r} -> {f['skill_id'] or 'not harmonized'}"
            f" ({f['skill_match_method']})",
            f"  file:     {f['source_file']}",
            f"  cell:     row {f['source_row']}, column {f['source_column']!r}"
            f" (column {f['source_column_index']})",
        ]
        out += [f"  {name[7:] + ':':<9} {f[name]}" for name in OPTIONAL if f.get(name) is not None]
        out += [f"  printed:  {f['source_text']!r}", f"  sha256:   {f['source_sha256']}", ""]
    for manifest, block in explanation.manifests:
        if block:
            out.append(f"read by {manifest}, lines {block[0][0]}-{block[-1][0]}:")
            out += [f"  {number:>4} | {line}" for number, line in block]
        else:
            out.append(f"read by {manifest} (not found here; pass --raw)")
        out.append("")
    for mart, rows in explanation.marts:
        out.append(f"marts.{mart}: {len(rows)} row(s) built from it")
        for row in rows[:max_rows]:
            out.append("  - " + ", ".join(f"{k}={v}" for k, v in row.items() if v is not None))
        if len(rows) > max_rows:
            out.append(f"  ... {len(rows) - max_rows} more")
    return "\n".join(out)
