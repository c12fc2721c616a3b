"""Draft a report.toml for a raw file nobody has declared yet, by sniffing its header and values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc

from flows.errors import ExtractError, SkillpulseError
from flows.extract import read_table
from flows.normalize.measures import MEASURES
from flows.normalize.numbers import Reading, read_value
from flows.normalize.periods import parse_periods
from flows.raw.manifest import FORMAT_BY_SUFFIX, MANIFEST_NAME, PROSE_FORMATS, TableSpec

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


@dataclass(frozen=True)
class ReportFields:
    """[report] fields given on the command line; the draft leaves a TODO for each one missing."""

    publisher: str | None = None
    series: str | None = None
    edition: str | None = None
    source_url: str | None = None
    title: str | None = None


def draft_manifest(
    raw_file: Path, fields: ReportFields = ReportFields(), prose: bool | None = None
) -> Draft:
    """Sniff one raw file and return a draft report.toml for the folder it sits in.

    Text, Markdown and HTML files are drafted as prose (every sentence with a figure) when `prose`
    says so, or when unset and the file holds no table: no pipe table, no <table>, or text lines
    that mostly fit none of the text layouts (an article rather than a list)."""
    if raw_file.suffix.lower() not in FORMAT_BY_SUFFIX:
        raise SkillpulseError(
            f"{raw_file}: unknown file type {raw_file.suffix!r}; supported: {', '.join(sorted(FORMAT_BY_SUFFIX))}"
        )
    fmt = FORMAT_BY_SUFFIX[raw_file.suffix.lower()]
    probe = TableSpec(file=raw_file.name, measure="count", columns={"skill": "?", "value": "?"})
    raw = None
    if prose is None and fmt in PROSE_FORMATS:
        try:
            raw = read_table(raw_file, probe)
        except ExtractError:
            prose = True
        else:
            prose = fmt == "text" and _mostly_unmatched(raw)
    if prose:
        if fmt not in PROSE_FORMATS:
            raise SkillpulseError(
                f"{raw_file}: prose is read from {', '.join(PROSE_FORMATS)} files, not {fmt}"
            )
        return Draft(raw_file.parent / MANIFEST_NAME, _render_prose(raw_file, fields))
    raw = raw or read_table(raw_file, probe)
    samples = {h: _sample(raw.cells, i) for i, h in enumerate(raw.header, start=1)}
    roles = guess_roles(raw.header, samples)
    text = _render(raw_file, roles, fields)
    return Draft(raw_file.parent / MANIFEST_NAME, text)


def _mostly_unmatched(raw) -> bool:
    """An article: more of its lines fit no text layout than fit one."""
    return raw.skipped.num_rows > raw.cells.num_rows


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


def _report_lines(raw_file: Path, fields: ReportFields, title: str | None = None) -> list[str]:
    stem = re.sub(r"[^a-z0-9]+", "-", raw_file.parent.name.lower()).strip("-") or "report"

    def line(key: str, given: str | None, todo: str, note: str) -> str:
        if given:
            return f"{key} = {_toml_string(given)}"
        return f"{key} = {_toml_string(todo)}{' ' * max(1, 22 - len(key) - len(todo))}# {note}"

    return [
        "# Draft written by `skillpulse new-report`: check every line, fill in the TODOs, then run again.",
        "[report]",
        line("series", fields.series, stem, "TODO: one slug for every edition of this report"),
        line("edition", fields.edition, "TODO", 'e.g. "2026"'),
        line("publisher", fields.publisher, "TODO", "who published the figures"),
        line("title", fields.title or title, "TODO", "the report's title"),
        line(
            "source_url",
            fields.source_url,
            "TODO",
            "the http(s) address the figures were published at",
        ),
        "# published = 2026-01-31",
        "# period = { start = 2025-01-01, end = 2025-12-31 }",
        '# geography = "US"',
        "",
    ]


def _render_prose(raw_file: Path, fields: ReportFields) -> str:
    lines = _report_lines(raw_file, fields, _title_of(raw_file))
    lines += [
        "# Prose: every sentence with a figure becomes observations (subject, value, measure from the",
        "# figure's words); claims without a number ('highest since 2009') go to lake.claims.",
        "[[tables]]",
        f"file = {_toml_string(raw_file.name)}",
        "prose = true",
        f'# measure = "growth_pct"   # the default for figures whose words say none: {" | ".join(MEASURES)}',
        "# When a sentence is too loosely worded to find its subject, declare it:",
        "# [[tables.subjects]]",
        '# match = "wizards of the spreadsheet"   # a regular expression, any case',
        '# skill = "Spreadsheet automation"',
        '# category = "Admin support"',
    ]
    return "\n".join(lines) + "\n"


_HEADING = re.compile(r"^\s{0,3}#{1,2}\s+(?P<title>.+?)\s*#*\s*$", re.M)
_HTML_TITLE = re.compile(rb"<(?:title|h1)\b[^>]*>(?P<title>.*?)</(?:title|h1)>", re.I | re.S)


def _title_of(raw_file: Path) -> str:
    """The Markdown heading or HTML title; else the file name, as words."""
    data = raw_file.read_bytes()[:65536]
    found = _HTML_TITLE.search(data) if raw_file.suffix.lower() in (".html", ".htm") else None
    if found:
        title = re.sub(r"<[^>]+>", "", found["title"].decode("utf-8", "replace"))
        return " ".join(title.split())
    heading = (
        _HEADING.search(data.decode("utf-8", "replace"))
        if raw_file.suffix.lower() == ".md"
        else None
    )
    if heading:
        return heading["title"]
    return re.sub(r"[_-]+", " ", raw_file.stem).strip().capitalize() or "Untitled"


def _render(raw_file: Path, roles: dict, fields: ReportFields = ReportFields()) -> str:
    columns = ", ".join(
        f"{field} = {_toml_string(header)}" for field, header in roles["columns"].items()
    )
    lines = [
        *_report_lines(raw_file, fields),
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
