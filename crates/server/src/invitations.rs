//! Invitations: an admin creates a user without a password (`invited`) or re-invites one, and
//! hands the one-time token to the person (Lyceum sends no mail itself); the person accepts
//! with `POST /api/v1/auth/accept-invitation`, sets a password and is signed in.

use crate::auth::{self, password, Authenticated, TokenResponse};
use crate::error::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::tenancy::CurrentTenant;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use lyceum_domain::{events, Permission, UserId, UserStatus};
use lyceum_store::repo::{invitations, outbox, users};
use lyceum_store::WriteTx;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// How long an invitation can be accepted.
const VALID_FOR: chrono::Duration = chrono::Duration::days(7);

/// What the admin passes on to the invited person.
#[derive(Serialize, ToSchema)]
pub(crate) struct InvitationToken {
    /// One-time; shown only here.
    token: String,
    expires_at: DateTime<Utc>,
}

/// Issues a fresh invitation for an invited user, withdrawing earlier ones; records the event.
pub(crate) async fn issue(
    tx: &mut WriteTx,
    user: UserId,
    by: UserId,
) -> Result<InvitationToken, ApiError> {
    let (token, hash) = auth::new_opaque_token()?;
    let expires_at = Utc::now() + VALID_FOR;
    invitations::issue(tx, user, &hash, expires_at, Some(by)).await?;
    let invited = events::UserInvited {
        user_id: user,
        by,
        expires_at,
    };
    outbox::append(tx, &invited.into()).await?;
    Ok(InvitationToken { token, expires_at })
}

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
    auth.require(Permission::UserManage)?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let user = users::get(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such user"))?;
    if user.status != UserStatus::Invited {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "NOT_INVITED",
            format!("the user is {}, not invited", user.status),
        ));
    }
    let invitation = issue(&mut tx, id, auth.user_id).await?;
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
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    lyceum_domain::password::check_policy(&request.password)?;
    let invalid = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_INVITATION",
            "this invitation is unknown, used or expired; ask for a new one",
        )
    };
    let hash = password::hash(request.password).await?;
    let mut tx = state.store.begin_write(&tenant).await?;
    let invitation = invitations::by_hash(&mut tx, &auth::opaque_token_hash(&request.token))
        .await?
        .filter(|i| i.accepted_at.is_none() && i.expires_at > Utc::now())
        .ok_or_else(invalid)?;
    let user_id = UserId::from_uuid(invitation.user_id);
    tx.affects_only(user_id);
    let user = users::activate_with_password(&mut tx, user_id, &hash)
        .await?
        .ok_or_else(invalid)?;
    if !invitations::accept(&mut tx, invitation.id).await? {
        return Err(invalid());
    }
    let activated = events::UserActivated {
        user_id: user.id,
        invitation_id: invitation.id,
    };
    outbox::append(&mut tx, &activated.into()).await?;
    let response = auth::sign_in(&state, &mut tx, &tenant, &user, Uuid::now_v7()).await?;
    tx.commit().await?;
    Ok(Json(response))
}
