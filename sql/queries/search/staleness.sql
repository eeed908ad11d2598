-- Does the index still describe only current articles? Call after fts_new_articles.sql.
-- gone: indexed articles no longer in articles (deleted);
-- reinserted: indexed articles cleaned after the index last covered them (a reprocess re-inserts
-- under the same article_id, possibly with a new text). Either needs a full rebuild.
SELECT (SELECT count(*) FROM fts_main_articles.docs)
         - ((SELECT count(*) FROM articles) - (SELECT count(*) FROM fts_new)) AS gone,
       (SELECT count(*) FROM articles WHERE cleaned_at > (SELECT cleaned_through FROM fts_main_articles.sync))
         - (SELECT count(*) FROM fts_new WHERE cleaned_at > (SELECT cleaned_through FROM fts_main_articles.sync)) AS reinserted,
       (SELECT count(*) FROM fts_new) AS new;
