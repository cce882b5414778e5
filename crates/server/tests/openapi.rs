//! The OpenAPI document covers the router exactly: every route the router serves is documented
//! with its method, every documented operation is served, and the router answers each one. It
//! is a valid OpenAPI 3.1 document (held against the official schema, vendored in `fixtures/`),
//! every `$ref` in it resolves, it names both ways of reaching a tenant (host and path prefix,
//! and the `X-Tenant-ID` header), and every operation declares the refusals it can answer with
//! the error body.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::call;
use lyceum_server::{served_routes, AppState, ServerConfig};
use lyceum_store::{testing, Store};
use serde_json::{json, Value};

async fn state() -> (AppState, testing::TestGuard) {
    let (config, guard) = testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    (AppState::new(store, ServerConfig::default()), guard)
}

async fn document(state: &AppState) -> Value {
    let (status, doc) = call(state, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    doc
}

/// The methods a path item may hold an operation under; its other keys (`servers`,
/// `parameters`, `summary` ...) are not operations.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation of the document: method, path, operation.
fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (key, operation) in item.as_object().unwrap() {
            if let Some(method) = METHODS.iter().find(|m| *m == key) {
                out.push((*method, path.as_str(), operation));
            }
        }
    }
    out
}

fn documented(doc: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = operations(doc)
        .into_iter()
        .map(|(method, path, _)| (method.to_uppercase(), path.to_owned()))
        .collect();
    out.sort();
    out
}

/// Paths of tenant routes (served also under `/t/{slug}`), as documented (without the prefix).
fn tenant_paths() -> Vec<String> {
    served_routes()
        .into_iter()
        .filter_map(|(_, path)| path.strip_prefix("/t/{slug}").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_openapi_document_and_back() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
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
/// parameter; filters and paging are optional query parameters; the one header is the optional
/// `X-Tenant-ID`, on tenant operations only. A generated client, or a fuzzer driven by the
/// document, then calls the operations the way the router reads them.
#[tokio::test]
async fn parameters_are_where_the_router_reads_them() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    let tenant_paths = tenant_paths();
    for (method, path, operation) in operations(&doc) {
        let templated: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
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
                "header" => {
                    assert_eq!(name, "X-Tenant-ID", "{method} {path}: header `{name}`");
                    assert!(
                        tenant_paths.iter().any(|p| p == path),
                        "{method} {path} is no tenant route but declares `X-Tenant-ID`"
                    );
                    assert_ne!(parameter["required"], Value::Bool(true));
                }
                other => panic!("{method} {path}: `{name}` in {other}"),
            }
        }
        in_path.sort_unstable();
        let mut expected = templated.clone();
        expected.sort_unstable();
        assert_eq!(in_path, expected, "{method} {path}: path parameters");
    }
}

/// Operation ids are unique (generated clients name their methods after them) and the document
/// names the server it describes.
#[tokio::test]
async fn operation_ids_are_unique_and_a_server_is_named() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    let mut ids = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        ids.push(id.to_owned());
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
    let doc = document(&state).await;
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

/// Operations declare the refusals of their kind with the error body: every one 400 (a NUL
/// character) and 413 (a body too large, taken or not); 401 when signed in; 415 and 422 with a
/// body; 404 with an id in the path.
#[tokio::test]
async fn operations_declare_the_refusals_of_their_kind() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    for (method, path, operation) in operations(&doc) {
        let responses = &operation["responses"];
        let mut expected = vec!["400", "413"];
        if operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
        {
            expected.push("401");
        }
        if !operation["requestBody"].is_null() {
            expected.extend(["415", "422"]);
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

/// The official JSON Schema of OpenAPI 3.1 documents (2022-10-07), vendored: see
/// `fixtures/README.md` for its source and licence. Nothing is fetched at test time.
const OPENAPI_31_SCHEMA: &str = include_str!("fixtures/openapi-3.1-schema.json");

/// What the OpenAPI 3.1 schema finds wrong with `doc`, one line per error: where in the
/// document, what, and the schema rule it breaks. Formats (`uri-reference` ...) are annotations
/// in JSON Schema 2020-12, as the schema's own validators treat them: a server URL template
/// such as `/t/{tenant}` is no RFC 3986 reference, yet is what OpenAPI asks for.
fn violations(doc: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(OPENAPI_31_SCHEMA).expect("the schema is JSON");
    assert_eq!(
        schema["$id"], "https://spec.openapis.org/oas/3.1/schema/2022-10-07",
        "the vendored schema"
    );
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| {
            format!(
                "{}: {} (schema {})",
                e.instance_path(),
                e.masked(),
                e.schema_path()
            )
        })
        .collect()
}

/// The served document validates against the official OpenAPI 3.1 schema, and says it is 3.1.
#[tokio::test]
async fn the_document_is_valid_openapi_3_1() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let errors = violations(&doc);
    assert!(
        errors.is_empty(),
        "the OpenAPI document breaks the OpenAPI 3.1 schema:\n{}",
        errors.join("\n")
    );
}

