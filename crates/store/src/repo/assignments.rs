//! Assignments (`assignment_settings`: prompt, rubric, expected artifacts), learners' versions
//! of their work (`assignment_submissions`, with the rubric grade and its release), the files
//! attached to a version (`assignment_submission_files`) and learners' extensions of an
//! assessment's due date (`extensions`). A learner has at most one draft per assessment, and
//! version numbers are unique per learner (both held by unique indexes). What may be saved,
//! submitted, graded and read are the application's rules.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::assessment::{
    AssignmentSettings, AssignmentStatus, CriterionScore, ExpectedArtifacts, Points,
    RubricCriterion,
};
use lyceum_domain::{AssessmentId, CourseId, ExtensionId, FileId, SubmissionId, UserId};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

fn points(value: i32) -> Points {
    Points::from_hundredths(u32::try_from(value).unwrap_or(0))
}

fn stored(points: Points) -> i32 {
    i32::try_from(points.hundredths()).unwrap_or(i32::MAX)
}

/// An assignment's settings; none when never saved (the defaults hold).
pub async fn settings(
    tx: &mut TenantTx,
    assessment: AssessmentId,
) -> Result<Option<AssignmentSettings>, StoreError> {
    let tenant = tx.tenant();
    type Row = (String, Json<Vec<RubricCriterion>>, Json<ExpectedArtifacts>);
    let row: Option<Row> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT prompt, rubric, artifacts FROM assignment_settings WHERE tenant_id = $1 AND assessment_id = $2",
        )
        .bind(tenant)
        .bind(assessment.as_uuid())
        .fetch_optional(c)
        .await?
    });
    Ok(row.map(|(prompt, rubric, artifacts)| AssignmentSettings {
        prompt,
        rubric: rubric.0,
        artifacts: artifacts.0,
    }))
}

