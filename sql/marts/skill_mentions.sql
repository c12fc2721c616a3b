-- Mart: each canonical skill in each report ranking that lists it, placed by its percentile.
--
-- Purpose: the per-report half of marts.skill_comparisons. Each report's figure is placed by its
-- percentile within its own ranking (intermediate.skill_positions), so a growth ranking, a
-- share-of-postings table and a printed rank can sit next to each other; the per-skill consensus
-- over all reports is marts.skill_consensus. Kept apart so a changed report rewrites only its
-- own rows (here and in its Parquet part), not every report's: at 10M mentions the whole table
-- took most of a one-changed-report run.
-- Grain: one row per ranking (report_id, table_name, geography) and canonical skill, latest
-- period of the table. A report with several tables or geographies that list the skill appears
-- once per ranking.
-- Key: report_id, table_name, geography, skill_id.
-- Report flags: is_latest_edition and is_independent come from staging.reports; a run that
-- changes them for a report (a new edition, a newly loaded quoted report) refreshes that
-- report's rows too (flows/warehouse/database.py, reports_with_changed_fields).
-- Ties: rank_in_report uses RANK() (ties share a rank).
-- Missing values: skills that were not harmonized (skill_id NULL) cannot be compared across
-- reports and are left out here; they stay in the per-report rankings.
-- One-skill rankings: percentile 1.0 (see skill_positions); read skills_in_ranking.
-- Quoted figures: a report whose manifest says it quotes another loaded report has
-- is_independent false (marts.figure_reconciliation pairs them).
-- Tiny bases: not known for published figures (see marts.skill_growth_rankings.small_base).
-- Storage: a view, exported to Parquet part by part like a table (its report filter reaches
-- the scan of intermediate.skill_positions): writing its 10M rows into the database as well
-- cost ~2 s of CPU per 1M rows and nothing reads it often enough to pay for that.
-- @materialized view
-- @partitioned_by report_id
-- @key report_id, table_name, geography, skill_id
-- @table Each canonical skill in each report ranking that lists it: figure, rank and percentile (the per-report rows of marts.skill_comparisons).
-- @column skill_id: Canonical skill id.
-- @column skill_name: Canonical display name.
-- @column report_id: Report edition mentioning the skill.
-- @column series_id: Report series.
-- @column publisher: Publisher of the report.
-- @column edition: Edition of the series.
-- @column is_latest_edition: True when the report is the newest loaded edition of its series.
-- @column is_independent: False when the report quotes another loaded report (manifest quotes): its row is listed but left out of the consensus and counts.
-- @column table_name: Declared table of the report listing the skill.
-- @column geography: Geography of the ranking; NULL when the report gives none.
-- @column measure: What the report's figure measures (one of reference.measures).
-- @column value: The published figure in the measure's unit (latest period of the table).
-- @column value_qualifier: exact, at_least, at_most or approx.
-- @column period_start: First day of the figure's period.
-- @column period_end: Last day of the figure's period.
-- @column rank_in_report: Rank in its ranking, 1 = top (for measure 'rank', the lowest number is top); ties share a rank.
-- @column skills_in_ranking: Skills in that ranking.
-- @column percentile: Percentile within its ranking in [0, 1], 1 = top; 1.0 for a one-skill ranking.
SELECT
    p.skill_id,
    p.skill_name,
    p.report_id,
    r.series_id,
    r.publisher,
    r.edition,
    coalesce(r.is_latest_edition, false) AS is_latest_edition,
    -- An outlet quoting a loaded report repeats its figures: listed, but not a second voice.
    NOT coalesce(r.quotes_loaded, false) AS is_independent,
    p.table_name,
    p.geography,
    p.measure,
    p.value,
    p.value_qualifier,
    p.period_start,
    p.period_end,
    p.rank_in_report,
    p.skills_in_ranking,
    p.percentile
FROM intermediate.skill_positions AS p
LEFT JOIN staging.reports AS r ON r.report_id = p.report_id
WHERE p.skill_id IS NOT NULL
