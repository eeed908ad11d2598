-- 004: raw content may be stored compressed. content_encoding NULL: the bytes as received;
-- 'zstd': compressed by the cleaning workers (DuckDB does not compress large BLOBs); in Python:
-- pyarrow.Codec("zstd").decompress(content, decompressed_size=size_bytes, asbytes=True),
-- or flows.records.unpack(content, content_encoding, size_bytes). size_bytes is the size as received.
ALTER TABLE raw_articles ADD COLUMN IF NOT EXISTS content_encoding VARCHAR;
