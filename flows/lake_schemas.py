"""The lake's tables as Arrow schemas: every column with the comment analysts read in DuckDB and Parquet."""

from __future__ import annotations

import pyarrow as pa

from flows.normalize.measures import measure_names_text


def _field(name: str, type_: pa.DataType, comment: str) -> pa.Field:
    # The comment travels in the Parquet schema and becomes the DuckDB column COMMENT.
    return pa.field(name, type_, metadata={"comment": comment})


OBSERVATIONS_SCHEMA = pa.schema(
    [
        _field(
            "report_id",
            pa.string(),
            "Report edition the number was published in: <series>-<edition>.",
        ),
        _field("series_id", pa.string(), "Report series; editions of one report share it."),
        _field("publisher", pa.string(), "Who published the report."),
        _field("edition", pa.string(), "Edition of the series, as the manifest names it."),
        _field("table_name", pa.string(), "Declared table of the report the number comes from."),
        _field(
            "measure",
            pa.string(),
            f"What the number measures: {measure_names_text()}.",
        ),
        _field("period_start", pa.date32(), "First day of the period the number describes."),
        _field("period_end", pa.date32(), "Last day of the period the number describes."),
        _field(
            "period_label",
            pa.string(),
            "Period as printed in the table (e.g. '2012–14'), null when taken from the manifest.",
        ),
        _field(
            "geography",
            pa.string(),
            "Geography the number describes (table column, unpivoted header, or the report's).",
        ),
        _field("category_raw", pa.string(), "Category name as published."),
        _field(
            "category_id",
            pa.string(),
            "Canonical category id (data/reference), null when unmatched.",
        ),
        _field("skill_raw", pa.string(), "Skill name as published."),
        _field(
            "skill_id",
            pa.string(),
            "Skill id: the registry's (data/reference), or 'u-' + the name's identity key when "
            "nobody registered it; null only when two registry entries tie or the name is excluded.",
        ),
        _field(
            "skill_match_method",
            pa.string(),
            "How skill_raw was matched: alias, normalized, fuzzy, derived, imported, unregistered, "
            "unmatched or excluded.",
        ),
        _field("skill_match_score", pa.float64(), "Match score 0-100 of skill_raw to skill_id."),
        _field(
            "skill_match_confirmed",
            pa.bool_(),
            "True when the matcher vouches for the match (a confirmed alias or the normalized "
            "name); false for fuzzy guesses, unconfirmed aliases and unmatched names.",
        ),
        _field(
            "esco_uri",
            pa.string(),
            "ESCO concept URI of the skill (registry or imported ESCO label), null when none.",
        ),
        _field(
            "onet_code",
            pa.string(),
            "O*NET commodity code of the skill (registry or imported O*NET example), null when none.",
        ),
        _field(
            "value",
            pa.float64(),
            "The number in the measure's unit (percentages in points: +329% is 329).",
        ),
        _field(
            "value_qualifier",
            pa.string(),
            "exact, at_least ('over 329%'), at_most ('nearly 6,300') or approx.",
        ),
        _field(
            "unit",
            pa.string(),
            "How the number was printed: percent, points, multiple, count, currency, fraction, rank,"
            " rank_change or number.",
        ),
        _field("source_file", pa.string(), "Raw file, relative to the raw folder."),
        _field("source_sha256", pa.string(), "sha256 of the raw file the number was read from."),
        _field(
            "source_row", pa.int64(), "1-based row of the raw file (or sheet) holding the number."
        ),
        _field(
            "source_column",
            pa.string(),
            "Header of the raw column holding the number, as published (prose: start-end of the "
            "sentence in the line or block at source_row).",
        ),
        _field("source_column_index", pa.int32(), "1-based position of that column."),
        _field(
            "source_page",
            pa.int32(),
            "1-based page of a PDF holding the number; null for formats without pages.",
        ),
        _field(
            "source_text",
            pa.string(),
            "The cell's text (prose: the whole sentence) exactly as published.",
        ),
        _field(
            "source_span",
            pa.string(),
            "Characters start-end (0-based, end excluded) of source_text the figure was read from "
            "(prose: of the sentence).",
        ),
        _field(
            "figure_index",
            pa.int32(),
            "0-based position of the figure in its cell: '+7% MoM, -3% YoY' gives 0 and 1.",
        ),
        _field(
            "comparison",
            pa.string(),
            "What the figure compares to: yoy, mom, qoq, wow, vs_average, vs_baseline, vs_peer, "
            "vs_prior_period; null when it is a level.",
        ),
        _field("value_low", pa.float64(), "Low end of a printed range ('20-25%'), else null."),
        _field("value_high", pa.float64(), "High end of a printed range, else null."),
        _field("currency", pa.string(), "ISO 4217 code of a money figure (USD, EUR, GBP)."),
        _field(
            "dimensions",
            pa.map_(pa.string(), pa.string()),
            "Extra dimensions the table prints as columns (columns.dimensions), e.g. "
            "{'segment': 'Small businesses'}; empty when none.",
        ),
        _field(
            "is_horizon",
            pa.bool_(),
            "True when the period is a target or forecast horizon ('by 2030').",
        ),
        _field(
            "subject_kind",
            pa.string(),
            "Prose: skill (a skill or category figure) or statement (a finding about something "
            "else, e.g. a share of workers or money spent; never ranked); null for table cells.",
        ),
        _field(
            "subject_source",
            pa.string(),
            "Prose: who the sentence credits for the figure ('the World Economic Forum "
            "estimates ...'); null when the report's publisher.",
        ),
    ]
)

