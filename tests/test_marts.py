"""Every mart in sql/marts, built from small lake rows, gives the expected rows (checks pass on each)."""

from __future__ import annotations

import statistics

import pytest

from flows.warehouse.build import build_models
from flows.warehouse.checks import run_checks
from tests.sql_fixtures import SQL_DIR, built_warehouse, lake_connection, query

UPWORK_2026 = "upwork-in-demand-skills-2026"
AI_VIDEO = "ai-video-generation-and-editing"


def obs(report_id: str, skill_id: str | None, value: float, **extra) -> dict:
    return {"report_id": report_id, "skill_id": skill_id, "value": value, **extra}


def warehouse(**rows):
    con = built_warehouse(**rows)
    run_checks(con, SQL_DIR)
    return con


SKILLS = [
    {"skill_id": AI_VIDEO, "name": "AI video generation and editing", "category_id": "design"},
    {"skill_id": "ai-image", "name": "AI image generation and editing", "category_id": "design"},
    {
        "skill_id": "ai-integration",
        "name": "Artificial intelligence integration",
        "category_id": "coding",
    },
    {"skill_id": "data-annotation", "name": "Data annotation and labeling", "category_id": "data"},
    {"skill_id": "ecommerce", "name": "E-commerce management", "category_id": "admin"},
    {"skill_id": "bookkeeping", "name": "Bookkeeping", "category_id": "admin"},
]
CATEGORIES = [
    {"category_id": "design", "name": "Design and creative"},
    {"category_id": "coding", "name": "Coding and web development"},
    {"category_id": "data", "name": "Data science and analytics"},
    {"category_id": "admin", "name": "Customer service and admin support"},
]
# Upwork In-Demand Skills 2026 (figures from the seed article), plus a tie, an unmatched name and a total.
UPWORK_ROWS = [
    obs(
        UPWORK_2026,
        AI_VIDEO,
        329.0,
        value_qualifier="at_least",
        skill_raw="AI video generation and editing",
        category_id="design",
    ),
    obs(UPWORK_2026, "ai-integration", 178.0, category_id="coding"),
    obs(UPWORK_2026, "data-annotation", 154.0, category_id="data"),
    obs(UPWORK_2026, "ecommerce", 130.0, category_id="admin"),
    obs(UPWORK_2026, "bookkeeping", 130.0, category_id="admin"),
    obs(UPWORK_2026, "ai-image", 95.0),  # no category printed: the taxonomy's 'design' applies
    obs(UPWORK_2026, None, 60.0, skill_raw="  Prompt   Whispering "),
    obs(UPWORK_2026, None, 500.0, skill_raw="All AI skills", skill_match_method="excluded"),
]


def growth_rankings(con, report_id: str) -> dict[str, dict]:
    rows = query(
        con, "SELECT * FROM marts.skill_growth_rankings WHERE report_id = $r", {"r": report_id}
    )
    return {row["skill_key"]: row for row in rows}


def test_published_growth_ranks_ties_unmatched_and_categories():
    con = warehouse(observations=UPWORK_ROWS, skills=SKILLS, categories=CATEGORIES)
    rows = growth_rankings(con, UPWORK_2026)
    expected_ranks = {
        AI_VIDEO: 1,
        "ai-integration": 2,
        "data-annotation": 3,
        "ecommerce": 4,
        "bookkeeping": 4,  # same growth, same rank (RANK)
        "ai-image": 6,
        "raw:prompt whispering": 7,
    }
    assert {key: row["rank_in_report"] for key, row in rows.items()} == expected_ranks
    assert {key: row["percentile"] for key, row in rows.items()} == pytest.approx(
        {key: (7 - rank) / 6 for key, rank in expected_ranks.items()}
    )
    unmatched = rows["raw:prompt whispering"]
    assert (unmatched["skill_id"], unmatched["skill_name"], unmatched["category_id"]) == (
        None,
        "Prompt   Whispering",
        None,
    )
    assert unmatched["rank_in_category"] is None
    top = rows[AI_VIDEO]
    assert (top["growth_pct"], top["value_qualifier"], top["growth_source"], top["measure"]) == (
        329.0,
        "at_least",
        "published",
        "growth_pct",
    )
    assert (
        top["base_value"],
        top["base_period_end"],
        top["small_base"],
        top["skills_in_ranking"],
    ) == (None, None, False, 7)
    assert (rows["ai-image"]["category_id"], rows["ai-image"]["rank_in_category"]) == ("design", 2)
    assert (rows["ecommerce"]["rank_in_category"], rows["bookkeeping"]["rank_in_category"]) == (
        1,
        1,
    )
    assert top["source_row"] == 2 and top["source_file"].endswith("skills.csv")


