"""One cell text -> its figure rows in plain Python, remembered per text: the reading of small tables."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import lru_cache

import pyarrow as pa

from flows.normalize.figure_cells import FIGURE_ROWS_SCHEMA, rows_table, text_figure_rows
from flows.normalize.figure_numbers import unit_typo
from flows.normalize.measures import REGISTRY
from flows.normalize.numbers import needs_strict_reading
from flows.normalize.printed import quote
from flows.normalize.values import parse_value
from flows.raw.manifest import TableSpec

# A corpus of many small reports repeats its cells ("+12.3%", "up 12%"): 1,000 reports of 100 rows
# print ~9,000 distinct values. For a small table a dozen Arrow calls (~40 us each) cost more than
# its texts read one by one from this memo; a large table reads faster in Arrow.
SMALL_TABLE = 1_000

# The cells the Arrow reader takes as plain numbers (RE2's \d is ASCII: so is [0-9] here).
PLAIN_CELL = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?%?")
_NOT_A_FIGURE_WORDS = re.compile(r"[^\W\d_]{2,}\W+[^\W\d_]{2,}")
_NAMES = tuple(FIGURE_ROWS_SCHEMA.names)


def small_table_rows(texts: list[str], measure: str, spec: TableSpec) -> pa.Table:
    """The figure rows of a small table's distinct texts (as corrected), FIGURE_ROWS_SCHEMA."""
    reading = (measure, spec.accounting_negatives, float(spec.value_scale))
    rows = [row for text in texts for row in text_rows(text, *reading)]
    return rows_table(rows)


@lru_cache(maxsize=1 << 15)
def text_rows(
    text: str, measure: str, accounting_negatives: bool, scale: float
) -> tuple[tuple, ...]:
    """One text's figure rows as tuples in FIGURE_ROWS_SCHEMA order, read as the Arrow path
    reads a column: plain numbers and cells only the strict reader may read by parse_value, the
    others by the figure reader, or by parse_value when they hold no figure."""
    if not PLAIN_CELL.fullmatch(text) and not needs_strict_reading(text):
        found = text_figure_rows(text, measure, accounting_negatives)
        if found:
            factor = Decimal(repr(scale))
            return tuple(
                tuple(scaled_figure(dict(zip(_NAMES, row, strict=True)), factor, measure).values())
                for row in found
            )
    parsed = parse_value(text, measure)
    row = {
        "source_text": text,
        "value": parsed.value,
        "value_qualifier": parsed.qualifier,
        "unit": parsed.unit,
        "reason_code": parsed.reason_code,
        "message": parsed.message,
    }
    if scale != 1:
        row = scaled_value(row, scale, measure)
    reason, message = row["reason_code"], row["message"]
    if reason == "unparseable_value":
        reason, message = explained(text, reason, message)
    value_row = {
        "source_text": text,
        "declared_measure": measure,
        "figure_index": 0,
        "measure": measure,
        "value": row["value"],
        "value_low": None,
        "value_high": None,
        "value_qualifier": row["value_qualifier"],
        "unit": row["unit"],
        "currency": None,
        "comparison": None,
        "span_start": 0,
        "span_end": len(text),
        "figure_period_start": None,
        "figure_period_end": None,
        "figure_period_text": None,
        "horizon": False,
        "reason_code": reason,
        "message": message,
    }
    return (tuple(value_row[name] for name in _NAMES),)


def scaled_value(row: dict, scale: float, measure: str) -> dict:
    """value_scale on one parse_values row, in decimal, as the value reader converts: 0.164454473
    x 100 -> 16.4454473, not ...298. The scaled value must still fit the measure."""
    if row["value"] is None:
        return row
    kind = REGISTRY[measure]
    row["value"] = float(Decimal(repr(row["value"])) * Decimal(repr(float(scale))))
    if not math.isfinite(row["value"]):
        row |= {
            "value": None,
            "value_qualifier": None,
            "reason_code": "not_finite",
            "message": f"{quote(row['source_text'])} x value_scale {scale:g} is too large to "
            "store (beyond 1.8e308); check value_scale in report.toml and the cell",
        }
    elif not kind.low <= row["value"] <= kind.high:
        row |= {
            "value": None,
            "value_qualifier": None,
            "reason_code": "out_of_range",
            "message": f'"{row["source_text"]}" x value_scale {scale:g} = {row["value"]:g}, '
            f"{kind.problem}, which cannot be a {measure} value; check value_scale and the "
            "column in report.toml",
        }
    return row


def scaled_figure(row: dict, factor: Decimal, declared: str) -> dict:
    """value_scale applies to the figures the declaration measures (a bare '0.41' -> 41%)."""
    numbered = row["measure"] == declared and row["unit"] == "number"
    if factor != 1 and row["value"] is not None and numbered:
        row["value"] = float(Decimal(repr(row["value"])) * factor)
    return row


def explained(text: str, reason: str, message: str) -> tuple[str, str]:
    """A text no form reads: prose (words, no figure) is not_a_figure; a number followed by a
    misspelled unit gets the manifest correction that reads it as meant."""
    typo = unit_typo(text) if text else None
    if typo is None and _NOT_A_FIGURE_WORDS.search(text or ""):
        return "not_a_figure", (
            f'"{text}" is prose, not a figure: no number in any form skillpulse reads; if the '
            "column holds notes, point columns.value at the column of figures"
        )
    if typo is not None:
        message = (
            f'cannot read "{text}" as a number (did you mean "{typo[1]}"?): "{typo[0]}" looks '
            f'like "{typo[1]}"; to read it without editing the published file, add '
            f'corrections = {{ "{typo[0]}" = "{typo[1]}" }} to the table in report.toml'
        )
    return reason, message
