-- The web UI's accounts: operators who log in, their sessions, the login
-- attempts that throttle guessing, and the OAuth states of connections being
-- made in a browser.
CREATE TABLE ui_users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE ui_sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES ui_users(id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX ui_sessions_user ON ui_sessions (user_id);

CREATE TABLE ui_login_attempts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    email      TEXT NOT NULL,
    ip         TEXT NOT NULL,
    success    INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ui_login_attempts_email ON ui_login_attempts (email, created_at);
CREATE INDEX ui_login_attempts_ip ON ui_login_attempts (ip, created_at);

CREATE TABLE ui_oauth_states (
    state_hash   TEXT PRIMARY KEY,
    session_hash TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);

-- The last delivery of each Lever webhook event that passed the signature
-- check (the "verify connection" test request included), for the setup check.
CREATE TABLE lever_webhook_arrivals (
    connection_id TEXT NOT NULL,
    event         TEXT NOT NULL,
    result        TEXT NOT NULL,
    arrived_at    INTEGER NOT NULL,
    PRIMARY KEY (connection_id, event)
);
