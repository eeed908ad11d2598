-- 005: work a run must finish before anything else, recorded in the same transaction that makes it
-- necessary, so a process killed at any point leaves a note for the next run. 'dedup_rebuild': a
-- reprocess emptied the dedup tables and had not rebuilt them yet; the next run or reprocess rebuilds
-- them first (flows/pipeline.py, resume_pending_work).
CREATE TABLE IF NOT EXISTS pending_work (
    task        VARCHAR NOT NULL,
    run_id      VARCHAR NOT NULL,        -- the run that left it
    created_at  TIMESTAMPTZ NOT NULL
);