def test_one_skill_report_is_rank_one_percentile_one():
    con = warehouse(observations=[obs("solo-report-2025", "ai-integration", 12.5)])
    [row] = growth_rankings(con, "solo-report-2025").values()
    assert (row["rank_in_report"], row["percentile"], row["skills_in_ranking"]) == (1, 1.0, 1)


def test_level_series_gives_derived_growth_excluding_zero_and_gapped_bases():
    report = "ai-index-genai-2025"

    def count(skill, year, value):
        return obs(
            report,
            skill,
            value,
            measure="count",
            table_name="genai_postings",
            period_start=f"{year}-01-01",
            period_end=f"{year}-12-31",
            source_column=str(year),
        )

    rows = [
        count("generative-ai", 2023, 15741),
        count("generative-ai", 2024, 66635),
        count("llm", 2023, 4956),
        count("llm", 2024, 12390),
        count("tiny", 2023, 20),
        count("tiny", 2024, 40),
        count("from-zero", 2023, 0),
        count("from-zero", 2024, 50),
        count("only-latest", 2024, 70),
        count("gapped", 2022, 10),
        count("gapped", 2024, 90),  # no 2023 value: no base for 2024
    ]
    shares = [
        obs(
            report,
            "llm",
            0.05,
            measure="share_pct",
            table_name="genai_share",
            period_start="2023-01-01",
            period_end="2023-12-31",
        ),
        obs(
            report,
            "llm",
            0.2,
            measure="share_pct",
            table_name="genai_share",
            period_start="2024-01-01",
            period_end="2024-12-31",
        ),
    ]
    con = warehouse(observations=rows + shares)
    ranked = query(
        con,
        "SELECT * FROM marts.skill_growth_rankings WHERE table_name = 'genai_postings' ORDER BY rank_in_report",
    )
    assert [(r["skill_id"], r["rank_in_report"]) for r in ranked] == [
        ("generative-ai", 1),
        ("llm", 2),
        ("tiny", 3),
    ]
    genai = ranked[0]
    assert genai["growth_pct"] == pytest.approx((66635 / 15741 - 1) * 100)
    assert genai["growth_pct"] == pytest.approx(323.3213, abs=1e-4)
    assert (genai["growth_source"], genai["measure"], genai["value"], genai["base_value"]) == (
        "derived",
        "count",
        66635,
        15741,
    )
    assert (
        str(genai["period_end"]),
        str(genai["base_period_end"]),
        str(genai["base_period_start"]),
    ) == ("2024-12-31", "2023-12-31", "2023-01-01")
    assert [r["small_base"] for r in ranked] == [False, False, True]
    assert [r["percentile"] for r in ranked] == [1.0, 0.5, 0.0]
    [share] = query(
        con, "SELECT * FROM marts.skill_growth_rankings WHERE table_name = 'genai_share'"
    )
    assert (share["growth_pct"], share["small_base"], share["percentile"]) == (
        pytest.approx(300.0),
        True,
        1.0,
    )


