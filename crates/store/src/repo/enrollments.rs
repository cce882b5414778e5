//! Enrollments of users in courses: status, due date, rolled-up progress and last access.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{CourseId, EnrollmentId, EnrollmentStatus, GroupId, UserId};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrollment {
    pub id: EnrollmentId,
    pub course_id: CourseId,
    pub user_id: UserId,
    pub status: EnrollmentStatus,
    pub due_at: Option<DateTime<Utc>>,
    pub enrolled_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub last_accessed_at: Option<DateTime<Utc>>,
    /// Course progress, rolled up through the modules' completion rules.
    pub progress_percent: i32,
    /// Who enrolled the learner; `None`: themselves.
    pub enrolled_by: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct EnrollmentRow {
    tenant_id: Uuid,
    id: Uuid,
    course_id: Uuid,
    user_id: Uuid,
    status: String,
    due_at: Option<DateTime<Utc>>,
    enrolled_at: DateTime<Utc>,
    completed_at: Option<DateTime<Utc>>,
    last_accessed_at: Option<DateTime<Utc>>,
    progress_percent: i32,
    enrolled_by: Option<Uuid>,
}

impl TenantRow for EnrollmentRow {
    const TABLE: &'static str = "enrollments";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own(tx: &TenantTx, row: EnrollmentRow) -> Result<Enrollment, StoreError> {
    let row = tx.own(row)?;
    Ok(Enrollment {
        id: EnrollmentId::from_uuid(row.id),
        course_id: CourseId::from_uuid(row.course_id),
        user_id: UserId::from_uuid(row.user_id),
        status: row.status.parse()?,
        due_at: row.due_at,
        enrolled_at: row.enrolled_at,
        completed_at: row.completed_at,
        last_accessed_at: row.last_accessed_at,
        progress_percent: row.progress_percent,
        enrolled_by: row.enrolled_by.map(UserId::from_uuid),
    })
}

const COLUMNS: &str =
    "tenant_id, id, course_id, user_id, status, due_at, enrolled_at, completed_at, \
     last_accessed_at, progress_percent, enrolled_by";

/// Enrolls `user` unless an enrollment exists already; answers the enrollment and whether it
/// was created now. A dropped enrollment is made active again.
pub async fn enroll(
    tx: &mut WriteTx,
    course: CourseId,
    user: UserId,
    due_at: Option<DateTime<Utc>>,
    by: Option<UserId>,
) -> Result<(Enrollment, bool), StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let insert = format!(
        "INSERT INTO enrollments (tenant_id, id, course_id, user_id, status, due_at, enrolled_at, enrolled_by) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $7) ON CONFLICT (tenant_id, course_id, user_id) DO NOTHING \
         RETURNING {COLUMNS}"
    );
    let inserted: Option<EnrollmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&insert)
            .bind(tenant)
            .bind(EnrollmentId::new().as_uuid())
            .bind(course.as_uuid())
            .bind(user.as_uuid())
            .bind(due_at)
            .bind(now)
            .bind(by.map(|b| b.as_uuid()))
            .fetch_optional(c)
            .await?
    });
    if let Some(row) = inserted {
        return Ok((own(tx, row)?, true));
    }
    let enrollment = find(tx, course, user)
        .await?
        .ok_or(StoreError::NotFound("enrollment"))?;
    if enrollment.status != EnrollmentStatus::Dropped {
        return Ok((enrollment, false));
    }
    // A returning learner: active again, with the new due date and enroller.
    let sql = format!(
        "UPDATE enrollments SET status = 'active', completed_at = NULL, due_at = $3, enrolled_by = $4 \
         WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    );
    let row: EnrollmentRow = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(enrollment.id.as_uuid())
            .bind(due_at)
            .bind(by.map(|b| b.as_uuid()))
            .fetch_one(c)
            .await?
    });
    Ok((own(tx, row)?, true))
}

/// A new enrollment of a bulk insert.
#[derive(Debug, Clone, Copy)]
pub struct NewEnrollment {
    pub course: CourseId,
    pub user: UserId,
    pub due_at: Option<DateTime<Utc>>,
}

