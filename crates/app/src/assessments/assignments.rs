//! Assignments: an assessment of kind `assignment` whose staff write a prompt, a rubric and the
//! artifacts it takes ([`settings`], [`set_settings`]); its enrolled learners write a draft
//! (text, link, files: see `crate::files::upload_submission_file`) and hand it in ([`submit`]),
//! on time or late per their due date (with their extension) and the late policy; its graders
//! take the queue ([`queue`]), grade against the rubric ([`grade`], again to regrade), send work
//! back for another version ([`send_back`]) and release grades ([`release`], [`release_all`]).
//! A released passing grade completes the assignment lessons linking the assessment; the
//! learner is told by mail. Extensions of a learner's due date ([`grant_extension`]) hold for
//! quizzes and exams too (the attempt's deadline reads them).
//!
//! A learner never reads a grade before it is released: their views ([`LearnerVersion`]) are
//! built without it, and show graded work as handed in until then.

use super::{assessment_not_found, grader_of, linking_lessons, Assessment};
use crate::audit::{self, Change};
use crate::learning::courses::{course_content, manages};
use crate::learning::progress::complete_passed_lesson;
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::assessment::{
    checked_feedback, score_rubric, AssessmentKind, AssessmentRules, AssignmentSettings,
    AssignmentStatus, Closed, CriterionGrade, CriterionScore, ExpectedArtifacts, Points,
    RubricCriterion, Timing,
};
use lyceum_domain::{
    events, render_markdown, AssessmentId, AuditAction, AuditTarget, CourseId, DomainEvent,
    ExtensionId, LessonKind, Mail, Permission, SubmissionId, UserId, ValidationError,
};
use lyceum_store::repo::assessments as assessment_repo;
use lyceum_store::repo::assignments::{self as repo, AssignmentSubmission, Grade};
use lyceum_store::repo::{enrollments, files, outbox};
use lyceum_store::{StoreError, TenantTx, WriteTx};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

pub use lyceum_store::repo::assignments::{Extension, QueueScope};
pub use lyceum_store::repo::files::StoredFile;

/// The longest reason given for an extension.
pub const MAX_REASON_CHARS: usize = 1_000;

fn submission_not_found() -> Refusal {
    Refusal::not_found("no such submission")
}

fn extension_not_found() -> Refusal {
    Refusal::not_found("no such extension")
}

/// `NOT_AN_ASSIGNMENT`: quizzes and exams are taken in attempts, not handed in.
fn not_an_assignment() -> Refusal {
    Refusal::unacceptable(
        "NOT_AN_ASSIGNMENT",
        "only an assignment takes drafts, rubrics and handed-in work; quizzes and exams take attempts",
    )
}

fn deadline_passed() -> Refusal {
    Refusal::conflict(
        "DEADLINE_PASSED",
        "your due date has passed; late submissions are not accepted",
    )
}

fn already_submitted() -> Refusal {
    Refusal::conflict(
        "ALREADY_SUBMITTED",
        "your work was handed in already; an instructor may send it back for another version",
    )
}

fn not_submitted() -> Refusal {
    Refusal::conflict(
        "NOT_SUBMITTED",
        "only work handed in (submitted or late, or graded to regrade) is graded or sent back",
    )
}

/// The settings of an assessment, the defaults when never saved.
async fn settings_of(tx: &mut TenantTx, id: AssessmentId) -> Result<AssignmentSettings, Refusal> {
    Ok(repo::settings(tx, id).await?.unwrap_or_default())
}

/// An assignment as its readers see it: its assessment's settings and its own, the prompt
/// rendered, the rubric's maximum; for a learner, their due date.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentView {
    pub assessment: Assessment,
    /// Markdown as written.
    pub prompt: String,
    /// The prompt rendered to sanitised HTML.
    pub prompt_html: String,
    pub rubric: Vec<RubricCriterion>,
    pub artifacts: ExpectedArtifacts,
    /// The sum of each criterion's top level.
    pub max_score: Points,
    /// A learner only: their due date (with their extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub my_due_at: Option<DateTime<Utc>>,
}

fn view(
    assessment: Assessment,
    settings: AssignmentSettings,
    my_due_at: Option<DateTime<Utc>>,
) -> AssignmentView {
    let max_score = settings.max_score();
    AssignmentView {
        assessment,
        prompt_html: render_markdown(&settings.prompt).unwrap_or_default(),
        prompt: settings.prompt,
        rubric: settings.rubric,
        artifacts: settings.artifacts,
        max_score,
        my_due_at,
    }
}

