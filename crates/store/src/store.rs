//! [`Store`]: the opened storage of one deployment. It provisions tenants into their placement,
//! opens tenant-scoped transactions, and migrates every target.

use crate::budget::{self, PgServerLimits};
use crate::config::{EngineConfig, PoolLimits, StoreConfig};
use crate::directory::{Directory, NewTenant, Tenant};
use crate::engine::{quote_ident, Engine, EngineKind};
use crate::error::StoreError;
use crate::health::{TransactionTrouble, TroubleCounts};
use crate::migrate::{self, MigrationProgress, MigrationReport, TenantMigrationFailure};
use crate::placement::{
    self, OpenPool, PgPlacements, TenantBudget, TenantPools, Wear, DIRECTORY_SCHEMA, POOL_SCHEMA,
};
use crate::platform::AuditEntry;
use crate::scope::{postgres_begin, LearnerLock, Opening, TenantTx, WriteTx};
use crate::versions::{DataVersion, DataVersions, NoticeCounts};
use lyceum_domain::{Placement, Slug, TenantId, TenantStatus, UserId};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{ConnectOptions, Connection, PgPool, SqlitePool};
use std::path::PathBuf;
use std::sync::Arc;

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

/// Latencies measured by [`Store::measure_scoping`].
#[cfg(feature = "bench")]
#[derive(Debug, Default, Clone)]
pub struct ScopingFigures {
    pub scoped: Vec<std::time::Duration>,
    pub unscoped: Vec<std::time::Duration>,
}

/// One kind of connection pool, for metrics.
#[derive(Debug, Clone)]
pub struct PoolStats {
    /// `shared` (pool placement), `schemas` (schema placement), `directory` or `tenant` (every
    /// tenant's own pool summed).
    pub pool: &'static str,
    /// `postgres` or `sqlite`.
    pub engine: String,
    /// For `tenant`: how many tenants' pools are open.
    pub open_pools: Option<u64>,
    pub connections: u64,
    pub idle: u64,
}

impl PoolStats {
    fn of(pool: &'static str, engine: &str, size: u32, idle: usize) -> Self {
        PoolStats {
            pool,
            engine: engine.to_owned(),
            open_pools: None,
            connections: u64::from(size),
            idle: idle as u64,
        }
    }
}

/// The opened store. Cheap to clone; clones share pools and caches.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    directory: Directory,
    tenant_pools: TenantPools,
    default_placement: Placement,
    versions: Arc<DataVersions>,
    limits: PoolLimits,
    trouble: Arc<TroubleCounts>,
}

// One per store, so the size of the larger variant does not matter.
#[allow(clippy::large_enum_variant)]
enum Backend {
    Postgres {
        placements: PgPlacements,
        /// Runtime-role pool of the pool placement (tenant set per transaction).
        shared: PgPool,
        /// Runtime-role pool of the schema placement (tenant and `search_path` set per
        /// transaction), its connections recycled as they wear (see
        /// [`placement::SCHEMA_TRANSACTIONS_PER_CONNECTION`]); opens nothing until used.
        schemas: PgPool,
    },
    Sqlite {
        data_dir: PathBuf,
    },
}

