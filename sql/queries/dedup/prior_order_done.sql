-- The rebuild is done: the order kept for it (dedup_prior_order) is dedup_docs' again.
DELETE FROM dedup_prior_order;
