"""Accepting a review proposal: what it would change (reports, rows), then the alias, so the next run rebuilds only that."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from flows.config import DATABASE_NAME, Paths
from flows.errors import TaxonomyError
from flows.lake import (
    commit_reports,
    known_fingerprints,
    read_current_observations,
    read_reports,
)
from flows.normalize.names import Reference, harmonize_with, load_reference
from flows.normalize.reference import KINDS, Kind
from flows.raw import discover as discovery
from flows.taxonomy.registry import add_alias
from flows.taxonomy.review import observed_names
from flows.warehouse.database import discard, temp_database

IMPACT_SCHEMA = pa.schema(
    [
        ("report_id", pa.string()),
        ("kind", pa.string()),
        ("name_raw", pa.string()),
        ("observations", pa.int64()),
        ("id_before", pa.string()),
        ("id_after", pa.string()),
    ]
)
CHANGED_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("name_raw", pa.string()),
        ("id_before", pa.string()),
        ("id_after", pa.string()),
    ]
)

# Rows per report of the names whose harmonized row changes.
IMPACT_SQL = """
SELECT o.report_id, c.kind, c.name_raw, count(*) AS observations, c.id_before, c.id_after
FROM (
    SELECT report_id, 'skill' AS kind, skill_raw AS name_raw FROM observed WHERE skill_raw IS NOT NULL
    UNION ALL
    SELECT report_id, 'category' AS kind, category_raw AS name_raw FROM observed WHERE category_raw IS NOT NULL
) AS o
JOIN changed AS c USING (kind, name_raw)
GROUP BY ALL
ORDER BY o.report_id, c.kind, c.name_raw
"""


@dataclass(frozen=True)
class Accepted:
    """What accepting a proposal wrote and what the next run rebuilds."""

    alias: dict[str, str]
    impact: pa.Table  # IMPACT_SCHEMA: the reports and rows whose names now resolve differently
    reports: list[str]  # the reports the next run re-ingests (only these)
    restamped: int  # reports the alias does not touch, marked current under the new registry


def changed_names(before: Reference, after: Reference, observed: pa.Table) -> pa.Table:
    """(kind, name_raw) of the observed names whose harmonized row differs between two registries."""
    rows: list[dict[str, str | None]] = []
    for kind in KINDS:
        names = observed.filter(pc.equal(observed["kind"], kind))["name_raw"].to_pylist()
        old = harmonize_with(before, names, kind).to_pylist()
        new = harmonize_with(after, names, kind).to_pylist()
        rows += [
            {"kind": kind, "name_raw": a["name_raw"], "id_before": a["canonical_id"]}
            | {"id_after": b["canonical_id"]}
            for a, b in zip(old, new, strict=True)
            if a != b
        ]
    return pa.Table.from_pylist(rows, schema=CHANGED_SCHEMA)


def proposal_impact(
    lake: Path, reference_dir: Path, name: str, canonical_id: str, kind: Kind = "skill"
) -> pa.Table:
    """The reports and rows an alias NAME -> ID would change, without writing it (a trial copy of the registry)."""
    with tempfile.TemporaryDirectory(prefix="skillpulse-accept-") as tmp:
        trial = Path(tmp) / "reference"
        shutil.copytree(reference_dir, trial)
        add_alias(trial, name, canonical_id, kind=kind)
        return impact_of(lake, load_reference(reference_dir), load_reference(trial))


def impact_of(lake: Path, before: Reference, after: Reference) -> pa.Table:
    """IMPACT_SCHEMA rows: per report, the names that resolve differently after the change and their row counts."""
    try:
        # Current rows only: a batch file also holds the superseded rows of reports written again.
        observed = read_current_observations(lake, ["report_id", "skill_raw", "category_raw"])
    except (duckdb.Error, OSError) as exc:
        raise TaxonomyError(f"cannot read the lake's observations under {lake}: {exc}") from exc
    if observed.num_rows == 0:
        return IMPACT_SCHEMA.empty_table()
    changed = changed_names(before, after, observed_names(observed))
    if changed.num_rows == 0:
        return IMPACT_SCHEMA.empty_table()
    with closing(duckdb.connect()) as con:
        con.register("observed", observed)
        con.register("changed", changed)
        return con.sql(IMPACT_SQL).to_arrow_table().cast(IMPACT_SCHEMA)


def accept_alias(paths: Paths, name: str, canonical_id: str, kind: Kind = "skill") -> Accepted:
    """Write the alias and leave only the reports it touches for the next run to re-ingest.

    Every report's lake fingerprint covers the whole registry, so any edit would otherwise
    re-ingest them all. Reports none of whose names resolve differently hold exactly the rows a
    re-ingest would write, so their fingerprints are moved to the new registry; the touched ones
    keep the old fingerprint and the next run re-ingests just them, and the warehouse replaces
    just their rows (its incremental build). The caller holds the writer lock.
    """
    if paths.lake_url or paths.raw_url:
        raise TaxonomyError(
            "accepting with rebuild works on a local raw folder and lake; "
            "use `skillpulse skills alias` and a full run for object storage"
        )
    known = known_fingerprints(paths.lake)
    current = _fingerprints(paths)  # under the registry as it is now
    up_to_date = {rid for rid, fp in current.items() if known.get(rid) == fp}
    before = load_reference(paths.reference)
    row = add_alias(paths.reference, name, canonical_id, kind=kind)
    impact = impact_of(paths.lake, before, load_reference(paths.reference))
    touched = set(impact["report_id"].to_pylist())
    fresh = _fingerprints(paths)  # the same reports under the new registry
    restamp = {rid: fresh[rid] for rid in up_to_date - touched if rid in fresh}
    if restamp:
        _restamp_lake(paths.lake, restamp)
        _restamp_published(paths.warehouse, restamp)
    rebuilt = sorted(rid for rid in known if rid not in restamp)
    return Accepted(row, impact, rebuilt, len(restamp))


def _restamp_lake(lake: Path, stamps: dict[str, str]) -> None:
    reports = read_reports(lake)
    old = reports["input_fingerprint"].to_pylist()
    new = [
        stamps.get(rid, fp) for rid, fp in zip(reports["report_id"].to_pylist(), old, strict=True)
    ]
    column = reports.schema.get_field_index("input_fingerprint")
    commit_reports(
        lake, reports.set_column(column, "input_fingerprint", pa.array(new, pa.string()))
    )


RESTAMP_SQL = """
UPDATE lake.reports AS r SET input_fingerprint = s.input_fingerprint
FROM stamps AS s WHERE r.report_id = s.report_id
"""


def _restamp_published(warehouse: Path, stamps: dict[str, str]) -> None:
    """The published database's copy of the commit record gets the same fingerprints.

    The warehouse's incremental load replaces the reports whose commit row changed; without this
    every re-stamped report would count as changed. A copy is edited and renamed in, as a run
    publishes, so open readers keep the old file. Killed before the rename, the next run only
    loads the warehouse in full.
    """
    published = warehouse / DATABASE_NAME
    if not published.exists():
        return
    draft = temp_database(warehouse)
    try:
        shutil.copyfile(published, draft)
        with closing(duckdb.connect(str(draft))) as con:
            con.register(
                "stamps",
                pa.table(
                    {
                        "report_id": pa.array(list(stamps), pa.string()),
                        "input_fingerprint": pa.array(list(stamps.values()), pa.string()),
                    }
                ),
            )
            con.execute(RESTAMP_SQL)
            con.execute("CHECKPOINT")  # all in the file before it is renamed in
        os.replace(draft, published)
    except duckdb.Error as exc:
        raise TaxonomyError(f"cannot update the commit record in {published}: {exc}") from exc
    finally:
        discard(draft)


def _fingerprints(paths: Paths) -> dict[str, str]:
    plan = discovery.discover(paths.raw, discovery.reference_fingerprint(paths.reference), {})
    return {source.report_id: source.fingerprint for source in plan.changed}