/// Saves an assignment's settings (replacing those saved before).
pub async fn put_settings(
    tx: &mut WriteTx,
    assessment: AssessmentId,
    settings: &AssignmentSettings,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO assignment_settings (tenant_id, assessment_id, prompt, rubric, artifacts, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant_id, assessment_id) DO UPDATE SET prompt = excluded.prompt, \
               rubric = excluded.rubric, artifacts = excluded.artifacts, updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(assessment.as_uuid())
        .bind(&settings.prompt)
        .bind(Json(&settings.rubric))
        .bind(Json(&settings.artifacts))
        .bind(Utc::now())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// A version of a learner's work, with its grade (released or not: the application decides
/// what a reader sees).
#[derive(Debug, Clone)]
pub struct AssignmentSubmission {
    pub id: SubmissionId,
    pub assessment_id: AssessmentId,
    pub user_id: UserId,
    /// 1 for the learner's first version.
    pub version: u32,
    pub status: AssignmentStatus,
    pub text: Option<String>,
    pub link: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub late: bool,
    pub score: Option<Points>,
    pub max_score: Option<Points>,
    pub passed: Option<bool>,
    pub grades: Option<Vec<CriterionScore>>,
    pub feedback: Option<String>,
    pub graded_by: Option<UserId>,
    pub graded_at: Option<DateTime<Utc>>,
    pub released_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SubmissionRow {
    tenant_id: Uuid,
    id: Uuid,
    assessment_id: Uuid,
    user_id: Uuid,
    version: i32,
    status: String,
    text_answer: Option<String>,
    link: Option<String>,
    submitted_at: Option<DateTime<Utc>>,
    late: bool,
    score: Option<i32>,
    max_score: Option<i32>,
    passed: Option<bool>,
    grades: Option<Json<Vec<CriterionScore>>>,
    feedback: Option<String>,
    graded_by: Option<Uuid>,
    graded_at: Option<DateTime<Utc>>,
    released_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for SubmissionRow {
    const TABLE: &'static str = "assignment_submissions";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own(tx: &TenantTx, row: SubmissionRow) -> Result<AssignmentSubmission, StoreError> {
    let row = tx.own(row)?;
    Ok(AssignmentSubmission {
        id: SubmissionId::from_uuid(row.id),
        assessment_id: AssessmentId::from_uuid(row.assessment_id),
        user_id: UserId::from_uuid(row.user_id),
        version: u32::try_from(row.version).unwrap_or(0),
        status: row.status.parse()?,
        text: row.text_answer,
        link: row.link,
        submitted_at: row.submitted_at,
        late: row.late,
        score: row.score.map(points),
        max_score: row.max_score.map(points),
        passed: row.passed,
        grades: row.grades.map(|g| g.0),
        feedback: row.feedback,
        graded_by: row.graded_by.map(UserId::from_uuid),
        graded_at: row.graded_at,
        released_at: row.released_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

const COLUMNS: &str = "tenant_id, id, assessment_id, user_id, version, status, text_answer, link, \
    submitted_at, late, score, max_score, passed, grades, feedback, graded_by, graded_at, released_at, \
    created_at, updated_at";

/// A version; on PostgreSQL locked for the rest of the transaction when `for_update`.
pub async fn get(
    tx: &mut TenantTx,
    id: SubmissionId,
    for_update: bool,
) -> Result<Option<AssignmentSubmission>, StoreError> {
    let tenant = tx.tenant();
    let lock = if for_update { tx.row_lock() } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM assignment_submissions WHERE tenant_id = $1 AND id = $2{lock}"
    );
    let row: Option<SubmissionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// A learner's versions of their work on an assessment, first to last.
pub async fn of_learner(
    tx: &mut TenantTx,
    assessment: AssessmentId,
    learner: UserId,
) -> Result<Vec<AssignmentSubmission>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM assignment_submissions \
         WHERE tenant_id = $1 AND assessment_id = $2 AND user_id = $3 ORDER BY version"
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

/// Versions handed in and waiting for a grade (`submitted`, `late`), oldest first: of one
/// assessment, or of every assessment of a course.
pub async fn awaiting_grade(
    tx: &mut TenantTx,
    scope: QueueScope,
) -> Result<Vec<AssignmentSubmission>, StoreError> {
    let tenant = tx.tenant();
    let (filter, id) = match scope {
        QueueScope::Assessment(id) => ("s.assessment_id = $2", id.as_uuid()),
        QueueScope::Course(id) => (
            "s.assessment_id IN (SELECT a.id FROM assessments a WHERE a.tenant_id = $1 AND a.course_id = $2)",
            id.as_uuid(),
        ),
    };
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("s.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM assignment_submissions s \
         WHERE s.tenant_id = $1 AND {filter} AND s.status IN ($3, $4) \
         ORDER BY s.submitted_at, s.id"
    );
    let rows: Vec<SubmissionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id)
            .bind(AssignmentStatus::Submitted.as_str())
            .bind(AssignmentStatus::Late.as_str())
            .fetch_all(c)
            .await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// Which grading queue.
#[derive(Debug, Clone, Copy)]
pub enum QueueScope {
    Assessment(AssessmentId),
    Course(CourseId),
}

/// Every graded version of the assessments of a course (for its reports).
pub async fn graded_of_course(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<AssignmentSubmission>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM assignment_submissions WHERE tenant_id = $1 AND status = $3 AND \
         assessment_id IN (SELECT a.id FROM assessments a WHERE a.tenant_id = $1 AND a.course_id = $2) \
         ORDER BY assessment_id, user_id, version"
    );
    let rows: Vec<SubmissionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(course.as_uuid())
            .bind(AssignmentStatus::Graded.as_str())
            .fetch_all(c)
            .await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// Graded versions of an assessment whose grade is not released yet.
pub async fn unreleased(
    tx: &mut TenantTx,
    assessment: AssessmentId,
) -> Result<Vec<AssignmentSubmission>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM assignment_submissions WHERE tenant_id = $1 AND assessment_id = $2 \
         AND status = $3 AND released_at IS NULL ORDER BY graded_at, id"
    );
    let rows: Vec<SubmissionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(assessment.as_uuid())
            .bind(AssignmentStatus::Graded.as_str())
            .fetch_all(c)
            .await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// How many versions an assessment has, everyone's.
pub async fn count_for_assessment(
    tx: &mut TenantTx,
    assessment: AssessmentId,
) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    let count: i64 = dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM assignment_submissions WHERE tenant_id = $1 AND assessment_id = $2")
            .bind(tenant)
            .bind(assessment.as_uuid())
            .fetch_one(c)
            .await?
    });
    Ok(count)
}

/// A new draft (version `version`) holding `text` and `link`; `Conflict` when the learner
/// has a draft already or the number is taken.
pub async fn insert_draft(
    tx: &mut WriteTx,
    assessment: AssessmentId,
    learner: UserId,
    version: u32,
    text: Option<&str>,
    link: Option<&str>,
) -> Result<AssignmentSubmission, StoreError> {
    let (tenant, id, now) = (tx.tenant(), SubmissionId::new(), Utc::now());
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO assignment_submissions (tenant_id, id, assessment_id, user_id, version, status, \
               text_answer, link, late, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE, $9, $9)",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(assessment.as_uuid())
        .bind(learner.as_uuid())
        .bind(i32::try_from(version).unwrap_or(i32::MAX))
        .bind(AssignmentStatus::Draft.as_str())
        .bind(text)
        .bind(link)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    get(tx, id, false)
        .await?
        .ok_or(StoreError::NotFound("assignment submission"))
}

/// Replaces a draft's text answer and link.
pub async fn save_draft(
    tx: &mut WriteTx,
    id: SubmissionId,
    text: Option<&str>,
    link: Option<&str>,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let done = dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE assignment_submissions SET text_answer = $3, link = $4, updated_at = $5 \
             WHERE tenant_id = $1 AND id = $2 AND status = $6",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(text)
        .bind(link)
        .bind(Utc::now())
        .bind(AssignmentStatus::Draft.as_str())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(done > 0)
}

/// Hands a draft in (`submitted` or `late`); `false` when it was no longer a draft.
pub async fn submit(
    tx: &mut WriteTx,
    id: SubmissionId,
    at: DateTime<Utc>,
    late: bool,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let status = if late {
        AssignmentStatus::Late
    } else {
        AssignmentStatus::Submitted
    };
    let done = dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE assignment_submissions SET status = $3, submitted_at = $4, late = $5, updated_at = $4 \
             WHERE tenant_id = $1 AND id = $2 AND status = $6",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(status.as_str())
        .bind(at)
        .bind(late)
        .bind(AssignmentStatus::Draft.as_str())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(done > 0)
}

/// A rubric grade to record.
pub struct Grade<'a> {
    pub score: Points,
    pub max_score: Points,
    pub passed: bool,
    pub criteria: &'a [CriterionScore],
    pub feedback: Option<&'a str>,
    pub by: UserId,
}

/// Records a grade (status `graded`; a released grade stays released).
pub async fn set_grade(
    tx: &mut WriteTx,
    id: SubmissionId,
    grade: &Grade<'_>,
) -> Result<(), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE assignment_submissions SET status = $3, score = $4, max_score = $5, passed = $6, \
               grades = $7, feedback = $8, graded_by = $9, graded_at = $10, updated_at = $10 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(AssignmentStatus::Graded.as_str())
        .bind(stored(grade.score))
        .bind(stored(grade.max_score))
        .bind(grade.passed)
        .bind(Json(grade.criteria))
        .bind(grade.feedback)
        .bind(grade.by.as_uuid())
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Releases a graded version's grade to its learner; `false` when it was not graded or was
/// released already.
pub async fn release(
    tx: &mut WriteTx,
    id: SubmissionId,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let done = dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE assignment_submissions SET released_at = $3, updated_at = $3 \
             WHERE tenant_id = $1 AND id = $2 AND status = $4 AND released_at IS NULL",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(at)
        .bind(AssignmentStatus::Graded.as_str())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(done > 0)
}

/// Sends a version back (`returned`), with the instructor's feedback.
pub async fn mark_returned(
    tx: &mut WriteTx,
    id: SubmissionId,
    feedback: Option<&str>,
    by: UserId,
) -> Result<(), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE assignment_submissions SET status = $3, feedback = $4, graded_by = $5, updated_at = $6 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(AssignmentStatus::Returned.as_str())
        .bind(feedback)
        .bind(by.as_uuid())
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Attaches a stored file to a version, after those it holds.
pub async fn attach(tx: &mut WriteTx, id: SubmissionId, file: FileId) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO assignment_submission_files (tenant_id, submission_id, file_id, position) \
             SELECT $1, $2, $3, COALESCE(MAX(position) + 1, 0) FROM assignment_submission_files \
             WHERE tenant_id = $1 AND submission_id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(file.as_uuid())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Attaches the files of version `from` to version `to` (a new draft starts from the last
/// version's work).
pub async fn copy_files(
    tx: &mut WriteTx,
    from: SubmissionId,
    to: SubmissionId,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO assignment_submission_files (tenant_id, submission_id, file_id, position) \
             SELECT tenant_id, $3, file_id, position FROM assignment_submission_files \
             WHERE tenant_id = $1 AND submission_id = $2",
        )
        .bind(tenant)
        .bind(from.as_uuid())
        .bind(to.as_uuid())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// Detaches a file from a version; `false` when it was not attached.
pub async fn detach(tx: &mut WriteTx, id: SubmissionId, file: FileId) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let done = dispatch!(tx.conn(), c => {
        sqlx::query(
            "DELETE FROM assignment_submission_files WHERE tenant_id = $1 AND submission_id = $2 AND file_id = $3",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(file.as_uuid())
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(done > 0)
}

/// An instructor's extension of a learner's due date for an assessment.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Extension {
    pub id: ExtensionId,
    pub assessment_id: AssessmentId,
    pub user_id: UserId,
    /// The learner's due date.
    pub due_at: DateTime<Utc>,
    pub reason: String,
    pub granted_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ExtensionRow {
    tenant_id: Uuid,
    id: Uuid,
    assessment_id: Uuid,
    user_id: Uuid,
    due_at: DateTime<Utc>,
    reason: String,
    granted_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl TenantRow for ExtensionRow {
    const TABLE: &'static str = "extensions";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own_extension(tx: &TenantTx, row: ExtensionRow) -> Result<Extension, StoreError> {
    let row = tx.own(row)?;
    Ok(Extension {
        id: ExtensionId::from_uuid(row.id),
        assessment_id: AssessmentId::from_uuid(row.assessment_id),
        user_id: UserId::from_uuid(row.user_id),
        due_at: row.due_at,
        reason: row.reason,
        granted_by: row.granted_by.map(UserId::from_uuid),
        created_at: row.created_at,
    })
}

const EXTENSION_COLUMNS: &str =
    "tenant_id, id, assessment_id, user_id, due_at, reason, granted_by, created_at";

/// Grants (or replaces) a learner's extension.
pub async fn put_extension(
    tx: &mut WriteTx,
    assessment: AssessmentId,
    learner: UserId,
    due_at: DateTime<Utc>,
    reason: &str,
    by: UserId,
) -> Result<Extension, StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO extensions (tenant_id, id, assessment_id, user_id, due_at, reason, granted_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (tenant_id, assessment_id, user_id) DO UPDATE SET due_at = excluded.due_at, \
               reason = excluded.reason, granted_by = excluded.granted_by, created_at = excluded.created_at",
        )
        .bind(tenant)
        .bind(ExtensionId::new().as_uuid())
        .bind(assessment.as_uuid())
        .bind(learner.as_uuid())
        .bind(due_at)
        .bind(reason)
        .bind(by.as_uuid())
        .bind(Utc::now())
        .execute(c)
        .await?
        .rows_affected()
    });
    extension_of(tx, assessment, learner)
        .await?
        .ok_or(StoreError::NotFound("extension"))
}

/// A learner's extension for an assessment, if granted.
pub async fn extension_of(
    tx: &mut TenantTx,
    assessment: AssessmentId,
    learner: UserId,
) -> Result<Option<Extension>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {EXTENSION_COLUMNS} FROM extensions WHERE tenant_id = $1 AND assessment_id = $2 AND user_id = $3"
    );
    let row: Option<ExtensionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(assessment.as_uuid())
            .bind(learner.as_uuid())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own_extension(tx, r)).transpose()
}

