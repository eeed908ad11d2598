SELECT coalesce(max(doc_no), -1) + 1 FROM dedup_docs;
