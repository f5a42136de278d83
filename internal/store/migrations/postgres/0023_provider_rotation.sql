-- A provider's API keys and webhook secrets replaced by a rotation that
-- keep working until expires_at (ms since the epoch): an old key still
-- authenticates (key_hash, the hex SHA-256 of the key) and an old secret
-- still signs each delivery beside the current one (secret, sealed like
-- every secret at rest). kind is 'api_key' or 'webhook_secret'.
CREATE TABLE provider_previous_credentials (
    id          BIGSERIAL PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    key_hash    TEXT NOT NULL DEFAULT '',
    secret      BYTEA,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX provider_previous_credentials_key ON provider_previous_credentials (key_hash);
CREATE INDEX provider_previous_credentials_provider ON provider_previous_credentials (provider_id, kind);
