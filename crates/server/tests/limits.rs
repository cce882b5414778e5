//! Rate limits per tenant, login throttling, metrics and CORS over HTTP, two tenants present, on
//! both engines; one test drives the real server on port 0 (client address from the socket).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{call, send, send_through, tenant_with_users};
use lyceum_domain::Role;
use lyceum_server::{AppState, LocalServer, LoginThrottleConfig, RateLimitConfig, ServerConfig};
use lyceum_store::{testing, Store};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "correct horse battery";

async fn worlds(config: impl Fn() -> ServerConfig) -> Vec<(AppState, testing::TestGuard)> {
    let mut out = Vec::new();
    for (store_config, guard) in [testing::sqlite_config(), testing::postgres_config().await] {
        let store = Store::open(store_config).await.unwrap();
        for slug in ["acme", "globex"] {
            let people = [
                (format!("ada@{slug}.test"), Role::Admin),
                (format!("bob@{slug}.test"), Role::Student),
            ];
            let people: Vec<(&str, &str, Role)> = people
                .iter()
                .map(|(email, role)| (email.as_str(), PASSWORD, *role))
                .collect();
            tenant_with_users(&store, slug, json!({}), &people).await;
        }
        out.push((AppState::new(store, config()), guard));
    }
    out
}

fn profile(slug: &str) -> Request<Body> {
    Request::get(format!("/t/{slug}/api/v1/tenant"))
        .body(Body::empty())
        .unwrap()
}

