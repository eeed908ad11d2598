-- The articles the index does not cover yet (temp table fts_new), numbered after the last docid.
CREATE OR REPLACE TEMP TABLE fts_new AS
SELECT (SELECT coalesce(max(docid), -1) FROM fts_main_articles.docs) + row_number() OVER (ORDER BY a.article_id) AS docid,
       a.article_id AS name, a.title, a.text, a.cleaned_at
FROM articles a
ANTI JOIN fts_main_articles.docs d ON d.name = a.article_id;
