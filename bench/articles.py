"""Seeded articles in the styles publishers print (news text, Markdown press releases, HTML briefs) with what a reader must find."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# One style per format, in turn: a marketplace news story (text), a hiring press release
# (Markdown), a research brief (HTML).
FORMATS = (("text", "article.txt"), ("markdown", "article.md"), ("html", "article.html"))
PUBLISHERS = (
    "Gigline", "Bramble Jobs", "Northwind Analytics", "Talentcurve", "Openroster", "Skillmark",
    "Hirewell Labs", "Crewbase", "Upshift Research", "Workgraph",
)  # fmt: skip
SOURCES = (
    "the World Economic Forum", "the Labour Futures Institute", "the Skills Outlook Council",
    "the Institute for Work Studies", "the Global Jobs Observatory",
)  # fmt: skip
SPENDERS = (
    "Alphabet, Microsoft and Amazon", "Cloud providers", "The largest banks", "Employers",
    "Retailers",
)  # fmt: skip
SPEND_ON = ("on AI", "on training", "on data centres", "on automation")
SEASONS = ("Winter", "Spring", "Summer", "Autumn")
REASONS = (
    "firms automated routine work", "budgets moved to AI projects", "demand cooled after a busy year",
    "clients brought the work in-house",
)  # fmt: skip
CURRENCIES = (("$", "USD"), ("€", "EUR"), ("£", "GBP"))
# Mapping-rule sentence of the Markdown style: too loose to name a skill, so the manifest declares it.
MAPPING = ("hiring managers", "Contract Staffing", "Admin Support")


@dataclass
class Article:
    """Blocks of one article (each printed on its own line) and the figures, claims, leftovers it holds."""

    kind: str
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (role, text): p, h, li
    figures: list[dict] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    leftovers: int = 0

    def add(self, role: str, text: str, figures: tuple[dict, ...] = (), claims=()) -> None:
        row = len(self.blocks)  # index; the line number is known once the file is laid out
        self.blocks.append((role, text))
        self.figures += [{**f, "block": row} for f in figures]
        self.claims += [{**c, "block": row} for c in claims]


def _growth(rng: np.random.Generator) -> float:
    """A growth as publishers print it: one decimal for small figures, whole numbers for large ones."""
    value = float(rng.lognormal(3.6, 0.9))
    return round(value, 1) if value < 20 else float(round(value))


def _pct(value: float) -> str:
    return f"{value:g}%"


def _skill(name: str, value: float, category: str | None = None, qualifier: str = "exact") -> dict:
    return {
        "subject": name,
        "category": category,
        "kind": "skill",
        "measure": "growth_pct",
        "value": value,
        "qualifier": qualifier,
    }


def _name(rng: np.random.Generator, name: str) -> str:
    """Mid-sentence names are often printed lower-case."""
    return name.lower() if rng.random() < 0.4 else name


def lead(a: Article, rng, publisher: str, skill: str, category: str) -> None:
    """The seed article's opening: the fastest skill named in one sentence, its figure in the next."""
    value = float(rng.integers(150, 400))
    words, qualifier = [("more than ", "at_least"), ("", "exact"), ("nearly ", "at_most")][
        int(rng.integers(3))
    ]
    a.add(
        "p",
        f"A new report from the freelance platform {publisher} found that the AI skill growing "
        f"fastest is {skill} (a type of {category} work). Demand for that skill is up {words}"
        f"{_pct(value)} year over year.",
        (_skill(skill, value, f"{category} work", qualifier),),
    )


def bullets(a: Article, rng, picks: list[tuple[str, str]]) -> None:
    """'- Category: Skill is up 178%.' (html: a list item); some fall ('is down 12%')."""
    a.add("p", "Other skills on the rise, by category:")
    for skill, category in picks:
        value = _growth(rng)
        down = rng.random() < 0.2
        verb = "is down" if down else "is up"
        a.add(
            "li",
            f"{category}: {skill} {verb} {_pct(value)}.",
            (_skill(skill, -value if down else value, category),),
        )


def labels(a: Article, rng, picks: list[tuple[str, str]]) -> None:
    """'Skill: +22%', 'Skill: −9.5%' (unicode minus), 'Skill: up 140%'."""
    for skill, _ in picks:
        value = _growth(rng)
        style = int(rng.integers(4))
        printed = ("+", "\u2212", "-", "up ")[style] + _pct(value)
        label = f"**{skill}**" if a.kind == "markdown" else skill
        signed = -value if style in (1, 2) else value
        a.add("li", f"{label}: {printed}", (_skill(skill, signed),))


