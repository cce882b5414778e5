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
pub struct LessonProgress {
    pub user_id: Uuid,
    pub lesson_id: Uuid,
    pub status: String,
    pub percent: i32,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
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
             RETURNING user_id, lesson_id, status, percent, started_at, completed_at",
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
