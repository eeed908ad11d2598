-- 003: a run is an ingest (newsflow run) or a reprocess (newsflow reprocess) of the stored raw layer.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'ingest';
ALTER TABLE runs ADD COLUMN IF NOT EXISTS since TIMESTAMPTZ;
