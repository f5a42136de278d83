-- When an integration was last turned on, and when its trigger stage last
-- changed (ms since the epoch; 0: never). The sweep for missed webhooks
-- orders only candidates who entered the trigger stage after both, so that
-- turning an integration on does not invite everyone already sitting there.
ALTER TABLE integrations ADD COLUMN activated_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE integrations ADD COLUMN trigger_changed_at INTEGER NOT NULL DEFAULT 0;
-- Integrations already on: count from their creation, which is when the
-- sweep could first have ordered anyone for them.
UPDATE integrations SET activated_at = created_at WHERE enabled = 1;
