-- What operators did, in the UI or on the command line: who (actor: an
-- e-mail, or "cli:<user>"), what (action, e.g. "provider.rotate_key"), on
-- what (target, e.g. "provider:acme"), when (at, ms since the epoch) and a
-- line of detail. Never a secret. Pruned after the configured retention.
CREATE TABLE audit_log (
    id      BIGSERIAL PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);
