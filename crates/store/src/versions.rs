//! Data versions: numbers that move forward whenever a write transaction commits, one per
//! tenant and one per user of a tenant. Caches above the store remember the version they read at
//! and throw away what they hold once it has moved, so a change is never answered from a stale
//! copy.
//!
//! A write transaction moves its tenant's version, unless it declared that it only writes one
//! user's own records ([`crate::WriteTx::affects_only`]: a sign-in, an enrollment, progress):
//! then it moves only that user's version, and what is cached for the rest of the tenant (the
//! catalog) stays valid. A [`DataVersion`] read for a user includes both, so copies made for one
//! user are retired by the tenant's changes and by theirs.
//!
//! Within one process the move is immediate. On PostgreSQL, where several server processes
//! share one database, each commit is also announced on the `lyceum_data_versions` channel
//! (`NOTIFY`, gathered for a couple of milliseconds so that a burst of commits costs one
//! statement), and every process listens and moves its own versions: the others see the change
//! a few milliseconds later. If the listening connection drops, notices may have been missed,
//! so every version moves.
//!
//! The same channel carries the worker's notices: a commit that queued background work
//! (`'<process> work <tenant>'`) rings its tenant in every process's [`WorkNotices`], and lost
//! notices ring every tenant there too. So do deliveries of outbox events
//! (`'<process> delivered <tenant>'`), which wake the live event feeds, and changes to the
//! directory (`'<process> directory'`: a tenant's settings, status or custom domains), after
//! which every process forgets the tenants it resolved.

use crate::error::StoreError;
use crate::work::WorkNotices;
use lyceum_domain::{TenantId, UserId};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

const CHANNEL: &str = "lyceum_data_versions";
/// The notice that every version moved.
const EVERYTHING: &str = "everything";
/// The word before the tenant in a notice of queued work.
const WORK: &str = "work";
/// The word before the tenant in a notice of delivered events.
const DELIVERED: &str = "delivered";
/// The notice that the directory changed (tenants, their settings or domains).
const DIRECTORY: &str = "directory";

/// Users whose version is remembered; past this the memory is cleared and every user's version
/// moves once (the caches refill).
const MAX_USERS: usize = 100_000;

/// What a cached copy was read at. Opaque: compare it with the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataVersion {
    tenant: u64,
    user: u64,
}

/// How the notices between server processes went since the store opened (PostgreSQL).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoticeCounts {
    /// Notices sent to the other processes.
    pub sent: u64,
    /// Notices that could not be sent (the others learn of those changes when copies expire).
    pub unsent: u64,
    /// Times the queue was full, and "everything moved" was sent instead of a notice.
    pub overflows: u64,
    /// Notices heard from other processes.
    pub heard: u64,
    /// Times the listening connection was lost (every version then moved).
    pub listener_losses: u64,
}

#[derive(Default)]
struct Counts {
    sent: AtomicU64,
    unsent: AtomicU64,
    overflows: AtomicU64,
    heard: AtomicU64,
    listener_losses: AtomicU64,
}

/// Whose records a write transaction changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    Tenant,
    User(UserId),
}

#[derive(Default)]
pub(crate) struct DataVersions {
    /// The last version handed out; versions never repeat, so each one only grows.
    latest: AtomicU64,
    /// Every version is at least this (moved when notices may have been lost).
    floor: AtomicU64,
    /// Tenants written since the process started (a few words each; never forgotten, so a
    /// version can never go back to one a cache already saw).
    tenants: RwLock<HashMap<TenantId, u64>>,
    /// Users written on their own since the process started or since `users_floor` moved.
    users: RwLock<HashMap<(TenantId, UserId), u64>>,
    /// Every user's version is at least this (moved when `users` is cleared).
    users_floor: AtomicU64,
    /// On PostgreSQL: the queue of notices to the other processes.
    announcer: Mutex<Option<Announcer>>,
    /// A notice could not be queued (the queue was full): the next batch says "everything".
    overflowed: AtomicBool,
    counts: Counts,
    listener: Mutex<Option<Listening>>,
    /// Tenants that committed background work, for this process's worker.
    pub(crate) work: WorkNotices,
    /// Directory changes heard from other processes (or possibly missed): the directory's
    /// resolution cache forgets everything when this moves.
    directory: AtomicU64,
}

/// This process on the shared channel: notices carry its id, so its own are not heard twice.
struct Announcer {
    process: Uuid,
    queue: mpsc::Sender<String>,
    /// Sends the queued notices in batches; ends (having sent them) when the queue closes.
    sender: tokio::task::JoinHandle<()>,
    pool: PgPool,
}

/// Notices waiting to be sent; past this the announcer sends one "everything moved" instead.
const QUEUE: usize = 4096;
/// Notices sent in one statement.
const BATCH: usize = 256;
/// How long the announcer gathers notices after the first of a batch. Every notice costs the
/// database a transaction and a wake-up of each listener; gathered, a burst of commits (a
/// thousand progress reports a second) costs a few statements a second instead of one each,
/// and the other processes see each change at most this much later.
const GATHER: Duration = Duration::from_millis(2);

