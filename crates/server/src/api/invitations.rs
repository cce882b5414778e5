//! Invitations over HTTP: an admin re-invites an invited user; the invitation goes out by mail
//! (a job queued with it), and the answer carries the one-time token too, for an admin who
//! prefers to pass it on; the person accepts with
//! `POST /api/v1/auth/accept-invitation`, sets a password and is signed in. The rules are
//! `lyceum_app::identity::invitations`'s.

use crate::api::auth::{self, Authenticated, TokenResponse};
use crate::http::context::RequestOrigin;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::tenancy::CurrentTenant;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use lyceum_app::identity::invitations::{self, InvitationToken};
use lyceum_app::identity::{sessions, NewPassword};
use lyceum_domain::UserId;
use serde::Deserialize;
use utoipa::ToSchema;

/// `{id}` of `/users/{id}/invitation`.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct InvitedPath {
    /// The invited user's id.
    id: UserId,
}

/// Invites an invited user again (a new token; earlier ones stop working). Needs `user:manage`.
#[utoipa::path(post, path = "/api/v1/users/{id}/invitation", tag = "users", params(InvitedPath),
    security(("bearer" = [])),
    responses(
        (status = 201, body = InvitationToken),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`NOT_INVITED`: the user has a password already", body = ErrorBody),
    ))]
pub(crate) async fn reissue(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(InvitedPath { id }): Path<InvitedPath>,
) -> Result<(StatusCode, Json<InvitationToken>), ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let invitation = invitations::reinvite(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AcceptRequest {
    token: String,
    /// The new password (policy: length, not a common one).
    password: String,
}

/// Accepts an invitation: sets the password, activates the user, signs them in.
#[utoipa::path(post, path = "/api/v1/auth/accept-invitation", tag = "auth", request_body = AcceptRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, description = "`INVALID_INVITATION`: unknown, used or expired", body = ErrorBody),
        (status = 422, description = "`WEAK_PASSWORD`", body = ErrorBody),
    ))]
pub(crate) async fn accept(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let password = NewPassword::choose(request.password).await?;
    let mut tx = state.store.begin_write(&tenant).await?;
    let user = invitations::accept(&mut tx, &request.token, &password, &origin).await?;
    let expires = auth::refresh_expiry(&state);
    let refresh_token = sessions::sign_in(&mut tx, &user, expires, &origin).await?;
    let response = auth::tokens_for(&state, &tenant, &user, refresh_token).await?;
    tx.commit().await?;
    Ok(Json(response))
}
