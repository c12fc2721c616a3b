"""Draft a report.toml for a raw file nobody has declared yet, by sniffing its header and values."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc

from flows.errors import ExtractError, SkillpulseError
from flows.extract import read_table
from flows.extract.common import decoded_text
from flows.normalize.figures import find_figures
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
    raw, asked = None, prose
    if prose is None and fmt in PROSE_FORMATS:
        try:
            raw = read_table(raw_file, probe)
        except ExtractError:
            prose = True
        else:
            prose = fmt == "text" and _mostly_unmatched(raw)
    if fmt == "text" and not asked and (raw is None or prose or raw.header not in _LINE_HEADERS):
        # Space-aligned columns under a title line read as one table, not as an article.
        aligned = probe.model_copy(update={"text_layout": "aligned"})
        if find_header_row(raw_file, aligned) is not None:
            prose, probe, raw = False, aligned, None
    if prose:
        if fmt not in PROSE_FORMATS:
            raise SkillpulseError(
                f"{raw_file}: prose is read from {', '.join(PROSE_FORMATS)} files, not {fmt}"
            )
        return Draft(raw_file.parent / MANIFEST_NAME, _render_prose(raw_file, fields))
    header_row, title = 1, None
    if fmt in HEADER_ROW_FORMATS or probe.text_layout == "aligned":
        header_row, title = find_header_row(raw_file, probe) or (1, None)
        probe = probe.model_copy(update={"header_row": header_row})
        raw = None
    raw = raw or read_table(raw_file, probe)
    samples = {h: _sample(raw.cells, i) for i, h in enumerate(raw.header, start=1)}
    roles = guess_roles(raw.header, samples)
    roles["header_row"], roles["title"] = header_row, title
    roles["text_layout"] = probe.text_layout
    text = _render(raw_file, roles, fields)
    return Draft(raw_file.parent / MANIFEST_NAME, text)


HEADER_ROW_FORMATS = ("csv", "tsv", "xlsx")
_LINE_HEADERS = (("label", "value"), ("category", "label", "value"))  # text read line by line
_PLACEHOLDER = re.compile(r"^column_\d+$")
MAX_TITLE_ROWS = 8


def find_header_row(raw_file: Path, probe: TableSpec) -> tuple[int, str | None] | None:
    """The first row that reads as a header (every column with data has a name, the names are
    words rather than figures), and the title printed above it (None when row 1 is the header);
    None when no row does."""
    for row in range(1, MAX_TITLE_ROWS + 1):
        try:
            raw = read_table(raw_file, probe.model_copy(update={"header_row": row}))
        except ExtractError:
            continue  # a blank or missing row
        if _looks_like_header(raw):
            return row, (_first_row_text(raw_file, probe) if row > 1 else None)
    return None


def _looks_like_header(raw) -> bool:
    if len(raw.header) < 2 or raw.cells.num_rows == 0 or raw.skipped.num_rows > raw.cells.num_rows:
        return False
    filled = [
        name
        for i, name in enumerate(raw.header, start=1)
        if raw.cells[f"c{i}"].null_count < raw.cells.num_rows
    ]
    if any(_PLACEHOLDER.match(name) for name in filled):
        return False
    figures = [
        n for n in raw.header if isinstance(read_value(n), Reading) and not YEAR_HEADER.match(n)
    ]
    return len(figures) * 2 < len(raw.header)


def _first_row_text(raw_file: Path, probe: TableSpec) -> str | None:
    """Row 1's first cell (a text file's first line): the title when rows sit above the header."""
    if probe.text_layout == "aligned":
        return next(
            (line.strip() for line in decoded_text(raw_file, probe).splitlines() if line.strip()),
            None,
        )
    try:
        title = read_table(raw_file, probe).header[0]
    except ExtractError:
        return None
    return None if _PLACEHOLDER.match(title) else title


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
    readable = sum(isinstance(read_value(t), Reading) or bool(find_figures(t)) for t in texts)
    return readable >= 0.8 * len(texts)


def _all_periods(texts: list[str]) -> bool:
    parsed = parse_periods(texts)
    return parsed.num_rows > 0 and pc.all(pc.is_valid(parsed["period_start"])).as_py()


def _measure(header: str, texts: list[str]) -> str:
    percent = any("%" in t or "per cent" in t.lower() for t in texts)
    if re.search(r"rank", header, re.I):
        return "rank"
    if texts and all(_RANK_CELL.match(t) for t in texts):
        return "rank"  # "(7)", "#7", "7th": a position
    if worded := measure_from_values(texts):
        return worded
    if re.search(r"index", header, re.I):
        return "index"
    if percent and re.search(r"growth|change|yoy|increase|rise", header, re.I):
        return "growth_pct"
    return "share_pct" if percent else "count"


_RANK_CELL = re.compile(r"^\s*(?:\(\s*\d+\s*\)|#\s*\d+|\d+(?:st|nd|rd|th))\s*$", re.I)


def measure_from_values(texts: list[str]) -> str | None:
    """The measure the values' own words say when most of them say one ('up 12%', '27% of
    postings', '$18,000', '12,500 job ads', '3rd': find_figures gives each its measure)."""
    hints = Counter(
        figures[0].measure_hint
        for text in dict.fromkeys(texts)
        if (figures := find_figures(text)) and figures[0].measure_hint
    )
    if not hints:
        return None
    measure, count = hints.most_common(1)[0]
    return measure if count * 2 >= len(dict.fromkeys(texts)) else None


