-- Merge: marts.report_agreement's rows naming a changed report (`@involving`; see CONTRIBUTING).
--
-- The model's query with its pair join limited to pairs that hold a changed report's ranking:
-- a pair's row depends only on the two rankings' rows and their reports' publishers, so the
-- other rows stay. Keep the rest in step with sql/marts/report_agreement.sql
-- (tests/test_grouped_refresh.py compares a refreshed build with a fresh one).
-- Inputs: _stash.changed (report_id).
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
        CASE WHEN p.measure = 'rank' THEN -p.value ELSE p.value END AS score,
        p.report_id IN (SELECT c.report_id FROM _stash.changed AS c) AS is_changed
    FROM intermediate.skill_positions AS p
    JOIN rankings AS r
        ON r.report_id = p.report_id AND r.table_name = p.table_name
        AND r.geography IS NOT DISTINCT FROM p.geography
    WHERE p.skill_id IS NOT NULL AND NOT starts_with(p.skill_id, 'u-')
),
-- The model's pairs that hold a changed ranking, each once: a changed one on the left, or on
-- the right of an unchanged one.
joined AS (
    SELECT
        a.ranking_no AS ranking_a, b.ranking_no AS ranking_b,
        a.skill_id, a.skill_name, a.score AS score_a, b.score AS score_b
    FROM scored AS a
    JOIN scored AS b ON b.skill_id = a.skill_id AND a.report_no < b.report_no
    WHERE a.is_changed
    UNION ALL
    SELECT
        a.ranking_no AS ranking_a, b.ranking_no AS ranking_b,
        a.skill_id, a.skill_name, a.score AS score_a, b.score AS score_b
    FROM scored AS a
    JOIN scored AS b ON b.skill_id = a.skill_id AND a.report_no < b.report_no
    WHERE b.is_changed AND NOT a.is_changed
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
