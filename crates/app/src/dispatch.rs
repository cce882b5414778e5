//! Delivery of the outbox, for the worker: under the tenant's dispatch lock (one dispatcher per
//! tenant at a time, whatever the number of processes), the next events in order as
//! [`EventEnvelope`]s, marked delivered in the same transaction as the consumers' own writes;
//! a failed batch holds the tenant's dispatching back for a while (exponential backoff), and
//! the next attempt delivers the same events again.

use crate::{platform, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::{Backoff, EventEnvelope, EventId, TenantId, UserId, EVENT_SCHEMA_VERSION};
use lyceum_store::repo::outbox::{self, OutboxEvent};
use lyceum_store::{Store, TenantTx, WriteTx};
use serde::Serialize;
use std::time::Duration;

pub use lyceum_store::repo::outbox::DispatchState;

/// The wait after failed batches: 1 s, 2 s, 4 s ... up to 5 minutes.
pub const FAILED_BATCH_BACKOFF: Backoff = Backoff {
    first: Duration::from_secs(1),
    most: Duration::from_secs(300),
};

/// Takes the tenant's dispatch lock for this transaction: `None` while another dispatcher holds
/// it (it is not waited for).
pub async fn lock(tx: &mut WriteTx) -> Result<Option<DispatchState>, Refusal> {
    Ok(outbox::lock_dispatch(tx).await?)
}

/// The next `limit` undelivered events of the tenant, in order.
pub async fn next_batch(tx: &mut WriteTx, limit: u32) -> Result<Vec<EventEnvelope>, Refusal> {
    let tenant = tx.tenant_id();
    Ok(outbox::pending(tx, limit)
        .await?
        .into_iter()
        .map(|event| envelope(tenant, event))
        .collect())
}

/// Marks `batch` delivered and records it in the dispatch state.
pub async fn delivered(tx: &mut WriteTx, batch: &[EventEnvelope]) -> Result<(), Refusal> {
    let Some(last) = batch.last() else {
        return Ok(());
    };
    let ids: Vec<_> = batch.iter().map(|e| e.id.as_uuid()).collect();
    let marked = outbox::mark_delivered(tx, &ids).await?;
    outbox::record_delivery(tx, marked, last.id.as_uuid()).await?;
    Ok(())
}

/// Records that a batch failed (`state` as the lock answered it): the tenant's events wait
/// until the answer, then are delivered again.
pub async fn failed(
    tx: &mut WriteTx,
    state: &DispatchState,
    error: &str,
) -> Result<DateTime<Utc>, Refusal> {
    let failures = u32::try_from(state.failures).unwrap_or(0) + 1;
    let retry_at = Utc::now() + FAILED_BATCH_BACKOFF.delay(failures, fastrand::f64());
    outbox::record_failure(tx, error, retry_at).await?;
    Ok(retry_at)
}

/// How many of the tenant's events wait for delivery.
pub async fn pending(tx: &mut TenantTx) -> Result<u64, Refusal> {
    Ok(outbox::pending_count(tx).await?)
}

/// How a tenant's outbox stands, for operators.
#[derive(Debug, Clone, Serialize)]
pub struct OutboxStatus {
    pub tenant: lyceum_domain::Slug,
    /// Events waiting for delivery.
    pub pending: u64,
    /// Delivered so far, the last failure and the backoff it holds (absent before the tenant's
    /// first dispatch).
    pub dispatch: Option<DispatchState>,
}

/// The outbox of tenant `slug`, or of every tenant with storage.
pub async fn status(store: &Store, slug: Option<&str>) -> Result<Vec<OutboxStatus>, Refusal> {
    let mut found = Vec::new();
    for tenant in platform::with_storage(store, slug).await? {
        let mut tx = store.begin(&tenant).await?;
        let pending = outbox::pending_count(&mut tx).await?;
        let dispatch = outbox::dispatch_state(&mut tx).await?;
        tx.commit().await?;
        found.push(OutboxStatus {
            tenant: tenant.slug,
            pending,
            dispatch,
        });
    }
    Ok(found)
}

/// An outbox record as the envelope consumers receive.
pub(crate) fn envelope(tenant: TenantId, event: OutboxEvent) -> EventEnvelope {
    let payload = event.payload.0;
    let schema_version = payload
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(EVENT_SCHEMA_VERSION);
    EventEnvelope {
        id: EventId::from_uuid(event.id),
        event_type: event.event_type,
        tenant_id: tenant,
        actor: event.actor_id.map(UserId::from_uuid),
        occurred_at: event.occurred_at,
        schema_version,
        payload,
    }
}