/// An assignment its course's staff or an enrolled learner reads (`NOT_AN_ASSIGNMENT` for a
/// quiz).
pub async fn settings(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
) -> Result<AssignmentView, Refusal> {
    let (assessment, staff) = super::readable(tx, actor, id).await?;
    if assessment.kind != AssessmentKind::Assignment {
        return Err(not_an_assignment());
    }
    let settings = settings_of(tx, id).await?;
    let due = if staff {
        None
    } else {
        learner_rules(tx, &assessment, actor.user).await?.due_at
    };
    Ok(view(assessment, settings, due))
}

/// Saves an assignment's prompt, rubric and artifacts (checked: `INVALID_ASSIGNMENT`,
/// `INVALID_RUBRIC`), course staff with `course:edit`. Grades given already keep their points.
pub async fn set_settings(
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssessmentId,
    settings: &AssignmentSettings,
) -> Result<AssignmentView, Refusal> {
    tx.affects_all_users();
    let assessment = super::editable(tx, actor, id).await?;
    if assessment.kind != AssessmentKind::Assignment {
        return Err(not_an_assignment());
    }
    let settings = settings.validate()?;
    repo::put_settings(tx, id, &settings).await?;
    Ok(view(assessment, settings, None))
}

/// The assessment's settings as they hold for `learner`, with their extension.
pub(crate) async fn learner_rules(
    tx: &mut TenantTx,
    assessment: &Assessment,
    learner: UserId,
) -> Result<AssessmentRules, Refusal> {
    let extension = repo::extension_of(tx, assessment.id, learner).await?;
    Ok(assessment.rules.for_learner(extension.map(|e| e.due_at)))
}

/// A version of a learner's work as the learner reads it: the grade and per-criterion feedback
/// only once released; graded work waiting for release shows as handed in.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LearnerVersion {
    pub id: SubmissionId,
    pub assessment_id: AssessmentId,
    pub version: u32,
    pub status: AssignmentStatus,
    pub text: Option<String>,
    pub link: Option<String>,
    pub files: Vec<StoredFile>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    /// Once released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<ReleasedGrade>,
    /// The instructor's words when the work was sent back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub returned_feedback: Option<String>,
}

/// A released grade.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleasedGrade {
    pub score: Points,
    pub max_score: Points,
    pub passed: bool,
    pub criteria: Vec<CriterionScore>,
    pub feedback: Option<String>,
    pub released_at: DateTime<Utc>,
}

fn learner_version(sub: AssignmentSubmission, files: Vec<StoredFile>) -> LearnerVersion {
    let grade = match (sub.released_at, sub.score, sub.max_score, sub.passed) {
        (Some(released_at), Some(score), Some(max_score), Some(passed))
            if sub.status == AssignmentStatus::Graded =>
        {
            Some(ReleasedGrade {
                score,
                max_score,
                passed,
                criteria: sub.grades.clone().unwrap_or_default(),
                feedback: sub.feedback.clone(),
                released_at,
            })
        }
        _ => None,
    };
    let status = match sub.status {
        AssignmentStatus::Graded if grade.is_none() => {
            if sub.late {
                AssignmentStatus::Late
            } else {
                AssignmentStatus::Submitted
            }
        }
        status => status,
    };
    LearnerVersion {
        id: sub.id,
        assessment_id: sub.assessment_id,
        version: sub.version,
        status,
        text: sub.text,
        link: sub.link,
        files,
        submitted_at: sub.submitted_at,
        late: sub.late,
        grade,
        returned_feedback: (sub.status == AssignmentStatus::Returned)
            .then_some(sub.feedback)
            .flatten(),
    }
}

/// A learner's work on an assignment: every version, first to last (the draft, if any, last).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LearnerWork {
    /// Their due date, with their extension.
    pub due_at: Option<DateTime<Utc>>,
    /// Their extension, if one was granted.
    pub extended_to: Option<DateTime<Utc>>,
    pub late_policy: lyceum_domain::assessment::LatePolicy,
    pub versions: Vec<LearnerVersion>,
    /// A new draft may be written now (none yet, or the last version was sent back).
    pub may_write: bool,
}

async fn work_of(
    tx: &mut TenantTx,
    assessment: &Assessment,
    learner: UserId,
) -> Result<LearnerWork, Refusal> {
    let extension = repo::extension_of(tx, assessment.id, learner).await?;
    let rules = assessment
        .rules
        .for_learner(extension.as_ref().map(|e| e.due_at));
    let mut versions = Vec::new();
    for sub in repo::of_learner(tx, assessment.id, learner).await? {
        let files = files::of_submission(tx, sub.id).await?;
        versions.push(learner_version(sub, files));
    }
    let may_write = versions.last().is_none_or(|v| {
        matches!(
            v.status,
            AssignmentStatus::Draft | AssignmentStatus::Returned
        )
    });
    Ok(LearnerWork {
        due_at: rules.due_at,
        extended_to: extension.map(|e| e.due_at),
        late_policy: rules.late,
        versions,
        may_write,
    })
}

