//! A new organisation reaches a working admin: made by the operator (the use case the
//! `lyceum tenant create` command calls) or by its own sign-up over real HTTP, its first admin
//! is invited by mail; the worker writes the message (file transport), the link in it is
//! followed, a password chosen, and the admin signs in and does what only an admin may. On
//! SQLite and every PostgreSQL placement. Then what a sign-up refuses, and that a refused one
//! leaves nothing behind.

mod common;

use common::{call, configs_on_every_placement, send};
use lyceum_app::platform::{self, AdminRequest, Operator, TenantRequest};
use lyceum_server::{AppState, LocalServer, ServerConfig, SignUpConfig};
use lyceum_store::{testing, AuditEntry, EngineConfig, Store};
use lyceum_worker::mail::{MailConfig, MailTransport};
use lyceum_worker::{Worker, WorkerConfig};
use serde_json::{json, Value};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LINK_BASE: &str = "https://lms.test";

/// Sign-ups on, with room for every request a test makes from its one address.
fn open_sign_ups() -> ServerConfig {
    ServerConfig {
        signup: SignUpConfig {
            enabled: true,
            per_address_per_hour: 1_000,
            checks_per_address_per_hour: 1_000,
        },
        ..ServerConfig::default()
    }
}

/// One HTTP/1.1 request over a real socket: the status, the headers and the JSON body.
async fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, String, Value) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or_default();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let json = serde_json::from_str(body).unwrap_or(Value::String(body.to_owned()));
    (status, head.to_ascii_lowercase(), json)
}

