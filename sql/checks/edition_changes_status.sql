-- Every edition-over-edition status agrees with the ranks it describes: new skills have no
-- earlier rank, dropped skills no later one, and up/down/same follow the sign of rank_change.
SELECT series_id, report_id_before, report_id_after, table_name, skill_key, status, rank_before,
    rank_after, rank_change
FROM marts.edition_changes
WHERE status IS NULL
    OR (status = 'new') IS DISTINCT FROM (rank_before IS NULL AND rank_after IS NOT NULL)
    OR (status = 'dropped') IS DISTINCT FROM (rank_after IS NULL AND rank_before IS NOT NULL)
    OR (status = 'up' AND NOT rank_change > 0)
    OR (status = 'down' AND NOT rank_change < 0)
    OR (status = 'same' AND rank_change IS DISTINCT FROM 0)
