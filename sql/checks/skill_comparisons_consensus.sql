-- Every independent mention in marts.skill_comparisons carries its skill's consensus (it counts
-- toward it, so reports >= 1 and consensus_percentile is set), and every row of
-- marts.skill_mentions reaches the view (its skill has a marts.skill_consensus row).
-- @partitioned_by report_id
SELECT report_id, table_name, geography, skill_id, 'consensus missing' AS problem
FROM marts.skill_comparisons
WHERE is_independent AND (reports IS NULL OR reports < 1 OR consensus_percentile IS NULL)
UNION ALL
SELECT m.report_id, m.table_name, m.geography, m.skill_id, 'no consensus row'
FROM marts.skill_mentions AS m
ANTI JOIN marts.skill_consensus AS c ON m.skill_id = c.skill_id
