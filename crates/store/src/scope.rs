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
use crate::placement::Seats;
use crate::versions::{DataVersions, Reach};
use lyceum_domain::{Placement, TenantId, UserId};
use sqlx::{Postgres, Sqlite, Transaction};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::OwnedSemaphorePermit;

/// A row read from a tenant table, which names its tenant.
pub(crate) trait TenantRow {
    const TABLE: &'static str;
    fn tenant_id(&self) -> uuid::Uuid;
}

/// A table's name, for [`Scoped`] rows of its public record type.
pub(crate) trait Table {
    const TABLE: &'static str;
}

/// A record read with its row's `tenant_id` (select it as `tenant_id`), so that
/// [`TenantTx::own`] can check it before the record is handed out: for record types that do not
/// carry their tenant themselves.
#[derive(sqlx::FromRow)]
pub(crate) struct Scoped<T> {
    tenant_id: uuid::Uuid,
    #[sqlx(flatten)]
    pub(crate) record: T,
}

impl<T: Table> TenantRow for Scoped<T> {
    const TABLE: &'static str = T::TABLE;
    fn tenant_id(&self) -> uuid::Uuid {
        self.tenant_id
    }
}

type EngineTx = Engine<Transaction<'static, Postgres>, Transaction<'static, Sqlite>>;

/// A transaction scoped to one tenant.
///
/// Cancellation-safe: a request future can be dropped at any `.await` (the client hung up, the
/// request timed out, the server is shutting down). sqlx's `BEGIN` and `COMMIT` are not safe to
/// interrupt half-way (a cancelled `BEGIN` can leave a pooled connection inside a transaction
/// that nothing will end, which on SQLite also holds the file's write lock), so both run to
/// their end (on a task of their own once the caller is gone: [`RunToEnd`]), and a transaction
/// dropped unfinished is rolled back on a task of its own, with an explicit `ROLLBACK` that is awaited before its connection (and, on SQLite, the
/// tenant's write turn) is given back. See docs/architecture.md, "Transactions and
/// cancellation".
pub struct TenantTx {
    tenant_id: TenantId,
    /// `None` only once committed or rolled back.
    tx: Option<EngineTx>,
    /// For a write transaction: the versions its commit advances.
    versions: Option<Arc<DataVersions>>,
    /// Whose records the transaction said it writes.
    declared: Declared,
    /// What the transaction holds until it ends: on SQLite, for a write, this process's turn
    /// to write the tenant's file; in a dedicated PostgreSQL database, a seat of its pool.
    permit: Option<OwnedSemaphorePermit>,
    /// It recorded background work (outbox events, jobs): its commit tells the worker.
    queued_work: bool,
    /// It marked outbox events delivered: its commit tells the live event feeds.
    delivered_events: bool,
}

#[derive(Clone, Copy)]
enum Declared {
    Nothing,
    /// Only records no cache holds (the audit log).
    Uncached,
    User(UserId),
    SeveralUsers,
}

impl TenantTx {
    /// Begins a transaction on `pool` with `statement` (the whole `BEGIN ...; SET LOCAL ...`
    /// on PostgreSQL, `BEGIN IMMEDIATE` on SQLite) or, without one, with the driver's own
    /// `BEGIN` (SQLite reads: sqlx checks a statement of ours with one more round trip to the
    /// connection's thread, which its own does not need), run to its end (see
    /// [`RunToEnd`]). If the caller is gone by the time it is open, the handle is dropped on the
    /// task that finished it, and its `Drop` rolls it back like any abandoned transaction.
    pub(crate) async fn begin(
        tenant_id: TenantId,
        pool: crate::placement::TenantPool,
        statement: Option<String>,
        versions: Option<Arc<DataVersions>>,
        permit: Option<OwnedSemaphorePermit>,
        seats: Option<Arc<Seats>>,
    ) -> Result<Self, sqlx::Error> {
        RunToEnd::new(async move {
            let tx = match pool {
                Engine::Postgres(pool) => match (statement, seats) {
                    (Some(statement), Some(seats)) => seats.begin(&pool, statement).await,
                    (Some(statement), None) => pool.begin_with(statement).await,
                    (None, _) => pool.begin().await,
                }
                .map(Engine::Postgres),
                Engine::Sqlite(pool) => match statement {
                    Some(statement) => pool.begin_with(statement).await,
                    None => pool.begin().await,
                }
                .map(Engine::Sqlite),
            };
            // Finished on a task of its own if nobody waits any more: the handle is then
            // dropped there, which rolls it back.
            tx.map(|tx| Self {
                tenant_id,
                tx: Some(tx),
                versions,
                declared: Declared::Nothing,
                permit,
                queued_work: false,
                delivered_events: false,
            })
        })
        .await
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

    /// The values of rows read together with their row's `tenant_id` (selected first), once each
    /// is this tenant's: the foreign-row guard for id lists and pairs without a record type.
    pub(crate) fn own_all<T>(
        &self,
        table: &'static str,
        rows: Vec<(uuid::Uuid, T)>,
    ) -> Result<Vec<T>, StoreError> {
        rows.into_iter()
            .map(|(tenant, value)| {
                if tenant == self.tenant() {
                    Ok(value)
                } else {
                    Err(StoreError::ForeignRow(table))
                }
            })
            .collect()
    }

    /// ` FOR UPDATE` on PostgreSQL, to lock the rows a read will change; nothing on SQLite,
    /// whose write transactions are serialized already.
    pub(crate) fn row_lock(&self) -> &'static str {
        match self.tx {
            Some(Engine::Postgres(_)) => " FOR UPDATE",
            _ => "",
        }
    }

