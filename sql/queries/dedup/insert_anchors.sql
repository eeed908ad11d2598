INSERT INTO dedup_anchors (anchor, doc_no) SELECT anchor, doc_no FROM batch;
