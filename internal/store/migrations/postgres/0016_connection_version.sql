-- A value that changes with every write to a connection or its signing
-- tokens, so a process that keeps them in memory (the webhook receiver) can
-- tell with one small read that its copy is still current, even when
-- another replica or a command made the change.
ALTER TABLE connections ADD COLUMN version TEXT NOT NULL DEFAULT '';
