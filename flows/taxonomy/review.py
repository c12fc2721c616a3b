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
from flows.taxonomy import similar as sim

# A candidate: `score` is the spelling score (token alignment, 0-100; null when only the embedding
# found it), `similarity` the cosine of the two names' embeddings (null with embeddings off).
REVIEW_CANDIDATE_TYPE = pa.struct([*CANDIDATE_TYPE, ("similarity", pa.float64())])
SIMILAR_TYPE = pa.struct(
    [("name_raw", pa.string()), ("canonical_id", pa.string()), ("similarity", pa.float64())]
)
# Names the embedding alone proposes (other observed names, registry entries the spelling score
# did not shortlist) are shown at or above this cosine. ESCO synonyms sit at 0.6-0.75 (`bring in
# tax` / `collect tax` 0.71, `security dangers` / `security threat` 0.69); unrelated names below 0.3.
SIMILAR_FLOOR = 0.5
# Registry keys compared per queued name by embedding (the spelling shortlist adds its own).
EMBEDDING_SHORTLIST = 50
# The queue is sorted most urgent first; beyond this many rows no similar names are looked up, so a
# lake of 100k unregistered names costs a bounded (rows x names) product.
MAX_SIMILAR_QUERIES = 5_000

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
        ("candidates", pa.list_(REVIEW_CANDIDATE_TYPE)),
        ("similar", pa.list_(SIMILAR_TYPE)),
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
    embeddings: bool = True,
) -> pa.Table:
    """Names a person should look at: unmatched, excluded and unconfirmed ones, with top candidates.

    Matching is redone against the registry as it is now, so a name aliased a minute ago leaves the
    queue before the next pipeline run applies it to the lake. With `embeddings`, candidates are
    ranked by meaning (`flows.taxonomy.similar`) and each row lists the observed names closest to it.
    """
    reference = load_reference(reference_dir)
    observed = observed_names(source)
    parts = [
        _review_kind(reference, observed, kind, threshold, candidates, embeddings) for kind in kinds
    ]
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
    reference: Reference,
    observed: pa.Table,
    kind: Kind,
    threshold: float | None,
    candidates: int,
    embeddings: bool,
) -> pa.Table:
    names = observed.filter(pc.equal(observed["kind"], kind))
    matched = harmonize_with(reference, names["name_raw"].to_pylist(), kind, threshold)
    ids = dict(zip(names["name_raw"].to_pylist(), matched["canonical_id"].to_pylist(), strict=True))
    rows = [
        {**m, "kind": kind, "reports": n["reports"], "observations": n["observations"]}
        for m, n in zip(matched.to_pylist(), names.to_pylist(), strict=True)
        if not m["confirmed"]
    ]
    rows.sort(key=lambda r: (METHOD_ORDER[r["match_method"]], -r["observations"], r["name_raw"]))
    queued = [row["name_raw"] for row in rows]
    if embeddings:
        ranked = _ranked_by_meaning(reference, kind, queued, candidates)
        near = _similar_names(queued[:MAX_SIMILAR_QUERIES], ids, candidates)
    else:
        ranked = [
            [{**c, "similarity": None} for c in candidates_for(reference, kind, name, candidates)]
            for name in queued
        ]
        near = []
    for i, row in enumerate(rows):
        row["candidates"] = ranked[i]
        row["similar"] = near[i] if i < len(near) else []
    return pa.Table.from_pylist(rows, schema=REVIEW_SCHEMA)


def _ranked_by_meaning(
    reference: Reference, kind: Kind, queued: list[str], limit: int
) -> list[list[dict[str, object]]]:
    """Registry candidates ordered by embedding cosine: the spelling shortlist plus the nearest keys."""
    index = reference.index(kind)
    keys, key_ids = index.review_keys, index.review_ids
    near = sim.nearest(queued, keys, min(EMBEDDING_SHORTLIST, len(keys)), skip_self=False)
    keys_of: dict[str, list[str]] = {}
    for key, cid in zip(keys, key_ids, strict=True):
        keys_of.setdefault(cid, []).append(key)
    out = []
    for name, hits in zip(queued, near, strict=True):
        cosine: dict[str, float] = {}
        for position, value in hits:
            cosine[key_ids[position]] = max(value, cosine.get(key_ids[position], -1.0))
        spelled = {
            c["canonical_id"]: c["score"] for c in candidates_for(reference, kind, name, limit)
        }
        for cid in spelled.keys() - cosine.keys():
            # A spelling candidate outside the embedding shortlist: its best key's cosine.
            cosine[cid] = float((sim.embed(keys_of[cid]) @ sim.embed([name])[0]).max())
        shown = [cid for cid in cosine if cid in spelled or cosine[cid] >= SIMILAR_FLOOR]
        best = sorted(shown, key=lambda cid: (-cosine[cid], cid))[:limit]
        out.append(
            [
                {
                    "canonical_id": cid,
                    "canonical_name": index.names[cid],
                    "score": spelled.get(cid),
                    "similarity": cosine[cid],
                }
                for cid in best
            ]
        )
    return out


def _similar_names(
    queued: list[str], ids: dict[str, str | None], limit: int
) -> list[list[dict[str, object]]]:
    """The observed names closest in meaning to each queued one, those with another id only."""
    pool = list(ids)
    near = sim.nearest(queued, pool, limit * 3, floor=SIMILAR_FLOOR)
    return [
        [
            {"name_raw": pool[p], "canonical_id": ids[pool[p]], "similarity": value}
            for p, value in hits
            if ids[pool[p]] is None or ids[pool[p]] != ids[name]
        ][:limit]
        for name, hits in zip(queued, near, strict=True)
    ]
