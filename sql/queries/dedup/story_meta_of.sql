-- Size and published range of the stories in `batch` (story_id).
SELECT m.story_id, m.n_members, m.first_published, m.last_published
FROM story_meta AS m WHERE m.story_id IN (SELECT story_id FROM batch);
