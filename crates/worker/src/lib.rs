//! Lyceum's worker: background work, a face like the HTTP server. It delivers every tenant's
//! outbox to the event [`Consumers`] (in order per tenant, at least once, progress recorded in
//! the tenant's storage) and runs the jobs in every tenant's queue with their [`Handlers`]
//! (leased, retried with backoff, dead after their attempts). `lyceum serve` runs it in process;
//! `lyceum worker` runs it alone.
//!
//! It learns which tenants have work from the store's [`lyceum_store::WorkNotices`] (commits in
//! this process and, on PostgreSQL, in the others), from a sweep of every tenant when it starts
//! (what a crash left behind) and every `sweep_every` (jobs that came due, notices lost), and
//! from timers for work due later; it never polls tenants one by one. Tenants with work take
//! turns ([`schedule`]): a bounded batch each, `concurrency` tenants at once, so a tenant with
//! ten thousand jobs does not hold another's up. Several workers (processes) share the work on
//! PostgreSQL: a tenant's events are dispatched under its dispatch lock, jobs are claimed with
//! `FOR UPDATE SKIP LOCKED`.
//!
//! With [`Worker::webhooks`] it also delivers the tenants' events to their webhook endpoints
//! ([`webhooks`]).
//!
//! It reaches tenant data through `lyceum_app` only, like every face.

mod consumers;
mod handlers;
mod housekeeping;
pub mod mail;
mod metrics;
mod recurring;
mod schedule;
mod sweep;
mod turn;
mod webhooks;

pub use consumers::{Consumer, Consumers};
pub use handlers::{Handlers, JobContext, JobHandler};
pub use housekeeping::Tidy;
pub use metrics::{WorkerCollector, WorkerMetrics};
pub use recurring::Recurring;
pub use webhooks::{WebhookConfig, WebhookFanOut, WebhookSender};

use futures_util::FutureExt;
use lyceum_app::Refusal;
use lyceum_domain::TenantId;
use lyceum_store::{CommitObserver, Store};
use schedule::Schedule;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The worker's one error type: how an event batch or a job attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkError {
    /// It may work next time: retried after a backoff.
    #[error("{0}")]
    Transient(String),
    /// It never will (a job whose payload cannot be read): the job is dead at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<Refusal> for WorkError {
    fn from(refusal: Refusal) -> Self {
        WorkError::Transient(refusal.to_string())
    }
}

impl From<lyceum_store::StoreError> for WorkError {
    fn from(error: lyceum_store::StoreError) -> Self {
        WorkError::Transient(error.to_string())
    }
}

/// How the worker works.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Tenants worked on at once.
    pub concurrency: usize,
    /// Events a tenant's turn dispatches at most.
    pub event_batch: u32,
    /// Jobs a tenant's turn claims (and runs, side by side) at most.
    pub job_batch: u32,
    /// How long a claimed job is the worker's; past it, another claims it again (its worker is
    /// taken to have died). Longer than any job runs.
    pub job_lease: Duration,
    /// How often every tenant is surveyed (jobs come due without notice, notices get lost).
    pub sweep_every: Duration,
    /// Tenants surveyed at once during a sweep.
    pub sweep_concurrency: usize,
    /// Delivered events and finished jobs older than this are deleted by the tenant's daily
    /// housekeeping.
    pub retention: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 4,
            event_batch: 256,
            job_batch: 32,
            job_lease: Duration::from_secs(300),
            sweep_every: Duration::from_secs(300),
            sweep_concurrency: 4,
            retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// A worker, ready to start.
pub struct Worker {
    shared: Shared,
}

/// What every turn and sweep of a running worker reads.
struct Shared {
    store: Store,
    config: WorkerConfig,
    consumers: Consumers,
    handlers: Handlers,
    recurring: Vec<Arc<dyn Recurring>>,
    metrics: Arc<WorkerMetrics>,
}

impl Worker {
    /// A worker on `store` with Lyceum's own job kinds (the tenants' housekeeping) and no event
    /// consumer yet.
    pub fn new(store: Store, config: WorkerConfig) -> Self {
        let tidy = Tidy {
            retention: config.retention,
            files: None,
        };
        let recurring: Vec<Arc<dyn Recurring>> = vec![Arc::new(tidy.clone())];
        Self {
            shared: Shared {
                store,
                config,
                consumers: Consumers::default(),
                handlers: Handlers::default().with(tidy),
                recurring,
                metrics: Arc::default(),
            },
        }
    }

    /// Sweeps `storage` in each tenant's housekeeping: its objects that no file record names
    /// are removed (see [`lyceum_app::files::sweep`]).
    pub fn sweep_files(mut self, storage: Arc<lyceum_app::files::FileStorage>) -> Self {
        let tidy = Tidy {
            retention: self.shared.config.retention,
            files: Some(storage),
        };
        self.shared.handlers = self.shared.handlers.with(tidy);
        self
    }

