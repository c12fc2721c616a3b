"""The name review queue: names observed in the lake that matched by guess or not at all, most urgent first."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from flows.errors import TaxonomyError
from flows.lake import REPORTS_FILE, read_current_observations
from flows.normalize.names import (
    CANDIDATE_TYPE,
    Reference,
    candidates_for,
    harmonize_with,
    load_reference,
)
from flows.normalize.reference import KINDS, Kind

REVIEW_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("name_raw", pa.string()),
        ("match_method", pa.string()),
        ("canonical_id", pa.string()),
        ("canonical_name", pa.string()),
        ("match_score", pa.float64()),
        ("confirmed", pa.bool_()),
        ("reports", pa.int64()),
        ("observations", pa.int64()),
        ("candidates", pa.list_(CANDIDATE_TYPE)),
    ]
)
OBSERVED_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("name_raw", pa.string()),
        ("reports", pa.int64()),
        ("observations", pa.int64()),
    ]
)


# ---------------------------------------------------------------------------------------------
# Review queue

OBSERVED_SQL = """
SELECT kind, name_raw, count(DISTINCT report_id) AS reports, count(*) AS observations
FROM (
    SELECT 'skill' AS kind, skill_raw AS name_raw, report_id FROM observed WHERE skill_raw IS NOT NULL
    UNION ALL
    SELECT 'category' AS kind, category_raw AS name_raw, report_id FROM observed WHERE category_raw IS NOT NULL
)
WHERE trim(name_raw) <> ''
GROUP BY kind, name_raw
ORDER BY kind, name_raw
"""


def observed_names(source: pa.Table | Path) -> pa.Table:
    """Distinct raw skill and category names with how many reports and observations use them.

    `source` is a warehouse folder (its lake/observations/**/*.parquet are read) or a table with
    the lake's report_id, skill_raw and category_raw columns.
    """
    con = duckdb.connect()
    try:
        if isinstance(source, pa.Table):
            con.register("observed", source.select(["report_id", "skill_raw", "category_raw"]))
        elif (Path(source) / "lake" / REPORTS_FILE).exists():
            # A batch file also holds superseded rows of reports written again since: read the
            # current ones through the lake's report -> file map.
            columns = ["report_id", "skill_raw", "category_raw"]
            con.register("observed", read_current_observations(Path(source) / "lake", columns))
        else:
            files = sorted((Path(source) / "lake" / "observations").glob("**/*.parquet"))
            if not files:
                return OBSERVED_SCHEMA.empty_table()
            con.read_parquet([str(f) for f in files], union_by_name=True).create_view("observed")
        return con.sql(OBSERVED_SQL).to_arrow_table().cast(OBSERVED_SCHEMA)
    except (duckdb.Error, KeyError) as exc:
        raise TaxonomyError(
            f"cannot read observed names from {source if isinstance(source, Path) else 'the table'}: {exc}"
        ) from exc
    finally:
        con.close()


def review_queue(
    source: pa.Table | Path,
    reference_dir: Path,
    threshold: float | None = None,
    kinds: Sequence[Kind] = KINDS,
    candidates: int = 3,
) -> pa.Table:
    """Names a person should look at: unmatched, excluded and unconfirmed ones, with top candidates.

    Matching is redone against the registry as it is now, so a name aliased a minute ago leaves the
    queue before the next pipeline run applies it to the lake.
    """
    reference = load_reference(reference_dir)
    observed = observed_names(source)
    parts = [_review_kind(reference, observed, kind, threshold, candidates) for kind in kinds]
    return pa.concat_tables(parts) if parts else REVIEW_SCHEMA.empty_table()


# Most urgent first: nothing matched, then umbrella terms, then names nobody registered, then
# merges the matcher made by itself (with their score), then imported and seed aliases to confirm.
METHOD_ORDER = {
    m: i
    for i, m in enumerate(
        (
            "unmatched",
            "excluded",
            "unregistered",
            "fuzzy",
            "derived",
            "imported",
            "normalized",
            "alias",
        )
    )
}


def _review_kind(
    reference: Reference, observed: pa.Table, kind: Kind, threshold: float | None, candidates: int
) -> pa.Table:
    names = observed.filter(pc.equal(observed["kind"], kind))
    matched = harmonize_with(reference, names["name_raw"].to_pylist(), kind, threshold)
    rows = [
        {**m, "kind": kind, "reports": n["reports"], "observations": n["observations"]}
        for m, n in zip(matched.to_pylist(), names.to_pylist(), strict=True)
        if not m["confirmed"]
    ]
    rows.sort(key=lambda r: (METHOD_ORDER[r["match_method"]], -r["observations"], r["name_raw"]))
    for row in rows:
        row["candidates"] = candidates_for(reference, kind, row["name_raw"], candidates)
    return pa.Table.from_pylist(rows, schema=REVIEW_SCHEMA)
