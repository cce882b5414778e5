//! The worker against real stores: SQLite files and every PostgreSQL placement. Events reach the
//! consumers in order per tenant and at least once, an idempotent consumer has one effect per
//! event, jobs run, retry and die, wait for their time, survive a restart, and a tenant with a
//! long queue does not hold another up.

use futures_util::future::BoxFuture;
use lyceum_domain::{events, DomainEvent, EventEnvelope, Job, JobState, Placement, Slug, UserId};
use lyceum_store::repo::{jobs, outbox};
use lyceum_store::testing::{postgres_config, sqlite_config, TestGuard};
use lyceum_store::{NewTenant, Store, StoreConfig, Tenant, WriteTx};
use lyceum_worker::{Consumer, JobContext, JobHandler, WorkError, Worker, WorkerConfig};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Bed {
    store: Store,
    config: StoreConfig,
    label: String,
    tenants: Vec<Tenant>,
    _guard: TestGuard,
}

/// A store per engine, with a tenant in each placement the engine has.
async fn beds(tag: &str) -> Vec<Bed> {
    let mut beds = Vec::new();
    for (label, (config, guard)) in [
        ("sqlite", sqlite_config()),
        ("postgres", postgres_config().await),
    ] {
        let store = Store::open(config.clone()).await.unwrap();
        let mut tenants = Vec::new();
        for &placement in store.placements() {
            tenants.push(provision(&store, &format!("{tag}-{placement}"), placement).await);
        }
        beds.push(Bed {
            store,
            config,
            label: label.to_owned(),
            tenants,
            _guard: guard,
        });
    }
    beds
}

async fn provision(store: &Store, slug: &str, placement: Placement) -> Tenant {
    let mut new = NewTenant::new(Slug::parse(slug).unwrap(), slug);
    new.placement = Some(placement);
    store.provision(new).await.unwrap()
}

fn quick() -> WorkerConfig {
    WorkerConfig {
        job_lease: Duration::from_secs(30),
        ..WorkerConfig::default()
    }
}

fn archived() -> DomainEvent {
    events::CourseArchived {
        course_id: lyceum_domain::CourseId::new(),
        by: UserId::new(),
    }
    .into()
}

async fn append(store: &Store, tenant: &Tenant, count: usize) {
    let mut tx = store.begin_write(tenant).await.unwrap();
    for _ in 0..count {
        outbox::append(&mut tx, None, &archived()).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn eventually(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < within, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Records every delivery; fails the first delivery of an event it has not seen yet when asked
/// to, after having had its effect (as a consumer that crashed half-way would).
#[derive(Clone, Default)]
struct Recorder {
    deliveries: Arc<Mutex<Vec<EventEnvelope>>>,
    effects: Arc<Mutex<HashMap<lyceum_domain::EventId, u32>>>,
    fail_once: Arc<Mutex<HashSet<lyceum_domain::EventId>>>,
    flaky: bool,
}

impl Recorder {
    fn delivered(&self) -> Vec<EventEnvelope> {
        self.deliveries.lock().unwrap().clone()
    }
}

impl Consumer for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    fn consume<'a>(
        &'a self,
        _tx: &'a mut WriteTx,
        events: &'a [EventEnvelope],
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            self.deliveries.lock().unwrap().extend_from_slice(events);
            let mut fresh = false;
            {
                let mut effects = self.effects.lock().unwrap();
                for event in events {
                    // Idempotent: an event it has seen has no second effect.
                    if let Entry::Vacant(first) = effects.entry(event.id) {
                        first.insert(1);
                        fresh = true;
                    }
                }
            }
            if self.flaky && fresh {
                let mut failed = self.fail_once.lock().unwrap();
                if failed.insert(events[0].id) {
                    return Err(WorkError::Transient("crashed half-way".into()));
                }
            }
            Ok(())
        })
    }
}

