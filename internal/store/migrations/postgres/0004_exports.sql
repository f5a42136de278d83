-- Sourcing exports: a candidate a sourcing provider pushed into Lever, linked
-- to the opportunity it became. profile and cv hold personal data; they are
-- empty for a pseudonymous export and emptied when Lever deletes the
-- opportunity.
CREATE TABLE exports (
    id                    TEXT PRIMARY KEY,
    integration_id        TEXT NOT NULL,
    connection_id         TEXT NOT NULL,
    provider_id           TEXT NOT NULL,
    provider_candidate_id TEXT NOT NULL,
    status                TEXT NOT NULL,
    outcome               TEXT NOT NULL,
    pseudonym             TEXT NOT NULL DEFAULT '',
    profile               TEXT NOT NULL,
    cv                    BYTEA,
    cv_name               TEXT NOT NULL DEFAULT '',
    cv_url                TEXT NOT NULL DEFAULT '',
    cv_sha                TEXT NOT NULL DEFAULT '',
    role_id               TEXT NOT NULL DEFAULT '',
    provider_stage        TEXT NOT NULL DEFAULT '',
    stage_version         BIGINT NOT NULL DEFAULT 0,
    stage_synced          BIGINT NOT NULL DEFAULT 0,
    recruiter_email       TEXT NOT NULL DEFAULT '',
    posting_id            TEXT NOT NULL DEFAULT '',
    opportunity_id        TEXT NOT NULL DEFAULT '',
    opportunity_url       TEXT NOT NULL DEFAULT '',
    lever_stage_id        TEXT NOT NULL DEFAULT '',
    last_error            TEXT NOT NULL DEFAULT '',
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL,
    deleted_at            BIGINT NOT NULL DEFAULT 0,
    UNIQUE (integration_id, provider_candidate_id)
);
CREATE INDEX exports_opportunity ON exports (connection_id, opportunity_id);
CREATE INDEX exports_provider_updated ON exports (provider_id, updated_at, id);

-- Server-side keys stagecoach makes for itself (sealed with the secret key),
-- such as the key pseudonyms are derived from.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    value      BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
