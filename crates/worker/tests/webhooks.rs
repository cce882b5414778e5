//! Webhook delivery against real stores (SQLite and every PostgreSQL placement) and a real HTTP
//! receiver on loopback that fails on purpose: signatures checked with another HMAC
//! implementation, event filters, retries then success, death after the attempts, replay,
//! timeouts, huge answers, redirects not followed, refused private targets, and an endpoint
//! disabled after failing for its patience.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use lyceum_app::identity::users::first_admin;
use lyceum_app::identity::NewPassword;
use lyceum_app::jobs::JobFilter;
use lyceum_app::mail::Body;
use lyceum_app::webhooks::{self, Delivery, NewWebhook, Target, WithSecret};
use lyceum_app::Actor;
use lyceum_domain::{
    events, Backoff, DeliveryStatus, DomainEvent, Job, JobState, Mail, Placement, Plan, SendMail,
    Slug, TargetPolicy, UserId, WebhookDelivery, WebhookId,
};
use lyceum_store::repo::{jobs, outbox};
use lyceum_store::testing::{postgres_config, sqlite_config, TestGuard};
use lyceum_store::{NewTenant, Store, Tenant};
use lyceum_worker::{WebhookConfig, Worker, WorkerConfig};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// A receiver on a loopback port. By path: `ok` answers 200; `flaky` 500 to the first two
/// requests of each event, then 200; `down` 503 while `down` is set; `slow` answers after a
/// minute; `huge` sends a 1 MiB body; `redirect` answers 302 to `landing`.
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    tries: Arc<Mutex<HashMap<String, u32>>>,
    down: Arc<AtomicBool>,
    base: String,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Receiver::default()
        };
        receiver.down.store(true, Ordering::SeqCst);
        let app = axum::Router::new()
            .route("/{path}", axum::routing::post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        receiver
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    fn at(&self, path: &str) -> Vec<Received> {
        let received = self.received.lock().unwrap();
        received
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

async fn receive(
    State(receiver): State<Receiver>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let event = headers
        .get("lyceum-event-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    receiver.received.lock().unwrap().push(Received {
        path: path.clone(),
        headers,
        body,
    });
    match path.as_str() {
        "flaky" => {
            let mut tries = receiver.tries.lock().unwrap();
            let tried = tries.entry(event).or_default();
            *tried += 1;
            if *tried <= 2 {
                (StatusCode::INTERNAL_SERVER_ERROR, "not yet").into_response()
            } else {
                (StatusCode::OK, "ok").into_response()
            }
        }
        "down" if receiver.down.load(Ordering::SeqCst) => {
            (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response()
        }
        "slow" => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            (StatusCode::OK, "too late").into_response()
        }
        "huge" => (StatusCode::OK, vec![b'x'; 1 << 20]).into_response(),
        "redirect" => (
            StatusCode::FOUND,
            [("location", receiver.url("landing"))],
            "elsewhere",
        )
            .into_response(),
        _ => (StatusCode::OK, "ok").into_response(),
    }
}

struct Bed {
    store: Store,
    label: String,
    tenants: Vec<(Tenant, Actor)>,
    _guard: TestGuard,
}

/// A store per engine, with a tenant on the pro plan and its admin in each placement.
async fn beds(tag: &str) -> Vec<Bed> {
    let mut beds = Vec::new();
    for (label, (config, guard)) in [
        ("sqlite", sqlite_config()),
        ("postgres", postgres_config().await),
    ] {
        let store = Store::open(config).await.unwrap();
        let mut tenants = Vec::new();
        for &placement in store.placements() {
            tenants.push(provision(&store, &format!("{tag}-{placement}"), placement).await);
        }
        beds.push(Bed {
            store,
            label: label.to_owned(),
            tenants,
            _guard: guard,
        });
    }
    beds
}

async fn provision(store: &Store, slug: &str, placement: Placement) -> (Tenant, Actor) {
    let mut new = NewTenant::new(Slug::parse(slug).unwrap(), slug);
    new.placement = Some(placement);
    new.plan = Plan::Pro;
    let tenant = store.provision(new).await.unwrap();
    let mut tx = store.begin_write(&tenant).await.unwrap();
    let password = NewPassword::choose("correct horse battery".into())
        .await
        .unwrap();
    let admin = first_admin(
        &mut tx,
        Plan::Pro,
        format!("admin@{slug}.test"),
        "Admin".into(),
        password,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (tenant, admin)
}

const LOOPBACK: TargetPolicy = TargetPolicy {
    allow_private: true,
};

/// Deliveries to the loopback receiver, retried at once, given up after a second.
fn config() -> WebhookConfig {
    WebhookConfig {
        targets: LOOPBACK,
        connect_timeout: Duration::from_secs(1),
        timeout: Duration::from_secs(1),
        backoff: Backoff {
            first: Duration::ZERO,
            most: Duration::ZERO,
        },
        ..WebhookConfig::default()
    }
}

fn worker(store: &Store, config: WebhookConfig) -> Worker {
    let settings = WorkerConfig {
        job_lease: Duration::from_secs(30),
        ..WorkerConfig::default()
    };
    Worker::new(store.clone(), settings)
        .webhooks(config)
        .unwrap()
}

/// The jobs of `kind` of `tenant`.
async fn jobs_of(store: &Store, tenant: &Tenant, kind: &str) -> Vec<jobs::JobRecord> {
    let mut tx = store.begin(tenant).await.unwrap();
    let filter = JobFilter {
        state: None,
        kind: Some(kind.to_owned()),
    };
    let found = jobs::list(&mut tx, &filter, 100).await.unwrap();
    tx.commit().await.unwrap();
    found
}

async fn add(
    store: &Store,
    tenant: &Tenant,
    admin: &Actor,
    url: &str,
    events: &[&str],
) -> WithSecret {
    let target = Target::vet(admin, url, LOOPBACK).await.unwrap();
    let mut tx = store.begin_write(tenant).await.unwrap();
    let new = NewWebhook {
        target,
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        description: None,
    };
    let made = webhooks::create(&mut tx, admin, new).await.unwrap();
    tx.commit().await.unwrap();
    made
}

fn archived() -> DomainEvent {
    events::CourseArchived {
        course_id: lyceum_domain::CourseId::new(),
        by: UserId::new(),
    }
    .into()
}

async fn record(store: &Store, tenant: &Tenant, event: DomainEvent) -> lyceum_domain::EventId {
    let mut tx = store.begin_write(tenant).await.unwrap();
    let id = outbox::append(&mut tx, None, &event).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn deliveries(store: &Store, tenant: &Tenant, admin: &Actor, id: WebhookId) -> Vec<Delivery> {
    let mut tx = store.begin(tenant).await.unwrap();
    let found = webhooks::deliveries(&mut tx, admin, id, None, 100)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    found
}

/// Waits until `done` holds of the endpoint's deliveries; fails after a minute.
async fn until(
    what: &str,
    store: &Store,
    tenant: &Tenant,
    admin: &Actor,
    id: WebhookId,
    done: impl Fn(&[Delivery]) -> bool,
) -> Vec<Delivery> {
    let started = Instant::now();
    loop {
        let found = deliveries(store, tenant, admin, id).await;
        if done(&found) {
            return found;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{what}: not within a minute; deliveries: {found:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn settled(status: DeliveryStatus) -> impl Fn(&[Delivery]) -> bool {
    move |found| !found.is_empty() && found.iter().all(|d| d.status == status)
}

/// Checks `Lyceum-Signature` as a receiver would, with the `hmac` and `sha2` crates (the
/// worker signs with ring).
fn verify(secret: &str, received: &Received) -> bool {
    let header = received.header("lyceum-signature");
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = Some(t.to_owned()),
            Some(("v1", v)) => signatures.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(timestamp) = timestamp else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(&received.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    signatures.contains(&expected)
}

#[tokio::test]
async fn deliveries_are_signed_verifiably_and_only_matching_events_are_sent() {
    let receiver = Receiver::start().await;
    for bed in beds("signed").await {
        let running = worker(&bed.store, config()).start();
        for (tenant, admin) in &bed.tenants {
            let wanted = add(
                &bed.store,
                tenant,
                admin,
                &receiver.url("ok"),
                &["course.archived"],
            )
            .await;
            let other = add(
                &bed.store,
                tenant,
                admin,
                &receiver.url("ok"),
                &["user.deactivated"],
            )
            .await;
            let event = record(&bed.store, tenant, archived()).await;
            let sent = until(
                "the delivery",
                &bed.store,
                tenant,
                admin,
                wanted.webhook.id,
                settled(DeliveryStatus::Succeeded),
            )
            .await;
            assert_eq!(sent.len(), 1, "{}", bed.label);
            assert_eq!(sent[0].event_id, event);
            assert_eq!(sent[0].attempts, 1);
            assert_eq!(sent[0].response_status, Some(200));
            assert_eq!(sent[0].response_body.as_deref(), Some("ok"));
            // The delivery's job succeeded in the transaction that recorded the delivery.
            let job = jobs_of(&bed.store, tenant, WebhookDelivery::KIND)
                .await
                .into_iter()
                .find(|j| j.payload.0["delivery"] == sent[0].id.to_string())
                .expect("the delivery's job");
            assert_eq!(job.state, JobState::Succeeded, "{}", bed.label);
            assert_eq!(job.attempts, 1);
            let got: Vec<Received> = receiver
                .at("ok")
                .into_iter()
                .filter(|r| r.header("lyceum-event-id") == event.to_string())
                .collect();
            assert_eq!(got.len(), 1, "{}: one request for the event", bed.label);
            assert!(
                verify(&wanted.secret, &got[0]),
                "{}: the signature checks out",
                bed.label
            );
            assert!(
                !verify(&other.secret, &got[0]),
                "another endpoint's secret does not"
            );
            let mut tampered = got[0].clone();
            tampered.body = Bytes::from(got[0].body.iter().copied().rev().collect::<Vec<u8>>());
            assert!(
                !verify(&wanted.secret, &tampered),
                "a changed body does not"
            );
            let envelope: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
            assert_eq!(envelope["id"], event.to_string());
            assert_eq!(envelope["type"], "course.archived");
            assert_eq!(envelope["tenant_id"], tenant.id().to_string());
            assert_eq!(got[0].header("content-type"), "application/json");
            // Fanned out in the same transaction: the other endpoint got nothing.
            assert!(deliveries(&bed.store, tenant, admin, other.webhook.id)
                .await
                .is_empty());
        }
        running.stop(Duration::from_secs(5)).await;
    }
}

#[tokio::test]
async fn failed_deliveries_are_retried_until_they_succeed_or_die_and_a_dead_one_can_be_replayed() {
    let receiver = Receiver::start().await;
    for bed in beds("retried").await {
        let running = worker(&bed.store, config()).start();
        for (tenant, admin) in &bed.tenants {
            receiver.down.store(true, Ordering::SeqCst);
            let flaky = add(&bed.store, tenant, admin, &receiver.url("flaky"), &["*"]).await;
            let down = add(
                &bed.store,
                tenant,
                admin,
                &receiver.url("down"),
                &["course.archived"],
            )
            .await;
            let event = record(&bed.store, tenant, archived()).await;
            let sent = until(
                "the flaky delivery",
                &bed.store,
                tenant,
                admin,
                flaky.webhook.id,
                settled(DeliveryStatus::Succeeded),
            )
            .await;
            assert_eq!(
                sent[0].attempts, 3,
                "{}: two failures, then success",
                bed.label
            );
            let dead = until(
                "the dead delivery",
                &bed.store,
                tenant,
                admin,
                down.webhook.id,
                settled(DeliveryStatus::Dead),
            )
            .await;
            assert_eq!(dead[0].attempts, WebhookDelivery::MAX_ATTEMPTS as i32);
            assert_eq!(dead[0].response_status, Some(503));
            assert_eq!(
                dead[0].response_body.as_deref(),
                Some("down for maintenance")
            );
            assert!(dead[0].error.as_deref().unwrap_or_default().contains("503"));
            assert_eq!(dead[0].next_retry_at, None);
            let tried = receiver
                .at("down")
                .into_iter()
                .filter(|r| r.header("lyceum-event-id") == event.to_string())
                .count();
            assert_eq!(tried, WebhookDelivery::MAX_ATTEMPTS as usize);

            receiver.down.store(false, Ordering::SeqCst);
            let mut tx = bed.store.begin_write(tenant).await.unwrap();
            let replay = webhooks::replay(&mut tx, admin, down.webhook.id, dead[0].id)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(replay.replay_of, Some(dead[0].id.as_uuid()));
            assert_eq!(replay.event_id, event);
            let after = until(
                "the replay",
                &bed.store,
                tenant,
                admin,
                down.webhook.id,
                |found| {
                    found
                        .iter()
                        .any(|d| d.id == replay.id && d.status == DeliveryStatus::Succeeded)
                },
            )
            .await;
            assert_eq!(after.len(), 2, "the dead delivery stays in the log");
            let last = receiver.at("down").pop().unwrap();
            assert_eq!(
                last.header("lyceum-event-id"),
                event.to_string(),
                "the same event id"
            );
            assert_eq!(last.header("lyceum-delivery-id"), replay.id.to_string());
            assert!(verify(&down.secret, &last));
        }
        running.stop(Duration::from_secs(5)).await;
    }
}

#[tokio::test]
async fn slow_huge_and_redirecting_receivers_are_bounded_and_the_worker_keeps_going() {
    let receiver = Receiver::start().await;
    for bed in beds("bounded").await {
        let running = worker(&bed.store, config()).start();
        let (tenant, admin) = &bed.tenants[0];
        let slow = add(&bed.store, tenant, admin, &receiver.url("slow"), &["*"]).await;
        let huge = add(&bed.store, tenant, admin, &receiver.url("huge"), &["*"]).await;
        let redirect = add(&bed.store, tenant, admin, &receiver.url("redirect"), &["*"]).await;
        let fine = add(&bed.store, tenant, admin, &receiver.url("ok"), &["*"]).await;
        record(&bed.store, tenant, archived()).await;
        until(
            "the fine delivery",
            &bed.store,
            tenant,
            admin,
            fine.webhook.id,
            settled(DeliveryStatus::Succeeded),
        )
        .await;
        let big = until(
            "the huge answer",
            &bed.store,
            tenant,
            admin,
            huge.webhook.id,
            settled(DeliveryStatus::Succeeded),
        )
        .await;
        let body = big[0].response_body.as_deref().unwrap();
        assert_eq!(
            body.len(),
            webhooks::STORED_BODY_BYTES,
            "{}: the body is cut",
            bed.label
        );
        let slow_found = until(
            "the slow delivery retried",
            &bed.store,
            tenant,
            admin,
            slow.webhook.id,
            |found| !found.is_empty() && found.iter().all(|d| d.attempts >= 2),
        )
        .await;
        let error = slow_found[0].error.as_deref().unwrap_or_default();
        assert!(
            error.contains("no complete answer"),
            "{}: {error}",
            bed.label
        );
        assert_eq!(slow_found[0].response_status, None);
        let redirected = until(
            "the redirect recorded",
            &bed.store,
            tenant,
            admin,
            redirect.webhook.id,
            |found| !found.is_empty() && found.iter().all(|d| d.attempts >= 1),
        )
        .await;
        assert_eq!(redirected[0].response_status, Some(302));
        assert_ne!(redirected[0].status, DeliveryStatus::Succeeded);
        assert!(redirected[0]
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("redirect"));
        // Meanwhile the worker went on: a later event reaches the fine endpoint too.
        record(&bed.store, tenant, archived()).await;
        until(
            "the next fine delivery",
            &bed.store,
            tenant,
            admin,
            fine.webhook.id,
            |found| found.len() == 2 && found.iter().all(|d| d.status == DeliveryStatus::Succeeded),
        )
        .await;
        running.stop(Duration::from_secs(5)).await;
        assert!(
            receiver.at("landing").is_empty(),
            "a redirect is never followed"
        );
    }
}

#[tokio::test]
async fn a_worker_without_the_setting_refuses_private_targets_at_delivery() {
    let receiver = Receiver::start().await;
    for bed in beds("refused").await {
        let strict = WebhookConfig {
            targets: TargetPolicy::default(),
            ..config()
        };
        let running = worker(&bed.store, strict).start();
        let (tenant, admin) = &bed.tenants[0];
        let port = receiver.base.rsplit(':').next().unwrap();
        // Saved while private targets were allowed (or a name that resolved elsewhere then).
        let literal = add(&bed.store, tenant, admin, &receiver.url("ok"), &["*"]).await;
        let named = add(
            &bed.store,
            tenant,
            admin,
            &format!("http://localhost:{port}/ok"),
            &["*"],
        )
        .await;
        record(&bed.store, tenant, archived()).await;
        for (what, id) in [("literal", literal.webhook.id), ("named", named.webhook.id)] {
            let found = until(what, &bed.store, tenant, admin, id, |found| {
                !found.is_empty() && found.iter().all(|d| d.attempts >= 2)
            })
            .await;
            let error = found[0].error.as_deref().unwrap_or_default();
            assert!(error.contains("loopback"), "{}: {what}: {error}", bed.label);
            assert_eq!(found[0].response_status, None);
        }
        running.stop(Duration::from_secs(5)).await;
        assert!(
            receiver.at("ok").is_empty(),
            "{}: nothing reached loopback",
            bed.label
        );
    }
}

#[tokio::test]
async fn an_endpoint_failing_for_its_patience_is_disabled_and_the_disabling_is_an_event() {
    let receiver = Receiver::start().await;
    for bed in beds("disabled").await {
        let impatient = WebhookConfig {
            patience: Duration::ZERO,
            ..config()
        };
        let running = worker(&bed.store, impatient).start();
        let (tenant, admin) = &bed.tenants[0];
        let down = add(
            &bed.store,
            tenant,
            admin,
            &receiver.url("down"),
            &["course.archived"],
        )
        .await;
        let watcher = add(&bed.store, tenant, admin, &receiver.url("ok"), &["*"]).await;
        receiver.down.store(true, Ordering::SeqCst);
        record(&bed.store, tenant, archived()).await;
        until(
            "the disabled event",
            &bed.store,
            tenant,
            admin,
            watcher.webhook.id,
            |found| {
                found.iter().any(|d| {
                    d.event_type == "webhook.disabled" && d.status == DeliveryStatus::Succeeded
                })
            },
        )
        .await;
        let told = receiver
            .at("ok")
            .into_iter()
            .map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap())
            .find(|e| e["type"] == "webhook.disabled" && e["tenant_id"] == tenant.id().to_string())
            .expect("the webhook.disabled event was delivered");
        assert_eq!(told["payload"]["webhook_id"], down.webhook.id.to_string());
        assert!(told["payload"]["last_error"]
            .as_str()
            .unwrap()
            .contains("503"));
        let found = until(
            "the delivery given up",
            &bed.store,
            tenant,
            admin,
            down.webhook.id,
            settled(DeliveryStatus::Cancelled),
        )
        .await;
        assert_eq!(found[0].attempts, 1, "{}", bed.label);
        let mut tx = bed.store.begin(tenant).await.unwrap();
        let endpoint = webhooks::show(&mut tx, admin, down.webhook.id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(!endpoint.enabled);
        assert!(endpoint.failing_since.is_some());
        // Its admins are told by mail, queued with the disabling.
        let told: Vec<SendMail> = jobs_of(&bed.store, tenant, SendMail::KIND)
            .await
            .into_iter()
            .map(|job| serde_json::from_value(job.payload.0).unwrap())
            .collect();
        assert_eq!(
            told,
            [SendMail {
                to: admin.user,
                mail: Mail::WebhookDisabled {
                    webhook_id: down.webhook.id
                },
            }],
            "{}",
            bed.label
        );
        // What the mail says is read when it is written: the endpoint as it is, or nothing
        // once an admin has enabled it again.
        let mut tx = bed.store.begin(tenant).await.unwrap();
        let letter = lyceum_app::mail::letter(&mut tx, tenant, &told[0])
            .await
            .unwrap()
            .expect("a letter while the endpoint is disabled");
        tx.commit().await.unwrap();
        match letter.body {
            Body::WebhookDisabled {
                url, last_error, ..
            } => {
                assert_eq!(url, receiver.url("down"));
                assert!(last_error.unwrap().contains("503"));
            }
            other => panic!("{}: {other:?}", bed.label),
        }
        // Disabled, it gets no new deliveries; the watcher gets the next event.
        record(&bed.store, tenant, archived()).await;
        until(
            "the next event",
            &bed.store,
            tenant,
            admin,
            watcher.webhook.id,
            |found| {
                // The admin's `user.created` reaches the watcher too when it was not dispatched
                // yet as the watcher was added: the events of this test are the others.
                let ours: Vec<_> = found
                    .iter()
                    .filter(|d| d.event_type != "user.created")
                    .collect();
                ours.len() == 3 && ours.iter().all(|d| d.status == DeliveryStatus::Succeeded)
            },
        )
        .await;
        running.stop(Duration::from_secs(5)).await;
        assert_eq!(
            deliveries(&bed.store, tenant, admin, down.webhook.id)
                .await
                .len(),
            1
        );
        let mut tx = bed.store.begin_write(tenant).await.unwrap();
        let enable = webhooks::WebhookChanges {
            target: None,
            events: None,
            description: None,
            enabled: Some(true),
        };
        webhooks::update(&mut tx, admin, down.webhook.id, enable)
            .await
            .unwrap();
        let letter = lyceum_app::mail::letter(&mut tx, tenant, &told[0])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(letter.is_none(), "{}: enabled again, no mail", bed.label);
    }
}
