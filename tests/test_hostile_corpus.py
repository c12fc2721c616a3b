"""The hostile corpus in one real run: no report stops the others, no figure is lost silently, memory stays bounded."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests import hostile_corpus as corpus
from tests.hostile_corpus import KINDS, Blanks, Kind, NoObs, Obs, Quarantined

pytestmark = pytest.mark.slow
SKILLPULSE = str(Path(sys.executable).parent / "skillpulse")
PEAK_RSS_LIMIT = 2 << 30
# A hard cap on the run's address space, so a bomb that gets through fails the run instead of
# taking the machine (shared by other runs) with it.
ADDRESS_SPACE_CAP = 6 << 30
RUN_TIMEOUT = 280

# Runs the CLI as its child and reports the child's peak resident memory (ru_maxrss, KiB).
WRAPPER = """
import resource, subprocess, sys
cap = int(sys.argv[1])
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
run = subprocess.run(sys.argv[3:], preexec_fn=limit)
with open(sys.argv[2], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(run.returncode)
"""


def run_measured(
    args: list[str], env: dict, peak_file: Path, timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WRAPPER, str(ADDRESS_SPACE_CAP), str(peak_file), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_corpus(root: Path, env: dict, kinds: list[Kind] = KINDS) -> dict:
    """Write the corpus under root/raw, run the CLI on it, and read back what was published."""
    raw = root / "raw"
    corpus.build(raw, kinds)
    warehouse = root / "warehouse"
    env = env | {"SKILLPULSE_MAX_FILE_MB": str(corpus.CORPUS_MAX_FILE_MB)}
    started = time.monotonic()
    try:
        result = run_measured(
            [SKILLPULSE, "run", "--raw", str(raw), "--warehouse", str(warehouse)],
            env,
            root / "peak",
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the corpus run did not finish in {RUN_TIMEOUT} s: {exc.stderr}")
    seconds = time.monotonic() - started
    peak = int((root / "peak").read_text()) * 1024 if (root / "peak").exists() else -1
    database = warehouse / "skillpulse.duckdb"
    lake: dict = {"observations": [], "quarantine": [], "reports": {}}
    if database.exists():
        with duckdb.connect(str(database), read_only=True) as con:
            lake["observations"] = con.execute(
                "SELECT report_id, source_file, skill_raw, value FROM lake.observations"
            ).fetchall()
            lake["quarantine"] = con.execute(
                "SELECT source_file, reason_code, message, source_column FROM lake.quarantine"
            ).fetchall()
            lake["reports"] = {
                row[0]: row[1:]
                for row in con.execute(
                    "SELECT report_id, value_cells, observations, blank_cells, rejected_cells "
                    "FROM lake.reports"
                ).fetchall()
            }
    return {"root": root, "raw": raw, "result": result, "peak": peak, "seconds": seconds, **lake}


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory, prefect_server: str) -> dict:
    root = tmp_path_factory.mktemp("hostile-corpus")
    return run_corpus(root, os.environ | {"PREFECT_API_URL": prefect_server})


def rows_of(run: dict, kind: Kind) -> tuple[list[tuple], list[tuple]]:
    observations = [
        (skill, value)
        for report_id, source_file, skill, value in run["observations"]
        if corpus.report_of(source_file) == kind.name
    ]
    quarantine = [
        (code, message, column)
        for source_file, code, message, column in run["quarantine"]
        if corpus.report_of(source_file) == kind.name
    ]
    return observations, quarantine


def test_the_corpus_run_completes_and_publishes_the_good_rows(corpus_run: dict) -> None:
    result = corpus_run["result"]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    anchors = {
        corpus.report_of(source_file)
        for _, source_file, skill, value in corpus_run["observations"]
        if skill == corpus.ANCHOR
    }
    assert len(anchors) >= 40, sorted(anchors)


def test_memory_stays_under_2_gb(corpus_run: dict) -> None:
    assert 0 < corpus_run["peak"] < PEAK_RSS_LIMIT, f"peak RSS {corpus_run['peak'] / 2**30:.2f} GB"


def test_no_report_fails_as_a_whole_unexpectedly(corpus_run: dict) -> None:
    codes = {code for _, code, _, _ in corpus_run["quarantine"]}
    assert "report_failed" not in codes, [
        row for row in corpus_run["quarantine"] if row[1] == "report_failed"
    ]


def test_every_value_cell_is_an_observation_a_blank_or_a_rejection(corpus_run: dict) -> None:
    assert corpus_run["reports"]
    for report_id, (cells, observations, blanks, rejected) in corpus_run["reports"].items():
        assert cells == observations + blanks + rejected, report_id


def test_every_stored_value_is_finite(corpus_run: dict) -> None:
    bad = [row for row in corpus_run["observations"] if not math.isfinite(row[3])]
    assert bad == []


def test_messages_use_paths_relative_to_the_raw_folder(corpus_run: dict) -> None:
    root = str(corpus_run["root"])
    absolute = [row for row in corpus_run["quarantine"] if root in row[2]]
    assert absolute == [], absolute[:3]


def test_messages_show_invisible_characters_escaped(corpus_run: dict) -> None:
    invisible = [
        row
        for row in corpus_run["quarantine"]
        if any(char in row[2] for char in ("\x00", "\u200b", "\u00ad", "\ufeff", "\x07"))
    ]
    assert invisible == [], invisible[:3]


def outcome_problems(run: dict, kind: Kind) -> list[str]:
    """What differs from the kind's expected outcome; empty when it has it."""
    observations, quarantine = rows_of(run, kind)
    problems = []
    for expected in kind.expect:
        if isinstance(expected, Obs):
            ok = any(
                skill == expected.skill and value == pytest.approx(expected.value)
                for skill, value in observations
            )
        elif isinstance(expected, NoObs):
            ok = not any(
                skill == expected.text if expected.exact else expected.text in skill
                for skill, _ in observations
            )
        elif isinstance(expected, Quarantined):
            ok = any(
                code == expected.code
                and all(word in message for word in expected.words)
                and (expected.column is None or column == expected.column)
                for code, message, column in quarantine
            )
        elif isinstance(expected, Blanks):
            counts = [c for rid, c in run["reports"].items() if rid.startswith(kind.name)]
            ok = bool(counts) and counts[0][2] == expected.count
        else:
            ok = not any("blank" in message or "empty" in message for _, message, _ in quarantine)
        if not ok:
            problems.append(f"expected {expected}")
    if problems:
        problems.append(f"got observations {observations} and quarantine {quarantine}")
    return problems


@pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])
def test_each_hostile_kind_has_its_outcome(corpus_run: dict, kind: Kind) -> None:
    problems = outcome_problems(corpus_run, kind)
    assert not problems, "\n".join(problems)
