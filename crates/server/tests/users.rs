//! Tenant admins manage their users over HTTP; roles gate every endpoint; nothing crosses
//! tenants. Both engines, two tenants with data.

mod common;

use axum::http::StatusCode;
use common::{call, login, tenant_with_users, token};
use lyceum_domain::Role;
use lyceum_server::{AppState, ServerConfig};
use lyceum_store::{testing, Store};
use serde_json::{json, Value};

const PW: &str = "a long passphrase";

struct World {
    state: AppState,
    admin: String,
    instructor: String,
    student: String,
    globex_admin: String,
    _guard: testing::TestGuard,
}

async fn worlds() -> Vec<World> {
    worlds_of(vec![
        testing::sqlite_config(),
        testing::postgres_config().await,
    ])
    .await
}

/// One world per engine and PostgreSQL placement (see [`common::configs_on_every_placement`]).
async fn worlds_on_every_placement() -> Vec<World> {
    worlds_of(common::configs_on_every_placement().await).await
}

async fn worlds_of(configs: Vec<(lyceum_store::StoreConfig, testing::TestGuard)>) -> Vec<World> {
    let mut out = Vec::new();
    for (config, guard) in configs {
        let store = Store::open(config).await.unwrap();
        let people = [
            ("admin@acme.test", PW, Role::Admin),
            ("teacher@acme.test", PW, Role::Instructor),
            ("student@acme.test", PW, Role::Student),
        ];
        tenant_with_users(&store, "acme", json!({}), &people).await;
        tenant_with_users(
            &store,
            "globex",
            json!({"self_signup": true}),
            &[("admin@globex.test", PW, Role::Admin)],
        )
        .await;
        let state = AppState::new(store, ServerConfig::default());
        out.push(World {
            admin: token(&state, "acme", "admin@acme.test", PW).await,
            instructor: token(&state, "acme", "teacher@acme.test", PW).await,
            student: token(&state, "acme", "student@acme.test", PW).await,
            globex_admin: token(&state, "globex", "admin@globex.test", PW).await,
            state,
            _guard: guard,
        });
    }
    out
}

fn new_user(email: &str, role: &str, password: Option<&str>) -> Value {
    json!({"email": email, "display_name": "New Person", "role": role, "password": password})
}

