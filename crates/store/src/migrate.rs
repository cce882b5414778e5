//! Versioned migrations, one set per engine and per kind of target (the directory, tenant
//! storage). sqlx embeds the files; this module applies them to one target at a time: the
//! directory, the shared pool schema, a tenant schema, a tenant database or a tenant file.
//!
//! Each target records what it has applied in its own `lyceum_migrations` table, written in the
//! same transaction as the migration itself, so a target is always at a whole version and a
//! re-run applies exactly what is missing. The directory mirrors each tenant's version for
//! reporting; the target's own table is the truth.

use crate::engine::{dispatch, quote_ident, Conn, Engine};
use crate::error::StoreError;
use chrono::Utc;
use lyceum_domain::Slug;
use sqlx::migrate::Migrator;
use sqlx::{Connection, PgConnection};

pub(crate) static PG_DIRECTORY: Migrator = sqlx::migrate!("migrations/postgres/directory");
pub(crate) static PG_TENANT: Migrator = sqlx::migrate!("migrations/postgres/tenant");
pub(crate) static SQLITE_DIRECTORY: Migrator = sqlx::migrate!("migrations/sqlite/directory");
pub(crate) static SQLITE_TENANT: Migrator = sqlx::migrate!("migrations/sqlite/tenant");

const PG_BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS lyceum_migrations (
    version BIGINT PRIMARY KEY, description TEXT NOT NULL, checksum BYTEA NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL)";
const SQLITE_BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS lyceum_migrations (
    version INTEGER PRIMARY KEY, description TEXT NOT NULL, checksum BLOB NOT NULL,
    applied_at TEXT NOT NULL)";

/// The newest version in a migration set.
pub(crate) fn latest(set: &Migrator) -> i64 {
    up(set).map(|m| m.version).max().unwrap_or(0)
}

/// The forward migrations of a set (Lyceum ships no down-migrations; none is ever applied).
fn up(set: &Migrator) -> impl Iterator<Item = &sqlx::migrate::Migration> {
    set.iter().filter(|m| !m.migration_type.is_down_migration())
}

/// Progress of a `migrate all` run, for a progress bar.
#[derive(Debug, Clone)]
pub struct MigrationProgress {
    pub done: usize,
    pub total: usize,
    pub target: String,
}

/// A tenant whose migration failed; it stays at its previous version and is retried next run.
#[derive(Debug, Clone)]
pub struct TenantMigrationFailure {
    pub slug: Slug,
    pub code: &'static str,
    pub message: String,
}

/// What a `migrate all` run did.
#[derive(Debug, Clone, Default)]
pub struct MigrationReport {
    /// Targets visited: the directory, the shared pool (on PostgreSQL) and each tenant with
    /// storage of its own.
    pub targets: usize,
    /// Targets that had at least one migration applied.
    pub changed: usize,
    pub latest_version: i64,
    pub failures: Vec<TenantMigrationFailure>,
}

/// Applies the missing migrations of `set` to a PostgreSQL schema in one transaction, then grants
/// the runtime role what it needs there (data access, never ownership). Returns the version.
pub(crate) async fn apply_postgres(
    conn: &mut PgConnection,
    schema: &str,
    set: &Migrator,
    runtime_role: &str,
) -> Result<(i64, bool), StoreError> {
    let mut tx = conn.begin().await?;
    let schema_q = quote_ident(schema);
    let role_q = quote_ident(runtime_role);
    sqlx::raw_sql(&format!("SET LOCAL search_path = {schema_q}"))
        .execute(&mut *tx)
        .await?;
    // Two migrators on one target wait for each other instead of racing.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
        .bind(schema)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(PG_BOOKKEEPING).execute(&mut *tx).await?;
    let (version, changed) = apply_pending(Engine::Postgres(&mut *tx), schema, set).await?;
    sqlx::raw_sql(&format!(
        "GRANT USAGE ON SCHEMA {schema_q} TO {role_q};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role_q};
         REVOKE INSERT, UPDATE, DELETE ON lyceum_migrations FROM {role_q};"
    ))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((version, changed))
}

/// Applies the missing migrations of `set` to a SQLite file in one transaction.
pub(crate) async fn apply_sqlite(
    conn: &mut sqlx::SqliteConnection,
    target: &str,
    set: &Migrator,
) -> Result<(i64, bool), StoreError> {
    let mut tx = conn.begin().await?;
    sqlx::raw_sql(SQLITE_BOOKKEEPING).execute(&mut *tx).await?;
    let applied = apply_pending(Engine::Sqlite(&mut *tx), target, set).await?;
    tx.commit().await?;
    Ok(applied)
}

/// The engine-neutral part: compare what the target has with the set, refuse a target that was
/// migrated by a newer binary or whose applied migrations were edited, apply the rest.
async fn apply_pending(
    mut conn: Conn<'_>,
    target: &str,
    set: &Migrator,
) -> Result<(i64, bool), StoreError> {
    let fail = |message: String| StoreError::Migration {
        target: target.to_owned(),
        message,
    };
    let applied: Vec<(i64, Vec<u8>)> = dispatch!(&mut conn, c => {
        sqlx::query_as("SELECT version, checksum FROM lyceum_migrations ORDER BY version")
            .fetch_all(&mut **c)
            .await?
    });
    for (version, checksum) in &applied {
        match up(set).find(|m| m.version == *version) {
            None => {
                return Err(fail(format!(
                    "the target has migration {version}, which this binary does not know; run a newer lyceum"
                )))
            }
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Err(fail(format!(
                    "migration {version} ({}) was changed after it was applied",
                    m.description
                )))
            }
            Some(_) => {}
        }
    }
    let mut changed = false;
    for migration in set
        .iter()
        .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
    {
        dispatch!(&mut conn, c => {
            sqlx::raw_sql(&migration.sql)
                .execute(&mut **c)
                .await
                .map_err(|e| fail(format!("migration {} ({}): {e}", migration.version, migration.description)))?;
            sqlx::query("INSERT INTO lyceum_migrations (version, description, checksum, applied_at) VALUES ($1, $2, $3, $4)")
                .bind(migration.version)
                .bind(migration.description.as_ref())
                .bind(migration.checksum.as_ref())
                .bind(Utc::now())
                .execute(&mut **c)
                .await?;
        });
        changed = true;
    }
    Ok((latest(set), changed))
}
