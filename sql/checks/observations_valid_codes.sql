-- Every observation has a known measure and value qualifier, and a value.
-- @partitioned_by report_id
SELECT report_id, table_name, source_file, source_row, source_column, measure, value_qualifier, value
FROM lake.observations
WHERE measure IS NULL
    OR measure NOT IN (SELECT measure FROM reference.measures)
    OR value_qualifier IS NULL
    OR value_qualifier NOT IN ('exact', 'at_least', 'at_most', 'approx')
    OR value IS NULL
    OR isnan(value)
    OR isinf(value)
