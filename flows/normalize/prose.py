"""A prose table -> observations (one per figure, with its subject), claims, and quarantine rows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from flows.errors import ExtractError
from flows.extract.common import check_file_size, decoded_text, read_bytes, utf8
from flows.extract.pdf import page_texts
from flows.extract.prose import ProseReading, read_sentences
from flows.extract.sentences import (
    html_blocks,
    markdown_blocks,
    pdf_blocks,
    split_sentences,
    text_blocks,
)
from flows.extract.subjects import SubjectRule
from flows.lake import conform
from flows.lake_schemas import CLAIMS_SCHEMA, OBSERVATIONS_SCHEMA, QUARANTINE_SCHEMA
from flows.normalize.figure_cells import resolved_currency
from flows.normalize.figures import find_figures
from flows.normalize.names import harmonize_names
from flows.normalize.observation_rows import in_schema
from flows.normalize.periods import parse_periods
from flows.raw.discover import ReportSource
from flows.raw.manifest import TableSpec
from flows.reasons import PROSE_CODES

_PERIOD_WORDS = re.compile(
    r"^(?:in|by|for|during|through|throughout|as of|since|from|of|over|at)\s+(?:the\s+)?(?:end of\s+)?(?:year\s+)?|\s+alone$",
    re.I,
)


def read_prose_file(path: Path, spec: TableSpec) -> ProseReading:
    """Blocks of the declared format -> sentences -> figures, claims and leftovers."""
    check_file_size(path)
    fmt = spec.file_format
    if fmt == "pdf":
        pages = page_texts(path, spec.pages)
        blocks = pdf_blocks(
            list(zip(pages["page"].to_pylist(), pages["text"].to_pylist(), strict=True))
        )
    elif fmt == "html":
        # The same encoding rules as every text format (a page without a charset is not latin-1).
        data = utf8(read_bytes(path), path, spec)
        try:
            blocks = html_blocks(data)
        except ValueError as exc:  # lxml: an empty or unparseable document
            raise ExtractError(
                "file_unreadable", f"{path.name}: not readable as HTML ({exc})"
            ) from exc
    else:
        text = decoded_text(path, spec)
        blocks = markdown_blocks(text) if fmt == "markdown" else text_blocks(text)
    rules = tuple(SubjectRule(r.match, r.skill, r.category) for r in spec.subjects)
    return read_sentences(split_sentences(blocks), find_figures, spec.measure, rules)


def prose_tables(
    reading: ProseReading, source: ReportSource, spec: TableSpec, reference_dir: Path
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(observations, claims, quarantine) of one prose table, in the lake's schemas."""
    ctx = _context(source, spec)
    figures = _figures_table(reading.figures)
    problem = _problems(figures)
    good = figures.filter(pc.is_null(problem))
    observations = _observations(good, ctx, reference_dir)
    quarantine = pa.concat_tables(
        [
            _rejected(
                figures.filter(pc.is_valid(problem)), problem.filter(pc.is_valid(problem)), ctx
            ),
            _leftovers(reading.leftovers, ctx),
        ]
    )
    claims = _claims(reading.claims, ctx)
    return observations, claims, quarantine


_FIGURE_TYPES = {
    "source_row": pa.int64(),
    "source_page": pa.int32(),
    "figure_index": pa.int32(),
    "is_horizon": pa.bool_(),
    "value": pa.float64(),
    "value_low": pa.float64(),
    "value_high": pa.float64(),
}


def _figures_table(rows: list[dict]) -> pa.Table:
    names = [
        "source_row", "source_page", "source_span", "figure_index", "figure_text", "value", "value_low",
        "value_high", "value_qualifier", "unit", "currency", "comparison", "measure",
        "period_text", "is_horizon", "subject", "category", "subject_kind", "subject_source", "subject_rule",
        "source_text", "sentence_span",
    ]  # fmt: skip
    schema = pa.schema([(n, _FIGURE_TYPES.get(n, pa.string())) for n in names])
    return pa.Table.from_pylist(rows, schema=schema)


