"""The shortcuts of the table normalizer give exactly what the full readers give."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from flows.config import DEFAULT_REFERENCE, DEFAULT_THRESHOLD
from flows.extract import RawTable
from flows.normalize import cell_values
from flows.normalize.cell_values import distinct_nonblank, read_cell_values
from flows.normalize.figure_cells import FIGURE_ROWS_SCHEMA, figure_table, text_figure_rows
from flows.normalize.figures import find_figures
from flows.normalize.identity import case_blind, identify_names, load_identities
from flows.normalize.name_store import MIN_NAMES, distinct_names
from flows.normalize.names import harmonize_with, load_reference
from flows.normalize.rejections import (
    TOTAL_NAMES,
    _plain_ascii,
    duplicate_rows,
    total_rows,
    unicode_visible_name,
    visible_name,
)
from flows.raw.manifest import TableSpec

CORPUS = Path(__file__).parent / "fixtures" / "corpus"

# Characters that make a name look different without changing what a person reads, and some that
# do change it: the shortcuts must tell them apart exactly as the Unicode patterns do.
_ALPHABET = (
    "aZ09 &-.,()'*:/+%$€é–—\u00a0\u2009\u200b\u200e\u2060\ufeff\t\n\r\x00\x07\x0b\x7f"
    "Total totalsSUB-grand all skills overall"
)


def _random_texts(seed: int, n: int) -> list[str | None]:
    rng = random.Random(seed)
    texts: list[str | None] = [None, "", " ", "  ", "\u200b", "---", "(*)", "A  B", " x "]
    for _ in range(n):
        length = rng.randint(0, 12)
        texts.append("".join(rng.choice(_ALPHABET) for _ in range(length)))
    return texts


def _corpus_texts() -> list[str]:
    texts = []
    for path in sorted(CORPUS.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                texts += [row["printed"], row["subject"]]
    return texts


def _plain_ascii_names(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    words = ["Prompt", "engineering", "AI", "R&D", "(GenAI)", "C++", ".NET", "-", "*", "Total"]
    return [
        " " * rng.randint(0, 2)
        + (" " * rng.randint(1, 3)).join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        + " " * rng.randint(0, 2)
        for _ in range(n)
    ]


@pytest.mark.parametrize(
    "texts",
    [
        _random_texts(1, 3000),
        _plain_ascii_names(2, 3000),
        _corpus_texts(),
        ["*", "--", "Prompt  engineering ", "   ", "", None],
    ],
    ids=["unicode", "ascii", "corpus", "punctuation"],
)
def test_visible_name_shortcut_matches_the_unicode_patterns(texts):
    names = pa.chunked_array([pa.array(texts, pa.string())])
    assert visible_name(names).to_pylist() == unicode_visible_name(names).to_pylist()
    # Text by text too: a column is read by the shortcut only when all of it is plain.
    for text in texts[:400]:
        one = pa.chunked_array([pa.array([text], pa.string())])
        assert visible_name(one).to_pylist() == unicode_visible_name(one).to_pylist(), repr(text)


def _total_rows_by_regex(names: pa.ChunkedArray) -> list[bool]:
    label = pc.replace_substring_regex(pc.utf8_lower(names), r"\s*(\(.*\))?[\p{P}\p{S}\s]*$", "")
    return pc.fill_null(pc.is_in(label, value_set=TOTAL_NAMES), False).to_pylist()


def test_total_rows_match_the_label_pattern():
    texts = [
        "Total", "TOTAL:", "Total*", "Totals", "Grand total (all skills)", "Sub-total", "subtotal",
        "Overall", "Overall demand", "Totally new skill", "All skills  ", " total", "Total\u200b",
        "TOTAL (ex. AI)", "Prompt engineering", None, "",
    ]  # fmt: skip
    texts += _random_texts(3, 2000)
    names = pa.chunked_array([pa.array(texts, pa.string())])
    found = total_rows(names).to_pylist()
    assert found == _total_rows_by_regex(names)
    assert found[:9] == [True, True, True, True, True, True, True, True, False]
    # Without any total in the column the answer is all False, of the column's length.
    plain = pa.chunked_array([pa.array(["Prompt engineering", None, "SQL"])])
    assert total_rows(plain).to_pylist() == [False, False, False]


def _duplicates_by_group_by(raw: RawTable) -> list[bool]:
    columns = [
        pc.fill_null(unicode_visible_name(raw.cells[f"c{i}"]), "\x00")
        for i in range(1, len(raw.header) + 1)
    ]
    row_text = pc.binary_join_element_wise(*columns, "\x1f")
    rows = pa.table({"row_text": row_text, "source_row": raw.cells["source_row"]})
    first = rows.group_by("row_text").aggregate([("source_row", "min")])
    first_row = first["source_row_min"].take(
        pc.index_in(row_text, value_set=first["row_text"].combine_chunks())
    )
    return pc.not_equal(raw.cells["source_row"], first_row).to_pylist()


def _raw(columns: list[list[str | None]], rows: list[int]) -> RawTable:
    cells = {"source_row": pa.array(rows, pa.int64())}
    cells |= {f"c{i}": pa.array(column, pa.string()) for i, column in enumerate(columns, 1)}
    header = tuple(f"h{i}" for i in range(1, len(columns) + 1))
    skipped = pa.table({"source_row": pa.array([], pa.int64())})
    return RawTable(header=header, cells=pa.table(cells), skipped=skipped)


@pytest.mark.parametrize("seed", range(6))
def test_duplicate_rows_match_a_group_by(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 300)
    pool = [*_random_texts(seed, 6), "ChatGPT", "ChatGPT ", "+12%", "−3.5%", "Data & AI"]
    columns = [[rng.choice(pool) for _ in range(n)] for _ in range(rng.randint(1, 3))]
    rows = rng.sample(range(2, 2 + 3 * n), n)  # source_row unique, not always in order
    raw = _raw(columns, rows)
    found = duplicate_rows(raw).to_pylist()
    assert found == _duplicates_by_group_by(raw)


def test_duplicate_rows_find_copies_with_spaces_aside():
    raw = _raw(
        [["ChatGPT", "ChatGPT ", "SQL", "SQL"], ["+12%", "+12%", "−3%", "-3%"]], [2, 3, 4, 5]
    )
    assert duplicate_rows(raw).to_pylist() == [False, True, False, False]


def _figure_rows_one_by_one(texts: list[str], declared: str) -> list[dict]:
    """The figure rows as the reader gives them, without the per-text memo or the table builder."""
    rows = []
    for text in texts:
        for index, figure in enumerate(find_figures(text)):
            found = text_figure_rows.__wrapped__(text, declared, False)[index]
            assert found[FIGURE_ROWS_SCHEMA.names.index("span_start")] == figure.start
            rows.append(dict(zip(FIGURE_ROWS_SCHEMA.names, found, strict=True)))
    return rows


@pytest.mark.parametrize("declared", ["growth_pct", "share_pct", "count"])
def test_figure_table_is_the_figure_rows_of_each_text(declared):
    texts = [*sorted({t for t in _corpus_texts() if t}), "up 12%", "over 300%", "12.3 per cent"]
    table = figure_table(texts, declared)
    assert table.schema == FIGURE_ROWS_SCHEMA
    assert table.to_pylist() == _figure_rows_one_by_one(texts, declared)
    # Read twice (the second time from the memo), the same rows.
    assert figure_table(texts, declared).equals(table)


def test_cell_values_read_alike_in_one_table_or_text_by_text():
    """A text's figures do not depend on the other texts of its table (memo, shortcuts, batching)."""
    texts = sorted({t for t in _corpus_texts() if t.strip()})
    texts += ["+12.3%", "−3.5%", "1,234", "up 12%", "over 300%", "12.3 per cent", "n/a", "-"]
    spec = TableSpec(file="t.csv", measure="growth_pct", columns={"skill": "S", "value": "V"})

    def cells(values: list[str]) -> pa.Table:
        n = len(values)
        return pa.table(
            {
                "source_text": pa.array(values, pa.string()),
                "declared_measure": pa.array(["growth_pct"] * n, pa.string()),
            }
        )

    together = read_cell_values(cells(texts), spec).sort_by(
        [("source_text", "ascending"), ("figure_index", "ascending")]
    )
    alone = pa.concat_tables([read_cell_values(cells([t]), spec) for t in texts]).sort_by(
        [("source_text", "ascending"), ("figure_index", "ascending")]
    )
    assert together.num_rows >= len(texts)
    assert together.to_pylist() == alone.to_pylist()


