-- A match is confirmed only when the matcher vouched for it: an alias or the normalized name,
-- with a canonical id. Fuzzy guesses, unmatched and excluded names are never confirmed.
-- @partitioned_by report_id
SELECT report_id, skill_raw, skill_id, match_method, confirmed
FROM marts.skill_name_matches
WHERE confirmed IS NULL
    OR (confirmed AND (skill_id IS NULL OR match_method NOT IN ('alias', 'normalized')))
