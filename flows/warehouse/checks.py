"""Run the data checks: every sql/checks/*.sql and a uniqueness check per model `@key`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from flows.errors import CheckFailed, ModelError
from flows.sqlutil import quote_ident
from flows.warehouse.models import (
    TRAILING_SEMICOLON,
    Model,
    among_reports,
    discover_models,
    parse_header,
    read_sql,
    referenced_tables,
    report_ranges,
    where,
)

CHECKS_DIR = "checks"
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: the offending row count and the first few offending rows."""

    name: str
    path: Path
    description: str
    rows: int
    columns: list[str] = field(default_factory=list)
    sample: list[tuple] = field(default_factory=list)
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the process's CPU time, DuckDB's threads included
    severity: str = "error"  # 'warn': listed in the run summary, never fails the run
    queries: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.rows == 0


def run_checks(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path,
    changed: list[str] | None = None,
    part_bounds: list[str] | None = None,
) -> list[CheckResult]:
    """Run every sql/checks/*.sql and a uniqueness check per model `@key`; raise CheckFailed
    listing each check that returned rows.

    Checks tagged `@partitioned_by`, and key checks of partitioned models, look only at the
    changed reports after an incremental build (the other rows passed before and did not
    change), and run range by range of `part_bounds` otherwise, as the models were built.
    Checks tagged `@involving` (rows that name several reports, such as pairs) look only at
    the rows naming a changed report after an incremental build, and at every row otherwise.
    A view's key is checked only when the view is partitioned: checking an unpartitioned view
    computes all of it (2.3 s of a 1M-row build for figure_reconciliation), while its key
    follows from the keys of what it reads, which are checked.
    """
    results = [
        _run_check(con, path, changed, part_bounds or [])
        for path in sorted((sql_dir / CHECKS_DIR).glob("*.sql"))
    ]
    results += [
        _run_key_check(con, model, changed, part_bounds or [])
        for model in discover_models(sql_dir)
        if model.key and (model.materialized == "table" or model.partitioned_by)
    ]
    failed = [r for r in results if not r.passed and r.severity == "error"]
    if failed:
        error = CheckFailed(_describe_failures(failed))
        error.results = results
        raise error
    return results


def _run_check(
    con: duckdb.DuckDBPyConnection, path: Path, changed: list[str] | None, bounds: list[str]
) -> CheckResult:
    text = TRAILING_SEMICOLON.sub("", read_sql(path))
    referenced_tables(con, text, path)  # one SELECT that parses, like a model
    header = parse_header(text)
    if header.involving and header.partitioned_by:
        raise ModelError(
            f"{path}: a check is either '-- @partitioned_by' (rows of one report) or "
            "'-- @involving' (rows naming several reports), not both; keep the one that fits"
        )
    if header.involving and changed is not None:
        scopes = involving_scopes(header.involving, changed)
    else:
        scopes = _scopes(header.partitioned_by, changed, bounds)
    queries = [where(text, scope) for scope in scopes]
    result = _check(con, path.stem, path, header.description, queries)
    return replace(result, severity=header.severity)


def involving_scopes(columns: tuple[str, ...], changed: list[str]) -> list[str]:
    """Conditions selecting the rows where any of `columns` names a changed report, one per
    column and disjoint (a row counts once): each holds a plain `column IN (...)` that DuckDB
    pushes down to the scan of that column's side, which one condition with OR would not."""
    scopes = []
    for index, column in enumerate(columns):
        earlier = [
            f"NOT coalesce({among_reports(other, changed)}, false)" for other in columns[:index]
        ]
        scopes.append(" AND ".join([among_reports(column, changed), *earlier]))
    return scopes


def _run_key_check(
    con: duckdb.DuckDBPyConnection, model: Model, changed: list[str] | None, bounds: list[str]
) -> CheckResult:
    key = ", ".join(quote_ident(column) for column in model.key)
    target = f"{quote_ident(model.schema)}.{quote_ident(model.table)}"
    # A partitioned model's key starts with the partition column, so its parts never share a key.
    scopes = _scopes(model.partitioned_by, changed, bounds)
    queries = [
        f"SELECT {key}, count(*) AS copies FROM {target} WHERE {scope} "
        "GROUP BY ALL HAVING count(*) > 1"
        for scope in scopes
    ]
    # Rows with equal keys have equal hashes, so as many distinct hashes as rows proves the keys
    # distinct; counting 8-byte hashes takes half the time of grouping the key's strings (10M
    # rows: 0.8 against 1.7 s). A collision only sends that scope to the exact grouping.
    proofs = [
        f"SELECT count(*) = count(DISTINCT hash({key})) FROM {target} WHERE {scope}"
        for scope in scopes
    ]
    description = (
        f"Every row of {model.name} has its own key ({', '.join(model.key)}); NULLs group together."
    )
    return _check(con, f"unique_key:{model.name}", model.path, description, queries, proofs)


def _scopes(column: str | None, changed: list[str] | None, bounds: list[str]) -> list[str]:
    """The conditions a check runs under: all rows, the changed reports, or range by range."""
    if column is None:
        return ["true"]
    if changed is not None:
        return [among_reports(column, changed)]
    return report_ranges(column, bounds)


def _check(
    con: duckdb.DuckDBPyConnection,
    name: str,
    path: Path,
    description: str,
    queries: list[str],
    proofs: list[str] | None = None,
) -> CheckResult:
    """Run a check's queries; `proofs` (one per query) are cheaper queries whose true result
    proves that query finds no rows, so it is skipped."""
    started, cpu = time.perf_counter(), time.process_time()
    rows, sample, columns = 0, [], []
    try:
        for query, proof in zip(queries, proofs or [None] * len(queries), strict=True):
            columns = con.sql(query).columns
            if proof and con.execute(proof).fetchall() == [(True,)]:
                continue
            # Counted in DuckDB, which then reads only the columns the filter needs; a warning
            # check can find a million rows, and only a few are shown.
            [(found,)] = con.sql(f"SELECT count(*) FROM (\n{query}\n)").fetchall()
            if found and len(sample) < SAMPLE_ROWS:
                sample += con.sql(f"{query}\nLIMIT {SAMPLE_ROWS - len(sample)}").fetchall()
            rows += found
    except duckdb.Error as exc:
        raise ModelError(f"{path}: check {name} failed to run: {exc}") from exc
    return CheckResult(
        name,
        path,
        description,
        rows,
        columns,
        sample,
        time.perf_counter() - started,
        time.process_time() - cpu,
        queries=queries,
    )


def offending_reports(con: duckdb.DuckDBPyConnection, failed: list[CheckResult]) -> set[str]:
    """The reports whose rows failed the checks; empty when a failed check does not name
    reports (reference data, a whole-warehouse problem): then nothing can be set aside."""
    if any("report_id" not in result.columns for result in failed):
        return set()
    reports: set[str] = set()
    for result in failed:
        for query in result.queries:
            rows = con.sql(f"SELECT DISTINCT report_id FROM ({query})").fetchall()
            reports |= {row[0] for row in rows}
    return reports - {None}


def _describe_failures(failed: list[CheckResult]) -> str:
    lines = [f"{len(failed)} check(s) failed:"]
    for result in failed:
        summary = result.description.splitlines()[0] if result.description else ""
        lines.append(
            f"- {result.name}: {result.rows} offending row(s) ({result.path}) {summary}".rstrip()
        )
        lines.append(f"    columns: {', '.join(result.columns)}")
        lines += [f"    {row!r}" for row in result.sample]
        if result.rows > len(result.sample):
            lines.append(f"    ... and {result.rows - len(result.sample)} more")
    return "\n".join(lines)
