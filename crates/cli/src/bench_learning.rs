//! `lyceum bench --learning`: the learning API under load. Loads `--tenants` (1,000) tenants with
//! `--courses` published courses each and a student enrolled in `--enrollments` of them, then
//! drives the real server on a local port from `--learning-clients` concurrent clients: the catalog
//! (a page of 50) and the student dashboard, against the first `--active` tenants, once with the
//! response cache and once without, and the cached catalog again while `--learning-writers`
//! clients keep reporting progress; after every read, progress reports alone from
//! `--progress-clients` (8). Finally times a bulk enrollment from a CSV of `--csv-rows` (10,000)
//! rows.

use crate::bench::{footprint, summary};
use crate::bench_api::{get, login, HttpClient, PASSWORD};
use crate::bench_seed;
use anyhow::{ensure, Context, Result};
use axum::body::Bytes;
use axum::http::{header, Request, StatusCode};
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lyceum_app::identity::NewPassword;
use lyceum_app::learning::{self, enrollments};
use lyceum_domain::{LessonId, Percent, Plan, Role, Slug};
use lyceum_server::{AppState, LocalServer, ResponseCacheConfig, ServerConfig};
use lyceum_store::{NewTenant, Store, Tenant};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct LearningBenchArgs {
    /// Run the learning API benchmark (instead of the storage ones).
    #[arg(long)]
    learning: bool,
    /// Published courses per tenant.
    #[arg(long, default_value_t = 100)]
    courses: usize,
    /// Courses the student of each tenant is enrolled in.
    #[arg(long, default_value_t = 20)]
    enrollments: usize,
    /// Tenants the clients call (their students sign in first).
    #[arg(long, default_value_t = 50)]
    active: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 64)]
    learning_clients: usize,
    /// Concurrent clients reporting progress during the mixed catalog run.
    #[arg(long, default_value_t = 4)]
    learning_writers: usize,
    /// Concurrent clients of the progress run (nothing but progress reports).
    #[arg(long, default_value_t = 8)]
    progress_clients: usize,
    /// Run only the progress run (to profile the write path).
    #[arg(long)]
    progress_only: bool,
    /// Rows of the timed CSV import (one student each).
    #[arg(long, default_value_t = 10_000)]
    csv_rows: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 10)]
    load_seconds: u64,
}

impl LearningBenchArgs {
    pub fn enabled(&self) -> bool {
        self.learning
    }
}

pub async fn run(
    store: &Store,
    tenant_count: usize,
    args: &LearningBenchArgs,
    tag: &str,
) -> Result<()> {
    let password = NewPassword::choose(PASSWORD.to_owned()).await?;
    let started = Instant::now();
    ensure!(args.enrollments > 0, "--enrollments must be at least 1");
    let mut tenants = Vec::with_capacity(tenant_count);
    for i in 0..tenant_count {
        tenants.push(load_tenant(store, args, &format!("learn-{tag}-{i}"), &password).await?);
    }
    println!(
        "learning  loaded {} tenants x {} courses ({} enrollments each) in {:.1} s",
        tenant_count,
        args.courses,
        args.enrollments,
        started.elapsed().as_secs_f64()
    );

    // Each page twice: from the response cache (each tenant's students share its catalog; the
    // dashboard is kept per student; nothing changes meanwhile) and read from the database
    // every time.
    let uncached = ServerConfig {
        response_cache: ResponseCacheConfig {
            capacity_bytes: 0,
            ..ResponseCacheConfig::default()
        },
        ..ServerConfig::unthrottled()
    };
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let mut targets = Vec::new();
    for (cache, config) in [
        ("cached", ServerConfig::unthrottled()),
        ("uncached", uncached),
    ] {
        let state = AppState::new(store.clone(), config);
        let server = LocalServer::start(state, Duration::from_secs(5)).await?;
        if targets.is_empty() {
            for (tenant, lesson) in tenants.iter().take(args.active.max(1)) {
                let base = format!("http://{}/t/{}", server.address, tenant.slug);
                let token = login(&client, &base, "student@bench.test").await?.0;
                let bearer = format!("Bearer {token}");
                targets.push((format!("/t/{}", tenant.slug), bearer, *lesson));
            }
        }
        let targets: Arc<Vec<Target>> = Arc::new(
            targets
                .iter()
                .map(|(tenant, bearer, lesson)| Target {
                    base: format!("http://{}{tenant}", server.address),
                    bearer: bearer.clone(),
                    lesson: *lesson,
                })
                .collect(),
        );
        if args.progress_only {
            let line = drive_progress(&client, &targets, args).await?;
            println!("learning  progress  {line}; {}", footprint());
            return Ok(server.stop().await?);
        }
        for (name, path) in [
            ("catalog", "/api/v1/courses?limit=50"),
            ("dashboard", "/api/v1/me/dashboard"),
        ] {
            let line = drive(&client, &targets, path, 0, args).await?;
            println!("learning  {name:<9} {cache:<8} {line}; {}", footprint());
        }
        if cache == "cached" {
            // Learners keep reporting progress meanwhile: their own writes, which retire their
            // dashboards but not the catalog the tenant's students share.
            let writers = args.learning_writers;
            let line = drive(&client, &targets, "/api/v1/courses?limit=50", writers, args).await?;
            println!("learning  catalog   +{writers} progress writers {line}");
        }
        if cache == "uncached" {
            // Last of the reads: its tens of thousands of writes would otherwise weigh on the
            // uncached reads measured after them.
            let line = drive_progress(&client, &targets, args).await?;
            println!("learning  progress  {line}; {}", footprint());
            csv_import(
                store,
                &client,
                server.address,
                tag,
                &password,
                args.csv_rows,
            )
            .await?;
        }
        server.stop().await?;
    }
    Ok(())
}

