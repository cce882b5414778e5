//! The platform operator's API over HTTP through the real router, on both engines: sign-in of a
//! platform user, tenant list / create / show / suspend / resume, the audit log, and the wall
//! between platform tokens and tenant tokens.

mod common;

use axum::http::StatusCode;
use common::{call, tenant_with_users, token};
use lyceum_domain::{Email, Role};
use lyceum_server::{AppState, ServerConfig};
use lyceum_store::{testing, AuditEntry, Store};
use serde_json::{json, Value};

const OPERATOR: &str = "ops@lyceum.example";
const OPERATOR_PASSWORD: &str = "operator password 1";

struct World {
    state: AppState,
    _guard: testing::TestGuard,
}

async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for (config, guard) in [testing::sqlite_config(), testing::postgres_config().await] {
        let store = Store::open(config).await.unwrap();
        let hash = lyceum_app::identity::passwords::hash(OPERATOR_PASSWORD.to_owned())
            .await
            .unwrap();
        store
            .directory()
            .insert_platform_user(
                &Email::parse(OPERATOR).unwrap(),
                "Ops",
                &hash,
                &AuditEntry::cli("platform_user.create"),
            )
            .await
            .unwrap();
        // A tenant admin whose e-mail and password equal the operator's: still not an operator.
        tenant_with_users(
            &store,
            "acme",
            json!({}),
            &[(OPERATOR, OPERATOR_PASSWORD, Role::Admin)],
        )
        .await;
        out.push(World {
            state: AppState::new(store, ServerConfig::default()),
            _guard: guard,
        });
    }
    out
}

async fn platform_login(state: &AppState, email: &str, password: &str) -> (StatusCode, Value) {
    let body = json!({"email": email, "password": password});
    call(
        state,
        "POST",
        "/api/v1/platform/auth/login",
        None,
        Some(body),
    )
    .await
}