/// The validity check can fail: broken copies of the served document are each refused, at the
/// place that is broken.
#[tokio::test]
async fn the_schema_refuses_broken_documents() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    // Where the document is broken, and a word of what the validator should say.
    let mut cases: Vec<(&str, &str, Value)> = Vec::new();

    let mut broken = doc.clone();
    broken["paths"]["/api/v1/courses"]["get"]["responses"] = json!(5);
    cases.push(("/paths/~1api~1v1~1courses/get/responses", "object", broken));

    let mut broken = doc.clone();
    broken["paths"]["/api/v1/courses"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "session", "in": "cookie2", "schema": {"type": "string"}}));
    cases.push((
        "/paths/~1api~1v1~1courses/get/parameters/",
        "not one of",
        broken,
    ));

    let mut broken = doc.clone();
    let last = doc["servers"].as_array().unwrap().len() - 1;
    broken["servers"][last]["variables"] = json!({"tenant": {"description": "no default"}});
    let at = format!("/servers/{last}/variables/tenant");
    cases.push((&at, "default", broken));

    let mut broken = doc.clone();
    broken["webhook"] = json!({}); // not `webhooks`
    cases.push(("", "webhook", broken));

    let mut broken = doc.clone();
    broken.as_object_mut().unwrap().remove("info");
    cases.push(("", "info", broken));

    for (at, word, broken) in cases {
        let errors = violations(&broken);
        assert!(
            errors.iter().any(|e| e.starts_with(at) && e.contains(word)),
            "a document broken at `{at}` was not refused there ({word}); the validator said:\n{}",
            errors.join("\n")
        );
    }
}

