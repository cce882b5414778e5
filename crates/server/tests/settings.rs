//! Tenant self-administration over HTTP, on SQLite and every PostgreSQL placement: the
//! settings round trip and every refused value, who may read and change them (admins of the
//! tenant only), the e-mail domains self sign-up admits, and custom domains claimed, checked
//! against a real HTTP server on loopback (the token found, a wrong token, the server down, a
//! redirect elsewhere), taken by another tenant, removed, and reaching the tenant by `Host`
//! once verified; every change in the audit log.

mod common;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use common::world::{User, World};
use lyceum_app::settings::DomainCheckConfig;
use lyceum_domain::{Plan, Role};
use lyceum_server::ServerConfig;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// What the loopback "web" answers at the verification path, per `Host`.
#[derive(Clone)]
enum Published {
    Text(String),
    RedirectTo(String),
}

type Site = Arc<Mutex<HashMap<String, Published>>>;

async fn well_known(State(site): State<Site>, headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let published = site.lock().unwrap().get(&host).cloned();
    match published {
        Some(Published::Text(text)) => text.into_response(),
        Some(Published::RedirectTo(to)) => Redirect::temporary(&to).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Serves `site` on `listener` until the test ends.
fn serve(listener: TcpListener, site: Site) {
    let app = Router::new()
        .route("/.well-known/lyceum-domain-verification", get(well_known))
        .with_state(site);
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// A server configuration whose domain checks go to `port` on loopback.
fn checking_at(port: u16) -> ServerConfig {
    ServerConfig {
        base_domain: Some("lms.example".to_owned()),
        domain_check: DomainCheckConfig {
            address: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            port: Some(port),
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
        },
        ..ServerConfig::default()
    }
}

async fn worlds_checking_at(port: u16) -> Vec<World> {
    let mut worlds = Vec::new();
    for (config, guard) in common::configs_on_every_placement().await {
        worlds.push(World::with_server(config, Some(guard), checking_at(port)).await);
    }
    worlds
}

/// The audit entries of `action`, newest first.
async fn audited(w: &World, admin: &User, action: &str) -> Vec<Value> {
    let page = w
        .as_(admin)
        .get(format!("/api/v1/audit-log?action={action}"))
        .expect(StatusCode::OK)
        .await;
    page.json_value()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn admins_read_and_change_settings_and_every_bad_value_is_refused() {
    for w in World::on_every_placement().await {
        w.provision(
            "acme",
            Plan::Pro,
            json!({"branding": {"primary_color": "#0B5FFF"}, "keep": 1}),
        )
        .await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let shown = w
            .as_(&admin)
            .get("/api/v1/tenant/settings")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(shown["name"], json!("acme"), "{w}");
        assert_eq!(shown["branding"]["primary_color"], json!("#0b5fff"), "{w}");
        assert_eq!(shown["self_signup"], json!(false), "{w}");
        assert_eq!(shown["custom_domains_allowed"], json!(true), "{w}");

        let changed = w
            .as_(&admin)
            .patch("/api/v1/tenant/settings")
            .json(&json!({
                "name": "Acme <b>Learning</b>",
                "branding": {"accent_color": "#B25E00", "primary_color": null,
                             "logo_url": "https://cdn.example/acme.svg",
                             "locale": "fr-CA", "time_zone": "Europe/Paris"},
                "self_signup": true,
                "signup_domains": ["Acme.test", "bücher.example"]
            }))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(changed["name"], json!("Acme <b>Learning</b>"), "{w}");
        assert_eq!(changed["branding"]["primary_color"], Value::Null, "{w}");
        assert_eq!(changed["branding"]["accent_color"], json!("#b25e00"), "{w}");
        assert_eq!(changed["branding"]["locale"], json!("fr"), "{w}");
        assert_eq!(
            changed["branding"]["time_zone"],
            json!("Europe/Paris"),
            "{w}"
        );
        assert_eq!(
            changed["signup_domains"],
            json!(["acme.test", "xn--bcher-kva.example"]),
            "{w}"
        );
        // The next request sees the change: the public profile and the stored settings.
        let profile = w
            .anonymous()
            .at("acme")
            .get("/api/v1/tenant")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(profile["name"], json!("Acme <b>Learning</b>"), "{w}");
        assert_eq!(profile["self_signup"], json!(true), "{w}");
        let stored = w
            .store()
            .directory()
            .by_slug("acme")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.settings["keep"],
            json!(1),
            "{w}: other keys are kept"
        );

        let refusals = [
            (
                json!({"branding": {"primary_color": "red"}}),
                "INVALID_COLOR",
            ),
            (
                json!({"branding": {"primary_color": "#ffee00"}}),
                "LOW_CONTRAST",
            ),
            (
                json!({"branding": {"accent_color": "#f8f8f8"}}),
                "LOW_CONTRAST",
            ),
            (
                json!({"branding": {"time_zone": "Mars/Base"}}),
                "UNKNOWN_TIME_ZONE",
            ),
            (json!({"branding": {"locale": "de-CH"}}), "UNKNOWN_LOCALE"),
            (
                json!({"branding": {"logo_url": "http://cdn.example/a.svg"}}),
                "INVALID_LOGO_URL",
            ),
            (
                json!({"branding": {"logo_url": "javascript:alert(1)"}}),
                "INVALID_LOGO_URL",
            ),
            (
                json!({"branding": {"logo_url": "https://x.test/\"><script>"}}),
                "INVALID_LOGO_URL",
            ),
            (json!({"signup_domains": ["10.0.0.1"]}), "INVALID_DOMAIN"),
            (
                json!({"signup_domains": ["acme.test:8080"]}),
                "INVALID_DOMAIN",
            ),
            (json!({"name": "  "}), "VALIDATION_FAILED"),
            (json!({"name": "A\u{7}B"}), "VALIDATION_FAILED"),
            (json!({"tenant_id": "x"}), "VALIDATION_FAILED"),
            (json!({"branding": {"colour": "#000"}}), "VALIDATION_FAILED"),
        ];
        for (body, code) in refusals {
            let refused = w
                .as_(&admin)
                .patch("/api/v1/tenant/settings")
                .json(&body)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, code)
                .await;
            let message = refused.json_value()["message"].as_str().unwrap().to_owned();
            assert!(!message.contains("struct"), "{w}: {message}");
        }
        let nul = w
            .as_(&admin)
            .patch("/api/v1/tenant/settings")
            .body("application/json", br#"{"name": "A\u0000B"}"#.to_vec())
            .send()
            .await;
        assert_eq!(nul.status, StatusCode::BAD_REQUEST, "{w}: {nul:?}");
        let after = w
            .as_(&admin)
            .get("/api/v1/tenant/settings")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(after, changed, "{w}: refused changes change nothing");

        let entries = audited(&w, &admin, "tenant.settings_changed").await;
        assert_eq!(entries.len(), 1, "{w}: {entries:?}");
        assert_eq!(entries[0]["target_kind"], json!("tenant"), "{w}");
        assert_eq!(entries[0]["before"]["name"], json!("acme"), "{w}");
        assert_eq!(
            entries[0]["after"]["branding"]["locale"],
            json!("fr"),
            "{w}"
        );
        // Nothing changed, nothing recorded.
        w.as_(&admin)
            .patch("/api/v1/tenant/settings")
            .json(&json!({"self_signup": true}))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(
            audited(&w, &admin, "tenant.settings_changed").await.len(),
            1,
            "{w}"
        );
    }
}

#[tokio::test]
async fn only_the_tenants_own_admins_reach_its_settings() {
    for w in World::on_each_engine().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.provision("globex", Plan::Pro, json!({})).await;
        let teacher = w.user("acme", "teacher@acme.test", Role::Instructor).await;
        let student = w.user("acme", "student@acme.test", Role::Student).await;
        let other = w.user("globex", "admin@globex.test", Role::Admin).await;
        for user in [&teacher, &student] {
            w.as_(user)
                .get("/api/v1/tenant/settings")
                .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                .await;
            w.as_(user)
                .patch("/api/v1/tenant/settings")
                .json(&json!({"name": "Mine"}))
                .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                .await;
            w.as_(user)
                .post("/api/v1/tenant/domains")
                .json(&json!({"domain": "learn.acme.test"}))
                .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                .await;
        }
        // Globex's admin aimed at acme: the token names another tenant.
        w.as_(&other)
            .at("acme")
            .patch("/api/v1/tenant/settings")
            .json(&json!({"name": "Taken over"}))
            .expect_error(StatusCode::FORBIDDEN, "TENANT_MISMATCH")
            .await;
        w.as_(&other)
            .at("acme")
            .get("/api/v1/tenant/settings")
            .expect_error(StatusCode::FORBIDDEN, "TENANT_MISMATCH")
            .await;
        let acme = w
            .store()
            .directory()
            .by_slug("acme")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(acme.name, "acme", "{w}");
    }
}

#[tokio::test]
async fn self_sign_up_admits_only_the_listed_email_domains() {
    for w in World::on_each_engine().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let sign_up = |email: &str| {
            w.anonymous()
                .at("acme")
                .post("/api/v1/auth/signup")
                .json(&json!({
                    "email": email, "display_name": "Sam", "password": "a long passphrase"
                }))
        };
        sign_up("sam@acme.test")
            .expect_error(StatusCode::FORBIDDEN, "SIGNUP_DISABLED")
            .await;
        w.as_(&admin)
            .patch("/api/v1/tenant/settings")
            .json(&json!({"self_signup": true, "signup_domains": ["acme.test"]}))
            .expect(StatusCode::OK)
            .await;
        sign_up("eve@elsewhere.test")
            .expect_error(StatusCode::FORBIDDEN, "SIGNUP_DOMAIN_NOT_ALLOWED")
            .await;
        sign_up("sam@sub.acme.test")
            .expect_error(StatusCode::FORBIDDEN, "SIGNUP_DOMAIN_NOT_ALLOWED")
            .await;
        sign_up("Sam@ACME.test").expect(StatusCode::CREATED).await;
    }
}

#[tokio::test]
async fn custom_domains_are_claimed_verified_over_http_taken_and_removed() {
    // The loopback "web": its port is known before the worlds are made, and it is down until
    // served.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let worlds = worlds_checking_at(port).await;
    let site: Site = Arc::default();
    let mut served = false;

    for w in &worlds {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.provision("globex", Plan::Pro, json!({})).await;
        w.provision("small", Plan::Free, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let rival = w.user("globex", "admin@globex.test", Role::Admin).await;
        let free = w.user("small", "admin@small.test", Role::Admin).await;

        // A plan without custom domains.
        w.as_(&free)
            .post("/api/v1/tenant/domains")
            .json(&json!({"domain": "learn.small.test"}))
            .expect_error(StatusCode::FORBIDDEN, "PLAN_FEATURE_UNAVAILABLE")
            .await;

        // Bad names and the service's own domain.
        for bad in [
            "127.0.0.1",
            "learn.acme.test:8080",
            "https://learn.acme.test/",
            "localhost",
        ] {
            w.as_(&admin)
                .post("/api/v1/tenant/domains")
                .json(&json!({"domain": bad}))
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_DOMAIN")
                .await;
        }
        w.as_(&admin)
            .post("/api/v1/tenant/domains")
            .json(&json!({"domain": "globex.lms.example"}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "DOMAIN_RESERVED")
            .await;

        let claimed = w
            .as_(&admin)
            .post("/api/v1/tenant/domains")
            .json(&json!({"domain": "Learn.Acme.TEST"}))
            .expect(StatusCode::CREATED)
            .await;
        assert_eq!(claimed.header("cache-control"), Some("no-store"), "{w}");
        let claimed = claimed.json_value();
        assert_eq!(claimed["domain"], json!("learn.acme.test"), "{w}");
        assert_eq!(claimed["verified"], json!(false), "{w}");
        let token = claimed["verification"]["token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            claimed["verification"]["url"],
            json!("http://learn.acme.test/.well-known/lyceum-domain-verification"),
            "{w}"
        );
        // Claiming it again answers the same claim.
        let again = w
            .as_(&admin)
            .post("/api/v1/tenant/domains")
            .json(&json!({"domain": "learn.acme.test"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        assert_eq!(again["verification"]["token"], json!(token), "{w}");

        // Another tenant cannot take it, verify it or remove it; nothing is written.
        w.as_(&rival)
            .post("/api/v1/tenant/domains")
            .json(&json!({"domain": "learn.acme.test"}))
            .expect_error(StatusCode::CONFLICT, "DOMAIN_TAKEN")
            .await;
        w.as_(&rival)
            .post("/api/v1/tenant/domains/learn.acme.test/verify")
            .expect_error(StatusCode::NOT_FOUND, "DOMAIN_NOT_FOUND")
            .await;
        w.as_(&rival)
            .delete("/api/v1/tenant/domains/learn.acme.test")
            .expect_error(StatusCode::NOT_FOUND, "DOMAIN_NOT_FOUND")
            .await;
        let rivals = w
            .as_(&rival)
            .get("/api/v1/tenant/domains")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(rivals, json!([]), "{w}");
        assert!(audited(w, &rival, "domain.added").await.is_empty(), "{w}");

        // Not verified: the domain reaches nobody.
        let by_host = || {
            w.anonymous()
                .get("/api/v1/tenant")
                .header("host", "learn.acme.test")
        };
        by_host()
            .expect_error(StatusCode::NOT_FOUND, "TENANT_NOT_FOUND")
            .await;

        let verify = || {
            w.as_(&admin)
                .post("/api/v1/tenant/domains/learn.acme.test/verify")
        };
        if !served {
            // The web server is down.
            let down = verify()
                .expect_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "DOMAIN_VERIFICATION_FAILED",
                )
                .await;
            let message = down.json_value()["message"].as_str().unwrap().to_owned();
            assert!(message.contains("could not connect"), "{w}: {message}");
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            serve(TcpListener::bind(addr).await.unwrap(), site.clone());
            served = true;
        }
        // Nothing published yet: 404.
        let missing = verify()
            .expect_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "DOMAIN_VERIFICATION_FAILED",
            )
            .await;
        assert!(
            missing.json_value()["message"]
                .as_str()
                .unwrap()
                .contains("404"),
            "{w}"
        );
        // A wrong token.
        site.lock().unwrap().insert(
            "learn.acme.test".into(),
            Published::Text("not-the-token".into()),
        );
        let wrong = verify()
            .expect_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "DOMAIN_VERIFICATION_FAILED",
            )
            .await;
        assert!(
            wrong.json_value()["message"]
                .as_str()
                .unwrap()
                .contains("does not hold the token"),
            "{w}"
        );
        // A redirect to another host (which would hold the token) is not followed.
        site.lock()
            .unwrap()
            .insert("elsewhere.test".into(), Published::Text(token.clone()));
        site.lock().unwrap().insert(
            "learn.acme.test".into(),
            Published::RedirectTo(
                "http://elsewhere.test/.well-known/lyceum-domain-verification".into(),
            ),
        );
        let redirected = verify()
            .expect_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "DOMAIN_VERIFICATION_FAILED",
            )
            .await;
        assert!(
            redirected.json_value()["message"]
                .as_str()
                .unwrap()
                .contains("another host"),
            "{w}"
        );
        assert!(
            audited(w, &admin, "domain.verified").await.is_empty(),
            "{w}"
        );
        by_host()
            .expect_error(StatusCode::NOT_FOUND, "TENANT_NOT_FOUND")
            .await;

        // The token, with a line break as files have it.
        site.lock().unwrap().insert(
            "learn.acme.test".into(),
            Published::Text(format!("{token}\n")),
        );
        let verified = verify().expect(StatusCode::OK).await.json_value();
        assert_eq!(verified["verified"], json!(true), "{w}");
        assert_eq!(verified["verification"], Value::Null, "{w}");

        // The domain now reaches acme, through the real router: the API and the portal.
        let profile = by_host().expect(StatusCode::OK).await.json_value();
        assert_eq!(profile["slug"], json!("acme"), "{w}");
        let page = w
            .anonymous()
            .get("/")
            .header("host", "LEARN.acme.test:443")
            .expect(StatusCode::OK)
            .await;
        assert!(
            String::from_utf8_lossy(page.bytes()).contains("acme"),
            "{w}"
        );

        // Removed: it reaches nobody again, and another tenant may claim it.
        w.as_(&admin)
            .delete("/api/v1/tenant/domains/learn.acme.test")
            .expect(StatusCode::NO_CONTENT)
            .await;
        by_host()
            .expect_error(StatusCode::NOT_FOUND, "TENANT_NOT_FOUND")
            .await;
        w.as_(&rival)
            .post("/api/v1/tenant/domains")
            .json(&json!({"domain": "learn.acme.test"}))
            .expect(StatusCode::CREATED)
            .await;

        for action in ["domain.added", "domain.verified", "domain.removed"] {
            let entries = audited(w, &admin, action).await;
            assert_eq!(entries.len(), 1, "{w}: {action}: {entries:?}");
            assert_eq!(entries[0]["actor"], json!("admin@acme.test"), "{w}");
        }
        site.lock().unwrap().clear();
    }
}
