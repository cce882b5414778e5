-- Secrets that sign download URLs of files in object storage (HMAC keys, platform table). One
-- row per use, made by the first process that needs it and read by every other: kept here with
-- the token signing keys, never in configuration.
CREATE TABLE url_signing_secrets (
    name       TEXT PRIMARY KEY,
    secret     BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