impl DataVersions {
    /// Versions shared with the other processes on the PostgreSQL database `runtime` points
    /// to. Returns once this process listens, so no commit after it is missed.
    pub(crate) async fn shared(runtime: PgConnectOptions) -> Result<Arc<Self>, StoreError> {
        // Its own two connections (the listener holds one), off the request pools.
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .min_connections(0)
            .connect_lazy_with(runtime);
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        let process = Uuid::now_v7();
        let versions = Arc::new(Self::default());
        let (queue, queued) = mpsc::channel(QUEUE);
        let sender = tokio::spawn(announce(
            Arc::downgrade(&versions),
            queued,
            pool.clone(),
            process,
        ));
        *lock(&versions.announcer) = Some(Announcer {
            process,
            queue,
            sender,
            pool,
        });
        let task = tokio::spawn(listen(Arc::downgrade(&versions), listener, process));
        *lock(&versions.listener) = Some(Listening(task));
        Ok(versions)
    }

    pub(crate) fn current(&self, tenant: TenantId, user: Option<UserId>) -> DataVersion {
        let floor = self.floor.load(Ordering::Acquire);
        let tenants = self.tenants.read().unwrap_or_else(|e| e.into_inner());
        let tenant_version = tenants.get(&tenant).copied().unwrap_or(0).max(floor);
        drop(tenants);
        let user_version = user.map_or(0, |user| {
            let users = self.users.read().unwrap_or_else(|e| e.into_inner());
            let own = users.get(&(tenant, user)).copied().unwrap_or(0);
            own.max(self.users_floor.load(Ordering::Acquire))
        });
        DataVersion {
            tenant: tenant_version,
            user: user_version,
        }
    }

    /// Called after a write transaction of `tenant` committed in this process (or may have:
    /// a commit that failed or was interrupted advances too, a needless miss being harmless).
    pub(crate) fn advance(&self, tenant: TenantId, reach: Reach) {
        self.moved(tenant, reach);
        self.announce(|process| match reach {
            Reach::Tenant => format!("{process} {tenant}"),
            Reach::User(user) => format!("{process} {tenant} {user}"),
        });
    }

    /// Called after a write transaction of `tenant` that queued background work committed in
    /// this process: rings the tenant here and, on PostgreSQL, in the other processes.
    pub(crate) fn work_queued(&self, tenant: TenantId) {
        self.work.ring(tenant);
        self.announce(|process| format!("{process} {WORK} {tenant}"));
    }

    /// Called after a transaction of `tenant` that marked outbox events delivered committed in
    /// this process: tells the live event feeds here and, on PostgreSQL, in the other processes.
    pub(crate) fn events_delivered(&self, tenant: TenantId) {
        self.work.delivered(tenant);
        self.announce(|process| format!("{process} {DELIVERED} {tenant}"));
    }

    /// Called after this process changed the directory: tells the other processes (PostgreSQL)
    /// to forget the tenants they resolved.
    pub(crate) fn directory_changed(&self) {
        self.announce(|process| format!("{process} {DIRECTORY}"));
    }

    /// Moves whenever another process changed the directory, or notices may have been lost.
    pub(crate) fn directory_changes(&self) -> u64 {
        self.directory.load(Ordering::Acquire)
    }

    /// Queues a notice to the other processes (PostgreSQL), or marks the overflow.
    fn announce(&self, notice: impl FnOnce(Uuid) -> String) {
        if let Some(Announcer { process, queue, .. }) = lock(&self.announcer).as_ref() {
            if queue.try_send(notice(*process)).is_err() {
                count(&self.counts.overflows, 1);
                self.overflowed.store(true, Ordering::Release);
            }
        }
    }

    /// On PostgreSQL, how the notices went so far.
    pub(crate) fn notice_counts(&self) -> Option<NoticeCounts> {
        lock(&self.announcer).as_ref()?;
        let c = &self.counts;
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        Some(NoticeCounts {
            sent: get(&c.sent),
            unsent: get(&c.unsent),
            overflows: get(&c.overflows),
            heard: get(&c.heard),
            listener_losses: get(&c.listener_losses),
        })
    }

    fn moved(&self, tenant: TenantId, reach: Reach) {
        let version = self.next();
        match reach {
            Reach::Tenant => {
                let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
                let entry = tenants.entry(tenant).or_default();
                *entry = (*entry).max(version);
            }
            Reach::User(user) => {
                let mut users = self.users.write().unwrap_or_else(|e| e.into_inner());
                if users.len() >= MAX_USERS && !users.contains_key(&(tenant, user)) {
                    users.clear();
                    self.users_floor.fetch_max(version, Ordering::AcqRel);
                }
                let entry = users.entry((tenant, user)).or_default();
                *entry = (*entry).max(version);
            }
        }
    }

    /// Every version moves (and every tenant may have work): notices may have been lost.
    fn all_moved(&self) {
        let version = self.next();
        self.floor.fetch_max(version, Ordering::AcqRel);
        self.directory.fetch_add(1, Ordering::AcqRel);
        self.work.ring_everything();
    }

