-- Every article the index does not cover yet (temp table search_missing), numbered once after the
-- last docid in article_id order: the one pass over articles a build needs. update_index then
-- takes them a chunk at a time (new_articles.sql), so a first build's memory is that of one chunk,
-- and the numbers are those one statement over all of them would give. A chunk is at most
-- $chunk_articles articles or about $chunk_bytes bytes of title and text, whichever it reaches
-- first (each bound numbers the chunks in order; the larger number decides): a chunk of 4,000
-- articles of 270 KB each would hold a gigabyte of text.
CREATE OR REPLACE TEMP TABLE search_missing AS
WITH numbered AS (
    SELECT (SELECT coalesce(max(docid), 0) FROM search_docs) + row_number() OVER (ORDER BY a.article_id) AS docid,
           a.article_id,
           strlen(coalesce(a.title, '')) + strlen(coalesce(a.text, '')) AS bytes
    FROM articles AS a
    ANTI JOIN search_docs AS d ON d.article_id = a.article_id
)
SELECT docid, article_id,
       greatest((row_number() OVER (ORDER BY docid) - 1) // $chunk_articles,
                (sum(bytes) OVER (ORDER BY docid) - 1) // $chunk_bytes) AS chunk
FROM numbered;

SELECT count(*), coalesce(list(DISTINCT chunk ORDER BY chunk), []) FROM search_missing;
