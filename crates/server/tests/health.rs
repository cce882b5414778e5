//! Probes through the real router on both engines.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use lyceum_server::{app, AppState};
use lyceum_store::{testing, Store};
use tower::ServiceExt;

async fn get(state: &AppState, path: &str) -> (StatusCode, serde_json::Value) {
    let response = app(state.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn readiness_follows_the_store_on_both_engines() {
    let (sqlite, _g1) = testing::sqlite_config();
    let (postgres, _g2) = testing::postgres_config().await;
    for (engine, config) in [("sqlite", sqlite), ("postgres", postgres)] {
        let state = AppState::new(Store::open(config).await.unwrap(), Default::default());
        assert_eq!(get(&state, "/healthz").await.0, StatusCode::OK);
        let (status, body) = get(&state, "/readyz").await;
        assert_eq!(
            (status, body["engine"].as_str()),
            (StatusCode::OK, Some(engine))
        );

        state.store.close().await;
        let (status, body) = get(&state, "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{engine}: {body}");
        assert_eq!(body["error"], "DATABASE_UNAVAILABLE");
        assert_eq!(
            get(&state, "/healthz").await.0,
            StatusCode::OK,
            "liveness does not depend on the database"
        );
    }
}
