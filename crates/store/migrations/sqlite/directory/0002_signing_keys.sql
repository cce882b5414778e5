-- Per-tenant token signing keys (platform table). A retired key no longer signs but still
-- verifies the tokens it signed until they expire, so rotation logs nobody out.
CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    tenant_id   BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    algorithm   TEXT NOT NULL,
    private_key BLOB NOT NULL,
    public_key  BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    retired_at  TEXT
);

CREATE INDEX signing_keys_tenant_idx ON signing_keys (tenant_id, created_at);
