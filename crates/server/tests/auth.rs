//! Sign-in, tokens and refresh over HTTP through the real router: two tenants that both have a
//! user with the same e-mail, on both engines.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{call, login, tenant_with_users};
use lyceum_domain::Role;
use lyceum_server::{app, AppState, ServerConfig};
use lyceum_store::{testing, Store, Tenant};
use serde_json::{json, Value};
use tower::ServiceExt;

struct World {
    state: AppState,
    acme: Tenant,
    _guard: testing::TestGuard,
}

async fn worlds() -> Vec<World> {
    let mut out = Vec::new();
    for (config, guard) in [testing::sqlite_config(), testing::postgres_config().await] {
        let store = Store::open(config).await.unwrap();
        let acme = tenant_with_users(
            &store,
            "acme",
            json!({}),
            &[("ada@example.org", "acme password 1", Role::Admin)],
        )
        .await;
        // Same e-mail, different person and password, in another tenant; a slug that contains the first.
        tenant_with_users(
            &store,
            "acme-two",
            json!({}),
            &[("ada@example.org", "other password 2", Role::Student)],
        )
        .await;
        out.push(World {
            state: AppState::new(store, ServerConfig::default()),
            acme,
            _guard: guard,
        });
    }
    out
}

#[tokio::test]
async fn login_issues_tokens_that_work_only_on_their_own_tenant() {
    for w in worlds().await {
        let (status, tokens) = login(&w.state, "acme", "ADA@example.org", "acme password 1").await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        assert_eq!(
            (tokens["token_type"].as_str(), tokens["expires_in"].as_u64()),
            (Some("Bearer"), Some(900))
        );
        let access = tokens["access_token"].as_str().unwrap();

        let (status, me) = call(&w.state, "GET", "/t/acme/api/v1/me", Some(access), None).await;
        assert_eq!(status, StatusCode::OK, "{me}");
        assert_eq!(me["user"]["role"], "admin");
        assert_eq!(me["tenant"]["slug"], "acme");
        assert!(me["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("user:manage")));

        // The token names its tenant: with no other source it routes there.
        let (status, me) = call(&w.state, "GET", "/api/v1/me", Some(access), None).await;
        assert_eq!(
            (status, me["tenant"]["slug"].as_str()),
            (StatusCode::OK, Some("acme"))
        );

        // Refused on the other tenant, even though a user with that e-mail exists there.
        let (status, body) =
            call(&w.state, "GET", "/t/acme-two/api/v1/me", Some(access), None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::FORBIDDEN, Some("TENANT_MISMATCH"))
        );

        // Each tenant's password opens only its own account.
        let (status, body) =
            login(&w.state, "acme-two", "ada@example.org", "acme password 1").await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("INVALID_CREDENTIALS"))
        );
        let (status, other) =
            login(&w.state, "acme-two", "ada@example.org", "other password 2").await;
        assert_eq!(status, StatusCode::OK);
        let (_, me) = call(
            &w.state,
            "GET",
            "/t/acme-two/api/v1/me",
            other["access_token"].as_str(),
            None,
        )
        .await;
        assert_eq!(me["user"]["role"], "student");
    }
}

#[tokio::test]
async fn bad_credentials_and_bad_bodies_get_clear_errors() {
    for w in worlds().await {
        for (email, password) in [
            ("ada@example.org", "wrong password"),
            ("nobody@example.org", "acme password 1"),
            ("not an email", "x"),
        ] {
            let (status, body) = login(&w.state, "acme", email, password).await;
            assert_eq!(
                (status, body["error"].as_str()),
                (StatusCode::UNAUTHORIZED, Some("INVALID_CREDENTIALS")),
                "{email}"
            );
        }
        let path = "/t/acme/api/v1/auth/login";
        let with_tenant = json!({"email": "ada@example.org", "password": "acme password 1", "tenant_id": w.acme.id()});
        let (status, body) = call(&w.state, "POST", path, None, Some(with_tenant)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("VALIDATION_FAILED")),
            "{body}"
        );
        let (status, body) = call(
            &w.state,
            "POST",
            path,
            None,
            Some(json!({"email": 42, "password": []})),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("VALIDATION_FAILED"))
        );
        let request = Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from("{not json"))
            .unwrap();
        let response = app(w.state.clone()).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);

        // The fields in order, as an array, would fill the request for serde: refused.
        let (status, body) = call(
            &w.state,
            "POST",
            path,
            None,
            Some(json!(["ada@example.org", "acme password 1"])),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("VALIDATION_FAILED")),
            "{body}"
        );
        let request = Request::post(path)
            .header("content-type", "text/plain")
            .body(Body::from("{}"))
            .unwrap();
        let response = app(w.state.clone()).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}

