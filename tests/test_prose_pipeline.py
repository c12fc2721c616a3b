"""Prose end to end: articles (text, Markdown, HTML) through the flow into observations, claims,
quarantine and the marts; the seed article through `skillpulse new-report` unedited."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.pipeline import skillpulse_pipeline
from tests.conftest import REPO, write_report

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

ARTICLES = Path(__file__).parent / "fixtures" / "articles"
SEEDS = REPO.parent / "shared" / "seeds"


def _manifest(series: str, file: str, extra: str = "") -> str:
    return f"""
        [report]
        series = "{series}"
        edition = "2026"
        publisher = "Test publisher"
        title = "{series}"
        source_url = "https://example.org/{series}"

        [[tables]]
        file = "{file}"
        prose = true
        {extra}
    """


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse / "skillpulse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> Path:
    root = tmp_path_factory.mktemp("prose")
    raw = root / "raw"
    for series, name in (
        ("gigline-news", "marketplace_news.txt"),
        ("bramble-pulse", "hiring_release.md"),
        ("northwind-brief", "skills_brief.html"),
    ):
        extra = ""
        if series == "bramble-pulse":
            extra = (
                '[[tables.subjects]]\nmatch = "hiring managers"\nskill = "Contract staffing"\n'
                'category = "Admin support"'
            )
        write_report(
            raw / series, _manifest(series, name, extra), {name: (ARTICLES / name).read_bytes()}
        )
    warehouse = root / "warehouse"
    skillpulse_pipeline(str(raw), str(warehouse))
    return warehouse


def test_text_article_figures_subjects_and_lineage(articles: Path) -> None:
    rows = query(
        articles,
        """SELECT skill_raw, category_raw, measure, value, value_qualifier, comparison,
                  subject_kind, subject_source, source_row, source_span, source_text
           FROM lake.observations WHERE report_id = 'gigline-news-2026'
           ORDER BY source_row, source_column, figure_index""",
    )
    by_skill = {r[0]: r for r in rows}
    lead = by_skill[
        "prompt evaluation and red-teaming"
    ]  # named in one sentence, measured in the next
    assert lead[1:7] == ("data and AI work", "growth_pct", 240.0, "at_least", "yoy", "skill")
    assert lead[10] == "Demand for that skill is up more than 240% year over year (YoY)."
    start, end = map(int, lead[9].split("-"))
    assert lead[10][start:end] == "240%"
    line = (ARTICLES / "marketplace_news.txt").read_text(encoding="utf-8").splitlines()[lead[8] - 1]
    assert lead[10] in line
    bullets = [(r[0], r[1], r[3]) for r in rows if r[1] and r[0] != lead[0]]
    assert bullets == [
        ("Agent orchestration", "Software development", 131.0),
        ("Synthetic data generation", "Data and AI", 88.0),
        ("Localized video ads", "Sales and marketing", 64.0),
        ("Meeting transcription review", "Admin support", -12.0),
    ]
    share = next(r for r in rows if r[2] == "share_pct")
    assert share[3] == 44.0 and share[6] == "statement" and share[7] == "Skills Outlook Council"
    money = next(r for r in rows if r[2] == "money")
    assert money[3] == 210e9 and money[6] == "statement"
    assert query(
        articles,
        "SELECT currency, period_start FROM lake.observations WHERE measure = 'money' AND report_id = 'gigline-news-2026'",
    ) == [("EUR", __import__("datetime").date(2027, 1, 1))]


def test_claims_land_in_their_own_table(articles: Path) -> None:
    claims = query(
        articles,
        "SELECT report_id, kind, reference, subject, source_row FROM lake.claims ORDER BY report_id, source_row, source_span",
    )
    assert (
        "gigline-news-2026",
        "highest_since",
        "2012",
        "Hiring freezes",
        1,
    ) not in claims  # 'deepest' is no record
    assert ("gigline-news-2026", "record_high", None, None, 1) in [
        (a, b, c, None, e) for a, b, c, _, e in claims
    ]
    assert (
        "bramble-pulse-2026",
        "record_high",
        None,
        "Postings that mention AI agents",
        15,
    ) in claims
    assert ("bramble-pulse-2026", "lowest_since", "2015", "hiring for print layout", 15) in claims
    assert ("northwind-brief-2026", "record_high", None, None, 22) in claims
    comments = query(
        articles,
        "SELECT comment FROM duckdb_tables() WHERE schema_name = 'lake' AND table_name = 'claims'",
    )
    assert comments and comments[0][0]


def test_markdown_and_html_articles(articles: Path) -> None:
    md = query(
        articles,
        """SELECT skill_raw, category_raw, measure, value, comparison, source_row FROM lake.observations
           WHERE report_id = 'bramble-pulse-2026' ORDER BY source_row, source_column, figure_index""",
    )
    assert ("cybersecurity auditing", None, "growth_pct", 37.0, "qoq", 7) in md
    assert ("Technical writing", None, "growth_pct", 22.0, None, 9) in md
    voice = [r for r in md if r[0] == "Voice-over production"]
    assert [(r[3], r[4]) for r in voice] == [(-9.0, "qoq"), (26.0, "yoy")]
    staffing = [r for r in md if r[0] == "Contract staffing"]  # the declared subject
    assert [(r[1], r[2], r[3]) for r in staffing] == [("Admin support", "share_pct", 48.0)]
    html = query(
        articles,
        """SELECT skill_raw, category_raw, value, source_row FROM lake.observations
           WHERE report_id = 'northwind-brief-2026' AND measure = 'growth_pct' ORDER BY value DESC""",
    )
    assert html == [
        ("data contract design", None, 212.0, 12),
        ("vector search tuning", None, 167.0, 14),
        ("Infrastructure cost review", "Engineering", 74.0, 17),
        ("Motion graphics for product demos", "Design", 41.0, 18),
        ("Vendor risk screening", "Operations", 19.0, 19),
    ]


def test_sentences_with_digits_and_no_figure_are_listed(articles: Path) -> None:
    warnings = query(
        articles,
        """SELECT report_id, source_row, raw_record FROM lake.quarantine
           WHERE reason_code = 'prose_no_figure' ORDER BY report_id, source_row""",
    )
    texts = [w[2] for w in warnings]
    assert "See table 3 on page 12 for the method." in texts
    assert any("Q3 2026" in t for t in texts)  # a heading with a period only


def test_statements_are_never_ranked(articles: Path) -> None:
    ranked = query(
        articles,
        "SELECT skill_name, rank_in_report FROM marts.skill_growth_rankings WHERE report_id = 'northwind-brief-2026' ORDER BY rank_in_report",
    )
    assert [r[0] for r in ranked][:2] == ["data contract design", "vector search tuning"]
    statements = query(
        articles,
        "SELECT count(*) FROM staging.observations WHERE subject_kind = 'statement' AND is_skill",
    )
    assert statements == [(0,)]


@pytest.mark.realdata
@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed articles {SEEDS} are absent")
def test_seed_article_loads_unedited_from_a_drafted_manifest(tmp_path: Path) -> None:
    seed = next(iter(sorted(SEEDS.glob("*.txt"))))
    folder = tmp_path / "raw" / "upwork" / "ai-skills-article"
    folder.mkdir(parents=True)
    article = folder / "article.txt"
    shutil.copyfile(seed, article)
    drafted = CliRunner().invoke(
        app,
        [
            "new-report",
            str(article),
            "--publisher",
            "Upwork",
            "--series",
            "upwork-ai-skills-article",
            "--edition",
            "2026-02",
            "--source-url",
            "https://example.org/upwork-ai-skills",
        ],
    )
    assert drafted.exit_code == 0, drafted.output
    assert article.read_bytes() == seed.read_bytes()
    warehouse = tmp_path / "warehouse"
    skillpulse_pipeline(str(tmp_path / "raw"), str(warehouse))
    ranked = query(
        warehouse,
        """SELECT skill_name, category_id, growth_pct, rank_in_report FROM marts.skill_growth_rankings
           WHERE report_id = 'upwork-ai-skills-article-2026-02' ORDER BY rank_in_report""",
    )
    assert [(name, growth, rank) for name, _, growth, rank in ranked] == [
        ("AI video generation and editing", 329.0, 1),
        ("AI integration", 178.0, 2),
        ("Data annotation and labeling", 154.0, 3),
        ("E-commerce management", 130.0, 4),
        ("AI image generation and editing", 95.0, 5),
    ]
    assert [c for _, c, _, _ in ranked] == [
        "design-and-creative",
        "coding-and-web-development",
        "data-science-and-analytics",
        "customer-service-and-admin-support",
        "design-and-creative",
    ]
    lead = query(
        warehouse,
        """SELECT value_qualifier, comparison FROM lake.observations
           WHERE report_id = 'upwork-ai-skills-article-2026-02' AND value = 329""",
    )
    assert lead == [("at_least", "yoy")]
    share = query(
        warehouse,
        """SELECT value, subject_kind, subject_source, year(period_end) FROM lake.observations
           WHERE report_id = 'upwork-ai-skills-article-2026-02' AND measure = 'share_pct'""",
    )
    assert share == [(39.0, "statement", "World Economic Forum", 2030)]
    money = query(
        warehouse,
        """SELECT value, currency, year(period_start), year(period_end) FROM lake.observations
           WHERE report_id = 'upwork-ai-skills-article-2026-02' AND measure = 'money'""",
    )
    assert money == [(650e9, "USD", 2026, 2026)]
    claims = query(
        warehouse,
        "SELECT kind, reference, subject FROM lake.claims WHERE report_id = 'upwork-ai-skills-article-2026-02'",
    )
    assert ("highest_since", "2009", "Layoffs") in claims
    assert ("record_low", None, "hiring") in claims
    assert query(warehouse, "SELECT count(*) FROM lake.quarantine") == [(0,)]
