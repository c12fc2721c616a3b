"""A table normalized in row ranges gives exactly what the whole table gives: rows, order, quarantine and counts."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from flows.extract import RawTable
from flows.normalize.rejections import (
    DISTINCT_FROM,
    duplicate_rows,
    unicode_visible_name,
    visible_name,
)
from tests.conftest import normalize_one_table

REFERENCE = Path(__file__).parents[1] / "data" / "reference"

# Repeats across ranges (rows 2 and 9, spaces aside), a total, a nameless figure, a blank, prose,
# a cell of two figures, a per-row measure, an unreadable period and names that need harmonizing.
LONG = (
    "Skill,Category,Period,What,Value\n"
    "Prompt Engineering,AI & Data,2024,Growth,+12%\n"
    "SQL,Data,2024,Growth,−3.5%\n"
    "Machine learning,AI and Data,2024-Q3,Share,41%\n"
    "Data Analysis,Data,sometime soon,Growth,up 7%\n"
    ",Data,2024,Growth,5%\n"
    "Python,Data,2024,Growth,\n"
    "Total,,2024,Growth,100%\n"
    "Prompt Engineering ,AI & Data,2024,Growth,+12%\n"
    'Kubernetes,Cloud,2024,Postings,"12,500"\n'
    'Rust,Software,2024,Growth,"+7% MoM, -3% YoY"\n'
    "Go,Software,2024,Growth,Survey of hiring managers\n"
    "SQL,Data,2024,Growth,−3.5%\n"
    "prompt engineering,AI & Data,2023,Growth,over 300%\n"
)
LONG_TABLE = (
    'measure = "growth_pct"\n'
    'columns = { skill = "Skill", category = "Category", period = "Period", '
    'measure = "What", value = "Value" }\n'
)
WIDE = (
    "Skill,2022,2023,2024\n"
    'Python,"1,200",1300,\n'
    "SQL,900,n/a,950\n"
    'Python,"1,200",1300,\n'
    "Total,2100,2200,2300\n"
    "Excel,,,400\n"
)
WIDE_TABLE = (
    'measure = "count"\ncolumns = { skill = "Skill" }\nunpivot = { headers = \'^20\\d\\d$\' }\n'
)


@pytest.mark.parametrize(
    ("csv_text", "table"), [(LONG, LONG_TABLE), (WIDE, WIDE_TABLE)], ids=["long", "wide"]
)
@pytest.mark.parametrize("range_rows", [1, 5])
def test_ranges_give_what_the_whole_table_gives(tmp_path, monkeypatch, csv_text, table, range_rows):
    whole = normalize_one_table(tmp_path / "whole", csv_text, table)
    monkeypatch.setenv("SKILLPULSE_RANGE_ROWS", str(range_rows))
    ranged = normalize_one_table(tmp_path / "ranged", csv_text, table)
    assert ranged.observations.equals(whole.observations)
    assert ranged.quarantine.equals(whole.quarantine)
    counts = ("data_rows", "value_cells", "blank_cells", "rejected_cells", "observed_cells")
    assert [getattr(ranged, c) for c in counts] == [getattr(whole, c) for c in counts]
    # The table exercises what it claims: a copy in a later range, and rows of every kind.
    reasons = set(whole.quarantine["reason_code"].to_pylist())
    assert {"duplicate_row", "total_row"} <= reasons
    assert whole.observations.num_rows and whole.blank_cells


def test_visible_name_on_distinct_texts_matches_the_unicode_patterns():
    texts = ["Prompt  engineering ", " SQL", "\u200bAI", "---", None, "", "Data & AI"]
    names = pa.chunked_array([pa.array(texts * (DISTINCT_FROM // len(texts) + 1), pa.string())])
    assert visible_name(names).to_pylist() == unicode_visible_name(names).to_pylist()


def test_duplicate_rows_of_a_table_read_in_chunks():
    names = ["SQL", "SQL ", None, "Go", "\u200bGo", "Rust", "SQL", None]
    values = ["1", "1", "2", "3", "3", "4", "2", "2"]
    cells = pa.table({"source_row": pa.array(range(2, 10), pa.int64()), "c1": names, "c2": values})
    chunked = pa.concat_tables([cells.slice(0, 3), cells.slice(3, 2), cells.slice(5)])
    raw = RawTable(("Skill", "Value"), chunked, pa.table({"source_row": pa.array([], pa.int64())}))
    assert duplicate_rows(raw).to_pylist() == [False, True, False, False, True, False, False, True]


# A table past SMALL_TABLE cells (so normalized at once, not in a batch), then a small one.
BIG = LONG + "".join(f"Skill number {i},Data,2024,Growth,+{i}%\n" for i in range(1, 1100))


def _write_streaming_raw(raw: Path) -> None:
    from tests.conftest import write_report
    from tests.hostile_corpus import manifest

    small = "Skill,Growth\nPython,+4%\nSQL,oops\n"
    write_report(raw / "a", manifest("a", "t.csv"), {"t.csv": small})
    long_columns = (
        '{ skill = "Skill", category = "Category", period = "Period", measure = "What", '
        'value = "Value" }'
    )
    big = manifest("b", "big.csv", columns=long_columns)
    big += '\n[[tables]]\nfile = "t.csv"\nmeasure = "growth_pct"\n'
    big += 'columns = { skill = "Skill", value = "Growth" }\n'
    write_report(raw / "b", big, {"big.csv": BIG, "t.csv": small})
    write_report(raw / "c", manifest("c", "t.csv"), {"t.csv": small})


def _ingested(raw: Path, lake: Path) -> tuple[list, list, list]:
    import pyarrow.parquet as pq

    from flows.ingest import Batch, ingest_batch
    from flows.raw.discover import discover, reference_fingerprint

    plan = discover(raw, reference_fingerprint(REFERENCE), {})
    rows = ingest_batch(Batch(tuple(plan.changed)), lake, REFERENCE)
    files = ("observations_file", "quarantine_file", "claims_file", "ingested_at")
    tables = [
        pq.read_table(lake / name).to_pylist()
        for column in files[:2]
        for name in dict.fromkeys(r[column] for r in rows if r[column])
    ]
    return tables[0], tables[1], [{k: v for k, v in r.items() if k not in files} for r in rows]


def test_a_large_tables_ranges_stream_into_the_batch_file_in_report_order(
    tmp_path, monkeypatch
) -> None:
    _write_streaming_raw(tmp_path / "raw")
    whole = _ingested(tmp_path / "raw", tmp_path / "whole")
    monkeypatch.setenv("SKILLPULSE_RANGE_ROWS", "300")
    streamed = _ingested(tmp_path / "raw", tmp_path / "streamed")
    assert streamed == whole
    observations, _, reports = whole
    assert [r["report_id"] for r in reports] == ["a-2025", "b-2025", "c-2025"]
    assert reports[1]["observations"] > 1100 and len(observations) == sum(
        r["observations"] for r in reports
    )


def test_a_sink_takes_each_ranges_observations_and_the_result_counts_them(
    tmp_path, monkeypatch
) -> None:
    import duckdb

    from flows.normalize.table import normalize_read, read_declared
    from flows.raw.discover import discover, reference_fingerprint

    _write_streaming_raw(tmp_path / "raw")
    plan = discover(tmp_path / "raw", reference_fingerprint(REFERENCE), {})
    source = next(s for s in plan.changed if s.report_id == "b-2025")
    read = read_declared(source, source.manifest.tables[0], REFERENCE)
    whole = normalize_read(duckdb.connect(), read, REFERENCE)
    monkeypatch.setenv("SKILLPULSE_RANGE_ROWS", "300")
    parts: list[pa.Table] = []
    streamed = normalize_read(duckdb.connect(), read, REFERENCE, parts.append)
    assert len(parts) == 4 and streamed.observations.num_rows == 0
    assert streamed.streamed == whole.observations.num_rows == streamed.observation_count
    assert pa.concat_tables(parts).equals(whole.observations)
    assert streamed.quarantine.equals(whole.quarantine)