impl Store {
    /// Opens the store, creating and migrating the directory (and on PostgreSQL the shared pool
    /// schema). On PostgreSQL it refuses a runtime role that could bypass row-level security.
    pub async fn open(config: StoreConfig) -> Result<Store, StoreError> {
        let limits = config.limits;
        let trouble = Arc::new(TroubleCounts::default());
        let (backend, directory, versions, tenant_budget) = match config.engine {
            EngineConfig::Sqlite { data_dir } => {
                let tenant_budget = budget::sqlite(&limits, budget::open_file_limit())?;
                let (backend, directory) = open_sqlite(data_dir, &limits).await?;
                (backend, directory, Arc::default(), tenant_budget)
            }
            EngineConfig::Postgres { runtime, owner } => {
                let (backend, directory, tenant_budget) =
                    open_postgres(runtime.clone(), owner, &limits, &trouble).await?;
                let versions = DataVersions::shared(runtime).await?;
                (backend, directory, versions, tenant_budget)
            }
        };
        let engine_default = match backend {
            Backend::Postgres { .. } => Placement::Pool,
            Backend::Sqlite { .. } => Placement::Database,
        };
        let store = Store {
            inner: Arc::new(Inner {
                backend,
                directory,
                tenant_pools: TenantPools::new(limits, tenant_budget, trouble.clone()),
                default_placement: config.default_placement.unwrap_or(engine_default),
                versions,
                limits,
                trouble,
            }),
        };
        store.check_placement(store.inner.default_placement)?;
        Ok(store)
    }

    pub fn engine(&self) -> EngineKind {
        match self.inner.backend {
            Backend::Postgres { .. } => EngineKind::Postgres,
            Backend::Sqlite { .. } => EngineKind::Sqlite,
        }
    }

    pub fn directory(&self) -> &Directory {
        &self.inner.directory
    }

    pub fn default_placement(&self) -> Placement {
        self.inner.default_placement
    }

