//! A learner's dashboard: where they stand in every course they take, what is due, what they
//! did lately and the certificates they earned.

use super::course_progress;
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::{CourseId, EnrollmentId, EnrollmentStatus, LessonId};
use lyceum_store::repo::certificates::{self, Certificate};
use lyceum_store::repo::progress::{self, Activity};
use lyceum_store::repo::{courses, enrollments};
use lyceum_store::TenantTx;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardCourse {
    pub course_id: CourseId,
    pub title: String,
    pub enrollment_id: EnrollmentId,
    /// `active` or `completed`.
    pub status: EnrollmentStatus,
    pub progress_percent: u8,
    pub last_accessed_at: Option<DateTime<Utc>>,
    pub next_lesson: Option<LessonId>,
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueItem {
    pub course_id: CourseId,
    pub title: String,
    pub due_at: DateTime<Utc>,
    pub progress_percent: u8,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub courses: Vec<DashboardCourse>,
    /// Unfinished courses with a due date still ahead, soonest first.
    pub upcoming: Vec<DueItem>,
    /// Latest lesson activity, newest first.
    pub recent_activity: Vec<Activity>,
    /// Mean progress over the courses listed.
    pub overall_percent: u8,
    pub certificates: Vec<Certificate>,
}

/// Activity entries the dashboard shows.
const RECENT: u32 = 10;

/// Your learning at a glance.
/// The actor's dashboard: their courses (not dropped) with progress, last access and next
/// lesson; upcoming due dates; recent activity; overall progress; certificates. A fixed number
/// of reads however many courses they have.
pub async fn dashboard(tx: &mut TenantTx, actor: &Actor) -> Result<Dashboard, Refusal> {
    let mine: Vec<_> = enrollments::for_user(tx, actor.user)
        .await?
        .into_iter()
        .filter(|e| e.status != EnrollmentStatus::Dropped)
        .collect();
    let ids: Vec<CourseId> = mine.iter().map(|e| e.course_id).collect();
    let titles: HashMap<CourseId, String> = courses::by_ids(tx, &ids)
        .await?
        .into_iter()
        .map(|c| (c.id, c.title))
        .collect();
    let mut rolled = course_progress(tx, &ids, actor.user).await?;
    let recent_activity = progress::recent(tx, actor.user, RECENT).await?;
    let certificates = certificates::for_user(tx, actor.user).await?;

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