def test_rankings_are_per_table_and_geography_and_keep_the_first_duplicate():
    report = "geo-report-2025"
    rows = [
        obs(report, "llm", 50.0, geography="US"),
        obs(report, "ai-integration", 40.0, geography="US"),
        obs(report, "llm", 10.0, geography="UK"),
        obs(report, "ai-integration", 30.0, geography="UK"),
        obs(report, "ai-integration", 99.0, geography="UK", skill_raw="AI integration (dup)"),
        obs(report, "llm", 5.0, table_name="other"),
    ]
    con = warehouse(observations=rows)
    ranked = query(
        con,
        "SELECT table_name, geography, skill_id, growth_pct, rank_in_report FROM marts.skill_growth_rankings ORDER BY ALL",
    )
    assert ranked == [
        {
            "table_name": "other",
            "geography": None,
            "skill_id": "llm",
            "growth_pct": 5.0,
            "rank_in_report": 1,
        },
        {
            "table_name": "skills",
            "geography": "UK",
            "skill_id": "ai-integration",
            "growth_pct": 30.0,
            "rank_in_report": 1,
        },
        {
            "table_name": "skills",
            "geography": "UK",
            "skill_id": "llm",
            "growth_pct": 10.0,
            "rank_in_report": 2,
        },
        {
            "table_name": "skills",
            "geography": "US",
            "skill_id": "ai-integration",
            "growth_pct": 40.0,
            "rank_in_report": 2,
        },
        {
            "table_name": "skills",
            "geography": "US",
            "skill_id": "llm",
            "growth_pct": 50.0,
            "rank_in_report": 1,
        },
    ]
    [dup] = query(
        con,
        "SELECT duplicate_rows FROM intermediate.skill_values WHERE geography = 'UK' AND skill_id = 'ai-integration'",
    )
    assert dup["duplicate_rows"] == 2


def test_latest_period_of_a_published_growth_series_is_ranked():
    report = "yearly-growth-2025"
    rows = [
        obs(report, "llm", 90.0, period_start="2023-01-01", period_end="2023-12-31"),
        obs(report, "llm", 10.0, period_start="2024-01-01", period_end="2024-12-31"),
        obs(report, "ai-integration", 20.0, period_start="2024-01-01", period_end="2024-12-31"),
    ]
    con = warehouse(observations=rows)
    ranked = query(
        con,
        "SELECT skill_id, growth_pct, rank_in_report, period_end FROM marts.skill_growth_rankings ORDER BY rank_in_report",
    )
    assert [
        (r["skill_id"], r["growth_pct"], r["rank_in_report"], str(r["period_end"])) for r in ranked
    ] == [
        ("ai-integration", 20.0, 1, "2024-12-31"),
        ("llm", 10.0, 2, "2024-12-31"),
    ]


COMPARISON_ROWS = [
    *UPWORK_ROWS,
    # Another marketplace lists the share of AI posts by skill: AI video second of four.
    obs("freelance-trends-2025", "ai-integration", 31.0, measure="share_pct"),
    obs("freelance-trends-2025", AI_VIDEO, 22.0, measure="share_pct"),
    obs("freelance-trends-2025", "data-annotation", 9.0, measure="share_pct"),
    obs("freelance-trends-2025", "ecommerce", 4.0, measure="share_pct"),
    # An older Upwork edition, and a survey printing ranks (1 = top).
    obs("upwork-in-demand-skills-2025", AI_VIDEO, 100.0),
    obs("upwork-in-demand-skills-2025", "ai-integration", 200.0),
    obs("skills-survey-2025", AI_VIDEO, 1.0, measure="rank"),
    obs("skills-survey-2025", "ai-integration", 2.0, measure="rank"),
    obs("skills-survey-2025", "ecommerce", 3.0, measure="rank"),
]


def test_seed_claims_are_answerable_from_the_marts():
    con = warehouse(observations=COMPARISON_ROWS, skills=SKILLS, categories=CATEGORIES)
    fastest = query(
        con,
        """
        SELECT skill_name, growth_pct, value_qualifier
        FROM marts.skill_growth_rankings
        WHERE series_id = 'upwork-in-demand-skills' AND edition = '2026' AND rank_in_report = 1
        """,
    )
    assert fastest == [
        {
            "skill_name": "AI video generation and editing",
            "growth_pct": 329.0,
            "value_qualifier": "at_least",
        }
    ]
    near_top_elsewhere = query(
        con,
        """
        SELECT report_id, measure, rank_in_report, skills_in_ranking, percentile
        FROM marts.skill_comparisons
        WHERE skill_name = 'AI video generation and editing'
          AND series_id <> 'upwork-in-demand-skills'
          AND percentile >= 0.6
        ORDER BY percentile DESC, report_id
        """,
    )
    assert near_top_elsewhere == [
        {
            "report_id": "skills-survey-2025",
            "measure": "rank",
            "rank_in_report": 1,
            "skills_in_ranking": 3,
            "percentile": 1.0,
        },
        {
            "report_id": "freelance-trends-2025",
            "measure": "share_pct",
            "rank_in_report": 2,
            "skills_in_ranking": 4,
            "percentile": pytest.approx(2 / 3),
        },
    ]