CLAIMS_SCHEMA = pa.schema(
    [
        _field("report_id", pa.string(), "Report edition the claim was published in."),
        _field("series_id", pa.string(), "Report series."),
        _field("publisher", pa.string(), "Who published the report."),
        _field("edition", pa.string(), "Edition of the series."),
        _field("table_name", pa.string(), "Declared prose table the sentence was read from."),
        _field(
            "kind",
            pa.string(),
            "record_high, record_low, highest_since, lowest_since, first_time_since or first_time.",
        ),
        _field(
            "reference",
            pa.string(),
            "The reference point as printed ('2009', 'two-decade'); null for records.",
        ),
        _field(
            "subject", pa.string(), "What the claim is about ('Layoffs'), when the sentence says."
        ),
        _field("claim_text", pa.string(), "The words of the claim ('all-time high since 2009')."),
        _field("source_file", pa.string(), "Raw file, relative to the raw folder."),
        _field("source_sha256", pa.string(), "sha256 of the raw file."),
        _field(
            "source_row",
            pa.int64(),
            "Line (text, Markdown; PDF: line on the page) or source line of the HTML block.",
        ),
        _field("source_page", pa.int32(), "PDF: 1-based page of the sentence; null otherwise."),
        _field(
            "source_span",
            pa.string(),
            "Characters start-end (0-based, end excluded) of source_text holding the claim's words.",
        ),
        _field("source_text", pa.string(), "The whole sentence as published."),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        _field(
            "report_id",
            pa.string(),
            "Report edition the rejected input belongs to; null when no valid manifest claims it.",
        ),
        _field("table_name", pa.string(), "Declared table, when the input belongs to one."),
        _field("source_file", pa.string(), "Raw file (or manifest), relative to the raw folder."),
        _field("source_sha256", pa.string(), "sha256 of that file when it was read."),
        _field("source_row", pa.int64(), "1-based row, null when the whole file was rejected."),
        _field(
            "source_column",
            pa.string(),
            "Header of the rejected cell's column, null for whole rows or files.",
        ),
        _field(
            "reason_code",
            pa.string(),
            "Machine-readable reason (see the README's list of reason codes).",
        ),
        _field(
            "message",
            pa.string(),
            "What is wrong, where (file:row:column), the bad value, and how to fix it.",
        ),
        _field(
            "raw_record",
            pa.string(),
            "The rejected row as published (JSON object header -> text), or the problem list.",
        ),
        _field(
            "severity",
            pa.string(),
            "error (the input did not load) or warning (it loaded; something needs a look).",
        ),
    ]
)

