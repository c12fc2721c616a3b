"""`skillpulse report`: one self-contained HTML page whose charts render in a real headless Chromium."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner

from flows.cli import app
from tests.analyst_warehouse import analyst_warehouse_once

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is absent: install the distribution's package (apt-get install chromium)",
)
CHARTS = ("growth", "consensus", "changes", "categories", "quarantine")


@pytest.fixture(scope="module")
def report(tmp_path_factory, prefect_harness) -> Path:
    warehouse = analyst_warehouse_once(tmp_path_factory)
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(app, ["report", "--warehouse", str(warehouse), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def chromium(*args: str) -> subprocess.CompletedProcess:
    """Headless Chromium with no network: a dead proxy makes any fetch fail."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--proxy-server=127.0.0.1:9",
                f"--user-data-dir={profile}",
                # Vega draws after the load event; let the page's timers and promises run first.
                "--virtual-time-budget=15000",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )


def test_report_is_one_small_file_that_loads_nothing(report: Path) -> None:
    assert report.stat().st_size < 2_000_000
    page = lxml.html.parse(str(report)).getroot()
    assert page.xpath("//*[@src] | //link | //*[@href[not(starts-with(., '#'))]]") == []
    scripts = page.xpath("//script")
    assert len(scripts) == 2 and "vegaEmbed" in scripts[0].text and "vegaEmbed(" in scripts[1].text


def test_every_figure_is_traced_to_its_cell_and_printed_text(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    page = lxml.html.fromstring(html)
    growth = page.get_element_by_id("growth").text_content()
    assert "upwork/in-demand-skills-2026/ai-skills.csv:2:Demand growth (YoY)" in growth
    assert "up over 329%" in growth
    changes = page.get_element_by_id("changes").text_content()
    assert "upwork/in-demand-skills-2025/ai-skills.csv:2:Demand growth (YoY)" in changes
    assert "+120%" in changes and "dropped" in changes
    # Hovering a mark shows its cell and printed text: every chart's tooltips carry both.
    specs = json.loads(re.search(r"const specs = (\{.*?\});\n", html, re.DOTALL)[1])
    for key in CHARTS:
        tooltips = json.dumps(specs[f"chart-{key}"])
        assert '"field": "source' in tooltips, key
        assert key == "quarantine" or '"field": "printed' in tooltips, key
    quarantine = page.get_element_by_id("quarantine").text_content()
    assert "unparseable_value" in quarantine
    assert "upwork/in-demand-skills-2025/ai-skills.csv:6:Demand growth (YoY)" in quarantine


@needs_chromium
def test_charts_render_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    dumped = chromium("--dump-dom", report.as_uri())
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = lxml.html.fromstring(dumped.stdout)
    source = lxml.html.parse(str(report)).getroot()
    for key in CHARTS:
        chart = dom.get_element_by_id(f"chart-{key}")
        marks = chart.xpath(
            ".//*[local-name()='g'][contains(@class, 'role-mark')]"
            "[contains(@class, 'mark-rect') or contains(@class, 'mark-symbol')]/*[local-name()='path']"
        )
        figures = source.get_element_by_id(key).xpath(".//table/tbody/tr")
        assert chart.xpath(".//*[local-name()='svg']"), f"chart {key} drew no SVG"
        # One bar or dot per listed figure (the quarantine chart draws one bar per reason).
        expected = (
            len({row.findtext("td") for row in figures}) if key == "quarantine" else len(figures)
        )
        assert len(marks) >= expected > 0, (key, len(marks), expected)

    screenshot = tmp_path / "report.png"
    shot = chromium(f"--screenshot={screenshot}", "--window-size=1280,2000", report.as_uri())
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert (
        screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 50_000
    )
    print(f"report screenshot: {screenshot}")
