//! Lessons of a module: typed, ordered, with validated content blocks and optional release
//! rules. Content arrives already validated (and Markdown rendered) by the domain rules.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::error::required_text;
use lyceum_domain::{
    CompletionRule, CourseId, LessonId, LessonKind, ModuleId, ReleaseRule, UserId,
};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lesson {
    pub id: LessonId,
    pub module_id: ModuleId,
    pub title: String,
    pub kind: LessonKind,
    /// 0-based place in the module.
    pub position: i32,
    /// Content blocks (see the lesson content rules).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub content: serde_json::Value,
    pub duration_seconds: Option<i32>,
    pub release_rule: Option<ReleaseRule>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What create and replace take.
#[derive(Debug, Clone)]
pub struct LessonDraft {
    pub title: String,
    pub kind: LessonKind,
    pub content: serde_json::Value,
    pub duration_seconds: Option<i32>,
    pub release_rule: Option<ReleaseRule>,
}

#[derive(sqlx::FromRow)]
struct LessonRow {
    tenant_id: Uuid,
    id: Uuid,
    module_id: Uuid,
    title: String,
    kind: String,
    position: i32,
    content: Json<serde_json::Value>,
    duration_seconds: Option<i32>,
    release_rule: Option<Json<ReleaseRule>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for LessonRow {
    const TABLE: &'static str = "lessons";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own(tx: &TenantTx, row: LessonRow) -> Result<Lesson, StoreError> {
    let row = tx.own(row)?;
    Ok(Lesson {
        id: LessonId::from_uuid(row.id),
        module_id: ModuleId::from_uuid(row.module_id),
        title: row.title,
        kind: row.kind.parse()?,
        position: row.position,
        content: row.content.0,
        duration_seconds: row.duration_seconds,
        release_rule: row.release_rule.map(|r| r.0),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

const COLUMNS: &str =
    "tenant_id, id, module_id, title, kind, position, content, duration_seconds, \
     release_rule, created_at, updated_at";

fn checked(draft: &LessonDraft) -> Result<String, StoreError> {
    if draft.duration_seconds.is_some_and(|d| d < 0) {
        return Err(StoreError::ConstraintViolation(
            "duration_seconds must not be negative".to_owned(),
        ));
    }
    Ok(required_text("title", &draft.title, 300)?)
}

/// Appends a lesson at the end of the module.
pub async fn insert(
    tx: &mut WriteTx,
    module: ModuleId,
    draft: &LessonDraft,
) -> Result<Lesson, StoreError> {
    let title = checked(draft)?;
    let (tenant, id, now) = (tx.tenant(), LessonId::new(), Utc::now());
    let sql = format!(
        "INSERT INTO lessons (tenant_id, id, module_id, title, kind, position, content, duration_seconds, release_rule, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(position) + 1, 0) FROM lessons WHERE tenant_id = $1 AND module_id = $3), \
                 $6, $7, $8, $9, $9) RETURNING {COLUMNS}"
    );
    let row: LessonRow = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(module.as_uuid())
            .bind(&title)
            .bind(draft.kind.as_str())
            .bind(Json(&draft.content))
            .bind(draft.duration_seconds)
            .bind(draft.release_rule.as_ref().map(Json))
            .bind(now)
            .fetch_one(c)
            .await?
    });
    own(tx, row)
}

/// Replaces a lesson's title, type, content, duration and release rule.
pub async fn replace(
    tx: &mut WriteTx,
    id: LessonId,
    draft: &LessonDraft,
) -> Result<Option<Lesson>, StoreError> {
    let title = checked(draft)?;
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE lessons SET title = $3, kind = $4, content = $5, duration_seconds = $6, release_rule = $7, updated_at = $8 \
         WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    );
    let row: Option<LessonRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(&title)
            .bind(draft.kind.as_str())
            .bind(Json(&draft.content))
            .bind(draft.duration_seconds)
            .bind(draft.release_rule.as_ref().map(Json))
            .bind(Utc::now())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

pub async fn get(tx: &mut TenantTx, id: LessonId) -> Result<Option<Lesson>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COLUMNS} FROM lessons WHERE tenant_id = $1 AND id = $2");
    let row: Option<LessonRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// The course a lesson belongs to.
pub async fn course_of(tx: &mut TenantTx, id: LessonId) -> Result<Option<CourseId>, StoreError> {
    let tenant = tx.tenant();
    let found: Option<Uuid> = dispatch!(tx.conn(), c => {
        sqlx::query_scalar(
            "SELECT m.course_id FROM lessons l JOIN modules m ON m.tenant_id = l.tenant_id AND m.id = l.module_id \
             WHERE l.tenant_id = $1 AND l.id = $2",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .fetch_optional(c)
        .await?
    });
    Ok(found.map(CourseId::from_uuid))
}

/// The quiz and assignment lessons of a course (whose content names their assessment), in
/// course order.
pub async fn assessment_lessons(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<Lesson>, StoreError> {
    let tenant = tx.tenant();
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("l.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM lessons l JOIN modules m ON m.tenant_id = l.tenant_id AND m.id = l.module_id \
         WHERE l.tenant_id = $1 AND m.course_id = $2 AND l.kind IN ('quiz', 'assignment') \
         ORDER BY m.position, m.id, l.position, l.id"
    );
    let rows: Vec<LessonRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(course.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// A module's lessons in order.
pub async fn for_module(tx: &mut TenantTx, module: ModuleId) -> Result<Vec<Lesson>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM lessons WHERE tenant_id = $1 AND module_id = $2 ORDER BY position, id"
    );
    let rows: Vec<LessonRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(module.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// One lesson of a course outline with the module's rule and whether a learner completed it.
#[derive(Debug, Clone)]
pub struct OutlineEntry {
    pub course: CourseId,
    pub module: ModuleId,
    pub rule: CompletionRule,
    /// `None` for a module without lessons.
    pub lesson: Option<LessonId>,
    pub completed: bool,
}

/// The outlines of `courses` (modules in order, each with its rule and its lessons in order)
/// and `learner`'s completed lessons among them, in one query for any number of courses:
/// everything a progress roll-up needs.
pub async fn progress_outline(
    tx: &mut TenantTx,
    learner: UserId,
    courses: &[CourseId],
) -> Result<Vec<OutlineEntry>, StoreError> {
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT m.tenant_id, m.course_id, m.id, m.completion_rule, l.id, \
                CASE WHEN p.status = 'completed' THEN 1 ELSE 0 END \
         FROM modules m \
         LEFT JOIN lessons l ON l.tenant_id = m.tenant_id AND l.module_id = m.id \
         LEFT JOIN lesson_progress p ON p.tenant_id = l.tenant_id AND p.lesson_id = l.id AND p.user_id = $2 \
         WHERE m.tenant_id = $1 AND m.course_id IN ({}) \
         ORDER BY m.course_id, m.position, m.id, l.position, l.id",
        super::placeholders(3, courses.len())
    );
    type Row = (Uuid, Uuid, Uuid, Json<CompletionRule>, Option<Uuid>, i32);
    let rows: Vec<Row> = dispatch!(tx.conn(), c => {
        let mut query = sqlx::query_as(&sql).bind(tenant).bind(learner.as_uuid());
        for course in courses {
            query = query.bind(course.as_uuid());
        }
        query.fetch_all(c).await?
    });
    // Lessons and progress join on the module's tenant: checking the module's covers them.
    let rows = rows
        .into_iter()
        .map(|(t, course, module, rule, lesson, completed)| {
            (t, (course, module, rule, lesson, completed))
        })
        .collect();
    Ok(tx
        .own_all("modules", rows)?
        .into_iter()
        .map(|(course, module, rule, lesson, completed)| OutlineEntry {
            course: CourseId::from_uuid(course),
            module: ModuleId::from_uuid(module),
            rule: rule.0,
            lesson: lesson.map(LessonId::from_uuid),
            completed: completed == 1,
        })
        .collect())
}

/// How many lessons a course has.
pub async fn count_in_course(tx: &mut TenantTx, course: CourseId) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM lessons l JOIN modules m ON m.tenant_id = l.tenant_id AND m.id = l.module_id \
             WHERE l.tenant_id = $1 AND m.course_id = $2",
        )
        .bind(tenant)
        .bind(course.as_uuid())
        .fetch_one(c)
        .await?
    }))
}

pub async fn delete(tx: &mut WriteTx, id: LessonId) -> Result<bool, StoreError> {
    super::delete_by_id(tx, "lessons", id.as_uuid()).await
}

/// Puts the module's lessons in the order given, which must name each of them once.
pub async fn reorder(
    tx: &mut WriteTx,
    module: ModuleId,
    order: &[LessonId],
) -> Result<Vec<Lesson>, StoreError> {
    let current = for_module(tx, module).await?;
    super::check_permutation(current.iter().map(|l| l.id), order, "lesson")?;
    super::set_positions(tx, "lessons", order.iter().map(|l| l.as_uuid())).await?;
    for_module(tx, module).await
}