    /// Adds a recurring job kind: the sweep queues one for every tenant that has none (its
    /// handler, added with [`Worker::handle`], queues the next run).
    pub fn recur(mut self, recurring: impl Recurring) -> Self {
        self.shared.recurring.push(Arc::new(recurring));
        self
    }

    /// Adds an event consumer.
    pub fn consume(mut self, consumer: impl Consumer) -> Self {
        self.shared.consumers = self.shared.consumers.with(consumer);
        self
    }

    /// Adds the handler of a job kind.
    pub fn handle<H: JobHandler>(mut self, handler: H) -> Self {
        self.shared.handlers = self.shared.handlers.with(handler);
        self
    }

    /// Its metrics, for a Prometheus registry (the server's `/metrics`).
    pub fn collector(&self) -> WorkerCollector {
        WorkerCollector(self.shared.metrics.clone())
    }

    /// Every commit of events or jobs from now on, in this process and (PostgreSQL) the
    /// others: for what must act right after a commit, such as a live event feed.
    pub fn observe_commits(&self) -> CommitObserver {
        self.shared.store.work_notices().observe()
    }

    /// Starts working: a sweep of every tenant first (work left by a stop or a crash), then
    /// whatever the notices, timers and sweeps bring.
    pub fn start(self) -> RunningWorker {
        let (stop, stopping) = watch::channel(Stopping::No);
        let task = tokio::spawn(run(Arc::new(self.shared), stopping));
        RunningWorker { stop, task }
    }
}

/// How far a stop has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Stopping {
    No,
    /// No new turns, no new jobs; jobs running may finish.
    Finishing,
    /// The grace period is over: jobs still running are given back to the queue.
    GivingUp,
}

/// A started worker.
pub struct RunningWorker {
    stop: watch::Sender<Stopping>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningWorker {
    /// Stops: no new turn starts and the jobs claimed but not begun go back to the queue; the
    /// jobs running get `grace` to finish, then are given back too (to run again, their attempt
    /// not counted).
    pub async fn stop(self, grace: Duration) {
        self.stop.send_replace(Stopping::Finishing);
        let mut task = self.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            self.stop.send_replace(Stopping::GivingUp);
            if let Err(e) = task.await {
                tracing::error!(error = %e, "the worker failed while stopping");
            }
        }
    }
}

/// The worker's loop: turns for the tenants with work, `concurrency` at once.
async fn run(shared: Arc<Shared>, mut stopping: watch::Receiver<Stopping>) {
    let mut schedule = Schedule::default();
    let mut turns: JoinSet<(TenantId, turn::Turn)> = JoinSet::new();
    let (surveyed, mut surveys) = mpsc::channel(1024);
    let mut sweeping = Some(tokio::spawn(sweep::sweep(shared.clone(), surveyed.clone())));
    let every = shared.config.sweep_every;
    let mut sweeps = tokio::time::interval_at(Instant::now() + every, every);
    sweeps.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let sweep_now = |sweeping: &mut Option<tokio::task::JoinHandle<()>>| {
        if sweeping.as_ref().is_none_or(|s| s.is_finished()) {
            *sweeping = Some(tokio::spawn(sweep::sweep(shared.clone(), surveyed.clone())));
        }
    };
    loop {
        while turns.len() < shared.config.concurrency.max(1) {
            let Some(tenant) = schedule.next() else {
                break;
            };
            let work = turn::take(shared.clone(), tenant, stopping.clone());
            turns.spawn(async move {
                let turn = AssertUnwindSafe(work)
                    .catch_unwind()
                    .await
                    .unwrap_or_else(|_| {
                        tracing::error!(tenant = %tenant, "a worker turn panicked");
                        turn::Turn::retry_soon()
                    });
                (tenant, turn)
            });
        }
        shared.metrics.set_in_line(schedule.in_line());
        let timer = schedule.next_timer();
        tokio::select! {
            _ = stopping.changed() => break,
            wake = shared.store.work_notices().next() => {
                for tenant in wake.tenants {
                    schedule.wake(tenant);
                }
                if wake.everything {
                    sweep_now(&mut sweeping);
                }
            }
            Some(survey) = surveys.recv() => survey.apply(&mut schedule),
            Some(done) = turns.join_next(), if !turns.is_empty() => {
                if let Ok((tenant, turn)) = done {
                    schedule.done(tenant, turn.more, turn.next_at);
                }
            }
            _ = tokio::time::sleep_until(timer.unwrap_or_else(Instant::now)), if timer.is_some() => {
                schedule.ring_timers(Instant::now());
            }
            _ = sweeps.tick() => sweep_now(&mut sweeping),
        }
    }
    if let Some(sweep) = sweeping {
        sweep.abort();
    }
    // Turns under way finish their batch; their jobs see the stop and give back what they have
    // not begun (and, once the grace period is over, what they are running).
    while turns.join_next().await.is_some() {}
}