/// The assignment of the actor's own work: enrolled in its course (not dropped), an
/// assignment; its rules with their extension.
async fn workable(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
) -> Result<(Assessment, AssessmentRules), Refusal> {
    actor.require(Permission::AssessmentTake)?;
    let assessment = assessment_repo::get(tx, id)
        .await?
        .ok_or_else(assessment_not_found)?;
    let enrollment = match course_content(tx, actor, assessment.course_id).await {
        Ok((_, enrollment)) => enrollment,
        Err(Refusal::NotFound { .. }) => return Err(assessment_not_found()),
        Err(other) => return Err(other),
    };
    if enrollment.is_none() {
        return Err(Refusal::forbidden(
            "NOT_ENROLLED",
            "enroll in the course to hand in its assignments",
        ));
    }
    if assessment.kind != AssessmentKind::Assignment {
        return Err(not_an_assignment());
    }
    let rules = learner_rules(tx, &assessment, actor.user).await?;
    Ok((assessment, rules))
}

/// The actor's work on an assignment (see [`LearnerWork`]).
pub async fn my_work(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
) -> Result<LearnerWork, Refusal> {
    let (assessment, _) = workable(tx, actor, id).await?;
    work_of(tx, &assessment, actor.user).await
}

/// The actor's draft, made when there is none: refused outside the availability window
/// (`ASSESSMENT_NOT_OPEN`), past a refusing due date (`DEADLINE_PASSED`), while every lesson
/// linking the assignment is locked to them (`LESSON_LOCKED`), and while their last version is
/// handed in or graded (`ALREADY_SUBMITTED`). A new version starts from the last one's work.
pub(crate) async fn open_draft(
    tx: &mut WriteTx,
    actor: &Actor,
    assessment: &Assessment,
    rules: &AssessmentRules,
    now: DateTime<Utc>,
) -> Result<AssignmentSubmission, Refusal> {
    let versions = repo::of_learner(tx, assessment.id, actor.user).await?;
    if let Some(last) = versions.last() {
        match last.status {
            AssignmentStatus::Draft => {
                rules
                    .timing(last.created_at, now)
                    .map_err(|_| deadline_passed())?;
                return Ok(last.clone());
            }
            AssignmentStatus::Returned => {}
            _ => return Err(already_submitted()),
        }
    }
    match rules.closed_at(now) {
        Some(Closed::DeadlinePassed) => return Err(deadline_passed()),
        Some(Closed::NotYetOpen | Closed::WindowOver) => {
            return Err(Refusal::conflict(
                "ASSESSMENT_NOT_OPEN",
                "this assignment is not open for work now",
            ))
        }
        None => {}
    }
    let links = linking_lessons(tx, assessment).await?;
    if !links.is_empty() {
        let release = crate::learning::Release::load(tx, assessment.course_id, actor.user).await?;
        if links.iter().all(|lesson| release.locked(lesson)) {
            return Err(crate::learning::progress::lesson_locked());
        }
    }
    let last = versions.last();
    let version = last.map_or(1, |v| v.version + 1);
    let draft = match repo::insert_draft(
        tx,
        assessment.id,
        actor.user,
        version,
        last.and_then(|v| v.text.as_deref()),
        last.and_then(|v| v.link.as_deref()),
    )
    .await
    {
        Err(StoreError::Conflict(_)) => {
            return Err(Refusal::conflict(
                "DRAFT_CONFLICT",
                "another draft was started at the same moment; ask again",
            ))
        }
        other => other?,
    };
    if let Some(last) = last {
        repo::copy_files(tx, last.id, draft.id).await?;
    }
    Ok(draft)
}

/// Saves the actor's draft (made when there is none): its text answer and link, checked
/// against what the assignment takes (`INVALID_SUBMISSION`). Open the transaction with
/// `Store::begin_learner_write`.
pub async fn save_draft(
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssessmentId,
    text: Option<&str>,
    link: Option<&str>,
    now: DateTime<Utc>,
) -> Result<LearnerWork, Refusal> {
    tx.affects_only(actor.user);
    let (assessment, rules) = workable(tx, actor, id).await?;
    let settings = settings_of(tx, id).await?;
    let (text, link) = settings.artifacts.check_draft(text, link)?;
    let draft = open_draft(tx, actor, &assessment, &rules, now).await?;
    repo::save_draft(tx, draft.id, text.as_deref(), link.as_deref()).await?;
    work_of(tx, &assessment, actor.user).await
}

