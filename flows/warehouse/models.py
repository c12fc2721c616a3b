"""Run the SQL models in sql/ in dependency order, document every column, then run sql/checks."""

from __future__ import annotations

import graphlib
import itertools
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from flows.errors import ModelError
from flows.sqlutil import quote_ident, quote_literal

MODEL_SCHEMAS = ("staging", "intermediate", "marts")

MATERIALIZATIONS = ("table", "view")
MERGE_DIR = "merge"

_TABLE_TAG = re.compile(r"^@table\s+(?P<text>.+)$")
_COLUMN_TAG = re.compile(r"^@column\s+(?P<name>[^:]+?)\s*:\s*(?P<text>.+)$")
_MATERIALIZED_TAG = re.compile(r"^@materialized\s+(?P<kind>\S+)\s*$")
TRAILING_SEMICOLON = re.compile(r";\s*\Z")
_PARTITIONED_TAG = re.compile(r"^@partitioned_by\s+(?P<column>\w+)\s*$")
_GROUPED_TAG = re.compile(r"^@grouped_by\s+(?P<column>\w+)\s*$")
_KEY_TAG = re.compile(r"^@key\s+(?P<columns>\w+(?:\s*,\s*\w+)*)\s*$")
_SEVERITY_TAG = re.compile(r"^@severity\s+(?P<level>error|warn)\s*$")
_INVOLVING_TAG = re.compile(r"^@involving\s+(?P<columns>\w+(?:\s*,\s*\w+)*)\s*$")
# A tag's text continues on following comment lines indented by two or more spaces after "--".
_CONTINUATION = re.compile(r"^--\s{2,}(?P<text>\S.*)$")

_EXISTING_KIND = """
SELECT 'TABLE' FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = $schema AND table_name = $table
UNION ALL
SELECT 'VIEW' FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = $schema AND view_name = $table
"""


@dataclass(frozen=True)
class Model:
    """One sql/<schema>/<table>.sql file: its SELECT, its documentation and the models it reads."""

    schema: str
    table: str
    path: Path
    sql: str
    description: str
    table_comment: str | None
    column_comments: dict[str, str]
    depends_on: frozenset[str]
    materialized: str = "table"
    # Set when each report's rows depend only on that report's upstream rows: a run that changed
    # a few reports replaces just their rows instead of rebuilding the table.
    partitioned_by: str | None = None
    # Columns that identify a row: checked unique after every build, and the order tables are
    # stored (and exported) in.
    key: tuple[str, ...] = ()
    # Set when each row depends only on the rows of the (partitioned) models it reads that hold
    # the same value of this column: a run that changed a few reports rebuilds just the values
    # their rows held before and after (a skill's consensus over every report listing it).
    grouped_by: str | None = None
    # A grouped model's sql/merge/<schema>.<table>.sql: the rows of the touched groups it can
    # settle from the table's old rows and the changed reports' rows (see flows/warehouse/grouped.py).
    merge_sql: str | None = None
    # Set on a table whose rows each name reports in these columns (a pair of reports) and depend
    # only on those reports' rows: with its merge query, a run that changed a few reports replaces
    # just the rows naming them.
    involving: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


@dataclass(frozen=True)
class BuiltModel:
    name: str
    path: Path
    rows: int | None  # None for a view: counting would run its query
    seconds: float
    materialized: str = "table"
    cpu_seconds: float = 0.0  # the process's CPU time, DuckDB's threads included
    how: str = "full"  # full, partitions (the changed reports' rows) or groups (see @grouped_by)


@dataclass(frozen=True)
class BuildResult:
    models: list[BuiltModel]
    seconds: float

    @property
    def row_counts(self) -> dict[str, int]:
        return {model.name: model.rows for model in self.models if model.rows is not None}


