-- Invitations: an invited user (no password yet) accepts with a one-time token, stored hashed,
-- and sets a password. A new invitation replaces the user's open ones.
CREATE TABLE invitations (
    tenant_id   BLOB NOT NULL,
    id          BLOB NOT NULL,
    user_id     BLOB NOT NULL,
    token_hash  BLOB NOT NULL,
    created_by  BLOB,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    accepted_at TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX invitations_user_idx ON invitations (tenant_id, user_id);