def test_skill_comparisons_consensus_spread_and_latest_edition():
    con = warehouse(observations=COMPARISON_ROWS, skills=SKILLS, categories=CATEGORIES)
    rows = query(
        con,
        "SELECT * FROM marts.skill_comparisons WHERE skill_id = $s ORDER BY report_id",
        {"s": AI_VIDEO},
    )
    percentiles = {r["report_id"]: r["percentile"] for r in rows}
    assert percentiles == pytest.approx(
        {
            "freelance-trends-2025": 2 / 3,
            "skills-survey-2025": 1.0,
            "upwork-in-demand-skills-2025": 0.0,
            UPWORK_2026: 1.0,
        }
    )
    assert {r["report_id"]: r["is_latest_edition"] for r in rows} == {
        "freelance-trends-2025": True,
        "skills-survey-2025": True,
        "upwork-in-demand-skills-2025": False,
        UPWORK_2026: True,
    }
    first = rows[0]
    assert (first["reports"], first["publishers"]) == (4, 3)
    assert first["consensus_percentile"] == pytest.approx((2 / 3 + 1 + 0 + 1) / 4)
    assert first["percentile_spread"] == pytest.approx(1.0)
    assert query(
        con, "SELECT count(*) AS n FROM marts.skill_comparisons WHERE skill_id IS NULL"
    ) == [{"n": 0}]
    consensus = query(
        con,
        "SELECT DISTINCT skill_id, consensus_percentile, consensus_rank FROM marts.skill_comparisons ORDER BY consensus_rank, skill_id",
    )
    assert consensus[0]["consensus_rank"] == 1
    assert [r["consensus_rank"] for r in consensus] == sorted(
        r["consensus_rank"] for r in consensus
    )


def agreement_rows():
    def ranking(report_id, values, measure="growth_pct"):
        return [obs(report_id, skill, value, measure=measure) for skill, value in values.items()]

    return (
        ranking("alpha-2025", {"s1": 40, "s2": 30, "s3": 20, "s4": 10})
        + ranking("bravo-2025", {"s1": 4, "s2": 3, "s3": 2, "s4": 1})  # same order as alpha
        + ranking("charlie-2025", {"s1": 1, "s2": 2, "s3": 3, "s4": 4})  # reversed
        + ranking(
            "delta-2025", {"s1": 1, "s2": 2, "s3": 3, "s4": 4}, measure="rank"
        )  # same order, printed as ranks
        + ranking("echo-2025", {"s1": 40, "s2": 10, "s3": 20, "s4": 30})  # two skills swapped
        + ranking("foxtrot-2025", {"s1": 10, "s2": 10, "s3": 5, "s4": 1})  # a tie
        + ranking("golf-2025", {"s1": 5, "s2": 6, "x1": 7, "x2": 8})  # only two shared skills
    )


