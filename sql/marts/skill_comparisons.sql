-- Mart: one canonical skill across every report that mentions it, side by side.
--
-- Purpose: does another publisher agree that a skill is near the top? Each report's figure is
-- placed by its percentile within its own ranking (intermediate.skill_positions), so a growth
-- ranking, a share-of-postings table and a printed rank can sit next to each other.
-- Grain: one row per canonical skill and ranking (report_id, table_name, geography), latest
-- period of the table. A report with several tables or geographies that list the skill appears
-- once per ranking.
-- Key: skill_id, report_id, table_name, geography.
-- Aggregates (reports, publishers, consensus, spread, consensus rank) are per skill over all the
-- rows listed, every edition included; filter is_latest_edition and re-aggregate to count each
-- series once.
-- Ties: rank_in_report uses RANK() (ties share a rank); consensus_rank uses RANK() over skills
-- by consensus_percentile, highest first, so equal consensus shares a rank.
-- Missing values: skills that were not harmonized (skill_id NULL) cannot be compared across
-- reports and are left out here; they stay in the per-report rankings.
-- One-skill rankings: percentile 1.0 (see skill_positions), which pulls the consensus up; read
-- skills_in_ranking before trusting it. A skill mentioned once has spread 0.
-- Quoted figures: a report whose manifest says it quotes another loaded report is listed with
-- is_independent false and left out of reports, publishers, consensus and spread, so an outlet
-- repeating a survey does not count as a second source (marts.figure_reconciliation pairs them).
-- Tiny bases: not known for published figures (see marts.skill_growth_rankings.small_base).
-- Storage: a view joining marts.skill_mentions (the per-report rows, refreshed per report) and
-- marts.skill_consensus (the per-skill columns, a small table): as one table every run rewrote
-- all of its rows (10M at the 10m bench, most of a one-changed-report run), since one report's
-- change moves the consensus of every skill it lists. Parquet readers join the two marts'
-- folders on skill_id (README); the view is not exported.
-- @materialized view
-- @key skill_id, report_id, table_name, geography
-- @table Each canonical skill in every report that mentions it: figure, rank and percentile side by side, with consensus and spread.
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
-- @column reports: Distinct independent reports (editions) listing the skill.
-- @column publishers: Distinct publishers of those independent reports.
-- @column consensus_percentile: Mean percentile of the skill over the independent rows listed (the consensus position, 1 = top everywhere).
-- @column consensus_rank: Rank of the skill among all canonical skills by consensus_percentile, 1 = highest; ties share a rank.
-- @column percentile_spread: Max minus min percentile over the independent rows listed: 0 = reports agree, 1 = top in one and bottom in another.
SELECT
    m.skill_id,
    m.skill_name,
    m.report_id,
    m.series_id,
    m.publisher,
    m.edition,
    m.is_latest_edition,
    m.is_independent,
    m.table_name,
    m.geography,
    m.measure,
    m.value,
    m.value_qualifier,
    m.period_start,
    m.period_end,
    m.rank_in_report,
    m.skills_in_ranking,
    m.percentile,
    c.reports,
    c.publishers,
    c.consensus_percentile,
    c.consensus_rank,
    c.percentile_spread
FROM marts.skill_mentions AS m
INNER JOIN marts.skill_consensus AS c ON m.skill_id = c.skill_id
