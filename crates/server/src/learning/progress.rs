//! Progress: `PUT /lessons/{id}/progress` records a learner's progress on a lesson (never
//! backwards), rolls course progress up through the modules' completion rules, and on course
//! completion completes the enrollment and issues a certificate, all in one transaction with
//! their events.

use super::lessons::{LessonPath, Release};
use super::{record, CoursePath};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::json::ApiJson;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use lyceum_domain::{
    events, roll_up, CourseId, CourseProgress, DomainEvent, LessonId, ModuleOutline, Permission,
    UserId,
};
use lyceum_store::repo::certificates::{self, Certificate};
use lyceum_store::repo::enrollments;
use lyceum_store::repo::lessons::{self, OutlineEntry};
use lyceum_store::repo::progress::{self as progress_repo, LessonProgress, ProgressWrite};
use lyceum_store::{LearnerLock, TenantTx};
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};

/// Course progress of `learner` in each of `courses`, in one query.
pub(crate) async fn course_progress(
    tx: &mut TenantTx,
    courses: &[CourseId],
    learner: UserId,
) -> Result<HashMap<CourseId, CourseProgress>, ApiError> {
    let entries = lessons::progress_outline(tx, learner, courses).await?;
    let completed = completed_lessons(&entries);
    let mut outlines = outlines(&entries);
    Ok(courses
        .iter()
        .map(|course| {
            let modules = outlines.remove(course).unwrap_or_default();
            (*course, roll_up(&modules, &completed))
        })
        .collect())
}

/// The modules of each course in `entries` (in course order), with their lessons.
fn outlines(entries: &[OutlineEntry]) -> HashMap<CourseId, Vec<ModuleOutline>> {
    let mut outlines: HashMap<CourseId, Vec<ModuleOutline>> = HashMap::new();
    for entry in entries {
        let modules = outlines.entry(entry.course).or_default();
        if modules.last().is_none_or(|m| m.id != entry.module) {
            modules.push(ModuleOutline {
                id: entry.module,
                rule: entry.rule.clone(),
                lessons: Vec::new(),
            });
        }
        if let Some(lesson) = entry.lesson {
            modules
                .last_mut()
                .expect("pushed above")
                .lessons
                .push(lesson);
        }
    }
    outlines
}

fn completed_lessons(entries: &[OutlineEntry]) -> HashSet<LessonId> {
    entries
        .iter()
        .filter(|entry| entry.completed)
        .filter_map(|entry| entry.lesson)
        .collect()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProgressRequest {
    /// 0 to 100; never lower than before. 100 completes the lesson.
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
    auth.require(Permission::ProgressTrack)?;
    auth.require(Permission::CourseView)?;
    let requested = match request.status {
        Some(ProgressStatus::Completed) => 100,
        _ => request.percent,
    };
    let lock = LearnerLock {
        learner: auth.user_id,
    };
    let mut tx = state.store.begin_learner_write(&auth.tenant, lock).await?;
    tx.affects_only(auth.user_id);
    let context = progress_repo::report_context(&mut tx, auth.user_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such lesson"))?;
    let course = context.course;
    // The scope rules of `readable_lesson`, decided on what the one read brought back.
    let enrollment = context
        .enrollment
        .clone()
        .filter(|(_, status)| status != "dropped");
    let staff = auth.is_staff_given(context.teaches);
    if !super::visible_to(context.course_status, staff, enrollment.is_some()) {
        return Err(ApiError::not_found("no such course"));
    }
    let (enrollment, enrollment_status) = enrollment.ok_or_else(|| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "NOT_ENROLLED",
            "enroll in the course to record progress",
        )
    })?;
    if !staff && Release::of_outline(&context.outline).locks(id, context.release_rule.as_ref()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "LESSON_LOCKED",
            "this lesson is not released to you yet",
        ));
    }
    let before = context.before.as_ref();
    let percent = lyceum_domain::clamp_progress(
        before.map(|(_, percent)| (*percent).clamp(0, 100) as u8),
        requested,
    )?;
    let was_completed = before.is_some_and(|(status, _)| status == "completed");
    let newly_completed = percent == 100 && !was_completed;
    let mut completed = completed_lessons(&context.outline);
    completed.extend((percent == 100).then_some(id));
    let modules = outlines(&context.outline)
        .remove(&course)
        .unwrap_or_default();
    let rolled = roll_up(&modules, &completed);
    let mut happened = Vec::new();
    if newly_completed {
        happened.push(DomainEvent::from(events::LessonCompleted {
            lesson_id: id,
            course_id: course,
            user_id: auth.user_id,
            course_progress_percent: rolled.percent,
        }));
    }
    let completes_course = rolled.completed && enrollment_status == "active";
    let now = Utc::now();
    if completes_course {
        happened.push(DomainEvent::from(events::EnrollmentCompleted {
            enrollment_id: enrollment,
            course_id: course,
            user_id: auth.user_id,
            completed_at: now,
        }));
    }
    let lesson = progress_repo::write(
        &mut tx,
        &ProgressWrite {
            learner: auth.user_id,
            lesson: id,
            percent: i32::from(percent),
            enrollment,
            course_percent: i32::from(rolled.percent),
            course_completed_at: completes_course.then_some(now),
            events: &happened,
        },
    )
    .await?;
    let mut certificate = None;
    if completes_course {
        let (issued, created) = certificates::issue(
            &mut tx,
            enrollment,
            auth.user_id,
            course,
            &verification_code()?,
        )
        .await?;
        if created {
            let certified = events::CertificateIssued {
                certificate_id: issued.id,
                code: issued.code.clone(),
                course_id: course,
                user_id: auth.user_id,
            };
            record(&mut tx, certified).await?;
        }
        certificate = Some(issued);
    }
    tx.commit().await?;
    Ok(Json(ProgressReport {
        lesson,
        course: CourseProgressView::new(course, &rolled),
        certificate,
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
    let learner = match filter.user_id {
        Some(learner) if learner != auth.user_id => {
            let (_, staff) = super::course_for(&mut tx, &auth, id).await?;
            auth.require(Permission::ProgressView)?;
            if !staff {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "PERMISSION_DENIED",
                    "only the course's instructors and admins see a learner's progress",
                ));
            }
            enrollments::find(&mut tx, id, learner)
                .await?
                .ok_or_else(|| ApiError::not_found("no such learner in this course"))?;
            learner
        }
        _ => {
            super::course_content(&mut tx, &auth, id).await?;
            auth.user_id
        }
    };
    let rolled = course_progress(&mut tx, &[id], learner)
        .await?
        .remove(&id)
        .unwrap_or_default();
    tx.commit().await?;
    Ok(Json(CourseProgressView::new(id, &rolled)))
}

/// 12 characters from an alphabet without look-alikes (about 60 bits).
fn verification_code() -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| ApiError::internal("random generator failed"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}
