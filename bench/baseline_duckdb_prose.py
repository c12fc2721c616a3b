"""The limit for prose: plain DuckDB SQL reading articles (text, Markdown, HTML) into figures, subjects and rankings."""

from __future__ import annotations

from pathlib import Path

import duckdb

ARTICLE_GLOBS = ("*/*/article.txt", "*/*/article.md", "*/*/article.html")

# A figure: an optional sign or currency, a number, and what makes it a figure (a percent, an
# amount in billions or millions). Years, dates and list numbers have none of these.
FIGURE = r"[+\-−]?[$€£]?[0-9][0-9,]*(?:\.[0-9]+)?(?:%| billion| million)"
# A sentence ends at . ! or ? followed by a space or the end of the line (not inside '8.5%').
SENTENCE = r"(?:[^.!?]|[.!?]\S)+[.!?]*"

# Lines -> markup removed (HTML tags and entities, Markdown marks, bullets kept as '- ') -> sentences.
SENTENCES = r"""
WITH files AS (
    SELECT filename, string_split(content, chr(10)) AS lines FROM read_text($files)
),
lines AS (
    SELECT filename, unnest(generate_series(1, len(lines))) AS source_row, unnest(lines) AS line
    FROM files
),
clean AS (
    SELECT filename, source_row, regexp_extract(filename, '([^/\\]+)[/\\][^/\\]+$', 1) AS report_id,
           trim(replace(replace(replace(
               regexp_replace(regexp_replace(regexp_replace(
                   line, '^\s*<li>', '- '), '<[^>]+>', '', 'g'), '\*\*|^#+\s+', '', 'g'),
               '&amp;', '&'), '&lt;', '<'), '&gt;', '>')) AS text
    FROM lines
    WHERE NOT regexp_matches(line, '^\s*<(!DOCTYPE|html|head|body|/|ul)', 'i')
),
split AS (
    SELECT report_id, filename, source_row, regexp_extract_all(text, $sentence) AS sentences
    FROM clean WHERE text <> ''
)
SELECT report_id, filename AS source_file, source_row,
       unnest(generate_series(1, len(sentences))) AS sentence_no, trim(unnest(sentences)) AS sentence
FROM split
"""

# Each figure with the text before it (since the previous figure) and after it; the subject comes
# from the sentence's shape: a label line, a category bullet, a name before a bracket, 'X% of ...',
# money and counts as statements, a clause's subject before its verb, 'that skill' from the
# sentence before.
OBSERVATIONS = r"""
WITH sentences AS (
    SELECT *, row_number() OVER (PARTITION BY report_id ORDER BY source_row, sentence_no) AS seq,
           regexp_extract(sentence, 'is (.+?) \(a type of ([^)]+)\)', 1) AS named_skill,
           regexp_extract(sentence, 'is (.+?) \(a type of ([^)]+)\)', 2) AS named_category
    FROM sentence_rows
),
referred AS (
    SELECT *, lag(named_skill) OVER w AS previous_skill, lag(named_category) OVER w AS previous_category
    FROM sentences WINDOW w AS (PARTITION BY report_id ORDER BY seq)
),
pieces AS (
    SELECT *, regexp_extract_all(sentence, $figure) AS figures,
           regexp_split_to_array(sentence, $figure) AS gaps
    FROM referred
),
figures AS (
    SELECT report_id, source_file, source_row, sentence, previous_skill, previous_category,
           figure_index, figures[figure_index] AS figure, gaps[figure_index] AS before,
           gaps[figure_index + 1] AS after
    FROM (SELECT *, unnest(generate_series(1, len(figures))) AS figure_index FROM pieces)
),
read AS (
    SELECT *,
        CASE WHEN regexp_matches(figure, '[$€£]') THEN 'money'
             WHEN figure LIKE '% million' THEN 'count'
             WHEN regexp_matches(after, '^\)?\s*(of|say)\b') THEN 'share_pct'
             ELSE 'growth_pct' END AS measure,
        regexp_extract(before, '^(?:- )?([^:]+): (?:up )?$', 1) AS label,
        regexp_extract(before, '^- ([^:]+): (.+?) (?:is|are) (?:up|down) $', 1) AS bullet_category,
        regexp_extract(before, '^- ([^:]+): (.+?) (?:is|are) (?:up|down) $', 2) AS bullet_skill,
        regexp_extract(before, '(?:^|, | and |include )([^,(]+?) \($', 1) AS bracketed,
        regexp_extract(regexp_replace(before, '^(Demand|Hiring) for ', ''),
            '^(.+?) (?:grew|climbed|rose|fell|is up|is down|are up|are down)(?: about| more than| nearly)? $', 1)
            AS verb_subject,
        regexp_extract(after, '^ of (.+?)(?: by [0-9]{4})?\.?$', 1) AS share_of,
        regexp_extract(after, '^ ([a-z ]+?)\.?$', 1) AS counted
    FROM figures
),
subjects AS (
    SELECT *,
        CASE WHEN measure = 'money' THEN trim(before) || ' … ' || trim(rtrim(after, '.'))
             WHEN measure = 'count' THEN nullif(counted, '')
             WHEN share_of <> '' THEN share_of
             WHEN bullet_skill <> '' THEN bullet_skill
             WHEN label <> '' THEN label
             WHEN bracketed <> '' THEN bracketed
             WHEN verb_subject = 'that skill' THEN nullif(previous_skill, '')
             ELSE nullif(verb_subject, '') END AS subject,
        CASE WHEN bullet_skill <> '' THEN bullet_category
             WHEN verb_subject = 'that skill' THEN nullif(previous_category, '') END AS category_raw,
        CASE WHEN measure IN ('money', 'count') OR share_of <> '' THEN 'statement'
             ELSE 'skill' END AS subject_kind
    FROM read
)
SELECT report_id, 'article' AS table_name, measure, category_raw,
       regexp_replace(lower(trim(replace(category_raw, '&', ' and '))), '\s+', ' ', 'g') AS category_id,
       subject AS skill_raw,
       CASE WHEN subject_kind = 'skill'
            THEN regexp_replace(lower(trim(replace(subject, '&', ' and '))), '\s+', ' ', 'g') END AS skill_id,
       subject_kind,
       CASE WHEN regexp_matches(figure, '^[-−]') OR regexp_matches(before, '(down|fell) $') THEN -1 ELSE 1 END
         * TRY_CAST(replace(regexp_extract(figure, '[0-9][0-9,]*(\.[0-9]+)?'), ',', '') AS DOUBLE)
         * CASE WHEN figure LIKE '% billion' THEN 1e9 WHEN figure LIKE '% million' THEN 1e6 ELSE 1 END
         AS value,
       CASE WHEN regexp_matches(before, '(more than|over) $') THEN 'at_least'
            WHEN regexp_matches(before, '(nearly|almost) $') THEN 'at_most'
            WHEN regexp_matches(before, '(about|around|roughly) $') THEN 'approx'
            ELSE 'exact' END AS value_qualifier,
       source_file, source_row, figure_index, figure AS figure_text, sentence AS source_text
FROM subjects
"""

