//! `lyceum bench --worker`: the background work's figures. How much queueing a job adds to the
//! write transaction that queues it; how many events a second the dispatcher delivers, with
//! `--worker-tenants` tenants' outboxes full (each person made records two events); how many
//! jobs a second the worker runs; and how long a job of one tenant waits while another tenant
//! has `--queued-jobs` jobs queued; and how long an event takes from its commit to an open
//! live event stream (`--live-events` of them, one after the other).

use crate::bench::summary;
use crate::bench_api::{login, HttpClient};
use crate::bench_seed;
use anyhow::{ensure, Context, Result};
use axum::body::Bytes;
use axum::http::{header, Request, StatusCode};
use clap::Args;
use futures_util::future::BoxFuture;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lyceum_app::identity::{users, NewPassword};
use lyceum_app::jobs::{self, Queueing};
use lyceum_app::Actor;
use lyceum_domain::{EventEnvelope, Job, Plan, Role, Slug};
use lyceum_server::{AppState, LocalServer, ServerConfig};
use lyceum_store::{NewTenant, Store, Tenant, WriteTx};
use lyceum_worker::{Consumer, JobContext, JobHandler, WorkError, Worker, WorkerConfig};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct WorkerBenchArgs {
    /// Run the background work benchmark (instead of the storage ones).
    #[arg(long)]
    worker: bool,
    /// Tenants whose outboxes are dispatched.
    #[arg(long, default_value_t = 4)]
    worker_tenants: usize,
    /// People made in each of them (each records `user.created` and `user.invited`).
    #[arg(long, default_value_t = 10_000)]
    worker_people: usize,
    /// Write transactions timed with and without a job queued in them.
    #[arg(long, default_value_t = 2000)]
    enqueue_iterations: u32,
    /// Jobs queued in the crowded tenant.
    #[arg(long, default_value_t = 10_000)]
    queued_jobs: usize,
    /// Events timed from their commit to an open live event stream.
    #[arg(long, default_value_t = 500)]
    live_events: u32,
}

impl WorkerBenchArgs {
    pub fn enabled(&self) -> bool {
        self.worker
    }
}

/// A job that does nothing: the cost measured is the queue's.
#[derive(Debug, Serialize, Deserialize)]
struct Nothing {
    tenant: Slug,
    n: usize,
}

impl Job for Nothing {
    const KIND: &'static str = "bench.nothing";
}

/// Notes when each tenant's last job ran.
#[derive(Clone, Default)]
struct Finished {
    jobs: Arc<AtomicU64>,
    lone_ran: Arc<std::sync::Mutex<Option<Instant>>>,
}

impl JobHandler for Finished {
    type Job = Nothing;

    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        job: Nothing,
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            self.jobs.fetch_add(1, Ordering::Relaxed);
            if job.tenant != context.tenant.slug {
                return Err(WorkError::Permanent("a job ran in another tenant".into()));
            }
            if job.n == usize::MAX {
                *self.lone_ran.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
            }
            Ok(())
        })
    }
}

/// Counts what it is handed, and nothing else: the dispatcher's own cost.
#[derive(Clone, Default)]
struct Tally(Arc<AtomicU64>);

impl Consumer for Tally {
    fn name(&self) -> &'static str {
        "tally"
    }

    fn consume<'a>(
        &'a self,
        _tx: &'a mut WriteTx,
        events: &'a [EventEnvelope],
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        self.0.fetch_add(events.len() as u64, Ordering::Relaxed);
        Box::pin(async { Ok(()) })
    }
}

pub async fn run(store: &Store, args: &WorkerBenchArgs, tag: &str) -> Result<()> {
    ensure!(
        args.worker_tenants > 0,
        "--worker-tenants must be at least 1"
    );
    let password = NewPassword::choose(crate::bench_api::PASSWORD.to_owned()).await?;
    let mut tenants = Vec::new();
    for i in 0..args.worker_tenants {
        let mut new = NewTenant::new(Slug::parse(&format!("work-{tag}-{i}"))?, "Worker bench");
        new.plan = Plan::Enterprise;
        let tenant = store.provision(new).await?;
        let mut tx = store.begin_write(&tenant).await?;
        let admin = bench_seed::admin(&mut tx, tenant.plan, &password).await?;
        tx.commit().await?;
        tenants.push((tenant, admin));
    }
    enqueue_overhead(store, &tenants[0], args.enqueue_iterations).await?;
    dispatch_rate(store, &tenants, args.worker_people).await?;
    crowded_queue(store, &tenants, args.queued_jobs).await?;
    live_latency(store, &tenants[0], args.live_events).await
}

