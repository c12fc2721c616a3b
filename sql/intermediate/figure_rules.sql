-- Intermediate: how precisely a printed figure is meant, per value qualifier (the rules of
-- marts.figure_reconciliation, in one place for the models that read them).
--
-- Grain: one row per value qualifier. Key: value_qualifier.
-- zeros_from: a whole value this large is taken as rounded to its trailing zeros (a qualified
-- "nearly 40%" or "over 300%" from 10; an exact figure only from 1,000: 66,000 -> 1,000, but 40%
-- stays exact to 1).
-- admits: the values a printed figure v with rounding unit u admits run from v + low_units * u to
-- v + high_units * u, each end included when includes_low / includes_high: exact ->
-- [v - u/2, v + u/2) (the figure rounds to what was printed); at_least ("more than 66,000") ->
-- [v, v + u); at_most ("nearly 6,300") -> (v - u, v]; approx ("about 3x") -> [v - u, v + u].
-- Ties, missing values, one-skill reports, tiny bases: not relevant to rules.
-- @key value_qualifier
-- @table How precisely a printed figure is meant, per value qualifier: when trailing zeros are rounding, and the values it admits.
-- @column value_qualifier: exact, at_least, at_most or approx.
-- @column low_units: Lowest admitted value, in rounding units from the printed value.
-- @column high_units: Highest admitted value, in rounding units from the printed value.
-- @column includes_low: True when the lowest admitted value itself is admitted.
-- @column includes_high: True when the highest admitted value itself is admitted.
-- @column zeros_from: Whole values from this size on are rounded to their trailing zeros.
SELECT
    rules.value_qualifier,
    rules.low_units,
    rules.high_units,
    rules.includes_low,
    rules.includes_high,
    rules.zeros_from
FROM (
    VALUES
    ('exact', -0.5, 0.5, true, false, 1000),
    ('at_least', 0.0, 1.0, true, false, 10),
    ('at_most', -1.0, 0.0, false, true, 10),
    ('approx', -1.0, 1.0, true, true, 10)
) AS rules (value_qualifier, low_units, high_units, includes_low, includes_high, zeros_from)
