-- One published number per raw cell and figure: no two observations share report, table, row,
-- column (prose: the sentence) and figure_index.
-- @partitioned_by report_id
SELECT report_id, table_name, source_row, source_column, figure_index, count(*) AS copies
FROM lake.observations
GROUP BY report_id, table_name, source_row, source_column, figure_index
HAVING count(*) > 1
