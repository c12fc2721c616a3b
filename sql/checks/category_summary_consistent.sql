-- Each category row is internally consistent: its top growth is at least its median, it holds at
-- least one skill, and its rank lies within the number of categories in the ranking.
-- @partitioned_by report_id
SELECT report_id, table_name, geography, category_id, skills, median_growth_pct, top_growth_pct,
    category_rank_in_report, categories_in_report
FROM marts.category_summary
WHERE skills < 1
    OR top_growth_pct < median_growth_pct
    OR top_skill_ties < 1
    OR category_rank_in_report NOT BETWEEN 1 AND categories_in_report
