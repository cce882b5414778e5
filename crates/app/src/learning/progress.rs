//! Progress: a learner's report on a lesson (never backwards), rolled up to the course through
//! the modules' completion rules; on course completion the enrollment is completed and a
//! certificate issued, all with their events, in the caller's transaction. Also the release
//! rules that lock lessons, and course progress read for dashboards.

use super::courses::{course_content, course_for};
use super::visible_to;
use crate::{Actor, Refusal};
use chrono::Utc;
use lyceum_domain::{
    clamp_progress, events, roll_up, CourseId, CourseProgress, DomainEvent, EnrollmentStatus,
    LessonId, LessonProgressStatus, ModuleOutline, Percent, Permission, ReleaseRule, UserId,
};
use lyceum_store::repo::certificates::{self, Certificate};
use lyceum_store::repo::enrollments;
use lyceum_store::repo::lessons::{self, Lesson, OutlineEntry};
use lyceum_store::repo::outbox;
use lyceum_store::repo::progress::{self as progress_repo, ProgressWrite};
use lyceum_store::{TenantTx, WriteTx};
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::{HashMap, HashSet};

pub use lyceum_store::repo::progress::LessonProgress;

/// Which lessons of a course a learner has reached: release rules decide on it.
pub struct Release {
    /// Lessons in course order.
    order: Vec<LessonId>,
    completed: HashSet<LessonId>,
}

impl Release {
    pub async fn load(
        tx: &mut TenantTx,
        course: CourseId,
        learner: UserId,
    ) -> Result<Self, Refusal> {
        Ok(Self::of_outline(
            &lessons::progress_outline(tx, learner, &[course]).await?,
        ))
    }

    /// From a course outline with the learner's completions.
    pub fn of_outline(outline: &[OutlineEntry]) -> Self {
        let lessons = outline
            .iter()
            .filter_map(|e| e.lesson.map(|l| (l, e.completed)));
        Release {
            order: lessons.clone().map(|(lesson, _)| lesson).collect(),
            completed: lessons.filter(|(_, done)| *done).map(|(l, _)| l).collect(),
        }
    }

    /// Has the learner completed `lesson`?
    pub fn completed(&self, lesson: LessonId) -> bool {
        self.completed.contains(&lesson)
    }

    pub fn locked(&self, lesson: &Lesson) -> bool {
        self.locks(lesson.id, lesson.release_rule.as_ref())
    }

    /// Whether `rule` keeps `lesson` closed to the learner now.
    pub fn locks(&self, lesson: LessonId, rule: Option<&ReleaseRule>) -> bool {
        match rule {
            None => false,
            Some(ReleaseRule::OnDate { at }) => Utc::now() < *at,
            Some(ReleaseRule::AfterPrevious) => {
                let at = self.order.iter().position(|l| *l == lesson);
                match at {
                    Some(0) | None => false,
                    Some(i) => !self.completed.contains(&self.order[i - 1]),
                }
            }
        }
    }
}

/// The progress of the actor in `course` (whose content they may read), or with `learner` of
/// another of its learners, which its staff with `progress:view` may see.
pub async fn progress_in(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
    learner: Option<UserId>,
) -> Result<CourseProgress, Refusal> {
    let learner = match learner {
        Some(learner) if learner != actor.user => {
            let (_, staff) = course_for(tx, actor, course).await?;
            actor.require(Permission::ProgressView)?;
            if !staff {
                return Err(Refusal::denied(
                    "only the course's instructors and admins see a learner's progress",
                ));
            }
            enrollments::find(tx, course, learner)
                .await?
                .ok_or_else(|| Refusal::not_found("no such learner in this course"))?;
            learner
        }
        _ => {
            course_content(tx, actor, course).await?;
            actor.user
        }
    };
    Ok(course_progress(tx, &[course], learner)
        .await?
        .remove(&course)
        .unwrap_or_default())
}