/// The extensions granted for an assessment, by due date.
pub async fn extensions_of(
    tx: &mut TenantTx,
    assessment: AssessmentId,
) -> Result<Vec<Extension>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {EXTENSION_COLUMNS} FROM extensions WHERE tenant_id = $1 AND assessment_id = $2 ORDER BY due_at, id"
    );
    let rows: Vec<ExtensionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(assessment.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own_extension(tx, r)).collect()
}

/// The extensions of every assessment of `course`: one query for a course's gradebook.
pub async fn extensions_in_course(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<Extension>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {EXTENSION_COLUMNS} FROM extensions WHERE tenant_id = $1 AND assessment_id IN \
         (SELECT id FROM assessments WHERE tenant_id = $1 AND course_id = $2) ORDER BY due_at, id"
    );
    let rows: Vec<ExtensionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(course.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own_extension(tx, r)).collect()
}

pub async fn get_extension(
    tx: &mut TenantTx,
    id: ExtensionId,
) -> Result<Option<Extension>, StoreError> {
    let tenant = tx.tenant();
    let sql =
        format!("SELECT {EXTENSION_COLUMNS} FROM extensions WHERE tenant_id = $1 AND id = $2");
    let row: Option<ExtensionRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own_extension(tx, r)).transpose()
}

/// Revokes an extension; `false` when there is none by that id.
pub async fn delete_extension(tx: &mut WriteTx, id: ExtensionId) -> Result<bool, StoreError> {
    super::delete_by_id(tx, "extensions", id.as_uuid()).await
}
