//! Users of a tenant, managed by its admins: `GET/POST /api/v1/users`,
//! `GET/PATCH /api/v1/users/{id}`, `POST /api/v1/users/{id}/deactivate`; and self sign-up
//! (`POST /api/v1/auth/signup`) where the tenant's settings allow it. Every change writes its
//! event to the outbox in the same transaction.

use crate::auth::{password, Authenticated};
use crate::error::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::tenancy::CurrentTenant;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use lyceum_domain::{events, Email, Permission, Plan, Role, UserId, UserStatus};
use lyceum_store::repo::{outbox, refresh_tokens, users};
use lyceum_store::WriteTx;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct Page {
    /// `next_cursor` of the previous page.
    after: Option<UserId>,
    /// 1 to 200, default 50.
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UserPage {
    items: Vec<users::User>,
    /// Pass as `after` for the next page; `null` on the last page.
    next_cursor: Option<UserId>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUserRequest {
    #[schema(max_length = 254)]
    email: String,
    #[schema(min_length = 1, max_length = 200)]
    display_name: String,
    role: Role,
    /// Without a password the user is `invited` and cannot sign in yet.
    #[schema(min_length = 10, max_length = 256)]
    password: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserChanges {
    display_name: Option<String>,
    role: Option<Role>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SignUpRequest {
    #[schema(max_length = 254)]
    email: String,
    #[schema(min_length = 1, max_length = 200)]
    display_name: String,
    #[schema(min_length = 10, max_length = 256)]
    password: String,
}

/// `{id}` of `/users/{id}`, by name: under `/t/{slug}` the path has a second parameter.
#[derive(Deserialize, IntoParams)]
pub(crate) struct UserPath {
    /// The user's id.
    id: UserId,
}

/// Refuses to take the last active admin's role or access: nobody could manage the tenant.
async fn keep_an_admin(tx: &mut WriteTx, user: UserId) -> Result<(), ApiError> {
    let admins = users::lock_active_admins(tx).await?;
    if admins == [user] {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "LAST_ADMIN",
            "the organization needs at least one active admin; appoint another first",
        ));
    }
    Ok(())
}

fn user_not_found() -> ApiError {
    ApiError::not_found("no such user")
}

/// The tenant's users, oldest first, a page at a time. Needs `user:manage`.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(Page), security(("bearer" = [])),
    responses((status = 200, body = UserPage), (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(page): Query<Page>,
) -> Result<Json<UserPage>, ApiError> {
    auth.require(Permission::UserManage)?;
    let limit = crate::paging::page_size(page.limit)?;
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = users::list(&mut tx, page.after, limit).await?;
    tx.commit().await?;
    let next_cursor = crate::paging::next_cursor(&items, limit, |u| u.id);
    Ok(Json(UserPage { items, next_cursor }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedUser {
    #[serde(flatten)]
    user: users::User,
    /// For a user created without a password: the token to pass on to them.
    invitation: Option<crate::invitations::InvitationToken>,
}

/// Creates a user; without a password the user is `invited` and the answer carries the
/// invitation token to pass on. Needs `user:manage`.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserRequest, security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedUser),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 409, description = "`CONFLICT`: the e-mail is taken in this tenant", body = ErrorBody),
        (status = 422, description = "`INVALID_EMAIL`, `WEAK_PASSWORD` ...", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<NewUserRequest>,
) -> Result<(StatusCode, Json<CreatedUser>), ApiError> {
    auth.require(Permission::UserManage)?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let user = insert_user(
        &mut tx,
        auth.tenant.plan,
        request.email,
        request.display_name,
        request.role,
        request.password,
        Some(auth.user_id),
    )
    .await?;
    let invitation = match user.status {
        UserStatus::Invited => {
            Some(crate::invitations::issue(&mut tx, user.id, auth.user_id).await?)
        }
        UserStatus::Active | UserStatus::Deactivated => None,
    };
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(CreatedUser { user, invitation })))
}

/// Self sign-up as a student, where the tenant's settings allow it (`self_signup: true`).
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignUpRequest,
    responses(
        (status = 201, body = users::User),
        (status = 403, description = "`SIGNUP_DISABLED`", body = ErrorBody),
        (status = 409, description = "`CONFLICT`", body = ErrorBody),
    ))]
pub(crate) async fn sign_up(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    ApiJson(request): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<users::User>), ApiError> {
    if tenant.settings.get("self_signup").and_then(Value::as_bool) != Some(true) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "SIGNUP_DISABLED",
            "this organization does not allow self sign-up",
        ));
    }
    let mut tx = state.store.begin_write(&tenant).await?;
    let user = insert_user(
        &mut tx,
        tenant.plan,
        request.email,
        request.display_name,
        Role::Student,
        Some(request.password),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(user)))
}

