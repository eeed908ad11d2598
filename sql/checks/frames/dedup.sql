-- The rows of `duplicates`, with what the dedup suite checks about each end.
-- Read by flows/quality (check_dedup) and validated with Great Expectations.
SELECT
    d.article_id,
    d.canonical_id,
    d.kind,
    d.similarity,
    a.article_id IS NULL                                   AS duplicate_not_article,
    c.article_id IS NULL                                   AS canonical_not_article,
    d.canonical_id IN (SELECT article_id FROM duplicates)  AS canonical_is_duplicate,
    d.article_id = d.canonical_id                          AS own_duplicate,
    CASE WHEN d.kind = 'exact' THEN d.similarity END       AS exact_similarity
FROM duplicates AS d
LEFT JOIN articles AS a ON a.article_id = d.article_id
LEFT JOIN articles AS c ON c.article_id = d.canonical_id
ORDER BY d.article_id;
