//! `lyceum bench --webhooks`: webhook deliveries a second, end to end. `--webhook-tenants`
//! tenants each get an endpoint on a receiver this process serves on loopback (answering 204
//! to every POST) and `--webhook-people` people made through the use cases (an event each);
//! then a worker (default settings, private targets allowed for the receiver) is started and
//! timed until the receiver has every delivery: the outbox's dispatch, the fan-out to the
//! endpoints, each delivery's job, its signature, its POST and the record of its outcome.

use crate::bench_seed;
use anyhow::{ensure, Result};
use clap::Args;
use lyceum_app::identity::NewPassword;
use lyceum_app::webhooks::{self, NewWebhook, Target};
use lyceum_domain::{Plan, Role, Slug, TargetPolicy};
use lyceum_store::{NewTenant, Store};
use lyceum_worker::{WebhookConfig, Worker, WorkerConfig};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct WebhookBenchArgs {
    /// Run the webhook delivery benchmark (instead of the storage ones).
    #[arg(long)]
    webhooks: bool,
    /// Tenants, each with one endpoint.
    #[arg(long, default_value_t = 8)]
    webhook_tenants: usize,
    /// People made in each, with a password (each records `user.created`: one delivery; an
    /// invitation would also queue a mail, which is not what is measured here).
    #[arg(long, default_value_t = 1_000)]
    webhook_people: usize,
}

impl WebhookBenchArgs {
    pub fn enabled(&self) -> bool {
        self.webhooks
    }
}

pub async fn run(store: &Store, args: &WebhookBenchArgs, tag: &str) -> Result<()> {
    ensure!(
        args.webhook_tenants > 0,
        "--webhook-tenants must be at least 1"
    );
    let received = Arc::new(AtomicU64::new(0));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let counter = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            counter.fetch_add(1, Ordering::Relaxed);
            async { axum::http::StatusCode::NO_CONTENT }
        }),
    );
    let serving = tokio::spawn(async move { axum::serve(listener, receiver).await });

    let targets = TargetPolicy {
        allow_private: true,
    };
    let password = NewPassword::choose(crate::bench_api::PASSWORD.to_owned()).await?;
    let seeding = Instant::now();
    for i in 0..args.webhook_tenants {
        let mut new = NewTenant::new(Slug::parse(&format!("hook-{tag}-{i}"))?, "Webhook bench");
        new.plan = Plan::Enterprise;
        let tenant = store.provision(new).await?;
        let mut tx = store.begin_write(&tenant).await?;
        let admin = bench_seed::admin(&mut tx, tenant.plan, &password).await?;
        tx.commit().await?;
        let target = Target::vet(&admin, &url, targets).await?;
        let mut tx = store.begin_write(&tenant).await?;
        let new = NewWebhook {
            target,
            events: vec!["*".to_owned()],
            description: None,
        };
        webhooks::create(&mut tx, &admin, new).await?;
        for chunk in 0..args.webhook_people.div_ceil(500) {
            for n in chunk * 500..((chunk + 1) * 500).min(args.webhook_people) {
                bench_seed::person(
                    &mut tx,
                    &admin,
                    &format!("p{n}@bench.test"),
                    Role::Student,
                    Some(&password),
                )
                .await?;
            }
        }
        tx.commit().await?;
    }
    // Endpoints get the events dispatched after they exist: the admin's `user.created`, still
    // waiting in the outbox, too.
    let expected = (args.webhook_tenants * (args.webhook_people + 1)) as u64;
    println!(
        "webhooks  {expected} deliveries waiting in {} tenants' outboxes (made in {:.1} s)",
        args.webhook_tenants,
        seeding.elapsed().as_secs_f64()
    );
    let config = WebhookConfig {
        targets,
        ..WebhookConfig::default()
    };
    let started = Instant::now();
    let worker = Worker::new(store.clone(), WorkerConfig::default())
        .webhooks(config)?
        .start();
    while received.load(Ordering::Relaxed) < expected {
        ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the deliveries did not arrive in 10 minutes ({} of {expected})",
            received.load(Ordering::Relaxed)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let elapsed = started.elapsed();
    worker.stop(Duration::from_secs(10)).await;
    serving.abort();
    println!(
        "webhooks  {expected} deliveries received in {:.2} s: {:.0} deliveries/s ({} tenants at once)",
        elapsed.as_secs_f64(),
        expected as f64 / elapsed.as_secs_f64(),
        WorkerConfig::default().concurrency
    );
    Ok(())
}
