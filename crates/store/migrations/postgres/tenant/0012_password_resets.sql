-- Password resets: a one-time token, stored hashed, with which an active user who forgot their
-- password chooses a new one. Issued on the person's request or by an admin; a new one
-- replaces the user's unused ones; `used_at` is set once, when it is spent. `created_by` names
-- the admin who sent it (none when the person asked), without a foreign key.
CREATE TABLE password_resets (
    tenant_id   UUID NOT NULL,
    id          UUID NOT NULL,
    user_id     UUID NOT NULL,
    token_hash  BYTEA NOT NULL,
    created_by  UUID,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX password_resets_user_idx ON password_resets (tenant_id, user_id);

SELECT lyceum_isolate_tenant_table('password_resets');
