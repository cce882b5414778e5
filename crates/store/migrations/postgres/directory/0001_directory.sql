-- The tenant directory (control plane). Platform tables: no tenant_id of their own.
CREATE TABLE tenants (
    id              UUID PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    plan            TEXT NOT NULL CHECK (plan IN ('free', 'pro', 'enterprise')),
    status          TEXT NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended', 'deleted')),
    region          TEXT NOT NULL,
    placement       TEXT NOT NULL CHECK (placement IN ('pool', 'schema', 'database')),
    settings        JSONB NOT NULL DEFAULT '{}',
    schema_version  BIGINT NOT NULL DEFAULT 0,
    migration_error TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE INDEX tenants_placement_idx ON tenants (placement, status);

CREATE TABLE custom_domains (
    domain      TEXT PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    verified_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX custom_domains_tenant_idx ON custom_domains (tenant_id);
