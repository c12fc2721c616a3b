-- One published number per raw cell: no two observations share report, table, row and column.
-- @partitioned_by report_id
SELECT report_id, table_name, source_row, source_column, count(*) AS copies
FROM lake.observations
GROUP BY report_id, table_name, source_row, source_column
HAVING count(*) > 1
