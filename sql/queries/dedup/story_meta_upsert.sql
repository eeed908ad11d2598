-- Size and published range of the stories in `batch` (story_id, n_members, first_published, last_published).
MERGE INTO story_meta
USING batch AS b
ON story_meta.story_id = b.story_id
WHEN MATCHED THEN UPDATE SET n_members = b.n_members, first_published = b.first_published,
                             last_published = b.last_published
WHEN NOT MATCHED THEN INSERT (story_id, n_members, first_published, last_published)
    VALUES (b.story_id, b.n_members, b.first_published, b.last_published);
