-- Intermediate: each canonical skill's standing over every report that lists it, before ranking.
--
-- Purpose: the per-skill aggregates of marts.skill_consensus, kept apart from its rank so a
-- changed report re-aggregates only the skills its rows list (before and after the change:
-- `@grouped_by skill_id`), not every mention (10M at the 10m bench); the mart then ranks these
-- few thousand rows whole.
-- Grain: one row per canonical skill listed in marts.skill_mentions.
-- Key: skill_id.
-- Aggregates are over all the skill's independent mentions (marts.skill_mentions with
-- is_independent), every edition included. A report quoting another loaded report is left out of
-- reports, publishers, consensus and spread, so an outlet repeating a survey is not a second
-- source.
-- Missing values: a skill listed only by quoting reports has reports 0 and consensus NULL.
-- skill_name: the registry's name; for an unregistered id printed in several forms, the first of
-- them in sort order.
-- Ties, one-skill rankings, tiny bases: see marts.skill_consensus.
-- @grouped_by skill_id
-- @key skill_id
-- @table Each canonical skill's counts, mean percentile and spread across the independent reports listing it (marts.skill_consensus ranks them).
-- @column skill_id: Canonical skill id.
-- @column skill_name: Canonical display name (for an unregistered id printed in several forms, the first in sort order).
-- @column reports: Distinct independent reports (editions) listing the skill.
-- @column publishers: Distinct publishers of those independent reports.
-- @column consensus_percentile: Mean percentile of the skill over its independent mentions (the consensus position, 1 = top everywhere).
-- @column percentile_spread: Max minus min percentile over its independent mentions: 0 = reports agree, 1 = top in one and bottom in another.
WITH per_skill AS (
    SELECT
        skill_id,
        min(skill_name) AS skill_name,
        -- Summed in value order: a parallel sum in any order differs in the last bit between builds.
        avg(percentile ORDER BY percentile) FILTER (WHERE is_independent) AS consensus_percentile,
        max(percentile) FILTER (WHERE is_independent)
        - min(percentile) FILTER (WHERE is_independent) AS percentile_spread
    FROM marts.skill_mentions
    GROUP BY skill_id
),

-- Counted apart from distinct (skill, report) pairs: DISTINCT aggregates beside an ordered one
-- in a single GROUP BY took DuckDB ~1.7x the time of the two passes (1M mentions).
counts AS (
    SELECT
        skill_id,
        count(*) AS reports,
        count(DISTINCT publisher) AS publishers
    FROM (
        SELECT DISTINCT skill_id, report_id, publisher
        FROM marts.skill_mentions
        WHERE is_independent
    ) AS independent_reports
    GROUP BY skill_id
)

SELECT
    p.skill_id,
    p.skill_name,
    coalesce(c.reports, 0) AS reports,
    coalesce(c.publishers, 0) AS publishers,
    p.consensus_percentile,
    p.percentile_spread
FROM per_skill AS p
LEFT JOIN counts AS c ON p.skill_id = c.skill_id
