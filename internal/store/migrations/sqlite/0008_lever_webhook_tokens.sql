-- The token of every Lever delivery accepted, kept until its triggeredAt
-- leaves the receiver's window, so that a captured delivery cannot be sent
-- again (Lever signs token + triggeredAt, not the body).
CREATE TABLE lever_webhook_tokens (
    connection_id TEXT NOT NULL,
    token         TEXT NOT NULL,
    expires_at    INTEGER NOT NULL,
    PRIMARY KEY (connection_id, token)
);
CREATE INDEX lever_webhook_tokens_expiry ON lever_webhook_tokens (expires_at);
