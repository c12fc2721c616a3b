-- Mart: where each canonical skill stands across every report that lists it.
--
-- Purpose: the per-skill half of marts.skill_comparisons: does another publisher agree that a
-- skill is near the top? One small row per skill, ranked whole on every run (thousands of rows
-- where the mentions are millions), so a changed report does not rewrite every mention; the
-- aggregates come from intermediate.skill_standing, which re-aggregates only the skills a
-- changed report lists.
-- Grain: one row per canonical skill listed in marts.skill_mentions.
-- Key: skill_id.
-- Aggregates are over all the skill's independent mentions (marts.skill_mentions with
-- is_independent), every edition included; filter is_latest_edition there and re-aggregate to
-- count each series once. A report quoting another loaded report is left out of reports,
-- publishers, consensus and spread, so an outlet repeating a survey is not a second source.
-- Ties: consensus_rank uses RANK() over skills by consensus_percentile, highest first, so equal
-- consensus shares a rank.
-- Missing values: a skill listed only by quoting reports has reports 0 and consensus NULL (it
-- ranks last). skill_name: the registry's name; for an unregistered id printed in several forms,
-- the first of them in sort order.
-- One-skill rankings: percentile 1.0 (see skill_positions), which pulls the consensus up; read
-- skills_in_ranking in the mentions before trusting it. A skill mentioned once has spread 0.
-- Tiny bases: not known for published figures.
-- @key skill_id
-- @table Each canonical skill's consensus across the independent reports listing it: counts, mean percentile, its rank and the spread.
-- @column skill_id: Canonical skill id.
-- @column skill_name: Canonical display name (for an unregistered id printed in several forms, the first in sort order).
-- @column reports: Distinct independent reports (editions) listing the skill.
-- @column publishers: Distinct publishers of those independent reports.
-- @column consensus_percentile: Mean percentile of the skill over its independent mentions (the consensus position, 1 = top everywhere).
-- @column consensus_rank: Rank of the skill among all canonical skills by consensus_percentile, 1 = highest; ties share a rank.
-- @column percentile_spread: Max minus min percentile over its independent mentions: 0 = reports agree, 1 = top in one and bottom in another.
SELECT
    skill_id,
    skill_name,
    reports,
    publishers,
    consensus_percentile,
    rank() OVER (ORDER BY consensus_percentile DESC) AS consensus_rank,
    percentile_spread
FROM intermediate.skill_standing
