-- The last setup check of each integration, as the Integrations page lists
-- it: when it ran, how many errors and warnings it found and the first
-- error in words. Rechecked when it is older than the page allows.
CREATE TABLE integration_checks (
    integration_id TEXT PRIMARY KEY REFERENCES integrations(id) ON DELETE CASCADE,
    checked_at     INTEGER NOT NULL,
    errors         INTEGER NOT NULL,
    warnings       INTEGER NOT NULL,
    first_error    TEXT NOT NULL DEFAULT ''
);
