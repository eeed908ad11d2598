-- One row per story: the articles grouped as reports of the same event.
CREATE OR REPLACE VIEW story_summary AS
SELECT
    s.story_id,
    count(*)                                                    AS n_articles,
    count(*) FILTER (WHERE d.article_id IS NULL)                AS n_unique,
    min(a.published_date)                                       AS first_published,
    max(a.published_date)                                       AS last_published,
    list(s.article_id ORDER BY a.published_date NULLS LAST, s.article_id) AS article_ids,
    list(a.title ORDER BY a.published_date NULLS LAST, s.article_id)
        FILTER (WHERE a.title IS NOT NULL)                      AS titles
FROM stories AS s
LEFT JOIN articles AS a ON a.article_id = s.article_id
LEFT JOIN duplicates AS d ON d.article_id = s.article_id
GROUP BY s.story_id;
