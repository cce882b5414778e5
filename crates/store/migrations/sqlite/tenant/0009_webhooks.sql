-- Webhooks: the tenant's endpoints and the log of their deliveries.
--
-- `webhook_endpoints`: where the tenant's events are sent. `events` is the filter as JSON text
-- (a list of event types, or ["*"]); `secret` signs every delivery (the worker must read it, so
-- it is kept as issued); `failing_since` starts the current run of failed deliveries (NULL
-- after a success), and a run of a day disables the endpoint. `created_by` names a user
-- without a foreign key: an endpoint outlives the admin who added it.
CREATE TABLE webhook_endpoints (
    tenant_id     BLOB NOT NULL,
    id            BLOB NOT NULL,
    url           TEXT NOT NULL,
    description   TEXT NOT NULL,
    events        TEXT NOT NULL,
    secret        TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    failing_since TEXT,
    last_error    TEXT,
    created_by    BLOB,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- One delivery of an event to an endpoint (a replay is another row, `replay_of` naming the
-- first). `body` is the envelope exactly as it is signed and sent; `status` is one of
-- `DeliveryStatus`; `job_id` the delivery job (no foreign key: finished jobs are tidied away);
-- the last attempt's answer: `response_status`, `duration_ms`, `response_body` (its first
-- KiB), or `error` when there was none.
CREATE TABLE webhook_deliveries (
    tenant_id       BLOB NOT NULL,
    id              BLOB NOT NULL,
    webhook_id      BLOB NOT NULL,
    event_id        BLOB NOT NULL,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'retrying', 'succeeded', 'dead', 'cancelled')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    job_id          BLOB,
    response_status INTEGER,
    duration_ms     INTEGER,
    response_body   TEXT,
    error           TEXT,
    replay_of       BLOB,
    last_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (tenant_id, webhook_id, id);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (tenant_id, created_at);
