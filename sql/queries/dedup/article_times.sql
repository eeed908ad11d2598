-- Canonical-order facts for the batch (Arrow `batch`: article_id): published date
-- and ingest time (raw_articles.ingested_at, else articles.cleaned_at).
SELECT b.article_id, a.published_date, coalesce(r.ingested_at, a.cleaned_at) AS ingested_at
FROM batch AS b
LEFT JOIN articles AS a ON a.article_id = b.article_id
LEFT JOIN raw_articles AS r ON r.raw_id = a.raw_id;
