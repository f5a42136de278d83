-- The job that holds a journal entry while it checks or sends it, and until
-- when (ms since the epoch): another job waits while the lease runs, and takes
-- the entry as left by a crashed job only once it has run out. '' and 0 when
-- nobody holds it.
ALTER TABLE effects ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE effects ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
