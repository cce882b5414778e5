//! Webhooks, for every face: a tenant's admins (`webhook:manage`, on a plan with webhooks)
//! add, read, change, delete endpoints and rotate their secrets (each audited), read an
//! endpoint's deliveries and replay one; the worker fans each batch of events out to the
//! matching endpoints ([`fan_out`]: a delivery row and a delivery job per endpoint, in the
//! dispatch transaction), reads what to send ([`outgoing`]), signs it ([`signature`]) and
//! records how each attempt went ([`record_attempt`]), which gives up an endpoint that has
//! failed for a day (`webhook.disabled`).
//!
//! Which addresses a delivery may reach is vetted here too ([`Target::vet`] when an endpoint is
//! saved, [`resolve`] at every delivery, against DNS rebinding). Sending is the worker's: this
//! module makes no HTTP request.

use crate::audit::{self, Change};
use crate::jobs::{self, Queueing};
use crate::{Actor, Refusal};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use lyceum_domain::webhook::{FailingEndpoint, MAX_DESCRIPTION_CHARS};
use lyceum_domain::{
    events, AuditAction, AuditTarget, DeliveryId, DeliveryStatus, EventEnvelope, EventFilter,
    Permission, TargetFault, TargetPolicy, ValidationError, WebhookDelivery, WebhookId, WebhookUrl,
};
use lyceum_store::repo::outbox;
use lyceum_store::repo::webhooks::{
    self as repo, AttemptRecord, EndpointSettings, NewDelivery, NewEndpoint,
};
use lyceum_store::{TenantTx, WriteTx};
use ring::rand::SecureRandom;
use serde_json::json;
use std::net::SocketAddr;
use std::time::Duration;

pub use lyceum_store::repo::webhooks::{Delivery, Outgoing, WebhookEndpoint};

/// Endpoints a tenant may have.
pub const MAX_ENDPOINTS: i64 = 20;
/// How much of an answer's body the log keeps.
pub const STORED_BODY_BYTES: usize = 1024;
/// The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`.
pub const SIGNATURE_HEADER: &str = "Lyceum-Signature";
/// The header carrying the event's id, for receivers that keep what they handled.
pub const EVENT_ID_HEADER: &str = "Lyceum-Event-Id";
/// The header carrying the delivery's id (a replay has its own).
pub const DELIVERY_ID_HEADER: &str = "Lyceum-Delivery-Id";

impl From<TargetFault> for Refusal {
    fn from(fault: TargetFault) -> Self {
        Refusal::unacceptable(fault.code(), fault.to_string())
    }
}

fn webhook_not_found() -> Refusal {
    Refusal::NotFound {
        code: "WEBHOOK_NOT_FOUND",
        message: "no such webhook".into(),
    }
}

fn delivery_not_found() -> Refusal {
    Refusal::NotFound {
        code: "DELIVERY_NOT_FOUND",
        message: "no such delivery of this webhook".into(),
    }
}

/// Admins on a plan with webhooks: `PERMISSION_DENIED`, then `PLAN_FEATURE_UNAVAILABLE`.
fn may_manage(actor: &Actor) -> Result<(), Refusal> {
    actor.require(Permission::WebhookManage)?;
    if !actor.plan.limits().webhooks {
        return Err(Refusal::forbidden(
            "PLAN_FEATURE_UNAVAILABLE",
            format!("the {} plan does not include webhooks", actor.plan),
        ));
    }
    Ok(())
}

/// A webhook URL whose host resolved, when it was vetted, only to addresses deliveries may
/// reach. Vetted before the transaction opens (a name lookup may take a while).
#[derive(Debug, Clone)]
pub struct Target(WebhookUrl);

impl Target {
    /// Reads `url` and resolves its host under `policy`, for an `actor` who may manage
    /// webhooks (refused first, so nobody else has names looked up): `INVALID_WEBHOOK_URL` for
    /// one that is not an http(s) URL, `WEBHOOK_TARGET_REFUSED` for one that names or resolves
    /// to an address deliveries may not reach, or does not resolve.
    pub async fn vet(actor: &Actor, url: &str, policy: TargetPolicy) -> Result<Target, Refusal> {
        may_manage(actor)?;
        let url = WebhookUrl::parse(url)?;
        resolve(&url, policy).await?;
        Ok(Target(url))
    }

    pub fn url(&self) -> &WebhookUrl {
        &self.0
    }
}

