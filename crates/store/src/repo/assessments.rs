//! Assessments of a course (`assessments`), their questions and the banks' (`questions`),
//! question banks (`question_banks`) and the draws an attempt makes from them
//! (`assessment_draws`). Questions arrive checked by the domain rules; who may read a key, and
//! every other rule, is the application's. This module stores and reads.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::assessment::{AssessmentKind, AssessmentRules, QuestionDraft};
use lyceum_domain::error::required_text;
use lyceum_domain::{AssessmentId, CourseId, QuestionBankId, QuestionId, UserId};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

/// The longest title of an assessment or a bank.
pub const MAX_TITLE_CHARS: usize = 300;
/// The longest instructions of an assessment.
pub const MAX_INSTRUCTIONS_CHARS: usize = 20_000;

/// An assessment with its settings.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub id: AssessmentId,
    pub course_id: CourseId,
    pub kind: AssessmentKind,
    pub title: String,
    pub instructions: String,
    #[serde(flatten)]
    pub rules: AssessmentRules,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What creating or changing an assessment writes.
#[derive(Debug, Clone)]
pub struct AssessmentDraft {
    pub kind: AssessmentKind,
    pub title: String,
    pub instructions: String,
    pub rules: AssessmentRules,
}

#[derive(sqlx::FromRow)]
struct AssessmentRow {
    tenant_id: Uuid,
    id: Uuid,
    course_id: Uuid,
    kind: String,
    title: String,
    instructions: String,
    passing_percent: i32,
    time_limit_seconds: Option<i32>,
    max_attempts: Option<i32>,
    available_from: Option<DateTime<Utc>>,
    available_until: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    shuffle_questions: bool,
    shuffle_options: bool,
    review_policy: String,
    counted_attempt: String,
    late_policy: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for AssessmentRow {
    const TABLE: &'static str = "assessments";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn unsigned(value: Option<i32>) -> Option<u32> {
    value.and_then(|v| u32::try_from(v).ok())
}

fn own_assessment(tx: &TenantTx, row: AssessmentRow) -> Result<Assessment, StoreError> {
    let row = tx.own(row)?;
    Ok(Assessment {
        id: AssessmentId::from_uuid(row.id),
        course_id: CourseId::from_uuid(row.course_id),
        kind: row.kind.parse()?,
        title: row.title,
        instructions: row.instructions,
        rules: AssessmentRules {
            passing_percent: u8::try_from(row.passing_percent).unwrap_or(100),
            time_limit_seconds: unsigned(row.time_limit_seconds),
            max_attempts: unsigned(row.max_attempts),
            available_from: row.available_from,
            available_until: row.available_until,
            due_at: row.due_at,
            shuffle_questions: row.shuffle_questions,
            shuffle_options: row.shuffle_options,
            review: row.review_policy.parse()?,
            counts: row.counted_attempt.parse()?,
            late: row.late_policy.parse()?,
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

const ASSESSMENT_COLUMNS: &str = "tenant_id, id, course_id, kind, title, instructions, \
    passing_percent, time_limit_seconds, max_attempts, available_from, available_until, due_at, \
    shuffle_questions, shuffle_options, review_policy, counted_attempt, late_policy, created_at, updated_at";

/// The draft's texts checked: the title required, the instructions bounded.
fn texts(draft: &AssessmentDraft) -> Result<(String, String), StoreError> {
    let title = required_text("title", &draft.title, MAX_TITLE_CHARS)?;
    let instructions = draft.instructions.trim().to_owned();
    if instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
        return Err(lyceum_domain::ValidationError::TooLong {
            field: "instructions",
            max: MAX_INSTRUCTIONS_CHARS,
        }
        .into());
    }
    Ok((title, instructions))
}

fn signed(value: Option<u32>) -> Option<i32> {
    value.map(|v| i32::try_from(v).unwrap_or(i32::MAX))
}

/// Creates an assessment of `course`.
pub async fn insert(
    tx: &mut WriteTx,
    course: CourseId,
    draft: &AssessmentDraft,
    by: UserId,
) -> Result<Assessment, StoreError> {
    let (title, instructions) = texts(draft)?;
    let (tenant, id, now) = (tx.tenant(), AssessmentId::new(), Utc::now());
    let rules = &draft.rules;
    let sql = format!(
        "INSERT INTO assessments (tenant_id, id, course_id, kind, title, instructions, passing_percent, \
           time_limit_seconds, max_attempts, available_from, available_until, due_at, shuffle_questions, \
           shuffle_options, review_policy, counted_attempt, late_policy, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) \
         RETURNING {ASSESSMENT_COLUMNS}"
    );
    let row: AssessmentRow = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(course.as_uuid())
            .bind(draft.kind.as_str())
            .bind(&title)
            .bind(&instructions)
            .bind(i32::from(rules.passing_percent))
            .bind(signed(rules.time_limit_seconds))
            .bind(signed(rules.max_attempts))
            .bind(rules.available_from)
            .bind(rules.available_until)
            .bind(rules.due_at)
            .bind(rules.shuffle_questions)
            .bind(rules.shuffle_options)
            .bind(rules.review.as_str())
            .bind(rules.counts.as_str())
            .bind(rules.late.as_str())
            .bind(by.as_uuid())
            .bind(now)
            .fetch_one(c)
            .await?
    });
    own_assessment(tx, row)
}

/// Replaces an assessment's title, instructions and settings (its kind stays); `None` when
/// there is none by that id.
pub async fn update(
    tx: &mut WriteTx,
    id: AssessmentId,
    draft: &AssessmentDraft,
) -> Result<Option<Assessment>, StoreError> {
    let (title, instructions) = texts(draft)?;
    let tenant = tx.tenant();
    let rules = &draft.rules;
    let sql = format!(
        "UPDATE assessments SET title = $3, instructions = $4, passing_percent = $5, time_limit_seconds = $6, \
           max_attempts = $7, available_from = $8, available_until = $9, due_at = $10, shuffle_questions = $11, \
           shuffle_options = $12, review_policy = $13, counted_attempt = $14, late_policy = $15, updated_at = $16 \
         WHERE tenant_id = $1 AND id = $2 RETURNING {ASSESSMENT_COLUMNS}"
    );
    let row: Option<AssessmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(&title)
            .bind(&instructions)
            .bind(i32::from(rules.passing_percent))
            .bind(signed(rules.time_limit_seconds))
            .bind(signed(rules.max_attempts))
            .bind(rules.available_from)
            .bind(rules.available_until)
            .bind(rules.due_at)
            .bind(rules.shuffle_questions)
            .bind(rules.shuffle_options)
            .bind(rules.review.as_str())
            .bind(rules.counts.as_str())
            .bind(rules.late.as_str())
            .bind(Utc::now())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own_assessment(tx, r)).transpose()
}

pub async fn get(tx: &mut TenantTx, id: AssessmentId) -> Result<Option<Assessment>, StoreError> {
    let tenant = tx.tenant();
    let sql =
        format!("SELECT {ASSESSMENT_COLUMNS} FROM assessments WHERE tenant_id = $1 AND id = $2");
    let row: Option<AssessmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own_assessment(tx, r)).transpose()
}

