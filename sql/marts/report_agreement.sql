-- Mart: how far two reports agree on which skills are on top (Spearman rank correlation).
--
-- Purpose: for every pair of rankings from two different reports that list at least
-- MIN_SHARED_SKILLS = 3 canonical skills in common (the params CTE), the rank correlation over
-- those shared skills and the skills they disagree on most.
-- Grain: one row per pair of rankings, a ranking being one report table in one geography
-- (intermediate.skill_positions, latest period, by the published figure). Rankings of the same
-- report are not paired with each other; editions of one series are (that is agreement over time).
-- Key: report_id_a, table_name_a, geography_a, report_id_b, table_name_b, geography_b, with
-- report_id_a < report_id_b so each pair appears once.
-- Method: both sides are re-ranked within the shared skills only (best first; for measure 'rank'
-- the lowest number is best), ties get the average of the ranks they span,
-- and spearman = corr(rank_a, rank_b): Pearson on ranks, i.e. Spearman with the tie correction.
-- 1.0 = same order, -1.0 = reversed.
-- Missing values: only skills with a reviewed identity (a registry, imported or derived skill_id)
-- can be shared; names known only by their own spelling ('u-' ids) are compared in
-- marts.skill_comparisons, which grows with the mentions, but not here: a correlation over every
-- pair of rankings grows with rankings^2 x shared skills (measured: 23.5 s of a 48 s build for 100
-- synthetic reports of 10,000 unregistered names), and a spelling match is weaker evidence of
-- agreement than a reviewed one. When every shared skill
-- ties on one side the correlation is undefined and spearman is NULL.
-- most_disagreed: up to 3 shared skills with the largest absolute difference of shared-set ranks
-- (ties broken by skill name); skills ranked alike are not listed, so perfect agreement gives [].
-- One-skill reports and tiny bases: a pair needs 3 shared skills, so one-skill reports never pair.
-- Refresh: a pair's row depends only on its two rankings, so an incremental build replaces the
-- rows naming a changed report with sql/merge/marts.report_agreement.sql's.
-- @involving report_id_a, report_id_b
-- @key report_id_a, table_name_a, geography_a, report_id_b, table_name_b, geography_b
-- @table Pairs of report rankings sharing at least 3 canonical skills: Spearman rank correlation and the skills they disagree on most.
-- @column report_id_a: First report of the pair (the smaller report_id).
-- @column table_name_a: Declared table of the first report.
-- @column geography_a: Geography of the first ranking; NULL when the report gives none.
-- @column publisher_a: Publisher of the first report.
-- @column measure_a: Measure of the first ranking's figures.
-- @column report_id_b: Second report of the pair.
-- @column table_name_b: Declared table of the second report.
-- @column geography_b: Geography of the second ranking; NULL when the report gives none.
-- @column publisher_b: Publisher of the second report.
-- @column measure_b: Measure of the second ranking's figures.
-- @column shared_skills: Canonical skills both rankings list (at least 3).
-- @column spearman: Spearman rank correlation over the shared skills in [-1, 1]; NULL when one side has no variation.
-- @column most_disagreed: Up to 3 shared skills with the largest |rank_a - rank_b| (ranks within the shared set), largest first.
WITH params AS (
    SELECT 3 AS min_shared_skills
),
rankings AS (
    -- Integer ids keep the pair join, grouping and windows on small keys.
    SELECT
        p.report_id, p.table_name, p.geography,
        any_value(r.publisher) AS publisher,
        any_value(p.measure) AS measure,
        row_number() OVER (ORDER BY p.report_id, p.table_name, p.geography) AS ranking_no,
        dense_rank() OVER (ORDER BY p.report_id) AS report_no
    FROM intermediate.skill_positions AS p
    LEFT JOIN staging.reports AS r ON r.report_id = p.report_id
    WHERE p.skill_id IS NOT NULL AND NOT starts_with(p.skill_id, 'u-')
    GROUP BY p.report_id, p.table_name, p.geography
),
scored AS (
    SELECT
        r.ranking_no, r.report_no, p.skill_id, p.skill_name,
        CASE WHEN p.measure = 'rank' THEN -p.value ELSE p.value END AS score
    FROM intermediate.skill_positions AS p
    JOIN rankings AS r
        ON r.report_id = p.report_id AND r.table_name = p.table_name
        AND r.geography IS NOT DISTINCT FROM p.geography
    WHERE p.skill_id IS NOT NULL AND NOT starts_with(p.skill_id, 'u-')
),
joined AS (
    SELECT
        a.ranking_no AS ranking_a, b.ranking_no AS ranking_b,
        a.skill_id, a.skill_name, a.score AS score_a, b.score AS score_b
    FROM scored AS a
    JOIN scored AS b ON b.skill_id = a.skill_id AND a.report_no < b.report_no
),
pairs AS (
    SELECT ranking_a, ranking_b
    FROM joined
    GROUP BY ranking_a, ranking_b
    HAVING count(*) >= (SELECT min_shared_skills FROM params)
),
shared AS (
    SELECT j.*
    FROM joined AS j
    SEMI JOIN pairs AS p ON p.ranking_a = j.ranking_a AND p.ranking_b = j.ranking_b
),
reranked AS (
    -- With ORDER BY, count(*) OVER counts rows up to and including the current row's peers, so
    -- (rank() + count(*)) / 2 is the average of the ranks a group of ties spans.
    SELECT
        *,
        (rank() OVER by_a + count(*) OVER by_a) / 2.0 AS rank_a,
        (rank() OVER by_b + count(*) OVER by_b) / 2.0 AS rank_b
    FROM shared
    WINDOW
        by_a AS (PARTITION BY ranking_a, ranking_b ORDER BY score_a DESC),
        by_b AS (PARTITION BY ranking_a, ranking_b ORDER BY score_b DESC)
),
paired AS (
    SELECT
        ranking_a,
        ranking_b,
        count(*) AS shared_skills,
        -- Fed in value order, so a rebuild gives the same bits (see skill_comparisons).
        corr(rank_a, rank_b ORDER BY rank_a, rank_b) AS correlation,
        coalesce(
            min_by(
                {'skill_id': skill_id, 'skill_name': skill_name, 'rank_a': rank_a, 'rank_b': rank_b,
                 'rank_difference': abs(rank_a - rank_b)},
                {'largest_difference_first': -abs(rank_a - rank_b), 'then_by_name': skill_name},
                3
            ) FILTER (WHERE rank_a <> rank_b),
            []
        ) AS most_disagreed
    FROM reranked
    GROUP BY ranking_a, ranking_b
)
SELECT
    a.report_id AS report_id_a, a.table_name AS table_name_a, a.geography AS geography_a,
    a.publisher AS publisher_a, a.measure AS measure_a,
    b.report_id AS report_id_b, b.table_name AS table_name_b, b.geography AS geography_b,
    b.publisher AS publisher_b, b.measure AS measure_b,
    p.shared_skills,
    CASE WHEN NOT isnan(p.correlation) THEN least(1.0, greatest(-1.0, p.correlation)) END AS spearman,
    p.most_disagreed
FROM paired AS p
JOIN rankings AS a ON a.ranking_no = p.ranking_a
JOIN rankings AS b ON b.ranking_no = p.ranking_b