/// The addresses `url`'s host resolves to, each one allowed by `policy`; refused if any is not
/// (a name that also leads somewhere private is not trusted), or if there are none.
pub async fn resolve(
    url: &WebhookUrl,
    policy: TargetPolicy,
) -> Result<Vec<SocketAddr>, TargetFault> {
    resolve_host(url.host(), url.port(), policy).await
}

/// [`resolve`] for a host and port (the worker's resolver is asked by name).
pub async fn resolve_host(
    host: &str,
    port: u16,
    policy: TargetPolicy,
) -> Result<Vec<SocketAddr>, TargetFault> {
    let addresses: Vec<SocketAddr> = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| TargetFault::Refused(format!("{host} could not be resolved: {e}")))?
            .collect(),
    };
    if addresses.is_empty() {
        return Err(TargetFault::Refused(format!(
            "{host} resolves to no address"
        )));
    }
    for address in &addresses {
        policy.check(address.ip())?;
    }
    Ok(addresses)
}

/// A new secret: 32 random bytes from the system's CSPRNG, as `whsec_` and URL-safe base64.
fn new_secret() -> Result<String, Refusal> {
    let mut bytes = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Refusal::Internal("the system's random number generator"))?;
    Ok(format!(
        "whsec_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}

/// The `Lyceum-Signature` header's value for `body` sent at `timestamp` (unix seconds):
/// `t=<timestamp>,v1=<hex of HMAC-SHA256("<timestamp>.<body>") keyed with the secret's bytes>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut context = ring::hmac::Context::with_key(&key);
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    let tag = context.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// An endpoint and its secret, which is shown this once.
#[derive(Debug, Clone)]
pub struct WithSecret {
    pub webhook: WebhookEndpoint,
    pub secret: String,
}

/// A new endpoint.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub target: Target,
    pub events: Vec<String>,
    pub description: Option<String>,
}

fn description(text: Option<&str>) -> Result<String, Refusal> {
    let text: String = text.unwrap_or_default().trim().to_owned();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ValidationError::TooLong {
            field: "description",
            max: MAX_DESCRIPTION_CHARS,
        }
        .into());
    }
    if text.chars().any(char::is_control) {
        return Err(Refusal::unacceptable(
            "VALIDATION_FAILED",
            "the description must not hold control characters",
        ));
    }
    Ok(text)
}

fn state(webhook: &WebhookEndpoint) -> serde_json::Value {
    json!({
        "url": webhook.url,
        "events": webhook.events,
        "description": webhook.description,
        "enabled": webhook.enabled,
    })
}

/// Adds an endpoint (`webhook:manage`, a plan with webhooks; at most [`MAX_ENDPOINTS`]) with a
/// new secret, answered this once. Audited as `webhook.created`.
pub async fn create(
    tx: &mut WriteTx,
    actor: &Actor,
    new: NewWebhook,
) -> Result<WithSecret, Refusal> {
    tx.affects_nothing_cached();
    may_manage(actor)?;
    let filter = EventFilter::parse(&new.events)?;
    let description = description(new.description.as_deref())?;
    if repo::count(tx).await? >= MAX_ENDPOINTS {
        return Err(Refusal::conflict(
            "WEBHOOK_LIMIT_REACHED",
            format!("a tenant has at most {MAX_ENDPOINTS} webhooks"),
        ));
    }
    let secret = new_secret()?;
    let webhook = repo::insert(
        tx,
        &NewEndpoint {
            url: new.target.url().as_str(),
            description: &description,
            events: &filter.types(),
            secret: &secret,
            created_by: actor.user,
        },
    )
    .await?;
    let change = Change::new(AuditAction::WebhookCreated)
        .on(AuditTarget::Webhook(webhook.id))
        .after(state(&webhook));
    audit::record(tx, actor, change).await?;
    Ok(WithSecret { webhook, secret })
}

/// The tenant's endpoints, oldest first (`webhook:manage`).
pub async fn list(tx: &mut TenantTx, actor: &Actor) -> Result<Vec<WebhookEndpoint>, Refusal> {
    may_manage(actor)?;
    Ok(repo::list(tx).await?)
}

/// One endpoint (`webhook:manage`); `WEBHOOK_NOT_FOUND`.
pub async fn show(
    tx: &mut TenantTx,
    actor: &Actor,
    id: WebhookId,
) -> Result<WebhookEndpoint, Refusal> {
    may_manage(actor)?;
    repo::find(tx, id).await?.ok_or_else(webhook_not_found)
}

/// What to change in an endpoint; what is `None` stays.
#[derive(Debug, Clone, Default)]
pub struct WebhookChanges {
    pub target: Option<Target>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    /// `true` enables it again (forgetting its failures), `false` stops its deliveries.
    pub enabled: Option<bool>,
}

