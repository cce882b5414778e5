-- Refresh tokens, stored as SHA-256 hashes. Every refresh spends a token and issues the next
-- one in the same family; presenting a spent token revokes the whole family.
CREATE TABLE refresh_tokens (
    tenant_id  BLOB NOT NULL,
    id         BLOB NOT NULL,
    family_id  BLOB NOT NULL,
    user_id    BLOB NOT NULL,
    token_hash BLOB NOT NULL,
    issued_at  TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    revoked_at TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (tenant_id, family_id);