_EDITION = re.compile(
    r"(?:^|-)(?P<edition>(?:19|20)\d\d(?:-(?:q[1-4]|h[12]|\d\d(?:-\d\d)?))?)(?=-|$)", re.I
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def layout_fields(raw_file: Path) -> tuple[str | None, str, str | None]:
    """(publisher folder, series, edition) from data/raw/<publisher>/<report>[/<edition>]/FILE:
    raw/upwork/in-demand-skills-2026/x.csv -> ('upwork', 'upwork-in-demand-skills', '2026').
    Outside a raw folder the series is the file's folder name and edition and publisher unknown."""
    folders = raw_file.resolve().parent.parts
    if "raw" not in folders[:-1]:
        return None, _slug(raw_file.parent.name) or "report", None
    below = folders[len(folders) - folders[::-1].index("raw") :]
    publisher = _slug(below[0]) if len(below) >= 2 else None
    report = below[1] if len(below) >= 2 else below[0]
    edition = below[2] if len(below) >= 3 else None
    if edition is None and (found := _EDITION.search(report)):
        edition = found["edition"]
        report = report[: found.start()] + report[found.end() :]
    rest = _slug(report)
    if publisher and not rest.startswith(publisher):
        rest = f"{publisher}-{rest}" if rest else publisher
    return publisher, rest or "report", edition


def _report_lines(raw_file: Path, fields: ReportFields, title: str | None = None) -> list[str]:
    folder_publisher, series, edition = layout_fields(raw_file)

    def line(key: str, given: str | None, todo: str, note: str) -> str:
        if given:
            return f"{key} = {_toml_string(given)}"
        return f"{key} = {_toml_string(todo)}{' ' * max(1, 22 - len(key) - len(todo))}# {note}"

    publisher_note = "who published the figures" + (
        f" (the folder says {folder_publisher!r})" if folder_publisher else ""
    )
    return [
        "# Draft written by `skillpulse new-report`: check every line, fill in the TODOs, then run again.",
        "[report]",
        line(
            "series", fields.series or series, series, "one slug for every edition of this report"
        ),
        line("edition", fields.edition or edition, "TODO", 'e.g. "2026"'),
        line("publisher", fields.publisher, "TODO", publisher_note),
        line("title", fields.title or title or _title_of(raw_file), "TODO", "the report's title"),
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
        *_report_lines(raw_file, fields, roles.get("title")),
        "[[tables]]",
        f"file = {_toml_string(raw_file.name)}",
        f'measure = "{roles["measure"]}"   # {" | ".join(MEASURES)}',
        f"columns = {{ {columns} }}",
    ]
    if roles.get("text_layout"):
        lines.append(f'text_layout = "{roles["text_layout"]}"')
    if roles.get("header_row", 1) > 1:
        lines.append(f"header_row = {roles['header_row']}   # the rows above it are titles")
    if roles["unpivot"]:
        lines.append(f'unpivot = {{ headers = {_toml_string(roles["unpivot"])}, into = "period" }}')
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
