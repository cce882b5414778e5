//! Attempts at quizzes and exams: a learner starts one (on the server's clock, which callers
//! pass as `now`), saves answers as they go, and submits; the server marks what it can, an
//! instructor grades essays by hand. Attempt limits hold under concurrent starts (the learner's
//! writes are serialized by `Store::begin_learner_write`, and the store's unique indexes refuse a
//! second attempt in progress or a number used twice). A counted result that passes completes
//! the quiz lessons that link the assessment.
//!
//! Learners read attempts as [`AttemptView`]: questions without keys, and the review (keys,
//! marks, feedback) only once the review policy opens it.

use super::{assessment_not_found, grader_of, linking_lessons, not_a_quiz, Assessment};
use crate::audit::{self, Change};
use crate::learning::courses::{course_content, manages};
use crate::learning::progress::complete_passed_lesson;
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::assessment::{
    counted_percent, mark, shuffled, view_of, Answer, AssessmentKind, AssessmentRules, Closed,
    GradedAttempt, Marking, Points, QuestionDraft, QuestionKey, QuestionKind, QuestionView,
    SubmissionStatus, Timing,
};
use lyceum_domain::{
    events, AssessmentId, AuditAction, AuditTarget, DomainEvent, LessonKind, Permission,
    QuestionId, SubmissionId, UserId, ValidationError,
};
use lyceum_store::repo::assessments::{self as repo, QuestionOwner};
use lyceum_store::repo::outbox;
use lyceum_store::repo::submissions::{
    self, AttemptQuestion, NewSubmission, SavedAnswer, Submission, Submitted,
};
use lyceum_store::{StoreError, TenantTx, WriteTx};
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// The most answers one request saves.
pub const MAX_ANSWERS_PER_SAVE: usize = super::MAX_QUESTIONS * 2;
/// The longest feedback on a graded answer.
pub const MAX_FEEDBACK_CHARS: usize = 10_000;

fn attempt_not_found() -> Refusal {
    Refusal::not_found("no such attempt")
}

/// An attempt in a list: where it stands and its score, never its answers.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptSummary {
    pub id: SubmissionId,
    pub assessment_id: AssessmentId,
    pub user_id: UserId,
    /// 1 for the learner's first attempt.
    pub attempt: u32,
    /// `expired` once its deadline passed under the `refuse` late policy.
    pub status: SubmissionStatus,
    pub started_at: DateTime<Utc>,
    /// The earliest of its time limit, the availability window's end and the due date, as
    /// the assessment's settings stand (a change of them moves it).
    pub deadline_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    /// Once graded.
    pub score: Option<Points>,
    pub max_score: Points,
    /// Once graded: whether its own percent reaches the passing percent.
    pub passed: Option<bool>,
}

fn summary(sub: &Submission, rules: &AssessmentRules, now: DateTime<Utc>) -> AttemptSummary {
    let status = match sub.status {
        SubmissionStatus::InProgress if rules.timing_by(sub.deadline_at, now).is_err() => {
            SubmissionStatus::Expired
        }
        status => status,
    };
    AttemptSummary {
        id: sub.id,
        assessment_id: sub.assessment_id,
        user_id: sub.user_id,
        attempt: sub.attempt,
        status,
        started_at: sub.started_at,
        deadline_at: sub.deadline_at,
        submitted_at: sub.submitted_at,
        late: sub.late,
        score: sub.score,
        max_score: sub.max_score,
        passed: sub.passed,
    }
}

/// A learner's attempts at an assessment and what counts of them.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LearnerStanding {
    pub attempts: Vec<AttemptSummary>,
    /// How many more they may start; none: no limit.
    pub attempts_left: Option<u32>,
    /// The percent that counts under the assessment's policy, once an attempt is graded.
    pub counted_percent: Option<f64>,
    /// The counted percent reaches the passing percent.
    pub passed: bool,
}

/// `learner`'s standing on `assessment`.
pub(crate) async fn standing(
    tx: &mut TenantTx,
    assessment: &Assessment,
    learner: UserId,
    now: DateTime<Utc>,
) -> Result<LearnerStanding, Refusal> {
    let attempts = submissions::of_learner(tx, assessment.id, learner).await?;
    let rules = super::assignments::learner_rules(tx, assessment, learner).await?;
    let assessment = &Assessment {
        rules,
        ..assessment.clone()
    };
    let counted = counted(&assessment.rules, &attempts);
    Ok(LearnerStanding {
        attempts_left: assessment
            .rules
            .max_attempts
            .map(|max| max.saturating_sub(attempts.len() as u32)),
        counted_percent: counted,
        passed: counted.is_some_and(|p| assessment.rules.passes(p)),
        attempts: attempts
            .iter()
            .map(|a| summary(a, &assessment.rules, now))
            .collect(),
    })
}

