//! The capped cache of per-tenant pools for tenants with storage of their own
//! ([`TenantPools`], within a [`TenantBudget`]), and the release hook every runtime pool shares:
//! a connection that comes back still inside a transaction is closed, never reused, and so is
//! one worn out.

use crate::config::PoolLimits;
use crate::engine::Engine;
use crate::error::StoreError;
use crate::health::TroubleCounts;
use crate::open::sqlite_options;
use lru::LruCache;
use lyceum_domain::TenantId;
use sqlx::pool::PoolOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgPool, SqlitePool};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub(crate) type TenantPool = Engine<PgPool, SqlitePool>;

/// A tenant's open pool. On SQLite it comes with the file's write turn: a write transaction
/// takes it before `BEGIN IMMEDIATE`, so this process's writers queue in order on a semaphore
/// instead of polling SQLite's lock with the busy handler's sleeps. On PostgreSQL it comes with
/// its [`Seats`] in the connection budget.
#[derive(Clone)]
pub(crate) struct OpenPool {
    pub(crate) pool: TenantPool,
    pub(crate) writer: Option<Arc<Semaphore>>,
    pub(crate) seats: Option<Arc<Seats>>,
}

/// A dedicated PostgreSQL pool's share of the connection budget. Every transaction takes a
/// seat before it takes a connection, so the pool never opens more connections than it has
/// seats (the driver would open one for every transaction that finds none idle). A pool starts
/// with one seat and gets another, up to `tenant_max_connections`, only while the budget has a
/// connection free: a busy tenant's transactions queue for its seats rather than close another
/// tenant's pool, which would cost that tenant a new connection, and the next one after it,
/// in a cascade once more tenants are active than the budget holds. While the budget is spent,
/// a pool with seats to spare gives one back on its next transaction.
pub(crate) struct Seats {
    free: Arc<Semaphore>,
    /// Seats given to the pool; changed only under the registry's lock.
    granted: AtomicU64,
}

impl Seats {
    fn one() -> Arc<Self> {
        Arc::new(Self {
            free: Arc::new(Semaphore::new(1)),
            granted: AtomicU64::new(1),
        })
    }

    /// Begins a transaction (with a seat taken) on an idle connection of `pool`, opening one
    /// only while the pool holds fewer connections than its seats. A connection given back
    /// reaches the idle list some time after its seat is free (the driver returns it on a task
    /// of its own, after a round trip to the server to check it); the driver alone would open
    /// one more meanwhile. Waits at most the pool's acquire timeout, then lets the driver decide.
    pub(crate) async fn begin(
        &self,
        pool: &PgPool,
        statement: String,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        // A seat given back leaves a connection more than the seats: closed here.
        if u64::from(pool.size()) > self.granted.load(Ordering::Relaxed) {
            if let Some(surplus) = pool.try_acquire() {
                surplus.close().await.ok();
            }
        }
        let statement = std::borrow::Cow::<'static, str>::Owned(statement);
        let deadline = Instant::now() + pool.options().get_acquire_timeout();
        let mut polls = 0_u32;
        loop {
            if let Some(tx) = pool.try_begin_with(statement.clone()).await? {
                return Ok(tx);
            }
            // A closed pool (retired meanwhile) hands out nothing: the driver says so at once.
            if u64::from(pool.size()) < self.granted.load(Ordering::Relaxed)
                || pool.is_closed()
                || Instant::now() >= deadline
            {
                return pool.begin_with(statement).await;
            }
            polls += 1;
            if polls <= YIELDS_BEFORE_SLEEPING {
                tokio::task::yield_now().await;
            } else {
                tokio::time::sleep(RETURNING_CONNECTION_POLL).await;
            }
        }
    }
}

/// How often [`Seats::begin`] yields to the connection on its way back before it sleeps
/// between looks.
const YIELDS_BEFORE_SLEEPING: u32 = 8;
/// How long [`Seats::begin`] sleeps between looks for a connection on its way back.
const RETURNING_CONNECTION_POLL: std::time::Duration = std::time::Duration::from_micros(200);

