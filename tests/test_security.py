"""Security: no input reaches SQL text, no manifest path leaves its folder, no parser touches the network."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.errors import ManifestError
from flows.extract import read_table
from flows.raw.manifest import TableSpec, load_manifest
from tests.conftest import write_report

MANIFEST = """
[report]
series = "s"
edition = "1"
publisher = "p"
title = "t"
source_url = "https://example.org"

[[tables]]
file = "{file}"
measure = "count"
columns = {{ skill = "Skill", value = "Count" }}
"""


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on loopback that records every request it gets."""
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<!ENTITY leak 'fetched'>")

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()


def test_html_parsing_never_touches_the_network(tmp_path: Path, listener) -> None:
    url, requests = listener
    page = tmp_path / "page.html"
    page.write_text(
        f"""<?xml version="1.0"?>
<!DOCTYPE html SYSTEM "{url}/doctype.dtd" [<!ENTITY remote SYSTEM "{url}/entity">]>
<html><head><link rel="stylesheet" href="{url}/style.css"><script src="{url}/x.js"></script></head>
<body><img src="{url}/pixel.png"><iframe src="{url}/frame"></iframe>
<table><tr><th>Skill</th><th>Count</th></tr><tr><td>&remote;Prompt engineering</td><td>41</td></tr></table>
</body></html>""",
        encoding="utf-8",
    )
    spec = TableSpec(
        file="page.html", measure="count", columns={"skill": "Skill", "value": "Count"}
    )
    raw = read_table(page, spec)
    assert requests == []
    assert raw.header == ("Skill", "Count")
    assert "fetched" not in str(raw.cells.to_pylist())


def test_a_symbolic_link_cannot_smuggle_a_file_from_outside(tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("Skill,Count\nx,1\n", encoding="utf-8")
    folder = write_report(tmp_path / "report", MANIFEST.format(file="linked.csv"), {})
    (folder / "linked.csv").symlink_to(secret)
    with pytest.raises(ManifestError, match="resolves outside the report folder"):
        load_manifest(folder / "report.toml")


@pytest.mark.parametrize(
    "file", ["../escape.csv", "/etc/passwd", "C:\\\\Windows\\\\x.csv", "a/../../b.csv"]
)
def test_manifest_paths_cannot_leave_the_folder(tmp_path: Path, file: str) -> None:
    folder = write_report(tmp_path / "report", MANIFEST.format(file=file), {})
    with pytest.raises(ManifestError, match="leaves the report folder"):
        load_manifest(folder / "report.toml")


def test_file_names_and_cells_with_sql_in_them_are_only_data(
    tmp_path: Path, prefect_harness
) -> None:
    import duckdb

    from flows.pipeline import skillpulse_pipeline

    real_name = 'it\'s "odd"; DROP TABLE lake.observations; --.csv'
    toml_name = real_name.replace('"', '\\"')
    raw = tmp_path / "raw"
    write_report(
        raw / "sql",
        MANIFEST.format(file=toml_name),
        {real_name: 'Skill,Count\n"\'); DROP TABLE lake.reports; --",41\n'},
    )
    skillpulse_pipeline(str(raw), str(tmp_path / "warehouse"))
    with duckdb.connect(str(tmp_path / "warehouse" / "skillpulse.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT skill_raw, value, source_file FROM lake.observations").fetchall()
        assert con.execute("SELECT count(*) FROM lake.reports").fetchone() == (1,)
    assert rows == [("'); DROP TABLE lake.reports; --", 41.0, f"sql/{real_name}")]
