//! `lyceum bench --portal`: the web portal's pages under load, on the demo data (`lyceum demo`'s
//! tenants, made here if missing). `--portal-clients` (8) clients call each page for
//! `--portal-seconds` (5): the public catalog and a course page, then, signed in as a demo
//! learner through the sign-in form (session and CSRF cookies), the dashboard, a course
//! outline and a lesson. Prints the time to the whole answer per page (the load generator runs
//! on the same machine, so this is an upper bound of the server's time) and the page's size.

use crate::bench::summary;
use crate::bench_api::HttpClient;
use crate::demo;
use anyhow::{ensure, Context, Result};
use axum::body::Bytes;
use axum::http::{header, HeaderMap, Request, StatusCode};
use clap::Args;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lyceum_server::{AppState, LocalServer, ServerConfig};
use lyceum_store::Store;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct PortalBenchArgs {
    /// Run the web portal benchmark (instead of the storage ones).
    #[arg(long)]
    portal: bool,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    portal_clients: usize,
    /// Seconds of load per page.
    #[arg(long, default_value_t = 5)]
    portal_seconds: u64,
}

impl PortalBenchArgs {
    pub fn enabled(&self) -> bool {
        self.portal
    }
}

/// A page answer: status, headers, body.
async fn fetch(
    client: &HttpClient,
    request: Request<Full<Bytes>>,
) -> Result<(StatusCode, HeaderMap, Bytes)> {
    let response = client.request(request).await?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, headers, body))
}

/// `name=value` of each cookie a response sets.
fn cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_owned)
        .collect()
}

/// The first address in `html` that starts with `prefix`.
fn first_link(html: &str, prefix: &str) -> Result<String> {
    let at = html
        .find(&format!("\"{prefix}"))
        .with_context(|| format!("no link to {prefix}*"))?;
    let rest = &html[at + 1..];
    Ok(rest[..rest.find('"').context("an unterminated link")?].to_owned())
}

pub async fn run(store: &Store, args: &PortalBenchArgs) -> Result<()> {
    demo::provision(store).await?;
    let state = AppState::new(store.clone(), ServerConfig::unthrottled());
    let server = LocalServer::start(state, Duration::from_secs(5)).await?;
    let base = format!("http://{}", server.address);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let get = |path: &str, cookie: &str| {
        Request::get(format!("{base}{path}"))
            .header(header::COOKIE, cookie)
            .body(Full::new(Bytes::new()))
    };

    // Sign in through the form, as a browser does.
    let (_, headers, _) = fetch(&client, get("/t/acme/sign-in", "")?).await?;
    let csrf = cookies(&headers).join("; ");
    let token = csrf.strip_prefix("lyceum_csrf=").unwrap_or_default();
    let form = serde_urlencoded::to_string([
        ("csrf", token),
        ("email", "sam@acme.test"),
        ("password", demo::PASSWORD),
    ])?;
    let request = Request::post(format!("{base}/t/acme/sign-in"))
        .header(header::COOKIE, &csrf)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(form)))?;
    let (status, headers, _) = fetch(&client, request).await?;
    ensure!(
        status == StatusCode::SEE_OTHER,
        "signing in answered {status}"
    );
    let session = format!("{csrf}; {}", cookies(&headers).join("; "));

    let (_, _, home) = fetch(&client, get("/t/acme/", "")?).await?;
    let course = first_link(&String::from_utf8_lossy(&home), "/t/acme/courses/")?;
    let (_, _, dashboard) = fetch(&client, get("/t/acme/learn", &session)?).await?;
    let outline = first_link(
        &String::from_utf8_lossy(&dashboard),
        "/t/acme/learn/courses/",
    )?;
    let (_, _, page) = fetch(&client, get(&outline, &session)?).await?;
    let lesson = first_link(&String::from_utf8_lossy(&page), "/t/acme/learn/lessons/")?;

    let pages = [
        ("catalog", "/t/acme/".to_owned(), ""),
        ("course", course, ""),
        ("dashboard", "/t/acme/learn".to_owned(), session.as_str()),
        ("outline", outline, session.as_str()),
        ("lesson", lesson, session.as_str()),
    ];
    for (name, path, cookie) in pages {
        let until = Instant::now() + Duration::from_secs(args.portal_seconds);
        let mut clients = Vec::new();
        for _ in 0..args.portal_clients.max(1) {
            let client = client.clone();
            let uri = format!("{base}{path}");
            let cookie = cookie.to_owned();
            clients.push(tokio::spawn(async move {
                let mut times = Vec::new();
                let mut largest = 0;
                while Instant::now() < until {
                    let request = Request::get(&uri)
                        .header(header::COOKIE, &cookie)
                        .body(Full::new(Bytes::new()))?;
                    let started = Instant::now();
                    let (status, _, body) = fetch(&client, request).await?;
                    times.push(started.elapsed());
                    ensure!(status == StatusCode::OK, "{uri} answered {status}");
                    largest = largest.max(body.len());
                }
                Ok::<_, anyhow::Error>((times, largest))
            }));
        }
        let mut times = Vec::new();
        let mut largest = 0;
        for client in clients {
            let (mine, size) = client.await??;
            times.extend(mine);
            largest = largest.max(size);
        }
        let rate = times.len() as f64 / args.portal_seconds as f64;
        println!(
            "portal    {name:<9} n={:<6} {}  ({rate:.0}/s, {} clients), {:.1} KB",
            times.len(),
            summary(&mut times),
            args.portal_clients,
            largest as f64 / 1024.0
        );
    }
    let css = fetch(&client, get("/assets/portal.css", "")?)
        .await?
        .2
        .len();
    let script = fetch(&client, get("/assets/countdown.js", "")?)
        .await?
        .2
        .len();
    println!(
        "portal    stylesheet {:.1} KB; script {:.1} KB (a timed attempt's countdown, the only page that sends one)",
        css as f64 / 1024.0,
        script as f64 / 1024.0
    );
    server.stop().await?;
    Ok(())
}