@dataclass(frozen=True)
class _Header:
    description: str
    table_comment: str | None
    column_comments: dict[str, str]
    materialized: str = "table"
    partitioned_by: str | None = None
    key: tuple[str, ...] = ()
    grouped_by: str | None = None
    severity: str = "error"  # checks only: 'warn' reports its rows without failing the run
    # Checks only: columns naming the reports a row involves (a pair's two reports); after an
    # incremental build only rows involving a changed report are looked at.
    involving: tuple[str, ...] = ()


def discover_models(sql_dir: Path) -> list[Model]:
    """Every sql/<schema>/<table>.sql model, parsed, in dependency order."""
    if not sql_dir.is_dir():
        raise ModelError(
            f"{sql_dir}: no such folder; point the runner at the project's sql/ folder"
        )
    with duckdb.connect() as parser:
        models = [
            _parse_model(parser, path, schema)
            for schema in MODEL_SCHEMAS
            for path in sorted((sql_dir / schema).glob("*.sql"))
        ]
    return _in_dependency_order(models)


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the tables in the marts schema of the current database, sorted."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name = 'marts' ORDER BY table_name"
    ).fetchall()
    return [name for (name,) in rows]


def _parse_model(parser: duckdb.DuckDBPyConnection, path: Path, schema: str) -> Model:
    text = read_sql(path)
    header = parse_header(text)
    references = referenced_tables(parser, text, path)
    if header.materialized not in MATERIALIZATIONS:
        raise ModelError(
            f"{path}: '-- @materialized {header.materialized}' is not one of {', '.join(MATERIALIZATIONS)}"
        )
    if header.partitioned_by and header.key and header.key[0] != header.partitioned_by:
        # Built range by range of the partition column, the table is in key order only if the
        # key sorts by that column first.
        raise ModelError(
            f"{path}: '-- @key {', '.join(header.key)}' must start with the partition column "
            f"{header.partitioned_by!r} of '-- @partitioned_by'; list it first"
        )
    if header.grouped_by and (header.partitioned_by or header.materialized != "table"):
        raise ModelError(
            f"{path}: '-- @grouped_by' is for a table that is not '-- @partitioned_by' (a view is "
            "computed when read, a partitioned table is refreshed by report); drop one tag"
        )
    merge_path = path.parent.parent / MERGE_DIR / f"{schema}.{path.stem}.sql"
    merge_sql = TRAILING_SEMICOLON.sub("", read_sql(merge_path)) if merge_path.exists() else None
    if merge_sql and not (header.grouped_by or header.involving):
        raise ModelError(
            f"{merge_path}: a merge query is for a '-- @grouped_by' or '-- @involving' model; "
            f"{path} is neither"
        )
    if header.involving and not (merge_sql and header.materialized == "table"):
        raise ModelError(
            f"{path}: '-- @involving' on a model is for a table with a merge query {merge_path}"
        )
    return Model(
        schema=schema,
        table=path.stem,
        path=path,
        sql=TRAILING_SEMICOLON.sub("", text),
        description=header.description,
        table_comment=header.table_comment,
        column_comments=header.column_comments,
        depends_on=frozenset(ref for ref in references if ref.split(".")[0] in MODEL_SCHEMAS),
        materialized=header.materialized,
        partitioned_by=header.partitioned_by,
        key=header.key,
        grouped_by=header.grouped_by,
        merge_sql=merge_sql,
        involving=header.involving,
    )


