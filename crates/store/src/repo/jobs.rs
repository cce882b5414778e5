//! The tenant's job queue. A job is queued in the transaction of the change that causes it
//! ([`enqueue`]), claimed by a worker with a lease ([`claim`]; on PostgreSQL rows another worker
//! holds are skipped), and then succeeds, is queued again for a later attempt, or is dead.
//! Operators list, retry and cancel jobs. The store keeps kinds and payloads as text and JSON;
//! what a kind means is the worker's.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{Scoped, Table, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{JobId, JobState};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    /// While a queued job has this key, queueing another with it does nothing.
    pub unique_key: Option<String>,
    pub run_at: DateTime<Utc>,
    pub max_attempts: u32,
}

/// A job as operators see it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct JobRecord {
    #[sqlx(try_from = "Uuid")]
    pub id: JobId,
    pub kind: String,
    #[sqlx(try_from = "String")]
    pub state: JobState,
    pub unique_key: Option<String>,
    pub attempts: i32,
    pub max_attempts: i32,
    /// When it runs (queued), ran last or was given up.
    pub run_at: DateTime<Utc>,
    /// Running: when its worker's lease ends.
    pub locked_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub payload: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Table for JobRecord {
    const TABLE: &'static str = "jobs";
}

/// A job a worker claimed: it runs it now, under a lease.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedJob {
    #[sqlx(try_from = "Uuid")]
    pub id: JobId,
    pub kind: String,
    pub payload: Json<serde_json::Value>,
    /// Counting this one.
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
}

impl Table for ClaimedJob {
    const TABLE: &'static str = "jobs";
}

const RECORD: &str = "tenant_id, id, kind, state, unique_key, attempts, max_attempts, run_at, \
                      locked_until, last_error, payload, created_at, updated_at";

/// Queues `job` in the transaction's tenant; it exists if, and only if, the transaction commits.
/// `None` when a queued job has the same unique key (nothing is queued).
pub async fn enqueue(tx: &mut WriteTx, job: &NewJob) -> Result<Option<JobId>, StoreError> {
    let id = JobId::new();
    if insert(tx, &[(id, job)]).await? == 0 {
        return Ok(None);
    }
    Ok(Some(id))
}

/// Queues `jobs` in a few statements; one whose unique key is taken is passed over, as by
/// [`enqueue`].
pub async fn enqueue_many(tx: &mut WriteTx, jobs: &[NewJob]) -> Result<(), StoreError> {
    let numbered: Vec<(JobId, &NewJob)> = jobs.iter().map(|job| (JobId::new(), job)).collect();
    for chunk in numbered.chunks(super::BULK_ROWS) {
        insert(tx, chunk).await?;
    }
    Ok(())
}

/// Inserts `jobs` as queued (those whose unique key is taken are passed over) and wakes the
/// worker if any was; answers how many were.
async fn insert(tx: &mut WriteTx, jobs: &[(JobId, &NewJob)]) -> Result<u64, StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let inserted = dispatch!(tx.conn(), c => {
        let mut insert = sqlx::QueryBuilder::new(
            "INSERT INTO jobs (tenant_id, id, kind, payload, state, unique_key, attempts, \
             max_attempts, run_at, created_at, updated_at) ",
        );
        insert.push_values(jobs, |mut row, (id, job)| {
            row.push_bind(tenant)
                .push_bind(id.as_uuid())
                .push_bind(job.kind)
                .push_bind(Json(&job.payload))
                .push_bind("queued")
                .push_bind(job.unique_key.as_deref())
                .push_bind(0_i32)
                .push_bind(i32::try_from(job.max_attempts.max(1)).unwrap_or(i32::MAX))
                .push_bind(job.run_at)
                .push_bind(now)
                .push_bind(now);
        });
        insert.push(" ON CONFLICT DO NOTHING");
        insert.build().execute(c).await?.rows_affected()
    });
    if inserted > 0 {
        tx.queues_work();
    }
    Ok(inserted)
}

