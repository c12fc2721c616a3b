"""Run progress on a terminal (quiet otherwise) and the summary's top quarantine reasons with examples."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from flows.lake import QUARANTINE, read_current
from flows.ops.summary import RunSummary, quarantine_reasons
from tests.analyst_warehouse import analyst_raw, analyst_warehouse_once

SKILLPULSE = str(Path(sys.executable).parent / "skillpulse")


def summary(reasons: dict[str, int], examples: dict[str, str]) -> RunSummary:
    return RunSummary(
        status="completed",
        finished_at="2026-01-01T00:00:00+00:00",
        raw_dir="raw",
        warehouse_dir="warehouse",
        nothing_changed=False,
        reports_seen=1,
        reports_ingested=1,
        reports_new=1,
        reports_unchanged=0,
        reports_retired=0,
        reports_failed=0,
        observations=10,
        quarantined=sum(reasons.values()),
        quarantine_by_reason=reasons,
        marts=[],
        quarantine_examples=examples,
    )


def test_summary_lists_the_top_reasons_with_one_example_each() -> None:
    reasons = {f"code_{n}": n for n in range(1, 8)}
    examples = {code: f"a.csv:{n}:2: problem {n}" for code, n in reasons.items()}
    examples["code_7"] = "x" * 500
    lines = summary(reasons, examples).render().splitlines()
    listed = [line for line in lines if line.startswith("    code_")]
    assert [line.split()[0] for line in listed] == [
        "code_7",
        "code_6",
        "code_5",
        "code_4",
        "code_3",
    ]
    assert listed[1] == "    code_6 (6), e.g. a.csv:6:2: problem 6"
    assert len(listed[0]) < 300 and listed[0].endswith("…")
    assert "    ... 2 more reason(s): `skillpulse status`" in lines
    assert not [line for line in summary({}, {}).render().splitlines() if line.startswith("    ")]


@pytest.mark.slow
def test_quarantine_reasons_come_from_the_lake(tmp_path_factory, prefect_harness) -> None:
    lake = analyst_warehouse_once(tmp_path_factory) / "lake"
    reasons, examples = quarantine_reasons(
        read_current(lake, QUARANTINE, ["reason_code", "message"])
    )
    assert reasons == {"unparseable_value": 1}
    assert examples["unparseable_value"].startswith(
        'upwork/in-demand-skills-2025/ai-skills.csv:6:3 (column "Demand growth (YoY)"): '
        'cannot read "17 per cnet"'
    )


def run_on_a_terminal(*args: str) -> str:
    """Run the CLI with a pseudo-terminal as stdin, stdout and stderr; return all it wrote."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [SKILLPULSE, *args], stdin=follower, stdout=follower, stderr=follower, close_fds=True
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=300) == 0
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
def test_progress_shows_on_a_terminal_and_nowhere_else(tmp_path: Path) -> None:
    raw = analyst_raw(tmp_path)
    shown = run_on_a_terminal("run", "--raw", str(raw), "--warehouse", str(tmp_path / "a"))
    for text in ("starting Prefect", "stage: discover", "stage: build", "reports ingested"):
        assert text in shown, text
    assert "5/5, 226 observations" in shown
    assert "unparseable_value (1), e.g. upwork/in-demand-skills-2025/ai-skills.csv:6:3" in shown

    piped = subprocess.run(
        [SKILLPULSE, "run", "--raw", str(raw), "--warehouse", str(tmp_path / "b")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert piped.returncode == 0, piped.stderr
    assert "stage:" not in piped.stdout + piped.stderr
    assert "\x1b[" not in piped.stdout + piped.stderr
    assert "unparseable_value (1), e.g." in piped.stdout


@pytest.mark.slow
def test_status_names_an_example_for_each_quarantine_reason(
    tmp_path_factory, prefect_harness
) -> None:
    from flows.ops.status import render_status

    text, failed = render_status(analyst_warehouse_once(tmp_path_factory), 5)
    assert not failed
    line = next(line for line in text.splitlines() if "unparseable_value" in line)
    assert "1  e.g. upwork/in-demand-skills-2025/ai-skills.csv:6:3" in line
