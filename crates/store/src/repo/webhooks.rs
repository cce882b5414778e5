//! The tenant's webhook endpoints (`webhook_endpoints`) and the log of their deliveries
//! (`webhook_deliveries`). An endpoint's secret is read only by [`outgoing`] (the worker signs
//! with it) and written by [`insert`] and [`set_secret`]; every other read leaves it out. What
//! an endpoint may be, which events it gets and when it is given up are the application's
//! rules; this module stores and reads.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{Scoped, Table, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{DeliveryId, DeliveryStatus, EventId, JobId, UserId, WebhookId};
use serde::Serialize;
use uuid::Uuid;

/// An endpoint, as its admins see it (never its secret).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    pub id: WebhookId,
    pub url: String,
    pub description: String,
    /// The event types it receives, or `["*"]` for all of them.
    pub events: Vec<String>,
    /// A disabled endpoint gets no deliveries (an admin disabled it, or it failed for a day).
    pub enabled: bool,
    /// When its current run of failed deliveries began; `null` while it succeeds.
    pub failing_since: Option<DateTime<Utc>>,
    /// What its last failed delivery met, while it fails.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    tenant_id: Uuid,
    #[sqlx(try_from = "Uuid")]
    id: WebhookId,
    url: String,
    description: String,
    events: String,
    enabled: bool,
    failing_since: Option<DateTime<Utc>>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl crate::scope::TenantRow for EndpointRow {
    const TABLE: &'static str = "webhook_endpoints";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

impl EndpointRow {
    fn endpoint(self) -> Result<WebhookEndpoint, StoreError> {
        let events = serde_json::from_str(&self.events).map_err(|e| {
            StoreError::ConstraintViolation(format!("a stored event filter is unreadable: {e}"))
        })?;
        Ok(WebhookEndpoint {
            id: self.id,
            url: self.url,
            description: self.description,
            events,
            enabled: self.enabled,
            failing_since: self.failing_since,
            last_error: self.last_error,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const ENDPOINT: &str = "SELECT tenant_id, id, url, description, events, enabled, failing_since, \
                        last_error, created_at, updated_at FROM webhook_endpoints";

/// A new endpoint.
#[derive(Debug, Clone)]
pub struct NewEndpoint<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a [String],
    pub secret: &'a str,
    pub created_by: UserId,
}

fn events_text(events: &[String]) -> String {
    serde_json::Value::from(events.to_vec()).to_string()
}

pub async fn insert(
    tx: &mut WriteTx,
    new: &NewEndpoint<'_>,
) -> Result<WebhookEndpoint, StoreError> {
    let (tenant, id, now) = (tx.tenant(), WebhookId::new(), Utc::now());
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO webhook_endpoints (tenant_id, id, url, description, events, secret, enabled, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8, $8)",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(new.url)
        .bind(new.description)
        .bind(events_text(new.events))
        .bind(new.secret)
        .bind(new.created_by.as_uuid())
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    find(tx, id).await?.ok_or(StoreError::ConstraintViolation(
        "an endpoint just inserted".into(),
    ))
}

/// Every endpoint of the tenant, oldest first.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<WebhookEndpoint>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("{ENDPOINT} WHERE tenant_id = $1 ORDER BY id");
    let rows: Vec<EndpointRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).fetch_all(c).await?
    });
    rows.into_iter()
        .map(|row| tx.own(row)?.endpoint())
        .collect()
}

pub async fn count(tx: &mut TenantTx) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM webhook_endpoints WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(c)
            .await?
    }))
}

pub async fn find(tx: &mut TenantTx, id: WebhookId) -> Result<Option<WebhookEndpoint>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("{ENDPOINT} WHERE tenant_id = $1 AND id = $2");
    let row: Option<EndpointRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|row| tx.own(row)?.endpoint()).transpose()
}

/// An endpoint's new settings (each as it is to be).
#[derive(Debug, Clone)]
pub struct EndpointSettings<'a> {
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a [String],
    /// Enabling an endpoint forgets its run of failures.
    pub enabled: bool,
}

/// Changes an endpoint; `None` when there is none by that id.
pub async fn update(
    tx: &mut WriteTx,
    id: WebhookId,
    settings: &EndpointSettings<'_>,
) -> Result<Option<WebhookEndpoint>, StoreError> {
    let tenant = tx.tenant();
    let changed = dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE webhook_endpoints SET url = $3, description = $4, events = $5, enabled = $6, \
             failing_since = CASE WHEN $6 AND NOT enabled THEN NULL ELSE failing_since END, \
             last_error = CASE WHEN $6 AND NOT enabled THEN NULL ELSE last_error END, \
             updated_at = $7 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(settings.url)
        .bind(settings.description)
        .bind(events_text(settings.events))
        .bind(settings.enabled)
        .bind(Utc::now())
        .execute(c)
        .await?
        .rows_affected()
    });
    if changed == 0 {
        return Ok(None);
    }
    find(tx, id).await
}

