-- Mart: how each skill moved between consecutive editions of a report series.
--
-- Purpose: new, dropped and moved skills from one edition to the next.
-- Grain: one row per step between consecutive loaded editions of a series (staging.reports:
-- ordered by published date, then edition text; failed editions skipped) and per skill of the
-- ranking (table_name, geography) in either edition. Positions are by the published figure in the
-- table's latest period (intermediate.skill_positions).
-- Key: series_id, report_id_after, table_name, geography, skill_key.
-- Matching: a skill is the same in both editions when table_name, geography and skill_key match.
-- Unmatched names (skill_id NULL) match on their normalized raw name within the series; a name
-- unmatched in one edition and harmonized in the other shows as dropped plus new. Rankings are
-- matched by table name, so keep a table's manifest name stable across editions.
-- status: 'new' (only in the later edition), 'dropped' (only in the earlier), else by rank:
-- 'up' (smaller rank number now), 'down' (larger), 'same' (equal rank, whatever the value did).
-- Ties: ranks come from RANK() (tied skills share a rank), so a skill tied before and alone after
-- can move although its value did not.
-- method_changed: the later edition's lake.reports.method_change holds a note, so its figures are
-- not like-for-like with the earlier edition's.
-- One-edition series produce no rows; a one-skill ranking compares rank 1 with rank 1.
-- Missing values: rank_*/value_* of the edition a skill is absent from are NULL.
-- Tiny bases: not known for published figures (see marts.skill_growth_rankings.small_base).
-- @key series_id, report_id_after, table_name, geography, skill_key
-- @table Skill by skill changes between consecutive editions of each series: rank and value before and after, new/dropped/up/down/same.
-- @column series_id: Report series.
-- @column report_id_before: Earlier edition's report_id.
-- @column edition_before: Earlier edition.
-- @column report_id_after: Later edition's report_id.
-- @column edition_after: Later edition.
-- @column table_name: Declared table (same name in both editions).
-- @column geography: Geography of the ranking; NULL when the report gives none.
-- @column skill_key: Skill identity: skill_id, or 'raw:' + normalized raw name when unmatched.
-- @column skill_id: Canonical skill id; NULL when the name was not harmonized.
-- @column skill_name: Display name (the later edition's when listed there).
-- @column measure_before: Measure of the earlier edition's figure.
-- @column measure_after: Measure of the later edition's figure.
-- @column value_before: Figure in the earlier edition; NULL when the skill is new.
-- @column value_after: Figure in the later edition; NULL when the skill was dropped.
-- @column rank_before: Rank in the earlier edition, 1 = top; NULL when the skill is new.
-- @column rank_after: Rank in the later edition, 1 = top; NULL when the skill was dropped.
-- @column percentile_before: Percentile in the earlier edition's ranking, 1 = top.
-- @column percentile_after: Percentile in the later edition's ranking, 1 = top.
-- @column rank_change: rank_before - rank_after: positive = moved up; NULL for new or dropped skills.
-- @column status: new, dropped, up, down or same.
-- @column method_changed: True when the later edition declares a method change (not like-for-like).
-- @column method_change: The later edition's method change note, when there is one.
WITH steps AS (
    SELECT
        later.series_id,
        later.previous_report_id AS report_id_before,
        earlier.edition AS edition_before,
        later.report_id AS report_id_after,
        later.edition AS edition_after,
        later.method_changed,
        later.method_change
    FROM staging.reports AS later
    JOIN staging.reports AS earlier ON earlier.report_id = later.previous_report_id
),
before_positions AS (
    SELECT s.report_id_before, s.report_id_after, p.*
    FROM steps AS s
    JOIN intermediate.skill_positions AS p ON p.report_id = s.report_id_before
),
after_positions AS (
    SELECT s.report_id_before, s.report_id_after, p.*
    FROM steps AS s
    JOIN intermediate.skill_positions AS p ON p.report_id = s.report_id_after
),
matched AS (
    SELECT
        coalesce(a.report_id_before, b.report_id_before) AS report_id_before,
        coalesce(a.report_id_after, b.report_id_after) AS report_id_after,
        coalesce(a.table_name, b.table_name) AS table_name,
        coalesce(a.geography, b.geography) AS geography,
        coalesce(a.skill_key, b.skill_key) AS skill_key,
        coalesce(a.skill_id, b.skill_id) AS skill_id,
        coalesce(a.skill_name, b.skill_name) AS skill_name,
        b.measure AS measure_before,
        a.measure AS measure_after,
        b.value AS value_before,
        a.value AS value_after,
        b.rank_in_report AS rank_before,
        a.rank_in_report AS rank_after,
        b.percentile AS percentile_before,
        a.percentile AS percentile_after
    FROM before_positions AS b
    FULL OUTER JOIN after_positions AS a
        ON a.report_id_before = b.report_id_before
        AND a.report_id_after = b.report_id_after
        AND a.table_name = b.table_name
        AND a.geography IS NOT DISTINCT FROM b.geography
        AND a.skill_key = b.skill_key
)
SELECT
    s.series_id,
    s.report_id_before,
    s.edition_before,
    s.report_id_after,
    s.edition_after,
    m.table_name,
    m.geography,
    m.skill_key,
    m.skill_id,
    m.skill_name,
    m.measure_before,
    m.measure_after,
    m.value_before,
    m.value_after,
    m.rank_before,
    m.rank_after,
    m.percentile_before,
    m.percentile_after,
    m.rank_before - m.rank_after AS rank_change,
    CASE
        WHEN m.rank_before IS NULL THEN 'new'
        WHEN m.rank_after IS NULL THEN 'dropped'
        WHEN m.rank_after < m.rank_before THEN 'up'
        WHEN m.rank_after > m.rank_before THEN 'down'
        ELSE 'same'
    END AS status,
    s.method_changed,
    s.method_change
FROM matched AS m
JOIN steps AS s ON s.report_id_after = m.report_id_after
