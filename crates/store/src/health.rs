//! Trouble with tenant transactions, counted per tenant for `/readyz` and `/metrics`:
//! connections that came back to a pool still inside a transaction (closed instead of reused:
//! the next user would otherwise have found itself inside someone else's transaction, or, on
//! SQLite, behind a write lock nobody releases), and writes refused because the tenant's
//! SQLite file stayed locked for the whole busy timeout.
//!
//! The counters only record; they never decide anything.

use lyceum_domain::TenantId;
use std::collections::HashMap;
use std::sync::Mutex;

/// Counts of one tenant (or, with no tenant, of the shared PostgreSQL pool, whose connections
/// serve every pool- and schema-placement tenant).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransactionTrouble {
    /// Connections released inside a transaction, and closed for it.
    pub released_in_transaction: u64,
    /// Writes refused with `TENANT_BUSY`.
    pub busy_refusals: u64,
}

#[derive(Default)]
pub(crate) struct TroubleCounts {
    // Entries appear only with trouble, so this stays small.
    by_tenant: Mutex<HashMap<Option<TenantId>, TransactionTrouble>>,
}

impl TroubleCounts {
    pub(crate) fn released_in_transaction(&self, tenant: Option<TenantId>) {
        tracing::warn!(
            tenant = tenant.map(|t| t.to_string()).unwrap_or_default(),
            "a connection came back to its pool inside a transaction; closed it"
        );
        self.count(tenant, |t| t.released_in_transaction += 1);
    }

    pub(crate) fn busy(&self, tenant: TenantId) {
        self.count(Some(tenant), |t| t.busy_refusals += 1);
    }

    fn count(&self, tenant: Option<TenantId>, add: impl FnOnce(&mut TransactionTrouble)) {
        let mut counts = self.by_tenant.lock().expect("trouble counts poisoned");
        add(counts.entry(tenant).or_default());
    }

    pub(crate) fn snapshot(&self) -> Vec<(Option<TenantId>, TransactionTrouble)> {
        let counts = self.by_tenant.lock().expect("trouble counts poisoned");
        counts.iter().map(|(t, c)| (*t, *c)).collect()
    }

    /// Forgets a tenant (its storage is gone).
    pub(crate) fn forget(&self, tenant: TenantId) {
        self.by_tenant
            .lock()
            .expect("trouble counts poisoned")
            .remove(&Some(tenant));
    }
}
