//! Whom the tenant's mail goes to on its own: enrollments due soon whose learner has not been
//! reminded of that due date (`enrollments.reminded_due_at`), and the learners with a course in
//! progress (for digests). Only active people and active enrollments count.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{EnrollmentId, UserId};
use uuid::Uuid;

/// An enrollment to remind its learner of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEnrollment {
    pub id: EnrollmentId,
    pub user_id: UserId,
    pub due_at: DateTime<Utc>,
}

/// Active enrollments of active users due after `now` and at the latest `until` whose learner
/// has not been reminded of that due date, soonest first, at most `limit`.
pub async fn due_unreminded(
    tx: &mut TenantTx,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<DueEnrollment>, StoreError> {
    let tenant = tx.tenant();
    let sql = "SELECT e.tenant_id, e.id, e.user_id, e.due_at FROM enrollments e \
               JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id \
               WHERE e.tenant_id = $1 AND e.status = 'active' AND u.status = 'active' \
               AND e.due_at > $2 AND e.due_at <= $3 \
               AND (e.reminded_due_at IS NULL OR e.reminded_due_at <> e.due_at) \
               ORDER BY e.due_at, e.id LIMIT $4";
    let rows: Vec<(Uuid, Uuid, Uuid, DateTime<Utc>)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(sql)
            .bind(tenant)
            .bind(now)
            .bind(until)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
    });
    let rows = rows
        .into_iter()
        .map(|(tenant, id, user, due_at)| (tenant, (id, user, due_at)))
        .collect();
    Ok(tx
        .own_all("enrollments", rows)?
        .into_iter()
        .map(|(id, user, due_at)| DueEnrollment {
            id: EnrollmentId::from_uuid(id),
            user_id: UserId::from_uuid(user),
            due_at,
        })
        .collect())
}

/// Records that the learner of `enrollment` was reminded of `due_at`; `false` when the
/// enrollment has another due date by now (or none).
pub async fn mark_reminded(
    tx: &mut WriteTx,
    enrollment: EnrollmentId,
    due_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let sql = "UPDATE enrollments SET reminded_due_at = due_at \
               WHERE tenant_id = $1 AND id = $2 AND due_at = $3";
    let updated = dispatch!(tx.conn(), c => {
        sqlx::query(sql)
            .bind(tenant)
            .bind(enrollment.as_uuid())
            .bind(due_at)
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(updated > 0)
}

/// Active users with at least one active enrollment, in id order, after `after`, at most
/// `limit`.
pub async fn learners_in_progress(
    tx: &mut TenantTx,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<UserId>, StoreError> {
    let tenant = tx.tenant();
    let sql = "SELECT u.tenant_id, u.id FROM users u \
               WHERE u.tenant_id = $1 AND u.status = 'active' AND u.id > $2 \
               AND EXISTS (SELECT 1 FROM enrollments e \
                           WHERE e.tenant_id = u.tenant_id AND e.user_id = u.id AND e.status = 'active') \
               ORDER BY u.id LIMIT $3";
    let after = after.map_or(Uuid::nil(), |u| u.as_uuid());
    let rows: Vec<(Uuid, Uuid)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(sql)
            .bind(tenant)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
    });
    Ok(tx
        .own_all("users", rows)?
        .into_iter()
        .map(UserId::from_uuid)
        .collect())
}