/// The assessments of a course, oldest first.
pub async fn for_course(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<Assessment>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {ASSESSMENT_COLUMNS} FROM assessments WHERE tenant_id = $1 AND course_id = $2 ORDER BY id"
    );
    let rows: Vec<AssessmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(course.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own_assessment(tx, r)).collect()
}

/// Deletes an assessment with its questions, draws and submissions; `false` when there was
/// none.
pub async fn delete(tx: &mut WriteTx, id: AssessmentId) -> Result<bool, StoreError> {
    super::delete_by_id(tx, "assessments", id.as_uuid()).await
}

/// Who owns a question: an assessment or a bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionOwner {
    Assessment(AssessmentId),
    Bank(QuestionBankId),
}

impl From<AssessmentId> for QuestionOwner {
    fn from(id: AssessmentId) -> Self {
        QuestionOwner::Assessment(id)
    }
}

impl From<QuestionBankId> for QuestionOwner {
    fn from(id: QuestionBankId) -> Self {
        QuestionOwner::Bank(id)
    }
}

/// A question with its answer key: for course staff only.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    pub id: QuestionId,
    pub assessment_id: Option<AssessmentId>,
    pub bank_id: Option<QuestionBankId>,
    /// 0-based place among its assessment's (or bank's) questions.
    pub position: i32,
    #[serde(flatten)]
    pub draft: QuestionDraft,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Question {
    /// Its assessment or its bank (a `CHECK` keeps exactly one of them; `None` for neither).
    pub fn owner(&self) -> Option<QuestionOwner> {
        match (self.assessment_id, self.bank_id) {
            (Some(assessment), _) => Some(QuestionOwner::Assessment(assessment)),
            (None, Some(bank)) => Some(QuestionOwner::Bank(bank)),
            (None, None) => None,
        }
    }
}

