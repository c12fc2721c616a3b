-- Staging: lake.observations typed and cleaned, with canonical skill and category names.
--
-- Purpose: the one base every other model reads. Texts are trimmed (blank geography becomes
-- NULL), types are pinned, and the canonical names from reference.skills / reference.categories
-- are joined on.
-- Grain: one row per published number, exactly as lake.observations (no row is dropped here).
-- Key: report_id, table_name, source_row, source_column, figure_index (the cell, or prose sentence,
-- the number was read from, and which of its figures).
-- Missing values: a skill whose name was not harmonized keeps skill_id NULL; its display name is
-- then the raw name and its skill_key is 'raw:' + the lower-cased, space-collapsed raw name, so it
-- can still be ranked inside its report (but never compared with other reports). category_id
-- falls back to the taxonomy category of the skill when the report printed none
-- (category_source says which). Names the harmonizer excluded (totals, notes) keep is_skill false.
-- Ties, one-skill reports, tiny bases: not relevant at this grain (see the marts).
-- @materialized view
-- @partitioned_by report_id
-- @key report_id, table_name, source_row, source_column, figure_index
-- @table Every published number (lake.observations), cleaned, with canonical skill and category names; base of all models.
-- @column report_id: Report edition the number was published in: <series>-<edition>.
-- @column series_id: Report series; editions of one report share it.
-- @column publisher: Who published the report.
-- @column edition: Edition of the series, as the manifest names it.
-- @column table_name: Declared table of the report the number comes from.
-- @column measure: What the number measures (one of reference.measures).
-- @column period_start: First day of the period the number describes.
-- @column period_end: Last day of the period the number describes.
-- @column period_label: Period as printed in the table, null when taken from the manifest.
-- @column geography: Geography the number describes; NULL when the report gives none.
-- @column category_raw: Category name as published (trimmed).
-- @column category_id: Canonical category: the report's own category when harmonized, else the skill's taxonomy category.
-- @column category_source: Where category_id comes from: 'report', 'taxonomy', or NULL when there is none.
-- @column category_name: Canonical category display name (reference.categories.name).
-- @column skill_raw: Skill name as published (trimmed).
-- @column skill_id: Canonical skill id; NULL when the name was not harmonized.
-- @column skill_name: Display name: reference.skills.name, or the raw name when skill_id is NULL.
-- @column skill_key: Skill identity inside a report: skill_id, or 'raw:' + normalized raw name when unmatched.
-- @column is_harmonized: True when skill_id is set (the skill can be compared across reports).
-- @column is_skill: False for names the harmonizer excluded (totals, notes) and prose statements; those are never ranked.
-- @column skill_match_method: How skill_raw was matched: alias, normalized, fuzzy, unmatched or excluded.
-- @column skill_match_score: Match score 0-100 of skill_raw to skill_id.
-- @column skill_match_confirmed: True when the matcher vouches for the match (confirmed alias or normalized name), as it decided at ingest.
-- @column value: The number in the measure's unit (percentages in points: +329% is 329).
-- @column value_qualifier: exact, at_least, at_most or approx, as printed.
-- @column unit: How the number was printed: percent, multiple, count, currency, fraction or number.
-- @column source_file: Raw file, relative to the raw folder.
-- @column source_sha256: sha256 of the raw file.
-- @column source_row: 1-based row of the raw file (or sheet) holding the number.
-- @column source_column: Header of the raw column holding the number, as published.
-- @column source_column_index: 1-based position of that column.
-- @column source_page: 1-based page of a PDF holding the number; null for formats without pages.
-- @column source_text: The cell's text exactly as published.
-- @column figure_index: 0-based position of the figure in its cell or sentence.
-- @column source_span: Characters start-end (0-based, end excluded) of source_text the figure was read from.
-- @column comparison: What a change is measured against (yoy, mom, qoq, vs_baseline, ...); NULL when not said.
-- @column currency: ISO 4217 code of a money figure.
-- @column subject_kind: Prose: skill, or statement (a finding about something else; never ranked); NULL for table cells.
-- @column subject_source: Prose: who the sentence credits for the figure; NULL when the publisher.
WITH cleaned AS (
    SELECT
        o.*,
        nullif(trim(o.skill_raw), '') AS skill_raw_clean,
        lower(coalesce(trim(o.skill_raw), '')) AS skill_raw_lower,
        nullif(trim(o.category_raw), '') AS category_raw_clean,
        nullif(trim(o.geography), '') AS geography_clean
    FROM lake.observations AS o
)
SELECT
    c.report_id::VARCHAR AS report_id,
    c.series_id::VARCHAR AS series_id,
    c.publisher::VARCHAR AS publisher,
    c.edition::VARCHAR AS edition,
    c.table_name::VARCHAR AS table_name,
    c.measure::VARCHAR AS measure,
    c.period_start::DATE AS period_start,
    c.period_end::DATE AS period_end,
    c.period_label::VARCHAR AS period_label,
    c.geography_clean::VARCHAR AS geography,
    c.category_raw_clean::VARCHAR AS category_raw,
    coalesce(c.category_id, s.category_id)::VARCHAR AS category_id,
    CASE
        WHEN c.category_id IS NOT NULL THEN 'report'
        WHEN s.category_id IS NOT NULL THEN 'taxonomy'
    END AS category_source,
    cat.name::VARCHAR AS category_name,
    c.skill_raw_clean::VARCHAR AS skill_raw,
    c.skill_id::VARCHAR AS skill_id,
    coalesce(s.name, c.skill_raw_clean)::VARCHAR AS skill_name,
    coalesce(
        c.skill_id,
        -- Whitespace is collapsed only where there is some to collapse: regexp_replace costs
        -- ~0.2 us a row even when it changes nothing (2 s of a 10M-row build).
        'raw:' || CASE
            WHEN regexp_matches(c.skill_raw_lower, '\s\s|[\t\n\f\r]')
                THEN regexp_replace(c.skill_raw_lower, '\s+', ' ', 'g')
            ELSE c.skill_raw_lower
        END
    )::VARCHAR AS skill_key,
    c.skill_id IS NOT NULL AS is_harmonized,
    coalesce(c.skill_match_method <> 'excluded', true)
        AND c.subject_kind IS DISTINCT FROM 'statement' AS is_skill,
    c.skill_match_method::VARCHAR AS skill_match_method,
    c.skill_match_score::DOUBLE AS skill_match_score,
    coalesce(c.skill_match_confirmed, false) AS skill_match_confirmed,
    c.value::DOUBLE AS value,
    c.value_qualifier::VARCHAR AS value_qualifier,
    c.unit::VARCHAR AS unit,
    c.source_file::VARCHAR AS source_file,
    c.source_sha256::VARCHAR AS source_sha256,
    c.source_row::BIGINT AS source_row,
    c.source_column::VARCHAR AS source_column,
    c.source_column_index::INTEGER AS source_column_index,
    c.source_page::INTEGER AS source_page,
    c.source_text::VARCHAR AS source_text,
    c.figure_index::INTEGER AS figure_index,
    c.source_span::VARCHAR AS source_span,
    c.comparison::VARCHAR AS comparison,
    c.currency::VARCHAR AS currency,
    c.subject_kind::VARCHAR AS subject_kind,
    c.subject_source::VARCHAR AS subject_source
FROM cleaned AS c
LEFT JOIN reference.skills AS s ON s.skill_id = c.skill_id
LEFT JOIN reference.categories AS cat ON cat.category_id = coalesce(c.category_id, s.category_id)