def read_sql(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: cannot read the SQL file: {exc}") from exc


def parse_header(text: str) -> _Header:
    """Read the leading `--` comment block: prose, then `@table <text>`, `@column <name>: <text>`,
    `@materialized table|view`, `@partitioned_by`, `@grouped_by`, `@key`, and (checks)
    `@severity`, `@involving`."""
    prose: list[str] = []
    table_comment: str | None = None
    materialized = "table"
    partitioned_by: str | None = None
    grouped_by: str | None = None
    key: tuple[str, ...] = ()
    severity = "error"
    involving: tuple[str, ...] = ()
    columns: dict[str, str] = {}
    current: tuple[str, str] | None = None  # ("table", "") or ("column", name) being continued
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            current = None
            continue
        if not stripped.startswith("--"):
            break
        continuation = _CONTINUATION.match(stripped)
        if current is not None and continuation:
            addition = " " + continuation["text"].strip()
            if current[0] == "table":
                table_comment = (table_comment or "") + addition
            else:
                columns[current[1]] += addition
            continue
        body = stripped[2:].strip()
        if table_tag := _TABLE_TAG.match(body):
            table_comment = table_tag["text"].strip()
            current = ("table", "")
        elif materialized_tag := _MATERIALIZED_TAG.match(body):
            materialized = materialized_tag["kind"]
            current = None
        elif partitioned_tag := _PARTITIONED_TAG.match(body):
            partitioned_by = partitioned_tag["column"]
            current = None
        elif grouped_tag := _GROUPED_TAG.match(body):
            grouped_by = grouped_tag["column"]
            current = None
        elif key_tag := _KEY_TAG.match(body):
            key = tuple(column.strip() for column in key_tag["columns"].split(","))
            current = None
        elif severity_tag := _SEVERITY_TAG.match(body):
            severity = severity_tag["level"]
            current = None
        elif involving_tag := _INVOLVING_TAG.match(body):
            involving = tuple(column.strip() for column in involving_tag["columns"].split(","))
            current = None
        elif column_tag := _COLUMN_TAG.match(body):
            columns[column_tag["name"].strip()] = column_tag["text"].strip()
            current = ("column", column_tag["name"].strip())
        else:
            prose.append(body)
            current = None
    return _Header(
        "\n".join(prose).strip(),
        table_comment,
        columns,
        materialized,
        partitioned_by,
        key,
        grouped_by,
        severity,
        involving,
    )


def referenced_tables(parser: duckdb.DuckDBPyConnection, text: str, path: Path) -> set[str]:
    """`schema.table` names the query reads, from DuckDB's own parser (comments and strings ignored)."""
    [(serialized,)] = parser.execute(
        "SELECT json_serialize_sql($sql::VARCHAR)", {"sql": text}
    ).fetchall()
    tree = json.loads(serialized)
    if tree.get("error"):
        raise ModelError(f"{path}: {_parse_problem(tree, text)}")
    if len(tree["statements"]) != 1:
        raise ModelError(
            f"{path}: holds {len(tree['statements'])} statements; a model or check file holds one SELECT "
            "(CTEs allowed), so split it into one file per table"
        )
    return {f"{schema}.{table}".lower() for schema, table in _base_tables(tree) if schema}


def _parse_problem(tree: dict, text: str) -> str:
    message = tree.get("error_message", "cannot parse the SQL")
    if tree.get("error_type") == "not implemented":
        return (
            f"{message} The file must hold one SELECT (CTEs allowed); the runner adds CREATE TABLE."
        )
    position = tree.get("position")
    if position is not None and str(position).isdigit():
        line = text.count("\n", 0, int(position)) + 1
        return f"line {line}: {message}"
    return message


def _base_tables(node: object) -> list[tuple[str, str]]:
    if isinstance(node, list):
        return [ref for item in node for ref in _base_tables(item)]
    if not isinstance(node, dict):
        return []
    found = [(node["schema_name"], node["table_name"])] if node.get("type") == "BASE_TABLE" else []
    return found + [ref for value in node.values() for ref in _base_tables(value)]


def _in_dependency_order(models: list[Model]) -> list[Model]:
    by_name = {model.name.lower(): model for model in models}
    for model in models:
        unknown = sorted(ref for ref in model.depends_on if ref not in by_name)
        if unknown:
            raise ModelError(
                f"{model.path}: reads {', '.join(unknown)}, which no model builds; add "
                f"sql/<schema>/<table>.sql for it or fix the name (models: {', '.join(sorted(by_name))})"
            )
    for model in models:
        if model.grouped_by:
            _check_grouped_inputs(model, by_name)
    sorter = graphlib.TopologicalSorter({name: model.depends_on for name, model in by_name.items()})
    try:
        order = list(sorter.static_order())
    except graphlib.CycleError as exc:
        files = " -> ".join(str(by_name[name].path) for name in exc.args[1])
        raise ModelError(
            f"models depend on each other in a cycle: {files}; break the cycle"
        ) from exc
    return [by_name[name] for name in order]


def _check_grouped_inputs(model: Model, by_name: dict[str, Model]) -> None:
    """A grouped model is refreshed from the rows of the changed reports in what it reads, so it
    may read only partitioned models (whose other reports' rows did not change)."""
    whole = sorted(name for name in model.depends_on if not by_name[name].partitioned_by)
    if whole:
        raise ModelError(
            f"{model.path}: '-- @grouped_by {model.grouped_by}' reads {', '.join(whole)}, which "
            "is not '-- @partitioned_by': a grouped model may read only partitioned models "
            "(join what else it needs in one of them, or drop the tag)"
        )


def build_model(con: duckdb.DuckDBPyConnection, model: Model, part_bounds: list[str]) -> BuiltModel:
    started = time.perf_counter()
    target = f"{quote_ident(model.schema)}.{quote_ident(model.table)}"
    try:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(model.schema)}")
        _drop_other_kind(con, model, target)
        if model.materialized == "view":
            con.execute(f"CREATE OR REPLACE VIEW {target} AS\n{model.sql}")
        else:
            first, *rest = _parts(model, part_bounds)
            con.execute(f"CREATE OR REPLACE TABLE {target} AS\n{in_key_order(model, first)}")
            for part in rest:
                con.execute(f"INSERT INTO {target} BY NAME {in_key_order(model, part)}")
    except duckdb.Error as exc:
        raise ModelError(f"{model.path}: building {model.name} failed: {exc}") from exc
    _check_documented(con, model)
    _comment(con, model, target)
    rows = None
    if model.materialized == "table":
        [(rows,)] = con.execute(f"SELECT count(*) FROM {target}").fetchall()
    return BuiltModel(
        model.name, model.path, rows, time.perf_counter() - started, model.materialized
    )