/// The admin watches the tenant's live event stream over HTTP while a worker delivers; each
/// rename of the admin (`user.updated`) is timed from its commit to its arrival on the stream.
async fn live_latency(store: &Store, (tenant, admin): &(Tenant, Actor), events: u32) -> Result<()> {
    let worker = Worker::new(store.clone(), WorkerConfig::default()).start();
    let state = AppState::new(store.clone(), ServerConfig::unthrottled());
    let server = LocalServer::start(state, Duration::from_secs(1)).await?;
    let base = format!("http://{}/t/{}", server.address, tenant.slug);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let token = login(&client, &base, "admin@bench.test").await?.0;
    let request = Request::get(format!("{base}/api/v1/events/stream"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))?;
    let response = client.request(request).await?;
    ensure!(
        response.status() == StatusCode::OK,
        "the stream answered {}",
        response.status()
    );
    let mut body = response.into_body();
    let mut text = String::new();
    let mut times = Vec::new();
    for i in 0..events {
        let mut tx = store.begin_write(tenant).await?;
        users::change(
            &mut tx,
            admin,
            admin.user,
            Some(&format!("Watched {i}")),
            None,
        )
        .await?;
        tx.commit().await?;
        let committed = Instant::now();
        // Read until this rename's event has come (earlier events pass by).
        loop {
            if let Some(end) = text.find("\n\n") {
                let event: String = text.drain(..end + 2).collect();
                if event.contains("event: user.updated") {
                    break;
                }
                continue;
            }
            let frame = tokio::time::timeout(Duration::from_secs(10), body.frame())
                .await
                .context("no event within 10 s")?
                .context("the stream ended")??;
            if let Ok(data) = frame.into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
        times.push(committed.elapsed());
    }
    println!(
        "worker    live     commit to stream    n={:<5} {}",
        times.len(),
        summary(&mut times)
    );
    drop(body);
    server.stop().await?;
    worker.stop(Duration::from_secs(5)).await;
    Ok(())
}

/// A user renamed (`users::change`, which records `user.updated`), in its own write transaction,
/// with and without a job queued in it; the two kinds alternate, so both see the same load.
async fn enqueue_overhead(
    store: &Store,
    (tenant, admin): &(Tenant, Actor),
    iterations: u32,
) -> Result<()> {
    let (mut plain, mut queueing) = (Vec::new(), Vec::new());
    for i in 0..iterations + 200 {
        let with_job = i % 2 == 1;
        let started = Instant::now();
        let mut tx = store.begin_write(tenant).await?;
        users::change(
            &mut tx,
            admin,
            admin.user,
            Some(&format!("Admin {i}")),
            None,
        )
        .await?;
        if with_job {
            let job = Nothing {
                tenant: tenant.slug.clone(),
                n: i as usize,
            };
            let at = chrono::Utc::now() + chrono::Duration::days(365);
            jobs::enqueue(
                &mut tx,
                &job,
                Queueing {
                    run_at: Some(at),
                    unique_key: None,
                },
            )
            .await?;
        }
        tx.commit().await?;
        // The first 200 warm the pools and caches up.
        if i >= 200 {
            if with_job { &mut queueing } else { &mut plain }.push(started.elapsed());
        }
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let added = median(&mut queueing).as_secs_f64() - median(&mut plain).as_secs_f64();
    println!(
        "worker    enqueue  write tx alone      n={:<5} {}",
        plain.len(),
        summary(&mut plain)
    );
    println!(
        "worker    enqueue  write tx + one job  n={:<5} {}",
        queueing.len(),
        summary(&mut queueing)
    );
    println!(
        "worker    enqueue  a job adds {:.3} ms to the transaction (p50)",
        added * 1000.0
    );
    Ok(())
}

/// Fills the tenants' outboxes (people made through the use cases, no worker running), then
/// times a worker delivering every event.
async fn dispatch_rate(store: &Store, tenants: &[(Tenant, Actor)], people: usize) -> Result<()> {
    let seeding = Instant::now();
    for (tenant, admin) in tenants {
        for chunk in 0..people.div_ceil(500) {
            let mut tx = store.begin_write(tenant).await?;
            for n in chunk * 500..((chunk + 1) * 500).min(people) {
                bench_seed::person(
                    &mut tx,
                    admin,
                    &format!("p{n}@bench.test"),
                    Role::Student,
                    None,
                )
                .await?;
            }
            tx.commit().await?;
        }
    }
    let mut pending = 0;
    for status in lyceum_app::dispatch::status(store, None).await? {
        pending += status.pending;
    }
    println!(
        "worker    dispatch {pending} events waiting in {} tenants (made in {:.1} s)",
        tenants.len(),
        seeding.elapsed().as_secs_f64()
    );
    let tally = Tally::default();
    let started = Instant::now();
    let worker = Worker::new(store.clone(), WorkerConfig::default())
        .consume(tally.clone())
        .start();
    while tally.0.load(Ordering::Relaxed) < pending {
        ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the outboxes did not drain in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    worker.stop(Duration::from_secs(10)).await;
    println!(
        "worker    dispatch {pending} events delivered in {:.2} s: {:.0} events/s ({} tenants at once)",
        elapsed.as_secs_f64(),
        pending as f64 / elapsed.as_secs_f64(),
        WorkerConfig::default().concurrency
    );
    Ok(())
}

/// `queued` jobs in the first tenant, then one job in the last: how fast the worker runs the
/// crowd, and how long the lone job waits.
async fn crowded_queue(store: &Store, tenants: &[(Tenant, Actor)], queued: usize) -> Result<()> {
    let (crowded, _) = &tenants[0];
    let (lone, _) = &tenants[tenants.len() - 1];
    ensure!(
        crowded.id() != lone.id(),
        "--worker-tenants must be at least 2 for the crowded queue"
    );
    for chunk in 0..queued.div_ceil(500) {
        let mut tx = store.begin_write(crowded).await?;
        for n in chunk * 500..((chunk + 1) * 500).min(queued) {
            let job = Nothing {
                tenant: crowded.slug.clone(),
                n,
            };
            jobs::enqueue(&mut tx, &job, Queueing::default()).await?;
        }
        tx.commit().await?;
    }
    let finished = Finished::default();
    let started = Instant::now();
    let worker = Worker::new(store.clone(), WorkerConfig::default())
        .handle(finished.clone())
        .start();
    while finished.jobs.load(Ordering::Relaxed) < (queued as u64 / 10).max(1) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let queued_lone = Instant::now();
    let mut tx = store.begin_write(lone).await?;
    jobs::enqueue(
        &mut tx,
        &Nothing {
            tenant: lone.slug.clone(),
            n: usize::MAX,
        },
        Queueing::default(),
    )
    .await?;
    tx.commit().await?;
    let lone_waited = loop {
        if let Some(ran) = *finished.lone_ran.lock().unwrap_or_else(|e| e.into_inner()) {
            break ran - queued_lone;
        }
        ensure!(
            queued_lone.elapsed() < Duration::from_secs(60),
            "the lone job did not run in a minute"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    while finished.jobs.load(Ordering::Relaxed) < queued as u64 + 1 {
        ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the crowd did not run in 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    worker.stop(Duration::from_secs(10)).await;
    println!(
        "worker    jobs     {} jobs run in {:.2} s: {:.0} jobs/s; another tenant's job, queued behind them, ran after {:.1} ms",
        queued + 1,
        elapsed.as_secs_f64(),
        (queued + 1) as f64 / elapsed.as_secs_f64(),
        lone_waited.as_secs_f64() * 1000.0
    );
    Ok(())
}
