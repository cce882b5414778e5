//! Data versions: a number per tenant that moves forward whenever one of the tenant's write
//! transactions commits through this [`crate::Store`]. Caches above the store remember the
//! version they read at and throw away what they hold once it has moved, so a change made on
//! this node is never answered from a stale copy.

use lyceum_domain::TenantId;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

#[derive(Default)]
pub(crate) struct DataVersions {
    /// The last version handed out, over all tenants; versions never repeat, so a tenant's
    /// version only grows.
    latest: AtomicU64,
    /// Tenants written since the process started (a few words each; never evicted, so a
    /// version can never go back to one a cache already saw).
    tenants: RwLock<HashMap<TenantId, u64>>,
}

impl DataVersions {
    pub(crate) fn current(&self, tenant: TenantId) -> u64 {
        let tenants = self.tenants.read().unwrap_or_else(|e| e.into_inner());
        tenants.get(&tenant).copied().unwrap_or(0)
    }

    /// Called after a write transaction of `tenant` committed.
    pub(crate) fn advance(&self, tenant: TenantId) {
        let version = self.latest.fetch_add(1, Ordering::Relaxed) + 1;
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        let entry = tenants.entry(tenant).or_default();
        *entry = (*entry).max(version);
    }
}
