-- Every observation carries its cell-level lineage: source_file, source_row and source_column.
-- @partitioned_by report_id
SELECT report_id, table_name, source_file, source_row, source_column, skill_raw, value
FROM lake.observations
WHERE source_file IS NULL OR trim(source_file) = ''
    OR source_row IS NULL
    OR source_column IS NULL OR trim(source_column) = ''