/// The counted percent of a learner's graded attempts.
fn counted(rules: &AssessmentRules, attempts: &[Submission]) -> Option<f64> {
    let graded: Vec<GradedAttempt> = attempts
        .iter()
        .filter(|a| a.status == SubmissionStatus::Graded)
        .filter_map(|a| {
            Some(GradedAttempt {
                number: a.attempt,
                score: a.score?,
                max_score: a.max_score,
            })
        })
        .collect();
    counted_percent(rules.counts, &graded)
}

/// A learner's answer to one question, as they gave it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GivenAnswer {
    pub question_id: QuestionId,
    pub answer: Answer,
}

/// One question of a learner's review: the right answer, how their answer was marked, the
/// feedback. Shown only once the review policy opens it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewedQuestion {
    pub question_id: QuestionId,
    /// The answer key.
    pub key: QuestionKey,
    /// Its points for the learner's answer (none while it waits for a hand).
    pub score: Option<Points>,
    pub feedback: Option<String>,
}

/// An attempt as the learner who takes it reads it: the questions without their keys, their
/// own answers, and the review once the review policy opens it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptView {
    #[serde(flatten)]
    pub summary: AttemptSummary,
    /// In the order of the attempt, options shuffled as it draws them.
    pub questions: Vec<QuestionView>,
    pub answers: Vec<GivenAnswer>,
    /// Absent until the review policy opens it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Vec<ReviewedQuestion>>,
}

fn learner_view(
    sub: &Submission,
    answers: &[SavedAnswer],
    rules: &AssessmentRules,
    now: DateTime<Utc>,
) -> AttemptView {
    let summary = summary(sub, rules, now);
    let submitted = matches!(
        sub.status,
        SubmissionStatus::NeedsGrading | SubmissionStatus::Graded
    );
    let by_question: HashMap<QuestionId, &SavedAnswer> =
        answers.iter().map(|a| (a.question_id, a)).collect();
    let review = rules.review_open(submitted, now).then(|| {
        sub.questions
            .iter()
            .map(|q| {
                let saved = by_question.get(&q.id);
                ReviewedQuestion {
                    question_id: q.id,
                    key: q.question.key.clone(),
                    score: match saved {
                        Some(saved) => saved.score,
                        None => Some(Points::ZERO),
                    },
                    feedback: saved.and_then(|s| s.feedback.clone()),
                }
            })
            .collect()
    });
    AttemptView {
        summary,
        questions: sub
            .questions
            .iter()
            .map(|q| view_of(q.id.as_uuid(), &q.question, sub.seed, rules.shuffle_options))
            .collect(),
        answers: sub
            .questions
            .iter()
            .filter_map(|q| by_question.get(&q.id))
            .map(|a| GivenAnswer {
                question_id: a.question_id,
                answer: a.answer.clone(),
            })
            .collect(),
        review,
    }
}

/// A question of an attempt with its key, for the course's staff.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeyedQuestion {
    pub id: QuestionId,
    #[serde(flatten)]
    pub question: QuestionDraft,
}

/// An answer with how it was marked, for the course's staff.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkedAnswer {
    pub question_id: QuestionId,
    pub answer: Answer,
    pub score: Option<Points>,
    /// An essay waiting for an instructor.
    pub needs_grading: bool,
    pub feedback: Option<String>,
    pub graded_by: Option<UserId>,
    pub graded_at: Option<DateTime<Utc>>,
}

/// An attempt as its course's staff read it: the questions with their keys and every answer
/// with its mark.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffSubmission {
    #[serde(flatten)]
    pub summary: AttemptSummary,
    pub questions: Vec<KeyedQuestion>,
    pub answers: Vec<MarkedAnswer>,
    pub graded_by: Option<UserId>,
    pub graded_at: Option<DateTime<Utc>>,
}

