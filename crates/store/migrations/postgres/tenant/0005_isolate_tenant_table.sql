-- One function for the row-level security every tenant table gets, so that a migration adding a
-- tenant table calls it once instead of pasting the block of 0001-0004 again:
--
--     SELECT lyceum_isolate_tenant_table('new_table');
--
-- It enables and forces RLS and creates the restrictive `tenant_isolation` and the permissive
-- `tenant_access` policies, word for word as 0001_tenant_core.sql does. It lives in the target
-- schema (the search path while migrating), like the tables. It changes no existing table.
CREATE FUNCTION lyceum_isolate_tenant_table(t regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %s AS RESTRICTIVE FOR ALL
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
        WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    EXECUTE format($p$CREATE POLICY tenant_access ON %s AS PERMISSIVE FOR ALL
        USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
END
$fn$;

-- Only migrations, run as the owner role, call it (the runtime role could not alter a table).
REVOKE ALL ON FUNCTION lyceum_isolate_tenant_table(regclass) FROM PUBLIC;