def test_report_agreement_spearman_on_known_examples():
    con = warehouse(observations=agreement_rows())
    rows = query(con, "SELECT * FROM marts.report_agreement")
    by_pair = {(r["report_id_a"], r["report_id_b"]): r for r in rows}
    assert by_pair["alpha-2025", "bravo-2025"]["spearman"] == pytest.approx(1.0)
    assert by_pair["alpha-2025", "bravo-2025"]["most_disagreed"] == []
    assert by_pair["alpha-2025", "charlie-2025"]["spearman"] == pytest.approx(-1.0)
    assert by_pair["alpha-2025", "delta-2025"]["spearman"] == pytest.approx(1.0)
    swapped = by_pair["alpha-2025", "echo-2025"]
    assert swapped["spearman"] == pytest.approx(1 - 6 * (2**2 + 2**2) / (4 * (4**2 - 1)))  # 0.2
    assert [
        (d["skill_id"], d["rank_a"], d["rank_b"], d["rank_difference"])
        for d in swapped["most_disagreed"]
    ] == [
        ("s2", 2, 4, 2),
        ("s4", 4, 2, 2),
    ]
    tied = by_pair["alpha-2025", "foxtrot-2025"]
    assert tied["spearman"] == pytest.approx(statistics.correlation([1, 2, 3, 4], [1.5, 1.5, 3, 4]))
    assert tied["shared_skills"] == 4
    assert not [pair for pair in by_pair if "golf-2025" in pair]
    assert all(r["report_id_a"] < r["report_id_b"] for r in rows)


EDITION_ROWS = [
    obs("upwork-in-demand-skills-2024", "ai-integration", 80.0),
    obs("upwork-in-demand-skills-2025", "ai-integration", 200.0),
    obs("upwork-in-demand-skills-2025", "chatbot", 150.0),
    obs("upwork-in-demand-skills-2025", AI_VIDEO, 100.0),
    obs("upwork-in-demand-skills-2025", "data-annotation", 50.0),
    obs("upwork-in-demand-skills-2025", "seo", 10.0),
    obs("upwork-in-demand-skills-2025", None, 5.0, skill_raw="Prompt whispering"),
    obs(UPWORK_2026, AI_VIDEO, 329.0, value_qualifier="at_least"),
    obs(UPWORK_2026, "ai-integration", 178.0),
    obs(UPWORK_2026, "data-annotation", 154.0),
    obs(UPWORK_2026, "ecommerce", 130.0),
    obs(UPWORK_2026, "seo", 20.0),
    obs(UPWORK_2026, None, 6.0, skill_raw="prompt  whispering"),
    # Edition texts sort the other way round from their publication dates.
    obs("pulse-survey-spring25", "seo", 1.0, measure="rank"),
    obs("pulse-survey-autumn25", "seo", 2.0, measure="rank"),
    obs("pulse-survey-autumn25", "chatbot", 1.0, measure="rank"),
]
EDITION_REPORTS = [
    {
        "report_id": "upwork-in-demand-skills-2026",
        "published": "2026-02-04",
        "method_change": "Now counts all AI job posts",
    },
    {"report_id": "upwork-in-demand-skills-2027", "published": "2027-02-01", "status": "failed"},
    {"report_id": "pulse-survey-spring25", "published": "2025-04-01"},
    {"report_id": "pulse-survey-autumn25", "published": "2025-10-01"},
]


