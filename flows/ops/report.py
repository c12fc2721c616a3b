"""`skillpulse report`: one self-contained HTML page of charts over the published marts, every figure traced."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import duckdb
import jinja2
import pandas as pd

from flows.errors import SkillpulseError
from flows.fsutil import write_text_atomic
from flows.ops.query import published
from flows.ops.report_queries import (
    CATEGORIES,
    CHANGES,
    CONSENSUS,
    GROWTH,
    QUARANTINE,
    RECONCILIATION,
    TOTALS,
)
from flows.ops.summary import read_history

CACHE_FOLDER = ".cache"
# The bundle's Vega-Lite matches the schema altair writes (v6.4.1 -> "6.4").
VEGA_LITE = ".".join(alt.SCHEMA_VERSION.removeprefix("v").split(".")[:2])


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    caption: str
    frame: pd.DataFrame
    chart: alt.TopLevelMixin | None


class ReportError(SkillpulseError):
    """The published warehouse lacks what the report reads (built by an older version: run again)."""


def _frame(con: duckdb.DuckDBPyConnection, sql: str, **parameters: int) -> pd.DataFrame:
    try:
        return con.sql(sql, params=parameters).df()
    except duckdb.Error as exc:
        raise ReportError(
            f"the report's query failed ({exc}); if the warehouse was built by an older "
            "version, `skillpulse run` rebuilds it"
        ) from exc


def _tooltip(*fields: str) -> list[alt.Tooltip]:
    return [alt.Tooltip(field) for field in fields]


def growth_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("growth_pct:Q", title="growth, % as published"),
            y=alt.Y("skill_name:N", sort="-x", title=None),
            color=alt.Color("publisher:N", legend=None),
            tooltip=_tooltip(
                "skill_name", "growth_pct", "value_qualifier", "growth_source", "source", "printed"
            ),
        )
        .properties(width=640)
    )
    return bars.facet(row=alt.Row("ranking:N", title=None, header=_header())).resolve_scale(
        x="independent", y="independent"
    )


def consensus_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    base = alt.Chart(frame).encode(
        y=alt.Y(
            "skill_name:N", sort=alt.SortField("consensus_percentile", "descending"), title=None
        )
    )
    spread = base.mark_rule(color="#bbb").encode(x="min(percentile):Q", x2="max(percentile):Q")
    consensus = base.mark_tick(color="black", thickness=2).encode(
        x="consensus_percentile:Q",
        tooltip=_tooltip("skill_name", "consensus_percentile", "percentile_spread", "publishers"),
    )
    points = base.mark_circle(size=90, opacity=0.85).encode(
        x=alt.X(
            "percentile:Q",
            title="percentile in each report (1 = top); tick = consensus",
            scale=alt.Scale(domain=[0, 1]),
        ),
        color=alt.Color("publisher:N"),
        tooltip=_tooltip(
            "skill_name",
            "publisher",
            "report_id",
            "measure",
            "value",
            "rank_in_report",
            "percentile",
            "source",
            "printed",
        ),
    )
    return (spread + consensus + points).properties(width=640)


def changes_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    tips = _tooltip(
        "skill_name",
        "status",
        "edition_before",
        "value_before",
        "rank_before",
        "source_before",
        "printed_before",
        "edition_after",
        "value_after",
        "rank_after",
        "source_after",
        "printed_after",
    )
    base = alt.Chart(frame).encode(y=alt.Y("skill_name:N", title=None, sort=None))
    moves = base.mark_rule(color="#bbb").encode(x="percentile_before:Q", x2="percentile_after:Q")
    before = base.mark_circle(size=70, color="#bbb").encode(
        x=alt.X("percentile_before:Q"), tooltip=tips
    )
    after = base.mark_circle(size=110).encode(
        x=alt.X(
            "place:Q",
            title="percentile: grey = earlier edition, colour = later (1 = top; dropped: earlier)",
            scale=alt.Scale(domain=[0, 1]),
        ),
        color=alt.Color(
            "status:N",
            scale=alt.Scale(
                domain=["up", "down", "same", "new", "dropped"],
                range=["#2a9d2a", "#d1495b", "#888", "#1f77b4", "#333"],
            ),
        ),
        tooltip=tips,
    )
    layered = (moves + before + after).properties(width=640)
    return layered.facet(row=alt.Row("ranking:N", title=None, header=_header())).resolve_scale(
        y="independent"
    )


def categories_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("median_growth_pct:Q", title="median growth of the category's skills, %"),
            y=alt.Y("category_name:N", sort="-x", title=None),
            color=alt.value("#4c78a8"),
            tooltip=_tooltip(
                "category_name",
                "skills",
                "median_growth_pct",
                "top_skill",
                "top_growth_pct",
                "source",
                "printed",
            ),
        )
        .properties(width=640)
    )
    return bars.facet(row=alt.Row("ranking:N", title=None, header=_header())).resolve_scale(
        x="independent", y="independent"
    )


def quarantine_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    counts = frame.drop_duplicates("reason_code")
    return (
        alt.Chart(counts)
        .mark_bar(color="#d1495b")
        .encode(
            x=alt.X(
                "rows_quarantined:Q",
                title="rows quarantined",
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            y=alt.Y("reason_code:N", sort="-x", title=None),
            tooltip=_tooltip("reason_code", "rows_quarantined", "source", "message"),
        )
        .properties(width=640)
    )


def reconciliation_chart(frame: pd.DataFrame) -> alt.TopLevelMixin:
    classes = ["conflict", "consistent", "same"]
    return (
        alt.Chart(frame.assign(pair=frame["subject_name"] + " - " + frame["report_id_b"]))
        .mark_point(filled=True, size=80)
        .encode(
            x=alt.X("value_a:Q", title="figure of the first report"),
            y=alt.Y("value_b:Q", title="figure of the other report"),
            color=alt.Color(
                "class:N",
                scale=alt.Scale(domain=classes, range=["#d1495b", "#edae49", "#00798c"]),
            ),
            tooltip=_tooltip(
                "subject_name",
                "class",
                "report_id_a",
                "printed_a",
                "source_a",
                "report_id_b",
                "printed_b",
                "source_b",
            ),
        )
        .properties(width=640, height=320)
    )


def _header() -> alt.Header:
    return alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top")


SECTIONS = (
    (
        "growth",
        "Fastest growth in each report",
        "The top skills of the latest edition of each series, by growth as published.",
        GROWTH,
        growth_chart,
        {"rankings": 12, "top": 10},
    ),
    (
        "consensus",
        "The same skill across publishers",
        "Skills listed by more than one report: each report's percentile, the spread between "
        "them (grey rule) and the consensus (tick).",
        CONSENSUS,
        consensus_chart,
        {"skills": 25},
    ),
    (
        "changes",
        "Edition over edition",
        "Where each skill stood in the earlier and the later edition of a series (the latest step "
        "of the most recently published series).",
        CHANGES,
        changes_chart,
        {"rankings": 8, "top": 25},
    ),
    (
        "categories",
        "Category leaders",
        "Categories by the median growth of their skills, with each category's top skill.",
        CATEGORIES,
        categories_chart,
        {"rankings": 12, "top": 15},
    ),
    (
        "reconciliation",
        "Where reports print the same figure",
        "Pairs of figures of the same subject, measure and period from two reports: conflicts "
        "first, then consistent ones (a rounded or qualified copy), then equal ones.",
        RECONCILIATION,
        reconciliation_chart,
        {"pairs": 200},
    ),
    (
        "quarantine",
        "What was set aside",
        "Rows quarantined by reason, with up to three examples each (file:row:column).",
        QUARANTINE,
        quarantine_chart,
        {"examples": 3},
    ),
)


def collect(warehouse: Path) -> tuple[list[Section], dict]:
    """Every section's rows (bounded) and chart, and the warehouse totals, from one read-only connection."""
    sections = []
    with published(warehouse) as con:
        totals = dict(
            zip(
                ["reports", "publishers", "observations", "quarantined"],
                con.sql(TOTALS).fetchall()[0],
                strict=True,
            )
        )
        for key, title, caption, sql, chart, parameters in SECTIONS:
            frame = _frame(con, sql, **parameters)
            sections.append(
                Section(key, title, caption, frame, chart(frame) if len(frame) else None)
            )
    return sections, totals