async fn operator_token(state: &AppState) -> String {
    let (status, body) = platform_login(state, OPERATOR, OPERATOR_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn operators_sign_in_and_tokens_do_not_cross_the_platform_wall() {
    for w in worlds().await {
        let (status, body) = platform_login(&w.state, OPERATOR, "wrong password 123").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "INVALID_CREDENTIALS");
        let (status, _) = platform_login(&w.state, "nobody@example.org", OPERATOR_PASSWORD).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let platform = operator_token(&w.state).await;
        let (status, body) = call(
            &w.state,
            "GET",
            "/api/v1/platform/tenants",
            Some(&platform),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["tenants"][0]["slug"], "acme");

        // A tenant admin's token is no platform token, and the reverse.
        let tenant = token(&w.state, "acme", OPERATOR, OPERATOR_PASSWORD).await;
        let (status, body) = call(
            &w.state,
            "GET",
            "/api/v1/platform/tenants",
            Some(&tenant),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"], "INVALID_TOKEN");
        let (status, body) =
            call(&w.state, "GET", "/t/acme/api/v1/me", Some(&platform), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        let (status, body) = call(&w.state, "GET", "/api/v1/me", Some(&platform), None).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "no tenant from a platform token: {body}"
        );
        assert_eq!(body["error"], "TENANT_NOT_RESOLVED");

        let (status, body) = call(&w.state, "GET", "/api/v1/platform/tenants", None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn operators_create_suspend_and_resume_tenants_and_every_action_is_audited() {
    for w in worlds().await {
        let platform = operator_token(&w.state).await;
        let create = json!({"slug": "globex", "name": "Globex", "plan": "pro"});
        let (status, body) = call(
            &w.state,
            "POST",
            "/api/v1/platform/tenants",
            Some(&platform),
            Some(create.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(
            (body["status"].as_str(), body["plan"].as_str()),
            (Some("active"), Some("pro"))
        );
        let (status, _) = call(&w.state, "GET", "/t/globex/api/v1/tenant", None, None).await;
        assert_eq!(status, StatusCode::OK, "the new tenant is served");

        for (bad, code) in [
            (create.clone(), "TENANT_SLUG_TAKEN"),
            (json!({"slug": "Bad Slug!", "name": "x"}), "INVALID_SLUG"),
            (json!({"slug": "www", "name": "x"}), "RESERVED_SLUG"),
            (
                json!({"slug": "initech", "name": "x", "plan": "gold"}),
                "VALIDATION_FAILED",
            ),
            (
                json!({"slug": "initech", "name": "x", "tenant_id": "x"}),
                "VALIDATION_FAILED",
            ),
        ] {
            let (status, body) = call(
                &w.state,
                "POST",
                "/api/v1/platform/tenants",
                Some(&platform),
                Some(bad.clone()),
            )
            .await;
            assert!(status.is_client_error(), "{bad}: {status} {body}");
            assert_eq!(body["error"], code, "{bad}: {body}");
        }

        let (status, body) = call(
            &w.state,
            "POST",
            "/api/v1/platform/tenants/globex/suspend",
            Some(&platform),
            None,
        )
        .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("suspended"))
        );
        let (status, body) = call(&w.state, "GET", "/t/globex/api/v1/tenant", None, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"], "TENANT_SUSPENDED");
        let (status, body) = call(
            &w.state,
            "GET",
            "/api/v1/platform/tenants?status=suspended",
            Some(&platform),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let slugs: Vec<&str> = body["tenants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["slug"].as_str().unwrap())
            .collect();
        assert_eq!(slugs, ["globex"]);

        let (status, _) = call(
            &w.state,
            "POST",
            "/api/v1/platform/tenants/globex/resume",
            Some(&platform),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = call(&w.state, "GET", "/t/globex/api/v1/tenant", None, None).await;
        assert_eq!(status, StatusCode::OK, "served again");
        let (status, body) = call(
            &w.state,
            "POST",
            "/api/v1/platform/tenants/nope/suspend",
            Some(&platform),
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("TENANT_NOT_FOUND"))
        );

        let (status, body) = call(
            &w.state,
            "GET",
            "/api/v1/platform/audit-log?tenant=globex",
            Some(&platform),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let entries = body["entries"].as_array().unwrap();
        let actions: Vec<&str> = entries
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["tenant.resume", "tenant.suspend", "tenant.create"]
        );
        for entry in entries {
            assert_eq!(entry["actor"], OPERATOR);
            assert_eq!(entry["tenant_slug"], "globex");
            assert!(entry["request_id"].as_str().is_some_and(|r| !r.is_empty()));
            assert!(entry["seq"].as_i64().is_some_and(|seq| seq > 0), "{entry}");
            assert_eq!(entry["hash"].as_str().map(str::len), Some(64), "{entry}");
        }
        assert_eq!(
            entries[1]["detail"],
            json!({"from": "active", "to": "suspended"})
        );

        // Paging through everything: the bootstrap entry from the command line is the oldest.
        let (_, first) = call(
            &w.state,
            "GET",
            "/api/v1/platform/audit-log?limit=2",
            Some(&platform),
            None,
        )
        .await;
        let cursor = first["next_cursor"].as_str().unwrap();
        let (_, rest) = call(
            &w.state,
            "GET",
            &format!("/api/v1/platform/audit-log?limit=10&before={cursor}"),
            Some(&platform),
            None,
        )
        .await;
        let rest = rest["entries"].as_array().unwrap();
        assert_eq!(rest.len(), 2, "4 entries in all: {rest:?}");
        assert_eq!(rest[1]["action"], "platform_user.create");
        assert_eq!(rest[1]["actor"], "cli");
    }
}

/// Operators list each other, deactivate one (out on their next request, and they cannot sign
/// in) and reactivate them; nobody deactivates themselves; each change is audited.
#[tokio::test]
async fn operators_deactivate_and_reactivate_each_other() {
    for w in worlds().await {
        let second = "second@lyceum.example";
        let hash = lyceum_app::identity::passwords::hash(OPERATOR_PASSWORD.to_owned())
            .await
            .unwrap();
        let made = w
            .state
            .store
            .directory()
            .insert_platform_user(
                &Email::parse(second).unwrap(),
                "Second",
                &hash,
                &AuditEntry::cli("platform_user.create"),
            )
            .await
            .unwrap();
        let token = operator_token(&w.state).await;
        let (status, theirs) = platform_login(&w.state, second, OPERATOR_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{theirs}");
        let theirs = theirs["access_token"].as_str().unwrap().to_owned();

        let (status, listed) = call(
            &w.state,
            "GET",
            "/api/v1/platform/users",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{listed}");
        let emails: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap())
            .collect();
        assert_eq!(emails, [OPERATOR, second]);
        let own = listed["items"][0]["id"].as_str().unwrap().to_owned();

        let path = |id: &str, verb: &str| format!("/api/v1/platform/users/{id}/{verb}");
        let (status, body) = call(
            &w.state,
            "POST",
            &path(&own, "deactivate"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"], "CANNOT_DEACTIVATE_SELF");
        let other = made.id.to_string();
        let (status, body) = call(
            &w.state,
            "POST",
            &path(&other, "deactivate"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "deactivated");
        let (status, body) = call(
            &w.state,
            "GET",
            "/api/v1/platform/tenants",
            Some(&theirs),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "out at once: {body}");
        let (status, _) = platform_login(&w.state, second, OPERATOR_PASSWORD).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let (status, body) = call(
            &w.state,
            "POST",
            &path(&other, "reactivate"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = platform_login(&w.state, second, OPERATOR_PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        let nobody = uuid::Uuid::now_v7().to_string();
        let (status, _) = call(
            &w.state,
            "POST",
            &path(&nobody, "reactivate"),
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (_, log) = call(
            &w.state,
            "GET",
            "/api/v1/platform/audit-log",
            Some(&token),
            None,
        )
        .await;
        let actions: Vec<&str> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert!(
            actions.starts_with(&["platform_user.reactivate", "platform_user.deactivate"]),
            "{actions:?}"
        );
    }
}

/// A second platform user, made on the node.
async fn second_operator(state: &AppState, email: &str, password: &str) -> String {
    let hash = lyceum_app::identity::passwords::hash(password.to_owned())
        .await
        .unwrap();
    let user = state
        .store
        .directory()
        .insert_platform_user(
            &Email::parse(email).unwrap(),
            "Second",
            &hash,
            &AuditEntry::cli("platform_user.create"),
        )
        .await
        .unwrap();
    user.id.to_string()
}

/// `POST` as the operator `token`, answering the status, the `Cache-Control` header and the body.
async fn post(
    state: &AppState,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, String, Value) {
    let mut request = axum::http::Request::post(path).header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let (status, headers, body) = common::send(state, request).await;
    let cache = headers
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, cache, body)
}

#[tokio::test]
async fn an_operator_gives_another_a_reset_that_works_once_and_unlocks_their_sign_in() {
    const SECOND: &str = "second@lyceum.example";
    const SECOND_PASSWORD: &str = "second password 12";
    for w in worlds().await {
        let state = &w.state;
        let label = format!("{:?}", state.store.engine());
        let ops = operator_token(state).await;
        let second = second_operator(state, SECOND, SECOND_PASSWORD).await;

        // Failed sign-ins lock the second operator out, even with the right password ...
        for _ in 0..5 {
            let (status, _) = platform_login(state, SECOND, "not the password").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{label}");
        }
        let (status, body) = platform_login(state, SECOND, SECOND_PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{label}: {body}");
        // ... until another operator unlocks them (only an operator may).
        let unlock = format!("/api/v1/platform/users/{second}/unlock");
        let (status, _, _) = post(state, &unlock, None, json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{label}");
        let tenant_admin = token(state, "acme", OPERATOR, OPERATOR_PASSWORD).await;
        let (status, _, _) = post(state, &unlock, Some(&tenant_admin), json!({})).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{label}: a tenant token is no platform token"
        );
        let (status, _, body) = post(state, &unlock, Some(&ops), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{label}: {body}");
        assert_eq!(body["email"], SECOND, "{label}");
        let (status, body) = platform_login(state, SECOND, SECOND_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{label}: unlocked: {body}");

        // A reset, shown once to the operator who asked; a second one withdraws the first.
        let reset = format!("/api/v1/platform/users/{second}/password-reset");
        let (status, cache, first) = post(state, &reset, Some(&ops), json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{label}: {first}");
        assert_eq!(cache, "no-store", "{label}");
        let first_token = first["token"].as_str().unwrap().to_owned();
        assert_eq!(
            first["path"],
            format!("/platform/reset-password?token={first_token}"),
            "{label}"
        );
        let (status, _, given) = post(state, &reset, Some(&ops), json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{label}: {given}");
        let token_given = given["token"].as_str().unwrap().to_owned();
        let confirm = "/api/v1/platform/auth/password-reset/confirm";
        let new_password = "a brand new operator passphrase";
        let (status, _, body) = post(
            state,
            confirm,
            None,
            json!({"token": first_token, "password": new_password}),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("RESET_TOKEN_INVALID")),
            "{label}: withdrawn by the newer one: {body}"
        );
        // A weak password leaves the token unspent; bad tokens are refused cleanly.
        let (status, _, body) = post(
            state,
            confirm,
            None,
            json!({"token": token_given, "password": "short"}),
        )
        .await;
        assert_eq!(body["error"], "WEAK_PASSWORD", "{label}: {status} {body}");
        for bad in ["", "nope", "a\u{0}b", &"x".repeat(100_000), "<script>"] {
            let (status, _, body) = post(
                state,
                confirm,
                None,
                json!({"token": bad, "password": new_password}),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{label}: {bad:.20?}: {body}"
            );
        }
        let (status, cache, body) = post(
            state,
            confirm,
            None,
            json!({"token": token_given, "password": new_password}),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{label}: {body}");
        assert_eq!(cache, "no-store", "{label}");
        let (status, _) = platform_login(state, SECOND, SECOND_PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{label}: the old password is gone"
        );
        let (status, _) = platform_login(state, SECOND, new_password).await;
        assert_eq!(status, StatusCode::OK, "{label}: the new one works");
        // Once only.
        let (status, _, body) = post(
            state,
            confirm,
            None,
            json!({"token": token_given, "password": "yet another passphrase"}),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("RESET_TOKEN_INVALID")),
            "{label}: {body}"
        );

        // Nobody, and a deactivated operator, get no reset.
        let nobody = format!(
            "/api/v1/platform/users/{}/password-reset",
            uuid::Uuid::now_v7()
        );
        let (status, _, _) = post(state, &nobody, Some(&ops), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{label}");
        let (status, _, _) = post(state, &reset, Some(&ops), json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{label}");
        let deactivate = format!("/api/v1/platform/users/{second}/deactivate");
        let (status, _, _) = post(state, &deactivate, Some(&ops), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{label}");
        let (status, _, body) = post(state, &reset, Some(&ops), json!({})).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::CONFLICT, Some("USER_NOT_ACTIVE")),
            "{label}: {body}"
        );

        // Every step is in the platform audit log, the reset's use by the user themselves.
        let log = lyceum_app::platform::audit_log(&state.store, None, None, 50)
            .await
            .unwrap();
        let seen = |action: &str, actor: &str| {
            log.iter()
                .filter(|e| e.action == action && e.actor == actor)
                .count()
        };
        assert_eq!(seen("platform_user.unlock", OPERATOR), 1, "{label}");
        assert_eq!(
            seen("platform_user.password_reset_sent", OPERATOR),
            3,
            "{label}"
        );
        assert_eq!(seen("platform_user.password_reset", SECOND), 1, "{label}");
        assert!(
            log.iter()
                .all(|e| !e.detail.to_string().contains(&token_given)),
            "{label}: no token in the log"
        );
    }
}

#[tokio::test]
async fn an_expired_operator_reset_is_refused_and_changes_nothing() {
    for w in worlds().await {
        let state = &w.state;
        let label = format!("{:?}", state.store.engine());
        let id = second_operator(state, "late@lyceum.example", "late password 1234").await;
        let id = lyceum_domain::PlatformUserId::from_uuid(id.parse().unwrap());
        let token = "an expired reset token";
        let hash = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
        let past = chrono::Utc::now() - chrono::Duration::minutes(1);
        state
            .store
            .directory()
            .issue_platform_reset(id, hash.as_ref(), past, None, &AuditEntry::cli("test"))
            .await
            .unwrap()
            .unwrap();
        let (status, _, body) = post(
            state,
            "/api/v1/platform/auth/password-reset/confirm",
            None,
            json!({"token": token, "password": "a brand new passphrase"}),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("RESET_TOKEN_INVALID")),
            "{label}: {body}"
        );
        let (status, _) = platform_login(state, "late@lyceum.example", "late password 1234").await;
        assert_eq!(status, StatusCode::OK, "{label}: the password is unchanged");
    }
}
