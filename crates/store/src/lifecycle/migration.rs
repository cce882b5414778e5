//! Migrating the tenants already provisioned: [`Store::migrate_all`] brings the storage of
//! every tenant with storage of its own (a schema, a database or a SQLite file) to the
//! release's latest migration, recording each one's version, or its failure, in the directory.

use crate::config::PoolLimits;
use crate::control::Tenant;
use crate::engine::{quote_ident, EngineKind};
use crate::error::StoreError;
use crate::migrate::{self, MigrationProgress, MigrationReport, TenantMigrationFailure};
use crate::open::sqlite_options;
use crate::placement::{self, database_name, PgPlacements, DEDICATED_SCHEMA};
use crate::store::{Backend, Store};
use lyceum_domain::{Placement, TenantId, TenantStatus};
use sqlx::{ConnectOptions, Connection};
use std::path::Path;

/// Tenants migrated at once by [`Store::migrate_all`]: enough to keep a database server busy,
/// few enough to leave it connections and to keep one slow tenant from holding up the rest.
pub const MIGRATION_PARALLELISM: usize = 4;

/// Which tenants [`Store::migrate_all`] visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationScope {
    /// Those the directory records below the latest version, or whose last migration failed.
    Behind,
    /// Every tenant, each one's applied migrations checked against the release's (for storage
    /// changed outside Lyceum, or a directory restored from an older backup).
    Every,
}

impl Store {
    /// Applies pending migrations: the directory and the shared pool (done when the store
    /// opened), then the tenants with storage of their own that `scope` names, at most
    /// [`MIGRATION_PARALLELISM`] at a time. Each tenant's version is recorded in the directory
    /// as soon as it is done, so an interrupted run resumes where it stopped; a tenant that
    /// fails is recorded and skipped, and the others go on. Safe to re-run: with
    /// [`MigrationScope::Behind`] a run with nothing to do opens no tenant storage at all.
    pub async fn migrate_all(
        &self,
        scope: MigrationScope,
        progress: &(dyn Fn(MigrationProgress) + Send + Sync),
    ) -> Result<MigrationReport, StoreError> {
        use futures_util::stream::{self, StreamExt};
        let directory = &self.inner.directory;
        let latest_version = match self.engine() {
            EngineKind::Postgres => migrate::latest(&migrate::PG_TENANT),
            EngineKind::Sqlite => migrate::latest(&migrate::SQLITE_TENANT),
        };
        let visited: Vec<Tenant> = directory
            .list()
            .await?
            .into_iter()
            .filter(|t| !matches!(t.status, TenantStatus::Provisioning | TenantStatus::Deleted))
            .filter(|t| t.placement != Placement::Pool)
            .filter(|t| match scope {
                MigrationScope::Every => true,
                MigrationScope::Behind => {
                    t.schema_version != latest_version || t.migration_error.is_some()
                }
            })
            .collect();
        let mut report = MigrationReport {
            latest_version,
            // The directory and the shared pool were migrated when the store opened.
            targets: 1 + usize::from(self.engine() == EngineKind::Postgres),
            ..MigrationReport::default()
        };
        if self.engine() == EngineKind::Postgres {
            directory.record_pool_version(latest_version).await?;
        }
        let total = visited.len();
        let mut runs = stream::iter(&visited)
            .map(|tenant| async move { (tenant, self.migrate_tenant(tenant).await) })
            .buffer_unordered(MIGRATION_PARALLELISM);
        let mut done = 0;
        while let Some((tenant, migrated)) = runs.next().await {
            report.targets += 1;
            match migrated {
                Ok((version, changed)) => {
                    report.changed += usize::from(changed);
                    directory.record_migration(tenant.id, version, None).await?;
                }
                Err(error) => {
                    tracing::warn!(tenant = %tenant.slug, %error, "tenant migration failed");
                    directory
                        .record_migration(
                            tenant.id,
                            tenant.schema_version,
                            Some(&error.to_string()),
                        )
                        .await?;
                    report.failures.push(TenantMigrationFailure {
                        slug: tenant.slug.clone(),
                        code: error.code(),
                        message: error.to_string(),
                    });
                }
            }
            done += 1;
            progress(MigrationProgress {
                done,
                total,
                target: tenant.slug.to_string(),
            });
        }
        Ok(report)
    }

    async fn migrate_tenant(&self, tenant: &Tenant) -> Result<(i64, bool), StoreError> {
        match (&self.inner.backend, tenant.placement) {
            (Backend::Postgres { placements, .. }, Placement::Schema) => {
                placements
                    .migrate_schema(&placement::schema_name(tenant.id))
                    .await
            }
            (Backend::Postgres { placements, .. }, Placement::Database) => {
                placements.migrate_dedicated(tenant.id).await
            }
            (Backend::Sqlite { data_dir }, Placement::Database) => {
                let path = placement::sqlite_path(data_dir, tenant.id);
                if !tokio::fs::try_exists(&path).await? {
                    return Err(StoreError::StorageMissing(format!(
                        "{} does not exist",
                        path.display()
                    )));
                }
                migrate_sqlite_file(&path, false, &self.inner.limits).await
            }
            (_, placement) => Err(StoreError::PlacementUnsupported {
                placement: placement.as_str(),
                engine: "this",
            }),
        }
    }
}

impl PgPlacements {
    /// Migrates a tenant's dedicated database over a connection of its own.
    pub(crate) async fn migrate_dedicated(&self, id: TenantId) -> Result<(i64, bool), StoreError> {
        let mut conn = self
            .owner
            .clone()
            .database(&database_name(id))
            .connect()
            .await?;
        sqlx::raw_sql(&format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            quote_ident(DEDICATED_SCHEMA)
        ))
        .execute(&mut conn)
        .await?;
        let result = migrate::apply_postgres(
            &mut conn,
            DEDICATED_SCHEMA,
            &migrate::PG_TENANT,
            &self.runtime_role,
        )
        .await;
        conn.close().await.ok();
        result
    }

    /// Migrates a tenant schema in the main database.
    pub(crate) async fn migrate_schema(&self, schema: &str) -> Result<(i64, bool), StoreError> {
        let mut conn = self.owner_pool.acquire().await?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)")
                .bind(schema)
                .fetch_one(&mut *conn)
                .await?;
        if !exists {
            return Err(StoreError::StorageMissing(format!(
                "schema {schema} does not exist"
            )));
        }
        migrate::apply_postgres(&mut conn, schema, &migrate::PG_TENANT, &self.runtime_role).await
    }
}

pub(crate) async fn migrate_sqlite_file(
    path: &Path,
    create: bool,
    limits: &PoolLimits,
) -> Result<(i64, bool), StoreError> {
    let mut conn = sqlite_options(path, create, limits).connect().await?;
    let result = migrate::apply_sqlite(
        &mut conn,
        &path.display().to_string(),
        &migrate::SQLITE_TENANT,
    )
    .await;
    conn.close().await.ok();
    // A migration's statements and the schema it parsed leave the C heap with holes.
    crate::heap::released();
    result
}
