//! Passwords changed and recovered, over HTTP through the real router, on SQLite and every
//! PostgreSQL placement: a change needs the current password and ends the other sessions; a
//! reset request answers the same for every address and leaves nothing behind for an unknown
//! one; a reset token works once, not after it expired or was replaced, and not at another
//! tenant; an admin sends a reset, never to another tenant's person; the mail the worker writes
//! carries a link that works; operators change their own password.

mod common;

use axum::http::StatusCode;
use common::world::{User, World, PASSWORD};
use lyceum_app::jobs::{self, JobFilter};
use lyceum_domain::{Job, JobState, Mail, Plan, Role, SendMail};
use lyceum_store::repo::password_resets;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// Refresh tokens of two fresh sessions of `user`.
async fn two_sessions(w: &World, user: &User) -> (String, String) {
    let mut tokens = Vec::new();
    for _ in 0..2 {
        let reply = w
            .login(&user.tenant, &user.email, &user.password)
            .expect(StatusCode::OK)
            .await
            .json_value();
        tokens.push(reply["refresh_token"].as_str().unwrap().to_owned());
    }
    (tokens[0].clone(), tokens[1].clone())
}

/// Presents refresh `token` at `slug`.
async fn refresh(w: &World, slug: &str, token: &str) -> StatusCode {
    w.anonymous()
        .at(slug)
        .post("/api/v1/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .status
}

/// The password reset mails queued at `slug`, newest first, with their tokens.
async fn reset_mails(w: &World, slug: &str) -> Vec<(String, String)> {
    let filter = JobFilter {
        state: None,
        kind: Some(SendMail::KIND.to_owned()),
    };
    let found = jobs::list(w.store(), Some(slug), &filter, 100)
        .await
        .unwrap();
    found
        .into_iter()
        .filter_map(|found| {
            let job: SendMail = serde_json::from_value(found.job.payload.0).unwrap();
            match job.mail {
                Mail::PasswordReset { token, .. } => {
                    Some((job.to.to_string(), token.expose().to_owned()))
                }
                _ => None,
            }
        })
        .collect()
}

/// The password resets stored at `slug`, spent or not.
async fn reset_rows(w: &World, slug: &str) -> i64 {
    let mut tx = w.store().begin(&w.tenant(slug)).await.unwrap();
    let count = password_resets::count(&mut tx).await.unwrap();
    tx.rollback().await.unwrap();
    count
}

/// Asks for a reset of `email` at `slug`: always 202, and answers the body.
async fn ask_reset(w: &World, slug: &str, email: &str) -> Value {
    let reply = w
        .anonymous()
        .at(slug)
        .post("/api/v1/auth/password-reset")
        .json(&json!({"email": email}))
        .expect(StatusCode::ACCEPTED)
        .await;
    assert_eq!(reply.header("cache-control"), Some("no-store"), "{w}");
    reply.json_value()
}

/// Confirms a reset at `slug` with `token` and `password`.
async fn confirm(w: &World, slug: &str, token: &str, password: &str) -> common::world::Response {
    w.anonymous()
        .at(slug)
        .post("/api/v1/auth/password-reset/confirm")
        .json(&json!({"token": token, "password": password}))
        .send()
        .await
}

#[tokio::test]
async fn changing_a_password_needs_the_current_one_and_ends_the_other_sessions() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let ada = w.user("acme", "ada@acme.test", Role::Student).await;
        let (_, other_session) = two_sessions(&w, &ada).await;
        let change = |current: &str, new: &str, keep: Option<&str>| {
            let mut body = json!({"current_password": current, "new_password": new});
            if let Some(keep) = keep {
                body["refresh_token"] = json!(keep);
            }
            w.as_(&ada).post("/api/v1/me/password").json(&body)
        };

        change("not my password at all", NEW_PASSWORD, None)
            .expect_error(StatusCode::FORBIDDEN, "WRONG_PASSWORD")
            .await;
        change(PASSWORD, "short", None)
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "WEAK_PASSWORD")
            .await;
        // Refused changes changed nothing.
        assert_eq!(
            refresh(&w, "acme", &other_session).await,
            StatusCode::OK,
            "{w}"
        );
        let (this_session, other_session) = two_sessions(&w, &ada).await;

        let done = change(PASSWORD, NEW_PASSWORD, Some(&this_session))
            .expect(StatusCode::NO_CONTENT)
            .await;
        assert_eq!(done.header("cache-control"), Some("no-store"), "{w}");
        assert_eq!(
            refresh(&w, "acme", &other_session).await,
            StatusCode::UNAUTHORIZED,
            "{w}: the other session ended"
        );
        assert_eq!(
            refresh(&w, "acme", &this_session).await,
            StatusCode::OK,
            "{w}: the session the change was made in goes on"
        );
        w.login("acme", "ada@acme.test", PASSWORD)
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
            .await;
        w.login("acme", "ada@acme.test", NEW_PASSWORD)
            .expect(StatusCode::OK)
            .await;

        // Without a session to keep, every one ends.
        let ada = User {
            password: NEW_PASSWORD.to_owned(),
            ..ada
        };
        let (first, second) = two_sessions(&w, &ada).await;
        let ada = w.sign_in(&ada).await;
        w.as_(&ada)
            .post("/api/v1/me/password")
            .json(&json!({"current_password": NEW_PASSWORD, "new_password": "a third passphrase"}))
            .expect(StatusCode::NO_CONTENT)
            .await;
        for token in [first, second] {
            assert_eq!(
                refresh(&w, "acme", &token).await,
                StatusCode::UNAUTHORIZED,
                "{w}"
            );
        }

        // The audit log and the event say it happened, without a secret.
        let admin = w.user("acme", "boss@acme.test", Role::Admin).await;
        let log = w
            .as_(&admin)
            .get("/api/v1/audit-log?action=user.password_changed")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let text = log.to_string();
        assert!(text.contains("user.password_changed"), "{w}: {text}");
        assert!(!text.contains(NEW_PASSWORD), "{w}: {text}");
    }
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_like_signing_in() {
    for w in World::on_each_engine().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let ada = w.user("acme", "ada@acme.test", Role::Student).await;
        let guess = json!({"current_password": "a wrong guess 123", "new_password": NEW_PASSWORD});
        for _ in 0..5 {
            w.as_(&ada)
                .post("/api/v1/me/password")
                .json(&guess)
                .expect_error(StatusCode::FORBIDDEN, "WRONG_PASSWORD")
                .await;
        }
        let right = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD});
        w.as_(&ada)
            .post("/api/v1/me/password")
            .json(&right)
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "LOGIN_THROTTLED")
            .await;
        // The same count as signing in: the account's sign-in is locked too.
        w.login("acme", "ada@acme.test", PASSWORD)
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "LOGIN_THROTTLED")
            .await;
    }
}

