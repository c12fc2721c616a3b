"""Draft a report.toml for a raw file nobody has declared yet, by sniffing its header and values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc

from flows.errors import SkillpulseError
from flows.extract import read_table
from flows.normalize.measures import MEASURES
from flows.normalize.numbers import Reading, read_value
from flows.normalize.periods import parse_periods
from flows.raw.manifest import FORMAT_BY_SUFFIX, MANIFEST_NAME, TableSpec

YEAR_HEADER = re.compile(r"^(19|20)\d\d$")
ROLE_PATTERNS = {
    "period": re.compile(r"\b(year|date|period|month|quarter|edition)\b", re.I),
    "geography": re.compile(
        r"(countr(y|ies)|region|geograph|\bstates?\b|\barea\b|\bcity\b|\bmarket\b)", re.I
    ),
    "category": re.compile(r"\b(category|cluster|sector|group|family|domain|area of work)\b", re.I),
}
SAMPLE_ROWS = 200


@dataclass(frozen=True)
class Draft:
    path: Path
    text: str


def draft_manifest(raw_file: Path) -> Draft:
    """Sniff one raw file and return a draft report.toml for the folder it sits in."""
    if raw_file.suffix.lower() not in FORMAT_BY_SUFFIX:
        raise SkillpulseError(
            f"{raw_file}: unknown file type {raw_file.suffix!r}; supported: {', '.join(sorted(FORMAT_BY_SUFFIX))}"
        )
    probe = TableSpec(file=raw_file.name, measure="count", columns={"skill": "?", "value": "?"})
    raw = read_table(raw_file, probe)
    samples = {h: _sample(raw.cells, i) for i, h in enumerate(raw.header, start=1)}
    roles = guess_roles(raw.header, samples)
    text = _render(raw_file, roles)
    return Draft(raw_file.parent / MANIFEST_NAME, text)


def guess_roles(header: tuple[str, ...], samples: dict[str, list[str]]) -> dict:
    """Assign value/period/geography/skill/category columns, or an unpivot pattern for year columns."""
    years = [h for h in header if YEAR_HEADER.match(h.strip())]
    roles: dict = {"columns": {}, "unpivot": None, "measure": "count"}
    free = [h for h in header if h not in years]
    _take(roles, free, "period", lambda h: _named("period", h) or _all_periods(samples[h]))
    if len(years) >= 2:
        roles["unpivot"] = r"^(19|20)\d\d$"
        roles["measure"] = _measure(years[0], [t for y in years for t in samples[y]])
    elif _take(roles, free, "value", lambda h: _mostly_numbers(samples[h])):
        value = roles["columns"]["value"]
        roles["measure"] = _measure(value, samples[value])
    _take(roles, free, "geography", lambda h: _named("geography", h))
    # The ranked thing: a column named like a skill, else the first text column left.
    if not _take(roles, free, "skill", lambda h: "skill" in h.lower()):
        _take(roles, free, "skill", lambda _: True)
    _take(roles, free, "category", lambda h: _named("category", h))
    return roles


def _named(role: str, header: str) -> bool:
    return ROLE_PATTERNS[role].search(header) is not None


def _take(roles: dict, free: list[str], role: str, fits) -> bool:
    """Give `role` the first free column that fits; True when one did."""
    match = next((h for h in free if fits(h)), None)
    if match is not None:
        roles["columns"][role] = match
        free.remove(match)
    return match is not None


def _sample(cells, index: int) -> list[str]:
    column = cells[f"c{index}"].slice(0, SAMPLE_ROWS)
    return [t for t in pc.drop_null(column).to_pylist() if t.strip()]


def _mostly_numbers(texts: list[str]) -> bool:
    if not texts:
        return False
    readable = sum(isinstance(read_value(t), Reading) for t in texts)
    return readable >= 0.8 * len(texts)


def _all_periods(texts: list[str]) -> bool:
    parsed = parse_periods(texts)
    return parsed.num_rows > 0 and pc.all(pc.is_valid(parsed["period_start"])).as_py()


def _measure(header: str, texts: list[str]) -> str:
    percent = any("%" in t or "per cent" in t.lower() for t in texts)
    if re.search(r"rank", header, re.I):
        return "rank"
    if re.search(r"index", header, re.I):
        return "index"
    if percent and re.search(r"growth|change|yoy|increase|rise", header, re.I):
        return "growth_pct"
    return "share_pct" if percent else "count"


def _render(raw_file: Path, roles: dict) -> str:
    columns = ", ".join(
        f"{field} = {_toml_string(header)}" for field, header in roles["columns"].items()
    )
    stem = re.sub(r"[^a-z0-9]+", "-", raw_file.parent.name.lower()).strip("-") or "report"
    lines = [
        "# Draft written by `skillpulse new-report`: check every line, fill in the TODOs, then run again.",
        "[report]",
        f'series = "{stem}"                 # TODO: one slug for every edition of this report',
        'edition = "TODO"                     # e.g. "2026"',
        'publisher = "TODO"',
        'title = "TODO"',
        'source_url = "TODO"                  # the http(s) address the figures were published at',
        "# published = 2026-01-31",
        "# period = { start = 2025-01-01, end = 2025-12-31 }",
        '# geography = "US"',
        "",
        "[[tables]]",
        f"file = {_toml_string(raw_file.name)}",
        f'measure = "{roles["measure"]}"   # {" | ".join(MEASURES)}',
        f"columns = {{ {columns} }}",
    ]
    if roles["unpivot"]:
        lines.append(f'unpivot = {{ headers = {_toml_string(roles["unpivot"])}, into = "period" }}')
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
