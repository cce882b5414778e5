//! Progress over HTTP: `PUT /lessons/{id}/progress` (the use case, its rules and events are
//! `lyceum_app::learning::progress`), and a course's progress as its learner or staff sees it.

use super::lessons::LessonPath;
use super::CoursePath;
use crate::api::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use lyceum_app::learning::certificates::Certificate;
use lyceum_app::learning::progress;
use lyceum_app::learning::progress::LessonProgress;
use lyceum_domain::{CourseId, CourseProgress, Percent, UserId};
use lyceum_store::LearnerLock;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProgressRequest {
    /// 0 to 100; never lower than before. 100 completes the lesson.
    #[schema(maximum = 100)]
    percent: u8,
    /// `completed` is the same as `percent: 100`.
    status: Option<ProgressStatus>,
}

#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ProgressStatus {
    InProgress,
    Completed,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ProgressReport {
    lesson: LessonProgress,
    course: CourseProgressView,
    /// Issued by this request, when it completed the course.
    certificate: Option<Certificate>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CourseProgressView {
    course_id: CourseId,
    percent: u8,
    completed: bool,
    modules_completed: usize,
    modules_total: usize,
    next_lesson: Option<lyceum_domain::LessonId>,
}

impl CourseProgressView {
    fn new(course_id: CourseId, p: &CourseProgress) -> Self {
        CourseProgressView {
            course_id,
            percent: p.percent,
            completed: p.completed,
            modules_completed: p.modules_completed,
            modules_total: p.modules_total,
            next_lesson: p.next_lesson,
        }
    }
}

/// Records your progress on a lesson of a course you are enrolled in.
#[utoipa::path(put, path = "/api/v1/lessons/{id}/progress", tag = "progress", params(LessonPath),
    request_body = ProgressRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = ProgressReport),
        (status = 403, description = "`NOT_ENROLLED`, `LESSON_LOCKED`", body = ErrorBody),
        (status = 422, description = "`INVALID_PROGRESS`, `PROGRESS_DECREASE`", body = ErrorBody),
    ))]
pub(crate) async fn record_progress(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(LessonPath { id }): Path<LessonPath>,
    ApiJson(request): ApiJson<ProgressRequest>,
) -> Result<Json<ProgressReport>, ApiError> {
    let requested = match request.status {
        Some(ProgressStatus::Completed) => Percent::COMPLETE,
        _ => Percent::new(request.percent)?,
    };
    let actor = auth.actor();
    let lock = LearnerLock {
        learner: actor.user,
    };
    let mut tx = state.store.begin_learner_write(&auth.tenant, lock).await?;
    let reported = progress::report(&mut tx, &actor, id, requested).await?;
    tx.commit().await?;
    Ok(Json(ProgressReport {
        lesson: reported.lesson,
        course: CourseProgressView::new(reported.course, &reported.progress),
        certificate: reported.certificate,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct LearnerFilter {
    /// A learner of the course (course staff and admins, with `progress:view`); default: you.
    user_id: Option<UserId>,
}

/// Progress in a course: yours, or, for its staff, one learner's.
#[utoipa::path(get, path = "/api/v1/courses/{id}/progress", tag = "progress", params(CoursePath, LearnerFilter),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CourseProgressView),
        (status = 403, description = "`NOT_ENROLLED`, `PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no such course or learner", body = ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    Query(filter): Query<LearnerFilter>,
) -> Result<Json<CourseProgressView>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let rolled = progress::progress_in(&mut tx, &auth.actor(), id, filter.user_id).await?;
    tx.commit().await?;
    Ok(Json(CourseProgressView::new(id, &rolled)))
}
