-- Live events: each delivered event gets the tenant's next delivery number, in the order the
-- dispatcher delivered it. Deliveries of one tenant are serialized by its `outbox_dispatch` row,
-- so a reader that follows the numbers never skips an event committed late (event ids, drawn
-- when an event is appended, can commit out of order). `outbox_dispatch.last_seq` is the last
-- number handed out; it never goes back, also when delivered events are purged.
ALTER TABLE outbox_events ADD COLUMN delivered_seq INTEGER;
ALTER TABLE outbox_dispatch ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;

CREATE INDEX outbox_events_delivered_idx ON outbox_events (tenant_id, delivered_seq)
    WHERE delivered_seq IS NOT NULL;