#[tokio::test]
async fn a_reset_request_answers_the_same_for_every_address_and_mails_only_a_known_one() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.provision("globex", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let gone = w.user("acme", "gone@acme.test", Role::Student).await;
        w.as_(&admin)
            .post(format!("/api/v1/users/{}/deactivate", gone.id))
            .expect(StatusCode::OK)
            .await;
        w.user("globex", "other@globex.test", Role::Student).await;
        w.as_(&admin)
            .post("/api/v1/users")
            .json(&json!({"email": "invited@acme.test", "display_name": "Invited", "role": "student"}))
            .expect(StatusCode::CREATED)
            .await;

        let first = ask_reset(&w, "acme", "nobody@acme.test").await;
        for email in [
            "other@globex.test",
            "gone@acme.test",
            "invited@acme.test",
            "not an e-mail",
            "",
            "<script>alert(1)</script>@acme.test",
        ] {
            let reply = ask_reset(&w, "acme", email).await;
            assert_eq!(reply, first, "{w}: {email:?}");
        }
        assert_eq!(reset_rows(&w, "acme").await, 0, "{w}: no token row");
        assert!(reset_mails(&w, "acme").await.is_empty(), "{w}: no mail");
        assert_eq!(reset_rows(&w, "globex").await, 0, "{w}");
        assert!(reset_mails(&w, "globex").await.is_empty(), "{w}");

        let ada = w.user("acme", "ada@acme.test", Role::Student).await;
        let reply = ask_reset(&w, "acme", "  ADA@acme.test ").await;
        assert_eq!(reply, first, "{w}: the same answer for a known address");
        assert_eq!(reset_rows(&w, "acme").await, 1, "{w}");
        let mails = reset_mails(&w, "acme").await;
        assert_eq!(mails.len(), 1, "{w}");
        assert_eq!(mails[0].0, ada.id, "{w}");
        assert!(mails[0].1.len() >= 43, "{w}: a token of 256 bits");

        // Every request is audited alike, by the address typed.
        let log = w
            .as_(&admin)
            .get("/api/v1/audit-log?action=user.password_reset_requested")
            .expect(StatusCode::OK)
            .await
            .json_value()
            .to_string();
        assert_eq!(
            log.matches("\"user.password_reset_requested\"").count(),
            8,
            "{w}: {log}"
        );
        assert!(log.contains("nobody@acme.test"), "{w}");
        assert!(!log.contains(&mails[0].1), "{w}: no token in the log");
    }
}