fn staff_view(
    sub: &Submission,
    answers: Vec<SavedAnswer>,
    rules: &AssessmentRules,
    now: DateTime<Utc>,
) -> StaffSubmission {
    StaffSubmission {
        summary: summary(sub, rules, now),
        questions: sub
            .questions
            .iter()
            .map(|q| KeyedQuestion {
                id: q.id,
                question: q.question.clone(),
            })
            .collect(),
        answers: answers
            .into_iter()
            .map(|a| MarkedAnswer {
                question_id: a.question_id,
                answer: a.answer,
                score: a.score,
                needs_grading: a.needs_grading,
                feedback: a.feedback,
                graded_by: a.graded_by,
                graded_at: a.graded_at,
            })
            .collect(),
        graded_by: sub.graded_by,
        graded_at: sub.graded_at,
    }
}

/// A submission as its reader may read it: the learner's own view, or the staff's.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SubmissionRead {
    Learner(AttemptView),
    Staff(StaffSubmission),
}

/// The assessment of an attempt, for the learner taking it: enrolled in its course (not
/// dropped), and a quiz or an exam.
async fn takeable(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
) -> Result<Assessment, Refusal> {
    actor.require(Permission::AssessmentTake)?;
    let assessment = repo::get(tx, id).await?.ok_or_else(assessment_not_found)?;
    let enrollment = match course_content(tx, actor, assessment.course_id).await {
        Ok((_, enrollment)) => enrollment,
        Err(Refusal::NotFound { .. }) => return Err(assessment_not_found()),
        Err(other) => return Err(other),
    };
    if enrollment.is_none() {
        return Err(Refusal::forbidden(
            "NOT_ENROLLED",
            "enroll in the course to take its assessments",
        ));
    }
    if assessment.kind == AssessmentKind::Assignment {
        return Err(not_a_quiz());
    }
    // The learner's due date, with their extension, bounds their attempts' deadline.
    let rules = super::assignments::learner_rules(tx, &assessment, actor.user).await?;
    Ok(Assessment {
        rules,
        ..assessment
    })
}

/// The questions of a new attempt: the assessment's own, then each draw's from its bank
/// (picked at random by the attempt's seed), shuffled when the settings say so.
async fn draw_questions(
    tx: &mut TenantTx,
    assessment: &Assessment,
    seed: u64,
) -> Result<Vec<AttemptQuestion>, Refusal> {
    let mut drawn: Vec<AttemptQuestion> =
        repo::questions_of(tx, QuestionOwner::Assessment(assessment.id))
            .await?
            .into_iter()
            .map(|q| AttemptQuestion {
                id: q.id,
                question: q.draft,
            })
            .collect();
    for draw in repo::draws_of(tx, assessment.id).await? {
        let bank = repo::questions_of(tx, QuestionOwner::Bank(draw.bank_id)).await?;
        let bank_seed = seed ^ draw.bank_id.as_uuid().as_u128() as u64;
        drawn.extend(
            shuffled(&bank, bank_seed)
                .into_iter()
                .take(draw.count as usize)
                .map(|q| AttemptQuestion {
                    id: q.id,
                    question: q.draft,
                }),
        );
    }
    if assessment.rules.shuffle_questions {
        drawn = shuffled(&drawn, seed.rotate_left(29));
    }
    Ok(drawn)
}

/// What starting an attempt did.
#[derive(Debug)]
pub struct Started {
    pub attempt: AttemptView,
    /// A new attempt (else the one in progress, resumed).
    pub created: bool,
}