    /// Placements this engine offers.
    pub fn placements(&self) -> &'static [Placement] {
        match self.inner.backend {
            Backend::Postgres { .. } => &Placement::ALL,
            Backend::Sqlite { .. } => &[Placement::Database],
        }
    }

    fn check_placement(&self, placement: Placement) -> Result<(), StoreError> {
        if self.placements().contains(&placement) {
            Ok(())
        } else {
            Err(StoreError::PlacementUnsupported {
                placement: placement.as_str(),
                engine: match self.engine() {
                    EngineKind::Postgres => "postgres",
                    EngineKind::Sqlite => "sqlite",
                },
            })
        }
    }

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
        let placement = new.placement.unwrap_or(self.inner.default_placement);
        self.check_placement(placement)?;
        let mut new = new;
        new.name = lyceum_domain::error::required_text("name", &new.name, 200)?;
        let id = TenantId::new();
        self.inner
            .directory
            .insert_provisioning(id, &new, placement)
            .await?;
        let created = match &self.inner.backend {
            Backend::Postgres { placements, .. } => placements.create(id, placement).await,
            Backend::Sqlite { data_dir } => {
                placement::create_sqlite_file(
                    &placement::sqlite_path(data_dir, id),
                    &self.inner.limits,
                )
                .await
            }
        };
        let activated = match created {
            Ok(version) => {
                let audit = audit.map(|entry| entry.on_tenant(id, new.slug.as_str()));
                self.inner
                    .directory
                    .activate(id, version, audit.as_ref())
                    .await
            }
            Err(e) => Err(e),
        };
        if let Err(error) = activated {
            match self.remove_storage(id, placement).await {
                Ok(()) => {
                    if let Err(e) = self.inner.directory.delete_row(id).await {
                        tracing::error!(tenant = %new.slug, error = %e, "could not remove the directory row of a failed provisioning");
                    }
                }
                // The row stays in `provisioning` so that an operator can see what is left over.
                Err(cleanup) => {
                    tracing::error!(tenant = %new.slug, %cleanup, "could not remove storage of a failed provisioning")
                }
            }
            return Err(error);
        }
        self.inner
            .directory
            .by_id(id)
            .await?
            .ok_or_else(|| StoreError::TenantNotFound(new.slug.to_string()))
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
        let store = self.clone();
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || runtime.block_on(store.provision_recorded(new, audit)))
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
                placement::remove_sqlite_file(&placement::sqlite_path(data_dir, id)).await
            }
        }
    }

    /// Opens a transaction scoped to `tenant`, for reads (`READ ONLY` on PostgreSQL): with
    /// [`Store::begin_write`], the only way to reach tenant data. Any write wants
    /// [`Store::begin_write`], whose commit moves the data versions caches check.
    pub async fn begin(&self, tenant: &Tenant) -> Result<TenantTx, StoreError> {
        self.open_tx(tenant, Opening::Read).await
    }

    /// Like [`Store::begin`], for a transaction that writes. On SQLite it takes the write lock
    /// up front (`BEGIN IMMEDIATE`), so a read followed by a write waits for a concurrent writer
    /// (within the busy timeout) instead of failing with `SQLITE_BUSY` when it upgrades.
    pub async fn begin_write(&self, tenant: &Tenant) -> Result<WriteTx, StoreError> {
        self.open_tx(tenant, Opening::Write).await.map(WriteTx::new)
    }

    /// Like [`Store::begin_write`], holding `lock` (one learner's writes) from the first round
    /// trip on; see [`LearnerLock`].
    pub async fn begin_learner_write(
        &self,
        tenant: &Tenant,
        lock: LearnerLock,
    ) -> Result<WriteTx, StoreError> {
        self.open_tx(tenant, Opening::LearnerWrite(lock))
            .await
            .map(WriteTx::new)
    }

    /// The data version of the tenant and, with `user`, of that user's own records: it moves
    /// forward each time a transaction opened with [`Store::begin_write`] commits (one that
    /// declared [`WriteTx::affects_only`] moves only that user's), here at once and, on
    /// PostgreSQL, in the other processes sharing the database a notice later. A cache that
    /// notes the version before it reads, and drops its copy once the version differs, does not
    /// serve a committed change stale.
    pub fn data_version(&self, tenant: TenantId, user: Option<UserId>) -> DataVersion {
        self.inner.versions.current(tenant, user)
    }

    /// On PostgreSQL, how the data change notices between server processes went so far.
    pub fn notice_counts(&self) -> Option<NoticeCounts> {
        self.inner.versions.notice_counts()
    }

    async fn open_tx(&self, tenant: &Tenant, opening: Opening) -> Result<TenantTx, StoreError> {
        let opened = self.try_open_tx(tenant, opening).await;
        if matches!(opened, Err(StoreError::Busy)) {
            self.inner.trouble.busy(tenant.id);
        }
        opened
    }

    async fn try_open_tx(&self, tenant: &Tenant, opening: Opening) -> Result<TenantTx, StoreError> {
        let write = opening != Opening::Read;
        if matches!(
            tenant.status,
            TenantStatus::Provisioning | TenantStatus::Deleted
        ) {
            return Err(StoreError::TenantUnavailable {
                slug: tenant.slug.to_string(),
                status: tenant.status.to_string(),
            });
        }
        // A tenant pool can be evicted (and closed) between lookup and use, when other tenants
        // need its connections; a retry gets a freshly opened one.
        let mut attempts = 0;
        loop {
            let open = self.tenant_pool(tenant).await?;
            let writer = match open.writer.filter(|_| write) {
                Some(turn) => Some(self.writer_turn(turn).await?),
                None => None,
            };
            let statement = match &open.pool {
                Engine::Postgres(_) => postgres_begin(tenant.id, tenant.placement, opening),
                // Takes the file's write lock up front, so that a read followed by a write
                // never fails to upgrade.
                Engine::Sqlite(_) if write => "BEGIN IMMEDIATE".to_owned(),
                Engine::Sqlite(_) => "BEGIN".to_owned(),
            };
            let versions = write.then(|| self.inner.versions.clone());
            match TenantTx::begin(tenant.id, open.pool, statement, versions, writer).await {
                Ok(tx) => return Ok(tx),
                Err(sqlx::Error::PoolClosed) if attempts < 3 => attempts += 1,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// This process's turn to write a SQLite tenant file, waited for at most the busy timeout.
    async fn writer_turn(
        &self,
        turn: Arc<tokio::sync::Semaphore>,
    ) -> Result<tokio::sync::OwnedSemaphorePermit, StoreError> {
        match tokio::time::timeout(self.inner.limits.sqlite_busy_timeout, turn.acquire_owned())
            .await
        {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(StoreError::Unavailable(
                "the tenant's storage was closed".to_owned(),
            )),
            Err(_elapsed) => Err(StoreError::Busy),
        }
    }

    async fn tenant_pool(&self, tenant: &Tenant) -> Result<OpenPool, StoreError> {
        match (&self.inner.backend, tenant.placement) {
            (Backend::Postgres { shared, .. }, Placement::Pool) => Ok(OpenPool {
                pool: Engine::Postgres(shared.clone()),
                writer: None,
            }),
            (Backend::Postgres { schemas, .. }, Placement::Schema) => Ok(OpenPool {
                pool: Engine::Postgres(schemas.clone()),
                writer: None,
            }),
            (Backend::Postgres { placements, .. }, Placement::Database) => {
                self.inner
                    .tenant_pools
                    .postgres(tenant.id, || placements.dedicated_runtime(tenant.id))
                    .await
            }
            (Backend::Sqlite { data_dir }, Placement::Database) => {
                self.inner
                    .tenant_pools
                    .sqlite(tenant.id, || placement::sqlite_path(data_dir, tenant.id))
                    .await
            }
            (Backend::Sqlite { .. }, placement) => Err(StoreError::PlacementUnsupported {
                placement: placement.as_str(),
                engine: "sqlite",
            }),
        }
    }

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
                placement::migrate_sqlite_file(&path, false, &self.inner.limits).await
            }
            (_, placement) => Err(StoreError::PlacementUnsupported {
                placement: placement.as_str(),
                engine: "this",
            }),
        }
    }

    /// Readiness: the directory answers and the shared engine hands out a connection.
    pub async fn check_ready(&self) -> Result<(), StoreError> {
        self.inner.directory.ping().await?;
        if let Backend::Postgres { shared, .. } = &self.inner.backend {
            sqlx::query("SELECT 1").execute(shared).await?;
        }
        Ok(())
    }

    /// Times `iterations` primary-key reads of one user, each in its own transaction: once
    /// through [`Store::begin`] (tenant scoping included) and once as the same read without
    /// per-transaction scoping. On PostgreSQL the baseline runs on a one-connection pool whose
    /// session already carries the tenant and `search_path` (so row-level security lets the same
    /// row through and it is decoded the same way); on SQLite it is a plain transaction on the
    /// tenant's own pool. For `lyceum bench` only (feature `bench`): the baseline sets the
    /// tenant for a whole session, which serving never does. Reads only.
    #[cfg(feature = "bench")]
    pub async fn measure_scoping(
        &self,
        tenant: &Tenant,
        user: lyceum_domain::UserId,
        iterations: usize,
    ) -> Result<ScopingFigures, StoreError> {
        let mut figures = ScopingFigures::default();
        let plain_sql = format!(
            "SELECT {} FROM users WHERE tenant_id = $1 AND id = $2",
            crate::repo::users::COLUMNS
        );
        let baseline = self.unscoped_pool(tenant).await?;
        for _ in 0..iterations {
            let started = std::time::Instant::now();
            let mut tx = self.begin(tenant).await?;
            crate::repo::users::get(&mut tx, user)
                .await?
                .ok_or(StoreError::NotFound("user"))?;
            tx.commit().await?;
            figures.scoped.push(started.elapsed());

            let started = std::time::Instant::now();
            crate::engine::dispatch!(&baseline, p => {
                let mut tx = p.begin().await?;
                let row: Option<crate::repo::users::UserRow> = sqlx::query_as(&plain_sql)
                    .bind(tenant.id.as_uuid())
                    .bind(user.as_uuid())
                    .fetch_optional(&mut *tx)
                    .await?;
                row.map(crate::repo::users::User::try_from)
                    .transpose()?
                    .ok_or(StoreError::NotFound("user"))?;
                tx.commit().await?;
            });
            figures.unscoped.push(started.elapsed());
        }
        if let Engine::Postgres(pool) = baseline {
            pool.close().await;
        }
        Ok(figures)
    }

    /// The baseline connection for [`Store::measure_scoping`]: the tenant's storage with the
    /// scoping done once for the session instead of once per transaction.
    #[cfg(feature = "bench")]
    async fn unscoped_pool(&self, tenant: &Tenant) -> Result<placement::TenantPool, StoreError> {
        let pool = self.tenant_pool(tenant).await?.pool;
        let Engine::Postgres(shared) = pool else {
            return Ok(pool);
        };
        let tenant_id = tenant.id.as_uuid().to_string();
        let search_path = placement::search_path(tenant.id, tenant.placement);
        let options = (*shared.connect_options()).clone().options([
            ("app.tenant_id", tenant_id.as_str()),
            ("search_path", &search_path),
        ]);
        let baseline = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        Ok(Engine::Postgres(baseline))
    }

    /// PostgreSQL: the backends connected to a database right now, of every role (its
    /// `max_connections` counts them all; a role without `pg_read_all_stats` sees no more of
    /// other roles' sessions than that they are there); `None` on SQLite.
    pub async fn server_backends(&self) -> Result<Option<u64>, StoreError> {
        let Backend::Postgres { placements, .. } = &self.inner.backend else {
            return Ok(None);
        };
        let backends: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE datid IS NOT NULL")
                .fetch_one(&placements.owner_pool)
                .await?;
        Ok(Some(backends as u64))
    }

    /// Connection pools as they are now, for metrics: the shared runtime pool (PostgreSQL), the
    /// directory's, and the tenants' own pools summed.
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        let mut stats = Vec::new();
        let engine = self.engine().to_string();
        if let Backend::Postgres {
            shared, schemas, ..
        } = &self.inner.backend
        {
            stats.push(PoolStats::of(
                "shared",
                &engine,
                shared.size(),
                shared.num_idle(),
            ));
            stats.push(PoolStats::of(
                "schemas",
                &engine,
                schemas.size(),
                schemas.num_idle(),
            ));
        }
        let (size, idle) = self.inner.directory.pool_size();
        stats.push(PoolStats::of("directory", &engine, size, idle));
        let (size, idle) = self.inner.tenant_pools.connections();
        stats.push(PoolStats {
            pool: "tenant",
            engine,
            open_pools: Some(self.inner.tenant_pools.open_count()),
            connections: size,
            idle,
        });
        stats
    }

    /// Trouble with tenant transactions so far, per tenant (`None`: the shared PostgreSQL
    /// pool, whose connections serve many tenants): connections found inside a transaction when
    /// they came back to their pool, and writes refused as busy.
    pub fn transaction_trouble(&self) -> Vec<(Option<TenantId>, TransactionTrouble)> {
        self.inner.trouble.snapshot()
    }

    /// How many tenants' own pools are open right now (bounded by `max_open_tenant_pools`).
    pub async fn open_tenant_pools(&self) -> u64 {
        self.inner.tenant_pools.open_count()
    }

    /// Closes every pool; the store is unusable afterwards.
    pub async fn close(&self) {
        self.inner.versions.close().await;
        self.inner.tenant_pools.close_all().await;
        self.inner.directory.close().await;
        if let Backend::Postgres {
            placements,
            shared,
            schemas,
        } = &self.inner.backend
        {
            shared.close().await;
            schemas.close().await;
            placements.owner_pool.close().await;
        }
    }

    #[cfg(test)]
    pub(crate) fn postgres_placements(&self) -> Option<&PgPlacements> {
        match &self.inner.backend {
            Backend::Postgres { placements, .. } => Some(placements),
            Backend::Sqlite { .. } => None,
        }
    }

    /// The runtime pool of the pool or the schema placement.
    #[cfg(test)]
    pub(crate) fn shared_pool_for_tests(&self, placement: Placement) -> PgPool {
        match (&self.inner.backend, placement) {
            (Backend::Postgres { shared, .. }, Placement::Pool) => shared.clone(),
            (Backend::Postgres { schemas, .. }, Placement::Schema) => schemas.clone(),
            _ => unreachable!("no shared pool for {placement} on this engine"),
        }
    }

    #[cfg(test)]
    pub(crate) fn sqlite_data_dir(&self) -> Option<&std::path::Path> {
        match &self.inner.backend {
            Backend::Sqlite { data_dir } => Some(data_dir),
            Backend::Postgres { .. } => None,
        }
    }
}