async fn insert_user(
    tx: &mut WriteTx,
    plan: Plan,
    email: String,
    display_name: String,
    role: Role,
    password: Option<String>,
    created_by: Option<UserId>,
) -> Result<users::User, ApiError> {
    let email = Email::parse(&email)?;
    if role == Role::Student {
        let used = users::count_students(tx).await?;
        lyceum_app::learning::courses::within_plan("students", used, plan.limits().max_students)?;
    }
    let password_hash = match password {
        Some(password) => {
            lyceum_domain::password::check_policy(&password)?;
            Some(password::hash(password).await?)
        }
        None => None,
    };
    let status = if password_hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    };
    let new = users::NewUser {
        email,
        display_name,
        role,
        password_hash,
    };
    let user = users::insert_with_status(tx, &new, status).await?;
    let created = events::UserCreated {
        user_id: user.id,
        role: user.role,
        status,
        created_by,
    };
    outbox::append(tx, &created.into()).await?;
    Ok(user)
}

/// One user. Everyone may read themselves; others need `user:manage`.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(UserPath), security(("bearer" = [])),
    responses((status = 200, body = users::User), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(UserPath { id }): Path<UserPath>,
) -> Result<Json<users::User>, ApiError> {
    if auth.user_id != id {
        auth.require(Permission::UserManage)?;
    }
    let mut tx = state.store.begin(&auth.tenant).await?;
    let user = users::get(&mut tx, id).await?.ok_or_else(user_not_found)?;
    tx.commit().await?;
    Ok(Json(user))
}

/// Changes a user's name or role. Needs `user:manage`.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(UserPath), request_body = UserChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, body = users::User),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`LAST_ADMIN`", body = ErrorBody),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(UserPath { id }): Path<UserPath>,
    ApiJson(changes): ApiJson<UserChanges>,
) -> Result<Json<users::User>, ApiError> {
    auth.require(Permission::UserManage)?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    if changes.role.is_some_and(|role| role != Role::Admin) {
        keep_an_admin(&mut tx, id).await?;
    }
    if changes.role == Some(Role::Student) {
        let current = users::get(&mut tx, id).await?.ok_or_else(user_not_found)?;
        if current.role != Role::Student {
            let used = users::count_students(&mut tx).await?;
            let limit = auth.tenant.plan.limits().max_students;
            lyceum_app::learning::courses::within_plan("students", used, limit)?;
        }
    }
    let user = users::update(&mut tx, id, changes.display_name.as_deref(), changes.role)
        .await?
        .ok_or_else(user_not_found)?;
    let updated = events::UserUpdated {
        user_id: id,
        role: user.role,
        by: auth.user_id,
    };
    outbox::append(&mut tx, &updated.into()).await?;
    tx.commit().await?;
    Ok(Json(user))
}

/// Deactivates a user and signs them out everywhere (their refresh tokens are revoked).
/// Needs `user:manage`.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", params(UserPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = users::User),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`CANNOT_DEACTIVATE_SELF`, `LAST_ADMIN`", body = ErrorBody),
    ))]
pub(crate) async fn deactivate(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(UserPath { id }): Path<UserPath>,
) -> Result<Json<users::User>, ApiError> {
    auth.require(Permission::UserManage)?;
    if auth.user_id == id {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "CANNOT_DEACTIVATE_SELF",
            "ask another admin to deactivate you",
        ));
    }
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    keep_an_admin(&mut tx, id).await?;
    let user = users::set_status(&mut tx, id, UserStatus::Deactivated)
        .await?
        .ok_or_else(user_not_found)?;
    refresh_tokens::revoke_user(&mut tx, id).await?;
    let deactivated = events::UserDeactivated {
        user_id: id,
        by: auth.user_id,
    };
    outbox::append(&mut tx, &deactivated.into()).await?;
    tx.commit().await?;
    Ok(Json(user))
}
