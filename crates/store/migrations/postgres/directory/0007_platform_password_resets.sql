-- One-time password reset links one platform operator gives another (platform users have no
-- mail of their own): only the token's SHA-256 is kept, good until `expires_at`, spent once.
CREATE TABLE platform_password_resets (
    token_hash       BYTEA PRIMARY KEY,
    platform_user_id UUID NOT NULL REFERENCES platform_users (id) ON DELETE CASCADE,
    issued_by        UUID,
    expires_at       TIMESTAMPTZ NOT NULL,
    used_at          TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE INDEX platform_password_resets_user_idx ON platform_password_resets (platform_user_id);
