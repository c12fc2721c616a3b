"""The seed article's questions, answered from the mart Parquet files (a notebook in percent format)."""

# %% [markdown]
# # What is growing fastest, and does anyone agree?
# Run `make run` first; this reads `data/warehouse/marts/<name>/*.parquet` only, as a notebook would.
# Open it in Jupyter or VS Code (percent cells), or run it: `uv run python notebooks/seed_questions.py`.

# %%
import sys
from pathlib import Path

import duckdb

MARTS = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parents[1] / "data" / "warehouse" / "marts"
)
con = duckdb.connect()
# Each mart is a folder of Parquet parts (marts/<name>/); the glob reads all of them as one table.
for mart in sorted(p for p in MARTS.iterdir() if p.is_dir() and not p.name.startswith(".")):
    con.execute(
        f"CREATE VIEW {mart.name} AS SELECT * FROM read_parquet('{mart.as_posix()}/*.parquet')"
    )

# %% [markdown]
# ## Which AI skill grew fastest on Upwork in 2025?

# %%
fastest = con.sql(
    """
    SELECT skill_name, category_name, growth_pct, value_qualifier, rank_in_report
    FROM skill_growth_rankings
    WHERE series_id = 'upwork-in-demand-skills'
    ORDER BY rank_in_report
    """
)
print(fastest)

# %% [markdown]
# ## Does any other report rank AI video generation near the top?

# %%
elsewhere = con.sql(
    """
    SELECT report_id, skill_name, rank_in_report, percentile
    FROM skill_growth_rankings
    WHERE skill_id = (SELECT skill_id FROM skill_growth_rankings
                      WHERE skill_name = 'AI video generation and editing' LIMIT 1)
      AND series_id <> 'upwork-in-demand-skills'
    """
)
print(
    elsewhere
    if elsewhere.fetchall()
    else "No other report mentions AI video generation and editing yet."
)

# %% [markdown]
# ## Fastest-growing skill in every report

# %%
print(
    con.sql(
        """
        SELECT report_id, table_name, skill_name, round(growth_pct, 1) AS growth_pct, growth_source
        FROM skill_growth_rankings WHERE rank_in_report = 1 ORDER BY report_id, table_name
        """
    )
)