#[tokio::test]
async fn every_placements_events_reach_the_consumers_in_order_once_each() {
    for bed in beds("order").await {
        let recorder = Recorder::default();
        let worker = Worker::new(bed.store.clone(), quick())
            .consume(recorder.clone())
            .start();
        for round in 0..3 {
            for tenant in &bed.tenants {
                append(&bed.store, tenant, 100 + round).await;
            }
        }
        let expected = bed.tenants.len() * (100 + 101 + 102);
        eventually(&bed.label, Duration::from_secs(20), || {
            recorder.delivered().len() >= expected
        })
        .await;
        worker.stop(Duration::from_secs(5)).await;
        let delivered = recorder.delivered();
        assert_eq!(delivered.len(), expected, "{}: delivered twice", bed.label);
        for tenant in &bed.tenants {
            let ids: Vec<_> = delivered
                .iter()
                .filter(|e| e.tenant_id == tenant.id())
                .map(|e| e.id)
                .collect();
            assert_eq!(ids.len(), 303, "{} {}", bed.label, tenant.slug);
            let mut sorted = ids.clone();
            sorted.sort();
            assert_eq!(ids, sorted, "{} {}: out of order", bed.label, tenant.slug);
            let mut tx = bed.store.begin(tenant).await.unwrap();
            assert!(outbox::pending(&mut tx, 10).await.unwrap().is_empty());
            tx.commit().await.unwrap();
        }
        let envelope = &delivered[0];
        assert_eq!(envelope.event_type, "course.archived");
        assert_eq!(envelope.schema_version, 1);
        assert!(matches!(
            envelope.event(),
            Some(Ok(DomainEvent::CourseArchived(_)))
        ));
    }
}

#[tokio::test]
async fn an_event_delivered_twice_has_one_effect_on_an_idempotent_consumer() {
    for bed in beds("twice").await {
        let recorder = Recorder {
            flaky: true,
            ..Recorder::default()
        };
        let worker = Worker::new(bed.store.clone(), quick())
            .consume(recorder.clone())
            .start();
        let tenant = &bed.tenants[0];
        append(&bed.store, tenant, 3).await;
        // The first batch fails after its effect and comes again after the backoff (1-2 s).
        eventually(&bed.label, Duration::from_secs(10), || {
            recorder.delivered().len() >= 6
        })
        .await;
        worker.stop(Duration::from_secs(5)).await;
        let delivered = recorder.delivered();
        assert_eq!(delivered.len(), 6, "{}", bed.label);
        let effects = recorder.effects.lock().unwrap().clone();
        assert_eq!(effects.len(), 3);
        assert!(effects.values().all(|n| *n == 1), "{}", bed.label);
        let mut tx = bed.store.begin(tenant).await.unwrap();
        assert!(outbox::pending(&mut tx, 10).await.unwrap().is_empty());
        tx.commit().await.unwrap();
    }
}

/// A job kind for the tests: records that it ran, or fails as told.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Note {
    text: String,
    fail: bool,
}

impl Job for Note {
    const KIND: &'static str = "test.note";
    const MAX_ATTEMPTS: u32 = 3;
    const BACKOFF: lyceum_domain::Backoff = lyceum_domain::Backoff {
        first: Duration::from_millis(100),
        most: Duration::from_millis(200),
    };
}

#[derive(Clone, Default)]
struct Notes {
    ran: Arc<Mutex<Vec<(String, String, Instant)>>>,
}

impl Notes {
    fn texts(&self) -> Vec<String> {
        self.ran
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.1.clone())
            .collect()
    }

    fn ran_at(&self, text: &str) -> Option<Instant> {
        self.ran
            .lock()
            .unwrap()
            .iter()
            .find(|r| r.1 == text)
            .map(|r| r.2)
    }
}

impl JobHandler for Notes {
    type Job = Note;

    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        job: Note,
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            self.ran.lock().unwrap().push((
                context.tenant.slug.to_string(),
                job.text.clone(),
                Instant::now(),
            ));
            if job.fail {
                Err(WorkError::Transient(format!("{} failed", job.text)))
            } else {
                Ok(())
            }
        })
    }
}

async fn queue(store: &Store, tenant: &Tenant, text: &str, fail: bool, run_at: Option<Duration>) {
    let mut tx = store.begin_write(tenant).await.unwrap();
    let job = Note {
        text: text.to_owned(),
        fail,
    };
    let queueing = lyceum_app::jobs::Queueing {
        run_at: run_at.map(|after| chrono::Utc::now() + after),
        unique_key: None,
    };
    lyceum_app::jobs::enqueue(&mut tx, &job, queueing)
        .await
        .unwrap()
        .unwrap();
    tx.commit().await.unwrap();
}

