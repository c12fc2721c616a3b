-- Reports that print the same subject, measure, geography and period with figures neither of
-- which admits the other (marts.figure_reconciliation class 'conflict'). Publishers do
-- disagree: this is listed in the run summary, not a failure. After an incremental build it
-- lists the conflicts of pairs that involve a changed report (the others were listed before).
-- @severity warn
-- @involving report_id_a, report_id_b
SELECT subject_id, measure, report_id_a, value_a, value_qualifier_a, report_id_b, value_b,
    value_qualifier_b, abs_diff
FROM marts.figure_reconciliation
WHERE class = 'conflict'