    fn next(&self) -> u64 {
        self.latest.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Stops listening and sends the notices still queued (the store is closing).
    pub(crate) async fn close(&self) {
        drop(lock(&self.listener).take());
        let announcer = lock(&self.announcer).take();
        if let Some(Announcer {
            queue,
            sender,
            pool,
            ..
        }) = announcer
        {
            drop(queue);
            if tokio::time::timeout(Duration::from_secs(5), sender)
                .await
                .is_err()
            {
                tracing::warn!("data change notices still unsent at shutdown");
            }
            pool.close().await;
        }
    }
}

fn count(counter: &AtomicU64, n: usize) {
    counter.fetch_add(n as u64, Ordering::Relaxed);
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Sends queued notices, a batch per statement (what arrived within [`GATHER`] of its first),
/// until the queue closes.
async fn announce(
    versions: Weak<DataVersions>,
    mut queued: mpsc::Receiver<String>,
    pool: PgPool,
    process: Uuid,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while queued.recv_many(&mut batch, BATCH).await > 0 {
        tokio::time::sleep(GATHER).await;
        while batch.len() < BATCH {
            match queued.try_recv() {
                Ok(notice) => batch.push(notice),
                Err(_) => break,
            }
        }
        let versions = versions.upgrade();
        let overflowed = versions
            .as_ref()
            .is_some_and(|v| v.overflowed.swap(false, Ordering::AcqRel));
        if overflowed {
            batch.push(format!("{process} {EVERYTHING}"));
        }
        batch.sort_unstable();
        batch.dedup();
        let sent = sqlx::query("SELECT pg_notify($1, notice) FROM UNNEST($2::text[]) AS notice")
            .bind(CHANNEL)
            .bind(&batch)
            .execute(&pool)
            .await;
        match (&sent, &versions) {
            (Ok(_), Some(v)) => count(&v.counts.sent, batch.len()),
            (Err(_), Some(v)) => count(&v.counts.unsent, batch.len()),
            (_, None) => {}
        }
        if let Err(e) = sent {
            tracing::warn!(error = %e, "could not announce data changes; other servers see them when their cached copies expire");
        }
        batch.clear();
    }
}

/// The listening task, stopped with the versions it moves.
struct Listening(tokio::task::JoinHandle<()>);

impl Drop for Listening {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Moves the versions other processes announce, until the store is gone.
async fn listen(weak: Weak<DataVersions>, mut listener: PgListener, process: Uuid) {
    let process = process.to_string();
    loop {
        let heard = listener.try_recv().await;
        let Some(versions) = weak.upgrade() else {
            return;
        };
        match heard {
            Ok(Some(notice)) => {
                let mut parts = notice.payload().split(' ');
                if parts.next() == Some(process.as_str()) {
                    continue;
                }
                count(&versions.counts.heard, 1);
                let mut parts = parts.peekable();
                if parts.next_if_eq(&WORK).is_some() {
                    match parts.next().map(str::parse::<Uuid>) {
                        Some(Ok(tenant)) => versions.work.ring(TenantId::from_uuid(tenant)),
                        _ => versions.all_moved(),
                    }
                    continue;
                }
                if parts.next_if_eq(&DIRECTORY).is_some() {
                    versions.directory.fetch_add(1, Ordering::AcqRel);
                    continue;
                }
                if parts.next_if_eq(&DELIVERED).is_some() {
                    match parts.next().map(str::parse::<Uuid>) {
                        Some(Ok(tenant)) => versions.work.delivered(TenantId::from_uuid(tenant)),
                        _ => versions.all_moved(),
                    }
                    continue;
                }
                let id = |part: Option<&str>| part.map(str::parse::<Uuid>);
                match (id(parts.next()), id(parts.next())) {
                    (Some(Ok(tenant)), None) => {
                        versions.moved(TenantId::from_uuid(tenant), Reach::Tenant)
                    }
                    (Some(Ok(tenant)), Some(Ok(user))) => versions.moved(
                        TenantId::from_uuid(tenant),
                        Reach::User(UserId::from_uuid(user)),
                    ),
                    // `everything`, or a notice this version cannot read.
                    _ => versions.all_moved(),
                }
            }
            // The connection dropped and the listener has connected and listens again: notices
            // sent in between are lost.
            Ok(None) => {
                count(&versions.counts.listener_losses, 1);
                versions.all_moved();
            }
            // Reconnecting failed. Retry until listening again, and only then retire every
            // copy, so that none is filled while changes could still go unheard.
            Err(e) => {
                count(&versions.counts.listener_losses, 1);
                drop(versions);
                tracing::warn!(error = %e, "data version listener lost PostgreSQL; retrying");
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if sqlx::query("SELECT 1").execute(&mut listener).await.is_ok() {
                        break;
                    }
                }
                if let Some(versions) = weak.upgrade() {
                    versions.all_moved();
                }
            }
        }
    }
}