/// Starts an attempt at `assessment` for the actor, at `now` (the server's clock): the attempt
/// they have in progress is answered instead while its deadline has not passed (one past it is
/// closed as expired). Refused outside the availability window (`ASSESSMENT_NOT_OPEN`), past a
/// refusing due date (`DEADLINE_PASSED`), once the attempts are used up
/// (`MAX_ATTEMPTS_REACHED`), before the assessment has questions (`ASSESSMENT_EMPTY`), and
/// while every lesson linking it is locked to the learner (`LESSON_LOCKED`). Open the
/// transaction with `Store::begin_learner_write`.
pub async fn start(
    tx: &mut WriteTx,
    actor: &Actor,
    id: AssessmentId,
    now: DateTime<Utc>,
) -> Result<Started, Refusal> {
    tx.affects_only(actor.user);
    let assessment = takeable(tx, actor, id).await?;
    let rules = &assessment.rules;
    let attempts = submissions::of_learner(tx, id, actor.user).await?;
    if let Some(open) = attempts
        .iter()
        .find(|a| a.status == SubmissionStatus::InProgress)
    {
        if rules.timing_by(open.deadline_at, now).is_ok() {
            let answers = submissions::answers(tx, open.id).await?;
            return Ok(Started {
                attempt: learner_view(open, &answers, rules, now),
                created: false,
            });
        }
        submissions::expire(tx, open.id).await?;
    }
    match rules.closed_at(now) {
        Some(Closed::DeadlinePassed) => return Err(deadline_passed()),
        Some(Closed::NotYetOpen | Closed::WindowOver) => {
            return Err(Refusal::conflict(
                "ASSESSMENT_NOT_OPEN",
                "this assessment is not open for attempts now",
            ))
        }
        None => {}
    }
    let used = attempts.len() as u32;
    if rules.max_attempts.is_some_and(|max| used >= max) {
        return Err(Refusal::conflict(
            "MAX_ATTEMPTS_REACHED",
            format!("you have used all {used} attempts at this assessment"),
        ));
    }
    let links = linking_lessons(tx, &assessment).await?;
    if !links.is_empty() {
        let release = crate::learning::Release::load(tx, assessment.course_id, actor.user).await?;
        if links.iter().all(|lesson| release.locked(lesson)) {
            return Err(crate::learning::progress::lesson_locked());
        }
    }
    let seed = fastrand::u64(..);
    let questions = draw_questions(tx, &assessment, seed).await?;
    if questions.is_empty() {
        return Err(Refusal::conflict(
            "ASSESSMENT_EMPTY",
            "this assessment has no questions yet",
        ));
    }
    let max_score = questions.iter().fold(Points::ZERO, |sum, q| {
        sum.saturating_add(Points::whole(q.question.points))
    });
    let new = NewSubmission {
        assessment: id,
        learner: actor.user,
        attempt: used + 1,
        started_at: now,
        deadline_at: rules.deadline(now),
        seed,
        questions: &questions,
        max_score,
    };
    let started = match submissions::insert(tx, &new).await {
        Err(StoreError::Conflict(_)) => {
            return Err(Refusal::conflict(
                "ATTEMPT_CONFLICT",
                "another attempt was started at the same moment; ask again",
            ))
        }
        other => other?,
    };
    Ok(Started {
        attempt: learner_view(&started, &[], rules, now),
        created: true,
    })
}

/// Moves the stored deadlines of the attempts in progress at an assessment (of one learner, or
/// of every learner) to what `rules` and each learner's extension make them now: the settings
/// changed, or an extension was given or taken back. Every check reads the stored deadline.
pub(crate) async fn move_deadlines(
    tx: &mut WriteTx,
    id: AssessmentId,
    rules: &AssessmentRules,
    learner: Option<UserId>,
) -> Result<(), StoreError> {
    let open: Vec<_> = submissions::in_progress(tx, id)
        .await?
        .into_iter()
        .filter(|(_, user, _)| learner.is_none_or(|l| l == *user))
        .collect();
    if open.is_empty() {
        return Ok(());
    }
    let extended: HashMap<UserId, DateTime<Utc>> =
        lyceum_store::repo::assignments::extensions_of(tx, id)
            .await?
            .into_iter()
            .map(|e| (e.user_id, e.due_at))
            .collect();
    let moved: Vec<(SubmissionId, Option<DateTime<Utc>>)> = open
        .into_iter()
        .map(|(attempt, user, started_at)| {
            let rules = rules.for_learner(extended.get(&user).copied());
            (attempt, rules.deadline(started_at))
        })
        .collect();
    submissions::set_deadlines(tx, &moved).await
}

fn deadline_passed() -> Refusal {
    Refusal::conflict(
        "DEADLINE_PASSED",
        "the deadline of this attempt has passed; late submissions are not accepted",
    )
}

fn already_submitted() -> Refusal {
    Refusal::conflict("ALREADY_SUBMITTED", "this attempt was submitted already")
}

/// The actor's own attempt, locked for the rest of the transaction; another learner's is not
/// found.
async fn locked_own(
    tx: &mut WriteTx,
    actor: &Actor,
    id: SubmissionId,
) -> Result<Submission, Refusal> {
    actor.require(Permission::AssessmentTake)?;
    submissions::get(tx, id, true)
        .await?
        .filter(|s| s.user_id == actor.user)
        .ok_or_else(attempt_not_found)
}

/// The actor's own attempt, locked for the rest of the transaction, with its assessment;
/// another learner's is not found.
async fn own_attempt(
    tx: &mut WriteTx,
    actor: &Actor,
    id: SubmissionId,
) -> Result<(Submission, Assessment), Refusal> {
    let sub = locked_own(tx, actor, id).await?;
    let assessment = takeable(tx, actor, sub.assessment_id).await?;
    Ok((sub, assessment))
}

