-- One row per duplicate cluster: its canonical article and the copies.
CREATE OR REPLACE VIEW duplicate_clusters AS
SELECT
    d.canonical_id,
    c.title                                             AS canonical_title,
    c.published_date                                    AS canonical_published,
    count(*) + 1                                        AS n_articles,
    list(d.article_id ORDER BY d.article_id)            AS duplicate_ids,
    count(*) FILTER (WHERE d.kind = 'exact')            AS n_exact,
    count(*) FILTER (WHERE d.kind = 'near')             AS n_near,
    min(d.similarity)                                   AS min_similarity,
    max(d.detected_at)                                  AS last_detected_at
FROM duplicates AS d
LEFT JOIN articles AS c ON c.article_id = d.canonical_id
GROUP BY d.canonical_id, c.title, c.published_date;
