-- 004: raw content may be stored compressed. content_encoding NULL: the bytes as received;
-- 'zlib': zlib-compressed by the cleaning workers (DuckDB does not compress large BLOBs),
-- in Python: zlib.decompress(content). size_bytes is always the size as received.
ALTER TABLE raw_articles ADD COLUMN IF NOT EXISTS content_encoding VARCHAR;
