"""The limit: a plain DuckDB SQL script reading, parsing and ranking a bench corpus (no Prefect, no lineage)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_duckdb_prose import article_globs, run_prose

# Tables a corpus holds, by file name: the script knows the layout instead of reading report.toml.
LONG_GLOB, WIDE_GLOB, MONTHLY_GLOB = "*/*/skills.csv", "*/*/levels.csv", "*/*/monthly.csv"

# Every file of one glob has the same layout, so union_by_name (which sniffs each file: 11 s instead
# of 0.6 s on 10,000 small files) is off unless asked for; it copes with header drift across files.
READ = "read_csv(${param}, all_varchar = true, union_by_name = {union_by_name}, filename = true)"
REPORT_ID = r"regexp_extract(filename, '([^/\\]+)[/\\][^/\\]+$', 1)"
TABLE_NAME = r"regexp_extract(filename, '([^/\\]+)\.[A-Za-z]+$', 1)"

LONG_CELLS = """
SELECT {report_id} AS report_id, {table_name} AS table_name, 'growth_pct' AS measure,
       NULL::VARCHAR AS period, NULL::VARCHAR AS geography, "Category" AS category_raw, "Skill" AS skill_raw,
       filename AS source_file, 'YoY growth' AS source_column, "YoY growth" AS source_text
FROM {read}
"""

# UNPIVOT drops blank (NULL) cells, which is what a blank cell in a wide table means.
WIDE_CELLS = r"""
SELECT {report_id} AS report_id, {table_name} AS table_name, 'count' AS measure,
       period, NULL::VARCHAR AS geography, "Category" AS category_raw, "Skill" AS skill_raw,
       filename AS source_file, period AS source_column, source_text
FROM (UNPIVOT (SELECT * FROM {read}) ON COLUMNS('^(19|20)\d\d$') INTO NAME period VALUE source_text)
"""

# A monthly skill x region table (the `big` preset): one count per month, region and skill; a blank
# count is no figure (WHERE), as UNPIVOT drops blank cells of wide tables.
MONTHLY_CELLS = """
SELECT {report_id} AS report_id, {table_name} AS table_name, 'count' AS measure,
       "Month" AS period, "Region" AS geography, "Category" AS category_raw, "Skill" AS skill_raw,
       filename AS source_file, 'Job postings' AS source_column, "Job postings" AS source_text
FROM {read} WHERE "Job postings" IS NOT NULL
"""

# Printed values: unicode minus (chr(8722)), thousands separators, '%'/'per cent', and qualifier words.
PARSED = r"""
WITH cells AS ({cells}),
normalized AS (
    SELECT *, lower(trim(replace(source_text, chr(8722), '-'))) AS printed FROM cells
)
SELECT report_id, table_name, measure, period, geography,
       category_raw,
       regexp_replace(lower(trim(replace(category_raw, '&', ' and '))), '\s+', ' ', 'g') AS category_id,
       skill_raw,
       regexp_replace(lower(trim(replace(skill_raw, '&', ' and '))), '\s+', ' ', 'g') AS skill_id,
       CASE WHEN printed LIKE 'down%' THEN -1 ELSE 1 END
         * TRY_CAST(replace(regexp_extract(printed, '[-+]?[0-9][0-9,]*(\.[0-9]+)?'), ',', '') AS DOUBLE)
         AS value,
       CASE WHEN regexp_matches(printed, '^(up to|under|less than|below|at most)\b') THEN 'at_most'
            WHEN regexp_matches(printed, '^(over|more than|above|at least)\b') THEN 'at_least'
            WHEN regexp_matches(printed, '^(about|around|approx|nearly|~)') THEN 'approx'
            ELSE 'exact' END AS value_qualifier,
       source_file, source_column, source_text
