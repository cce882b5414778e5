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
    common::assert_same_routes(
        &served,
        &documented,
        "is served but missing from the OpenAPI document",
        "is documented but not served",
    );
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

/// Every path parameter is in its path's template and every templated name is a path
/// parameter; everything else (filters, paging) is an optional query parameter. A generated
/// client, or a fuzzer driven by the document, then calls the operations the way the router
/// reads them.
#[tokio::test]
async fn parameters_are_where_the_router_reads_them() {
    let (state, _guard) = state().await;
    let (_, doc) = call(&state, "GET", "/api/v1/openapi.json", None, None).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let templated: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, operation) in item.as_object().unwrap() {
            let mut in_path = Vec::new();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                match parameter["in"].as_str().unwrap() {
                    "path" => {
                        assert!(
                            templated.contains(&name),
                            "{method} {path}: `{name}` is declared in the path but is not in it"
                        );
                        in_path.push(name);
                    }
                    "query" => assert_ne!(
                        parameter["required"],
                        Value::Bool(true),
                        "{method} {path}: query parameter `{name}` declared required"
                    ),
                    other => panic!("{method} {path}: `{name}` in {other}"),
                }
            }
            in_path.sort_unstable();
            let mut expected = templated.clone();
            expected.sort_unstable();
            assert_eq!(in_path, expected, "{method} {path}: path parameters");
        }
    }
}

/// Operation ids are unique (generated clients name their methods after them) and the document
/// names the server it describes.
#[tokio::test]
async fn operation_ids_are_unique_and_a_server_is_named() {
    let (state, _guard) = state().await;
    let (_, doc) = call(&state, "GET", "/api/v1/openapi.json", None, None).await;
    let mut ids = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            ids.push(id.to_owned());
        }
    }
    ids.sort();
    let repeated: Vec<&String> = ids
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| &w[0])
        .collect();
    assert!(repeated.is_empty(), "repeated operationIds: {repeated:?}");
    assert_eq!(doc["servers"][0]["url"], "/");
}

/// Request schemas carry the rules the server enforces, so that a client (or a fuzzer) knows a
/// value is out of range before sending it.
#[tokio::test]
async fn request_schemas_carry_the_servers_rules() {
    let (state, _guard) = state().await;
    let (_, doc) = call(&state, "GET", "/api/v1/openapi.json", None, None).await;
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ProgressRequest"]["properties"]["percent"]["maximum"],
        100
    );
    let course = &schemas["CourseRequest"]["properties"];
    assert_eq!(course["title"]["maxLength"], 300);
    assert_eq!(course["slug"]["maxLength"], 100);
    assert!(course["slug"]["pattern"].is_string(), "{}", course["slug"]);
    assert_eq!(course["max_enrollment"]["minimum"], 1);
    assert_eq!(
        schemas["SignUpRequest"]["properties"]["password"]["minLength"],
        10
    );
}

/// Operations declare the refusals of their kind with the error body: 401 when signed in; 400,
/// 413, 415 and 422 with a body; 404 with an id in the path.
#[tokio::test]
async fn operations_declare_the_refusals_of_their_kind() {
    let (state, _guard) = state().await;
    let (_, doc) = call(&state, "GET", "/api/v1/openapi.json", None, None).await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            let mut expected = Vec::new();
            if operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
            {
                expected.push("401");
            }
            if !operation["requestBody"].is_null() {
                expected.extend(["400", "413", "415", "422"]);
            }
            if path.contains('{') {
                expected.push("404");
            }
            for status in expected {
                assert!(
                    responses[status].is_object(),
                    "{method} {path} does not declare {status}"
                );
            }
        }
    }
}
