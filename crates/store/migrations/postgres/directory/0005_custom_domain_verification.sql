-- Custom domains claimed by a tenant's admins: the token they publish at
-- `http://<domain>/.well-known/lyceum-domain-verification` to prove the domain is theirs.
-- Domains mapped before this migration (by the operator) are verified already and have none.
ALTER TABLE custom_domains ADD COLUMN verification_token TEXT;
