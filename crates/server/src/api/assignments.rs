//! Assignments over HTTP: an assignment's prompt, rubric and artifacts
//! (`/assessments/{id}/assignment`), a learner's own work (`/assessments/{id}/my-submission`,
//! its files streamed in, `.../submit`), the graders' queue (`/assessments/{id}/grading-queue`,
//! `/courses/{id}/grading-queue`), a version of work (`/assignment-submissions/{id}`) and its
//! grade, release and return, releasing every grade at once, extensions of a learner's due
//! date (`/assessments/{id}/extensions`, `/extensions/{id}`) and the average per rubric
//! criterion of a course (`/courses/{id}/rubric-averages`). The rules, events, mail and audit
//! entries are `lyceum_app::assessments::assignments`'s; a learner's answers are built by it
//! without an unreleased grade. Every answer is `Cache-Control: no-store` (the default).

use crate::api::assessments::AssessmentPath;
use crate::api::auth::Authenticated;
use crate::api::files::{declared, storage};
use crate::api::learning::CoursePath;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{DateTime, Utc};
use lyceum_app::assessments::assignments::{
    self, AssignmentView, CriterionAverage, Extension, LearnerWork, QueueScope, QueuedVersion,
    StaffVersion, StoredFile, VersionRead,
};
use lyceum_app::files::{self, SubmissionUpload};
use lyceum_domain::assessment::{AssignmentSettings, CriterionGrade};
use lyceum_domain::{ExtensionId, FileId, SubmissionId, UserId};
use lyceum_store::LearnerLock;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub(crate) struct VersionPath {
    /// The id of the version of work.
    id: SubmissionId,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct ExtensionPath {
    /// The extension's id.
    id: ExtensionId,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct DraftFilePath {
    /// The assignment's id.
    id: lyceum_domain::AssessmentId,
    /// The file's id.
    file_id: FileId,
}

/// An assignment: its prompt, rubric and artifacts (course staff and enrolled learners).
#[utoipa::path(get, path = "/api/v1/assessments/{id}/assignment", tag = "assessments", params(AssessmentPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AssignmentView),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`NOT_AN_ASSIGNMENT`", body = ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<Json<AssignmentView>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let view = assignments::settings(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Saves an assignment's prompt, rubric and artifacts (course staff with `course:edit`).
#[utoipa::path(put, path = "/api/v1/assessments/{id}/assignment", tag = "assessments", params(AssessmentPath),
    request_body = AssignmentSettings, security(("bearer" = [])),
    responses(
        (status = 200, body = AssignmentView),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`NOT_AN_ASSIGNMENT`, `INVALID_ASSIGNMENT`, `INVALID_RUBRIC`", body = ErrorBody),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
    ApiJson(settings): ApiJson<AssignmentSettings>,
) -> Result<Json<AssignmentView>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let view = assignments::set_settings(&mut tx, &auth.actor(), id, &settings).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Your work on an assignment: every version (the draft last), grades once released.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/my-submission", tag = "assessments", params(AssessmentPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = LearnerWork),
        (status = 403, description = "`PERMISSION_DENIED`, `NOT_ENROLLED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`NOT_AN_ASSIGNMENT`", body = ErrorBody),
    ))]
pub(crate) async fn my_work(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<Json<LearnerWork>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let work = assignments::my_work(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(work))
}

/// A draft's text answer and link (each left out or `null`: none).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DraftInput {
    text: Option<String>,
    link: Option<String>,
}

/// Saves your draft (made when there is none; a new version after work was sent back).
#[utoipa::path(put, path = "/api/v1/assessments/{id}/my-submission", tag = "assessments", params(AssessmentPath),
    request_body = DraftInput, security(("bearer" = [])),
    responses(
        (status = 200, body = LearnerWork),
        (status = 403, description = "`PERMISSION_DENIED`, `NOT_ENROLLED`, `LESSON_LOCKED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`ASSESSMENT_NOT_OPEN`, `DEADLINE_PASSED`, `ALREADY_SUBMITTED`", body = ErrorBody),
        (status = 422, description = "`NOT_AN_ASSIGNMENT`, `INVALID_SUBMISSION`", body = ErrorBody),
    ))]
pub(crate) async fn save_draft(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
    ApiJson(draft): ApiJson<DraftInput>,
) -> Result<Json<LearnerWork>, ApiError> {
    let actor = auth.actor();
    let lock = LearnerLock {
        learner: actor.user,
    };
    let mut tx = state.store.begin_learner_write(&auth.tenant, lock).await?;
    let work = assignments::save_draft(
        &mut tx,
        &actor,
        id,
        draft.text.as_deref(),
        draft.link.as_deref(),
        Utc::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(work))
}

/// How an uploaded file names itself; its type is the request's `Content-Type`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileNameQuery {
    /// The file's name (metadata only; folders and control characters are dropped).
    name: Option<String>,
}

