"""Extract stage: read a published table in any format -> header texts and every cell as text, with its row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flows.extract.common import SKIPPED_SCHEMA, RawTable, check_file_size
from flows.extract.delimited import read_csv
from flows.extract.html import read_html
from flows.extract.markdown import read_markdown
from flows.extract.pdf import read_pdf
from flows.extract.records import read_json, read_jsonl, read_parquet
from flows.extract.text import read_text
from flows.extract.xlsx import read_xlsx
from flows.raw.manifest import TableSpec

__all__ = ["READERS", "SKIPPED_SCHEMA", "RawTable", "read_table"]

READERS: dict[str, Callable[[Path, TableSpec], RawTable]] = {
    "csv": read_csv,
    "tsv": read_csv,
    "xlsx": read_xlsx,
    "json": read_json,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
    "html": read_html,
    "markdown": read_markdown,
    "text": read_text,
    "pdf": read_pdf,
}


def read_table(path: Path, spec: TableSpec) -> RawTable:
    """Read the table `spec` declares in `path`, every cell as text with its source row."""
    check_file_size(path)
    return READERS[spec.file_format](path, spec)
