//! Opening the store: [`Store::open`] sizes the connection budget from what the engine allows,
//! opens the engines with the control plane's and the shared runtime pools, checks on
//! PostgreSQL that row-level security holds for the runtime role (not a superuser, not
//! BYPASSRLS, not the owner role nor a member of it, owner of no tenant table), and migrates
//! the directory and the shared pool schema. Also how every SQLite file is opened, and SQLite's
//! process-wide settings.

use crate::config::{EngineConfig, PoolLimits, StoreConfig};
use crate::control::Directory;
use crate::engine::{quote_ident, Engine};
use crate::error::StoreError;
use crate::health::TroubleCounts;
use crate::migrate;
use crate::placement::budget::{self, PgServerLimits};
use crate::placement::{
    self, PgPlacements, TenantBudget, TenantPools, Wear, DIRECTORY_SCHEMA, POOL_SCHEMA,
};
use crate::store::{Backend, Inner, Store};
use crate::versions::DataVersions;
use lyceum_domain::Placement;
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool, SqlitePool};
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
        let directory = directory.hearing(versions.clone());
        let engine_default = match backend {
            Backend::Postgres { .. } => Placement::Pool,
            Backend::Sqlite { .. } => Placement::Database,
        };
        let mut tenant_pools = TenantPools::new(limits, tenant_budget, trouble.clone());
        if let Backend::Postgres {
            shared, schemas, ..
        } = &backend
        {
            tenant_pools = tenant_pools.sharing(vec![shared.clone(), schemas.clone()]);
        }
        let store = Store {
            inner: Arc::new(Inner {
                backend,
                directory,
                tenant_pools,
                default_placement: config.default_placement.unwrap_or(engine_default),
                versions,
                limits,
                trouble,
            }),
        };
        store.check_placement(store.inner.default_placement)?;
        Ok(store)
    }
}

async fn open_sqlite(
    data_dir: PathBuf,
    limits: &PoolLimits,
) -> Result<(Backend, Directory), StoreError> {
    configure_sqlite();
    tokio::fs::create_dir_all(data_dir.join("tenants")).await?;
    let options = sqlite_options(&data_dir.join("directory.sqlite"), true, limits);
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

/// Every SQLite file is opened in WAL mode (readers never wait for the writer), with the
/// configured `synchronous` and busy timeout, a small page cache and a short statement cache:
/// with one file per tenant, thousands of idle connections must not each hold SQLite's 2 MB
/// default, nor every statement they ever prepared (the driver keeps 100 by default).
pub(crate) fn sqlite_options(
    path: &Path,
    create: bool,
    limits: &PoolLimits,
) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(limits.sqlite_synchronous)
        .busy_timeout(limits.sqlite_busy_timeout)
        .foreign_keys(true)
        .pragma("cache_size", "-128")
        .statement_cache_capacity(32)
        .disable_statement_logging()
}

/// Lookaside slots of every SQLite connection. SQLite's default (1,200 bytes x 100, allocated
/// and touched when a connection opens) costs 120 KB per connection; with a file per tenant and
/// a connection or more per active tenant, that alone would be 120 MB per thousand tenants.
/// Small slots keep most of the speed-up for a sixth of the memory.
const SQLITE_LOOKASIDE: (i32, i32) = (512, 40);

/// Applies SQLite's process-wide memory settings, once, before the process's first SQLite
/// connection (SQLite accepts them only before it initialises; later calls change nothing).
pub(crate) fn configure_sqlite() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        let (slot_size, slots) = SQLITE_LOOKASIDE;
        // SAFETY: `sqlite3_config` with SQLITE_CONFIG_LOOKASIDE takes two ints. Called before
        // any connection opens (the store's first step), so SQLite is not initialised yet;
        // were it, the call would only return SQLITE_MISUSE, which is harmless.
        unsafe {
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_LOOKASIDE,
                slot_size,
                slots,
            );
        }
    });
}

/// Bytes SQLite holds right now in this process, over every connection (page caches, schemas,
/// prepared statements, lookaside).
pub fn sqlite_memory_used() -> u64 {
    // SAFETY: a read of SQLite's memory counter; callable at any time from any thread.
    let used = unsafe { libsqlite3_sys::sqlite3_memory_used() };
    used.max(0) as u64
}
