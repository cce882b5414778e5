-- Password resets: a one-time token, stored hashed, with which an active user who forgot their
-- password chooses a new one. Issued on the person's request or by an admin; a new one
-- replaces the user's unused ones; `used_at` is set once, when it is spent. `created_by` names
-- the admin who sent it (none when the person asked), without a foreign key.
CREATE TABLE password_resets (
    tenant_id   BLOB NOT NULL,
    id          BLOB NOT NULL,
    user_id     BLOB NOT NULL,
    token_hash  BLOB NOT NULL,
    created_by  BLOB,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX password_resets_user_idx ON password_resets (tenant_id, user_id);
