"""Tests for flows.normalize.numbers: printed numbers and periods as published in skill-demand reports."""

from __future__ import annotations

import csv
import json
import random
import re
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from flows.errors import SkillpulseError
from flows.normalize.cell_values import read_cell_values, read_period_texts
from flows.normalize.measures import MEASURES
from flows.normalize.numbers import QUALIFIERS, UNITS, Reading, Rejection, read_value
from flows.normalize.periods import PERIODS_SCHEMA, parse_period, parse_periods
from flows.normalize.values import VALUES_SCHEMA, parse_value, parse_values
from flows.raw.manifest import TableSpec
from flows.reasons import VALUE_CODES

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
AI_INDEX_JOBS = REALDATA / "stanford_ai_index_2025_ch4_jobs"

# text, measure, value, qualifier, unit
FORMS = [
    ("+329%", "growth_pct", 329.0, "exact", "percent"),
    ("329 %", "growth_pct", 329.0, "exact", "percent"),
    ("329%", "growth_pct", 329.0, "exact", "percent"),
    ("up over 329%", "growth_pct", 329.0, "at_least", "percent"),
    ("well above 300%", "growth_pct", 300.0, "at_least", "percent"),
    ("more than 66,000", "count", 66000.0, "at_least", "count"),
    ("66,000+", "count", 66000.0, "at_least", "count"),
    ("nearly 6,300", "count", 6300.0, "at_most", "count"),
    ("almost 40%", "share_pct", 40.0, "at_most", "percent"),
    ("about 40%", "share_pct", 40.0, "approx", "percent"),
    ("around 40%", "share_pct", 40.0, "approx", "percent"),
    ("roughly 40%", "share_pct", 40.0, "approx", "percent"),
    ("~ 40%", "share_pct", 40.0, "approx", "percent"),
    ("~40%", "share_pct", 40.0, "approx", "percent"),
    ("up to 20%", "share_pct", 20.0, "at_most", "percent"),
    ("less than 5%", "share_pct", 5.0, "at_most", "percent"),
    ("under 5%", "share_pct", 5.0, "at_most", "percent"),
    ("below 5%", "share_pct", 5.0, "at_most", "percent"),
    ("at least 5%", "share_pct", 5.0, "at_least", "percent"),
    ("over 5%", "share_pct", 5.0, "at_least", "percent"),
    ("above 5%", "share_pct", 5.0, "at_least", "percent"),
    ("just under 5%", "share_pct", 5.0, "at_most", "percent"),
    ("1,000%", "growth_pct", 1000.0, "exact", "percent"),
    ("1000%", "growth_pct", 1000.0, "exact", "percent"),
    ("-12%", "growth_pct", -12.0, "exact", "percent"),
    ("\u221212%", "growth_pct", -12.0, "exact", "percent"),  # unicode minus
    ("\u201312%", "growth_pct", -12.0, "exact", "percent"),  # en dash
    ("down 12%", "growth_pct", -12.0, "exact", "percent"),
    ("down more than 12%", "growth_pct", -12.0, "at_most", "percent"),
    ("329% growth", "growth_pct", 329.0, "exact", "percent"),
    ("+329% YoY", "growth_pct", 329.0, "exact", "percent"),
    ("3.5x", "growth_pct", 250.0, "exact", "multiple"),
    ("3x", "growth_pct", 200.0, "exact", "multiple"),
    ("3.5\u00d7", "growth_pct", 250.0, "exact", "multiple"),
    ("1.1x", "growth_pct", 10.0, "exact", "multiple"),
    ("ninefold", "growth_pct", 800.0, "exact", "multiple"),
    ("9-fold", "growth_pct", 800.0, "exact", "multiple"),
    ("six times", "growth_pct", 500.0, "exact", "multiple"),
    ("twice", "growth_pct", 100.0, "exact", "multiple"),
    ("more than doubled", "growth_pct", 100.0, "at_least", "multiple"),
    ("halved", "growth_pct", -50.0, "exact", "multiple"),
    ("3.5x", "ratio", 3.5, "exact", "multiple"),
    ("six times", "ratio", 6.0, "exact", "multiple"),
    ("Half", "share_pct", 50.0, "exact", "fraction"),
    ("nearly half", "share_pct", 50.0, "at_most", "fraction"),
    ("a third", "share_pct", 100 / 3, "exact", "fraction"),
    ("two-thirds", "share_pct", 200 / 3, "exact", "fraction"),
    ("a quarter", "share_pct", 25.0, "exact", "fraction"),
    ("41 per cent", "share_pct", 41.0, "exact", "percent"),
    ("41 percent", "share_pct", 41.0, "exact", "percent"),
    ("41 pct", "share_pct", 41.0, "exact", "percent"),
    ("3 in 100,000", "share_pct", 0.003, "exact", "fraction"),
    ("11 in 10,000", "share_pct", 0.11, "exact", "fraction"),
    ("3 in 100,000", "ratio", 0.00003, "exact", "fraction"),
    ("seven out of 10", "share_pct", 70.0, "exact", "fraction"),
    ("one in five", "share_pct", 20.0, "exact", "fraction"),
    ("59 of 100", "share_pct", 59.0, "exact", "fraction"),
    ("170 million", "count", 170_000_000.0, "exact", "count"),
    ("1.2bn", "count", 1_200_000_000.0, "exact", "count"),
    ("2.5k", "count", 2500.0, "exact", "count"),
    ("0.41%", "share_pct", 0.41, "exact", "percent"),
    ("66635", "count", 66635.0, "exact", "count"),
    ("66,635", "count", 66635.0, "exact", "count"),
    ("66\u00a0635", "count", 66635.0, "exact", "count"),
    ("1,234,567", "count", 1234567.0, "exact", "count"),
    ("0.522332095", "index", 0.522332095, "exact", "number"),
    ("0.522332095", "share_pct", 0.522332095, "exact", "number"),
    ("40", "growth_pct", 40.0, "exact", "number"),
    ("twenty", "count", 20.0, "exact", "count"),
    ("twenty-five", "count", 25.0, "exact", "count"),
    ("ninety", "count", 90.0, "exact", "count"),
    ("hundred", "count", 100.0, "exact", "count"),
    ("a hundred", "count", 100.0, "exact", "count"),
    ("one", "count", 1.0, "exact", "count"),
    ("12,5%", "share_pct", 12.5, "exact", "percent"),  # decimal comma
    ("12,500", "count", 12500.0, "exact", "count"),  # three digits after the comma: thousands
    ("1.234,5", "index", 1234.5, "exact", "number"),
    ("1.913", "index", 1.913, "exact", "number"),  # a lone dot is always decimal
    ("20-30%", "share_pct", 25.0, "approx", "percent"),
    ("20\u201330%", "share_pct", 25.0, "approx", "percent"),
    ("20% to 30%", "share_pct", 25.0, "approx", "percent"),
    ("between 20 and 30%", "share_pct", 25.0, "approx", "percent"),
    ("3-5x", "ratio", 4.0, "approx", "multiple"),
    ("#3", "rank", 3.0, "exact", "number"),
    ("3rd", "rank", 3.0, "exact", "number"),
    ("No. 3", "rank", 3.0, "exact", "number"),
    ("=3", "rank", 3.0, "exact", "number"),
    ("T3", "rank", 3.0, "exact", "number"),
    ("third", "rank", 3.0, "exact", "number"),
    ("12", "rank", 12.0, "exact", "number"),
    ("105.2", "index", 105.2, "exact", "number"),
    ("3e-05", "ratio", 0.00003, "exact", "number"),  # a float written out by a program
    ("1.5E+05", "count", 150000.0, "exact", "count"),
    (".5%", "share_pct", 0.5, "exact", "percent"),
    ("0,5%", "share_pct", 0.5, "exact", "percent"),
    # tolerated decoration
    ("  329%\u00a0", "growth_pct", 329.0, "exact", "percent"),
    ('"329%"', "growth_pct", 329.0, "exact", "percent"),
    ("\u201c329%\u201d", "growth_pct", 329.0, "exact", "percent"),
    ("329%*", "growth_pct", 329.0, "exact", "percent"),
    ("329%[1]", "growth_pct", 329.0, "exact", "percent"),
    ("329%\u00b9", "growth_pct", 329.0, "exact", "percent"),
    ("329%\u2020", "growth_pct", 329.0, "exact", "percent"),
    ("+329\u00a0%", "growth_pct", 329.0, "exact", "percent"),
    ("UP OVER 329%", "growth_pct", 329.0, "at_least", "percent"),
]


