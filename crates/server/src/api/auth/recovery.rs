//! Passwords changed and recovered over HTTP: `POST /api/v1/me/password` (the signed-in
//! person, their current password required, throttled like sign-in),
//! `POST /api/v1/auth/password-reset` (always 202, whatever the address) and
//! `/auth/password-reset/confirm`, and `POST /api/v1/users/{id}/password-reset` (an admin
//! sends a reset). The steps every face shares (throttle, then the use cases of
//! `lyceum_app::identity::recovery`) are here too, for the portal's pages.

use super::throttle::ResetAdmission;
use super::Authenticated;
use crate::http::context::RequestOrigin;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::tenancy::CurrentTenant;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use lyceum_app::identity::recovery::{self, ResetSent};
use lyceum_app::identity::{NewPassword, User};
use lyceum_app::Actor;
use lyceum_domain::{Origin, UserId};
use lyceum_store::Tenant;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Asks, from `origin`, for a reset of `email`'s password at `tenant`: refused only when the
/// client's address is over its sign-in rate; otherwise done (or, for an account sent its
/// share of mails lately, quietly not), the same for every address.
pub(crate) async fn ask_for_reset(
    state: &AppState,
    tenant: &Tenant,
    email: &str,
    origin: &Origin,
) -> Result<(), ApiError> {
    let admission = state
        .login_throttle
        .admit_reset(tenant.id().as_uuid(), email, origin.address())
        .map_err(|t| t.into_error())?;
    if admission == ResetAdmission::Quiet {
        return Ok(());
    }
    let mut tx = state.store.begin_write(tenant).await?;
    recovery::request_reset(&mut tx, email, origin).await?;
    tx.commit().await?;
    Ok(())
}

/// Sets a new password with reset `token`: checked against the policy first (`WEAK_PASSWORD`,
/// the token unspent), then the token spent; the person's sign-in is no longer locked here.
pub(crate) async fn reset_with_token(
    state: &AppState,
    tenant: &Tenant,
    token: &str,
    password: String,
    origin: &Origin,
) -> Result<User, ApiError> {
    let password = NewPassword::choose(password).await?;
    let mut tx = state.store.begin_write(tenant).await?;
    let user = recovery::confirm_reset(&mut tx, token, &password, origin).await?;
    tx.commit().await?;
    state
        .login_throttle
        .forget_failures(Some(tenant.id().as_uuid()), user.email.as_str())
        .await;
    Ok(user)
}

/// The signed-in `actor` changes their password: throttled like a sign-in of theirs (a wrong
/// current password counts as a failed one, so guessing is no faster here), then `new` against
/// the policy, then the change, which keeps the session `keep_session` and ends the others.
pub(crate) async fn change_own_password(
    state: &AppState,
    tenant: &Tenant,
    actor: &Actor,
    current: String,
    new: String,
    keep_session: Option<&str>,
) -> Result<User, ApiError> {
    let mut tx = state.store.begin(tenant).await?;
    let (user, stored) = recovery::credentials(&mut tx, actor).await?;
    tx.commit().await?;
    let throttle = &state.login_throttle;
    let account = Some(tenant.id().as_uuid());
    throttle
        .admit(account, user.email.as_str(), actor.origin.address())
        .await
        .map_err(|t| t.into_error())?;
    let verified = match recovery::verify_current(&user, stored, current).await {
        Ok(verified) => verified,
        Err(wrong) => {
            throttle.failed(account, user.email.as_str()).await;
            return Err(wrong.into());
        }
    };
    throttle.forget_failures(account, user.email.as_str()).await;
    let new = NewPassword::choose(new).await?;
    let mut tx = state.store.begin_write(tenant).await?;
    let user = recovery::change_password(&mut tx, actor, verified, &new, keep_session).await?;
    tx.commit().await?;
    Ok(user)
}

