//! `lyceum bench --api`: the API core's figures. First the cost of what every authenticated
//! request does before its handler (tenant resolution and token verification, both cached),
//! in process; then the real server on a local port: the latency of `GET /api/v1/me` from a few
//! clients, alone and while sign-ins (Argon2id, deliberately slow) run at a fixed rate; and
//! what the check of each user's current standing (the token epoch) costs that throughput.

use crate::bench::summary;
use crate::bench_seed;
use anyhow::{ensure, Context, Result};
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lyceum_app::identity::NewPassword;
use lyceum_domain::{Plan, Role, Slug, UserId};
use lyceum_server::{AppState, LocalServer, ServerConfig};
use lyceum_store::{NewTenant, Store, Tenant};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Args)]
pub struct ApiBenchArgs {
    /// Run the API benchmarks (instead of the storage ones).
    #[arg(long)]
    api: bool,
    /// Seconds each load phase runs.
    #[arg(long, default_value_t = 10)]
    api_seconds: u64,
    /// Sign-ins per second during the second phase.
    #[arg(long, default_value_t = 20)]
    logins_per_second: u32,
    /// Concurrent clients calling `GET /api/v1/me`.
    #[arg(long, default_value_t = 4)]
    clients: usize,
}

impl ApiBenchArgs {
    pub fn enabled(&self) -> bool {
        self.api
    }
}

pub(crate) const PASSWORD: &str = "bench password 123";

pub(crate) type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub async fn run(store: &Store, args: &ApiBenchArgs, tag: &str) -> Result<()> {
    let mut new = NewTenant::new(Slug::parse(&format!("bench-{tag}-api"))?, "Bench API");
    new.plan = Plan::Enterprise;
    let tenant = store.provision(new).await?;
    let password = NewPassword::choose(PASSWORD.to_owned()).await?;
    let mut tx = store.begin_write(&tenant).await?;
    let admin = bench_seed::admin(&mut tx, tenant.plan, &password).await?;
    let reader = bench_seed::person(
        &mut tx,
        &admin,
        "reader@bench.test",
        Role::Student,
        Some(&password),
    )
    .await?;
    bench_seed::person(
        &mut tx,
        &admin,
        "signer@bench.test",
        Role::Student,
        Some(&password),
    )
    .await?;
    tx.commit().await?;

    let state = AppState::new(store.clone(), ServerConfig::unthrottled());
    let server = LocalServer::start(state.clone(), std::time::Duration::from_secs(5)).await?;
    let base = format!("http://{}/t/{}", server.address, tenant.slug);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();

    let token = login(&client, &base, "reader@bench.test").await?.0;
    resolve_and_verify(&state, &tenant.slug, &token).await?;
    let check = standing_check(&state, &tenant, reader.user).await?;
    let me = Arc::new(format!("{base}/api/v1/me"));
    let (quiet, rate) = load(&client, &me, &token, args, None).await?;
    println!("api /me      alone          {quiet}");
    // Without the check, each request would need `check` less CPU; at `rate` requests a
    // second on `cores` cores (server and clients share them), that is this share of them.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    println!(
        "api /me      the standing check's share of its throughput: {:.2}% ({:.2} us x {rate:.0}/s over {cores} cores)",
        check.as_secs_f64() * rate / cores * 100.0,
        check.as_secs_f64() * 1e6
    );
    let (busy, _) = load(&client, &me, &token, args, Some(&base)).await?;
    println!("api /me      with sign-ins  {busy}");

    server.stop().await?;
    Ok(())
}

/// Tenant resolution plus token verification, in process, with warm caches.
async fn resolve_and_verify(state: &AppState, slug: &Slug, token: &str) -> Result<()> {
    let path = format!("/t/{slug}/api/v1/me");
    let mut headers = HeaderMap::new();
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    let mut times = Vec::new();
    for i in 0..21_000 {
        let started = Instant::now();
        lyceum_server::authenticate(state, &path, &headers)
            .await
            .map_err(api_error)?;
        if i >= 1_000 {
            times.push(started.elapsed());
        }
    }
    println!(
        "api resolve+verify (cached) n={:<6} {}",
        times.len(),
        summary(&mut times)
    );
    Ok(())
}