@pytest.mark.parametrize(("text", "measure", "value", "qualifier", "unit"), FORMS)
def test_printed_forms_parse(
    text: str, measure: str, value: float, qualifier: str, unit: str
) -> None:
    parsed = parse_value(text, measure)
    assert parsed.reason_code is None, parsed.message
    assert parsed.message is None
    assert parsed.value == pytest.approx(value, rel=1e-12)
    assert parsed.qualifier == qualifier
    assert parsed.unit == unit


@pytest.mark.parametrize(
    ("text", "value", "form"),
    [
        ("$1,234", 1234.0, "currency"),
        ("\u20ac5", 5.0, "currency"),
        ("\u00a32.5m", 2_500_000.0, "currency"),
        ("3.5x", 3.5, "multiple"),
        ("Half", 0.5, "fraction"),
        ("3 in 100,000", 0.00003, "fraction"),
        ("170 million", 170_000_000.0, "count"),
        ("3rd", 3.0, "ordinal"),
        ("66,635", 66635.0, "number"),
    ],
)
def test_read_value_without_measure(text: str, value: float, form: str) -> None:
    reading = read_value(text)
    assert isinstance(reading, Reading)
    assert reading.value == pytest.approx(value)
    assert reading.form == form


def test_conversions_remove_float_noise() -> None:
    assert parse_value("3 in 100,000", "share_pct").value == 0.003
    assert parse_value("1.1x", "growth_pct").value == 10.0
    assert parse_value("1.2bn", "count").value == 1_200_000_000.0


