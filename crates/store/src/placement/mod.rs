//! Placements: where each tenant's rows live and how a transaction reaches them: the names of
//! tenant storage, the PostgreSQL facts a store needs to reach it, and the capped cache of
//! per-tenant pools for tenants with storage of their own (`pools.rs`), within the connection
//! budget sized at start (`budget.rs`). Creating, migrating and removing that storage is the
//! tenant lifecycle's (`lifecycle/`).
//!
//! Names are derived from the tenant id (never from user input), so they are safe to render
//! into DDL: schema `t_<id>`, database `lyceum_t_<id>`, file `tenants/<id>.sqlite`.

pub(crate) mod budget;
mod pools;

pub use pools::PoolChurnCounts;
pub(crate) use pools::{
    close_if_in_transaction, OpenPool, Seats, TenantBudget, TenantPool, TenantPools, Wear,
    SCHEMA_TRANSACTIONS_PER_CONNECTION,
};

#[cfg(feature = "bench")]
use lyceum_domain::Placement;
use lyceum_domain::TenantId;
use sqlx::postgres::PgConnectOptions;
use sqlx::PgPool;
use std::path::{Path, PathBuf};

/// Schema of the shared tables of the `pool` placement.
pub(crate) const POOL_SCHEMA: &str = "tenant_pool";
/// Schema of the tenant tables inside a dedicated tenant database.
pub(crate) const DEDICATED_SCHEMA: &str = "lyceum";
/// Schema of the directory on PostgreSQL.
pub(crate) const DIRECTORY_SCHEMA: &str = "directory";

pub(crate) fn schema_name(id: TenantId) -> String {
    format!("t_{}", id.as_uuid().simple())
}

pub(crate) fn database_name(id: TenantId) -> String {
    format!("lyceum_t_{}", id.as_uuid().simple())
}

pub(crate) fn sqlite_path(data_dir: &Path, id: TenantId) -> PathBuf {
    data_dir.join("tenants").join(format!("{id}.sqlite"))
}

/// The schema a PostgreSQL tenant transaction works in.
#[cfg(feature = "bench")]
pub(crate) fn search_path(id: TenantId, placement: Placement) -> String {
    match placement {
        Placement::Pool => POOL_SCHEMA.to_owned(),
        Placement::Schema => schema_name(id),
        Placement::Database => DEDICATED_SCHEMA.to_owned(),
    }
}

/// PostgreSQL facts a store needs to create and reach tenant storage.
pub(crate) struct PgPlacements {
    pub(crate) runtime: PgConnectOptions,
    pub(crate) owner: PgConnectOptions,
    pub(crate) owner_pool: PgPool,
    pub(crate) runtime_role: String,
}

impl PgPlacements {
    /// Runtime options for a tenant's dedicated database.
    pub(crate) fn dedicated_runtime(&self, id: TenantId) -> PgConnectOptions {
        self.runtime.clone().database(&database_name(id)).options([
            ("search_path", DEDICATED_SCHEMA),
            crate::open::IDLE_IN_TRANSACTION_LIMIT,
        ])
    }
}
