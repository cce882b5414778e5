//! Write contention on the embedded default: a write that cannot have the tenant file's write
//! lock within the busy timeout is refused with 503 `TENANT_BUSY` and `Retry-After`, never a
//! 500; it is counted per tenant; and once the lock is free the same write succeeds. The lock
//! is held once by a writer of the same server and once by another process's connection.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{send, tenant_with_users, token};
use lyceum_domain::Role;
use lyceum_server::{AppState, ServerConfig};
use lyceum_store::{testing, EngineConfig, Store};
use serde_json::json;
use sqlx::{ConnectOptions, Connection};
use std::time::{Duration, Instant};

const BUSY_TIMEOUT: Duration = Duration::from_millis(300);

fn create_course(token: &str, slug: &str) -> Request<Body> {
    Request::post("/t/acme/api/v1/courses")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"title": "Contended", "slug": slug}).to_string(),
        ))
        .unwrap()
}

#[tokio::test]
async fn a_write_that_cannot_have_the_lock_answers_tenant_busy_then_succeeds() {
    let (mut config, _guard) = testing::sqlite_config();
    config.limits.sqlite_busy_timeout = BUSY_TIMEOUT;
    let EngineConfig::Sqlite { data_dir } = config.engine.clone() else {
        unreachable!("a SQLite configuration");
    };
    let store = Store::open(config).await.unwrap();
    let tenant = tenant_with_users(
        &store,
        "acme",
        json!({}),
        &[("admin@acme.test", "correct horse battery", Role::Admin)],
    )
    .await;
    let state = AppState::new(store.clone(), ServerConfig::default());
    let admin = token(&state, "acme", "admin@acme.test", "correct horse battery").await;

    // Held by a writer of this same server: the request waits its turn, then gives up.
    let held = store.begin_write(&tenant).await.unwrap();
    let started = Instant::now();
    let (status, headers, body) = send(&state, create_course(&admin, "first")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "TENANT_BUSY", "{body}");
    assert_eq!(headers["retry-after"], "1");
    assert!(
        started.elapsed() >= BUSY_TIMEOUT,
        "refused after {:?}, before the busy timeout",
        started.elapsed()
    );
    held.rollback().await.unwrap();
    let (status, _, body) = send(&state, create_course(&admin, "first")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Held by another process (here: a connection of its own to the tenant's file).
    let file = data_dir
        .join("tenants")
        .join(format!("{}.sqlite", tenant.id()));
    let mut other = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&file)
        .connect()
        .await
        .unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .unwrap();
    let (status, headers, body) = send(&state, create_course(&admin, "second")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "TENANT_BUSY", "{body}");
    assert_eq!(headers["retry-after"], "1");
    // Reads never wait for a writer (WAL).
    let list = Request::get("/t/acme/api/v1/courses")
        .header("authorization", format!("Bearer {admin}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&state, list).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
    other.close().await.unwrap();
    let (status, _, body) = send(&state, create_course(&admin, "second")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Nothing of the refused writes was written; both refusals were counted for the tenant.
    let trouble = store.transaction_trouble();
    assert_eq!(trouble.len(), 1, "{trouble:?}");
    assert_eq!(trouble[0].0, Some(tenant.id()));
    assert_eq!(trouble[0].1.busy_refusals, 2);
    assert_eq!(trouble[0].1.released_in_transaction, 0);
    let (status, _, ready) =
        send(&state, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ready["busy_refusals"], 2, "{ready}");
    let metrics = state.metrics.render(&state.store);
    assert!(
        metrics.contains(&format!(
            "lyceum_tenant_busy_refusals_total{{tenant_id=\"{}\"}} 2",
            tenant.id()
        )),
        "{metrics}"
    );
    let courses = Request::get("/t/acme/api/v1/courses")
        .header("authorization", format!("Bearer {admin}"))
        .body(Body::empty())
        .unwrap();
    let (_, _, body) = send(&state, courses).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 2, "{body}");
}
