-- The platform audit log becomes a hash chain, like each tenant's `audit_log`: entry `seq`
-- (1, 2, 3 ...) stores the hash of entry `seq - 1` (`prev_hash`; 32 zero bytes for the first)
-- and its own `hash`. The chain starts at its genesis, the first entry written after this
-- migration: entries written before keep `seq`, `prev_hash` and `hash` NULL and are counted
-- apart ("before the chain"), unprotected. Also where each entry's request came from.
-- (SQLite cannot add a table constraint in place; the store writes the three together.)
ALTER TABLE platform_audit_log ADD COLUMN seq INTEGER CHECK (seq > 0);
ALTER TABLE platform_audit_log ADD COLUMN prev_hash BLOB;
ALTER TABLE platform_audit_log ADD COLUMN hash BLOB;
ALTER TABLE platform_audit_log ADD COLUMN ip TEXT;
ALTER TABLE platform_audit_log ADD COLUMN user_agent TEXT;
CREATE UNIQUE INDEX platform_audit_log_seq_idx ON platform_audit_log (seq);
