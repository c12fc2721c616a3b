-- Mart: which categories lead each growth ranking.
--
-- Purpose: per ranking and canonical category, how many skills, their median and top growth and
-- the top skill, and where the category stands among the ranking's categories.
-- Grain: one row per ranking (report_id, table_name, geography, as in
-- marts.skill_growth_rankings) and canonical category.
-- Key: report_id, table_name, geography, category_id.
-- Missing values: skills without a canonical category (category_id NULL) are not summarized;
-- unmatched skills (skill_id NULL) count when they carry the report's category.
-- Ties: top_skill is the alphabetically first of the skills sharing the category's top growth
-- (rank_in_category = 1); top_skill_ties says how many share it. category_rank_in_report ranks
-- categories by median growth with RANK() (ties share a rank), 1 = fastest-growing category.
-- One-skill categories: median = top = that skill's growth. One-category rankings: rank 1.
-- Tiny bases: derived growth from a small base counts like any other; small_base_skills says how
-- many of the category's skills have one.
-- @partitioned_by report_id
-- @key report_id, table_name, geography, category_id
-- @table Per growth ranking and canonical category: skills, median and top growth, top skill, and the category's rank in the ranking.
-- @column report_id: Report edition.
-- @column series_id: Report series.
-- @column publisher: Publisher of the report.
-- @column edition: Edition of the series.
-- @column table_name: Declared table of the ranking.
-- @column geography: Geography of the ranking; NULL when the report gives none.
-- @column category_id: Canonical category id.
-- @column category_name: Canonical category display name.
-- @column skills: Skills of the category in the ranking.
-- @column median_growth_pct: Median growth of those skills, in percentage points.
-- @column top_growth_pct: Highest growth in the category, in percentage points.
-- @column top_skill: Skill with the top growth; the alphabetically first when several share it.
-- @column top_skill_ties: Skills sharing the top growth (1 = no tie).
-- @column small_base_skills: Skills whose derived growth starts from a small base.
-- @column category_rank_in_report: Rank of the category by median growth within the ranking, 1 = fastest; ties share a rank.
-- @column categories_in_report: Canonical categories in the ranking.
WITH per_category AS (
    SELECT
        report_id,
        table_name,
        geography,
        category_id,
        any_value(series_id) AS series_id,
        any_value(publisher) AS publisher,
        any_value(edition) AS edition,
        any_value(category_name) AS category_name,
        count(*) AS skills,
        median(growth_pct) AS median_growth_pct,
        max(growth_pct) AS top_growth_pct,
        min(skill_name) FILTER (WHERE rank_in_category = 1) AS top_skill,
        count(*) FILTER (WHERE rank_in_category = 1) AS top_skill_ties,
        count(*) FILTER (WHERE small_base) AS small_base_skills
    FROM marts.skill_growth_rankings
    WHERE category_id IS NOT NULL
    GROUP BY report_id, table_name, geography, category_id
)
SELECT
    report_id,
    series_id,
    publisher,
    edition,
    table_name,
    geography,
    category_id,
    category_name,
    skills,
    median_growth_pct,
    top_growth_pct,
    top_skill,
    top_skill_ties,
    small_base_skills,
    rank() OVER (ranking ORDER BY median_growth_pct DESC) AS category_rank_in_report,
    count(*) OVER ranking AS categories_in_report
FROM per_category
WINDOW ranking AS (PARTITION BY report_id, table_name, geography)
