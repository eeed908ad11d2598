-- The articles the index does not cover yet (temp table search_new), numbered after the last docid.
CREATE OR REPLACE TEMP TABLE search_new AS
SELECT (SELECT coalesce(max(docid), 0) FROM search_docs) + row_number() OVER (ORDER BY a.article_id) AS docid,
       a.article_id, a.title, a.text, a.cleaned_at
FROM articles AS a
ANTI JOIN search_docs AS d ON d.article_id = a.article_id;

SELECT count(*) FROM search_new;
