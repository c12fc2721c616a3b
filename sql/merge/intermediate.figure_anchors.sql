-- Merge: intermediate.figure_anchors' rows for the touched subjects it can settle without
-- reading every figure of them (see `@grouped_by` in CONTRIBUTING).
--
-- Every figure of a report outside the changed ones is as before (a report whose is_quoted flag
-- moved is among the changed), so a group's old anchor had the most authority among them. A
-- group is settled from its old rows and the changed reports' new figures when the changed
-- reports still print it and either its old anchor came from an unchanged report (the new anchor
-- is the better of it and their figures), or one of their new figures has at least its authority
-- (that figure's report then beats every other report's figures) and another report still prints
-- the group (one changed report: the group had two; else a quoted row of another report shows
-- it). A subject is settled when all its groups in the old rows and the new figures are; the
-- runner rebuilds the other touched subjects with the model's own query.
-- Inputs: _stash.changed (report_id), _stash.touched (subject_id), the table's rows from before.
-- The authority order is the model's (tests/test_grouped_refresh.py compares the two builds).
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

candidate_rows AS (
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
        o.source_text,
        CASE WHEN o.is_anchor THEN 'anchor' ELSE 'quoted' END AS kind,
        o.from_changed
    FROM old AS o
    LEFT JOIN staging.reports AS r ON o.report_id = r.report_id
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
        n.source_text,
        'new' AS kind,
        false AS from_changed
    FROM new AS n
),

ranked AS (
    SELECT
        f.*,
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
        } AS authority
    FROM candidate_rows AS f
),

per_group AS (
    SELECT
        subject_id,
        bool_or(kind = 'anchor') AS had_anchor,
        bool_or(kind = 'anchor' AND from_changed) AS anchor_changed,
        bool_or(kind = 'new') AS printed_now,
        bool_or(kind = 'quoted' AND NOT from_changed) AS other_report_seen,
        -- An unchanged figure has the authority of its old row: the new row wins the tie.
        arg_min(kind, {'authority': authority, 'old': kind = 'anchor'})
            FILTER (WHERE kind IN ('anchor', 'new')) AS winner
    FROM ranked
    GROUP BY subject_id, measure, comparison, geography, period_start, period_end
),

settled AS (
    SELECT subject_id
    FROM per_group
    GROUP BY subject_id
    HAVING bool_and(
        had_anchor
        AND printed_now
        AND (
            NOT anchor_changed
            OR winner = 'new'
            AND (other_report_seen OR (SELECT count(*) FROM _stash.changed) = 1)
        )
    )
),

grouped AS (
    SELECT
        f.subject_id,
        arg_min(f, f.authority) AS anchor,
        list(f) FILTER (WHERE f.is_quoted) AS quoted_figures
    FROM ranked AS f
    WHERE NOT f.from_changed AND f.subject_id IN (SELECT s.subject_id FROM settled AS s)
    GROUP BY f.subject_id, f.measure, f.comparison, f.geography, f.period_start, f.period_end
),

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
