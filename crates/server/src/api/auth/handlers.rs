//! `POST /api/v1/auth/login`, `/auth/refresh`, `/auth/logout` and `GET /api/v1/me`.

use super::throttle::{password_sign_in, SignInRefused};
use super::tokens;
use super::Authenticated;
use crate::http::context::RequestOrigin;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::tenancy::CurrentTenant;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use lyceum_app::identity::sessions::{self, Refreshed};
use lyceum_app::identity::{users, User};
use lyceum_domain::{Email, Locale, Origin, Permission};
use lyceum_store::{KeyOwner, Tenant};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    pub(crate) email: String,
    pub(crate) password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshRequest {
    refresh_token: String,
}

/// Tokens of a signed-in tenant user.
#[derive(Serialize, ToSchema)]
pub(crate) struct TokenResponse {
    access_token: String,
    refresh_token: String,
    token_type: &'static str,
    expires_in: u64,
}

/// Signs in with e-mail and password: a short-lived access token and a refresh token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "`INVALID_CREDENTIALS`", body = ErrorBody),
        (status = 429, description = "`LOGIN_THROTTLED`", body = ErrorBody),
    ))]
pub(crate) async fn login(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let user = match tenant_password_sign_in(&state, &tenant, request, &origin).await {
        Ok(user) => user,
        Err(refused) => return Ok(refused),
    };
    let mut tx = state.store.begin_write(&tenant).await?;
    let refresh_token = sessions::sign_in(&mut tx, &user, refresh_expiry(&state), &origin).await?;
    let response = tokens_for(&state, &tenant, &user, refresh_token).await?;
    tx.commit().await?;
    Ok(Json(response).into_response())
}

/// A tenant user's sign-in with e-mail and password, throttled (see [`password_sign_in`]). A
/// wrong e-mail or password is recorded in the tenant's audit log (and, when it locks a
/// person's account, the mail that tells them is queued), in a transaction of its own
/// committed before the refusal is answered (after the password check, whose cost bounds how
/// fast anyone can add such entries). Any refusal comes back as the response to send.
pub(crate) async fn tenant_password_sign_in(
    state: &AppState,
    tenant: &Tenant,
    request: LoginRequest,
    origin: &Origin,
) -> Result<User, Response> {
    let email = Email::parse(&request.email).ok();
    let tried = request.email.clone();
    let lookup = async {
        let Some(email) = email else { return Ok(None) };
        let mut tx = state.store.begin(tenant).await?;
        let found = sessions::credentials(&mut tx, &email).await?;
        tx.commit().await?;
        Ok(found)
    };
    let account = Some(tenant.id().as_uuid());
    let label = tenant.slug.as_str();
    let client = origin.address();
    match password_sign_in(state, account, label, request, client, lookup).await {
        Ok(user) => Ok(user),
        Err(SignInRefused::WrongCredentials {
            user,
            locked_for,
            response,
        }) => {
            let recorded = async {
                let mut tx = state.store.begin_write(tenant).await?;
                sessions::sign_in_failed(&mut tx, &tried, user.as_ref(), origin).await?;
                if let (Some(user), Some(locked_for)) = (&user, locked_for) {
                    let until = Utc::now() + locked_for;
                    lyceum_app::mail::account_locked(&mut tx, user.id, until).await?;
                }
                tx.commit().await?;
                Ok::<_, ApiError>(())
            };
            match recorded.await {
                Ok(()) => Err(response),
                Err(e) => Err(e.into_response()),
            }
        }
        Err(refused) => Err(refused.into_response()),
    }
}

/// Trades a refresh token for new tokens. Each refresh token works once; presenting a spent
/// one again revokes its whole family.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "`INVALID_TOKEN`, `REFRESH_TOKEN_REUSED`", body = ErrorBody),
    ))]
pub(crate) async fn refresh(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let mut tx = state.store.begin_write(&tenant).await?;
    let (user, family) = match sessions::refresh(&mut tx, &request.refresh_token).await? {
        Refreshed::Rotated { user, family } => (user, family),
        // A spent token presented again means it was stolen or replayed: the whole family ends.
        Refreshed::Reused { family } => {
            tx.commit().await?;
            tracing::warn!(target: "security", tenant = %tenant.slug, %family, "refresh token reused; family revoked");
            return Err(ApiError::unauthorized(
                "REFRESH_TOKEN_REUSED",
                "this refresh token was already used; sign in again",
            ));
        }
    };
    let refresh_token = sessions::open(&mut tx, &user, family, refresh_expiry(&state)).await?;
    let response = tokens_for(&state, &tenant, &user, refresh_token).await?;
    tx.commit().await?;
    Ok(Json(response))
}