def _problems(figures: pa.Table) -> pa.ChunkedArray:
    """The reason each figure cannot be an observation, or null (a CASE in Arrow)."""
    reason = pa.nulls(figures.num_rows, pa.string())
    cases = (
        (pc.is_null(figures["value"]), "prose_bad_value"),
        (pc.is_null(figures["measure"]), "prose_no_measure"),
        (pc.is_null(figures["subject"]), "prose_no_subject"),
    )
    for condition, code in cases:
        reason = pc.if_else(condition, pa.scalar(code), reason)
    return reason


def _context(source: ReportSource, spec: TableSpec) -> dict:
    report = source.manifest.report
    return {
        "report_id": source.report_id,
        "series_id": report.series,
        "publisher": report.publisher,
        "edition": report.edition,
        "table_name": spec.table_name,
        "source_file": source.rel_file(spec.file),
        "source_sha256": source.file_hashes[spec.file],
        "period_start": report.period.start if report.period else None,
        "period_end": report.period.end if report.period else None,
        "geography": report.geography,
        "currency": report.currency,
    }


def _constant(value, n: int, kind: pa.DataType | None = None) -> pa.Array:
    return pa.repeat(pa.scalar(value, kind or pa.string()), n)


def _lookup(keys: pa.ChunkedArray, table: pa.Table, key: str, wanted: str) -> pa.ChunkedArray:
    index = pc.index_in(keys, value_set=table[key])
    return pc.take(table[wanted], index)


def _observations(good: pa.Table, ctx: dict, reference_dir: Path) -> pa.Table:
    n = good.num_rows
    is_skill = pc.equal(good["subject_kind"], "skill")
    skill_names = pc.if_else(is_skill, good["subject"], pa.scalar(None, pa.string()))
    skills = harmonize_names(skill_names, "skill", reference_dir)
    categories = harmonize_names(good["category"], "category", reference_dir)
    cores = pc.utf8_trim_whitespace(
        pc.replace_substring_regex(good["period_text"], _PERIOD_WORDS.pattern, "")
    )
    periods = parse_periods(cores)
    start = _lookup(cores, periods, "source_text", "period_start")
    end = _lookup(cores, periods, "source_text", "period_end")
    method = _lookup(skill_names, skills, "name_raw", "match_method")
    columns = {
        **{
            k: _constant(ctx[k], n)
            for k in ("report_id", "series_id", "publisher", "edition", "table_name")
        },
        "measure": good["measure"],
        "period_start": pc.coalesce(start, _constant(ctx["period_start"], n, pa.date32())),
        "period_end": pc.coalesce(end, _constant(ctx["period_end"], n, pa.date32())),
        "period_label": good["period_text"],
        "geography": _constant(ctx["geography"], n),
        "category_raw": good["category"],
        "category_id": _lookup(good["category"], categories, "name_raw", "canonical_id"),
        "skill_raw": good["subject"],
        "skill_id": _lookup(skill_names, skills, "name_raw", "canonical_id"),
        "skill_match_method": pc.if_else(is_skill, method, pa.scalar("statement")),
        "skill_match_score": _lookup(skill_names, skills, "name_raw", "match_score"),
        "esco_uri": _lookup(skill_names, skills, "name_raw", "esco_uri"),
        "onet_code": _lookup(skill_names, skills, "name_raw", "onet_code"),
        "value": good["value"],
        "value_qualifier": good["value_qualifier"],
        "unit": good["unit"],
        "source_file": _constant(ctx["source_file"], n),
        "source_sha256": _constant(ctx["source_sha256"], n),
        "source_row": good["source_row"],
        "source_page": good["source_page"],
        # Prose has no columns: the sentence's start-end in the line; figure_index tells its figures apart.
        "source_column": good["sentence_span"],
        "source_column_index": pc.add(good["figure_index"], 1),
        "figure_index": good["figure_index"],
        "value_low": good["value_low"],
        "value_high": good["value_high"],
        "is_horizon": pc.fill_null(good["is_horizon"], False),
        "source_text": good["source_text"],
        "source_span": good["source_span"],
        "comparison": good["comparison"],
        "currency": resolved_currency(good["currency"], ctx["currency"]),
        "subject_kind": good["subject_kind"],
        "subject_source": good["subject_source"],
    }
    # Only the columns whose type differs are cast: conform cast the whole table (~1 ms an article).
    return in_schema(columns, n, OBSERVATIONS_SCHEMA)