@pytest.mark.parametrize("measure", ["growth_pct", "share_pct", "count"])
@pytest.mark.parametrize("scale", [1.0, 100.0, 1e306])
def test_small_tables_read_text_by_text_as_in_arrow(monkeypatch, scale, measure):
    """Small tables are read text by text (remembered per text): the same rows as reading in Arrow."""
    texts = sorted({t for t in _corpus_texts() if t.strip()})
    texts += ["+12.3%", "−3.5%", "1,234", "up 12%", "over 300%", "12.3 per cent", "0.41", "n/a"]
    texts += ["1e400%", "+-12%", "=5+7", "#DIV/0!", "[1,2]", "12\u200b%", "inf", "-", "12 prcent"]
    texts += ["see the notes below", "150", "1.5", "-0", "0012", "1,23", "12,345.678", "99.99%"]
    spec = TableSpec(
        file="t.csv",
        measure=measure,
        columns={"skill": "S", "value": "V"},
        value_scale=scale,
    )
    cells = pa.table(
        {
            "source_text": pa.array(texts, pa.string()),
            "declared_measure": pa.array([measure] * len(texts), pa.string()),
        }
    )
    order = [("source_text", "ascending"), ("figure_index", "ascending")]
    monkeypatch.setattr(cell_values, "SMALL_TABLE", 0)
    afresh = read_cell_values(cells, spec).sort_by(order)
    monkeypatch.setattr(cell_values, "SMALL_TABLE", len(texts))
    first = read_cell_values(cells, spec).sort_by(order)  # fills the memo
    again = read_cell_values(cells, spec).sort_by(order)  # reads from it
    assert first.to_pylist() == afresh.to_pylist()
    assert again.to_pylist() == afresh.to_pylist()
    assert again.schema == FIGURE_ROWS_SCHEMA


