-- Mart: which skills grow fastest in each report, growth as published or derived from a level series.
--
-- Purpose: one growth figure per skill and ranking, ranked fastest first.
-- Grain: one row per ranking and skill. A ranking is one report table in one geography
-- (report_id, table_name, geography), in its latest period: a report with several tables or
-- geographies has several rankings. The DESIGN's (report_id, skill_id) is this grain for the usual
-- one-table, one-geography report.
-- Key: report_id, table_name, geography, skill_key (skill_key = skill_id, or 'raw:' + the
-- normalized raw name when the skill was not harmonized).
-- Growth sources:
--   published: tables whose measure is growth_pct; the latest period's value is the growth.
--   derived: tables of levels (reference.measures.is_level) with several periods:
--     growth_pct = (value / base_value - 1) * 100 between the latest period and the period just
--     before it in the same report table and geography (period_ordinal from skill_values).
--     A skill missing from that previous period gets no growth (an older base would mix
--     multi-period growth into a one-period ranking), nor does one whose base value is 0, NULL or
--     negative (growth undefined). The qualifier is 'exact' only when both values are exact,
--     otherwise 'approx'. 'rank' and 'ratio' tables are not turned into growth (a rank change is
--     not growth, and a ratio's meaning varies by publisher).
-- Tiny bases: small_base is true when a derived growth starts from a count below 30 or a share
-- below 0.1 percentage points (the thresholds CTE); published growth has no known base, so
-- small_base is false and base_value NULL. Small-base rows are kept and ranked: filter on them.
-- Ties: rank_in_report and rank_in_category use RANK(): equal growth shares a rank (1, 1, 3).
-- percentile: 1 - percent_rank() over growth descending = (n - rank) / (n - 1), in [0, 1],
-- 1 = fastest (also for skills tied at the top); a one-skill ranking gets rank 1, percentile 1.0.
-- Missing values: unmatched skills (skill_id NULL) are ranked under their raw name; skills with no
-- category get rank_in_category NULL. Qualified figures (at_least 329) rank as the number itself.
-- @partitioned_by report_id
-- @key report_id, table_name, geography, skill_key
-- @table Skill growth per report table and geography (latest period), as published or derived from levels, ranked fastest first.
-- @column report_id: Report edition.
-- @column series_id: Report series.
-- @column publisher: Publisher of the report.
-- @column edition: Edition of the series.
-- @column table_name: Declared table of the report; part of the ranking's identity.
-- @column geography: Geography of the ranking; NULL when the report gives none; part of the ranking's identity.
-- @column skill_key: Skill identity in the ranking: skill_id, or 'raw:' + normalized raw name when unmatched.
-- @column skill_id: Canonical skill id; NULL when the name was not harmonized (not comparable across reports).
-- @column skill_name: Canonical display name, or the raw name when skill_id is NULL.
-- @column category_id: Canonical category (the report's, else the skill's taxonomy category); NULL when unknown.
-- @column category_name: Canonical category display name.
-- @column measure: Measure of the source table: growth_pct when published, else the level measure growth was derived from.
-- @column growth_source: 'published' (the report printed the growth) or 'derived' (computed from two periods of levels).
-- @column growth_pct: Growth in percentage points (+329% is 329.0).
-- @column value_qualifier: exact, at_least, at_most or approx; derived growth is exact only when both levels are.
-- @column value: The latest period's figure as published (the growth itself, or the level).
-- @column base_value: Level in the base period for derived growth; NULL for published growth.
-- @column period_start: First day of the period the growth ends in (the table's latest period).
-- @column period_end: Last day of the period the growth ends in.
-- @column base_period_start: First day of the base period of derived growth; NULL for published growth.
-- @column base_period_end: Last day of the base period of derived growth; NULL for published growth.
-- @column small_base: True when derived growth starts from a count < 30 or a share < 0.1 pp; false otherwise and for published growth.
-- @column rank_in_report: 1 = fastest growth in the ranking; ties share a rank (RANK(), not ROW_NUMBER()).
-- @column rank_in_category: Rank within the ranking and category_id, 1 = fastest; NULL without a category.
-- @column percentile: Position in [0, 1], 1 = fastest: (n - rank) / (n - 1); 1.0 for a one-skill ranking.
-- @column skills_in_ranking: Skills ranked in this ranking (n).
-- @column source_file: Raw file of the latest figure.
-- @column source_row: Row of the latest figure in the raw file.
-- @column source_column: Column header of the latest figure.
WITH thresholds AS (
    SELECT 30.0 AS small_count_base, 0.1 AS small_share_base
),
published AS (
    SELECT
        *,
        'published' AS growth_source,
        value AS growth_pct,
        NULL::DOUBLE AS base_value,
        NULL::DATE AS base_period_start,
        NULL::DATE AS base_period_end,
        false AS small_base
    FROM intermediate.skill_values
    WHERE measure = 'growth_pct' AND is_latest_period
),
latest_levels AS (
    SELECT *
    FROM intermediate.skill_values
    WHERE measure IN (SELECT measure FROM reference.measures WHERE is_level)
        AND is_latest_period AND periods_in_table > 1
),
base_levels AS (
    -- The period just before the latest one; a skill missing from it finds no base below.
    SELECT
        report_id, table_name, geography, skill_key,
        value AS base_value,
        value_qualifier AS base_qualifier,
        period_start AS base_period_start,
        period_end AS base_period_end
    FROM intermediate.skill_values
    WHERE measure IN (SELECT measure FROM reference.measures WHERE is_level)
        AND period_ordinal = periods_in_table - 1
),
derived AS (
    SELECT
        l.* EXCLUDE (value_qualifier),
        b.base_value,
        b.base_period_start,
        b.base_period_end,
        CASE WHEN l.value_qualifier = 'exact' AND b.base_qualifier = 'exact' THEN 'exact' ELSE 'approx' END
            AS value_qualifier,
        'derived' AS growth_source,
        (l.value / b.base_value - 1) * 100 AS growth_pct,
        CASE l.measure
            WHEN 'count' THEN b.base_value < t.small_count_base
            WHEN 'share_pct' THEN b.base_value < t.small_share_base
            ELSE false
        END AS small_base
    FROM latest_levels AS l
    JOIN base_levels AS b
        ON b.report_id = l.report_id
        AND b.table_name = l.table_name
        AND b.geography IS NOT DISTINCT FROM l.geography
        AND b.skill_key = l.skill_key
    CROSS JOIN thresholds AS t
    WHERE b.base_value > 0 AND l.period_end IS NOT NULL AND b.base_period_end IS NOT NULL
),
growth AS (
    SELECT * FROM published
    UNION ALL BY NAME
    SELECT * FROM derived
),
ranked AS (
    -- Ranked before the report and category names are joined on: every column carried through a
    -- window's sort costs time at millions of rows (2 s of 11 at 10M).
    SELECT
        *,
        rank() OVER fastest_first AS rank_in_report,
        CASE WHEN category_id IS NOT NULL THEN
            rank() OVER (PARTITION BY report_id, table_name, geography, category_id ORDER BY growth_pct DESC)
        END AS rank_in_category,
        1 - percent_rank() OVER fastest_first AS percentile,
        count(*) OVER ranking AS skills_in_ranking
    FROM growth
    WINDOW
        ranking AS (PARTITION BY report_id, table_name, geography),
        fastest_first AS (ranking ORDER BY growth_pct DESC)
)
SELECT
    g.report_id,
    r.series_id,
    r.publisher,
    r.edition,
    g.table_name,
    g.geography,
    g.skill_key,
    g.skill_id,
    g.skill_name,
    g.category_id,
    c.name AS category_name,
    g.measure,
    g.growth_source,
    g.growth_pct,
    g.value_qualifier,
    g.value,
    g.base_value,
    g.period_start,
    g.period_end,
    g.base_period_start,
    g.base_period_end,
    g.small_base,
    g.rank_in_report,
    g.rank_in_category,
    g.percentile,
    g.skills_in_ranking,
    g.source_file,
    g.source_row,
    g.source_column
FROM ranked AS g
LEFT JOIN staging.reports AS r ON r.report_id = g.report_id
LEFT JOIN reference.categories AS c ON c.category_id = g.category_id
