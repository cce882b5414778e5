//! Learners' attempts at assessments (`submissions`: one row from the start of an attempt to
//! its grade, with a copy of the questions it was drawn with) and their answers
//! (`submission_answers`). Attempt numbers are unique per learner and assessment, and a learner
//! has at most one attempt in progress per assessment (both held by unique indexes, so
//! concurrent starts cannot pass the attempt limit). Which attempt may start, what is late and
//! what a learner may read are the application's rules.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::assessment::{Answer, Points, QuestionDraft, SubmissionStatus};
use lyceum_domain::{AssessmentId, QuestionId, SubmissionId, UserId};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

/// A question as an attempt was drawn with it (a copy: editing the question later changes no
/// attempt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptQuestion {
    pub id: QuestionId,
    pub question: QuestionDraft,
}

/// An attempt, with its answer keys: the application decides what of it a reader sees.
#[derive(Debug, Clone)]
pub struct Submission {
    pub id: SubmissionId,
    pub assessment_id: AssessmentId,
    pub user_id: UserId,
    /// 1 for the learner's first attempt.
    pub attempt: u32,
    pub status: SubmissionStatus,
    pub started_at: DateTime<Utc>,
    /// Its deadline, as the assessment's settings make it (moved with them while in progress).
    pub deadline_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub seed: u64,
    /// In the order the learner is shown them.
    pub questions: Vec<AttemptQuestion>,
    pub score: Option<Points>,
    pub max_score: Points,
    pub passed: Option<bool>,
    pub graded_at: Option<DateTime<Utc>>,
    pub graded_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SubmissionRow {
    tenant_id: Uuid,
    id: Uuid,
    assessment_id: Uuid,
    user_id: Uuid,
    attempt: i32,
    status: String,
    started_at: DateTime<Utc>,
    deadline_at: Option<DateTime<Utc>>,
    submitted_at: Option<DateTime<Utc>>,
    late: bool,
    seed: i64,
    questions: Json<Vec<AttemptQuestion>>,
    score: Option<i32>,
    max_score: i32,
    passed: Option<bool>,
    graded_at: Option<DateTime<Utc>>,
    graded_by: Option<Uuid>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for SubmissionRow {
    const TABLE: &'static str = "submissions";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn points(value: i32) -> Points {
    Points::from_hundredths(u32::try_from(value).unwrap_or(0))
}

fn stored(points: Points) -> i32 {
    i32::try_from(points.hundredths()).unwrap_or(i32::MAX)
}

fn own(tx: &TenantTx, row: SubmissionRow) -> Result<Submission, StoreError> {
    let row = tx.own(row)?;
    Ok(Submission {
        id: SubmissionId::from_uuid(row.id),
        assessment_id: AssessmentId::from_uuid(row.assessment_id),
        user_id: UserId::from_uuid(row.user_id),
        attempt: u32::try_from(row.attempt).unwrap_or(0),
        status: row.status.parse()?,
        started_at: row.started_at,
        deadline_at: row.deadline_at,
        submitted_at: row.submitted_at,
        late: row.late,
        seed: row.seed as u64,
        questions: row.questions.0,
        score: row.score.map(points),
        max_score: points(row.max_score),
        passed: row.passed,
        graded_at: row.graded_at,
        graded_by: row.graded_by.map(UserId::from_uuid),
        updated_at: row.updated_at,
    })
}

const COLUMNS: &str = "tenant_id, id, assessment_id, user_id, attempt, status, started_at, deadline_at, \
    submitted_at, late, seed, questions, score, max_score, passed, graded_at, graded_by, updated_at";

/// A new attempt.
pub struct NewSubmission<'a> {
    pub assessment: AssessmentId,
    pub learner: UserId,
    pub attempt: u32,
    pub started_at: DateTime<Utc>,
    pub deadline_at: Option<DateTime<Utc>>,
    pub seed: u64,
    pub questions: &'a [AttemptQuestion],
    pub max_score: Points,
}

/// Starts an attempt; `Conflict` when the learner has one in progress already or the number
/// is taken (a concurrent start won).
pub async fn insert(tx: &mut WriteTx, new: &NewSubmission<'_>) -> Result<Submission, StoreError> {
    let (tenant, id) = (tx.tenant(), SubmissionId::new());
    let sql = format!(
        "INSERT INTO submissions (tenant_id, id, assessment_id, user_id, attempt, status, started_at, deadline_at, \
           late, seed, questions, max_score, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE, $9, $10, $11, $7) RETURNING {COLUMNS}"
    );
    let row: SubmissionRow = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(new.assessment.as_uuid())
            .bind(new.learner.as_uuid())
            .bind(i32::try_from(new.attempt).unwrap_or(i32::MAX))
            .bind(SubmissionStatus::InProgress.as_str())
            .bind(new.started_at)
            .bind(new.deadline_at)
            .bind(new.seed as i64)
            .bind(Json(new.questions))
            .bind(stored(new.max_score))
            .fetch_one(c)
            .await?
    });
    own(tx, row)
}