/// Changes an endpoint (`webhook:manage`). Audited as `webhook.updated`, with the state
/// before and after.
pub async fn update(
    tx: &mut WriteTx,
    actor: &Actor,
    id: WebhookId,
    changes: WebhookChanges,
) -> Result<WebhookEndpoint, Refusal> {
    tx.affects_nothing_cached();
    let before = show(tx, actor, id).await?;
    let events = match &changes.events {
        Some(events) => EventFilter::parse(events)?.types(),
        None => before.events.clone(),
    };
    let description = match &changes.description {
        Some(text) => description(Some(text))?,
        None => before.description.clone(),
    };
    let url = changes
        .target
        .as_ref()
        .map_or(before.url.as_str(), |t| t.url().as_str());
    let settings = EndpointSettings {
        url,
        description: &description,
        events: &events,
        enabled: changes.enabled.unwrap_or(before.enabled),
    };
    let after = repo::update(tx, id, &settings)
        .await?
        .ok_or_else(webhook_not_found)?;
    let change = Change::new(AuditAction::WebhookUpdated)
        .on(AuditTarget::Webhook(id))
        .before(state(&before))
        .after(state(&after));
    audit::record(tx, actor, change).await?;
    Ok(after)
}

/// Deletes an endpoint and its delivery log (`webhook:manage`); its queued deliveries do
/// nothing when they come due. Audited as `webhook.deleted`.
pub async fn delete(tx: &mut WriteTx, actor: &Actor, id: WebhookId) -> Result<(), Refusal> {
    tx.affects_nothing_cached();
    let before = show(tx, actor, id).await?;
    repo::delete(tx, id).await?;
    let change = Change::new(AuditAction::WebhookDeleted)
        .on(AuditTarget::Webhook(id))
        .before(state(&before));
    audit::record(tx, actor, change).await
}

/// Gives an endpoint a new secret, answered this once (`webhook:manage`); deliveries sent from
/// now on are signed with it. Audited as `webhook.secret_rotated` (never the secret).
pub async fn rotate_secret(
    tx: &mut WriteTx,
    actor: &Actor,
    id: WebhookId,
) -> Result<WithSecret, Refusal> {
    tx.affects_nothing_cached();
    let webhook = show(tx, actor, id).await?;
    let secret = new_secret()?;
    if !repo::set_secret(tx, id, &secret).await? {
        return Err(webhook_not_found());
    }
    let change = Change::new(AuditAction::WebhookSecretRotated).on(AuditTarget::Webhook(id));
    audit::record(tx, actor, change).await?;
    Ok(WithSecret { webhook, secret })
}

/// A page of an endpoint's deliveries, newest first, older than `before` if given
/// (`webhook:manage`).
pub async fn deliveries(
    tx: &mut TenantTx,
    actor: &Actor,
    id: WebhookId,
    before: Option<DeliveryId>,
    limit: u32,
) -> Result<Vec<Delivery>, Refusal> {
    show(tx, actor, id).await?;
    Ok(repo::deliveries(tx, id, before, limit).await?)
}

/// Sends a delivery again, as a new delivery of the same event (same body, same
/// `Lyceum-Event-Id`), queued now (`webhook:manage`); `WEBHOOK_DISABLED` while the endpoint is
/// disabled. Audited as `webhook.delivery_replayed`.
pub async fn replay(
    tx: &mut WriteTx,
    actor: &Actor,
    id: WebhookId,
    delivery: DeliveryId,
) -> Result<Delivery, Refusal> {
    tx.affects_nothing_cached();
    let webhook = show(tx, actor, id).await?;
    let original = repo::find_delivery(tx, id, delivery)
        .await?
        .ok_or_else(delivery_not_found)?;
    if !webhook.enabled {
        return Err(Refusal::conflict(
            "WEBHOOK_DISABLED",
            "the webhook is disabled; enable it before replaying its deliveries",
        ));
    }
    let body = repo::outgoing(tx, delivery)
        .await?
        .ok_or_else(delivery_not_found)?
        .body;
    let replay = queue_delivery(
        tx,
        id,
        original.event_id,
        &original.event_type,
        &body,
        Some(delivery),
    )
    .await?;
    let change = Change::new(AuditAction::WebhookDeliveryReplayed)
        .on(AuditTarget::Webhook(id))
        .after(json!({ "delivery": delivery, "replay": replay, "event_id": original.event_id }));
    audit::record(tx, actor, change).await?;
    repo::find_delivery(tx, id, replay)
        .await?
        .ok_or(Refusal::Internal("a delivery just queued"))
}