def verbs(a: Article, rng, picks: list[tuple[str, str]]) -> None:
    """'Demand for X grew 37% year over year.', 'X fell 8.5% as ...', 'Hiring for X climbed about 61%'."""
    for skill, _ in picks:
        value = _growth(rng)
        style = int(rng.integers(3))
        name = _name(rng, skill)
        if style == 0:
            text, fig = f"Demand for {name} grew {_pct(value)} year over year.", value
        elif style == 1:
            reason = REASONS[int(rng.integers(len(REASONS)))]
            text, fig = f"{skill} fell {_pct(value)} as {reason}.", -value
        else:
            text, fig = f"Hiring for {name} climbed about {_pct(value)}.", value
        a.add("p", text, (_skill(name, fig, qualifier="approx" if style == 2 else "exact"),))


def brackets(a: Article, rng, picks: list[tuple[str, str]]) -> None:
    """'Other risers include A (+18%), B (+12.5%) and C (+9%).'"""
    values = [_growth(rng) for _ in picks]
    printed = [f"{skill} (+{_pct(v)})" for (skill, _), v in zip(picks, values, strict=True)]
    listed = ", ".join(printed[:-1]) + " and " + printed[-1]
    a.add(
        "p",
        f"Other risers include {listed}.",
        tuple(_skill(skill, v) for (skill, _), v in zip(picks, values, strict=True)),
    )


def statements(a: Article, rng, skill: str) -> None:
    """A share by a horizon year credited to a source, money in a year, a count of postings."""
    source = SOURCES[int(rng.integers(len(SOURCES)))]
    share, horizon = int(rng.integers(20, 60)), int(rng.integers(2028, 2036))
    subject = "workers' skills will be transformed or become redundant"
    a.add(
        "p",
        f"{source[0].upper() + source[1:]} estimates that {share}% of {subject} by {horizon}.",
        (
            {
                "subject": subject,
                "category": None,
                "kind": "statement",
                "measure": "share_pct",
                "value": float(share),
                "qualifier": "exact",
                "source": source.removeprefix("the ").removeprefix("The "),
                "horizon": True,
            },
        ),
    )
    spender = SPENDERS[int(rng.integers(len(SPENDERS)))]
    sign, currency = CURRENCIES[int(rng.integers(len(CURRENCIES)))]
    amount, year = int(rng.integers(2, 900)), int(rng.integers(2026, 2029))
    on = SPEND_ON[int(rng.integers(len(SPEND_ON)))]
    a.add(
        "p",
        f"{spender} are forecast to spend {sign}{amount} billion {on} in {year} alone.",
        (
            {
                "subject": f"{spender} are forecast to spend … {on} in {year} alone",
                "category": None,
                "kind": "statement",
                "measure": "money",
                "value": amount * 1e9,
                "qualifier": "exact",
                "currency": currency,
            },
        ),
    )
    posts = round(float(rng.uniform(1.1, 9.9)), 1)
    a.add(
        "p",
        f"The report draws on {posts:g} million job posts.",
        (
            {
                "subject": "job posts",
                "category": None,
                "kind": "statement",
                "measure": "count",
                "value": posts * 1e6,
                "qualifier": "exact",
            },
        ),
    )


def record_claims(a: Article, rng, skills: list[str]) -> None:
    """Claims without a number: highest since a year, lowest on record, a record high."""
    since = int(rng.integers(2005, 2016))
    a.add(
        "p",
        f"Job postings for {skills[0].lower()} hit an all-time high since {since}.",
        claims=({"kind": "highest_since", "reference": str(since)},),
    )
    a.add(
        "p",
        f"Hiring for {skills[1].lower()} is at its lowest on record.",
        claims=({"kind": "record_low", "reference": None},),
    )


def build(index: int, rng: np.random.Generator, names: list[str], cats: list[str]) -> Article:
    """One article: its style follows the index, its skills and figures the generator."""
    kind = FORMATS[index % len(FORMATS)][0]
    publisher = PUBLISHERS[index % len(PUBLISHERS)]
    a = Article(kind)
    count = int(rng.integers(9, 15))
    picked = rng.choice(len(names), size=count + 2, replace=False)
    skills = [(names[i], cats[i]) for i in picked[:count]]
    season, year = SEASONS[index % 4], 2024 + index % 3
    a.add("h", f"{publisher} {season} {year} Skills Report: where demand moved")
    a.leftovers += 1  # the heading's year is no figure
    a.add("p", "Companies kept hiring for skills that put AI to work.")
    lead(a, rng, publisher, *skills[0])
    bullets(a, rng, skills[1:4])
    if kind == "markdown":
        labels(a, rng, skills[4:7])
    else:
        verbs(a, rng, skills[4:7])
    brackets(a, rng, skills[7:count])
    statements(a, rng, skills[0][0])
    if kind == "markdown":
        share = int(rng.integers(30, 70))
        a.add(
            "p",
            f"Nearly half of {MAPPING[0]} ({share}%) say they will hire more contract staff next quarter.",
            (_skill(MAPPING[1], float(share), MAPPING[2]) | {"measure": "share_pct"},),
        )
    record_claims(a, rng, [names[i] for i in picked[count:]])
    a.add("p", f"{publisher} was founded in {2005 + index % 15}.")
    a.leftovers += 1
    return a


