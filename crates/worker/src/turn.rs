//! One tenant's turn: a batch of its events dispatched to the consumers, then a batch of its
//! due jobs run, side by side. The turn says whether the tenant has more to do at once
//! and when its next work is due.

use crate::{JobContext, Shared, Stopping, WorkError};
use chrono::{DateTime, Utc};
use lyceum_app::dispatch;
use lyceum_app::jobs::{self, ClaimedJob, Failure, Fate};
use lyceum_app::Refusal;
use lyceum_domain::TenantId;
use lyceum_store::{Tenant, TenantKey};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

/// A tenant whose storage failed is looked at again after this.
const AFTER_TROUBLE: Duration = Duration::from_secs(10);

/// How a turn ended.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Turn {
    /// A full batch was done: the tenant goes back in line.
    pub(crate) more: bool,
    /// Its next work is due then.
    pub(crate) next_at: Option<Instant>,
}

impl Turn {
    pub(crate) fn retry_soon() -> Self {
        Turn {
            more: false,
            next_at: Some(Instant::now() + AFTER_TROUBLE),
        }
    }

    fn due(&mut self, at: Option<DateTime<Utc>>) {
        if let Some(at) = at.map(instant) {
            self.next_at = Some(self.next_at.map_or(at, |next| next.min(at)));
        }
    }
}

/// `at` on the runtime's clock.
pub(crate) fn instant(at: DateTime<Utc>) -> Instant {
    Instant::now() + (at - Utc::now()).to_std().unwrap_or_default()
}

/// Takes `tenant`'s turn.
pub(crate) async fn take(
    shared: Arc<Shared>,
    tenant: TenantId,
    stopping: watch::Receiver<Stopping>,
) -> Turn {
    let tenant = match shared
        .store
        .directory()
        .resolve(&TenantKey::Id(tenant))
        .await
    {
        Ok(Some(found)) if found.status().has_storage() => found,
        // Gone, or not there yet: nothing to do (a sweep finds it once it is).
        Ok(_) => return Turn::default(),
        Err(e) => {
            tracing::warn!(tenant = %tenant, error = %e, "the worker could not look the tenant up");
            return Turn::retry_soon();
        }
    };
    let mut turn = Turn::default();
    match dispatch_batch(&shared, &tenant).await {
        Ok(Dispatched::Delivered { full }) => turn.more |= full,
        Ok(Dispatched::HeldBack(until)) => turn.due(Some(until)),
        Ok(Dispatched::Nothing | Dispatched::ElsewhereNow) => {}
        Err(e) => {
            tracing::warn!(tenant = %tenant.slug, error = %e, "dispatching the outbox failed");
            return Turn::retry_soon();
        }
    }
    match run_jobs(&shared, &tenant, stopping).await {
        Ok(ran) => {
            turn.more |= ran.full;
            turn.due(ran.next_due);
        }
        Err(e) => {
            tracing::warn!(tenant = %tenant.slug, error = %e, "running the tenant's jobs failed");
            return Turn::retry_soon();
        }
    }
    turn
}

enum Dispatched {
    /// A batch went to the consumers; `full`: there may be more.
    Delivered { full: bool },
    /// Nothing waits.
    Nothing,
    /// Another worker dispatches the tenant right now (it hears of new events too).
    ElsewhereNow,
    /// A batch failed: nothing is dispatched before this.
    HeldBack(DateTime<Utc>),
}

/// Dispatches the tenant's next batch of events to every consumer, in one transaction that
/// marks them delivered. A consumer's error rolls the batch back and holds the tenant's
/// dispatching back for a while (exponential backoff).
async fn dispatch_batch(shared: &Shared, tenant: &Tenant) -> Result<Dispatched, Refusal> {
    let store = &shared.store;
    let mut tx = store.begin_write(tenant).await?;
    let Some(state) = dispatch::lock(&mut tx).await? else {
        tx.rollback().await?;
        return Ok(Dispatched::ElsewhereNow);
    };
    if let Some(until) = state.retry_at.filter(|at| *at > Utc::now()) {
        tx.rollback().await?;
        return Ok(Dispatched::HeldBack(until));
    }
    let batch = dispatch::next_batch(&mut tx, shared.config.event_batch).await?;
    if batch.is_empty() {
        // Commit: a first dispatch's new state row is kept.
        tx.commit().await?;
        return Ok(Dispatched::Nothing);
    }
    let mut failure = None;
    for consumer in shared.consumers.iter() {
        if let Err(e) = consumer.consume(&mut tx, &batch).await {
            failure = Some(format!("{}: {e}", consumer.name()));
            break;
        }
    }
    if let Some(error) = failure {
        tx.rollback().await?;
        shared.metrics.batch_failed();
        tracing::warn!(tenant = %tenant.slug, %error, events = batch.len(), "an event consumer failed; the batch is delivered again later");
        let mut tx = store.begin_write(tenant).await?;
        let Some(state) = dispatch::lock(&mut tx).await? else {
            tx.rollback().await?;
            return Ok(Dispatched::ElsewhereNow);
        };
        let until = dispatch::failed(&mut tx, &state, &error).await?;
        tx.commit().await?;
        return Ok(Dispatched::HeldBack(until));
    }
    dispatch::delivered(&mut tx, &batch).await?;
    tx.commit().await?;
    shared.metrics.dispatched(batch.len());
    Ok(Dispatched::Delivered {
        full: batch.len() as u32 >= shared.config.event_batch,
    })
}

