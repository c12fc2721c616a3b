"""docs/tables.md is generated from the models' comments and must match the code."""

from __future__ import annotations

from flows.config import DEFAULT_REFERENCE, DEFAULT_SQL, PROJECT_ROOT
from flows.reasons import render_reason_codes
from flows.warehouse.database import data_dictionary


def test_data_dictionary_is_current() -> None:
    current = (PROJECT_ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert current == data_dictionary(DEFAULT_SQL, DEFAULT_REFERENCE), (
        "docs/tables.md is stale: run `make docs`"
    )


def test_reason_codes_are_current() -> None:
    current = (PROJECT_ROOT / "docs" / "reason_codes.md").read_text(encoding="utf-8")
    assert current == render_reason_codes(), "docs/reason_codes.md is stale: run `make docs`"


def test_every_documented_table_has_a_comment() -> None:
    text = data_dictionary(DEFAULT_SQL, DEFAULT_REFERENCE)
    for name in (
        "lake.observations",
        "lake.quarantine",
        "lake.reports",
        "marts.skill_growth_rankings",
    ):
        assert f"## {name}" in text