def _spellings(seed: int) -> list[str]:
    """Registry names, aliases, acronyms and bench-like names, each printed in several cases and
    spacings: the spellings the folded-name shortcut shares one resolution between."""
    with (DEFAULT_REFERENCE / "skills.csv").open(newline="", encoding="utf-8") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    names += ["AWS", "Amazon Web Services AWS software", "LLMs", "Large Language Model (LLM)"]
    names += ["Generative ai", "Gen AI", "React.js", "reactjs", "Node JS", "T-SQL", "GANs"]
    names += ["Research & Development for Finance", "Applied Data Governance", "Python [1]"]
    names += ["Speech to text", "Microsoft Word", "Data  Science ", "Café design", "DATA analysis"]
    names += [n.replace(" and ", " & ") for n in names] + [n.replace("&", "and") for n in names]
    names += ["generative ai", "Generative  AI", "GENERATIVE Artificial Intelligence"]  # a tie
    rng = random.Random(seed)
    spellings = []
    for name in names:
        words = name.split()
        for _ in range(4):
            cased = [rng.choice((w, w.lower(), w.upper(), w.title(), w.swapcase())) for w in words]
            spellings.append((" " * rng.randint(1, 2)).join(cased))
    return list(dict.fromkeys(spellings))


def test_folded_names_resolve_as_each_spelling_alone():
    reference = load_reference(DEFAULT_REFERENCE)
    identities = load_identities(reference)
    spellings = _spellings(5)

    def forget() -> None:
        identities.memo.clear()
        identities.folded.clear()
        reference.memo.clear()

    alone = []
    for name in spellings:
        forget()  # nothing resolved before: every step of the rules runs on this spelling
        alone += identify_names(reference, [name], DEFAULT_THRESHOLD)
    forget()
    together = identify_names(reference, spellings, DEFAULT_THRESHOLD)
    assert len(identities.folded[DEFAULT_THRESHOLD]) < len(spellings)  # the shortcut was taken
    assert together == alone
    assert case_blind(reference.skill_index.exact, "Prompt engineering") is None  # an alias
    assert case_blind(reference.skill_index.exact, "Large Language Model (LLM)") is None
    assert case_blind(reference.skill_index.exact, "Prompt  ENGINEERING") == "prompt engineering"
    assert case_blind(reference.skill_index.exact, "R&D") == "r and d"