/// Inserts many enrollments, of any courses, in few statements (bulk enrollment). Pairs
/// enrolled already (in any status) are skipped; answers the enrollments created, in any order.
pub async fn enroll_many(
    tx: &mut WriteTx,
    wanted: &[NewEnrollment],
    by: Option<UserId>,
) -> Result<Vec<Enrollment>, StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let mut created = Vec::with_capacity(wanted.len());
    for chunk in wanted.chunks(super::BULK_ROWS) {
        let rows: Vec<EnrollmentRow> = dispatch!(tx.conn(), c => {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO enrollments (tenant_id, id, course_id, user_id, status, due_at, enrolled_at, enrolled_by) ",
            );
            insert.push_values(chunk, |mut row, new| {
                row.push_bind(tenant)
                    .push_bind(EnrollmentId::new().as_uuid())
                    .push_bind(new.course.as_uuid())
                    .push_bind(new.user.as_uuid())
                    .push_bind(EnrollmentStatus::Active.as_str())
                    .push_bind(new.due_at)
                    .push_bind(now)
                    .push_bind(by.map(|b| b.as_uuid()));
            });
            insert.push(" ON CONFLICT (tenant_id, course_id, user_id) DO NOTHING RETURNING ");
            insert.push(COLUMNS);
            insert.build_query_as().persistent(false).fetch_all(c).await?
        });
        for row in rows {
            created.push(own(tx, row)?);
        }
    }
    Ok(created)
}

/// The enrollments, in any status, of any of `users` in any of `courses` (bulk decisions, a
/// few statements).
pub async fn of_users_in(
    tx: &mut TenantTx,
    courses: &[CourseId],
    users: &[UserId],
) -> Result<Vec<Enrollment>, StoreError> {
    let tenant = tx.tenant();
    let mut found = Vec::new();
    for courses in courses.chunks(super::BULK_ROWS / 5) {
        for users in users.chunks(super::BULK_ROWS) {
            let sql = format!(
                "SELECT {COLUMNS} FROM enrollments WHERE tenant_id = $1 AND course_id IN ({}) \
                 AND user_id IN ({})",
                super::placeholders(2, courses.len()),
                super::placeholders(2 + courses.len(), users.len()),
            );
            // Not cached: a generic plan for a list this long would test every row (see
            // `users::by_emails`).
            let rows: Vec<EnrollmentRow> = dispatch!(tx.conn(), c => {
                let mut query = sqlx::query_as(&sql).bind(tenant);
                for course in courses {
                    query = query.bind(course.as_uuid());
                }
                for user in users {
                    query = query.bind(user.as_uuid());
                }
                query.persistent(false).fetch_all(c).await?
            });
            for row in rows {
                found.push(own(tx, row)?);
            }
        }
    }
    Ok(found)
}

/// Active enrollments (those that take a seat) of each of `courses` that has any.
pub async fn count_active_in(
    tx: &mut TenantTx,
    courses: &[CourseId],
) -> Result<Vec<(CourseId, i64)>, StoreError> {
    let tenant = tx.tenant();
    let mut counts = Vec::with_capacity(courses.len());
    for chunk in courses.chunks(super::BULK_ROWS) {
        let sql = format!(
            "SELECT course_id, COUNT(*) FROM enrollments WHERE tenant_id = $1 AND status = 'active' \
             AND course_id IN ({}) GROUP BY course_id",
            super::placeholders(2, chunk.len())
        );
        let rows: Vec<(Uuid, i64)> = dispatch!(tx.conn(), c => {
            let mut query = sqlx::query_as(&sql).bind(tenant);
            for course in chunk {
                query = query.bind(course.as_uuid());
            }
            query.fetch_all(c).await?
        });
        counts.extend(rows.into_iter().map(|(c, n)| (CourseId::from_uuid(c), n)));
    }
    Ok(counts)
}

