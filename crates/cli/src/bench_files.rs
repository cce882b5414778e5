//! `lyceum bench --upload MB`: a file of MB megabytes streamed as one request through the real
//! HTTP server (`POST /api/v1/courses/{id}/files`) into local-folder storage, timed, with the
//! process's resident memory sampled throughout: its peak growth over the moment before shows
//! that an upload's memory does not grow with the file. The server and its client share this
//! process; the client streams the file in 64 KiB chunks it does not keep.

use crate::bench_api::{login, HttpClient, PASSWORD};
use crate::bench_seed;
use anyhow::{ensure, Result};
use axum::body::Bytes;
use axum::http::{header, Method, Request, StatusCode};
use clap::Args;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lyceum_app::files::{StorageBackend, StorageConfig};
use lyceum_app::identity::NewPassword;
use lyceum_domain::{Plan, Slug};
use lyceum_server::{AppState, LocalServer, ServerConfig};
use lyceum_store::{NewTenant, Store};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct UploadBenchArgs {
    /// Stream an upload of this many MB (10^6 bytes) through the HTTP server and print the
    /// process's peak memory growth (instead of the storage benchmarks).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=500))]
    upload: Option<u32>,
}

impl UploadBenchArgs {
    pub fn enabled(&self) -> bool {
        self.upload.is_some()
    }
}

/// Bytes per chunk the client sends.
const CHUNK: usize = 64 * 1024;

type StreamingClient =
    Client<hyper_util::client::legacy::connect::HttpConnector, BoxBody<Bytes, Infallible>>;

pub async fn run(store: &Store, args: &UploadBenchArgs, tag: &str) -> Result<()> {
    let megabytes = args.upload.unwrap_or(100);
    let size = u64::from(megabytes) * 1_000_000;
    let password = NewPassword::choose(PASSWORD.to_owned()).await?;
    let slug = format!("upload-{tag}");
    let mut new = NewTenant::new(Slug::parse(&slug)?, "Upload bench");
    new.plan = Plan::Enterprise;
    let tenant = store.provision(new).await?;
    let mut tx = store.begin_write(&tenant).await?;
    let admin = bench_seed::admin(&mut tx, tenant.plan, &password).await?;
    let (course, _) = bench_seed::published_course(&mut tx, &admin, 1, 1).await?;
    tx.commit().await?;

    let folder = std::env::temp_dir().join(format!("lyceum-bench-upload-{tag}"));
    let config = ServerConfig {
        storage: StorageConfig {
            backend: StorageBackend::Local {
                root: folder.clone(),
            },
            ..StorageConfig::default()
        },
        ..ServerConfig::unthrottled()
    };
    let server =
        LocalServer::start(AppState::new(store.clone(), config), Duration::from_secs(5)).await?;
    let base = format!("http://{}/t/{slug}", server.address);
    let plain: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let token = login(&plain, &base, "admin@bench.test").await?.0;
    let client: StreamingClient = Client::builder(TokioExecutor::new()).build_http();
    let uri = format!("{base}/api/v1/courses/{course}/files?name=bench.pdf");

    // A first, small upload warms the connection, the allocator and the storage folder.
    upload(&client, &uri, &token, 2_000_000).await?;
    let before = resident_bytes();
    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn({
        let (peak, done) = (peak.clone(), done.clone());
        async move {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(resident_bytes(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    });
    let started = Instant::now();
    upload(&client, &uri, &token, size).await?;
    let took = started.elapsed();
    done.store(true, Ordering::Relaxed);
    sampler.await?;
    let peak = peak.load(Ordering::Relaxed).max(resident_bytes());
    let mb = |bytes: u64| bytes as f64 / 1e6;
    println!(
        "upload {megabytes} MB through HTTP to a local folder: {:.2} s ({:.0} MB/s); resident memory {:.1} MB before, peak {:.1} MB: growth {:.1} MB ({:.2}% of the file)",
        took.as_secs_f64(),
        mb(size) / took.as_secs_f64(),
        mb(before),
        mb(peak),
        mb(peak - before),
        (peak - before) as f64 / size as f64 * 100.0
    );
    server.stop().await?;
    let _ = tokio::fs::remove_dir_all(&folder).await;
    Ok(())
}

/// Streams `size` bytes (a PDF's header, then a pattern) as one upload.
async fn upload(client: &StreamingClient, uri: &str, token: &str, size: u64) -> Result<()> {
    let mut first = b"%PDF-1.7\n".to_vec();
    first.resize(CHUNK, b'x');
    let first = Bytes::from(first);
    let rest = Bytes::from(vec![b'y'; CHUNK]);
    let chunks = size.div_ceil(CHUNK as u64);
    let frames = futures_util::stream::iter((0..chunks).map(move |i| {
        let whole = if i == 0 { first.clone() } else { rest.clone() };
        let left = (size - i * CHUNK as u64).min(CHUNK as u64) as usize;
        Ok::<_, Infallible>(Frame::data(whole.slice(..left)))
    }));
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/pdf")
        .header(header::CONTENT_LENGTH, size)
        .body(StreamBody::new(frames).boxed())?;
    let response = client.request(request).await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    ensure!(
        status == StatusCode::CREATED,
        "the upload answered {status}: {}",
        String::from_utf8_lossy(&body)
    );
    Ok(())
}

/// The process's resident memory, in bytes.
fn resident_bytes() -> u64 {
    crate::bench::process_status("VmRSS") * 1024
}
