-- An index for every filter the provider API, the console and the engine
-- list by, each ending in the listing's order (updated_at, id for orders;
-- received_at, id for Lever events), so that a page is read from the index
-- in order and stops at its limit, however large the tables grow.
-- BenchmarkScale (internal/store) compares each listing on a loaded and a
-- small database; docs/operations.md gives the plans.
-- IF NOT EXISTS: on a large database the indexes may be built beforehand with
-- CREATE INDEX CONCURRENTLY under these names, without blocking writes.
CREATE INDEX IF NOT EXISTS orders_updated ON orders (updated_at, id);
CREATE INDEX IF NOT EXISTS orders_connection_updated ON orders (connection_id, updated_at, id);
CREATE INDEX IF NOT EXISTS orders_posting_updated ON orders (posting_id, updated_at, id);
CREATE INDEX IF NOT EXISTS orders_status_updated ON orders (status, updated_at, id);
CREATE INDEX IF NOT EXISTS orders_provider_status_updated ON orders (provider_id, status, updated_at, id);
-- A Lever event's orders (engine), and the purge of a deleted candidate.
-- Lever opportunity ids are unique across accounts.
CREATE INDEX IF NOT EXISTS orders_opportunity_updated ON orders (opportunity_id, updated_at, id);

CREATE INDEX IF NOT EXISTS lever_events_received ON lever_events (received_at, id);
CREATE INDEX IF NOT EXISTS lever_events_connection_received ON lever_events (connection_id, received_at, id);
-- Replaces (connection_id, opportunity_id): the event log filters by
-- opportunity alone too, and newest first.
DROP INDEX IF EXISTS lever_events_opportunity;
CREATE INDEX IF NOT EXISTS lever_events_opportunity_received ON lever_events (opportunity_id, received_at, id);

-- The provider API lists a provider's integrations on every event listing.
CREATE INDEX IF NOT EXISTS integrations_provider ON integrations (provider_id);

-- The hourly prune deletes finished jobs by age: only finished jobs are
-- indexed, so claiming and finishing the others costs nothing more.
CREATE INDEX IF NOT EXISTS jobs_finished ON jobs (updated_at) WHERE status IN ('done', 'dead');

-- The purge of a deleted candidate's journal entries.
CREATE INDEX IF NOT EXISTS effects_opportunity ON effects (opportunity_id);