/// What an upload to the actor's draft may be, checked before its bytes arrive.
pub(crate) struct UploadSlot {
    pub assessment: Assessment,
    pub types: Vec<String>,
    pub max_bytes: u64,
}

/// Checks that the actor may attach a file to their draft of `id` now, and what it may be:
/// the assignment takes files (`INVALID_SUBMISSION`), the draft holds fewer than its most
/// (`TOO_MANY_FILES`), the draft may be opened (see [`open_draft`]).
pub(crate) async fn upload_slot(
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssessmentId,
    now: DateTime<Utc>,
) -> Result<(UploadSlot, AssignmentSubmission), Refusal> {
    tx.affects_only(actor.user);
    let (assessment, rules) = workable(tx, actor, id).await?;
    let settings = settings_of(tx, id).await?;
    let Some(artifact) = settings.artifacts.files else {
        return Err(
            ValidationError::InvalidSubmission("this assignment takes no files".into()).into(),
        );
    };
    let draft = open_draft(tx, actor, &assessment, &rules, now).await?;
    let held = files::of_submission(tx, draft.id).await?.len();
    if held >= artifact.max_files as usize {
        return Err(Refusal::conflict(
            "TOO_MANY_FILES",
            format!(
                "a version holds at most {} files; remove one first",
                artifact.max_files
            ),
        ));
    }
    Ok((
        UploadSlot {
            assessment,
            types: artifact.types,
            max_bytes: artifact.max_bytes,
        },
        draft,
    ))
}

/// Removes a file from the actor's draft (its record stays with the versions that hold it).
pub async fn detach_file(
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssessmentId,
    file: lyceum_domain::FileId,
    now: DateTime<Utc>,
) -> Result<LearnerWork, Refusal> {
    tx.affects_only(actor.user);
    let (assessment, rules) = workable(tx, actor, id).await?;
    let draft = repo::of_learner(tx, id, actor.user)
        .await?
        .into_iter()
        .find(|v| v.status == AssignmentStatus::Draft)
        .ok_or_else(|| Refusal::not_found("no such file in your draft"))?;
    rules
        .timing(draft.created_at, now)
        .map_err(|_| deadline_passed())?;
    if !repo::detach(tx, draft.id, file).await? {
        return Err(Refusal::not_found("no such file in your draft"));
    }
    work_of(tx, &assessment, actor.user).await
}

/// Hands the actor's draft in: `submitted`, or after their due date `late` under the `accept`
/// late policy (`DEADLINE_PASSED` under `refuse`). Refused without a draft
/// (`ALREADY_SUBMITTED` when the last version was handed in, `NOTHING_TO_SUBMIT` before any),
/// and for an empty draft (`EMPTY_SUBMISSION`). Records `assessment.submitted`. Open the
/// transaction with `Store::begin_learner_write`.
pub async fn submit(
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssessmentId,
    now: DateTime<Utc>,
) -> Result<LearnerWork, Refusal> {
    tx.affects_only(actor.user);
    let (assessment, rules) = workable(tx, actor, id).await?;
    let versions = repo::of_learner(tx, id, actor.user).await?;
    let draft = match versions.last() {
        Some(last) if last.status == AssignmentStatus::Draft => last.clone(),
        Some(last) if last.status != AssignmentStatus::Returned => return Err(already_submitted()),
        _ => {
            return Err(Refusal::conflict(
                "NOTHING_TO_SUBMIT",
                "write a draft before handing it in",
            ))
        }
    };
    let timing = rules
        .timing(draft.created_at, now)
        .map_err(|_| deadline_passed())?;
    let held = files::of_submission(tx, draft.id).await?;
    if draft.text.is_none() && draft.link.is_none() && held.is_empty() {
        return Err(Refusal::unacceptable(
            "EMPTY_SUBMISSION",
            "the draft holds no text, link or file",
        ));
    }
    let late = timing == Timing::Late;
    if !repo::submit(tx, draft.id, now, late).await? {
        return Err(already_submitted());
    }
    let settings = settings_of(tx, id).await?;
    let submitted = events::AssessmentSubmitted {
        submission_id: draft.id,
        assessment_id: assessment.id,
        course_id: assessment.course_id,
        user_id: actor.user,
        attempt: draft.version,
        score: None,
        max_score: settings.max_score(),
        passed: None,
        late,
    };
    outbox::append(tx, Some(actor.user), &DomainEvent::from(submitted)).await?;
    work_of(tx, &assessment, actor.user).await
}