    /// ` FOR UPDATE SKIP LOCKED` on PostgreSQL, to claim rows no other transaction holds (the
    /// rows it holds are passed over, not waited for); nothing on SQLite, whose write
    /// transactions are serialized already.
    pub(crate) fn skip_locked(&self) -> &'static str {
        match self.tx {
            Some(Engine::Postgres(_)) => " FOR UPDATE SKIP LOCKED",
            _ => "",
        }
    }

    /// Notes that this transaction recorded background work (outbox events, jobs): once it
    /// commits, the worker is told that the tenant has work (see [`crate::WorkNotices`]).
    pub(crate) fn queues_work(&mut self) {
        self.queued_work = true;
    }

    /// Notes that this transaction marked outbox events delivered: once it commits, the live
    /// event feeds are told (see [`crate::CommitNotice::Delivered`]).
    pub(crate) fn delivers_events(&mut self) {
        self.delivered_events = true;
    }

    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self
            .tx
            .as_mut()
            .expect("open until committed or rolled back")
        {
            Engine::Postgres(tx) => Engine::Postgres(&mut **tx),
            Engine::Sqlite(tx) => Engine::Sqlite(&mut **tx),
        }
    }

    /// Commits, run to its end (see [`RunToEnd`]); a write transaction then advances its
    /// data version (unless it declared [`WriteTx::affects_nothing_cached`]), also when the
    /// commit fails (the database may have committed all the
    /// same, and an extra advance only costs a cache miss). The version moves only once the
    /// commit is over, so no reader can cache the old data under the new version.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let reach = match self.declared {
            Declared::Uncached => None,
            Declared::User(user) => Some(Reach::User(user)),
            Declared::Nothing | Declared::SeveralUsers => Some(Reach::Tenant),
        };
        let advance = self.versions.take().map(|versions| Advance {
            versions,
            tenant: self.tenant_id,
            reach,
            queued_work: self.queued_work,
            delivered_events: self.delivered_events,
        });
        let (tx, permit) = self.finish();
        RunToEnd::new(async move {
            let committed = crate::engine::dispatch!(tx, tx => tx.commit().await);
            drop((permit, advance));
            committed
        })
        .await?;
        Ok(())
    }

    pub async fn rollback(mut self) -> Result<(), StoreError> {
        let (tx, permit) = self.finish();
        RunToEnd::new(async move {
            let rolled_back = crate::engine::dispatch!(tx, tx => tx.rollback().await);
            drop(permit);
            rolled_back
        })
        .await?;
        Ok(())
    }

    fn finish(&mut self) -> (EngineTx, Option<OwnedSemaphorePermit>) {
        let tx = self.tx.take().expect("open until committed or rolled back");
        (tx, self.permit.take())
    }
}

impl Drop for TenantTx {
    /// Dropped unfinished (an error returned early, a cancelled or panicking request): rolled
    /// back on a task of its own, which gives the connection and the permit (write turn, seat) back after.
    fn drop(&mut self) {
        if self.tx.is_none() {
            return;
        }
        let (tx, permit) = self.finish();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(error) = crate::engine::dispatch!(tx, tx => tx.rollback().await) {
                        tracing::warn!(%error, "rolling back an abandoned transaction failed");
                    }
                    drop(permit);
                });
            }
            // No runtime left: sqlx queues the rollback for the connection's next use.
            Err(_) => drop((tx, permit)),
        }
    }
}

