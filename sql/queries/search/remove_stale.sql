-- Take the articles in temp table search_stale out of the index (their terms stay numbered:
-- document frequencies are counted from the postings, so an unused term changes no score).
DELETE FROM search_postings WHERE docid IN (SELECT docid FROM search_stale);
DELETE FROM search_docs WHERE docid IN (SELECT docid FROM search_stale);