#[tokio::test]
async fn a_reset_token_works_once_and_ends_every_session() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let ada = w.user("acme", "ada@acme.test", Role::Student).await;
        let (first, second) = two_sessions(&w, &ada).await;
        ask_reset(&w, "acme", "ada@acme.test").await;
        let token = reset_mails(&w, "acme").await[0].1.clone();

        let weak = confirm(&w, "acme", &token, "short").await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{w}");
        assert_eq!(weak.error_code(), Some("WEAK_PASSWORD"), "{w}");

        let done = confirm(&w, "acme", &token, NEW_PASSWORD).await;
        assert_eq!(done.status, StatusCode::NO_CONTENT, "{w}");
        assert_eq!(done.header("cache-control"), Some("no-store"), "{w}");
        for session in [&first, &second] {
            assert_eq!(
                refresh(&w, "acme", session).await,
                StatusCode::UNAUTHORIZED,
                "{w}"
            );
        }
        w.login("acme", "ada@acme.test", PASSWORD)
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
            .await;
        w.login("acme", "ada@acme.test", NEW_PASSWORD)
            .expect(StatusCode::OK)
            .await;

        let again = confirm(&w, "acme", &token, "yet another passphrase").await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{w}");
        assert_eq!(again.error_code(), Some("RESET_TOKEN_INVALID"), "{w}");
        assert_eq!(again.header("cache-control"), Some("no-store"), "{w}");
        w.login("acme", "ada@acme.test", NEW_PASSWORD)
            .expect(StatusCode::OK)
            .await;

        // Two requests with one token at the same time: one sets the password, one is refused.
        ask_reset(&w, "acme", "ada@acme.test").await;
        let token = reset_mails(&w, "acme").await[0].1.clone();
        let (one, two) = tokio::join!(
            confirm(&w, "acme", &token, "the racing passphrase one"),
            confirm(&w, "acme", &token, "the racing passphrase two"),
        );
        let mut statuses = [one.status, two.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::NO_CONTENT, StatusCode::BAD_REQUEST],
            "{w}: {} {}",
            one.status,
            two.status
        );
        let winner = if one.status == StatusCode::NO_CONTENT {
            "the racing passphrase one"
        } else {
            "the racing passphrase two"
        };
        w.login("acme", "ada@acme.test", winner)
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn an_expired_or_replaced_reset_token_is_refused_and_changes_nothing() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.user("acme", "ada@acme.test", Role::Student).await;
        ask_reset(&w, "acme", "ada@acme.test").await;
        let replaced = reset_mails(&w, "acme").await[0].1.clone();
        ask_reset(&w, "acme", "ada@acme.test").await;
        let latest = reset_mails(&w, "acme").await[0].1.clone();
        assert_ne!(replaced, latest, "{w}");
        let refused = confirm(&w, "acme", &replaced, NEW_PASSWORD).await;
        assert_eq!(refused.error_code(), Some("RESET_TOKEN_INVALID"), "{w}");

        let tenant = w.tenant("acme");
        let mut tx = w.store().begin_write(&tenant).await.unwrap();
        assert_eq!(
            password_resets::expire_all(&mut tx).await.unwrap(),
            1,
            "{w}"
        );
        tx.commit().await.unwrap();
        let expired = confirm(&w, "acme", &latest, NEW_PASSWORD).await;
        assert_eq!(expired.status, StatusCode::BAD_REQUEST, "{w}");
        assert_eq!(expired.error_code(), Some("RESET_TOKEN_INVALID"), "{w}");
        for garbage in ["", "x", &"A".repeat(10_000), "token\u{0}with a nul"] {
            let reply = confirm(&w, "acme", garbage, NEW_PASSWORD).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_REQUEST,
                "{w}: {}",
                reply.status
            );
        }
        w.login("acme", "ada@acme.test", PASSWORD)
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn a_reset_token_of_another_tenant_is_refused_and_its_owner_unchanged() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.provision("globex", Plan::Pro, json!({})).await;
        // The same person at both tenants.
        w.user("acme", "ada@example.test", Role::Student).await;
        w.user("globex", "ada@example.test", Role::Student).await;
        ask_reset(&w, "globex", "ada@example.test").await;
        let globex_token = reset_mails(&w, "globex").await[0].1.clone();
        assert!(reset_mails(&w, "acme").await.is_empty(), "{w}");

        let crossed = confirm(&w, "acme", &globex_token, NEW_PASSWORD).await;
        assert_eq!(crossed.status, StatusCode::BAD_REQUEST, "{w}");
        assert_eq!(crossed.error_code(), Some("RESET_TOKEN_INVALID"), "{w}");
        for slug in ["acme", "globex"] {
            w.login(slug, "ada@example.test", PASSWORD)
                .expect(StatusCode::OK)
                .await;
        }
        // At its own tenant the token still works.
        let done = confirm(&w, "globex", &globex_token, NEW_PASSWORD).await;
        assert_eq!(done.status, StatusCode::NO_CONTENT, "{w}");
        w.login("acme", "ada@example.test", PASSWORD)
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn an_admin_sends_a_reset_but_not_to_another_tenants_people() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.provision("globex", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let ada = w.user("acme", "ada@acme.test", Role::Student).await;
        let stranger = w.user("globex", "bob@globex.test", Role::Student).await;

        let sent = w
            .as_(&admin)
            .post(format!("/api/v1/users/{}/password-reset", ada.id))
            .expect(StatusCode::ACCEPTED)
            .await;
        assert_eq!(sent.header("cache-control"), Some("no-store"), "{w}");
        let body = sent.json_value();
        assert_eq!(body["user_id"], json!(ada.id), "{w}");
        assert!(
            body.get("token").is_none(),
            "{w}: the token is only in the mail"
        );
        let mails = reset_mails(&w, "acme").await;
        assert_eq!(mails.len(), 1, "{w}");
        assert_eq!(mails[0].0, ada.id, "{w}");
        let done = confirm(&w, "acme", &mails[0].1, NEW_PASSWORD).await;
        assert_eq!(done.status, StatusCode::NO_CONTENT, "{w}");

        // An admin of acme on a person of globex: not found, nothing issued or sent there.
        w.as_(&admin)
            .post(format!("/api/v1/users/{}/password-reset", stranger.id))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        // Through globex's path, acme's token is refused.
        w.as_(&admin)
            .at("globex")
            .post(format!("/api/v1/users/{}/password-reset", stranger.id))
            .expect_error(StatusCode::FORBIDDEN, "TENANT_MISMATCH")
            .await;
        assert_eq!(reset_rows(&w, "globex").await, 0, "{w}");
        assert!(reset_mails(&w, "globex").await.is_empty(), "{w}");

        w.as_(&ada)
            .post(format!("/api/v1/users/{}/password-reset", admin.id))
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        w.as_(&admin)
            .post(format!("/api/v1/users/{}/deactivate", ada.id))
            .expect(StatusCode::OK)
            .await;
        w.as_(&admin)
            .post(format!("/api/v1/users/{}/password-reset", ada.id))
            .expect_error(StatusCode::CONFLICT, "USER_NOT_ACTIVE")
            .await;
        assert_eq!(reset_mails(&w, "acme").await.len(), 1, "{w}");
    }
}

