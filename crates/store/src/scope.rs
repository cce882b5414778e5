//! The tenant-scoped transaction handle: the only door to tenant tables.
//!
//! A [`TenantTx`] is opened by [`crate::Store::begin`] from a directory tenant and owns its
//! transaction privately. On PostgreSQL the tenant (`app.tenant_id`, read by the row-level
//! security policies) and, for the schema placement, the `search_path` are set with `SET LOCAL`
//! in the same round trip as `BEGIN`, so they end with the transaction and never leak to the
//! next user of a pooled connection. On SQLite the tenant's own file is the wall. On both, repositories bind
//! [`TenantTx::tenant_id`] into every statement: writes take the tenant from here, never from
//! the caller.

use crate::engine::{Conn, Engine};
use crate::error::StoreError;
use crate::versions::{DataVersions, Reach};
use lyceum_domain::{Placement, TenantId, UserId};
use sqlx::{Postgres, Sqlite, Transaction};
use std::sync::Arc;

/// A row read from a tenant table, which names its tenant.
pub(crate) trait TenantRow {
    const TABLE: &'static str;
    fn tenant_id(&self) -> uuid::Uuid;
}

pub struct TenantTx {
    tenant_id: TenantId,
    tx: Engine<Transaction<'static, Postgres>, Transaction<'static, Sqlite>>,
    /// For a write transaction: the versions its commit advances.
    versions: Option<Arc<DataVersions>>,
    /// Whose records the transaction said it writes.
    declared: Declared,
}

#[derive(Clone, Copy)]
enum Declared {
    Nothing,
    User(UserId),
    SeveralUsers,
}

impl TenantTx {
    pub(crate) fn new(
        tenant_id: TenantId,
        tx: Engine<Transaction<'static, Postgres>, Transaction<'static, Sqlite>>,
        versions: Option<Arc<DataVersions>>,
    ) -> Self {
        Self {
            tenant_id,
            tx,
            versions,
            declared: Declared::Nothing,
        }
    }

    /// Declares that this transaction writes only `user`'s own records (their sign-in tokens,
    /// enrollments, progress, certificates). Its commit then moves only that user's data
    /// version: what is cached for this user is retired, what the tenant's users share (the
    /// catalog) stays valid. Never declare it for a write to shared records (courses and their
    /// content, other users). Declared for a second user, the commit moves the tenant's again.
    pub fn affects_only(&mut self, user: UserId) {
        self.declared = match self.declared {
            Declared::Nothing => Declared::User(user),
            Declared::User(declared) if declared == user => Declared::User(user),
            Declared::User(_) | Declared::SeveralUsers => Declared::SeveralUsers,
        };
    }

    /// The tenant every statement in this transaction is scoped to.
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }

    /// The tenant id as repositories bind it.
    pub(crate) fn tenant(&self) -> uuid::Uuid {
        self.tenant_id.as_uuid()
    }

    /// Defence in depth behind `WHERE tenant_id` and row-level security: a row of another
    /// tenant must never reach a scoped query, and if one does (a repository bug, a policy
    /// dropped by hand) it is refused with [`StoreError::ForeignRow`] instead of being served.
    pub(crate) fn own<R: TenantRow>(&self, row: R) -> Result<R, StoreError> {
        if row.tenant_id() == self.tenant() {
            Ok(row)
        } else {
            Err(StoreError::ForeignRow(R::TABLE))
        }
    }

    /// ` FOR UPDATE` on PostgreSQL, to lock the rows a read will change; nothing on SQLite,
    /// whose write transactions are serialized already.
    pub(crate) fn row_lock(&self) -> &'static str {
        match self.tx {
            Engine::Postgres(_) => " FOR UPDATE",
            Engine::Sqlite(_) => "",
        }
    }

    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match &mut self.tx {
            Engine::Postgres(tx) => Engine::Postgres(&mut **tx),
            Engine::Sqlite(tx) => Engine::Sqlite(&mut **tx),
        }
    }

    /// Commits; a write transaction then advances its data version. It does so also when the
    /// commit fails or is cancelled half-way (a request timing out, a client hanging up): the
    /// database may have committed all the same, and an extra advance only costs a cache miss.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let _advance = self.versions.take().map(|versions| Advance {
            versions,
            tenant: self.tenant_id,
            reach: match self.declared {
                Declared::User(user) => Reach::User(user),
                Declared::Nothing | Declared::SeveralUsers => Reach::Tenant,
            },
        });
        crate::engine::dispatch!(self.tx, tx => tx.commit().await?);
        Ok(())
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        crate::engine::dispatch!(self.tx, tx => tx.rollback().await?);
        Ok(())
    }
}

/// Advances a data version when dropped: after a commit, whether it finished, failed or was
/// cancelled.
struct Advance {
    versions: Arc<DataVersions>,
    tenant: TenantId,
    reach: Reach,
}

impl Drop for Advance {
    fn drop(&mut self) {
        self.versions.advance(self.tenant, self.reach);
    }
}

/// The statement that opens a PostgreSQL tenant transaction. The id is rendered from the typed
/// [`TenantId`] (a UUID, so nothing to escape), which is also what Citus forwards to workers.
/// Pool and database placements connect with their schema as the session's `search_path`, so
/// only the schema placement (one shared pool, a schema per tenant) sets it per transaction.
/// A transaction not opened to write is `READ ONLY`: a write through it fails instead of
/// committing without moving the data version.
pub(crate) fn postgres_begin(tenant_id: TenantId, placement: Placement, write: bool) -> String {
    let tenant = tenant_id.as_uuid();
    let begin = if write { "BEGIN" } else { "BEGIN READ ONLY" };
    match placement {
        Placement::Schema => format!(
            "{begin}; SET LOCAL app.tenant_id = '{tenant}'; SET LOCAL search_path = {}",
            crate::engine::quote_ident(&crate::placement::schema_name(tenant_id))
        ),
        Placement::Pool | Placement::Database => {
            format!("{begin}; SET LOCAL app.tenant_id = '{tenant}'")
        }
    }
}
