//! Learning content and learners' journeys over HTTP: courses (catalog, editing, publishing,
//! prerequisites), modules and lessons, enrollments (self, by staff, bulk CSV), progress with
//! its roll-up, certificates and the student dashboard. Scope rules live here: admins act on
//! everything in their tenant, instructors on the courses they teach, students on published
//! courses and the content of the courses they are enrolled in. Every write commits its domain
//! event to the outbox in the same transaction.

pub(crate) mod certificates;
pub(crate) mod courses;
pub(crate) mod dashboard;
pub(crate) mod enrollments;
pub(crate) mod lessons;
pub(crate) mod modules;
pub(crate) mod progress;

use crate::auth::Authenticated;
use crate::error::ApiError;
use axum::http::StatusCode;
use lyceum_domain::{CourseId, CourseStatus, DomainEvent, Permission};
use lyceum_store::repo::courses::Course;
use lyceum_store::repo::enrollments::Enrollment;
use lyceum_store::repo::{courses as course_repo, outbox};
use lyceum_store::{TenantTx, WriteTx};
use serde::Deserialize;
use utoipa::IntoParams;

fn course_not_found() -> ApiError {
    ApiError::not_found("no such course")
}

fn forbidden(message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "PERMISSION_DENIED", message)
}

/// `{id}` of `/courses/{id}` (named: under `/t/{slug}` the path has a second parameter).
#[derive(Deserialize, IntoParams)]
pub(crate) struct CoursePath {
    /// The course's id.
    id: CourseId,
}

/// A course the user may see: admins and its instructors see it in any status, everyone else
/// only once published (or archived, if they are enrolled). Others get 404, so drafts do not
/// reveal that they exist.
async fn visible_course(
    tx: &mut TenantTx,
    auth: &Authenticated,
    id: CourseId,
) -> Result<Course, ApiError> {
    Ok(course_for(tx, auth, id).await?.0)
}

/// A visible course (see [`visible_course`]) and whether the user is its staff: an admin or
/// one of its instructors (asked once, for students not at all).
async fn course_for(
    tx: &mut TenantTx,
    auth: &Authenticated,
    id: CourseId,
) -> Result<(Course, bool), ApiError> {
    auth.require(Permission::CourseView)?;
    let course = course_repo::get(tx, id)
        .await?
        .ok_or_else(course_not_found)?;
    let staff = auth.is_staff_of(tx, id).await?;
    // The enrollment matters (and is read) only for an archived course.
    let enrolled = course.status == CourseStatus::Archived
        && !staff
        && auth.enrollment(tx, id).await?.is_some();
    if lyceum_app::learning::visible_to(course.status, staff, enrolled) {
        Ok((course, staff))
    } else {
        Err(course_not_found())
    }
}

/// A course the user may change: `course:edit` and admin or one of its instructors.
async fn editable_course(
    tx: &mut TenantTx,
    auth: &Authenticated,
    id: CourseId,
) -> Result<Course, ApiError> {
    let (course, staff) = course_for(tx, auth, id).await?;
    auth.require(Permission::CourseEdit)?;
    if staff {
        Ok(course)
    } else {
        Err(forbidden(
            "only the course's instructors and admins may change it",
        ))
    }
}

/// A course whose content (lessons) the user may read: staff of the course, or an enrolled
/// learner. Answers the learner's enrollment, if any.
async fn course_content(
    tx: &mut TenantTx,
    auth: &Authenticated,
    id: CourseId,
) -> Result<(Course, Option<Enrollment>), ApiError> {
    let (course, staff) = course_for(tx, auth, id).await?;
    if staff {
        return Ok((course, None));
    }
    match auth.enrollment(tx, id).await? {
        Some(enrollment) => Ok((course, Some(enrollment))),
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "NOT_ENROLLED",
            "enroll in the course to see its content",
        )),
    }
}

/// 403 `PLAN_LIMIT_REACHED` naming the limit, when `used` has reached the plan's `limit`.
pub(crate) fn within_plan(limit_name: &str, used: i64, limit: Option<u32>) -> Result<(), ApiError> {
    match limit {
        Some(max) if used >= i64::from(max) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "PLAN_LIMIT_REACHED",
            format!("the plan allows {max} {limit_name}; upgrade the plan or archive some"),
        )),
        _ => Ok(()),
    }
}

/// Records a domain event in the caller's transaction.
async fn record(tx: &mut WriteTx, event: impl Into<DomainEvent>) -> Result<(), ApiError> {
    outbox::append(tx, &event.into()).await?;
    Ok(())
}