/// A version of a learner's work as its course's graders read it: everything, the grade
/// whether released or not.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffVersion {
    pub id: SubmissionId,
    pub assessment_id: AssessmentId,
    pub user_id: UserId,
    pub version: u32,
    pub status: AssignmentStatus,
    pub text: Option<String>,
    pub link: Option<String>,
    pub files: Vec<StoredFile>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub score: Option<Points>,
    pub max_score: Option<Points>,
    pub passed: Option<bool>,
    pub criteria: Option<Vec<CriterionScore>>,
    pub feedback: Option<String>,
    pub graded_by: Option<UserId>,
    pub graded_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
}

fn staff_version(sub: AssignmentSubmission, files: Vec<StoredFile>) -> StaffVersion {
    StaffVersion {
        id: sub.id,
        assessment_id: sub.assessment_id,
        user_id: sub.user_id,
        version: sub.version,
        status: sub.status,
        text: sub.text,
        link: sub.link,
        files,
        submitted_at: sub.submitted_at,
        late: sub.late,
        score: sub.score,
        max_score: sub.max_score,
        passed: sub.passed,
        criteria: sub.grades,
        feedback: sub.feedback,
        graded_by: sub.graded_by,
        graded_at: sub.graded_at,
        released_at: sub.released_at,
    }
}

/// A version as its reader may read it.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VersionRead {
    Learner(LearnerVersion),
    Staff(StaffVersion),
}

/// A version of work: the learner's own (their view), or for its course's graders the staff's;
/// anyone else's is not found.
pub async fn read(
    tx: &mut TenantTx,
    actor: &Actor,
    id: SubmissionId,
) -> Result<VersionRead, Refusal> {
    actor.require(Permission::CourseView)?;
    let sub = repo::get(tx, id, false)
        .await?
        .ok_or_else(submission_not_found)?;
    let files = files::of_submission(tx, id).await?;
    if sub.user_id == actor.user {
        return Ok(VersionRead::Learner(learner_version(sub, files)));
    }
    let assessment = assessment_repo::get(tx, sub.assessment_id)
        .await?
        .ok_or_else(submission_not_found)?;
    if grader_of(tx, actor, &assessment).await? {
        return Ok(VersionRead::Staff(staff_version(sub, files)));
    }
    Err(submission_not_found())
}

/// A version waiting for a grade, in a queue.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueuedVersion {
    pub id: SubmissionId,
    pub assessment_id: AssessmentId,
    pub assessment_title: String,
    pub user_id: UserId,
    pub version: u32,
    pub status: AssignmentStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
}

/// Work handed in and waiting for a grade, oldest first: of an assessment, or of every
/// assignment of a course (`scope`), for its graders.
pub async fn queue(
    tx: &mut TenantTx,
    actor: &Actor,
    scope: QueueScope,
) -> Result<Vec<QueuedVersion>, Refusal> {
    let titles: HashMap<AssessmentId, String> = match scope {
        QueueScope::Assessment(id) => {
            let (assessment, staff) = super::readable(tx, actor, id).await?;
            manages(actor, staff, Permission::AssessmentGrade)?;
            if assessment.kind != AssessmentKind::Assignment {
                return Err(not_an_assignment());
            }
            HashMap::from([(assessment.id, assessment.title)])
        }
        QueueScope::Course(course) => {
            let (_, enrollment) = course_content(tx, actor, course).await?;
            manages(
                actor,
                enrollment.is_none() && actor.is_staff_of(tx, course).await?,
                Permission::AssessmentGrade,
            )?;
            assessment_repo::for_course(tx, course)
                .await?
                .into_iter()
                .map(|a| (a.id, a.title))
                .collect()
        }
    };
    Ok(repo::awaiting_grade(tx, scope)
        .await?
        .into_iter()
        .map(|s| QueuedVersion {
            id: s.id,
            assessment_title: titles.get(&s.assessment_id).cloned().unwrap_or_default(),
            assessment_id: s.assessment_id,
            user_id: s.user_id,
            version: s.version,
            status: s.status,
            submitted_at: s.submitted_at,
            late: s.late,
        })
        .collect())
}

/// A version of work and its assessment, locked, for a grader of its course.
async fn graded_by_actor(
    tx: &mut WriteTx,
    actor: &Actor,
    id: SubmissionId,
) -> Result<(AssignmentSubmission, Assessment), Refusal> {
    actor.require(Permission::AssessmentGrade)?;
    let sub = repo::get(tx, id, true)
        .await?
        .ok_or_else(submission_not_found)?;
    tx.affects_only(sub.user_id);
    let assessment = assessment_repo::get(tx, sub.assessment_id)
        .await?
        .ok_or_else(submission_not_found)?;
    if !grader_of(tx, actor, &assessment).await? {
        return Err(submission_not_found());
    }
    Ok((sub, assessment))
}

