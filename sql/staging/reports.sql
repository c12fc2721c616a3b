-- Staging: one row per report edition (lake.reports) with its place in its series.
--
-- Purpose: order the editions of each series so edition-over-edition changes and "latest
-- edition" flags read from one place.
-- Grain: one row per report edition, as lake.reports.
-- Key: report_id.
-- Ordering: editions of a series are ordered by published date, then by edition text; an edition
-- without a published date sorts after the dated ones (DuckDB's NULLS LAST). Editions whose
-- status is 'failed' loaded nothing: they keep edition_order NULL and are never the latest
-- edition nor anyone's previous edition, so a failed load does not show every skill as dropped.
-- Ties (same date and edition text) cannot happen: report_id = series + edition is unique.
-- One-edition series: edition_order 1, latest, no previous edition.
-- @key report_id
-- @table Report editions (lake.reports) with their order within the series and latest-edition flag.
-- @column report_id: Report edition: <series>-<edition>.
-- @column series_id: Report series; editions share it.
-- @column edition: Edition name.
-- @column publisher: Publisher.
-- @column title: Report title.
-- @column published: Publication date.
-- @column period_start: Start of the period the report covers.
-- @column period_end: End of the period the report covers.
-- @column geography: Geography the report covers.
-- @column population: What was measured (e.g. job posts on a marketplace).
-- @column source_url: Where the figures were published.
-- @column method_change: The manifest's note when this edition changed method from the previous one.
-- @column method_changed: True when method_change holds a note (the edition is not like-for-like with the previous one).
-- @column status: ok, partial (some input quarantined), failed (nothing loaded) or stale (its
--   manifest broke; the last good data is kept until it is mended).
-- @column observations: Observations this edition loaded.
-- @column quotes_report_id: report_id of the report this one quotes (manifest quotes); NULL for an original.
-- @column quotes_loaded: True when the quoted report is loaded too, so this one is not an independent source.
-- @column is_quoted: True when another report's manifest quotes this one (its figures are paired with the quoting report's).
-- @column edition_order: 1 for the oldest loaded edition of the series; NULL for a failed edition.
-- @column editions_in_series: Loaded (not failed) editions of the series.
-- @column is_latest_edition: True for the newest loaded edition of its series.
-- @column previous_report_id: report_id of the loaded edition just before this one; NULL for the first.
WITH loaded AS (
    SELECT
        report_id,
        row_number() OVER series_editions AS edition_order,
        count(*) OVER (PARTITION BY series_id) AS editions_in_series,
        lag(report_id) OVER series_editions AS previous_report_id
    FROM lake.reports
    WHERE status IS DISTINCT FROM 'failed'
    WINDOW series_editions AS (PARTITION BY series_id ORDER BY published NULLS LAST, edition)
)
SELECT
    r.report_id,
    r.series_id,
    r.edition,
    r.publisher,
    r.title,
    r.published,
    r.period_start,
    r.period_end,
    nullif(trim(r.geography), '') AS geography,
    r.population,
    r.source_url,
    nullif(trim(r.method_change), '') AS method_change,
    nullif(trim(r.method_change), '') IS NOT NULL AS method_changed,
    r.status,
    r.observations,
    nullif(trim(r.quotes), '') AS quotes_report_id,
    q.report_id IS NOT NULL AS quotes_loaded,
    coalesce(
        r.report_id IN (SELECT nullif(trim(quoting.quotes), '') FROM lake.reports AS quoting), false
    ) AS is_quoted,
    l.edition_order,
    l.editions_in_series,
    coalesce(l.edition_order = l.editions_in_series, false) AS is_latest_edition,
    l.previous_report_id
FROM lake.reports AS r
LEFT JOIN loaded AS l ON l.report_id = r.report_id
LEFT JOIN loaded AS q ON q.report_id = nullif(trim(r.quotes), '')
