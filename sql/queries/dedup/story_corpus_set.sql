-- Record how many articles the document frequencies now count.
DELETE FROM story_corpus;
INSERT INTO story_corpus (n_docs) VALUES ($n_docs);