/// An attempt; on PostgreSQL locked for the rest of the transaction when `for_update`.
pub async fn get(
    tx: &mut TenantTx,
    id: SubmissionId,
    for_update: bool,
) -> Result<Option<Submission>, StoreError> {
    let tenant = tx.tenant();
    let lock = if for_update { tx.row_lock() } else { "" };
    let sql = format!("SELECT {COLUMNS} FROM submissions WHERE tenant_id = $1 AND id = $2{lock}");
    let row: Option<SubmissionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// A learner's attempts at an assessment, first to last.
pub async fn of_learner(
    tx: &mut TenantTx,
    assessment: AssessmentId,
    learner: UserId,
) -> Result<Vec<Submission>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM submissions WHERE tenant_id = $1 AND assessment_id = $2 AND user_id = $3 ORDER BY attempt"
    );
    let rows: Vec<SubmissionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(assessment.as_uuid())
            .bind(learner.as_uuid())
            .fetch_all(c)
            .await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// Every attempt at an assessment, by learner and number (for its staff).
pub async fn of_assessment(
    tx: &mut TenantTx,
    assessment: AssessmentId,
) -> Result<Vec<Submission>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM submissions WHERE tenant_id = $1 AND assessment_id = $2 ORDER BY user_id, attempt"
    );
    let rows: Vec<SubmissionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(assessment.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// How many attempts an assessment has, everyone's.
pub async fn count_for_assessment(
    tx: &mut TenantTx,
    assessment: AssessmentId,
) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    let count: i64 = dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM submissions WHERE tenant_id = $1 AND assessment_id = $2")
            .bind(tenant)
            .bind(assessment.as_uuid())
            .fetch_one(c)
            .await?
    });
    Ok(count)
}

/// The attempts in progress at an assessment: id, learner and start.
pub async fn in_progress(
    tx: &mut TenantTx,
    assessment: AssessmentId,
) -> Result<Vec<(SubmissionId, UserId, DateTime<Utc>)>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, Uuid, Uuid, DateTime<Utc>)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, id, user_id, started_at FROM submissions \
             WHERE tenant_id = $1 AND assessment_id = $2 AND status = $3",
        )
        .bind(tenant)
        .bind(assessment.as_uuid())
        .bind(SubmissionStatus::InProgress.as_str())
        .fetch_all(c)
        .await?
    });
    Ok(tx
        .own_all("submissions", rows.into_iter().map(|r| (r.0, r)).collect())?
        .into_iter()
        .map(|r| (SubmissionId::from_uuid(r.1), UserId::from_uuid(r.2), r.3))
        .collect())
}

/// Moves the deadlines of attempts still in progress: one statement per deadline and
/// [`super::BULK_ROWS`] attempts.
pub async fn set_deadlines(
    tx: &mut WriteTx,
    deadlines: &[(SubmissionId, Option<DateTime<Utc>>)],
) -> Result<(), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let mut by_deadline: std::collections::BTreeMap<Option<DateTime<Utc>>, Vec<Uuid>> =
        std::collections::BTreeMap::new();
    for (id, deadline) in deadlines {
        by_deadline.entry(*deadline).or_default().push(id.as_uuid());
    }
    for (deadline, ids) in by_deadline {
        for chunk in ids.chunks(super::BULK_ROWS) {
            dispatch!(tx.conn(), c => {
                let mut update = sqlx::QueryBuilder::new("UPDATE submissions SET deadline_at = ");
                update.push_bind(deadline);
                update.push(", updated_at = ").push_bind(now);
                update.push(" WHERE tenant_id = ").push_bind(tenant);
                update.push(" AND status = ").push_bind(SubmissionStatus::InProgress.as_str());
                update.push(" AND id IN (");
                let mut ids = update.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                update.push(")");
                update.build().persistent(false).execute(&mut *c).await?;
            });
        }
    }
    Ok(())
}

