-- Every observation belongs to a report edition present in lake.reports.
-- @partitioned_by report_id
SELECT o.report_id, count(*) AS observations
FROM lake.observations AS o
ANTI JOIN lake.reports AS r ON r.report_id = o.report_id
GROUP BY o.report_id
