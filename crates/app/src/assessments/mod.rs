//! Assessments: a course's quizzes, exams and assignments, authored by its staff (settings,
//! questions with their answer keys, question banks and the random draws from them), taken by
//! its enrolled learners ([`attempts`]), graded on the server and by hand, and counted towards
//! the quiz lessons that link them.
//!
//! What a learner reads never holds an answer key, a scoring rule or another learner's data
//! before the review policy allows: their views are types of their own (`QuestionView`,
//! [`attempts::AttemptView`]), built without the key. This module must never hand a learner a
//! `Question` or a `Submission`.

pub mod assignments;
pub mod attempts;
pub mod gradebook;

use crate::learning::courses::{course_content, course_for, editable_course};
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::assessment::{
    AssessmentKind, AssessmentRules, CountedAttempt, LatePolicy, Points, QuestionDraft,
    QuestionKey, ReviewPolicy,
};
use lyceum_domain::{
    events, AssessmentId, CourseId, LessonKind, Permission, QuestionBankId, QuestionId,
};
use lyceum_store::repo::assessments::{self as repo, AssessmentDraft};
use lyceum_store::repo::{lessons, outbox, submissions};
use lyceum_store::{TenantTx, WriteTx};
use serde::Serialize;

pub use lyceum_store::repo::assessments::{
    Assessment, Draw, Question, QuestionBank, QuestionOwner,
};

/// The most questions an assessment (or a bank) may hold.
pub const MAX_QUESTIONS: usize = 200;
/// The most banks an assessment may draw from.
const MAX_DRAWS: usize = 20;

fn assessment_not_found() -> Refusal {
    Refusal::not_found("no such assessment")
}

fn question_not_found() -> Refusal {
    Refusal::not_found("no such question")
}

fn bank_not_found() -> Refusal {
    Refusal::not_found("no such question bank")
}

/// `NOT_A_QUIZ`: an assignment has no questions and is not taken in attempts.
fn not_a_quiz() -> Refusal {
    Refusal::unacceptable(
        "NOT_A_QUIZ",
        "an assignment has no questions and takes no attempts; only quizzes and exams do",
    )
}

/// An assessment the actor may see, whether they are its course's staff, and a learner's
/// enrollment: staff see every assessment of their courses, enrolled learners those of the
/// courses they take; anyone else is told there is none.
async fn readable(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
) -> Result<(Assessment, bool), Refusal> {
    let assessment = repo::get(tx, id).await?.ok_or_else(assessment_not_found)?;
    match course_content(tx, actor, assessment.course_id).await {
        Ok((_, enrollment)) => Ok((assessment, enrollment.is_none())),
        Err(Refusal::NotFound { .. } | Refusal::Forbidden { .. }) => Err(assessment_not_found()),
        Err(other) => Err(other),
    }
}

/// Whether the actor edits `course` (`course:edit` and its staff), the course read once; a
/// course they may not see answers `not_found`.
async fn edits(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
    not_found: fn() -> Refusal,
) -> Result<(), Refusal> {
    let staff = match course_for(tx, actor, course).await {
        Ok((_, staff)) => staff,
        Err(Refusal::NotFound { .. }) => return Err(not_found()),
        Err(other) => return Err(other),
    };
    actor.require(Permission::CourseEdit)?;
    if staff {
        Ok(())
    } else {
        Err(Refusal::denied(
            "only the course's instructors and admins may change it",
        ))
    }
}

/// An assessment of a course the actor edits (`course:edit` and its staff); another tenant's
/// or one they may not see is not found.
async fn editable(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
) -> Result<Assessment, Refusal> {
    let assessment = repo::get(tx, id).await?.ok_or_else(assessment_not_found)?;
    edits(tx, actor, assessment.course_id, assessment_not_found).await?;
    Ok(assessment)
}