/// Claims up to `limit` jobs due at `now` (queued ones whose `run_at` passed, and running ones
/// whose lease ran out: their worker died), earliest first, leasing them until `lease_until`
/// and counting an attempt. On PostgreSQL jobs another worker is claiming are passed over.
pub async fn claim(
    tx: &mut WriteTx,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<ClaimedJob>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = $3, updated_at = $2 \
         WHERE tenant_id = $1 AND id IN (SELECT id FROM jobs WHERE tenant_id = $1 \
           AND ((state = 'queued' AND run_at <= $2) OR (state = 'running' AND locked_until <= $2)) \
           ORDER BY run_at, id LIMIT $4{}) \
         RETURNING tenant_id, id, kind, payload, attempts, max_attempts, run_at",
        tx.skip_locked()
    );
    let rows: Vec<Scoped<ClaimedJob>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(now)
            .bind(lease_until)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
    });
    let mut claimed: Vec<ClaimedJob> = rows
        .into_iter()
        .map(|r| Ok(tx.own(r)?.record))
        .collect::<Result<_, StoreError>>()?;
    claimed.sort_by_key(|job| (job.run_at, job.id));
    Ok(claimed)
}

/// A running job succeeded; `false` if it was not running any more (cancelled meanwhile).
pub async fn succeed(tx: &mut WriteTx, id: JobId) -> Result<bool, StoreError> {
    settle(tx, id, JobState::Succeeded, None).await
}

/// A running job failed for good, or on its last attempt: it is dead.
pub async fn bury(tx: &mut WriteTx, id: JobId, error: &str) -> Result<bool, StoreError> {
    settle(tx, id, JobState::Dead, Some(error)).await
}

async fn settle(
    tx: &mut WriteTx,
    id: JobId,
    to: JobState,
    error: Option<&str>,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let settled = dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE jobs SET state = $3, locked_until = NULL, last_error = COALESCE($4, last_error), \
             updated_at = $5 WHERE tenant_id = $1 AND id = $2 AND state = 'running'",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(to.as_str())
        .bind(error)
        .bind(Utc::now())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(settled == 1)
}

/// What became of a running job put back in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeued {
    /// Queued again, to run at the time given.
    Queued,
    /// A queued job with the same unique key will do the work: this one is cancelled.
    Superseded,
    /// It was not running any more (cancelled meanwhile): left as it is.
    NotRunning,
}

/// Puts a running job back in the queue to run at `run_at`: after a failed attempt (`error`
/// says why), or unrun when its worker stops (`refund` gives the attempt back).
pub async fn requeue(
    tx: &mut WriteTx,
    id: JobId,
    run_at: DateTime<Utc>,
    error: Option<&str>,
    refund: bool,
) -> Result<Requeued, StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let refund = i32::from(refund);
    let queued = dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE jobs SET state = 'queued', run_at = $3, locked_until = NULL, \
             last_error = COALESCE($4, last_error), attempts = attempts - $5, updated_at = $6 \
             WHERE tenant_id = $1 AND id = $2 AND state = 'running' AND NOT EXISTS (\
               SELECT 1 FROM jobs waiting WHERE waiting.tenant_id = $1 AND waiting.state = 'queued' \
               AND waiting.unique_key = jobs.unique_key)",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(run_at)
        .bind(error)
        .bind(refund)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    if queued == 1 {
        return Ok(Requeued::Queued);
    }
    let superseded = dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE jobs SET state = 'cancelled', locked_until = NULL, \
             last_error = 'superseded by a queued job with the same unique key', updated_at = $3 \
             WHERE tenant_id = $1 AND id = $2 AND state = 'running'",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(if superseded == 1 {
        Requeued::Superseded
    } else {
        Requeued::NotRunning
    })
}