/// `saved` with `given` answers in place of those saved before for their questions.
fn merged(saved: &mut Vec<SavedAnswer>, given: &[(QuestionId, Answer)], now: DateTime<Utc>) {
    for (question, answer) in given {
        match saved.iter_mut().find(|a| a.question_id == *question) {
            Some(old) => {
                old.answer = answer.clone();
                old.updated_at = now;
            }
            None => saved.push(SavedAnswer {
                question_id: *question,
                answer: answer.clone(),
                score: None,
                needs_grading: false,
                feedback: None,
                graded_by: None,
                graded_at: None,
                updated_at: now,
            }),
        }
    }
}

/// Checks answers against the attempt's questions: each names one of them once
/// (`UNKNOWN_QUESTION`), and answers it (`INVALID_ANSWER`: another kind, ids it does not
/// have, too long).
fn checked(sub: &Submission, answers: &[(QuestionId, Answer)]) -> Result<(), Refusal> {
    if answers.len() > MAX_ANSWERS_PER_SAVE {
        return Err(ValidationError::TooMany {
            field: "answers",
            max: MAX_ANSWERS_PER_SAVE,
        }
        .into());
    }
    let keys: HashMap<QuestionId, &QuestionKey> = sub
        .questions
        .iter()
        .map(|q| (q.id, &q.question.key))
        .collect();
    let mut seen = HashSet::new();
    for (question, answer) in answers {
        let key = keys.get(question).ok_or_else(|| {
            Refusal::unacceptable(
                "UNKNOWN_QUESTION",
                format!("the attempt has no question {question}"),
            )
        })?;
        if !seen.insert(*question) {
            return Err(ValidationError::InvalidAnswer(format!(
                "question {question} is answered twice"
            ))
            .into());
        }
        key.accepts(answer).map_err(|reason| {
            ValidationError::InvalidAnswer(format!("question {question}: {reason}"))
        })?;
    }
    Ok(())
}

/// Whether the attempt may still take answers at `now`: in progress and before its deadline
/// (or after it, marked late, under the `accept` late policy).
fn open_for_answers(
    sub: &Submission,
    rules: &AssessmentRules,
    now: DateTime<Utc>,
) -> Result<Timing, Refusal> {
    match sub.status {
        SubmissionStatus::InProgress => rules
            .timing_by(sub.deadline_at, now)
            .map_err(|_| deadline_passed()),
        SubmissionStatus::Expired => Err(deadline_passed()),
        SubmissionStatus::NeedsGrading | SubmissionStatus::Graded => Err(already_submitted()),
    }
}

/// Saves answers of the actor's attempt in progress (each replaces the one saved before for
/// its question); all or none. Open the transaction with `Store::begin_learner_write`.
pub async fn save(
    tx: &mut WriteTx,
    actor: &Actor,
    id: SubmissionId,
    answers: &[(QuestionId, Answer)],
    now: DateTime<Utc>,
) -> Result<AttemptView, Refusal> {
    tx.affects_only(actor.user);
    let (sub, assessment) = own_attempt(tx, actor, id).await?;
    open_for_answers(&sub, &assessment.rules, now)?;
    checked(&sub, answers)?;
    let mut saved = submissions::answers(tx, id).await?;
    submissions::save_answers(tx, id, answers).await?;
    merged(&mut saved, answers, now);
    Ok(learner_view(&sub, &saved, &assessment.rules, now))
}

