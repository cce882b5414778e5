//! Tenant admins manage their users over HTTP; roles gate every endpoint; nothing crosses
//! tenants. Both engines, two tenants with data.

mod common;

use axum::http::StatusCode;
use common::world::{User, World, PASSWORD as PW};
use lyceum_domain::{Plan, Role};
use serde::Deserialize;
use serde_json::{json, Value};

/// Acme's admin, instructor and student, and globex's admin (globex allows self sign-up).
struct Cast {
    admin: User,
    instructor: User,
    student: User,
    globex_admin: User,
}

async fn cast(w: &World) -> Cast {
    w.provision("acme", Plan::Free, json!({})).await;
    w.provision("globex", Plan::Free, json!({"self_signup": true}))
        .await;
    Cast {
        admin: w.user("acme", "admin@acme.test", Role::Admin).await,
        instructor: w.user("acme", "teacher@acme.test", Role::Instructor).await,
        student: w.user("acme", "student@acme.test", Role::Student).await,
        globex_admin: w.user("globex", "admin@globex.test", Role::Admin).await,
    }
}

async fn worlds() -> Vec<(World, Cast)> {
    with_cast(World::on_each_engine().await).await
}

async fn worlds_on_every_placement() -> Vec<(World, Cast)> {
    with_cast(World::on_every_placement().await).await
}

async fn with_cast(worlds: Vec<World>) -> Vec<(World, Cast)> {
    let mut out = Vec::new();
    for w in worlds {
        let cast = cast(&w).await;
        out.push((w, cast));
    }
    out
}

fn new_user(email: &str, role: &str, password: Option<&str>) -> Value {
    json!({"email": email, "display_name": "New Person", "role": role, "password": password})
}

