-- Every article with the number of stories it belongs to (the contract: exactly one).
SELECT a.article_id, count(s.story_id) AS n_stories
FROM articles AS a
LEFT JOIN stories AS s ON s.article_id = a.article_id
GROUP BY a.article_id
ORDER BY a.article_id;
