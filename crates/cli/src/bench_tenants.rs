//! `lyceum bench --placement P --tenants N`: one node holding many tenants. Provisions `N`
//! tenants in placement `P` (each with a student and a few published courses) and prints:
//! the store's provisioning time for the first and the last 100 tenants, a migrate with nothing
//! to do, the start-up a restarted `serve` goes through before it is ready, and reads of the
//! tenant profile and the authenticated catalog by `--tenant-clients` clients picking tenants
//! at random, with the response cache on and off: throughput, errors, the server's memory,
//! descriptors and threads, and PostgreSQL's backends and memory.

use crate::bench::{footprint, summary};
use crate::bench_api::{login, HttpClient, PASSWORD};
use crate::bench_seed;
use anyhow::{Context, Result};
use axum::body::Bytes;
use axum::http::{header, Request, StatusCode};
use clap::Args;
use futures_util::{stream, StreamExt, TryStreamExt};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lyceum_app::identity::NewPassword;
use lyceum_domain::{Placement, Plan, Role, Slug};
use lyceum_server::{AppState, LocalServer, ResponseCacheConfig, ServerConfig};
use lyceum_store::{MigrationScope, NewTenant, Store, StoreConfig, Tenant};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct TenantsBenchArgs {
    /// Run the many-tenants benchmark with tenants in this placement (`pool`, `schema`,
    /// `database`), instead of the storage benchmarks.
    #[arg(long)]
    placement: Option<Placement>,
    /// Concurrent clients of the read runs.
    #[arg(long, default_value_t = 64)]
    tenant_clients: usize,
    /// Seconds each read run lasts.
    #[arg(long, default_value_t = 10)]
    tenant_seconds: u64,
}

impl TenantsBenchArgs {
    pub fn placement(&self) -> Option<Placement> {
        self.placement
    }
}

/// Published courses per tenant: enough for a catalog page to read rows, not to measure them.
const COURSES: usize = 3;
/// Sign-ins run at once while the clients get their tokens.
const SIGN_INS_AT_ONCE: usize = 8;

pub async fn run(
    store: &Store,
    config: StoreConfig,
    placement: Placement,
    count: usize,
    args: &TenantsBenchArgs,
    tag: &str,
) -> Result<()> {
    anyhow::ensure!(count > 0, "--tenants must be at least 1");
    if !store.placements().contains(&placement) {
        println!(
            "tenants   skipped: the {} engine offers no {placement} placement",
            store.engine()
        );
        return Ok(());
    }
    let password = NewPassword::choose(PASSWORD.to_owned()).await?;
    let started = Instant::now();
    let mut provisioning = Vec::with_capacity(count);
    let mut tenants = Vec::with_capacity(count);
    for i in 0..count {
        let mut new = NewTenant::new(Slug::parse(&format!("many-{tag}-{i}"))?, "Bench tenant");
        new.placement = Some(placement);
        new.plan = Plan::Enterprise;
        let begun = Instant::now();
        let tenant = store.provision(new).await?;
        provisioning.push(begun.elapsed());
        fill(store, &tenant, &password).await?;
        tenants.push(tenant);
    }
    let edge = count.min(100);
    let (first, last) = (
        provisioning[..edge].to_vec(),
        provisioning[count - edge..].to_vec(),
    );
    println!(
        "tenants   {placement} x {count}: loaded in {:.1} s; provisioning (store time) first {edge}: {}  last {edge}: {}",
        started.elapsed().as_secs_f64(),
        mean_and_summary(first),
        mean_and_summary(last),
    );

    let begun = Instant::now();
    let report = store.migrate_all(MigrationScope::Behind, &|_| {}).await?;
    println!(
        "tenants   no-op migrate: {:.2} s ({} storage targets visited)",
        begun.elapsed().as_secs_f64(),
        report.targets
    );
    // What a restarted `serve` does before it listens: open the store, migrate what is behind.
    let begun = Instant::now();
    let restarted = Store::open(config).await?;
    restarted
        .migrate_all(MigrationScope::Behind, &|_| {})
        .await?;
    println!(
        "tenants   serve ready after {:.2} s (store opened, nothing to migrate)",
        begun.elapsed().as_secs_f64()
    );
    restarted.close().await;

    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let mut bearers: Vec<String> = Vec::new();
    let uncached = ServerConfig {
        response_cache: ResponseCacheConfig {
            capacity_bytes: 0,
            ..ResponseCacheConfig::default()
        },
        ..ServerConfig::unthrottled()
    };
    for (cache, config) in [
        ("cache on", ServerConfig::unthrottled()),
        ("cache off", uncached),
    ] {
        let server =
            LocalServer::start(AppState::new(store.clone(), config), Duration::from_secs(5))
                .await?;
        let bases: Vec<String> = tenants
            .iter()
            .map(|t| format!("http://{}/t/{}", server.address, t.slug))
            .collect();
        if bearers.is_empty() {
            let begun = Instant::now();
            bearers = stream::iter(bases.iter().cloned())
                .map(|base| {
                    let client = client.clone();
                    async move {
                        let token = login(&client, &base, "student@bench.test").await?.0;
                        Ok::<_, anyhow::Error>(format!("Bearer {token}"))
                    }
                })
                .buffered(SIGN_INS_AT_ONCE)
                .try_collect()
                .await?;
            println!(
                "tenants   {count} students signed in in {:.1} s",
                begun.elapsed().as_secs_f64()
            );
        }
        let targets = Arc::new(bases.into_iter().zip(bearers.iter().cloned()).collect());
        let line = read_load(&client, targets, args).await?;
        println!(
            "tenants   reads {cache:<9} {line}; {}; {}",
            footprint(),
            postgres_footprint(store).await
        );
        server.stop().await?;
    }
    Ok(())
}