/// A page of the user list.
#[derive(Deserialize)]
struct Page {
    items: Vec<Listed>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Listed {
    id: String,
    email: String,
}

#[derive(Deserialize)]
struct Tokens {
    access_token: String,
}

#[tokio::test]
async fn only_admins_manage_users() {
    for (w, c) in worlds().await {
        for (who, user, allowed) in [
            ("admin", &c.admin, true),
            ("instructor", &c.instructor, false),
            ("student", &c.student, false),
        ] {
            let list = w.as_(user).get("/api/v1/users");
            if allowed {
                list.expect(StatusCode::OK).await;
            } else {
                list.expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                    .await;
            }
            let email = format!("made-by-{who}@acme.test");
            let expected = if allowed {
                StatusCode::CREATED
            } else {
                StatusCode::FORBIDDEN
            };
            w.as_(user)
                .post("/api/v1/users")
                .json(&new_user(&email, "student", Some(PW)))
                .expect(expected)
                .await;
        }
        // Everyone may read their own record.
        w.as_(&c.student)
            .get(format!("/api/v1/users/{}", c.student.id))
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn created_users_sign_in_and_bad_input_is_refused_with_codes() {
    for (w, c) in worlds().await {
        let admin = w.as_(&c.admin);
        let path = "/api/v1/users";
        let created = admin
            .post(path)
            .json(&new_user("Grace@Acme.test", "instructor", Some(PW)))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        assert_eq!(
            (created["email"].as_str(), created["status"].as_str()),
            (Some("grace@acme.test"), Some("active")),
            "{w}: {created}"
        );
        w.login("acme", "grace@acme.test", PW)
            .expect(StatusCode::OK)
            .await;

        let invited = admin
            .post(path)
            .json(&new_user("ian@acme.test", "student", None))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        assert_eq!(invited["status"], "invited", "{w}: {invited}");
        w.login("acme", "ian@acme.test", "")
            .expect(StatusCode::UNAUTHORIZED)
            .await;

        for (body, status, code) in [
            (
                new_user("GRACE@acme.test", "student", Some(PW)),
                StatusCode::CONFLICT,
                "CONFLICT",
            ),
            (
                new_user("weak@acme.test", "student", Some("password123")),
                StatusCode::UNPROCESSABLE_ENTITY,
                "WEAK_PASSWORD",
            ),
            (
                new_user("boss@acme.test", "super_admin", Some(PW)),
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
            ),
            (
                new_user("not-an-email", "student", Some(PW)),
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_EMAIL",
            ),
            (
                json!({"email": "t@acme.test", "display_name": "T", "role": "student", "tenant_id": "x"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
            ),
        ] {
            admin
                .post(path)
                .json(&body)
                .expect_error(status, code)
                .await;
        }
        let reply = admin
            .get("/api/v1/users/not-a-uuid")
            .expect_error(StatusCode::BAD_REQUEST, "BAD_REQUEST")
            .await;
        assert!(reply.json_value()["request_id"].is_string(), "{reply}");
        admin
            .delete(path)
            .expect_error(StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED")
            .await;
    }
}

#[tokio::test]
async fn admins_cannot_reach_users_of_another_tenant() {
    for (w, c) in worlds_on_every_placement().await {
        let admin = w.as_(&c.admin);
        let user_path = format!("/api/v1/users/{}", c.globex_admin.id);
        admin.get(&user_path).expect(StatusCode::NOT_FOUND).await;
        admin
            .patch(&user_path)
            .json(&json!({"role": "student"}))
            .expect(StatusCode::NOT_FOUND)
            .await;
        for action in ["deactivate", "invitation", "reactivate", "unlock"] {
            admin
                .post(format!("{user_path}/{action}"))
                .expect(StatusCode::NOT_FOUND)
                .await;
        }
        // Acme's token on globex's address is refused outright.
        w.as_(&c.admin)
            .at("globex")
            .get(&user_path)
            .expect_error(StatusCode::FORBIDDEN, "TENANT_MISMATCH")
            .await;
        let listed: Page = admin
            .get("/api/v1/users")
            .expect(StatusCode::OK)
            .await
            .json();
        let emails: Vec<&str> = listed.items.iter().map(|u| u.email.as_str()).collect();
        assert!(
            emails.iter().all(|e| e.ends_with("@acme.test")),
            "{w}: {emails:?}"
        );
        // The globex admin is untouched.
        w.login("globex", "admin@globex.test", PW)
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn user_list_pages_with_a_cursor_without_gaps_or_repeats() {
    for (w, c) in worlds().await {
        let admin = w.as_(&c.admin);
        for i in 0..5 {
            admin
                .post("/api/v1/users")
                .json(&new_user(&format!("p{i}@acme.test"), "student", None))
                .expect(StatusCode::CREATED)
                .await;
        }
        let mut seen = Vec::new();
        let mut path = "/api/v1/users?limit=3".to_owned();
        loop {
            let page: Page = admin.get(&path).expect(StatusCode::OK).await.json();
            seen.extend(page.items.into_iter().map(|u| u.id));
            match page.next_cursor {
                Some(cursor) => path = format!("/api/v1/users?limit=3&after={cursor}"),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            (seen.len(), unique.len()),
            (8, 8),
            "{w}: 3 seeded + 5 created, each once"
        );
    }
}

#[tokio::test]
async fn deactivation_ends_sign_in_and_refresh_and_role_changes_apply() {
    for (w, c) in worlds().await {
        let admin = w.as_(&c.admin);
        let session = w
            .login("acme", "teacher@acme.test", PW)
            .expect(StatusCode::OK)
            .await
            .json_value();
        let path = format!("/api/v1/users/{}", c.instructor.id);
        let changed = admin
            .patch(&path)
            .json(&json!({"role": "admin"}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(changed["role"], "admin", "{w}: {changed}");
        let promoted = w.sign_in(&c.instructor).await;
        w.as_(&promoted)
            .get("/api/v1/users")
            .expect(StatusCode::OK)
            .await;

        let gone = admin
            .post(format!("{path}/deactivate"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(gone["status"], "deactivated", "{w}: {gone}");
        w.login("acme", "teacher@acme.test", PW)
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
            .await;
        w.anonymous()
            .at("acme")
            .post("/api/v1/auth/refresh")
            .json(&json!({"refresh_token": session["refresh_token"]}))
            .expect(StatusCode::UNAUTHORIZED)
            .await;

        admin
            .post(format!("/api/v1/users/{}/deactivate", c.admin.id))
            .expect_error(StatusCode::CONFLICT, "CANNOT_DEACTIVATE_SELF")
            .await;
    }
}

/// A deactivated person is reactivated by an admin and signs in with their password again;
/// only a deactivated one, only by an admin of their tenant.
#[tokio::test]
async fn an_admin_reactivates_a_deactivated_person() {
    for (w, c) in worlds().await {
        let admin = w.as_(&c.admin);
        let path = format!("/api/v1/users/{}", c.student.id);
        admin
            .post(format!("{path}/reactivate"))
            .expect_error(StatusCode::CONFLICT, "NOT_DEACTIVATED")
            .await;
        admin
            .post(format!("{path}/deactivate"))
            .expect(StatusCode::OK)
            .await;
        w.login("acme", "student@acme.test", PW)
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
            .await;
        w.as_(&c.instructor)
            .post(format!("{path}/reactivate"))
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        w.as_(&c.globex_admin)
            .post(format!("{path}/reactivate"))
            .expect(StatusCode::NOT_FOUND)
            .await;
        let back = admin
            .post(format!("{path}/reactivate"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(back["status"], "active", "{w}: {back}");
        w.login("acme", "student@acme.test", PW)
            .expect(StatusCode::OK)
            .await;
        let audit = admin
            .get("/api/v1/audit-log?action=user.reactivated")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            audit["items"][0]["target_id"],
            c.student.id.to_string(),
            "{w}: {audit}"
        );
    }
}

/// An access token stays signed with the role of its day, but every request is held against the
/// user's role and status now: a demotion and a deactivation take effect on the next request,
/// not when the token expires.
#[tokio::test]
async fn a_demotion_or_deactivation_reaches_tokens_already_issued() {
    for (w, c) in worlds().await {
        let admin = w.as_(&c.admin);
        let path = format!("/api/v1/users/{}", c.instructor.id);
        admin
            .patch(&path)
            .json(&json!({"role": "admin"}))
            .expect(StatusCode::OK)
            .await;
        let promoted = w.sign_in(&c.instructor).await;
        let promoted = w.as_(&promoted);
        promoted.get("/api/v1/users").expect(StatusCode::OK).await;

        admin
            .patch(&path)
            .json(&json!({"role": "instructor"}))
            .expect(StatusCode::OK)
            .await;
        promoted
            .get("/api/v1/users")
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        let me = promoted
            .get("/api/v1/me")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(me["user"]["role"], "instructor", "{w}: {me}");

        admin
            .post(format!("{path}/deactivate"))
            .expect(StatusCode::OK)
            .await;
        promoted
            .get("/api/v1/me")
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN")
            .await;
        promoted
            .get("/api/v1/courses")
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_TOKEN")
            .await;
        // The admin's own token, read before and after, is untouched.
        admin.get("/api/v1/users").expect(StatusCode::OK).await;
    }
}

#[tokio::test]
async fn self_sign_up_only_where_the_tenant_allows_it() {
    for (w, _) in worlds().await {
        let body =
            json!({"email": "new@learner.test", "display_name": "New Learner", "password": PW});
        let user = w
            .anonymous()
            .at("globex")
            .post("/api/v1/auth/signup")
            .json(&body)
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        assert_eq!(user["role"], "student", "{w}: {user}");
        w.login("globex", "new@learner.test", PW)
            .expect(StatusCode::OK)
            .await;
        w.anonymous()
            .at("acme")
            .post("/api/v1/auth/signup")
            .json(&body)
            .expect_error(StatusCode::FORBIDDEN, "SIGNUP_DISABLED")
            .await;
    }
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    for (w, c) in worlds().await {
        let admin = w.as_(&c.admin);
        let path = format!("/api/v1/users/{}", c.admin.id);
        let demote = json!({"role": "instructor"});
        admin
            .patch(&path)
            .json(&demote)
            .expect_error(StatusCode::CONFLICT, "LAST_ADMIN")
            .await;
        // A rename is no demotion.
        admin
            .patch(&path)
            .json(&json!({"display_name": "Still the boss"}))
            .expect(StatusCode::OK)
            .await;

        // With a second admin, the first may step down; then the second is the last one.
        let teacher_path = format!("/api/v1/users/{}", c.instructor.id);
        admin
            .patch(&teacher_path)
            .json(&json!({"role": "admin"}))
            .expect(StatusCode::OK)
            .await;
        admin
            .patch(&path)
            .json(&demote)
            .expect(StatusCode::OK)
            .await;
        let second = w.sign_in(&c.instructor).await;
        // The former admin can go.
        w.as_(&second)
            .post(format!("{path}/deactivate"))
            .expect(StatusCode::OK)
            .await;
        let reply = w
            .as_(&second)
            .patch(&teacher_path)
            .json(&json!({"role": "student"}))
            .send()
            .await;
        assert_eq!(reply.error_code(), Some("LAST_ADMIN"), "{reply}");
    }
}

#[tokio::test]
async fn invited_users_accept_once_set_a_password_and_are_signed_in() {
    for (w, c) in worlds().await {
        let admin = w.as_(&c.admin);
        let invite = |email: &str| new_user(email, "instructor", None);
        let created = admin
            .post("/api/v1/users")
            .json(&invite("new@acme.test"))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        assert_eq!(created["status"], "invited", "{w}: {created}");
        let invitation = created["invitation"]["token"].as_str().unwrap().to_owned();
        // No password yet.
        w.login("acme", "new@acme.test", "")
            .expect(StatusCode::UNAUTHORIZED)
            .await;

        let accept = |token: &str, password: &str| json!({"token": token, "password": password});
        let acme = w.anonymous().at("acme");
        let path = "/api/v1/auth/accept-invitation";
        acme.post(path)
            .json(&accept(&invitation, "password"))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "WEAK_PASSWORD")
            .await;
        acme.post(path)
            .json(&accept("forged-token", PW))
            .expect_error(StatusCode::BAD_REQUEST, "INVALID_INVITATION")
            .await;
        // Another tenant does not know the token.
        w.anonymous()
            .at("globex")
            .post(path)
            .json(&accept(&invitation, PW))
            .expect(StatusCode::BAD_REQUEST)
            .await;

        let tokens: Tokens = acme
            .post(path)
            .json(&accept(&invitation, PW))
            .expect(StatusCode::OK)
            .await
            .json();
        let me = w
            .bearer(&tokens.access_token)
            .at("acme")
            .get("/api/v1/me")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(me["user"]["status"], "active", "{w}: {me}");
        w.login("acme", "new@acme.test", PW)
            .expect(StatusCode::OK)
            .await;
        // An invitation works once.
        acme.post(path)
            .json(&accept(&invitation, "another passphrase"))
            .expect(StatusCode::BAD_REQUEST)
            .await;

        // Re-inviting replaces the earlier token; an active user cannot be re-invited.
        let second = admin
            .post("/api/v1/users")
            .json(&invite("second@acme.test"))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let first_token = second["invitation"]["token"].as_str().unwrap().to_owned();
        let again = format!(
            "/api/v1/users/{}/invitation",
            second["id"].as_str().unwrap()
        );
        let fresh = admin
            .post(&again)
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        // The earlier token was withdrawn.
        acme.post(path)
            .json(&accept(&first_token, PW))
            .expect(StatusCode::BAD_REQUEST)
            .await;
        acme.post(path)
            .json(&accept(fresh["token"].as_str().unwrap(), PW))
            .expect(StatusCode::OK)
            .await;
        admin
            .post(&again)
            .expect_error(StatusCode::CONFLICT, "NOT_INVITED")
            .await;
        w.as_(&c.student)
            .post(&again)
            .expect(StatusCode::FORBIDDEN)
            .await;
    }
}

#[tokio::test]
async fn everyone_chooses_their_own_language_and_only_one_lyceum_speaks() {
    for (w, c) in worlds().await {
        let me = w.as_(&c.student);
        let shown = me.get("/api/v1/me").expect(StatusCode::OK).await;
        assert_eq!(
            shown.json_value()["user"]["locale"],
            Value::Null,
            "{}",
            w.label
        );

        let chosen = me
            .patch("/api/v1/me")
            .json(&json!({"locale": "fr"}))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(chosen.json_value()["user"]["locale"], "fr", "{}", w.label);
        // Left out, it stays; an admin reads it too.
        let kept = me
            .patch("/api/v1/me")
            .json(&json!({}))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(kept.json_value()["user"]["locale"], "fr", "{}", w.label);
        let read = w
            .as_(&c.admin)
            .get(format!("/api/v1/users/{}", c.student.id))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(read.json_value()["locale"], "fr", "{}", w.label);

        for refused in [
            json!({"locale": "de"}),
            json!({"locale": "fr-CA"}),
            json!({"role": "admin"}),
        ] {
            me.patch("/api/v1/me")
                .json(&refused)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
                .await;
        }
        let cleared = me
            .patch("/api/v1/me")
            .json(&json!({"locale": null}))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(
            cleared.json_value()["user"]["locale"],
            Value::Null,
            "{}",
            w.label
        );
        // One's own choice only: the admin's stays unset.
        let admin = w
            .as_(&c.admin)
            .get("/api/v1/me")
            .expect(StatusCode::OK)
            .await;
        assert_eq!(
            admin.json_value()["user"]["locale"],
            Value::Null,
            "{}",
            w.label
        );
    }
}
