//! TENANCY.md checklist items 1, 2 and 5 as catalog lints: every tenant table in every
//! placement has forced row-level security with a restrictive tenant policy (PostgreSQL),
//! `tenant_id` first in every primary key and unique constraint, and composite foreign keys.

use super::*;
use crate::placement::{schema_name, DEDICATED_SCHEMA, POOL_SCHEMA};
use crate::testing::{self, RUNTIME_ROLE};
use sqlx::PgConnection;

async fn lint_postgres_schema(conn: &mut PgConnection, schema: &str) {
    let tables: Vec<(String, bool, bool, String)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)::text \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname <> 'lyceum_migrations'",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(
        tables.len() >= 8,
        "{schema}: expected the tenant tables, found {}",
        tables.len()
    );
    for (table, enabled, forced, owner) in tables {
        assert!(
            enabled && forced,
            "{schema}.{table}: RLS must be enabled and forced"
        );
        assert_ne!(
            owner, RUNTIME_ROLE,
            "{schema}.{table} is owned by the runtime role"
        );
        let restrictive: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_policies WHERE schemaname = $1 AND tablename = $2 \
             AND permissive = 'RESTRICTIVE' AND cmd = 'ALL' \
             AND qual LIKE '%current_setting(''app.tenant_id''%' AND with_check LIKE '%current_setting(''app.tenant_id''%'",
        )
        .bind(schema)
        .bind(&table)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(
            restrictive, 1,
            "{schema}.{table}: needs one restrictive tenant policy"
        );
        let constraints: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT con.conname::text, con.contype::text, \
                    (SELECT attname::text FROM pg_attribute WHERE attrelid = con.conrelid AND attnum = con.conkey[1]), \
                    (SELECT attname::text FROM pg_attribute WHERE attrelid = con.confrelid AND attnum = con.confkey[1]) \
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND con.contype IN ('p', 'u', 'f')",
        )
        .bind(schema)
        .bind(&table)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        assert!(
            constraints.iter().any(|c| c.1 == "p"),
            "{schema}.{table} has no primary key"
        );
        // Unique indexes made with CREATE UNIQUE INDEX are not constraints: check them too.
        let unique_indexes: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT i.indexrelid::regclass::text, \
                    (SELECT attname::text FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[0]) \
             FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relname = $2 AND i.indisunique",
        )
        .bind(schema)
        .bind(&table)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        for (index, first) in unique_indexes {
            assert_eq!(
                first.as_deref(),
                Some("tenant_id"),
                "{schema}.{table}: unique index {index} must start with tenant_id"
            );
        }
        for (name, kind, first, referenced_first) in constraints {
            assert_eq!(
                first.as_deref(),
                Some("tenant_id"),
                "{schema}.{table}: {name} must start with tenant_id"
            );
            if kind == "f" {
                assert_eq!(
                    referenced_first.as_deref(),
                    Some("tenant_id"),
                    "{schema}.{table}: foreign key {name} must reference (tenant_id, ...)"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_postgres_tenant_table_is_forced_rls_with_tenant_first_keys() {
    let bed = postgres_bed().await;
    let schema_tenant = provision(&bed.store, "lint-schema", Placement::Schema).await;
    let db_tenant = provision(&bed.store, "lint-database", Placement::Database).await;
    let owner = bed.store.postgres_placements().unwrap().owner.clone();
    let mut main = connect(&owner).await;
    lint_postgres_schema(&mut main, POOL_SCHEMA).await;
    lint_postgres_schema(&mut main, &schema_name(schema_tenant.id)).await;
    let mut dedicated =
        connect(&owner.database(&crate::placement::database_name(db_tenant.id))).await;
    lint_postgres_schema(&mut dedicated, DEDICATED_SCHEMA).await;
}

#[tokio::test]
async fn every_sqlite_tenant_table_has_tenant_first_keys() {
    let bed = sqlite_bed().await;
    let tenant = provision(&bed.store, "lint-file", Placement::Database).await;
    let mut tx = bed.store.begin(&tenant).await.unwrap();
    let Engine::Sqlite(conn) = tx.conn() else {
        unreachable!()
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'lyceum_migrations' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(tables.len() >= 8);
    for table in tables {
        let pk_first: Option<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info($1) WHERE pk = 1")
                .bind(&table)
                .fetch_optional(&mut *conn)
                .await
                .unwrap();
        assert_eq!(
            pk_first.as_deref(),
            Some("tenant_id"),
            "{table}: primary key must start with tenant_id"
        );
        let unique_indexes: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_index_list($1) WHERE \"unique\" = 1")
                .bind(&table)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        for index in unique_indexes {
            let first: String =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) WHERE seqno = 0")
                    .bind(&index)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
            assert_eq!(
                first, "tenant_id",
                "{table}: unique index {index} must start with tenant_id"
            );
        }
        let foreign_keys: Vec<(i64, i64, String, Option<String>)> =
            sqlx::query_as("SELECT id, seq, \"from\", \"to\" FROM pragma_foreign_key_list($1)")
                .bind(&table)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        for (id, _, from, to) in foreign_keys.iter().filter(|fk| fk.1 == 0) {
            assert_eq!(
                (from.as_str(), to.as_deref()),
                ("tenant_id", Some("tenant_id")),
                "{table}: foreign key {id} must be composite on tenant_id"
            );
        }
    }
}

#[tokio::test]
async fn store_refuses_a_runtime_role_that_bypasses_rls_or_owns_the_tables() {
    let (config, _guard) = testing::postgres_config().await;
    let crate::EngineConfig::Postgres { runtime, owner } = config.engine.clone() else {
        unreachable!()
    };
    let database = runtime.get_database().unwrap().to_owned();
    let superuser = testing::admin_options().database(&database);
    let mut admin = connect(&testing::admin_options()).await;
    testing::ensure_role(
        &mut admin,
        "lyceum_test_bypass",
        "LOGIN BYPASSRLS PASSWORD 'lyceum'",
    )
    .await;
    testing::ensure_role(
        &mut admin,
        "lyceum_test_member",
        &format!("LOGIN PASSWORD 'lyceum' IN ROLE {}", testing::OWNER_ROLE),
    )
    .await;
    let as_role = |role: &str| {
        testing::admin_options()
            .database(&database)
            .username(role)
            .password("lyceum")
    };
    for (label, runtime) in [
        ("superuser", superuser),
        ("owner", owner.clone()),
        ("bypassrls", as_role("lyceum_test_bypass")),
        ("member of owner", as_role("lyceum_test_member")),
    ] {
        let mut bad = config.clone();
        bad.engine = crate::EngineConfig::Postgres {
            runtime,
            owner: owner.clone(),
        };
        let err = Store::open(bad)
            .await
            .err()
            .unwrap_or_else(|| panic!("{label} runtime role was accepted"));
        assert_eq!(err.code(), "UNSAFE_DATABASE_ROLE", "{label}: {err}");
    }
    assert!(
        Store::open(config).await.is_ok(),
        "the plain runtime role must be accepted"
    );
}