TEMPLATE = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>skillpulse report</title>
<style>
 body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
 h1 { margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
 .meta, .caption, .empty { color: #555; }
 table { border-collapse: collapse; font-size: 12px; margin-top: 0.5em; }
 th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
 details { margin-top: 0.5em; }
</style>
<script>{{ bundle }}</script>
</head>
<body>
<h1>skillpulse report</h1>
<p class="meta">{{ totals.reports }} report edition(s) from {{ totals.publishers }} publisher(s);
{{ "{:,}".format(totals.observations) }} observations, {{ "{:,}".format(totals.quarantined) }}
quarantined. Last run: {{ last_run }}. Hover a mark for its source (file:row:column) and the text as
printed; each chart's figures are listed under it.</p>
{% for section in sections %}
<section id="{{ section.key }}">
<h2>{{ section.title }}</h2>
<p class="caption">{{ section.caption }}</p>
{% if section.chart is not none %}
<div class="chart" id="chart-{{ section.key }}"></div>
<details><summary>{{ section.frame | length }} figure(s) and their sources</summary>
{{ section.table }}
</details>
{% else %}
<p class="empty">Nothing to show yet.</p>
{% endif %}
</section>
{% endfor %}
<script>
const specs = {{ specs }};
for (const [id, spec] of Object.entries(specs)) {
  vegaEmbed("#" + id, spec, {renderer: "svg", actions: false}).catch(console.error);
}
</script>
</body>
</html>
"""
)


def _script_json(value: object) -> str:
    # "<" escaped so that no text from a report can close the script element.
    return json.dumps(value, sort_keys=True).replace("<", "\\u003c")


def vega_bundle(cache: Path) -> str:
    """The Vega, Vega-Lite and vega-embed script, bundled by vl-convert (about 6 s) once per version."""
    import vl_convert

    path = cache / f"vega-embed-vlc{vl_convert.__version__}-vl{VEGA_LITE}.js"
    if not path.exists():
        write_text_atomic(path, vl_convert.javascript_bundle(vl_version=VEGA_LITE))
    return path.read_text(encoding="utf-8")


def render(sections: list[Section], totals: dict, last_run: str, bundle: str) -> str:
    """The page: the Vega bundle once, each chart's spec with its data inlined, and the tables."""
    specs = {f"chart-{s.key}": s.chart.to_dict() for s in sections if s.chart is not None}
    rendered = [
        {
            "key": s.key,
            "title": s.title,
            "caption": s.caption,
            "chart": s.chart,
            "frame": s.frame,
            "table": jinja2.utils.markupsafe.Markup(
                s.frame.to_html(index=False, na_rep="", escape=True, border=0)
            ),
        }
        for s in sections
    ]
    return TEMPLATE.render(
        bundle=jinja2.utils.markupsafe.Markup(bundle),
        specs=jinja2.utils.markupsafe.Markup(_script_json(specs)),
        sections=rendered,
        totals=totals,
        last_run=last_run,
    )


def write_report(warehouse: Path, out: Path) -> Path:
    """Write the report for the published warehouse to out (atomically) and return it."""
    sections, totals = collect(warehouse)
    history = read_history(warehouse, 1)
    last_run = history[-1].get("finished_at", "unknown") if history else "unknown"
    bundle = vega_bundle(warehouse / CACHE_FOLDER)
    write_text_atomic(out, render(sections, totals, last_run, bundle))
    return out
