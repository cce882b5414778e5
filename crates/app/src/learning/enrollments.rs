//! Enrolling a learner in a course, dropping and due dates: who may be enrolled when, and the
//! events each records.

use crate::Refusal;
use chrono::{DateTime, Utc};
use lyceum_domain::{events, CourseStatus, EnrollmentStatus, UserId};
use lyceum_store::repo::courses::{self, Course};
use lyceum_store::repo::enrollments::{self, Enrollment};
use lyceum_store::repo::outbox;
use lyceum_store::WriteTx;

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
        outbox::append(tx, &enrolled.into()).await?;
    }
    Ok((enrollment, created))
}

/// Drops `enrollment` (the learner leaves the course; their progress stays), as `by`, and
/// records `enrollment.dropped`. A completed enrollment stays on record (`ENROLLMENT_COMPLETED`);
/// a dropped one is answered as it is. The caller checked that `by` may.
pub async fn unenroll(
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
        .ok_or_else(|| Refusal::NotFound("no such enrollment".to_owned()))?;
    let event = events::EnrollmentDropped {
        enrollment_id: dropped.id,
        course_id: dropped.course_id,
        user_id: dropped.user_id,
        by,
    };
    outbox::append(tx, &event.into()).await?;
    Ok(dropped)
}

/// Sets (or, with `None`, clears) the learner's due date on `enrollment`, as `by`, and records
/// `enrollment.due_changed`. The caller checked that `by` may.
pub async fn set_due(
    tx: &mut WriteTx,
    enrollment: &Enrollment,
    due_at: Option<DateTime<Utc>>,
    by: UserId,
) -> Result<Enrollment, Refusal> {
    tx.affects_only(enrollment.user_id);
    let changed = enrollments::set_due(tx, enrollment.id, due_at)
        .await?
        .ok_or_else(|| Refusal::NotFound("no such enrollment".to_owned()))?;
    let event = events::EnrollmentDueChanged {
        enrollment_id: changed.id,
        due_at,
        by,
    };
    outbox::append(tx, &event.into()).await?;
    Ok(changed)
}
