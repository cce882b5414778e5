//! Provisioning a tenant: its slug reserved in the directory, its storage created in its
//! placement (a schema, a database or a SQLite file) and migrated to the latest version, and
//! the tenant activated; whatever was created is removed again if a step fails. Also the
//! reclaiming of provisionings abandoned halfway, and the removal of a tenant's storage.

use super::migration::migrate_sqlite_file;
use crate::config::PoolLimits;
use crate::control::{AuditEntry, NewTenant, Tenant};
use crate::engine::quote_ident;
use crate::error::StoreError;
use crate::migrate;
use crate::placement::{self, database_name, schema_name, PgPlacements};
use crate::scope::WriteTx;
use crate::store::{Backend, Store};
use lyceum_domain::{Placement, Slug, TenantId, TenantStatus};
use std::path::Path;

impl Store {
    /// Creates a tenant: reserves its slug in the directory, creates its storage in its
    /// placement at the latest migration, and activates it. If any step fails, whatever was
    /// created is removed again: no directory row, schema, database or file is left behind.
    pub async fn provision(&self, new: NewTenant) -> Result<Tenant, StoreError> {
        self.provision_recorded(new, None).await
    }

    /// [`Store::provision`], writing `audit` (completed with the new tenant) to the platform
    /// audit log in the same transaction that activates the tenant.
    pub async fn provision_recorded(
        &self,
        new: NewTenant,
        audit: Option<AuditEntry>,
    ) -> Result<Tenant, StoreError> {
        self.provision_seeded::<Unseeded>(new, audit, None)
            .await
            .map(|(tenant, _)| tenant)
    }

    /// [`Store::provision_recorded`], writing what `seed` writes (the tenant's first admin)
    /// into the new tenant in its first transaction: opened before the tenant is activated and
    /// committed once it is, so that a tenant is never active without it. If the seed or any
    /// other step fails, the tenant is removed again (storage, directory row), as for any
    /// failed provisioning.
    pub async fn provision_seeded<S: TenantSeed>(
        &self,
        new: NewTenant,
        audit: Option<AuditEntry>,
        seed: Option<S>,
    ) -> Result<(Tenant, Option<S::Output>), S::Error> {
        let placement = new.placement.unwrap_or(self.inner.default_placement);
        self.check_placement(placement)?;
        let mut new = new;
        new.name = lyceum_domain::error::required_text("name", &new.name, 200)
            .map_err(StoreError::from)?;
        let id = TenantId::new();
        self.inner
            .directory
            .insert_provisioning(id, &new, placement)
            .await?;
        let created = match &self.inner.backend {
            Backend::Postgres { placements, .. } => placements.create(id, placement).await,
            Backend::Sqlite { data_dir } => {
                create_sqlite_file(&placement::sqlite_path(data_dir, id), &self.inner.limits).await
            }
        };
        let outcome = match created {
            Ok(version) => {
                let audit = audit.map(|entry| entry.on_tenant(id, new.slug.as_str()));
                self.seed_and_activate(id, version, audit.as_ref(), seed)
                    .await
            }
            Err(e) => Err(e.into()),
        };
        let seeded = match outcome {
            Ok(seeded) => seeded,
            Err(error) => {
                self.undo_provisioning(id, placement, &new.slug).await;
                return Err(error);
            }
        };
        let tenant = self
            .inner
            .directory
            .by_id(id)
            .await?
            .ok_or_else(|| StoreError::TenantNotFound(new.slug.to_string()))?;
        Ok((tenant, seeded))
    }

    /// Runs `seed` (if any) in the new tenant's first write transaction, activates the tenant
    /// (recording `audit`), then commits the seed: a seed that fails leaves the tenant
    /// unactivated, and activation that fails rolls the seed back.
    async fn seed_and_activate<S: TenantSeed>(
        &self,
        id: TenantId,
        version: i64,
        audit: Option<&AuditEntry>,
        seed: Option<S>,
    ) -> Result<Option<S::Output>, S::Error> {
        let Some(seed) = seed else {
            self.inner.directory.activate(id, version, audit).await?;
            return Ok(None);
        };
        let mut tenant = self
            .inner
            .directory
            .by_id(id)
            .await?
            .ok_or_else(|| StoreError::TenantNotFound(id.to_string()))?;
        tenant.schema_version = version;
        // Its storage is there; the directory says `active` only once the seed is written.
        tenant.status = TenantStatus::Active;
        let mut tx = self.begin_write(&tenant).await?;
        let output = seed.seed(&mut tx, &tenant).await?;
        self.inner.directory.activate(id, version, audit).await?;
        tx.commit().await?;
        Ok(Some(output))
    }

