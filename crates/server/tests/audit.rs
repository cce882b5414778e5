//! The tenant audit log over HTTP, on SQLite and every PostgreSQL placement: each audited
//! action leaves an entry naming who, from where, before and after; a refused change leaves
//! none and a failed sign-in one; an admin of one tenant never sees another's entries; only
//! admins read the log; the CSV export is a file no spreadsheet runs.

mod common;

use axum::http::StatusCode;
use common::world::World;
use lyceum_domain::{Plan, Role};
use serde_json::{json, Value};

/// The `items` of the audit log page at `path`, as `admin` reads it.
async fn entries(w: &World, admin: &common::world::User, path: &str) -> Vec<Value> {
    let page = w.as_(admin).get(path).expect(StatusCode::OK).await;
    assert_eq!(page.header("cache-control"), Some("no-store"), "{w}");
    page.json_value()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn audited_actions_are_recorded_with_who_from_where_before_and_after() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let invited = w
            .as_(&admin)
            .post("/api/v1/users")
            .header("user-agent", "audit-test/1.0")
            .header("x-request-id", "req-invite-1")
            .json(&json!({"email": "new@acme.test", "display_name": "New", "role": "student"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let id = invited["id"].as_str().unwrap();
        w.as_(&admin)
            .patch(format!("/api/v1/users/{id}"))
            .json(&json!({"role": "instructor"}))
            .expect(StatusCode::OK)
            .await;
        w.as_(&admin)
            .post(format!("/api/v1/users/{id}/deactivate"))
            .expect(StatusCode::OK)
            .await;
        // Refused: nothing changed, nothing recorded.
        w.as_(&admin)
            .post(format!("/api/v1/users/{}/deactivate", admin.id))
            .expect_error(StatusCode::CONFLICT, "CANNOT_DEACTIVATE_SELF")
            .await;

        let log = entries(&w, &admin, "/api/v1/audit-log").await;
        let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(
            actions,
            [
                "user.deactivated",
                "user.role_changed",
                "user.invited",
                "sign_in"
            ],
            "{w}: newest first, the refusal left nothing"
        );
        let invite = &log[2];
        assert_eq!(invite["actor"], "admin@acme.test", "{w}");
        assert_eq!(invite["actor_id"], admin.id.as_str(), "{w}");
        assert_eq!(invite["target_kind"], "user", "{w}");
        assert_eq!(invite["target_id"], id, "{w}");
        assert_eq!(invite["user_agent"], "audit-test/1.0", "{w}");
        assert_eq!(invite["request_id"], "req-invite-1", "{w}");
        assert_eq!(invite["after"]["status"], "invited", "{w}");
        assert_eq!(log[1]["before"], json!({"role": "student"}), "{w}");
        assert_eq!(log[1]["after"], json!({"role": "instructor"}), "{w}");
        assert_eq!(log[0]["before"], json!({"status": "invited"}), "{w}");
        assert_eq!(log[0]["after"], json!({"status": "deactivated"}), "{w}");
        assert_eq!(log[3]["actor"], "admin@acme.test", "{w}: the sign-in");

        // Filters and paging.
        let roles = entries(&w, &admin, "/api/v1/audit-log?action=user.role_changed").await;
        assert_eq!(roles.len(), 1, "{w}");
        let about = entries(&w, &admin, &format!("/api/v1/audit-log?target={id}")).await;
        assert_eq!(about.len(), 3, "{w}");
        let page = w
            .as_(&admin)
            .get("/api/v1/audit-log?limit=3")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let cursor = page["next_cursor"].as_i64().unwrap();
        let older = entries(&w, &admin, &format!("/api/v1/audit-log?before={cursor}")).await;
        assert_eq!(older.len(), 1, "{w}");
        assert_eq!(older[0]["action"], "sign_in", "{w}");
        for bad in [
            "limit=0",
            "limit=201",
            "action=user.deleted",
            "actor=%00",
            "from=yesterday",
        ] {
            let response = w
                .as_(&admin)
                .get(format!("/api/v1/audit-log?{bad}"))
                .send()
                .await;
            assert!(
                response.status.is_client_error(),
                "{w}: {bad} answered {}",
                response.status
            );
        }
    }
}

#[tokio::test]
async fn a_failed_sign_in_is_recorded_and_each_admin_sees_only_their_tenant() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.provision("globex", Plan::Pro, json!({})).await;
        let acme = w.user("acme", "admin@acme.test", Role::Admin).await;
        let globex = w.user("globex", "admin@globex.test", Role::Admin).await;
        let tenant = w.tenant("globex").id();
        let version = w.store().data_version(tenant, None);
        w.login("globex", "admin@globex.test", "not the password")
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
            .await;
        w.login("globex", "nobody@globex.test", "not the password")
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
            .await;
        assert_eq!(
            w.store().data_version(tenant, None),
            version,
            "{w}: failed sign-ins retire no cached page"
        );

        let failed = entries(&w, &globex, "/api/v1/audit-log?action=sign_in_failed").await;
        assert_eq!(failed.len(), 2, "{w}");
        assert_eq!(failed[0]["actor"], "nobody@globex.test", "{w}");
        assert_eq!(failed[0]["actor_id"], Value::Null, "{w}");
        assert_eq!(failed[1]["actor_id"], globex.id.as_str(), "{w}");
        let by_email = entries(&w, &globex, "/api/v1/audit-log?actor=nobody@globex.test").await;
        assert_eq!(by_email.len(), 1, "{w}");

        let seen = entries(&w, &acme, "/api/v1/audit-log").await;
        assert_eq!(seen.len(), 1, "{w}: acme's own sign-in only");
        assert_eq!(seen[0]["actor"], "admin@acme.test", "{w}");
        let foreign = format!("/api/v1/audit-log?actor={}", globex.id);
        assert!(entries(&w, &acme, &foreign).await.is_empty(), "{w}");
        w.as_(&globex)
            .at("acme")
            .get("/api/v1/audit-log")
            .expect_error(StatusCode::FORBIDDEN, "TENANT_MISMATCH")
            .await;
    }
}

