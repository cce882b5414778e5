//! Background jobs, for every face: a use case queues one in the transaction of the change that
//! causes it ([`enqueue`]); the worker claims due jobs and reports how each attempt went, and
//! the retry rule lives here (exponential backoff with jitter, dead after the kind's attempts);
//! the platform operator lists, retries and cancels jobs across tenants, each change audited.

use crate::platform::{self, Operator};
use crate::Refusal;
use chrono::{DateTime, Utc};
use lyceum_domain::{Backoff, Job, JobId, JobState, Slug};
use lyceum_store::repo::jobs::{self, NewJob, Requeued};
use lyceum_store::{Store, TenantTx, WriteTx};
use serde_json::json;
use std::time::Duration;

pub use lyceum_store::repo::jobs::{ClaimedJob, JobFilter, JobRecord};

/// When a job runs, and whether it is one of a kind that waits once.
#[derive(Debug, Clone, Default)]
pub struct Queueing {
    /// Not before this; `None`: now.
    pub run_at: Option<DateTime<Utc>>,
    /// While a queued job has this key, queueing another with it does nothing.
    pub unique_key: Option<String>,
}

/// Queues `job` in the transaction's tenant: it exists if, and only if, the transaction
/// commits, and the worker hears of it then. `None` when a queued job has the same unique key.
pub async fn enqueue<J: Job>(
    tx: &mut WriteTx,
    job: &J,
    queueing: Queueing,
) -> Result<Option<JobId>, Refusal> {
    let payload = serde_json::to_value(job).map_err(|_| Refusal::Internal("a job payload"))?;
    let new = NewJob {
        kind: J::KIND,
        payload,
        unique_key: queueing.unique_key,
        run_at: queueing.run_at.unwrap_or_else(Utc::now),
        max_attempts: J::MAX_ATTEMPTS,
    };
    Ok(jobs::enqueue(tx, &new).await?)
}

/// Queues every job of `batch` (run now, no unique key) in a few statements: what many
/// [`enqueue`]s would do, for a use case that makes many at once (an import).
pub async fn enqueue_all<J: Job>(tx: &mut WriteTx, batch: &[J]) -> Result<(), Refusal> {
    let now = Utc::now();
    let new = batch
        .iter()
        .map(|job| {
            Ok(NewJob {
                kind: J::KIND,
                payload: serde_json::to_value(job)
                    .map_err(|_| Refusal::Internal("a job payload"))?,
                unique_key: None,
                run_at: now,
                max_attempts: J::MAX_ATTEMPTS,
            })
        })
        .collect::<Result<Vec<_>, Refusal>>()?;
    Ok(jobs::enqueue_many(tx, &new).await?)
}

/// Claims up to `limit` due jobs of the transaction's tenant for the worker, each leased for
/// `lease` (past it, the job is claimed again: its worker is taken to have died).
pub async fn claim(
    tx: &mut WriteTx,
    lease: Duration,
    limit: u32,
) -> Result<Vec<ClaimedJob>, Refusal> {
    let now = Utc::now();
    Ok(jobs::claim(tx, now, now + lease, limit).await?)
}

/// The job ran to its end.
pub async fn succeeded(tx: &mut WriteTx, id: JobId) -> Result<(), Refusal> {
    jobs::succeed(tx, id).await?;
    Ok(())
}

/// How an attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// It may work next time (a server that did not answer).
    Transient,
    /// It never will (a payload this version cannot read): dead at once.
    Permanent,
}

/// What became of a job whose attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Queued again, to run at this time.
    Retry(DateTime<Utc>),
    /// Failed on its last attempt, or for good: an operator may retry it.
    Dead,
    /// A queued job with the same unique key will do the work: this one is cancelled.
    Superseded,
    /// It was cancelled while it ran.
    Cancelled,
}

/// Records a failed attempt of `job`: queued again after the kind's backoff (with jitter), or
/// dead once its attempts are spent or the failure is permanent.
pub async fn failed(
    tx: &mut WriteTx,
    job: &ClaimedJob,
    failure: Failure,
    error: &str,
    backoff: Backoff,
) -> Result<Fate, Refusal> {
    let spent = job.attempts >= job.max_attempts;
    if failure == Failure::Permanent || spent {
        return Ok(if jobs::bury(tx, job.id, error).await? {
            Fate::Dead
        } else {
            Fate::Cancelled
        });
    }
    let failed_attempts = u32::try_from(job.attempts).unwrap_or(1);
    let delay = backoff.delay(failed_attempts, fastrand::f64());
    let run_at = Utc::now() + delay;
    Ok(
        match jobs::requeue(tx, job.id, run_at, Some(error), false).await? {
            Requeued::Queued => Fate::Retry(run_at),
            Requeued::Superseded => Fate::Superseded,
            Requeued::NotRunning => Fate::Cancelled,
        },
    )
}

