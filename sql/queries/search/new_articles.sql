-- The articles of chunk $chunk in temp table search_missing (missing_articles.sql), with what
-- the index reads of them (temp table search_new).
CREATE OR REPLACE TEMP TABLE search_new AS
SELECT m.docid, a.article_id, a.title, a.text, a.cleaned_at
FROM search_missing AS m
JOIN articles AS a ON a.article_id = m.article_id
WHERE m.chunk = $chunk;
