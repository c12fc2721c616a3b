"""Figures of table cells for the normalizer: one row per figure with its span, measure words and label splits."""

from __future__ import annotations

import re
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from flows.normalize.figure_periods import figure_period
from flows.normalize.figure_words import ONE_CHAR
from flows.normalize.figures import _FORM_OF_UNIT, Figure, find_figures, strip_left
from flows.normalize.measures import REGISTRY

# ----------------------------------------------------------------------------- for the table normalizer

FIGURE_ROWS_SCHEMA = pa.schema(
    [
        ("source_text", pa.string()),
        ("declared_measure", pa.string()),
        ("figure_index", pa.int32()),
        ("measure", pa.string()),
        ("value", pa.float64()),
        ("value_low", pa.float64()),
        ("value_high", pa.float64()),
        ("value_qualifier", pa.string()),
        ("unit", pa.string()),
        ("currency", pa.string()),
        ("comparison", pa.string()),
        ("span_start", pa.int32()),
        ("span_end", pa.int32()),
        ("figure_period_start", pa.date32()),
        ("figure_period_end", pa.date32()),
        ("figure_period_text", pa.string()),
        ("horizon", pa.bool_()),
        ("reason_code", pa.string()),
        ("message", pa.string()),
    ]
)
_NAMES = tuple(FIGURE_ROWS_SCHEMA.names)
_ROW_TYPE = pa.struct(list(FIGURE_ROWS_SCHEMA))
NO_FIGURE_ROWS = FIGURE_ROWS_SCHEMA.empty_table()  # made once: ~70 us a call
_ACCOUNTING_NEGATIVE = re.compile(r"\(\s*[\d.,]+\s*%?\s*\)")
# A bare "$" is kept as "$" in figure rows: the report's currency (report.toml) or else USD.
BARE_DOLLAR = "$"


def resolved_currency(column: pa.ChunkedArray | pa.Array, default: str | pa.Array | None):
    """The currency column with each bare "$" as the report's currency, USD when it names none
    (`default`: the report's, or per row for the tables of many reports)."""
    if default is None or isinstance(default, str):
        return pc.if_else(pc.equal(column, BARE_DOLLAR), pa.scalar(default or "USD"), column)
    fallback = pc.if_else(pc.fill_null(pc.equal(default, ""), True), "USD", default)
    return pc.if_else(pc.equal(column, BARE_DOLLAR), fallback, column)


def figure_table(texts: list[str], declared: str, accounting_negatives: bool = False) -> pa.Table:
    """One row per figure of each text (FIGURE_ROWS_SCHEMA), for a table that declares `declared`.

    The words of a figure choose its measure when they say one ("27% of postings" is a share even
    in a growth table); a bare figure takes the declared measure. Texts without figures are left
    out: the caller reads them as single values (missing markers, periods, prose).
    """
    rows = [row for text in texts for row in text_figure_rows(text, declared, accounting_negatives)]
    return rows_table(rows) if rows else NO_FIGURE_ROWS


def rows_table(rows: list[tuple]) -> pa.Table:
    """Row tuples in FIGURE_ROWS_SCHEMA order as a table: one conversion, not one per column."""
    return pa.Table.from_struct_array(pa.array(rows, type=_ROW_TYPE))


# Cells repeat across the reports of a batch ("+12.3%", "up 12%"): each is read once per process.
@lru_cache(maxsize=1 << 15)
def text_figure_rows(text: str, declared: str, accounting_negatives: bool) -> tuple[tuple, ...]:
    """The figure rows of one text as tuples in FIGURE_ROWS_SCHEMA order; () when it holds none."""
    figures = find_figures(text)
    if not figures:
        return ()
    negative = accounting_negatives and _ACCOUNTING_NEGATIVE.fullmatch(text.strip())
    rows = [
        _figure_row(text, declared, index, figure, bool(negative))
        for index, figure in enumerate(figures)
    ]
    return tuple(tuple(row[name] for name in _NAMES) for row in rows)


