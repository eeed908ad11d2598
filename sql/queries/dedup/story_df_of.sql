-- Document frequency of the terms in `batch` (term); terms never seen have no row.
SELECT d.term, d.df FROM story_df AS d WHERE d.term IN (SELECT term FROM batch);
