-- Reprocess, per batch and in the batch's own transaction: forget what was derived from the raw
-- documents of this batch (Arrow table `batch` of raw_id), right before their new rows go in, so a
-- reprocess killed at any point leaves every raw row with either its old or its new outcome.
DELETE FROM articles WHERE raw_id IN (SELECT raw_id FROM batch);
DELETE FROM quarantine WHERE raw_id IN (SELECT raw_id FROM batch);