#[derive(sqlx::FromRow)]
struct QuestionRow {
    tenant_id: Uuid,
    id: Uuid,
    assessment_id: Option<Uuid>,
    bank_id: Option<Uuid>,
    position: i32,
    prompt: String,
    points: i32,
    tags: Json<Vec<String>>,
    answer_key: Json<lyceum_domain::assessment::QuestionKey>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for QuestionRow {
    const TABLE: &'static str = "questions";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own_question(tx: &TenantTx, row: QuestionRow) -> Result<Question, StoreError> {
    let row = tx.own(row)?;
    Ok(Question {
        id: QuestionId::from_uuid(row.id),
        assessment_id: row.assessment_id.map(AssessmentId::from_uuid),
        bank_id: row.bank_id.map(QuestionBankId::from_uuid),
        position: row.position,
        draft: QuestionDraft {
            prompt: row.prompt,
            points: u32::try_from(row.points).unwrap_or(0),
            tags: row.tags.0,
            key: row.answer_key.0,
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

const QUESTION_COLUMNS: &str = "tenant_id, id, assessment_id, bank_id, position, prompt, points, \
    tags, answer_key, created_at, updated_at";

/// The owner's column and id.
fn owner_column(owner: QuestionOwner) -> (&'static str, Uuid) {
    match owner {
        QuestionOwner::Assessment(id) => ("assessment_id", id.as_uuid()),
        QuestionOwner::Bank(id) => ("bank_id", id.as_uuid()),
    }
}

/// Appends a question (checked by [`QuestionDraft::validate`]) to an assessment or a bank.
pub async fn insert_question(
    tx: &mut WriteTx,
    owner: QuestionOwner,
    draft: &QuestionDraft,
) -> Result<Question, StoreError> {
    let (tenant, id, now) = (tx.tenant(), QuestionId::new(), Utc::now());
    let (column, owner_id) = owner_column(owner);
    let sql = format!(
        "INSERT INTO questions (tenant_id, id, {column}, position, kind, prompt, points, tags, answer_key, created_at, updated_at) \
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position) + 1, 0) FROM questions WHERE tenant_id = $1 AND {column} = $3), \
                 $4, $5, $6, $7, $8, $9, $9) RETURNING {QUESTION_COLUMNS}"
    );
    let row: QuestionRow = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(owner_id)
            .bind(draft.key.kind().as_str())
            .bind(&draft.prompt)
            .bind(i32::try_from(draft.points).unwrap_or(i32::MAX))
            .bind(Json(&draft.tags))
            .bind(Json(&draft.key))
            .bind(now)
            .fetch_one(c)
            .await?
    });
    own_question(tx, row)
}

/// Replaces a question's prompt, points, tags and key; `None` when there is none by that id.
pub async fn update_question(
    tx: &mut WriteTx,
    id: QuestionId,
    draft: &QuestionDraft,
) -> Result<Option<Question>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE questions SET kind = $3, prompt = $4, points = $5, tags = $6, answer_key = $7, updated_at = $8 \
         WHERE tenant_id = $1 AND id = $2 RETURNING {QUESTION_COLUMNS}"
    );
    let row: Option<QuestionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(draft.key.kind().as_str())
            .bind(&draft.prompt)
            .bind(i32::try_from(draft.points).unwrap_or(i32::MAX))
            .bind(Json(&draft.tags))
            .bind(Json(&draft.key))
            .bind(Utc::now())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own_question(tx, r)).transpose()
}

pub async fn get_question(
    tx: &mut TenantTx,
    id: QuestionId,
) -> Result<Option<Question>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {QUESTION_COLUMNS} FROM questions WHERE tenant_id = $1 AND id = $2");
    let row: Option<QuestionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own_question(tx, r)).transpose()
}

/// The questions of an assessment or a bank, in order.
pub async fn questions_of(
    tx: &mut TenantTx,
    owner: QuestionOwner,
) -> Result<Vec<Question>, StoreError> {
    let tenant = tx.tenant();
    let (column, owner_id) = owner_column(owner);
    let sql = format!(
        "SELECT {QUESTION_COLUMNS} FROM questions WHERE tenant_id = $1 AND {column} = $2 ORDER BY position, id"
    );
    let rows: Vec<QuestionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(owner_id).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own_question(tx, r)).collect()
}

