"""Seeded generator of synthetic skill-report corpora (report.toml + CSV) for the benchmarks."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

sys.path.insert(0, str(Path(__file__).resolve().parent))
import articles

YEARS = tuple(str(y) for y in range(2015, 2025))
LONG_FILE, WIDE_FILE, MONTHLY_FILE = "skills.csv", "levels.csv", "monthly.csv"
LONG_HEADERS = ("Skill", "Category", "YoY growth")
MONTHLY_HEADERS = ("Month", "Region", "Skill", "Category", "Job postings")
MONTHS = tuple(f"{2023 + m // 12}-{m % 12 + 1:02d}" for m in range(4, 24))  # 2023-05 .. 2024-12
REGIONS = (
    "Northeast", "Mid-Atlantic", "Southeast", "Florida", "Great Lakes", "Midwest", "Plains",
    "Texas", "Southwest", "Mountain", "California", "Pacific Northwest", "Alaska", "Hawaii",
    "New England", "Appalachia", "Gulf Coast", "Upper Midwest", "Rockies", "Central Valley",
    "New York Metro", "Chicago Metro", "Bay Area", "Los Angeles Metro", "Puerto Rico",
)  # fmt: skip
REPORTS_PER_PUBLISHER = 5

# category: skills; the first name of each line is the category printed in the tables.
SKILL_LINES = """
AI & Machine Learning: Machine Learning; Deep Learning; Natural Language Processing; Computer Vision;
  Prompt Engineering; Generative AI; AI Video Generation & Editing; Large Language Models;
  Reinforcement Learning; MLOps; AI Agent Development; Speech Recognition
Data & Analytics: SQL; Data Analysis; Data Visualization; Data Cleaning & Preparation; Power BI; Tableau;
  Statistics; Data Engineering; ETL Pipelines; Data Governance; A/B Testing; Forecasting
Software Development: Python; JavaScript; TypeScript; Java; Go; Rust; C++; React; Node.js; Kubernetes;
  DevOps; API Design; Mobile App Development; Testing & QA
Cloud & Security: AWS; Microsoft Azure; Google Cloud; Cybersecurity; Network Security;
  Identity & Access Management; Penetration Testing; Cloud Architecture; Incident Response; Compliance & Risk
Design & Creative: UX Design; UI Design; Graphic Design; Motion Graphics; Video Editing;
  Audio Production & Editing; Illustration; 3D Modeling; Brand Identity; Photography
Sales & Marketing: Sales & Marketing; Search Engine Optimization; Content Marketing; Social Media Marketing;
  Email Marketing; Marketing Automation; Copywriting; Lead Generation; Customer Relationship Management;
  Market Research
Finance & Accounting: Financial Modeling; Bookkeeping; Tax Preparation; Mergers & Acquisitions;
  Financial Analysis; Budgeting & Forecasting; Auditing; Payroll; Risk Management
Business & Management: Project Management; Product Management; Agile Methods; Change Management;
  Research & Development; Operations Management; Supply Chain Management; Business Analysis;
  Stakeholder Management; Strategic Planning
People & Communication: Leadership; Communication; Training & Development; Recruiting; Negotiation;
  Customer Service; Public Speaking; Technical Writing; Translation; Teamwork
Health & Engineering: Health & Safety; Nursing; Clinical Research; Mechanical Engineering;
  Electrical Engineering; CAD; Robotics; Renewable Energy; Quality Assurance; Lean Manufacturing
