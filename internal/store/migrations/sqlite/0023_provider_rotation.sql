-- A provider's API keys and webhook secrets replaced by a rotation that
-- keep working until expires_at (ms since the epoch): an old key still
-- authenticates (key_hash, the hex SHA-256 of the key) and an old secret
-- still signs each delivery beside the current one (secret, sealed like
-- every secret at rest). kind is 'api_key' or 'webhook_secret'.
CREATE TABLE provider_previous_credentials (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    key_hash    TEXT NOT NULL DEFAULT '',
    secret      BLOB,
    expires_at  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX provider_previous_credentials_key ON provider_previous_credentials (key_hash);
CREATE INDEX provider_previous_credentials_provider ON provider_previous_credentials (provider_id, kind);
