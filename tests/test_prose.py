"""Prose reading: blocks and sentences with spans, claims without numbers, subjects of figures."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pysbd
import pytest

from flows.extract.claims import find_claims
from flows.extract.prose import read_sentences
from flows.extract.sentences import (
    Sentence,
    _with_starts,
    html_blocks,
    markdown_blocks,
    split_sentences,
    text_blocks,
)
from flows.extract.subjects import SubjectRule, antecedent, credited_source, find_subject
from flows.normalize.figures import find_figures

ARTICLES = Path(__file__).parent / "fixtures" / "articles"


def _sentence(text: str, bullet: bool = False) -> Sentence:
    return Sentence(1, 0, len(text), text, text, bullet=bullet)


def _subject(text: str, printed: str, measure: str | None = "growth_pct", previous=None, **kw):
    start = text.index(printed)
    bullet = text.lstrip().startswith("-")
    return find_subject(
        _sentence(text, bullet), start, start + len(printed), measure, previous, **kw
    )


def test_text_sentences_carry_line_and_span():
    text = (ARTICLES / "marketplace_news.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    sentences = split_sentences(text_blocks(text))
    back = next(s for s in sentences if s.text.startswith("Demand for that skill"))
    assert back.row == 4
    assert lines[back.row - 1][back.start : back.end] == back.text
    assert back.start > 0  # the second sentence of its line
    bullets = [s for s in sentences if s.bullet]
    assert [s.row for s in bullets] == [7, 8, 9, 10]


def test_markdown_markup_is_blanked_but_spans_and_published_text_hold():
    text = (ARTICLES / "hiring_release.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    sentences = split_sentences(markdown_blocks(text))
    audit = next(s for s in sentences if "cybersecurity" in s.text)
    assert "**" not in audit.text
    assert audit.published == lines[audit.row - 1][audit.start : audit.end]
    assert "**cybersecurity auditing**" in audit.published
    assert next(s for s in sentences if s.heading).text.startswith("Bramble Jobs Quarterly")


def test_html_reads_innermost_blocks_and_skips_script_nav_footer():
    sentences = split_sentences(html_blocks((ARTICLES / "skills_brief.html").read_bytes()))
    texts = [s.text for s in sentences]
    assert not any("12345" in t or "Home" in t or "©" in t for t in texts)
    assert "Northwind Analytics tracked 5.1 million postings this year." in texts
    demand = next(s for s in sentences if s.text.startswith("Demand for data contract design"))
    assert demand.row == 12 and demand.start > 0  # second sentence of the <p> on line 12
    items = [s for s in sentences if s.bullet]
    assert [s.text.split(":")[0] for s in items] == ["Engineering", "Design", "Operations"]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Layoffs are at an all-time high since 2009, and hiring is the lowest on record.",
            [("highest_since", "2009", "Layoffs"), ("record_low", None, "hiring")],
        ),
        (
            "Postings that mention AI agents hit their highest level on record.",
            [("record_high", None, "Postings that mention AI agents")],
        ),
        (
            "Job cuts could top a million for the first time since 2020.",
            [("first_time_since", "2020", None)],
        ),
        ("But layoffs remain near two-decade lows.", [("lowest_since", "two-decade", "layoffs")]),
        ("AI spending is also reaching all-time highs.", [("record_high", None, "AI spending")]),
        ("Demand for prompt engineering rose 37% in the quarter.", []),
    ],
)
def test_claims_without_numbers(sentence, expected):
    got = [(c.kind, c.reference, c.subject) for c in find_claims(sentence)]
    assert [g[:2] for g in got] == [e[:2] for e in expected]
    for g, e in zip(got, expected, strict=True):
        if e[2] is not None:
            assert g[2] == e[2]


def test_claim_span_points_at_the_words():
    sentence = "Hiring plans were at their lowest since 2009, a report said."
    (claim,) = find_claims(sentence)
    assert sentence[claim.start : claim.end] == claim.text == "lowest since 2009"


def test_bullet_gives_category_and_skill():
    s = _subject("- Software development: Agent orchestration is up 131%.", "up 131%")
    assert (s.name, s.category, s.kind, s.how) == (
        "Agent orchestration",
        "Software development",
        "skill",
        "label",
    )


def test_label_value_line():
    s = _subject("Project Management: +23%", "+23%")
    assert (s.name, s.category, s.how) == ("Project Management", None, "label")


def test_colon_lead_in_without_bullet_is_not_a_category():
    s = _subject("Data from the Upwork Marketplace: QA testing grew 19%.", "grew 19%")
    assert (s.name, s.category) == ("QA testing", None)


def test_demand_for_and_verb_subjects():
    assert _subject("Demand for translation & localization grew 29% as firms", "grew 29%").name == (
        "translation & localization"
    )
    text = "AI image generation and editing increased 95%, while demand for chatbot development climbed 71%."
    assert _subject(text, "increased 95%").name == "AI image generation and editing"
    assert _subject(text, "climbed 71%").name == "chatbot development"


def test_parenthesis_and_object_subjects():
    text = "SMB demand also increased for Virtual Assistance (+18%) and Accounting & Bookkeeping (+9%)."
    assert _subject(text, "+18%").name == "Virtual Assistance"
    assert _subject(text, "+9%").name == "Accounting & Bookkeeping"
    assert _subject(
        "High-value creative work is rising, led by a 38% surge in game design.", "38%"
    ).name == ("game design")


def test_back_reference_takes_the_previous_skill():
    first = (
        "A new report from Gigline found that the AI skill growing fastest is prompt evaluation "
        "and red-teaming (a type of data and AI work)."
    )
    named = antecedent(first)
    assert (named.name, named.category) == ("prompt evaluation and red-teaming", "data and AI work")
    s = _subject(
        "Demand for that skill is up more than 240% year over year.",
        "up more than 240%",
        previous=named,
    )
    assert (s.name, s.category, s.how) == (
        "prompt evaluation and red-teaming",
        "data and AI work",
        "back_reference",
    )
    assert _subject("Demand for that skill is up 240%.", "up 240%", previous=None) is None


@pytest.mark.parametrize(
    ("text", "subjects"),
    [
        # The skill named in a sentence without figures, then a pronoun or "its" in the next one.
        ("Rust remains the most in-demand skill. It grew 31% in the last year.", ["Rust"]),
        (
            "Web scraping topped the list this quarter. Its share of postings reached 4%.",
            ["Web scraping"],
        ),
        ("Demand for data labelling soared. It rose 64% from May.", ["data labelling"]),
        ("Go is in high demand. This is up 15% from last year.", ["Go"]),
        ("Swift was the fastest-growing skill on the site. The skill grew 120%.", ["Swift"]),
        # Not a reference: no skill named before, or an expletive "it" without a change.
        ("The survey ran in May. It grew 12% in the last year.", [None]),
    ],
)
def test_subject_from_the_previous_sentence(text: str, subjects: list) -> None:
    read = read_sentences(split_sentences(text_blocks(text)), find_figures)
    assert [f["subject"] for f in read.figures] == subjects


def test_expletive_it_is_no_back_reference():
    text = "Rust remains the most in-demand skill. It is estimated that 40% of teams use it."
    (figure,) = read_sentences(split_sentences(text_blocks(text)), find_figures).figures
    assert figure["subject"] != "Rust"


def test_share_statement_with_its_source():
    text = "“While the Skills Outlook Council expects 44% of core job skills to shift by 2029—few jobs move,” it says."
    s = _subject(text, "44%", measure="share_pct")
    assert (s.name, s.kind, s.source) == (
        "core job skills to shift",
        "statement",
        "Skills Outlook Council",
    )
    assert (
        credited_source("According to the World Economic Forum, 39% of skills", 40)
        == "World Economic Forum"
    )


def test_money_is_a_statement_of_its_clause():
    text = (
        "Cloud providers are expected to spend roughly €210 billion on data centres in 2027 alone."
    )
    s = _subject(text, "roughly €210 billion", measure="money")
    assert s.kind == "statement"
    assert s.name.startswith("Cloud providers")


def test_declared_mapping_wins_over_wording():
    rule = SubjectRule(
        match=r"spreadsheets? wizardry", skill="Spreadsheet automation", category="Admin"
    )
    s = _subject("Spreadsheet wizardry is all the rage, up 18%.", "up 18%", rules=(rule,))
    assert (s.name, s.category, s.how) == ("Spreadsheet automation", "Admin", "mapping")


def test_a_very_long_line_is_cut_at_sentence_ends_and_spans_hold():
    line = " ".join(f"Skill number {i} grew {i % 90 + 1}% this year." for i in range(600))
    (block,) = text_blocks(line)
    sentences = split_sentences([block])
    assert len(sentences) == 600
    assert all(line[s.start : s.end] == s.text for s in sentences)
    assert sentences[-1].text == "Skill number 599 grew 60% this year."


def test_first_time_and_period_records():
    kinds = [c.kind for c in find_claims("Job cuts topped a million for the first time ever.")]
    assert kinds == ["first_time"]
    (claim,) = find_claims(
        "This marks the highest interest in flexible hiring through all of 2025."
    )
    assert (claim.kind, claim.reference) == ("record_high", "2025")
    assert find_claims("Most companies in 2024 hired fewer interns.") == []


def test_an_html_fragment_is_its_own_block():
    (sentence,) = split_sentences(html_blocks(b"<p>Demand for <b>welding</b> rose 12%.</p>"))
    assert sentence.text == "Demand for welding rose 12%."


def test_html_without_a_charset_reads_as_utf8():
    # lxml alone reads undeclared bytes as latin-1: '€' became 'â\x82¬' and the money had no currency.
    page = "<p>Employers plan to spend €4.2 billion on training in 2027.</p>".encode()
    (sentence,) = split_sentences(html_blocks(page))
    (figure,) = read_sentences([sentence], find_figures).figures
    assert (figure["measure"], figure["currency"], figure["value"]) == ("money", "EUR", 4.2e9)


def test_a_worded_figure_after_a_label_is_the_labels():
    (sentence,) = split_sentences(text_blocks("- Applied SQL: up 140%"))
    (figure,) = read_sentences([sentence], find_figures).figures
    assert (figure["subject"], figure["value"], figure["subject_rule"]) == (
        "Applied SQL",
        140,
        "label",
    )


def test_a_digit_glued_to_a_name_is_no_figure():
    (sentence,) = split_sentences(
        text_blocks("Other risers include 3D Modeling (+41%) and 5G (+9%).")
    )
    figures = read_sentences([sentence], find_figures).figures
    assert [(f["subject"], f["value"]) for f in figures] == [("3D Modeling", 41), ("5G", 9)]


def test_a_bullet_skill_that_starts_with_digits_is_not_a_label_figure():
    text = "- Design & Creative: 3D Modeling is down 45%."
    (sentence,) = split_sentences(text_blocks(text))
    reading = read_sentences([sentence], find_figures)
    (figure,) = reading.figures
    assert (figure["subject"], figure["category"], figure["value"]) == (
        "3D Modeling",
        "Design & Creative",
        -45,
    )
    lead = "The skill growing fastest is 3D Modeling (a type of design work)."
    assert read_sentences(split_sentences(text_blocks(lead)), find_figures).leftovers == []


def test_sentences_split_on_threads_at_once_are_the_same():
    # Ingest batches run on threads; a shared pysbd Segmenter mixed up their texts.
    blocks = [
        text_blocks(
            f"Hiring for skill {i} rose {i}%. Demand for Node.js tool {i} fell {i}.5%. Done."
        )
        for i in range(200)
    ]
    serial = [split_sentences(b) for b in blocks]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(split_sentences, blocks)) == serial


def _read(text: str) -> list[tuple]:
    figures = read_sentences(split_sentences(text_blocks(text)), find_figures).figures
    return [(f["figure_text"], f["value"], f["measure"], f["subject"]) for f in figures]


def test_numbers_and_times_name_no_subject():
    """'10 (40 percent)', 'In week 12', 'Q2': a number or a time is never what a figure is about."""
    gocertify = "Of the 25 items listed, 10 (40 percent) declined, 13 (52 percent) increased."
    read = _read(gocertify)
    assert [(t, v, m) for t, v, m, _ in read] == [
        ("25", 25, "count"),
        ("10", 10, "count"),  # restated as a share in brackets: ten items
        ("40 percent", 40, "share_pct"),
        ("13", 13, "count"),  # 'declined,' is the item before's verb
        ("52 percent", 52, "share_pct"),
    ]
    assert not any(s and s[0].isdigit() for *_, s in read), read
    assert _read("In week 12, postings for data engineers rose 4%.") == [
        ("4%", 4, "growth_pct", "data engineers")
    ]
    assert _subject("Q2 grew 12%.", "grew 12%") is None


def test_one_spot_without_a_move_is_no_amount():
    assert _read("AI skills took one spot in the top ten.") == []
    assert _read("Python climbed one spot.")[0][:3] == ("one spot", 1, "rank_change")


def test_subject_after_compared_with_we_see_that_and_in_may():
    dice = (
        "AI job postings in May increased 25% from April’s count, and when compared to May of "
        "last year, we see that AI job postings have increased 48%."
    )
    assert [s for *_, s in _read(dice)] == ["AI job postings", "AI job postings"]
    assert _subject("Compared with Q2, demand for cloud skills rose 12%.", "rose 12%").name == (
        "cloud skills"
    )


@pytest.mark.parametrize(
    "text",
    [
        "AI skills grew 40%. AI skills grew 40%.  Python fell 3% in Q2 2024!  Why? Because.",
        "Demand rose 12.5% (up from 8%). It is the U.S. market's top skill, said Dr. Smith.\n",
        "One. Two.\tThree…  Four? ",
    ],
)
def test_sentence_starts_are_pysbds_char_spans(text):
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    expected = [(span.start, span.sent) for span in segmenter.segment(text)]
    assert _with_starts(text, segmenter.processor(text).process()) == expected