#[tokio::test]
async fn only_admins_manage_users() {
    for w in worlds().await {
        for (who, token, allowed) in [
            ("admin", &w.admin, true),
            ("instructor", &w.instructor, false),
            ("student", &w.student, false),
        ] {
            let (status, body) =
                call(&w.state, "GET", "/t/acme/api/v1/users", Some(token), None).await;
            let expected = if allowed {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{who} listing users: {body}");
            if !allowed {
                assert_eq!(body["error"], "PERMISSION_DENIED");
            }
            let email = format!("made-by-{who}@acme.test");
            let (status, _) = call(
                &w.state,
                "POST",
                "/t/acme/api/v1/users",
                Some(token),
                Some(new_user(&email, "student", Some(PW))),
            )
            .await;
            let expected = if allowed {
                StatusCode::CREATED
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{who} creating a user");
        }
        // Everyone may read their own record.
        let (_, me) = call(&w.state, "GET", "/t/acme/api/v1/me", Some(&w.student), None).await;
        let own = format!(
            "/t/acme/api/v1/users/{}",
            me["user"]["id"].as_str().unwrap()
        );
        assert_eq!(
            call(&w.state, "GET", &own, Some(&w.student), None).await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn created_users_sign_in_and_bad_input_is_refused_with_codes() {
    for w in worlds().await {
        let path = "/t/acme/api/v1/users";
        let (status, created) = call(
            &w.state,
            "POST",
            path,
            Some(&w.admin),
            Some(new_user("Grace@Acme.test", "instructor", Some(PW))),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(
            (created["email"].as_str(), created["status"].as_str()),
            (Some("grace@acme.test"), Some("active"))
        );
        assert_eq!(
            login(&w.state, "acme", "grace@acme.test", PW).await.0,
            StatusCode::OK
        );

        let (status, invited) = call(
            &w.state,
            "POST",
            path,
            Some(&w.admin),
            Some(new_user("ian@acme.test", "student", None)),
        )
        .await;
        assert_eq!(
            (status, invited["status"].as_str()),
            (StatusCode::CREATED, Some("invited"))
        );
        assert_eq!(
            login(&w.state, "acme", "ian@acme.test", "").await.0,
            StatusCode::UNAUTHORIZED
        );

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
            let (got, reply) =
                call(&w.state, "POST", path, Some(&w.admin), Some(body.clone())).await;
            assert_eq!(
                (got, reply["error"].as_str()),
                (status, Some(code)),
                "{body}: {reply}"
            );
        }
        let (status, body) = call(
            &w.state,
            "GET",
            "/t/acme/api/v1/users/not-a-uuid",
            Some(&w.admin),
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("BAD_REQUEST")),
            "{body}"
        );
        assert!(body["request_id"].is_string());
        let (status, body) = call(
            &w.state,
            "DELETE",
            "/t/acme/api/v1/users",
            Some(&w.admin),
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, Some("METHOD_NOT_ALLOWED"))
        );
    }
}

#[tokio::test]
async fn admins_cannot_reach_users_of_another_tenant() {
    for w in worlds_on_every_placement().await {
        let label = format!(
            "{} {}",
            w.state.store.engine(),
            w.state.store.default_placement()
        );
        let (_, globex_me) = call(
            &w.state,
            "GET",
            "/t/globex/api/v1/me",
            Some(&w.globex_admin),
            None,
        )
        .await;
        let globex_user = globex_me["user"]["id"].as_str().unwrap().to_owned();
        let user_path = format!("/t/acme/api/v1/users/{globex_user}");
        assert_eq!(
            call(&w.state, "GET", &user_path, Some(&w.admin), None)
                .await
                .0,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let patch = json!({"role": "student"});
        assert_eq!(
            call(&w.state, "PATCH", &user_path, Some(&w.admin), Some(patch))
                .await
                .0,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        for action in ["deactivate", "invitation"] {
            let path = format!("{user_path}/{action}");
            assert_eq!(
                call(&w.state, "POST", &path, Some(&w.admin), None).await.0,
                StatusCode::NOT_FOUND,
                "{label}: {path}"
            );
        }
        // Acme's token on globex's address is refused outright.
        let (status, body) = call(
            &w.state,
            "GET",
            &format!("/t/globex/api/v1/users/{globex_user}"),
            Some(&w.admin),
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("TENANT_MISMATCH"))
        );
        let (_, listed) = call(
            &w.state,
            "GET",
            "/t/acme/api/v1/users",
            Some(&w.admin),
            None,
        )
        .await;
        let emails: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap())
            .collect();
        assert!(
            emails.iter().all(|e| e.ends_with("@acme.test")),
            "{emails:?}"
        );
        // The globex admin is untouched.
        assert_eq!(
            login(&w.state, "globex", "admin@globex.test", PW).await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn user_list_pages_with_a_cursor_without_gaps_or_repeats() {
    for w in worlds().await {
        for i in 0..5 {
            let body = new_user(&format!("p{i}@acme.test"), "student", None);
            call(
                &w.state,
                "POST",
                "/t/acme/api/v1/users",
                Some(&w.admin),
                Some(body),
            )
            .await;
        }
        let mut seen = Vec::new();
        let mut path = "/t/acme/api/v1/users?limit=3".to_owned();
        loop {
            let (status, page) = call(&w.state, "GET", &path, Some(&w.admin), None).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u["id"].as_str().unwrap().to_owned()),
            );
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/t/acme/api/v1/users?limit=3&after={cursor}"),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.dedup();
        assert_eq!(
            (seen.len(), unique.len()),
            (8, 8),
            "3 seeded + 5 created, each once"
        );
    }
}

#[tokio::test]
async fn deactivation_ends_sign_in_and_refresh_and_role_changes_apply() {
    for w in worlds().await {
        let (_, session) = login(&w.state, "acme", "teacher@acme.test", PW).await;
        let (_, me) = call(
            &w.state,
            "GET",
            "/t/acme/api/v1/me",
            Some(&w.instructor),
            None,
        )
        .await;
        let path = format!(
            "/t/acme/api/v1/users/{}",
            me["user"]["id"].as_str().unwrap()
        );
        let (status, changed) = call(
            &w.state,
            "PATCH",
            &path,
            Some(&w.admin),
            Some(json!({"role": "admin"})),
        )
        .await;
        assert_eq!(
            (status, changed["role"].as_str()),
            (StatusCode::OK, Some("admin"))
        );
        let promoted = token(&w.state, "acme", "teacher@acme.test", PW).await;
        assert_eq!(
            call(
                &w.state,
                "GET",
                "/t/acme/api/v1/users",
                Some(&promoted),
                None
            )
            .await
            .0,
            StatusCode::OK
        );

        let (status, gone) = call(
            &w.state,
            "POST",
            &format!("{path}/deactivate"),
            Some(&w.admin),
            None,
        )
        .await;
        assert_eq!(
            (status, gone["status"].as_str()),
            (StatusCode::OK, Some("deactivated"))
        );
        let (status, body) = login(&w.state, "acme", "teacher@acme.test", PW).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("INVALID_CREDENTIALS"))
        );
        let refresh = json!({"refresh_token": session["refresh_token"]});
        assert_eq!(
            call(
                &w.state,
                "POST",
                "/t/acme/api/v1/auth/refresh",
                None,
                Some(refresh)
            )
            .await
            .0,
            StatusCode::UNAUTHORIZED
        );

        let (_, admin_me) = call(&w.state, "GET", "/t/acme/api/v1/me", Some(&w.admin), None).await;
        let own = format!(
            "/t/acme/api/v1/users/{}/deactivate",
            admin_me["user"]["id"].as_str().unwrap()
        );
        let (status, body) = call(&w.state, "POST", &own, Some(&w.admin), None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::CONFLICT, Some("CANNOT_DEACTIVATE_SELF"))
        );
    }
}

#[tokio::test]
async fn self_sign_up_only_where_the_tenant_allows_it() {
    for w in worlds().await {
        let body =
            json!({"email": "new@learner.test", "display_name": "New Learner", "password": PW});
        let (status, user) = call(
            &w.state,
            "POST",
            "/t/globex/api/v1/auth/signup",
            None,
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            (status, user["role"].as_str()),
            (StatusCode::CREATED, Some("student")),
            "{user}"
        );
        assert_eq!(
            login(&w.state, "globex", "new@learner.test", PW).await.0,
            StatusCode::OK
        );
        let (status, reply) = call(
            &w.state,
            "POST",
            "/t/acme/api/v1/auth/signup",
            None,
            Some(body),
        )
        .await;
        assert_eq!(
            (status, reply["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("SIGNUP_DISABLED"))
        );
    }
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    for w in worlds().await {
        let (_, me) = call(&w.state, "GET", "/t/acme/api/v1/me", Some(&w.admin), None).await;
        let path = format!(
            "/t/acme/api/v1/users/{}",
            me["user"]["id"].as_str().unwrap()
        );
        let demote = json!({"role": "instructor"});
        let (status, body) = call(
            &w.state,
            "PATCH",
            &path,
            Some(&w.admin),
            Some(demote.clone()),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::CONFLICT, Some("LAST_ADMIN"))
        );
        let (status, body) = call(
            &w.state,
            "PATCH",
            &path,
            Some(&w.admin),
            Some(json!({"display_name": "Still the boss"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "a rename is no demotion: {body}");

        // With a second admin, the first may step down; then the second is the last one.
        let (_, teacher) = call(
            &w.state,
            "GET",
            "/t/acme/api/v1/me",
            Some(&w.instructor),
            None,
        )
        .await;
        let teacher_path = format!(
            "/t/acme/api/v1/users/{}",
            teacher["user"]["id"].as_str().unwrap()
        );
        let promote = json!({"role": "admin"});
        let (status, _) = call(
            &w.state,
            "PATCH",
            &teacher_path,
            Some(&w.admin),
            Some(promote),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = call(&w.state, "PATCH", &path, Some(&w.admin), Some(demote)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let second = token(&w.state, "acme", "teacher@acme.test", PW).await;
        let (status, body) = call(
            &w.state,
            "POST",
            &format!("{path}/deactivate"),
            Some(&second),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "the former admin can go: {body}");
        let (status, body) = call(
            &w.state,
            "PATCH",
            &teacher_path,
            Some(&second),
            Some(json!({"role": "student"})),
        )
        .await;
        assert_eq!(body["error"], "LAST_ADMIN", "{status} {body}");
    }
}

#[tokio::test]
async fn invited_users_accept_once_set_a_password_and_are_signed_in() {
    for w in worlds().await {
        let invite = |email: &str| new_user(email, "instructor", None);
        let (status, created) = call(
            &w.state,
            "POST",
            "/t/acme/api/v1/users",
            Some(&w.admin),
            Some(invite("new@acme.test")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["status"], "invited");
        let invitation = created["invitation"]["token"].as_str().unwrap().to_owned();
        let (status, _) = login(&w.state, "acme", "new@acme.test", "").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "no password yet");

        let accept = |token: &str, password: &str| json!({"token": token, "password": password});
        let path = "/t/acme/api/v1/auth/accept-invitation";
        let (status, body) = call(
            &w.state,
            "POST",
            path,
            None,
            Some(accept(&invitation, "password")),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("WEAK_PASSWORD"))
        );
        let (status, body) = call(
            &w.state,
            "POST",
            path,
            None,
            Some(accept("forged-token", PW)),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("INVALID_INVITATION"))
        );
        // Another tenant does not know the token.
        let (status, _) = call(
            &w.state,
            "POST",
            "/t/globex/api/v1/auth/accept-invitation",
            None,
            Some(accept(&invitation, PW)),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let (status, tokens) =
            call(&w.state, "POST", path, None, Some(accept(&invitation, PW))).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        let (status, me) = call(
            &w.state,
            "GET",
            "/t/acme/api/v1/me",
            tokens["access_token"].as_str(),
            None,
        )
        .await;
        assert_eq!(
            (status, me["user"]["status"].as_str()),
            (StatusCode::OK, Some("active"))
        );
        token(&w.state, "acme", "new@acme.test", PW).await;
        let (status, _) = call(
            &w.state,
            "POST",
            path,
            None,
            Some(accept(&invitation, "another passphrase")),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "an invitation works once");

        // Re-inviting replaces the earlier token; an active user cannot be re-invited.
        let (_, second) = call(
            &w.state,
            "POST",
            "/t/acme/api/v1/users",
            Some(&w.admin),
            Some(invite("second@acme.test")),
        )
        .await;
        let first_token = second["invitation"]["token"].as_str().unwrap().to_owned();
        let again = format!(
            "/t/acme/api/v1/users/{}/invitation",
            second["id"].as_str().unwrap()
        );
        let (status, fresh) = call(&w.state, "POST", &again, Some(&w.admin), None).await;
        assert_eq!(status, StatusCode::CREATED, "{fresh}");
        let (status, _) = call(&w.state, "POST", path, None, Some(accept(&first_token, PW))).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "the earlier token was withdrawn"
        );
        let (status, _) = call(
            &w.state,
            "POST",
            path,
            None,
            Some(accept(fresh["token"].as_str().unwrap(), PW)),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (status, body) = call(&w.state, "POST", &again, Some(&w.admin), None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::CONFLICT, Some("NOT_INVITED"))
        );
        let (status, _) = call(&w.state, "POST", &again, Some(&w.student), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