async fn states(store: &Store, tenant: &Tenant, kind: &str) -> Vec<(JobState, i32)> {
    let mut tx = store.begin(tenant).await.unwrap();
    let filter = jobs::JobFilter {
        state: None,
        kind: Some(kind.to_owned()),
    };
    let found = jobs::list(&mut tx, &filter, 100).await.unwrap();
    tx.commit().await.unwrap();
    found.into_iter().map(|j| (j.state, j.attempts)).collect()
}

#[tokio::test]
async fn jobs_run_failures_are_retried_with_backoff_then_dead() {
    for bed in beds("jobs").await {
        let notes = Notes::default();
        let worker = Worker::new(bed.store.clone(), quick())
            .handle(notes.clone())
            .start();
        for tenant in &bed.tenants {
            queue(
                &bed.store,
                tenant,
                &format!("ok-{}", tenant.slug),
                false,
                None,
            )
            .await;
            queue(
                &bed.store,
                tenant,
                &format!("bad-{}", tenant.slug),
                true,
                None,
            )
            .await;
        }
        let expected = bed.tenants.len() * (1 + Note::MAX_ATTEMPTS as usize);
        eventually(&bed.label, Duration::from_secs(20), || {
            notes.texts().len() >= expected
        })
        .await;
        // The last attempt's verdict is recorded after the handler returns.
        tokio::time::sleep(Duration::from_millis(300)).await;
        worker.stop(Duration::from_secs(5)).await;
        for tenant in &bed.tenants {
            let mut found = states(&bed.store, tenant, Note::KIND).await;
            found.sort_by_key(|(state, _)| state.as_str());
            assert_eq!(
                found,
                [(JobState::Dead, 3), (JobState::Succeeded, 1)],
                "{} {}",
                bed.label,
                tenant.slug
            );
        }
    }
}

#[tokio::test]
async fn a_job_queued_for_later_runs_when_it_is_due_and_not_before() {
    for bed in beds("later").await {
        let notes = Notes::default();
        let worker = Worker::new(bed.store.clone(), quick())
            .handle(notes.clone())
            .start();
        let tenant = &bed.tenants[0];
        let queued = Instant::now();
        queue(
            &bed.store,
            tenant,
            "later",
            false,
            Some(Duration::from_millis(1500)),
        )
        .await;
        eventually(&bed.label, Duration::from_secs(10), || {
            notes.ran_at("later").is_some()
        })
        .await;
        let waited = notes.ran_at("later").unwrap() - queued;
        assert!(
            waited >= Duration::from_millis(1400),
            "{}: ran after {waited:?}",
            bed.label
        );
        worker.stop(Duration::from_secs(5)).await;
    }
}

#[tokio::test]
async fn jobs_and_events_left_by_a_stopped_worker_are_done_after_a_restart() {
    for bed in beds("restart").await {
        let tenant = bed.tenants[0].clone();
        queue(&bed.store, &tenant, "before", false, None).await;
        append(&bed.store, &tenant, 5).await;
        bed.store.close().await;
        // A new process: the store opened again, its worker sweeps every tenant at start.
        let store = Store::open(bed.config.clone()).await.unwrap();
        let (notes, recorder) = (Notes::default(), Recorder::default());
        let worker = Worker::new(store.clone(), quick())
            .handle(notes.clone())
            .consume(recorder.clone())
            .start();
        eventually(&bed.label, Duration::from_secs(10), || {
            notes.texts() == ["before"] && recorder.delivered().len() == 5
        })
        .await;
        worker.stop(Duration::from_secs(5)).await;
        store.close().await;
    }
}

/// Waits until it is let go, counting the jobs it started.
#[derive(Clone)]
struct Blocker {
    started: Arc<Mutex<u32>>,
    release: Arc<tokio::sync::Notify>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Block {}

impl Job for Block {
    const KIND: &'static str = "test.block";
}

impl JobHandler for Blocker {
    type Job = Block;

    fn run<'a>(&'a self, _: &'a JobContext, _: Block) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            *self.started.lock().unwrap() += 1;
            self.release.notified().await;
            Ok(())
        })
    }
}

