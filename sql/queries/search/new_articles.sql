-- The next articles the index does not cover yet (temp table search_new): the first $chunk of them
-- by article_id, numbered after the last docid. Taken chunk after chunk, they get the numbers one
-- statement over all of them would give, and the build's memory stays that of one chunk.
CREATE OR REPLACE TEMP TABLE search_new AS
SELECT (SELECT coalesce(max(docid), 0) FROM search_docs) + row_number() OVER (ORDER BY a.article_id) AS docid,
       a.article_id, a.title, a.text, a.cleaned_at
FROM (SELECT a.article_id, a.title, a.text, a.cleaned_at
      FROM articles AS a
      ANTI JOIN search_docs AS d ON d.article_id = a.article_id
      ORDER BY a.article_id
      LIMIT $chunk) AS a;

SELECT count(*) FROM search_new;