/// Where a client calls: a tenant's base URL, its student's token, a lesson to report on.
struct Target {
    base: String,
    bearer: String,
    lesson: LessonId,
}

/// One tenant: an admin and a student, `courses` published courses (one module, two lessons
/// each), the student enrolled in `enrollments` of them with the first lesson done.
async fn load_tenant(
    store: &Store,
    args: &LearningBenchArgs,
    slug: &str,
    password: &NewPassword,
) -> Result<(Tenant, LessonId)> {
    let mut new = NewTenant::new(Slug::parse(slug)?, "Bench learning");
    new.plan = Plan::Enterprise;
    let tenant = store.provision(new).await?;
    let mut tx = store.begin_write(&tenant).await?;
    let admin = bench_seed::admin(&mut tx, tenant.plan, password).await?;
    let student = "student@bench.test";
    let student =
        bench_seed::person(&mut tx, &admin, student, Role::Student, Some(password)).await?;
    let mut second_lesson = None;
    for c in 0..args.courses {
        let (course, lessons) = bench_seed::published_course(&mut tx, &admin, c, 2).await?;
        if c == 0 {
            second_lesson = lessons.get(1).copied();
        }
        if c < args.enrollments {
            enrollments::enroll_in(&mut tx, &admin, course, Some(student.user), None).await?;
            learning::report(&mut tx, &student, lessons[0], Percent::COMPLETE).await?;
        }
    }
    tx.commit().await?;
    let lesson = second_lesson.context("a tenant without courses")?;
    Ok((tenant, lesson))
}

/// `--learning-clients` loops calling `path` on random active tenants, while `writers` more
/// loops report progress on their tenants' lessons; describes the readers' latencies.
async fn drive(
    client: &HttpClient,
    targets: &Arc<Vec<Target>>,
    path: &str,
    writers: usize,
    args: &LearningBenchArgs,
) -> Result<String> {
    let until = Instant::now() + Duration::from_secs(args.load_seconds);
    let mut readers = Vec::new();
    for worker in 0..args.learning_clients {
        let (client, targets, path) = (client.clone(), targets.clone(), path.to_owned());
        readers.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut i = worker;
            while Instant::now() < until {
                let target = &targets[i % targets.len()];
                i = i.wrapping_mul(31).wrapping_add(7);
                let started = Instant::now();
                let status =
                    get(&client, &format!("{}{path}", target.base), &target.bearer).await?;
                times.push(started.elapsed());
                ensure!(status == StatusCode::OK, "{path} answered {status}");
            }
            Ok::<_, anyhow::Error>(times)
        }));
    }
    let reports: Vec<_> = (0..writers)
        .map(|worker| tokio::spawn(report_until(client.clone(), targets.clone(), worker, until)))
        .collect();
    let mut times = Vec::new();
    for reader in readers {
        times.extend(reader.await??);
    }
    let mut sent = 0;
    for writer in reports {
        sent += writer.await??.len();
    }
    let seconds = args.load_seconds as f64;
    let writes = if writers > 0 {
        format!(", {:.0} progress reports/s", sent as f64 / seconds)
    } else {
        String::new()
    };
    Ok(format!(
        "n={:<6} {}  ({:.0}/s, {} clients{writes})",
        times.len(),
        summary(&mut times),
        times.len() as f64 / seconds,
        args.learning_clients
    ))
}

