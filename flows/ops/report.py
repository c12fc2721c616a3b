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
from flows.ops.summary import read_history

# Where each ranked cell came from: the kept cell of intermediate.skill_values, and its printed text.
LINEAGE = """
lineage AS (
    SELECT v.report_id, v.table_name, v.geography, v.skill_key,
           v.source_file || ':' || v.source_row || ':' || v.source_column
               || coalesce(' (page ' || o.source_page || ')', '') AS source,
           o.source_text AS printed
    FROM intermediate.skill_values AS v
    LEFT JOIN lake.observations AS o
        ON o.report_id = v.report_id AND o.source_file = v.source_file
        AND o.source_row = v.source_row AND o.source_column = v.source_column
    WHERE v.is_latest_period
)
"""

# The rankings shown: the latest edition of each series, newest first, at most $rankings of them.
SHOWN_RANKINGS = """
shown AS (
    SELECT DISTINCT g.report_id, g.table_name, g.geography, r.published
    FROM marts.skill_growth_rankings AS g
    JOIN lake.reports AS r ON r.report_id = g.report_id
    QUALIFY dense_rank() OVER (PARTITION BY r.series_id ORDER BY r.published DESC NULLS LAST,
                                                                 r.edition DESC) = 1
    ORDER BY r.published DESC NULLS LAST, g.report_id, g.table_name, g.geography
    LIMIT $rankings
)
"""

GROWTH = f"""
WITH {SHOWN_RANKINGS}, {LINEAGE}
SELECT g.report_id || ' · ' || g.table_name || coalesce(' · ' || g.geography, '') AS ranking,
       g.publisher, g.skill_name, round(g.growth_pct, 1) AS growth_pct, g.value_qualifier,
       g.growth_source, g.rank_in_report,
       coalesce(l.source, g.source_file || ':' || g.source_row || ':' || g.source_column) AS source,
       l.printed
FROM marts.skill_growth_rankings AS g
JOIN shown AS s ON s.report_id = g.report_id AND s.table_name = g.table_name
    AND s.geography IS NOT DISTINCT FROM g.geography
LEFT JOIN lineage AS l ON l.report_id = g.report_id AND l.table_name = g.table_name
    AND l.geography IS NOT DISTINCT FROM g.geography AND l.skill_key = g.skill_key
WHERE g.rank_in_report <= $top
ORDER BY s.published DESC NULLS LAST, ranking, g.rank_in_report, g.skill_name
"""

CONSENSUS = f"""
WITH {LINEAGE},
skills AS (
    SELECT skill_id, any_value(publishers) AS publishers, any_value(consensus_percentile) AS c
    FROM marts.skill_comparisons WHERE is_latest_edition
    GROUP BY skill_id HAVING count(DISTINCT report_id) > 1
    ORDER BY publishers DESC, c DESC, skill_id LIMIT $skills
)
SELECT c.skill_name, c.publisher, c.report_id, c.table_name, c.measure, c.value,
       c.value_qualifier, c.rank_in_report, round(c.percentile, 3) AS percentile,
       round(c.consensus_percentile, 3) AS consensus_percentile,
       round(c.percentile_spread, 3) AS percentile_spread, c.publishers, l.source, l.printed
FROM marts.skill_comparisons AS c
JOIN skills USING (skill_id)
LEFT JOIN lineage AS l ON l.report_id = c.report_id AND l.table_name = c.table_name
    AND l.geography IS NOT DISTINCT FROM c.geography AND l.skill_key = c.skill_id
WHERE c.is_latest_edition
ORDER BY c.consensus_percentile DESC, c.skill_name, c.publisher, c.report_id, c.table_name
"""

