//! Tenant resolution over HTTP through the real router, two tenants present, both engines.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use lyceum_domain::{Slug, TenantStatus};
use lyceum_server::{app, AppState, ServerConfig};
use lyceum_store::{testing, NewTenant, Store, Tenant};
use serde_json::Value;
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    request_id: String,
    body: Value,
}

async fn send(state: &AppState, request: Request<Body>) -> Reply {
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    Reply {
        status,
        request_id,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

fn get(path: &str) -> axum::http::request::Builder {
    Request::get(path)
}

async fn provision(store: &Store, slug: &str, name: &str, color: &str) -> Tenant {
    let mut new = NewTenant::new(Slug::parse(slug).unwrap(), name);
    new.settings = serde_json::json!({"branding": {"primary_color": color}});
    store.provision(new).await.unwrap()
}

async fn states() -> Vec<(AppState, Vec<testing::TestGuard>)> {
    let (sqlite, g1) = testing::sqlite_config();
    let (postgres, g2) = testing::postgres_config().await;
    let mut out = Vec::new();
    for (config, guard) in [(sqlite, g1), (postgres, g2)] {
        let store = Store::open(config).await.unwrap();
        let config = ServerConfig {
            base_domain: Some("lms.example".into()),
            ..Default::default()
        };
        out.push((AppState::new(store, config), vec![guard]));
    }
    out
}

fn assert_error(reply: &Reply, status: StatusCode, code: &str, context: &str) {
    assert_eq!(reply.status, status, "{context}: {}", reply.body);
    assert_eq!(reply.body["error"], code, "{context}: {}", reply.body);
    assert_eq!(
        reply.body["request_id"],
        reply.request_id.as_str(),
        "error bodies carry the request id"
    );
    assert!(reply.body["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn each_resolution_source_finds_the_right_tenant() {
    for (state, _guards) in states().await {
        let acme = provision(&state.store, "acme", "Acme Academy", "#0B5FFF").await;
        let globex = provision(&state.store, "globex", "Globex School", "#2E7D32").await;
        state
            .store
            .directory()
            .add_custom_domain(acme.id(), "learn.acme-corp.com", true)
            .await
            .unwrap();
        state
            .store
            .directory()
            .add_custom_domain(globex.id(), "pending.globex.com", false)
            .await
            .unwrap();

        let cases = [
            (
                get("/t/acme/api/v1/tenant").body(Body::empty()).unwrap(),
                "Acme Academy",
            ),
            (
                get("/t/globex/api/v1/tenant").body(Body::empty()).unwrap(),
                "Globex School",
            ),
            (
                get("/api/v1/tenant")
                    .header("host", "globex.lms.example")
                    .body(Body::empty())
                    .unwrap(),
                "Globex School",
            ),
            (
                get("/api/v1/tenant")
                    .header("host", "ACME.lms.example:8443")
                    .body(Body::empty())
                    .unwrap(),
                "Acme Academy",
            ),
            (
                get("/api/v1/tenant")
                    .header("host", "learn.acme-corp.com")
                    .body(Body::empty())
                    .unwrap(),
                "Acme Academy",
            ),
            (
                get("/api/v1/tenant")
                    .header("x-tenant-id", "globex")
                    .body(Body::empty())
                    .unwrap(),
                "Globex School",
            ),
            (
                get("/api/v1/tenant")
                    .header("x-tenant-id", acme.id().to_string())
                    .body(Body::empty())
                    .unwrap(),
                "Acme Academy",
            ),
            (
                get("/t/acme/api/v1/tenant")
                    .header("host", "globex.lms.example")
                    .body(Body::empty())
                    .unwrap(),
                "Acme Academy",
            ),
            (
                get("/api/v1/tenant")
                    .header("host", "api.customer-integration.com")
                    .header("x-tenant-id", "globex")
                    .body(Body::empty())
                    .unwrap(),
                "Globex School",
            ),
        ];
        for (request, expected) in cases {
            let uri = request.uri().clone();
            let reply = send(&state, request).await;
            assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
            assert_eq!(reply.body["name"], expected, "{uri}");
        }
        let reply = send(
            &state,
            get("/t/globex/api/v1/tenant").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(reply.body["branding"]["primary_color"], "#2E7D32");
    }
}

#[tokio::test]
async fn resolution_errors_have_stable_codes() {
    for (state, _guards) in states().await {
        let acme = provision(&state.store, "acme", "Acme Academy", "#000").await;
        let globex = provision(&state.store, "globex", "Globex School", "#000").await;
        state
            .store
            .directory()
            .add_custom_domain(globex.id(), "pending.globex.com", false)
            .await
            .unwrap();
        let cases = [
            (
                get("/api/v1/tenant"),
                StatusCode::BAD_REQUEST,
                "TENANT_NOT_RESOLVED",
            ),
            (
                get("/api/v1/tenant").header("host", "lms.example"),
                StatusCode::BAD_REQUEST,
                "TENANT_NOT_RESOLVED",
            ),
            (
                get("/api/v1/tenant").header("host", "www.lms.example"),
                StatusCode::BAD_REQUEST,
                "TENANT_NOT_RESOLVED",
            ),
            (
                get("/api/v1/tenant").header("host", "127.0.0.1:8080"),
                StatusCode::BAD_REQUEST,
                "TENANT_NOT_RESOLVED",
            ),
            (
                get("/api/v1/tenant").header("host", "pending.globex.com"),
                StatusCode::NOT_FOUND,
                "TENANT_NOT_FOUND",
            ),
            (
                get("/t/nobody/api/v1/tenant"),
                StatusCode::NOT_FOUND,
                "TENANT_NOT_FOUND",
            ),
            (
                get("/t/Bad%20Slug/api/v1/tenant"),
                StatusCode::NOT_FOUND,
                "TENANT_NOT_FOUND",
            ),
            (
                get("/t/acme/api/v1/tenant").header("x-tenant-id", "globex"),
                StatusCode::FORBIDDEN,
                "TENANT_MISMATCH",
            ),
            (
                get("/api/v1/tenant").header("x-tenant-id", "not a slug!"),
                StatusCode::NOT_FOUND,
                "TENANT_NOT_FOUND",
            ),
            (
                get("/api/v1/tenant").header("host", "bad_host!.example"),
                StatusCode::BAD_REQUEST,
                "INVALID_HOST",
            ),
            (
                get("/api/v1/tenant").header("host", "a".repeat(300)),
                StatusCode::BAD_REQUEST,
                "INVALID_HOST",
            ),
            (
                get("/t/acme/no/such/route"),
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
            ),
        ];
        for (request, status, code) in cases {
            let request = request.body(Body::empty()).unwrap();
            let uri = request.uri().clone();
            let reply = send(&state, request).await;
            assert_error(&reply, status, code, &uri.to_string());
        }

        // Suspension is seen at once: the directory invalidates its cache when it changes.
        assert_eq!(
            send(
                &state,
                get("/t/acme/api/v1/tenant").body(Body::empty()).unwrap()
            )
            .await
            .status,
            StatusCode::OK
        );
        state
            .store
            .directory()
            .set_status(acme.id(), TenantStatus::Suspended, None)
            .await
            .unwrap();
        let reply = send(
            &state,
            get("/t/acme/api/v1/tenant").body(Body::empty()).unwrap(),
        )
        .await;
        assert_error(
            &reply,
            StatusCode::FORBIDDEN,
            "TENANT_SUSPENDED",
            "suspended",
        );
        state
            .store
            .directory()
            .set_status(acme.id(), TenantStatus::Deleted, None)
            .await
            .unwrap();
        let reply = send(
            &state,
            get("/t/acme/api/v1/tenant").body(Body::empty()).unwrap(),
        )
        .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "TENANT_NOT_FOUND", "deleted");
    }
}

#[tokio::test]
async fn request_ids_are_honoured_when_sane_and_replaced_otherwise() {
    let (config, _guard) = testing::sqlite_config();
    let state = AppState::new(Store::open(config).await.unwrap(), ServerConfig::default());
    let reply = send(
        &state,
        get("/healthz")
            .header("x-request-id", "trace-42.abc")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(reply.request_id, "trace-42.abc");
    let reply = send(
        &state,
        get("/api/v1/tenant")
            .header("x-request-id", "x".repeat(500))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        reply.request_id.len(),
        36,
        "an oversized id is replaced by a fresh UUID"
    );
    assert_error(
        &reply,
        StatusCode::BAD_REQUEST,
        "TENANT_NOT_RESOLVED",
        "no tenant",
    );
}