fn audit_grade(sub: &AssignmentSubmission) -> serde_json::Value {
    json!({
        "status": sub.status,
        "score": sub.score,
        "criteria": sub.grades.as_ref().map(|g| g.iter().map(|c| json!({"criterion": c.criterion, "level": c.level, "points": c.points})).collect::<Vec<_>>()),
        "released": sub.released_at.is_some(),
    })
}

/// Grades a version handed in against the rubric (again, to regrade), a grader of its course:
/// one level per criterion, optional points within the criterion and feedback (`NO_RUBRIC`,
/// `UNKNOWN_CRITERION`, `UNKNOWN_LEVEL`, `INCOMPLETE_GRADE`, `INVALID_GRADE`); a draft or work
/// sent back is not graded (`NOT_SUBMITTED`). The learner sees it once released; a released
/// grade changed is released again at once (`assessment.graded` again). Audited
/// (`submission.graded`).
pub async fn grade(
    tx: &mut WriteTx,
    actor: &Actor,
    id: SubmissionId,
    grades: &[CriterionGrade],
    feedback: Option<&str>,
) -> Result<StaffVersion, Refusal> {
    let (sub, assessment) = graded_by_actor(tx, actor, id).await?;
    if !(sub.status.awaits_grade() || sub.status == AssignmentStatus::Graded) {
        return Err(not_submitted());
    }
    let settings = settings_of(tx, assessment.id).await?;
    let scored = score_rubric(&settings.rubric, grades)
        .map_err(|fault| Refusal::unacceptable(fault.code(), fault.to_string()))?;
    let feedback = checked_feedback(feedback)
        .map_err(|fault| Refusal::unacceptable(fault.code(), fault.to_string()))?;
    let passed = assessment
        .rules
        .passes(scored.score.percent_of(scored.max_score));
    repo::set_grade(
        tx,
        id,
        &Grade {
            score: scored.score,
            max_score: scored.max_score,
            passed,
            criteria: &scored.criteria,
            feedback: feedback.as_deref(),
            by: actor.user,
        },
    )
    .await?;
    let after = repo::get(tx, id, false)
        .await?
        .ok_or_else(submission_not_found)?;
    if after.released_at.is_some() {
        posted(tx, actor, &assessment, &after).await?;
    }
    let change = Change::new(AuditAction::SubmissionGraded)
        .on(AuditTarget::Submission(id))
        .before(audit_grade(&sub))
        .after(json!({"grade": audit_grade(&after), "learner": sub.user_id, "assessment": assessment.id}));
    audit::record(tx, actor, change).await?;
    let files = files::of_submission(tx, id).await?;
    Ok(staff_version(after, files))
}

/// What a released grade does: `assessment.graded`, the linked assignment lessons completed
/// when it passes, the "grade posted" mail to the learner.
async fn posted(
    tx: &mut WriteTx,
    actor: &Actor,
    assessment: &Assessment,
    sub: &AssignmentSubmission,
) -> Result<(), Refusal> {
    let (Some(score), Some(max_score), Some(passed)) = (sub.score, sub.max_score, sub.passed)
    else {
        return Err(not_submitted());
    };
    let graded = events::AssessmentGraded {
        submission_id: sub.id,
        assessment_id: assessment.id,
        course_id: assessment.course_id,
        user_id: sub.user_id,
        attempt: sub.version,
        score,
        max_score,
        passed,
        by: Some(actor.user),
    };
    outbox::append(tx, Some(actor.user), &graded.into()).await?;
    if passed {
        for lesson in linking_lessons(tx, assessment).await? {
            if lesson.kind == LessonKind::Assignment {
                complete_passed_lesson(tx, sub.user_id, lesson.id).await?;
            }
        }
    }
    crate::mail::grade_posted(
        tx,
        sub.user_id,
        Mail::GradePosted {
            submission_id: sub.id,
        },
    )
    .await
}

/// Releases the grade of a graded version to its learner (`NOT_GRADED` before a grade,
/// `ALREADY_RELEASED` twice): see [`posted`]. Audited (`submission.released`).
pub async fn release(
    tx: &mut WriteTx,
    actor: &Actor,
    id: SubmissionId,
    now: DateTime<Utc>,
) -> Result<StaffVersion, Refusal> {
    let (sub, assessment) = graded_by_actor(tx, actor, id).await?;
    release_one(tx, actor, &assessment, sub, now).await
}

