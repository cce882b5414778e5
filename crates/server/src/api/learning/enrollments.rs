//! Enrollments over HTTP: self-enrollment, enrollment by course staff, bulk enrollment from CSV
//! with a result per row, listing (mine, a course's students), unenrolling, and due dates. The
//! rules are `lyceum_app::learning::{enrollments, import}`'s.

use super::CoursePath;
use crate::api::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use lyceum_app::learning::enrollments::{self, Enrollment, Student};
use lyceum_app::learning::import::{self, ImportReport};
use lyceum_domain::{EnrollmentId, GroupId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `{id}` of `/enrollments/{id}`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct EnrollmentPath {
    /// The enrollment's id.
    id: EnrollmentId,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnrollRequest {
    /// Whom to enroll (course staff and admins); default: yourself.
    user_id: Option<UserId>,
    due_at: Option<DateTime<Utc>>,
}

/// Enrolls yourself (a published course with room whose prerequisites you completed), or, as
/// course staff or admin, someone else. Enrolling again answers the existing enrollment.
#[utoipa::path(post, path = "/api/v1/courses/{id}/enroll", tag = "enrollments", params(CoursePath),
    request_body(content = Option<EnrollRequest>), security(("bearer" = [])),
    responses(
        (status = 201, description = "Enrolled", body = Enrollment),
        (status = 200, description = "Already enrolled", body = Enrollment),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 409, description = "`COURSE_NOT_OPEN`, `COURSE_FULL`, `PREREQUISITES_NOT_MET`", body = ErrorBody),
    ))]
pub(crate) async fn enroll(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    body: Bytes,
) -> Result<(StatusCode, Json<Enrollment>), ApiError> {
    let request: EnrollRequest = crate::http::json::optional_body(&body)?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let (enrollment, created) =
        enrollments::enroll_in(&mut tx, &auth.actor(), id, request.user_id, request.due_at).await?;
    tx.commit().await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(enrollment)))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct EnrollmentList {
    items: Vec<Enrollment>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnrollmentFilter {
    /// Another user's enrollments (admins only); default: yours.
    user_id: Option<UserId>,
}

/// Your enrollments (or, for admins, another user's).
#[utoipa::path(get, path = "/api/v1/enrollments", tag = "enrollments", params(EnrollmentFilter),
    security(("bearer" = [])),
    responses((status = 200, body = EnrollmentList), (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    Query(filter): Query<EnrollmentFilter>,
) -> Result<Json<EnrollmentList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = enrollments::enrollments_of(&mut tx, &auth.actor(), filter.user_id).await?;
    tx.commit().await?;
    Ok(Json(EnrollmentList { items }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct StudentPage {
    /// Only the members of this group.
    group: Option<GroupId>,
    /// `next_cursor` of the previous page.
    after: Option<EnrollmentId>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct StudentList {
    items: Vec<Student>,
    next_cursor: Option<EnrollmentId>,
}

/// A course's learners with their enrollments and progress (all of them, or a group's
/// members). Course staff and admins.
#[utoipa::path(get, path = "/api/v1/courses/{id}/students", tag = "enrollments", params(CoursePath, StudentPage),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StudentList),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no such course or group", body = ErrorBody),
    ))]
pub(crate) async fn students(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    Query(page): Query<StudentPage>,
) -> Result<Json<StudentList>, ApiError> {
    let limit = crate::http::paging::page_size(page.limit)?;
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items =
        enrollments::students(&mut tx, &auth.actor(), id, page.group, page.after, limit).await?;
    tx.commit().await?;
    let next_cursor = crate::http::paging::next_cursor(&items, limit, |s| s.enrollment.id);
    Ok(Json(StudentList { items, next_cursor }))
}

/// Unenrolls: the enrollment becomes `dropped` (its progress is kept). The learner or the
/// course's staff.
#[utoipa::path(delete, path = "/api/v1/enrollments/{id}", tag = "enrollments", params(EnrollmentPath),
    security(("bearer" = [])),
    responses((status = 200, body = Enrollment), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn unenroll(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(EnrollmentPath { id }): Path<EnrollmentPath>,
) -> Result<Json<Enrollment>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let enrollment = enrollments::unenroll(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(enrollment))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnrollmentChanges {
    /// A new due date for this learner (an extension); `null` removes it. Required.
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>, required = true)]
    due_at: Option<DateTime<Utc>>,
}

/// A field that must be given, though it may be `null`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::deserialize(d)
}

/// Sets one learner's due date. Course staff and admins.
#[utoipa::path(patch, path = "/api/v1/enrollments/{id}", tag = "enrollments", params(EnrollmentPath),
    request_body = EnrollmentChanges, security(("bearer" = [])),
    responses((status = 200, body = Enrollment), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(EnrollmentPath { id }): Path<EnrollmentPath>,
    ApiJson(changes): ApiJson<EnrollmentChanges>,
) -> Result<Json<Enrollment>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let enrollment = enrollments::set_due(&mut tx, &auth.actor(), id, changes.due_at).await?;
    tx.commit().await?;
    Ok(Json(enrollment))
}

/// Bulk enrollment from a CSV upload (`text/csv`, UTF-8): a header row with an `email`
/// column and an optional `due_at` column (RFC 3339 or `YYYY-MM-DD`). Each row is enrolled,
/// found already enrolled, or fails with its reason; uploading the same file again changes
/// nothing. A file that is not UTF-8 or lacks the `email` column is refused as a whole.
#[utoipa::path(post, path = "/api/v1/courses/{id}/enrollments/import", tag = "enrollments", params(CoursePath),
    request_body(content = String, content_type = "text/csv"), security(("bearer" = [])),
    responses(
        (status = 200, body = ImportReport),
        (status = 400, description = "`INVALID_CSV`", body = ErrorBody),
        (status = 409, description = "`COURSE_NOT_OPEN`", body = ErrorBody),
    ))]
pub(crate) async fn import(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let report = import::import_enrollments(&mut tx, &auth.actor(), id, &body).await?;
    tx.commit().await?;
    Ok(Json(report))
}
