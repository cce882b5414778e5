-- The platform audit log becomes a hash chain, like each tenant's `audit_log`: entry `seq`
-- (1, 2, 3 ...) stores the hash of entry `seq - 1` (`prev_hash`; 32 zero bytes for the first)
-- and its own `hash`. The chain starts at its genesis, the first entry written after this
-- migration: entries written before keep `seq`, `prev_hash` and `hash` NULL and are counted
-- apart ("before the chain"), unprotected. Also where each entry's request came from.
ALTER TABLE platform_audit_log ADD COLUMN seq BIGINT CHECK (seq > 0);
ALTER TABLE platform_audit_log ADD COLUMN prev_hash BYTEA;
ALTER TABLE platform_audit_log ADD COLUMN hash BYTEA;
ALTER TABLE platform_audit_log ADD COLUMN ip TEXT;
ALTER TABLE platform_audit_log ADD COLUMN user_agent TEXT;
ALTER TABLE platform_audit_log ADD CONSTRAINT platform_audit_log_chained
    CHECK ((seq IS NULL) = (hash IS NULL) AND (seq IS NULL) = (prev_hash IS NULL));
CREATE UNIQUE INDEX platform_audit_log_seq_idx ON platform_audit_log (seq);