def test_identity_store_gives_the_rows_of_each_name_looked_up_alone():
    reference = load_reference(DEFAULT_REFERENCE)
    rng = random.Random(7)
    words = ["Applied", "data", "AWS", "LLMs", "for", "Finance", "&", "Rust", "QA", "(GenAI)"]
    names = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 5))) for _ in range(4000)]
    names = list(dict.fromkeys(names + _spellings(9)))
    first, second = names[: len(names) // 2], names[len(names) // 3 :]  # overlapping tables
    reference.cached.pop(f"store-{DEFAULT_THRESHOLD!r}", None)
    stored = [
        harmonize_with(reference, pa.array(part), "skill", DEFAULT_THRESHOLD)
        for part in (first, second)
    ]
    assert reference.cached[f"store-{DEFAULT_THRESHOLD!r}"].table.num_rows == len(names)
    for part, table in zip((first, second), stored, strict=True):
        assert len(part) >= MIN_NAMES  # the store was used
        assert table.equals(harmonize_with(reference, part, "skill", DEFAULT_THRESHOLD))


@pytest.mark.parametrize("seed", [3, 4])
def test_distinct_names_are_the_nonblank_distinct_texts(seed):
    rng = random.Random(seed)
    ascii_texts = [
        "".join(rng.choice("ab \t\x0b\x1c\x1f\r\n") for _ in range(rng.randint(0, 4)))
        for _ in range(3000)
    ]
    for texts, in_arrow in (([*ascii_texts, None], True), (_random_texts(seed, 3000), False)):
        column = pa.chunked_array([pa.array(texts, pa.string())])
        got = distinct_names(column)
        assert isinstance(got, pa.Array) == in_arrow  # the shortcut is taken for ASCII only
        names = got.to_pylist() if isinstance(got, pa.Array) else got
        assert names == distinct_nonblank(pa.table({"c": column}), "c")


def test_plain_ascii_is_the_printable_ascii_pattern():
    texts = [chr(i) for i in range(0x3000)] + [f"a{chr(i)}b" for i in range(0x3000)]
    texts += [t for t in _random_texts(8, 2000) if t is not None]
    for start in range(0, len(texts), 50):
        column = pa.chunked_array([pa.array(texts[start : start + 50], pa.string())])
        expected = pc.all(pc.match_substring_regex(column, r"^[ -~]*$")).as_py() is not False
        assert _plain_ascii(column) == expected


def test_a_tie_broken_by_the_spelling_is_not_shared_by_folded_names(tmp_path):
    # Two registry entries that read alike once '&' is 'and': each spelling picks its own.
    folder = Path(shutil.copytree(DEFAULT_REFERENCE, tmp_path / "reference"))
    with (folder / "skills.csv").open("a", encoding="utf-8") as handle:
        handle.write("sales-and-marketing,Sales and marketing,business-and-management,,,\n")
        handle.write("sales-marketing,Sales & marketing,business-and-management,,,\n")
    reference = load_reference(folder)
    found = identify_names(reference, ["sales & MARKETING", "SALES AND marketing"], 90.0)
    assert [f.canonical_id for f in found] == ["sales-marketing", "sales-and-marketing"]
