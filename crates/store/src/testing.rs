//! Throwaway stores for tests, on both engines. Compiled for this crate's tests and, with the
//! `testing` feature, for other crates' tests.
//!
//! PostgreSQL needs `LYCEUM_TEST_DATABASE_URL`, a superuser URL; `scripts/test` starts a
//! throwaway server and sets it. Each store gets a fresh database owned by a test owner role and
//! served by a separate runtime role that cannot bypass row-level security, as in production.

use crate::config::{PoolLimits, StoreConfig};
use crate::engine::quote_ident;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use std::str::FromStr;
use tempfile::TempDir;

pub const OWNER_ROLE: &str = "lyceum_test_owner";
pub const RUNTIME_ROLE: &str = "lyceum_test_app";

/// Keeps a test store's backing storage alive (the temporary folder of a SQLite store).
pub struct TestGuard {
    _dir: Option<TempDir>,
}

/// Limits small enough that tests find leaks quickly.
pub fn test_limits() -> PoolLimits {
    PoolLimits {
        shared_max_connections: 4,
        tenant_max_connections: 2,
        max_open_tenant_pools: Some(8),
        ..PoolLimits::default()
    }
}

/// A SQLite store configuration in a fresh temporary folder.
pub fn sqlite_config() -> (StoreConfig, TestGuard) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut config = StoreConfig::sqlite(dir.path().join("data"));
    config.limits = test_limits();
    (config, TestGuard { _dir: Some(dir) })
}

/// The superuser URL of the test PostgreSQL server.
pub fn admin_options() -> PgConnectOptions {
    let url = std::env::var("LYCEUM_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "PostgreSQL tests need LYCEUM_TEST_DATABASE_URL (a superuser URL). \
             Run `scripts/test`, which starts a throwaway PostgreSQL, or set the variable."
        )
    });
    PgConnectOptions::from_str(&url)
        .expect("LYCEUM_TEST_DATABASE_URL is not a valid PostgreSQL URL")
        .disable_statement_logging()
}

/// A PostgreSQL store configuration on a fresh database. `owner_can_create_databases: false`
/// makes an owner that cannot provision the `database` placement (for failure tests).
pub async fn postgres_config_with(owner_can_create_databases: bool) -> (StoreConfig, TestGuard) {
    let admin = admin_options();
    let mut conn = admin
        .connect()
        .await
        .expect("connect to the test PostgreSQL server");
    let owner = if owner_can_create_databases {
        OWNER_ROLE.to_owned()
    } else {
        format!("{OWNER_ROLE}_nocreatedb")
    };
    let createdb = if owner_can_create_databases {
        "CREATEDB"
    } else {
        "NOCREATEDB"
    };
    ensure_role(
        &mut conn,
        &owner,
        &format!("LOGIN {createdb} PASSWORD 'lyceum'"),
    )
    .await;
    ensure_role(&mut conn, RUNTIME_ROLE, "LOGIN PASSWORD 'lyceum'").await;
    let database = format!("lyceum_test_{}", uuid::Uuid::now_v7().simple());
    sqlx::raw_sql(&format!(
        "CREATE DATABASE {} OWNER {}",
        quote_ident(&database),
        quote_ident(&owner)
    ))
    .execute(&mut conn)
    .await
    .expect("create test database");
    conn.close().await.ok();
    let runtime = admin
        .clone()
        .username(RUNTIME_ROLE)
        .password("lyceum")
        .database(&database);
    let owner = admin
        .username(&owner)
        .password("lyceum")
        .database(&database);
    let mut config = StoreConfig::postgres(runtime, owner);
    config.limits = test_limits();
    (config, TestGuard { _dir: None })
}

/// A PostgreSQL store configuration on a fresh database.
pub async fn postgres_config() -> (StoreConfig, TestGuard) {
    postgres_config_with(true).await
}

pub(crate) async fn ensure_role(conn: &mut PgConnection, role: &str, attributes: &str) {
    // Tests run in parallel: a concurrent CREATE ROLE can fail either way; both mean "exists".
    let sql = format!(
        "DO $$ BEGIN CREATE ROLE {} {attributes}; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
        quote_ident(role)
    );
    sqlx::raw_sql(&sql)
        .execute(conn)
        .await
        .expect("create test role");
}
