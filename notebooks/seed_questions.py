# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What is growing fastest, and does anyone agree?
# Run `make run` first: this notebook reads the mart Parquet files only
# (`data/warehouse/marts/<name>/*.parquet`, or the folder in `MARTS_DIR`).
# It is paired with `seed_questions.py` (jupytext percent format): open either in Jupyter or VS Code,
# or run the script: `uv run python notebooks/seed_questions.py`.

# %%
import json
import os
from pathlib import Path

import altair as alt
import duckdb
import pyarrow.parquet as pq


def repo_root() -> Path:
    """The checkout this runs in, from a kernel (no __file__) or a script alike."""
    here = Path.cwd().resolve()
    return next((p for p in (here, *here.parents) if (p / "pyproject.toml").exists()), here)


# Charts as static SVG drawn by vl-convert: they show offline, in any Jupyter front end.
alt.renderers.enable("svg")
MARTS = Path(os.environ.get("MARTS_DIR") or repo_root() / "data" / "warehouse" / "marts")
con = duckdb.connect()
# Each mart is a folder of Parquet parts (marts/<name>/); the glob reads all of them as one table.
for mart in sorted(p for p in MARTS.iterdir() if p.is_dir() and not p.name.startswith(".")):
    con.execute(
        f"CREATE VIEW {mart.name} AS SELECT * FROM read_parquet('{mart.as_posix()}/*.parquet')"
    )
print(
    f"marts from {MARTS}: {', '.join(sorted(p.name for p in MARTS.iterdir() if p.is_dir() and not p.name.startswith('.')))}"
)

# %% [markdown]
# Every mart file carries its columns' meanings in its Parquet metadata:

# %%
schema = pq.read_schema(next((MARTS / "skill_growth_rankings").glob("*.parquet")))
comments = json.loads((schema.metadata or {}).get(b"column_comments", b"{}"))
for column in ("growth_pct", "rank_in_report", "percentile"):
    print(f"{column}: {comments.get(column, '(no comment)')}")

# %% [markdown]
# ## Which AI skill grew fastest on Upwork?

# %%
fastest = con.sql(
    """
    SELECT edition, skill_name, category_name, growth_pct, value_qualifier, rank_in_report
    FROM skill_growth_rankings
    WHERE series_id = 'upwork-in-demand-skills'
      AND edition = (SELECT max(edition) FROM skill_growth_rankings
                     WHERE series_id = 'upwork-in-demand-skills')
    ORDER BY rank_in_report
    """
).df()
print(fastest.to_string(index=False))

# %% [markdown]
# ## Does any other report rank AI video generation near the top?

# %%
elsewhere = con.sql(
    """
    SELECT report_id, skill_name, rank_in_report, percentile
    FROM skill_growth_rankings
    WHERE skill_id = 'ai-video-generation-and-editing'
      AND series_id <> 'upwork-in-demand-skills'
    """
).fetchall()
print(elsewhere or "No other publisher's report mentions AI video generation and editing yet.")

# %% [markdown]
# ## Fastest-growing skill in every report

# %%
leaders = con.sql(
    """
    SELECT report_id, table_name, skill_name, round(growth_pct, 1) AS growth_pct, growth_source
    FROM skill_growth_rankings WHERE rank_in_report = 1 ORDER BY report_id, table_name
    """
).df()
print(leaders.to_string(index=False))

# %% [markdown]
# ## How did the ranking change between editions?

# %%
changes = con.sql(
    """
    SELECT series_id, edition_before, edition_after, skill_name, status,
           value_before, value_after, rank_before, rank_after
    FROM edition_changes ORDER BY series_id, rank_after NULLS LAST, skill_name
    """
).df()
print(changes.to_string(index=False) if len(changes) else "Only one edition of each series so far.")

# %% [markdown]
# ## The top ten of each ranking, as a chart

# %%
top = con.sql(
    """
    SELECT report_id || ' · ' || table_name AS ranking, skill_name, growth_pct
    FROM skill_growth_rankings WHERE rank_in_report <= 10
    """
).df()
chart = (
    alt.Chart(top)
    .mark_bar()
    .encode(
        x=alt.X("growth_pct:Q", title="growth, % as published"),
        y=alt.Y("skill_name:N", sort="-x", title=None),
        tooltip=["ranking", "skill_name", "growth_pct"],
    )
    .properties(width=420, height=alt.Step(14))
    .facet(row=alt.Row("ranking:N", title=None))
    .resolve_scale(x="independent", y="independent")
)
chart