FROM normalized
"""

# Growth as published; for level series, latest period against the one before it; one ranking per
# report and geography (NULL when the table gives none), as skillpulse ranks them.
RANKINGS = r"""
WITH obs AS (SELECT * FROM read_parquet($observations) WHERE value IS NOT NULL),
published AS (
    SELECT report_id, geography, skill_id, skill_raw AS skill_name, category_id, value AS growth_pct
    FROM obs WHERE measure = 'growth_pct'
),
recency AS (
    SELECT report_id, table_name, period,
           dense_rank() OVER (PARTITION BY report_id, table_name ORDER BY period DESC) AS back
    FROM (SELECT DISTINCT report_id, table_name, period FROM obs WHERE measure = 'count')
),
levels AS (
    SELECT o.report_id, o.table_name, o.geography, o.skill_id, any_value(o.skill_raw) AS skill_name,
           any_value(o.category_id) AS category_id,
           max(o.value) FILTER (WHERE r.back = 1) AS latest,
           max(o.value) FILTER (WHERE r.back = 2) AS previous
    FROM obs AS o JOIN recency AS r USING (report_id, table_name, period)
    WHERE o.measure = 'count' AND r.back <= 2
    GROUP BY ALL
),
derived AS (
    SELECT report_id, geography, skill_id, skill_name, category_id,
           100 * (latest / previous - 1) AS growth_pct
    FROM levels WHERE latest IS NOT NULL AND previous > 0
),
growth AS (SELECT * FROM published UNION ALL SELECT * FROM derived)
SELECT *,
       rank() OVER (PARTITION BY report_id, geography ORDER BY growth_pct DESC) AS rank_in_report,
       rank() OVER (PARTITION BY report_id, geography, category_id ORDER BY growth_pct DESC)
         AS rank_in_category,
       percent_rank() OVER (PARTITION BY report_id, geography ORDER BY growth_pct) AS percentile
FROM growth
"""


def cells_query(raw: Path, union_by_name: bool) -> tuple[str, dict]:
    """The UNION of long and wide cell reads for the table kinds present under raw."""
    parts, params = [], {}
    kinds = (
        ("long", LONG_GLOB, LONG_CELLS),
        ("wide", WIDE_GLOB, WIDE_CELLS),
        ("monthly", MONTHLY_GLOB, MONTHLY_CELLS),
    )
    for name, pattern, sql in kinds:
        if next(raw.glob(pattern), None) is not None:
            read = READ.format(param=name, union_by_name=str(union_by_name).lower())
            parts.append(sql.format(read=read, report_id=REPORT_ID, table_name=TABLE_NAME))
            params[name] = str(raw / pattern)
    if not parts:
        raise SystemExit(
            f"no {LONG_GLOB}, {WIDE_GLOB} or {MONTHLY_GLOB} under {raw}; generate a corpus with bench/generate.py"
        )
    return " UNION ALL BY NAME ".join(parts), params


def run(raw: Path, out: Path, union_by_name: bool = False) -> dict:
    """Write out/observations.parquet and out/baseline.duckdb (table rankings); return counts."""
    if article_globs(raw) and not any(
        next(raw.glob(g), None) for g in (LONG_GLOB, WIDE_GLOB, MONTHLY_GLOB)
    ):
        return run_prose(raw, out)  # an articles corpus (bench/articles.py)
    out.mkdir(parents=True, exist_ok=True)
    observations, database = out / "observations.parquet", out / "baseline.duckdb"
    database.unlink(missing_ok=True)
    cells, params = cells_query(raw, union_by_name)
    with duckdb.connect(str(database)) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            f"COPY ({PARSED.format(cells=cells)}) TO $out (FORMAT parquet)",
            {**params, "out": str(observations)},
        )
        con.execute(f"CREATE TABLE rankings AS {RANKINGS}", {"observations": str(observations)})
        rows, parsed, value_sum, reports = con.execute(
            "SELECT count(*), count(value), sum(value), count(DISTINCT report_id) FROM read_parquet($p)",
            {"p": str(observations)},
        ).fetchone()
        ranked = con.execute("SELECT count(*) FROM rankings").fetchone()[0]
    return {
        "reports": reports,
        "observations": parsed,
        "quarantined": rows - parsed,
        "ranked": ranked,
        "value_sum": value_sum,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--raw", type=Path, required=True, help="corpus raw folder (<publisher>/<report>/*.csv)"
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--union-by-name", action="store_true", help="match columns by header in every file"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = run(args.raw, args.out, args.union_by_name)
    json.dump({**counts, "seconds": round(time.perf_counter() - started, 3)}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