/// `--progress-clients` loops reporting progress on random active tenants; describes them.
async fn drive_progress(
    client: &HttpClient,
    targets: &Arc<Vec<Target>>,
    args: &LearningBenchArgs,
) -> Result<String> {
    let until = Instant::now() + Duration::from_secs(args.load_seconds);
    let reports: Vec<_> = (0..args.progress_clients)
        .map(|worker| tokio::spawn(report_until(client.clone(), targets.clone(), worker, until)))
        .collect();
    let mut times = Vec::new();
    for writer in reports {
        times.extend(writer.await??);
    }
    Ok(format!(
        "n={:<6} {}  ({:.0}/s, {} clients)",
        times.len(),
        summary(&mut times),
        times.len() as f64 / args.load_seconds as f64,
        args.progress_clients
    ))
}

/// Reports progress on the lessons of random targets until `until`; answers each report's time.
async fn report_until(
    client: HttpClient,
    targets: Arc<Vec<Target>>,
    worker: usize,
    until: Instant,
) -> Result<Vec<Duration>> {
    let (mut times, mut i) = (Vec::new(), worker);
    while Instant::now() < until {
        let target = &targets[i % targets.len()];
        i = i.wrapping_mul(31).wrapping_add(7);
        let started = Instant::now();
        report_progress(&client, target).await?;
        times.push(started.elapsed());
    }
    Ok(times)
}

async fn report_progress(client: &HttpClient, target: &Target) -> Result<()> {
    let request = Request::put(format!(
        "{}/api/v1/lessons/{}/progress",
        target.base, target.lesson
    ))
    .header(header::AUTHORIZATION, &target.bearer)
    .header(header::CONTENT_TYPE, "application/json")
    .body(Full::new(Bytes::from_static(br#"{"percent": 50}"#)))?;
    let response = client.request(request).await?;
    let status = response.status();
    response.into_body().collect().await?;
    ensure!(status == StatusCode::OK, "progress answered {status}");
    Ok(())
}

/// A tenant with `rows` students and a published course; times the CSV upload enrolling all.
async fn csv_import(
    store: &Store,
    client: &HttpClient,
    address: std::net::SocketAddr,
    tag: &str,
    password: &NewPassword,
    rows: usize,
) -> Result<()> {
    let mut new = NewTenant::new(Slug::parse(&format!("learn-{tag}-csv"))?, "Bench CSV");
    new.plan = Plan::Enterprise;
    let tenant = store.provision(new).await?;
    let mut tx = store.begin_write(&tenant).await?;
    let admin = bench_seed::admin(&mut tx, tenant.plan, password).await?;
    let mut csv = String::from("email,due_at\n");
    for i in 0..rows {
        let email = format!("learner{i}@bench.test");
        // Invited (no password), as people arriving in bulk are.
        bench_seed::person(&mut tx, &admin, &email, Role::Student, None).await?;
        csv.push_str(&email);
        csv.push_str(",2027-06-30\n");
    }
    let (course, _) = bench_seed::published_course(&mut tx, &admin, 0, 1).await?;
    tx.commit().await?;

    let base = format!("http://{address}/t/{}", tenant.slug);
    let token = login(client, &base, "admin@bench.test").await?.0;
    let request = Request::post(format!("{base}/api/v1/courses/{course}/enrollments/import"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Full::new(Bytes::from(csv)))?;
    let started = Instant::now();
    let response = client.request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    let elapsed = started.elapsed();
    ensure!(status == StatusCode::OK, "import answered {status}");
    let report: serde_json::Value = serde_json::from_slice(&body)?;
    println!(
        "learning  csv import {rows} rows in {:.2} s ({} created, {} failed)",
        elapsed.as_secs_f64(),
        report["created"],
        report["failed"]
    );
    Ok(())
}