/// Course progress of `learner` in each of `courses`, in one query.
pub async fn course_progress(
    tx: &mut TenantTx,
    courses: &[CourseId],
    learner: UserId,
) -> Result<HashMap<CourseId, CourseProgress>, Refusal> {
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

/// What a progress report did.
#[derive(Debug)]
pub struct Reported {
    pub lesson: LessonProgress,
    pub course: CourseId,
    pub progress: CourseProgress,
    /// Issued by this report, when it completed the course.
    pub certificate: Option<Certificate>,
}

/// Records `learner`'s progress on `lesson` (`percent`, 100 completes it; never lower than
/// before), in a transaction opened with the learner's lock (`Store::begin_learner_write`), so
/// that their concurrent reports run in turn. The learner must be enrolled, and the lesson
/// released to them (course staff are exempt from release rules). Completing the course
/// completes the enrollment and issues a certificate.
pub async fn report(
    tx: &mut WriteTx,
    learner: &Actor,
    lesson: LessonId,
    percent: Percent,
) -> Result<Reported, Refusal> {
    learner.require(Permission::ProgressTrack)?;
    learner.require(Permission::CourseView)?;
    tx.affects_only(learner.user);
    let context = progress_repo::report_context(tx, learner.user, lesson)
        .await?
        .ok_or_else(|| Refusal::not_found("no such lesson"))?;
    // The scope rules of reading a lesson, decided on what the one read brought back.
    let enrollment = context
        .enrollment
        .filter(|(_, status)| *status != EnrollmentStatus::Dropped);
    let staff = learner.is_staff_given(context.teaches);
    if !visible_to(context.course_status, staff, enrollment.is_some()) {
        return Err(Refusal::not_found("no such course"));
    }
    let (enrollment, enrollment_status) = enrollment.ok_or_else(|| {
        Refusal::forbidden("NOT_ENROLLED", "enroll in the course to record progress")
    })?;
    if !staff && Release::of_outline(&context.outline).locks(lesson, context.release_rule.as_ref())
    {
        return Err(lesson_locked());
    }
    let was_completed = context
        .before
        .as_ref()
        .is_some_and(|(status, _)| *status == LessonProgressStatus::Completed);
    // The certificate bypass, closed: a quiz or assignment lesson completes when its
    // assessment is passed.
    if context.lesson_kind.completed_by_passing() && percent.is_complete() && !was_completed {
        return Err(
            if context.lesson_kind == lyceum_domain::LessonKind::Assignment {
                Refusal::conflict(
                "ASSIGNMENT_NOT_PASSED",
                "an assignment lesson is completed by a released passing grade, not by a progress report",
            )
            } else {
                Refusal::conflict(
                    "QUIZ_NOT_PASSED",
                    "a quiz lesson is completed by passing its quiz, not by a progress report",
                )
            },
        );
    }
    advance(
        tx,
        learner.user,
        lesson,
        percent,
        context,
        enrollment,
        enrollment_status,
    )
    .await
}

/// Completes a quiz or assignment `lesson` for `learner`, whose counted result (a quiz's) or
/// released grade (an assignment's) on its assessment passes (see `crate::assessments`), with the roll-up, events and certificate of any completion. A
/// learner no longer enrolled (or dropped) gets nothing; a lesson completed already stays so.
pub(crate) async fn complete_passed_lesson(
    tx: &mut WriteTx,
    learner: UserId,
    lesson: LessonId,
) -> Result<Option<Reported>, Refusal> {
    tx.affects_only(learner);
    let Some(context) = progress_repo::report_context(tx, learner, lesson).await? else {
        return Ok(None);
    };
    let Some((enrollment, status)) = context
        .enrollment
        .filter(|(_, status)| *status != EnrollmentStatus::Dropped)
    else {
        return Ok(None);
    };
    let reported = advance(
        tx,
        learner,
        lesson,
        Percent::COMPLETE,
        context,
        enrollment,
        status,
    );
    Ok(Some(reported.await?))
}

/// Writes a report the rules accepted: the lesson's row (never lower), the course's roll-up,
/// the events, and on course completion the enrollment and a certificate.
async fn advance(
    tx: &mut WriteTx,
    learner: UserId,
    lesson: LessonId,
    percent: Percent,
    context: progress_repo::ReportContext,
    enrollment: lyceum_domain::EnrollmentId,
    enrollment_status: EnrollmentStatus,
) -> Result<Reported, Refusal> {
    let course = context.course;
    let before = context.before.as_ref();
    let percent = clamp_progress(
        before.map(|(_, percent)| Percent::stored(*percent)),
        percent,
    )?;
    let was_completed =
        before.is_some_and(|(status, _)| *status == LessonProgressStatus::Completed);
    let mut completed = completed_lessons(&context.outline);
    completed.extend(percent.is_complete().then_some(lesson));
    let modules = outlines(&context.outline)
        .remove(&course)
        .unwrap_or_default();
    let rolled = roll_up(&modules, &completed);
    let mut happened = Vec::new();
    if percent.is_complete() && !was_completed {
        happened.push(DomainEvent::from(events::LessonCompleted {
            lesson_id: lesson,
            course_id: course,
            user_id: learner,
            course_progress_percent: rolled.percent,
        }));
    }
    let completes_course = rolled.completed && enrollment_status == EnrollmentStatus::Active;
    let now = Utc::now();
    if completes_course {
        happened.push(DomainEvent::from(events::EnrollmentCompleted {
            enrollment_id: enrollment,
            course_id: course,
            user_id: learner,
            completed_at: now,
        }));
    }
    let written = progress_repo::write(
        tx,
        &ProgressWrite {
            learner,
            lesson,
            percent: i32::from(percent.get()),
            enrollment,
            course_percent: i32::from(rolled.percent),
            course_completed_at: completes_course.then_some(now),
            events: &happened,
        },
    )
    .await?;
    let mut certificate = None;
    if completes_course {
        let code = verification_code()?;
        let (issued, created) = certificates::issue(tx, enrollment, learner, course, &code).await?;
        if created {
            let certified = events::CertificateIssued {
                certificate_id: issued.id,
                code: issued.code.clone(),
                course_id: course,
                user_id: learner,
            };
            outbox::append(tx, Some(learner), &certified.into()).await?;
        }
        certificate = Some(issued);
    }
    Ok(Reported {
        lesson: written,
        course,
        progress: rolled,
        certificate,
    })
}

/// A certificate's public verification code: 12 characters from an alphabet without
/// look-alikes (about 60 bits).
fn verification_code() -> Result<String, Refusal> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Refusal::Internal("the system's random generator failed"))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

/// `LESSON_LOCKED`: a release rule holds the lesson back from the learner.
pub(crate) fn lesson_locked() -> Refusal {
    Refusal::forbidden("LESSON_LOCKED", "this lesson is not released to you yet")
}
