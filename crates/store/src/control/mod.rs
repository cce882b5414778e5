//! The control plane: the tenant directory (every tenant, its plan, status and placement, its
//! custom domains and its migration state), the token signing keys, and the platform operator's
//! users and audit log. On SQLite it is a file of its own; on PostgreSQL a schema of its own. It
//! holds no tenant data and never opens tenant storage.

mod directory;
mod keys;
mod platform;

pub use directory::{CustomDomain, Directory, DomainClaim, NewTenant, Tenant, TenantKey};
pub use keys::{KeyOwner, SigningKey};
pub use platform::{AuditEntry, AuditRecord, PlatformUser};
