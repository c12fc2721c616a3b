"""normalize: column layout, unpivot, value_scale without binary noise, and the accounting check."""

from __future__ import annotations

import pyarrow as pa
import pytest

from flows.errors import AccountingError, ExtractError
from flows.extract import SKIPPED_SCHEMA, RawTable
from flows.lake_schemas import OBSERVATIONS_SCHEMA, QUARANTINE_SCHEMA
from flows.normalize.cell_values import scale_values
from flows.normalize.layout import resolve_layout
from flows.normalize.table import TableResult, check_accounting, long_cells
from flows.normalize.values import parse_values
from flows.raw.manifest import TableSpec


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


def _spec(**columns) -> TableSpec:
    return TableSpec(
        file="t.csv", measure="count", columns=columns or {"skill": "Skill", "value": "Count"}
    )


def test_layout_takes_the_first_declared_header_present_and_ignores_case_and_spacing() -> None:
    spec = _spec(skill="Skill", value=["Postings 2025", "Number  of postings"])
    layout = resolve_layout(("skill", "number of POSTINGS", "Year"), spec, "r/t.csv")
    assert layout.fields == {"skill": 1}
    assert layout.value_columns == ((2, "number of POSTINGS"),)


def test_a_missing_column_names_the_headers_and_the_closest_one() -> None:
    with pytest.raises(ExtractError) as caught:
        resolve_layout(("Skill", "YoY growth"), _spec(skill="Skill", value="YoY grwth"), "r/t.csv")
    assert caught.value.reason_code == "missing_column"
    message = str(caught.value)
    assert (
        'r/t.csv: columns.value = "YoY grwth" is not in the header ["Skill", "YoY growth"]'
        in message
    )
    assert 'did you mean "YoY growth"?' in message


def test_wide_tables_unpivot_the_matching_headers_into_periods() -> None:
    spec = TableSpec(
        file="t.csv",
        measure="count",
        columns={"skill": "Skill"},
        unpivot={"headers": "^(19|20)\\d\\d$", "into": "period"},
    )
    raw = RawTable(
        header=("Skill", "2023", "2024", "Note"),
        cells=pa.table(
            {
                "source_row": [2, 3],
                "c1": ["Python", "SQL"],
                "c2": ["1,234", None],
                "c3": ["2,001", "7"],
                "c4": ["a", "b"],
            }
        ),
        skipped=SKIPPED_SCHEMA.empty_table(),
    )
    layout = resolve_layout(raw.header, spec, "r/t.csv")
    assert layout.value_columns == ((2, "2023"), (3, "2024"))
    cells = long_cells(raw, layout, spec)
    assert cells.select(
        ["source_row", "source_column", "source_text", "skill_raw", "period_text"]
    ).to_pylist() == [
        {
            "source_row": 2,
            "source_column": "2023",
            "source_text": "1,234",
            "skill_raw": "Python",
            "period_text": "2023",
        },
        {
            "source_row": 3,
            "source_column": "2023",
            "source_text": None,
            "skill_raw": "SQL",
            "period_text": "2023",
        },
        {
            "source_row": 2,
            "source_column": "2024",
            "source_text": "2,001",
            "skill_raw": "Python",
            "period_text": "2024",
        },
        {
            "source_row": 3,
            "source_column": "2024",
            "source_text": "7",
            "skill_raw": "SQL",
            "period_text": "2024",
        },
    ]


def test_accounting_that_does_not_add_up_is_an_error() -> None:
    result = TableResult(
        "t", OBSERVATIONS_SCHEMA.empty_table(), QUARANTINE_SCHEMA.empty_table(), 2, 2, 1, 0
    )
    with pytest.raises(AccountingError, match="2 data rows x 1 value columns = 2 cells"):
        check_accounting(result, 1, "r/t.csv")


def test_a_scaled_share_outside_0_to_100_is_rejected() -> None:
    scaled = scale_values(parse_values(["0.52", "1.5"], "share_pct"), 100, "share_pct")
    by_text = {row["source_text"]: row for row in scaled.to_pylist()}
    assert by_text["0.52"]["value"] == 52.0
    assert by_text["1.5"]["value"] is None and by_text["1.5"]["reason_code"] == "out_of_range"
    assert '"1.5" x value_scale 100 = 150' in by_text["1.5"]["message"]
