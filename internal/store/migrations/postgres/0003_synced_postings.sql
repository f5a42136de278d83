-- The postings an interview service integration has sent to its provider
-- as jobs, with a hash of what was sent: a sync sends only what changed.
CREATE TABLE synced_postings (
    integration_id TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    posting_id     TEXT NOT NULL,
    title          TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (integration_id, posting_id)
);