# text, measure, reason_code, a fragment of the fix the message must give
FLAG_FIX = "is a yes/no flag, not a figure, and no measure holds flags; point columns.value at"
REJECTIONS = [
    ("17 per cnet", "share_pct", "unparseable_value", 'did you mean "per cent"'),
    ("17 percnt", "share_pct", "unparseable_value", 'did you mean "percent"'),
    ("strong growth", "growth_pct", "unparseable_value", "add corrections = "),
    ("12.3.4%", "share_pct", "unparseable_value", "add corrections = "),
    ("", "count", "blank_value", "nothing to load"),
    ("   ", "count", "blank_value", "nothing to load"),
    ("*", "count", "missing_marker", "did not give"),
    ("n/a", "count", "missing_marker", "did not give"),
    ("N/A", "count", "missing_marker", "did not give"),
    ("\u2014", "count", "missing_marker", "did not give"),
    ("..", "count", "missing_marker", "did not give"),
    ("2012\u201314", "count", "period_not_value", "columns.period"),
    ("1/1/18", "growth_pct", "period_not_value", "columns.period"),
    ("Q1 2024", "share_pct", "period_not_value", "columns.period"),
    ("FY2024", "share_pct", "period_not_value", "columns.period"),
    ("2024-03", "count", "period_not_value", "columns.period"),
    # A bare year in a growth column is never 2,023%: the message gives both ways to read it.
    ("2023", "growth_pct", "period_not_value", 'corrections = { "2023" = "2023%" }'),
    ("2023", "share_pct", "period_not_value", "columns.period"),
    ("41%", "count", "measure_mismatch", "declare measure = growth_pct or share_pct"),
    ("3.5x", "share_pct", "measure_mismatch", "declare measure = growth_pct or ratio"),
    ("170 million", "share_pct", "measure_mismatch", "declare measure = count"),
    ("$1,234", "count", "measure_mismatch", "declare measure = money"),
    ("Half", "growth_pct", "measure_mismatch", "declare measure = share_pct or ratio"),
    ("3rd", "count", "measure_mismatch", "declare measure = rank"),
    ("41%", "rank", "measure_mismatch", "declare measure = growth_pct or share_pct"),
    ("41%", "index", "measure_mismatch", "declare measure = growth_pct or share_pct"),
    ("41%", "ratio", "measure_mismatch", "declare measure = growth_pct or share_pct"),
    ("329%", "share_pct", "out_of_range", "check the declared measure"),
    ("-5%", "share_pct", "out_of_range", "check the declared measure"),
    ("-150%", "growth_pct", "out_of_range", "check the declared measure"),
    ("2.5", "rank", "out_of_range", "check the declared measure"),
    ("0", "rank", "out_of_range", "check the declared measure"),
    ("0.522332095", "count", "out_of_range", "check the declared measure"),
    ("-3", "count", "out_of_range", "check the declared measure"),
    # O*NET Technology Skills: "Hot Technology" is Y/N; the fix is the manifest, not the cell.
    ("Y", "count", "unparseable_value", FLAG_FIX),
    ("N", "share_pct", "unparseable_value", FLAG_FIX),
    ("TRUE", "index", "unparseable_value", FLAG_FIX),
]