/// When the tenant next has a job to run: the earliest `run_at` of its queued jobs, or lease
/// end of its running ones; `None` with neither.
pub async fn next_due(tx: &mut TenantTx) -> Result<Option<DateTime<Utc>>, StoreError> {
    let tenant = tx.tenant();
    let (queued, leased): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT (SELECT MIN(run_at) FROM jobs WHERE tenant_id = $1 AND state = 'queued'), \
                    (SELECT MIN(locked_until) FROM jobs WHERE tenant_id = $1 AND state = 'running')",
        )
        .bind(tenant)
        .fetch_one(c)
        .await?
    });
    Ok(queued.into_iter().chain(leased).min())
}

/// How many jobs of each kind are in each state.
pub async fn census(tx: &mut TenantTx) -> Result<Vec<(String, JobState, u64)>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, String, String, i64)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, kind, state, COUNT(*) FROM jobs WHERE tenant_id = $1 \
             GROUP BY tenant_id, kind, state ORDER BY kind, state",
        )
        .bind(tenant)
        .fetch_all(c)
        .await?
    });
    tx.own_all(
        "jobs",
        rows.into_iter()
            .map(|(t, kind, state, n)| (t, (kind, state, n)))
            .collect(),
    )?
    .into_iter()
    .map(|(kind, state, n)| Ok((kind, state.parse()?, n as u64)))
    .collect()
}

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub kind: Option<String>,
}

/// The tenant's jobs matching `filter`, newest first.
pub async fn list(
    tx: &mut TenantTx,
    filter: &JobFilter,
    limit: u32,
) -> Result<Vec<JobRecord>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {RECORD} FROM jobs WHERE tenant_id = $1 AND ($2 IS NULL OR state = $2) \
         AND ($3 IS NULL OR kind = $3) ORDER BY id DESC LIMIT $4"
    );
    let rows: Vec<Scoped<JobRecord>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(filter.state.map(JobState::as_str))
            .bind(filter.kind.as_deref())
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
    });
    rows.into_iter().map(|r| Ok(tx.own(r)?.record)).collect()
}

/// The job `id`, if the tenant has it.
pub async fn find(tx: &mut TenantTx, id: JobId) -> Result<Option<JobRecord>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {RECORD} FROM jobs WHERE tenant_id = $1 AND id = $2");
    let row: Option<Scoped<JobRecord>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| Ok(tx.own(r)?.record)).transpose()
}

/// Moves the job `id` from one of the states `from` to `to` (an operator's retry or cancel):
/// a retried job is queued to run now with its attempts counted afresh. `false` if it was in
/// none of them. A retry while a queued job has the same unique key is a `Conflict`.
pub async fn shift(
    tx: &mut WriteTx,
    id: JobId,
    from: &[JobState],
    to: JobState,
) -> Result<bool, StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let retry = to == JobState::Queued;
    let sql = format!(
        "UPDATE jobs SET state = $3, locked_until = NULL, updated_at = $4, \
         run_at = CASE WHEN $5 THEN $4 ELSE run_at END, \
         attempts = CASE WHEN $5 THEN 0 ELSE attempts END \
         WHERE tenant_id = $1 AND id = $2 AND state IN ({})",
        super::placeholders(6, from.len())
    );
    let shifted = dispatch!(tx.conn(), c => {
        let mut query = sqlx::query(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(to.as_str())
            .bind(now)
            .bind(retry);
        for state in from {
            query = query.bind(state.as_str());
        }
        query.execute(c).await?.rows_affected()
    });
    if shifted == 1 && retry {
        tx.queues_work();
    }
    Ok(shifted == 1)
}

/// Deletes the jobs that succeeded or were cancelled before `before`; how many.
pub async fn purge_finished(tx: &mut WriteTx, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query(
            "DELETE FROM jobs WHERE tenant_id = $1 AND state IN ('succeeded', 'cancelled') AND updated_at < $2",
        )
        .bind(tenant)
        .bind(before)
        .execute(c)
        .await?
        .rows_affected()
    }))
}