/// Every `$ref` in `value`, with where it is (a JSON pointer).
fn references<'a>(value: &'a Value, at: &str, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    out.push((at.to_owned(), inner.as_str().unwrap_or_default()));
                } else {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    references(inner, &format!("{at}/{key}"), out);
                }
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                references(inner, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The `$ref`s of `doc` that do not name something in it (all are local, `#/...`).
fn dangling(doc: &Value) -> Vec<String> {
    let mut refs = Vec::new();
    references(doc, "", &mut refs);
    assert!(!refs.is_empty(), "the document uses no $ref");
    refs.into_iter()
        .filter(|(_, target)| {
            let resolved = target
                .strip_prefix('#')
                .and_then(|pointer| doc.pointer(pointer));
            resolved.is_none()
        })
        .map(|(at, target)| format!("{at}: {target}"))
        .collect()
}

/// Every `$ref` resolves within the document (a `#/components/schemas/X` names a schema that
/// is there), and a dangling one would be caught.
#[tokio::test]
async fn every_reference_resolves() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    let dangling_refs = dangling(&doc);
    assert!(
        dangling_refs.is_empty(),
        "$refs naming nothing in the document:\n{}",
        dangling_refs.join("\n")
    );

    let mut broken = doc.clone();
    broken["paths"]["/api/v1/courses"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"] = json!({"$ref": "#/components/schemas/NoSuchSchema"});
    assert_eq!(
        dangling(&broken),
        [
            "/paths/~1api~1v1~1courses/get/responses/200/content/application~1json/schema: \
          #/components/schemas/NoSuchSchema"
        ]
    );
}

/// Every schema in the document (components and inline) is a valid JSON Schema 2020-12, the
/// dialect OpenAPI 3.1 builds on; the OpenAPI schema itself takes any object there.
#[tokio::test]
async fn every_schema_is_valid_json_schema() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    let mut schemas: Vec<(String, &Value)> = doc["components"]["schemas"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, schema)| (format!("#/components/schemas/{name}"), schema))
        .collect();
    assert!(schemas.len() > 10, "{} component schemas", schemas.len());
    for (method, path, operation) in operations(&doc) {
        let at = format!("{method} {path}");
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            schemas.push((
                format!("{at} parameter {}", parameter["name"]),
                &parameter["schema"],
            ));
        }
        let bodies = std::iter::once(("request", &operation["requestBody"])).chain(
            operation["responses"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(status, response)| (status.as_str(), response)),
        );
        for (of, body) in bodies {
            for (media, content) in body["content"].as_object().into_iter().flatten() {
                schemas.push((format!("{at} {of} {media}"), &content["schema"]));
            }
            for (name, header) in body["headers"].as_object().into_iter().flatten() {
                schemas.push((format!("{at} {of} header {name}"), &header["schema"]));
            }
        }
    }
    let invalid: Vec<String> = schemas
        .iter()
        .filter(|(_, schema)| !schema.is_null())
        .filter_map(|(at, schema)| {
            jsonschema::draft202012::meta::validate(schema)
                .err()
                .map(|e| format!("{at}: {e}"))
        })
        .collect();
    assert!(
        invalid.is_empty(),
        "invalid schemas:\n{}",
        invalid.join("\n")
    );
}

/// The document names both ways of reaching a tenant: this host (the tenant named by the host
/// name, the `X-Tenant-ID` header or the token) first, the path prefix `/t/{tenant}` and the
/// sub-domain `{tenant}.{base_domain}` with server variables; tenant operations declare the
/// optional `X-Tenant-ID` header. Routes that are not the tenant's (probes, this document, the
/// platform routes) are offered on this host alone and declare no tenant header.
#[tokio::test]
async fn the_document_names_both_ways_of_reaching_a_tenant() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    let servers = doc["servers"].as_array().unwrap();
    assert_eq!(servers[0]["url"], "/");
    assert!(servers[0]["variables"].is_null());
    let by_path = servers
        .iter()
        .find(|s| s["url"] == "/t/{tenant}")
        .expect("a server for the path prefix");
    assert!(by_path["variables"]["tenant"]["default"].is_string());
    assert!(by_path["variables"]["tenant"]["description"].is_string());
    let by_host = servers
        .iter()
        .find(|s| s["url"] == "https://{tenant}.{base_domain}")
        .expect("a server for the sub-domain");
    for variable in ["tenant", "base_domain"] {
        assert!(by_host["variables"][variable]["default"].is_string());
    }

    let tenant_paths = tenant_paths();
    assert!(!tenant_paths.is_empty());
    for (path, item) in doc["paths"].as_object().unwrap() {
        let tenant = tenant_paths.contains(path);
        if tenant {
            assert!(
                item["servers"].is_null(),
                "{path}: a tenant route is served in every form"
            );
        } else {
            assert_eq!(
                item["servers"],
                json!([{"url": "/"}]),
                "{path} is served on this host alone"
            );
        }
    }
    for (method, path, operation) in operations(&doc) {
        let header = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["in"] == "header" && p["name"] == "X-Tenant-ID");
        if tenant_paths.iter().any(|p| p == path) {
            let header = header
                .unwrap_or_else(|| panic!("{method} {path}: no `X-Tenant-ID` header declared"));
            assert_ne!(header["required"], true, "{method} {path}");
            assert_eq!(header["schema"]["type"], "string", "{method} {path}");
        } else {
            assert!(
                header.is_none(),
                "{method} {path}: `X-Tenant-ID` on no tenant route"
            );
        }
    }
}