def _parts(model: Model, bounds: list[str]) -> list[str]:
    """The model's query, or for a partitioned table one query per range of the partition column."""
    if not model.partitioned_by or not bounds:
        return [model.sql]
    return [where(model.sql, part) for part in report_ranges(model.partitioned_by, bounds)]


def split_bounds(counts: list[tuple[str, int]], rows_per_part: int) -> list[str]:
    """Values at which a new part starts, for (value, rows) pairs in sorted order: parts of about
    `rows_per_part` rows, a value never split across two parts."""
    bounds: list[str] = []
    rows = 0
    for value, count in counts:
        if rows >= rows_per_part:
            bounds.append(value)
            rows = 0
        rows += count
    return bounds


def report_ranges(column: str, bounds: list[str]) -> list[str]:
    """Conditions splitting `column` at the bounds: [..., b1), [b1, b2), ..., [bn, ...] and NULL,
    so every row meets exactly one, and the ranges follow key order (NULLs sort last)."""
    if not bounds:
        return ["true"]
    name = quote_ident(column)
    edges = [quote_literal(bound) for bound in bounds]
    ranges = [f"{name} < {edges[0]}"]
    ranges += [f"{name} >= {low} AND {name} < {high}" for low, high in itertools.pairwise(edges)]
    ranges.append(f"{name} >= {edges[-1]} OR {name} IS NULL")
    return ranges


def where(query: str, condition: str) -> str:
    return f"SELECT * FROM (\n{query}\n) WHERE {condition}"


