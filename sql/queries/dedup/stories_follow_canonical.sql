-- A duplicate is in its canonical's story (a copy found by a later re-check moves there).
-- Returns how many moved.
UPDATE stories SET story_id = c.story_id
FROM duplicates AS d JOIN stories AS c ON c.article_id = d.canonical_id
WHERE stories.article_id = d.article_id AND stories.story_id <> c.story_id;
