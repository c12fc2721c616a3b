-- Every mart's documented key is unique, and so are the reference ids the models join on (a NULL
-- geography groups with the other NULLs). The intermediate models' keys hold by construction (GROUP BY).
SELECT 'marts.skill_growth_rankings' AS model, report_id || ' / ' || table_name || ' / ' || coalesce(geography, '<null>') || ' / ' || skill_key AS key_value, count(*) AS copies
FROM marts.skill_growth_rankings
GROUP BY report_id, table_name, geography, skill_key
HAVING count(*) > 1
UNION ALL
SELECT 'marts.skill_comparisons', skill_id || ' / ' || report_id || ' / ' || table_name || ' / ' || coalesce(geography, '<null>'), count(*)
FROM marts.skill_comparisons
GROUP BY skill_id, report_id, table_name, geography
HAVING count(*) > 1
UNION ALL
SELECT 'marts.edition_changes', series_id || ' / ' || report_id_after || ' / ' || table_name || ' / ' || coalesce(geography, '<null>') || ' / ' || skill_key, count(*)
FROM marts.edition_changes
GROUP BY series_id, report_id_after, table_name, geography, skill_key
HAVING count(*) > 1
UNION ALL
SELECT 'marts.category_summary', report_id || ' / ' || table_name || ' / ' || coalesce(geography, '<null>') || ' / ' || category_id, count(*)
FROM marts.category_summary
GROUP BY report_id, table_name, geography, category_id
HAVING count(*) > 1
UNION ALL
SELECT 'marts.report_agreement', report_id_a || ' / ' || table_name_a || ' / ' || coalesce(geography_a, '<null>') || ' ~ ' || report_id_b || ' / ' || table_name_b || ' / ' || coalesce(geography_b, '<null>'), count(*)
FROM marts.report_agreement
GROUP BY report_id_a, table_name_a, geography_a, report_id_b, table_name_b, geography_b
HAVING count(*) > 1
UNION ALL
SELECT 'staging.reports', report_id, count(*)
FROM staging.reports
GROUP BY report_id
HAVING count(*) > 1
UNION ALL
SELECT 'reference.skills', skill_id, count(*)
FROM reference.skills
GROUP BY skill_id
HAVING count(*) > 1
UNION ALL
SELECT 'reference.categories', category_id, count(*)
FROM reference.categories
GROUP BY category_id
HAVING count(*) > 1
