"""Tests of flows.normalize.names and `skillpulse skills`: each matching step, the registry files, the CLI, the matcher's precision."""

from __future__ import annotations

import csv
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from flows.config import DEFAULT_THRESHOLD
from flows.errors import TaxonomyError
from flows.lake_schemas import OBSERVATIONS_SCHEMA
from flows.normalize import names as hz
from flows.normalize.name_keys import name_keys, normalize_name, slugify, token_alignment_score
from flows.normalize.names import (
    HARMONIZED_SCHEMA,
    build_reference,
    harmonize_names,
    harmonize_with,
    load_reference,
)
from flows.normalize.reference import (
    CATEGORIES,
    CATEGORY_ALIASES,
    FUZZY_EXCLUDE,
    SKILL_ALIASES,
    SKILLS,
    SPECS,
    read_rows,
    render_rows,
    write_rows,
)
from flows.taxonomy.cli import skills_app
from flows.taxonomy.importers import esco_labels, import_esco, import_labels, import_onet
from flows.taxonomy.registry import add_alias, add_category, add_skill
from flows.taxonomy.review import review_queue

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "reference"
PAIRS = Path(__file__).resolve().parent / "data" / "name_pairs.csv"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
realdata = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")


def skill(skill_id: str, name: str, category_id: str = "design", **extra: str) -> dict[str, str]:
    return {
        "skill_id": skill_id,
        "name": name,
        "category_id": category_id,
        "description": "",
        "esco_uri": "",
        "onet_commodity_code": "",
        **extra,
    }


def alias_row(
    alias: str,
    target: str,
    confirmed: bool = True,
    column: str = "skill_id",
    method: str = "manual",
) -> dict[str, str]:
    return {
        "alias": alias,
        column: target,
        "match_method": method,
        "score": "100.0",
        "confirmed": "true" if confirmed else "false",
    }


def mini_rows() -> dict[str, list[dict[str, str]]]:
    return {
        CATEGORIES.file: [
            {"category_id": "design", "name": "Design and creative", "description": ""},
            {"category_id": "data", "name": "Data science and analytics", "description": ""},
        ],
        SKILLS.file: [
            skill("ai-video", "AI video generation and editing"),
            skill("ai-image", "AI image generation and editing"),
            skill("annotation", "Data annotation and labeling", "data"),
            skill("ai-integration", "AI integration"),
            skill("python", "Python (programming language)", "data"),
            skill("c", "C", "data"),
            skill("c-plus-plus", "C++", "data"),
            skill("gen-ai", "Generative AI"),
            skill("gen-ai-skill", "Generative artificial intelligence"),
        ],
        SKILL_ALIASES.file: [
            alias_row("Video AI (beta)", "ai-video", confirmed=False),
            alias_row("AI video editing", "ai-video"),
        ],
        CATEGORY_ALIASES.file: [
            alias_row("Design and creative work", "design", column="category_id")
        ],
        FUZZY_EXCLUDE.file: [
            {"name": "AI integration", "reason": "umbrella"},
            {"name": "AI tools", "reason": "umbrella"},
        ],
    }


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    folder = tmp_path / "reference"
    folder.mkdir()
    for spec in SPECS:
        write_rows(folder, spec, mini_rows()[spec.file])
    return folder


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SHIPPED, tmp_path / "reference"))


def one(folder: Path, name: str, kind: str = "skill", threshold: float | None = None) -> dict:
    return harmonize_names([name], kind, folder, threshold).to_pylist()[0]


# --- normalization -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("AI video generation and editing", "AI video generation & editing"),
        ("AI Video Generation and Editing", "ai video generation and editing"),
        ("AI ethics, governance, and regulations", "AI ethics, governance and regulations"),
        ("Generative adversarial networks", "Generative adversarial network"),
        ("Agile methodologies", "Agile methodology"),
        ("learning needs analyses", "learning needs analysis"),
        ("Data annotation and labelling", "Data annotation and labeling"),
        ("Artificial intelligence integration", "AI integration"),
        ("A.I. integration", "AI integration"),
        ("Retrieval-augmented generation", "Retrieval augmented generation"),
        ("E\u2010commerce  management", "E-commerce management"),
    ],
)
def test_normalize_name_folds_spelling_variants(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("C", "C++"),
        ("C", "C#"),
        ("C#", "F#"),
        ("Java", "JavaScript"),
        ("R", "Rust"),
        ("SAS", "Sass"),
    ],
)
def test_normalize_name_keeps_distinct_names_apart(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)
    assert not set(name_keys(a)) & set(name_keys(b))


def test_name_keys_add_unparenthesized_and_spaceless_forms() -> None:
    assert name_keys("SQL (programming language)") == (
        "sql programming language",
        "sql",
        "sqlprogramminglanguage",
    )
    assert "powerbi" in name_keys("power bi")
    assert "nosql" in name_keys("no-sql")


