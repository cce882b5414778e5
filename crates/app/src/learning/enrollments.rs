//! Enrolling a learner in a course, dropping and due dates: who may be enrolled when, by whom,
//! who sees which enrollments, and the events each change records.

use super::courses::{course_for, manages};
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::{
    events, CourseId, CourseStatus, DomainEvent, EnrollmentId, EnrollmentStatus, GroupId,
    Permission, UserId, UserStatus,
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

/// Refuses enrollment in a course that is not published (`COURSE_NOT_OPEN`): the check a
/// whole call makes before it looks at anyone (a group, a file), as [`enroll_batch`] does for
/// each learner.
pub fn open_for_enrollment(course: &Course) -> Result<(), Refusal> {
    if course.status != CourseStatus::Published {
        return Err(Refusal::conflict(
            "COURSE_NOT_OPEN",
            format!(
                "the course {:?} is {}, not open for enrollment",
                course.title, course.status
            ),
        ));
    }
    Ok(())
}

/// The courses of a batch of enrollments and the seats each has left: the rule of open and
/// full courses, for [`enroll_batch`] and for an import that decides before it creates people.
pub struct Openings<'a> {
    courses: &'a [Course],
    /// Seats left per course; `None`: no limit.
    left: Vec<Option<i64>>,
}

impl<'a> Openings<'a> {
    /// The seats `courses` have left now (one query, whatever their number).
    pub async fn count(tx: &mut TenantTx, courses: &'a [Course]) -> Result<Self, Refusal> {
        let limited: Vec<CourseId> = courses
            .iter()
            .filter(|c| c.max_enrollment.is_some())
            .map(|c| c.id)
            .collect();
        let taken: HashMap<CourseId, i64> = if limited.is_empty() {
            HashMap::new()
        } else {
            enrollments::count_active_in(tx, &limited)
                .await?
                .into_iter()
                .collect()
        };
        let left = courses
            .iter()
            .map(|c| {
                c.max_enrollment
                    .map(|max| i64::from(max) - taken.get(&c.id).copied().unwrap_or(0))
            })
            .collect();
        Ok(Openings { courses, left })
    }

    /// Whether course `at` takes one more learner: published (`COURSE_NOT_OPEN`) and not full
    /// (`COURSE_FULL`).
    pub fn admits(&self, at: usize) -> Result<(), Refusal> {
        let course = &self.courses[at];
        open_for_enrollment(course)?;
        if self.left[at].is_some_and(|left| left <= 0) {
            let max = course.max_enrollment.unwrap_or_default();
            return Err(Refusal::conflict(
                "COURSE_FULL",
                format!("the course {:?} is full ({max} learners)", course.title),
            ));
        }
        Ok(())
    }

    /// [`Openings::admits`], then one seat of course `at` taken.
    pub fn take(&mut self, at: usize) -> Result<(), Refusal> {
        self.admits(at)?;
        if let Some(left) = self.left[at].as_mut() {
            *left -= 1;
        }
        Ok(())
    }
}

/// One enrollment asked for in a batch: `learner` in the course at `course` of the batch's
/// courses.
#[derive(Debug, Clone, Copy)]
pub struct Wanted {
    pub course: usize,
    pub learner: UserId,
    pub due_at: Option<DateTime<Utc>>,
}

/// What [`enroll_batch`] answers for one [`Wanted`]: the enrollment and whether it is new
/// (`false`: enrolled already, nothing changed), or the refusal of this one alone.
pub type Outcome = Result<(Enrollment, bool), Refusal>;

/// Enrolls `learner` in `course` unless enrolled already: [`enroll_batch`] of one, its refusal
/// answered as the error.
pub async fn enroll(
    tx: &mut WriteTx,
    course: &Course,
    learner: UserId,
    due_at: Option<DateTime<Utc>>,
    by: EnrolledBy,
) -> Result<(Enrollment, bool), Refusal> {
    let wanted = Wanted {
        course: 0,
        learner,
        due_at,
    };
    let mut outcomes = enroll_batch(tx, std::slice::from_ref(course), &[wanted], by).await?;
    outcomes
        .pop()
        .ok_or(Refusal::Internal("an enrollment was not decided"))?
}