/// Waits until `check` answers something, for at most 20 seconds.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = check().await {
            return found;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_mail_the_worker_writes_carries_a_link_that_sets_the_password() {
    use lyceum_worker::mail::{MailConfig, MailTransport};
    use lyceum_worker::{Worker, WorkerConfig};
    for w in World::on_each_engine().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.user("acme", "ada@acme.test", Role::Student).await;
        let folder = tempfile::tempdir().unwrap();
        let mail = MailConfig {
            transport: MailTransport::File {
                folder: folder.path().to_owned(),
            },
            from: "Lyceum <no-reply@lms.test>".to_owned(),
            link_base: "https://lms.test".to_owned(),
            remind_days: 0,
            digest: lyceum_domain::mail::DigestEvery::Off,
        };
        let running = Worker::new(w.store().clone(), WorkerConfig::default())
            .send_mail(mail)
            .unwrap()
            .start();
        ask_reset(&w, "acme", "nobody@acme.test").await;
        ask_reset(&w, "acme", "ada@acme.test").await;
        let filter = JobFilter {
            state: Some(JobState::Succeeded),
            kind: Some(SendMail::KIND.to_owned()),
        };
        let job = eventually(&format!("{w}: the mail is sent"), async || {
            let done = jobs::list(w.store(), Some("acme"), &filter, 10)
                .await
                .unwrap();
            done.into_iter().next()
        })
        .await;
        running.stop(Duration::from_secs(5)).await;

        let tenant_folder = folder.path().join("acme");
        let files: Vec<_> = std::fs::read_dir(&tenant_folder)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(
            files,
            [tenant_folder.join(format!("{}.eml", job.job.id))],
            "{w}: one message, for the known address only"
        );
        let raw = std::fs::read(&files[0]).unwrap();
        let message = mail_parser::MessageParser::default()
            .parse(&raw[..])
            .unwrap();
        let to = message.to().unwrap().first().unwrap();
        assert_eq!(to.address(), Some("ada@acme.test"), "{w}");
        let text = message.body_text(0).unwrap();
        let prefix = "https://lms.test/t/acme/reset-password?token=";
        let at = text
            .find(prefix)
            .unwrap_or_else(|| panic!("{w}: no link in {text}"));
        let token: String = text[at + prefix.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(token.len() >= 43, "{w}: {token}");

        // The link opens the portal's page, which sends no Referer.
        let page = w
            .anonymous()
            .get(format!("/t/acme/reset-password?token={token}"))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"), "{w}");
        let html = String::from_utf8_lossy(page.bytes());
        assert!(html.contains(&format!("value=\"{token}\"")), "{w}");

        let done = confirm(&w, "acme", &token, NEW_PASSWORD).await;
        assert_eq!(done.status, StatusCode::NO_CONTENT, "{w}");
        w.login("acme", "ada@acme.test", NEW_PASSWORD)
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn an_operator_changes_their_own_password_with_the_current_one() {
    use lyceum_app::identity::NewPassword;
    use lyceum_app::platform::{self, Operator};
    use lyceum_domain::Email;
    for w in World::on_each_engine().await {
        let email = Email::parse("ops@lyceum.example").unwrap();
        let password = NewPassword::choose(PASSWORD.to_owned()).await.unwrap();
        platform::create_operator(w.store(), &Operator::Console, &email, "Ops", &password)
            .await
            .unwrap();
        let login = |password: &str| {
            w.anonymous()
                .post("/api/v1/platform/auth/login")
                .json(&json!({"email": "ops@lyceum.example", "password": password}))
        };
        let token = login(PASSWORD).expect(StatusCode::OK).await.json_value()["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let change = |current: &str, new: &str| {
            w.bearer(&token)
                .post("/api/v1/platform/me/password")
                .json(&json!({"current_password": current, "new_password": new}))
        };
        change("not my password 123", NEW_PASSWORD)
            .expect_error(StatusCode::FORBIDDEN, "WRONG_PASSWORD")
            .await;
        change(PASSWORD, "short")
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "WEAK_PASSWORD")
            .await;
        let done = change(PASSWORD, NEW_PASSWORD)
            .expect(StatusCode::NO_CONTENT)
            .await;
        assert_eq!(done.header("cache-control"), Some("no-store"), "{w}");
        login(PASSWORD)
            .expect_error(StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
            .await;
        login(NEW_PASSWORD).expect(StatusCode::OK).await;

        // A tenant token is no operator's.
        w.provision("acme", Plan::Pro, json!({})).await;
        let ada = w.user("acme", "ada@acme.test", Role::Admin).await;
        w.bearer(&ada.token)
            .post("/api/v1/platform/me/password")
            .json(&json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}))
            .expect(StatusCode::UNAUTHORIZED)
            .await;

        // Recovery on the node (what `lyceum platform-user set-password` does), and only there.
        let recovered = NewPassword::choose("recovered on the node".to_owned())
            .await
            .unwrap();
        platform::set_operator_password(w.store(), &Operator::Console, &email, &recovered)
            .await
            .unwrap();
        login("recovered on the node").expect(StatusCode::OK).await;
        let someone = Operator::User {
            id: platform::operator_by_email(w.store(), &email)
                .await
                .unwrap()
                .id,
            email: email.to_string(),
            origin: Default::default(),
        };
        let refused =
            platform::set_operator_password(w.store(), &someone, &email, &recovered).await;
        assert_eq!(refused.unwrap_err().code(), "PERMISSION_DENIED", "{w}");
        let log = platform::audit_log(w.store(), None, None, 50)
            .await
            .unwrap();
        let actions: Vec<_> = log.iter().map(|e| e.action.clone()).collect();
        assert!(
            actions
                .iter()
                .any(|a| a == "platform_user.password_changed")
                && actions.iter().any(|a| a == "platform_user.set_password"),
            "{w}: {actions:?}"
        );
    }
}