def _figure_row(text: str, declared: str, index: int, figure: Figure, negative: bool) -> dict:
    measure = figure.measure_hint or declared
    value = in_measure(figure, measure)
    if value is not None and negative:
        value = -value
    low, high = (
        (
            in_measure(_with_value(figure, figure.low), measure),
            in_measure(_with_value(figure, figure.high), measure),
        )
        if figure.low is not None and figure.high is not None
        else (None, None)
    )
    period = figure_period(figure)
    row = {
        "source_text": text,
        "declared_measure": declared,
        "figure_index": index,
        "measure": measure,
        "value": value,
        "value_low": low,
        "value_high": high,
        "value_qualifier": figure.qualifier,
        "unit": figure.unit,
        "currency": BARE_DOLLAR if figure.bare_dollar else figure.currency,
        "comparison": figure.comparison,
        "span_start": figure.start,
        "span_end": figure.end,
        "figure_period_start": period[0] if period else None,
        "figure_period_end": period[1] if period else None,
        "figure_period_text": figure.period_text,
        "horizon": figure.horizon,
        "reason_code": None,
        "message": None,
    }
    kind = REGISTRY[measure]
    where = f'"{figure.text}" (characters {figure.start}-{figure.end} of "{_short(text)}")'
    if value is None:
        row |= {
            "reason_code": "measure_mismatch",
            "message": f"{where} is printed as {figure.unit}, which a {measure} figure cannot be; "
            f"if this row holds another measure, name it in a column and map it as columns.measure "
            f"in report.toml (or declare measure = ... for the table)",
        }
    elif not kind.fits(value):
        row |= {
            "reason_code": "out_of_range",
            "message": f"{where} reads as {value:g}, {kind.problem}, which cannot be a {measure} "
            "value; check the declared measure, columns.measure, or the mapped value column",
        }
    if row["reason_code"]:
        row |= {"value": None, "value_low": None, "value_high": None}
    return row


def _with_value(figure: Figure, value: float | None) -> Figure:
    return Figure(
        figure.start, figure.end, figure.text, value if value is not None else figure.value,
        None, None, figure.qualifier, figure.unit, figure.currency, figure.comparison,
        figure.measure_hint, figure.period_text, figure.horizon,
    )  # fmt: skip


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


_MEASURE_WORDS = (
    ("share_pct", r"\bshare|\bproportion|\bpercent(?:age)? of|% of|\bpenetration"),
    (
        "growth_pct",
        r"\bgrowth|\bchange|\bincrease|\bdecline|\byoy\b|\bmom\b|\bqoq\b|\brise\b|over[- ]year",
    ),
    ("rank_change", r"\brank(?:ing)? change|\bplaces? moved|\bmovement"),
    ("rank", r"\brank|\bposition|\bplace\b"),
    ("money", r"\bsalary|\bwage|\bpay\b|\brevenue|\bspend|\bearnings|\busd\b|\$|€|£|\bmoney"),
    ("index", r"\bindex"),
    ("ratio", r"\bratio|\bmultiple|\btimes\b"),
    ("count", r"\bcount|\bnumber|\bpostings|\bjobs\b|\bworkers|\bhires|\bvolume"),
)


@lru_cache(maxsize=1024)
def measure_from_words(text: str | None) -> str | None:
    """A measure named in a cell of the columns.measure column: 'share_pct', 'YoY growth',
    'Share of postings', 'Number of jobs' -> the measure; None when the words name none."""
    if text is None or not text.strip():
        return None
    cleaned = text.strip().lower()
    if cleaned in REGISTRY:
        return cleaned
    for measure, pattern in _MEASURE_WORDS:
        if re.search(pattern, cleaned):
            return measure
    return None


_LABEL_SEPARATOR = re.compile(r"(?:\s[-–—:|]\s?|:\s|,\s|\s?\()\s*$")


def split_label(text: str) -> tuple[str, str, int]:
    """'Germany (3.1%)' -> ('Germany', '(3.1%)', 8); 'Prompt engineering - up 48%' ->
    ('Prompt engineering', 'up 48%', 21): the label, the value words, and where they start.
    A cell without a figure is all label (its value is then blank)."""
    figures = find_figures(text)
    if not figures:
        return text.strip(), "", len(text)
    norm = text.translate(ONE_CHAR)
    _, _, _, rest = strip_left(norm[: figures[0].start])
    cut = len(rest.rstrip())
    label = rest.rstrip()
    if separator := _LABEL_SEPARATOR.search(label):
        label = label[: separator.start()]
        cut = separator.start()
    value = text[cut:].strip(" -–—:|,")
    offset = text.index(value, cut) if value else len(text)
    return label.strip(" -–—:|,"), value, offset


def in_measure(figure: Figure, measure: str) -> float | None:
    """The figure's value on the scale of a measure (flows/normalize/measures.py), or None when
    the measure does not take this form; bounds are checked by the caller."""
    convert = REGISTRY[measure].forms.get(_FORM_OF_UNIT.get(figure.unit, figure.unit))
    return None if convert is None else convert(figure.value)