/// Replaces an endpoint's secret; `false` when there is none by that id.
pub async fn set_secret(tx: &mut WriteTx, id: WebhookId, secret: &str) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let changed = dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE webhook_endpoints SET secret = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(secret)
            .bind(Utc::now())
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(changed > 0)
}

/// Deletes an endpoint and its deliveries; `false` when there is none by that id.
pub async fn delete(tx: &mut WriteTx, id: WebhookId) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2")
            .bind(tenant)
            .bind(id.as_uuid())
            .execute(c)
            .await?
        .rows_affected()
    });
    super::delete_by_id(tx, "webhook_endpoints", id.as_uuid()).await
}

/// The enabled endpoints with their event filters, for fanning events out.
pub async fn enabled(tx: &mut TenantTx) -> Result<Vec<(WebhookId, Vec<String>)>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, Uuid, String)> = dispatch!(tx.conn(), c => {
        sqlx::query_as("SELECT tenant_id, id, events FROM webhook_endpoints WHERE tenant_id = $1 AND enabled ORDER BY id")
            .bind(tenant)
            .fetch_all(c)
            .await?
    });
    let rows = tx.own_all(
        "webhook_endpoints",
        rows.into_iter()
            .map(|(t, id, events)| (t, (id, events)))
            .collect(),
    )?;
    rows.into_iter()
        .map(|(id, events)| {
            let events = serde_json::from_str(&events).map_err(|e| {
                StoreError::ConstraintViolation(format!("a stored event filter is unreadable: {e}"))
            })?;
            Ok((WebhookId::from_uuid(id), events))
        })
        .collect()
}

/// A run of failures goes on (or begins at `at`): answers when it began, and whether the
/// endpoint is still enabled; `None` when the endpoint is gone.
pub async fn failing(
    tx: &mut WriteTx,
    id: WebhookId,
    at: DateTime<Utc>,
    error: &str,
) -> Result<Option<(DateTime<Utc>, bool)>, StoreError> {
    let tenant = tx.tenant();
    let row: Option<(Uuid, Option<DateTime<Utc>>, bool)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $3), last_error = $4 \
             WHERE tenant_id = $1 AND id = $2 RETURNING tenant_id, failing_since, enabled",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(at)
        .bind(error)
        .fetch_optional(c)
        .await?
    });
    let Some(row) = row else { return Ok(None) };
    let mut owned = tx.own_all("webhook_endpoints", vec![(row.0, (row.1, row.2))])?;
    let (since, enabled) = owned.remove(0);
    Ok(Some((since.unwrap_or(at), enabled)))
}

/// A delivery succeeded: the endpoint's run of failures is over.
pub async fn succeeding(tx: &mut WriteTx, id: WebhookId) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE webhook_endpoints SET failing_since = NULL, last_error = NULL \
             WHERE tenant_id = $1 AND id = $2 AND failing_since IS NOT NULL",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Disables an endpoint that was enabled; `false` when it was not (or is gone).
pub async fn disable(tx: &mut WriteTx, id: WebhookId) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let changed = dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE webhook_endpoints SET enabled = FALSE, updated_at = $3 WHERE tenant_id = $1 AND id = $2 AND enabled")
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(Utc::now())
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(changed > 0)
}

/// One delivery, as its endpoint's admins see it (not the body: the event is the outbox's).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Delivery {
    #[sqlx(try_from = "Uuid")]
    pub id: DeliveryId,
    #[sqlx(try_from = "Uuid")]
    pub webhook_id: WebhookId,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    pub event_type: String,
    #[sqlx(try_from = "String")]
    pub status: DeliveryStatus,
    /// Attempts made so far.
    pub attempts: i32,
    /// The last attempt's HTTP status; `null` when none came back (refused, timed out).
    pub response_status: Option<i32>,
    /// How long the last attempt took, in milliseconds.
    pub duration_ms: Option<i64>,
    /// The first KiB of the last answer's body.
    pub response_body: Option<String>,
    /// Why the last attempt failed, when it did.
    pub error: Option<String>,
    /// When the next attempt is due, while one is queued.
    pub next_retry_at: Option<DateTime<Utc>>,
    /// The delivery this one sends again, for a replay.
    pub replay_of: Option<Uuid>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Table for Delivery {
    const TABLE: &'static str = "webhook_deliveries";
}

const DELIVERY: &str =
    "SELECT d.tenant_id, d.id, d.webhook_id, d.event_id, d.event_type, d.status, \
     d.attempts, d.response_status, d.duration_ms, d.response_body, d.error, \
     CASE WHEN j.state = 'queued' THEN j.run_at END AS next_retry_at, d.replay_of, \
     d.last_attempt_at, d.created_at FROM webhook_deliveries d \
     LEFT JOIN jobs j ON j.tenant_id = d.tenant_id AND j.id = d.job_id";

