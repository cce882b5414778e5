//! The gradebook's records: a course's grade categories (`grade_categories`), the category each
//! assessment belongs to (`assessment_categories`, at most one), a course's grading settings
//! (`course_grading`, its letter scale with it), and the reads the gradebook and item analysis
//! make of attempts, assignment versions and answers. How results add up, who may read them and what a category may hold are the
//! application's and the domain's rules; this module stores and reads.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::assessment::gradebook::{AttemptFacts, VersionFacts, Weight};
use lyceum_domain::assessment::letter_scale::LetterScale;
use lyceum_domain::assessment::{Answer, Points};
use lyceum_domain::{AssessmentId, CourseId, GradeCategoryId, QuestionId, SubmissionId, UserId};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

/// A grade category of a course.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradeCategory {
    pub id: GradeCategoryId,
    pub course_id: CourseId,
    pub name: String,
    /// 0 to 1,000; only the ratios between a course's weights matter.
    pub weight: Weight,
    /// Its place among the course's categories, from 1.
    pub position: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct CategoryRow {
    tenant_id: Uuid,
    id: Uuid,
    course_id: Uuid,
    name: String,
    weight: i32,
    position: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for CategoryRow {
    const TABLE: &'static str = "grade_categories";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own(tx: &TenantTx, row: CategoryRow) -> Result<GradeCategory, StoreError> {
    let row = tx.own(row)?;
    Ok(GradeCategory {
        id: GradeCategoryId::from_uuid(row.id),
        course_id: CourseId::from_uuid(row.course_id),
        name: row.name,
        weight: Weight::from_hundredths(u32::try_from(row.weight).unwrap_or(0)),
        position: u32::try_from(row.position).unwrap_or(0),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

const COLUMNS: &str = "tenant_id, id, course_id, name, weight, position, created_at, updated_at";

fn stored_weight(weight: Weight) -> i32 {
    i32::try_from(weight.hundredths()).unwrap_or(i32::MAX)
}

/// A course's categories, in their order.
pub async fn categories_of(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<GradeCategory>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM grade_categories WHERE tenant_id = $1 AND course_id = $2 ORDER BY position, id"
    );
    let rows: Vec<CategoryRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(course.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// A category.
pub async fn category(
    tx: &mut TenantTx,
    id: GradeCategoryId,
) -> Result<Option<GradeCategory>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COLUMNS} FROM grade_categories WHERE tenant_id = $1 AND id = $2");
    let row: Option<CategoryRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// How many categories a course has.
pub async fn count_of(tx: &mut TenantTx, course: CourseId) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM grade_categories WHERE tenant_id = $1 AND course_id = $2")
            .bind(tenant)
            .bind(course.as_uuid())
            .fetch_one(c)
            .await?
    }))
}

/// Adds a category after the course's others.
pub async fn insert_category(
    tx: &mut WriteTx,
    course: CourseId,
    name: &str,
    weight: Weight,
) -> Result<GradeCategory, StoreError> {
    let (tenant, id, now) = (tx.tenant(), GradeCategoryId::new(), Utc::now());
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO grade_categories (tenant_id, id, course_id, name, weight, position, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, \
               (SELECT COALESCE(MAX(position), 0) + 1 FROM grade_categories WHERE tenant_id = $1 AND course_id = $3), \
               $6, $6)",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(course.as_uuid())
        .bind(name)
        .bind(stored_weight(weight))
        .bind(now)
        .execute(c)
        .await?;
    });
    category(tx, id)
        .await?
        .ok_or(StoreError::NotFound("grade category"))
}

/// Changes a category's name and weight.
pub async fn update_category(
    tx: &mut WriteTx,
    id: GradeCategoryId,
    name: &str,
    weight: Weight,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE grade_categories SET name = $3, weight = $4, updated_at = $5 \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(name)
        .bind(stored_weight(weight))
        .bind(Utc::now())
        .execute(c)
        .await?;
    });
    Ok(())
}