#[tokio::test]
async fn only_admins_read_the_audit_log() {
    for w in World::on_each_engine().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        for (email, role) in [
            ("student@acme.test", Role::Student),
            ("teacher@acme.test", Role::Instructor),
        ] {
            let user = w.user("acme", email, role).await;
            w.as_(&user)
                .get("/api/v1/audit-log")
                .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                .await;
        }
        w.anonymous()
            .at("acme")
            .get("/api/v1/audit-log")
            .expect_error(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
            .await;
    }
}

#[tokio::test]
async fn the_csv_export_neutralises_formulas() {
    for w in World::on_each_engine().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        w.anonymous()
            .at("acme")
            .post("/api/v1/auth/login")
            .header("user-agent", "=HYPERLINK(\"http://evil.test\")")
            .json(&json!({"email": "=cmd@acme.test", "password": "x"}))
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
            .await;
        for call in [
            w.as_(&admin).get("/api/v1/audit-log?format=csv"),
            w.as_(&admin)
                .get("/api/v1/audit-log")
                .header("accept", "text/csv"),
        ] {
            let file = call.expect(StatusCode::OK).await;
            assert_eq!(
                file.header("content-type"),
                Some("text/csv; charset=utf-8"),
                "{w}"
            );
            assert_eq!(file.header("cache-control"), Some("no-store"), "{w}");
            assert!(file
                .header("content-disposition")
                .is_some_and(|d| d.contains("audit-log-acme.csv")));
            let text = String::from_utf8(file.bytes().to_vec()).unwrap();
            let mut lines = text.lines();
            assert!(
                lines.next().unwrap().starts_with("seq,occurred_at,action,"),
                "{w}"
            );
            let failed = lines.next().unwrap();
            assert!(failed.contains(",sign_in_failed,"), "{w}: {failed}");
            assert!(failed.contains(",'=cmd@acme.test,"), "{w}: {failed}");
            assert!(
                failed.contains("\"'=HYPERLINK(\"\"http://evil.test\"\")\""),
                "{w}: {failed}"
            );
            assert!(
                !text.contains(",=") && !text.contains(",\"="),
                "{w}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn courses_imports_invitations_and_sign_ups_are_recorded() {
    for w in World::on_each_engine().await {
        w.provision("acme", Plan::Pro, json!({"self_signup": true}))
            .await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let learner = w.user("acme", "learner@acme.test", Role::Student).await;
        let mut courses = Vec::new();
        for slug in ["kept", "dropped"] {
            let course = w
                .as_(&admin)
                .post("/api/v1/courses")
                .json(&json!({"slug": slug, "title": slug}))
                .expect(StatusCode::CREATED)
                .await
                .json_value();
            courses.push(course["id"].as_str().unwrap().to_owned());
        }
        let kept = &courses[0];
        let module = w
            .as_(&admin)
            .post(format!("/api/v1/courses/{kept}/modules"))
            .json(&json!({"title": "Module", "completion_rule": {"kind": "all"}}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let lesson = json!({"title": "Lesson", "kind": "text",
            "content": [{"type": "markdown", "markdown": "Body."}]});
        w.as_(&admin)
            .post(format!(
                "/api/v1/modules/{}/lessons",
                module["id"].as_str().unwrap()
            ))
            .json(&lesson)
            .expect(StatusCode::CREATED)
            .await;
        w.as_(&admin)
            .post(format!("/api/v1/courses/{kept}/publish"))
            .expect(StatusCode::OK)
            .await;
        w.as_(&admin)
            .post(format!("/api/v1/courses/{kept}/enrollments/import"))
            .body("text/csv", "email\nlearner@acme.test\nnobody@acme.test\n")
            .expect(StatusCode::OK)
            .await;
        w.as_(&admin)
            .post(format!("/api/v1/courses/{kept}/archive"))
            .expect(StatusCode::OK)
            .await;
        w.as_(&admin)
            .delete(format!("/api/v1/courses/{}", courses[1]))
            .send()
            .await;
        w.as_(&admin)
            .patch(format!("/api/v1/users/{}", learner.id))
            .json(&json!({"display_name": "Lea"}))
            .expect(StatusCode::OK)
            .await;
        let invited = w
            .as_(&admin)
            .post("/api/v1/users")
            .json(&json!({"email": "new@acme.test", "display_name": "New", "role": "student"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        w.anonymous()
            .at("acme")
            .post("/api/v1/auth/accept-invitation")
            .json(
                &json!({"token": invited["invitation"]["token"], "password": "a long passphrase"}),
            )
            .expect(StatusCode::OK)
            .await;
        w.anonymous()
            .at("acme")
            .post("/api/v1/auth/signup")
            .json(&json!({"email": "self@acme.test", "display_name": "Self", "password": "a long passphrase"}))
            .expect(StatusCode::CREATED)
            .await;

        let log = entries(&w, &admin, "/api/v1/audit-log").await;
        let seen: Vec<(&str, &str)> = log
            .iter()
            .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
            .collect();
        let expected = [
            ("user.created", "self@acme.test"),
            ("sign_in", "new@acme.test"),
            ("user.activated", "new@acme.test"),
            ("user.invited", "admin@acme.test"),
            ("user.renamed", "admin@acme.test"),
            ("course.deleted", "admin@acme.test"),
            ("course.archived", "admin@acme.test"),
            ("enrollment.imported", "admin@acme.test"),
            ("course.published", "admin@acme.test"),
        ];
        assert_eq!(seen[..expected.len()], expected, "{w}: {log:#?}");
        let imported = &log[7];
        assert_eq!(imported["target_id"], kept.as_str(), "{w}");
        assert_eq!(
            imported["after"],
            json!({"created": 1, "already_enrolled": 0, "failed": 1}),
            "{w}"
        );
        assert_eq!(log[5]["before"]["slug"], "dropped", "{w}");
        assert_eq!(log[4]["after"], json!({"display_name": "Lea"}), "{w}");
        assert_eq!(log[8]["before"], json!({"status": "draft"}), "{w}");
    }
}