/// The tenant's profile asked for with a bearer token.
fn profile_as(slug: &str, token: &str) -> Request<Body> {
    Request::get(format!("/t/{slug}/api/v1/tenant"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_tenant_over_its_rate_gets_429_and_the_other_tenant_is_not_starved() {
    // One second of the free plan's 600 requests a minute: a burst of 10.
    let config = || ServerConfig {
        rate_limit: RateLimitConfig {
            enabled: true,
            burst_seconds: 1,
        },
        ..ServerConfig::default()
    };
    for (state, _guard) in worlds(config).await {
        let router = lyceum_server::app(state.clone());
        let ada = common::token(&state, "acme", "ada@acme.test", PASSWORD).await;
        // Tokens come back continuously (one per 100 ms), so count until the bucket is dry
        // instead of expecting the eleventh request to be the one refused.
        let (status, headers, _) = send_through(&router, profile_as("acme", &ada)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["ratelimit-limit"], "10");
        assert_eq!(headers["ratelimit-remaining"], "9");
        let mut allowed = 1;
        let (headers, body) = loop {
            let (status, headers, body) = send_through(&router, profile_as("acme", &ada)).await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                break (headers, body);
            }
            assert_eq!(status, StatusCode::OK);
            allowed += 1;
            assert!(allowed <= 60, "never refused");
        };
        assert!(allowed >= 10, "the whole burst was served first: {allowed}");
        assert_eq!(body["error"], "RATE_LIMITED");
        assert!(body["request_id"].as_str().is_some());
        assert_eq!(headers["ratelimit-remaining"], "0");
        let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert_eq!(retry, 1, "a token comes back within a second");

        let (status, _, _) = send_through(&router, profile("globex")).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "another tenant keeps its own bucket"
        );

        let (_, _, metrics) = send_through(
            &router,
            Request::get("/metrics").body(Body::empty()).unwrap(),
        )
        .await;
        let metrics = metrics.as_str().unwrap();
        assert!(
            metrics.contains("lyceum_rate_limited_total{tenant=\"acme\"} 1"),
            "{metrics}"
        );
        assert!(metrics.contains("lyceum_tenant_requests_total{tenant=\"globex\"} 1"));
    }
}

/// Requests that are not from a member of the tenant (anonymous, or with a token that is bad
/// or another tenant's) spend a bucket of their own, per client address, and are not shown the
/// tenant's: however many there are, the tenant's signed-in members keep their whole rate.
#[tokio::test]
async fn visitors_and_refused_tokens_do_not_spend_the_members_rate() {
    let config = || ServerConfig {
        rate_limit: RateLimitConfig {
            enabled: true,
            burst_seconds: 1,
        },
        ..ServerConfig::default()
    };
    for (state, _guard) in worlds(config).await {
        let router = lyceum_server::app(state.clone());
        let ada = common::token(&state, "acme", "ada@acme.test", PASSWORD).await;
        let globex = common::token(&state, "globex", "ada@globex.test", PASSWORD).await;

        let (status, headers, _) = send_through(&router, profile("acme")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !headers.contains_key("ratelimit-limit"),
            "a visitor is not shown the tenant's bucket: {headers:?}"
        );
        // Forged, foreign and missing tokens, until the visitors' bucket runs dry.
        let forged = format!("{}x", &ada[..ada.len() - 1]);
        let mut refused = 0;
        for round in 0..200 {
            let request = match round % 3 {
                0 => profile_as("acme", &forged),
                1 => profile_as("acme", &globex),
                _ => profile("acme"),
            };
            let (status, headers, _) = send_through(&router, request).await;
            if status == StatusCode::TOO_MANY_REQUESTS {
                assert!(headers.contains_key("retry-after"));
                refused += 1;
                break;
            }
        }
        assert_eq!(
            refused, 1,
            "the visitors' bucket ran dry within 200 requests"
        );

        let (status, headers, _) = send_through(&router, profile_as("acme", &ada)).await;
        assert_eq!(status, StatusCode::OK, "the member is served");
        let remaining: u32 = headers["ratelimit-remaining"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            remaining >= 8,
            "the member's bucket is nearly full: {remaining}"
        );
    }
}

async fn tenant_login(
    state: &AppState,
    slug: &str,
    email: &str,
    password: &str,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let request = Request::post(format!("/t/{slug}/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"email": email, "password": password}).to_string(),
        ))
        .unwrap();
    send(state, request).await
}

#[tokio::test]
async fn repeated_failures_lock_one_account_and_nothing_else() {
    for (state, _guard) in worlds(ServerConfig::default).await {
        for _ in 0..5 {
            let (status, _, body) =
                tenant_login(&state, "acme", "ada@acme.test", "wrong password 1").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        }
        let (status, headers, body) = tenant_login(&state, "acme", "ADA@acme.test", PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password waits: {body}"
        );
        assert_eq!(body["error"], "LOGIN_THROTTLED");
        let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(
            (800..=900).contains(&retry),
            "about the 15 minute window: {retry}"
        );

        let (status, _, _) = tenant_login(&state, "acme", "bob@acme.test", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "another account of the tenant");
        let (status, _, _) = tenant_login(&state, "globex", "ada@globex.test", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "another tenant");

        let (_, _, metrics) = send(
            &state,
            Request::get("/metrics").body(Body::empty()).unwrap(),
        )
        .await;
        assert!(metrics
            .as_str()
            .unwrap()
            .contains("lyceum_login_throttled_total{tenant=\"acme\"} 1"));
    }
}

#[tokio::test]
async fn a_success_before_the_limit_clears_the_failures() {
    for (state, _guard) in worlds(ServerConfig::default).await {
        for _ in 0..4 {
            tenant_login(&state, "acme", "ada@acme.test", "wrong password 1").await;
        }
        let (status, _, _) = tenant_login(&state, "acme", "ada@acme.test", PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        for _ in 0..4 {
            tenant_login(&state, "acme", "ada@acme.test", "wrong password 1").await;
        }
        let (status, _, _) = tenant_login(&state, "acme", "ada@acme.test", PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the count started again after the success"
        );
    }
}

/// One HTTP/1.1 request over a real socket; answers the status line and the body.
async fn http(port: u16, request: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

fn login_request(email: &str, forwarded_for: Option<&str>) -> String {
    login_request_at("acme", email, forwarded_for)
}

fn login_request_at(slug: &str, email: &str, forwarded_for: Option<&str>) -> String {
    let body = json!({"email": email, "password": "wrong password 1"}).to_string();
    let forwarded = forwarded_for
        .map(|f| format!("X-Forwarded-For: {f}\r\n"))
        .unwrap_or_default();
    format!(
        "POST /t/{slug}/api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n{forwarded}\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn the_real_server_throttles_per_client_address_trusting_only_configured_proxies() {
    let config = |trusted: &str| ServerConfig {
        login_throttle: LoginThrottleConfig {
            attempts_per_minute_per_address: 3,
            trusted_proxies: trusted
                .split(',')
                .filter(|t| !t.is_empty())
                .map(|t| t.parse().unwrap())
                .collect(),
            ..LoginThrottleConfig::default()
        },
        ..ServerConfig::default()
    };
    for trusted in ["", "127.0.0.1/32"] {
        let (store_config, _guard) = testing::sqlite_config();
        let store = Store::open(store_config).await.unwrap();
        let tenant = tenant_with_users(&store, "acme", json!({}), &[]).await;
        let state = AppState::new(store.clone(), config(trusted));
        let server = LocalServer::start(state, std::time::Duration::from_secs(5))
            .await
            .unwrap();
        let port = server.address.port();

        // Three attempts on three accounts from one address, each claiming another origin.
        for (i, forwarded) in ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
            .iter()
            .enumerate()
        {
            let (status, body) = http(
                port,
                &login_request(&format!("u{i}@acme.test"), Some(forwarded)),
            )
            .await;
            assert!(status.contains("401"), "{status} {body}");
        }
        let (status, body) = http(port, &login_request("u9@acme.test", Some("203.0.113.1"))).await;
        if trusted.is_empty() {
            // The header is not believed: all four came from 127.0.0.1.
            assert!(status.contains("429"), "{status} {body}");
            assert!(body.contains("LOGIN_THROTTLED"), "{body}");
        } else {
            // Behind a trusted proxy each forwarded address has a bucket of its own.
            assert!(status.contains("401"), "{status} {body}");
            for _ in 0..2 {
                http(port, &login_request("u9@acme.test", Some("203.0.113.1"))).await;
            }
            let (status, _) = http(port, &login_request("u8@acme.test", Some("203.0.113.1"))).await;
            assert!(
                status.contains("429"),
                "the forwarded address ran out: {status}"
            );
        }
        server.stop().await.unwrap();

        // The audit log names the same address for each failed sign-in (none for a throttled one).
        let mut tx = store.begin(&tenant).await.unwrap();
        let filter = lyceum_store::repo::audit::AuditFilter::default();
        let failed = lyceum_store::repo::audit::page(&mut tx, &filter, None, 20)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut addresses: Vec<&str> = failed.iter().filter_map(|e| e.ip.as_deref()).collect();
        addresses.sort();
        if trusted.is_empty() {
            assert_eq!(addresses, ["127.0.0.1"; 3], "{failed:?}");
        } else {
            let expected = [
                "203.0.113.1",
                "203.0.113.1",
                "203.0.113.1",
                "203.0.113.2",
                "203.0.113.3",
            ];
            assert_eq!(addresses, expected, "{failed:?}");
        }
        assert!(failed
            .iter()
            .all(|e| e.action == lyceum_domain::AuditAction::SignInFailed));
    }
}

/// The per-address sign-in limit is counted per tenant: failures at one tenant from an office's
/// address do not lock another tenant's people out from it. It is still bounded overall: the
/// address gets four tenants' worth of attempts in all.
#[tokio::test]
async fn the_address_limit_on_sign_in_is_per_tenant_and_bounded_overall() {
    // One attempt a minute per tenant, four in all: a bucket earns an attempt back only after
    // 15 seconds, far longer than this test takes.
    let config = ServerConfig {
        login_throttle: LoginThrottleConfig {
            attempts_per_minute_per_address: 1,
            ..LoginThrottleConfig::default()
        },
        ..ServerConfig::default()
    };
    let (store_config, _guard) = testing::sqlite_config();
    let store = Store::open(store_config).await.unwrap();
    let slugs = ["ten0", "ten1", "ten2", "ten3", "ten4"];
    for slug in slugs {
        tenant_with_users(&store, slug, json!({}), &[]).await;
    }
    let server = LocalServer::start(
        AppState::new(store, config),
        std::time::Duration::from_secs(5),
    )
    .await
    .unwrap();
    let port = server.address.port();
    let attempt = |slug: &'static str, email: &'static str| {
        let request = login_request_at(slug, email, None);
        async move { http(port, &request).await }
    };

    let (status, body) = attempt("ten0", "a@ten0.test").await;
    assert!(status.contains("401"), "{status} {body}");
    let (status, body) = attempt("ten0", "b@ten0.test").await;
    assert!(
        status.contains("429"),
        "ten0's bucket for the address ran out: {status} {body}"
    );
    for slug in ["ten1", "ten2", "ten3"] {
        let (status, body) = attempt(slug, "a@t.test").await;
        assert!(
            status.contains("401"),
            "{slug} is not locked out by ten0: {status} {body}"
        );
    }
    let (status, body) = attempt("ten4", "a@ten4.test").await;
    assert!(
        status.contains("429") && body.contains("LOGIN_THROTTLED"),
        "four tenants' worth of attempts spent the address's bucket for all: {status} {body}"
    );
    server.stop().await.unwrap();
}

#[tokio::test]
async fn metrics_bound_tenant_labels_and_report_routes_and_pools() {
    let config = || ServerConfig {
        metrics_tenant_labels: 1,
        ..ServerConfig::default()
    };
    for (state, _guard) in worlds(config).await {
        send(&state, profile("acme")).await;
        send(&state, profile("globex")).await;
        send(&state, profile("globex")).await;
        let (status, headers, metrics) = send(
            &state,
            Request::get("/metrics").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"));
        let metrics = metrics.as_str().unwrap();
        assert!(
            metrics.contains("lyceum_tenant_requests_total{tenant=\"acme\"} 1"),
            "{metrics}"
        );
        assert!(
            metrics.contains("lyceum_tenant_requests_total{tenant=\"other\"} 2"),
            "{metrics}"
        );
        assert!(
            !metrics.contains("tenant=\"globex\""),
            "past the label bound"
        );
        assert!(
            metrics.contains("lyceum_http_request_duration_seconds_count{method=\"GET\",route=\"/t/{slug}/api/v1/tenant\",status=\"200\"} 3"),
            "{metrics}"
        );
        assert!(
            metrics.contains("lyceum_db_connections{engine="),
            "{metrics}"
        );
        assert!(metrics.contains("lyceum_tenant_pools_open"), "{metrics}");
        for churn in ["tenant_pool_opens", "tenant_pool_evictions"] {
            assert!(
                metrics.contains(&format!("# TYPE lyceum_{churn} counter")),
                "{metrics}"
            );
        }
    }
}

#[tokio::test]
async fn cors_answers_allowed_origins_only() {
    let config = || ServerConfig {
        cors_origins: vec!["https://app.example".to_owned()],
        ..ServerConfig::default()
    };
    let (state, _guard) = worlds(config).await.remove(0);
    let preflight = |origin: &str| {
        Request::options("/t/acme/api/v1/me")
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .body(Body::empty())
            .unwrap()
    };
    let (status, headers, _) = send(&state, preflight("https://app.example")).await;
    assert!(status.is_success(), "{status}");
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://app.example"
    );
    let get = Request::get("/t/acme/api/v1/tenant")
        .header("origin", "https://app.example")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&state, get).await;
    let exposed = headers["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for name in ["etag", "link", "retry-after", "ratelimit-remaining"] {
        assert!(exposed.contains(name), "{name} not exposed: {exposed}");
    }
    let (_, headers, _) = send(&state, preflight("https://evil.example")).await;
    assert!(headers.get("access-control-allow-origin").is_none());
    let (status, _) = call(&state, "GET", "/t/acme/api/v1/tenant", None, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_with_a_token_configured_need_it() {
    let config = || ServerConfig {
        metrics_token: Some("scrape-secret-1".to_owned()),
        ..ServerConfig::default()
    };
    let (state, _guard) = worlds(config).await.remove(0);
    let scrape = |token: Option<&str>| {
        let mut request = Request::get("/metrics");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.body(Body::empty()).unwrap()
    };
    for token in [None, Some("scrape-secret-2")] {
        let (status, _, body) = send(&state, scrape(token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"], "METRICS_FORBIDDEN");
    }
    let (status, _, body) = send(&state, scrape(Some("scrape-secret-1"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body
        .as_str()
        .unwrap()
        .contains("lyceum_isolation_alarms_total{kind=\"foreign_row\"} 0"));
}

/// An admin unlocks a sign-in locked by failures: the person signs in at once; neither another
/// role nor another tenant's admin can.
#[tokio::test]
async fn an_admin_unlocks_a_locked_sign_in() {
    for (state, _guard) in worlds(ServerConfig::default).await {
        let admin = token_of(&state, "acme", "ada@acme.test").await;
        let student = token_of(&state, "acme", "bob@acme.test").await;
        let stranger = token_of(&state, "globex", "ada@globex.test").await;
        let found = Request::get("/t/acme/api/v1/users?q=bob")
            .header("authorization", format!("Bearer {admin}"))
            .body(Body::empty())
            .unwrap();
        let (_, _, found) = send(&state, found).await;
        let bob = found["items"][0]["id"].as_str().unwrap().to_owned();
        for _ in 0..5 {
            tenant_login(&state, "acme", "bob@acme.test", "wrong password 1").await;
        }
        let (status, _, _) = tenant_login(&state, "acme", "bob@acme.test", PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

        let unlock = |slug: &str, token: &str| {
            Request::post(format!("/t/{slug}/api/v1/users/{bob}/unlock"))
                .header("authorization", format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap()
        };
        let (status, _, body) = send(&state, unlock("acme", &student)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        let (status, _, body) = send(&state, unlock("globex", &stranger)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (status, _, _) = tenant_login(&state, "acme", "bob@acme.test", PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "still locked");

        let (status, _, body) = send(&state, unlock("acme", &admin)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["email"], "bob@acme.test");
        let (status, _, body) = tenant_login(&state, "acme", "bob@acme.test", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let audit = Request::get("/t/acme/api/v1/audit-log?action=user.unlocked")
            .header("authorization", format!("Bearer {admin}"))
            .body(Body::empty())
            .unwrap();
        let (_, _, audit) = send(&state, audit).await;
        assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    }
}

async fn token_of(state: &AppState, slug: &str, email: &str) -> String {
    let (status, _, body) = tenant_login(state, slug, email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}
