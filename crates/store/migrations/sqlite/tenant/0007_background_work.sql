-- Background work, kept in the tenant's own storage so that it is queued in the same transaction
-- as the change that causes it.
--
-- `outbox_events.actor_id`: the tenant user whose action recorded the event (NULL: the system);
-- part of the envelope every consumer receives.
ALTER TABLE outbox_events ADD COLUMN actor_id BLOB;

-- The job queue. `state` is one of `JobState`; a queued job runs once `run_at` has passed, a
-- running one is leased to a worker until `locked_until` (past it, the job is claimed again).
-- At most one queued job per `unique_key`.
CREATE TABLE jobs (
    tenant_id    BLOB NOT NULL,
    id           BLOB NOT NULL,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'dead', 'cancelled')),
    unique_key   TEXT,
    attempts     INTEGER NOT NULL CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    run_at       TEXT NOT NULL,
    locked_until TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX jobs_due_idx ON jobs (tenant_id, run_at) WHERE state = 'queued';
CREATE INDEX jobs_leased_idx ON jobs (tenant_id, locked_until) WHERE state = 'running';
CREATE UNIQUE INDEX jobs_unique_key_idx ON jobs (tenant_id, unique_key) WHERE state = 'queued';

-- Where the outbox dispatcher stands for the tenant: one row, written by the worker that
-- dispatches the tenant's events, with what was delivered and the last failure, whose backoff
-- holds dispatching until `retry_at`.
CREATE TABLE outbox_dispatch (
    tenant_id     BLOB NOT NULL,
    delivered     INTEGER NOT NULL DEFAULT 0,
    last_event_id BLOB,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    retry_at      TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id)
);