/// Gives a claimed job back unrun (its worker is stopping): queued to run now, the attempt not
/// counted.
pub async fn release(tx: &mut WriteTx, id: JobId) -> Result<(), Refusal> {
    jobs::requeue(tx, id, Utc::now(), None, true).await?;
    Ok(())
}

/// When the tenant next has a job to run (queued, or leased to a worker that may have died).
pub async fn next_due(tx: &mut TenantTx) -> Result<Option<DateTime<Utc>>, Refusal> {
    Ok(jobs::next_due(tx).await?)
}

/// How many of the tenant's jobs of each kind are in each state.
pub async fn census(tx: &mut TenantTx) -> Result<Vec<(String, JobState, u64)>, Refusal> {
    Ok(jobs::census(tx).await?)
}

/// A job and the tenant whose queue holds it.
#[derive(Debug, Clone)]
pub struct TenantJob {
    pub tenant: Slug,
    pub job: JobRecord,
}

/// The platform operator's view: jobs matching `filter` in tenant `slug`, or in every tenant,
/// newest first within each tenant, at most `limit` in all.
pub async fn list(
    store: &Store,
    slug: Option<&str>,
    filter: &JobFilter,
    limit: u32,
) -> Result<Vec<TenantJob>, Refusal> {
    let mut found = Vec::new();
    for tenant in platform::with_storage(store, slug).await? {
        let left = limit.saturating_sub(found.len() as u32);
        if left == 0 {
            break;
        }
        let mut tx = store.begin(&tenant).await?;
        let listed = jobs::list(&mut tx, filter, left).await?;
        tx.commit().await?;
        found.extend(listed.into_iter().map(|job| TenantJob {
            tenant: tenant.slug.clone(),
            job,
        }));
    }
    Ok(found)
}

/// Queues the job `id` (in tenant `slug`, or looked for in every tenant) to run now with its
/// attempts counted afresh, recording `job.retry`: a dead or cancelled job, or a queued one
/// (run now). `JOB_STATE_CONFLICT` for one running or done, `JOB_ALREADY_QUEUED` while a queued
/// job has its unique key.
pub async fn retry(
    store: &Store,
    operator: &Operator,
    id: JobId,
    slug: Option<&str>,
) -> Result<TenantJob, Refusal> {
    let from = [JobState::Dead, JobState::Cancelled, JobState::Queued];
    shift(
        store,
        operator,
        id,
        slug,
        &from,
        JobState::Queued,
        "job.retry",
    )
    .await
}

/// Cancels the job `id` (in tenant `slug`, or looked for in every tenant), recording
/// `job.cancel`: a queued or dead job, or a running one (what its run does is then not
/// recorded). `JOB_STATE_CONFLICT` for one done or cancelled.
pub async fn cancel(
    store: &Store,
    operator: &Operator,
    id: JobId,
    slug: Option<&str>,
) -> Result<TenantJob, Refusal> {
    let from = [JobState::Queued, JobState::Running, JobState::Dead];
    shift(
        store,
        operator,
        id,
        slug,
        &from,
        JobState::Cancelled,
        "job.cancel",
    )
    .await
}

async fn shift(
    store: &Store,
    operator: &Operator,
    id: JobId,
    slug: Option<&str>,
    from: &[JobState],
    to: JobState,
    action: &'static str,
) -> Result<TenantJob, Refusal> {
    for tenant in platform::with_storage(store, slug).await? {
        let mut tx = store.begin_write(&tenant).await?;
        let Some(before) = jobs::find(&mut tx, id).await? else {
            tx.rollback().await?;
            continue;
        };
        let shifted = match jobs::shift(&mut tx, id, from, to).await {
            Err(lyceum_store::StoreError::Conflict(_)) => {
                return Err(Refusal::conflict(
                    "JOB_ALREADY_QUEUED",
                    "a queued job has the same unique key; it will do the work",
                ))
            }
            shifted => shifted?,
        };
        if !shifted {
            return Err(Refusal::conflict(
                "JOB_STATE_CONFLICT",
                format!("the job is {}; it cannot be {to}", before.state),
            ));
        }
        let after = jobs::find(&mut tx, id)
            .await?
            .ok_or(Refusal::Internal("a job just changed"))?;
        tx.commit().await?;
        let mut audit = operator
            .audit(action)
            .on_tenant(tenant.id(), tenant.slug.as_str());
        audit.detail = json!({ "job": id, "kind": after.kind, "from": before.state, "to": to });
        store.directory().record(&audit).await?;
        return Ok(TenantJob {
            tenant: tenant.slug,
            job: after,
        });
    }
    Err(Refusal::NotFound {
        code: "JOB_NOT_FOUND",
        message: format!("no job {id}"),
    })
}