def test_slugify_makes_stable_ids() -> None:
    assert slugify("AI video generation & editing") == "ai-video-generation-and-editing"
    assert slugify("SQL (programming language)") == "sql"
    assert slugify("C++") == "c-plus-plus"
    assert slugify("C#") == "c-sharp"
    assert slugify("Café analytics") == "cafe-analytics"


def test_alignment_score_charges_a_swapped_word_its_length() -> None:
    swapped = token_alignment_score(
        normalize_name("AI image generation and editing"),
        normalize_name("AI video generation and editing"),
    )
    extra_prefix = token_alignment_score(
        normalize_name("Data annotation and labeling"),
        normalize_name("AI data annotation and labeling"),
    )
    assert swapped < 85 < DEFAULT_THRESHOLD < extra_prefix
    assert token_alignment_score("ai image", "ai video") == token_alignment_score(
        "ai video", "ai image"
    )


# --- each matching step ------------------------------------------------------------------------


def test_exact_alias_carries_the_rows_confirmation(mini: Path) -> None:
    assert one(mini, "AI video editing") == {
        "name_raw": "AI video editing",
        "canonical_id": "ai-video",
        "canonical_name": "AI video generation and editing",
        "match_method": "alias",
        "match_score": 100.0,
        "confirmed": True,
        "esco_uri": None,
        "onet_code": None,
    }
    unconfirmed = one(mini, "Video AI (beta)")
    assert (unconfirmed["match_method"], unconfirmed["canonical_id"], unconfirmed["confirmed"]) == (
        "alias",
        "ai-video",
        False,
    )
    assert one(mini, "  AI integration ")["match_method"] == "alias"


def test_normalized_text_matches_case_punctuation_and_plurals(mini: Path) -> None:
    for raw in (
        "AI video generation & editing",
        "ai video generations and editing",
        "Python",
        "python (Programming Language)",
    ):
        row = one(mini, raw)
        assert row["match_method"] == "normalized" and row["match_score"] == 100.0, raw
    assert one(mini, "Python")["canonical_id"] == "python"
    via_unconfirmed = one(
        mini, "video AI"
    )  # the unparenthesized form of the alias "Video AI (beta)"
    assert (via_unconfirmed["canonical_id"], via_unconfirmed["confirmed"]) == ("ai-video", False)
    assert one(mini, "generation and editing AI video")["match_method"] != "normalized"


def test_fuzzy_match_above_threshold_is_used_but_unconfirmed(mini: Path) -> None:
    row = one(mini, "AI data annotation and labeling")
    assert row["canonical_id"] == "annotation"
    assert row["match_method"] == "fuzzy"
    assert row["confirmed"] is False
    assert DEFAULT_THRESHOLD <= row["match_score"] < 100


def test_below_threshold_the_name_stays_unmatched_with_its_best_score(mini: Path) -> None:
    # Issue 16: a name below the threshold is no longer id-less; it gets its own stable id from
    # its spelling (unregistered), keeping the best candidate's score for the review queue.
    row = one(mini, "AI data annotation and labeling", threshold=99)
    # The id is the slug of the loose key: endings cut ('annotation' -> 'annot'), so any
    # inflection of the same words gets the same id.
    assert row["canonical_id"] == "u-aidataannotandlabel"
    assert row["canonical_name"] is None
    assert row["match_method"] == "unregistered"
    assert 90 < row["match_score"] < 99
    swapped = one(mini, "AI audio generation and editing")
    assert swapped["match_method"] == "unregistered"
    assert swapped["canonical_id"] == "u-aiaudiogenerandedit"
    assert one(mini, "ai audio generation & editing")["canonical_id"] == swapped["canonical_id"]


def test_umbrella_terms_are_never_fuzzy_merged(mini: Path) -> None:
    # A narrower name is not pulled into the umbrella skill, however low the threshold...
    services = one(mini, "AI integration services", threshold=0)
    assert (services["match_method"], services["canonical_id"]) == (
        "unregistered",
        "u-aiintegrservice",
    )
    # ...an excluded name without its own skill is not merged into anything...
    excluded = one(mini, "AI tools", threshold=0)
    assert (excluded["match_method"], excluded["canonical_id"], excluded["match_score"]) == (
        "excluded",
        None,
        None,
    )
    # ...while the umbrella term itself keeps its own skill through the exact and normalized steps.
    assert one(mini, "Artificial intelligence integration")["canonical_id"] == "ai-integration"


