-- The platform operator: its users (super_admin), its audit log, and its signing keys, which
-- share `signing_keys` with the tenants' (tenant_id NULL marks a platform key).
CREATE TABLE platform_users (
    id            BLOB PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'deactivated')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- Append-only. No foreign keys: an entry outlives the tenant or user it names.
CREATE TABLE platform_audit_log (
    id          BLOB PRIMARY KEY,
    actor_id    BLOB,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    tenant_id   BLOB,
    tenant_slug TEXT,
    detail      TEXT NOT NULL DEFAULT '{}',
    request_id  TEXT,
    created_at  TEXT NOT NULL
);

CREATE INDEX platform_audit_log_tenant_idx ON platform_audit_log (tenant_id, id);

-- SQLite cannot drop NOT NULL in place: rebuild signing_keys with a nullable tenant_id.
CREATE TABLE signing_keys_new (
    kid         TEXT PRIMARY KEY,
    tenant_id   BLOB REFERENCES tenants (id) ON DELETE CASCADE,
    algorithm   TEXT NOT NULL,
    private_key BLOB NOT NULL,
    public_key  BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);
INSERT INTO signing_keys_new SELECT kid, tenant_id, algorithm, private_key, public_key, created_at, retired_at FROM signing_keys;
DROP TABLE signing_keys;
ALTER TABLE signing_keys_new RENAME TO signing_keys;
CREATE INDEX signing_keys_tenant_idx ON signing_keys (tenant_id, created_at);
