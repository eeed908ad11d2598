-- Add a batch's counts (`batch`: term, n) to the document frequencies.
MERGE INTO story_df
USING batch AS b
ON story_df.term = b.term
WHEN MATCHED THEN UPDATE SET df = story_df.df + b.n
WHEN NOT MATCHED THEN INSERT (term, df) VALUES (b.term, b.n);