/// Closes an attempt in progress whose deadline passed (`expired`); `false` when it was not
/// in progress.
pub async fn expire(tx: &mut WriteTx, id: SubmissionId) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let done = dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE submissions SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 AND status = $5")
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(SubmissionStatus::Expired.as_str())
            .bind(Utc::now())
            .bind(SubmissionStatus::InProgress.as_str())
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(done > 0)
}

/// A saved answer, with how it was marked.
#[derive(Debug, Clone)]
pub struct SavedAnswer {
    pub question_id: QuestionId,
    pub answer: Answer,
    /// Its points once marked (on the server, or by an instructor).
    pub score: Option<Points>,
    pub needs_grading: bool,
    pub feedback: Option<String>,
    pub graded_by: Option<UserId>,
    pub graded_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

type AnswerRow = (
    Uuid,
    Uuid,
    Json<Answer>,
    Option<i32>,
    bool,
    Option<String>,
    Option<Uuid>,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

/// Saves answers of an attempt (each replacing the one saved before for its question; of two
/// answers to one question, the later), in one statement per [`super::BULK_ROWS`].
pub async fn save_answers(
    tx: &mut WriteTx,
    submission: SubmissionId,
    answers: &[(QuestionId, Answer)],
) -> Result<(), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    // One row per question: a statement may not update the same row twice.
    let mut seen = std::collections::HashSet::new();
    let latest: Vec<&(QuestionId, Answer)> = answers
        .iter()
        .rev()
        .filter(|(question, _)| seen.insert(*question))
        .collect();
    for chunk in latest.chunks(super::BULK_ROWS) {
        dispatch!(tx.conn(), c => {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO submission_answers (tenant_id, submission_id, question_id, answer, needs_grading, updated_at) ",
            );
            insert.push_values(chunk, |mut row, (question, answer)| {
                row.push_bind(tenant)
                    .push_bind(submission.as_uuid())
                    .push_bind(question.as_uuid())
                    .push_bind(Json(answer))
                    .push("FALSE")
                    .push_bind(now);
            });
            insert.push(
                " ON CONFLICT (tenant_id, submission_id, question_id) \
                 DO UPDATE SET answer = excluded.answer, updated_at = excluded.updated_at",
            );
            insert.build().persistent(false).execute(&mut *c).await?;
        });
    }
    Ok(())
}

/// The saved answers of an attempt.
pub async fn answers(
    tx: &mut TenantTx,
    submission: SubmissionId,
) -> Result<Vec<SavedAnswer>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<AnswerRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, question_id, answer, score, needs_grading, feedback, graded_by, graded_at, updated_at \
             FROM submission_answers WHERE tenant_id = $1 AND submission_id = $2 ORDER BY question_id",
        )
        .bind(tenant)
        .bind(submission.as_uuid())
        .fetch_all(c)
        .await?
    });
    Ok(tx
        .own_all(
            "submission_answers",
            rows.into_iter().map(|row| (row.0, row)).collect(),
        )?
        .into_iter()
        .map(|row| SavedAnswer {
            question_id: QuestionId::from_uuid(row.1),
            answer: row.2 .0,
            score: row.3.map(points),
            needs_grading: row.4,
            feedback: row.5,
            graded_by: row.6.map(UserId::from_uuid),
            graded_at: row.7,
            updated_at: row.8,
        })
        .collect())
}

