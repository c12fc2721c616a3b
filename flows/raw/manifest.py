"""report.toml -> frozen, validated specs; every mistake in a manifest is reported at once, with the fix."""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.errors import ManifestError
from flows.normalize.measures import MEASURES
from flows.raw.declared_files import check_declared_files

MANIFEST_NAME = "report.toml"
Measure = Literal[MEASURES]  # the one registry: flows/normalize/measures.py
Format = Literal[
    "csv", "tsv", "xlsx", "json", "jsonl", "parquet", "html", "markdown", "text", "pdf"
]
FORMAT_BY_SUFFIX: dict[str, Format] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".pdf": "pdf",
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
EDITION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
REPORT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*-[A-Za-z0-9][A-Za-z0-9._-]*$")
TABLE_NAME = EDITION

# One canonical field may be published under several headers across editions (header drift).
HeaderNames = str | list[str]


def parse_pages(pages: str | int | list[int] | tuple[int, ...] | None) -> tuple[int, ...] | None:
    """'3-5' / '3, 7-8' / 4 / [3, 7] -> (3, 4, 5) ...; None means every page."""
    if pages is None:
        return None
    if isinstance(pages, bool):
        raise ValueError(f'pages {pages!r} is not a page; write e.g. "3-5" or [3, 7]')
    if isinstance(pages, int):
        pages = [pages]
    if isinstance(pages, (list, tuple)):
        if not pages or not all(
            isinstance(p, int) and not isinstance(p, bool) and p >= 1 for p in pages
        ):
            raise ValueError(f"pages {list(pages)!r} must list page numbers from 1, e.g. [3, 7]")
        return tuple(pages)
    if not isinstance(pages, str):
        raise ValueError(f'pages {pages!r} must be a range such as "3-5" or a list such as [3, 7]')
    numbers: list[int] = []
    for part in filter(None, (p.strip() for p in pages.split(","))):
        match = re.fullmatch(r"(\d+)\s*(?:[-–]\s*(\d+))?", part)
        if not match:
            raise ValueError(
                f'pages {pages!r}: {part!r} is not a page or range; write e.g. "3-5, 8"'
            )
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if first < 1 or last < first:
            raise ValueError(f"pages {pages!r}: {part!r} must count up from page 1")
        numbers.extend(range(first, last + 1))
    if not numbers:
        raise ValueError(f'pages {pages!r} names no page; write e.g. "3-5"')
    return tuple(numbers)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Period(_Frozen):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"period end {self.end} is before its start {self.start}; swap them")
        return self


class ColumnMap(_Frozen):
    """Canonical field -> raw header(s) in the published table."""

    skill: HeaderNames
    value: HeaderNames | None = None
    category: HeaderNames | None = None
    period: HeaderNames | None = None
    geography: HeaderNames | None = None
    # A column whose text says what each row's figure is ("Share of postings", "YoY growth",
    # "growth_pct"): compilation tables mix measures; the table's measure is the default.
    measure: HeaderNames | None = None
    # Extra dimensions printed as columns: { segment = "Business size", region = "Region" }.
    dimensions: dict[str, HeaderNames] | None = None

    @field_validator("dimensions")
    @classmethod
    def _dimension_names(cls, dimensions: dict[str, HeaderNames] | None) -> dict | None:
        bad = [name for name in dimensions or {} if not re.fullmatch(r"[a-z][a-z0-9_]*", name)]
        if bad:
            raise ValueError(
                f"dimension names {bad} must be lower-case letters, digits and '_', e.g. 'segment'"
            )
        return dimensions

    def headers(self, field: str) -> tuple[str, ...]:
        names = getattr(self, field)
        if names is None:
            return ()
        return (names,) if isinstance(names, str) else tuple(names)


class Unpivot(_Frozen):
    """Wide tables: every header matching `headers` (a regex) is a value column; its header fills `into`."""

    headers: str
    into: Literal["period", "geography"] = "period"

    @field_validator("headers")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(
                f"headers is not a valid regular expression ({exc}); e.g. '^(19|20)\\d\\d$'"
            ) from exc
        return pattern


class Constants(_Frozen):
    """Fixed values for a whole table, for fields the table does not print as a column."""

    category: str | None = None
    geography: str | None = None
    period: str | None = None


class Subject(_Frozen):
    """A declared subject for prose whose wording is too loose to read: sentences matching `match`
    (a regular expression, any case) are about `skill` (in `category`)."""

    match: str
    skill: str
    category: str | None = None

    @field_validator("match")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"subjects.match is not a valid regular expression ({exc})") from exc
        return pattern


PROSE_FORMATS = ("text", "markdown", "html", "pdf")