@pytest.mark.parametrize(("text", "measure", "reason_code", "fix"), REJECTIONS)
def test_rejections_quote_the_text_and_say_how_to_fix(
    text: str, measure: str, reason_code: str, fix: str
) -> None:
    parsed = parse_value(text, measure)
    assert parsed.reason_code == reason_code
    assert reason_code in VALUE_CODES
    assert parsed.value is None
    assert parsed.qualifier is None
    assert f'"{text}"' in parsed.message
    assert fix in parsed.message


@pytest.mark.parametrize(
    ("text", "measure", "looks_like"),
    [
        ("41%", "count", "a percentage"),
        ("3.5x", "share_pct", "a multiple"),
        ("$1,234", "count", "a money amount"),
        ("Half", "index", "a fraction"),
        ("1.2bn", "growth_pct", "a count"),
        ("#3", "share_pct", "a rank"),
    ],
)
def test_measure_mismatch_names_the_declared_measure_and_the_form(
    text: str, measure: str, looks_like: str
) -> None:
    parsed = parse_value(text, measure)
    assert parsed.reason_code == "measure_mismatch"
    assert f"declares measure = {measure}" in parsed.message
    assert f"looks like {looks_like}" in parsed.message
    assert parsed.unit in UNITS


def test_currency_fits_only_the_money_measure() -> None:
    reasons = {m: parse_value("$1,234", m).reason_code for m in MEASURES}
    assert reasons.pop("money") is None
    assert set(reasons.values()) == {"measure_mismatch"}


def test_rejection_messages_carry_no_location() -> None:
    message = parse_value("17 per cnet", "share_pct").message
    assert "row" not in message
    assert ".csv" not in message


def test_long_text_is_shortened_in_the_message() -> None:
    text = "strong " * 40
    message = parse_value(text, "share_pct").message
    assert len(message) < 300
    assert '"strong strong' in message


def test_unknown_measure_raises() -> None:
    with pytest.raises(SkillpulseError, match="unknown measure 'growth'"):
        parse_value("12%", "growth")
    with pytest.raises(SkillpulseError, match="use one of"):
        parse_values(["12%"], "percent")


def test_read_value_rejection_is_a_rejection() -> None:
    assert isinstance(read_value("17 per cnet"), Rejection)


def test_fast_path_agrees_with_the_full_reader() -> None:
    # " 12.5% " misses the fast path (spaces) and goes through cleaning and the form readers.
    for text in ("12.5%", "-12.5%", "66,635", "0.41%", "1000", "+3.0%"):
        fast = parse_value(text, "growth_pct")
        slow = parse_value(f" {text} ", "growth_pct")
        assert (fast.value, fast.qualifier, fast.unit) == (slow.value, slow.qualifier, slow.unit)


def test_formatted_floats_parse_back() -> None:
    rng = random.Random(20260204)
    for _ in range(3000):
        x = rng.uniform(0, 10_000)
        assert parse_value(f"+{x:.1f}%", "growth_pct").value == float(f"{x:.1f}")
        assert parse_value(f"up {x:.2f}%", "growth_pct").value == float(f"{x:.2f}")
        fall = -rng.uniform(0, 100)
        assert parse_value(f"{fall:.1f}%".replace("-", "\u2212"), "growth_pct").value == float(
            f"{fall:.1f}"
        )
        assert parse_value(f"down {-fall:.1f}%", "growth_pct").value == float(f"{fall:.1f}")
        n = rng.randrange(0, 10**9)
        assert parse_value(f"{n:,}", "count").value == float(n)
        share = rng.uniform(0, 100)
        assert parse_value(f"{share:.3f} per cent", "share_pct").value == float(f"{share:.3f}")


