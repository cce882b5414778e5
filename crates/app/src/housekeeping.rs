//! A tenant's housekeeping: what would otherwise pile up in its storage (delivered outbox
//! events, finished jobs and webhook deliveries, expired refresh tokens of users who never
//! sign in again) is deleted once older than the retention, by a daily [`Housekeeping`] job
//! that queues its next run.

use crate::jobs::{self, Queueing};
use crate::Refusal;
use chrono::Utc;
use lyceum_domain::jobs::Housekeeping;
use lyceum_store::repo::{jobs as queue, outbox, refresh_tokens};
use lyceum_store::WriteTx;
use std::time::Duration;

/// What a tidy-up deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tidied {
    pub events: u64,
    pub jobs: u64,
    pub refresh_tokens: u64,
    /// Finished webhook deliveries.
    pub webhook_deliveries: u64,
}

/// Deletes the tenant's delivered events and finished (succeeded or cancelled) jobs older than
/// `retention`, and its expired refresh tokens; queues the next run a day later.
pub async fn tidy(tx: &mut WriteTx, retention: Duration) -> Result<Tidied, Refusal> {
    let before = Utc::now() - retention;
    let tidied = Tidied {
        events: outbox::purge_delivered(tx, before).await?,
        jobs: queue::purge_finished(tx, before).await?,
        refresh_tokens: refresh_tokens::purge_expired(tx, None).await?,
        webhook_deliveries: crate::webhooks::tidy(tx, before).await?,
    };
    queue_next(tx, Housekeeping::EVERY).await?;
    Ok(tidied)
}

/// Queues the tenant's housekeeping, unless it is queued already, at a random moment within
/// its period, so that tenants are not all tidied at once (the worker's sweep calls it for a
/// tenant that has none).
pub async fn schedule(tx: &mut WriteTx) -> Result<(), Refusal> {
    queue_next(tx, Housekeeping::EVERY.mul_f64(fastrand::f64())).await
}

async fn queue_next(tx: &mut WriteTx, after: Duration) -> Result<(), Refusal> {
    let queueing = Queueing {
        run_at: Some(Utc::now() + after),
        unique_key: Some(Housekeeping::UNIQUE_KEY.to_owned()),
    };
    jobs::enqueue(tx, &Housekeeping {}, queueing).await?;
    Ok(())
}