/// An assessment as its reader sees it: its settings and maximum score; for its course's staff
/// also its questions with their keys and its draws; for a learner their attempts and result.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentDetail {
    #[serde(flatten)]
    pub assessment: Assessment,
    /// The sum of its questions' points, plus what its draws add (the first questions of each
    /// bank count for a draw's size).
    pub max_score: Points,
    /// Questions an attempt holds.
    pub question_count: u32,
    /// Staff only: the questions with their answer keys.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub questions: Option<Vec<Question>>,
    /// Staff only: how many questions each attempt draws from which bank.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draws: Option<Vec<Draw>>,
    /// A learner only: their attempts and their counted result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mine: Option<attempts::LearnerStanding>,
}

/// What an assessment's questions add up to: the questions an attempt holds and their points.
async fn size_of(
    tx: &mut TenantTx,
    id: AssessmentId,
    questions: &[Question],
) -> Result<(u32, Points, Vec<Draw>), Refusal> {
    let draws = repo::draws_of(tx, id).await?;
    let mut count = questions.len() as u32;
    let mut max = questions.iter().fold(Points::ZERO, |sum, q| {
        sum.saturating_add(Points::whole(q.draft.points))
    });
    for draw in &draws {
        let bank = repo::questions_of(tx, QuestionOwner::Bank(draw.bank_id)).await?;
        for question in bank.iter().take(draw.count as usize) {
            count += 1;
            max = max.saturating_add(Points::whole(question.draft.points));
        }
    }
    Ok((count, max, draws))
}