CLAIMS = r"""
SELECT report_id, source_row, sentence AS source_text,
       regexp_extract(sentence, '(all-time high since ([0-9]{4})|lowest on record|record high)', 1) AS claim_text
FROM sentence_rows
WHERE regexp_matches(sentence, 'all-time high since [0-9]{4}|lowest on record|record high')
"""

RANKINGS = r"""
SELECT report_id, skill_id, skill_raw AS skill_name, category_id, value AS growth_pct,
       rank() OVER (PARTITION BY report_id ORDER BY value DESC) AS rank_in_report,
       rank() OVER (PARTITION BY report_id, category_id ORDER BY value DESC) AS rank_in_category,
       percent_rank() OVER (PARTITION BY report_id ORDER BY value) AS percentile
FROM read_parquet($observations)
WHERE measure = 'growth_pct' AND subject_kind = 'skill' AND skill_raw IS NOT NULL AND value IS NOT NULL
"""


def article_globs(raw: Path) -> list[str]:
    """The article globs that match a file under raw."""
    return [str(raw / g) for g in ARTICLE_GLOBS if next(raw.glob(g), None) is not None]


def run_prose(raw: Path, out: Path) -> dict:
    """Write out/observations.parquet, out/baseline.duckdb (tables rankings, claims); return counts."""
    out.mkdir(parents=True, exist_ok=True)
    observations, database = out / "observations.parquet", out / "baseline.duckdb"
    database.unlink(missing_ok=True)
    with duckdb.connect(str(database)) as con:
        con.execute("SET enable_progress_bar = false")
        con.execute(
            f"CREATE TEMP TABLE sentence_rows AS {SENTENCES}",
            {"files": article_globs(raw), "sentence": SENTENCE},
        )
        con.execute(
            f"COPY ({OBSERVATIONS}) TO $out (FORMAT parquet)",
            {"figure": FIGURE, "out": str(observations)},
        )
        con.execute(f"CREATE TABLE claims AS {CLAIMS}")
        con.execute(f"CREATE TABLE rankings AS {RANKINGS}", {"observations": str(observations)})
        rows, found, value_sum, reports, statements = con.execute(
            "SELECT count(*), count(skill_raw), sum(value) FILTER (WHERE skill_raw IS NOT NULL), "
            "count(DISTINCT report_id), count(*) FILTER (WHERE subject_kind = 'statement') "
            "FROM read_parquet($p)",
            {"p": str(observations)},
        ).fetchone()
        ranked = con.execute("SELECT count(*) FROM rankings").fetchone()[0]
        claims = con.execute("SELECT count(*) FROM claims").fetchone()[0]
    return {
        "reports": reports,
        "observations": found,
        "quarantined": rows - found,
        "statements": statements,
        "claims": claims,
        "ranked": ranked,
        "value_sum": value_sum,
    }
