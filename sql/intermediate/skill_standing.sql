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
SELECT
    skill_id,
    min(skill_name) AS skill_name,
    -- One GROUP BY, so the runner's skill filter reaches the scan (a join of two aggregates kept
    -- it on one side); at 10M mentions it costs what two passes did (10 s CPU).
    count(DISTINCT report_id) FILTER (WHERE is_independent) AS reports,
    count(DISTINCT publisher) FILTER (WHERE is_independent) AS publishers,
    -- Summed in value order: a parallel sum in any order differs in the last bit between builds.
    avg(percentile ORDER BY percentile) FILTER (WHERE is_independent) AS consensus_percentile,
    max(percentile) FILTER (WHERE is_independent)
    - min(percentile) FILTER (WHERE is_independent) AS percentile_spread
FROM marts.skill_mentions
GROUP BY skill_id
