"""The real corpus through the real table normalizer: one report per public page, read as a user would."""

from __future__ import annotations

import collections
import csv
import math
import re
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pytest

from flows.normalize.table import normalize_report
from flows.raw.discover import discover, reference_fingerprint
from tests.conftest import normalize_one_table
from tests.test_figures import page_currencies

CORPORA = Path(__file__).parent / "fixtures" / "corpus"
REFERENCE = Path(__file__).parents[1] / "data" / "reference"


def _pages(name: str) -> dict[str, list[list[dict]]]:
    """source_url -> its cells in printed order; a cell lists the figures it must give."""
    pages: dict[str, dict[str, list[dict]]] = collections.OrderedDict()
    with (CORPORA / name).open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            pages.setdefault(row["source_url"], collections.OrderedDict()).setdefault(
                row["printed"], []
            ).append(row)
    return {url: list(cells.values()) for url, cells in pages.items()}


def _write_reports(raw: Path, pages: dict[str, list[list[dict]]]) -> None:
    """One report folder per page: figures.csv (Skill, Value, Measure) and its report.toml.

    The table declares the page's main measure; the Measure column gives what a manifest would
    declare for each row (its columns.measure); the words of a cell override both.
    """
    currencies = page_currencies([f for cells in pages.values() for c in cells for f in c])
    for number, (url, cells) in enumerate(pages.items(), start=1):
        folder = raw / "corpus" / f"page-{number:03d}"
        folder.mkdir(parents=True)
        with (folder / "figures.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Skill", "Value", "Measure"])
            for figures in cells:
                first = figures[0]
                writer.writerow([first["subject"], first["printed"], first["declared_measure"]])
        declared = collections.Counter(f[0]["declared_measure"] for f in cells).most_common(1)[0][0]
        currency = f'currency = "{currencies[url]}"\n' if url in currencies else ""
        (folder / "report.toml").write_text(
            f"""[report]
series = "corpus-page-{number:03d}"
edition = "1"
publisher = "corpus"
title = "Figures transcribed from a public page"
source_url = "{url}"
{currency}
[[tables]]
file = "figures.csv"
measure = "{declared or "growth_pct"}"
columns = {{ skill = "Skill", value = "Value", measure = "Measure" }}
""",
            encoding="utf-8",
        )


def _matches(observation: dict, expected: dict) -> list[str]:
    start = observation["period_start"]
    end = observation["period_end"]
    checks = {
        "value": math.isclose(observation["value"], float(expected["value"]), rel_tol=1e-9),
        "measure": observation["measure"] == expected["measure"],
        "qualifier": observation["value_qualifier"] == expected["value_qualifier"],
        "comparison": (observation["comparison"] or "") == expected["comparison"],
        "currency": (observation["currency"] or "") == expected["currency"],
        "period": (str(start or ""), str(end or ""))
        == (expected["period_start"], expected["period_end"]),
    }
    return [name for name, ok in checks.items() if not ok]


@pytest.mark.parametrize(
    "name", ["figures.csv", "heldout.csv", "heldout2.csv", "heldout3.csv", "heldout4.csv"]
)
def test_real_corpus_through_the_table_normalizer(tmp_path: Path, name: str) -> None:
    """>= 95% exact (value, qualifier, measure, period, comparison, lineage), 0 wrong, 0 lost."""
    pages = _pages(name)
    raw = tmp_path / "raw"
    _write_reports(raw, pages)
    plan = discover(raw, reference_fingerprint(REFERENCE), {})
    assert plan.problems.num_rows == 0, plan.problems.to_pylist()
    by_url = {source.manifest.report.source_url: source for source in plan.changed}
    con = duckdb.connect()
    exact = wrong = quarantined = lost = 0
    report = []
    for url, cells in pages.items():
        (result,) = normalize_report(con, by_url[url], REFERENCE)
        observations = collections.defaultdict(list)
        for obs in result.observations.to_pylist():
            observations[obs["source_row"]].append(obs)
        rejected = collections.defaultdict(list)
        for row in result.quarantine.to_pylist():
            rejected[row["source_row"]].append(row)
        for line, figures in enumerate(cells, start=2):
            found = sorted(observations.get(line, []), key=lambda o: o["figure_index"])
            text = figures[0]["printed"]
            if figures[0]["value"] == "":
                reasons = {r["reason_code"] for r in rejected.get(line, [])}
                if found:
                    wrong += 1
                    report.append(f"prose loaded as {[o['value'] for o in found]}: {text!r}")
                elif "not_a_figure" in reasons:
                    exact += 1
                else:
                    quarantined += 1
                    report.append(f"prose quarantined as {reasons}, not not_a_figure: {text!r}")
                continue
            for index, expected in enumerate(figures):
                got = [o for o in found if o["figure_index"] == index]
                if got:
                    obs = got[0]
                    lineage = obs["source_text"] == text and re.fullmatch(
                        r"\d+-\d+", obs["source_span"] or ""
                    )
                    problems = _matches(obs, expected) + ([] if lineage else ["lineage"])
                    if problems:
                        wrong += 1
                        report.append(f"{text!r} figure {index}: {', '.join(problems)} -> {obs}")
                    else:
                        exact += 1
                elif rejected.get(line):
                    quarantined += 1
                    report.append(f"quarantined {text!r}: {rejected[line][0]['message']}")
                else:
                    lost += 1
                    report.append(f"lost {text!r} figure {index}")
        cells_total = result.value_cells
        assert cells_total == result.observed_cells + result.rejected_cells + result.blank_cells
    total = sum(len(figures) for cells in pages.values() for figures in cells)
    print(
        f"\n{name} through the normalizer: {total} figures from {len(pages)} pages: {exact} exact "
        f"({exact / total:.1%}), {wrong} wrong, {quarantined} quarantined, {lost} lost"
    )
    print("\n".join(report))
    assert wrong == 0 and lost == 0, "\n".join(report)
    assert exact / total >= 0.95


