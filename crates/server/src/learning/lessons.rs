//! Lessons: list per module, add, read, replace, remove, reorder. Content blocks are validated
//! per lesson type by the domain rules (Markdown rendered to sanitised HTML). Release rules
//! hold lessons back from learners until the previous lesson is done or a date has come.

use super::modules::{editable_module, ModulePath};
use super::{course_content, record};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use lyceum_app::learning::Release;
use lyceum_domain::{events, CourseId, LessonId, LessonKind, ReleaseRule};
use lyceum_store::repo::lessons::{self, Lesson, LessonDraft};
use lyceum_store::repo::modules;
use lyceum_store::TenantTx;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// `{id}` of `/lessons/{id}`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct LessonPath {
    /// The lesson's id.
    pub(super) id: LessonId,
}

/// A lesson as a reader sees it: locked lessons come without content.
#[derive(Serialize, ToSchema)]
pub(crate) struct LessonView {
    #[serde(flatten)]
    lesson: Lesson,
    /// Held back by its release rule (learners only).
    locked: bool,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct LessonList {
    items: Vec<LessonView>,
}

/// A view of `lesson` for the reader: learners get locked lessons without content.
fn view(lesson: Lesson, release: Option<&Release>) -> LessonView {
    let locked = release.is_some_and(|r| r.locked(&lesson));
    let mut lesson = lesson;
    if locked {
        lesson.content = json!([]);
    }
    LessonView { lesson, locked }
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
    let module = modules::get(&mut tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such module"))?;
    let (_, enrollment) = course_content(&mut tx, &auth, module.course_id).await?;
    let module_lessons = lessons::for_module(&mut tx, id).await?;
    // Release rules bind learners only, and only lessons that have one.
    let held_back = enrollment.is_some() && module_lessons.iter().any(|l| l.release_rule.is_some());
    let release = if held_back {
        Some(Release::load(&mut tx, module.course_id, auth.user_id).await?)
    } else {
        None
    };
    let items = module_lessons
        .into_iter()
        .map(|lesson| view(lesson, release.as_ref()))
        .collect();
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
    fn draft(self) -> Result<LessonDraft, ApiError> {
        let content = lyceum_domain::validate_content(self.kind, &self.content)?;
        let duration_seconds = self.duration_seconds.or_else(|| {
            lyceum_domain::video_duration(&content).and_then(|d| i32::try_from(d).ok())
        });
        Ok(LessonDraft {
            title: self.title,
            kind: self.kind,
            content,
            duration_seconds,
            release_rule: self.release_rule,
        })
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
    let draft = request.draft()?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let module = editable_module(&mut tx, &auth, id).await?;
    let lesson = lessons::insert(&mut tx, id, &draft).await?;
    let created = events::LessonCreated {
        course_id: module.course_id,
        module_id: id,
        lesson_id: lesson.id,
        kind: lesson.kind,
    };
    record(&mut tx, created).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(lesson)))
}

/// The lesson and its course, if the user may read it; learners get 403 `LESSON_LOCKED`
/// while its release rule holds it back.
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
    Path(LessonPath { id }): Path<LessonPath>,
) -> Result<Json<Lesson>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let (lesson, _) = readable_lesson(&mut tx, &auth, id).await?;
    tx.commit().await?;
    Ok(Json(lesson))
}

/// A lesson the user may open now, with its course.
pub(crate) async fn readable_lesson(
    tx: &mut TenantTx,
    auth: &Authenticated,
    id: LessonId,
) -> Result<(Lesson, CourseId), ApiError> {
    let not_found = || ApiError::not_found("no such lesson");
    let lesson = lessons::get(tx, id).await?.ok_or_else(not_found)?;
    let course = lessons::course_of(tx, id).await?.ok_or_else(not_found)?;
    let (_, enrollment) = course_content(tx, auth, course).await?;
    if enrollment.is_some()
        && lesson.release_rule.is_some()
        && Release::load(tx, course, auth.user_id)
            .await?
            .locked(&lesson)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "LESSON_LOCKED",
            "this lesson is not released to you yet",
        ));
    }
    Ok((lesson, course))
}

async fn editable_lesson(
    tx: &mut TenantTx,
    auth: &Authenticated,
    id: LessonId,
) -> Result<Lesson, ApiError> {
    let lesson = lessons::get(tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such lesson"))?;
    editable_module(tx, auth, lesson.module_id).await?;
    Ok(lesson)
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
    let draft = request.draft()?;
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    editable_lesson(&mut tx, &auth, id).await?;
    let lesson = lessons::replace(&mut tx, id, &draft)
        .await?
        .ok_or_else(|| ApiError::not_found("no such lesson"))?;
    let updated = events::LessonUpdated {
        lesson_id: id,
        by: auth.user_id,
    };
    record(&mut tx, updated).await?;
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
    let lesson = editable_lesson(&mut tx, &auth, id).await?;
    lessons::delete(&mut tx, id).await?;
    let deleted = events::LessonDeleted {
        lesson_id: id,
        module_id: lesson.module_id,
        by: auth.user_id,
    };
    record(&mut tx, deleted).await?;
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
    editable_module(&mut tx, &auth, id).await?;
    let items = lessons::reorder(&mut tx, id, &request.order).await?;
    let reordered = events::LessonsReordered {
        module_id: id,
        order: request.order,
    };
    record(&mut tx, reordered).await?;
    tx.commit().await?;
    Ok(Json(items))
}
