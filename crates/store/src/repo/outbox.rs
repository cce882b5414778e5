//! The event outbox: domain events written in the same transaction as the change they record,
//! delivered later (notifications, webhooks, jobs).

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{Scoped, Table, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{DomainEvent, EventId};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutboxEvent {
    pub id: Uuid,
    pub event_type: String,
    pub aggregate_id: Uuid,
    pub payload: Json<serde_json::Value>,
    pub occurred_at: DateTime<Utc>,
}

impl Table for OutboxEvent {
    const TABLE: &'static str = "outbox_events";
}

/// Records `event` in the transaction's tenant outbox: it is delivered if, and only if, the
/// transaction commits.
pub async fn append(tx: &mut WriteTx, event: &DomainEvent) -> Result<EventId, StoreError> {
    let (tenant, id) = (tx.tenant(), EventId::new());
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO outbox_events (tenant_id, id, event_type, aggregate_id, payload, occurred_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(event.event_type())
        .bind(event.aggregate_id())
        .bind(Json(event.payload()))
        .bind(Utc::now())
        .execute(c)
        .await?.rows_affected()
    });
    Ok(id)
}

/// Appends many events in few statements, for bulk operations.
pub async fn append_many(tx: &mut WriteTx, events: &[DomainEvent]) -> Result<(), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    for chunk in events.chunks(super::BULK_ROWS) {
        dispatch!(tx.conn(), c => {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO outbox_events (tenant_id, id, event_type, aggregate_id, payload, occurred_at) ",
            );
            insert.push_values(chunk, |mut row, event| {
                row.push_bind(tenant)
                    .push_bind(EventId::new().as_uuid())
                    .push_bind(event.event_type())
                    .push_bind(event.aggregate_id())
                    .push_bind(Json(event.payload()))
                    .push_bind(now);
            });
            insert.build().execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// Undelivered events, oldest first.
pub async fn pending(tx: &mut TenantTx, limit: u32) -> Result<Vec<OutboxEvent>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<Scoped<OutboxEvent>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, id, event_type, aggregate_id, payload, occurred_at FROM outbox_events \
             WHERE tenant_id = $1 AND delivered_at IS NULL ORDER BY id LIMIT $2",
        )
        .bind(tenant)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?
    });
    rows.into_iter().map(|r| Ok(tx.own(r)?.record)).collect()
}
