//! The OpenAPI document covers the router exactly: every route the router serves is documented
//! with its method, every documented operation is served, and the router answers each one.

mod common;

use axum::http::StatusCode;
use common::call;
use lyceum_server::{served_routes, AppState, ServerConfig};
use lyceum_store::{testing, Store};
use serde_json::Value;

async fn state() -> (AppState, testing::TestGuard) {
    let (config, guard) = testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    (AppState::new(store, ServerConfig::default()), guard)
}

fn documented(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.push((method.to_uppercase(), path.clone()));
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_openapi_document_and_back() {
    let (state, _guard) = state().await;
    let (status, doc) = call(&state, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let documented = documented(&doc);

    let mut served: Vec<(String, String)> = served_routes()
        .into_iter()
        .map(|(method, path)| {
            let path = path.strip_prefix("/t/{slug}").unwrap_or(&path).to_owned();
            (method.to_string(), path)
        })
        .collect();
    served.sort();
    served.dedup();
    for route in &served {
        assert!(
            documented.contains(route),
            "{} {} is served but missing from the OpenAPI document",
            route.0,
            route.1
        );
    }
    for operation in &documented {
        assert!(
            served.contains(operation),
            "{} {} is documented but not served",
            operation.0,
            operation.1
        );
    }
}

#[tokio::test]
async fn the_router_answers_every_listed_route() {
    let (state, _guard) = state().await;
    let id = uuid::Uuid::now_v7().to_string();
    for (method, path) in served_routes() {
        let concrete = path.replace("{slug}", "acme").replace("{id}", &id);
        let (status, body) = call(&state, method.as_str(), &concrete, None, None).await;
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert_ne!(
            body["message"], "no such route",
            "{method} {path} is listed but not routed"
        );
    }
}