/// Attaches a file to your draft: the request's body is the file, its `Content-Type` the
/// file's type (held against the content and the assignment's types), streamed.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/my-submission/files", tag = "assessments",
    params(AssessmentPath, FileNameQuery),
    request_body(content = String, content_type = "application/octet-stream",
        description = "The file's bytes, sent with its own type (`application/pdf` ...)"),
    security(("bearer" = [])),
    responses(
        (status = 201, body = StoredFile),
        (status = 403, description = "`PERMISSION_DENIED`, `NOT_ENROLLED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`TOO_MANY_FILES`, `DEADLINE_PASSED`, `ALREADY_SUBMITTED`", body = ErrorBody),
        (status = 413, description = "`FILE_TOO_LARGE`, `STORAGE_QUOTA_EXCEEDED`", body = ErrorBody),
        (status = 422, description = "`FILE_TYPE_NOT_ALLOWED`, `FILE_TYPE_MISMATCH`, `FILE_EMPTY`, `INVALID_SUBMISSION`", body = ErrorBody),
    ))]
pub(crate) async fn upload(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
    Query(query): Query<FileNameQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<StoredFile>), ApiError> {
    let storage = storage(&state)?;
    let (content_type, length) = declared(&headers);
    let request = SubmissionUpload {
        assessment: id,
        name: query.name.as_deref().unwrap_or_default(),
        content_type,
        length,
    };
    let file = files::upload_submission_file(
        storage,
        &auth.tenant,
        &auth.actor(),
        request,
        body.into_data_stream(),
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(file)))
}

/// Removes a file from your draft.
#[utoipa::path(delete, path = "/api/v1/assessments/{id}/my-submission/files/{file_id}", tag = "assessments",
    params(DraftFilePath), security(("bearer" = [])),
    responses(
        (status = 200, body = LearnerWork),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`DEADLINE_PASSED`", body = ErrorBody),
    ))]
pub(crate) async fn detach_file(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(DraftFilePath { id, file_id }): Path<DraftFilePath>,
) -> Result<Json<LearnerWork>, ApiError> {
    let actor = auth.actor();
    let lock = LearnerLock {
        learner: actor.user,
    };
    let mut tx = state.store.begin_learner_write(&auth.tenant, lock).await?;
    let work = assignments::detach_file(&mut tx, &actor, id, file_id, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(work))
}

/// Hands your draft in: `submitted`, or after your due date `late` or refused per the late
/// policy.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/my-submission/submit", tag = "assessments",
    params(AssessmentPath), security(("bearer" = [])),
    responses(
        (status = 200, body = LearnerWork),
        (status = 403, description = "`PERMISSION_DENIED`, `NOT_ENROLLED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`DEADLINE_PASSED`, `ALREADY_SUBMITTED`, `NOTHING_TO_SUBMIT`", body = ErrorBody),
        (status = 422, description = "`NOT_AN_ASSIGNMENT`, `EMPTY_SUBMISSION`", body = ErrorBody),
    ))]
pub(crate) async fn submit(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<Json<LearnerWork>, ApiError> {
    let actor = auth.actor();
    let lock = LearnerLock {
        learner: actor.user,
    };
    let mut tx = state.store.begin_learner_write(&auth.tenant, lock).await?;
    let work = assignments::submit(&mut tx, &actor, id, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(work))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct QueueList {
    items: Vec<QueuedVersion>,
}

/// Work handed in on an assignment and waiting for a grade, oldest first (its graders).
#[utoipa::path(get, path = "/api/v1/assessments/{id}/grading-queue", tag = "assessments", params(AssessmentPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = QueueList),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`NOT_AN_ASSIGNMENT`", body = ErrorBody),
    ))]
pub(crate) async fn queue(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<Json<QueueList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = assignments::queue(&mut tx, &auth.actor(), QueueScope::Assessment(id)).await?;
    tx.commit().await?;
    Ok(Json(QueueList { items }))
}

/// Work handed in on every assignment of a course and waiting for a grade, oldest first.
#[utoipa::path(get, path = "/api/v1/courses/{id}/grading-queue", tag = "assessments", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = QueueList),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn course_queue(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<QueueList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = assignments::queue(&mut tx, &auth.actor(), QueueScope::Course(id)).await?;
    tx.commit().await?;
    Ok(Json(QueueList { items }))
}

/// A version of work: your own (the grade once released), or, for its course's graders,
/// everything.
#[utoipa::path(get, path = "/api/v1/assignment-submissions/{id}", tag = "assessments", params(VersionPath),
    security(("bearer" = [])),
    responses((status = 200, body = VersionRead), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn read(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(VersionPath { id }): Path<VersionPath>,
) -> Result<Json<VersionRead>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let read = assignments::read(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(read))
}

/// A rubric grade: one level per criterion, and feedback on the whole.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GradeRequest {
    criteria: Vec<CriterionGrade>,
    feedback: Option<String>,
}

