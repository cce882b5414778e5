//! Lesson progress rows, kept apart from content. Progress never goes backwards: a lower
//! percentage than the stored one is ignored, and a completed lesson stays completed.

use super::lessons::OutlineEntry;
use crate::engine::{dispatch, Engine};
use crate::error::StoreError;
use crate::scope::{Scoped, Table, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{
    CompletionRule, CourseId, CourseStatus, DomainEvent, EnrollmentId, EnrollmentStatus, EventId,
    LessonId, LessonKind, LessonProgressStatus, ModuleId, ReleaseRule, UserId,
};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LessonProgress {
    pub user_id: Uuid,
    pub lesson_id: Uuid,
    #[sqlx(try_from = "String")]
    pub status: LessonProgressStatus,
    pub percent: i32,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Inserts or raises a learner's row: `$1` tenant, `$2` user, `$3` lesson, `$4` status, `$5`
/// percent, `$6` now, `$7` completed at. Never lowers the percent nor un-completes a lesson.
const UPSERT: &str = "INSERT INTO lesson_progress (tenant_id, user_id, lesson_id, status, percent, started_at, completed_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $6) \
     ON CONFLICT (tenant_id, user_id, lesson_id) DO UPDATE SET \
       percent = CASE WHEN excluded.percent > lesson_progress.percent THEN excluded.percent ELSE lesson_progress.percent END, \
       status = CASE WHEN lesson_progress.status = 'completed' THEN 'completed' ELSE excluded.status END, \
       completed_at = COALESCE(lesson_progress.completed_at, excluded.completed_at), \
       updated_at = excluded.updated_at \
     RETURNING tenant_id, user_id, lesson_id, status, percent, started_at, completed_at, updated_at";

/// Rolls the learner's enrollment forward: `$1` tenant, `$6` now, `$8` enrollment, `$9` course
/// percent (never lowered), `$10` completed at (completes it when set).
const TOUCH_ENROLLMENT: &str = "UPDATE enrollments SET last_accessed_at = $6, \
     progress_percent = CASE WHEN $9 > progress_percent THEN $9 ELSE progress_percent END, \
     status = CASE WHEN $10 IS NULL THEN status ELSE 'completed' END, \
     completed_at = COALESCE(completed_at, $10) \
     WHERE tenant_id = $1 AND id = $8";

/// Records progress on one lesson alone (no roll-up, no events: for seeding and tests; the
/// API's reports go through [`write`]). `percent` is 0 to 100 and 100 completes the lesson.
pub async fn record(
    tx: &mut WriteTx,
    user: UserId,
    lesson: LessonId,
    percent: i32,
) -> Result<LessonProgress, StoreError> {
    check_percent(percent)?;
    let (tenant, now) = (tx.tenant(), Utc::now());
    let (status, completed_at) = lesson_status(percent, now);
    let row: Scoped<LessonProgress> = dispatch!(tx.conn(), c => {
        sqlx::query_as(UPSERT)
            .bind(tenant)
            .bind(user.as_uuid())
            .bind(lesson.as_uuid())
            .bind(status)
            .bind(percent)
            .bind(now)
            .bind(completed_at)
            .fetch_one(c)
            .await?
    });
    Ok(tx.own(row)?.record)
}

fn check_percent(percent: i32) -> Result<(), StoreError> {
    if (0..=100).contains(&percent) {
        Ok(())
    } else {
        Err(StoreError::ConstraintViolation(format!(
            "progress must be between 0 and 100, got {percent}"
        )))
    }
}

/// The status a report of `percent` gives a lesson, and when it completed it.
fn lesson_status(percent: i32, now: DateTime<Utc>) -> (&'static str, Option<DateTime<Utc>>) {
    if percent == 100 {
        (LessonProgressStatus::Completed.as_str(), Some(now))
    } else {
        (LessonProgressStatus::InProgress.as_str(), None)
    }
}

/// Everything one progress report writes, decided before it is written.
pub struct ProgressWrite<'a> {
    pub learner: UserId,
    pub lesson: LessonId,
    /// 0 to 100; 100 completes the lesson.
    pub percent: i32,
    pub enrollment: EnrollmentId,
    /// The course's rolled-up percent with this report.
    pub course_percent: i32,
    /// Set when this report completes the course: the enrollment is completed then.
    pub course_completed_at: Option<DateTime<Utc>>,
    /// The report's events.
    pub events: &'a [DomainEvent],
}

/// Writes a progress report: the lesson's row, the enrollment's roll-up and the events. On
/// PostgreSQL in one statement (one round trip), on SQLite (in-process) in one per table.
pub async fn write(
    tx: &mut WriteTx,
    write: &ProgressWrite<'_>,
) -> Result<LessonProgress, StoreError> {
    check_percent(write.percent)?;
    let (tenant, now) = (tx.tenant(), Utc::now());
    let (status, completed_at) = lesson_status(write.percent, now);
    if !write.events.is_empty() {
        tx.queues_work();
    }
    macro_rules! bind_report {
        ($query:expr) => {
            $query
                .bind(tenant)
                .bind(write.learner.as_uuid())
                .bind(write.lesson.as_uuid())
                .bind(status)
                .bind(write.percent)
                .bind(now)
                .bind(completed_at)
                .bind(write.enrollment.as_uuid())
                .bind(write.course_percent)
                .bind(write.course_completed_at)
        };
    }
    let row: Scoped<LessonProgress> = match tx.conn() {
        Engine::Postgres(c) => {
            let ids: Vec<Uuid> = write
                .events
                .iter()
                .map(|_| EventId::new().as_uuid())
                .collect();
            let sql = format!(
                "WITH touched AS ({TOUCH_ENROLLMENT}), events AS (\
                   INSERT INTO outbox_events (tenant_id, id, event_type, aggregate_id, actor_id, payload, occurred_at) \
                   SELECT $1, e.id, e.event_type, e.aggregate_id, $2, e.payload, $6 \
                   FROM UNNEST($11::uuid[], $12::text[], $13::uuid[], $14::jsonb[]) AS e(id, event_type, aggregate_id, payload)) \
                 {UPSERT}"
            );
            bind_report!(sqlx::query_as(&sql))
                .bind(ids)
                .bind(
                    write
                        .events
                        .iter()
                        .map(DomainEvent::event_type)
                        .collect::<Vec<_>>(),
                )
                .bind(
                    write
                        .events
                        .iter()
                        .map(DomainEvent::aggregate_id)
                        .collect::<Vec<_>>(),
                )
                .bind(
                    write
                        .events
                        .iter()
                        .map(|e| Json(e.payload()))
                        .collect::<Vec<_>>(),
                )
                .fetch_one(c)
                .await?
        }
        Engine::Sqlite(c) => {
            let row = bind_report!(sqlx::query_as(UPSERT))
                .fetch_one(&mut *c)
                .await?;
            bind_report!(sqlx::query(TOUCH_ENROLLMENT))
                .execute(&mut *c)
                .await?;
            super::outbox::append_many(tx, Some(write.learner), write.events).await?;
            row
        }
    };
    Ok(tx.own(row)?.record)
}

/// What recording progress on a lesson needs to decide, read in one statement: the lesson's
/// course and release rule, the course's status, whether the learner teaches it, their
/// enrollment, and the course outline with their progress on each lesson. Open the
/// transaction with [`crate::Store::begin_learner_write`], so that concurrent reports of one
/// learner read one after the other and complete a course once.
#[derive(Debug, Clone)]
pub struct ReportContext {
    pub course: CourseId,
    pub course_status: CourseStatus,
    pub teaches: bool,
    /// `(id, status)` of the learner's enrollment, in any status.
    pub enrollment: Option<(EnrollmentId, EnrollmentStatus)>,
    pub release_rule: Option<ReleaseRule>,
    /// The lesson's kind (a quiz lesson is completed by passing its assessment).
    pub lesson_kind: LessonKind,
    /// The learner's row on the lesson, as `(status, percent)`.
    pub before: Option<(LessonProgressStatus, i32)>,
    /// The course's modules in order with their lessons, and which the learner completed.
    pub outline: Vec<OutlineEntry>,
}

/// The [`ReportContext`] of `learner` on `lesson`; `None` when there is no such lesson.
pub async fn report_context(
    tx: &mut TenantTx,
    learner: UserId,
    lesson: LessonId,
) -> Result<Option<ReportContext>, StoreError> {
    let tenant = tx.tenant();
    let sql = "WITH target AS (\
           SELECT l.release_rule, l.kind, m.course_id FROM lessons l \
           JOIN modules m ON m.tenant_id = l.tenant_id AND m.id = l.module_id \
           WHERE l.tenant_id = $1 AND l.id = $3), \
         enrolled AS (\
           SELECT e.id, e.status FROM enrollments e \
           WHERE e.tenant_id = $1 AND e.user_id = $2 AND e.course_id = (SELECT course_id FROM target)) \
         SELECT m.tenant_id, t.course_id, c.status, \
                EXISTS (SELECT 1 FROM course_instructors i WHERE i.tenant_id = $1 AND i.course_id = t.course_id AND i.user_id = $2), \
                en.id, en.status, t.release_rule, t.kind, \
                m.id, m.completion_rule, l.id, p.status, p.percent \
         FROM target t \
         JOIN courses c ON c.tenant_id = $1 AND c.id = t.course_id \
         LEFT JOIN enrolled en ON 1 = 1 \
         JOIN modules m ON m.tenant_id = $1 AND m.course_id = t.course_id \
         LEFT JOIN lessons l ON l.tenant_id = m.tenant_id AND l.module_id = m.id \
         LEFT JOIN lesson_progress p ON p.tenant_id = l.tenant_id AND p.lesson_id = l.id AND p.user_id = $2 \
         ORDER BY m.position, m.id, l.position, l.id";
    type Row = (
        Uuid,
        Uuid,
        String,
        bool,
        Option<Uuid>,
        Option<String>,
        Option<Json<ReleaseRule>>,
        String,
        Uuid,
        Json<CompletionRule>,
        Option<Uuid>,
        Option<String>,
        Option<i32>,
    );
    let rows: Vec<Row> = dispatch!(tx.conn(), c => {
        sqlx::query_as(sql)
            .bind(tenant)
            .bind(learner.as_uuid())
            .bind(lesson.as_uuid())
            .fetch_all(c)
            .await?
    });
    // Every row is a module of the course (the other tables join on the tenant given).
    let rows = tx.own_all(
        "modules",
        rows.into_iter().map(|row| (row.0, row)).collect(),
    )?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut context = ReportContext {
        course: CourseId::from_uuid(first.1),
        course_status: first.2.parse()?,
        teaches: first.3,
        enrollment: match first.4.zip(first.5.as_deref()) {
            Some((id, status)) => Some((EnrollmentId::from_uuid(id), status.parse()?)),
            None => None,
        },
        release_rule: first.6.clone().map(|rule| rule.0),
        lesson_kind: first.7.parse()?,
        before: None,
        outline: Vec::with_capacity(rows.len()),
    };
    for (.., module, rule, row_lesson, status, percent) in rows {
        let status: Option<LessonProgressStatus> = status.map(|s| s.parse()).transpose()?;
        if row_lesson == Some(lesson.as_uuid()) {
            context.before = status.zip(percent);
        }
        context.outline.push(OutlineEntry {
            course: context.course,
            module: ModuleId::from_uuid(module),
            rule: rule.0,
            lesson: row_lesson.map(LessonId::from_uuid),
            completed: status == Some(LessonProgressStatus::Completed),
        });
    }
    Ok(Some(context))
}

/// A user's progress on one lesson, if any.
pub async fn get(
    tx: &mut TenantTx,
    user: UserId,
    lesson: LessonId,
) -> Result<Option<LessonProgress>, StoreError> {
    let tenant = tx.tenant();
    let row: Option<Scoped<LessonProgress>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, user_id, lesson_id, status, percent, started_at, completed_at, updated_at FROM lesson_progress \
             WHERE tenant_id = $1 AND user_id = $2 AND lesson_id = $3",
        )
        .bind(tenant)
        .bind(user.as_uuid())
        .bind(lesson.as_uuid())
        .fetch_optional(c)
        .await?
    });
    row.map(|r| Ok(tx.own(r)?.record)).transpose()
}