REPORTS_SCHEMA = pa.schema(
    [
        _field("report_id", pa.string(), "Report edition: <series>-<edition>."),
        _field("series_id", pa.string(), "Report series; editions share it."),
        _field("edition", pa.string(), "Edition name."),
        _field("publisher", pa.string(), "Publisher."),
        _field("title", pa.string(), "Report title."),
        _field("published", pa.date32(), "Publication date."),
        _field("period_start", pa.date32(), "Start of the period the report covers."),
        _field("period_end", pa.date32(), "End of the period the report covers."),
        _field("geography", pa.string(), "Geography the report covers."),
        _field("population", pa.string(), "What was measured (e.g. job posts on a marketplace)."),
        _field("source_url", pa.string(), "Where the figures were published."),
        _field(
            "method_change",
            pa.string(),
            "The manifest's note when this edition changed method from the previous one.",
        ),
        _field(
            "quotes",
            pa.string(),
            "report_id of the report this one quotes (manifest quotes); NULL for an original.",
        ),
        _field("report_dir", pa.string(), "Folder of the report, relative to the raw folder."),
        _field(
            "input_fingerprint",
            pa.string(),
            "sha256 over manifest, raw files, reference data and pipeline version.",
        ),
        _field("tables", pa.int32(), "Declared tables."),
        _field("data_rows", pa.int64(), "Data rows read from the raw tables."),
        _field("value_cells", pa.int64(), "Value cells in those rows (rows x value columns)."),
        _field("observations", pa.int64(), "Cells that became observations."),
        _field(
            "quarantined",
            pa.int64(),
            "Quarantine rows of this report (rejected files, rows and cells).",
        ),
        _field("blank_cells", pa.int64(), "Value cells left blank by the publisher (no figure)."),
        _field(
            "observed_cells",
            pa.int64(),
            "Value cells that gave one or more observations (a cell may print several figures).",
        ),
        _field(
            "rejected_cells",
            pa.int64(),
            "Value cells with no figure loaded; value_cells = observed_cells + blank_cells + rejected_cells.",
        ),
        _field(
            "status",
            pa.string(),
            "ok, partial (some input quarantined), failed (nothing loaded) or stale (its manifest "
            "broke; the last good data is kept until it is mended).",
        ),
        _field(
            "ingested_at",
            pa.timestamp("us", tz="UTC"),
            "When this edition's raw files were last ingested.",
        ),
    ]
)

# The file map is how the lake is stored, not what analysts query: reports.parquet holds it, the
# warehouse's lake.reports (REPORTS_SCHEMA) does not.
OBSERVATIONS_FILE = "observations_file"
QUARANTINE_FILE = "quarantine_file"
CLAIMS_FILE = "claims_file"
LAKE_REPORTS_SCHEMA = (
    REPORTS_SCHEMA.append(
        _field(
            OBSERVATIONS_FILE,
            pa.string(),
            "Lake file holding this report's current observations, relative to the lake "
            "(observations/batch-<id>.parquet); '' when it has none; NULL in a lake written before "
            "batch files (its rows are in observations/<report_id>/). Rows of other reports, or "
            "older rows of this one, in a batch file are not current.",
        )
    )
    .append(
        _field(
            QUARANTINE_FILE,
            pa.string(),
            "Lake file holding this report's current quarantine rows "
            "(quarantine/batch-<id>.parquet); '' when it has none; NULL in a lake written before "
            "quarantine batch files (its rows are in quarantine/<report_id>.parquet).",
        )
    )
    .append(
        _field(
            CLAIMS_FILE,
            pa.string(),
            "Lake file holding this report's current claims (claims/batch-<id>.parquet); '' when "
            "it has none; NULL in a lake written before claims batch files (its rows are in "
            "claims/<report_id>.parquet).",
        )
    )
)

TABLE_COMMENTS = {
    "observations": "One row per published number, with its measure, qualifier and cell-level lineage.",
    "quarantine": "One row per rejected file, row or cell, with the reason and how to fix it.",
    "reports": "One row per report edition: manifest fields and row accounting.",
    "claims": "One row per claim without a number in a report's prose ('highest since 2009').",
}