struct JobsRun {
    /// A full batch was claimed: there may be more due.
    full: bool,
    /// When the tenant's next job is due, as far as this turn knows.
    next_due: Option<DateTime<Utc>>,
}

/// Claims a batch of the tenant's due jobs and runs them side by side (a job that waits on the
/// network, a webhook's slow receiver, holds up none of the others), each verdict recorded as
/// soon as it is known. Once the worker stops, jobs not begun go back to the queue; once its
/// grace period is over, so do the ones running.
async fn run_jobs(
    shared: &Shared,
    tenant: &Arc<Tenant>,
    stopping: watch::Receiver<Stopping>,
) -> Result<JobsRun, Refusal> {
    let store = &shared.store;
    let mut tx = store.begin_write(tenant).await?;
    let claimed = jobs::claim(&mut tx, shared.config.job_lease, shared.config.job_batch).await?;
    let mut next_due = jobs::next_due(&mut tx).await?;
    tx.commit().await?;
    let full = claimed.len() as u32 >= shared.config.job_batch;
    let runs = claimed.iter().map(|job| {
        let mut stopping = stopping.clone();
        async move {
            if *stopping.borrow() != Stopping::No {
                give_back(shared, tenant, job).await?;
                return Ok(None);
            }
            let outcome = tokio::select! {
                outcome = run_one(shared, tenant, job) => Some(outcome),
                _ = stopping.wait_for(|s| *s == Stopping::GivingUp) => None,
            };
            match outcome {
                Some(Ran::Settled) => {
                    shared.metrics.job_ran(&job.kind, "succeeded");
                    Ok(None)
                }
                Some(Ran::Done(outcome)) => record(shared, tenant, job, outcome).await,
                None => give_back(shared, tenant, job).await.map(|()| None),
            }
        }
    });
    for retry_at in futures_util::future::join_all(runs).await {
        if let Some(retry_at) = retry_at? {
            next_due = Some(next_due.map_or(retry_at, |due| due.min(retry_at)));
        }
    }
    Ok(JobsRun { full, next_due })
}

/// How running a job went.
enum Ran {
    /// Its handler succeeded and recorded so itself ([`JobContext::succeed_in`]).
    Settled,
    /// Its outcome, for the worker to record.
    Done(Result<(), WorkError>),
}

async fn run_one(shared: &Shared, tenant: &Arc<Tenant>, job: &ClaimedJob) -> Ran {
    if job.attempts > job.max_attempts {
        // Its lease ran out on the last attempt: the worker running it died, maybe because of it.
        return Ran::Done(Err(WorkError::Permanent(
            "its worker stopped during its last attempt".to_owned(),
        )));
    }
    let context = JobContext {
        store: shared.store.clone(),
        tenant: tenant.clone(),
        job: job.id,
        attempt: u32::try_from(job.attempts).unwrap_or(1),
        max_attempts: u32::try_from(job.max_attempts).unwrap_or(1),
        settled: Default::default(),
    };
    let outcome = shared
        .handlers
        .run(&job.kind, &context, job.payload.0.clone())
        .await;
    match outcome {
        Ok(()) if context.settled.into_inner() => Ran::Settled,
        outcome => Ran::Done(outcome),
    }
}

/// Records how a job's attempt went; the time of its retry, if there is one.
async fn record(
    shared: &Shared,
    tenant: &Tenant,
    job: &ClaimedJob,
    outcome: Result<(), WorkError>,
) -> Result<Option<DateTime<Utc>>, Refusal> {
    let mut tx = shared.store.begin_write(tenant).await?;
    let fate = match &outcome {
        Ok(()) => {
            jobs::succeeded(&mut tx, job.id).await?;
            None
        }
        Err(e) => {
            let failure = match e {
                WorkError::Transient(_) => Failure::Transient,
                WorkError::Permanent(_) => Failure::Permanent,
            };
            let backoff = shared.handlers.backoff(&job.kind);
            Some(jobs::failed(&mut tx, job, failure, &e.to_string(), backoff).await?)
        }
    };
    tx.commit().await?;
    let outcome_name = match (&outcome, fate) {
        (Ok(()), _) => "succeeded",
        (Err(_), Some(Fate::Retry(_))) => "retried",
        (Err(_), Some(Fate::Dead)) => "dead",
        (Err(_), Some(Fate::Superseded)) => "superseded",
        (Err(_), Some(Fate::Cancelled) | None) => "cancelled",
    };
    shared.metrics.job_ran(&job.kind, outcome_name);
    if let Err(e) = &outcome {
        tracing::warn!(tenant = %tenant.slug, job = %job.id, kind = %job.kind, attempt = job.attempts, outcome = outcome_name, error = %e, "a job failed");
    }
    Ok(match fate {
        Some(Fate::Retry(at)) => Some(at),
        _ => None,
    })
}

async fn give_back(shared: &Shared, tenant: &Tenant, job: &ClaimedJob) -> Result<(), Refusal> {
    let mut tx = shared.store.begin_write(tenant).await?;
    jobs::release(&mut tx, job.id).await?;
    tx.commit().await?;
    shared.metrics.job_ran(&job.kind, "released");
    Ok(())
}
