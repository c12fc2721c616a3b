"""normalize: value_scale applied without binary noise."""

from __future__ import annotations

from flows.normalize import scale_values
from flows.values import parse_values


def test_value_scale_adds_no_float_noise() -> None:
    # AI Index 2025 fig 4.2.6 publishes shares as fractions; x 100 in binary gives 16.445447299999998.
    parsed = parse_values(["0.164454473", "0.02008732", "0.522332095", "n/a"], "share_pct")
    scaled = scale_values(parsed, 100).to_pydict()
    values = dict(zip(scaled["source_text"], scaled["value"], strict=True))
    assert values == {
        "0.164454473": 16.4454473,
        "0.02008732": 2.008732,
        "0.522332095": 52.2332095,
        "n/a": None,
    }


def test_value_scale_of_one_leaves_values_as_parsed() -> None:
    parsed = parse_values(["15741", "66,635"], "count")
    assert scale_values(parsed, 1.0) is parsed