/// `work`, run in place by whoever awaits it until it is done, whatever happens to them: if
/// they stop waiting first (the request was cancelled), the unfinished work moves onto a task of
/// its own and ends there. So `BEGIN` and `COMMIT` are never cut off half-way, and when nobody
/// is cancelled (nearly always) they cost no task and no wake-up of another thread.
struct RunToEnd<F: Future + Send + 'static>
where
    F::Output: Send,
{
    /// `None` once finished.
    work: Option<Pin<Box<F>>>,
}

impl<F: Future + Send + 'static> RunToEnd<F>
where
    F::Output: Send,
{
    fn new(work: F) -> Self {
        Self {
            work: Some(Box::pin(work)),
        }
    }
}

impl<F: Future + Send + 'static> Future for RunToEnd<F>
where
    F::Output: Send,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let work = self.work.as_mut().expect("polled after it finished");
        let done = std::task::ready!(work.as_mut().poll(cx));
        self.work = None;
        Poll::Ready(done)
    }
}

impl<F: Future + Send + 'static> Drop for RunToEnd<F>
where
    F::Output: Send,
{
    fn drop(&mut self) {
        let Some(work) = self.work.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(work)),
            // No runtime left to finish it on: the pool's last wall closes a connection that
            // comes back inside a transaction.
            Err(_) => drop(work),
        }
    }
}

/// A tenant transaction opened to write ([`crate::Store::begin_write`],
/// [`crate::Store::begin_learner_write`]). The repositories' writes take only this, so a write
/// through a transaction opened to read does not compile (on PostgreSQL a read transaction is
/// `READ ONLY` and would fail at run time; on SQLite it would commit without moving the data
/// version, leaving cached pages stale). It reads like any [`TenantTx`], which it derefs to.
///
/// ```compile_fail
/// # async fn f(store: &lyceum_store::Store, tenant: &lyceum_store::Tenant, event: lyceum_domain::DomainEvent) {
/// let mut tx = store.begin(tenant).await.unwrap();
/// lyceum_store::repo::outbox::append(&mut tx, None, &event).await.unwrap(); // a read transaction
/// # }
/// ```
///
/// ```no_run
/// # async fn f(store: &lyceum_store::Store, tenant: &lyceum_store::Tenant, event: lyceum_domain::DomainEvent) {
/// let mut tx = store.begin_write(tenant).await.unwrap();
/// lyceum_store::repo::outbox::append(&mut tx, None, &event).await.unwrap();
/// tx.commit().await.unwrap();
/// # }
/// ```
pub struct WriteTx(TenantTx);

impl WriteTx {
    pub(crate) fn new(tx: TenantTx) -> Self {
        WriteTx(tx)
    }

    /// Declares that this transaction writes only `user`'s own records (their sign-in tokens,
    /// enrollments, progress, certificates). Its commit then moves only that user's data
    /// version: what is cached for this user is retired, what the tenant's users share (the
    /// catalog) stays valid. Never declare it for a write to shared records (courses and their
    /// content, other users). Declared for a second user, the commit moves the tenant's again.
    pub fn affects_only(&mut self, user: UserId) {
        self.0.declared = match self.0.declared {
            Declared::Nothing | Declared::Uncached => Declared::User(user),
            Declared::User(declared) if declared == user => Declared::User(user),
            Declared::User(_) | Declared::SeveralUsers => Declared::SeveralUsers,
        };
    }

    /// Declares that this transaction writes records the tenant's users share (courses, their
    /// content, people): its commit moves the tenant's data version, whatever
    /// [`WriteTx::affects_only`] declares before or after. Use cases that write shared records
    /// declare it, so that several use cases can share one transaction.
    pub fn affects_all_users(&mut self) {
        self.0.declared = Declared::SeveralUsers;
    }

    /// Declares that this transaction writes only records no cache holds (an audit entry of a
    /// failed sign-in): its commit moves no data version, so a stream of such writes retires
    /// no cached page. Any other declaration, before or after, takes precedence.
    pub fn affects_nothing_cached(&mut self) {
        if let Declared::Nothing = self.0.declared {
            self.0.declared = Declared::Uncached;
        }
    }

