//! `GET /api/v1/me/dashboard`: a learner's courses with progress, last access and next lesson;
//! upcoming due dates; recent activity; overall progress; certificates. A fixed number of
//! queries however many courses the learner has, and none while the learner's cached copy is
//! current; `ETag` / `If-None-Match` spare the body too.

use crate::auth::Authenticated;
use crate::error::ApiError;
use crate::response_cache::{Page, PageKey};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use lyceum_app::learning::course_progress;
use lyceum_domain::{CourseId, EnrollmentId, EnrollmentStatus, LessonId};
use lyceum_store::repo::certificates::{self, Certificate};
use lyceum_store::repo::progress::{self, Activity};
use lyceum_store::repo::{courses, enrollments};
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct DashboardCourse {
    course_id: CourseId,
    title: String,
    enrollment_id: EnrollmentId,
    /// `active` or `completed`.
    status: EnrollmentStatus,
    progress_percent: u8,
    last_accessed_at: Option<DateTime<Utc>>,
    next_lesson: Option<LessonId>,
    due_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct DueItem {
    course_id: CourseId,
    title: String,
    due_at: DateTime<Utc>,
    progress_percent: u8,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Dashboard {
    courses: Vec<DashboardCourse>,
    /// Unfinished courses with a due date still ahead, soonest first.
    upcoming: Vec<DueItem>,
    /// Latest lesson activity, newest first.
    recent_activity: Vec<Activity>,
    /// Mean progress over the courses listed.
    overall_percent: u8,
    certificates: Vec<Certificate>,
}

const RECENT: u32 = 10;

/// Your learning at a glance.
#[utoipa::path(get, path = "/api/v1/me/dashboard", tag = "progress", security(("bearer" = [])),
    responses(
        (status = 200, body = Dashboard, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = PageKey::for_user(&auth, "dashboard".to_owned());
    state
        .pages
        .serve(key, &headers, || async {
            Page::json(&dashboard(&state, &auth).await?)
        })
        .await
}

async fn dashboard(state: &AppState, auth: &Authenticated) -> Result<Dashboard, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let mine: Vec<_> = enrollments::for_user(&mut tx, auth.user_id)
        .await?
        .into_iter()
        .filter(|e| e.status != EnrollmentStatus::Dropped)
        .collect();
    let ids: Vec<CourseId> = mine.iter().map(|e| e.course_id).collect();
    let titles: HashMap<CourseId, String> = courses::by_ids(&mut tx, &ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c.title))
        .collect();
    let mut rolled = course_progress(&mut tx, &ids, auth.user_id).await?;
    let recent_activity = progress::recent(&mut tx, auth.user_id, RECENT).await?;
    let certificates = certificates::for_user(&mut tx, auth.user_id).await?;
    tx.commit().await?;

    let now = Utc::now();
    let mut courses = Vec::with_capacity(mine.len());
    let mut upcoming = Vec::new();
    for enrollment in mine {
        let title = titles
            .get(&enrollment.course_id)
            .cloned()
            .unwrap_or_default();
        let progress = rolled.remove(&enrollment.course_id).unwrap_or_default();
        let percent = if enrollment.status == EnrollmentStatus::Completed {
            100
        } else {
            progress.percent
        };
        if let Some(due_at) = enrollment.due_at.filter(|d| *d > now) {
            if enrollment.status == EnrollmentStatus::Active {
                upcoming.push(DueItem {
                    course_id: enrollment.course_id,
                    title: title.clone(),
                    due_at,
                    progress_percent: percent,
                });
            }
        }
        courses.push(DashboardCourse {
            course_id: enrollment.course_id,
            title,
            enrollment_id: enrollment.id,
            status: enrollment.status,
            progress_percent: percent,
            last_accessed_at: enrollment.last_accessed_at,
            next_lesson: progress.next_lesson,
            due_at: enrollment.due_at,
        });
    }
    upcoming.sort_by_key(|d| d.due_at);
    let overall_percent = if courses.is_empty() {
        0
    } else {
        let sum: u32 = courses.iter().map(|c| u32::from(c.progress_percent)).sum();
        (sum / courses.len() as u32) as u8
    };
    Ok(Dashboard {
        courses,
        upcoming,
        recent_activity,
        overall_percent,
        certificates,
    })
}
