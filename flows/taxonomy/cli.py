"""`skillpulse skills`: work the name review queue and edit the taxonomy and alias registry in data/reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from flows.errors import SkillpulseError
from flows.normalize.reference import KINDS
from flows.taxonomy.accept import accept_alias, proposal_impact
from flows.taxonomy.evaluate import (
    DEFAULT_PAIRS,
    evaluate,
    load_pairs,
    score,
    skill_ids_one_report_each,
)
from flows.taxonomy.importers import (
    ALT_LEFT_OUT,
    IMPORT_MIN_SCORE,
    esco_labels,
    import_esco,
    import_labels,
    import_onet,
    onet_labels,
)
from flows.taxonomy.registry import add_alias, add_category, add_skill
from flows.taxonomy.review import review_queue

skills_app = typer.Typer(name="skills", help=__doc__, no_args_is_help=True, add_completion=False)

DEFAULT_REFERENCE_DIR = Path("data/reference")
DEFAULT_WAREHOUSE_DIR = Path("data/warehouse")

ReferenceDirOption = Annotated[
    Path, typer.Option("--reference-dir", help="Folder of the taxonomy and alias CSVs.")
]
KindOption = Annotated[str, typer.Option("--kind", help="skill or category.")]
RawNameArgument = Annotated[str, typer.Argument(help="The raw name as published.")]
CanonicalIdArgument = Annotated[
    str,
    typer.Argument(
        metavar="SKILL_ID", help="The canonical skill_id (or category_id with --kind category)."
    ),
]


def _fail(exc: SkillpulseError) -> typer.Exit:
    Console(stderr=True).print(
        f"[red]skillpulse skills: {exc}[/red]", highlight=False, markup=True, soft_wrap=True
    )
    return typer.Exit(1)


def _check_kind(kind: str, allow_all: bool = False) -> tuple[str, ...]:
    if allow_all and kind == "all":
        return KINDS
    if kind not in KINDS:
        raise typer.BadParameter(
            f"{kind!r}: use {' or '.join(KINDS)}{' or all' if allow_all else ''}",
            param_hint="--kind",
        )
    return (kind,)


@skills_app.command("review")
def review(
    warehouse: Annotated[
        Path, typer.Option("--warehouse", help="Warehouse folder holding lake/observations.")
    ] = DEFAULT_WAREHOUSE_DIR,
    reference_dir: ReferenceDirOption = DEFAULT_REFERENCE_DIR,
    kind: Annotated[str, typer.Option("--kind", help="skill, category or all.")] = "all",
    threshold: Annotated[
        float | None,
        typer.Option("--threshold", help="Fuzzy threshold (0-100); default: the pipeline's."),
    ] = None,
    candidates: Annotated[
        int, typer.Option("--candidates", min=1, help="Candidates shown per name.")
    ] = 3,
    embeddings: Annotated[
        bool,
        typer.Option(
            "--embeddings/--no-embeddings",
            help="Rank candidates by meaning and list similar observed names (shipped model, ~1 s to load).",
        ),
    ] = True,
) -> None:
    """List unmatched, excluded and unconfirmed names seen in the lake, with candidates and scores."""
    try:
        queue = review_queue(
            warehouse,
            reference_dir,
            threshold=threshold,
            kinds=_check_kind(kind, allow_all=True),
            candidates=candidates,
            embeddings=embeddings,
        )
    except SkillpulseError as exc:
        raise _fail(exc) from exc
    console = Console()
    if queue.num_rows == 0:
        console.print(
            f"Nothing to review: every name in {warehouse / 'lake' / 'observations'} is matched and confirmed."
        )
        return
    console.print(_review_table(queue))
    console.print(
        'Confirm or correct with `skillpulse skills accept "NAME" ID` (--dry-run shows the reports and rows it '
        "changes; add --kind category for categories; `skills alias` only writes the alias), "
        'or create a skill with `skillpulse skills new "NAME" --category ID`; the next run applies it.',
        highlight=False,
    )


def _review_table(queue: pa.Table) -> Table:
    table = Table(title=f"Names to review ({queue.num_rows})")
    table.add_column("kind")
    table.add_column("name", ratio=2, overflow="fold")
    table.add_column("method (now)", ratio=2, overflow="fold")
    table.add_column("reports", justify="right")
    table.add_column("obs", justify="right")
    table.add_column("candidates (score)", ratio=3, no_wrap=True, overflow="ellipsis")
    table.add_column("similar names seen", ratio=3, no_wrap=True, overflow="ellipsis")
    for row in queue.to_pylist():
        table.add_row(
            row["kind"],
            row["name_raw"],
            _method_text(row),
            str(row["reports"]),
            str(row["observations"]),
            "\n".join(_candidate_text(c) for c in row["candidates"]) or "-",
            "\n".join(f"{s['name_raw']} ({s['similarity']:.2f})" for s in row["similar"]) or "-",
        )
    return table


def _candidate_text(candidate: dict) -> str:
    score = "-" if candidate["score"] is None else f"{candidate['score']:.1f}"
    meaning = "" if candidate["similarity"] is None else f", cos {candidate['similarity']:.2f}"
    return f"{candidate['canonical_id']} ({score}{meaning})"


def _method_text(row: dict) -> str:
    score = row["match_score"]
    if row["canonical_id"] is None or row["match_method"] == "unregistered":
        own = f": own id {row['canonical_id']}" if row["canonical_id"] else ""
        best = "" if score is None else f", best candidate {score:.1f}"
        return f"{row['match_method']}{own}{best}"
    scored = "" if score is None else f" ({score:.1f})"
    return f"{row['match_method']}, unconfirmed: {row['canonical_id']}{scored}"


@skills_app.command("alias")
def alias(
    name: RawNameArgument,
    canonical_id: CanonicalIdArgument,
    reference_dir: ReferenceDirOption = DEFAULT_REFERENCE_DIR,
    kind: KindOption = "skill",
) -> None:
    """Point NAME at an existing id in the alias registry (confirmed by you)."""
    try:
        row = add_alias(reference_dir, name, canonical_id, kind=_check_kind(kind)[0])
    except SkillpulseError as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"alias {row['alias']!r} -> {canonical_id} ({kind}, score {row['score']}) written to {reference_dir}"
    )


@skills_app.command("accept")
def accept(
    name: RawNameArgument,
    canonical_id: CanonicalIdArgument,
    raw: Annotated[str, typer.Option("--raw", help="Raw reports folder.")] = "data/raw",
    warehouse: Annotated[
        Path, typer.Option("--warehouse", help="Warehouse folder holding the lake.")
    ] = DEFAULT_WAREHOUSE_DIR,
    kind: KindOption = "skill",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show the reports and rows it would change.")
    ] = False,
    run: Annotated[
        bool,
        typer.Option("--run/--no-run", help="Rebuild the touched reports now (else: next run)."),
    ] = True,
    wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for the writer lock.")] = 0,
) -> None:
    """Accept a proposal: alias NAME to ID and rebuild only the reports whose names it changes."""
    from flows.config import Paths
    from flows.writer_lock import acquire_writer_lock

    paths = Paths.resolve(raw, warehouse)
    kinds = _check_kind(kind)
    try:
        if dry_run:
            impact = proposal_impact(paths.lake, paths.reference, name, canonical_id, kinds[0])
            Console().print(_impact_table(impact))
            return
        lock = acquire_writer_lock(paths, wait)
        try:
            done = accept_alias(paths, name, canonical_id, kinds[0])
            Console().print(_impact_table(done.impact))
            typer.echo(
                f"alias {done.alias['alias']!r} -> {canonical_id} written to {paths.reference}; "
                f"{len(done.reports)} report(s) to rebuild, {done.restamped} untouched"
            )
            if run and done.reports:
                from flows.pipeline import skillpulse_pipeline

                summary = skillpulse_pipeline(raw, str(warehouse), lock_held=True)
                typer.echo(
                    f"run: {summary['reports_ingested']} report(s) re-ingested, "
                    f"{summary['reports_unchanged']} unchanged, warehouse build "
                    f"{summary['warehouse_build']} ({summary['reports_refreshed']} refreshed)"
                )
        finally:
            lock.release()
    except SkillpulseError as exc:
        raise _fail(exc) from exc


def _impact_table(impact: pa.Table) -> Table:
    table = Table(title=f"Rows that change ({sum(impact['observations'].to_pylist())})")
    for column in ("report", "kind", "name", "rows", "id now", "id after"):
        table.add_column(column, overflow="fold", justify="right" if column == "rows" else "left")
    for row in impact.to_pylist():
        table.add_row(
            row["report_id"],
            row["kind"],
            row["name_raw"],
            str(row["observations"]),
            row["id_before"] or "-",
            row["id_after"] or "-",
        )
    return table


@skills_app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="The new skill's canonical name.")],
    category: Annotated[
        str, typer.Option("--category", help="Its category_id (or a known category name).")
    ],
    description: Annotated[
        str, typer.Option("--description", help="One sentence: what the skill is, and its source.")
    ] = "",
    skill_id: Annotated[
        str | None, typer.Option("--id", help="The skill_id; default: a slug of the name.")
    ] = None,
    esco_uri: Annotated[str, typer.Option("--esco-uri", help="ESCO concept URI, if known.")] = "",
    onet_code: Annotated[
        str, typer.Option("--onet-code", help="O*NET (UNSPSC) commodity code, if known.")
    ] = "",
    reference_dir: ReferenceDirOption = DEFAULT_REFERENCE_DIR,
) -> None:
    """Create a canonical skill; its name matches itself from the next run on."""
    try:
        new_id = add_skill(
            reference_dir, name, category, description, esco_uri, onet_code, skill_id
        )
    except SkillpulseError as exc:
        raise _fail(exc) from exc
    typer.echo(f"skill {new_id} ({name!r}) written to {reference_dir}")


@skills_app.command("new-category")
def new_category(
    name: Annotated[str, typer.Argument(help="The new category's canonical name.")],
    description: Annotated[
        str, typer.Option("--description", help="One sentence: what belongs in it.")
    ] = "",
    category_id: Annotated[
        str | None, typer.Option("--id", help="The category_id; default: a slug of the name.")
    ] = None,
    reference_dir: ReferenceDirOption = DEFAULT_REFERENCE_DIR,
) -> None:
    """Create a canonical category."""
    try:
        new_id = add_category(reference_dir, name, description, category_id)
    except SkillpulseError as exc:
        raise _fail(exc) from exc
    typer.echo(f"category {new_id} ({name!r}) written to {reference_dir}")


MinScoreOption = Annotated[
    float, typer.Option("--min-score", min=0, max=100, help="Lowest fuzzy score accepted.")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show what would be filled; write nothing.")
]


@skills_app.command("import-esco")
def import_esco_command(
    path: Annotated[
        Path, typer.Argument(help="ESCO skills CSV (conceptUri, preferredLabel, altLabels).")
    ],
    reference_dir: ReferenceDirOption = DEFAULT_REFERENCE_DIR,
    min_score: MinScoreOption = IMPORT_MIN_SCORE,
    alt_labels: Annotated[
        bool,
        typer.Option(
            "--alt-labels", help="Also match ESCO altLabels (off: see docs/harmonize.md)."
        ),
    ] = False,
    dry_run: DryRunOption = False,
) -> None:
    """Import ESCO labels as aliases with their concept URIs (external_labels.csv) and fill skills.esco_uri."""
    try:
        result = import_esco(
            reference_dir, path, min_score=min_score, use_alt_labels=alt_labels, dry_run=dry_run
        )
        labels = esco_labels(path, use_alt_labels=alt_labels)
        written = labels.num_rows if dry_run else import_labels(reference_dir, "esco", labels)
    except SkillpulseError as exc:
        raise _fail(exc) from exc
    _print_import(result, "ESCO")
    _print_labels(written, "ESCO", dry_run)
    left_out = (labels.schema.metadata or {}).get(ALT_LEFT_OUT.encode())
    if left_out:
        Console().print(
            f"left out {left_out.decode()} altLabels that share no word with their concept's "
            "preferredLabel (narrower terms and products; see docs/harmonize.md)",
            highlight=False,
        )


@skills_app.command("import-onet")
def import_onet_command(
    path: Annotated[Path, typer.Argument(help="O*NET 'Technology Skills.txt' (tab-separated).")],
    reference_dir: ReferenceDirOption = DEFAULT_REFERENCE_DIR,
    min_score: MinScoreOption = IMPORT_MIN_SCORE,
    dry_run: DryRunOption = False,
) -> None:
    """Import O*NET technology examples as aliases with their commodity codes and fill skills.onet_commodity_code."""
    try:
        result = import_onet(reference_dir, path, min_score=min_score, dry_run=dry_run)
        labels = onet_labels(path)
        written = labels.num_rows if dry_run else import_labels(reference_dir, "onet", labels)
    except SkillpulseError as exc:
        raise _fail(exc) from exc
    _print_import(result, "O*NET")
    _print_labels(written, "O*NET", dry_run)


def _print_labels(count: int, source: str, dry_run: bool) -> None:
    verb = "would import" if dry_run else "imported"
    Console().print(f"{verb} {count} {source} labels into external_labels.csv", highlight=False)


@skills_app.command("evaluate")
def evaluate_command(
    pairs: Annotated[
        Path, typer.Option("--pairs", help="Labelled pairs CSV (name_a, name_b, same, split).")
    ] = DEFAULT_PAIRS,
    reference_dir: ReferenceDirOption = DEFAULT_REFERENCE_DIR,
    errors: Annotated[bool, typer.Option("--errors", help="List every wrong pair.")] = False,
) -> None:
    """Precision and recall of skill ids across reports: each spelling of a pair harmonized in its own report."""
    try:
        outcomes = evaluate(
            load_pairs(pairs), lambda names: skill_ids_one_report_each(names, reference_dir)
        )
    except SkillpulseError as exc:
        raise _fail(exc) from exc
    console = Console()
    console.print(f"all      {score(outcomes).line()}", highlight=False)
    for split in ("dev", "holdout"):
        part = [o for o in outcomes if o.pair.get("split", "dev") == split]
        if part:
            console.print(f"{split:8} {score(part).line()}", highlight=False)
    for o in outcomes if errors else []:
        if o.predicted != o.actual:
            kind = "false merge" if o.predicted else "missed"
            console.print(
                f"  {kind}: {o.pair['name_a']!r} -> {o.id_a} | {o.pair['name_b']!r} -> {o.id_b}",
                highlight=False,
                markup=False,
            )


def _print_import(result: pa.Table, source: str) -> None:
    matched = [r for r in result.to_pylist() if r["action"] != "no match"]
    table = Table(title=f"{source} matches ({len(matched)} of {result.num_rows} skills)")
    for header in ("skill_id", "external id", "label", "method", "score", "action"):
        table.add_column(header, overflow="fold")
    for r in matched:
        table.add_row(
            r["skill_id"],
            r["external_id"] or "-",
            r["external_label"] or "-",
            r["match_method"],
            f"{r['match_score']:.1f}",
            r["action"],
        )
    Console().print(table)