def test_two_canonical_entries_with_the_same_normalized_text_go_to_review(mini: Path) -> None:
    assert one(mini, "Generative AI")["canonical_id"] == "gen-ai"
    assert one(mini, "Generative artificial intelligence")["canonical_id"] == "gen-ai-skill"
    ambiguous = one(mini, "generative A.I.")
    assert (ambiguous["canonical_id"], ambiguous["match_method"], ambiguous["match_score"]) == (
        None,
        "unmatched",
        100.0,
    )


def test_short_names_match_exactly_or_not_at_all(mini: Path) -> None:
    assert one(mini, "c++")["canonical_id"] == "c-plus-plus"
    # Their own ids since issue 16: never C's or C++'s.
    assert one(mini, "C#", threshold=0)["canonical_id"] == "u-c-sharp"
    assert one(mini, "R", threshold=0)["match_method"] == "unregistered"


def test_one_row_per_distinct_input_and_nothing_dropped(mini: Path) -> None:
    names = ["Python", "zzz unknown", "Python", None, "AI tools", "AI video editing"]
    table = harmonize_names(names, "skill", mini)
    assert table.schema == HARMONIZED_SCHEMA
    assert table["name_raw"].to_pylist() == [
        "Python",
        "zzz unknown",
        "AI tools",
        "AI video editing",
    ]
    assert table["match_method"].to_pylist() == ["normalized", "unregistered", "excluded", "alias"]
    assert set(table["match_method"].to_pylist()) <= set(hz.MATCH_METHODS)
    from_arrow = harmonize_names(
        pa.chunked_array([pa.array(["Python", "Python", None, "AI tools"])]), "skill", mini
    )
    assert sorted(from_arrow["name_raw"].to_pylist()) == ["AI tools", "Python"]
    assert harmonize_names([], "skill", mini).num_rows == 0