# The latest step of each series; skills that moved most first, then new and dropped ones.
CHANGES = f"""
WITH {LINEAGE},
latest AS (
    SELECT * FROM marts.edition_changes
    QUALIFY dense_rank() OVER (PARTITION BY series_id ORDER BY edition_after DESC) = 1
),
bounded AS (
    SELECT * FROM latest
    QUALIFY row_number() OVER (
        PARTITION BY series_id, table_name, geography
        ORDER BY abs(coalesce(percentile_after, 0) - coalesce(percentile_before, 0)) DESC, skill_key
    ) <= $top
)
SELECT b.series_id || ' · ' || b.table_name || coalesce(' · ' || b.geography, '') AS ranking,
       b.edition_before, b.edition_after, b.skill_name, b.status,
       b.value_before, b.value_after, b.rank_before, b.rank_after,
       round(b.percentile_before, 3) AS percentile_before,
       round(b.percentile_after, 3) AS percentile_after,
       round(coalesce(b.percentile_after, b.percentile_before), 3) AS place,
       lb.source AS source_before, lb.printed AS printed_before,
       la.source AS source_after, la.printed AS printed_after
FROM bounded AS b
LEFT JOIN lineage AS lb ON lb.report_id = b.report_id_before AND lb.table_name = b.table_name
    AND lb.geography IS NOT DISTINCT FROM b.geography AND lb.skill_key = b.skill_key
LEFT JOIN lineage AS la ON la.report_id = b.report_id_after AND la.table_name = b.table_name
    AND la.geography IS NOT DISTINCT FROM b.geography AND la.skill_key = b.skill_key
ORDER BY ranking, b.rank_after NULLS LAST, b.rank_before, b.skill_name
"""

CATEGORIES = f"""
WITH {SHOWN_RANKINGS}, {LINEAGE},
leaders AS (
    SELECT report_id, table_name, geography, category_id,
           arg_min(skill_key, source_row) AS skill_key
    FROM marts.skill_growth_rankings WHERE rank_in_category = 1
    GROUP BY ALL
)
SELECT c.report_id || ' · ' || c.table_name || coalesce(' · ' || c.geography, '') AS ranking,
       c.category_name, c.skills, round(c.top_growth_pct, 1) AS top_growth_pct, c.top_skill,
       round(c.median_growth_pct, 1) AS median_growth_pct, c.category_rank_in_report,
       l.source, l.printed
FROM marts.category_summary AS c
JOIN shown AS s ON s.report_id = c.report_id AND s.table_name = c.table_name
    AND s.geography IS NOT DISTINCT FROM c.geography
LEFT JOIN leaders AS t ON t.report_id = c.report_id AND t.table_name = c.table_name
    AND t.geography IS NOT DISTINCT FROM c.geography AND t.category_id = c.category_id
LEFT JOIN lineage AS l ON l.report_id = t.report_id AND l.table_name = t.table_name
    AND l.geography IS NOT DISTINCT FROM t.geography AND l.skill_key = t.skill_key
WHERE c.category_rank_in_report <= $top
ORDER BY s.published DESC NULLS LAST, ranking, c.category_rank_in_report, c.category_name
"""

QUARANTINE = """
SELECT reason_code, count(*) OVER (PARTITION BY reason_code) AS rows_quarantined,
       source_file || coalesce(':' || source_row, '') || coalesce(':' || source_column, '') AS source,
       message
FROM lake.quarantine
QUALIFY row_number() OVER (PARTITION BY reason_code ORDER BY source_file, source_row, source_column)
        <= $examples
ORDER BY rows_quarantined DESC, reason_code, source
"""

TOTALS = """
SELECT (SELECT count(*) FROM lake.reports) AS reports,
       (SELECT count(DISTINCT publisher) FROM lake.reports) AS publishers,
       (SELECT count(*) FROM lake.observations) AS observations,
       (SELECT count(*) FROM lake.quarantine) AS quarantined
"""


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
            f"the published warehouse cannot be read for the report ({exc}); "
            "`skillpulse run` rebuilds it with this version"
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
        "Where each skill stood in the earlier and the later edition of a series.",
        CHANGES,
        changes_chart,
        {"top": 25},
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


def render(sections: list[Section], totals: dict, last_run: str) -> str:
    """The page: the Vega bundle once, each chart's spec with its data inlined, and the tables."""
    import vl_convert

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
        bundle=jinja2.utils.markupsafe.Markup(vl_convert.javascript_bundle(vl_version=VEGA_LITE)),
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
    write_text_atomic(out, render(sections, totals, last_run))
    return out