async fn release_one(
    tx: &mut WriteTx,
    actor: &Actor,
    assessment: &Assessment,
    sub: AssignmentSubmission,
    now: DateTime<Utc>,
) -> Result<StaffVersion, Refusal> {
    if sub.status != AssignmentStatus::Graded {
        return Err(Refusal::conflict(
            "NOT_GRADED",
            "grade this work before releasing its grade",
        ));
    }
    if !repo::release(tx, sub.id, now).await? {
        return Err(Refusal::conflict(
            "ALREADY_RELEASED",
            "this grade was released already",
        ));
    }
    let after = repo::get(tx, sub.id, false)
        .await?
        .ok_or_else(submission_not_found)?;
    posted(tx, actor, assessment, &after).await?;
    let change = Change::new(AuditAction::SubmissionReleased)
        .on(AuditTarget::Submission(sub.id))
        .after(json!({"score": after.score, "passed": after.passed, "learner": after.user_id, "assessment": assessment.id}));
    audit::record(tx, actor, change).await?;
    let files = files::of_submission(tx, sub.id).await?;
    Ok(staff_version(after, files))
}

/// Releases every graded, unreleased grade of an assignment at once, a grader of its course;
/// answers how many.
pub async fn release_all(
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssessmentId,
    now: DateTime<Utc>,
) -> Result<usize, Refusal> {
    tx.affects_all_users();
    let (assessment, staff) = super::readable(tx, actor, id).await?;
    manages(actor, staff, Permission::AssessmentGrade)?;
    if assessment.kind != AssessmentKind::Assignment {
        return Err(not_an_assignment());
    }
    let waiting = repo::unreleased(tx, id).await?;
    let count = waiting.len();
    for sub in waiting {
        release_one(tx, actor, &assessment, sub, now).await?;
    }
    Ok(count)
}

/// Sends a version back to its learner for another version (`returned`), with feedback, a
/// grader of its course; a draft or work sent back already is refused (`NOT_SUBMITTED`).
/// Audited (`submission.returned`).
pub async fn send_back(
    tx: &mut WriteTx,
    actor: &Actor,
    id: SubmissionId,
    feedback: Option<&str>,
) -> Result<StaffVersion, Refusal> {
    let (sub, assessment) = graded_by_actor(tx, actor, id).await?;
    if !(sub.status.awaits_grade() || sub.status == AssignmentStatus::Graded) {
        return Err(not_submitted());
    }
    let feedback = checked_feedback(feedback)
        .map_err(|fault| Refusal::unacceptable(fault.code(), fault.to_string()))?;
    repo::mark_returned(tx, id, feedback.as_deref(), actor.user).await?;
    let change = Change::new(AuditAction::SubmissionReturned)
        .on(AuditTarget::Submission(id))
        .before(json!({"status": sub.status}))
        .after(json!({"status": AssignmentStatus::Returned, "learner": sub.user_id, "assessment": assessment.id}));
    audit::record(tx, actor, change).await?;
    let after = repo::get(tx, id, false)
        .await?
        .ok_or_else(submission_not_found)?;
    let files = files::of_submission(tx, id).await?;
    Ok(staff_version(after, files))
}

/// An assessment for its graders (any kind: extensions hold for quizzes and exams too).
async fn graded_assessment(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
) -> Result<Assessment, Refusal> {
    let (assessment, staff) = super::readable(tx, actor, id).await?;
    manages(actor, staff, Permission::AssessmentGrade)?;
    Ok(assessment)
}

/// Gives a learner enrolled in the course a later due date for an assessment (or changes the
/// one given), a grader of its course: after the assessment's due date when it has one, and
/// in the future (`INVALID_EXTENSION`); the learner must be enrolled (`NOT_ENROLLED`). Audited
/// (`extension.granted`).
pub async fn grant_extension(
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssessmentId,
    learner: UserId,
    due_at: DateTime<Utc>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Extension, Refusal> {
    tx.affects_only(learner);
    let assessment = graded_assessment(tx, actor, id).await?;
    let invalid = |message: String| Refusal::unacceptable("INVALID_EXTENSION", message);
    if due_at <= now {
        return Err(invalid(
            "an extension's due date must be in the future".into(),
        ));
    }
    if assessment.rules.due_at.is_some_and(|due| due_at <= due) {
        return Err(invalid(
            "an extension's due date must be after the assessment's".into(),
        ));
    }
    let reason = reason.trim();
    if reason.chars().count() > MAX_REASON_CHARS
        || reason.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(ValidationError::TooLong {
            field: "reason",
            max: MAX_REASON_CHARS,
        }
        .into());
    }
    let enrolled = enrollments::find(tx, assessment.course_id, learner)
        .await?
        .filter(|e| e.status != lyceum_domain::EnrollmentStatus::Dropped);
    if enrolled.is_none() {
        return Err(Refusal::unacceptable(
            "NOT_ENROLLED",
            "extensions are given to learners enrolled in the course",
        ));
    }
    let before = repo::extension_of(tx, id, learner).await?;
    let extension = repo::put_extension(tx, id, learner, due_at, reason, actor.user).await?;
    super::attempts::move_deadlines(tx, id, &assessment.rules, Some(learner)).await?;
    let change = Change::new(AuditAction::ExtensionGranted)
        .on(AuditTarget::Assessment(id))
        .before(json!(
            before.map(|e| json!({"learner": e.user_id, "due_at": e.due_at}))
        ))
        .after(json!({"learner": learner, "due_at": due_at, "reason": reason}));
    audit::record(tx, actor, change).await?;
    Ok(extension)
}