/// The open pools, the least recently used first out, each with when it was last used.
type PoolRegistry = LruCache<TenantId, (OpenPool, Instant)>;
type Registry = Mutex<PoolRegistry>;

/// Connections held by the pools in `open`, in use or idle.
fn held(open: &PoolRegistry) -> u64 {
    open.iter()
        .map(|(_, (pool, _))| u64::from(crate::engine::dispatch!(&pool.pool, p => p.size())))
        .sum()
}

/// Whether `seats` are those of tenant `id`'s registered pool (not of one retired meanwhile).
fn registered(open: &PoolRegistry, id: TenantId, seats: &Arc<Seats>) -> bool {
    open.peek(&id)
        .and_then(|(pool, _)| pool.seats.as_ref())
        .is_some_and(|theirs| Arc::ptr_eq(theirs, seats))
}

/// What tenants' own pools may hold together, sized by [`crate::Store::open`] from
/// [`PoolLimits`] and what the engine allows.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TenantBudget {
    /// Connections over every tenant's own pool.
    pub(crate) connections: u64,
    /// Pools open at once.
    pub(crate) pools: NonZeroUsize,
    /// Whether a pool grows past its first connection only into connections the budget has
    /// free, through its [`Seats`] (PostgreSQL: its server refuses connections beyond
    /// `max_connections`), or may overshoot the budget while it is busy, trimmed as its
    /// connections come back (SQLite: a connection more is only a thread and three descriptors
    /// for a moment).
    pub(crate) seated: bool,
    /// PostgreSQL, with the default budget: the shared pools (of the `pool` and `schema`
    /// placements) draw on the same connections, counting for what they hold
    /// ([`TenantPools::sharing`]).
    pub(crate) shares_with_shared_pools: bool,
}

/// Open pools of tenants with storage of their own, within a [`TenantBudget`]. A pool starts
/// with the connection it is opened with, grows on demand up to `tenant_max_connections`, and
/// shrinks when idle (`tenant_pool_idle`). A tenant without an open pool when the budget is
/// spent takes a connection from the least recently used tenants: their pools are closed (each
/// gives its connections back as its transactions end) until one is free. Growing never closes
/// another tenant's pool: on PostgreSQL a pool grows only into free connections ([`Seats`]);
/// on SQLite tenants that grew at the same moment can overshoot the budget briefly, and a
/// connection released while the pools hold more than the budget is closed instead of kept.
/// Pools unused for `tenant_pool_idle` are closed on the next access.
#[derive(Clone)]
pub(crate) struct TenantPools {
    open: Arc<Registry>,
    /// Pools being opened: not in the registry yet, but already in the budget.
    opening: Arc<AtomicU64>,
    /// Seats of the registered pools, summed (PostgreSQL); changed only under the registry's
    /// lock.
    seated: Arc<AtomicU64>,
    /// The shared pools that draw on the budget too (see [`TenantBudget`]).
    shared: Vec<PgPool>,
    churn: Arc<PoolChurn>,
    limits: PoolLimits,
    budget: TenantBudget,
    trouble: Arc<TroubleCounts>,
}

impl TenantPools {
    pub(crate) fn new(
        limits: PoolLimits,
        budget: TenantBudget,
        trouble: Arc<TroubleCounts>,
    ) -> Self {
        Self {
            open: Arc::new(Mutex::new(LruCache::new(budget.pools))),
            opening: Arc::default(),
            seated: Arc::default(),
            shared: Vec::new(),
            churn: Arc::default(),
            limits,
            budget,
            trouble,
        }
    }

    /// The budget shared with `pools` (the `pool` and `schema` placements' pools), if the
    /// budget says so.
    pub(crate) fn sharing(mut self, pools: Vec<PgPool>) -> Self {
        if self.budget.shares_with_shared_pools {
            self.shared = pools;
        }
        self
    }

