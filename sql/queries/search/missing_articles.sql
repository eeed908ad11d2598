-- Every article the index does not cover yet (temp table search_missing), numbered once after the
-- last docid in article_id order: the one pass over articles a build needs. update_index then
-- takes them $chunk numbers at a time (new_articles.sql), so a first build's memory is that of one
-- chunk, and the numbers are those one statement over all of them would give.
CREATE OR REPLACE TEMP TABLE search_missing AS
SELECT (SELECT coalesce(max(docid), 0) FROM search_docs) + row_number() OVER (ORDER BY a.article_id) AS docid,
       a.article_id
FROM articles AS a
ANTI JOIN search_docs AS d ON d.article_id = a.article_id;

SELECT count(*), coalesce(min(docid), 0) FROM search_missing;
