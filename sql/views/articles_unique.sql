-- Articles that repeat no earlier article: canonicals and singletons.
CREATE OR REPLACE VIEW articles_unique AS
SELECT a.*
FROM articles AS a
WHERE NOT EXISTS (SELECT 1 FROM duplicates AS d WHERE d.article_id = a.article_id);