def test_formatted_floats_parse_back_columnar() -> None:
    rng = random.Random(7)
    xs = [rng.uniform(-100, 10_000) for _ in range(5000)]
    texts = [f"{x:+.1f}%" for x in xs] + [f"{x:.4f}" for x in xs]
    table = parse_values(texts, "growth_pct")
    assert table["reason_code"].null_count == table.num_rows
    values = dict(zip(table["source_text"].to_pylist(), table["value"].to_pylist(), strict=True))
    assert all(values[t] == float(t.rstrip("%")) for t in texts)


# ----------------------------------------------------------------------------- Arrow contract


PLAIN_TEXTS = ["329%", "-12%", "+0.5%", "66,635", "0", "-0", "1,000.5", "12.0", "3", "2.5", "150%"]
PLAIN_TEXTS += ["-150%", "100", "101", "0.522332095", "1,234,567", "007", "100.0%", "-100%", "0%"]


@pytest.mark.parametrize("measure", MEASURES)
def test_columnar_and_per_string_paths_agree(measure: str) -> None:
    # parse_values reads plain numbers in Arrow; parse_value reads them one by one.
    texts = [*PLAIN_TEXTS, "up 12%", "3.5x", "n/a"]
    rows = {r["source_text"]: r for r in parse_values(texts, measure).to_pylist()}
    assert len(rows) == len(texts)
    for text in texts:
        one = parse_value(text, measure)
        row = rows[text]
        assert (row["value"], row["value_qualifier"], row["unit"]) == (
            one.value,
            one.qualifier,
            one.unit,
        ), text
        assert (row["reason_code"], row["message"]) == (one.reason_code, one.message), text


def test_parse_values_returns_one_row_per_distinct_text() -> None:
    texts = ["+329%", "41%", "+329%", "17 per cnet", "41%", "3.5x", "+329%"]
    table = parse_values(texts, "growth_pct")
    assert table.schema == VALUES_SCHEMA
    assert table.column_names == [
        "source_text",
        "value",
        "value_qualifier",
        "unit",
        "reason_code",
        "message",
    ]
    assert sorted(table["source_text"].to_pylist()) == sorted(set(texts))
    rows = {r["source_text"]: r for r in table.to_pylist()}
    assert rows["+329%"]["value"] == 329.0
    assert rows["3.5x"] == {
        "source_text": "3.5x",
        "value": 250.0,
        "value_qualifier": "exact",
        "unit": "multiple",
        "reason_code": None,
        "message": None,
    }
    assert rows["17 per cnet"]["value"] is None
    assert rows["17 per cnet"]["reason_code"] == "unparseable_value"


def test_parse_values_vocabularies() -> None:
    table = parse_values([row[0] for row in FORMS if row[1] == "share_pct"], "share_pct")
    assert set(table["value_qualifier"].drop_null().to_pylist()) <= set(QUALIFIERS)
    assert set(table["unit"].drop_null().to_pylist()) <= set(UNITS)


def test_parse_values_accepts_arrow_and_nulls() -> None:
    chunked = pa.chunked_array([["12%", None, "12%"], ["7%", None]])
    table = parse_values(chunked, "share_pct")
    assert table.schema == VALUES_SCHEMA
    assert table.num_rows == 3
    blank = table.filter(table["source_text"].is_null()).to_pylist()
    assert blank[0]["reason_code"] == "blank_value"


def test_parse_values_empty_input() -> None:
    table = parse_values([], "count")
    assert table.num_rows == 0
    assert table.schema == VALUES_SCHEMA


def test_every_reason_code_is_documented() -> None:
    assert all(isinstance(text, str) and text for text in VALUE_CODES.values())
    produced = {parse_value(t, m).reason_code for t, m, _, _ in REJECTIONS}
    assert produced <= set(VALUE_CODES)


# ----------------------------------------------------------------------------- periods