/// Numbers categories 1, 2, ... in the order given.
pub async fn set_order(tx: &mut WriteTx, order: &[GradeCategoryId]) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        for (i, id) in order.iter().enumerate() {
            sqlx::query("UPDATE grade_categories SET position = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(id.as_uuid())
                .bind(i32::try_from(i + 1).unwrap_or(i32::MAX))
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(())
}

/// Deletes a category; its assessments are left in none.
pub async fn delete_category(tx: &mut WriteTx, id: GradeCategoryId) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let done = dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM assessment_categories WHERE tenant_id = $1 AND category_id = $2")
            .bind(tenant)
            .bind(id.as_uuid())
            .execute(&mut *c)
            .await?;
        sqlx::query("DELETE FROM grade_categories WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id.as_uuid())
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(done > 0)
}

/// Which category each categorised assessment of a course belongs to.
pub async fn placements_of(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<(AssessmentId, GradeCategoryId)>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, Uuid, Uuid)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT ac.tenant_id, ac.assessment_id, ac.category_id FROM assessment_categories ac \
             JOIN grade_categories gc ON gc.tenant_id = ac.tenant_id AND gc.id = ac.category_id \
             WHERE ac.tenant_id = $1 AND gc.course_id = $2",
        )
        .bind(tenant)
        .bind(course.as_uuid())
        .fetch_all(c)
        .await?
    });
    let rows = rows.into_iter().map(|(t, a, g)| (t, (a, g))).collect();
    Ok(tx
        .own_all("assessment_categories", rows)?
        .into_iter()
        .map(|(a, g)| (AssessmentId::from_uuid(a), GradeCategoryId::from_uuid(g)))
        .collect())
}

/// Makes `assessments` the members of `category`: those it held and are not listed leave it,
/// the listed ones leave any other category.
pub async fn set_members(
    tx: &mut WriteTx,
    category: GradeCategoryId,
    assessments: &[AssessmentId],
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM assessment_categories WHERE tenant_id = $1 AND category_id = $2")
            .bind(tenant)
            .bind(category.as_uuid())
            .execute(&mut *c)
            .await?;
        for chunk in assessments.chunks(super::BULK_ROWS) {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO assessment_categories (tenant_id, assessment_id, category_id) ",
            );
            insert.push_values(chunk, |mut row, assessment| {
                row.push_bind(tenant)
                    .push_bind(assessment.as_uuid())
                    .push_bind(category.as_uuid());
            });
            insert.push(
                " ON CONFLICT (tenant_id, assessment_id) DO UPDATE SET category_id = excluded.category_id",
            );
            insert.build().persistent(false).execute(&mut *c).await?;
        }
    });
    Ok(())
}

/// A course's grading settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradingSettings {
    /// The course percent that passes; none: the gradebook says nothing of passing.
    pub passing_percent: Option<u8>,
    /// Work missing after its due date counts as 0 (otherwise it is left out until graded).
    pub missing_counts_as_zero: bool,
    /// The letters the course percent earns, highest first (the default scale when never set;
    /// empty: no letters).
    pub letter_scale: LetterScale,
}

type SettingsRow = (Uuid, Option<i32>, bool, Option<Json<LetterScale>>);

/// A course's grading settings (the defaults when never set).
pub async fn settings(tx: &mut TenantTx, course: CourseId) -> Result<GradingSettings, StoreError> {
    let tenant = tx.tenant();
    let row: Option<SettingsRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, passing_percent, missing_counts_as_zero, letter_scale FROM course_grading \
             WHERE tenant_id = $1 AND course_id = $2",
        )
        .bind(tenant)
        .bind(course.as_uuid())
        .fetch_optional(c)
        .await?
    });
    let Some(row) = row else {
        return Ok(GradingSettings::default());
    };
    let (passing, zero, scale) = tx
        .own_all("course_grading", vec![(row.0, (row.1, row.2, row.3))])?
        .remove(0);
    Ok(GradingSettings {
        passing_percent: passing.and_then(|p| u8::try_from(p).ok()),
        missing_counts_as_zero: zero,
        letter_scale: scale.map(|s| s.0).unwrap_or_default(),
    })
}