def test_edition_changes_new_dropped_moved_and_method_change():
    con = warehouse(observations=EDITION_ROWS, reports=EDITION_REPORTS)
    rows = query(
        con,
        """
        SELECT skill_key, status, rank_before, rank_after, value_before, value_after, rank_change, method_changed
        FROM marts.edition_changes WHERE report_id_after = $r ORDER BY skill_key
        """,
        {"r": UPWORK_2026},
    )
    assert rows == [
        {
            "skill_key": "ai-integration",
            "status": "down",
            "rank_before": 1,
            "rank_after": 2,
            "value_before": 200.0,
            "value_after": 178.0,
            "rank_change": -1,
            "method_changed": True,
        },
        {
            "skill_key": AI_VIDEO,
            "status": "up",
            "rank_before": 3,
            "rank_after": 1,
            "value_before": 100.0,
            "value_after": 329.0,
            "rank_change": 2,
            "method_changed": True,
        },
        {
            "skill_key": "chatbot",
            "status": "dropped",
            "rank_before": 2,
            "rank_after": None,
            "value_before": 150.0,
            "value_after": None,
            "rank_change": None,
            "method_changed": True,
        },
        {
            "skill_key": "data-annotation",
            "status": "up",
            "rank_before": 4,
            "rank_after": 3,
            "value_before": 50.0,
            "value_after": 154.0,
            "rank_change": 1,
            "method_changed": True,
        },
        {
            "skill_key": "ecommerce",
            "status": "new",
            "rank_before": None,
            "rank_after": 4,
            "value_before": None,
            "value_after": 130.0,
            "rank_change": None,
            "method_changed": True,
        },
        {
            "skill_key": "raw:prompt whispering",
            "status": "same",
            "rank_before": 6,
            "rank_after": 6,
            "value_before": 5.0,
            "value_after": 6.0,
            "rank_change": 0,
            "method_changed": True,
        },
        {
            "skill_key": "seo",
            "status": "same",
            "rank_before": 5,
            "rank_after": 5,
            "value_before": 10.0,
            "value_after": 20.0,
            "rank_change": 0,
            "method_changed": True,
        },
    ]
    steps = query(
        con,
        "SELECT DISTINCT series_id, edition_before, edition_after, method_changed FROM marts.edition_changes ORDER BY ALL",
    )
    assert steps == [
        {
            "series_id": "pulse-survey",
            "edition_before": "spring25",
            "edition_after": "autumn25",
            "method_changed": False,
        },
        {
            "series_id": "upwork-in-demand-skills",
            "edition_before": "2024",
            "edition_after": "2025",
            "method_changed": False,
        },
        {
            "series_id": "upwork-in-demand-skills",
            "edition_before": "2025",
            "edition_after": "2026",
            "method_changed": True,
        },
    ]
    pulse = query(
        con,
        "SELECT skill_key, status FROM marts.edition_changes WHERE series_id = 'pulse-survey' ORDER BY skill_key",
    )
    assert pulse == [
        {"skill_key": "chatbot", "status": "new"},
        {"skill_key": "seo", "status": "down"},
    ]
    latest = query(
        con, "SELECT report_id FROM staging.reports WHERE is_latest_edition ORDER BY report_id"
    )
    assert latest == [{"report_id": "pulse-survey-autumn25"}, {"report_id": UPWORK_2026}]


def test_category_summary_per_report_and_category():
    con = warehouse(observations=UPWORK_ROWS, skills=SKILLS, categories=CATEGORIES)
    rows = query(
        con,
        """
        SELECT category_id, category_name, skills, median_growth_pct, top_growth_pct, top_skill, top_skill_ties,
               category_rank_in_report, categories_in_report
        FROM marts.category_summary ORDER BY category_rank_in_report
        """,
    )
    assert rows == [
        {
            "category_id": "design",
            "category_name": "Design and creative",
            "skills": 2,
            "median_growth_pct": 212.0,
            "top_growth_pct": 329.0,
            "top_skill": "AI video generation and editing",
            "top_skill_ties": 1,
            "category_rank_in_report": 1,
            "categories_in_report": 4,
        },
        {
            "category_id": "coding",
            "category_name": "Coding and web development",
            "skills": 1,
            "median_growth_pct": 178.0,
            "top_growth_pct": 178.0,
            "top_skill": "Artificial intelligence integration",
            "top_skill_ties": 1,
            "category_rank_in_report": 2,
            "categories_in_report": 4,
        },
        {
            "category_id": "data",
            "category_name": "Data science and analytics",
            "skills": 1,
            "median_growth_pct": 154.0,
            "top_growth_pct": 154.0,
            "top_skill": "Data annotation and labeling",
            "top_skill_ties": 1,
            "category_rank_in_report": 3,
            "categories_in_report": 4,
        },
        {
            "category_id": "admin",
            "category_name": "Customer service and admin support",
            "skills": 2,
            "median_growth_pct": 130.0,
            "top_growth_pct": 130.0,
            "top_skill": "Bookkeeping",
            "top_skill_ties": 2,
            "category_rank_in_report": 4,
            "categories_in_report": 4,
        },
    ]