    /// Commits; see [`TenantTx::commit`].
    pub async fn commit(self) -> Result<(), StoreError> {
        self.0.commit().await
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        self.0.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = TenantTx;

    fn deref(&self) -> &TenantTx {
        &self.0
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut TenantTx {
        &mut self.0
    }
}

/// Advances a data version when dropped: after a commit, whether it succeeded or failed; and
/// tells the worker of the work the transaction queued (a needless notice only costs it a look).
struct Advance {
    versions: Arc<DataVersions>,
    tenant: TenantId,
    /// None when the transaction wrote only records no cache holds.
    reach: Option<Reach>,
    queued_work: bool,
    delivered_events: bool,
}

impl Drop for Advance {
    fn drop(&mut self) {
        if let Some(reach) = self.reach {
            self.versions.advance(self.tenant, reach);
        }
        if self.queued_work {
            self.versions.work_queued(self.tenant);
        }
        if self.delivered_events {
            self.versions.events_delivered(self.tenant);
        }
    }
}

/// How a tenant transaction opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opening {
    Read,
    Write,
    /// A write that holds a learner's enrollment from its first round trip on.
    LearnerWrite(LearnerLock),
}

/// A learner's writes, locked as a write transaction opens, in the same round trip as `BEGIN`
/// (PostgreSQL: a transaction-scoped advisory lock keyed by tenant and learner; SQLite's write
/// transactions are serialized already). Concurrent writes of one learner (progress reports)
/// then run one after the other, and each one's first read already sees what the one before
/// committed: a row lock taken inside a later statement would leave that statement reading an
/// older snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LearnerLock {
    pub learner: UserId,
}

impl LearnerLock {
    /// The advisory lock's key: the same in every process, distinct per tenant and learner
    /// (two pairs sharing a key only wait for each other).
    fn key(&self, tenant: TenantId) -> i64 {
        let mixed = tenant.as_uuid().as_u128() ^ self.learner.as_uuid().as_u128().rotate_left(64);
        ((mixed >> 64) as u64 ^ mixed as u64) as i64
    }
}

/// The statement that opens a PostgreSQL tenant transaction. Ids are rendered from their typed
/// values (UUIDs, so nothing to escape), which is also what Citus forwards to workers.
/// Pool and database placements connect with their schema as the session's `search_path`, so
/// only the schema placement (one shared pool, a schema per tenant) sets it per transaction.
/// A transaction not opened to write is `READ ONLY`: a write through it fails instead of
/// committing without moving the data version.
pub(crate) fn postgres_begin(
    tenant_id: TenantId,
    placement: Placement,
    opening: Opening,
) -> String {
    let tenant = tenant_id.as_uuid();
    let begin = match opening {
        Opening::Read => "BEGIN READ ONLY",
        Opening::Write | Opening::LearnerWrite(_) => "BEGIN",
    };
    let mut sql = format!("{begin}; SET LOCAL app.tenant_id = '{tenant}'");
    if placement == Placement::Schema {
        sql.push_str(&format!(
            "; SET LOCAL search_path = {}",
            crate::engine::quote_ident(&crate::placement::schema_name(tenant_id))
        ));
    }
    if let Opening::LearnerWrite(lock) = opening {
        // The learner's statements are few and keyed by ids: plan them once per connection.
        sql.push_str(&format!(
            "; SET LOCAL plan_cache_mode = force_generic_plan; SELECT pg_advisory_xact_lock({})",
            lock.key(tenant_id)
        ));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{beds, provision};

    struct Probe;

    impl Table for Probe {
        const TABLE: &'static str = "probe";
    }

    /// Records that carry no tenant of their own (certificates, refresh tokens, progress,
    /// outbox events) are read with their row's tenant, and one of another tenant is refused.
    #[tokio::test]
    async fn a_scoped_record_of_another_tenant_is_refused() {
        for bed in beds().await {
            let tenant = provision(&bed.store, "scoped", bed.store.default_placement()).await;
            let tx = bed.store.begin(&tenant).await.unwrap();
            let own = Scoped {
                tenant_id: tenant.id.as_uuid(),
                record: Probe,
            };
            assert!(tx.own(own).is_ok(), "{}", bed.label);
            let foreign = Scoped {
                tenant_id: uuid::Uuid::now_v7(),
                record: Probe,
            };
            let refused = tx.own(foreign).map(|_| ()).unwrap_err();
            assert!(
                matches!(refused, StoreError::ForeignRow("probe")),
                "{}: {refused}",
                bed.label
            );
            tx.commit().await.unwrap();
        }
    }
}
