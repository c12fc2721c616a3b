-- Intermediate: the figures others are compared with: each group's most authoritative figure,
-- and every figure of a report that another report quotes.
--
-- Purpose: the cross-report half of marts.figure_reconciliation: every other report's figure
-- is compared with its group's anchor (and a quoting report's with the quoted report's), so the
-- mart grows with the figures, not with their square.
-- Grain: one row per anchor (the most authoritative figure of a group -- subject_id, measure,
-- comparison, geography, period_start, period_end -- of intermediate.figures holding figures of
-- at least two reports) and per figure of a quoted report (staging.reports.quotes_report_id);
-- a figure that is both is one row.
-- Key: the group and the figure's own key (NULLs form one group, as in GROUP BY; the mart
-- matches them NULL to NULL).
-- Authority (lowest first): an original before a quoting report, exact before qualified, the
-- finest rounding_unit, the earliest publication (undated last), then report_id, table_name,
-- source_row, source_column and figure_index (NULL last), so exactly one figure wins.
-- Missing values, ties, one-report subjects: a group printed by one report has no anchor.
-- Tiny bases: not relevant to printed figures.
-- Refresh: a group's rows depend only on its own figures (@grouped_by subject_id, a part of the
-- group), so a changed report rebuilds the subjects it prints; the subject is selected from the
-- GROUP BY, not from the figure, so that filter reaches the scans.
-- @grouped_by subject_id
-- @key subject_id, measure, comparison, geography, period_start, period_end, report_id, table_name, source_row, source_column, figure_index
-- @table The figures other reports' figures are compared with: each subject, measure, basis, geography and period's most authoritative figure (is_anchor), and the figures of quoted reports; rows of intermediate.figures.
-- @column report_id: Report edition of the figure.
-- @column publisher: Publisher of the report.
-- @column published: Publication date of the report; NULL when the manifest gives none.
-- @column quotes_report_id: report_id of the report this one quotes (manifest quotes); NULL for an original.
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
-- @column is_anchor: True for the group's most authoritative figure; false for a quoted report's figure that is not.
-- Groups printed by two reports or more, found on narrow rows first: the aggregate below keeps
-- a whole figure per group, and one report's 5M-row table (every group its own) made it hold
-- 8.5 GB to return nothing.
WITH shared AS (
    SELECT
        subject_id,
        hash(measure, comparison, geography, period_start, period_end) AS rest_hash
    FROM intermediate.figures
    GROUP BY ALL
    HAVING min(report_id) <> max(report_id)
),

grouped AS (
    SELECT
        f.subject_id,
        arg_min(
            f,
            {
                -- Flags before nullable fields sort NULLs last; the key fields make the order total.
                'quoting': f.quotes_report_id IS NOT NULL,
                'qualified': f.value_qualifier <> 'exact',
                'rounding_unit': f.rounding_unit,
                'undated': f.published IS NULL,
                'published': coalesce(f.published, DATE '0001-01-01'),
                'report_id': f.report_id,
                'table_name': f.table_name,
                'source_row': f.source_row,
                'source_column': f.source_column,
                'no_index': f.figure_index IS NULL,
                'figure_index': coalesce(f.figure_index, 0)
            }
        ) AS anchor,
        list(f) FILTER (WHERE f.is_quoted) AS quoted_figures
    FROM intermediate.figures AS f
    SEMI JOIN shared AS s
        ON
            s.subject_id = f.subject_id
            AND s.rest_hash = hash(f.measure, f.comparison, f.geography, f.period_start, f.period_end)
    GROUP BY f.subject_id, f.measure, f.comparison, f.geography, f.period_start, f.period_end
    HAVING min(f.report_id) <> max(f.report_id)
),

-- The anchor, then each quoted figure that is not the anchor, as one list per group: a second
-- read of `grouped` would make DuckDB materialize it and stop the subject filter above it.
candidates AS (
    SELECT
        subject_id,
        unnest(
            list_concat(
                [{'figure': anchor, 'is_anchor': true}],
                list_transform(
                    list_filter(quoted_figures, LAMBDA quoted: quoted IS DISTINCT FROM anchor),
                    LAMBDA quoted: {'figure': quoted, 'is_anchor': false}
                )
            )
        ) AS candidate
    FROM grouped
)

SELECT
    candidates.candidate.figure.report_id,
    candidates.candidate.figure.publisher,
    candidates.candidate.figure.published,
    candidates.candidate.figure.quotes_report_id,
    candidates.subject_id,
    candidates.candidate.figure.subject_name,
    candidates.candidate.figure.subject_kind,
    candidates.candidate.figure.measure,
    candidates.candidate.figure.comparison,
    candidates.candidate.figure.geography,
    candidates.candidate.figure.period_start,
    candidates.candidate.figure.period_end,
    candidates.candidate.figure.value,
    candidates.candidate.figure.value_qualifier,
    candidates.candidate.figure.rounding_unit,
    candidates.candidate.figure.table_name,
    candidates.candidate.figure.source_file,
    candidates.candidate.figure.source_row,
    candidates.candidate.figure.source_column,
    candidates.candidate.figure.source_page,
    candidates.candidate.figure.figure_index,
    candidates.candidate.figure.source_span,
    candidates.candidate.figure.source_text,
    candidates.candidate.is_anchor
FROM candidates
