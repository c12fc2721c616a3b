"""`skillpulse diff`: figures added, removed and changed between two editions, computed in DuckDB."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from flows.errors import SkillpulseError
from flows.ops.query import published

LAST_TWO = """
SELECT report_id FROM lake.reports WHERE series_id = $series
ORDER BY published DESC NULLS LAST, edition DESC LIMIT 2
"""

# A figure's identity across editions: table, measure, geography, skill, and how many periods
# back from the table's latest it is (editions shift their periods: latest is matched to latest).
# A skill printed twice in a table keeps its first cell, as the marts do.
FIGURES = """
numbered AS (
    SELECT o.report_id, o.table_name, o.measure, o.geography,
           coalesce(o.skill_id, 'raw:' || lower(trim(o.skill_raw))) AS skill_key,
           coalesce(s.name, o.skill_raw) AS skill_name,
           dense_rank() OVER (PARTITION BY o.report_id, o.table_name, o.geography
                              ORDER BY o.period_end DESC NULLS LAST,
                                       o.period_start DESC NULLS LAST) AS periods_back,
           coalesce(CAST(o.period_start AS VARCHAR) || '..' || CAST(o.period_end AS VARCHAR),
                    o.period_label) AS period,
           o.value, o.value_qualifier, o.source_text,
           o.source_file || ':' || o.source_row || ':' || o.source_column
               || coalesce(' (page ' || o.source_page || ')', '') AS source,
           o.source_file AS file, o.source_row AS row, o.source_column_index AS column_index
    FROM lake.observations AS o
    LEFT JOIN reference.skills AS s ON s.skill_id = o.skill_id
    WHERE o.report_id IN ($before, $after)
),
figures AS (
    SELECT * FROM numbered
    QUALIFY row_number() OVER (
        PARTITION BY report_id, table_name, measure, geography, skill_key, periods_back
        ORDER BY file, row, column_index) = 1
),
compared AS (
    SELECT coalesce(a.table_name, b.table_name) AS table_name,
           coalesce(a.measure, b.measure) AS measure,
           coalesce(a.geography, b.geography) AS geography,
           coalesce(a.skill_name, b.skill_name) AS skill_name,
           CASE WHEN b.skill_key IS NULL THEN 'added'
                WHEN a.skill_key IS NULL THEN 'removed'
                WHEN a.value IS DISTINCT FROM b.value
                     OR a.value_qualifier IS DISTINCT FROM b.value_qualifier THEN 'changed'
                ELSE 'same' END AS change,
           b.period AS period_before, a.period AS period_after,
           b.value AS value_before, a.value AS value_after,
           round(a.value - b.value, 6) AS difference,
           b.source_text AS printed_before, a.source_text AS printed_after,
           b.source AS source_before, a.source AS source_after
    FROM (SELECT * FROM figures WHERE report_id = $after) AS a
    FULL OUTER JOIN (SELECT * FROM figures WHERE report_id = $before) AS b
        ON a.table_name = b.table_name AND a.measure = b.measure
        AND a.geography IS NOT DISTINCT FROM b.geography
        AND a.skill_key = b.skill_key AND a.periods_back = b.periods_back
)
"""

COUNTS = f"WITH {FIGURES} SELECT change, count(*) FROM compared GROUP BY change"

ROWS = f"""
WITH {FIGURES}
SELECT * FROM compared WHERE change <> 'same'
ORDER BY CASE change WHEN 'changed' THEN 0 WHEN 'added' THEN 1 ELSE 2 END,
         abs(difference) DESC NULLS LAST, table_name, skill_name, period_after, period_before
LIMIT $limit
"""


class DiffError(SkillpulseError):
    """The editions to compare cannot be found."""


@dataclass(frozen=True)
class Diff:
    before: str
    after: str
    counts: dict[str, int]
    rows: pa.Table

    def headline(self) -> str:
        counts = ", ".join(
            f"{self.counts.get(kind, 0):,} {kind}"
            for kind in ("added", "removed", "changed", "same")
        )
        differing = sum(n for kind, n in self.counts.items() if kind != "same")
        shown = f"showing {self.rows.num_rows:,} of {differing:,}"
        return f"{self.before} -> {self.after}: {counts} ({shown})"


def diff_reports(
    warehouse: Path,
    series: str | None = None,
    before: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> Diff:
    """Compare two report editions: the series' last two, or before and after as given."""
    with published(warehouse) as con:
        if series is not None:
            editions = [row[0] for row in con.sql(LAST_TWO, params={"series": series}).fetchall()]
            if len(editions) < 2:
                raise DiffError(
                    f"series {series!r} has {len(editions)} edition(s) in the warehouse; "
                    "a diff needs two (or pass --from and --to)"
                )
            after, before = editions
        if before is None or after is None:
            raise DiffError("pass --series SERIES, or both --from REPORT and --to REPORT")
        known = {
            row[0]
            for row in con.sql(
                "SELECT report_id FROM lake.reports WHERE report_id IN ($before, $after)",
                params={"before": before, "after": after},
            ).fetchall()
        }
        missing = [r for r in (before, after) if r not in known]
        if missing:
            raise DiffError(f"no report {', '.join(map(repr, missing))} in the warehouse")
        parameters = {"before": before, "after": after}
        try:
            counts = dict(con.sql(COUNTS, params=parameters).fetchall())
            rows = con.sql(ROWS, params=parameters | {"limit": limit}).to_arrow_table()
        except duckdb.Error as exc:
            raise DiffError(f"comparing {before} with {after} failed: {exc}") from exc
    return Diff(before, after, counts, rows)
