//! The event outbox: domain events written in the same transaction as the change they record,
//! delivered later by the worker's dispatcher (live events, webhooks, jobs), which marks each
//! one delivered and keeps where it stands in `outbox_dispatch`.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{Scoped, Table, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{DomainEvent, EventId, UserId};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxEvent {
    pub id: Uuid,
    pub event_type: String,
    pub aggregate_id: Uuid,
    /// The tenant user whose action recorded it; `None`: the system.
    pub actor_id: Option<Uuid>,
    pub payload: Json<serde_json::Value>,
    pub occurred_at: DateTime<Utc>,
}

impl Table for OutboxEvent {
    const TABLE: &'static str = "outbox_events";
}

/// Records `event`, caused by `actor` (`None`: the system), in the transaction's tenant outbox:
/// it is delivered if, and only if, the transaction commits.
pub async fn append(
    tx: &mut WriteTx,
    actor: Option<UserId>,
    event: &DomainEvent,
) -> Result<EventId, StoreError> {
    let (tenant, id) = (tx.tenant(), EventId::new());
    tx.queues_work();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO outbox_events (tenant_id, id, event_type, aggregate_id, actor_id, payload, occurred_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(event.event_type())
        .bind(event.aggregate_id())
        .bind(actor.map(|a| a.as_uuid()))
        .bind(Json(event.payload()))
        .bind(Utc::now())
        .execute(c)
        .await?.rows_affected()
    });
    Ok(id)
}

/// Appends many events of one actor in few statements, for bulk operations.
pub async fn append_many(
    tx: &mut WriteTx,
    actor: Option<UserId>,
    events: &[DomainEvent],
) -> Result<(), StoreError> {
    let (tenant, now, actor) = (tx.tenant(), Utc::now(), actor.map(|a| a.as_uuid()));
    if !events.is_empty() {
        tx.queues_work();
    }
    for chunk in events.chunks(super::BULK_ROWS) {
        dispatch!(tx.conn(), c => {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO outbox_events (tenant_id, id, event_type, aggregate_id, actor_id, payload, occurred_at) ",
            );
            insert.push_values(chunk, |mut row, event| {
                row.push_bind(tenant)
                    .push_bind(EventId::new().as_uuid())
                    .push_bind(event.event_type())
                    .push_bind(event.aggregate_id())
                    .push_bind(actor)
                    .push_bind(Json(event.payload()))
                    .push_bind(now);
            });
            insert.build().execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// Undelivered events, oldest first (by id: an event's id is drawn when it is appended, so the
/// events of one transaction, and of transactions that follow one another, keep their order).
pub async fn pending(tx: &mut TenantTx, limit: u32) -> Result<Vec<OutboxEvent>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<Scoped<OutboxEvent>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, id, event_type, aggregate_id, actor_id, payload, occurred_at FROM outbox_events \
             WHERE tenant_id = $1 AND delivered_at IS NULL ORDER BY id LIMIT $2",
        )
        .bind(tenant)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?
    });
    rows.into_iter().map(|r| Ok(tx.own(r)?.record)).collect()
}

/// How many events wait for delivery.
pub async fn pending_count(tx: &mut TenantTx) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    let count: i64 = dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox_events WHERE tenant_id = $1 AND delivered_at IS NULL")
            .bind(tenant)
            .fetch_one(c)
            .await?
    });
    Ok(count as u64)
}

/// Marks the events `ids` delivered (named one by one: an event committed meanwhile with an
/// older id than the last one delivered is still undelivered), numbering them in that order
/// after the tenant's last delivery number (see [`delivered_after`]). Takes the tenant's
/// dispatch row, so call it under the dispatch lock ([`lock_dispatch`]).
pub async fn mark_delivered(tx: &mut WriteTx, ids: &[Uuid]) -> Result<u64, StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let count = ids.len() as i64;
    let last: i64 = dispatch!(tx.conn(), c => {
        sqlx::query_scalar(
            "INSERT INTO outbox_dispatch (tenant_id, updated_at, last_seq) VALUES ($1, $2, $3) \
             ON CONFLICT (tenant_id) DO UPDATE SET last_seq = outbox_dispatch.last_seq + $3 \
             RETURNING last_seq",
        )
        .bind(tenant)
        .bind(now)
        .bind(count)
        .fetch_one(c)
        .await?
    });
    let mut next = last - count + 1;
    let mut marked = 0;
    // Two parameters per event (its id and its number), three before them.
    for chunk in ids.chunks(super::BULK_ROWS / 2) {
        let numbers: Vec<String> = (0..chunk.len())
            .map(|i| format!("WHEN ${} THEN ${}", 3 + 2 * i, 4 + 2 * i))
            .collect();
        let listed: Vec<String> = (0..chunk.len())
            .map(|i| format!("${}", 3 + 2 * i))
            .collect();
        let sql = format!(
            "UPDATE outbox_events SET delivered_at = $2, delivered_seq = CASE id {} END \
             WHERE tenant_id = $1 AND delivered_at IS NULL AND id IN ({})",
            numbers.join(" "),
            listed.join(", ")
        );
        marked += dispatch!(tx.conn(), c => {
            let mut query = sqlx::query(&sql).bind(tenant).bind(now);
            for id in chunk {
                query = query.bind(id).bind(next);
                next += 1;
            }
            query.execute(c).await?.rows_affected()
        });
    }
    tx.delivers_events();
    Ok(marked)
}

