-- Rebuild the BM25 index over articles(title, text); creates schema fts_main_articles.
-- Stemming, stop words and tokenizing chosen here are what fts_append.sql repeats for new articles.
PRAGMA create_fts_index('articles', 'article_id', 'title', 'text', stemmer = 'porter', stopwords = 'english', overwrite = 1);
-- Our own bookkeeping beside the index (dropped with it on the next rebuild): the newest
-- articles.cleaned_at it covers. An indexed article cleaned after this was re-inserted (a reprocess).
CREATE TABLE fts_main_articles.sync AS SELECT max(cleaned_at) AS cleaned_through FROM articles;
