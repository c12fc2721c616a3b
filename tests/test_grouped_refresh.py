"""Grouped models (`@grouped_by`) refreshed for a changed, a retired and a new report equal a fresh build."""

from __future__ import annotations

from flows.warehouse.build import build_models
from flows.warehouse.database import reports_with_changed_fields
from flows.warehouse.grouped import stash_groups
from flows.warehouse.models import discover_models
from tests.sql_fixtures import SQL_DIR, built_warehouse, lake_connection


def figures(report_id: str, values: dict[str, float]) -> list[dict]:
    # Rows numbered within the report, so a report's rows are the same in every lake below.
    return [
        {
            "report_id": report_id,
            "skill_id": skill,
            "value": value,
            "measure": "count",
            "source_row": row,
        }
        for row, (skill, value) in enumerate(values.items(), start=2)
    ]


BEFORE = [
    *figures("index-2025", {"python": 500, "sql": 400, "rust": 300, "go": 90}),
    *figures("blog-2025", {"python": 510, "sql": 380}),
    *figures("press-2025", {"rust": 300, "cobol": 10}),  # retired below
    *figures("other-2025", {"excel": 70}),
    *figures("more-2025", {"excel": 75, "word": 50}),
    *figures("extra-2025", {"word": 55}),  # word (and go): groups no changed report touches
]
AFTER = [
    *figures("index-2025", {"python": 500, "sql": 400, "rust": 300, "go": 90}),
    # Changed: sql moves, python is dropped (its groups are known only from before), java is new.
    *figures("blog-2025", {"sql": 390, "java": 20}),
    *figures("other-2025", {"excel": 70}),
    *figures("more-2025", {"excel": 75, "word": 50}),
    *figures("extra-2025", {"word": 55}),
    # New, quoting other-2025: its excel figure becomes a quoted one (its own rows unchanged).
    *figures("wire-2025", {"kotlin": 5}),
]
AFTER_REPORTS = [{"report_id": "wire-2025", "quotes": "other-2025"}]


def table_rows(con) -> dict[str, list]:
    tables = con.sql(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE schema_name IN ('staging', 'intermediate', 'marts') ORDER BY ALL"
    ).fetchall()
    return {
        f"{schema}.{table}": con.sql(f'SELECT * FROM "{schema}"."{table}" ORDER BY ALL').fetchall()
        for schema, table in tables
    }


def refreshed(before: list[dict], after: list[dict], reports: list[dict], changed: list[str]):
    """A warehouse built on `before`, then refreshed as a run does for `changed`: stash the old
    groups, replace those reports' lake rows, build incrementally; with its build result."""
    con = built_warehouse(observations=before)
    target = lake_connection(observations=after, reports=reports)
    stash_groups(con, discover_models(SQL_DIR), changed)
    con.execute("DELETE FROM lake.observations WHERE report_id IN ?", [changed])
    new_rows = target.sql("SELECT * FROM lake.observations WHERE report_id IN ?", params=[changed])
    con.register("new_rows", new_rows.to_arrow_table())
    con.execute("INSERT INTO lake.observations SELECT * FROM new_rows")
    con.register("reports", target.sql("FROM lake.reports").to_arrow_table())
    con.execute("DELETE FROM lake.reports; INSERT INTO lake.reports SELECT * FROM reports")
    flagged = reports_with_changed_fields(con, SQL_DIR)
    built = build_models(con, SQL_DIR, sorted(set(changed) | flagged))
    return con, flagged, {model.name: model.how for model in built.models}


def test_grouped_models_refreshed_for_changed_retired_and_new_reports_equal_a_fresh_build():
    changed = ["blog-2025", "press-2025", "wire-2025"]
    con, flagged, how = refreshed(BEFORE, AFTER, AFTER_REPORTS, changed)

    assert flagged == {"other-2025", "wire-2025"}  # is_quoted, quotes_loaded
    # python, sql, java, rust, cobol, kotlin, excel: python, rust and cobol only from before.
    assert how["intermediate.skill_standing"] == "groups: 7"
    # Merged: excel (anchored by more-2025, unchanged; other-2025's figure becomes a quoted row).
    # Rebuilt: sql's anchor was blog-2025's among four changed reports, rust and python lost a
    # changed report, java and kotlin are new groups, cobol went.
    assert how["intermediate.figure_anchors"] == "groups: 7, 1 merged"
    fresh = built_warehouse(observations=AFTER, reports=AFTER_REPORTS)
    assert table_rows(con) == table_rows(fresh)
    assert not con.sql("SELECT * FROM duckdb_schemas() WHERE schema_name = '_stash'").fetchall()


def test_an_anchoring_report_with_two_rows_swapped_keeps_the_anchors_it_still_beats():
    # blog-2025 anchors python, sql and go (finest rounding); the run swaps its first two rows,
    # as the bench's one-changed run does. Its sql figure moves up a row and still wins, its go
    # figure is unchanged (a tie with its old row): merged. Its python figure moves down a row,
    # losing to its own old row: that subject is read again.
    index = figures("index-2025", {"python": 500, "sql": 400, "go": 90})
    before = [*index, *figures("blog-2025", {"python": 510, "sql": 380, "go": 91})]
    after = [*index, *figures("blog-2025", {"sql": 380, "python": 510, "go": 91})]

    con, flagged, how = refreshed(before, after, [], ["blog-2025"])

    assert flagged == set()
    assert how["intermediate.figure_anchors"] == "groups: 3, 2 merged"
    assert table_rows(con) == table_rows(built_warehouse(observations=after))


def test_report_agreement_replaces_only_the_pairs_naming_a_changed_report():
    unchanged = [
        *figures("apex-2025", {"python": 5, "sql": 4, "rust": 3}),
        *figures("blog-2025", {"python": 510, "sql": 380, "rust": 200}),
        *figures("other-2025", {"python": 50, "sql": 60, "go": 70}),
    ]
    before = [*unchanged, *figures("index-2025", {"python": 500, "sql": 400, "rust": 300, "go": 9})]
    # index-2025 reverses its order: its pairs change, on either side of the pair (apex and blog
    # sort before it, other after); apex-2025 with blog-2025 stays.
    after = [*unchanged, *figures("index-2025", {"python": 1, "sql": 400, "rust": 900, "go": 9})]

    con, _, how = refreshed(before, after, [], ["index-2025"])

    assert how["marts.report_agreement"] == "involving"
    rows = table_rows(con)
    assert len(rows["marts.report_agreement"]) == 4
    assert rows == table_rows(built_warehouse(observations=after))