#[tokio::test]
async fn malformed_forged_and_foreign_tokens_are_refused() {
    for w in worlds().await {
        let (_, tokens) = login(&w.state, "acme", "ada@example.org", "acme password 1").await;
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let mut parts: Vec<String> = access.split('.').map(str::to_owned).collect();
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload: Value = serde_json::from_slice(&b64.decode(&parts[1]).unwrap()).unwrap();

        let mut escalated = payload.clone();
        escalated["role"] = json!("admin");
        escalated["sub"] = json!(uuid::Uuid::now_v7());
        let forged_payload = b64.encode(escalated.to_string());
        let alg_none = format!(
            "{}.{}.",
            b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        let mut wrong_kid_header: Value =
            serde_json::from_slice(&b64.decode(&parts[0]).unwrap()).unwrap();
        wrong_kid_header["kid"] = json!("not-a-key");
        let wrong_kid = format!(
            "{}.{}.{}",
            b64.encode(wrong_kid_header.to_string()),
            parts[1],
            parts[2]
        );
        parts[1] = forged_payload;
        let tampered = parts.join(".");

        for (label, token) in [
            ("garbage", "abc.def".to_owned()),
            ("alg none", alg_none),
            ("tampered", tampered),
            ("wrong kid", wrong_kid),
        ] {
            let (status, body) =
                call(&w.state, "GET", "/t/acme/api/v1/me", Some(&token), None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{label}: {body}");
            assert_eq!(body["error"], "INVALID_TOKEN", "{label}");
        }
        let (status, body) = call(&w.state, "GET", "/t/acme/api/v1/me", None, None).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("UNAUTHENTICATED"))
        );
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_family() {
    for w in worlds().await {
        let (_, first) = login(&w.state, "acme", "ada@example.org", "acme password 1").await;
        let refresh = |token: &Value| json!({"refresh_token": token["refresh_token"]});
        let path = "/t/acme/api/v1/auth/refresh";
        let (status, second) = call(&w.state, "POST", path, None, Some(refresh(&first))).await;
        assert_eq!(status, StatusCode::OK, "{second}");
        assert_ne!(
            second["refresh_token"], first["refresh_token"],
            "refresh tokens rotate"
        );
        let (status, _) = call(
            &w.state,
            "GET",
            "/t/acme/api/v1/me",
            second["access_token"].as_str(),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        // Replaying the spent token revokes the family, including the token that replaced it.
        let (status, body) = call(&w.state, "POST", path, None, Some(refresh(&first))).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("REFRESH_TOKEN_REUSED"))
        );
        let (status, body) = call(&w.state, "POST", path, None, Some(refresh(&second))).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("INVALID_TOKEN"))
        );

        // Logout ends a family too; another tenant cannot use or end this tenant's tokens.
        let (_, third) = login(&w.state, "acme", "ada@example.org", "acme password 1").await;
        let (status, _) = call(
            &w.state,
            "POST",
            "/t/acme-two/api/v1/auth/refresh",
            None,
            Some(refresh(&third)),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "a refresh token of acme is unknown to acme-two"
        );
        let (status, _) = call(
            &w.state,
            "POST",
            "/t/acme/api/v1/auth/logout",
            None,
            Some(refresh(&third)),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = call(&w.state, "POST", path, None, Some(refresh(&third))).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn key_rotation_keeps_issued_tokens_valid() {
    for w in worlds().await {
        let (_, before) = login(&w.state, "acme", "ada@example.org", "acme password 1").await;
        let old_kid = kid(&before);
        let new_kid = w
            .state
            .keys
            .rotate(lyceum_store::KeyOwner::Tenant(w.acme.id()))
            .await
            .unwrap();
        assert_ne!(old_kid, new_kid);
        let (status, _) = call(
            &w.state,
            "GET",
            "/t/acme/api/v1/me",
            before["access_token"].as_str(),
            None,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a token signed before the rotation still works"
        );
        let (_, after) = login(&w.state, "acme", "ada@example.org", "acme password 1").await;
        assert_eq!(
            kid(&after),
            new_kid,
            "new tokens are signed with the new key"
        );

        // The JWKS lists both keys, and a third party verifies either token with it alone.
        let (status, jwks) =
            call(&w.state, "GET", "/t/acme/.well-known/jwks.json", None, None).await;
        assert_eq!(status, StatusCode::OK, "{jwks}");
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks).unwrap();
        for tokens in [&before, &after] {
            let jwk = set.find(&kid(tokens)).expect("kid listed in the JWKS");
            let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
            validation.set_audience(&["acme"]);
            let claims = jsonwebtoken::decode::<Value>(
                tokens["access_token"].as_str().unwrap(),
                &key,
                &validation,
            )
            .expect("verifies with the published key");
            assert_eq!(claims.claims["tenant_slug"], "acme");
        }
        let (_, other) = call(
            &w.state,
            "GET",
            "/t/acme-two/.well-known/jwks.json",
            None,
            None,
        )
        .await;
        let other: jsonwebtoken::jwk::JwkSet = serde_json::from_value(other).unwrap();
        assert!(other.find(&old_kid).is_none() && other.find(&new_kid).is_none());
        assert!(!other.keys.is_empty(), "acme-two publishes keys of its own");
    }
}

fn kid(tokens: &Value) -> String {
    use base64::Engine as _;
    let header = tokens["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

/// A token verified once is remembered, but not past its expiry.
#[tokio::test]
async fn a_token_that_worked_is_refused_once_it_expires() {
    use base64::Engine as _;
    for w in worlds().await {
        let config = lyceum_server::ServerConfig {
            auth: lyceum_server::AuthConfig {
                // Long enough for the first call to come before it, on a loaded machine too.
                access_token_ttl: std::time::Duration::from_secs(4),
                ..Default::default()
            },
            ..ServerConfig::default()
        };
        let state = AppState::new(w.state.store.clone(), config);
        let (_, tokens) = login(&state, "acme", "ada@example.org", "acme password 1").await;
        let access = tokens["access_token"].as_str();
        let (status, _) = call(&state, "GET", "/t/acme/api/v1/me", access, None).await;
        assert_eq!(status, StatusCode::OK);
        // Wait for the expiry the token itself carries (whole seconds), and a little more.
        let claims = access.unwrap().split('.').nth(1).unwrap();
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(claims)
                .unwrap(),
        )
        .unwrap();
        let expiry = chrono::DateTime::from_timestamp(claims["exp"].as_i64().unwrap(), 0).unwrap();
        let left = (expiry - chrono::Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(left + std::time::Duration::from_millis(1_100)).await;
        let (status, body) = call(&state, "GET", "/t/acme/api/v1/me", access, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"], "TOKEN_EXPIRED");
    }
}