pub async fn delete_question(tx: &mut WriteTx, id: QuestionId) -> Result<bool, StoreError> {
    super::delete_by_id(tx, "questions", id.as_uuid()).await
}

/// A bank of questions of a course.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionBank {
    pub id: QuestionBankId,
    pub course_id: CourseId,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct BankRow {
    tenant_id: Uuid,
    id: Uuid,
    course_id: Uuid,
    title: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for BankRow {
    const TABLE: &'static str = "question_banks";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own_bank(tx: &TenantTx, row: BankRow) -> Result<QuestionBank, StoreError> {
    let row = tx.own(row)?;
    Ok(QuestionBank {
        id: QuestionBankId::from_uuid(row.id),
        course_id: CourseId::from_uuid(row.course_id),
        title: row.title,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

const BANK_COLUMNS: &str = "tenant_id, id, course_id, title, created_at, updated_at";

pub async fn insert_bank(
    tx: &mut WriteTx,
    course: CourseId,
    title: &str,
) -> Result<QuestionBank, StoreError> {
    let title = required_text("title", title, MAX_TITLE_CHARS)?;
    let (tenant, id, now) = (tx.tenant(), QuestionBankId::new(), Utc::now());
    let sql = format!(
        "INSERT INTO question_banks (tenant_id, id, course_id, title, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING {BANK_COLUMNS}"
    );
    let row: BankRow = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(course.as_uuid())
            .bind(&title)
            .bind(now)
            .fetch_one(c)
            .await?
    });
    own_bank(tx, row)
}

pub async fn get_bank(
    tx: &mut TenantTx,
    id: QuestionBankId,
) -> Result<Option<QuestionBank>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {BANK_COLUMNS} FROM question_banks WHERE tenant_id = $1 AND id = $2");
    let row: Option<BankRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own_bank(tx, r)).transpose()
}

/// The banks of a course, oldest first.
pub async fn banks_of(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<QuestionBank>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {BANK_COLUMNS} FROM question_banks WHERE tenant_id = $1 AND course_id = $2 ORDER BY id"
    );
    let rows: Vec<BankRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(course.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own_bank(tx, r)).collect()
}

pub async fn delete_bank(tx: &mut WriteTx, id: QuestionBankId) -> Result<bool, StoreError> {
    super::delete_by_id(tx, "question_banks", id.as_uuid()).await
}

/// How many questions each attempt draws from a bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Draw {
    pub bank_id: QuestionBankId,
    pub count: u32,
}

/// Replaces the draws of an assessment.
pub async fn set_draws(
    tx: &mut WriteTx,
    assessment: AssessmentId,
    draws: &[Draw],
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM assessment_draws WHERE tenant_id = $1 AND assessment_id = $2")
            .bind(tenant)
            .bind(assessment.as_uuid())
            .execute(&mut *c)
            .await?;
        for draw in draws {
            sqlx::query(
                "INSERT INTO assessment_draws (tenant_id, assessment_id, bank_id, count) VALUES ($1, $2, $3, $4)",
            )
            .bind(tenant)
            .bind(assessment.as_uuid())
            .bind(draw.bank_id.as_uuid())
            .bind(i32::try_from(draw.count).unwrap_or(i32::MAX))
            .execute(&mut *c)
            .await?;
        }
    });
    Ok(())
}

/// The draws of an assessment, by bank id.
pub async fn draws_of(
    tx: &mut TenantTx,
    assessment: AssessmentId,
) -> Result<Vec<Draw>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, Uuid, i32)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, bank_id, count FROM assessment_draws WHERE tenant_id = $1 AND assessment_id = $2 ORDER BY bank_id",
        )
        .bind(tenant)
        .bind(assessment.as_uuid())
        .fetch_all(c)
        .await?
    });
    Ok(tx
        .own_all(
            "assessment_draws",
            rows.into_iter()
                .map(|(t, bank, count)| (t, (bank, count)))
                .collect(),
        )?
        .into_iter()
        .map(|(bank, count)| Draw {
            bank_id: QuestionBankId::from_uuid(bank),
            count: u32::try_from(count).unwrap_or(0),
        })
        .collect())
}
