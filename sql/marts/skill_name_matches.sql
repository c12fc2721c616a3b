-- Mart: every published skill name and what it was matched to, per report.
--
-- Purpose: review the harmonization: for each canonical skill, each raw name it was matched
-- from, in which report, how (alias, normalized, fuzzy) and with what score; unmatched and
-- excluded names are listed too (skill_id NULL) so aliases can be added for them.
-- Grain: one row per report, raw name (trimmed) and match outcome.
-- Key: report_id, skill_raw, skill_id, match_method (one outcome per raw name and report in
-- practice, since a report is harmonized in one run).
-- confirmed: true for alias and normalized matches (exact after normalization); fuzzy matches are
-- unconfirmed until an alias is added.
-- Ties: a raw name whose score varies between rows keeps the highest score.
-- Missing values: a NULL raw name is listed as NULL. One-skill reports and tiny bases: n/a.
-- @partitioned_by report_id
-- @key report_id, skill_raw, skill_id, match_method
-- @table Each raw skill name as published, per report, with the canonical skill it was matched to, method, score and confirmation.
-- @column skill_id: Canonical skill id; NULL when unmatched or excluded.
-- @column skill_name: Canonical display name; the raw name when unmatched.
-- @column skill_raw: Skill name as published (trimmed).
-- @column report_id: Report edition the name appears in.
-- @column series_id: Report series.
-- @column publisher: Publisher of the report.
-- @column edition: Edition of the series.
-- @column match_method: alias, normalized, fuzzy, unmatched or excluded.
-- @column match_score: Match score 0-100 (highest over the name's rows).
-- @column confirmed: As the matcher decided at ingest: true for confirmed aliases and normalized names; false for fuzzy guesses, unconfirmed aliases and unmatched names.
-- @column observations: Observations in the report carrying this raw name.
WITH matched AS (
    SELECT
        report_id,
        skill_raw,
        skill_id,
        skill_match_method AS match_method,
        max(skill_match_score) AS match_score,
        bool_and(skill_match_confirmed) AS confirmed,
        count(*) AS observations
    FROM staging.observations
    WHERE subject_kind IS DISTINCT FROM 'statement'
    GROUP BY report_id, skill_raw, skill_id, skill_match_method
)
SELECT
    m.skill_id,
    coalesce(s.name, m.skill_raw) AS skill_name,
    m.skill_raw,
    m.report_id,
    r.series_id,
    r.publisher,
    r.edition,
    m.match_method,
    m.match_score,
    m.confirmed,
    m.observations
FROM matched AS m
LEFT JOIN reference.skills AS s ON s.skill_id = m.skill_id
LEFT JOIN staging.reports AS r ON r.report_id = m.report_id