/// Records the answers of an attempt with how the server marked them (its points, or that it
/// waits for a hand), each replacing the one saved for its question; one statement per
/// [`super::BULK_ROWS`] answers.
pub async fn save_marked(
    tx: &mut WriteTx,
    submission: SubmissionId,
    marked: &[(QuestionId, &Answer, Option<Points>)],
) -> Result<(), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    for chunk in marked.chunks(super::BULK_ROWS) {
        dispatch!(tx.conn(), c => {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO submission_answers (tenant_id, submission_id, question_id, answer, score, needs_grading, updated_at) ",
            );
            insert.push_values(chunk, |mut row, (question, answer, score)| {
                row.push_bind(tenant)
                    .push_bind(submission.as_uuid())
                    .push_bind(question.as_uuid())
                    .push_bind(Json(*answer))
                    .push_bind(score.map(stored))
                    .push_bind(score.is_none())
                    .push_bind(now);
            });
            insert.push(
                " ON CONFLICT (tenant_id, submission_id, question_id) \
                 DO UPDATE SET answer = excluded.answer, score = excluded.score, \
                 needs_grading = excluded.needs_grading, updated_at = excluded.updated_at",
            );
            insert.build().persistent(false).execute(&mut *c).await?;
        });
    }
    Ok(())
}

/// An instructor's grade of one answer: the answer as saved, its points and feedback.
pub struct AnswerGrade<'a> {
    pub question: QuestionId,
    pub answer: &'a Answer,
    pub score: Points,
    pub feedback: Option<&'a str>,
}

/// Records instructors' grades of answers of an attempt (points, feedback, who and when); one
/// statement per [`super::BULK_ROWS`] grades.
pub async fn grade_answers(
    tx: &mut WriteTx,
    submission: SubmissionId,
    grades: &[AnswerGrade<'_>],
    by: UserId,
) -> Result<(), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    for chunk in grades.chunks(super::BULK_ROWS) {
        dispatch!(tx.conn(), c => {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO submission_answers (tenant_id, submission_id, question_id, answer, score, needs_grading, \
                   feedback, graded_by, graded_at, updated_at) ",
            );
            insert.push_values(chunk, |mut row, grade| {
                row.push_bind(tenant)
                    .push_bind(submission.as_uuid())
                    .push_bind(grade.question.as_uuid())
                    .push_bind(Json(grade.answer))
                    .push_bind(stored(grade.score))
                    .push("FALSE")
                    .push_bind(grade.feedback)
                    .push_bind(by.as_uuid())
                    .push_bind(now)
                    .push_bind(now);
            });
            insert.push(
                " ON CONFLICT (tenant_id, submission_id, question_id) \
                 DO UPDATE SET score = excluded.score, needs_grading = FALSE, feedback = excluded.feedback, \
                 graded_by = excluded.graded_by, graded_at = excluded.graded_at",
            );
            insert.build().persistent(false).execute(&mut *c).await?;
        });
    }
    Ok(())
}

/// What submitting an attempt writes.
pub struct Submitted {
    pub status: SubmissionStatus,
    pub submitted_at: DateTime<Utc>,
    pub late: bool,
    pub score: Option<Points>,
    pub passed: Option<bool>,
}

/// Submits an attempt in progress; `false` when it was no longer in progress (submitted
/// already, or expired).
pub async fn submit(
    tx: &mut WriteTx,
    id: SubmissionId,
    submitted: &Submitted,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let graded_at =
        (submitted.status == SubmissionStatus::Graded).then_some(submitted.submitted_at);
    let done = dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE submissions SET status = $3, submitted_at = $4, late = $5, score = $6, passed = $7, \
               graded_at = $8, updated_at = $4 \
             WHERE tenant_id = $1 AND id = $2 AND status = $9",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(submitted.status.as_str())
        .bind(submitted.submitted_at)
        .bind(submitted.late)
        .bind(submitted.score.map(stored))
        .bind(submitted.passed)
        .bind(graded_at)
        .bind(SubmissionStatus::InProgress.as_str())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(done > 0)
}

/// Records an attempt's result once an instructor graded it by hand.
pub async fn set_result(
    tx: &mut WriteTx,
    id: SubmissionId,
    status: SubmissionStatus,
    score: Option<Points>,
    passed: Option<bool>,
    by: UserId,
) -> Result<(), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let graded = status == SubmissionStatus::Graded;
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE submissions SET status = $3, score = $4, passed = $5, graded_at = $6, graded_by = $7, updated_at = $8 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(status.as_str())
        .bind(score.map(stored))
        .bind(passed)
        .bind(graded.then_some(now))
        .bind(graded.then_some(by.as_uuid()))
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}
