//! Work notices: which tenants committed background work (outbox events, jobs) since the worker
//! last asked, so that it visits those tenants instead of polling thousands of them.
//!
//! A write transaction that appended events or queued jobs rings its tenant here once it
//! commits; on PostgreSQL the ring also goes to the other processes on the data change channel
//! (see `versions.rs`), and theirs come here. When notices may have been lost (the listening
//! connection dropped, the announcer's queue overflowed), [`Wake::everything`] says so, and the
//! worker looks at every tenant. Notices are hints: the tenant's storage is the truth, and a
//! needless notice only costs the worker a look.

use lyceum_domain::TenantId;
use std::collections::HashSet;
use std::sync::Mutex;
use tokio::sync::{broadcast, Notify};

/// Commits announced to observers that lag further than this see [`CommitNotice::Lagged`].
const OBSERVED: usize = 4096;

/// The tenants with new work, for the worker of this process (one consumer: the tenants a
/// notice names are handed out once).
pub struct WorkNotices {
    pending: Mutex<Pending>,
    arrived: Notify,
    committed: broadcast::Sender<CommitNotice>,
}

#[derive(Default)]
struct Pending {
    tenants: Vec<TenantId>,
    named: HashSet<TenantId>,
    everything: bool,
}

/// What woke the worker.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Wake {
    /// Tenants that committed work, each once, in the order they were first rung.
    pub tenants: Vec<TenantId>,
    /// Notices may have been lost: every tenant may have work.
    pub everything: bool,
}

/// What an observer of commits (a live event feed) hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitNotice {
    /// The tenant committed events or jobs, in this process or another.
    Committed(TenantId),
    /// The tenant's outbox events were delivered (numbered in delivery order), in this process
    /// or another.
    Delivered(TenantId),
    /// The observer fell behind, or notices were lost: any tenant may have committed.
    Lagged,
}

/// A subscription to every tenant's commits of work; see [`WorkNotices::observe`].
pub struct CommitObserver(broadcast::Receiver<CommitNotice>);

impl CommitObserver {
    /// The next commit; `None` once the store is gone.
    pub async fn next(&mut self) -> Option<CommitNotice> {
        match self.0.recv().await {
            Ok(notice) => Some(notice),
            Err(broadcast::error::RecvError::Lagged(_)) => Some(CommitNotice::Lagged),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

impl Default for WorkNotices {
    fn default() -> Self {
        Self {
            pending: Mutex::default(),
            arrived: Notify::new(),
            committed: broadcast::channel(OBSERVED).0,
        }
    }
}

impl WorkNotices {
    /// `tenant` committed work (here or, on PostgreSQL, in another process).
    pub(crate) fn ring(&self, tenant: TenantId) {
        {
            let mut pending = self.lock();
            if pending.named.insert(tenant) {
                pending.tenants.push(tenant);
            }
        }
        self.arrived.notify_one();
        // Nobody observing is fine.
        let _ = self.committed.send(CommitNotice::Committed(tenant));
    }

    /// `tenant`'s outbox events were delivered: observers hear it; the worker has nothing to do.
    pub(crate) fn delivered(&self, tenant: TenantId) {
        let _ = self.committed.send(CommitNotice::Delivered(tenant));
    }

    /// Notices may have been lost: every tenant is to be looked at.
    pub(crate) fn ring_everything(&self) {
        self.lock().everything = true;
        self.arrived.notify_one();
        let _ = self.committed.send(CommitNotice::Lagged);
    }

    /// Waits until some tenant has work, and takes what was rung since the last call.
    pub async fn next(&self) -> Wake {
        loop {
            let notified = self.arrived.notified();
            {
                let mut pending = self.lock();
                if pending.everything || !pending.tenants.is_empty() {
                    let taken = std::mem::take(&mut *pending);
                    return Wake {
                        tenants: taken.tenants,
                        everything: taken.everything,
                    };
                }
            }
            notified.await;
        }
    }

    /// Every commit of work from now on, in this process and (on PostgreSQL) the others, for
    /// whatever wants to act right after a commit (a live event feed). Unlike [`Self::next`],
    /// each observer hears every notice.
    pub fn observe(&self) -> CommitObserver {
        CommitObserver(self.committed.subscribe())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_tenant_rung_twice_wakes_the_worker_once_and_every_observer_hears_both() {
        let notices = WorkNotices::default();
        let mut observer = notices.observe();
        let (a, b) = (TenantId::new(), TenantId::new());
        notices.ring(a);
        notices.ring(b);
        notices.ring(a);
        let wake = notices.next().await;
        assert_eq!(wake.tenants, vec![a, b]);
        assert!(!wake.everything);
        for tenant in [a, b, a] {
            assert_eq!(observer.next().await, Some(CommitNotice::Committed(tenant)));
        }
        notices.ring_everything();
        assert!(notices.next().await.everything);
        assert_eq!(observer.next().await, Some(CommitNotice::Lagged));
    }
}
