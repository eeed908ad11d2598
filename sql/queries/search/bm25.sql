-- bm25(words): every indexed article matching any of the words, with its BM25 score over title
-- and text, as fts_main_articles.match_bm25 of DuckDB's fts extension scores it (k1 = 1.2,
-- b = 0.75, the same expressions). Needs the fts extension loaded (stem). A temporary macro:
-- newsflow defines it on each connection that searches, and `newsflow shell` does too.
-- The query's words are tokenized and stemmed as the index's (stop words simply match nothing).
--
-- search_tokens(s): the words of s as fts's tokenize macro cuts them (lower case, accents
-- stripped, split on digits, punctuation and white space; may hold empty strings). The one
-- definition for the index (append.sql) and the queries, so the two always cut alike.
CREATE OR REPLACE TEMP MACRO search_tokens(s) AS
    string_split_regex(regexp_replace(lower(strip_accents(CAST(s AS VARCHAR))),
                       '[0-9!@#$%^&*()_+={}\[\]:;<>,.?~\\/\|''''"`-]+', ' ', 'g'), '\s+');

CREATE OR REPLACE TEMP MACRO bm25(words, k := 1.2, b := 0.75) AS TABLE
WITH qterms AS (
    SELECT t.termid
    FROM search_terms AS t
    WHERE t.term IN (
        SELECT DISTINCT stem(unnest(search_tokens(words)), 'porter'))
),
hits AS (
    SELECT p.termid, p.docid, p.tf FROM search_postings AS p WHERE p.termid IN (SELECT termid FROM qterms)
),
df AS (
    SELECT termid, count(*) AS df FROM hits GROUP BY termid
),
stats AS (
    SELECT count(docid) AS num_docs, sum(len) / count(len) AS avgdl FROM search_docs
)
SELECT d.article_id,
       sum(log((((stats.num_docs - df.df) + 0.5) / (df.df + 0.5)) + 1)
           * ((hits.tf * (k + 1)) / (hits.tf + (k * ((1 - b) + (b * (d.len / stats.avgdl))))))) AS score
FROM hits
JOIN df USING (termid)
JOIN search_docs AS d USING (docid)
CROSS JOIN stats
GROUP BY d.article_id;