/// Records a course's grading settings.
pub async fn put_settings(
    tx: &mut WriteTx,
    course: CourseId,
    settings: &GradingSettings,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO course_grading (tenant_id, course_id, passing_percent, missing_counts_as_zero, letter_scale, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (tenant_id, course_id) DO UPDATE SET passing_percent = excluded.passing_percent, \
               missing_counts_as_zero = excluded.missing_counts_as_zero, letter_scale = excluded.letter_scale, \
               updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(course.as_uuid())
        .bind(settings.passing_percent.map(i32::from))
        .bind(settings.missing_counts_as_zero)
        .bind(Json(&settings.letter_scale))
        .bind(Utc::now())
        .execute(c)
        .await?;
    });
    Ok(())
}

/// The rows `base` selects of a course's learners: `base` binds the tenant as `$1` and the
/// course as `$2` and ends in a `WHERE`; `learners` (every learner when none) are bound after,
/// a chunk at a time.
async fn of_learners<R>(
    tx: &mut TenantTx,
    base: &str,
    course: CourseId,
    learners: Option<&[UserId]>,
    learner_column: &str,
) -> Result<Vec<R>, StoreError>
where
    R: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
{
    let tenant = tx.tenant();
    let mut rows: Vec<R> = Vec::new();
    match learners {
        None => {
            let found: Vec<R> = dispatch!(tx.conn(), c => {
                sqlx::query_as(base).bind(tenant).bind(course.as_uuid()).fetch_all(c).await?
            });
            rows.extend(found);
        }
        Some(learners) => {
            for chunk in learners.chunks(super::BULK_ROWS) {
                let sql = format!(
                    "{base} AND {learner_column} IN ({})",
                    super::placeholders(3, chunk.len())
                );
                let found: Vec<R> = dispatch!(tx.conn(), c => {
                    let mut query = sqlx::query_as(&sql).bind(tenant).bind(course.as_uuid());
                    for learner in chunk {
                        query = query.bind(learner.as_uuid());
                    }
                    query.persistent(false).fetch_all(c).await?
                });
                rows.extend(found);
            }
        }
    }
    Ok(rows)
}

/// One attempt as the gradebook reads it.
#[derive(Debug, Clone, Copy)]
pub struct CourseAttempt {
    pub assessment: AssessmentId,
    pub learner: UserId,
    pub facts: AttemptFacts,
}

type AttemptRow = (
    Uuid,
    Uuid,
    Uuid,
    i32,
    String,
    DateTime<Utc>,
    bool,
    Option<i32>,
    i32,
);

fn points(value: i32) -> Points {
    Points::from_hundredths(u32::try_from(value).unwrap_or(0))
}

/// The attempts at a course's assessments, of `learners` (every learner's when none), without
/// their questions or answers.
pub async fn attempts_in_course(
    tx: &mut TenantTx,
    course: CourseId,
    learners: Option<&[UserId]>,
) -> Result<Vec<CourseAttempt>, StoreError> {
    if learners.is_some_and(|l| l.is_empty()) {
        return Ok(Vec::new());
    }
    let base = "SELECT s.tenant_id, s.assessment_id, s.user_id, s.attempt, s.status, s.started_at, s.late, \
          s.score, s.max_score FROM submissions s \
        JOIN assessments a ON a.tenant_id = s.tenant_id AND a.id = s.assessment_id \
        WHERE s.tenant_id = $1 AND a.course_id = $2";
    let rows: Vec<AttemptRow> = of_learners(tx, base, course, learners, "s.user_id").await?;
    let rows = rows.into_iter().map(|row| (row.0, row)).collect();
    tx.own_all("submissions", rows)?
        .into_iter()
        .map(|row| {
            Ok(CourseAttempt {
                assessment: AssessmentId::from_uuid(row.1),
                learner: UserId::from_uuid(row.2),
                facts: AttemptFacts {
                    number: u32::try_from(row.3).unwrap_or(0),
                    status: row.4.parse()?,
                    started_at: row.5,
                    late: row.6,
                    score: row.7.map(points),
                    max_score: points(row.8),
                },
            })
        })
        .collect()
}

