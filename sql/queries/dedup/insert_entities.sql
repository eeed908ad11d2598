INSERT INTO story_entities (entity, doc_no, story_date) SELECT entity, doc_no, story_date FROM batch;
