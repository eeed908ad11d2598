-- Re-label merged stories (`batch`: old_story_id, new_story_id).
UPDATE stories SET story_id = b.new_story_id
FROM batch AS b
WHERE stories.story_id = b.old_story_id;
