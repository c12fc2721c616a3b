"""Normalize stage: printed numbers, measures, periods and names -> typed observations with lineage."""
