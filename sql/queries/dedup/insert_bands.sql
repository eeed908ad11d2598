INSERT INTO dedup_bands (band_key, doc_no) SELECT band_key, doc_no FROM batch;