impl Table for LessonProgress {
    const TABLE: &'static str = "lesson_progress";
}

impl Table for Activity {
    const TABLE: &'static str = "lesson_progress";
}

/// A learner's latest lesson activity, newest first.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub lesson_id: Uuid,
    pub lesson_title: String,
    pub course_id: Uuid,
    #[sqlx(try_from = "String")]
    pub status: LessonProgressStatus,
    pub percent: i32,
    pub updated_at: DateTime<Utc>,
}

pub async fn recent(
    tx: &mut TenantTx,
    user: UserId,
    limit: u32,
) -> Result<Vec<Activity>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<Scoped<Activity>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT p.tenant_id, p.lesson_id, l.title AS lesson_title, m.course_id, p.status, p.percent, p.updated_at \
             FROM lesson_progress p \
             JOIN lessons l ON l.tenant_id = p.tenant_id AND l.id = p.lesson_id \
             JOIN modules m ON m.tenant_id = l.tenant_id AND m.id = l.module_id \
             WHERE p.tenant_id = $1 AND p.user_id = $2 ORDER BY p.updated_at DESC LIMIT $3",
        )
        .bind(tenant)
        .bind(user.as_uuid())
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?
    });
    rows.into_iter().map(|r| Ok(tx.own(r)?.record)).collect()
}
