"""The one registry of measures: what each figure kind means, its unit, bounds, and the printed forms it takes."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

import pyarrow as pa


def exact_decimal(value: float) -> Decimal:
    """The shortest decimal that reads back as `value`: the digits as printed.

    Conversions run in decimal so they add no binary noise: 1.1x is +10.0%, not 10.000000000000009.
    """
    return Decimal(repr(value))


def same(value: float) -> float:
    return value


def multiple_to_growth(value: float) -> float:
    return float((exact_decimal(value) - 1) * 100)


def fraction_to_percent(value: float) -> float:
    return float(exact_decimal(value) * 100)


@dataclass(frozen=True, slots=True)
class Measure:
    """One kind of figure: how it is stored, what it allows, and which printed forms convert into it."""

    name: str
    description: str
    unit: str  # what the stored value is in
    direction: str  # how to read a larger value: 'higher_is_more' or 'lower_is_better'
    low: float
    high: float
    whole: bool
    problem: str  # how a value outside the bounds is described in messages
    forms: Mapping[str, Callable[[float], float]]  # printed form -> conversion into the stored unit
    printed: str  # how publishers print it, for messages and docs
    level: bool  # a level whose change over periods is a growth rate (rankings derive growth)

    def fits(self, value: float) -> bool:
        """True when the (converted) value is possible for this measure."""
        if not math.isfinite(value):
            return False  # 1e400 as a count: never stored (see numbers.not_finite)
        whole = abs(value - round(value)) <= 1e-9 * max(1.0, abs(value)) if self.whole else True
        return self.low <= value <= self.high and whole


def _forms(**forms: Callable[[float], float]) -> Mapping[str, Callable[[float], float]]:
    return MappingProxyType(forms)


_UNBOUNDED = (-math.inf, math.inf)

REGISTRY: Mapping[str, Measure] = MappingProxyType(
    {
        m.name: m
        for m in (
            Measure(
                "growth_pct",
                "Change in percent (+329 = up 329%); multiples are converted ((x - 1) * 100).",
                "percent",
                "higher_is_more",
                -100,
                math.inf,
                False,
                "a fall of more than 100%",
                _forms(percent=same, number=same, multiple=multiple_to_growth),
                "a growth rate such as '+329%', 'up 40%', '3.5x' or 40",
                False,
            ),
            Measure(
                "share_pct",
                "Share in percent, 0 to 100; fractions are converted ('Half' -> 50).",
                "percent",
                "higher_is_more",
                0,
                100,
                False,
                "a share outside 0-100%",
                _forms(percent=same, number=same, fraction=fraction_to_percent),
                "a share such as '41%', 'Half', '3 in 100,000' or 41",
                True,
            ),
            Measure(
                "rank",
                "Position in the publisher's list, 1 = first.",
                "number",
                "lower_is_better",
                1,
                math.inf,
                True,
                "a rank that is not a whole number from 1 up",
                _forms(number=same, ordinal=same),
                "a rank such as 3, '#3' or '3rd'",
                False,
            ),
            Measure(
                "count",
                "A whole number of things (postings, workers, projects).",
                "count",
                "higher_is_more",
                0,
                math.inf,
                True,
                "a count that is not a whole number of 0 or more",
                _forms(number=same, count=same),
                "a count such as 66,635 or '170 million'",
                True,
            ),
            Measure(
                "index",
                "An index level as published (base defined by the publisher).",
                "number",
                "higher_is_more",
                *_UNBOUNDED,
                False,
                "",
                _forms(number=same),
                "an index level such as 105.2",
                True,
            ),
            Measure(
                "ratio",
                "A ratio or multiple as published (3.5x -> 3.5).",
                "number",
                "higher_is_more",
                *_UNBOUNDED,
                False,
                "",
                _forms(number=same, multiple=same, fraction=same),
                "a ratio such as '3.5x', '3 in 100,000' or 0.42",
                False,
            ),
            Measure(
                "money",
                "An amount of money as published, in the currency of the currency column.",
                "currency",
                "higher_is_more",
                0,
                math.inf,
                False,
                "a negative amount of money",
                _forms(currency=same),
                "an amount such as '$1.3 trillion', 'about €2.3 billion' or 'nearly $18,000'",
                True,
            ),
            Measure(
                "rank_change",
                "Places moved in a ranking: +3 = up three places, -6 = down six ('fell six spots').",
                "number",
                "higher_is_more",
                *_UNBOUNDED,
                True,
                "a move that is not a whole number of places",
                _forms(rank_change=same),
                "a rank change such as 'dropped six spots', '5 places lower' or 'up 3 places'",
                False,
            ),
            Measure(
                "share_change_pp",
                "Change of a share or rate in percentage points (+0.7 = up 0.7 points); never a "
                "percent change. Basis points are converted (30 bps -> 0.3).",
                "points",
                "higher_is_more",
                -100,
                100,
                False,
                "a change of more than 100 percentage points",
                _forms(points=same, number=same),
                "a change in points such as 'up 0.7 percentage points', '+1.2 pp' or '15 pts'",
                False,
            ),
        )
    }
)

MEASURES: tuple[str, ...] = tuple(REGISTRY)

REFERENCE_SCHEMA = pa.schema(
    [
        pa.field("measure", pa.string(), False, {"comment": "Measure name, as in observations."}),
        pa.field("description", pa.string(), metadata={"comment": "What the figure means."}),
        pa.field("unit", pa.string(), metadata={"comment": "Unit of the stored value."}),
        pa.field(
            "direction",
            pa.string(),
            metadata={"comment": "higher_is_more, or lower_is_better (ranks)."},
        ),
        pa.field("low", pa.float64(), metadata={"comment": "Smallest allowed value (NULL: none)."}),
        pa.field("high", pa.float64(), metadata={"comment": "Largest allowed value (NULL: none)."}),
        pa.field("whole", pa.bool_(), metadata={"comment": "Values must be whole numbers."}),
        pa.field(
            "is_level",
            pa.bool_(),
            metadata={"comment": "A level whose change across periods gives a derived growth."},
        ),
        pa.field("printed", pa.string(), metadata={"comment": "How publishers print it."}),
    ],
    metadata={
        "comment": "The measures skillpulse reads: one row per measure (flows/normalize/measures.py)."
    },
)


def measure_names_text() -> str:
    """The measure names as prose ("a, b or c"), for messages, comments and docs."""
    return ", ".join(MEASURES[:-1]) + " or " + MEASURES[-1]


def reference_table() -> pa.Table:
    """The registry as the `reference.measures` table that SQL models and checks join to."""

    def finite(value: float) -> float | None:
        return value if math.isfinite(value) else None

    rows = [
        {
            "measure": m.name,
            "description": m.description,
            "unit": m.unit,
            "direction": m.direction,
            "low": finite(m.low),
            "high": finite(m.high),
            "whole": m.whole,
            "is_level": m.level,
            "printed": m.printed,
        }
        for m in REGISTRY.values()
    ]
    return pa.Table.from_pylist(rows, schema=REFERENCE_SCHEMA)