/// A delivery to record.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub id: DeliveryId,
    pub webhook: WebhookId,
    pub event_id: EventId,
    pub event_type: &'a str,
    /// The envelope as it is signed and sent.
    pub body: &'a str,
    pub job: Option<JobId>,
    pub replay_of: Option<DeliveryId>,
}

pub async fn insert_delivery(tx: &mut WriteTx, new: &NewDelivery<'_>) -> Result<(), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, event_type, body, \
             status, attempts, job_id, replay_of, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, $9, $9)",
        )
        .bind(tenant)
        .bind(new.id.as_uuid())
        .bind(new.webhook.as_uuid())
        .bind(new.event_id.as_uuid())
        .bind(new.event_type)
        .bind(new.body)
        .bind(new.job.map(|j| j.as_uuid()))
        .bind(new.replay_of.map(|d| d.as_uuid()))
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// A page of an endpoint's deliveries, newest first, older than `before` if given.
pub async fn deliveries(
    tx: &mut TenantTx,
    webhook: WebhookId,
    before: Option<DeliveryId>,
    limit: u32,
) -> Result<Vec<Delivery>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "{DELIVERY} WHERE d.tenant_id = $1 AND d.webhook_id = $2 AND ($3 IS NULL OR d.id < $3) \
         ORDER BY d.id DESC LIMIT $4"
    );
    let rows: Vec<Scoped<Delivery>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(webhook.as_uuid())
            .bind(before.map(|d| d.as_uuid()))
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
    });
    rows.into_iter().map(|r| Ok(tx.own(r)?.record)).collect()
}

/// A delivery of `webhook`.
pub async fn find_delivery(
    tx: &mut TenantTx,
    webhook: WebhookId,
    id: DeliveryId,
) -> Result<Option<Delivery>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("{DELIVERY} WHERE d.tenant_id = $1 AND d.webhook_id = $2 AND d.id = $3");
    let row: Option<Scoped<Delivery>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(webhook.as_uuid())
            .bind(id.as_uuid())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| Ok(tx.own(r)?.record)).transpose()
}

/// What the worker needs to send a delivery: where, with which secret, what.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Outgoing {
    #[sqlx(try_from = "Uuid")]
    pub webhook_id: WebhookId,
    pub url: String,
    pub secret: String,
    pub enabled: bool,
    #[sqlx(try_from = "Uuid")]
    pub event_id: EventId,
    pub body: String,
    #[sqlx(try_from = "String")]
    pub status: DeliveryStatus,
    pub attempts: i32,
}

impl Table for Outgoing {
    const TABLE: &'static str = "webhook_deliveries";
}

/// The delivery `id` with its endpoint; `None` when either is gone.
pub async fn outgoing(tx: &mut TenantTx, id: DeliveryId) -> Result<Option<Outgoing>, StoreError> {
    let tenant = tx.tenant();
    let row: Option<Scoped<Outgoing>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT d.tenant_id, d.webhook_id, e.url, e.secret, e.enabled, d.event_id, d.body, d.status, \
             d.attempts FROM webhook_deliveries d JOIN webhook_endpoints e \
             ON e.tenant_id = d.tenant_id AND e.id = d.webhook_id WHERE d.tenant_id = $1 AND d.id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .fetch_optional(c)
        .await?
    });
    row.map(|r| Ok(tx.own(r)?.record)).transpose()
}

/// How an attempt went, as the log keeps it.
#[derive(Debug, Clone)]
pub struct AttemptRecord<'a> {
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub response_status: Option<i32>,
    pub duration_ms: Option<i64>,
    pub response_body: Option<&'a str>,
    pub error: Option<&'a str>,
    pub at: DateTime<Utc>,
}

pub async fn record_attempt(
    tx: &mut WriteTx,
    id: DeliveryId,
    attempt: &AttemptRecord<'_>,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $3, attempts = $4, response_status = $5, \
             duration_ms = $6, response_body = $7, error = $8, last_attempt_at = $9, updated_at = $9 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(attempt.status.as_str())
        .bind(attempt.attempts)
        .bind(attempt.response_status)
        .bind(attempt.duration_ms)
        .bind(attempt.response_body)
        .bind(attempt.error)
        .bind(attempt.at)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Sets a delivery's status without an attempt (cancelled before one was made).
pub async fn set_status(
    tx: &mut WriteTx,
    id: DeliveryId,
    status: DeliveryStatus,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE webhook_deliveries SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(status.as_str())
            .bind(Utc::now())
            .execute(c)
            .await?
        .rows_affected()
    });
    Ok(())
}

/// Deletes finished deliveries (succeeded, dead, cancelled) made before `before`; answers how
/// many.
pub async fn delete_finished_before(
    tx: &mut WriteTx,
    before: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query(
            "DELETE FROM webhook_deliveries WHERE tenant_id = $1 AND created_at < $2 \
             AND status IN ('succeeded', 'dead', 'cancelled')",
        )
        .bind(tenant)
        .bind(before)
        .execute(c)
        .await?
        .rows_affected()
    }))
}