PERIODS = [
    ("2024", date(2024, 1, 1), date(2024, 12, 31), "2024"),
    ("2024.0", date(2024, 1, 1), date(2024, 12, 31), "2024"),
    ("2012\u201314", date(2012, 1, 1), date(2014, 12, 31), "2012/2014"),
    ("2012-2014", date(2012, 1, 1), date(2014, 12, 31), "2012/2014"),
    ("2012-14", date(2012, 1, 1), date(2014, 12, 31), "2012/2014"),
    ("2015-24", date(2015, 1, 1), date(2024, 12, 31), "2015/2024"),
    ("1998\u201302", date(1998, 1, 1), date(2002, 12, 31), "1998/2002"),
    ("2023/24", date(2023, 1, 1), date(2024, 12, 31), "2023/2024"),
    ("2010\u201311", date(2010, 1, 1), date(2011, 12, 31), "2010/2011"),
    ("2010-11", date(2010, 11, 1), date(2010, 11, 30), "2010-11"),  # hyphen + month: ISO month
    ("2024-03", date(2024, 3, 1), date(2024, 3, 31), "2024-03"),
    ("2024/02", date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
    ("08/2024", date(2024, 8, 1), date(2024, 8, 31), "2024-08"),
    ("March 2024", date(2024, 3, 1), date(2024, 3, 31), "2024-03"),
    ("Q1 2024", date(2024, 1, 1), date(2024, 3, 31), "2024-Q1"),
    ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31), "2024-Q4"),
    ("H2 2023", date(2023, 7, 1), date(2023, 12, 31), "2023-H2"),
    ("FY2024", date(2024, 1, 1), date(2024, 12, 31), "FY2024"),
    ("FY24", date(2024, 1, 1), date(2024, 12, 31), "FY2024"),
    ("1/1/18", date(2018, 1, 1), date(2018, 1, 1), "2018-01-01"),
    ("12/31/2019", date(2019, 12, 31), date(2019, 12, 31), "2019-12-31"),
    ("2020-02-01", date(2020, 2, 1), date(2020, 2, 1), "2020-02-01"),
    ("2020-02-01 00:00:00", date(2020, 2, 1), date(2020, 2, 1), "2020-02-01"),
    ("15 March 2024", date(2024, 3, 15), date(2024, 3, 15), "2024-03-15"),
    ("2020-01-01 to 2020-06-30", date(2020, 1, 1), date(2020, 6, 30), "2020-01-01/2020-06-30"),
    (" 2024 ", date(2024, 1, 1), date(2024, 12, 31), "2024"),
]


@pytest.mark.parametrize(("text", "start", "end", "label"), PERIODS)
def test_periods_parse(text: str, start: date, end: date, label: str) -> None:
    assert parse_period(text) == (start, end, label)
    assert parse_period(label)[:2] == (start, end)  # labels read back


@pytest.mark.parametrize(
    "text", ["", "abc", "2/30/18", "13/1/18", "2014\u20132012", "Q5 2024", "41%", "66635", "0.5"]
)
def test_unparseable_periods_are_none(text: str) -> None:
    assert parse_period(text) is None


def test_parse_periods_contract() -> None:
    table = parse_periods(["2012\u201314", "1/1/18", "2012\u201314", "someday", None, ""])
    assert table.schema == PERIODS_SCHEMA
    assert table.num_rows == 5
    rows = {r["source_text"]: r for r in table.to_pylist()}
    assert rows["2012\u201314"]["period_start"] == date(2012, 1, 1)
    assert rows["2012\u201314"]["period_end"] == date(2014, 12, 31)
    assert rows["1/1/18"]["period_label"] == "2018-01-01"
    assert rows["someday"]["reason_code"] == "unparseable_period"
    assert '"someday"' in rows["someday"]["message"]
    assert rows[""]["reason_code"] == "blank_period"
    assert rows[None]["reason_code"] == "blank_period"
    assert {r["reason_code"] for r in rows.values()} - {None} <= set(VALUE_CODES)


# ----------------------------------------------------------------------------- real data

# The measure a manifest would declare for each value column whose header contains "%", "Number"
# or "ratio" (as a substring, so "concentration", "penetration" and "migration" count too), chosen
# from the header's meaning. fig_4.2.6 says "Number of AI Job Postings" but holds shares, so it is
# share_pct.
AI_INDEX_MEASURES = {
    "fig_4.2.1.csv": "share_pct",
    "fig_4.2.2.csv": "share_pct",
    "fig_4.2.3.csv": "share_pct",
    "fig_4.2.4.csv": "count",
    "fig_4.2.5.csv": "count",
    "fig_4.2.6.csv": "share_pct",
    "fig_4.2.7.csv": "share_pct",
    "fig_4.2.13.csv": "growth_pct",
    "fig_4.2.14.csv": "growth_pct",
    "fig_4.2.15.csv": "ratio",  # relative AI skill penetration rate, bare numbers
    "fig_4.2.16.csv": "ratio",
    "fig_4.2.17.csv": "share_pct",  # AI talent concentration
    "fig_4.2.18.csv": "growth_pct",  # percentage change in AI talent concentration
    "fig_4.2.19.csv": "share_pct",
    "fig_4.2.22.csv": "ratio",  # net AI talent migration per 10,000 members, can be negative
    "fig_4.2.23.csv": "ratio",
}
needs_realdata = pytest.mark.skipif(
    not AI_INDEX_JOBS.is_dir(), reason="../shared/realdata is absent"
)


