//! What the store needs to open: which engine, where its data lives, and the caps on pools.

use lyceum_domain::Placement;
use sqlx::postgres::PgConnectOptions;
pub use sqlx::sqlite::SqliteSynchronous;
use std::path::PathBuf;
use std::time::Duration;

/// Everything [`crate::Store::open`] needs.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub engine: EngineConfig,
    pub limits: PoolLimits,
    /// Placement for new tenants when none is asked for. `None`: `database` (one SQLite file
    /// per tenant) on SQLite, `pool` on PostgreSQL.
    pub default_placement: Option<Placement>,
}

// Built once per process; boxing the larger variant would only make it harder to write.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum EngineConfig {
    /// The embedded default: `data_dir/directory.sqlite` plus one file per tenant under
    /// `data_dir/tenants/`.
    Sqlite { data_dir: PathBuf },
    /// PostgreSQL with two roles: `runtime` serves requests and must not be able to bypass
    /// row-level security; `owner` owns the tables and runs migrations and provisioning.
    Postgres {
        runtime: PgConnectOptions,
        owner: PgConnectOptions,
    },
}

/// SQLite connections of tenants' own files held at once by default: about a connection per
/// active tenant for a thousand of them (each costs a thread, three file descriptors and a few
/// hundred KB; docs/operations.md, "Capacity planning").
pub const DEFAULT_SQLITE_TENANT_CONNECTIONS: u64 = 1_100;

/// Caps that keep connections and open files bounded however many tenants there are.
#[derive(Debug, Clone, Copy)]
pub struct PoolLimits {
    /// Connections of the shared PostgreSQL pool (pool and schema placements).
    pub shared_max_connections: u32,
    /// Connections of each tenant's own pool (dedicated database or SQLite file), at most; a
    /// pool starts empty, grows while the tenant connection budget allows, and shrinks when idle.
    pub tenant_max_connections: u32,
    /// How many tenants' own pools stay open at once; the least recently used is closed first.
    /// `None`: as many as the tenant connection budget holds at one connection each.
    pub max_open_tenant_pools: Option<u64>,
    /// PostgreSQL: connections this process may hold on its server, every pool included.
    /// `None`: the server's `max_connections`, less its superuser reserve and a tenth (at least
    /// 10) kept for other clients (psql, backups, a second process should set its own share).
    pub postgres_connection_budget: Option<u32>,
    /// Connections all tenants' own pools may hold together; when it is spent, a tenant that
    /// needs one more takes it from the least recently used tenant. `None`: on PostgreSQL what
    /// the connection budget leaves after the shared pools; on SQLite
    /// [`DEFAULT_SQLITE_TENANT_CONNECTIONS`], or fewer if the open-file limit cannot hold them.
    pub tenant_connection_budget: Option<u64>,
    /// A tenant's own pool is closed after this long unused.
    pub tenant_pool_idle: Duration,
    /// How long a request waits for a connection before failing with `DATABASE_UNAVAILABLE`.
    pub acquire_timeout: Duration,
    /// Tenant resolutions kept in memory.
    pub tenant_cache_capacity: u64,
    /// How long a cached resolution is trusted; changes made by another process show after this.
    pub tenant_cache_ttl: Duration,
    /// SQLite: how long a write waits for the tenant file's write lock (held by another writer
    /// of this process or of another one) before it is refused with `TENANT_BUSY`.
    pub sqlite_busy_timeout: Duration,
    /// SQLite: `synchronous` of every file (always in WAL mode). `Normal` survives a crash of
    /// the process and may lose the last commits on a power cut; `Full` syncs every commit.
    pub sqlite_synchronous: SqliteSynchronous,
}

impl Default for PoolLimits {
    fn default() -> Self {
        Self {
            shared_max_connections: 16,
            tenant_max_connections: 4,
            max_open_tenant_pools: None,
            postgres_connection_budget: None,
            tenant_connection_budget: None,
            tenant_pool_idle: Duration::from_secs(300),
            acquire_timeout: Duration::from_secs(5),
            tenant_cache_capacity: 100_000,
            tenant_cache_ttl: Duration::from_secs(30),
            sqlite_busy_timeout: Duration::from_secs(5),
            sqlite_synchronous: SqliteSynchronous::Normal,
        }
    }
}

impl StoreConfig {
    pub fn sqlite(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            engine: EngineConfig::Sqlite {
                data_dir: data_dir.into(),
            },
            limits: PoolLimits::default(),
            default_placement: None,
        }
    }

    pub fn postgres(runtime: PgConnectOptions, owner: PgConnectOptions) -> Self {
        Self {
            engine: EngineConfig::Postgres { runtime, owner },
            limits: PoolLimits::default(),
            default_placement: None,
        }
    }
}