class TableSpec(_Frozen):
    file: str
    # Prose tables read the measure from each figure's words; this is the default when they say none.
    measure: Measure | None = None
    columns: ColumnMap | None = None
    name: str | None = None
    format: Format | None = None
    sheet: str | int | None = None
    header_row: Annotated[int, Field(ge=1)] = 1
    header_rows: Annotated[int, Field(ge=1, le=5)] = 1
    delimiter: str | None = None
    encoding: str | None = None
    footer_pattern: str | None = None
    records_key: str | None = None
    table_index: Annotated[int, Field(ge=0)] | None = None
    caption: str | None = None
    text_layout: Literal["label_value", "category_bullets", "aligned"] | None = None
    value_scale: float = 1.0
    # Parentheses make a figure negative only when the publisher uses accounting notation: "(4.2)".
    accounting_negatives: bool = False
    # The skill cell also prints the value: "Germany (3.1%)", "Prompt engineering - up 48%".
    value_in_label: bool = False
    # Read a published typo as meant, without editing the file: { "per cnet" = "per cent" }.
    # Replaced in value cells before reading; source_text keeps the text as published.
    corrections: dict[str, str] = {}
    unpivot: Unpivot | None = None
    constants: Constants = Constants()
    # Prose: every sentence with a figure yields observations; claims without numbers go to claims.
    prose: bool = False
    mode: Literal["table", "prose"] | None = None
    subjects: list[Subject] = []

    # PDF: the pages to look on (1-based) and a box [x0, top, x1, bottom] in points on the first.
    pages: tuple[int, ...] | None = None
    bbox: tuple[float, float, float, float] | None = None

    @field_validator("pages", mode="before")
    @classmethod
    def _pages(cls, pages: object) -> tuple[int, ...] | None:
        return parse_pages(pages)  # type: ignore[arg-type]

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, bbox: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if bbox is not None and not (0 <= bbox[0] < bbox[2] and 0 <= bbox[1] < bbox[3]):
            raise ValueError(
                f"bbox {list(bbox)} must be [x0, top, x1, bottom] with x0 < x1 and top < bottom, "
                "in points from the page's top-left corner"
            )
        return bbox

    @field_validator("file")
    @classmethod
    def _inside_report(cls, file: str) -> str:
        path = PurePosixPath(file.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", file):
            raise ValueError(
                f"file {file!r} leaves the report folder; give a path relative to the folder "
                "holding report.toml, without '..'"
            )
        return file

    @model_validator(mode="after")
    def _value_source(self) -> TableSpec:
        if self.is_prose:
            if self.file_format_or_none not in (*PROSE_FORMATS, None):
                raise ValueError(
                    f"prose is read from {', '.join(PROSE_FORMATS)} files, not {self.file_format_or_none}; "
                    "drop prose = true or set format"
                )
            if self.columns is not None or self.unpivot is not None:
                raise ValueError(
                    "a prose table has no columns or unpivot: its subjects come from the sentences "
                    "(declare [[tables.subjects]] for loose wording)"
                )
            return self
        if self.measure is None:
            raise ValueError('measure is required for a table (e.g. measure = "growth_pct")')
        if self.columns is None:
            raise ValueError(
                'columns is required for a table (e.g. columns = { skill = "Skill", value = "Growth" })'
            )
        if self.subjects:
            raise ValueError("subjects apply to prose tables only; set prose = true or drop them")
        if self.value_in_label:
            if self.columns.value is not None or self.unpivot is not None:
                raise ValueError(
                    "value_in_label reads the value from the skill cell: remove columns.value "
                    "and [tables.unpivot]"
                )
        elif self.columns.value is None and self.unpivot is None:
            raise ValueError(
                'the table has no value column: set columns.value = "<header>", or declare '
                '[tables.unpivot] headers = "<regex>" for a wide table'
            )
        if self.columns.value is not None and self.unpivot is not None:
            raise ValueError("set either columns.value or [tables.unpivot], not both")
        if self.format is None and Path(self.file).suffix.lower() not in FORMAT_BY_SUFFIX:
            known = ", ".join(sorted(FORMAT_BY_SUFFIX))
            raise ValueError(
                f'cannot tell the format of {self.file!r} from its suffix ({known}); set format = "csv" or similar'
            )
        return self

    @field_validator("value_scale")
    @classmethod
    def _scale_is_a_factor(cls, scale: float) -> float:
        if not math.isfinite(scale) or scale <= 0:
            raise ValueError(
                f"value_scale = {scale!r} must be a finite number above 0, e.g. 100 for fractions "
                "published as 0.41 or 1000 for counts in thousands"
            )
        return scale

    @field_validator("footer_pattern")
    @classmethod
    def _footer_compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"footer_pattern is not a valid regular expression ({exc}); e.g. '^(Source|Note):'"
                ) from exc
        return pattern

    @field_validator("name")
    @classmethod
    def _name(cls, name: str | None) -> str | None:
        if name is not None and not TABLE_NAME.match(name):
            raise ValueError(
                f"name {name!r} must be letters, digits, '.', '_' or '-', e.g. 'ai-skills'"
            )
        return name

    @property
    def table_name(self) -> str:
        return (
            self.name
            or re.sub(r"[^a-z0-9._-]+", "-", Path(self.file).stem.lower()).strip("-.")
            or "table"
        )

    @property
    def is_prose(self) -> bool:
        return self.prose or self.mode == "prose"

    @property
    def file_format_or_none(self) -> Format | None:
        return self.format or FORMAT_BY_SUFFIX.get(Path(self.file).suffix.lower())

    @property
    def file_format(self) -> Format:
        return self.format or FORMAT_BY_SUFFIX[Path(self.file).suffix.lower()]


