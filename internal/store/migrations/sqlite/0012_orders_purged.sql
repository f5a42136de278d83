-- When the candidate's personal data was purged (their opportunity was
-- deleted in Lever); 0 while it was not. A purged order takes no more
-- events from its provider.
ALTER TABLE orders ADD COLUMN purged_at INTEGER NOT NULL DEFAULT 0;