async fn open_sqlite(
    data_dir: PathBuf,
    limits: &PoolLimits,
) -> Result<(Backend, Directory), StoreError> {
    placement::configure_sqlite();
    tokio::fs::create_dir_all(data_dir.join("tenants")).await?;
    let options = placement::sqlite_options(&data_dir.join("directory.sqlite"), true, limits);
    let pool: SqlitePool = SqlitePoolOptions::new()
        .max_connections(limits.tenant_max_connections.max(2))
        .acquire_timeout(limits.acquire_timeout)
        .connect_with(options)
        .await?;
    let mut conn = pool.acquire().await?;
    migrate::apply_sqlite(&mut conn, "directory", &migrate::SQLITE_DIRECTORY).await?;
    drop(conn);
    Ok((
        Backend::Sqlite { data_dir },
        Directory::new(
            Engine::Sqlite(pool),
            limits.tenant_cache_capacity,
            limits.tenant_cache_ttl,
        ),
    ))
}

async fn open_postgres(
    runtime: sqlx::postgres::PgConnectOptions,
    owner: sqlx::postgres::PgConnectOptions,
    limits: &PoolLimits,
    trouble: &Arc<TroubleCounts>,
) -> Result<(Backend, Directory, TenantBudget), StoreError> {
    // Probe once so that an unreachable server is reported as such, not as a pool timeout.
    let mut probe = tokio::time::timeout(limits.acquire_timeout, owner.connect())
        .await
        .map_err(|_| {
            StoreError::Unavailable(format!("no answer from PostgreSQL at {}", describe(&owner)))
        })?
        .map_err(|e| {
            StoreError::Unavailable(format!(
                "cannot connect to PostgreSQL at {}: {e}",
                describe(&owner)
            ))
        })?;
    let server = PgServerLimits::read(&mut probe, runtime.get_username()).await?;
    probe.close().await.ok();
    let budget = budget::postgres(limits, server, budget::open_file_limit())?;
    let owner_pool = PgPoolOptions::new()
        .max_connections(2)
        .min_connections(0)
        .acquire_timeout(limits.acquire_timeout)
        .connect_with(owner.clone())
        .await?;
    let schemas = placement::close_if_in_transaction(
        PgPoolOptions::new()
            .max_connections(budget.schemas)
            .min_connections(0)
            .idle_timeout(Some(limits.tenant_pool_idle))
            .acquire_timeout(limits.acquire_timeout),
        trouble,
        None,
        Wear::After(placement::SCHEMA_TRANSACTIONS_PER_CONNECTION),
    )
    .connect_lazy_with(
        runtime
            .clone()
            .options([("search_path", POOL_SCHEMA), IDLE_IN_TRANSACTION_LIMIT]),
    );
    let shared = placement::close_if_in_transaction(
        PgPoolOptions::new()
            .max_connections(budget.shared)
            .acquire_timeout(limits.acquire_timeout),
        trouble,
        None,
        Wear::Never,
    )
    // Pool-placement transactions need no `SET LOCAL search_path`: the session default is
    // theirs. Schema-placement transactions set their own for the transaction.
    .connect_with(
        runtime
            .clone()
            .options([("search_path", POOL_SCHEMA), IDLE_IN_TRANSACTION_LIMIT]),
    )
    .await?;
    let runtime_role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&shared)
        .await?;
    let owner_role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&owner_pool)
        .await?;
    if runtime_role == owner_role {
        return Err(StoreError::UnsafeRole(format!(
            "the runtime role {runtime_role:?} is also the owner role; give migrations a separate owner role"
        )));
    }
    check_runtime_role(&shared).await?;
    // A member of the owner role could SET ROLE to it and switch row-level security off.
    let member: bool = sqlx::query_scalar("SELECT pg_has_role($1, $2, 'MEMBER')")
        .bind(&runtime_role)
        .bind(&owner_role)
        .fetch_one(&owner_pool)
        .await?;
    if member {
        return Err(StoreError::UnsafeRole(format!(
            "the runtime role {runtime_role:?} is a member of the owner role {owner_role:?}"
        )));
    }
    {
        let mut conn = owner_pool.acquire().await?;
        for (schema, set) in [
            (DIRECTORY_SCHEMA, &migrate::PG_DIRECTORY),
            (POOL_SCHEMA, &migrate::PG_TENANT),
        ] {
            sqlx::raw_sql(&format!(
                "CREATE SCHEMA IF NOT EXISTS {}",
                quote_ident(schema)
            ))
            .execute(&mut *conn)
            .await?;
            migrate::apply_postgres(&mut conn, schema, set, &runtime_role).await?;
        }
    }
    check_runtime_owns_nothing(&shared).await?;
    let directory_pool = PgPoolOptions::new()
        .max_connections(budget.directory)
        .acquire_timeout(limits.acquire_timeout)
        .connect_with(runtime.clone().options([("search_path", DIRECTORY_SCHEMA)]))
        .await?;
    let placements = PgPlacements {
        runtime,
        owner,
        owner_pool,
        runtime_role,
    };
    Ok((
        Backend::Postgres {
            placements,
            shared,
            schemas,
        },
        Directory::new(
            Engine::Postgres(directory_pool),
            limits.tenant_cache_capacity,
            limits.tenant_cache_ttl,
        ),
        budget.tenants,
    ))
}