def _value_cells(path: Path, keywords: tuple[str, ...]) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    columns = [i for i, name in enumerate(header) if any(k in name for k in keywords)]
    return [row[i] for row in rows for i in columns if i < len(row) and row[i].strip()]


@pytest.mark.realdata
@needs_realdata
def test_ai_index_value_columns_parse() -> None:
    selected = {}
    for path in sorted(AI_INDEX_JOBS.glob("*.csv")):
        cells = _value_cells(path, ("%", "Number", "ratio"))
        if cells:
            selected[path.name] = cells
    assert set(selected) == set(AI_INDEX_MEASURES)
    for name, cells in selected.items():
        table = parse_values(cells, AI_INDEX_MEASURES[name])
        failed = table.filter(table["reason_code"].is_valid()).to_pylist()
        assert failed == [], f"{name}: {failed[:3]}"
        for row in table.to_pylist():
            assert row["value"] == float(row["source_text"].rstrip("%")), name


@pytest.mark.realdata
@needs_realdata
def test_ai_index_counts_are_exact() -> None:
    cells = _value_cells(AI_INDEX_JOBS / "fig_4.2.5.csv", ("Number",))
    assert {"15741", "66635"} <= set(cells)
    rows = {r["source_text"]: r for r in parse_values(cells, "count").to_pylist()}
    for text, value in (("15741", 15741.0), ("66635", 66635.0)):
        assert (rows[text]["value"], rows[text]["value_qualifier"], rows[text]["unit"]) == (
            value,
            "exact",
            "count",
        )


@pytest.mark.realdata
@needs_realdata
def test_ai_index_mislabelled_shares_are_rejected_as_counts() -> None:
    # fig_4.2.6's header says "Number of AI Job Postings"; declared as count, its shares must fail.
    cells = _value_cells(AI_INDEX_JOBS / "fig_4.2.6.csv", ("Number",))
    table = parse_values(cells, "count")
    assert set(table["reason_code"].to_pylist()) == {"out_of_range"}


@pytest.mark.realdata
@needs_realdata
def test_ai_index_period_columns_parse() -> None:
    for path in sorted(AI_INDEX_JOBS.glob("*.csv")):
        cells = _value_cells(path, ("Year", "Date"))
        if not cells:
            continue
        table = parse_periods(cells)
        assert table.filter(table["reason_code"].is_valid()).num_rows == 0, path.name
    rows = {
        r["source_text"]: r
        for r in parse_periods(_value_cells(AI_INDEX_JOBS / "fig_4.2.4.csv", ("Year",))).to_pylist()
    }
    assert (rows["2012\u201314"]["period_start"], rows["2012\u201314"]["period_end"]) == (
        date(2012, 1, 1),
        date(2014, 12, 31),
    )
    dates = parse_periods(_value_cells(AI_INDEX_JOBS / "fig_4.2.14.csv", ("Date",)))
    assert date(2018, 1, 1) in dates["period_start"].to_pylist()


# ----------------------------------------------------------------------------- every reason's advice