/// The invitation link in the one message the worker wrote for tenant `slug` (waits for it).
async fn mailed_link(folder: &Path, slug: &str, to: &str) -> String {
    let started = Instant::now();
    let tenant_folder = folder.join(slug);
    loop {
        let files: Vec<_> = std::fs::read_dir(&tenant_folder)
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        if let [file] = &files[..] {
            let raw = std::fs::read(file).unwrap();
            let message = mail_parser::MessageParser::default()
                .parse(&raw[..])
                .unwrap();
            let recipient = message.to().unwrap().first().unwrap().address().unwrap();
            assert_eq!(recipient, to, "{slug}: the admin gets the mail");
            let text = message.body_text(0).unwrap().into_owned();
            let prefix = format!("{LINK_BASE}/t/{slug}/accept-invitation?token=");
            let at = text
                .find(&prefix)
                .unwrap_or_else(|| panic!("{slug}: no invitation link in {text}"));
            return text[at..]
                .split(|c: char| c.is_whitespace() || c == '>' || c == ')')
                .next()
                .unwrap()
                .to_owned();
        }
        assert!(files.len() <= 1, "{slug}: one message, found {files:?}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{slug}: no invitation mail written under {}",
            tenant_folder.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Follows the invitation `link` over HTTP: chooses a password, signs in, and does what only an
/// admin may (lists the people, creates a course).
async fn admin_through_the_mail(label: &str, port: u16, slug: &str, email: &str, link: &str) {
    let token = link.rsplit("token=").next().unwrap();
    let password = "a brand new passphrase";
    let accept = json!({"token": token, "password": password});
    let path = format!("/t/{slug}/api/v1/auth/accept-invitation");
    let (status, _, body) = http(port, "POST", &path, None, Some(accept.clone())).await;
    assert_eq!(status, 200, "{label} {slug}: accepted: {body}");
    // The link is good once.
    let (status, _, body) = http(port, "POST", &path, None, Some(accept)).await;
    assert_eq!(status, 400, "{label} {slug}: {body}");
    assert_eq!(body["error"], "INVALID_INVITATION", "{label}");

    let login = json!({"email": email, "password": password});
    let path = format!("/t/{slug}/api/v1/auth/login");
    let (status, _, body) = http(port, "POST", &path, None, Some(login)).await;
    assert_eq!(status, 200, "{label} {slug}: signed in: {body}");
    let access = body["access_token"].as_str().unwrap().to_owned();

    let path = format!("/t/{slug}/api/v1/users");
    let (status, _, body) = http(port, "GET", &path, Some(&access), None).await;
    assert_eq!(status, 200, "{label} {slug}: lists people: {body}");
    let people = body["items"].as_array().unwrap();
    assert_eq!(people.len(), 1, "{label} {slug}: {body}");
    assert_eq!(people[0]["email"], email);
    assert_eq!(people[0]["role"], "admin");
    assert_eq!(people[0]["status"], "active");

    let course = json!({"slug": "welcome", "title": "Welcome"});
    let path = format!("/t/{slug}/api/v1/courses");
    let (status, _, body) = http(port, "POST", &path, Some(&access), Some(course)).await;
    assert_eq!(status, 201, "{label} {slug}: creates a course: {body}");
}

#[tokio::test]
async fn an_operators_tenant_and_a_signed_up_one_each_reach_a_working_admin_through_the_mail() {
    for (config, _guard) in configs_on_every_placement().await {
        let store = Store::open(config).await.unwrap();
        let label = format!("{:?}/{}", store.engine(), store.default_placement());
        let folder = tempfile::tempdir().unwrap();
        let mail = MailConfig {
            transport: MailTransport::File {
                folder: folder.path().to_owned(),
            },
            from: "Lyceum <no-reply@lms.test>".to_owned(),
            link_base: LINK_BASE.to_owned(),
            remind_days: 0,
            digest: lyceum_domain::mail::DigestEvery::Off,
        };
        let worker = Worker::new(store.clone(), WorkerConfig::default())
            .send_mail(mail)
            .unwrap()
            .start();
        let state = AppState::new(store.clone(), open_sign_ups());
        let server = LocalServer::start(state, Duration::from_secs(5))
            .await
            .unwrap();
        let port = server.address.port();

        // The operator's way: what `lyceum tenant create --admin-email` calls.
        let request = TenantRequest {
            slug: "globex".to_owned(),
            name: "Globex".to_owned(),
            admin: Some(AdminRequest {
                email: "boss@globex.test".to_owned(),
                name: Some("The <b>Boss</b>".to_owned()),
            }),
            ..TenantRequest::default()
        };
        let made = platform::create_tenant(&store, &Operator::Console, request)
            .await
            .unwrap();
        let admin = made.admin.expect("an admin was asked for");
        assert_eq!(admin.user.status.as_str(), "invited", "{label}");
        let printed = lyceum_worker::mail::invitation_link(
            LINK_BASE,
            &made.tenant.slug,
            &admin.invitation.token,
        );
        let link = mailed_link(folder.path(), "globex", "boss@globex.test").await;
        assert_eq!(link, printed, "{label}: the command shows the mail's link");
        admin_through_the_mail(&label, port, "globex", "boss@globex.test", &link).await;

        // The organisation's own way, over HTTP.
        let (status, _, body) = http(
            port,
            "GET",
            "/api/v1/signup/slug-available?slug=initech",
            None,
            None,
        )
        .await;
        assert_eq!(
            (status, &body),
            (200, &json!({"available": true})),
            "{label}"
        );
        let sign_up = json!({"name": "Initech", "slug": "initech",
                             "admin_email": "peter@initech.test", "admin_name": "Peter"});
        let (status, _, body) = http(port, "POST", "/api/v1/signup", None, Some(sign_up)).await;
        assert_eq!(status, 202, "{label}: {body}");
        assert_eq!(body["slug"], "initech");
        assert!(
            !body.to_string().contains("token"),
            "{label}: the invitation goes by mail only: {body}"
        );
        let link = mailed_link(folder.path(), "initech", "peter@initech.test").await;
        admin_through_the_mail(&label, port, "initech", "peter@initech.test", &link).await;
        let (_, _, body) = http(
            port,
            "GET",
            "/api/v1/signup/slug-available?slug=initech",
            None,
            None,
        )
        .await;
        assert_eq!(body["available"], false, "{label}");
        assert_eq!(body["reason"], "TENANT_SLUG_TAKEN", "{label}");

        // The platform audit log names who made each.
        let log = platform::audit_log(&store, Some("initech"), None, 10)
            .await
            .unwrap();
        assert_eq!(log[0].action, "tenant.create", "{label}");
        assert_eq!(log[0].actor, platform::SIGN_UP_ACTOR, "{label}");
        let log = platform::audit_log(&store, Some("globex"), None, 10)
            .await
            .unwrap();
        assert_eq!(log[0].actor, "cli", "{label}");

        server.stop().await.unwrap();
        worker.stop(Duration::from_secs(5)).await;
    }
}

/// Tenants in the directory, by slug.
async fn slugs(store: &Store) -> Vec<String> {
    platform::tenants(store, None)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.slug.to_string())
        .collect()
}

/// Tenant files under the SQLite data folder (their logs aside; none on PostgreSQL).
fn tenant_files(data_dir: Option<&Path>) -> usize {
    data_dir
        .and_then(|d| std::fs::read_dir(d.join("tenants")).ok())
        .map(|entries| {
            let names = entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned());
            names
                .filter(|n| !n.ends_with("-wal") && !n.ends_with("-shm"))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_sign_up_refuses_bad_input_with_a_stable_code_and_makes_nothing() {
    for (config, guard) in [testing::sqlite_config(), testing::postgres_config().await] {
        let data_dir = match &config.engine {
            EngineConfig::Sqlite { data_dir } => Some(data_dir.clone()),
            EngineConfig::Postgres { .. } => None,
        };
        let store = Store::open(config).await.unwrap();
        let state = AppState::new(store.clone(), open_sign_ups());
        let label = format!("{:?}", store.engine());
        let good = json!({"name": "Acme", "slug": "acme", "admin_email": "ada@acme.test"});
        let (status, body) = call(&state, "POST", "/api/v1/signup", None, Some(good.clone())).await;
        assert_eq!(status, 202, "{label}: {body}");
        let before = (slugs(&store).await, tenant_files(data_dir.as_deref()));

        let huge = "x".repeat(100_000);
        let with = |key: &str, value: Value| {
            let mut body = json!({"name": "Other", "slug": "other", "admin_email": "a@other.test"});
            body[key] = value;
            body
        };
        let cases = [
            (with("slug", json!("Not A Slug")), 422, "INVALID_SLUG"),
            (with("slug", json!("admin")), 422, "RESERVED_SLUG"),
            (with("slug", json!("acme")), 409, "TENANT_SLUG_TAKEN"),
            (
                with("admin_email", json!("not an address")),
                422,
                "INVALID_EMAIL",
            ),
            (with("admin_email", json!("")), 422, "INVALID_EMAIL"),
            (
                with("name", json!("Nul\u{0}Corp")),
                400,
                "VALIDATION_FAILED",
            ),
            (
                with("admin_name", json!("Nul\u{0}")),
                400,
                "VALIDATION_FAILED",
            ),
            (with("name", json!(huge)), 422, "VALIDATION_FAILED"),
            (with("admin_name", json!(huge)), 422, "VALIDATION_FAILED"),
            (with("name", json!("  ")), 422, "VALIDATION_FAILED"),
            (with("extra", json!(true)), 422, "VALIDATION_FAILED"),
        ];
        for (body, status, code) in cases {
            let (got, answer) =
                call(&state, "POST", "/api/v1/signup", None, Some(body.clone())).await;
            assert_eq!(got.as_u16(), status, "{label}: {body:.200} -> {answer}");
            assert_eq!(answer["error"], code, "{label}: {answer}");
        }
        // Markup is kept as text, not refused.
        let marked = with("name", json!("<script>alert(1)</script>"));
        let (status, body) = call(&state, "POST", "/api/v1/signup", None, Some(marked)).await;
        assert_eq!(status, 202, "{label}: {body}");
        let other = platform::tenant(&store, "other").await.unwrap();
        assert_eq!(other.name, "<script>alert(1)</script>");

        let after = (slugs(&store).await, tenant_files(data_dir.as_deref()));
        assert_eq!(
            after.0.len(),
            before.0.len() + 1,
            "{label}: only the good ones made tenants"
        );
        if data_dir.is_some() {
            assert_eq!(
                after.1,
                before.1 + 1,
                "{label}: one file per tenant made, none for refusals"
            );
        }

        // Two sign-ups for one slug at once: one organisation, one clear refusal.
        let twin = |admin: &str| json!({"name": "Twin", "slug": "twin", "admin_email": format!("{admin}@twin.test")});
        let (first, second) = tokio::join!(
            call(&state, "POST", "/api/v1/signup", None, Some(twin("one"))),
            call(&state, "POST", "/api/v1/signup", None, Some(twin("two"))),
        );
        let mut statuses = [first.0.as_u16(), second.0.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [202, 409], "{label}: {first:?} {second:?}");
        let loser = if first.0 == 409 { &first.1 } else { &second.1 };
        assert_eq!(loser["error"], "TENANT_SLUG_TAKEN", "{label}");
        let twin = platform::tenant(&store, "twin").await.unwrap();
        assert_eq!(twin.status().as_str(), "active", "{label}");
        let files = tenant_files(data_dir.as_deref());
        if data_dir.is_some() {
            assert_eq!(files, after.1 + 1, "{label}: one file for the one twin");
        }

        // Availability, for each kind of slug.
        for (slug, reason) in [
            ("Bad_Slug", Some("INVALID_SLUG")),
            ("api", Some("RESERVED_SLUG")),
            ("acme", Some("TENANT_SLUG_TAKEN")),
            ("free-one", None),
        ] {
            let path = format!("/api/v1/signup/slug-available?slug={slug}");
            let (status, body) = call(&state, "GET", &path, None, None).await;
            assert_eq!(status, 200, "{label}: {body}");
            assert_eq!(
                body["available"],
                reason.is_none(),
                "{label} {slug}: {body}"
            );
            assert_eq!(body["reason"], json!(reason), "{label} {slug}: {body}");
        }
        let (status, body) = call(
            &state,
            "GET",
            "/api/v1/signup/slug-available?slug=%00ab",
            None,
            None,
        )
        .await;
        assert_eq!(
            (status.as_u16(), &body["error"]),
            (400, &json!("VALIDATION_FAILED")),
            "{label}"
        );
        drop(guard);
    }
}

#[tokio::test]
async fn sign_up_is_off_unless_the_operator_turns_it_on() {
    let (config, _guard) = testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    let state = AppState::new(store.clone(), ServerConfig::default());
    let body = json!({"name": "Acme", "slug": "acme", "admin_email": "ada@acme.test"});
    let (status, answer) = call(&state, "POST", "/api/v1/signup", None, Some(body)).await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["error"], "SIGNUP_CLOSED");
    let (status, answer) = call(
        &state,
        "GET",
        "/api/v1/signup/slug-available?slug=acme",
        None,
        None,
    )
    .await;
    assert_eq!(status, 404, "{answer}");
    assert_eq!(answer["error"], "SIGNUP_CLOSED");
    assert!(slugs(&store).await.is_empty());
}

#[tokio::test]
async fn sign_ups_from_one_address_are_limited() {
    let (config, _guard) = testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    let server_config = ServerConfig {
        signup: SignUpConfig {
            enabled: true,
            per_address_per_hour: 2,
            checks_per_address_per_hour: 3,
        },
        ..ServerConfig::default()
    };
    let server = LocalServer::start(
        AppState::new(store.clone(), server_config),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    let port = server.address.port();
    for (i, expected) in [(1, 202), (2, 202), (3, 429)] {
        let body = json!({"name": "Org", "slug": format!("org-{i}"), "admin_email": "a@org.test"});
        let (status, head, answer) = http(port, "POST", "/api/v1/signup", None, Some(body)).await;
        assert_eq!(status, expected, "sign-up {i}: {answer}");
        if status == 429 {
            assert_eq!(answer["error"], "SIGNUP_RATE_LIMITED");
            assert!(head.contains("retry-after:"), "{head}");
        }
    }
    assert_eq!(
        slugs(&store).await,
        ["org-1", "org-2"],
        "the refused one made nothing"
    );
    for i in 1..=4 {
        let (status, _, answer) = http(
            port,
            "GET",
            "/api/v1/signup/slug-available?slug=free-one",
            None,
            None,
        )
        .await;
        assert_eq!(
            status,
            if i <= 3 { 200 } else { 429 },
            "check {i}: {answer}"
        );
    }
    server.stop().await.unwrap();
}

/// A signed-in platform operator's token.
async fn platform_operator(state: &AppState) -> String {
    let email = lyceum_domain::Email::parse("ops@platform.test").unwrap();
    let password = "operator password 1";
    let hash = lyceum_app::identity::passwords::hash(password.to_owned())
        .await
        .unwrap();
    let audit = AuditEntry::cli("platform_user.create");
    state
        .store
        .directory()
        .insert_platform_user(&email, "Ops", &hash, &audit)
        .await
        .unwrap();
    let login = json!({"email": email.as_str(), "password": password});
    let (status, body) = call(
        state,
        "POST",
        "/api/v1/platform/auth/login",
        None,
        Some(login),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_platform_api_makes_a_tenant_with_its_admin_and_refuses_a_bad_address_first() {
    for (config, _guard) in [testing::sqlite_config(), testing::postgres_config().await] {
        let store = Store::open(config).await.unwrap();
        let state = AppState::new(store.clone(), ServerConfig::default());
        let label = format!("{:?}", store.engine());
        let operator = platform_operator(&state).await;
        let bad = json!({"slug": "globex", "name": "Globex", "admin": {"email": "nope"}});
        let (status, body) = call(
            &state,
            "POST",
            "/api/v1/platform/tenants",
            Some(&operator),
            Some(bad),
        )
        .await;
        assert_eq!(status, 422, "{label}: {body}");
        assert_eq!(body["error"], "INVALID_EMAIL", "{label}");
        assert!(slugs(&store).await.is_empty(), "{label}: nothing made");

        let good = json!({"slug": "globex", "name": "Globex",
                          "admin": {"email": "boss@globex.test", "name": "Boss"}});
        let request = axum::http::Request::post("/api/v1/platform/tenants")
            .header("authorization", format!("Bearer {operator}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(good.to_string()))
            .unwrap();
        let (status, headers, body) = send(&state, request).await;
        assert_eq!(status, 201, "{label}: {body}");
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(body["slug"], "globex");
        assert_eq!(body["admin"]["email"], "boss@globex.test");
        let token = body["admin"]["invitation"]["token"].as_str().unwrap();
        // The answered token is the mailed one: it lets the admin in.
        let accept = json!({"token": token, "password": "a brand new passphrase"});
        let (status, body) = call(
            &state,
            "POST",
            "/t/globex/api/v1/auth/accept-invitation",
            None,
            Some(accept),
        )
        .await;
        assert_eq!(status, 200, "{label}: {body}");
    }
}

#[tokio::test]
async fn a_first_admins_invitation_records_user_invited_like_every_other() {
    for (config, _guard) in configs_on_every_placement().await {
        let store = Store::open(config).await.unwrap();
        let label = format!("{:?}/{}", store.engine(), store.default_placement());
        let request = TenantRequest {
            slug: "globex".to_owned(),
            name: "Globex".to_owned(),
            admin: Some(AdminRequest {
                email: "boss@globex.test".to_owned(),
                name: None,
            }),
            ..TenantRequest::default()
        };
        let made = platform::create_tenant(&store, &Operator::Console, request)
            .await
            .unwrap();
        let admin = made.admin.unwrap();
        let mut tx = store.begin(&made.tenant).await.unwrap();
        let events = lyceum_store::repo::outbox::pending(&mut tx, 100)
            .await
            .unwrap();
        drop(tx);
        let kinds: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(kinds, ["user.created", "user.invited"], "{label}");
        let invited = &events[1];
        assert_eq!(invited.aggregate_id, admin.user.id.as_uuid(), "{label}");
        assert_eq!(
            invited.payload.0,
            json!({
                "user_id": admin.user.id,
                "by": null,
                "expires_at": admin.invitation.expires_at,
                "schema_version": 1,
            }),
            "{label}: invited by the platform, not by an admin"
        );
        assert_eq!(invited.actor_id, None, "{label}");
        store.close().await;
    }
}
