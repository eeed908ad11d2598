-- The index's contents free of its internal numbering (docid, termid), for comparing two databases:
-- one row per indexed article and term, with the article's token count.
SELECT d.article_id, d.len, t.term, p.tf
FROM search_docs AS d
LEFT JOIN search_postings AS p USING (docid)
LEFT JOIN search_terms AS t USING (termid)
ORDER BY d.article_id, t.term;
