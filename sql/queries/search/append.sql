-- Add the articles in temp table search_new to the index, exactly as DuckDB's fts extension
-- (create_fts_index with stemmer 'porter', stopwords 'english') would index them: its tokenize
-- macro (search_tokens, defined with bm25 in bm25.sql, which load_fts runs first), stop words
-- and empty tokens dropped, then Porter stems. Only stem() comes from the fts extension.

-- One row per article and distinct word, with its count (half the rows of one per occurrence).
CREATE OR REPLACE TEMP TABLE search_new_words AS
SELECT t.docid, t.w, count(*) AS n
FROM (
    SELECT docid, unnest(search_tokens(title)) AS w
    FROM search_new
    UNION ALL
    SELECT docid, unnest(search_tokens(text)) AS w
    FROM search_new
) AS t
WHERE t.w NOT NULL
  AND len(t.w) > 0
  AND t.w NOT IN (SELECT sw FROM search_stopwords)
GROUP BY t.docid, t.w;

-- Stemming every occurrence is what makes fts's own build slow: stem each distinct word once.
CREATE OR REPLACE TEMP TABLE search_new_stems AS
SELECT w, stem(w, 'porter') AS term FROM (SELECT DISTINCT w FROM search_new_words);

INSERT INTO search_terms (termid, term)
SELECT (SELECT coalesce(max(termid), 0) FROM search_terms) + row_number() OVER (ORDER BY n.term), n.term
FROM (SELECT DISTINCT term FROM search_new_stems) AS n
ANTI JOIN search_terms AS t ON t.term = n.term;

-- Ordered by term, so a query's few terms touch few row groups (min/max statistics).
INSERT INTO search_postings (termid, docid, tf)
SELECT t.termid, w.docid, sum(w.n) AS tf
FROM search_new_words AS w
JOIN search_new_stems AS s USING (w)
JOIN search_terms AS t ON t.term = s.term
GROUP BY t.termid, w.docid
ORDER BY t.termid, w.docid;

-- len counts every kept token; an article with none gets 0, as in fts.
INSERT INTO search_docs (docid, article_id, len, cleaned_at)
SELECT a.docid, a.article_id, coalesce(c.len, 0), a.cleaned_at
FROM search_new AS a
LEFT JOIN (SELECT docid, sum(n) AS len FROM search_new_words GROUP BY docid) AS c USING (docid)
ORDER BY a.docid;

DROP TABLE search_new_words;
DROP TABLE search_new_stems;
