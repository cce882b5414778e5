//! Enrolling a learner in a course, dropping and due dates: who may be enrolled when, by whom,
//! who sees which enrollments, and the events each change records.

use super::courses::{course_for, manages};
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::{
    events, CourseId, CourseStatus, EnrollmentId, EnrollmentStatus, GroupId, Permission, UserId,
    UserStatus,
};
use lyceum_store::repo::courses::{self, Course};
use lyceum_store::repo::enrollments;
use lyceum_store::repo::outbox;
use lyceum_store::repo::users::{self, User};
use lyceum_store::{TenantTx, WriteTx};
use serde::Serialize;
use std::collections::HashMap;

pub use lyceum_store::repo::enrollments::Enrollment;

/// Who enrolls the learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolledBy {
    /// The learner, into an open course: their prerequisites must be completed.
    Themselves,
    /// A member of the course's staff or an admin (the caller checked that they may).
    Staff(UserId),
    /// Lyceum itself (demo data, imports run by an operator).
    System,
}

impl EnrolledBy {
    fn user(self) -> Option<UserId> {
        match self {
            EnrolledBy::Staff(user) => Some(user),
            EnrolledBy::Themselves | EnrolledBy::System => None,
        }
    }
}

/// Enrolls `learner` in `course` unless enrolled already (answers the enrollment and `false`
/// then; a dropped enrollment is taken up again). The course must be published and have room;
/// a learner enrolling themselves must have completed its prerequisites. Records
/// `student.enrolled` in the same transaction.
pub async fn enroll(
    tx: &mut WriteTx,
    course: &Course,
    learner: UserId,
    due_at: Option<DateTime<Utc>>,
    by: EnrolledBy,
) -> Result<(Enrollment, bool), Refusal> {
    if let Some(existing) = enrollments::find(tx, course.id, learner).await? {
        if existing.status != EnrollmentStatus::Dropped {
            return Ok((existing, false));
        }
    }
    if course.status != CourseStatus::Published {
        return Err(Refusal::conflict(
            "COURSE_NOT_OPEN",
            format!("the course is {}, not open for enrollment", course.status),
        ));
    }
    if let Some(max) = course.max_enrollment {
        if enrollments::count_active(tx, course.id).await? >= i64::from(max) {
            return Err(Refusal::conflict(
                "COURSE_FULL",
                format!("the course is full ({max} learners)"),
            ));
        }
    }
    if by == EnrolledBy::Themselves {
        let unmet = courses::unmet_prerequisites(tx, course.id, learner).await?;
        if !unmet.is_empty() {
            let ids: Vec<String> = unmet.iter().map(ToString::to_string).collect();
            return Err(Refusal::conflict(
                "PREREQUISITES_NOT_MET",
                format!("complete these courses first: {}", ids.join(", ")),
            ));
        }
    }
    let (enrollment, created) =
        enrollments::enroll(tx, course.id, learner, due_at, by.user()).await?;
    if created {
        let enrolled = events::StudentEnrolled {
            course_id: course.id,
            user_id: learner,
            enrollment_id: enrollment.id,
            by: by.user(),
        };
        let actor = match by {
            EnrolledBy::Themselves => Some(learner),
            EnrolledBy::Staff(user) => Some(user),
            EnrolledBy::System => None,
        };
        outbox::append(tx, actor, &enrolled.into()).await?;
    }
    Ok((enrollment, created))
}

/// Enrolls the actor (`enrollment:self`), or with `learner` another active user of the tenant
/// (`enrollment:manage`, staff of the course), in `course`; see [`enroll`]. Answers whether the
/// enrollment is new.
pub async fn enroll_in(
    tx: &mut WriteTx,
    actor: &Actor,
    course: CourseId,
    learner: Option<UserId>,
    due_at: Option<DateTime<Utc>>,
) -> Result<(Enrollment, bool), Refusal> {
    let (course, staff) = course_for(tx, actor, course).await?;
    let (learner, by) = match learner {
        Some(learner) if learner != actor.user => {
            manages(actor, staff, Permission::EnrollmentManage)?;
            let target = users::get(tx, learner).await?;
            if target.is_none_or(|u| u.status == UserStatus::Deactivated) {
                return Err(Refusal::not_found("no such user"));
            }
            (learner, EnrolledBy::Staff(actor.user))
        }
        _ => {
            actor.require(Permission::EnrollmentSelf)?;
            (actor.user, EnrolledBy::Themselves)
        }
    };
    tx.affects_only(learner);
    enroll(tx, &course, learner, due_at, by).await
}

