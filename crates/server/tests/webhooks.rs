//! Webhooks over HTTP, on SQLite and every PostgreSQL placement: admins add, read, change,
//! rotate and delete endpoints (the secret shown once, never cached, each change audited),
//! read deliveries and replay one; a plan without webhooks, a student, URLs that are not
//! http(s) or lead to private addresses are refused; another tenant's webhooks and deliveries
//! are not found.

mod common;

use axum::http::{Method, StatusCode};
use common::world::{User, World};
use lyceum_domain::{Plan, Role, TargetPolicy};
use lyceum_server::ServerConfig;
use serde_json::{json, Value};

/// Worlds on every placement whose endpoints may be on loopback (as the operator's setting
/// `LYCEUM_WEBHOOK_ALLOW_PRIVATE_TARGETS=true` allows).
async fn worlds_allowing_loopback() -> Vec<World> {
    let mut worlds = Vec::new();
    for (config, guard) in common::configs_on_every_placement().await {
        let server = ServerConfig {
            webhook_targets: TargetPolicy {
                allow_private: true,
            },
            ..ServerConfig::default()
        };
        worlds.push(World::with_server(config, Some(guard), server).await);
    }
    worlds
}

async fn add(w: &World, admin: &User, url: &str, events: Value) -> Value {
    let made = w
        .as_(admin)
        .post("/api/v1/webhooks")
        .json(&json!({"url": url, "events": events, "description": "CRM sync"}))
        .expect(StatusCode::CREATED)
        .await;
    assert_eq!(made.header("cache-control"), Some("no-store"), "{w}");
    made.json_value()
}

