"""Warehouse stage: load the lake into DuckDB, build the SQL models, run the checks, publish."""
