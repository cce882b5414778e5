//! The platform operator's side of the directory: platform users (`super_admin`, outside every
//! tenant) and the append-only platform audit log. Every platform action writes its audit entry
//! in the same directory transaction as the change it records.

use super::directory::Directory;
use crate::engine::dispatch;
use crate::error::StoreError;
use chrono::{DateTime, Utc};
use lyceum_domain::{Email, PlatformUserId, TenantId};
use serde::Serialize;
use uuid::Uuid;

/// A platform operator.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlatformUser {
    pub id: PlatformUserId,
    pub email: Email,
    pub display_name: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PlatformUserRow {
    id: Uuid,
    email: String,
    display_name: String,
    status: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<PlatformUserRow> for PlatformUser {
    type Error = StoreError;
    fn try_from(row: PlatformUserRow) -> Result<Self, StoreError> {
        Ok(PlatformUser {
            id: PlatformUserId::from_uuid(row.id),
            email: Email::parse(&row.email)?,
            display_name: row.display_name,
            status: row.status,
            created_at: row.created_at,
        })
    }
}

const USER_COLUMNS: &str = "id, email, display_name, status, created_at";

/// Who did what to which tenant, for the audit log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// `None` for the command line.
    pub actor_id: Option<PlatformUserId>,
    /// The actor's e-mail, or `cli`.
    pub actor: String,
    /// `tenant.create`, `tenant.suspend`, `platform_user.create` ...
    pub action: &'static str,
    pub tenant: Option<(TenantId, String)>,
    pub detail: serde_json::Value,
    pub request_id: Option<String>,
}

impl AuditEntry {
    /// An action taken from the `lyceum` command line.
    pub fn cli(action: &'static str) -> Self {
        AuditEntry {
            actor_id: None,
            actor: "cli".to_owned(),
            action,
            tenant: None,
            detail: serde_json::json!({}),
            request_id: None,
        }
    }

    pub fn on_tenant(mut self, id: TenantId, slug: &str) -> Self {
        self.tenant = Some((id, slug.to_owned()));
        self
    }
}

/// A written audit entry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub tenant_id: Option<Uuid>,
    pub tenant_slug: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: sqlx::types::Json<serde_json::Value>,
    pub request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Appends `$entry` on the transaction `$tx` (either engine).
macro_rules! append_audit {
    ($tx:expr, $entry:expr) => {{
        let entry: &AuditEntry = $entry;
        sqlx::query(
            "INSERT INTO platform_audit_log (id, actor_id, actor, action, tenant_id, tenant_slug, detail, request_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(Uuid::now_v7())
        .bind(entry.actor_id.map(|id| id.as_uuid()))
        .bind(&entry.actor)
        .bind(entry.action)
        .bind(entry.tenant.as_ref().map(|(id, _)| id.as_uuid()))
        .bind(entry.tenant.as_ref().map(|(_, slug)| slug.as_str()))
        .bind(sqlx::types::Json(&entry.detail))
        .bind(&entry.request_id)
        .bind(Utc::now())
        .execute(&mut *$tx)
        .await?
    }};
}
pub(crate) use append_audit;

impl Directory {
    /// Adds a platform user; an e-mail already in use is `CONFLICT`.
    pub async fn insert_platform_user(
        &self,
        email: &Email,
        display_name: &str,
        password_hash: &str,
        audit: &AuditEntry,
    ) -> Result<PlatformUser, StoreError> {
        let display_name = lyceum_domain::error::required_text("display_name", display_name, 200)?;
        let now = Utc::now();
        let sql = format!(
            "INSERT INTO platform_users (id, email, display_name, password_hash, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'active', $5, $5) RETURNING {USER_COLUMNS}"
        );
        let row: PlatformUserRow = dispatch!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let row = sqlx::query_as(&sql)
                .bind(Uuid::now_v7())
                .bind(email.as_str())
                .bind(&display_name)
                .bind(password_hash)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
            append_audit!(tx, audit);
            tx.commit().await?;
            row
        });
        row.try_into()
    }

    /// An active platform user and their password hash, by e-mail.
    pub async fn platform_credentials(
        &self,
        email: &Email,
    ) -> Result<Option<(PlatformUser, String)>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, password_hash FROM platform_users WHERE email = $1 AND status = 'active'"
        );
        let row: Option<(Uuid, String, String, String, DateTime<Utc>, String)> = dispatch!(&self.pool, p => {
            sqlx::query_as(&sql).bind(email.as_str()).fetch_optional(p).await?
        });
        row.map(|(id, email, display_name, status, created_at, hash)| {
            let user = PlatformUserRow {
                id,
                email,
                display_name,
                status,
                created_at,
            };
            Ok((user.try_into()?, hash))
        })
        .transpose()
    }

    /// Records `entry` on its own: for a platform operation whose change is made in a tenant's
    /// storage (a job retried or cancelled), which no directory transaction can share; the
    /// entry is written once the change committed.
    pub async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        dispatch!(&self.pool, p => {
            let mut conn = p.acquire().await?;
            append_audit!(conn, entry);
        });
        Ok(())
    }

    /// Audit entries, newest first, optionally of one tenant; `before` is the last id of the
    /// previous page.
    pub async fn audit_log(
        &self,
        tenant: Option<TenantId>,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let sql = "SELECT id, actor_id, actor, action, tenant_id, tenant_slug, detail, request_id, created_at \
                   FROM platform_audit_log \
                   WHERE ($1 IS NULL OR tenant_id = $1) AND ($2 IS NULL OR id < $2) \
                   ORDER BY id DESC LIMIT $3";
        Ok(dispatch!(&self.pool, p => {
            sqlx::query_as(sql)
                .bind(tenant.map(|id| id.as_uuid()))
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(p)
                .await?
        }))
    }
}
