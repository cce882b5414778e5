//! Data versions: a number per tenant that moves forward whenever one of the tenant's write
//! transactions commits. Caches above the store remember the version they read at and throw
//! away what they hold once it has moved, so a change is never answered from a stale copy.
//!
//! Within one process the move is immediate. On PostgreSQL, where several server processes
//! share one database, each commit is also announced on the `lyceum_data_versions` channel
//! (`NOTIFY`), and every process listens and moves its own version of that tenant: the others
//! see the change a network round trip later. If the listening connection drops, notices may
//! have been missed, so every tenant's version moves.

use crate::error::StoreError;
use lyceum_domain::TenantId;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;
use uuid::Uuid;

const CHANNEL: &str = "lyceum_data_versions";

#[derive(Default)]
pub(crate) struct DataVersions {
    /// The last version handed out, over all tenants; versions never repeat, so a tenant's
    /// version only grows.
    latest: AtomicU64,
    /// Every tenant's version is at least this (moved when notices may have been lost).
    floor: AtomicU64,
    /// Tenants written since the process started (a few words each; never evicted, so a
    /// version can never go back to one a cache already saw).
    tenants: RwLock<HashMap<TenantId, u64>>,
    /// On PostgreSQL: where commits are announced to the other processes.
    announcer: Option<Announcer>,
    listener: Mutex<Option<Listening>>,
}

/// This process on the shared channel: its own notices carry its id and are not heard twice.
struct Announcer {
    process: Uuid,
    pool: PgPool,
}

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
        let versions = Arc::new(Self {
            announcer: Some(Announcer { process, pool }),
            ..Self::default()
        });
        let task = tokio::spawn(listen(Arc::downgrade(&versions), listener, process));
        *versions.listener.lock().unwrap_or_else(|e| e.into_inner()) = Some(Listening(task));
        Ok(versions)
    }

    pub(crate) fn current(&self, tenant: TenantId) -> u64 {
        let tenants = self.tenants.read().unwrap_or_else(|e| e.into_inner());
        let own = tenants.get(&tenant).copied().unwrap_or(0);
        own.max(self.floor.load(Ordering::Acquire))
    }

    /// Called after a write transaction of `tenant` committed in this process.
    pub(crate) fn advance(&self, tenant: TenantId) {
        self.moved(tenant);
        if let Some(Announcer { process, pool }) = &self.announcer {
            let (pool, payload) = (pool.clone(), format!("{process} {tenant}"));
            tokio::spawn(async move {
                let sent = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(&payload)
                    .execute(&pool)
                    .await;
                if let Err(e) = sent {
                    tracing::warn!(error = %e, "could not announce a data change; other servers see it when their cached copies expire");
                }
            });
        }
    }

    fn moved(&self, tenant: TenantId) {
        let version = self.next();
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        let entry = tenants.entry(tenant).or_default();
        *entry = (*entry).max(version);
    }

    /// Every tenant's version moves.
    fn all_moved(&self) {
        let version = self.next();
        self.floor.fetch_max(version, Ordering::AcqRel);
    }

    fn next(&self) -> u64 {
        self.latest.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Stops listening (the store is closing).
    pub(crate) async fn close(&self) {
        drop(
            self.listener
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take(),
        );
        if let Some(announcer) = &self.announcer {
            announcer.pool.close().await;
        }
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
async fn listen(versions: Weak<DataVersions>, mut listener: PgListener, process: Uuid) {
    loop {
        let heard = listener.try_recv().await;
        let Some(versions) = versions.upgrade() else {
            return;
        };
        match heard {
            Ok(Some(notice)) => {
                let mut parts = notice.payload().split(' ');
                let (Some(from), Some(tenant)) = (parts.next(), parts.next()) else {
                    continue;
                };
                if from == process.to_string() {
                    continue;
                }
                match tenant.parse::<Uuid>() {
                    Ok(tenant) => versions.moved(TenantId::from_uuid(tenant)),
                    Err(_) => versions.all_moved(),
                }
            }
            // The connection dropped (it reconnects on the next call): notices may be lost.
            Ok(None) => versions.all_moved(),
            Err(e) => {
                versions.all_moved();
                drop(versions);
                tracing::warn!(error = %e, "data version listener lost PostgreSQL; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}