async fn queue_delivery(
    tx: &mut WriteTx,
    webhook: WebhookId,
    event_id: lyceum_domain::EventId,
    event_type: &str,
    body: &str,
    replay_of: Option<DeliveryId>,
) -> Result<DeliveryId, Refusal> {
    let id = DeliveryId::new();
    let job = jobs::enqueue(tx, &WebhookDelivery { delivery: id }, Queueing::default()).await?;
    let new = NewDelivery {
        id,
        webhook,
        event_id,
        event_type,
        body,
        job,
        replay_of,
    };
    repo::insert_delivery(tx, &new).await?;
    Ok(id)
}

/// For the worker's consumer: records a delivery, and queues its job, for each event of the
/// batch and each enabled endpoint whose filter matches it; answers how many. In the dispatch
/// transaction, so the deliveries exist exactly when the batch counts as delivered.
pub async fn fan_out(tx: &mut WriteTx, batch: &[EventEnvelope]) -> Result<u64, Refusal> {
    let endpoints = repo::enabled(tx).await?;
    if endpoints.is_empty() {
        return Ok(0);
    }
    let filters: Vec<(WebhookId, EventFilter)> = endpoints
        .into_iter()
        .filter_map(|(id, types)| Some((id, EventFilter::parse(&types).ok()?)))
        .collect();
    let mut queued = 0;
    for envelope in batch {
        let mut body = None;
        for (webhook, filter) in &filters {
            if !filter.matches(&envelope.event_type) {
                continue;
            }
            let body = match &body {
                Some(body) => body,
                None => body.insert(
                    serde_json::to_string(envelope)
                        .map_err(|_| Refusal::Internal("an event envelope"))?,
                ),
            };
            queue_delivery(tx, *webhook, envelope.id, &envelope.event_type, body, None).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// For the worker: the delivery `id` with its endpoint, secret and body; `None` when the
/// delivery or its endpoint is gone.
pub async fn outgoing(tx: &mut TenantTx, id: DeliveryId) -> Result<Option<Outgoing>, Refusal> {
    Ok(repo::outgoing(tx, id).await?)
}

/// For the worker: a delivery not sent because its endpoint was disabled.
pub async fn cancel(tx: &mut WriteTx, id: DeliveryId) -> Result<(), Refusal> {
    tx.affects_nothing_cached();
    Ok(repo::set_status(tx, id, DeliveryStatus::Cancelled).await?)
}

/// What came back from an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP answer: its status and the start of its body.
    Http { status: u16, body: String },
    /// None: the target was refused, the connection failed or the time ran out.
    Nothing(String),
}

impl Answer {
    /// Why the attempt counts as failed; `None` for a 2xx answer. A redirect is a failure:
    /// deliveries follow none (it might lead to an address they may not reach).
    pub fn failure(&self) -> Option<String> {
        match self {
            Answer::Http { status, .. } if (200..300).contains(status) => None,
            Answer::Http { status, .. } if (300..400).contains(status) => Some(format!(
                "answered {status}, a redirect: webhook deliveries follow no redirects"
            )),
            Answer::Http { status, .. } => Some(format!("answered {status}")),
            Answer::Nothing(error) => Some(error.clone()),
        }
    }
}

/// One attempt at a delivery.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// From 1.
    pub number: u32,
    /// Whether no attempt follows this one if it fails (the job's last).
    pub last: bool,
    pub at: DateTime<Utc>,
    pub took: Duration,
    pub answer: Answer,
}

/// What recording an attempt decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub status: DeliveryStatus,
    /// Why it failed, when it did.
    pub failure: Option<String>,
    /// The endpoint had failed for `patience` and was disabled now.
    pub disabled: bool,
}