/// An answer no cache may keep.
fn unstored(status: StatusCode, body: Option<serde_json::Value>) -> Response {
    let mut response = match body {
        Some(body) => (status, Json(body)).into_response(),
        None => status.into_response(),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordChange {
    current_password: String,
    new_password: String,
    /// The refresh token of the session the change is made in: that session goes on. Left
    /// out, every refresh token of the person is revoked.
    refresh_token: Option<String>,
}

/// Changes the signed-in person's password, given their current one. Every other session
/// (refresh token family) ends; access tokens already issued last their short life.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed (`Cache-Control: no-store`)"),
        (status = 401, description = "`UNAUTHENTICATED`, `INVALID_TOKEN`, `TOKEN_EXPIRED`", body = ErrorBody),
        (status = 403, description = "`WRONG_PASSWORD`, `TENANT_MISMATCH`", body = ErrorBody),
        (status = 422, description = "`WEAK_PASSWORD`", body = ErrorBody),
        (status = 429, description = "`LOGIN_THROTTLED`", body = ErrorBody),
    ))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<Response, ApiError> {
    change_own_password(
        &state,
        &auth.tenant,
        &auth.actor(),
        change.current_password,
        change.new_password,
        change.refresh_token.as_deref(),
    )
    .await?;
    Ok(unstored(StatusCode::NO_CONTENT, None))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetRequest {
    /// The e-mail of the account, as the person types it.
    email: String,
}

/// What every request for a reset is answered, whatever the address.
#[derive(Serialize, ToSchema)]
pub(crate) struct ResetRequested {
    /// `accepted`.
    status: &'static str,
    message: &'static str,
}

const REQUESTED: ResetRequested = ResetRequested {
    status: "accepted",
    message: "if this address belongs to an active account here, a link to choose a new password is on its way",
};

/// Asks for a password reset link by mail. Answered 202 with the same body whatever the
/// address (unknown, not active, of another organisation, not an e-mail at all); only an
/// active person of this tenant is sent a link, good for an hour, and a few a while at most.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses(
        (status = 202, body = ResetRequested, description = "Always the same (`Cache-Control: no-store`)"),
        (status = 429, description = "`LOGIN_THROTTLED`: this client's address asked too often", body = ErrorBody),
    ))]
pub(crate) async fn request_reset(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(request): ApiJson<ResetRequest>,
) -> Result<Response, ApiError> {
    let email: String = request.email.chars().take(320).collect();
    ask_for_reset(&state, &tenant, &email, &origin).await?;
    let body = serde_json::to_value(&REQUESTED).map_err(|_| ApiError::internal("encoding"))?;
    Ok(unstored(StatusCode::ACCEPTED, Some(body)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetConfirmation {
    /// The token of the reset link.
    token: String,
    /// The new password.
    password: String,
}

/// Chooses a new password with the token of a reset link. The token works once; every
/// session of the person ends, and their sign-in is no longer locked.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth", request_body = ResetConfirmation,
    responses(
        (status = 204, description = "Changed (`Cache-Control: no-store`)"),
        (status = 400, description = "`RESET_TOKEN_INVALID`: unknown here, used, withdrawn or expired", body = ErrorBody),
        (status = 422, description = "`WEAK_PASSWORD`", body = ErrorBody),
    ))]
pub(crate) async fn confirm_reset(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(confirmation): ApiJson<ResetConfirmation>,
) -> Result<Response, ApiError> {
    let token: String = confirmation.token.chars().take(128).collect();
    reset_with_token(&state, &tenant, &token, confirmation.password, &origin).await?;
    Ok(unstored(StatusCode::NO_CONTENT, None))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct PersonPath {
    /// The user's id.
    id: UserId,
}

/// Sends a user a password reset link by mail (admins): their earlier unused links stop
/// working. The token is only in the mail.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "users", params(PersonPath),
    security(("bearer" = [])),
    responses(
        (status = 202, body = ResetSent),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`USER_NOT_ACTIVE`", body = ErrorBody),
    ))]
pub(crate) async fn send_reset(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(PersonPath { id }): Path<PersonPath>,
) -> Result<Response, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let sent = recovery::send_reset(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    let body = serde_json::to_value(&sent).map_err(|_| ApiError::internal("encoding"))?;
    Ok(unstored(StatusCode::ACCEPTED, Some(body)))
}
