"""The report's SQL: each section's rows (bounded) over the published marts, with every figure's source cell and printed text."""

from __future__ import annotations

# Where each ranked cell came from: the kept cell of intermediate.skill_values, and its printed text.
LINEAGE = """
cells AS (
    -- A cell or sentence can print several figures: its text and page are the same for each.
    SELECT report_id, source_file, source_row, source_column,
           any_value(source_text) AS source_text, any_value(source_page) AS source_page
    FROM lake.observations GROUP BY ALL
),
lineage AS (
    SELECT v.report_id, v.table_name, v.geography, v.skill_key,
           v.source_file || ':' || v.source_row || ':' || v.source_column
               || coalesce(' (page ' || o.source_page || ')', '') AS source,
           o.source_text AS printed
    FROM intermediate.skill_values AS v
    LEFT JOIN cells AS o
        ON o.report_id = v.report_id AND o.source_file = v.source_file
        AND o.source_row = v.source_row AND o.source_column = v.source_column
    WHERE v.is_latest_period
)
"""

# The rankings shown: the latest edition of each series, newest first, at most $rankings of them.
SHOWN_RANKINGS = """
shown AS (
    SELECT DISTINCT g.report_id, g.table_name, g.geography, r.published
    FROM marts.skill_growth_rankings AS g
    JOIN lake.reports AS r ON r.report_id = g.report_id
    QUALIFY dense_rank() OVER (PARTITION BY r.series_id ORDER BY r.published DESC NULLS LAST,
                                                                 r.edition DESC) = 1
    ORDER BY r.published DESC NULLS LAST, g.report_id, g.table_name, g.geography
    LIMIT $rankings
)
"""

GROWTH = f"""
WITH {SHOWN_RANKINGS}, {LINEAGE}
SELECT g.report_id || ' · ' || g.table_name || coalesce(' · ' || g.geography, '') AS ranking,
       g.publisher, g.skill_name, round(g.growth_pct, 1) AS growth_pct, g.value_qualifier,
       g.growth_source, g.rank_in_report,
       coalesce(l.source, g.source_file || ':' || g.source_row || ':' || g.source_column) AS source,
       l.printed
FROM marts.skill_growth_rankings AS g
JOIN shown AS s ON s.report_id = g.report_id AND s.table_name = g.table_name
    AND s.geography IS NOT DISTINCT FROM g.geography
LEFT JOIN lineage AS l ON l.report_id = g.report_id AND l.table_name = g.table_name
    AND l.geography IS NOT DISTINCT FROM g.geography AND l.skill_key = g.skill_key
WHERE g.rank_in_report <= $top
ORDER BY s.published DESC NULLS LAST, ranking, g.rank_in_report, g.skill_name
"""

CONSENSUS = f"""
WITH {LINEAGE},
skills AS (
    SELECT skill_id, any_value(publishers) AS publishers, any_value(consensus_percentile) AS c
    FROM marts.skill_comparisons WHERE is_latest_edition
    GROUP BY skill_id HAVING count(DISTINCT report_id) > 1
    ORDER BY publishers DESC, c DESC, skill_id LIMIT $skills
)
SELECT c.skill_name, c.publisher, c.report_id, c.table_name, c.measure, c.value,
       c.value_qualifier, c.rank_in_report, round(c.percentile, 3) AS percentile,
       round(c.consensus_percentile, 3) AS consensus_percentile,
       round(c.percentile_spread, 3) AS percentile_spread, c.publishers, l.source, l.printed
FROM marts.skill_comparisons AS c
JOIN skills USING (skill_id)
LEFT JOIN lineage AS l ON l.report_id = c.report_id AND l.table_name = c.table_name
    AND l.geography IS NOT DISTINCT FROM c.geography AND l.skill_key = c.skill_id
WHERE c.is_latest_edition
ORDER BY c.consensus_percentile DESC, c.skill_name, c.publisher, c.report_id, c.table_name
"""