/// The enrollments of the actor, or with `learner` of another user (`user:manage`).
pub async fn enrollments_of(
    tx: &mut TenantTx,
    actor: &Actor,
    learner: Option<UserId>,
) -> Result<Vec<Enrollment>, Refusal> {
    let learner = match learner {
        Some(learner) if learner != actor.user => {
            actor.require(Permission::UserManage)?;
            learner
        }
        _ => actor.user,
    };
    Ok(enrollments::for_user(tx, learner).await?)
}

/// A learner of a course, with their enrollment.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Student {
    pub enrollment: Enrollment,
    pub user: User,
}

/// A page of a course's learners, in enrollment order after `after` (with `group`, only that
/// group's members: `NOT_FOUND` for a group the tenant does not have): its staff with
/// `enrollment:view`.
pub async fn students(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
    group: Option<GroupId>,
    after: Option<EnrollmentId>,
    limit: u32,
) -> Result<Vec<Student>, Refusal> {
    let (_, staff) = course_for(tx, actor, course).await?;
    manages(actor, staff, Permission::EnrollmentView)?;
    if let Some(group) = group {
        crate::groups::find(tx, group).await?;
    }
    let page = enrollments::for_course(tx, course, group, after, limit).await?;
    let ids: Vec<UserId> = page.iter().map(|e| e.user_id).collect();
    let mut people: HashMap<UserId, User> = users::by_ids(tx, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(page
        .into_iter()
        .filter_map(|enrollment| {
            let user = people.remove(&enrollment.user_id)?;
            Some(Student { enrollment, user })
        })
        .collect())
}

/// An enrollment the actor may change: their own (unless `manage_only`), or one of a course
/// they manage. Others answer `NOT_FOUND`, revealing nothing.
async fn own_or_managed(
    tx: &mut TenantTx,
    actor: &Actor,
    id: EnrollmentId,
    manage_only: bool,
) -> Result<Enrollment, Refusal> {
    let not_found = || Refusal::not_found("no such enrollment");
    let enrollment = enrollments::get(tx, id).await?.ok_or_else(not_found)?;
    if manage_only || enrollment.user_id != actor.user {
        let staff = actor.is_staff_of(tx, enrollment.course_id).await?;
        manages(actor, staff, Permission::EnrollmentManage).map_err(|_| not_found())?;
    }
    Ok(enrollment)
}

/// Drops enrollment `id`, the actor's own or one of a course they manage; see [`drop_out`].
pub async fn unenroll(
    tx: &mut WriteTx,
    actor: &Actor,
    id: EnrollmentId,
) -> Result<Enrollment, Refusal> {
    let enrollment = own_or_managed(tx, actor, id, false).await?;
    drop_out(tx, enrollment, actor.user).await
}

/// Drops `enrollment` (the learner leaves the course; their progress stays), as `by`, and
/// records `enrollment.dropped`. A completed enrollment stays on record (`ENROLLMENT_COMPLETED`);
/// a dropped one is answered as it is. The caller checked that `by` may.
pub async fn drop_out(
    tx: &mut WriteTx,
    enrollment: Enrollment,
    by: UserId,
) -> Result<Enrollment, Refusal> {
    tx.affects_only(enrollment.user_id);
    match enrollment.status {
        EnrollmentStatus::Completed => {
            return Err(Refusal::conflict(
                "ENROLLMENT_COMPLETED",
                "a completed enrollment stays on record",
            ))
        }
        EnrollmentStatus::Dropped => return Ok(enrollment),
        EnrollmentStatus::Active => {}
    }
    let dropped = enrollments::set_status(tx, enrollment.id, EnrollmentStatus::Dropped, None)
        .await?
        .ok_or_else(|| Refusal::not_found("no such enrollment"))?;
    let event = events::EnrollmentDropped {
        enrollment_id: dropped.id,
        course_id: dropped.course_id,
        user_id: dropped.user_id,
        by,
    };
    outbox::append(tx, Some(by), &event.into()).await?;
    Ok(dropped)
}

/// Sets (or, with `None`, clears) the learner's due date on enrollment `id`, of a course the
/// actor manages, and records `enrollment.due_changed`.
pub async fn set_due(
    tx: &mut WriteTx,
    actor: &Actor,
    id: EnrollmentId,
    due_at: Option<DateTime<Utc>>,
) -> Result<Enrollment, Refusal> {
    let enrollment = own_or_managed(tx, actor, id, true).await?;
    let by = actor.user;
    tx.affects_only(enrollment.user_id);
    let changed = enrollments::set_due(tx, enrollment.id, due_at)
        .await?
        .ok_or_else(|| Refusal::not_found("no such enrollment"))?;
    let event = events::EnrollmentDueChanged {
        enrollment_id: changed.id,
        course_id: changed.course_id,
        user_id: changed.user_id,
        due_at,
        by,
    };
    outbox::append(tx, Some(by), &event.into()).await?;
    Ok(changed)
}