def test_remembered_matches_are_per_threshold_and_survive_a_full_memo(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = load_reference(mini)
    names = ["Python", "AI video editing", "AI data annotation and labeling", "zzz", "AI tools"]
    fresh = [
        hz.match_in_index(reference.skill_index, reference.excluded_keys, n, 90.0) for n in names
    ]
    monkeypatch.setattr(hz, "MEMO_LIMIT", 3)
    assert reference.match_all("skill", names, 90.0) == fresh
    assert reference.match_all("skill", names[::-1], 90.0) == fresh[::-1]
    strict = reference.match_all("skill", [names[2]], 99.0)[0]
    assert strict.method == "unmatched" and fresh[2].method == "fuzzy"
    with ThreadPoolExecutor(4) as pool:
        assert (
            list(pool.map(lambda _: reference.match_all("skill", names, 90.0), range(50)))
            == [fresh] * 50
        )


def test_categories_get_the_same_treatment(mini: Path) -> None:
    assert one(mini, "Design and creative", "category")["match_method"] == "alias"
    assert one(mini, "Design & Creative", "category")["canonical_id"] == "design"
    assert one(mini, "Design and creative work", "category")["canonical_id"] == "design"
    assert one(mini, "Data science & analytic", "category")["canonical_id"] == "data"
    assert one(mini, "Python", "category")["canonical_id"] is None


def test_bad_kind_and_threshold_are_refused(mini: Path) -> None:
    with pytest.raises(TaxonomyError, match="kind"):
        harmonize_names(["x"], "tool", mini)  # type: ignore[arg-type]
    with pytest.raises(TaxonomyError, match="threshold"):
        harmonize_names(["x"], "skill", mini, threshold=120)


# --- loading and validating the reference -------------------------------------------------------


def test_reference_is_cached_until_a_file_changes(mini: Path) -> None:
    first = load_reference(mini)
    assert load_reference(mini) is first
    add_alias(mini, "Vid gen", "ai-video")
    second = load_reference(mini)
    assert second is not first
    assert one(mini, "Vid gen")["canonical_id"] == "ai-video"


def test_every_problem_in_the_reference_is_reported_at_once(mini: Path) -> None:
    rows = mini_rows()
    rows[SKILLS.file].append(skill("Bad Id", "Bad", "nowhere"))
    rows[SKILLS.file].append(skill("python", "Python again", "data"))
    rows[SKILL_ALIASES.file].append(alias_row("Dangling", "no-such-skill"))
    rows[SKILL_ALIASES.file].append({**alias_row("Half", "python"), "confirmed": "yes"})
    rows[SKILL_ALIASES.file].append(alias_row("C", "python"))
    with pytest.raises(TaxonomyError) as caught:
        build_reference(mini, rows)
    text = "\n".join(caught.value.problems)
    for expected in (
        "'Bad Id' is not a lower-case slug",
        "unknown category_id 'nowhere'",
        "'python' appears twice",
        "unknown skill_id 'no-such-skill'",
        "confirmed must be",
        "canonical name of 'c'",
    ):
        assert expected in text
    assert len(caught.value.problems) == 6


def test_a_row_of_the_wrong_width_is_reported_with_its_line(mini: Path) -> None:
    with (mini / FUZZY_EXCLUDE.file).open("a", encoding="utf-8") as handle:
        handle.write("AI agents, umbrella term, unquoted\n")
    with pytest.raises(TaxonomyError, match="line 4: 3 cells, expected 2"):
        load_reference(mini)


def test_wrong_header_and_missing_file_are_explained(mini: Path) -> None:
    (mini / FUZZY_EXCLUDE.file).write_text("term,why\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="expected name,reason"):
        load_reference(mini)
    (mini / FUZZY_EXCLUDE.file).unlink()
    with pytest.raises(TaxonomyError, match=r"fuzzy_exclude\.csv"):
        harmonize_names(["x"], "skill", mini)


# --- editing the registry -------------------------------------------------------------------------


def test_add_alias_rewrites_the_csv_sorted_stable_and_atomic(mini: Path) -> None:
    path = mini / SKILL_ALIASES.file
    os.chmod(path, 0o664)
    row = add_alias(mini, "  Image  AI ", "ai-image")
    assert row == {
        "alias": "Image AI",
        "skill_id": "ai-image",
        "match_method": "manual",
        "score": row["score"],
        "confirmed": "true",
    }
    assert 0 < float(row["score"]) < 100
    text = path.read_bytes()
    assert b"\r" not in text
    aliases = [r["alias"] for r in read_rows(mini, SKILL_ALIASES)]
    assert aliases == sorted(aliases, key=lambda a: (a.casefold(), a))
    add_alias(mini, "Image AI", "ai-image")
    assert path.read_bytes() == text  # the same decision twice changes nothing
    assert oct(path.stat().st_mode & 0o777) == oct(0o664)
    assert sorted(p.name for p in mini.iterdir()) == sorted(spec.file for spec in SPECS)
    assert one(mini, "image ai")["match_method"] == "normalized"


def test_add_alias_replaces_an_earlier_decision_and_confirms_it(mini: Path) -> None:
    add_alias(mini, "Video AI (beta)", "ai-image")
    row = one(mini, "Video AI (beta)")
    assert (row["canonical_id"], row["confirmed"]) == ("ai-image", True)
    assert [r["alias"] for r in read_rows(mini, SKILL_ALIASES)].count("Video AI (beta)") == 1


def test_add_alias_refuses_unknown_ids_and_stolen_canonical_names(mini: Path) -> None:
    with pytest.raises(TaxonomyError, match="unknown skill id 'nope'"):
        add_alias(mini, "Something", "nope")
    with pytest.raises(TaxonomyError, match="canonical name of skill 'python'"):
        add_alias(mini, "Python (programming language)", "c")
    with pytest.raises(TaxonomyError, match="unknown category id"):
        add_alias(mini, "Design", "ai-video", kind="category")


def test_add_skill_creates_a_slug_id_and_the_name_then_matches(mini: Path) -> None:
    new_id = add_skill(mini, "Prompt engineering", "data", description="Writing prompts.")
    assert new_id == "prompt-engineering"
    assert one(mini, "prompt engineering")["canonical_id"] == "prompt-engineering"
    assert (
        add_skill(mini, "Prompt engineering tools", "Data science & analytics")
        == "prompt-engineering-tools"
    )
    ids = [r["skill_id"] for r in read_rows(mini, SKILLS)]
    assert ids == sorted(ids)


def test_add_skill_refuses_duplicates_and_unknown_categories(mini: Path) -> None:
    with pytest.raises(TaxonomyError, match="already resolves to skill 'ai-video'"):
        add_skill(mini, "AI Video Generation & Editing", "design")
    with pytest.raises(TaxonomyError, match="unknown category 'marketing'"):
        add_skill(mini, "SEO", "marketing")
    with pytest.raises(TaxonomyError, match="is taken"):
        add_skill(mini, "Python scripting", "data", skill_id="python")


def test_slug_collisions_get_a_suffix(mini: Path) -> None:
    assert add_skill(mini, "C plus plus", "data", skill_id=None) == "c-plus-plus-2"
    assert add_category(mini, "Marketing") == "marketing"
    assert one(mini, "marketing", "category")["canonical_id"] == "marketing"


# --- the shipped taxonomy --------------------------------------------------------------------------

UPWORK_SKILLS = [
    "AI video generation and editing",
    "AI integration",
    "Data annotation and labeling",
    "E-commerce management",
    "AI image generation and editing",
]
STANFORD_SKILLS = [
    "Generative artificial intelligence", "Large language modeling", "Prompt engineering", "ChatGPT", "Retrieval augmented generation",
    "Generative adversarial networks", "Microsoft Copilot", "Text to speech (TTS)", "Variational autoencoders", "Multimodal models",
    "AI ethics, governance, and regulations", "Robotics", "Visual image recognition", "Autonomous driving", "Neural networks",
    "Generative AI", "Natural language processing", "Machine learning", "Artificial intelligence",
    "Scalability", "Agile methodology", "Amazon Web Services", "Project management", "Automation", "Data science",
    "SQL (programming language)", "Data analysis", "Computer science", "Python (programming language)",
]  # fmt: skip


def test_shipped_reference_is_valid_sorted_and_in_canonical_form() -> None:
    reference = load_reference(SHIPPED)
    assert reference.skills.column_names == list(SKILLS.columns)
    assert reference.categories.column_names == list(CATEGORIES.columns)
    for spec in SPECS:
        text = (SHIPPED / spec.file).read_text(encoding="utf-8")
        assert render_rows(spec, read_rows(SHIPPED, spec)) == text, (
            f"{spec.file} is not in sorted canonical form"
        )


def test_every_name_in_the_sample_reports_has_a_confirmed_skill() -> None:
    table = harmonize_names(UPWORK_SKILLS + STANFORD_SKILLS, "skill", SHIPPED)
    assert table["match_method"].to_pylist() == ["alias"] * table.num_rows
    assert all(table["confirmed"].to_pylist())
    assert len(set(table["canonical_id"].to_pylist())) == table.num_rows
    categories = harmonize_names(
        [
            "Design and creative",
            "Coding and web development",
            "Data science and analytics",
            "Customer service and admin support",
            "Generative AI",
        ],
        "category",
        SHIPPED,
    )
    assert all(categories["confirmed"].to_pylist())


def test_issue_examples_resolve_as_intended() -> None:
    def resolved(name: str) -> str | None:
        return one(SHIPPED, name)["canonical_id"]

    assert resolved("AI video generation & editing") == "ai-video-generation-and-editing"
    assert resolved("AI data annotation and labeling") == "data-annotation-and-labeling"
    assert resolved("Artificial intelligence integration") == "ai-integration"
    assert resolved("AI integration and automation") == "u-aiintegrandautom"
    assert resolved("AI integrating and automating") == "u-aiintegrandautom"
    assert resolved("AI image generation & editing") == "ai-image-generation-and-editing"
    assert resolved("Python") == "python"
    assert resolved("Text-to-speech") == "text-to-speech"


# --- review queue and CLI ----------------------------------------------------------------------------


def observations(rows: list[tuple[str, str | None, str | None]]) -> pa.Table:
    n = len(rows)
    columns = {
        name: pa.nulls(n, field.type)
        for name, field in zip(OBSERVATIONS_SCHEMA.names, OBSERVATIONS_SCHEMA, strict=True)
    }
    columns["report_id"] = pa.array([r[0] for r in rows], pa.string())
    columns["skill_raw"] = pa.array([r[1] for r in rows], pa.string())
    columns["category_raw"] = pa.array([r[2] for r in rows], pa.string())
    return pa.table(columns, schema=OBSERVATIONS_SCHEMA)


SEEN = [
    ("upwork-2026", "AI video generation and editing", "Design and creative"),
    ("upwork-2026", "AI data annotation and labeling", "Data science & analytics"),
    ("other-2026", "AI data annotation and labeling", "Design and creative work"),
    ("other-2026", "AI audio generation and editing", "Audio"),
    ("other-2026", "AI tools", None),
]


def write_lake(warehouse: Path) -> None:
    folder = warehouse / "lake" / "observations"
    for report_id in ("upwork-2026", "other-2026"):
        (folder / report_id).mkdir(parents=True)
        pq.write_table(
            observations([r for r in SEEN if r[0] == report_id]),
            folder / report_id / "table.parquet",
        )


def test_review_queue_lists_what_needs_a_person(mini: Path, tmp_path: Path) -> None:
    write_lake(tmp_path / "warehouse")
    queue = review_queue(tmp_path / "warehouse", mini)
    rows = {(r["kind"], r["name_raw"]): r for r in queue.to_pylist()}
    assert set(rows) == {
        ("skill", "AI audio generation and editing"),
        ("skill", "AI tools"),
        ("skill", "AI data annotation and labeling"),
        ("category", "Audio"),
    }
    fuzzy = rows[("skill", "AI data annotation and labeling")]
    assert (
        fuzzy["match_method"],
        fuzzy["canonical_id"],
        fuzzy["reports"],
        fuzzy["observations"],
    ) == ("fuzzy", "annotation", 2, 2)
    audio = rows[("skill", "AI audio generation and editing")]
    assert audio["match_method"] == "unregistered"
    assert {c["canonical_id"] for c in audio["candidates"]} >= {"ai-video", "ai-image"}
    assert len(audio["candidates"]) <= 3
    assert [r["kind"] for r in queue.to_pylist()] == ["skill"] * 3 + ["category"]
    assert review_queue(observations(SEEN), mini).equals(queue)


def test_review_queue_reflects_an_alias_added_since_the_run(mini: Path) -> None:
    add_alias(mini, "AI data annotation and labeling", "annotation")
    names = review_queue(observations(SEEN), mini, kinds=["skill"])["name_raw"].to_pylist()
    assert "AI data annotation and labeling" not in names


runner = CliRunner()


def test_cli_review_prints_the_queue_and_exits_0(mini: Path, tmp_path: Path) -> None:
    write_lake(tmp_path / "warehouse")
    result = runner.invoke(
        skills_app,
        ["review", "--warehouse", str(tmp_path / "warehouse"), "--reference-dir", str(mini)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "AI audio generation and editing" in result.output
    assert "ai-video (" in result.output
    empty = runner.invoke(
        skills_app, ["review", "--warehouse", str(tmp_path / "none"), "--reference-dir", str(mini)]
    )
    assert empty.exit_code == 0 and "Nothing to review" in empty.output


def test_cli_alias_new_and_new_category_write_the_registry(shipped_copy: Path) -> None:
    ref = ["--reference-dir", str(shipped_copy)]
    result = runner.invoke(
        skills_app, ["alias", "AI video editing", "ai-video-generation-and-editing", *ref]
    )
    assert result.exit_code == 0, result.output
    assert one(shipped_copy, "AI video editing")["match_method"] == "alias"
    result = runner.invoke(
        skills_app,
        [
            "new",
            "Voice cloning",
            "--category",
            "generative-ai",
            "--description",
            "Synthetic voices.",
            *ref,
        ],
    )
    assert result.exit_code == 0 and "voice-cloning" in result.output
    result = runner.invoke(skills_app, ["new-category", "Marketing and sales", *ref])
    assert result.exit_code == 0 and "marketing-and-sales" in result.output
    result = runner.invoke(
        skills_app, ["alias", "Sales", "marketing-and-sales", "--kind", "category", *ref]
    )
    assert result.exit_code == 0, result.output
    assert one(shipped_copy, "Sales", "category")["canonical_id"] == "marketing-and-sales"


def test_cli_reports_refusals_with_exit_1(shipped_copy: Path) -> None:
    result = runner.invoke(
        skills_app, ["alias", "Foo", "no-such-id", "--reference-dir", str(shipped_copy)]
    )
    assert result.exit_code == 1
    assert "unknown skill id 'no-such-id'" in result.output
    result = runner.invoke(
        skills_app,
        [
            "new",
            "Python",
            "--category",
            "coding-and-web-development",
            "--reference-dir",
            str(shipped_copy),
        ],
    )
    assert result.exit_code == 1 and "already resolves" in result.output


# --- importers -------------------------------------------------------------------------------------------

ESCO_SAMPLE = """conceptUri,reuseLevel,preferredLabel,altLabels
http://data.europa.eu/esco/skill/ml,cross-sector,machine learning,"ML
statistical learning"
http://data.europa.eu/esco/skill/robots,cross-sector,robotics,
http://data.europa.eu/esco/skill/pm,cross-sector,project management principles,"project management
principles of project management"
http://data.europa.eu/esco/skill/annot,cross-sector,data annotation and labelling,
"""

ONET_SAMPLE = (
    "O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\tHot Technology\tIn Demand\n"
    + "\n".join(
        [
            "15-1252.00\tPython\t43232405\tObject or component oriented development software\tY\tN",
            "15-2051.00\tPython\t43232405\tObject or component oriented development software\tY\tN",
            "13-2011.00\tPython\t43232306\tData base user interface and query software\tY\tN",
            "15-1252.00\tOpenAI ChatGPT\t43232402\tDevelopment environment software\tY\tN",
            "15-1252.00\tMicrosoft Excel\t43232110\tSpreadsheet software\tY\tN",
        ]
    )
)


def blank_external_ids(folder: Path) -> list[dict[str, str]]:
    skills = [{**s, "esco_uri": "", "onet_commodity_code": ""} for s in read_rows(folder, SKILLS)]
    write_rows(folder, SKILLS, skills)
    return skills


def test_import_esco_fills_empty_uris_and_keeps_existing_ones(
    shipped_copy: Path, tmp_path: Path
) -> None:
    esco = tmp_path / "skills_en.csv"
    esco.write_text(ESCO_SAMPLE, encoding="utf-8")
    skills = blank_external_ids(shipped_copy)
    write_rows(
        shipped_copy,
        SKILLS,
        [
            {**s, "esco_uri": "http://example.org/kept"} if s["skill_id"] == "robotics" else s
            for s in skills
        ],
    )
    dry = import_esco(shipped_copy, esco, dry_run=True)
    assert "would fill" in dry["action"].to_pylist()
    assert all(
        not r["esco_uri"] or r["skill_id"] == "robotics" for r in read_rows(shipped_copy, SKILLS)
    )
    result = {r["skill_id"]: r for r in import_esco(shipped_copy, esco).to_pylist()}
    assert result["machine-learning"]["action"] == "filled"  # an umbrella term may match exactly
    assert (
        result["data-annotation-and-labeling"]["external_id"]
        == "http://data.europa.eu/esco/skill/annot"
    )
    assert result["robotics"]["action"] == "kept existing"
    assert result["project-management"]["action"] == "no match"  # altLabels are off by default
    uris = {r["skill_id"]: r["esco_uri"] for r in read_rows(shipped_copy, SKILLS)}
    assert uris["robotics"] == "http://example.org/kept"
    assert uris["machine-learning"] == "http://data.europa.eu/esco/skill/ml"
    with_alt = {
        r["skill_id"]: r for r in import_esco(shipped_copy, esco, use_alt_labels=True).to_pylist()
    }
    assert with_alt["project-management"]["external_id"] == "http://data.europa.eu/esco/skill/pm"


def test_import_onet_takes_each_examples_most_common_code(
    shipped_copy: Path, tmp_path: Path
) -> None:
    onet = tmp_path / "Technology Skills.txt"
    onet.write_text(ONET_SAMPLE, encoding="utf-8")
    blank_external_ids(shipped_copy)
    add_alias(shipped_copy, "OpenAI ChatGPT", "chatgpt")  # confirmed aliases are matched too
    result = {r["skill_id"]: r for r in import_onet(shipped_copy, onet).to_pylist()}
    assert (result["python"]["external_id"], result["python"]["action"]) == ("43232405", "filled")
    assert result["chatgpt"]["external_id"] == "43232402"
    codes = {r["skill_id"]: r["onet_commodity_code"] for r in read_rows(shipped_copy, SKILLS)}
    assert codes["python"] == "43232405"
    assert (
        import_onet(shipped_copy, onet)
        .filter(pa.compute.equal(pa.compute.field("action"), "filled"))
        .num_rows
        == 0
    )


def test_cli_imports_and_bad_import_file(shipped_copy: Path, tmp_path: Path) -> None:
    onet = tmp_path / "tech.txt"
    onet.write_text(ONET_SAMPLE, encoding="utf-8")
    blank_external_ids(shipped_copy)
    result = runner.invoke(
        skills_app,
        ["import-onet", str(onet), "--reference-dir", str(shipped_copy)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "43232405" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    result = runner.invoke(
        skills_app, ["import-esco", str(bad), "--reference-dir", str(shipped_copy)]
    )
    assert result.exit_code == 1 and "conceptUri" in result.output


@pytest.mark.realdata
@realdata
def test_real_esco_and_onet_files_import(shipped_copy: Path) -> None:
    blank_external_ids(shipped_copy)
    esco = {
        r["skill_id"]: r
        for r in import_esco(
            shipped_copy, REALDATA / "esco_skills_subset" / "skills_en.csv", dry_run=True
        ).to_pylist()
    }
    assert (
        esco["machine-learning"]["external_id"]
        == "http://data.europa.eu/esco/skill/3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43"
    )
    assert esco["computer-science"]["match_method"] == "normalized"
    onet = {
        r["skill_id"]: r
        for r in import_onet(
            shipped_copy, REALDATA / "onet_29_2" / "Technology Skills.txt", dry_run=True
        ).to_pylist()
    }
    assert (onet["python"]["external_id"], onet["python"]["action"]) == ("43232405", "would fill")
    # Fuzzy matches below the importer's 95 ("EpiData Analysis" for "Data analysis") are not taken.
    assert onet["data-analysis"]["action"] == "no match"
    assert not any(r["onet_commodity_code"] for r in read_rows(shipped_copy, SKILLS))  # dry run


# --- the matcher measured on labelled real name pairs ------------------------------------------------------


def load_pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def predict_same(name_a: str, name_b: str, threshold: float, exclude: list[dict[str, str]]) -> bool:
    """Would the matcher, with name_a as the only canonical skill, resolve name_b to it?"""
    rows = {
        CATEGORIES.file: [{"category_id": "test", "name": "Test", "description": ""}],
        SKILLS.file: [skill("a", name_a, "test")],
        SKILL_ALIASES.file: [],
        CATEGORY_ALIASES.file: [],
        FUZZY_EXCLUDE.file: exclude,
    }
    reference = build_reference(Path("pairs"), rows)
    return harmonize_with(reference, [name_b], "skill", threshold)["canonical_id"].to_pylist() == [
        "a"
    ]


def precision_recall(pairs: list[dict[str, str]], threshold: float) -> tuple[float, float]:
    exclude = read_rows(SHIPPED, FUZZY_EXCLUDE)
    predicted = [predict_same(p["name_a"], p["name_b"], threshold, exclude) for p in pairs]
    actual = [p["same"] == "true" for p in pairs]
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    fp = sum(p and not a for p, a in zip(predicted, actual, strict=True))
    return (tp / (tp + fp) if tp + fp else 0.0), tp / sum(actual)


def test_labelled_pairs_are_real_and_balanced() -> None:
    pairs = load_pairs()
    assert len(pairs) >= 60
    assert {p["same"] for p in pairs} == {"true", "false"}
    assert sum(p["same"] == "false" for p in pairs) >= 30
    assert all(p["source"] for p in pairs)
    assert len({(p["name_a"], p["name_b"]) for p in pairs}) == len(pairs)


def test_matcher_precision_on_labelled_pairs() -> None:
    pairs = load_pairs()
    precision, recall = precision_recall(pairs, DEFAULT_THRESHOLD)
    sweep = {t: precision_recall(pairs, t) for t in (85.0, 88.0, 94.0)}
    print(
        f"\nname pairs: {len(pairs)}; threshold {DEFAULT_THRESHOLD}: precision {precision:.3f}, recall {recall:.3f}"
    )
    for t, (p, r) in sweep.items():
        print(f"  threshold {t}: precision {p:.3f}, recall {r:.3f}")
    assert precision >= 0.95
    assert recall >= 0.40  # normalization alone finds about this much; a broken matcher would not


# --- cost per call --------------------------------------------------------------------------------------------


def test_warm_call_overhead_is_well_under_a_millisecond() -> None:
    names = [
        "AI video generation and editing",
        "Data annotation and labeling",
        "AI data annotation and labeling",
        "Brand new skill",
        "E-commerce management",
    ]
    harmonize_names(names, "skill", SHIPPED)
    calls = 2000
    started = time.perf_counter()
    for _ in range(calls):
        harmonize_names(names, "skill", SHIPPED)
    per_call = (time.perf_counter() - started) / calls
    print(f"\nwarm harmonize_names, 5 names: {per_call * 1e6:.0f} us per call")
    assert per_call < 1e-3


def test_cold_reference_load_is_cheap() -> None:
    started = time.perf_counter()
    hz._CACHE.clear()
    load_reference(SHIPPED)
    assert time.perf_counter() - started < 0.5


def test_the_fuzzy_threshold_is_configurable_and_changes_the_fingerprint(monkeypatch, tmp_path):
    from flows.errors import ConfigError
    from flows.normalize.names import _threshold
    from flows.raw.discover import reference_fingerprint

    THRESHOLD_ENV = "SKILLPULSE_FUZZY_THRESHOLD"

    before = reference_fingerprint(tmp_path)
    monkeypatch.setenv(THRESHOLD_ENV, "95")
    assert _threshold(None) == 95.0
    assert reference_fingerprint(tmp_path) != before
    monkeypatch.setenv(THRESHOLD_ENV, "lots")
    with pytest.raises(ConfigError, match=THRESHOLD_ENV):
        _threshold(None)


def test_esco_alt_labels_that_share_no_word_with_their_concept_are_left_out(
    shipped_copy: Path, tmp_path: Path
) -> None:
    """ESCO lists products and narrower terms among altLabels: they must not become the umbrella's spellings."""
    esco = tmp_path / "skills_en.csv"
    esco.write_text(
        "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,status,"
        "modifiedDate,scopeNote,definition,inScheme,description\n"
        "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/s1,skill/competence,cross-sector,"
        'use spreadsheets software,"Microsoft Excel\nGoogle Sheets\nutilise spreadsheets software",'
        ",released,2023-01-01,,,,\n"
        "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/t1,skill/competence,sector-specific,"
        'collect tax,"bring in tax\ncollecting taxes",,released,2023-01-01,,,,\n',
        encoding="utf-8",
    )
    labels = esco_labels(esco, use_alt_labels=True)
    assert labels.schema.metadata == {b"alt_labels_left_out": b"2"}
    assert sorted(labels["label"].to_pylist()) == [
        "bring in tax",
        "collect tax",
        "collecting taxes",
        "use spreadsheets software",
        "utilise spreadsheets software",
    ]
    import_labels(shipped_copy, "esco", labels)
    ids = {
        r["name_raw"]: r["canonical_id"]
        for r in harmonize_names(
            ["bring in tax", "collect tax", "Microsoft Excel", "use spreadsheets software"],
            "skill",
            shipped_copy,
        ).to_pylist()
    }
    assert ids["bring in tax"] == ids["collect tax"]
    assert ids["Microsoft Excel"] != ids["use spreadsheets software"]