    /// Removes what a failed provisioning made: its storage, then its directory row (which
    /// frees the slug). What cannot be removed is logged and left for
    /// [`Store::reclaim_abandoned_provisioning`].
    async fn undo_provisioning(&self, id: TenantId, placement: Placement, slug: &Slug) {
        if let Err(cleanup) = self.remove_storage(id, placement).await {
            // The row stays so that an operator can see what is left over.
            tracing::error!(tenant = %slug, %cleanup, "could not remove storage of a failed provisioning");
            return;
        }
        if let Err(e) = self.inner.directory.delete_row(id).await {
            tracing::error!(tenant = %slug, error = %e, "could not remove the directory row of a failed provisioning");
        }
    }

    /// [`Store::provision_recorded`] on a blocking-pool thread, for request handlers: the
    /// provisioning runs to its end even when the request that asked for it is cancelled (a
    /// client that hangs up must not leave a half-made tenant), and the returned future is
    /// `Send` (the migration code's futures are not provably so to the compiler).
    pub async fn provision_detached(
        &self,
        new: NewTenant,
        audit: Option<AuditEntry>,
    ) -> Result<Tenant, StoreError> {
        self.provision_seeded_detached::<Unseeded>(new, audit, None)
            .await
            .map(|(tenant, _)| tenant)
    }

    /// [`Store::provision_seeded`] on a blocking-pool thread, as [`Store::provision_detached`].
    pub async fn provision_seeded_detached<S: TenantSeed>(
        &self,
        new: NewTenant,
        audit: Option<AuditEntry>,
        seed: Option<S>,
    ) -> Result<(Tenant, Option<S::Output>), S::Error> {
        let store = self.clone();
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            runtime.block_on(store.provision_seeded(new, audit, seed))
        })
        .await
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
    }

    /// Removes tenants left in `provisioning` for longer than `older_than`: a process that died
    /// (or a request that was cancelled) between reserving the slug and activating the tenant.
    /// Their storage goes first, then the directory row, which frees the slug. `older_than`
    /// must exceed the longest provisioning that may still be running on another node. Returns
    /// the slugs reclaimed; a tenant whose storage cannot be removed is left as it is and logged.
    pub async fn reclaim_abandoned_provisioning(
        &self,
        older_than: std::time::Duration,
    ) -> Result<Vec<Slug>, StoreError> {
        let cutoff = chrono::Utc::now()
            - chrono::Duration::from_std(older_than).unwrap_or(chrono::Duration::MAX);
        let mut reclaimed = Vec::new();
        for tenant in self.inner.directory.list().await? {
            if tenant.status != TenantStatus::Provisioning || tenant.created_at > cutoff {
                continue;
            }
            match self.remove_storage(tenant.id, tenant.placement).await {
                Ok(()) => {
                    self.inner.directory.delete_row(tenant.id).await?;
                    tracing::warn!(tenant = %tenant.slug, "reclaimed an abandoned provisioning");
                    reclaimed.push(tenant.slug);
                }
                Err(error) => {
                    tracing::error!(tenant = %tenant.slug, %error, "could not remove storage of an abandoned provisioning")
                }
            }
        }
        Ok(reclaimed)
    }

    async fn remove_storage(&self, id: TenantId, placement: Placement) -> Result<(), StoreError> {
        self.inner.tenant_pools.forget(id).await;
        match &self.inner.backend {
            Backend::Postgres { placements, .. } => placements.drop_storage(id, placement).await,
            Backend::Sqlite { data_dir } => {
                remove_sqlite_file(&placement::sqlite_path(data_dir, id)).await
            }
        }
    }
}

