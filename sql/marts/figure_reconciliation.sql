-- Mart: the same figure printed by two reports, classified as the same, consistent or in conflict.
--
-- Purpose: the same number travels (a research index prints 66,635, a blog "more than 66,000");
-- an analyst who trusts one figure sees at once which other reports agree with it, which are
-- only consistent with it (a rounded or qualified form) and which contradict it.
-- Grain: one row per pair (anchor figure a, other figure b) of observations of the same subject
-- (its skill_key: a canonical skill, else the name or prose statement subject as printed),
-- measure, comparison basis, geography and period, from two different reports. Each group's
-- anchor is its most authoritative figure: an original before a quoting report, exact before
-- qualified, the finest printed precision, the earliest publication, then report id. Every other
-- figure of the group is paired with the anchor, and a report that quotes another (manifest
-- quotes) is also paired with every matching figure of the report it quotes, so the mart grows
-- with the figures, not with their square (the anchors are intermediate.figure_anchors).
-- Key: the observation keys of both figures (report, table, row, column, figure_index).
-- Classes (the rules are intermediate.figure_rules, one row per qualifier):
--   rounding_unit: the precision the printed digits imply, from the value: 10^-d for a value
--     with d decimals (3.5 -> 0.1); 10^z for a whole value with z trailing zeros once it reaches
--     the qualifier's zeros_from (a qualified "nearly 40%" or "over 300%" is rounded to its
--     zeros; an exact figure only from 1,000 up: 66,000 -> 1,000, but 40% stays exact to 1);
--     otherwise 1 (intermediate.figures).
--   admits: the values a printed figure admits: value + low_units * unit to value + high_units *
--     unit: exact -> [v - u/2, v + u/2) (the figure rounds to what was printed); at_least
--     ("more than 66,000") -> [v, v + u); at_most ("nearly 6,300") -> (v - u, v]; approx
--     ("about 3x") -> [v - u, v + u].
--   same: equal values with the same qualifier.
--   consistent: either value lies within what the other figure admits (66,635 against "more
--     than 66,000"; 6,263 against "nearly 6,300"; 3.5x against "more than 3x").
--   conflict: neither (3x exact against 3.5x exact: 3.5 is not below 3.5).
-- Differences: abs_diff = value_b - value_a; rel_diff = abs_diff / |value_a| (NULL when
-- value_a is 0).
-- Missing values: figures without a value are not compared; a name that resolved to no
-- canonical skill is compared by its skill_key (the name as printed, case and spaces folded);
-- periods, geographies and comparison bases match NULL to NULL only.
-- Ties, one-report subjects: a subject printed by one report has no pair.
-- @materialized view
-- @key report_id_a, table_name_a, source_row_a, source_column_a, figure_index_a, report_id_b, table_name_b, source_row_b, source_column_b, figure_index_b
-- @table Pairs of figures of the same subject, measure, geography and period from two reports: same, consistent (rounded or qualified) or conflict, with both lineages. The rules (precision from the printed digits, the values each qualifier admits) head sql/marts/figure_reconciliation.sql.
-- @column subject_id: What the two figures are about: the canonical skill id, else the skill_key ('raw:' + the name or statement subject as printed).
-- @column subject_name: Display name of the subject.
-- @column subject_kind: skill, or statement (a prose finding about something other than a skill).
-- @column measure: Measure of both figures.
-- @column comparison: What both figures compare against (yoy, mom, ...); NULL when neither says.
-- @column geography: Geography of both figures; NULL when the reports give none.
-- @column period_start: First day of the period both figures describe.
-- @column period_end: Last day of the period both figures describe.
-- @column class: same, consistent or conflict (see the model header for the rules).
-- @column b_quotes_a: True when report b declares that it quotes report a (manifest quotes).
-- @column value_a: Anchor figure, in the measure's unit.
-- @column value_qualifier_a: Qualifier of the anchor figure: exact, at_least, at_most or approx.
-- @column rounding_unit_a: Precision the anchor's printed digits imply.
-- @column value_b: Other figure, in the measure's unit.
-- @column value_qualifier_b: Qualifier of the other figure.
-- @column rounding_unit_b: Precision the other figure's printed digits imply.
-- @column abs_diff: value_b - value_a.
-- @column rel_diff: abs_diff / |value_a|; NULL when value_a is 0.
-- @column report_id_a: Report of the anchor figure.
-- @column publisher_a: Publisher of the anchor figure.
-- @column table_name_a: Declared table of the anchor figure.
-- @column source_file_a: Raw file of the anchor figure.
-- @column source_row_a: Row (or line) of the anchor figure in its file.
-- @column source_column_a: Column header of the anchor figure's cell.
-- @column source_page_a: PDF page of the anchor figure; NULL for other formats.
-- @column figure_index_a: Position of the anchor figure in its cell or sentence.
-- @column source_span_a: The anchor figure's own words within source_text_a.
-- @column source_text_a: The anchor figure's cell or sentence as printed.
-- @column report_id_b: Report of the other figure.
-- @column publisher_b: Publisher of the other figure.
-- @column table_name_b: Declared table of the other figure.
-- @column source_file_b: Raw file of the other figure.
-- @column source_row_b: Row (or line) of the other figure in its file.
-- @column source_column_b: Column header of the other figure's cell.
-- @column source_page_b: PDF page of the other figure; NULL for other formats.
-- @column figure_index_b: Position of the other figure in its cell or sentence.
-- @column source_span_b: The other figure's own words within source_text_b.
-- @column source_text_b: The other figure's cell or sentence as printed.
WITH pairs AS (
    -- Every figure against its group's anchor and, when its report quotes another, against
    -- that report's figures: one join, linear in the figures.
    SELECT
        a.*,
        b.report_id AS b_report_id,
        b.publisher AS b_publisher,
        b.table_name AS b_table_name,
        b.source_file AS b_source_file,
        b.source_row AS b_source_row,
        b.source_column AS b_source_column,
        b.figure_index AS b_figure_index,
        b.source_page AS b_source_page,
        b.source_span AS b_source_span,
        b.source_text AS b_source_text,
        b.value AS b_value,
        b.value_qualifier AS b_value_qualifier,
        b.rounding_unit AS b_rounding_unit,
        b.quotes_report_id AS b_quotes_report_id
    FROM intermediate.figure_anchors AS a
    INNER JOIN intermediate.figures AS b
        ON
            a.subject_id = b.subject_id
            AND a.measure = b.measure
            AND a.comparison IS NOT DISTINCT FROM b.comparison
            AND a.geography IS NOT DISTINCT FROM b.geography
            AND a.period_start IS NOT DISTINCT FROM b.period_start
            AND a.period_end IS NOT DISTINCT FROM b.period_end
            AND a.report_id <> b.report_id
    WHERE a.is_anchor OR b.quotes_report_id = a.report_id
),

classified AS (
    SELECT
        p.*,
        coalesce(p.b_quotes_report_id = p.report_id, false) AS b_quotes_a,
        (
            p.b_value > p.value + ra.low_units * p.rounding_unit
            OR (ra.includes_low AND p.b_value = p.value + ra.low_units * p.rounding_unit)
        )
        AND (
            p.b_value < p.value + ra.high_units * p.rounding_unit
            OR (ra.includes_high AND p.b_value = p.value + ra.high_units * p.rounding_unit)
        ) AS a_admits_b,
        (
            p.value > p.b_value + rb.low_units * p.b_rounding_unit
            OR (rb.includes_low AND p.value = p.b_value + rb.low_units * p.b_rounding_unit)
        )
        AND (
            p.value < p.b_value + rb.high_units * p.b_rounding_unit
            OR (rb.includes_high AND p.value = p.b_value + rb.high_units * p.b_rounding_unit)
        ) AS b_admits_a
    FROM pairs AS p
    INNER JOIN intermediate.figure_rules AS ra ON p.value_qualifier = ra.value_qualifier
    INNER JOIN intermediate.figure_rules AS rb ON p.b_value_qualifier = rb.value_qualifier
)

SELECT
    subject_id,
    subject_name,
    subject_kind,
    measure,
    comparison,
    geography,
    period_start,
    period_end,
    CASE
        WHEN value = b_value AND value_qualifier = b_value_qualifier THEN 'same'
        WHEN a_admits_b OR b_admits_a THEN 'consistent'
        ELSE 'conflict'
    END AS class,
    b_quotes_a,
    value AS value_a,
    value_qualifier AS value_qualifier_a,
    rounding_unit AS rounding_unit_a,
    b_value AS value_b,
    b_value_qualifier AS value_qualifier_b,
    b_rounding_unit AS rounding_unit_b,
    b_value - value AS abs_diff,
    (b_value - value) / nullif(abs(value), 0) AS rel_diff,
    report_id AS report_id_a,
    publisher AS publisher_a,
    table_name AS table_name_a,
    source_file AS source_file_a,
    source_row AS source_row_a,
    source_column AS source_column_a,
    source_page AS source_page_a,
    figure_index AS figure_index_a,
    source_span AS source_span_a,
    source_text AS source_text_a,
    b_report_id AS report_id_b,
    b_publisher AS publisher_b,
    b_table_name AS table_name_b,
    b_source_file AS source_file_b,
    b_source_row AS source_row_b,
    b_source_column AS source_column_b,
    b_source_page AS source_page_b,
    b_figure_index AS figure_index_b,
    b_source_span AS source_span_b,
    b_source_text AS source_text_b
FROM classified