/// Submits the actor's attempt at `assessment` (the one given, else the one in progress),
/// with last answers if given: marked on the server; graded at once unless an essay waits for
/// an instructor. After the deadline it is refused (`DEADLINE_PASSED`) or accepted marked late,
/// per the late policy; a second submit is refused (`ALREADY_SUBMITTED`). Records
/// `assessment.submitted` (and `assessment.graded` when graded); a passing counted result
/// completes the quiz lessons linking the assessment. Open the transaction with
/// `Store::begin_learner_write`.
pub async fn submit(
    tx: &mut WriteTx,
    actor: &Actor,
    assessment: AssessmentId,
    attempt: Option<SubmissionId>,
    answers: &[(QuestionId, Answer)],
    now: DateTime<Utc>,
) -> Result<AttemptView, Refusal> {
    tx.affects_only(actor.user);
    // Read once: the assessment, the attempt (locked), its answers; written once: the marked
    // answers (a statement per 500), the attempt's result, the events.
    let found = takeable(tx, actor, assessment).await?;
    let id = match attempt {
        Some(id) => id,
        None => {
            let attempts = submissions::of_learner(tx, assessment, actor.user).await?;
            match attempts
                .iter()
                .rev()
                .find(|a| a.status != SubmissionStatus::Expired)
            {
                Some(open) if open.status == SubmissionStatus::InProgress => open.id,
                Some(_) => return Err(already_submitted()),
                None => {
                    return Err(Refusal::conflict(
                        "NO_ATTEMPT_IN_PROGRESS",
                        "start an attempt before submitting",
                    ))
                }
            }
        }
    };
    let mut sub = locked_own(tx, actor, id).await?;
    if sub.assessment_id != found.id {
        return Err(attempt_not_found());
    }
    let rules = &found.rules;
    let timing = open_for_answers(&sub, rules, now)?;
    checked(&sub, answers)?;
    let mut saved = submissions::answers(tx, id).await?;
    merged(&mut saved, answers, now);
    let mut score = Points::ZERO;
    let mut waiting = false;
    let mut marks: HashMap<QuestionId, Option<Points>> = HashMap::new();
    for question in &sub.questions {
        let given = saved
            .iter()
            .find(|a| a.question_id == question.id)
            .map(|a| &a.answer);
        let marked = mark(&question.question.key, question.question.points, given);
        let points = match marked {
            Marking::Auto(points) => Some(points),
            Marking::ByHand => None,
        };
        if let Some(points) = points {
            score = score.saturating_add(points);
        } else {
            waiting = true;
        }
        if given.is_some() {
            marks.insert(question.id, points);
        }
    }
    for answer in &mut saved {
        if let Some(points) = marks.get(&answer.question_id) {
            answer.score = *points;
            answer.needs_grading = points.is_none();
        }
    }
    let rows: Vec<(QuestionId, &Answer, Option<Points>)> = saved
        .iter()
        .filter(|a| marks.contains_key(&a.question_id))
        .map(|a| (a.question_id, &a.answer, a.score))
        .collect();
    submissions::save_marked(tx, id, &rows).await?;
    let (status, score, passed) = if waiting {
        (SubmissionStatus::NeedsGrading, None, None)
    } else {
        let passed = rules.passes(score.percent_of(sub.max_score));
        (SubmissionStatus::Graded, Some(score), Some(passed))
    };
    let late = timing == Timing::Late;
    let submitted = Submitted {
        status,
        submitted_at: now,
        late,
        score,
        passed,
    };
    if !submissions::submit(tx, id, &submitted).await? {
        return Err(already_submitted());
    }
    let mut happened = vec![DomainEvent::from(events::AssessmentSubmitted {
        submission_id: id,
        assessment_id: found.id,
        course_id: found.course_id,
        user_id: actor.user,
        attempt: sub.attempt,
        score,
        max_score: sub.max_score,
        passed,
        late,
    })];
    if let (Some(score), Some(passed)) = (score, passed) {
        happened.push(DomainEvent::from(events::AssessmentGraded {
            submission_id: id,
            assessment_id: found.id,
            course_id: found.course_id,
            user_id: actor.user,
            attempt: sub.attempt,
            score,
            max_score: sub.max_score,
            passed,
            by: None,
        }));
    }
    outbox::append_many(tx, Some(actor.user), &happened).await?;
    // A counted result can only turn to passing with an attempt that passes.
    if passed == Some(true) {
        count_towards_lessons(tx, &found, actor.user).await?;
    }
    sub.status = status;
    sub.submitted_at = Some(now);
    sub.late = late;
    sub.score = score;
    sub.passed = passed;
    if status == SubmissionStatus::Graded {
        sub.graded_at = Some(now);
    }
    sub.updated_at = now;
    Ok(learner_view(&sub, &saved, rules, now))
}

/// Completes the quiz lessons linking `assessment` for `learner` once their counted result
/// passes.
async fn count_towards_lessons(
    tx: &mut WriteTx,
    assessment: &Assessment,
    learner: UserId,
) -> Result<(), Refusal> {
    let attempts = submissions::of_learner(tx, assessment.id, learner).await?;
    let passes = counted(&assessment.rules, &attempts).is_some_and(|p| assessment.rules.passes(p));
    if !passes {
        return Ok(());
    }
    for lesson in linking_lessons(tx, assessment).await? {
        if lesson.kind == LessonKind::Quiz {
            complete_passed_lesson(tx, learner, lesson.id).await?;
        }
    }
    Ok(())
}