/// Grades a version handed in against the rubric, or regrades it (its graders); audited.
#[utoipa::path(post, path = "/api/v1/assignment-submissions/{id}/grade", tag = "assessments", params(VersionPath),
    request_body = GradeRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = StaffVersion),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`NOT_SUBMITTED`", body = ErrorBody),
        (status = 422, description = "`NO_RUBRIC`, `UNKNOWN_CRITERION`, `UNKNOWN_LEVEL`, `INCOMPLETE_GRADE`, `INVALID_GRADE`", body = ErrorBody),
    ))]
pub(crate) async fn grade(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(VersionPath { id }): Path<VersionPath>,
    ApiJson(request): ApiJson<GradeRequest>,
) -> Result<Json<StaffVersion>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let graded = assignments::grade(
        &mut tx,
        &auth.actor(),
        id,
        &request.criteria,
        request.feedback.as_deref(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(graded))
}

/// Releases a graded version's grade to its learner (they are told by mail); audited.
#[utoipa::path(post, path = "/api/v1/assignment-submissions/{id}/release", tag = "assessments", params(VersionPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = StaffVersion),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`NOT_GRADED`, `ALREADY_RELEASED`", body = ErrorBody),
    ))]
pub(crate) async fn release(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(VersionPath { id }): Path<VersionPath>,
) -> Result<Json<StaffVersion>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let released = assignments::release(&mut tx, &auth.actor(), id, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(released))
}

/// Feedback sent with work sent back.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReturnRequest {
    feedback: Option<String>,
}

/// Sends a version back to its learner for another version; audited.
#[utoipa::path(post, path = "/api/v1/assignment-submissions/{id}/return", tag = "assessments", params(VersionPath),
    request_body(content = Option<ReturnRequest>), security(("bearer" = [])),
    responses(
        (status = 200, body = StaffVersion),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`NOT_SUBMITTED`", body = ErrorBody),
        (status = 422, description = "`INVALID_GRADE` (feedback)", body = ErrorBody),
    ))]
pub(crate) async fn send_back(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(VersionPath { id }): Path<VersionPath>,
    body: axum::body::Bytes,
) -> Result<Json<StaffVersion>, ApiError> {
    let request: ReturnRequest = crate::http::json::optional_body(&body)?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let returned =
        assignments::send_back(&mut tx, &auth.actor(), id, request.feedback.as_deref()).await?;
    tx.commit().await?;
    Ok(Json(returned))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Released {
    /// How many grades were released.
    released: usize,
}

/// Releases every graded, unreleased grade of an assignment at once (its graders).
#[utoipa::path(post, path = "/api/v1/assessments/{id}/release-grades", tag = "assessments", params(AssessmentPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Released),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`NOT_AN_ASSIGNMENT`", body = ErrorBody),
    ))]
pub(crate) async fn release_all(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<Json<Released>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let released = assignments::release_all(&mut tx, &auth.actor(), id, Utc::now()).await?;
    tx.commit().await?;
    Ok(Json(Released { released }))
}

/// A learner's later due date.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExtensionInput {
    user_id: UserId,
    due_at: DateTime<Utc>,
    #[serde(default)]
    reason: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ExtensionList {
    items: Vec<Extension>,
}

/// Gives a learner enrolled in the course a later due date for an assessment (a quiz's or
/// exam's attempts' deadline follows it too), or changes it; audited.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/extensions", tag = "assessments", params(AssessmentPath),
    request_body = ExtensionInput, security(("bearer" = [])),
    responses(
        (status = 201, body = Extension),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_EXTENSION`, `NOT_ENROLLED`, `VALIDATION_FAILED`", body = ErrorBody),
    ))]
pub(crate) async fn grant_extension(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
    ApiJson(input): ApiJson<ExtensionInput>,
) -> Result<(StatusCode, Json<Extension>), ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let extension = assignments::grant_extension(
        &mut tx,
        &auth.actor(),
        id,
        input.user_id,
        input.due_at,
        &input.reason,
        Utc::now(),
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(extension)))
}

/// The extensions of an assessment (its graders).
#[utoipa::path(get, path = "/api/v1/assessments/{id}/extensions", tag = "assessments", params(AssessmentPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ExtensionList),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn extensions(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(AssessmentPath { id }): Path<AssessmentPath>,
) -> Result<Json<ExtensionList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = assignments::extensions(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(ExtensionList { items }))
}

/// Takes an extension back; audited.
#[utoipa::path(delete, path = "/api/v1/extensions/{id}", tag = "assessments", params(ExtensionPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn revoke_extension(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(ExtensionPath { id }): Path<ExtensionPath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    assignments::revoke_extension(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AverageList {
    items: Vec<CriterionAverage>,
}

/// The average points per rubric criterion over the graded work on a course's assignments
/// (its staff who grade).
#[utoipa::path(get, path = "/api/v1/courses/{id}/rubric-averages", tag = "assessments", params(CoursePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AverageList),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn rubric_averages(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<AverageList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = assignments::rubric_averages(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(AverageList { items }))
}