/// Signs out: the refresh token's family is revoked.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&tenant).await?;
    // An unknown token changes nothing (and, rolled back, retires no cached page).
    if sessions::sign_out(&mut tx, &request.refresh_token).await? {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Me {
    user: User,
    tenant: TenantSummary,
    /// What the user's role allows, as in the access token.
    permissions: Vec<Permission>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TenantSummary {
    slug: String,
    name: String,
}

/// The signed-in user, their tenant and their permissions.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "`UNAUTHENTICATED`, `INVALID_TOKEN`, `TOKEN_EXPIRED`", body = ErrorBody),
        (status = 403, description = "`TENANT_MISMATCH`", body = ErrorBody),
    ))]
pub(crate) async fn me(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<Me>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let user = sessions::me(&mut tx, &auth.actor()).await?;
    tx.commit().await?;
    Ok(Json(Me {
        user,
        tenant: TenantSummary {
            slug: auth.tenant.slug.to_string(),
            name: auth.tenant.name.clone(),
        },
        permissions: auth.claims.permissions,
    }))
}

/// What the signed-in user may change of their own account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MyChanges {
    /// The language of the portal's pages for this user; `null` follows the tenant's, then the
    /// browser's. Left out, it stays as it is.
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<Locale>, nullable)]
    locale: Option<Option<Locale>>,
}

/// A field that was sent, `null` included (`Some(None)`), as opposed to one left out (`None`).
fn given<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Changes the signed-in user's own account: their language.
#[utoipa::path(patch, path = "/api/v1/me", tag = "auth", request_body = MyChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "`UNAUTHENTICATED`, `INVALID_TOKEN`, `TOKEN_EXPIRED`", body = ErrorBody),
        (status = 403, description = "`TENANT_MISMATCH`", body = ErrorBody),
        (status = 422, description = "`VALIDATION_FAILED`: a language Lyceum does not speak", body = ErrorBody),
    ))]
pub(crate) async fn change_me(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(changes): ApiJson<MyChanges>,
) -> Result<Json<Me>, ApiError> {
    let actor = auth.actor();
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let user = match changes.locale {
        Some(locale) => users::choose_locale(&mut tx, &actor, locale).await?,
        None => sessions::me(&mut tx, &actor).await?,
    };
    tx.commit().await?;
    Ok(Json(Me {
        user,
        tenant: TenantSummary {
            slug: auth.tenant.slug.to_string(),
            name: auth.tenant.name.clone(),
        },
        permissions: auth.claims.permissions,
    }))
}

/// When a refresh token issued now expires.
pub(crate) fn refresh_expiry(state: &AppState) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(state.config.auth.refresh_token_ttl).unwrap_or_default()
}

/// The tokens `user` gets: a fresh access token beside `refresh_token`, stored already.
pub(crate) async fn tokens_for(
    state: &AppState,
    tenant: &Tenant,
    user: &User,
    refresh_token: String,
) -> Result<TokenResponse, ApiError> {
    let keys = state.keys.get(KeyOwner::Tenant(tenant.id())).await?;
    let ttl = state.config.auth.access_token_ttl;
    let claims = tokens::tenant_claims(tenant, user, &state.config.auth.issuer, ttl);
    Ok(TokenResponse {
        access_token: tokens::sign(&keys, &claims)?,
        refresh_token,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
    })
}

/// The resolved tenant's public keys (JWKS), so that other services can verify its access
/// tokens. Retired keys stay listed while their tokens may be unexpired.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses((status = 200, description = "JSON Web Key Set (Ed25519 keys as OKP)", body = Object)))]
pub(crate) async fn jwks(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let keys = state.keys.get(KeyOwner::Tenant(tenant.id())).await?;
    Ok(Json(keys.jwks.clone()))
}

/// The public keys of platform operators' tokens (JWKS).
#[utoipa::path(get, path = "/api/v1/platform/.well-known/jwks.json", tag = "platform",
    responses((status = 200, description = "JSON Web Key Set (Ed25519 keys as OKP)", body = Object)))]
pub(crate) async fn platform_jwks(
    State(state): State<AppState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let keys = state.keys.get(KeyOwner::Platform).await?;
    Ok(Json(keys.jwks.clone()))
}