def test_skill_name_matches_lists_every_raw_name_by_report():
    rows = [
        obs(UPWORK_2026, AI_VIDEO, 329.0, skill_raw="AI video generation and editing"),
        obs(
            "freelance-trends-2025",
            AI_VIDEO,
            22.0,
            skill_raw="AI Video Gen",
            skill_match_method="fuzzy",
            skill_match_score=91.5,
        ),
        obs(
            "freelance-trends-2025",
            AI_VIDEO,
            21.0,
            skill_raw="AI Video Gen",
            table_name="by_region",
            geography="EU",
            skill_match_method="fuzzy",
            skill_match_score=91.5,
        ),
        obs(UPWORK_2026, None, 60.0, skill_raw="Prompt whispering"),
    ]
    con = warehouse(observations=rows, skills=SKILLS)
    matches = query(
        con,
        "SELECT skill_id, skill_name, skill_raw, report_id, match_method, match_score, confirmed, observations "
        "FROM marts.skill_name_matches ORDER BY ALL",
    )
    assert matches == [
        {
            "skill_id": AI_VIDEO,
            "skill_name": "AI video generation and editing",
            "skill_raw": "AI Video Gen",
            "report_id": "freelance-trends-2025",
            "match_method": "fuzzy",
            "match_score": 91.5,
            "confirmed": False,
            "observations": 2,
        },
        {
            "skill_id": AI_VIDEO,
            "skill_name": "AI video generation and editing",
            "skill_raw": "AI video generation and editing",
            "report_id": UPWORK_2026,
            "match_method": "alias",
            "match_score": 100.0,
            "confirmed": True,
            "observations": 1,
        },
        {
            "skill_id": None,
            "skill_name": "Prompt whispering",
            "skill_raw": "Prompt whispering",
            "report_id": UPWORK_2026,
            "match_method": "unmatched",
            "match_score": None,
            "confirmed": False,
            "observations": 1,
        },
    ]


def test_every_mart_builds_and_passes_checks_on_an_empty_lake():
    con = warehouse()
    counts = query(
        con,
        "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY table_name",
    )
    assert [r["table_name"] for r in counts] == [
        "category_summary",
        "edition_changes",
        "report_agreement",
        "skill_consensus",
        "skill_growth_rankings",
        "skill_name_matches",
    ]
    # skill_comparisons joins the per-report mentions and the per-skill consensus when read.
    views = query(con, "SELECT view_name FROM duckdb_views() WHERE schema_name = 'marts'")
    assert {"skill_comparisons", "skill_mentions"} <= {r["view_name"] for r in views}


@pytest.mark.realdata
def test_derived_growth_on_ai_index_generative_ai_postings(realdata):
    # AI Index 2025 fig 4.2.5: Lightcast counts of postings per generative-AI skill, 2023 and 2024.
    path = realdata / "stanford_ai_index_2025_ch4_jobs" / "fig_4.2.5.csv"
    con = lake_connection(reports=[{"report_id": "ai-index-2025", "publisher": "Stanford HAI"}])
    con.execute(
        """
        INSERT INTO lake.observations BY NAME
        SELECT
            'ai-index-2025' AS report_id, 'ai-index' AS series_id, 'Stanford HAI' AS publisher,
            '2025' AS edition, 'genai_postings' AS table_name, 'count' AS measure,
            make_date("Year"::INTEGER, 1, 1) AS period_start, make_date("Year"::INTEGER, 12, 31) AS period_end,
            "Year" AS period_label, "Generative AI skill" AS skill_raw, 'unmatched' AS skill_match_method,
            "Number of AI Job Postings"::DOUBLE AS value, 'exact' AS value_qualifier, 'count' AS unit,
            'fig_4.2.5.csv' AS source_file, row_number() OVER () + 1 AS source_row,
            'Number of AI Job Postings' AS source_column, 1 AS source_column_index,
            "Number of AI Job Postings" AS source_text
        FROM read_csv($path, all_varchar = true)
        """,
        {"path": str(path)},
    )
    build_models(con, SQL_DIR)
    run_checks(con, SQL_DIR)
    ranked = query(
        con,
        "SELECT skill_name, growth_pct, rank_in_report, percentile, small_base, base_value "
        "FROM marts.skill_growth_rankings ORDER BY rank_in_report",
    )
    assert len(ranked) == 10
    assert (ranked[0]["skill_name"], ranked[0]["growth_pct"]) == (
        "Microsoft Copilot",
        pytest.approx(2237.5),
    )
    assert ranked[0]["percentile"] == 1.0
    genai = next(r for r in ranked if r["skill_name"] == "Generative artificial intelligence")
    assert (genai["growth_pct"], genai["base_value"]) == (pytest.approx(323.3213, abs=1e-4), 15741)
    assert (ranked[-1]["skill_name"], ranked[-1]["percentile"]) == ("Text to speech (TTS)", 0.0)
    assert ranked[-1]["growth_pct"] < 0
    assert not any(r["small_base"] for r in ranked)