# One printed cell per value reason code, as the table normalizer reads it (measure declared).
REASON_EXAMPLES = [
    ('""', "count", "blank_value"),
    ("n/a", "count", "missing_marker"),
    ("(17 per cnet)", "share_pct", "unparseable_value"),
    ("up 17 per cnet year on year", "growth_pct", "unparseable_value"),
    ("grew 12 pecrent YoY", "growth_pct", "unparseable_value"),
    ("3.5 tmies faster", "ratio", "unparseable_value"),
    ("+-12%", "growth_pct", "unparseable_value"),
    ("12.3.4%", "share_pct", "unparseable_value"),
    ("Y", "count", "unparseable_value"),
    ("Q1 2024", "share_pct", "period_not_value"),
    ("about 41%", "rank", "measure_mismatch"),
    ("41%", "count", "measure_mismatch"),
    ("1e400", "count", "not_finite"),
    ("=SUM(B2:B9)", "count", "formula_without_value"),
    ("329%", "share_pct", "out_of_range"),
    ("120% of postings", "growth_pct", "out_of_range"),
    ("Survey of hiring managers in the United States", "share_pct", "not_a_figure"),
]
PERIOD_EXAMPLES = [("", "blank_period"), ("sometime soon", "unparseable_period")]
# A message names the report.toml option that reads the cell, or says why it is no figure.
MANIFEST_OPTION = re.compile(
    r"corrections = \{|columns\.(?:value|measure|period)|measure = |value_scale|constants\.period"
)
WHY_NOT = re.compile(r"nothing to load|not a figure|without its result")
EDIT_THE_FILE = re.compile(r"write it like|in a corrected copy|check the cell|give a number", re.I)
SUGGESTED = re.compile(r'corrections = \{ ("(?:[^"\\]|\\.)*") = ("(?:[^"\\<]|\\.)*") \}')


def _read_cells(text: str, measure: str, corrections: dict[str, str] | None = None) -> list[dict]:
    spec = TableSpec(
        file="t.csv",
        measure=measure,
        columns={"skill": "Skill", "value": "Value"},
        corrections=corrections or {},
    )
    cells = pa.table({"source_text": [text], "declared_measure": [measure]})
    return read_cell_values(cells, spec).to_pylist()


@pytest.mark.parametrize(
    ("text", "value", "comparison"),
    [("up 0.7 percentage points", 0.7, None), ("-1.2 pp YoY", -1.2, "yoy"), ("15 pts", 15, None)],
)
def test_points_in_a_growth_table_load_as_a_change_in_points(text, value, comparison):
    """'HR job postings up 15 pts' in a table declared growth: a change in points, never +15%."""
    (row,) = _read_cells(text, "growth_pct")
    assert row["reason_code"] is None, row
    assert (row["measure"], row["value"], row["unit"], row["comparison"]) == (
        "share_change_pp",
        value,
        "points",
        comparison,
    )


def test_every_value_reason_names_the_manifest_option_or_says_why():
    seen = set()
    for text, measure, code in REASON_EXAMPLES:
        (row,) = _read_cells(text, measure)
        assert row["reason_code"] == code, (text, row)
        message = row["message"]
        assert MANIFEST_OPTION.search(message) or WHY_NOT.search(message), (code, message)
        assert not EDIT_THE_FILE.search(message), (code, message)
        seen.add(code)
    periods = read_period_texts([text for text, _ in PERIOD_EXAMPLES]).to_pylist()
    for (text, code), row in zip(PERIOD_EXAMPLES, periods, strict=True):
        assert row["reason_code"] == code, (text, row)
        assert MANIFEST_OPTION.search(row["message"]), row["message"]
        assert not EDIT_THE_FILE.search(row["message"]), row["message"]
        seen.add(code)
    assert seen == set(VALUE_CODES), f"give an example of {set(VALUE_CODES) - seen}"


@pytest.mark.parametrize(
    ("text", "measure", "meant", "value"),
    [
        ("(17 per cnet)", "share_pct", "per cent", 17),
        ("up 17 per cnet year on year", "growth_pct", "per cent", 17),
        ("grew 12 pecrent YoY", "growth_pct", "percent", 12),
        ("3.5 tmies faster", "ratio", "times", 3.5),
        ("+-12%", "growth_pct", None, -12),
    ],
)
def test_suggested_correction_reads_the_cell(text, measure, meant, value):
    """'did you mean' works inside parentheses and context words, and the corrections entry the
    message gives, pasted into report.toml as written, reads the cell."""
    (row,) = _read_cells(text, measure)
    if meant:
        assert f'did you mean "{meant}"?' in row["message"]
    published, replacement = (json.loads(s) for s in SUGGESTED.search(row["message"]).groups())
    (fixed,) = _read_cells(text, measure, {published: replacement})
    assert fixed["reason_code"] is None and fixed["value"] == value, fixed
    assert fixed["source_text"] == text  # lineage keeps the text as published