#[tokio::test]
async fn admins_manage_webhooks_the_secret_is_shown_once_and_each_change_is_audited() {
    for w in worlds_allowing_loopback().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let made = add(
            &w,
            &admin,
            "http://127.0.0.1:9/hook",
            json!(["course.published"]),
        )
        .await;
        let id = made["id"].as_str().unwrap().to_owned();
        let secret = made["secret"].as_str().unwrap().to_owned();
        assert!(
            secret.starts_with("whsec_") && secret.len() > 40,
            "{w}: {secret}"
        );
        assert_eq!(made["events"], json!(["course.published"]));
        assert_eq!(made["enabled"], true);

        let listed = w
            .as_(&admin)
            .get("/api/v1/webhooks")
            .expect(StatusCode::OK)
            .await;
        let listed = listed.json_value();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
        assert!(
            listed["items"][0].get("secret").is_none(),
            "{w}: never listed"
        );
        assert!(!listed.to_string().contains(&secret));
        let shown = w
            .as_(&admin)
            .get(format!("/api/v1/webhooks/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert!(shown.get("secret").is_none());

        let changed = w
            .as_(&admin)
            .patch(format!("/api/v1/webhooks/{id}"))
            .json(&json!({"events": ["*"], "enabled": false}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(changed["events"], json!(["*"]));
        assert_eq!(changed["enabled"], false);
        assert_eq!(changed["description"], "CRM sync");

        let rotated = w
            .as_(&admin)
            .post(format!("/api/v1/webhooks/{id}/rotate-secret"))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(rotated.header("cache-control"), Some("no-store"));
        let rotated = rotated.json_value()["secret"].as_str().unwrap().to_owned();
        assert!(rotated.starts_with("whsec_") && rotated != secret, "{w}");

        let page = w
            .as_(&admin)
            .get(format!("/api/v1/webhooks/{id}/deliveries?limit=10"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(page, json!({"items": [], "next_cursor": null}));

        w.as_(&admin)
            .delete(format!("/api/v1/webhooks/{id}"))
            .expect(StatusCode::NO_CONTENT)
            .await;
        w.as_(&admin)
            .get(format!("/api/v1/webhooks/{id}"))
            .expect_error(StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND")
            .await;

        let log = w
            .as_(&admin)
            .get("/api/v1/audit-log")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .filter(|a| a.starts_with("webhook."))
            .collect();
        assert_eq!(
            actions,
            [
                "webhook.deleted",
                "webhook.secret_rotated",
                "webhook.updated",
                "webhook.created"
            ],
            "{w}"
        );
        assert!(
            !log.to_string().contains(&rotated),
            "{w}: no secret in the log"
        );

        let student = w.user("acme", "sam@acme.test", Role::Student).await;
        w.as_(&student)
            .get("/api/v1/webhooks")
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
    }
}

#[tokio::test]
async fn a_plan_without_webhooks_is_refused() {
    for w in World::on_each_engine().await {
        w.provision("small", Plan::Free, json!({})).await;
        let admin = w.user("small", "admin@small.test", Role::Admin).await;
        w.as_(&admin)
            .post("/api/v1/webhooks")
            .json(&json!({"url": "https://hooks.example.com/in", "events": ["*"]}))
            .expect_error(StatusCode::FORBIDDEN, "PLAN_FEATURE_UNAVAILABLE")
            .await;
        w.as_(&admin)
            .get("/api/v1/webhooks")
            .expect_error(StatusCode::FORBIDDEN, "PLAN_FEATURE_UNAVAILABLE")
            .await;
    }
}

#[tokio::test]
async fn urls_that_are_not_http_or_lead_to_private_addresses_are_refused() {
    for w in World::on_each_engine().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let refusals = [
            ("ftp://files.example.com/in", "INVALID_WEBHOOK_URL"),
            ("file:///etc/passwd", "INVALID_WEBHOOK_URL"),
            ("not a url", "INVALID_WEBHOOK_URL"),
            ("https://user:pw@hooks.example.com/", "INVALID_WEBHOOK_URL"),
            (
                "http://169.254.169.254/latest/meta-data/",
                "WEBHOOK_TARGET_REFUSED",
            ),
            ("http://[fd00:ec2::254]/", "WEBHOOK_TARGET_REFUSED"),
            ("http://127.0.0.1:8080/in", "WEBHOOK_TARGET_REFUSED"),
            ("http://localhost/in", "WEBHOOK_TARGET_REFUSED"),
            ("http://10.0.0.7/in", "WEBHOOK_TARGET_REFUSED"),
            ("http://[::ffff:192.168.1.1]/in", "WEBHOOK_TARGET_REFUSED"),
        ];
        for (url, code) in refusals {
            let reply = w
                .as_(&admin)
                .post("/api/v1/webhooks")
                .json(&json!({"url": url, "events": ["*"]}))
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, code)
                .await;
            assert!(
                !reply.json_value()["message"].as_str().unwrap().is_empty(),
                "{url}"
            );
        }
        w.as_(&admin)
            .post("/api/v1/webhooks")
            .json(&json!({"url": "https://93.184.216.34/in", "events": ["course.renamed"]}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
            .await;
        w.as_(&admin)
            .post("/api/v1/webhooks")
            .json(&json!({"url": "https://93.184.216.34/in", "events": []}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
            .await;
        let made = add(&w, &admin, "https://93.184.216.34/in", json!(["*"])).await;
        let id = made["id"].as_str().unwrap();
        w.as_(&admin)
            .patch(format!("/api/v1/webhooks/{id}"))
            .json(&json!({"url": "http://127.0.0.1/in"}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "WEBHOOK_TARGET_REFUSED")
            .await;
    }
}

#[tokio::test]
async fn another_tenants_webhooks_and_deliveries_are_not_found() {
    for w in worlds_allowing_loopback().await {
        let acme = w.provision("acme", Plan::Pro, json!({})).await;
        w.provision("globex", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let intruder = w.user("globex", "admin@globex.test", Role::Admin).await;
        let made = add(&w, &admin, "http://127.0.0.1:9/hook", json!(["*"])).await;
        let id = made["id"].as_str().unwrap().to_owned();
        // A delivery, as the worker's fan-out records it.
        let envelope = lyceum_domain::EventEnvelope {
            id: lyceum_domain::EventId::new(),
            event_type: "course.archived".into(),
            tenant_id: acme.id(),
            actor: None,
            occurred_at: chrono::Utc::now(),
            schema_version: 1,
            payload: json!({}),
        };
        let mut tx = w.store().begin_write(&acme).await.unwrap();
        lyceum_app::webhooks::fan_out(&mut tx, &[envelope])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let page = w
            .as_(&admin)
            .get(format!("/api/v1/webhooks/{id}/deliveries"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let delivery = page["items"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(page["items"][0]["status"], "pending", "{w}");

        let fresh = || uuid::Uuid::now_v7().to_string();
        let routes = |id: &str, delivery: &str| {
            vec![
                (Method::GET, format!("/api/v1/webhooks/{id}"), None),
                (
                    Method::PATCH,
                    format!("/api/v1/webhooks/{id}"),
                    Some(json!({"description": "mine now"})),
                ),
                (Method::DELETE, format!("/api/v1/webhooks/{id}"), None),
                (
                    Method::POST,
                    format!("/api/v1/webhooks/{id}/rotate-secret"),
                    None,
                ),
                (
                    Method::GET,
                    format!("/api/v1/webhooks/{id}/deliveries"),
                    None,
                ),
                (
                    Method::POST,
                    format!("/api/v1/webhooks/{id}/deliveries/{delivery}/replay"),
                    None,
                ),
            ]
        };
        let theirs = routes(&id, &delivery);
        let nobodys = routes(&fresh(), &fresh());
        for ((method, path, body), (_, unknown, _)) in theirs.iter().zip(&nobodys) {
            let request = |path: &str| {
                w.as_(&intruder)
                    .request(method.clone(), path)
                    .maybe_json(body.as_ref())
                    .send()
            };
            let (reply, baseline) = (request(path).await, request(unknown).await);
            assert_eq!(
                reply.status,
                StatusCode::NOT_FOUND,
                "{w}: {method} {path}: {reply}"
            );
            assert_eq!(
                (reply.status, reply.error_code()),
                (baseline.status, baseline.error_code()),
                "{w}: {method} {path}"
            );
        }
        // A delivery of another of one's own webhooks is not found either.
        let other = add(&w, &admin, "http://127.0.0.1:9/other", json!(["*"])).await;
        let other = other["id"].as_str().unwrap();
        w.as_(&admin)
            .post(format!(
                "/api/v1/webhooks/{other}/deliveries/{delivery}/replay"
            ))
            .expect_error(StatusCode::NOT_FOUND, "DELIVERY_NOT_FOUND")
            .await;
        // Untouched, and its owner replays it.
        let replayed = w
            .as_(&admin)
            .post(format!(
                "/api/v1/webhooks/{id}/deliveries/{delivery}/replay"
            ))
            .expect(StatusCode::ACCEPTED)
            .await
            .json_value();
        assert_eq!(replayed["replay_of"], delivery.as_str());
        assert_eq!(replayed["status"], "pending");
        let listed = w
            .as_(&intruder)
            .get("/api/v1/webhooks")
            .expect(StatusCode::OK)
            .await;
        assert_eq!(listed.json_value()["items"], json!([]), "{w}");
        let mine = w
            .as_(&admin)
            .get(format!("/api/v1/webhooks/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(mine["description"], "CRM sync");
    }
}