/// The extensions of an assessment, for its graders.
pub async fn extensions(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
) -> Result<Vec<Extension>, Refusal> {
    graded_assessment(tx, actor, id).await?;
    Ok(repo::extensions_of(tx, id).await?)
}

/// Takes an extension back, a grader of its course. Audited (`extension.revoked`).
pub async fn revoke_extension(
    tx: &mut WriteTx,
    actor: &Actor,
    id: ExtensionId,
) -> Result<(), Refusal> {
    let extension = repo::get_extension(tx, id)
        .await?
        .ok_or_else(extension_not_found)?;
    tx.affects_only(extension.user_id);
    let assessment = match graded_assessment(tx, actor, extension.assessment_id).await {
        Ok(assessment) => assessment,
        Err(Refusal::NotFound { .. }) => return Err(extension_not_found()),
        Err(other) => return Err(other),
    };
    repo::delete_extension(tx, id).await?;
    super::attempts::move_deadlines(
        tx,
        assessment.id,
        &assessment.rules,
        Some(extension.user_id),
    )
    .await?;
    let change = Change::new(AuditAction::ExtensionRevoked)
        .on(AuditTarget::Assessment(extension.assessment_id))
        .before(json!({"learner": extension.user_id, "due_at": extension.due_at}));
    audit::record(tx, actor, change).await?;
    Ok(())
}

/// The average of one rubric criterion over the graded work of a course.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionAverage {
    pub assessment_id: AssessmentId,
    pub assessment_title: String,
    pub criterion: String,
    pub title: String,
    /// The mean of the points given, to two decimals.
    pub average: f64,
    pub max_points: Points,
    /// The mean as a percent of the criterion's worth.
    pub average_percent: f64,
    /// How many graded versions gave it.
    pub graded: u32,
}

/// The average points per rubric criterion over the graded work on a course's assignments
/// (every graded version counts), for its staff with `assessment:grade`.
pub async fn rubric_averages(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<Vec<CriterionAverage>, Refusal> {
    let (_, enrollment) = course_content(tx, actor, course).await?;
    manages(
        actor,
        enrollment.is_none() && actor.is_staff_of(tx, course).await?,
        Permission::AssessmentGrade,
    )?;
    let graded = repo::graded_of_course(tx, course).await?;
    let mut out = Vec::new();
    for assessment in assessment_repo::for_course(tx, course).await? {
        if assessment.kind != AssessmentKind::Assignment {
            continue;
        }
        let settings = settings_of(tx, assessment.id).await?;
        for criterion in &settings.rubric {
            let given: Vec<Points> = graded
                .iter()
                .filter(|s| s.assessment_id == assessment.id)
                .filter_map(|s| s.grades.as_ref())
                .filter_map(|g| g.iter().find(|c| c.criterion == criterion.id))
                .map(|c| c.points)
                .collect();
            let count = given.len() as u32;
            let sum: u64 = given.iter().map(|p| u64::from(p.hundredths())).sum();
            let mean = if count == 0 {
                0.0
            } else {
                sum as f64 / f64::from(count) / 100.0
            };
            let max = criterion.max_points();
            out.push(CriterionAverage {
                assessment_id: assessment.id,
                assessment_title: assessment.title.clone(),
                criterion: criterion.id.clone(),
                title: criterion.title.clone(),
                average: (mean * 100.0).round() / 100.0,
                max_points: max,
                average_percent: if max == Points::ZERO {
                    0.0
                } else {
                    (mean * 10_000.0 / max.as_f64()).round() / 100.0
                },
                graded: count,
            });
        }
    }
    Ok(out)
}
