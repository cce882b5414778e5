-- The tenant's audit log: append-only, one hash chain per tenant. Entry `seq` (1, 2, 3 ...)
-- carries the hash of entry `seq - 1` (`prev_hash`; 32 zero bytes for the first) and its own
-- hash over its content and `prev_hash`, so an entry edited, removed or moved in place breaks
-- the chain where it happened. `before_state` and `after_state` keep the JSON text exactly as
-- hashed. No foreign keys: an entry outlives the user or course it names.
CREATE TABLE audit_log (
    tenant_id    BLOB NOT NULL,
    seq          INTEGER NOT NULL,
    occurred_at  TEXT NOT NULL,
    action       TEXT NOT NULL,
    actor_id     BLOB,
    actor        TEXT NOT NULL,
    target_kind  TEXT,
    target_id    BLOB,
    ip           TEXT,
    user_agent   TEXT,
    request_id   TEXT,
    before_state TEXT,
    after_state  TEXT,
    prev_hash    BLOB NOT NULL,
    hash         BLOB NOT NULL,
    PRIMARY KEY (tenant_id, seq),
    CHECK (seq > 0)
);

CREATE INDEX audit_log_action_idx ON audit_log (tenant_id, action, seq);
CREATE INDEX audit_log_actor_idx ON audit_log (tenant_id, actor_id, seq);
CREATE INDEX audit_log_target_idx ON audit_log (tenant_id, target_id, seq);