def _rejected(bad: pa.Table, reasons: pa.ChunkedArray, ctx: dict) -> pa.Table:
    n = bad.num_rows
    where = pc.binary_join_element_wise(
        _constant(ctx["source_file"], n),
        pc.cast(bad["source_row"], pa.string()),
        bad["source_span"],
        ":",
    )
    messages = [
        f'{w}{_on_page(p)} "{t}": {PROSE_CODES[r]}'
        for w, p, t, r in zip(
            where.to_pylist(),
            bad["source_page"].to_pylist(),
            bad["figure_text"].to_pylist(),
            reasons.to_pylist(),
            strict=True,
        )
    ]
    records = [
        json.dumps({"figure": f, "measure": m, "sentence": s}, ensure_ascii=False)
        for f, m, s in zip(
            bad["figure_text"].to_pylist(),
            bad["measure"].to_pylist(),
            bad["source_text"].to_pylist(),
            strict=True,
        )
    ]
    return _quarantine(ctx, bad["source_row"], bad["source_span"], reasons, messages, records)


def _on_page(page: int | None) -> str:
    return "" if page is None else f" (page {page})"


def _leftovers(rows: list[dict], ctx: dict) -> pa.Table:
    n = len(rows)
    spans = pa.array([r["source_span"] for r in rows], pa.string())
    messages = [
        f"{ctx['source_file']}:{r['source_row']}:{r['source_span']}{_on_page(r['source_page'])}: "
        "warning: the sentence has digits "
        "but gave no figure and no claim; kept here so nothing is lost"
        for r in rows
    ]
    return _quarantine(
        ctx,
        pa.array([r["source_row"] for r in rows], pa.int64()),
        spans,
        _constant("prose_no_figure", n),
        messages,
        [r["source_text"] for r in rows],
    )


def _quarantine(
    ctx: dict, rows, spans, reasons, messages: list[str], records: list[str]
) -> pa.Table:
    n = len(messages)
    reasons = pa.array(reasons, pa.string()) if isinstance(reasons, list) else reasons
    table = pa.table(
        {
            "report_id": _constant(ctx["report_id"], n),
            "table_name": _constant(ctx["table_name"], n),
            "source_file": _constant(ctx["source_file"], n),
            "source_sha256": _constant(ctx["source_sha256"], n),
            "source_row": rows,
            "source_column": spans,
            "reason_code": reasons,
            "message": pa.array(messages, pa.string()),
            "raw_record": pa.array(records, pa.string()),
            # A sentence that gave nothing loaded nothing wrong: a warning; a rejected figure is an error.
            "severity": pc.if_else(
                pc.equal(reasons, "prose_no_figure"), pa.scalar("warning"), pa.scalar("error")
            ),
        }
    )
    return conform(table, QUARANTINE_SCHEMA)


def _claims(rows: list[dict], ctx: dict) -> pa.Table:
    keys = (
        "report_id",
        "series_id",
        "publisher",
        "edition",
        "table_name",
        "source_file",
        "source_sha256",
    )
    return pa.Table.from_pylist(
        [{k: ctx[k] for k in keys} | row for row in rows], schema=CLAIMS_SCHEMA
    )
