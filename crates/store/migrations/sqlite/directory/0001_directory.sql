-- The tenant directory (control plane). Platform tables: no tenant_id of their own.
CREATE TABLE tenants (
    id              BLOB PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    plan            TEXT NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
    status          TEXT NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended', 'deleted')),
    region          TEXT NOT NULL,
    placement       TEXT NOT NULL CHECK (placement IN ('pool', 'schema', 'database')),
    settings        TEXT NOT NULL DEFAULT '{}',
    schema_version  INTEGER NOT NULL DEFAULT 0,
    migration_error TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE INDEX tenants_placement_idx ON tenants (placement, status);

CREATE TABLE custom_domains (
    domain      TEXT PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    verified_at TEXT,
    created_at  TEXT NOT NULL
);

CREATE INDEX custom_domains_tenant_idx ON custom_domains (tenant_id);
