//! Lessons: list per module, add, read, replace, remove, reorder. Content blocks are validated
//! per lesson type by the domain rules (Markdown rendered to sanitised HTML). Release rules
//! hold lessons back from learners until the previous lesson is done or a date has come.

use super::modules::ModulePath;
use crate::api::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::Json;
use lyceum_app::files;
use lyceum_app::learning::content::{self, Lesson, LessonInput, LessonView};
use lyceum_domain::{LessonId, LessonKind, ReleaseRule};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `{id}` of `/lessons/{id}`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct LessonPath {
    /// The lesson's id.
    pub(super) id: LessonId,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct LessonList {
    items: Vec<LessonView>,
}

/// A module's lessons in order. Course staff and enrolled learners.
#[utoipa::path(get, path = "/api/v1/modules/{id}/lessons", tag = "content", params(ModulePath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = LessonList),
        (status = 403, description = "`NOT_ENROLLED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(ModulePath { id }): Path<ModulePath>,
) -> Result<Json<LessonList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = content::lessons_of(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(LessonList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LessonRequest {
    title: String,
    kind: LessonKind,
    /// Content blocks, validated per `kind`.
    #[schema(value_type = Vec<Object>)]
    content: serde_json::Value,
    /// Seconds; for a video lesson, the video's duration when left out.
    duration_seconds: Option<i32>,
    release_rule: Option<ReleaseRule>,
}

impl LessonRequest {
    fn input(self) -> LessonInput {
        LessonInput {
            title: self.title,
            kind: self.kind,
            content: self.content,
            duration_seconds: self.duration_seconds,
            release_rule: self.release_rule,
        }
    }
}

/// Adds a lesson at the end of a module. Course staff and admins.
#[utoipa::path(post, path = "/api/v1/modules/{id}/lessons", tag = "content", params(ModulePath),
    request_body = LessonRequest, security(("bearer" = [])),
    responses((status = 201, body = Lesson), (status = 422, description = "`INVALID_CONTENT` ...", body = ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(ModulePath { id }): Path<ModulePath>,
    ApiJson(request): ApiJson<LessonRequest>,
) -> Result<(StatusCode, Json<Lesson>), ApiError> {
    let draft = request.input().draft().await?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let lesson = content::add_lesson(&mut tx, &auth.actor(), id, &draft).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(lesson)))
}

/// The lesson and its course, if the user may read it; learners get 403 `LESSON_LOCKED`
/// while its release rule holds it back. Image and video blocks whose `media` names a file of
/// the course (`file:{id}`) carry a signed download URL as `url`.
#[utoipa::path(get, path = "/api/v1/lessons/{id}", tag = "content", params(LessonPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Lesson),
        (status = 403, description = "`NOT_ENROLLED`, `LESSON_LOCKED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    OriginalUri(uri): OriginalUri,
    Path(LessonPath { id }): Path<LessonPath>,
) -> Result<Json<Lesson>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let (mut lesson, course) = content::readable_lesson(&mut tx, &auth.actor(), id).await?;
    if let Some(storage) = state.files.as_deref() {
        let mut urls = files::media_urls(&mut tx, storage, course, &lesson.content).await?;
        let prefix = crate::api::files::tenant_prefix(uri.path());
        for url in urls.values_mut() {
            url.path = format!("{prefix}{}", url.path);
        }
        lesson.content = files::with_media_urls(lesson.content, &urls);
    }
    tx.commit().await?;
    Ok(Json(lesson))
}

/// Replaces a lesson's title, type, content, duration and release rule.
#[utoipa::path(put, path = "/api/v1/lessons/{id}", tag = "content", params(LessonPath),
    request_body = LessonRequest, security(("bearer" = [])),
    responses((status = 200, body = Lesson), (status = 422, description = "`INVALID_CONTENT` ...", body = ErrorBody)))]
pub(crate) async fn replace(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(LessonPath { id }): Path<LessonPath>,
    ApiJson(request): ApiJson<LessonRequest>,
) -> Result<Json<Lesson>, ApiError> {
    let draft = request.input().draft().await?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let lesson = content::replace_lesson(&mut tx, &auth.actor(), id, &draft).await?;
    tx.commit().await?;
    Ok(Json(lesson))
}

/// Removes a lesson (and learners' progress on it).
#[utoipa::path(delete, path = "/api/v1/lessons/{id}", tag = "content", params(LessonPath),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(LessonPath { id }): Path<LessonPath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    content::remove_lesson(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LessonOrder {
    /// Every lesson of the module, once, in the new order.
    order: Vec<LessonId>,
}

/// Reorders a module's lessons.
#[utoipa::path(put, path = "/api/v1/modules/{id}/lessons/order", tag = "content", params(ModulePath),
    request_body = LessonOrder, security(("bearer" = [])),
    responses((status = 200, body = Vec<Lesson>), (status = 422, description = "`VALIDATION_FAILED`: not a permutation", body = ErrorBody)))]
pub(crate) async fn reorder(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(ModulePath { id }): Path<ModulePath>,
    ApiJson(request): ApiJson<LessonOrder>,
) -> Result<Json<Vec<Lesson>>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let items = content::reorder_lessons(&mut tx, &auth.actor(), id, request.order).await?;
    tx.commit().await?;
    Ok(Json(items))
}
