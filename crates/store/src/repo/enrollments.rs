//! Enrollments of users in courses.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::TenantTx;
use chrono::{DateTime, Utc};
use lyceum_domain::{CourseId, EnrollmentId, UserId};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Enrollment {
    pub id: Uuid,
    pub course_id: Uuid,
    pub user_id: Uuid,
    pub status: String,
    pub due_at: Option<DateTime<Utc>>,
    pub enrolled_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, course_id, user_id, status, due_at, enrolled_at, completed_at";

pub async fn insert(
    tx: &mut TenantTx,
    course: CourseId,
    user: UserId,
    due_at: Option<DateTime<Utc>>,
) -> Result<Enrollment, StoreError> {
    let (tenant, id, now) = (tx.tenant(), EnrollmentId::new(), Utc::now());
    let sql = format!(
        "INSERT INTO enrollments (tenant_id, id, course_id, user_id, status, due_at, enrolled_at) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6) RETURNING {COLUMNS}"
    );
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(course.as_uuid())
            .bind(user.as_uuid())
            .bind(due_at)
            .bind(now)
            .fetch_one(c)
            .await?
    }))
}

pub async fn for_user(tx: &mut TenantTx, user: UserId) -> Result<Vec<Enrollment>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM enrollments WHERE tenant_id = $1 AND user_id = $2 ORDER BY id"
    );
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(user.as_uuid()).fetch_all(c).await?
    }))
}