@pytest.mark.parametrize(
    "printed",
    ["Prompt whispering", "PROMPT  whispering", "Prompt\twhispering", "Prompt \r\n Whispering"],
)
def test_unmatched_names_differing_in_case_or_whitespace_share_a_skill_key(printed: str):
    con = built_warehouse(observations=[obs(UPWORK_2026, None, 5.0, skill_raw=printed)])
    (row,) = query(con, "SELECT skill_key, skill_raw FROM staging.observations")
    assert row == {"skill_key": "raw:prompt whispering", "skill_raw": printed}


def test_a_skill_printed_twice_keeps_its_first_cell_and_counts_the_others():
    rows = [
        obs(UPWORK_2026, "llm", 9.0, source_row=7),
        obs(UPWORK_2026, "llm", 5.0, source_row=3, source_column_index=4),
        obs(UPWORK_2026, "llm", 6.0, source_row=3, source_column_index=2),
        obs(UPWORK_2026, None, 1.0, skill_raw="Vibe coding", source_row=4, period_start=None),
        obs(UPWORK_2026, None, 2.0, skill_raw="vibe  CODING", source_row=8, period_start=None),
        obs(UPWORK_2026, "seo", 3.0, source_row=5),
    ]
    con = built_warehouse(observations=rows)
    kept = query(
        con,
        "SELECT skill_key, value, source_row, duplicate_rows FROM intermediate.skill_values "
        "ORDER BY skill_key",
    )
    assert kept == [
        {"skill_key": "llm", "value": 6.0, "source_row": 3, "duplicate_rows": 3},
        {"skill_key": "raw:vibe coding", "value": 1.0, "source_row": 4, "duplicate_rows": 2},
        {"skill_key": "seo", "value": 3.0, "source_row": 5, "duplicate_rows": 1},
    ]


def test_an_unconfirmed_alias_stays_unconfirmed_in_the_name_matches():
    # The matcher decides "confirmed" once; the mart carries it instead of re-deriving it from
    # the method (an alias added from a fuzzy guess is an alias, but nobody has confirmed it).
    rows = [
        obs(UPWORK_2026, AI_VIDEO, 329.0, skill_raw="AI vid", skill_match_confirmed=False),
        obs(UPWORK_2026, AI_VIDEO, 300.0, skill_raw="AI video", table_name="other"),
    ]
    con = warehouse(observations=rows, skills=SKILLS)
    confirmed = query(
        con, "SELECT skill_raw, confirmed FROM marts.skill_name_matches ORDER BY skill_raw"
    )
    assert confirmed == [
        {"skill_raw": "AI vid", "confirmed": False},
        {"skill_raw": "AI video", "confirmed": True},
    ]


def test_a_change_in_points_never_ranks_with_growth():
    """'HR job postings up 15 pts' in a growth table is share_change_pp: not a +15% growth in the
    rankings, and not placed beside the growth figures of its table in the comparison marts."""
    con = warehouse(
        observations=[
            obs("points-report-2025", "ai-integration", 12.5),
            obs("points-report-2025", "bookkeeping", 3.0),
            obs("points-report-2025", "ecommerce", 15.0, measure="share_change_pp"),
        ]
    )
    assert set(growth_rankings(con, "points-report-2025")) == {"ai-integration", "bookkeeping"}
    positions = query(
        con,
        "SELECT skill_key, skills_in_ranking FROM intermediate.skill_positions "
        "WHERE report_id = 'points-report-2025'",
    )
    assert {(r["skill_key"], r["skills_in_ranking"]) for r in positions} == {
        ("ai-integration", 2),
        ("bookkeeping", 2),
    }
