-- Every percentile is set and within [0, 1]; every Spearman correlation within [-1, 1].
SELECT 'marts.skill_growth_rankings' AS model, report_id, table_name, skill_key, percentile AS bad_value
FROM marts.skill_growth_rankings
WHERE percentile IS NULL OR percentile < 0 OR percentile > 1
UNION ALL
SELECT 'intermediate.skill_positions', report_id, table_name, skill_key, percentile
FROM intermediate.skill_positions
WHERE percentile IS NULL OR percentile < 0 OR percentile > 1
UNION ALL
SELECT 'marts.skill_consensus', NULL, NULL, skill_id, consensus_percentile
FROM marts.skill_consensus
WHERE consensus_percentile < 0 OR consensus_percentile > 1 OR percentile_spread < 0 OR percentile_spread > 1
UNION ALL
SELECT 'marts.report_agreement', report_id_a || ' ~ ' || report_id_b, table_name_a, NULL, spearman
FROM marts.report_agreement
WHERE spearman < -1 OR spearman > 1
