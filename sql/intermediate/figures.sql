-- Intermediate: every comparable figure with the precision its printed digits imply.
--
-- Purpose: the per-figure half of marts.figure_reconciliation. A view: writing a million rows
-- into a table costs ~8x computing them (2.3 s against 0.3 s of CPU at 1M figures), and its
-- readers each need only some columns or some reports' rows.
-- Grain: one row per observation with a value that is a skill's figure or a prose statement's
-- (staging.observations with is_skill or subject_kind 'statement').
-- Key: report_id, table_name, source_row, source_column, figure_index (the observation's key,
-- checked on staging.observations; the joins are on reference keys that are checked unique).
-- subject_id: the canonical skill id, else the skill_key ('raw:' + the name as printed), so
-- unregistered names and statements compare by their printed form.
-- rounding_unit: the precision the printed digits imply, from the value: 10^-d for a value with
-- d decimals (3.5 -> 0.1); 10^z for a whole value with z trailing zeros once it reaches its
-- qualifier's zeros_from (intermediate.figure_rules); otherwise 1.
-- Missing values: figures without a value are left out; a figure of a qualifier the rules do not
-- know is left out (observations_valid_codes fails on it).
-- Ties, one-report subjects, tiny bases: handled by the reconciliation built on this model.
-- Per report: a report's figures depend only on its own rows and its own staging.reports fields
-- (is_quoted is one that another report decides; see CROSS_REPORT_FIELDS).
-- @materialized view
-- @partitioned_by report_id
-- @key report_id, table_name, source_row, source_column, figure_index
-- @table Every comparable figure (a skill's or a prose statement's) with its subject, comparison basis and the precision its digits imply; the per-report half of marts.figure_reconciliation.
-- @column report_id: Report edition of the figure.
-- @column publisher: Publisher of the report.
-- @column published: Publication date of the report; NULL when the manifest gives none.
-- @column quotes_report_id: report_id of the report this one quotes (manifest quotes); NULL for an original.
-- @column is_quoted: True when another report's manifest quotes this report.
-- @column subject_id: What the figure is about: the canonical skill id, else the skill_key.
-- @column subject_name: Display name of the subject.
-- @column subject_kind: skill, or statement (a prose finding about something other than a skill).
-- @column measure: Measure of the figure.
-- @column comparison: What the figure compares against (yoy, mom, ...); NULL when not said.
-- @column geography: Geography of the figure; NULL when the report gives none.
-- @column period_start: First day of the period the figure describes.
-- @column period_end: Last day of the period the figure describes.
-- @column value: The figure in the measure's unit.
-- @column value_qualifier: exact, at_least, at_most or approx.
-- @column rounding_unit: Precision the printed digits imply (see the header).
-- @column table_name: Declared table of the figure.
-- @column source_file: Raw file of the figure.
-- @column source_row: Row (or line) of the figure in its file.
-- @column source_column: Column header of the figure's cell.
-- @column source_page: PDF page of the figure; NULL for other formats.
-- @column figure_index: Position of the figure in its cell or sentence.
-- @column source_span: The figure's own words within source_text.
-- @column source_text: The figure's cell or sentence as printed.
SELECT
    o.report_id,
    r.publisher,
    r.published,
    r.quotes_report_id,
    coalesce(r.is_quoted, false) AS is_quoted,
    coalesce(o.skill_id, o.skill_key) AS subject_id,
    o.skill_name AS subject_name,
    coalesce(o.subject_kind, 'skill') AS subject_kind,
    o.measure,
    o.comparison,
    o.geography,
    o.period_start,
    o.period_end,
    o.value,
    o.value_qualifier,
    CASE
        WHEN o.value = 0 OR NOT isfinite(o.value) THEN 1.0
        WHEN o.value <> round(o.value) THEN
            10 ^ (-length(regexp_extract(o.value::VARCHAR, '\.(\d+)$', 1)))
        WHEN abs(o.value) >= z.zeros_from THEN
            10 ^ (
                length(abs(o.value)::HUGEINT::VARCHAR)
                - length(rtrim(abs(o.value)::HUGEINT::VARCHAR, '0'))
            )
        ELSE 1.0
    END AS rounding_unit,
    o.table_name,
    o.source_file,
    o.source_row,
    o.source_column,
    o.source_page,
    o.figure_index,
    o.source_span,
    o.source_text
FROM staging.observations AS o
INNER JOIN staging.reports AS r ON o.report_id = r.report_id
INNER JOIN intermediate.figure_rules AS z ON o.value_qualifier = z.value_qualifier
WHERE o.value IS NOT NULL AND (o.is_skill OR o.subject_kind = 'statement')
