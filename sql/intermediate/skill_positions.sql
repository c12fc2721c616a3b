-- Intermediate: where each skill stands in each report table, by the figure the report published.
--
-- Purpose: the common footing for comparing reports that measure different things (growth,
-- share of postings, counts, ranks): each skill's position among the skills of the same report
-- table and geography, in the table's latest period.
-- Grain: one row per ranking (report_id, table_name, geography) and skill_key, latest period only.
-- Key: report_id, table_name, geography, skill_key.
-- Direction: a higher value is better for every measure except 'rank', where 1 is the top.
-- Ties: rank_in_report uses RANK(), so equal values share a rank and the next rank is skipped
-- (1, 1, 3), never ROW_NUMBER().
-- percentile: (n - rank) / (n - 1) = 1 - percent_rank() over the ranking ordered best first:
-- 1.0 for the top (and for every skill tied at the top), 0.0 for a unique bottom, in [0, 1].
-- One-skill ranking: rank 1 and percentile 1.0.
-- Missing values: rows without a value never reach this model; skill_id NULL rows are ranked
-- inside their report under their raw name. Qualified values (at_least 329) rank as the number.
-- Tiny bases: published figures carry no base; see marts.skill_growth_rankings.small_base.
-- Width: only what the cross-report marts need; report fields come from staging.reports and
-- lineage from intermediate.skill_values.
-- @partitioned_by report_id
-- @key report_id, table_name, geography, skill_key
-- @table Each skill's rank and percentile within its report table and geography, by the published figure (latest period).
-- @column report_id: Report edition.
-- @column table_name: Declared table of the report.
-- @column geography: Geography of the ranking; NULL when the report gives none.
-- @column measure: Measure of the published figure.
-- @column period_start: First day of the latest period of the table.
-- @column period_end: Last day of the latest period of the table.
-- @column skill_key: Skill identity inside a report: skill_id, or 'raw:' + normalized raw name.
-- @column skill_id: Canonical skill id; NULL when the name was not harmonized.
-- @column skill_name: Canonical display name, or the raw name when skill_id is NULL.
-- @column value: The published figure in the measure's unit.
-- @column value_qualifier: exact, at_least, at_most or approx.
-- @column rank_in_report: 1 = top of the ranking; ties share a rank (RANK()).
-- @column percentile: Position in [0, 1], 1 = top: (n - rank) / (n - 1); 1.0 for a one-skill ranking.
-- @column skills_in_ranking: Skills in this ranking (n).
SELECT
    report_id,
    table_name,
    geography,
    measure,
    period_start,
    period_end,
    skill_key,
    skill_id,
    skill_name,
    value,
    value_qualifier,
    rank() OVER best_first AS rank_in_report,
    1 - percent_rank() OVER best_first AS percentile,
    count(*) OVER ranking AS skills_in_ranking
FROM intermediate.skill_values
WHERE is_latest_period AND measure <> 'share_change_pp'  -- a gap in points never ranks with growth
WINDOW
    ranking AS (PARTITION BY report_id, table_name, geography),
    best_first AS (ranking ORDER BY CASE WHEN measure = 'rank' THEN value ELSE -value END)