/// A submission as the actor may read it: their own as [`AttemptView`], or, for the staff of
/// its course who grade (`assessment:grade`), as [`StaffSubmission`]; anyone else's is not
/// found.
pub async fn read(
    tx: &mut TenantTx,
    actor: &Actor,
    id: SubmissionId,
    now: DateTime<Utc>,
) -> Result<SubmissionRead, Refusal> {
    actor.require(Permission::CourseView)?;
    let sub = submissions::get(tx, id, false)
        .await?
        .ok_or_else(attempt_not_found)?;
    let assessment = repo::get(tx, sub.assessment_id)
        .await?
        .ok_or_else(attempt_not_found)?;
    let rules = super::assignments::learner_rules(tx, &assessment, sub.user_id).await?;
    let assessment = Assessment {
        rules,
        ..assessment
    };
    let answers = submissions::answers(tx, id).await?;
    if sub.user_id == actor.user {
        return Ok(SubmissionRead::Learner(learner_view(
            &sub,
            &answers,
            &assessment.rules,
            now,
        )));
    }
    if grader_of(tx, actor, &assessment).await? {
        return Ok(SubmissionRead::Staff(staff_view(
            &sub,
            answers,
            &assessment.rules,
            now,
        )));
    }
    Err(attempt_not_found())
}

/// The attempts at an assessment: every learner's for the staff of its course who grade, the
/// actor's own for a learner.
pub async fn of_assessment(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
    now: DateTime<Utc>,
) -> Result<Vec<AttemptSummary>, Refusal> {
    let (assessment, staff) = super::readable(tx, actor, id).await?;
    let attempts = if staff {
        manages(actor, staff, Permission::AssessmentGrade)?;
        submissions::of_assessment(tx, id).await?
    } else {
        submissions::of_learner(tx, id, actor.user).await?
    };
    // Each learner's deadline reads their own extension.
    let extended: HashMap<UserId, DateTime<Utc>> =
        lyceum_store::repo::assignments::extensions_of(tx, id)
            .await?
            .into_iter()
            .map(|e| (e.user_id, e.due_at))
            .collect();
    Ok(attempts
        .iter()
        .map(|a| {
            let rules = assessment
                .rules
                .for_learner(extended.get(&a.user_id).copied());
            summary(a, &rules, now)
        })
        .collect())
}

/// An instructor's grade of one answer.
#[derive(Debug, Clone)]
pub struct AnswerGrade {
    pub question_id: QuestionId,
    pub points: Points,
    pub feedback: Option<String>,
}