/// The check every authenticated request makes of its user's current role and status (kept
/// per tenant data version: deactivation and demotion take effect on the next request), with
/// nothing changed in the tenant meanwhile; answers its mean time.
async fn standing_check(state: &AppState, tenant: &Tenant, user: UserId) -> Result<Duration> {
    const CHECKS: u32 = 200_000;
    state
        .standings
        .role(tenant, user)
        .await
        .map_err(api_error)?;
    let started = Instant::now();
    for _ in 0..CHECKS {
        state
            .standings
            .role(tenant, user)
            .await
            .map_err(api_error)?;
    }
    let mean = started.elapsed() / CHECKS;
    println!("api standing check (kept) n={CHECKS:<6} mean {mean:.2?}");
    Ok(mean)
}

fn api_error(e: lyceum_server::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}: {}", e.code, e.message)
}

/// `clients` loops on `GET me` for the configured time; with `sign_in_base`, sign-ins are
/// started at the configured rate alongside. Describes the `me` latencies, and answers their
/// rate a second.
async fn load(
    client: &HttpClient,
    me: &Arc<String>,
    token: &str,
    args: &ApiBenchArgs,
    sign_in_base: Option<&str>,
) -> Result<(String, f64)> {
    let until = Instant::now() + Duration::from_secs(args.api_seconds);
    let times = Arc::new(Mutex::new(Vec::new()));
    let mut readers = Vec::new();
    for _ in 0..args.clients {
        let (client, me, times) = (client.clone(), me.clone(), times.clone());
        let bearer = format!("Bearer {token}");
        readers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while Instant::now() < until {
                let started = Instant::now();
                let status = get(&client, &me, &bearer).await?;
                mine.push(started.elapsed());
                ensure!(status == StatusCode::OK, "GET /me answered {status}");
            }
            times.lock().await.extend(mine);
            Ok(())
        }));
    }
    let mut sign_ins = Vec::new();
    if let Some(base) = sign_in_base {
        let mut every = tokio::time::interval(Duration::from_secs(1) / args.logins_per_second);
        while Instant::now() < until {
            every.tick().await;
            let (client, base) = (client.clone(), base.to_owned());
            sign_ins.push(tokio::spawn(async move {
                login(&client, &base, "signer@bench.test").await
            }));
        }
    }
    for reader in readers {
        reader.await??;
    }
    let mut login_times = Vec::new();
    for sign_in in sign_ins {
        login_times.push(sign_in.await??.1);
    }
    let mut times = times.lock().await;
    let rate = times.len() as f64 / args.api_seconds as f64;
    let mut line = format!(
        "n={:<6} {}  ({rate:.0}/s, {} clients)",
        times.len(),
        summary(&mut times),
        args.clients
    );
    if !login_times.is_empty() {
        line.push_str(&format!(
            "\n             sign-ins       n={:<6} {}  ({}/s)",
            login_times.len(),
            summary(&mut login_times),
            args.logins_per_second
        ));
    }
    Ok((line, rate))
}

pub(crate) async fn get(client: &HttpClient, uri: &str, bearer: &str) -> Result<StatusCode> {
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, bearer)
        .body(Full::new(Bytes::new()))?;
    let response = client.request(request).await?;
    let status = response.status();
    response.into_body().collect().await?;
    Ok(status)
}

/// Signs in; answers the access token and how long it took.
pub(crate) async fn login(
    client: &HttpClient,
    base: &str,
    email: &str,
) -> Result<(String, Duration)> {
    let body = serde_json::json!({"email": email, "password": PASSWORD}).to_string();
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("{base}/api/v1/auth/login"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))?;
    let started = Instant::now();
    let response = client.request(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    let elapsed = started.elapsed();
    ensure!(status == StatusCode::OK, "sign-in answered {status}");
    let body: serde_json::Value = serde_json::from_slice(&bytes)?;
    let token = body["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned();
    Ok((token, elapsed))
}
