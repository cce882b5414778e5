//! [`Store`]: the opened storage of one deployment, the handle through which tenant-scoped
//! transactions are opened. Opening it is `open.rs`'s job; provisioning and migrating tenants
//! are `lifecycle/`'s.

use crate::config::PoolLimits;
use crate::control::{Directory, Tenant};
use crate::engine::{Engine, EngineKind};
use crate::error::StoreError;
use crate::health::{TransactionTrouble, TroubleCounts};
use crate::placement::{self, OpenPool, PgPlacements, TenantPools};
use crate::scope::{postgres_begin, LearnerLock, Opening, TenantTx, WriteTx};
use crate::versions::{DataVersion, DataVersions, NoticeCounts};
use lyceum_domain::{Placement, TenantId, UserId};
use sqlx::PgPool;
use std::path::PathBuf;
use std::sync::Arc;

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
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) backend: Backend,
    pub(crate) directory: Directory,
    pub(crate) tenant_pools: TenantPools,
    pub(crate) default_placement: Placement,
    pub(crate) versions: Arc<DataVersions>,
    pub(crate) limits: PoolLimits,
    pub(crate) trouble: Arc<TroubleCounts>,
}

// One per store, so the size of the larger variant does not matter.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Backend {
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

    pub(crate) fn check_placement(&self, placement: Placement) -> Result<(), StoreError> {
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

    /// The tenants that committed background work (outbox events, jobs), here and on PostgreSQL
    /// in the other processes: what wakes the worker, and what a live event feed observes.
    pub fn work_notices(&self) -> &crate::WorkNotices {
        &self.inner.versions.work
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
        if !tenant.status.has_storage() {
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
            let permit = match (open.writer.filter(|_| write), &open.seats) {
                (Some(turn), _) => Some(self.writer_turn(turn).await?),
                (None, Some(seats)) => {
                    match self.inner.tenant_pools.seat(tenant.id, seats).await? {
                        Some(seat) => Some(seat),
                        None if attempts < 3 => {
                            attempts += 1;
                            continue;
                        }
                        None => return Err(sqlx::Error::PoolClosed.into()),
                    }
                }
                (None, None) => None,
            };
            let statement = match &open.pool {
                Engine::Postgres(_) => Some(postgres_begin(tenant.id, tenant.placement, opening)),
                // Takes the file's write lock up front, so that a read followed by a write
                // never fails to upgrade.
                Engine::Sqlite(_) if write => Some("BEGIN IMMEDIATE".to_owned()),
                // The driver's `BEGIN` (deferred), a round trip cheaper than our own.
                Engine::Sqlite(_) => None,
            };
            let versions = write.then(|| self.inner.versions.clone());
            let begun = TenantTx::begin(
                tenant.id, open.pool, statement, versions, permit, open.seats,
            );
            match begun.await {
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

    pub(crate) async fn tenant_pool(&self, tenant: &Tenant) -> Result<OpenPool, StoreError> {
        match (&self.inner.backend, tenant.placement) {
            (Backend::Postgres { shared, .. }, Placement::Pool) => Ok(self.shared_pool(shared)),
            (Backend::Postgres { schemas, .. }, Placement::Schema) => Ok(self.shared_pool(schemas)),
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

    /// A shared PostgreSQL pool for one transaction, with room in the budget for the
    /// connection it may open.
    fn shared_pool(&self, pool: &PgPool) -> OpenPool {
        self.inner.tenant_pools.make_room_for_shared(pool);
        OpenPool {
            pool: Engine::Postgres(pool.clone()),
            writer: None,
            seats: None,
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

    /// Tenants' own pools opened, and closed to make room for others, since the store opened.
    pub fn tenant_pool_churn(&self) -> crate::PoolChurnCounts {
        self.inner.tenant_pools.churn()
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