def test_unreadable_period_keeps_the_value_and_warns(tmp_path: Path) -> None:
    folder = tmp_path / "raw" / "p" / "r"
    folder.mkdir(parents=True)
    (folder / "t.csv").write_text(
        "Skill,Growth,Period\nPython,+12%,the third quarter of 2024\nSQL,+3%,sometime soon\n",
        encoding="utf-8",
    )
    (folder / "report.toml").write_text(
        '[report]\nseries = "p"\nedition = "1"\npublisher = "p"\ntitle = "t"\n'
        'source_url = "https://example.org/r"\n\n[[tables]]\nfile = "t.csv"\n'
        'measure = "growth_pct"\ncolumns = { skill = "Skill", value = "Growth", period = "Period" }\n',
        encoding="utf-8",
    )
    plan = discover(tmp_path / "raw", reference_fingerprint(REFERENCE), {})
    (result,) = normalize_report(duckdb.connect(), plan.changed[0], REFERENCE)
    rows = {o["skill_raw"]: o for o in result.observations.to_pylist()}
    assert str(rows["Python"]["period_start"]) == "2024-07-01"
    assert rows["SQL"]["value"] == 3 and rows["SQL"]["period_start"] is None
    assert rows["SQL"]["period_label"] == "sometime soon"
    (warning,) = result.quarantine.to_pylist()
    assert (warning["severity"], warning["reason_code"]) == ("warning", "unparseable_period")
    assert "sometime soon" in warning["message"]
    assert pc.sum(result.observations["value"]).as_py() == 15


def test_value_in_label_splits_the_cell_and_keeps_its_lineage(tmp_path: Path) -> None:
    result = normalize_one_table(
        tmp_path,
        'Item\nGermany (3.1%)\nPrompt engineering - up 48%\n"Python: +7% MoM, -3% YoY"\n',
        'measure = "share_pct"\nvalue_in_label = true\ncolumns = { skill = "Item" }\n',
    )
    rows = [
        (
            o["skill_raw"],
            o["value"],
            o["measure"],
            o["comparison"],
            o["source_text"],
            o["source_span"],
        )
        for o in result.observations.to_pylist()
    ]
    assert rows == [
        ("Germany", 3.1, "share_pct", None, "Germany (3.1%)", "9-13"),
        ("Prompt engineering", 48.0, "growth_pct", None, "Prompt engineering - up 48%", "24-27"),
        ("Python", 7.0, "growth_pct", "mom", "Python: +7% MoM, -3% YoY", "8-11"),
        ("Python", -3.0, "growth_pct", "yoy", "Python: +7% MoM, -3% YoY", "17-20"),
    ]
    assert (result.value_cells, result.observed_cells) == (3, 3)


def test_per_row_measure_dimensions_and_accounting_negatives(tmp_path: Path) -> None:
    result = normalize_one_table(
        tmp_path,
        "Skill,What,Segment,Figure\n"
        "AI,Share of postings,All businesses,27\n"
        "AI,YoY growth,Small businesses,(4.2)\n"
        'AI,Postings,All businesses,"12,500"\n'
        "AI,Note,All businesses,Survey of hiring managers in the United States\n",
        'measure = "growth_pct"\naccounting_negatives = true\n'
        'columns = { skill = "Skill", value = "Figure", measure = "What", '
        'dimensions = { segment = "Segment" } }\n',
    )
    rows = [
        (o["measure"], o["value"], dict(o["dimensions"])["segment"])
        for o in result.observations.to_pylist()
    ]
    assert rows == [
        ("share_pct", 27.0, "All businesses"),
        ("growth_pct", -4.2, "Small businesses"),
        ("count", 12500.0, "All businesses"),
    ]
    (prose,) = result.quarantine.to_pylist()
    assert prose["reason_code"] == "not_a_figure" and prose["severity"] == "error"
    assert "columns.value" in prose["message"]


def test_parentheses_are_not_negative_without_the_option(tmp_path: Path) -> None:
    result = normalize_one_table(
        tmp_path,
        "Skill,Growth\nAI,(4.2)\nSQL,(38 per cent)\n",
        'measure = "growth_pct"\ncolumns = { skill = "Skill", value = "Growth" }\n',
    )
    assert result.observations["value"].to_pylist() == [4.2, 38.0]


def test_a_typo_names_the_correction_that_reads_it(tmp_path: Path) -> None:
    csv_text = "Skill,Growth\nAI,(17 per cnet)\n"
    table = 'measure = "growth_pct"\ncolumns = { skill = "Skill", value = "Growth" }\n'
    (rejected,) = normalize_one_table(tmp_path / "a", csv_text, table).quarantine.to_pylist()
    assert rejected["reason_code"] == "unparseable_value"
    assert 'corrections = { "per cnet" = "per cent" }' in rejected["message"]
    fixed = normalize_one_table(
        tmp_path / "b", csv_text, table + 'corrections = { "per cnet" = "per cent" }\n'
    )
    (row,) = fixed.observations.to_pylist()
    assert (row["value"], row["source_text"]) == (17.0, "(17 per cnet)")
