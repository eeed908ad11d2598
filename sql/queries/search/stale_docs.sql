-- Indexed articles that are gone from articles, or were re-inserted since they were indexed
-- (a reprocess deletes and re-inserts an article under its id, with a later cleaned_at).
CREATE OR REPLACE TEMP TABLE search_stale AS
SELECT d.docid
FROM search_docs AS d
ANTI JOIN articles AS a ON a.article_id = d.article_id AND a.cleaned_at = d.cleaned_at;

SELECT count(*) FROM search_stale;