def refresh_partitions(
    con: duckdb.DuckDBPyConnection, model: Model, changed: list[str]
) -> BuiltModel:
    """Delete the changed reports' rows, then insert the model's rows for them (DuckDB pushes the
    filter down to the scans, so the work is proportional to the changed reports)."""
    started = time.perf_counter()
    target = f"{quote_ident(model.schema)}.{quote_ident(model.table)}"
    among = among_reports(model.partitioned_by, changed)
    try:
        con.execute(f"DELETE FROM {target} WHERE {among}")
        changed_rows = where(model.sql, among)
        con.execute(f"INSERT INTO {target} BY NAME {in_key_order(model, changed_rows)}")
    except duckdb.Error as exc:
        raise ModelError(
            f"{model.path}: refreshing {model.name} for {len(changed)} changed report(s) failed: {exc}"
        ) from exc
    [(rows,)] = con.execute(f"SELECT count(*) FROM {target}").fetchall()
    return BuiltModel(model.name, model.path, rows, time.perf_counter() - started, how="partitions")


def among_reports(column: str, reports: list[str]) -> str:
    """`column IN ('a', 'b')`: literals rather than a joined list, because the optimizer pushes a
    constant IN filter through GROUP BYs and windows down to the scans, and a join it does not."""
    literals = ", ".join(quote_literal(report) for report in reports) or "NULL"
    return f"{quote_ident(column)} IN ({literals})"


def in_key_order(model: Model, query: str) -> str:
    """Marts in key order (the order they are exported in); other tables by their key's first
    column only (the partition column), which keeps a report filter's zone maps tight: sorting
    skill_values by its whole six-column key cost 45% of its build, by report_id 12%."""
    if not model.key:
        return query
    columns = model.key if model.schema == "marts" else model.key[:1]
    key = ", ".join(quote_ident(column) for column in columns)
    return f"SELECT * FROM (\n{query}\n) ORDER BY {key}"


def _drop_other_kind(con: duckdb.DuckDBPyConnection, model: Model, target: str) -> None:
    """CREATE OR REPLACE cannot turn a table into a view or back, so drop the other kind first."""
    existing = con.execute(
        _EXISTING_KIND, {"schema": model.schema, "table": model.table}
    ).fetchall()
    for (kind,) in existing:
        if kind != model.materialized.upper():
            con.execute(f"DROP {kind} {target}")


def _output_columns(con: duckdb.DuckDBPyConnection, model: Model) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = $schema AND table_name = $table ORDER BY column_index",
        {"schema": model.schema, "table": model.table},
    ).fetchall()
    return [name for (name,) in rows]


def _check_documented(con: duckdb.DuckDBPyConnection, model: Model) -> None:
    columns = _output_columns(con, model)
    undocumented = [name for name in columns if name not in model.column_comments]
    unknown = [name for name in model.column_comments if name not in columns]
    problems = [
        f"column {name!r} has no '-- @column {name}: <comment>' line" for name in undocumented
    ]
    problems += [
        f"column {name!r} has an @column line but the query does not return it" for name in unknown
    ]
    if model.table_comment is None:
        problems.append("no '-- @table <comment>' line")
    if model.partitioned_by and model.partitioned_by not in columns:
        problems.append(
            f"'-- @partitioned_by {model.partitioned_by}' names a column the query does not return"
        )
    problems += [
        f"'-- @key' names column {name!r}, which the query does not return"
        for name in model.key
        if name not in columns
    ]
    if problems:
        raise ModelError(
            f"{model.path}: {'; '.join(problems)} (columns returned: {', '.join(columns)})"
        )


def _comment(con: duckdb.DuckDBPyConnection, model: Model, target: str) -> None:
    # COMMENT ON takes no parameters; the texts come from the project's own SQL files.
    kind = model.materialized.upper()
    con.execute(f"COMMENT ON {kind} {target} IS {quote_literal(model.table_comment or '')}")
    for column, text in model.column_comments.items():
        con.execute(f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS {quote_literal(text)}")