"""
MODIFIERS_TEXT = (
    "Advanced Applied Enterprise Cloud Generative Automated Responsible Real-Time Embedded Ethical "
    "Digital Strategic Distributed Sustainable Mobile"
)
DOMAINS_TEXT = (
    "Healthcare; Finance; Retail; Manufacturing; Education; Government; Media; Logistics; Energy; "
    "Insurance; Telecom; Real Estate; Gaming; Agriculture; Legal; Hospitality; Automotive; Aerospace; "
    "Pharma; Nonprofits; E-commerce; Construction; Biotech; Sports; Travel; Fashion; Security; "
    "Public Sector; Startups; Research"
)

PRESETS = {
    "smoke": {"reports": 10, "rows": 100, "shape": "mixed"},
    # issue 15: 1,000 articles (text, Markdown, HTML in turn); rows is unused: figures come from prose.
    "articles": {"reports": 1_000, "rows": 0, "shape": "articles"},
    # issue 18: one report, one 5M-row monthly skill x region table.
    "big": {"reports": 1, "rows": 5_000_000, "shape": "monthly"},
    "tiny": {"reports": 10_000, "rows": 100, "shape": "long"},
    "1m": {"reports": 100, "rows": 10_000, "shape": "long"},
    "10m": {"reports": 1_000, "rows": 10_000, "shape": "long"},
    "wide": {"reports": 1_000, "rows": 1_000, "shape": "wide"},
}


@dataclass
class CorpusStats:
    """What a correct reader must find in the corpus (written to corpus.json)."""

    reports: int = 0
    data_rows: int = 0
    value_cells: int = 0
    blank_cells: int = 0
    observations: int = 0
    ranked: int = 0
    value_sum: float = 0.0

    def add(self, other: CorpusStats) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)


def vocabulary(size: int) -> tuple[list[str], list[str]]:
    """The first `size` canonical skill names (and their categories), in a fixed order."""
    base = []
    for line in re.sub(r"\n\s+", " ", SKILL_LINES).strip().splitlines():
        category, skills = line.split(": ", 1)
        base += [(skill.strip(), category) for skill in skills.split(";")]
    names: list[tuple[str, str]] = list(base)
    modifiers, domains = MODIFIERS_TEXT.split(), DOMAINS_TEXT.split("; ")
    names += [(f"{m} {s}", c) for m in modifiers for s, c in base if m not in s]
    names += [(f"{s} for {d}", c) for d in domains for s, c in base if d not in s]
    names += [
        (f"{m} {s} for {d}", c)
        for d in domains
        for m in modifiers
        for s, c in base
        if m not in s and d not in s
    ]
    if size > len(names):
        raise SystemExit(
            f"--skills {size} is larger than the {len(names)} names the generator can make"
        )
    return [n for n, _ in names[:size]], [c for _, c in names[:size]]


def text(values: np.ndarray) -> pa.Array:
    return pa.array(values).cast(pa.string())


def join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def with_thousands(n: np.ndarray) -> pa.Array:
    """Non-negative integers printed with ',' thousands separators: 1234567 -> '1,234,567'."""
    rest = n // 1000
    printed = pc.if_else(rest > 0, pc.utf8_lpad(text(n % 1000), 3, "0"), text(n % 1000))
    while rest.any():
        group, higher = rest % 1000, rest // 1000
        piece = pc.if_else(higher > 0, pc.utf8_lpad(text(group), 3, "0"), text(group))
        printed = pc.if_else(rest > 0, pc.binary_join_element_wise(piece, printed, ","), printed)
        rest = higher
    return printed


def vary_names(names: pa.Array, rng: np.random.Generator) -> pa.Array:
    """Print some names the way other publishers do: lower/upper case, 'and' for '&', stray spaces."""
    u = rng.random(len(names))
    names = pc.if_else(u < 0.08, pc.utf8_lower(names), names)
    names = pc.if_else((u >= 0.08) & (u < 0.10), pc.utf8_upper(names), names)
    names = pc.if_else((u >= 0.10) & (u < 0.20), pc.replace_substring(names, " & ", " and "), names)
    names = pc.if_else((u >= 0.20) & (u < 0.23), pc.replace_substring(names, " & ", "&"), names)
    return pc.if_else((u >= 0.23) & (u < 0.25), join(names, " "), names)


def printed_growth(rng: np.random.Generator, n: int) -> tuple[pa.Array, np.ndarray]:
    """Growth as publishers print it ('+234.1%', 'up 12%', 'over 300%', unicode minus) and its values."""
    big = rng.random(n) < 0.15
    growth = np.where(big, rng.lognormal(4.5, 1.0, n), rng.normal(8.0, 25.0, n))
    tenths = np.round(np.abs(growth) * 10).astype(np.int64)
    negative = (growth < 0) & (tenths > 0)
    magnitude = tenths / 10.0
    decimal = join(with_thousands(tenths // 10), ".", text(tenths % 10))
    whole = np.round(magnitude).astype(np.int64)
    floor50 = (magnitude // 50 * 50).astype(np.int64)
    minus = pc.if_else(rng.random(n) < 0.7, "\u2212", "-")
    sign = pc.if_else(negative, minus, "+")

    style = rng.choice(5, size=n, p=[0.55, 0.15, 0.15, 0.05, 0.10])
    style = np.where(negative & ((style == 2) | (style == 3)), 0, style)
    style = np.where((style == 3) & (magnitude < 100), 0, style)
    printed = pc.choose(
        pa.array(style),
        join(sign, decimal, "%"),
        join(pc.if_else(negative, "-", ""), decimal, "%"),
        join("up ", text(whole), "%"),
        join("over ", with_thousands(floor50), "%"),
        join(pc.if_else(negative, "-", ""), decimal, " per cent"),
    )
    value = np.select([style == 2, style == 3], [whole, floor50], magnitude).astype(np.float64)
    return printed, np.where(negative, -value, value)


def long_table(
    rng: np.random.Generator, skills: pa.Array, categories: pa.Array
) -> tuple[pa.Table, CorpusStats]:
    printed, value = printed_growth(rng, len(skills))
    table = pa.table(
        dict(zip(LONG_HEADERS, (vary_names(skills, rng), categories, printed), strict=True))
    )
    n = len(skills)
    return table, CorpusStats(
        data_rows=n, value_cells=n, observations=n, ranked=n, value_sum=float(value.sum())
    )


def wide_table(
    rng: np.random.Generator, skills: pa.Array, categories: pa.Array
) -> tuple[pa.Table, CorpusStats]:
    n, years = len(skills), len(YEARS)
    base = rng.lognormal(7.0, 2.0, (n, 1))
    steps = np.exp(rng.normal(0.05, 0.2, (n, years)))
    counts = np.maximum(np.round(base * np.cumprod(steps, axis=1)), 1).astype(np.int64)
    first_year = np.where(rng.random(n) < 0.2, rng.integers(1, years, n), 0)
    blank = (np.arange(years) < first_year[:, None]) | (rng.random((n, years)) < 0.05)
    plain = rng.random((n, years)) < 0.15
    columns = {"Skill": vary_names(skills, rng), "Category": categories}
    for j, year in enumerate(YEARS):
        printed = pc.if_else(plain[:, j], text(counts[:, j]), with_thousands(counts[:, j]))
        columns[year] = pc.if_else(blank[:, j], pa.scalar(None, pa.string()), printed)
    filled = ~blank
    ranked = int((filled[:, -1] & filled[:, -2]).sum())
    stats = CorpusStats(
        data_rows=n,
        value_cells=n * years,
        blank_cells=int(blank.sum()),
        observations=int(filled.sum()),
        ranked=ranked,
        value_sum=float(counts[filled].sum()),
    )
    return pa.table(columns), stats


def monthly_table(
    rng: np.random.Generator, skills: pa.Array, categories: pa.Array
) -> tuple[pa.Table, CorpusStats]:
    """Job postings per month, region and skill (month-major, as a monthly export prints them);
    each skill keeps one printed name across its rows, about 2% of the counts are blank."""
    n, regions, months = len(skills), len(REGIONS), len(MONTHS)
    per_skill = regions * months
    base = rng.lognormal(5.0, 1.5, (1, regions, n))
    steps = np.exp(rng.normal(0.01, 0.08, (months, regions, n)))
    counts = np.maximum(np.round(base * np.cumprod(steps, axis=0)), 1).astype(np.int64).ravel()
    blank = rng.random(counts.size) < 0.02
    plain = rng.random(counts.size) < 0.15
    printed = pc.if_else(plain, text(counts), with_thousands(counts))
    skill_of_row = pa.array(np.tile(np.arange(n), months * regions))
    filled = ~blank.reshape(months, regions, n)
    columns = {
        "Month": pa.array(np.repeat(np.array(MONTHS), regions * n)),
        "Region": pa.array(np.tile(np.repeat(np.array(REGIONS), n), months)),
        "Skill": vary_names(skills, rng).take(skill_of_row),
        "Category": categories.take(skill_of_row),
        "Job postings": pc.if_else(blank, pa.scalar(None, pa.string()), printed),
    }
    stats = CorpusStats(
        data_rows=n * per_skill,
        value_cells=n * per_skill,
        blank_cells=int(blank.sum()),
        observations=int(filled.sum()),
        ranked=int((filled[-1] & filled[-2]).sum()),  # skill x region with both latest months
        value_sum=float(counts[~blank].sum()),
    )
    return pa.table(columns), stats


TABLES = {
    "long": (LONG_FILE, long_table),
    "wide": (WIDE_FILE, wide_table),
    "monthly": (MONTHLY_FILE, monthly_table),
}


def manifest(index: int, file: str, shape: str) -> str:
    table = {
        "wide": f'[[tables]]\nfile = "{file}"\nmeasure = "count"\n'
        'columns = { skill = "Skill", category = "Category" }\n'
        "unpivot = { headers = '^(19|20)\\d\\d$', into = \"period\" }\n",
        "long": f'[[tables]]\nfile = "{file}"\nmeasure = "growth_pct"\n'
        'columns = { skill = "Skill", category = "Category", value = "YoY growth" }\n',
        "monthly": f'[[tables]]\nfile = "{file}"\nmeasure = "count"\n'
        'columns = { skill = "Skill", category = "Category", value = "Job postings", '
        'period = "Month", geography = "Region" }\n',
    }[shape]
    return (
        "[report]\n"
        f'series = "synthetic-board-{index:05d}"\n'
        'edition = "2025"\n'
        f'publisher = "Synthetic Board {index // REPORTS_PER_PUBLISHER}"\n'
        f'title = "Synthetic skills report {index}"\n'
        f'source_url = "https://example.org/synthetic/{index}"\n'
        "published = 2025-02-01\n"
        "period = { start = 2024-01-01, end = 2024-12-31 }\n"
        'geography = "US"\n\n' + table
    )


def write_report(
    raw: Path, index: int, rows: int, shape: str, seed: int, vocab: tuple[pa.Array, pa.Array]
) -> CorpusStats:
    """Write one report folder; its content depends only on (seed, index), not on the other reports."""
    rng = np.random.default_rng([seed, index])
    names, categories = vocab
    distinct = rows // (len(REGIONS) * len(MONTHS)) if shape == "monthly" else rows
    picked = pa.array(rng.choice(len(names), size=distinct, replace=False))
    file, make = TABLES[shape]
    table, stats = make(rng, names.take(picked), categories.take(picked))
    folder = (
        raw
        / f"synthetic-board-{index // REPORTS_PER_PUBLISHER:04d}"
        / f"synthetic-board-{index:05d}-2025"
    )
    folder.mkdir(parents=True, exist_ok=True)
    pcsv.write_csv(table, folder / file)
    (folder / "report.toml").write_text(manifest(index, file, shape), encoding="utf-8")
    stats.reports = 1
    return stats


def generate(
    out: Path, reports: int, rows: int, shape: str = "long", seed: int = 7, skills: int = 20_000
) -> dict:
    """Write out/raw/<publisher>/<report>/{report.toml,*.csv} and out/corpus.json; return the summary."""
    distinct = rows // (len(REGIONS) * len(MONTHS)) if shape == "monthly" else rows
    if distinct > skills:
        raise SystemExit(
            f"--rows {rows} needs --skills >= {distinct}: skills are distinct within a report"
        )
    if shape == "monthly" and rows % (len(REGIONS) * len(MONTHS)):
        raise SystemExit(f"--rows for monthly tables is a multiple of {len(REGIONS) * len(MONTHS)}")
    raw = out / "raw"
    if raw.exists():
        shutil.rmtree(raw)
    names, categories = vocabulary(skills)
    params = {"reports": reports, "rows": rows, "shape": shape, "seed": seed, "skills": skills}
    if shape == "articles":
        found = articles.generate_articles(out, reports, seed, names, categories)
    else:
        vocab = (pa.array(names), pa.array(categories))
        stats = CorpusStats()
        for index in range(reports):
            kind = "wide" if shape == "mixed" and index % 2 == 1 else shape
            kind = "long" if kind == "mixed" else kind
            stats.add(write_report(raw, index, rows, kind, seed, vocab))
        found = asdict(stats)
    summary = {"params": params, **found}
    (out / "corpus.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--out", type=Path, required=True, help="corpus folder (gets raw/ and corpus.json)"
    )
    parser.add_argument(
        "--preset", choices=sorted(PRESETS), help="sets --reports, --rows and --shape"
    )
    parser.add_argument("--reports", type=int, default=10)
    parser.add_argument("--rows", type=int, default=100, help="data rows per report table")
    parser.add_argument(
        "--shape", choices=("long", "wide", "mixed", "monthly", "articles"), default="long"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skills", type=int, default=20_000, help="vocabulary size")
    args = parser.parse_args(argv)
    if args.preset:
        for key, value in PRESETS[args.preset].items():
            setattr(args, key, value)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    summary = generate(args.out, args.reports, args.rows, args.shape, args.seed, args.skills)
    json.dump(summary, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
