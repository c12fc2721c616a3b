-- Intermediate: one value per skill, table, geography and period, with the table's period order.
--
-- Purpose: the de-duplicated series every ranking reads. Rows the harmonizer excluded (is_skill
-- false) and rows without a value are left out.
-- Grain: one row per report_id, table_name, geography, period (period_start, period_end) and
-- skill_key.
-- Key: report_id, table_name, geography, period_start, period_end, skill_key (geography and the
-- period dates may be NULL; NULLs form one group, as in GROUP BY).
-- Duplicates: when one table prints the same skill twice for the same period and geography (two
-- aliases of one canonical skill, or one skill listed under two categories), the first printed
-- cell is kept (lowest source_row, then source_column_index) and duplicate_rows counts how many
-- cells competed; the kept cell's lineage stays on the row.
-- Periods: period_ordinal numbers the distinct periods of each report table and geography by
-- period_end, then period_start; an undated period (NULL) sorts first, so it is never the latest
-- when dated periods exist. is_latest_period marks the period rankings use.
-- Missing values: skill_id NULL rows stay (skill_key carries the raw name).
-- Width: report-level fields (series, publisher, edition) live in staging.reports and category
-- names in reference.categories; the marts join them on, since every column carried through the
-- row-level models costs time at millions of rows.
-- Ties, one-skill reports, tiny bases: handled by the rankings built on this model.
-- @partitioned_by report_id
-- @table De-duplicated skill values per report table, geography and period, with the period order.
-- @column report_id: Report edition.
-- @column table_name: Declared table of the report.
-- @column measure: Measure of the table: growth_pct, share_pct, rank, count, index or ratio.
-- @column geography: Geography of the value; NULL when the report gives none.
-- @column period_start: First day of the period.
-- @column period_end: Last day of the period.
-- @column period_ordinal: 1 for the earliest period of this report table and geography.
-- @column periods_in_table: Distinct periods of this report table and geography.
-- @column is_latest_period: True for the latest period of this report table and geography.
-- @column skill_key: Skill identity inside a report: skill_id, or 'raw:' + normalized raw name.
-- @column skill_id: Canonical skill id; NULL when the name was not harmonized.
-- @column skill_name: Canonical display name, or the raw name when skill_id is NULL.
-- @column category_id: Canonical category (the report's, else the skill's taxonomy category).
-- @column value: The number in the measure's unit (percentages in points).
-- @column value_qualifier: exact, at_least, at_most or approx.
-- @column duplicate_rows: Cells of the table giving this skill for this period and geography (1 = no duplicate).
-- @column source_file: Raw file of the kept cell.
-- @column source_row: Row of the kept cell.
-- @column source_column: Column header of the kept cell.
WITH duplicated AS (
    -- Only the cells that compete with another: aggregating every cell with its whole row as
    -- payload held 8 GB at 10M rows; counting first and joining the few duplicates back holds 3.
    SELECT
        report_id, table_name, geography, period_start, period_end, skill_key,
        count(*) AS duplicate_rows,
        min({'row': source_row, 'column_index': source_column_index}) AS first_cell
    FROM staging.observations
    WHERE is_skill AND value IS NOT NULL
    GROUP BY report_id, table_name, geography, period_start, period_end, skill_key
    HAVING count(*) > 1
),
periods AS (
    SELECT
        *,
        row_number() OVER by_table AS period_ordinal,
        count(*) OVER (PARTITION BY report_id, table_name, geography) AS periods_in_table
    FROM (
        SELECT DISTINCT report_id, table_name, geography, period_start, period_end
        FROM staging.observations
        WHERE is_skill AND value IS NOT NULL
    )
    WINDOW by_table AS (
        PARTITION BY report_id, table_name, geography ORDER BY period_end NULLS FIRST, period_start NULLS FIRST
    )
)
SELECT
    o.report_id,
    o.table_name,
    o.measure,
    o.geography,
    o.period_start,
    o.period_end,
    p.period_ordinal,
    p.periods_in_table,
    p.period_ordinal = p.periods_in_table AS is_latest_period,
    o.skill_key,
    o.skill_id,
    o.skill_name,
    o.category_id,
    o.value,
    o.value_qualifier,
    coalesce(d.duplicate_rows, 1) AS duplicate_rows,
    o.source_file,
    o.source_row,
    o.source_column
FROM staging.observations AS o
JOIN periods AS p
    ON p.report_id = o.report_id
    AND p.table_name = o.table_name
    AND p.geography IS NOT DISTINCT FROM o.geography
    AND p.period_start IS NOT DISTINCT FROM o.period_start
    AND p.period_end IS NOT DISTINCT FROM o.period_end
LEFT JOIN duplicated AS d
    ON d.report_id = o.report_id
    AND d.table_name = o.table_name
    AND d.geography IS NOT DISTINCT FROM o.geography
    AND d.period_start IS NOT DISTINCT FROM o.period_start
    AND d.period_end IS NOT DISTINCT FROM o.period_end
    AND d.skill_key = o.skill_key
WHERE o.is_skill
    AND o.value IS NOT NULL
    -- A cell is (source_row, source_column_index) within its table: the first one is unique.
    AND (d.first_cell IS NULL OR d.first_cell = {'row': o.source_row, 'column_index': o.source_column_index})
