-- One-time password reset links one platform operator gives another (platform users have no
-- mail of their own): only the token's SHA-256 is kept, good until `expires_at`, spent once.
CREATE TABLE platform_password_resets (
    token_hash       BLOB PRIMARY KEY,
    platform_user_id BLOB NOT NULL REFERENCES platform_users (id) ON DELETE CASCADE,
    issued_by        BLOB,
    expires_at       TEXT NOT NULL,
    used_at          TEXT,
    created_at       TEXT NOT NULL
);

CREATE INDEX platform_password_resets_user_idx ON platform_password_resets (platform_user_id);