#[tokio::test]
async fn a_stopping_worker_gives_its_unfinished_jobs_back_to_the_queue() {
    for bed in beds("giveback").await {
        let tenant = &bed.tenants[0];
        let blocker = Blocker {
            started: Arc::default(),
            release: Arc::default(),
        };
        let mut tx = bed.store.begin_write(tenant).await.unwrap();
        for _ in 0..3 {
            lyceum_app::jobs::enqueue(&mut tx, &Block {}, Default::default())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let worker = Worker::new(bed.store.clone(), quick())
            .handle(blocker.clone())
            .start();
        // A turn runs its jobs side by side: one or more of them started.
        eventually(&bed.label, Duration::from_secs(10), || {
            *blocker.started.lock().unwrap() >= 1
        })
        .await;
        worker.stop(Duration::from_millis(200)).await;
        let found = states(&bed.store, tenant, Block::KIND).await;
        assert_eq!(
            found,
            [(JobState::Queued, 0); 3],
            "{}: claimed jobs were not given back",
            bed.label
        );
    }
}

/// A long queue in one tenant: another tenant's job still runs within a second.
#[tokio::test]
async fn a_tenant_with_ten_thousand_queued_jobs_does_not_delay_another_tenants_job() {
    for bed in beds("fair").await {
        let (crowded, other) = (&bed.tenants[0], bed.tenants.last().unwrap());
        let crowded = if crowded.id() == other.id() {
            provision(&bed.store, "fair-second", Placement::Database).await
        } else {
            crowded.clone()
        };
        let mut tx = bed.store.begin_write(&crowded).await.unwrap();
        for n in 0..10_000 {
            let job = Note {
                text: format!("crowd-{n}"),
                fail: false,
            };
            lyceum_app::jobs::enqueue(&mut tx, &job, Default::default())
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let notes = Notes::default();
        let worker = Worker::new(bed.store.clone(), quick())
            .handle(notes.clone())
            .start();
        eventually(&bed.label, Duration::from_secs(30), || {
            notes.texts().len() >= 200
        })
        .await;
        let queued = Instant::now();
        queue(&bed.store, other, "urgent", false, None).await;
        eventually(&bed.label, Duration::from_secs(10), || {
            notes.ran_at("urgent").is_some()
        })
        .await;
        let waited = notes.ran_at("urgent").unwrap() - queued;
        let crowd_done = notes.texts().len();
        worker.stop(Duration::from_secs(5)).await;
        assert!(
            crowd_done < 10_000,
            "{}: the crowd was done first, the test proves nothing",
            bed.label
        );
        assert!(
            waited < Duration::from_secs(1),
            "{}: the other tenant's job waited {waited:?}",
            bed.label
        );
    }
}

/// Two workers (processes) on one PostgreSQL database share the tenants' events without
/// delivering one twice.
#[tokio::test]
async fn two_workers_on_postgres_deliver_each_event_once() {
    let (config, _guard) = postgres_config().await;
    let first = Store::open(config.clone()).await.unwrap();
    let second = Store::open(config).await.unwrap();
    let mut tenants = Vec::new();
    for n in 0..4 {
        tenants.push(provision(&first, &format!("shared-{n}"), Placement::Pool).await);
    }
    let recorder = Recorder::default();
    let a = Worker::new(first.clone(), quick())
        .consume(recorder.clone())
        .start();
    let b = Worker::new(second.clone(), quick())
        .consume(recorder.clone())
        .start();
    for _ in 0..5 {
        for (n, tenant) in tenants.iter().enumerate() {
            let store = if n % 2 == 0 { &first } else { &second };
            append(store, tenant, 200).await;
        }
    }
    eventually("two workers", Duration::from_secs(30), || {
        recorder.delivered().len() >= 4 * 5 * 200
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.stop(Duration::from_secs(5)).await;
    b.stop(Duration::from_secs(5)).await;
    let delivered = recorder.delivered();
    let unique: HashSet<_> = delivered.iter().map(|e| e.id).collect();
    assert_eq!(unique.len(), 4000);
    assert_eq!(delivered.len(), 4000, "an event was delivered twice");
}

#[tokio::test]
async fn commits_of_events_are_observed_right_after_they_commit() {
    for bed in beds("observe").await {
        let worker = Worker::new(bed.store.clone(), quick());
        let mut commits = worker.observe_commits();
        let tenant = &bed.tenants[0];
        append(&bed.store, tenant, 1).await;
        let heard = tokio::time::timeout(Duration::from_secs(5), commits.next())
            .await
            .expect("no commit observed");
        assert_eq!(
            heard,
            Some(lyceum_store::CommitNotice::Committed(tenant.id())),
            "{}",
            bed.label
        );
    }
}