def layout(a: Article, title: str) -> tuple[str, list[int]]:
    """The file's text and the line each block is printed on."""
    if a.kind == "html":
        head = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            f'<head><meta charset="utf-8"><title>{html.escape(title)}</title></head>',
            "<body><article>",
        ]
        lines, rows, in_list = list(head), [], False
        for role, text in a.blocks:
            if (role == "li") != in_list:
                lines.append("<ul>" if role == "li" else "</ul>")
                in_list = role == "li"
            tag = {"h": "h1", "p": "p", "li": "li"}[role]
            rows.append(len(lines) + 1)
            lines.append(f"<{tag}>{html.escape(text, quote=False)}</{tag}>")
        lines += ["</ul>"] if in_list else []
        lines += ["</article></body></html>"]
        return "\n".join(lines) + "\n", rows
    lines, rows = [], []
    for role, text in a.blocks:
        if a.kind == "markdown" and lines and (role != "li" or lines[-1][:2] != "- "):
            lines.append("")  # paragraphs are separated by blank lines
        printed = {"h": "# " if a.kind == "markdown" else "", "li": "- "}.get(role, "") + text
        rows.append(len(lines) + 1)
        lines.append(printed)
    return "\n".join(lines) + "\n", rows


def manifest(index: int, file: str, kind: str, publisher: str) -> str:
    """The prose mode as docs/formats.md documents it; the Markdown style declares a subject."""
    mode = 'mode = "prose"' if index % 2 else "prose = true"
    subjects = (
        f'\n[[tables.subjects]]\nmatch = "{MAPPING[0]}"\nskill = "{MAPPING[1]}"\n'
        f'category = "{MAPPING[2]}"\n'
        if kind == "markdown"
        else ""
    )
    return (
        "[report]\n"
        f'series = "synthetic-article-{index:05d}"\n'
        'edition = "2026"\n'
        f'publisher = "{publisher}"\n'
        f'title = "Synthetic article {index}"\n'
        f'source_url = "https://example.org/articles/{index}"\n'
        "published = 2026-02-01\n"
        'geography = "US"\n\n'
        f'[[tables]]\nfile = "{file}"\n{mode}\n' + subjects
    )


def write_article(
    raw: Path, index: int, seed: int, names: list[str], cats: list[str]
) -> tuple[dict, list[dict]]:
    """Write one report folder; return its counts and its expected figures and claims (with lines)."""
    rng = np.random.default_rng([seed, index])
    a = build(index, rng, names, cats)
    kind, file = FORMATS[index % len(FORMATS)]
    publisher = PUBLISHERS[index % len(PUBLISHERS)]
    report_id = f"synthetic-article-{index:05d}-2026"
    folder = raw / f"synthetic-publisher-{index // 5:04d}" / report_id
    folder.mkdir(parents=True, exist_ok=True)
    text, rows = layout(a, f"Synthetic article {index}")
    (folder / file).write_text(text, encoding="utf-8")
    (folder / "report.toml").write_text(manifest(index, file, kind, publisher), encoding="utf-8")
    where: Callable[[dict], dict] = lambda r: {  # noqa: E731
        "report_id": report_id,
        "file": file,
        "source_row": rows[r.pop("block")],
    }
    expected = [{"type": "figure", **where(f), **f} for f in a.figures]
    expected += [{"type": "claim", **where(c), **c} for c in a.claims]
    growth = [f for f in a.figures if f["measure"] == "growth_pct"]
    counts = {
        "reports": 1,
        "observations": len(a.figures),
        "skill_observations": sum(f["kind"] == "skill" for f in a.figures),
        "statements": sum(f["kind"] == "statement" for f in a.figures),
        "claims": len(a.claims),
        "leftovers": a.leftovers,
        "ranked": len({f["subject"].casefold() for f in growth}),
        "value_sum": sum(f["value"] for f in a.figures),
        "growth_sum": sum(f["value"] for f in growth),
        "files": {kind: 1},
    }
    return counts, expected


def generate_articles(
    out: Path, reports: int, seed: int, names: list[str], cats: list[str]
) -> dict:
    """out/raw/<publisher>/<report>/{report.toml,article.*}, out/expected.jsonl; the summed counts."""
    raw = out / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    # Names that read as one noun phrase in every template: no ' for ', ' and ', ' in ', ' with '.
    keep = [i for i, n in enumerate(names) if not any(w in n for w in (" for ", " and ", " in "))]
    names, cats = [names[i] for i in keep], [cats[i] for i in keep]
    totals: dict = {}
    with (out / "expected.jsonl").open("w", encoding="utf-8") as lines:
        for index in range(reports):
            counts, expected = write_article(raw, index, seed, names, cats)
            for key, value in counts.items():
                if isinstance(value, dict):
                    merged = totals.setdefault(key, {})
                    for k, v in value.items():
                        merged[k] = merged.get(k, 0) + v
                else:
                    totals[key] = totals.get(key, 0) + value
            lines.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in expected)
    return totals
