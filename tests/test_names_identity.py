"""Tests of skill-name identity (issue 16): stable ids for every name, acronyms, umbrella terms, imports, review, precision/recall."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows.lake_schemas import OBSERVATIONS_SCHEMA
from flows.normalize import identity
from flows.normalize.name_keys import reordered, token_alignment_score
from flows.normalize.names import HARMONIZED_SCHEMA, harmonize_names
from flows.normalize.reference import EXTERNAL_LABELS, read_rows
from flows.taxonomy.evaluate import (
    Outcome,
    evaluate,
    load_pairs,
    score,
    skill_ids_one_report_each,
)
from flows.taxonomy.importers import esco_labels, import_labels, onet_labels
from flows.taxonomy.registry import add_skill
from flows.taxonomy.review import review_queue
from tests.conftest import names_report

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "reference"
PAIRS = Path(__file__).resolve().parent / "data" / "name_pairs.csv"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
realdata = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SHIPPED, tmp_path / "reference"))


def ids(folder: Path, *names: str) -> list[str | None]:
    """Each name harmonized alone, as if it were the only skill of its own report."""
    return [harmonize_names([n], "skill", folder)["canonical_id"].to_pylist()[0] for n in names]


def one(folder: Path, name: str) -> dict:
    return harmonize_names([name], "skill", folder).to_pylist()[0]


# --- every name gets an identity ------------------------------------------------------------------


@pytest.mark.parametrize(
    "spellings",
    [
        ("Creative thinking", "creative thinking", "Creative  Thinking"),
        ("Power BI", "powerbi", "power-bi"),
        ("Resilience, flexibility and agility", "resilience, flexibility, and agility"),
        ("Leadership and social influence", "Leadership & social influence"),
        ("Systems thinking", "system thinking"),
        ("react", "react.js", "React.js", "reactjs"),
        ("Café management", "Cafe management"),
        ("Process Optimization", "process optimisation"),
        # issue 16 round 2: verb and noun forms, a trailing action noun, nicknames
        ("process data", "data processing", "processing data"),
        ("install heat pump", "installing heat pumps", "heat pump installation"),
        ("supervise data entry", "data entry supervision"),
        ("apply credit risk policy", "apply a credit risk policy"),
        ("visual basic", "visualbasic", "VB"),
        ("golang", "Go"),
        ("MS Access", "Microsoft Access"),
    ],
)
def test_unregistered_spellings_share_one_stable_id(reference: Path, spellings) -> None:
    found = ids(reference, *spellings)
    assert len(set(found)) == 1, dict(zip(spellings, found, strict=True))
    assert found[0].startswith("u-")
    assert one(reference, spellings[0])["match_method"] == "unregistered"
    assert ids(reference, spellings[0]) == found[:1]  # deterministic: the same again


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("AI image generation", "AI video generation"),
        ("angular", "angular.js"),  # AngularJS is another framework (name_rules keep_js)
        ("Google Cloud", "cloud"),  # a vendor before a generic word names a product
        ("Microsoft Excel", "Microsoft Word"),
        ("Text to speech", "Speech to text"),
        ("Product management", "Project management"),
        ("c", "c#"),
        ("sql", "t-sql"),
        ("sql", "nosql"),
        ("operate video equipment", "operate radio equipment"),
        ("Data annotation and labeling", "labeling data"),  # two actions: no verb to put first
        ("supervised learning", "unsupervised learning"),
        ("vb.net", "visual basic"),
        ("A programming language APL", "A"),  # a dropped qualifier leaves more than an article
    ],
)
def test_different_skills_keep_different_ids(reference: Path, a: str, b: str) -> None:
    id_a, id_b = ids(reference, a, b)
    assert id_a != id_b


def test_vendor_prefixes_and_js_suffixes_fold(reference: Path) -> None:
    assert len(set(ids(reference, "Microsoft Excel", "excel"))) == 1
    assert len(set(ids(reference, "Apache Kafka", "kafka"))) == 1
    assert len(set(ids(reference, "node", "Node.js", "nodejs"))) == 1
    # A registry skill is reached through its vendor-less name, and the merge says how.
    copilot = one(reference, "Copilot")
    assert (copilot["canonical_id"], copilot["match_method"], copilot["confirmed"]) == (
        "microsoft-copilot",
        "derived",
        False,
    )
    assert copilot["match_score"] is not None


def test_fuzzy_score_makes_small_but_meaningful_differences_decisive() -> None:
    """Negations, versions, letters in front of one word, a lone letter, swapped directions."""
    assert token_alignment_score("unsupervised learning", "supervised learning") < 60
    assert token_alignment_score("ggplot2", "ggplot") == 0.0
    assert token_alignment_score("html5", "html") == 0.0
    assert token_alignment_score("planner", "xplanner") == 0.0
    assert token_alignment_score("shell", "c shell") == 0.0
    assert token_alignment_score("data analytic", "data analytics") > 90
    assert reordered("Text to speech (TTS)", "Speech to text")
    assert not reordered("Text to speech", "Text-to-speech")


# --- acronyms ----------------------------------------------------------------------------------------------


def test_a_name_that_defines_an_acronym_matches_its_short_form(reference: Path) -> None:
    long, short, spelled = ids(
        reference,
        "Large Language Model (LLM) Development & Application",
        "LLM development and application",
        "Large language model development and application",
    )
    assert long == short == spelled
    # Defined after its expansion, stopwords and a vendor around it: still the acronym.
    assert len(set(ids(reference, "Microsoft Visual Basic for Applications VBA", "vba"))) == 1
    assert len(set(ids(reference, "Microsoft SQL Server Integration Services SSIS", "SSIS"))) == 1


def test_registry_names_teach_their_acronyms(reference: Path) -> None:
    assert one(reference, "CDP")["canonical_id"] != "customer-data-platform"
    add_skill(reference, "Customer Data Platform (CDP) management", "business-and-management")
    taught = one(reference, "CDP management")
    assert (taught["canonical_id"], taught["match_method"]) == (
        "customer-data-platform-management",
        "derived",
    )


def test_shipped_acronyms_reach_registry_skills(reference: Path) -> None:
    assert ids(reference, "RAG", "GANs", "NLP", "AWS") == [
        "retrieval-augmented-generation",
        "generative-adversarial-networks",
        "natural-language-processing",
        "amazon-web-services",
    ]


def test_an_acronym_alone_never_merges_two_expansions(reference: Path) -> None:
    # acronyms.csv lists PM twice (project / product management): PM stays itself.
    pm, project, product = ids(reference, "PM", "Project management", "Product management")
    assert len({pm, project, product}) == 3
    rows = read_rows(reference, identity.ACRONYMS)
    assert sum(r["acronym"] == "PM" for r in rows) == 2


# --- precision first ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("umbrella", "narrow"),
    [
        ("AI", "AI integration"),
        ("AI", "AI image generation"),
        ("Generative AI", "Generative AI modeling"),
        ("Generative AI", "Large language modeling"),
        ("Data", "Data analysis"),
        ("Data", "Data annotation and labeling"),
        ("Machine learning", "Machine learning operations (MLOps)"),
    ],
)
def test_umbrella_terms_never_absorb_narrower_skills(
    reference: Path, umbrella: str, narrow: str
) -> None:
    id_umbrella, id_narrow = ids(reference, umbrella, narrow)
    assert id_narrow is not None and id_narrow != id_umbrella


def observed(names: list[str]) -> pa.Table:
    n = len(names)
    columns = {f.name: pa.nulls(n, f.type) for f in OBSERVATIONS_SCHEMA}
    columns["report_id"] = pa.array([f"r{i % 2}" for i in range(n)], pa.string())
    columns["skill_raw"] = pa.array(names, pa.string())
    return pa.table(columns, schema=OBSERVATIONS_SCHEMA)


def test_merges_the_matcher_made_itself_are_listed_for_review_with_their_score(
    reference: Path,
) -> None:
    queue = review_queue(
        observed(["Copilot", "AI data annotation & labelling", "Brand new skill", "Python"]),
        reference,
        kinds=["skill"],
    )
    rows = {r["name_raw"]: r for r in queue.to_pylist()}
    assert rows["Copilot"]["match_method"] == "derived"
    assert rows["AI data annotation & labelling"]["match_method"] == "fuzzy"
    for name in ("Copilot", "AI data annotation & labelling"):
        assert rows[name]["match_score"] is not None and not rows[name]["confirmed"]
    assert rows["Brand new skill"]["match_method"] == "unregistered"
    assert rows["Brand new skill"]["canonical_id"] == "u-brandnewskill"
    assert "Python" not in rows  # confirmed by its canonical name
    order = [r["match_method"] for r in queue.to_pylist()]
    assert order.index("unregistered") < order.index("fuzzy") < order.index("derived")


# --- imported taxonomies ---------------------------------------------------------------------------------

# The official ESCO download's header (skills_en.csv); altLabels are one label per line in a cell.
ESCO_HEADER = (
    "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,status,"
    "modifiedDate,scopeNote,definition,inScheme,description"
)
ESCO_ROWS = [
    "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/t1,skill/competence,transversal,"
    'think analytically,"analytical thinking\nthinking analytically",,released,2023-01-01,,,,'
    '"Produce thoughts using logic."',
    "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/t2,skill/competence,cross-sector,"
    "machine learning,,,released,2023-01-01,,,,",
]
ONET = (
    "O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\tHot Technology\tIn Demand\n"
    "15-1252.00\tMicrosoft Excel\t43232110\tSpreadsheet software\tY\tY\n"
    "43-9061.00\tMicrosoft Excel\t43232110\tSpreadsheet software\tY\tN\n"
    "15-1252.00\tApache Kafka\t43232402\tDevelopment environment software\tY\tN\n"
)


def test_imported_labels_carry_their_source_ids(reference: Path, tmp_path: Path) -> None:
    esco = tmp_path / "skills_en.csv"
    esco.write_text("\n".join([ESCO_HEADER, *ESCO_ROWS]) + "\n", encoding="utf-8")
    onet = tmp_path / "Technology Skills.txt"
    onet.write_text(ONET, encoding="utf-8")
    assert import_labels(reference, "esco", esco_labels(esco, use_alt_labels=True)) == 4
    assert import_labels(reference, "onet", onet_labels(onet)) == 2
    assert import_labels(reference, "onet", onet_labels(onet)) == 2  # replaces, never duplicates
    assert len(read_rows(reference, EXTERNAL_LABELS)) == 6
    table = harmonize_names(
        ["analytical thinking", "think analytically", "excel", "Machine learning"],
        "skill",
        reference,
    )
    assert table.schema == HARMONIZED_SCHEMA
    rows = {r["name_raw"]: r for r in table.to_pylist()}
    assert rows["analytical thinking"]["canonical_id"] == rows["think analytically"]["canonical_id"]
    assert rows["analytical thinking"]["esco_uri"] == "http://data.europa.eu/esco/skill/t1"
    assert rows["analytical thinking"]["match_method"] == "imported"
    assert (rows["excel"]["onet_code"], rows["excel"]["match_method"]) == ("43232110", "derived")
    # A registry skill keeps its id and the source ids of data/reference/skills.csv.
    assert rows["Machine learning"]["canonical_id"] == "machine-learning"
    assert rows["Machine learning"]["esco_uri"].endswith("3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43")


# --- cost: per distinct name -------------------------------------------------------------------------------


def test_identity_is_worked_out_once_per_distinct_name(
    reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = identity._identify

    def counting(identities, ref, name, match, threshold):
        calls.append(name)
        return real(identities, ref, name, match, threshold)

    monkeypatch.setattr(identity, "_identify", counting)
    names = pa.chunked_array([pa.array([f"skill number {i % 7} x" for i in range(70_000)])])
    assert harmonize_names(names, "skill", reference).num_rows == 7
    harmonize_names(names, "skill", reference)
    assert sorted(calls) == sorted({f"skill number {i} x" for i in range(7)})


# --- precision and recall across reports on labelled real name pairs -------------------------------------


def measured(reference_dir: Path) -> tuple[float, float]:
    outcomes = evaluate(
        load_pairs(PAIRS), lambda names: skill_ids_one_report_each(names, reference_dir)
    )
    overall = score(outcomes)
    holdout = score([o for o in outcomes if o.pair["split"] == "holdout"])
    print(f"\nskill ids across reports, all:     {overall.line()}")
    print(f"skill ids across reports, holdout: {holdout.line()}")
    return overall.precision, overall.recall


def test_pairs_are_many_real_and_sourced() -> None:
    pairs = load_pairs(PAIRS)
    assert len(pairs) >= 320
    assert sum(p["same"] == "false" for p in pairs) >= 150
    assert all(p["source"] and p["source_url"].startswith("https://") for p in pairs)
    assert {p["split"] for p in pairs} == {"dev", "holdout"}
    assert len({frozenset((p["name_a"], p["name_b"])) for p in pairs}) == len(pairs)


def test_skill_ids_agree_across_reports_with_the_shipped_registry() -> None:
    precision, recall = measured(SHIPPED)
    assert precision >= 0.98
    # Measured 0.916 (docs/harmonize.md); the names it misses need a synonym (see there).
    assert recall >= 0.90


BLIND = PAIRS.with_name("name_pairs_holdout.csv")


def test_blind_pairs_are_sourced_and_kept_apart() -> None:
    blind = load_pairs(BLIND)
    assert len(blind) >= 110
    assert all(p["source_url"].startswith("https://") and p["split"] == "blind" for p in blind)
    seen = {frozenset((p["name_a"].casefold(), p["name_b"].casefold())) for p in load_pairs(PAIRS)}
    assert not [
        p for p in blind if frozenset((p["name_a"].casefold(), p["name_b"].casefold())) in seen
    ]


def test_skill_ids_on_blind_pairs_keep_precision() -> None:
    # Never tuned on: only precision has a floor. Recall is reported (docs/harmonize.md: 0.229).
    outcomes = evaluate(load_pairs(BLIND), lambda names: skill_ids_one_report_each(names, SHIPPED))
    print(f"\nskill ids across reports, blind: {score(outcomes).line()}")
    assert score(outcomes).precision >= 0.98


@pytest.mark.realdata
@realdata
def test_skill_ids_agree_across_reports_with_esco_and_onet_imported(reference: Path) -> None:
    esco = esco_labels(REALDATA / "esco_skills_subset" / "skills_en.csv")
    import_labels(reference, "esco", esco)
    import_labels(reference, "onet", onet_labels(REALDATA / "onet_29_2" / "Technology Skills.txt"))
    precision, recall = measured(reference)
    assert precision >= 0.98
    assert recall >= 0.90  # measured 0.926 (443 pairs: precision 0.995, 'planner' / 'Xplanner')
    blind = score(evaluate(load_pairs(BLIND), lambda n: skill_ids_one_report_each(n, reference)))
    assert blind.precision >= 0.98  # measured 1.000, recall 0.257


# --- the same, through the real pipeline: each spelling in its own report ---------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_skill_ids_agree_across_reports_through_the_pipeline(tmp_path: Path) -> None:
    from flows.pipeline import skillpulse_pipeline

    pairs = load_pairs(PAIRS)
    raw = tmp_path / "raw"
    names_report(raw / "pairs" / "a", "name-pairs-a", [p["name_a"] for p in pairs], "Pairs a")
    names_report(raw / "pairs" / "b", "name-pairs-b", [p["name_b"] for p in pairs], "Pairs b")
    summary = skillpulse_pipeline(str(raw), str(tmp_path / "warehouse"))
    assert summary["reports_failed"] == 0
    lake = tmp_path / "warehouse" / "lake" / "observations"
    with duckdb.connect() as con:
        rows = con.execute(
            """
            SELECT a.value, a.skill_id, b.skill_id
            FROM read_parquet(?, union_by_name = true) AS a
            JOIN read_parquet(?, union_by_name = true) AS b USING (value)
            WHERE a.report_id LIKE 'name-pairs-a%' AND b.report_id LIKE 'name-pairs-b%'
            ORDER BY a.value
            """,
            [str(lake / "**" / "*.parquet")] * 2,
        ).fetchall()
    assert len(rows) == len(pairs)
    outcomes = [
        Outcome(pair, id_a, id_b) for pair, (_, id_a, id_b) in zip(pairs, rows, strict=True)
    ]
    result = score(outcomes)
    print(f"\nthrough the pipeline: {result.line()}")
    # The same figures as the harmonize step alone: the pipeline adds nothing and loses nothing.
    direct = score(evaluate(pairs, lambda names: skill_ids_one_report_each(names, SHIPPED)))
    assert result == direct
    assert result.precision >= 0.98 and result.recall >= 0.90


def test_a_label_two_concepts_share_merges_into_neither(reference: Path, tmp_path: Path) -> None:
    esco = tmp_path / "skills_en.csv"
    esco.write_text(
        "\n".join(
            [
                ESCO_HEADER,
                *ESCO_ROWS,
                "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/t3,skill/competence,"
                'transversal,think logically,"thinking analytically",,released,2023-01-01,,,,',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    import_labels(reference, "esco", esco_labels(esco, use_alt_labels=True))
    shared = one(reference, "thinking analytically")
    assert (shared["match_method"], shared["esco_uri"]) == ("unregistered", None)
    assert (
        one(reference, "analytical thinking")["esco_uri"] == "http://data.europa.eu/esco/skill/t1"
    )


def test_cli_review_shows_own_ids_and_matcher_merges(reference: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from flows.taxonomy.cli import skills_app

    lake = tmp_path / "warehouse" / "lake" / "observations" / "r0"
    lake.mkdir(parents=True)
    pq.write_table(observed(["Copilot", "zq"]), lake / "t.parquet")
    result = CliRunner().invoke(
        skills_app,
        ["review", "--warehouse", str(tmp_path / "warehouse"), "--reference-dir", str(reference)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "unregistered: own id u-zq" in result.output  # "zq" is too short to have a candidate
    assert "derived, unconfirmed: microsoft-copilot (" in result.output


def test_one_action_of_a_registered_pair_of_actions_is_that_skill() -> None:
    # 'AI image generation and editing' names two actions on one head: either alone is a short form.
    found = {n: one(SHIPPED, n) for n in ("AI image generation", "AI video editing")}
    assert found["AI image generation"]["canonical_id"] == "ai-image-generation-and-editing"
    assert found["AI video editing"]["canonical_id"] == "ai-video-generation-and-editing"
    assert {r["match_method"] for r in found.values()} == {
        "derived"
    }  # unconfirmed: listed for review
    # One shared word is no head: 'Data science and analytics' does not absorb 'data analytics'.
    assert one(SHIPPED, "data analytics")["canonical_id"] != "data-science-and-analytics"
    assert (
        one(SHIPPED, "AI image editing")["canonical_id"]
        != one(SHIPPED, "AI video editing")["canonical_id"]
    )
