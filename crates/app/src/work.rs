//! Expensive work kept off the async executor. CPU-bound jobs (password hashing, rendering
//! lesson content) run on small dedicated thread pools, one per kind: a burst of them, from one
//! tenant or many, queues there instead of taking the threads that serve every other request,
//! and the cores and memory they use stay bounded.

use crate::Refusal;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A pool of threads for one kind of job: one per core, at least two, at most eight, started
/// on first use.
pub(crate) struct Workers {
    name: &'static str,
    pool: OnceLock<rayon::ThreadPool>,
}

impl Workers {
    pub(crate) const fn new(name: &'static str) -> Self {
        Self {
            name,
            pool: OnceLock::new(),
        }
    }

    fn pool(&self) -> &rayon::ThreadPool {
        self.pool.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            let name = self.name;
            rayon::ThreadPoolBuilder::new()
                .num_threads(cores.clamp(2, 8))
                .thread_name(move |i| format!("lyceum-{name}-{i}"))
                .build()
                .expect("worker threads start")
        })
    }

    /// Runs `job` on these threads and answers its result.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Refusal> {
        let (done, result) = tokio::sync::oneshot::channel();
        self.pool().spawn(move || {
            let _ = done.send(job());
        });
        result.await.map_err(|_| lost())
    }

    /// Like [`Workers::run`], within `budget` from now, queueing included: `None` when the
    /// budget ran out first. A job whose budget ran out while it waited is not started; one
    /// already running finishes on its thread (it is bounded by its input) and its result is
    /// dropped.
    pub(crate) async fn run_within<T: Send + 'static>(
        &self,
        budget: Duration,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<Option<T>, Refusal> {
        let deadline = Instant::now() + budget;
        let (done, result) = tokio::sync::oneshot::channel();
        self.pool().spawn(move || {
            if Instant::now() < deadline && !done.is_closed() {
                let _ = done.send(job());
            }
        });
        match tokio::time::timeout_at(deadline.into(), result).await {
            Ok(Ok(answer)) => Ok(Some(answer)),
            Ok(Err(_)) if Instant::now() >= deadline => Ok(None),
            Ok(Err(_)) => Err(lost()),
            Err(_) => Ok(None),
        }
    }
}

fn lost() -> Refusal {
    Refusal::Internal("a worker thread stopped before answering")
}