/// A tenant's admin, its student and its published courses.
async fn fill(store: &Store, tenant: &Tenant, password: &NewPassword) -> Result<()> {
    let mut tx = store.begin_write(tenant).await?;
    let admin = bench_seed::admin(&mut tx, tenant.plan, password).await?;
    let student = "student@bench.test";
    bench_seed::person(&mut tx, &admin, student, Role::Student, Some(password)).await?;
    for c in 0..COURSES {
        bench_seed::published_course(&mut tx, &admin, c, 1).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `--tenant-clients` loops, each reading the profile then the catalog of a random tenant, for
/// `--tenant-seconds`; counts answers other than 200 by status instead of stopping at one.
async fn read_load(
    client: &HttpClient,
    targets: Arc<Vec<(String, String)>>,
    args: &TenantsBenchArgs,
) -> Result<String> {
    let until = Instant::now() + Duration::from_secs(args.tenant_seconds);
    let workers: Vec<_> = (0..args.tenant_clients)
        .map(|worker| {
            let (client, targets) = (client.clone(), targets.clone());
            tokio::spawn(async move {
                let mut times = Vec::new();
                let mut refused: BTreeMap<u16, usize> = BTreeMap::new();
                // xorshift: uniform over the tenants, a different sequence per client.
                let mut seed = (worker as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                while Instant::now() < until {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let (base, bearer) = &targets[(seed % targets.len() as u64) as usize];
                    for path in ["/api/v1/tenant", "/api/v1/courses?limit=20"] {
                        let started = Instant::now();
                        let status = read(&client, &format!("{base}{path}"), bearer).await?;
                        times.push(started.elapsed());
                        if status != StatusCode::OK {
                            *refused.entry(status.as_u16()).or_default() += 1;
                        }
                    }
                }
                Ok::<_, anyhow::Error>((times, refused))
            })
        })
        .collect();
    let mut times = Vec::new();
    let mut refused: BTreeMap<u16, usize> = BTreeMap::new();
    for worker in workers {
        let (mine, theirs) = worker.await??;
        times.extend(mine);
        for (status, n) in theirs {
            *refused.entry(status).or_default() += n;
        }
    }
    let errors = if refused.is_empty() {
        "0 errors".to_owned()
    } else {
        refused
            .iter()
            .map(|(status, n)| format!("{n} x {status}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(format!(
        "n={:<7} {}  ({:.0}/s, {} clients, {errors})",
        times.len(),
        summary(&mut times),
        times.len() as f64 / args.tenant_seconds as f64,
        args.tenant_clients
    ))
}

async fn read(client: &HttpClient, uri: &str, bearer: &str) -> Result<StatusCode> {
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, bearer)
        .body(Full::new(Bytes::new()))?;
    let response = client.request(request).await.context(uri.to_owned())?;
    let status = response.status();
    response.into_body().collect().await?;
    Ok(status)
}

fn mean_and_summary(mut times: Vec<Duration>) -> String {
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    format!("mean {mean:.2?} {}", summary(&mut times))
}

/// PostgreSQL's backends (from the server) and their memory (proportional set size of every
/// `postgres` process readable on this host), or on SQLite the memory SQLite holds.
async fn postgres_footprint(store: &Store) -> String {
    let Some(backends) = store.server_backends().await.ok().flatten() else {
        return format!(
            "SQLite holds {} MB",
            lyceum_store::sqlite_memory_used() / (1024 * 1024)
        );
    };
    let pss_kb: u64 = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            std::fs::read_to_string(entry.path().join("comm"))
                .is_ok_and(|comm| comm.trim() == "postgres")
        })
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("smaps_rollup")).ok())
        .filter_map(|rollup| {
            rollup
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum();
    format!(
        "PostgreSQL {backends} backends, {} MB (PSS, local processes)",
        pss_kb / 1024
    )
}
