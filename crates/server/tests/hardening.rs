//! Hardening found by trying Lyceum from outside: what a hostile or careless client sends is
//! refused plainly, on both engines and every placement.

mod common;

use axum::http::{Method, StatusCode};
use common::world::{World, PASSWORD};
use lyceum_domain::{Plan, Role};
use lyceum_server::ServerConfig;
use lyceum_store::testing;
use serde_json::json;

/// A NUL character in a path, a query, a JSON or form body, or a CSV file is refused with 400
/// `VALIDATION_FAILED` (the CSV with `INVALID_CSV`) on every route, and nothing is written.
/// Routes come from the router itself, so a new one is covered without touching this test.
#[tokio::test]
async fn a_nul_character_is_refused_everywhere_and_writes_nothing() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let client = w.as_(&admin);

        for (method, path) in lyceum_server::served_routes() {
            if path.starts_with("/t/{slug}") {
                continue;
            }
            let in_path = if path.contains('{') {
                let mut concrete = String::new();
                for segment in path.split('/').skip(1) {
                    concrete.push('/');
                    concrete.push_str(if segment.starts_with('{') {
                        "a%00b"
                    } else {
                        segment
                    });
                }
                concrete
            } else {
                format!("{path}?q=a%00b")
            };
            let refused = client.request(method.clone(), &in_path).send().await;
            assert_eq!(
                (refused.status, refused.error_code()),
                (StatusCode::BAD_REQUEST, Some("VALIDATION_FAILED")),
                "{w}: {method} {in_path}"
            );
            if [Method::POST, Method::PUT, Method::PATCH].contains(&method) {
                let with_body = path.replace("{id}", &uuid::Uuid::now_v7().to_string());
                let refused = client
                    .request(method.clone(), &with_body)
                    .body("application/json", br#"{"title": "a\u0000b"}"#.to_vec())
                    .send()
                    .await;
                assert_eq!(
                    (refused.status, refused.error_code()),
                    (StatusCode::BAD_REQUEST, Some("VALIDATION_FAILED")),
                    "{w}: {method} {with_body} with a NUL in its JSON body"
                );
            }
        }

        // A real write with a NUL in one field leaves nothing behind.
        client
            .post("/api/v1/courses")
            .json(&json!({"slug": "nul", "title": "Bad\u{0}Title"}))
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
            .await;
        let courses = client
            .get("/api/v1/courses")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(courses["items"], json!([]), "{w}: {courses}");

        // Sign-in, as JSON and as the portal's form.
        w.anonymous()
            .at("acme")
            .post("/api/v1/auth/login")
            .json(&json!({"email": "admin@acme.test\u{0}", "password": PASSWORD}))
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
            .await;
        let form = w
            .anonymous()
            .post("/t/acme/sign-in")
            .body(
                "application/x-www-form-urlencoded",
                "email=admin%40acme.test%00&password=x",
            )
            .send()
            .await;
        assert_eq!(form.status, StatusCode::BAD_REQUEST, "{w}: portal form");

        // A CSV file is read by the import, which names where the NUL is.
        let course = client
            .post("/api/v1/courses")
            .json(&json!({"slug": "open", "title": "Open"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let id = course["id"].as_str().unwrap();
        let module = client
            .post(format!("/api/v1/courses/{id}/modules"))
            .json(&json!({"title": "M"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        client
            .post(format!(
                "/api/v1/modules/{}/lessons",
                module["id"].as_str().unwrap()
            ))
            .json(&json!({"title": "L", "kind": "text",
                "content": [{"type": "markdown", "markdown": "Body."}]}))
            .expect(StatusCode::CREATED)
            .await;
        client
            .post(format!("/api/v1/courses/{id}/publish"))
            .expect(StatusCode::OK)
            .await;
        let refused = client
            .post(format!("/api/v1/courses/{id}/enrollments/import"))
            .body("text/csv", b"email\nadmin@acme.test\0\n".to_vec())
            .expect_error(StatusCode::BAD_REQUEST, "INVALID_CSV")
            .await
            .json_value();
        assert!(
            refused["message"].as_str().unwrap().contains("offset"),
            "{w}: {refused}"
        );
    }
}

/// Deeply nested Markdown (20,000 quotes in a row) is refused at once with its place, instead
/// of taking the sanitiser seconds, and the lesson is not saved.
#[tokio::test]
async fn deeply_nested_content_is_refused_quickly_and_saves_nothing() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let client = w.as_(&admin);
        let course = client
            .post("/api/v1/courses")
            .json(&json!({"slug": "deep", "title": "Deep"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let module = client
            .post(format!(
                "/api/v1/courses/{}/modules",
                course["id"].as_str().unwrap()
            ))
            .json(&json!({"title": "M"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let lessons = format!("/api/v1/modules/{}/lessons", module["id"].as_str().unwrap());
        for hostile in [">".repeat(20_000), "<div>".repeat(5_000)] {
            let refused = client
                .post(&lessons)
                .json(&json!({"title": "L", "kind": "text",
                    "content": [{"type": "markdown", "markdown": hostile}]}))
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_CONTENT")
                .await
                .json_value();
            assert!(
                refused["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("content[0].markdown"),
                "{w}: {refused}"
            );
        }
        let saved = client
            .get(&lessons)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(saved["items"], json!([]), "{w}: {saved}");
    }
}

/// Every answer, of every route, face and status, carries the security headers, and answers
/// with tokens or personal data are never stored by a cache; HSTS when configured.
#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let (config, guard) = testing::sqlite_config();
    let server = ServerConfig {
        hsts_max_age_secs: 31_536_000,
        ..ServerConfig::default()
    };
    let w = World::with_server(config, Some(guard), server).await;
    w.provision("acme", Plan::Pro, json!({})).await;
    let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
    let expect_secure = |what: &str, answer: &common::world::Response, cache: &str| {
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "same-origin"),
            (
                "strict-transport-security",
                "max-age=31536000; includeSubDomains",
            ),
            ("cache-control", cache),
        ] {
            assert_eq!(answer.header(name), Some(value), "{what}: {name}");
        }
    };

    for (method, path) in lyceum_server::served_routes() {
        let concrete = path
            .replace("{slug}", "acme")
            .replace("{id}", "x")
            .replace("{code}", "x");
        let answer = w
            .anonymous()
            .request(method.clone(), &concrete)
            .send()
            .await;
        if path != "/metrics" {
            expect_secure(
                &format!("{method} {path} ({})", answer.status),
                &answer,
                "no-store",
            );
        }
    }
    let signed_in = w
        .login("acme", "admin@acme.test", PASSWORD)
        .expect(StatusCode::OK)
        .await;
    expect_secure("login", &signed_in, "no-store");
    let me = w.as_(&admin).get("/api/v1/me").expect(StatusCode::OK).await;
    expect_secure("me", &me, "no-store");
    let unknown = w.anonymous().get("/no/such/page").send().await;
    expect_secure("unknown route", &unknown, "no-store");
    let portal = w
        .anonymous()
        .get("/t/acme/sign-in")
        .expect(StatusCode::OK)
        .await;
    expect_secure("portal sign-in page", &portal, "no-store");
}

/// Refusals of malformed queries, paths and bodies speak Lyceum's words with stable codes:
/// no framework phrase (`Failed to deserialize query string`), no Rust type name, no database
/// constraint name.
#[tokio::test]
async fn refusals_carry_no_framework_text_type_names_or_constraint_names() {
    let (config, guard) = testing::sqlite_config();
    let w = World::open(config, Some(guard)).await;
    w.provision("acme", Plan::Pro, json!({})).await;
    let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
    let client = w.as_(&admin);
    let refused = [
        (client.get("/api/v1/audit-log?limit=abc"), StatusCode::BAD_REQUEST),
        (client.get("/api/v1/audit-log?action=user.eaten"), StatusCode::BAD_REQUEST),
        (client.get("/api/v1/users?color=red"), StatusCode::BAD_REQUEST),
        (client.get("/api/v1/users/not-an-id"), StatusCode::BAD_REQUEST),
        (
            client
                .post("/api/v1/users")
                .json(&json!({"email": 5, "display_name": "X", "role": "student"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            client
                .post("/api/v1/users")
                .json(&json!({"email": "a@acme.test", "display_name": "X", "role": "king"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            client
                .post("/api/v1/users")
                .body("application/json", b"{\"email\": ".to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        // Cut short after an unknown field: not JSON, before any field counts.
        (
            client
                .post("/api/v1/users")
                .body("application/json", b"{\"a\": ".to_vec()),
            StatusCode::BAD_REQUEST,
        ),
        (
            client
                .post("/api/v1/users")
                .json(&json!({"email": "admin@acme.test", "display_name": "Again", "role": "student", "password": PASSWORD})),
            StatusCode::CONFLICT,
        ),
    ];
    for (call, status) in refused {
        let answer = call.send().await;
        assert_eq!(answer.status, status, "{answer:?}");
        let body = answer.json_value();
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            body["error"].as_str().is_some_and(|c| !c.is_empty()),
            "{body}"
        );
        for leak in [
            "Failed to",
            "deserialize",
            "struct ",
            "enum ",
            "u32",
            "u64",
            "Uuid",
            "constraint",
            "_key",
            "Invalid URL",
        ] {
            assert!(!message.contains(leak), "{leak:?} in {message:?}");
        }
    }
}

/// What a connection that stays open sees: everything read until the server closes it, or
/// `None` if it is still open after `wait`.
async fn read_until_closed(
    socket: &mut tokio::net::TcpStream,
    wait: std::time::Duration,
) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let read = async {
        let mut buffer = [0_u8; 4096];
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(wait, read).await.ok()?;
    Some(String::from_utf8_lossy(&seen).into_owned())
}

/// No client holds a connection (a file descriptor) for ever: one that sends nothing, one that
/// trickles its headers a byte at a time (slowloris) and one idle after its answer are all
/// closed once `client_header_timeout` has passed, while a client that sends promptly is served.
#[tokio::test]
async fn slow_and_idle_connections_are_closed_after_the_header_timeout() {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    let (config, _guard) = testing::sqlite_config();
    let store = lyceum_store::Store::open(config).await.unwrap();
    let config = ServerConfig {
        client_header_timeout: Duration::from_secs(1),
        ..ServerConfig::unthrottled()
    };
    let server = lyceum_server::LocalServer::start(
        lyceum_server::AppState::new(store.clone(), config),
        Duration::from_secs(1),
    )
    .await
    .unwrap();

    // Connected, nothing sent.
    let begun = Instant::now();
    let mut silent = TcpStream::connect(server.address).await.unwrap();
    let read = read_until_closed(&mut silent, Duration::from_secs(10)).await;
    assert!(
        read.is_some(),
        "a silent connection was still open after 10 s"
    );
    assert!(
        begun.elapsed() >= Duration::from_millis(900),
        "{:?}",
        begun.elapsed()
    );

    // Part of HTTP/2's preface, then nothing: still undecided which protocol, closed as well.
    let mut undecided = TcpStream::connect(server.address).await.unwrap();
    undecided.write_all(b"PRI * HTTP/2.0\r\n").await.unwrap();
    let read = read_until_closed(&mut undecided, Duration::from_secs(10)).await;
    assert!(
        read.is_some(),
        "a half-sent preface was still open after 10 s"
    );

    // Headers a byte every 200 ms: never complete within the second.
    let begun = Instant::now();
    let mut slow = TcpStream::connect(server.address).await.unwrap();
    let request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut closed = false;
    for byte in request {
        if slow.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        if read_until_closed(&mut slow, Duration::from_millis(200))
            .await
            .is_some()
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "a slowloris client got its whole request in");
    assert!(
        begun.elapsed() < Duration::from_secs(5),
        "{:?}",
        begun.elapsed()
    );

    // A prompt request is answered; the connection, idle after it, is closed.
    let mut prompt = TcpStream::connect(server.address).await.unwrap();
    prompt
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let begun = Instant::now();
    let answered = read_until_closed(&mut prompt, Duration::from_secs(10))
        .await
        .expect("an idle keep-alive connection was still open after 10 s");
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    assert!(
        begun.elapsed() >= Duration::from_millis(900),
        "{:?}",
        begun.elapsed()
    );
    server.stop().await.unwrap();
    store.close().await;
}

/// A JSON body declared larger than the API takes is refused (413) as soon as its headers are
/// read, not after the request timeout while the server waits for bytes that may never come.
#[tokio::test]
async fn a_body_declared_too_large_is_refused_before_it_is_sent() {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncWriteExt;
    let (config, _guard) = testing::sqlite_config();
    let store = lyceum_store::Store::open(config).await.unwrap();
    let server = lyceum_server::LocalServer::start(
        lyceum_server::AppState::new(store.clone(), ServerConfig::unthrottled()),
        Duration::from_secs(1),
    )
    .await
    .unwrap();
    let mut socket = tokio::net::TcpStream::connect(server.address)
        .await
        .unwrap();
    let head = "POST /t/anyone/api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\n\
                Content-Type: application/json\r\nContent-Length: 10485760\r\n\r\n";
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&[b' '; 1000]).await.unwrap();
    let begun = Instant::now();
    let answer = read_until_closed(&mut socket, Duration::from_secs(10))
        .await
        .unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("PAYLOAD_TOO_LARGE"), "{answer}");
    assert!(
        begun.elapsed() < Duration::from_secs(5),
        "{:?}",
        begun.elapsed()
    );
    server.stop().await.unwrap();
    store.close().await;
}
