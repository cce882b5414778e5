//! `lyceum bench`: figures for the foundation's limits, printed as plain text. Uses the
//! configured store and creates tenants named `bench-...` in it: point it at a scratch
//! deployment (`scripts/bench` does).

use anyhow::Result;
use clap::Args;
use lyceum_domain::{Placement, Slug};
use lyceum_store::{NewTenant, Store, StoreConfig};
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct BenchArgs {
    /// Tenants provisioned per placement to time provisioning (dedicated PostgreSQL databases: at most 10).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    provision: u32,
    /// Reads timed for the scoping overhead.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..))]
    iterations: u32,
    /// Tenants of the many-tenants benchmark (`--placement`) and of the learning one.
    #[arg(long, default_value_t = 1000)]
    tenants: usize,
    #[command(flatten)]
    api: crate::bench_api::ApiBenchArgs,
    #[command(flatten)]
    learning: crate::bench_learning::LearningBenchArgs,
    #[command(flatten)]
    portal: crate::bench_portal::PortalBenchArgs,
    #[command(flatten)]
    many: crate::bench_tenants::TenantsBenchArgs,
    #[command(flatten)]
    worker: crate::bench_worker::WorkerBenchArgs,
    #[command(flatten)]
    webhooks: crate::bench_webhooks::WebhookBenchArgs,
    #[command(flatten)]
    people: crate::bench_people::PeopleBenchArgs,
    #[command(flatten)]
    upload: crate::bench_files::UploadBenchArgs,
    #[command(flatten)]
    quiz: crate::bench_quiz::QuizBenchArgs,
}

pub async fn run(store: &Store, config: StoreConfig, args: BenchArgs) -> Result<()> {
    let run_id = uuid::Uuid::now_v7().simple().to_string();
    let tag = &run_id[run_id.len() - 6..];
    println!("engine: {}", store.engine());
    if args.quiz.enabled() {
        return crate::bench_quiz::run(store, &args.quiz, tag).await;
    }
    if args.upload.enabled() {
        return crate::bench_files::run(store, &args.upload, tag).await;
    }
    if args.people.enabled() {
        return crate::bench_people::run(store, &args.people, tag).await;
    }
    if args.webhooks.enabled() {
        return crate::bench_webhooks::run(store, &args.webhooks, tag).await;
    }
    if args.worker.enabled() {
        return crate::bench_worker::run(store, &args.worker, tag).await;
    }
    if args.api.enabled() {
        return crate::bench_api::run(store, &args.api, tag).await;
    }
    if args.portal.enabled() {
        return crate::bench_portal::run(store, &args.portal).await;
    }
    if args.learning.enabled() {
        return crate::bench_learning::run(store, args.tenants, &args.learning, tag).await;
    }
    if let Some(placement) = args.many.placement() {
        return crate::bench_tenants::run(store, config, placement, args.tenants, &args.many, tag)
            .await;
    }
    for &placement in store.placements() {
        let count = if placement == Placement::Database
            && store.engine() == lyceum_store::EngineKind::Postgres
        {
            args.provision.min(10) as usize
        } else {
            args.provision as usize
        };
        let mut times = Vec::new();
        let mut tenants = Vec::new();
        for i in 0..count {
            let mut new = NewTenant::new(
                Slug::parse(&format!("bench-{tag}-{placement}-{i}"))?,
                "Bench",
            );
            new.placement = Some(placement);
            let started = Instant::now();
            tenants.push(store.provision(new).await?);
            times.push(started.elapsed());
        }
        println!(
            "provision {placement:<9} n={count:<4} {}",
            summary(&mut times)
        );

        scoping(store, &tenants[0], placement, args.iterations).await?;
    }
    Ok(())
}

/// The overhead of a scoped read (see [`Store::measure_scoping`]).
#[cfg(feature = "bench")]
async fn scoping(
    store: &Store,
    tenant: &lyceum_store::Tenant,
    placement: Placement,
    iterations: u32,
) -> Result<()> {
    let password =
        lyceum_app::identity::NewPassword::choose(crate::bench_api::PASSWORD.into()).await?;
    let mut tx = store.begin_write(tenant).await?;
    let user = crate::bench_seed::admin(&mut tx, tenant.plan, &password)
        .await?
        .user;
    tx.commit().await?;
    store.measure_scoping(tenant, user, 200).await?; // warm-up
    let mut figures = store
        .measure_scoping(tenant, user, iterations as usize)
        .await?;
    let (scoped, plain) = (median(&mut figures.scoped), median(&mut figures.unscoped));
    println!(
        "scoping   {placement:<9} n={:<5} scoped {}  plain {}  overhead {:+.1}% (p50)",
        iterations,
        summary(&mut figures.scoped),
        summary(&mut figures.unscoped),
        (scoped.as_secs_f64() / plain.as_secs_f64() - 1.0) * 100.0
    );
    Ok(())
}

#[cfg(not(feature = "bench"))]
async fn scoping(
    _store: &Store,
    _tenant: &lyceum_store::Tenant,
    placement: Placement,
    _iterations: u32,
) -> Result<()> {
    println!(
        "scoping   {placement:<9} not measured: build with `--features bench` (scripts/bench does)"
    );
    Ok(())
}

#[cfg(feature = "bench")]
fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub(crate) fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    format!(
        "p50 {:>9.3?} p99 {:>9.3?} max {:>9.3?}",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A number from `/proc/self/status` (`VmRSS` in kB, `Threads`), 0 where there is none.
pub(crate) fn process_status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':').map(str::to_owned))
        })
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn resident_mb() -> u64 {
    process_status("VmRSS") / 1024
}

/// The process's resident memory, open descriptors and threads, for a bench line.
pub(crate) fn footprint() -> String {
    format!(
        "RSS {} MB, {} fds, {} threads",
        resident_mb(),
        open_fds(),
        process_status("Threads")
    )
}