/// A delivered event with its delivery number.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveredEvent {
    /// The tenant's delivery number: events were delivered in this order, with no gaps among
    /// those still kept.
    pub delivered_seq: i64,
    #[sqlx(flatten)]
    pub event: OutboxEvent,
}

impl Table for DeliveredEvent {
    const TABLE: &'static str = "outbox_events";
}

/// Up to `limit` events delivered after delivery number `after`, in delivery order. A reader
/// that asks again from the last number it saw misses nothing: numbers are handed out under
/// the dispatch lock, so no smaller number commits later.
pub async fn delivered_after(
    tx: &mut TenantTx,
    after: i64,
    limit: u32,
) -> Result<Vec<DeliveredEvent>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<Scoped<DeliveredEvent>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, delivered_seq, id, event_type, aggregate_id, actor_id, payload, occurred_at \
             FROM outbox_events WHERE tenant_id = $1 AND delivered_seq > $2 \
             ORDER BY delivered_seq LIMIT $3",
        )
        .bind(tenant)
        .bind(after)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?
    });
    rows.into_iter().map(|r| Ok(tx.own(r)?.record)).collect()
}

/// The tenant's last delivery number (0 before any).
pub async fn last_delivered_seq(tx: &mut TenantTx) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    let last: Option<i64> = dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT last_seq FROM outbox_dispatch WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_optional(c)
            .await?
    });
    Ok(last.unwrap_or(0))
}

/// Deletes the events delivered before `before`; how many.
pub async fn purge_delivered(tx: &mut WriteTx, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM outbox_events WHERE tenant_id = $1 AND delivered_at < $2")
            .bind(tenant)
            .bind(before)
            .execute(c)
            .await?
            .rows_affected()
    }))
}

/// Where the dispatcher stands for the tenant.
#[derive(Debug, Clone, Default, Serialize, sqlx::FromRow)]
pub struct DispatchState {
    /// Events delivered so far.
    pub delivered: i64,
    pub last_event_id: Option<Uuid>,
    /// Batches that failed in a row (0 once one succeeds).
    pub failures: i32,
    pub last_error: Option<String>,
    /// After a failure: no dispatching before this.
    pub retry_at: Option<DateTime<Utc>>,
}

impl Table for DispatchState {
    const TABLE: &'static str = "outbox_dispatch";
}

/// Takes the tenant's dispatch lock for this transaction and answers where dispatching stands;
/// `None` when another transaction holds it (on PostgreSQL, another worker dispatching the
/// tenant right now: it is passed over, not waited for). On SQLite the write transaction holds
/// the file already.
pub async fn lock_dispatch(tx: &mut WriteTx) -> Result<Option<DispatchState>, StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let skip_locked = tx.skip_locked();
    if let Some(state) = read_dispatch(tx, skip_locked).await? {
        return Ok(Some(state));
    }
    // No row yet, or one held by another transaction: a new row is this transaction's (its
    // insert holds it); an existing one is someone else's.
    let inserted = dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO outbox_dispatch (tenant_id, updated_at) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING",
        )
        .bind(tenant)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok((inserted == 1).then(DispatchState::default))
}

/// Where dispatching stands, as last recorded (`None` before the tenant's first dispatch).
pub async fn dispatch_state(tx: &mut TenantTx) -> Result<Option<DispatchState>, StoreError> {
    read_dispatch(tx, "").await
}

async fn read_dispatch(tx: &mut TenantTx, lock: &str) -> Result<Option<DispatchState>, StoreError> {
    let tenant = tx.tenant();
    let select = format!(
        "SELECT tenant_id, delivered, last_event_id, failures, last_error, retry_at \
         FROM outbox_dispatch WHERE tenant_id = $1{lock}"
    );
    let row: Option<Scoped<DispatchState>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&select).bind(tenant).fetch_optional(c).await?
    });
    row.map(|r| Ok(tx.own(r)?.record)).transpose()
}

/// Records a delivered batch (under the dispatch lock): `count` more events, the last one
/// `last_event`; clears a failure.
pub async fn record_delivery(
    tx: &mut WriteTx,
    count: u64,
    last_event: Uuid,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE outbox_dispatch SET delivered = delivered + $2, last_event_id = $3, failures = 0, \
             last_error = NULL, retry_at = NULL, updated_at = $4 WHERE tenant_id = $1",
        )
        .bind(tenant)
        .bind(count as i64)
        .bind(last_event)
        .bind(Utc::now())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Records a failed batch (under the dispatch lock): one failure more, why, and when to try
/// again.
pub async fn record_failure(
    tx: &mut WriteTx,
    error: &str,
    retry_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE outbox_dispatch SET failures = failures + 1, last_error = $2, retry_at = $3, \
             updated_at = $4 WHERE tenant_id = $1",
        )
        .bind(tenant)
        .bind(error)
        .bind(retry_at)
        .bind(Utc::now())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}