    /// Before a transaction on a shared pool that may open a connection for it (none idle,
    /// room to grow): closes the least recently used tenants' pools while the budget is spent.
    pub(crate) fn make_room_for_shared(&self, pool: &PgPool) {
        if !self.shared.is_empty()
            && pool.num_idle() == 0
            && pool.size() < pool.options().get_max_connections()
        {
            drop(self.make_room(None));
        }
    }

    /// The tenant's open pool, or a new one to `path()` (built only on a miss).
    pub(crate) async fn sqlite(
        &self,
        id: TenantId,
        path: impl FnOnce() -> PathBuf,
    ) -> Result<OpenPool, StoreError> {
        if let Some(pool) = self.cached(id) {
            return Ok(pool);
        }
        let _opening = self.make_room_for_new_pool(id);
        let pool = self
            .pool_options(id)
            .connect_with(sqlite_options(&path(), false, &self.limits))
            .await?;
        Ok(self.keep(
            id,
            OpenPool {
                pool: Engine::Sqlite(pool),
                writer: Some(Arc::new(Semaphore::new(1))),
                seats: None,
            },
        ))
    }

    /// The tenant's open pool, or a new one with `options()` (built only on a miss).
    pub(crate) async fn postgres(
        &self,
        id: TenantId,
        options: impl FnOnce() -> PgConnectOptions,
    ) -> Result<OpenPool, StoreError> {
        if let Some(pool) = self.cached(id) {
            return Ok(pool);
        }
        let _opening = self.make_room_for_new_pool(id);
        let pool = self.pool_options(id).connect_with(options()).await?;
        Ok(self.keep(
            id,
            OpenPool {
                pool: Engine::Postgres(pool),
                writer: None,
                seats: Some(Seats::one()),
            },
        ))
    }

    fn cached(&self, id: TenantId) -> Option<OpenPool> {
        let mut open = self.open.lock().expect("tenant pool registry poisoned");
        let now = Instant::now();
        // Close pools nobody used for the idle period (they sit at the cold end).
        while let Some((_, (_, used))) = open.peek_lru() {
            if now.duration_since(*used) < self.limits.tenant_pool_idle {
                break;
            }
            if let Some((_, (evicted, _))) = open.pop_lru() {
                self.retire(evicted);
            }
        }
        open.get_mut(&id).map(|(pool, used)| {
            *used = now;
            pool.clone()
        })
    }

