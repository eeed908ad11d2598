-- Add the articles in temp table fts_new to the BM25 index, exactly as create_fts_index
-- would have indexed them: the index's own tokenize macro, stop words and empty tokens
-- dropped, Porter stems (tested against a full rebuild in tests/test_search.py).
CREATE OR REPLACE TEMP TABLE fts_new_words AS
SELECT t.docid, f.fieldid, t.w
FROM (
    SELECT docid, 'title' AS field, unnest(fts_main_articles.tokenize(title)) AS w FROM fts_new
    UNION ALL
    SELECT docid, 'text' AS field, unnest(fts_main_articles.tokenize(text)) AS w FROM fts_new
) AS t
JOIN fts_main_articles.fields AS f ON f.field = t.field
WHERE t.w NOT NULL
  AND len(t.w) > 0
  AND t.w NOT IN (SELECT sw FROM fts_main_articles.stopwords);

-- Stemming every occurrence is what makes a rebuild slow: stem each distinct word once.
CREATE OR REPLACE TEMP TABLE fts_new_stems AS
SELECT w, stem(w, 'porter') AS term FROM (SELECT DISTINCT w FROM fts_new_words);

CREATE OR REPLACE TEMP TABLE fts_new_df AS
SELECT s.term, count(DISTINCT n.docid) AS df
FROM fts_new_words AS n JOIN fts_new_stems AS s USING (w)
GROUP BY s.term;

UPDATE fts_main_articles.dict AS d
SET df = d.df + n.df
FROM fts_new_df AS n
WHERE d.term = n.term;

INSERT INTO fts_main_articles.dict (termid, term, df)
SELECT (SELECT coalesce(max(termid), -1) FROM fts_main_articles.dict) + row_number() OVER (ORDER BY n.term),
       n.term, n.df
FROM fts_new_df AS n
ANTI JOIN fts_main_articles.dict AS d ON d.term = n.term;

INSERT INTO fts_main_articles.terms (docid, fieldid, termid)
SELECT n.docid, n.fieldid, d.termid
FROM fts_new_words AS n
JOIN fts_new_stems AS s USING (w)
JOIN fts_main_articles.dict AS d ON d.term = s.term;

-- len counts every kept token (a stem is never NULL); an article with none gets 0, as in a rebuild.
INSERT INTO fts_main_articles.docs (docid, name, len)
SELECT a.docid, a.name, coalesce(c.len, 0)
FROM fts_new AS a
LEFT JOIN (SELECT docid, count(*) AS len FROM fts_new_words GROUP BY docid) AS c USING (docid);

-- The same expressions as create_fts_index, so the scores match a rebuild exactly.
DELETE FROM fts_main_articles.stats;
INSERT INTO fts_main_articles.stats (num_docs, avgdl)
SELECT count(docs.docid), sum(docs.len) / count(docs.len) FROM fts_main_articles.docs AS docs;

UPDATE fts_main_articles.sync
SET cleaned_through = greatest(cleaned_through, (SELECT max(cleaned_at) FROM fts_new));

DROP TABLE fts_new_words;
DROP TABLE fts_new_stems;
DROP TABLE fts_new_df;
DROP TABLE fts_new;
