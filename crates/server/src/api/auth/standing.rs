//! Where each signed-in user stands now. An access token carries the role of the moment it was
//! signed and stays valid for its lifetime; every request is also held against the user's
//! current role and status, so that deactivating or demoting someone (and suspending the tenant,
//! which tenant resolution refuses) takes effect on their next request.
//!
//! What was read is kept per user together with the tenant's data version it was read at
//! ([`lyceum_store::Store::data_version`]). Role and status changes are writes to the whole
//! tenant, which move that version (across server processes too, on PostgreSQL), so a kept copy
//! is used only while nothing in the tenant changed since, and read again after: one primary-key
//! read per user after each tenant-wide change, none otherwise.

use crate::http::error::ApiError;
use lyceum_app::identity::sessions;
use lyceum_domain::{Role, TenantId, UserId};
use lyceum_store::{DataVersion, Store, Tenant};
use moka::future::Cache;
use std::time::Duration;

/// Users whose standing is kept; the least recently used make room.
const KEPT_USERS: u64 = 100_000;

/// The current standing of signed-in users, kept per tenant data version.
pub struct Standings {
    store: Store,
    kept: Cache<(TenantId, UserId), (DataVersion, Option<Role>)>,
}

impl Standings {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            kept: Cache::builder()
                .max_capacity(KEPT_USERS)
                .time_to_idle(Duration::from_secs(15 * 60))
                .build(),
        }
    }

    /// The role `user` of `tenant` holds now; 401 `INVALID_TOKEN` once they are no longer
    /// active.
    pub async fn role(&self, tenant: &Tenant, user: UserId) -> Result<Role, ApiError> {
        let key = (tenant.id(), user);
        // Read before the user: a change committed in between leaves this copy outdated, never
        // a newer version on older data.
        let version = self.store.data_version(tenant.id(), None);
        let standing = match self.kept.get(&key).await {
            Some((kept_at, standing)) if kept_at == version => standing,
            _ => {
                let mut tx = self.store.begin(tenant).await?;
                let standing = sessions::standing(&mut tx, user).await?;
                tx.commit().await?;
                self.kept.insert(key, (version, standing)).await;
                standing
            }
        };
        standing.ok_or_else(|| {
            ApiError::unauthorized(
                "INVALID_TOKEN",
                "the token's user is no longer active in this tenant",
            )
        })
    }
}