/// For the worker: records `attempt` at delivery `id` of endpoint `webhook`; on a failure the
/// endpoint's run of failures goes on, and once it has lasted `patience` (a day, see
/// [`FailingEndpoint::GIVE_UP_AFTER`]) the endpoint is disabled, `webhook.disabled` recorded
/// and its admins told by mail.
pub async fn record_attempt(
    tx: &mut WriteTx,
    id: DeliveryId,
    webhook: WebhookId,
    attempt: &Attempt,
    patience: Duration,
) -> Result<Recorded, Refusal> {
    tx.affects_nothing_cached();
    let failure = attempt.answer.failure();
    let status = match (&failure, attempt.last) {
        (None, _) => DeliveryStatus::Succeeded,
        (Some(_), false) => DeliveryStatus::Retrying,
        (Some(_), true) => DeliveryStatus::Dead,
    };
    let (response_status, response_body) = match &attempt.answer {
        Answer::Http { status, body } => (Some(i32::from(*status)), Some(body.as_str())),
        Answer::Nothing(_) => (None, None),
    };
    let record = AttemptRecord {
        status,
        attempts: i32::try_from(attempt.number).unwrap_or(i32::MAX),
        response_status,
        duration_ms: Some(i64::try_from(attempt.took.as_millis()).unwrap_or(i64::MAX)),
        response_body,
        error: failure.as_deref(),
        at: attempt.at,
    };
    repo::record_attempt(tx, id, &record).await?;
    let mut disabled = false;
    match &failure {
        None => repo::succeeding(tx, webhook).await?,
        Some(error) => {
            if let Some((since, true)) = repo::failing(tx, webhook, attempt.at, error).await? {
                let failing = FailingEndpoint { since };
                if failing.given_up(attempt.at, patience) && repo::disable(tx, webhook).await? {
                    disabled = true;
                    let url = repo::find(tx, webhook)
                        .await?
                        .map(|w| w.url)
                        .unwrap_or_default();
                    let event = events::WebhookDisabled {
                        webhook_id: webhook,
                        url,
                        failing_since: since,
                        last_error: Some(error.clone()),
                    };
                    outbox::append(tx, None, &event.into()).await?;
                    crate::mail::webhook_disabled(tx, webhook).await?;
                }
            }
        }
    }
    Ok(Recorded {
        status,
        failure,
        disabled,
    })
}

/// The first [`STORED_BODY_BYTES`] of an answer's body, as text (invalid UTF-8 replaced, cut
/// at a character boundary).
pub fn stored_body(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(STORED_BODY_BYTES)]);
    let mut end = text.len().min(STORED_BODY_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// Deletes finished deliveries older than `before` (the tenant's housekeeping).
pub(crate) async fn tidy(tx: &mut WriteTx, before: DateTime<Utc>) -> Result<u64, Refusal> {
    Ok(repo::delete_finished_before(tx, before).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body_in_hex() {
        // RFC 4231 test case 2 ("what do ya want for nothing?" keyed with "Jefe"), split so
        // that the timestamp and the dot are the message's start.
        let header = signature("Jefe", 0, b"what do ya want for nothing?");
        assert!(header.starts_with("t=0,v1="));
        assert_eq!(header.len(), "t=0,v1=".len() + 64);
        let again = signature("Jefe", 0, b"what do ya want for nothing?");
        assert_eq!(header, again);
        assert_ne!(
            header,
            signature("Jeff", 0, b"what do ya want for nothing?")
        );
        assert_ne!(
            header,
            signature("Jefe", 1, b"what do ya want for nothing?")
        );
    }

    #[test]
    fn redirects_and_errors_fail_and_only_2xx_succeeds() {
        let http = |status| Answer::Http {
            status,
            body: String::new(),
        };
        assert_eq!(http(204).failure(), None);
        assert!(http(302).failure().unwrap().contains("redirect"));
        assert!(http(500).failure().is_some());
        assert!(Answer::Nothing("timed out".into()).failure().is_some());
    }

    #[test]
    fn stored_bodies_are_cut_at_a_character_boundary() {
        let long = "é".repeat(2000);
        let stored = stored_body(long.as_bytes());
        assert!(stored.len() <= STORED_BODY_BYTES);
        assert!(stored.chars().all(|c| c == 'é'));
        assert_eq!(stored_body(b"ok"), "ok");
    }

    #[tokio::test]
    async fn loopback_and_metadata_targets_are_refused_unless_allowed() {
        let admin = Actor {
            user: lyceum_domain::UserId::new(),
            role: lyceum_domain::Role::Admin,
            plan: lyceum_domain::Plan::Pro,
            origin: lyceum_domain::Origin::default(),
        };
        let strict = TargetPolicy::default();
        for url in [
            "http://127.0.0.1:9/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://localhost:8080/",
        ] {
            let refused = Target::vet(&admin, url, strict).await.unwrap_err();
            assert_eq!(refused.code(), "WEBHOOK_TARGET_REFUSED", "{url}");
        }
        let refused = Target::vet(&admin, "ftp://example.com/", strict)
            .await
            .unwrap_err();
        assert_eq!(refused.code(), "INVALID_WEBHOOK_URL");
        let open = TargetPolicy {
            allow_private: true,
        };
        assert!(Target::vet(&admin, "http://127.0.0.1:9/", open)
            .await
            .is_ok());
    }
}
