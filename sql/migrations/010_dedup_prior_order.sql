-- 010: the order dedup numbered the articles in (dedup_docs.doc_no: arrival order), kept while a
-- rebuild is pending. Emptying the dedup tables for a reprocess (queries/dedup/reset.sql) copies it
-- here first; the rebuild takes the articles in it (queries/articles/articles_in_order.sql) and
-- empties it when done (queries/dedup/prior_order_done.sql). Stories are greedy in arrival order,
-- and a batch's rows share one ingested_at, so without it the rebuild ordered a batch's articles by
-- id and could make other stories than the run did (90 articles in batches of 15: 81 against 80).
CREATE TABLE IF NOT EXISTS dedup_prior_order (
    article_id  VARCHAR NOT NULL,
    doc_no      BIGINT NOT NULL
);
