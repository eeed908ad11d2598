-- Which of a batch's raw ids (Arrow table `batch`) are stored already.
SELECT r.raw_id FROM raw_articles r SEMI JOIN batch b ON r.raw_id = b.raw_id;