    /// A seat in tenant `id`'s pool for one transaction: a free one, or one more if all are
    /// taken and the budget has a connection free, or the next one given back (waited for at
    /// most the acquire timeout). `None`: the pool was closed meanwhile (open it again).
    pub(crate) async fn seat(
        &self,
        id: TenantId,
        seats: &Arc<Seats>,
    ) -> Result<Option<OwnedSemaphorePermit>, StoreError> {
        if seats.free.available_permits() > 1 {
            self.shrink(id, seats);
        }
        if let Ok(seat) = seats.free.clone().try_acquire_owned() {
            return Ok(Some(seat));
        }
        self.grow(id, seats);
        match tokio::time::timeout(
            self.limits.acquire_timeout,
            seats.free.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(seat)) => Ok(Some(seat)),
            Ok(Err(_closed)) => Ok(None),
            Err(_elapsed) => Err(sqlx::Error::PoolTimedOut.into()),
        }
    }

    /// Gives tenant `id`'s pool one seat more, if it may grow and the budget has a connection
    /// free; under the registry's lock, so that the pool cannot be retired meanwhile.
    fn grow(&self, id: TenantId, seats: &Arc<Seats>) {
        let limit = u64::from(self.limits.tenant_max_connections);
        if seats.granted.load(Ordering::Relaxed) >= limit {
            return;
        }
        let open = self.open.lock().expect("tenant pool registry poisoned");
        let in_budget = self.in_budget(&open) + self.opening.load(Ordering::Relaxed);
        if registered(&open, id, seats)
            && in_budget < self.budget.connections
            && seats.granted.load(Ordering::Relaxed) < limit
        {
            seats.granted.fetch_add(1, Ordering::Relaxed);
            self.seated.fetch_add(1, Ordering::Relaxed);
            seats.free.add_permits(1);
        }
        drop(open);
    }

    /// Takes one of the free seats of tenant `id`'s pool back while the budget is spent: a pool
    /// that grew when connections were free gives them back for tenants without a pool, instead
    /// of keeping them until it is closed.
    fn shrink(&self, id: TenantId, seats: &Arc<Seats>) {
        let open = self.open.lock().expect("tenant pool registry poisoned");
        let in_budget = self.in_budget(&open) + self.opening.load(Ordering::Relaxed);
        if in_budget < self.budget.connections
            || seats.granted.load(Ordering::Relaxed) <= 1
            || !registered(&open, id, seats)
        {
            return;
        }
        if let Ok(seat) = seats.free.try_acquire() {
            seat.forget();
            seats.granted.fetch_sub(1, Ordering::Relaxed);
            self.seated.fetch_sub(1, Ordering::Relaxed);
        }
        drop(open);
    }

    /// Connections the registered pools count for in the budget: their seats on PostgreSQL,
    /// the connections they hold on SQLite.
    fn in_budget(&self, open: &PoolRegistry) -> u64 {
        if self.budget.seated {
            let shared: u64 = self.shared.iter().map(|p| u64::from(p.size())).sum();
            self.seated.load(Ordering::Relaxed) + shared
        } else {
            held(open)
        }
    }

    /// Closes a pool taken out of the registry (under its lock), once its transactions end.
    fn retire(&self, pool: OpenPool) {
        self.unseat(&pool);
        close_later(pool.pool);
    }

    /// Gives a pool's seats back to the budget as it leaves the registry (under its lock), and
    /// wakes the transactions waiting for one, to open the tenant's pool again.
    fn unseat(&self, pool: &OpenPool) {
        if let Some(seats) = &pool.seats {
            self.seated
                .fetch_sub(seats.granted.load(Ordering::Relaxed), Ordering::Relaxed);
            seats.free.close();
        }
    }

    /// [`TenantPools::make_room`] for a pool about to be opened, which counts in the budget from
    /// now until it is registered (or fails to open): the guard returned.
    fn make_room_for_new_pool(&self, id: TenantId) -> OpeningPool {
        self.churn.opened.fetch_add(1, Ordering::Relaxed);
        let open = self.make_room(Some(id));
        // Counted before the registry's lock is let go, so that a connection released meanwhile
        // sees the new pool in the budget (see [`Wear::OverBudget`]).
        self.opening.fetch_add(1, Ordering::Relaxed);
        drop(open);
        OpeningPool(self.opening.clone())
    }

    /// Makes room in the budget for one connection more (the first of tenant `id`'s new pool,
    /// or one of a shared pool): while the pools (and the pools being opened) hold the whole
    /// budget, the least recently used pool of another tenant is closed.
    /// Closing is asynchronous (a pool waits for its transactions to end), so the budget can
    /// be exceeded by connections still in use for a moment: on PostgreSQL the reserve covers
    /// it until they come back and close; on SQLite [`Wear::OverBudget`] also trims pools that
    /// grew past the budget.
    fn make_room(&self, id: Option<TenantId>) -> MutexGuard<'_, PoolRegistry> {
        let mut open = self.open.lock().expect("tenant pool registry poisoned");
        let mut in_pools = self.in_budget(&open) + self.opening.load(Ordering::Relaxed);
        while in_pools >= self.budget.connections {
            let Some((&coldest, _)) = open.peek_lru() else {
                break;
            };
            if Some(coldest) == id {
                if open.len() == 1 {
                    break;
                }
                open.promote(&coldest);
                continue;
            }
            if let Some((_, (evicted, _))) = open.pop_lru() {
                let freed = match &evicted.seats {
                    Some(seats) => seats.granted.load(Ordering::Relaxed),
                    None => u64::from(crate::engine::dispatch!(&evicted.pool, p => p.size())),
                };
                in_pools = in_pools.saturating_sub(freed);
                self.churn.closed_for_room.fetch_add(1, Ordering::Relaxed);
                self.retire(evicted);
            }
        }
        open
    }

    /// Registers a freshly opened pool, unless another task registered one first (then ours
    /// is closed and theirs used); evicts the least recently used pool beyond the cap.
    fn keep(&self, id: TenantId, pool: OpenPool) -> OpenPool {
        let mut open = self.open.lock().expect("tenant pool registry poisoned");
        if let Some((existing, used)) = open.get_mut(&id) {
            *used = Instant::now();
            close_later(pool.pool);
            return existing.clone();
        }
        if let Some(seats) = &pool.seats {
            self.seated
                .fetch_add(seats.granted.load(Ordering::Relaxed), Ordering::Relaxed);
        }
        if let Some((_, (evicted, _))) = open.push(id, (pool.clone(), Instant::now())) {
            self.churn.closed_for_room.fetch_add(1, Ordering::Relaxed);
            self.retire(evicted);
        }
        pool
    }

    /// Options of a tenant's own pool, on either engine.
    fn pool_options<DB: sqlx::Database>(&self, tenant: TenantId) -> PoolOptions<DB> {
        let most = u32::try_from(self.budget.connections).unwrap_or(u32::MAX);
        close_if_in_transaction(
            PoolOptions::new()
                .max_connections(self.limits.tenant_max_connections.min(most).max(1))
                .min_connections(0)
                .idle_timeout(Some(self.limits.tenant_pool_idle))
                .acquire_timeout(self.limits.acquire_timeout),
            &self.trouble,
            Some(tenant),
            // A seated pool never holds more connections than its seats (see [`Seats`]).
            if self.budget.seated {
                Wear::Never
            } else {
                Wear::OverBudget {
                    pools: Arc::downgrade(&self.open),
                    opening: self.opening.clone(),
                    budget: self.budget.connections,
                }
            },
        )
    }

    /// Closes and forgets a tenant's pool (before its storage is dropped or moved).
    pub(crate) async fn forget(&self, id: TenantId) {
        let removed = self
            .open
            .lock()
            .expect("tenant pool registry poisoned")
            .pop(&id);
        if let Some((open, _)) = removed {
            self.unseat(&open);
            close(open.pool).await;
        }
        self.trouble.forget(id);
    }

    /// Pools opened and closed for room so far.
    pub(crate) fn churn(&self) -> PoolChurnCounts {
        PoolChurnCounts {
            opened: self.churn.opened.load(Ordering::Relaxed),
            closed_for_room: self.churn.closed_for_room.load(Ordering::Relaxed),
        }
    }

    /// Pools open right now (at most the budget's `pools`).
    pub(crate) fn open_count(&self) -> u64 {
        self.open
            .lock()
            .expect("tenant pool registry poisoned")
            .len() as u64
    }

    /// Open and idle connections summed over every open tenant pool.
    pub(crate) fn connections(&self) -> (u64, u64) {
        let open = self.open.lock().expect("tenant pool registry poisoned");
        open.iter().fold((0, 0), |(size, idle), (_, (open, _))| {
            let (s, i) = crate::engine::dispatch!(&open.pool, p => (p.size(), p.num_idle()));
            (size + u64::from(s), idle + i as u64)
        })
    }

    pub(crate) async fn close_all(&self) {
        let pools: Vec<TenantPool> = {
            let mut open = self.open.lock().expect("tenant pool registry poisoned");
            std::iter::from_fn(|| open.pop_lru().map(|(_, (open, _))| open.pool)).collect()
        };
        for pool in pools {
            close(pool).await;
        }
    }
}