def currency_code(text: str) -> str:
    """An ISO 4217 code as written in report.toml ('SGD', 'sgd'); a printed mark ('S$') names its code."""
    from flows.normalize.figure_words import CURRENCIES

    code = text.strip().upper()
    if re.fullmatch(r"[A-Z]{3}", code):
        return code
    hint = CURRENCIES.get(text.strip().lower())
    raise ValueError(
        f'currency {text!r} must be a three-letter ISO 4217 code such as "SGD", "AUD" or '
        '"EUR" (it names the currency of a bare "$" in this report)'
        + (f'; did you mean currency = "{hint}"?' if hint else "")
    )


class ReportMeta(_Frozen):
    series: str
    edition: str
    publisher: str
    title: str
    source_url: str
    published: date | None = None
    period: Period | None = None
    geography: str | None = None
    # The currency of a bare "$" on this publisher's pages (ISO 4217): "SGD" for a Singapore report.
    currency: str | None = None
    population: str | None = None
    method_change: str | None = None
    notes: str | None = None
    # The report that this one quotes ("<series>-<edition>"): an outlet repeating another
    # publisher's figures is compared with the original, not counted as a second source.
    quotes: str | None = None
    # Glob patterns (relative to the report folder) of files kept beside the tables but not loaded.
    ignore: list[str] = []

    @field_validator("currency")
    @classmethod
    def _currency(cls, currency: str | None) -> str | None:
        return None if currency is None else currency_code(currency)

    @field_validator("series")
    @classmethod
    def _slug(cls, series: str) -> str:
        if not SLUG.match(series):
            raise ValueError(
                f"series {series!r} must be lower-case letters, digits and '-', e.g. 'upwork-in-demand-skills'"
            )
        return series

    @field_validator("edition")
    @classmethod
    def _edition(cls, edition: str) -> str:
        if not EDITION.match(edition):
            raise ValueError(
                f"edition {edition!r} must be letters, digits, '.', '_' or '-', e.g. '2026'"
            )
        return edition

    @field_validator("quotes")
    @classmethod
    def _quotes(cls, quotes: str | None) -> str | None:
        if quotes is not None and not REPORT_ID.match(quotes):
            raise ValueError(
                f"quotes {quotes!r} must name the quoted report as <series>-<edition>, "
                "e.g. 'wef-future-of-jobs-2025'"
            )
        return quotes

    @field_validator("source_url")
    @classmethod
    def _url(cls, url: str) -> str:
        if not re.match(r"^https?://\S+$", url):
            raise ValueError(
                f"source_url {url!r} must be the http(s) address the figures were published at"
            )
        return url


class Manifest(_Frozen):
    report: ReportMeta
    tables: Annotated[list[TableSpec], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_table_names(self) -> Manifest:
        names = [t.table_name for t in self.tables]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(
                f'table names {duplicated} are used twice; give each [[tables]] a distinct name = "..."'
            )
        return self

    @property
    def report_id(self) -> str:
        return f"{self.report.series}-{self.report.edition}"


def load_manifest(path: Path) -> Manifest:
    """Read and validate one report.toml, raising ManifestError with every problem found."""
    manifest = parse_manifest(path, read_manifest_bytes(path))
    check_declared_files(path, [t.file for t in manifest.tables])
    return manifest


def read_manifest_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ManifestError(str(path), [f"cannot read the file: {exc}"]) from exc


def parse_manifest(path: Path, content: bytes) -> Manifest:
    """Validate the bytes of the report.toml at path (named in every problem)."""
    try:
        data = tomllib.loads(content.decode("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(
            str(path), [f"not valid TOML: {exc}; check quotes and brackets on that line"]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(str(path), [f"cannot read the file: {exc}"]) from exc
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(str(path), [_explain(err) for err in exc.errors()]) from exc


def _explain(err: Any) -> str:
    """Turn one pydantic error into a sentence naming the key, the bad value and the fix."""
    where = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        known = _known_keys(err["loc"][:-1])
        hint = difflib.get_close_matches(key, known, n=1)
        fix = f"did you mean {hint[0]!r}?" if hint else f"known keys: {', '.join(known)}"
        return f"{where}: unknown key; {fix}"
    if kind == "missing":
        return f"{where}: required key is missing; add it"
    if kind == "literal_error":
        return f"{where}: {err['input']!r} is not allowed; {err['msg'].replace('Input should be', 'use')}"
    message = err["msg"].removeprefix("Value error, ")
    if "input" in err and kind not in ("value_error", "assertion_error"):
        return f"{where}: {err['input']!r}: {message}"
    return f"{where}: {message}" if where else message


def _known_keys(loc: tuple) -> list[str]:
    model: type[BaseModel] = Manifest
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        annotation = field.annotation
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
    return sorted(model.model_fields)