/// A browser of sorts for the portal's password pages: keeps the cookies the server sets and
/// sends forms with the CSRF token.
struct Browser<'w> {
    world: &'w World,
    cookies: std::collections::HashMap<String, String>,
    languages: &'static str,
}

struct Page {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl<'w> Browser<'w> {
    fn new(world: &'w World, languages: &'static str) -> Self {
        Browser {
            world,
            cookies: Default::default(),
            languages,
        }
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: String) -> Page {
        use tower::ServiceExt;
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect();
        let request = request
            .header("cookie", cookie.join("; "))
            .header("accept", "text/html")
            .header("accept-language", self.languages)
            .body(axum::body::Body::from(body))
            .unwrap();
        let router = lyceum_server::app(self.world.state.clone());
        let response = router.oneshot(request).await.unwrap();
        let headers = response.headers().clone();
        for set in headers.get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if set.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 8 << 20)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(axum::http::Request::get(path), String::new())
            .await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.cookies.get("lyceum_csrf").cloned().unwrap_or_default();
        let mut all = fields.to_vec();
        all.push(("csrf", &token));
        let body = serde_urlencoded::to_string(&all).unwrap();
        let request = axum::http::Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded");
        self.send(request, body).await
    }
}

#[tokio::test]
async fn people_recover_and_change_their_password_in_the_portal_in_both_languages() {
    for w in World::on_every_placement().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
        let ada = w.user("acme", "ada@acme.test", Role::Student).await;
        let mut browser = Browser::new(&w, "en");

        let sign_in = browser.get("/t/acme/sign-in").await;
        assert!(
            sign_in.body.contains("href=\"/t/acme/forgot-password\""),
            "{w}: the sign-in page links to the forgotten password page"
        );
        let forgot = browser.get("/t/acme/forgot-password").await;
        assert_eq!(forgot.status, StatusCode::OK, "{w}");
        assert!(forgot.body.contains("Forgot your password?"), "{w}");

        let unknown = browser
            .post("/t/acme/forgot-password", &[("email", "nobody@acme.test")])
            .await;
        let known = browser
            .post("/t/acme/forgot-password", &[("email", "ada@acme.test")])
            .await;
        for page in [&unknown, &known] {
            assert_eq!(page.status, StatusCode::OK, "{w}: {}", page.body);
            assert!(page.body.contains("id=\"forgot-sent\""), "{w}");
        }
        assert_eq!(unknown.body, known.body, "{w}: the same page either way");
        let mails = reset_mails(&w, "acme").await;
        assert_eq!(mails.len(), 1, "{w}");
        let token = mails[0].1.clone();

        let form = browser
            .get(&format!("/t/acme/reset-password?token={token}"))
            .await;
        assert_eq!(form.status, StatusCode::OK, "{w}");
        assert_eq!(form.header("referrer-policy"), "no-referrer", "{w}");
        assert!(form.body.contains("Choose a new password"), "{w}");
        let weak = browser
            .post(
                "/t/acme/reset-password",
                &[("token", &token), ("password", "short")],
            )
            .await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{w}");
        assert_eq!(weak.header("referrer-policy"), "no-referrer", "{w}");
        let done = browser
            .post(
                "/t/acme/reset-password",
                &[("token", &token), ("password", NEW_PASSWORD)],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{w}: {}", done.body);
        assert_eq!(done.header("location"), "/t/acme/sign-in?reset=done", "{w}");
        let notice = browser.get("/t/acme/sign-in?reset=done").await;
        assert!(notice.body.contains("id=\"password-reset\""), "{w}");
        let again = browser
            .post(
                "/t/acme/reset-password",
                &[("token", &token), ("password", "another new passphrase")],
            )
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{w}");
        assert!(
            again.body.contains("unknown, already used or expired"),
            "{w}: {}",
            again.body
        );
        assert!(
            again.body.contains("href=\"/t/acme/forgot-password\""),
            "{w}"
        );

        // Signed in with the new password, the account page leads to "Change password".
        let api_session = two_sessions(
            &w,
            &User {
                password: NEW_PASSWORD.to_owned(),
                ..ada.clone()
            },
        )
        .await
        .0;
        let signed_in = browser
            .post(
                "/t/acme/sign-in",
                &[("email", "ada@acme.test"), ("password", NEW_PASSWORD)],
            )
            .await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{w}");
        let account = browser.get("/t/acme/account").await;
        assert!(
            account.body.contains("href=\"/t/acme/account/password\""),
            "{w}"
        );
        let page = browser.get("/t/acme/account/password").await;
        assert_eq!(page.status, StatusCode::OK, "{w}");
        let wrong = browser
            .post(
                "/t/acme/account/password",
                &[
                    ("current_password", "not it at all 123"),
                    ("new_password", "a third passphrase"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{w}");
        assert!(
            wrong.body.contains("The current password is not right"),
            "{w}"
        );
        let changed = browser
            .post(
                "/t/acme/account/password",
                &[
                    ("current_password", NEW_PASSWORD),
                    ("new_password", "a third passphrase"),
                ],
            )
            .await;
        assert_eq!(
            changed.status,
            StatusCode::SEE_OTHER,
            "{w}: {}",
            changed.body
        );
        let shown = browser.get(changed.header("location")).await;
        assert!(shown.body.contains("id=\"password-changed\""), "{w}");
        assert_eq!(
            browser.get("/t/acme/learn").await.status,
            StatusCode::OK,
            "{w}: this browser's session goes on"
        );
        assert_eq!(
            refresh(&w, "acme", &api_session).await,
            StatusCode::UNAUTHORIZED,
            "{w}: another session ended"
        );

        // The admin's button on the people page sends a reset.
        let mut boss = Browser::new(&w, "en");
        boss.get("/t/acme/sign-in").await;
        boss.post(
            "/t/acme/sign-in",
            &[("email", &admin.email), ("password", PASSWORD)],
        )
        .await;
        let people = boss.get("/t/acme/admin/people").await;
        let button = format!("/t/acme/admin/people/{}/password-reset", ada.id);
        assert!(people.body.contains(&button), "{w}");
        let sent = boss.post(&button, &[]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{w}: {}", sent.body);
        assert_eq!(reset_mails(&w, "acme").await.len(), 2, "{w}");
        let forged = boss
            .send(axum::http::Request::post(&button), String::new())
            .await;
        assert_eq!(
            forged.status,
            StatusCode::FORBIDDEN,
            "{w}: no CSRF token, no reset"
        );
        assert_eq!(reset_mails(&w, "acme").await.len(), 2, "{w}");

        // In French.
        let mut french = Browser::new(&w, "fr");
        let page = french.get("/t/acme/forgot-password").await;
        assert!(page.body.contains("Mot de passe oublié"), "{w}");
        let sent = french
            .post("/t/acme/forgot-password", &[("email", "nobody@acme.test")])
            .await;
        assert!(
            sent.body
                .contains("un lien pour choisir un nouveau mot de passe"),
            "{w}"
        );
    }
}

#[tokio::test]
async fn operators_change_their_password_in_the_console() {
    use lyceum_app::identity::NewPassword;
    use lyceum_app::platform::{self, Operator};
    for w in World::on_each_engine().await {
        let email = lyceum_domain::Email::parse("ops@lyceum.example").unwrap();
        let password = NewPassword::choose(PASSWORD.to_owned()).await.unwrap();
        platform::create_operator(w.store(), &Operator::Console, &email, "Ops", &password)
            .await
            .unwrap();
        let mut desk = Browser::new(&w, "en");
        desk.get("/platform/sign-in").await;
        let fields = [("email", "ops@lyceum.example"), ("password", PASSWORD)];
        let signed_in = desk.post("/platform/sign-in", &fields).await;
        assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{w}");
        let home = desk.get("/platform/").await;
        assert!(home.body.contains("href=\"/platform/password\""), "{w}");
        let form = desk.get("/platform/password").await;
        assert_eq!(form.status, StatusCode::OK, "{w}");
        let wrong = desk
            .post(
                "/platform/password",
                &[
                    ("current_password", "not it at all 123"),
                    ("new_password", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{w}");
        let changed = desk
            .post(
                "/platform/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{w}");
        let shown = desk.get(changed.header("location")).await;
        assert!(shown.body.contains("id=\"password-changed\""), "{w}");
        w.anonymous()
            .post("/api/v1/platform/auth/login")
            .json(&json!({"email": "ops@lyceum.example", "password": NEW_PASSWORD}))
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn an_account_is_sent_a_few_reset_mails_at_most_and_the_answer_stays_the_same() {
    for w in World::on_each_engine().await {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.user("acme", "ada@acme.test", Role::Student).await;
        let first = ask_reset(&w, "acme", "ada@acme.test").await;
        for _ in 0..5 {
            assert_eq!(ask_reset(&w, "acme", "Ada@acme.test").await, first, "{w}");
            assert_eq!(
                ask_reset(&w, "acme", "nobody@acme.test").await,
                first,
                "{w}"
            );
        }
        assert_eq!(
            reset_mails(&w, "acme").await.len(),
            3,
            "{w}: three mails, then none"
        );
        assert_eq!(
            reset_rows(&w, "acme").await,
            1,
            "{w}: each replaced the one before"
        );
    }
}
