//! Certificates of completion, with a verification code anyone may check.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{Scoped, Table, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{CourseId, EnrollmentId, UserId};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    pub id: Uuid,
    /// Quoted by the learner; `GET /verify/{code}` confirms it.
    pub code: String,
    pub enrollment_id: Uuid,
    pub user_id: Uuid,
    pub course_id: Uuid,
    pub issued_at: DateTime<Utc>,
    /// The learner's name and the course's title, as they are now.
    pub learner: String,
    pub course_title: String,
}

impl Table for Certificate {
    const TABLE: &'static str = "certificates";
}

const SELECT: &str =
    "SELECT c.tenant_id, c.id, c.code, c.enrollment_id, c.user_id, c.course_id, c.issued_at, \
     u.display_name AS learner, k.title AS course_title FROM certificates c \
     JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.user_id \
     JOIN courses k ON k.tenant_id = c.tenant_id AND k.id = c.course_id";

/// Issues the certificate of an enrollment, once: a second call answers the first one.
pub async fn issue(
    tx: &mut WriteTx,
    enrollment: EnrollmentId,
    user: UserId,
    course: CourseId,
    code: &str,
) -> Result<(Certificate, bool), StoreError> {
    let tenant = tx.tenant();
    let created = dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO certificates (tenant_id, id, code, enrollment_id, user_id, course_id, issued_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant_id, enrollment_id) DO NOTHING",
        )
        .bind(tenant)
        .bind(Uuid::now_v7())
        .bind(code)
        .bind(enrollment.as_uuid())
        .bind(user.as_uuid())
        .bind(course.as_uuid())
        .bind(Utc::now())
        .execute(c)
        .await?
        .rows_affected()
    }) > 0;
    let sql = format!("{SELECT} WHERE c.tenant_id = $1 AND c.enrollment_id = $2");
    let certificate: Scoped<Certificate> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(enrollment.as_uuid()).fetch_one(c).await?
    });
    Ok((tx.own(certificate)?.record, created))
}

pub async fn by_code(tx: &mut TenantTx, code: &str) -> Result<Option<Certificate>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("{SELECT} WHERE c.tenant_id = $1 AND c.code = $2");
    let certificate: Option<Scoped<Certificate>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(code).fetch_optional(c).await?
    });
    certificate.map(|c| Ok(tx.own(c)?.record)).transpose()
}

pub async fn for_user(tx: &mut TenantTx, user: UserId) -> Result<Vec<Certificate>, StoreError> {
    let tenant = tx.tenant();
    let sql =
        format!("{SELECT} WHERE c.tenant_id = $1 AND c.user_id = $2 ORDER BY c.issued_at DESC");
    let certificates: Vec<Scoped<Certificate>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(user.as_uuid()).fetch_all(c).await?
    });
    certificates
        .into_iter()
        .map(|c| Ok(tx.own(c)?.record))
        .collect()
}
