-- Merge: intermediate.figure_anchors' rows for the touched subjects it can settle without
-- reading every figure of them (see `@grouped_by` in CONTRIBUTING).
--
-- A group whose old anchor came from an unchanged report, and that a changed report still
-- prints, keeps that anchor unless one of the changed reports' new figures has more authority:
-- the old anchor had the most authority among every other report's figures, which did not
-- change (a report whose is_quoted flag moved is among the changed ones). The group's quoted
-- figures are its old rows from unchanged reports and the changed reports' new quoted figures.
-- A subject is settled when every group of it the old rows or the new figures name is such a
-- group; the runner rebuilds the other touched subjects from the model's own query.
-- Inputs: _stash.changed (report_id), _stash.touched (subject_id), the table's rows from before.
-- The authority order must stay the model's (tests/test_grouped_refresh.py compares the two).
WITH old AS (
    SELECT
        a.*,
        a.report_id IN (SELECT c.report_id FROM _stash.changed AS c) AS from_changed
    FROM intermediate.figure_anchors AS a
    WHERE a.subject_id IN (SELECT t.subject_id FROM _stash.touched AS t)
),

new AS (
    SELECT f.*
    FROM intermediate.figures AS f
    WHERE f.report_id IN (SELECT c.report_id FROM _stash.changed AS c)
),

marks AS (
    SELECT
        subject_id,
        measure,
        comparison,
        geography,
        period_start,
        period_end,
        is_anchor AND NOT from_changed AS kept_anchor,
        false AS printed_now
    FROM old
    UNION ALL
    SELECT
        subject_id,
        measure,
        comparison,
        geography,
        period_start,
        period_end,
        false,
        true
    FROM new
),

settled AS (
    SELECT subject_id
    FROM (
        SELECT
            subject_id,
            bool_or(kept_anchor) AND bool_or(printed_now) AS mergeable
        FROM marks
        GROUP BY subject_id, measure, comparison, geography, period_start, period_end
    ) AS per_group
    GROUP BY subject_id
    HAVING bool_and(mergeable)
),

pool AS (
    SELECT
        o.report_id,
        o.publisher,
        o.published,
        o.quotes_report_id,
        coalesce(r.is_quoted, false) AS is_quoted,
        o.subject_id,
        o.subject_name,
        o.subject_kind,
        o.measure,
        o.comparison,
        o.geography,
        o.period_start,
        o.period_end,
        o.value,
        o.value_qualifier,
        o.rounding_unit,
        o.table_name,
        o.source_file,
        o.source_row,
        o.source_column,
        o.source_page,
        o.figure_index,
        o.source_span,
        o.source_text
    FROM old AS o
    LEFT JOIN staging.reports AS r ON o.report_id = r.report_id
    WHERE NOT o.from_changed AND o.subject_id IN (SELECT s.subject_id FROM settled AS s)
    UNION ALL
    SELECT
        n.report_id,
        n.publisher,
        n.published,
        n.quotes_report_id,
        n.is_quoted,
        n.subject_id,
        n.subject_name,
        n.subject_kind,
        n.measure,
        n.comparison,
        n.geography,
        n.period_start,
        n.period_end,
        n.value,
        n.value_qualifier,
        n.rounding_unit,
        n.table_name,
        n.source_file,
        n.source_row,
        n.source_column,
        n.source_page,
        n.figure_index,
        n.source_span,
        n.source_text
    FROM new AS n
    WHERE n.subject_id IN (SELECT s.subject_id FROM settled AS s)
),

grouped AS (
    SELECT
        f.subject_id,
        arg_min(
            f,
            {
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
    FROM pool AS f
    GROUP BY f.subject_id, f.measure, f.comparison, f.geography, f.period_start, f.period_end
),

candidates AS (
    SELECT
        grouped.subject_id,
        unnest(
            list_concat(
                [{'figure': grouped.anchor, 'is_anchor': true}],
                list_transform(
                    list_filter(
                        grouped.quoted_figures, LAMBDA quoted: quoted IS DISTINCT FROM grouped.anchor
                    ),
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
