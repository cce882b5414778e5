-- The platform operator: its users (super_admin), its audit log, and its signing keys, which
-- share `signing_keys` with the tenants' (tenant_id NULL marks a platform key).
CREATE TABLE platform_users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'deactivated')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- Append-only. No foreign keys: an entry outlives the tenant or user it names.
CREATE TABLE platform_audit_log (
    id          UUID PRIMARY KEY,
    actor_id    UUID,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    tenant_id   UUID,
    tenant_slug TEXT,
    detail      JSONB NOT NULL DEFAULT '{}',
    request_id  TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX platform_audit_log_tenant_idx ON platform_audit_log (tenant_id, id);

ALTER TABLE signing_keys ALTER COLUMN tenant_id DROP NOT NULL;
