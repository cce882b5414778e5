//! Lesson progress rows, kept apart from content. Progress never goes backwards: a lower
//! percentage than the stored one is ignored, and a completed lesson stays completed.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::TenantTx;
use chrono::{DateTime, Utc};
use lyceum_domain::{LessonId, UserId};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LessonProgress {
    pub user_id: Uuid,
    pub lesson_id: Uuid,
    pub status: String,
    pub percent: i32,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

/// Records progress; `percent` is 0 to 100 and reaching 100 completes the lesson.
pub async fn record(
    tx: &mut TenantTx,
    user: UserId,
    lesson: LessonId,
    percent: i32,
) -> Result<LessonProgress, StoreError> {
    if !(0..=100).contains(&percent) {
        return Err(StoreError::ConstraintViolation(format!(
            "progress must be between 0 and 100, got {percent}"
        )));
    }
    let (tenant, now) = (tx.tenant(), Utc::now());
    let status = if percent == 100 {
        "completed"
    } else {
        "in_progress"
    };
    let completed_at = (percent == 100).then_some(now);
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "INSERT INTO lesson_progress (tenant_id, user_id, lesson_id, status, percent, started_at, completed_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $6) \
             ON CONFLICT (tenant_id, user_id, lesson_id) DO UPDATE SET \
               percent = CASE WHEN excluded.percent > lesson_progress.percent THEN excluded.percent ELSE lesson_progress.percent END, \
               status = CASE WHEN lesson_progress.status = 'completed' THEN 'completed' ELSE excluded.status END, \
               completed_at = COALESCE(lesson_progress.completed_at, excluded.completed_at), \
               updated_at = excluded.updated_at \
             RETURNING user_id, lesson_id, status, percent, started_at, completed_at, updated_at",
        )
        .bind(tenant)
        .bind(user.as_uuid())
        .bind(lesson.as_uuid())
        .bind(status)
        .bind(percent)
        .bind(now)
        .bind(completed_at)
        .fetch_one(c)
        .await?
    }))
}

/// A user's progress on one lesson, if any.
pub async fn get(
    tx: &mut TenantTx,
    user: UserId,
    lesson: LessonId,
) -> Result<Option<LessonProgress>, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT user_id, lesson_id, status, percent, started_at, completed_at, updated_at FROM lesson_progress \
             WHERE tenant_id = $1 AND user_id = $2 AND lesson_id = $3",
        )
        .bind(tenant)
        .bind(user.as_uuid())
        .bind(lesson.as_uuid())
        .fetch_optional(c)
        .await?
    }))
}

/// A learner's latest lesson activity, newest first.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Activity {
    pub lesson_id: Uuid,
    pub lesson_title: String,
    pub course_id: Uuid,
    pub status: String,
    pub percent: i32,
    pub updated_at: DateTime<Utc>,
}

pub async fn recent(
    tx: &mut TenantTx,
    user: UserId,
    limit: u32,
) -> Result<Vec<Activity>, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT p.lesson_id, l.title AS lesson_title, m.course_id, p.status, p.percent, p.updated_at \
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
    }))
}
