//! The tenant lifecycle on storage: provisioning a tenant (its storage created in its placement
//! at the latest migration and the tenant recorded active in the directory, all of it undone
//! if a step fails; provisionings abandoned halfway reclaimed) and migrating the storage of the
//! tenants already there when a release brings new migrations. Suspending or reactivating a
//! tenant is a directory status only (`Directory::set_status`).

mod migration;
mod provision;

pub use migration::{MigrationScope, MIGRATION_PARALLELISM};
pub use provision::TenantSeed;
