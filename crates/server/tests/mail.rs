//! Mail queued by requests, on both engines: an invitation made over the API queues its mail and
//! still answers the token, and a sign-in failure that locks an account queues one mail to its
//! owner. The requests only queue; the worker sends (see `crates/worker/tests/mail.rs`).

mod common;

use common::{call, login, tenant_with_users, token};
use lyceum_app::jobs::{self, JobFilter};
use lyceum_domain::{Job, Mail, Role, SendMail, UserId};
use lyceum_server::{AppState, ServerConfig};
use lyceum_store::{testing, Store};
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

async fn worlds() -> Vec<(&'static str, Store, AppState, testing::TestGuard)> {
    let mut out = Vec::new();
    for (label, (config, guard)) in [
        ("sqlite", testing::sqlite_config()),
        ("postgres", testing::postgres_config().await),
    ] {
        let store = Store::open(config).await.unwrap();
        let people = [
            ("ada@acme.test", PASSWORD, Role::Admin),
            ("bob@acme.test", PASSWORD, Role::Student),
        ];
        tenant_with_users(&store, "acme", json!({}), &people).await;
        let state = AppState::new(store.clone(), ServerConfig::default());
        out.push((label, store, state, guard));
    }
    out
}

/// The tenant's mail jobs, newest first.
async fn mails(store: &Store) -> Vec<SendMail> {
    let filter = JobFilter {
        state: None,
        kind: Some(SendMail::KIND.to_owned()),
    };
    jobs::list(store, Some("acme"), &filter, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|found| serde_json::from_value(found.job.payload.0).unwrap())
        .collect()
}

#[tokio::test]
async fn an_invitation_over_the_api_is_mailed_and_its_token_still_answered() {
    for (label, store, state, _guard) in worlds().await {
        let admin = token(&state, "acme", "ada@acme.test", PASSWORD).await;
        let person = json!({"email": "new@acme.test", "display_name": "New", "role": "student"});
        let (status, body) = call(
            &state,
            "POST",
            "/t/acme/api/v1/users",
            Some(&admin),
            Some(person),
        )
        .await;
        assert_eq!(status, 201, "{label}: {body}");
        let answered = body["invitation"]["token"].as_str().unwrap();
        let queued = mails(&store).await;
        assert_eq!(queued.len(), 1, "{label}");
        assert_eq!(queued[0].to.to_string(), body["id"].as_str().unwrap());
        let Mail::Invitation { token, .. } = &queued[0].mail else {
            panic!("{label}: {:?}", queued[0]);
        };
        assert_eq!(token.expose(), answered, "{label}");

        // A person made with a password is not invited, and gets no mail.
        let person = json!({"email": "pw@acme.test", "display_name": "Pw", "role": "student",
                            "password": "another long passphrase"});
        let (status, _) = call(
            &state,
            "POST",
            "/t/acme/api/v1/users",
            Some(&admin),
            Some(person),
        )
        .await;
        assert_eq!(status, 201, "{label}");
        assert_eq!(mails(&store).await.len(), 1, "{label}");
    }
}

#[tokio::test]
async fn the_failure_that_locks_an_account_mails_its_owner_once() {
    for (label, store, state, _guard) in worlds().await {
        // Failures for an address nobody has lock nothing anyone is told about.
        for _ in 0..6 {
            login(&state, "acme", "nobody@acme.test", "wrong").await;
        }
        assert!(mails(&store).await.is_empty(), "{label}");

        for attempt in 1..=7 {
            let (status, _) = login(&state, "acme", "bob@acme.test", "wrong password").await;
            let expected = if attempt <= 5 { 401 } else { 429 };
            assert_eq!(status, expected, "{label}: attempt {attempt}");
            let queued = mails(&store).await.len();
            assert_eq!(
                queued,
                usize::from(attempt >= 5),
                "{label}: attempt {attempt}"
            );
        }
        let queued = mails(&store).await;
        let bob: UserId = {
            let admin = token(&state, "acme", "ada@acme.test", PASSWORD).await;
            let (_, body) = call(
                &state,
                "GET",
                "/t/acme/api/v1/users?q=bob",
                Some(&admin),
                None,
            )
            .await;
            body["items"][0]["id"].as_str().unwrap().parse().unwrap()
        };
        assert_eq!(queued[0].to, bob, "{label}");
        assert!(
            matches!(queued[0].mail, Mail::AccountLocked { until } if until > chrono::Utc::now()),
            "{label}: {:?}",
            queued[0]
        );
    }
}