/// A backstop on every runtime connection: PostgreSQL ends a session left idle inside a
/// transaction this long (twice the request timeout), whatever left it so.
pub(crate) const IDLE_IN_TRANSACTION_LIMIT: (&str, &str) =
    ("idle_in_transaction_session_timeout", "60s");

fn describe(options: &sqlx::postgres::PgConnectOptions) -> String {
    format!(
        "{}:{}/{} as {}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default(),
        options.get_username()
    )
}

/// The runtime role must be subject to row-level security: not a superuser, not BYPASSRLS.
pub(crate) async fn check_runtime_role(pool: &PgPool) -> Result<(), StoreError> {
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(pool)
            .await?;
    if superuser || bypass {
        return Err(StoreError::UnsafeRole(
            "the runtime database role is a superuser or has BYPASSRLS, so row-level security would not apply; \
             connect the runtime URL with a plain role"
                .to_owned(),
        ));
    }
    Ok(())
}

/// The runtime role must own no tenant table (an owner is exempt from RLS unless forced).
async fn check_runtime_owns_nothing(pool: &PgPool) -> Result<(), StoreError> {
    let owned: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_tables WHERE (schemaname = ANY($1) OR schemaname LIKE 't\\_%') \
         AND tableowner = current_user",
    )
    .bind(vec![POOL_SCHEMA, DIRECTORY_SCHEMA])
    .fetch_one(pool)
    .await?;
    if owned > 0 {
        return Err(StoreError::UnsafeRole(format!(
            "the runtime database role owns {owned} Lyceum tables; tables must belong to the owner role"
        )));
    }
    Ok(())
}
