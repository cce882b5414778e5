//! Users of a tenant, managed by its admins: `GET/POST /api/v1/users`,
//! `POST /api/v1/users/import` (CSV), `GET/PATCH /api/v1/users/{id}`, `POST /api/v1/users/{id}/deactivate`, `/reactivate` and `/unlock`; and self sign-up
//! (`POST /api/v1/auth/signup`) where the tenant's settings allow it. The rules and events are
//! `lyceum_app::identity::users`'s.

use crate::api::auth::Authenticated;
use crate::http::context::RequestOrigin;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::tenancy::CurrentTenant;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use lyceum_app::identity::import::{self, PeopleImportReport};
use lyceum_app::identity::invitations::InvitationToken;
use lyceum_app::identity::users::{self, NewPerson, PeopleFilter};
use lyceum_app::identity::{NewPassword, User};
use lyceum_domain::{Role, SearchText, UserId, UserStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct Page {
    /// Only users whose name or e-mail address holds this text, whatever the case (ASCII
    /// letters only on SQLite); control characters and surrounding spaces are ignored, and text
    /// beyond 200 characters.
    q: Option<String>,
    /// Only users of this role.
    role: Option<Role>,
    /// Only users in this status.
    status: Option<UserStatus>,
    /// `next_cursor` of the previous page.
    after: Option<UserId>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct UserPage {
    items: Vec<User>,
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

/// The tenant's users, oldest first, a page at a time, or those `q`, `role` and `status` pick.
/// Needs `user:manage`.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(Page), security(("bearer" = [])),
    responses(
        (status = 200, body = UserPage),
        (status = 400, description = "`VALIDATION_FAILED`: an unknown role or status", body = ErrorBody),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    page: Result<Query<Page>, QueryRejection>,
) -> Result<Json<UserPage>, ApiError> {
    // An unknown role or status is a value the caller got wrong, like any other field.
    let Query(page) = page.map_err(|rejection| {
        let message = crate::http::error::in_our_words(&rejection.body_text());
        ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_FAILED", message)
    })?;
    let limit = crate::http::paging::page_size(page.limit)?;
    let mut tx = state.store.begin(&auth.tenant).await?;
    let filter = PeopleFilter {
        search: page.q.as_deref().and_then(SearchText::new),
        role: page.role,
        status: page.status,
    };
    let items = users::list(&mut tx, &auth.actor(), &filter, page.after, limit).await?;
    tx.commit().await?;
    let next_cursor = crate::http::paging::next_cursor(&items, limit, |u| u.id);
    Ok(Json(UserPage { items, next_cursor }))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedUser {
    #[serde(flatten)]
    user: User,
    /// For a user created without a password: the token to pass on to them.
    invitation: Option<InvitationToken>,
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
    let password = match request.password {
        Some(password) => Some(NewPassword::choose(password).await?),
        None => None,
    };
    let person = NewPerson {
        email: request.email,
        display_name: request.display_name,
        role: request.role,
        password,
    };
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let (user, invitation) = users::create(&mut tx, &auth.actor(), person).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(CreatedUser { user, invitation })))
}

/// People from a CSV upload (`text/csv`, UTF-8, at most 10,000 rows and 8 MiB): a header row
/// with `email` and `name` columns, and optional `role` (`student` when empty) and `courses`
/// (course codes, the courses' slugs, separated by `;`) columns. Each row is created (an
/// invited person, sent an invitation by mail, enrolled in the row's courses), found existing
/// (`already_exists`: nothing changes), or fails with its code; the good rows are imported
/// whatever the others. A file that cannot be read is refused whole (`INVALID_CSV`), writing
/// nothing. Needs `user:manage` (and `enrollment:manage` for courses).
#[utoipa::path(post, path = "/api/v1/users/import", tag = "users",
    request_body(content = String, content_type = "text/csv"), security(("bearer" = [])),
    responses(
        (status = 200, body = PeopleImportReport),
        (status = 400, description = "`INVALID_CSV`", body = ErrorBody),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 413, description = "`PAYLOAD_TOO_LARGE`: more than 8 MiB", body = ErrorBody),
    ))]
pub(crate) async fn import(
    State(state): State<AppState>,
    auth: Authenticated,
    body: Bytes,
) -> Result<Json<PeopleImportReport>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let report = import::import_people(&mut tx, &auth.actor(), &body).await?;
    tx.commit().await?;
    Ok(Json(report))
}

/// Self sign-up as a student, where the tenant's settings allow it (`self_signup: true`).
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth", request_body = SignUpRequest,
    responses(
        (status = 201, body = User),
        (status = 403, description = "`SIGNUP_DISABLED`", body = ErrorBody),
        (status = 409, description = "`CONFLICT`", body = ErrorBody),
    ))]
pub(crate) async fn sign_up(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(request): ApiJson<SignUpRequest>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let password = NewPassword::choose(request.password).await?;
    let mut tx = state.store.begin_write(&tenant).await?;
    let user = users::sign_up(
        &mut tx,
        &tenant,
        request.email,
        request.display_name,
        password,
        &origin,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// One user. Everyone may read themselves; others need `user:manage`.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(UserPath), security(("bearer" = [])),
    responses((status = 200, body = User), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(UserPath { id }): Path<UserPath>,
) -> Result<Json<User>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let user = users::show(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(user))
}

/// Changes a user's name or role. Needs `user:manage`.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(UserPath), request_body = UserChanges,
    security(("bearer" = [])),
    responses(
        (status = 200, body = User),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`LAST_ADMIN`", body = ErrorBody),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(UserPath { id }): Path<UserPath>,
    ApiJson(changes): ApiJson<UserChanges>,
) -> Result<Json<User>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let user = users::change(
        &mut tx,
        &auth.actor(),
        id,
        changes.display_name.as_deref(),
        changes.role,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(user))
}

/// Deactivates a user and signs them out everywhere (their refresh tokens are revoked).
/// Needs `user:manage`.
#[utoipa::path(post, path = "/api/v1/users/{id}/deactivate", tag = "users", params(UserPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = User),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`CANNOT_DEACTIVATE_SELF`, `LAST_ADMIN`", body = ErrorBody),
    ))]
pub(crate) async fn deactivate(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(UserPath { id }): Path<UserPath>,
) -> Result<Json<User>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let user = users::deactivate(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(user))
}

/// Reactivates a deactivated user (admins): they sign in with their password again; a student
/// counts toward the plan again.
#[utoipa::path(post, path = "/api/v1/users/{id}/reactivate", tag = "users", params(UserPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = User),
        (status = 403, description = "`PERMISSION_DENIED`, `PLAN_LIMIT_REACHED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`NOT_DEACTIVATED`", body = ErrorBody),
    ))]
pub(crate) async fn reactivate(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(UserPath { id }): Path<UserPath>,
) -> Result<Json<User>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let user = users::reactivate(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(user))
}

/// Unlocks a user's sign-in (admins), locked after repeated wrong passwords: they may try
/// again at once. The count of failures is kept by each server process; with several, the
/// lock ends by itself after the failure window in the others.
#[utoipa::path(post, path = "/api/v1/users/{id}/unlock", tag = "users", params(UserPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = User),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn unlock(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(UserPath { id }): Path<UserPath>,
) -> Result<Json<User>, ApiError> {
    let user = crate::api::auth::unlock_sign_in(&state, &auth.tenant, &auth.actor(), id).await?;
    Ok(Json(user))
}
