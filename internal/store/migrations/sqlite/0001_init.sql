CREATE TABLE connections (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    environment     TEXT NOT NULL,
    base_url        TEXT NOT NULL DEFAULT '',
    auth_kind       TEXT NOT NULL,
    credentials     BLOB,
    status          TEXT NOT NULL,
    status_reason   TEXT NOT NULL DEFAULT '',
    perform_as      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE connection_webhooks (
    connection_id    TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    event            TEXT NOT NULL,
    lever_webhook_id TEXT NOT NULL DEFAULT '',
    url              TEXT NOT NULL DEFAULT '',
    signing_token    BLOB NOT NULL,
    managed          INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (connection_id, event)
);

CREATE TABLE providers (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    api_key_hash   TEXT NOT NULL UNIQUE,
    webhook_url    TEXT NOT NULL DEFAULT '',
    webhook_secret BLOB,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE packages (
    provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    lever_tag   TEXT NOT NULL DEFAULT '',
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (provider_id, id)
);

CREATE TABLE integrations (
    id            TEXT PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    provider_id   TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    settings      TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (connection_id, provider_id)
);

CREATE TABLE lever_events (
    id             TEXT PRIMARY KEY,
    connection_id  TEXT NOT NULL,
    event          TEXT NOT NULL,
    dedupe_key     TEXT NOT NULL,
    opportunity_id TEXT NOT NULL DEFAULT '',
    triggered_at   INTEGER NOT NULL,
    payload        TEXT NOT NULL,
    source         TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    UNIQUE (connection_id, dedupe_key)
);
CREATE INDEX lever_events_opportunity ON lever_events (connection_id, opportunity_id);

CREATE TABLE decisions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id       TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL DEFAULT '',
    decision       TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    order_id       TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);
CREATE INDEX decisions_event ON decisions (event_id);

CREATE TABLE orders (
    id             TEXT PRIMARY KEY,
    integration_id TEXT NOT NULL,
    connection_id  TEXT NOT NULL,
    provider_id    TEXT NOT NULL,
    package_id     TEXT NOT NULL,
    package_name   TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    posting_id     TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    candidate      TEXT NOT NULL,
    details        TEXT NOT NULL,
    candidate_url  TEXT NOT NULL DEFAULT '',
    evaluation_url TEXT NOT NULL DEFAULT '',
    result         TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
-- One live order per integration and opportunity: a redelivered webhook and a
-- reconciliation sweep can race, and only one of them may order.
CREATE UNIQUE INDEX orders_live ON orders (integration_id, opportunity_id)
    WHERE status NOT IN ('cancelled', 'expired');
CREATE INDEX orders_provider_updated ON orders (provider_id, updated_at, id);

CREATE TABLE order_events (
    id         TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    type       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id, created_at);

CREATE TABLE effects (
    key            TEXT PRIMARY KEY,
    connection_id  TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    order_id       TEXT NOT NULL DEFAULT '',
    kind           TEXT NOT NULL,
    payload        TEXT NOT NULL,
    status         TEXT NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    result         TEXT NOT NULL DEFAULT '',
    last_error     TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX effects_order ON effects (order_id);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    queue_key    TEXT NOT NULL DEFAULT '',
    unique_key   TEXT UNIQUE,
    args         TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempt      INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    locked_by    TEXT NOT NULL DEFAULT '',
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX jobs_ready ON jobs (status, run_at);
CREATE INDEX jobs_queue ON jobs (queue_key, id);

CREATE TABLE idempotency_keys (
    provider_id  TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (provider_id, key)
);

CREATE TABLE rate_buckets (
    key        TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    updated_at INTEGER NOT NULL
);