/// Grades essay answers of a submitted attempt by hand (again, to change a grade), as staff
/// of its course with `assessment:grade`. Each grade names an essay question of the attempt
/// that the learner answered (`NOT_GRADED_BY_HAND`, `NOTHING_TO_GRADE`) and gives at most its
/// points (`INVALID_GRADE`). Once no answer waits, the attempt is graded: `assessment.graded`
/// is recorded, a passing counted result completes the linked quiz lessons. Audited
/// (`submission.graded`).
pub async fn grade(
    tx: &mut WriteTx,
    actor: &Actor,
    id: SubmissionId,
    grades: &[AnswerGrade],
) -> Result<StaffSubmission, Refusal> {
    actor.require(Permission::AssessmentGrade)?;
    let sub = submissions::get(tx, id, true)
        .await?
        .ok_or_else(attempt_not_found)?;
    tx.affects_only(sub.user_id);
    let assessment = repo::get(tx, sub.assessment_id)
        .await?
        .ok_or_else(attempt_not_found)?;
    if !grader_of(tx, actor, &assessment).await? {
        return Err(attempt_not_found());
    }
    if !matches!(
        sub.status,
        SubmissionStatus::NeedsGrading | SubmissionStatus::Graded
    ) {
        return Err(Refusal::conflict(
            "NOT_SUBMITTED",
            "only a submitted attempt is graded",
        ));
    }
    if grades.is_empty() || grades.len() > super::MAX_QUESTIONS {
        return Err(ValidationError::InvalidAnswer(format!(
            "give 1 to {} grades",
            super::MAX_QUESTIONS
        ))
        .into());
    }
    let questions: HashMap<QuestionId, &AttemptQuestion> =
        sub.questions.iter().map(|q| (q.id, q)).collect();
    let before = submissions::answers(tx, id).await?;
    let answered: HashSet<QuestionId> = before.iter().map(|a| a.question_id).collect();
    let mut seen = HashSet::new();
    for grade in grades {
        let question = questions.get(&grade.question_id).ok_or_else(|| {
            Refusal::unacceptable(
                "UNKNOWN_QUESTION",
                format!("the attempt has no question {}", grade.question_id),
            )
        })?;
        if !seen.insert(grade.question_id) {
            return Err(Refusal::unacceptable(
                "INVALID_GRADE",
                "a question is graded twice",
            ));
        }
        if question.question.key.kind() != QuestionKind::Essay {
            return Err(Refusal::unacceptable(
                "NOT_GRADED_BY_HAND",
                "only essay answers are graded by hand; the others are marked on the server",
            ));
        }
        if !answered.contains(&grade.question_id) {
            return Err(Refusal::unacceptable(
                "NOTHING_TO_GRADE",
                "the learner did not answer this question",
            ));
        }
        if grade.points > Points::whole(question.question.points) {
            return Err(Refusal::unacceptable(
                "INVALID_GRADE",
                format!(
                    "this question is worth at most {} points",
                    question.question.points
                ),
            ));
        }
        if grade
            .feedback
            .as_ref()
            .is_some_and(|f| f.chars().count() > MAX_FEEDBACK_CHARS)
        {
            return Err(ValidationError::TooLong {
                field: "feedback",
                max: MAX_FEEDBACK_CHARS,
            }
            .into());
        }
    }
    let now = Utc::now();
    let feedback_of = |grade: &AnswerGrade| {
        grade
            .feedback
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_owned)
    };
    let mut after = before.clone();
    for answer in &mut after {
        if let Some(grade) = grades.iter().find(|g| g.question_id == answer.question_id) {
            answer.score = Some(grade.points);
            answer.needs_grading = false;
            answer.feedback = feedback_of(grade);
            answer.graded_by = Some(actor.user);
            answer.graded_at = Some(now);
        }
    }
    let rows: Vec<submissions::AnswerGrade> = after
        .iter()
        .filter(|a| seen.contains(&a.question_id))
        .map(|a| submissions::AnswerGrade {
            question: a.question_id,
            answer: &a.answer,
            score: a.score.unwrap_or(Points::ZERO),
            feedback: a.feedback.as_deref(),
        })
        .collect();
    submissions::grade_answers(tx, id, &rows, actor.user).await?;
    let waiting = after.iter().any(|a| a.needs_grading);
    let (status, score, passed) = if waiting {
        (SubmissionStatus::NeedsGrading, None, None)
    } else {
        let score = after
            .iter()
            .filter(|a| questions.contains_key(&a.question_id))
            .filter_map(|a| a.score)
            .fold(Points::ZERO, Points::saturating_add);
        let passed = assessment.rules.passes(score.percent_of(sub.max_score));
        (SubmissionStatus::Graded, Some(score), Some(passed))
    };
    submissions::set_result(tx, id, status, score, passed, actor.user).await?;
    if let (Some(score), Some(passed)) = (score, passed) {
        let graded = events::AssessmentGraded {
            submission_id: id,
            assessment_id: assessment.id,
            course_id: assessment.course_id,
            user_id: sub.user_id,
            attempt: sub.attempt,
            score,
            max_score: sub.max_score,
            passed,
            by: Some(actor.user),
        };
        outbox::append(tx, Some(actor.user), &graded.into()).await?;
        count_towards_lessons(tx, &assessment, sub.user_id).await?;
    }
    let marks = |answers: &[SavedAnswer]| {
        grades
            .iter()
            .map(|g| {
                let score = answers
                    .iter()
                    .find(|a| a.question_id == g.question_id)
                    .and_then(|a| a.score);
                json!({"question_id": g.question_id, "score": score})
            })
            .collect::<Vec<_>>()
    };
    let change = Change::new(AuditAction::SubmissionGraded)
        .on(AuditTarget::Submission(id))
        .before(json!({"score": sub.score, "status": sub.status, "answers": marks(&before)}))
        .after(json!({"score": score, "status": status, "answers": marks(&after), "learner": sub.user_id}));
    audit::record(tx, actor, change).await?;
    let mut sub = sub;
    sub.status = status;
    sub.score = score;
    sub.passed = passed;
    let graded = status == SubmissionStatus::Graded;
    sub.graded_at = graded.then_some(now);
    sub.graded_by = graded.then_some(actor.user);
    sub.updated_at = now;
    Ok(staff_view(&sub, after, &assessment.rules, now))
}
