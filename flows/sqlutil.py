"""Small helpers for building SQL safely: identifiers are quoted, values are always bound parameters."""

from __future__ import annotations


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB so that no name from a file can change the statement."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Quote a string literal, for the few statements (COMMENT ON) that take no parameters."""
    return "'" + text.replace("'", "''") + "'"