/// Tenants' pools opened and closed for room so far: when more tenants are busy than the
/// budget holds, every call to a tenant without an open pool opens one (on PostgreSQL a new
/// backend), and these count it.
#[derive(Debug, Default)]
pub(crate) struct PoolChurn {
    opened: AtomicU64,
    closed_for_room: AtomicU64,
}

/// A snapshot of [`PoolChurn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolChurnCounts {
    /// Pools opened for a tenant without one.
    pub opened: u64,
    /// Pools closed to make room for another tenant's (in the budget or under the cap on open
    /// pools; not for being idle).
    pub closed_for_room: u64,
}

/// A pool being opened, counted in [`TenantPools`]'s budget until dropped: once the pool is
/// registered, or when opening it failed or was cancelled.
struct OpeningPool(Arc<AtomicU64>);

impl Drop for OpeningPool {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The last wall behind cancellation-safe transactions ([`crate::scope`]): a connection that
/// comes back to its pool still inside a transaction is closed (which rolls the transaction
/// back) and counted, never handed to the next user. Healthy connections are closed too when
/// `wear` says they are worn.
pub(crate) fn close_if_in_transaction<DB: sqlx::Database>(
    options: PoolOptions<DB>,
    trouble: &Arc<TroubleCounts>,
    tenant: Option<TenantId>,
    wear: Wear,
) -> PoolOptions<DB> {
    let trouble = trouble.clone();
    let releases = AtomicU64::new(0);
    options.after_release(move |conn, _| {
        let in_transaction = conn.is_in_transaction();
        if in_transaction {
            trouble.released_in_transaction(tenant);
        }
        let worn = match &wear {
            Wear::Never => false,
            Wear::After(transactions) => {
                (releases.fetch_add(1, Ordering::Relaxed) + 1).is_multiple_of(*transactions)
            }
            Wear::OverBudget {
                pools,
                opening,
                budget,
            } => pools.upgrade().is_some_and(|pools| {
                let open = pools.lock().expect("tenant pool registry poisoned");
                // Only a pool that grew gives a connection back: closing a tenant's last one
                // would only make it open another on its next request, over budget again.
                let grown = tenant
                    .and_then(|id| open.peek(&id))
                    .is_none_or(|(pool, _)| {
                        crate::engine::dispatch!(&pool.pool, p => p.size()) > 1
                    });
                let worn = grown && held(&open) + opening.load(Ordering::Relaxed) > *budget;
                if worn {
                    // The budget of SQLite's tenant files: the connection's memory goes back
                    // to the C heap.
                    crate::heap::released();
                }
                worn
            }),
        };
        Box::pin(async move { Ok(!in_transaction && !worn) })
    })
}

/// When a healthy connection coming back to its pool is closed instead of kept.
pub(crate) enum Wear {
    Never,
    /// After this many transactions on average (one release in that many closes its
    /// connection): see [`SCHEMA_TRANSACTIONS_PER_CONNECTION`].
    After(u64),
    /// While the tenants' own pools, with the pools being opened, hold more than their budget.
    OverBudget {
        pools: Weak<Registry>,
        opening: Arc<AtomicU64>,
        budget: u64,
    },
}

/// Transactions a connection of the schema placement's pool serves, on average, before it is
/// closed. A PostgreSQL backend keeps the catalog entries of every schema it has touched
/// (some 30-40 KB per tenant schema), so one that cycled through a thousand tenants holds
/// 30-40 MB, for as long as it lives; recycled this often, it holds at most this many schemas'
/// worth, and reconnecting (a few milliseconds) costs a few per cent of the throughput.
pub(crate) const SCHEMA_TRANSACTIONS_PER_CONNECTION: u64 = 200;

/// Closing waits for the pool's connections to come back, so it runs on its own task instead
/// of holding up the request that caused the eviction.
fn close_later(pool: TenantPool) {
    tokio::spawn(close(pool));
}

/// Closes a tenant's pool once its connections come back. A SQLite pool's memory goes back to
/// the C heap, which is then trimmed.
async fn close(pool: TenantPool) {
    match pool {
        Engine::Postgres(pool) => pool.close().await,
        Engine::Sqlite(pool) => {
            pool.close().await;
            crate::heap::released();
        }
    }
}