/// The router serves a tenant route in each form the document's servers name, with their
/// variables' defaults: `/` with `X-Tenant-ID`, `/t/{tenant}`, and `{tenant}.{base_domain}`.
#[tokio::test]
async fn each_documented_server_reaches_the_tenant() {
    let (config, _guard) = testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    let doc = document(&AppState::new(store.clone(), ServerConfig::default())).await;
    let servers = doc["servers"].as_array().unwrap().clone();
    // The variables' defaults, one value per name over all servers.
    let mut defaults = std::collections::BTreeMap::new();
    for server in &servers {
        for (name, variable) in server["variables"].as_object().into_iter().flatten() {
            let value = variable["default"].as_str().unwrap().to_owned();
            if let Some(earlier) = defaults.insert(name.clone(), value.clone()) {
                assert_eq!(earlier, value, "defaults of `{name}` differ");
            }
        }
    }
    let slug = defaults.get("tenant").expect("a `tenant` variable").clone();
    let base_domain = defaults
        .get("base_domain")
        .expect("a `base_domain` variable")
        .clone();
    common::tenant_with_users(&store, &slug, json!({}), &[]).await;
    let state = AppState::new(
        store,
        ServerConfig {
            base_domain: Some(base_domain),
            ..ServerConfig::default()
        },
    );

    for server in &servers {
        let mut url = server["url"].as_str().unwrap().to_owned();
        for (name, variable) in server["variables"].as_object().into_iter().flatten() {
            url = url.replace(
                &format!("{{{name}}}"),
                variable["default"].as_str().unwrap(),
            );
        }
        let mut request = Request::builder().method("GET");
        let path = match url.strip_prefix("https://") {
            Some(rest) => {
                let (host, prefix) = rest.split_once('/').unwrap_or((rest, ""));
                request = request.header("host", host);
                format!("/{prefix}")
            }
            None if url == "/" => {
                request = request.header("x-tenant-id", &slug);
                url
            }
            None => url,
        };
        let uri = format!("{}/api/v1/tenant", path.trim_end_matches('/'));
        let request = request.uri(&uri).body(Body::empty()).unwrap();
        let (status, _, body) = common::send(&state, request).await;
        assert_eq!(status, StatusCode::OK, "{} as {uri}: {body}", server["url"]);
        assert_eq!(body["slug"], slug.as_str(), "{}", server["url"]);
    }
}

fn has_error_body(response: &Value) -> bool {
    response["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody"
}

/// Every error response carries the error body, every operation has a `default` one for the
/// errors no status names, every 429 names `Retry-After`. Tenant operations declare the
/// refusals of tenant resolution (400, 403, 404), 429 `RATE_LIMITED` with the rate-limit
/// headers and 503 `TENANT_BUSY` / `DATABASE_UNAVAILABLE` with `Retry-After`; the platform's
/// 503 `DATABASE_UNAVAILABLE`; no other route is rate limited.
#[tokio::test]
async fn error_responses_carry_the_error_body_and_tenant_refusals() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    let tenant_paths = tenant_paths();
    for (method, path, operation) in operations(&doc) {
        let responses = operation["responses"].as_object().unwrap();
        let at = format!("{method} {path}");
        assert!(responses.contains_key("default"), "{at}: no `default`");
        for (status, response) in responses {
            if status == "default" || status.starts_with(['4', '5']) {
                assert!(has_error_body(response), "{at} {status}: {response}");
            }
        }
        if let Some(limited) = responses.get("429") {
            assert!(limited["headers"]["Retry-After"].is_object(), "{at} 429");
        }
        let says = |status: &str, code: &str| {
            responses
                .get(status)
                .and_then(|r| r["description"].as_str())
                .is_some_and(|d| d.contains(&format!("`{code}`")))
        };
        if tenant_paths.iter().any(|p| p == path) {
            for (status, code) in [
                ("400", "TENANT_NOT_RESOLVED"),
                ("400", "INVALID_HOST"),
                ("403", "TENANT_SUSPENDED"),
                ("403", "TENANT_MISMATCH"),
                ("404", "TENANT_NOT_FOUND"),
                ("429", "RATE_LIMITED"),
                ("503", "TENANT_BUSY"),
                ("503", "DATABASE_UNAVAILABLE"),
            ] {
                assert!(says(status, code), "{at}: {status} `{code}` not declared");
            }
            let limited = &responses["429"]["headers"];
            for header in [
                "Retry-After",
                "RateLimit-Limit",
                "RateLimit-Remaining",
                "RateLimit-Reset",
            ] {
                assert!(limited[header].is_object(), "{at} 429: no {header}");
            }
            assert!(
                responses["503"]["headers"]["Retry-After"].is_object(),
                "{at} 503"
            );
        } else {
            assert!(!says("429", "RATE_LIMITED"), "{at} is not rate limited");
            if path.starts_with("/api/v1/platform/") {
                assert!(says("503", "DATABASE_UNAVAILABLE"), "{at}: 503");
            }
        }
    }
    // A status the handler declares keeps its own words; the tenant's are added.
    let login = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"]["429"]["description"];
    let login = login.as_str().unwrap();
    assert!(
        login.contains("`LOGIN_THROTTLED`") && login.contains("`RATE_LIMITED`"),
        "{login}"
    );
}