/// The assessments of a course its staff or an enrolled learner reads, with their sizes.
pub async fn of_course(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<Vec<AssessmentDetail>, Refusal> {
    course_content(tx, actor, course).await?;
    let mut out = Vec::new();
    for assessment in repo::for_course(tx, course).await? {
        let questions = repo::questions_of(tx, QuestionOwner::Assessment(assessment.id)).await?;
        let (question_count, max_score, _) = size_of(tx, assessment.id, &questions).await?;
        out.push(AssessmentDetail {
            assessment,
            max_score,
            question_count,
            questions: None,
            draws: None,
            mine: None,
        });
    }
    Ok(out)
}

/// One assessment: see [`AssessmentDetail`] for who reads what.
pub async fn show(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
    now: DateTime<Utc>,
) -> Result<AssessmentDetail, Refusal> {
    let (assessment, staff) = readable(tx, actor, id).await?;
    let questions = repo::questions_of(tx, QuestionOwner::Assessment(id)).await?;
    let (question_count, max_score, draws) = size_of(tx, id, &questions).await?;
    let mine = if staff {
        None
    } else {
        Some(attempts::standing(tx, &assessment, actor.user, now).await?)
    };
    Ok(AssessmentDetail {
        max_score,
        question_count,
        questions: staff.then_some(questions),
        draws: staff.then_some(draws),
        mine,
        assessment,
    })
}

/// A new assessment as its author gives it.
#[derive(Debug, Clone)]
pub struct AssessmentInput {
    pub kind: AssessmentKind,
    pub title: String,
    pub instructions: String,
    pub rules: AssessmentRules,
    pub draws: Vec<Draw>,
}

/// Checks the draws of an assessment of `course`: banks of the same course, each once, at
/// least one question drawn from each, no more than it holds.
async fn checked_draws(tx: &mut TenantTx, course: CourseId, draws: &[Draw]) -> Result<(), Refusal> {
    if draws.len() > MAX_DRAWS {
        return Err(lyceum_domain::ValidationError::TooMany {
            field: "draws",
            max: MAX_DRAWS,
        }
        .into());
    }
    let mut seen = std::collections::HashSet::new();
    for draw in draws {
        let bank = repo::get_bank(tx, draw.bank_id)
            .await?
            .filter(|b| b.course_id == course)
            .ok_or_else(|| {
                Refusal::unacceptable(
                    "INVALID_DRAW",
                    "a draw names no question bank of this course",
                )
            })?;
        if !seen.insert(bank.id) {
            return Err(Refusal::unacceptable(
                "INVALID_DRAW",
                "a bank is drawn from twice",
            ));
        }
        let held = repo::questions_of(tx, QuestionOwner::Bank(bank.id))
            .await?
            .len();
        if draw.count == 0 || draw.count as usize > held {
            return Err(Refusal::unacceptable(
                "INVALID_DRAW",
                format!(
                    "a draw takes 1 to {held} questions from the bank {:?} (it holds {held})",
                    bank.title
                ),
            ));
        }
    }
    Ok(())
}

/// Creates an assessment of a course the actor edits.
pub async fn create(
    tx: &mut WriteTx,
    actor: &Actor,
    course: CourseId,
    input: AssessmentInput,
) -> Result<Assessment, Refusal> {
    tx.affects_all_users();
    editable_course(tx, actor, course).await?;
    input.rules.validate()?;
    if input.kind == AssessmentKind::Assignment && !input.draws.is_empty() {
        return Err(not_a_quiz());
    }
    checked_draws(tx, course, &input.draws).await?;
    let draft = AssessmentDraft {
        kind: input.kind,
        title: input.title,
        instructions: input.instructions,
        rules: input.rules,
    };
    let assessment = repo::insert(tx, course, &draft, actor.user).await?;
    repo::set_draws(tx, assessment.id, &input.draws).await?;
    let created = events::AssessmentCreated {
        assessment_id: assessment.id,
        course_id: course,
        kind: assessment.kind,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &created.into()).await?;
    Ok(assessment)
}

/// A change of an assessment's settings: each field given replaces the current one (`Some(None)`
/// clears an optional one).
#[derive(Debug, Clone, Default)]
pub struct AssessmentChange {
    pub title: Option<String>,
    pub instructions: Option<String>,
    pub passing_percent: Option<u8>,
    pub time_limit_seconds: Option<Option<u32>>,
    pub max_attempts: Option<Option<u32>>,
    pub available_from: Option<Option<DateTime<Utc>>>,
    pub available_until: Option<Option<DateTime<Utc>>>,
    pub due_at: Option<Option<DateTime<Utc>>>,
    pub shuffle_questions: Option<bool>,
    pub shuffle_options: Option<bool>,
    pub review: Option<ReviewPolicy>,
    pub counts: Option<CountedAttempt>,
    pub late: Option<LatePolicy>,
    pub draws: Option<Vec<Draw>>,
}

/// Changes an assessment of a course the actor edits (its kind stays). Attempts started
/// already keep their questions; their deadline follows the new settings.
pub async fn change(
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssessmentId,
    change: AssessmentChange,
) -> Result<Assessment, Refusal> {
    tx.affects_all_users();
    let current = editable(tx, actor, id).await?;
    let mut rules = current.rules.clone();
    macro_rules! apply {
        ($($field:ident => $target:ident),*) => {$(
            if let Some(value) = change.$field {
                rules.$target = value;
            }
        )*};
    }
    apply!(
        passing_percent => passing_percent,
        time_limit_seconds => time_limit_seconds,
        max_attempts => max_attempts,
        available_from => available_from,
        available_until => available_until,
        due_at => due_at,
        shuffle_questions => shuffle_questions,
        shuffle_options => shuffle_options,
        review => review,
        counts => counts,
        late => late
    );
    rules.validate()?;
    // The deadline is kept with each attempt in progress (read, never recomputed): it moves
    // with the settings that make it.
    let timing_changed = (
        rules.time_limit_seconds,
        rules.available_until,
        rules.due_at,
    ) != (
        current.rules.time_limit_seconds,
        current.rules.available_until,
        current.rules.due_at,
    );
    if timing_changed {
        attempts::move_deadlines(tx, id, &rules, None).await?;
    }
    if let Some(draws) = &change.draws {
        if current.kind == AssessmentKind::Assignment && !draws.is_empty() {
            return Err(not_a_quiz());
        }
        checked_draws(tx, current.course_id, draws).await?;
        repo::set_draws(tx, id, draws).await?;
    }
    let draft = AssessmentDraft {
        kind: current.kind,
        title: change.title.unwrap_or(current.title),
        instructions: change.instructions.unwrap_or(current.instructions),
        rules,
    };
    let updated = repo::update(tx, id, &draft)
        .await?
        .ok_or_else(assessment_not_found)?;
    let event = events::AssessmentUpdated {
        assessment_id: id,
        course_id: updated.course_id,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &event.into()).await?;
    Ok(updated)
}

/// Deletes an assessment of a course the actor edits, with its questions. Refused while a
/// lesson links it (`ASSESSMENT_IN_USE`) or once learners have attempted it
/// (`ASSESSMENT_HAS_SUBMISSIONS`: their grades would go with it).
pub async fn delete(tx: &mut WriteTx, actor: &Actor, id: AssessmentId) -> Result<(), Refusal> {
    tx.affects_all_users();
    let assessment = editable(tx, actor, id).await?;
    if !linking_lessons(tx, &assessment).await?.is_empty() {
        return Err(Refusal::conflict(
            "ASSESSMENT_IN_USE",
            "a lesson links this assessment; change or remove the lesson first",
        ));
    }
    if submissions::count_for_assessment(tx, id).await? > 0
        || lyceum_store::repo::assignments::count_for_assessment(tx, id).await? > 0
    {
        return Err(Refusal::conflict(
            "ASSESSMENT_HAS_SUBMISSIONS",
            "learners have attempted this assessment; their grades would be lost",
        ));
    }
    repo::delete(tx, id).await?;
    let deleted = events::AssessmentDeleted {
        assessment_id: id,
        course_id: assessment.course_id,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &deleted.into()).await?;
    Ok(())
}

/// The lessons of the assessment's course whose content links it.
pub(crate) async fn linking_lessons(
    tx: &mut TenantTx,
    assessment: &Assessment,
) -> Result<Vec<lessons::Lesson>, Refusal> {
    Ok(lessons::assessment_lessons(tx, assessment.course_id)
        .await?
        .into_iter()
        .filter(|l| lyceum_domain::assessment_of(&l.content) == Some(assessment.id.as_uuid()))
        .collect())
}

/// Checks the assessment a quiz or assignment lesson of `course` links (`content` as validated):
/// an assessment of the same course (`UNKNOWN_ASSESSMENT`), of a kind that fits the lesson (a
/// quiz or an exam for a quiz lesson, an assignment for an assignment lesson:
/// `ASSESSMENT_KIND_MISMATCH`).
pub(crate) async fn check_lesson_link(
    tx: &mut TenantTx,
    course: CourseId,
    kind: LessonKind,
    content: &serde_json::Value,
) -> Result<(), Refusal> {
    let Some(id) = lyceum_domain::assessment_of(content) else {
        return Ok(());
    };
    let assessment = repo::get(tx, AssessmentId::from_uuid(id))
        .await?
        .filter(|a| a.course_id == course)
        .ok_or_else(|| {
            Refusal::unacceptable(
                "UNKNOWN_ASSESSMENT",
                "the lesson's assessment block names no assessment of this course",
            )
        })?;
    let fits = match kind {
        LessonKind::Quiz => assessment.kind != AssessmentKind::Assignment,
        LessonKind::Assignment => assessment.kind == AssessmentKind::Assignment,
        LessonKind::Text | LessonKind::Video => true,
    };
    if fits {
        Ok(())
    } else {
        Err(Refusal::unacceptable(
            "ASSESSMENT_KIND_MISMATCH",
            format!(
                "a {kind} lesson cannot link an assessment of kind {}",
                assessment.kind
            ),
        ))
    }
}

/// A question as its author changes it: each field given replaces the current one.
#[derive(Debug, Clone, Default)]
pub struct QuestionChange {
    pub prompt: Option<String>,
    pub points: Option<u32>,
    pub tags: Option<Vec<String>>,
    pub key: Option<QuestionKey>,
}

/// Adds a question (checked: `INVALID_QUESTION`, `INVALID_PATTERN`) to a quiz or exam of a
/// course the actor edits. Attempts started already keep the questions they were drawn with.
pub async fn add_question(
    tx: &mut WriteTx,
    actor: &Actor,
    assessment: AssessmentId,
    draft: &QuestionDraft,
) -> Result<Question, Refusal> {
    tx.affects_all_users();
    let assessment = editable(tx, actor, assessment).await?;
    if assessment.kind == AssessmentKind::Assignment {
        return Err(not_a_quiz());
    }
    let draft = draft.validate()?;
    let owner = QuestionOwner::Assessment(assessment.id);
    within_question_limit(tx, owner).await?;
    Ok(repo::insert_question(tx, owner, &draft).await?)
}

async fn within_question_limit(tx: &mut TenantTx, owner: QuestionOwner) -> Result<(), Refusal> {
    if repo::questions_of(tx, owner).await?.len() >= MAX_QUESTIONS {
        return Err(Refusal::conflict(
            "TOO_MANY_QUESTIONS",
            format!("an assessment or a bank holds at most {MAX_QUESTIONS} questions"),
        ));
    }
    Ok(())
}

/// A question of a course the actor edits (an assessment's or a bank's).
async fn editable_question(
    tx: &mut TenantTx,
    actor: &Actor,
    id: QuestionId,
) -> Result<Question, Refusal> {
    let question = repo::get_question(tx, id)
        .await?
        .ok_or_else(question_not_found)?;
    let course = match question.owner() {
        Some(QuestionOwner::Assessment(assessment)) => {
            repo::get(tx, assessment).await?.map(|a| a.course_id)
        }
        Some(QuestionOwner::Bank(bank)) => repo::get_bank(tx, bank).await?.map(|b| b.course_id),
        None => None,
    }
    .ok_or_else(question_not_found)?;
    edits(tx, actor, course, question_not_found).await?;
    Ok(question)
}

/// A question with its key, for the staff of its course.
pub async fn question(
    tx: &mut TenantTx,
    actor: &Actor,
    id: QuestionId,
) -> Result<Question, Refusal> {
    editable_question(tx, actor, id).await
}

/// Changes a question of a course the actor edits (checked as when added).
pub async fn change_question(
    tx: &mut WriteTx,
    actor: &Actor,
    id: QuestionId,
    change: QuestionChange,
) -> Result<Question, Refusal> {
    tx.affects_all_users();
    let current = editable_question(tx, actor, id).await?.draft;
    let draft = QuestionDraft {
        prompt: change.prompt.unwrap_or(current.prompt),
        points: change.points.unwrap_or(current.points),
        tags: change.tags.unwrap_or(current.tags),
        key: change.key.unwrap_or(current.key),
    }
    .validate()?;
    repo::update_question(tx, id, &draft)
        .await?
        .ok_or_else(question_not_found)
}

/// Removes a question of a course the actor edits. A bank's question that a draw needs to
/// keep its size is refused (`INVALID_DRAW`).
pub async fn remove_question(
    tx: &mut WriteTx,
    actor: &Actor,
    id: QuestionId,
) -> Result<(), Refusal> {
    tx.affects_all_users();
    let question = editable_question(tx, actor, id).await?;
    repo::delete_question(tx, id).await?;
    if let Some(bank) = question.bank_id {
        let course = repo::get_bank(tx, bank)
            .await?
            .ok_or_else(bank_not_found)?
            .course_id;
        let held = repo::questions_of(tx, QuestionOwner::Bank(bank))
            .await?
            .len();
        for assessment in repo::for_course(tx, course).await? {
            let draws = repo::draws_of(tx, assessment.id).await?;
            if draws
                .iter()
                .any(|d| d.bank_id == bank && d.count as usize > held)
            {
                return Err(Refusal::unacceptable(
                    "INVALID_DRAW",
                    format!(
                        "the assessment {:?} draws more questions from this bank than it would hold",
                        assessment.title
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A question bank with its questions (keys included: for course staff).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankDetail {
    #[serde(flatten)]
    pub bank: QuestionBank,
    pub questions: Vec<Question>,
}

/// A question bank in its course's list, with how many questions it holds (as many as a draw
/// may take from it).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BankSummary {
    #[serde(flatten)]
    pub bank: QuestionBank,
    pub question_count: u32,
}

/// The question banks of a course the actor edits, with their sizes.
pub async fn banks_of(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<Vec<BankSummary>, Refusal> {
    editable_course(tx, actor, course).await?;
    let mut out = Vec::new();
    for bank in repo::banks_of(tx, course).await? {
        let held = repo::questions_of(tx, QuestionOwner::Bank(bank.id)).await?;
        out.push(BankSummary {
            question_count: held.len() as u32,
            bank,
        });
    }
    Ok(out)
}

/// Creates a question bank in a course the actor edits.
pub async fn create_bank(
    tx: &mut WriteTx,
    actor: &Actor,
    course: CourseId,
    title: &str,
) -> Result<QuestionBank, Refusal> {
    tx.affects_all_users();
    editable_course(tx, actor, course).await?;
    Ok(repo::insert_bank(tx, course, title).await?)
}

/// A bank of a course the actor edits.
async fn editable_bank(
    tx: &mut TenantTx,
    actor: &Actor,
    id: QuestionBankId,
) -> Result<QuestionBank, Refusal> {
    let bank = repo::get_bank(tx, id).await?.ok_or_else(bank_not_found)?;
    edits(tx, actor, bank.course_id, bank_not_found).await?;
    Ok(bank)
}

/// A bank of a course the actor edits, with its questions.
pub async fn bank(
    tx: &mut TenantTx,
    actor: &Actor,
    id: QuestionBankId,
) -> Result<BankDetail, Refusal> {
    let bank = editable_bank(tx, actor, id).await?;
    let questions = repo::questions_of(tx, QuestionOwner::Bank(id)).await?;
    Ok(BankDetail { bank, questions })
}

/// Adds a question to a bank of a course the actor edits.
pub async fn add_bank_question(
    tx: &mut WriteTx,
    actor: &Actor,
    bank: QuestionBankId,
    draft: &QuestionDraft,
) -> Result<Question, Refusal> {
    tx.affects_all_users();
    let bank = editable_bank(tx, actor, bank).await?;
    let draft = draft.validate()?;
    let owner = QuestionOwner::Bank(bank.id);
    within_question_limit(tx, owner).await?;
    Ok(repo::insert_question(tx, owner, &draft).await?)
}

/// Deletes a bank of a course the actor edits, with its questions; refused while an assessment
/// draws from it (`BANK_IN_USE`). Attempts drawn from it keep their questions.
pub async fn delete_bank(
    tx: &mut WriteTx,
    actor: &Actor,
    id: QuestionBankId,
) -> Result<(), Refusal> {
    tx.affects_all_users();
    let bank = editable_bank(tx, actor, id).await?;
    for assessment in repo::for_course(tx, bank.course_id).await? {
        if repo::draws_of(tx, assessment.id)
            .await?
            .iter()
            .any(|d| d.bank_id == id)
        {
            return Err(Refusal::conflict(
                "BANK_IN_USE",
                format!("the assessment {:?} draws from this bank", assessment.title),
            ));
        }
    }
    repo::delete_bank(tx, id).await?;
    Ok(())
}

/// Whether the actor may grade in the assessment's course: `assessment:grade` and its staff.
pub(crate) async fn grader_of(
    tx: &mut TenantTx,
    actor: &Actor,
    assessment: &Assessment,
) -> Result<bool, Refusal> {
    Ok(actor.role.may(Permission::AssessmentGrade)
        && actor.is_staff_of(tx, assessment.course_id).await?)
}
