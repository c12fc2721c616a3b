"""The SQL model runner: discovery, dependency order, documentation, errors, checks; and the data dictionary."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.errors import CheckFailed, ModelError, SkillpulseError
from flows.ops.docs import render_data_dictionary, write_data_dictionary
from flows.warehouse.build import build_models
from flows.warehouse.checks import run_checks
from flows.warehouse.models import discover_models, mart_tables
from tests.sql_fixtures import SQL_DIR, lake_connection


def write_sql(sql_dir: Path, name: str, text: str) -> Path:
    path = sql_dir / f"{name.replace('.', '/')}.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def model(select: str, columns: dict[str, str], table: str = "A table.") -> str:
    tags = "".join(f"-- @column {name}: {text}\n" for name, text in columns.items())
    return f"-- A model for tests.\n-- @table {table}\n{tags}{select}\n"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return lake_connection(
        observations=[
            {"report_id": "r-2025", "skill_id": "python", "value": 10.0},
            {"report_id": "r-2025", "skill_id": "sql", "value": 20.0},
        ]
    )


def test_models_run_in_dependency_order_not_file_order(tmp_path, con):
    # 'a_last' reads the intermediate model, which reads staging; names sort the other way round.
    write_sql(
        tmp_path,
        "marts.a_last",
        model("SELECT n * 2 AS n2 FROM intermediate.middle", {"n2": "Doubled."}),
    )
    write_sql(
        tmp_path,
        "intermediate.middle",
        model("SELECT count(*) AS n FROM staging.z_first", {"n": "Rows."}),
    )
    write_sql(
        tmp_path,
        "staging.z_first",
        model(
            "SELECT skill_id FROM lake.observations JOIN reference.skills USING (skill_id)",
            {"skill_id": "Skill."},
        ),
    )
    assert [m.name for m in discover_models(tmp_path)] == [
        "staging.z_first",
        "intermediate.middle",
        "marts.a_last",
    ]
    result = build_models(con, tmp_path)
    assert [(b.name, b.rows) for b in result.models] == [
        ("staging.z_first", 2),
        ("intermediate.middle", 1),
        ("marts.a_last", 1),
    ]
    assert result.row_counts == {"staging.z_first": 2, "intermediate.middle": 1, "marts.a_last": 1}
    assert con.sql("SELECT n2 FROM marts.a_last").fetchall() == [(4,)]
    assert mart_tables(con) == ["a_last"]


def test_references_in_comments_strings_and_ctes_are_not_dependencies(tmp_path):
    select = """
    -- marts.ghost is mentioned in a comment only
    WITH ghost AS (SELECT 'marts.ghost' AS text /* staging.nothing */)
    SELECT text FROM ghost, lake.observations, reference.skills
    """
    write_sql(tmp_path, "marts.lonely", model(select, {"text": "Text."}))
    [lonely] = discover_models(tmp_path)
    assert lonely.depends_on == frozenset()


def test_header_tags_with_continuation_and_quotes_become_comments(tmp_path, con):
    text = (
        "-- Purpose: show the header format.\n"
        "-- Grain: one row.\n"
        "-- @table The skill's table,\n"
        "--    continued here.\n"
        "-- @column it's: A column named with a quote;\n"
        "--    'quoted' text survives.\n"
        "-- @column plain: Plain.\n"
        'SELECT 1 AS "it\'s", 2 AS plain;\n'
        "-- a trailing comment\n"
    )
    write_sql(tmp_path, "marts.quoted", text)
    [parsed] = discover_models(tmp_path)
    assert parsed.description == "Purpose: show the header format.\nGrain: one row."
    assert parsed.table_comment == "The skill's table, continued here."
    assert parsed.column_comments == {
        "it's": "A column named with a quote; 'quoted' text survives.",
        "plain": "Plain.",
    }
    build_models(con, tmp_path)
    assert con.sql(
        "SELECT comment FROM duckdb_tables() WHERE table_name = 'quoted'"
    ).fetchall() == [("The skill's table, continued here.",)]
    assert con.sql(
        "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'quoted' ORDER BY column_index"
    ).fetchall() == [
        ("it's", "A column named with a quote; 'quoted' text survives."),
        ("plain", "Plain."),
    ]


def test_cycle_raises_model_error_naming_the_files(tmp_path):
    write_sql(tmp_path, "marts.one", model("SELECT x FROM marts.two", {"x": "X."}))
    write_sql(tmp_path, "marts.two", model("SELECT x FROM marts.one", {"x": "X."}))
    with pytest.raises(ModelError, match="cycle") as err:
        discover_models(tmp_path)
    assert "one.sql" in str(err.value) and "two.sql" in str(err.value)


def test_unknown_model_reference_raises_model_error(tmp_path):
    path = write_sql(
        tmp_path, "marts.orphan", model("SELECT x FROM intermediate.missing", {"x": "X."})
    )
    with pytest.raises(ModelError, match=r"intermediate\.missing") as err:
        discover_models(tmp_path)
    assert str(path) in str(err.value)


def test_undocumented_column_raises_model_error(tmp_path, con):
    path = write_sql(
        tmp_path,
        "marts.half",
        model("SELECT 1 AS documented, 2 AS forgotten", {"documented": "Yes."}),
    )
    with pytest.raises(ModelError, match="'forgotten'") as err:
        build_models(con, tmp_path)
    assert str(path) in str(err.value)


def test_column_comment_for_a_missing_column_raises_model_error(tmp_path, con):
    write_sql(tmp_path, "marts.extra", model("SELECT 1 AS a", {"a": "A.", "gone": "Not returned."}))
    with pytest.raises(ModelError, match="'gone'"):
        build_models(con, tmp_path)


def test_missing_table_comment_raises_model_error(tmp_path, con):
    write_sql(tmp_path, "marts.bare", "-- @column a: A.\nSELECT 1 AS a\n")
    with pytest.raises(ModelError, match="@table"):
        build_models(con, tmp_path)


def test_failing_model_raises_model_error_chained_from_duckdb(tmp_path, con):
    path = write_sql(
        tmp_path,
        "staging.broken",
        model("SELECT no_such_column FROM lake.observations", {"no_such_column": "?"}),
    )
    with pytest.raises(ModelError) as err:
        build_models(con, tmp_path)
    assert str(path) in str(err.value) and "no_such_column" in str(err.value)
    assert isinstance(err.value.__cause__, duckdb.Error)
    assert isinstance(err.value, SkillpulseError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT 1 AS a; SELECT 2 AS b", "2 statements"),
        ("CREATE TABLE t AS SELECT 1 AS a", "one SELECT"),
        ("SELECT 1 AS a\nFROM WHERE", "line 2"),
    ],
)
def test_a_file_must_hold_one_parseable_select(tmp_path, text, message):
    path = write_sql(tmp_path, "marts.bad", text)
    with pytest.raises(ModelError, match=message) as err:
        discover_models(tmp_path)
    assert str(path) in str(err.value)


def test_checks_pass_and_return_results(tmp_path, con):
    write_sql(
        tmp_path,
        "checks.no_negative_values",
        "-- Values are never negative.\nSELECT * FROM lake.observations WHERE value < 0",
    )
    [result] = run_checks(con, tmp_path)
    assert (result.name, result.rows, result.passed, result.description) == (
        "no_negative_values",
        0,
        True,
        "Values are never negative.",
    )


def test_failed_checks_raise_check_failed_with_counts_and_rows(tmp_path, con):
    write_sql(
        tmp_path,
        "checks.small_values",
        "-- Values are at least 15.\nSELECT skill_id, value FROM lake.observations WHERE value < 15;",
    )
    write_sql(tmp_path, "checks.many_rows", "SELECT range AS n FROM range(8)")
    write_sql(tmp_path, "checks.fine", "SELECT 1 AS n WHERE false")
    with pytest.raises(CheckFailed) as err:
        run_checks(con, tmp_path)
    message = str(err.value)
    assert "2 check(s) failed" in message
    assert "small_values: 1 offending row(s)" in message and "('python', 10.0)" in message
    assert "Values are at least 15." in message
    assert "many_rows: 8 offending row(s)" in message and "... and 3 more" in message
    assert "fine" not in message
    by_name = {r.name: r for r in err.value.results}
    assert by_name["many_rows"].sample == [(0,), (1,), (2,), (3,), (4,)]
    assert by_name["small_values"].columns == ["skill_id", "value"]
    assert by_name["fine"].passed


def test_check_that_cannot_run_raises_model_error(tmp_path, con):
    write_sql(tmp_path, "checks.typo", "SELECT * FROM lake.observationz")
    with pytest.raises(ModelError, match="typo") as err:
        run_checks(con, tmp_path)
    assert isinstance(err.value.__cause__, duckdb.Error)


def test_project_models_all_documented_in_duckdb_columns():
    con = lake_connection()
    result = build_models(con, SQL_DIR)
    assert {b.name for b in result.models} >= {
        "staging.observations",
        "marts.skill_growth_rankings",
    }
    undocumented = con.sql(
        "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
        "WHERE schema_name IN ('staging', 'intermediate', 'marts') AND coalesce(comment, '') = ''"
    ).fetchall()
    assert undocumented == []
    tables = con.sql(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name IN ('staging', 'intermediate', 'marts') "
        "AND coalesce(comment, '') = ''"
    ).fetchall()
    assert tables == []
    assert [check.name for check in run_checks(con, SQL_DIR)]


def test_data_dictionary_lists_every_table_with_types_and_comments(tmp_path):
    con = lake_connection()
    build_models(con, SQL_DIR)
    con.execute("COMMENT ON COLUMN lake.observations.value IS 'The number | in points'")
    text = render_data_dictionary(con)
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[:3] == ["## lake.observations", "## lake.quarantine", "## lake.reports"]
    assert (
        headings.index("## reference.skills")
        < headings.index("## staging.observations (view)")
        < headings.index("## marts.skill_growth_rankings")
    )
    assert "| `value` | DOUBLE | The number \\| in points |" in text
    assert (
        "| `rank_in_report` | BIGINT | 1 = fastest growth in the ranking; ties share a rank (RANK(), not ROW_NUMBER()). |"
        in text
    )
    target = tmp_path / "docs" / "data-dictionary.md"
    write_data_dictionary(con, target)
    assert target.read_text(encoding="utf-8") == text


def test_materialized_view_is_a_commented_view_and_can_turn_into_a_table(tmp_path, con):
    view = "-- @materialized view\n" + model(
        "SELECT skill_id FROM lake.observations", {"skill_id": "Skill."}
    )
    write_sql(tmp_path, "staging.slim", view)
    [built] = build_models(con, tmp_path).models
    assert (built.materialized, built.rows) == ("view", None)
    assert con.sql("SELECT comment FROM duckdb_views() WHERE view_name = 'slim'").fetchall() == [
        ("A table.",)
    ]
    assert con.sql("SELECT comment FROM duckdb_columns() WHERE table_name = 'slim'").fetchall() == [
        ("Skill.",)
    ]
    write_sql(tmp_path, "staging.slim", view.replace("-- @materialized view\n", ""))
    assert build_models(con, tmp_path).row_counts == {"staging.slim": 2}
    assert con.sql("SELECT count(*) FROM duckdb_views() WHERE view_name = 'slim'").fetchall() == [
        (0,)
    ]


def test_unknown_materialization_raises_model_error(tmp_path):
    write_sql(
        tmp_path, "marts.odd", "-- @materialized snapshot\n" + model("SELECT 1 AS a", {"a": "A."})
    )
    with pytest.raises(ModelError, match="snapshot"):
        discover_models(tmp_path)


def test_failed_build_leaves_no_model_behind(tmp_path, con):
    write_sql(tmp_path, "staging.fine", model("SELECT 1 AS a", {"a": "A."}))
    write_sql(
        tmp_path,
        "marts.broken",
        model("SELECT a, missing FROM staging.fine", {"a": "A.", "missing": "?"}),
    )
    with pytest.raises(ModelError):
        build_models(con, tmp_path)
    assert con.sql(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staging'"
    ).fetchall() == [(0,)]


def test_missing_sql_folder_raises_model_error(tmp_path):
    with pytest.raises(ModelError, match="no such folder"):
        discover_models(tmp_path / "nowhere")


def test_partitioned_model_replaces_only_the_changed_reports_rows(tmp_path, con):
    per_report = "-- @partitioned_by report_id\n" + model(
        "SELECT report_id, count(*) AS skills, sum(value) AS total FROM lake.observations GROUP BY report_id;",
        {"report_id": "Report.", "skills": "Skills.", "total": "Sum."},
    )
    write_sql(tmp_path, "marts.per_report", per_report)
    write_sql(
        tmp_path,
        "marts.overall",
        model("SELECT sum(total) AS total FROM marts.per_report", {"total": "Sum."}),
    )
    build_models(con, tmp_path)
    con.execute(
        "INSERT INTO lake.observations (report_id, skill_id, value) "
        "VALUES ('r-2025', 'go', 5), ('s-2025', 'sql', 1)"
    )
    # A stale row of an unchanged report shows what a refresh leaves alone.
    con.execute("UPDATE marts.per_report SET skills = 99 WHERE report_id = 'r-2025'")

    result = build_models(con, tmp_path, changed=["s-2025", "gone-2024"])
    assert con.sql("SELECT * FROM marts.per_report ORDER BY ALL").fetchall() == [
        ("r-2025", 99, 30.0),
        ("s-2025", 1, 1.0),
    ]
    assert con.sql("SELECT * FROM marts.overall").fetchall() == [(31.0,)]
    assert result.row_counts == {"marts.per_report": 2, "marts.overall": 1}

    build_models(con, tmp_path)
    assert con.sql("SELECT * FROM marts.per_report ORDER BY ALL").fetchall() == [
        ("r-2025", 3, 35.0),
        ("s-2025", 1, 1.0),
    ]


def test_partitioned_by_needs_the_column(tmp_path, con):
    write_sql(
        tmp_path,
        "marts.bad",
        "-- @partitioned_by report_id\n" + model("SELECT 1 AS n", {"n": "N."}),
    )
    with pytest.raises(ModelError, match="names a column the query does not return"):
        build_models(con, tmp_path)


def test_a_partitioned_view_scopes_its_key_check_to_the_changed_reports(tmp_path, con):
    # A view is never built in parts; the tag only lets an incremental run check what changed.
    write_sql(
        tmp_path,
        "staging.v",
        "-- @materialized view\n-- @partitioned_by report_id\n-- @key report_id\n"
        + model(
            "SELECT * FROM (VALUES ('a-2020'), ('a-2020'), ('b-2020')) AS t(report_id)",
            {"report_id": "Report."},
        ),
    )
    build_models(con, tmp_path)
    build_models(con, tmp_path, changed=["b-2020"])
    assert len(run_checks(con, tmp_path, changed=["b-2020"])) == 1
    with pytest.raises(CheckFailed, match=r"unique_key:staging\.v"):
        run_checks(con, tmp_path)


def test_key_orders_the_table_and_is_checked_unique(tmp_path, con):
    keyed = "-- @key report_id, skill_id\n" + model(
        "SELECT report_id, skill_id FROM lake.observations UNION ALL SELECT 'a-2020', 'zig'",
        {"report_id": "Report.", "skill_id": "Skill."},
    )
    write_sql(tmp_path, "marts.keyed", keyed)
    build_models(con, tmp_path)
    assert con.sql("SELECT * FROM marts.keyed").fetchall() == [
        ("a-2020", "zig"),
        ("r-2025", "python"),
        ("r-2025", "sql"),
    ]
    (check,) = run_checks(con, tmp_path)
    assert (check.name, check.passed) == ("unique_key:marts.keyed", True)

    con.execute("INSERT INTO lake.observations (report_id, skill_id) VALUES ('r-2025', 'sql')")
    build_models(con, tmp_path)
    with pytest.raises(CheckFailed, match=r"unique_key:marts.keyed: 1 offending row") as failed:
        run_checks(con, tmp_path)
    assert "('r-2025', 'sql', 2)" in str(failed.value)


def test_key_check_groups_nulls_together(tmp_path, con):
    keyed = "-- @key report_id, skill_id\n" + model(
        "SELECT report_id, NULL::VARCHAR AS skill_id FROM lake.observations",
        {"report_id": "Report.", "skill_id": "Skill."},
    )
    write_sql(tmp_path, "marts.keyed", keyed)
    build_models(con, tmp_path)
    with pytest.raises(CheckFailed, match=r"unique_key:marts.keyed: 1 offending row") as failed:
        run_checks(con, tmp_path)
    assert "('r-2025', None, 2)" in str(failed.value)

    con.execute("DELETE FROM lake.observations WHERE skill_id = 'sql'")
    build_models(con, tmp_path)
    (check,) = run_checks(con, tmp_path)
    assert check.passed


def test_key_naming_a_missing_column_raises_model_error(tmp_path, con):
    write_sql(
        tmp_path,
        "staging.bad",
        "-- @materialized view\n-- @key report_id, nope\n"
        + model("SELECT report_id FROM lake.observations", {"report_id": "Report."}),
    )
    with pytest.raises(ModelError, match="'-- @key' names column 'nope'"):
        build_models(con, tmp_path)


def test_after_an_incremental_build_partitioned_checks_look_at_the_changed_reports(tmp_path, con):
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "no_sql.sql").write_text(
        "-- No skill is called sql.\n-- @partitioned_by report_id\n"
        "SELECT report_id, skill_id FROM lake.observations WHERE skill_id = 'sql';\n",
        encoding="utf-8",
    )
    keyed = "-- @partitioned_by report_id\n-- @key report_id\n" + model(
        "SELECT report_id FROM lake.observations", {"report_id": "Report."}
    )
    write_sql(tmp_path, "marts.keyed", keyed)
    build_models(con, tmp_path)

    with pytest.raises(CheckFailed) as everything:
        run_checks(con, tmp_path)
    assert "no_sql: 1 offending row" in str(everything.value)
    assert "unique_key:marts.keyed: 1 offending row" in str(everything.value)
    assert all(result.passed for result in run_checks(con, tmp_path, changed=["other-2025"]))
    with pytest.raises(CheckFailed, match="no_sql: 1 offending row"):
        run_checks(con, tmp_path, changed=["r-2025"])


def test_after_an_incremental_build_involving_checks_look_at_rows_naming_a_changed_report(
    tmp_path, con
):
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "far_apart.sql").write_text(
        "-- Pairs of reports far apart.\n-- @involving report_id_a, report_id_b\n"
        "SELECT * FROM (VALUES ('a-1', 'b-1'), ('b-1', 'c-1'), ('c-1', 'c-1'), ('d-1', NULL))"
        " AS pairs(report_id_a, report_id_b);\n",
        encoding="utf-8",
    )

    def found(changed: list[str] | None) -> tuple[int, list[tuple]]:
        with pytest.raises(CheckFailed) as failed:
            run_checks(con, tmp_path, changed=changed)
        [result] = failed.value.results
        return result.rows, sorted(result.sample, key=str)

    assert found(None)[0] == 4
    # A row naming the report on both sides counts once; one naming it on either side counts.
    assert found(["c-1"]) == (2, [("b-1", "c-1"), ("c-1", "c-1")])
    assert found(["b-1"]) == (2, [("a-1", "b-1"), ("b-1", "c-1")])
    assert found(["d-1"]) == (1, [("d-1", None)])
    assert all(result.passed for result in run_checks(con, tmp_path, changed=["e-1"]))


def test_a_check_cannot_be_both_partitioned_and_involving(tmp_path, con):
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "both.sql").write_text(
        "-- Both tags.\n-- @partitioned_by report_id\n-- @involving report_id, other\n"
        "SELECT 'a' AS report_id, 'b' AS other WHERE false;\n",
        encoding="utf-8",
    )
    with pytest.raises(ModelError, match="not both"):
        run_checks(con, tmp_path)


def test_a_check_counts_every_offending_row_and_shows_the_first_few(tmp_path, con):
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "many.sql").write_text(
        "-- Many rows.\nSELECT range AS n FROM range(100000);\n", encoding="utf-8"
    )
    with pytest.raises(CheckFailed) as failed:
        run_checks(con, tmp_path)
    [result] = failed.value.results
    assert (result.rows, result.columns, len(result.sample)) == (100000, ["n"], 5)


def per_skill_model() -> str:
    return "-- @partitioned_by report_id\n-- @key report_id, skill_id\n" + model(
        "SELECT report_id, skill_id, sum(value) AS total, rank() OVER ("
        "PARTITION BY report_id ORDER BY sum(value) DESC) AS place "
        "FROM lake.observations GROUP BY report_id, skill_id",
        {"report_id": "Report.", "skill_id": "Skill.", "total": "Sum.", "place": "Rank."},
    )


@pytest.mark.parametrize(
    "bounds",
    [[], ["b-2025"], ["a-2025", "r-2025"], ["0", "m-2025", "zz"], ["r-2025", "s-2025", "t-2025"]],
)
def test_a_partitioned_table_built_in_parts_equals_the_whole_in_key_order(tmp_path, bounds):
    observations = [
        {"report_id": report, "skill_id": skill, "value": float(value)}
        for report, skill, value in [
            ("r-2025", "sql", 3),
            ("a-2025", "go", 1),
            ("s-2025", "sql", 5),
            ("r-2025", "go", 7),
            ("zz-2025", "rust", 4),
            ("a-2025", "c", 9),
        ]
    ]
    write_sql(tmp_path, "marts.per_skill", per_skill_model())
    whole, parted = (
        lake_connection(observations=observations),
        lake_connection(observations=observations),
    )
    for con in (whole, parted):
        con.execute(
            "INSERT INTO lake.observations (report_id, skill_id, value) VALUES (NULL, 'orphan', 2)"
        )
    build_models(whole, tmp_path)
    build_models(parted, tmp_path, part_bounds=bounds)

    rows = parted.sql("SELECT * FROM marts.per_skill").fetchall()
    assert rows == whole.sql("SELECT * FROM marts.per_skill ORDER BY ALL").fetchall()
    assert rows[-1][0] is None  # every row lands in one part, NULL reports included (last)
    assert all(check.passed for check in run_checks(parted, tmp_path, part_bounds=bounds))


def test_checks_in_parts_still_find_every_offending_row(tmp_path, con):
    write_sql(
        tmp_path,
        "marts.per_skill",
        per_skill_model().replace(
            "GROUP BY report_id, skill_id", "GROUP BY report_id, skill_id, value"
        ),
    )
    con.execute(
        "INSERT INTO lake.observations (report_id, skill_id, value) "
        "VALUES ('r-2025', 'sql', 21), ('s-2025', 'go', 1), ('s-2025', 'go', 2)"
    )
    build_models(con, tmp_path, part_bounds=["s-2025"])
    with pytest.raises(CheckFailed, match=r"unique_key:marts.per_skill: 2 offending row") as failed:
        run_checks(con, tmp_path, part_bounds=["s-2025"])
    assert "('r-2025', 'sql', 2)" in str(failed.value) and "('s-2025', 'go', 2)" in str(
        failed.value
    )


def test_a_partitioned_models_key_must_start_with_the_partition_column(tmp_path, con):
    write_sql(
        tmp_path,
        "marts.bad",
        "-- @partitioned_by report_id\n-- @key skill_id, report_id\n"
        + model(
            "SELECT report_id, skill_id FROM lake.observations",
            {"report_id": "Report.", "skill_id": "Skill."},
        ),
    )
    with pytest.raises(ModelError, match="must start with the partition column 'report_id'"):
        build_models(con, tmp_path)


def test_every_model_states_a_key_and_every_mart_has_a_check() -> None:
    models = discover_models(SQL_DIR)
    assert [m.name for m in models if not m.key] == [], "every model needs '-- @key'"
    checks = " ".join(p.read_text(encoding="utf-8") for p in (SQL_DIR / "checks").glob("*.sql"))
    unchecked = [m.name for m in models if m.schema == "marts" and m.name not in checks]
    assert unchecked == [], "every mart needs a check in sql/checks that reads it"


def test_a_grouped_model_reads_only_partitioned_models_and_is_a_table(tmp_path, con):
    write_sql(tmp_path, "marts.per_skill", per_skill_model())
    write_sql(
        tmp_path,
        "marts.overall",
        model("SELECT sum(total) AS total FROM marts.per_skill", {"total": "Sum."}),
    )
    grouped = "-- @grouped_by skill_id\n-- @key skill_id\n" + model(
        "SELECT s.skill_id, sum(s.total) AS total FROM marts.per_skill AS s "
        "CROSS JOIN marts.overall AS o GROUP BY s.skill_id",
        {"skill_id": "Skill.", "total": "Sum."},
    )
    write_sql(tmp_path, "marts.by_skill", grouped)
    with pytest.raises(ModelError, match=r"reads marts.overall, which is not '-- @partitioned_by'"):
        discover_models(tmp_path)
    write_sql(tmp_path, "marts.by_skill", "-- @materialized view\n" + grouped)
    with pytest.raises(ModelError, match="'-- @grouped_by' is for a table"):
        discover_models(tmp_path)
