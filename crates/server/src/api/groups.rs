//! Groups (cohorts) of a tenant's people, for its admins: `GET/POST /api/v1/groups`,
//! `GET/PATCH/DELETE /api/v1/groups/{id}`, `POST /api/v1/groups/{id}/members`,
//! `DELETE /api/v1/groups/{id}/members/{user_id}` and `POST /api/v1/groups/{id}/enroll`. The
//! rules, events and audit entries are `lyceum_app::groups`'s.

use crate::api::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use lyceum_app::groups::{self, Group, GroupEnrollment};
use lyceum_app::identity::User;
use lyceum_domain::{CourseId, GroupId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `{id}` of `/groups/{id}`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct GroupPath {
    /// The group's id.
    id: GroupId,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct MemberPath {
    /// The group's id.
    id: GroupId,
    /// The member's user id.
    user_id: UserId,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupRequest {
    /// Unique in the organization, whatever the case.
    #[schema(min_length = 1, max_length = 100)]
    name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MembersRequest {
    /// People to add (at most 1,000); those in the group already are skipped.
    #[schema(max_items = 1000)]
    user_ids: Vec<UserId>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GroupEnrollRequest {
    course_id: CourseId,
    due_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct GroupList {
    items: Vec<Group>,
}

/// A group with its members listed (where a group in a list has their count).
#[derive(Serialize, ToSchema)]
pub(crate) struct GroupWithMembers {
    id: GroupId,
    name: String,
    members: Vec<User>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct MembersAdded {
    /// Who joined the group now.
    added: Vec<UserId>,
}

/// The organization's groups, by name. Needs `user:manage`.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", security(("bearer" = [])),
    responses((status = 200, body = GroupList), (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<GroupList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = groups::list(&mut tx, &auth.actor()).await?;
    tx.commit().await?;
    Ok(Json(GroupList { items }))
}

/// Creates a group. Needs `user:manage`.
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", request_body = GroupRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = Group),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 409, description = "`GROUP_NAME_TAKEN`", body = ErrorBody),
        (status = 422, description = "`VALIDATION_FAILED`: an empty or too long name", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<GroupRequest>,
) -> Result<(StatusCode, Json<Group>), ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let group = groups::create(&mut tx, &auth.actor(), &request.name).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(group)))
}

/// A group and its members. Needs `user:manage`.
#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups", params(GroupPath),
    security(("bearer" = [])),
    responses((status = 200, body = GroupWithMembers), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(GroupPath { id }): Path<GroupPath>,
) -> Result<Json<GroupWithMembers>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let (group, members) = groups::show(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(GroupWithMembers {
        id: group.id,
        name: group.name,
        members,
        created_at: group.created_at,
        updated_at: group.updated_at,
    }))
}

/// Renames a group. Needs `user:manage`.
#[utoipa::path(patch, path = "/api/v1/groups/{id}", tag = "groups", params(GroupPath),
    request_body = GroupRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = Group),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`GROUP_NAME_TAKEN`", body = ErrorBody),
    ))]
pub(crate) async fn rename(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(GroupPath { id }): Path<GroupPath>,
    ApiJson(request): ApiJson<GroupRequest>,
) -> Result<Json<Group>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let group = groups::rename(&mut tx, &auth.actor(), id, &request.name).await?;
    tx.commit().await?;
    Ok(Json(group))
}

/// Deletes a group (its people stay). Needs `user:manage`.
#[utoipa::path(delete, path = "/api/v1/groups/{id}", tag = "groups", params(GroupPath),
    security(("bearer" = [])),
    responses((status = 204, description = "Deleted"), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(GroupPath { id }): Path<GroupPath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    groups::delete(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds people to a group; a person the organization does not have refuses the whole call
/// (`NOT_FOUND`), adding nobody. Needs `user:manage`.
#[utoipa::path(post, path = "/api/v1/groups/{id}/members", tag = "groups", params(GroupPath),
    request_body = MembersRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = MembersAdded),
        (status = 404, description = "`NOT_FOUND`: no such group or person", body = ErrorBody),
        (status = 422, description = "`TOO_MANY_MEMBERS`", body = ErrorBody),
    ))]
pub(crate) async fn add_members(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(GroupPath { id }): Path<GroupPath>,
    ApiJson(request): ApiJson<MembersRequest>,
) -> Result<Json<MembersAdded>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let added = groups::add_members(&mut tx, &auth.actor(), id, &request.user_ids).await?;
    tx.commit().await?;
    Ok(Json(MembersAdded { added }))
}

/// Removes a person from a group. Needs `user:manage`.
#[utoipa::path(delete, path = "/api/v1/groups/{id}/members/{user_id}", tag = "groups", params(MemberPath),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(MemberPath { id, user_id }): Path<MemberPath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    groups::remove_member(&mut tx, &auth.actor(), id, user_id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enrolls every member of a group in a published course; members enrolled already are
/// skipped, deactivated ones and those past the course's seats reported. Needs `user:manage`
/// and `enrollment:manage`.
#[utoipa::path(post, path = "/api/v1/groups/{id}/enroll", tag = "groups", params(GroupPath),
    request_body = GroupEnrollRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = GroupEnrollment),
        (status = 404, description = "`NOT_FOUND`: no such group or course", body = ErrorBody),
        (status = 409, description = "`COURSE_NOT_OPEN`", body = ErrorBody),
    ))]
pub(crate) async fn enroll(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(GroupPath { id }): Path<GroupPath>,
    ApiJson(request): ApiJson<GroupEnrollRequest>,
) -> Result<Json<GroupEnrollment>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let report = groups::enroll_group(
        &mut tx,
        &auth.actor(),
        id,
        request.course_id,
        request.due_at,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(report))
}
