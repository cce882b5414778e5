//! Lyceum's storage layer.
//!
//! This crate owns every byte Lyceum keeps: the two engines (PostgreSQL and SQLite), the tenant
//! directory (control plane), the three placements, migrations, and the tenant-scoped
//! transaction handle [`TenantTx`] through which all tenant data is read and written.
//!
//! It must never hand out a raw pool or connection, and no public function takes a tenant id
//! next to a pool: tenant data is reachable only through a [`TenantTx`] opened by
//! [`Store::begin`] from a directory [`Tenant`]. Queries are written once (`$1, $2 ...`, which
//! both engines bind by number) and run on either engine through [`engine::dispatch`]; only DDL,
//! row-level security and the rare statement that truly differs are engine-specific.

#[cfg(feature = "bench")]
mod bench;
mod chain;
mod config;
mod control;
mod engine;
mod error;
mod health;
mod heap;
mod lifecycle;
mod migrate;
mod open;
mod placement;
pub mod repo;
mod scope;
mod store;
pub mod tables;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod versions;
mod work;

#[cfg(test)]
mod tests;

#[cfg(feature = "bench")]
pub use bench::ScopingFigures;
pub use chain::{ChainBreak, ChainHash, ChainHead, ChainReport};
pub use config::{
    EngineConfig, PoolLimits, SqliteSynchronous, StoreConfig, DEFAULT_SQLITE_TENANT_CONNECTIONS,
};
pub use control::{
    AuditEntry, AuditRecord, CustomDomain, Directory, DomainClaim, KeyOwner, NewTenant,
    PlatformUser, SigningKey, Tenant, TenantKey,
};
pub use engine::EngineKind;
pub use error::StoreError;
pub use health::TransactionTrouble;
pub use lifecycle::{MigrationScope, TenantSeed, MIGRATION_PARALLELISM};
pub use migrate::{MigrationProgress, MigrationReport, TenantMigrationFailure};
pub use open::sqlite_memory_used;
pub use placement::PoolChurnCounts;
pub use scope::{LearnerLock, TenantTx, WriteTx};
pub use sqlx::postgres::PgConnectOptions;
pub use store::{PoolStats, Store};
pub use versions::{DataVersion, NoticeCounts};
pub use work::{CommitNotice, CommitObserver, Wake, WorkNotices};
