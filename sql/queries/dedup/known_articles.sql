-- Articles of the batch (Arrow `batch`: article_id) already deduplicated.
SELECT d.article_id FROM dedup_docs AS d WHERE d.article_id IN (SELECT article_id FROM batch);