/// One version of a learner's work on an assignment as the gradebook reads it.
#[derive(Debug, Clone, Copy)]
pub struct CourseVersion {
    pub assessment: AssessmentId,
    pub learner: UserId,
    pub facts: VersionFacts,
}

type VersionRow = (
    Uuid,
    Uuid,
    Uuid,
    i32,
    String,
    bool,
    Option<i32>,
    Option<i32>,
    Option<DateTime<Utc>>,
);

/// The versions of work on a course's assignments, of `learners` (every learner's when none),
/// without their text, files or feedback.
pub async fn versions_in_course(
    tx: &mut TenantTx,
    course: CourseId,
    learners: Option<&[UserId]>,
) -> Result<Vec<CourseVersion>, StoreError> {
    if learners.is_some_and(|l| l.is_empty()) {
        return Ok(Vec::new());
    }
    let base =
        "SELECT v.tenant_id, v.assessment_id, v.user_id, v.version, v.status, v.late, v.score, \
          v.max_score, v.released_at FROM assignment_submissions v \
        JOIN assessments a ON a.tenant_id = v.tenant_id AND a.id = v.assessment_id \
        WHERE v.tenant_id = $1 AND a.course_id = $2";
    let rows: Vec<VersionRow> = of_learners(tx, base, course, learners, "v.user_id").await?;
    let rows = rows.into_iter().map(|row| (row.0, row)).collect();
    tx.own_all("assignment_submissions", rows)?
        .into_iter()
        .map(|row| {
            Ok(CourseVersion {
                assessment: AssessmentId::from_uuid(row.1),
                learner: UserId::from_uuid(row.2),
                facts: VersionFacts {
                    version: u32::try_from(row.3).unwrap_or(0),
                    status: row.4.parse()?,
                    late: row.5,
                    score: row.6.map(points),
                    max_score: row.7.map(points),
                    released: row.8.is_some(),
                },
            })
        })
        .collect()
}

/// One answer of a graded attempt, for item analysis.
#[derive(Debug, Clone)]
pub struct GradedAnswer {
    pub submission: SubmissionId,
    pub question: QuestionId,
    pub answer: Answer,
    pub score: Option<Points>,
}

type AnswerRow = (Uuid, Uuid, Uuid, Json<Answer>, Option<i32>);

/// The answers of an assessment's graded attempts.
pub async fn graded_answers(
    tx: &mut TenantTx,
    assessment: AssessmentId,
) -> Result<Vec<GradedAnswer>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<AnswerRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT sa.tenant_id, sa.submission_id, sa.question_id, sa.answer, sa.score \
             FROM submission_answers sa \
             JOIN submissions s ON s.tenant_id = sa.tenant_id AND s.id = sa.submission_id \
             WHERE sa.tenant_id = $1 AND s.assessment_id = $2 AND s.status = 'graded'",
        )
        .bind(tenant)
        .bind(assessment.as_uuid())
        .fetch_all(c)
        .await?
    });
    let rows = rows.into_iter().map(|row| (row.0, row)).collect();
    Ok(tx
        .own_all("submission_answers", rows)?
        .into_iter()
        .map(|row| GradedAnswer {
            submission: SubmissionId::from_uuid(row.1),
            question: QuestionId::from_uuid(row.2),
            answer: row.3 .0,
            score: row.4.map(points),
        })
        .collect())
}