/// Every paging `limit` says what the server accepts (1 to 200; others are refused).
#[tokio::test]
async fn page_sizes_are_documented_with_their_range() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    let mut seen = 0;
    for (method, path, operation) in operations(&doc) {
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["name"] == "limit" {
                seen += 1;
                let schema = &parameter["schema"];
                assert_eq!(schema["minimum"], 1, "{method} {path}: {schema}");
                assert_eq!(schema["maximum"], 200, "{method} {path}: {schema}");
            }
        }
    }
    assert!(seen >= 4, "only {seen} paged operations found");
}

/// The schema `operation` declares for its 200 answer, with the document's components beside
/// it so that its references resolve.
fn answer_schema(doc: &Value, method: &str, path: &str) -> Value {
    let mut schema = doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]
        ["schema"]
        .clone();
    assert!(
        schema.is_object(),
        "{method} {path} declares no JSON answer"
    );
    schema["components"] = doc["components"].clone();
    schema
}

/// Real answers match what the document says of them: a type flattened into another is no
/// closed `allOf` member, two types of one name do not share a schema, enums list the values
/// sent. Answers of a tenant with data, each held against its operation's 200 schema.
#[tokio::test]
async fn answers_match_the_schemas_the_document_declares() {
    let (state, _guard) = state().await;
    let doc = document(&state).await;
    let closed = |schema: &Value| schema["additionalProperties"] == json!(false);
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for member in schema["allOf"].as_array().into_iter().flatten() {
            let target = member["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .map_or(member, |r| &doc["components"]["schemas"][r]);
            assert!(!closed(target), "{name}: a closed allOf member {member}");
        }
    }
    let store = state.store.clone();
    common::school(&store, "omega", "#1565c0", 1).await;
    let admin = common::token(&state, "omega", "admin@omega.test", common::PORTAL_PASSWORD).await;
    let (status, group) = call(
        &state,
        "POST",
        "/t/omega/api/v1/groups",
        Some(&admin),
        Some(json!({"name": "Cohort"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let group = group["id"].as_str().unwrap();
    for (path, documented) in [
        (
            "/api/v1/tenant/settings".to_owned(),
            "/api/v1/tenant/settings",
        ),
        (format!("/api/v1/groups/{group}"), "/api/v1/groups/{id}"),
        ("/api/v1/audit-log".to_owned(), "/api/v1/audit-log"),
        ("/api/v1/courses".to_owned(), "/api/v1/courses"),
    ] {
        let (status, answer) = call(
            &state,
            "GET",
            &format!("/t/omega{path}"),
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        let schema = answer_schema(&doc, "get", documented);
        let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
        let errors: Vec<String> = validator
            .iter_errors(&answer)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{path}: {errors:#?}\n{answer}");
    }
}
