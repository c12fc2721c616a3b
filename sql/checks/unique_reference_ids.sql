-- The reference ids the models join on are unique. (Model keys are checked from their `-- @key`
-- tags by the runner.)
SELECT 'reference.skills' AS model, skill_id AS key_value, count(*) AS copies
FROM reference.skills
GROUP BY skill_id
HAVING count(*) > 1
UNION ALL
SELECT 'reference.categories', category_id, count(*)
FROM reference.categories
GROUP BY category_id
HAVING count(*) > 1