# The latest step of each series; skills that moved most first, then new and dropped ones.
CHANGES = f"""
WITH {LINEAGE},
latest AS (
    SELECT * FROM marts.edition_changes
    QUALIFY dense_rank() OVER (PARTITION BY series_id ORDER BY edition_after DESC) = 1
),
steps AS (
    SELECT DISTINCT c.series_id, c.table_name, c.geography, r.published
    FROM latest AS c JOIN lake.reports AS r ON r.report_id = c.report_id_after
    ORDER BY r.published DESC NULLS LAST, c.series_id, c.table_name, c.geography
    LIMIT $rankings
),
bounded AS (
    SELECT l.* FROM latest AS l
    JOIN steps AS s ON s.series_id = l.series_id AND s.table_name = l.table_name
        AND s.geography IS NOT DISTINCT FROM l.geography
    QUALIFY row_number() OVER (
        PARTITION BY l.series_id, l.table_name, l.geography
        ORDER BY abs(coalesce(l.percentile_after, 0) - coalesce(l.percentile_before, 0)) DESC,
                 l.skill_key
    ) <= $top
)
SELECT b.series_id || ' · ' || b.table_name || coalesce(' · ' || b.geography, '') AS ranking,
       b.edition_before, b.edition_after, b.skill_name, b.status,
       b.value_before, b.value_after, b.rank_before, b.rank_after,
       round(b.percentile_before, 3) AS percentile_before,
       round(b.percentile_after, 3) AS percentile_after,
       round(coalesce(b.percentile_after, b.percentile_before), 3) AS place,
       lb.source AS source_before, lb.printed AS printed_before,
       la.source AS source_after, la.printed AS printed_after
FROM bounded AS b
LEFT JOIN lineage AS lb ON lb.report_id = b.report_id_before AND lb.table_name = b.table_name
    AND lb.geography IS NOT DISTINCT FROM b.geography AND lb.skill_key = b.skill_key
LEFT JOIN lineage AS la ON la.report_id = b.report_id_after AND la.table_name = b.table_name
    AND la.geography IS NOT DISTINCT FROM b.geography AND la.skill_key = b.skill_key
ORDER BY ranking, b.rank_after NULLS LAST, b.rank_before, b.skill_name
"""

CATEGORIES = f"""
WITH {SHOWN_RANKINGS}, {LINEAGE},
leaders AS (
    SELECT report_id, table_name, geography, category_id,
           arg_min(skill_key, source_row) AS skill_key
    FROM marts.skill_growth_rankings WHERE rank_in_category = 1
    GROUP BY ALL
)
SELECT c.report_id || ' · ' || c.table_name || coalesce(' · ' || c.geography, '') AS ranking,
       c.category_name, c.skills, round(c.top_growth_pct, 1) AS top_growth_pct, c.top_skill,
       round(c.median_growth_pct, 1) AS median_growth_pct, c.category_rank_in_report,
       l.source, l.printed
FROM marts.category_summary AS c
JOIN shown AS s ON s.report_id = c.report_id AND s.table_name = c.table_name
    AND s.geography IS NOT DISTINCT FROM c.geography
LEFT JOIN leaders AS t ON t.report_id = c.report_id AND t.table_name = c.table_name
    AND t.geography IS NOT DISTINCT FROM c.geography AND t.category_id = c.category_id
LEFT JOIN lineage AS l ON l.report_id = t.report_id AND l.table_name = t.table_name
    AND l.geography IS NOT DISTINCT FROM t.geography AND l.skill_key = t.skill_key
WHERE c.category_rank_in_report <= $top
ORDER BY s.published DESC NULLS LAST, ranking, c.category_rank_in_report, c.category_name
"""

QUARANTINE = """
SELECT reason_code, count(*) OVER (PARTITION BY reason_code) AS rows_quarantined,
       source_file || coalesce(':' || source_row, '') || coalesce(':' || source_column, '') AS source,
       message
FROM lake.quarantine
QUALIFY row_number() OVER (PARTITION BY reason_code ORDER BY source_file, source_row, source_column)
        <= $examples
ORDER BY rows_quarantined DESC, reason_code, source
"""

# Figures printed by two reports: conflicts first, then rounded or qualified copies, then equal ones.
RECONCILIATION = """
SELECT subject_name, measure, class, report_id_a, value_a, value_qualifier_a, report_id_b,
       value_b, value_qualifier_b, b_quotes_a,
       source_file_a || ':' || source_row_a || ':' || source_column_a AS source_a,
       source_file_b || ':' || source_row_b || ':' || source_column_b AS source_b,
       coalesce(source_span_a, source_text_a) AS printed_a,
       coalesce(source_span_b, source_text_b) AS printed_b
FROM marts.figure_reconciliation
ORDER BY CASE class WHEN 'conflict' THEN 0 WHEN 'consistent' THEN 1 ELSE 2 END,
         abs(rel_diff) DESC NULLS LAST, subject_name, report_id_a, report_id_b
LIMIT $pairs
"""

TOTALS = """
SELECT (SELECT count(*) FROM lake.reports) AS reports,
       (SELECT count(DISTINCT publisher) FROM lake.reports) AS publishers,
       (SELECT count(*) FROM lake.observations) AS observations,
       (SELECT count(*) FROM lake.quarantine) AS quarantined
"""
