//! Enrolling a learner in a course: who may be enrolled when, and the event it records.

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