/// Enrolls each learner of `wanted` in their course, in a few statements however many there
/// are (an import of thousands), and answers an [`Outcome`] for each, in order. The one
/// enrollment rule: a learner enrolled already (and not dropped) stays as they are; otherwise
/// the learner must be a user of the tenant who is not deactivated (`NOT_FOUND`,
/// `USER_DEACTIVATED`), the course published (`COURSE_NOT_OPEN`) with a seat left, given in
/// the order asked (`COURSE_FULL`), and a learner enrolling themselves must have completed its
/// prerequisites (`PREREQUISITES_NOT_MET`). A dropped enrollment is taken up again. Records
/// `student.enrolled` for each new enrollment, in the same transaction; the caller checked
/// that `by` may enroll these learners in these courses. A store failure fails the whole batch.
pub async fn enroll_batch(
    tx: &mut WriteTx,
    courses: &[Course],
    wanted: &[Wanted],
    by: EnrolledBy,
) -> Result<Vec<Outcome>, Refusal> {
    let course_ids: Vec<CourseId> = courses.iter().map(|c| c.id).collect();
    let mut learners: Vec<UserId> = wanted.iter().map(|w| w.learner).collect();
    learners.sort_unstable();
    learners.dedup();
    let mut existing: HashMap<(CourseId, UserId), Enrollment> = HashMap::new();
    for enrollment in enrollments::of_users_in(tx, &course_ids, &learners).await? {
        existing.insert((enrollment.course_id, enrollment.user_id), enrollment);
    }
    let mut people: HashMap<UserId, UserStatus> = HashMap::with_capacity(learners.len());
    for chunk in learners.chunks(500) {
        for user in users::by_ids(tx, chunk).await? {
            people.insert(user.id, user.status);
        }
    }
    let mut openings = Openings::count(tx, courses).await?;

    // Each one asked for decided in order; `Insert` and `TakeUpAgain` are written below.
    enum Decision {
        Done(Outcome),
        Insert,
        TakeUpAgain,
        /// Asked for earlier in the batch, at this index: answered as that one was, the
        /// enrollment as not new.
        Repeat(usize),
    }
    let mut decisions = Vec::with_capacity(wanted.len());
    let mut asked: HashMap<(CourseId, UserId), usize> = HashMap::with_capacity(wanted.len());
    for (index, w) in wanted.iter().enumerate() {
        let course = &courses[w.course];
        let key = (course.id, w.learner);
        if let Some(&first) = asked.get(&key) {
            decisions.push(Decision::Repeat(first));
            continue;
        }
        asked.insert(key, index);
        let dropped = match existing.get(&key) {
            Some(e) if e.status != EnrollmentStatus::Dropped => {
                decisions.push(Decision::Done(Ok((e.clone(), false))));
                continue;
            }
            Some(_) => true,
            None => false,
        };
        let refused = match people.get(&w.learner) {
            None => Some(Refusal::not_found("no such user")),
            Some(UserStatus::Deactivated) => Some(Refusal::conflict(
                "USER_DEACTIVATED",
                "the person is deactivated",
            )),
            Some(_) => openings.admits(w.course).err(),
        };
        let refused = match refused {
            None if by == EnrolledBy::Themselves => {
                let unmet = courses::unmet_prerequisites(tx, course.id, w.learner).await?;
                (!unmet.is_empty()).then(|| {
                    let ids: Vec<String> = unmet.iter().map(ToString::to_string).collect();
                    Refusal::conflict(
                        "PREREQUISITES_NOT_MET",
                        format!("complete these courses first: {}", ids.join(", ")),
                    )
                })
            }
            refused => refused,
        };
        if let Some(refusal) = refused {
            decisions.push(Decision::Done(Err(refusal)));
            continue;
        }
        openings.take(w.course)?;
        decisions.push(if dropped {
            Decision::TakeUpAgain
        } else {
            Decision::Insert
        });
    }

    // The writes: new enrollments in a few statements; a returning learner, rare, on their own.
    let new: Vec<enrollments::NewEnrollment> = wanted
        .iter()
        .zip(&decisions)
        .filter(|(_, d)| matches!(d, Decision::Insert))
        .map(|(w, _)| enrollments::NewEnrollment {
            course: courses[w.course].id,
            user: w.learner,
            due_at: w.due_at,
        })
        .collect();
    let mut made: HashMap<(CourseId, UserId), Enrollment> =
        enrollments::enroll_many(tx, &new, by.user())
            .await?
            .into_iter()
            .map(|e| ((e.course_id, e.user_id), e))
            .collect();
    let mut events: Vec<DomainEvent> = Vec::with_capacity(made.len());
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(wanted.len());
    for (w, decision) in wanted.iter().zip(decisions) {
        let key = (courses[w.course].id, w.learner);
        let outcome = match decision {
            Decision::Done(outcome) => outcome,
            Decision::Insert => match made.remove(&key) {
                Some(enrollment) => {
                    events.push(enrolled_event(&enrollment, by));
                    Ok((enrollment, true))
                }
                // Enrolled meanwhile by someone else: nothing new.
                None => enrollments::find(tx, key.0, key.1)
                    .await?
                    .map(|e| (e, false))
                    .ok_or_else(|| Refusal::not_found("no such enrollment")),
            },
            Decision::TakeUpAgain => {
                let (enrollment, created) =
                    enrollments::enroll(tx, key.0, key.1, w.due_at, by.user()).await?;
                if created {
                    events.push(enrolled_event(&enrollment, by));
                }
                Ok((enrollment, created))
            }
            Decision::Repeat(first) => match &outcomes[first] {
                Ok((enrollment, _)) => Ok((enrollment.clone(), false)),
                Err(refusal) => Err(refusal.again()),
            },
        };
        outcomes.push(outcome);
    }
    match by {
        // Each learner is the actor of their own enrollment.
        EnrolledBy::Themselves => {
            for event in &events {
                let DomainEvent::StudentEnrolled(enrolled) = event else {
                    continue;
                };
                outbox::append(tx, Some(enrolled.user_id), event).await?;
            }
        }
        EnrolledBy::Staff(user) => outbox::append_many(tx, Some(user), &events).await?,
        EnrolledBy::System => outbox::append_many(tx, None, &events).await?,
    }
    Ok(outcomes)
}

/// `student.enrolled` for a new enrollment.
fn enrolled_event(enrollment: &Enrollment, by: EnrolledBy) -> DomainEvent {
    events::StudentEnrolled {
        course_id: enrollment.course_id,
        user_id: enrollment.user_id,
        enrollment_id: enrollment.id,
        by: by.user(),
    }
    .into()
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

/// Enrollment `id` with its learner, for the staff who manage its course (`enrollment:manage`);
/// `NOT_FOUND` for anyone else, revealing nothing.
pub async fn managed(
    tx: &mut TenantTx,
    actor: &Actor,
    id: EnrollmentId,
) -> Result<Student, Refusal> {
    let enrollment = own_or_managed(tx, actor, id, true).await?;
    let user = users::get(tx, enrollment.user_id)
        .await?
        .ok_or_else(|| Refusal::not_found("no such enrollment"))?;
    Ok(Student { enrollment, user })
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