/// What provisioning writes into a new tenant before activating it (see
/// [`Store::provision_seeded`]): the layer above decides what (the first admin), the store when.
pub trait TenantSeed: Send + 'static {
    /// What the seed answers (the first admin's invitation).
    type Output: Send + 'static;
    type Error: From<StoreError> + Send + 'static;

    /// Writes into `tx`, the new tenant's first transaction (not committed yet).
    fn seed(
        self,
        tx: &mut WriteTx,
        tenant: &Tenant,
    ) -> impl std::future::Future<Output = Result<Self::Output, Self::Error>>;
}

/// No seed: a tenant provisioned empty.
struct Unseeded;

impl TenantSeed for Unseeded {
    type Output = ();
    type Error = StoreError;

    async fn seed(self, _: &mut WriteTx, _: &Tenant) -> Result<(), StoreError> {
        Ok(())
    }
}

impl PgPlacements {
    /// Creates a tenant's schema or database, migrated to the latest version.
    pub(crate) async fn create(
        &self,
        id: TenantId,
        placement: Placement,
    ) -> Result<i64, StoreError> {
        match placement {
            Placement::Pool => Ok(migrate::latest(&migrate::PG_TENANT)),
            Placement::Schema => {
                let schema = schema_name(id);
                let mut conn = self.owner_pool.acquire().await?;
                sqlx::raw_sql(&format!("CREATE SCHEMA {}", quote_ident(&schema)))
                    .execute(&mut *conn)
                    .await?;
                let (version, _) = migrate::apply_postgres(
                    &mut conn,
                    &schema,
                    &migrate::PG_TENANT,
                    &self.runtime_role,
                )
                .await?;
                Ok(version)
            }
            Placement::Database => {
                let db = quote_ident(&database_name(id));
                let role = quote_ident(&self.runtime_role);
                // CREATE DATABASE cannot run inside a transaction; teardown undoes it on failure.
                sqlx::raw_sql(&format!("CREATE DATABASE {db}"))
                    .execute(&self.owner_pool)
                    .await?;
                sqlx::raw_sql(&format!(
                    "REVOKE ALL ON DATABASE {db} FROM PUBLIC; GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}"
                ))
                .execute(&self.owner_pool)
                .await?;
                self.migrate_dedicated(id).await.map(|(v, _)| v)
            }
        }
    }

    /// Removes a tenant's schema or database (pool rows are removed by tenant deletion).
    pub(crate) async fn drop_storage(
        &self,
        id: TenantId,
        placement: Placement,
    ) -> Result<(), StoreError> {
        let sql = match placement {
            Placement::Pool => return Ok(()),
            Placement::Schema => format!(
                "DROP SCHEMA IF EXISTS {} CASCADE",
                quote_ident(&schema_name(id))
            ),
            Placement::Database => {
                format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    quote_ident(&database_name(id))
                )
            }
        };
        // An autovacuum worker visiting a young database runs as a superuser, which the owner
        // may not terminate (SQLSTATE 42501); it is gone within moments, so try again.
        let mut attempts = 0;
        loop {
            match sqlx::raw_sql(&sql).execute(&self.owner_pool).await {
                Ok(_) => return Ok(()),
                Err(sqlx::Error::Database(e))
                    if attempts < 20 && e.code().as_deref() == Some("42501") =>
                {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Creates a tenant's SQLite file, migrated to the latest version, and closes it again so that
/// provisioning thousands of tenants holds no file open.
pub(crate) async fn create_sqlite_file(
    path: &Path,
    limits: &PoolLimits,
) -> Result<i64, StoreError> {
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
    if tokio::fs::try_exists(path).await? {
        return Err(StoreError::Conflict(format!(
            "{} already exists",
            path.display()
        )));
    }
    migrate_sqlite_file(path, true, limits)
        .await
        .map(|(v, _)| v)
}

/// Removes a tenant's SQLite file and its write-ahead log.
pub(crate) async fn remove_sqlite_file(path: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match tokio::fs::remove_file(&file).await {
            Ok(()) => {}
            // Not there, or its folder is not a folder: either way there is nothing to remove.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
