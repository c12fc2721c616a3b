"""What a user writes instead: pandas read_csv per file, str parsing, groupby rank; same outputs as the DuckDB baseline."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

YEAR_COLUMN = r"^(19|20)\d\d$"
NUMBER = r"([-+]?\d[\d,]*(?:\.\d+)?)"
QUALIFIERS = {
    "at_most": r"^(?:up to|under|less than|below|at most)\b",
    "at_least": r"^(?:over|more than|above|at least)\b",
    "approx": r"^(?:about|around|approx|nearly|~)",
}


def read_table(path: Path) -> pd.DataFrame:
    """One CSV as text cells, long or unpivoted, with its report and lineage columns."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    years = [c for c in frame.columns if re.match(YEAR_COLUMN, c)]
    if years:
        frame = frame.melt(
            ["Skill", "Category"], years, var_name="period", value_name="source_text"
        )
        frame = frame.dropna(subset=["source_text"])
        frame["measure"], frame["source_column"] = "count", frame["period"]
    else:
        frame = frame.rename(columns={"YoY growth": "source_text"})
        frame["measure"], frame["source_column"], frame["period"] = "growth_pct", "YoY growth", None
    frame["report_id"], frame["table_name"], frame["source_file"] = (
        path.parent.name,
        path.stem,
        str(path),
    )
    return frame.rename(columns={"Skill": "skill_raw", "Category": "category_raw"})


def name_id(names: pd.Series) -> pd.Series:
    return (
        names.str.replace("&", " and ").str.strip().str.lower().str.replace(r"\s+", " ", regex=True)
    )


def parse(frame: pd.DataFrame) -> pd.DataFrame:
    """Add value, value_qualifier, skill_id and category_id, parsing the printed text with str methods."""
    printed = frame["source_text"].str.replace("\u2212", "-").str.strip().str.lower()
    number = pd.to_numeric(printed.str.extract(NUMBER)[0].str.replace(",", ""), errors="coerce")
    frame["value"] = number.where(~printed.str.startswith("down"), -number)
    conditions = [printed.str.contains(pattern, regex=True) for pattern in QUALIFIERS.values()]
    frame["value_qualifier"] = np.select(conditions, list(QUALIFIERS), "exact")
    frame["skill_id"], frame["category_id"] = (
        name_id(frame["skill_raw"]),
        name_id(frame["category_raw"]),
    )
    return frame


def growth(obs: pd.DataFrame) -> pd.DataFrame:
    """Growth per report and skill: as published, or latest period against the one before it."""
    obs = obs.dropna(subset=["value"])
    keys = ["report_id", "skill_id", "skill_name", "category_id", "growth_pct"]
    published = obs[obs["measure"] == "growth_pct"].rename(
        columns={"skill_raw": "skill_name", "value": "growth_pct"}
    )
    levels = obs[obs["measure"] == "count"].copy()
    levels["back"] = levels.groupby(["report_id", "table_name"])["period"].rank(
        method="dense", ascending=False
    )
    levels = levels[levels["back"] <= 2]
    pivot = levels.pivot_table(
        index=["report_id", "table_name", "skill_id"], columns="back", values="value", aggfunc="max"
    ).reindex(columns=[1.0, 2.0])
    names = levels.groupby(["report_id", "table_name", "skill_id"])[
        ["skill_raw", "category_id"]
    ].first()
    derived = pivot.join(names).reset_index().rename(columns={"skill_raw": "skill_name"})
    derived = derived[derived[1.0].notna() & (derived[2.0] > 0)]
    derived["growth_pct"] = 100 * (derived[1.0] / derived[2.0] - 1)
    return pd.concat([published[keys], derived[keys]], ignore_index=True)


def rank(table: pd.DataFrame) -> pd.DataFrame:
    by_report = table.groupby("report_id")["growth_pct"]
    table["rank_in_report"] = by_report.rank(method="min", ascending=False).astype("int64")
    by_category = table.groupby(["report_id", "category_id"])["growth_pct"]
    table["rank_in_category"] = by_category.rank(method="min", ascending=False).astype("int64")
    size = by_report.transform("size")
    below = by_report.rank(method="min", ascending=True) - 1
    table["percentile"] = (below / (size - 1)).where(size > 1, 0.0)
    return table


def run(raw: Path, out: Path) -> dict:
    """Write out/observations.parquet and out/baseline.duckdb (table rankings); return counts."""
    out.mkdir(parents=True, exist_ok=True)
    files = sorted(raw.glob("*/*/*.csv"))
    if not files:
        raise SystemExit(f"no CSV files under {raw}; generate a corpus with bench/generate.py")
    obs = parse(pd.concat([read_table(f) for f in files], ignore_index=True))
    obs.to_parquet(out / "observations.parquet", index=False)
    rankings = rank(growth(obs))
    database = out / "baseline.duckdb"
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        con.register("rankings_frame", rankings)
        con.execute("CREATE TABLE rankings AS SELECT * FROM rankings_frame")
    parsed = int(obs["value"].notna().sum())
    return {
        "reports": int(obs["report_id"].nunique()),
        "observations": parsed,
        "quarantined": len(obs) - parsed,
        "ranked": len(rankings),
        "value_sum": float(obs["value"].sum()),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--raw", type=Path, required=True, help="corpus raw folder (<publisher>/<report>/*.csv)"
    )
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = run(args.raw, args.out)
    json.dump({**counts, "seconds": round(time.perf_counter() - started, 3)}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
