-- 011: where a run runs: the machine's host name and the process id. A run that starts marks runs
-- left 'running' by dead processes as crashed. Holding the file's run lock, it knows every other
-- 'running' run is dead; on a DuckLake with a PostgreSQL catalog many machines write at once and
-- no lock says so, so only runs of this machine whose process is gone are marked there.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS host VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS pid INTEGER;