/// Every enrollment of a course as (user, enrollment, status), for bulk decisions.
pub async fn of_course(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<(UserId, EnrollmentId, EnrollmentStatus)>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, Uuid, Uuid, String)> = dispatch!(tx.conn(), c => {
        sqlx::query_as("SELECT tenant_id, user_id, id, status FROM enrollments WHERE tenant_id = $1 AND course_id = $2")
            .bind(tenant)
            .bind(course.as_uuid())
            .fetch_all(c)
            .await?
    });
    let rows = rows
        .into_iter()
        .map(|(t, u, e, s)| (t, (u, e, s)))
        .collect();
    tx.own_all("enrollments", rows)?
        .into_iter()
        .map(|(u, e, s)| Ok((UserId::from_uuid(u), EnrollmentId::from_uuid(e), s.parse()?)))
        .collect()
}

pub async fn get(tx: &mut TenantTx, id: EnrollmentId) -> Result<Option<Enrollment>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COLUMNS} FROM enrollments WHERE tenant_id = $1 AND id = $2");
    let row: Option<EnrollmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// Scope rule: `user`'s enrollment in `course`, in any status.
pub async fn find(
    tx: &mut TenantTx,
    course: CourseId,
    user: UserId,
) -> Result<Option<Enrollment>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM enrollments WHERE tenant_id = $1 AND course_id = $2 AND user_id = $3"
    );
    let row: Option<EnrollmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(course.as_uuid())
            .bind(user.as_uuid())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// A user's enrollments, oldest first.
pub async fn for_user(tx: &mut TenantTx, user: UserId) -> Result<Vec<Enrollment>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM enrollments WHERE tenant_id = $1 AND user_id = $2 ORDER BY id"
    );
    let rows: Vec<EnrollmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(user.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// A course's enrollments in id order after the cursor, `limit` at most; with `group`, only
/// those of the group's members.
pub async fn for_course(
    tx: &mut TenantTx,
    course: CourseId,
    group: Option<GroupId>,
    after: Option<EnrollmentId>,
    limit: u32,
) -> Result<Vec<Enrollment>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM enrollments WHERE tenant_id = $1 AND course_id = $2 \
         AND ($3 IS NULL OR id > $3) \
         AND ($5 IS NULL OR user_id IN \
              (SELECT user_id FROM group_members WHERE tenant_id = $1 AND group_id = $5)) \
         ORDER BY id LIMIT $4"
    );
    let rows: Vec<EnrollmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(course.as_uuid())
            .bind(after.map(|a| a.as_uuid()))
            .bind(i64::from(limit))
            .bind(group.map(|g| g.as_uuid()))
            .fetch_all(c)
            .await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// Enrollments that take a seat: active ones.
pub async fn count_active(tx: &mut TenantTx, course: CourseId) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM enrollments WHERE tenant_id = $1 AND course_id = $2 AND status = 'active'")
            .bind(tenant)
            .bind(course.as_uuid())
            .fetch_one(c)
            .await?
    }))
}

/// Whether a course has any enrollment at all (then it is archived, never deleted).
pub async fn any_for_course(tx: &mut TenantTx, course: CourseId) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let found: Option<i32> = dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT 1 FROM enrollments WHERE tenant_id = $1 AND course_id = $2 LIMIT 1")
            .bind(tenant)
            .bind(course.as_uuid())
            .fetch_optional(c)
            .await?
    });
    Ok(found.is_some())
}

pub async fn set_status(
    tx: &mut WriteTx,
    id: EnrollmentId,
    status: EnrollmentStatus,
    completed_at: Option<DateTime<Utc>>,
) -> Result<Option<Enrollment>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE enrollments SET status = $3, completed_at = $4 WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    );
    let row: Option<EnrollmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(status.as_str())
            .bind(completed_at)
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

pub async fn set_due(
    tx: &mut WriteTx,
    id: EnrollmentId,
    due_at: Option<DateTime<Utc>>,
) -> Result<Option<Enrollment>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE enrollments SET due_at = $3 WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    );
    let row: Option<EnrollmentRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).bind(due_at).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}
