//! The platform operator's side of the directory: platform users (`super_admin`, outside every
//! tenant) and the append-only platform audit log, hash-chained like a tenant's (see
//! [`crate::chain`]). Every platform action writes its audit entry in the same directory
//! transaction as the change it records; appends wait for each other (a transaction-scoped
//! lock), so the chain never forks.

use super::directory::Directory;
use crate::chain::{self, Canonical, ChainHash, ChainReport, ChainSource, Link, GENESIS};
use crate::engine::{dispatch, Engine};
use crate::error::StoreError;
use chrono::{DateTime, SubsecRound, Utc};
use lyceum_domain::{Email, Origin, PlatformUserId, TenantId, UserStatus};
use serde::Serialize;
use sqlx::{PgPool, SqlitePool};
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
    /// Where the request came from (nothing for the command line).
    pub origin: Origin,
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
            origin: Origin::default(),
        }
    }

    pub fn on_tenant(mut self, id: TenantId, slug: &str) -> Self {
        self.tenant = Some((id, slug.to_owned()));
        self
    }
}

/// A written audit entry.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRecord {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub tenant_id: Option<Uuid>,
    pub tenant_slug: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub detail: serde_json::Value,
    pub request_id: Option<String>,
    /// The client's address.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The entry's place in the chain: 1, 2, 3 ...; `null` for an entry written before the log
    /// was chained.
    pub seq: Option<i64>,
    /// The entry's hash (SHA-256, hexadecimal), which the next entry carries; `null` as `seq`.
    pub hash: Option<String>,
}

/// Tags the canonical bytes of the platform log's entries.
const CHAIN_TAG: &str = "lyceum.platform_audit_log.v1";

const AUDIT_COLUMNS: &str =
    "id, actor_id, actor, action, tenant_id, tenant_slug, detail, request_id, ip, \
     user_agent, created_at, seq, prev_hash, hash";

/// A row of `platform_audit_log`.
#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub(crate) id: Uuid,
    pub(crate) actor_id: Option<Uuid>,
    pub(crate) actor: String,
    pub(crate) action: String,
    pub(crate) tenant_id: Option<Uuid>,
    pub(crate) tenant_slug: Option<String>,
    pub(crate) detail: sqlx::types::Json<serde_json::Value>,
    pub(crate) request_id: Option<String>,
    pub(crate) ip: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) seq: Option<i64>,
    pub(crate) prev_hash: Option<Vec<u8>>,
    pub(crate) hash: Option<Vec<u8>>,
}

impl AuditRow {
    /// `entry`, chained after `last` (the newest entry's `seq` and hash, if any).
    pub(crate) fn chained(entry: &AuditEntry, last: Option<(i64, Vec<u8>)>) -> Self {
        let (seq, prev_hash) = match last {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS.as_bytes().to_vec()),
        };
        let mut row = AuditRow {
            id: Uuid::now_v7(),
            actor_id: entry.actor_id.map(|id| id.as_uuid()),
            actor: entry.actor.clone(),
            action: entry.action.to_owned(),
            tenant_id: entry.tenant.as_ref().map(|(id, _)| id.as_uuid()),
            tenant_slug: entry.tenant.as_ref().map(|(_, slug)| slug.clone()),
            detail: sqlx::types::Json(entry.detail.clone()),
            request_id: entry.origin.request_id().map(str::to_owned),
            ip: entry.origin.address().map(|ip| ip.to_string()),
            user_agent: entry.origin.user_agent().map(str::to_owned),
            // Microseconds: what both engines store exactly, so the hash reads back the same.
            created_at: Utc::now().trunc_subsecs(6),
            seq: Some(seq),
            prev_hash: Some(prev_hash),
            hash: None,
        };
        row.hash = Some(row.content_hash().as_bytes().to_vec());
        row
    }

    /// The hash of the row's fields as stored, `prev_hash` included.
    fn content_hash(&self) -> ChainHash {
        Canonical::new(CHAIN_TAG)
            .uuid(Some(self.id))
            .int(self.seq.unwrap_or_default())
            .int(self.created_at.timestamp_micros())
            .text(Some(&self.action))
            .uuid(self.actor_id)
            .text(Some(&self.actor))
            .uuid(self.tenant_id)
            .text(self.tenant_slug.as_deref())
            .json(Some(&self.detail.0))
            .text(self.request_id.as_deref())
            .text(self.ip.as_deref())
            .text(self.user_agent.as_deref())
            .bytes(self.prev_hash.as_deref())
            .finish()
    }
}

impl From<AuditRow> for AuditRecord {
    fn from(row: AuditRow) -> Self {
        AuditRecord {
            id: row.id,
            actor_id: row.actor_id,
            actor: row.actor,
            action: row.action,
            tenant_id: row.tenant_id,
            tenant_slug: row.tenant_slug,
            detail: row.detail.0,
            request_id: row.request_id,
            ip: row.ip,
            user_agent: row.user_agent,
            created_at: row.created_at,
            seq: row.seq,
            hash: row.hash.as_deref().map(crate::chain::hex),
        }
    }
}

/// The statement that makes the platform chain a directory transaction's own until it ends,
/// so that two appends never fork it: on PostgreSQL a transaction-scoped advisory lock, on
/// SQLite a write (that changes nothing), which takes the file's write lock.
pub(crate) trait ChainLock {
    const STATEMENT: &'static str;
}

impl ChainLock for sqlx::PgConnection {
    const STATEMENT: &'static str = "SELECT pg_advisory_xact_lock(7023766281526617153)";
}

impl ChainLock for sqlx::SqliteConnection {
    const STATEMENT: &'static str = "UPDATE platform_audit_log SET seq = seq WHERE 0 = 1";
}

/// The chain lock of the connection `_conn` is one of.
pub(crate) fn chain_lock<C: ChainLock>(_conn: &C) -> &'static str {
    C::STATEMENT
}

/// The newest chained entry.
pub(crate) const LAST_ENTRY: &str =
    "SELECT seq, hash FROM platform_audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1";

/// Inserts a row of every column.
pub(crate) const INSERT_ENTRY: &str =
    "INSERT INTO platform_audit_log (id, actor_id, actor, action, \
     tenant_id, tenant_slug, detail, request_id, ip, user_agent, created_at, seq, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

/// Appends `$entry` on the transaction `$tx` (either engine), chained after the newest entry;
/// the chain stays the transaction's until it ends.
macro_rules! append_audit {
    ($tx:expr, $entry:expr) => {{
        use $crate::control::platform::{chain_lock, AuditRow, INSERT_ENTRY, LAST_ENTRY};
        let entry: &AuditEntry = $entry;
        sqlx::query(chain_lock(&*$tx)).execute(&mut *$tx).await?;
        let last: Option<(i64, Vec<u8>)> =
            sqlx::query_as(LAST_ENTRY).fetch_optional(&mut *$tx).await?;
        let row = AuditRow::chained(entry, last);
        sqlx::query(INSERT_ENTRY)
            .bind(row.id)
            .bind(row.actor_id)
            .bind(&row.actor)
            .bind(&row.action)
            .bind(row.tenant_id)
            .bind(&row.tenant_slug)
            .bind(&row.detail)
            .bind(&row.request_id)
            .bind(&row.ip)
            .bind(&row.user_agent)
            .bind(row.created_at)
            .bind(row.seq)
            .bind(&row.prev_hash)
            .bind(&row.hash)
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

    /// The password hash of active platform user `id`, for checking their current password.
    pub async fn platform_password_hash(
        &self,
        id: PlatformUserId,
    ) -> Result<Option<String>, StoreError> {
        let found: Option<String> = dispatch!(&self.pool, p => {
            sqlx::query_scalar("SELECT password_hash FROM platform_users WHERE id = $1 AND status = 'active'")
                .bind(id.as_uuid())
                .fetch_optional(p)
                .await?
        });
        Ok(found)
    }

    /// Sets platform user `id`'s password with its audit entry, whatever their status (a
    /// deactivated operator keeps being refused); `None` when there is no such user (nothing
    /// recorded then).
    pub async fn set_platform_password(
        &self,
        id: PlatformUserId,
        password_hash: &str,
        audit: &AuditEntry,
    ) -> Result<Option<PlatformUser>, StoreError> {
        let sql = format!(
            "UPDATE platform_users SET password_hash = $2, updated_at = $3 WHERE id = $1 RETURNING {USER_COLUMNS}"
        );
        let row: Option<PlatformUserRow> = dispatch!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let row: Option<PlatformUserRow> = sqlx::query_as(&sql)
                .bind(id.as_uuid())
                .bind(password_hash)
                .bind(Utc::now())
                .fetch_optional(&mut *tx)
                .await?;
            if row.is_some() {
                append_audit!(tx, audit);
                tx.commit().await?;
            }
            row
        });
        row.map(TryInto::try_into).transpose()
    }

    /// Every platform user, oldest first.
    pub async fn platform_users(&self) -> Result<Vec<PlatformUser>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM platform_users ORDER BY id");
        let rows: Vec<PlatformUserRow> = dispatch!(&self.pool, p => {
            sqlx::query_as(&sql).fetch_all(p).await?
        });
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// One platform user, whatever their status.
    pub async fn platform_user(
        &self,
        id: PlatformUserId,
    ) -> Result<Option<PlatformUser>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM platform_users WHERE id = $1");
        let row: Option<PlatformUserRow> = dispatch!(&self.pool, p => {
            sqlx::query_as(&sql).bind(id.as_uuid()).fetch_optional(p).await?
        });
        row.map(TryInto::try_into).transpose()
    }

    /// Sets a platform user's status (`active` or `deactivated`) with its audit entry; `None`
    /// when there is no such user (nothing recorded then).
    pub async fn set_platform_user_status(
        &self,
        id: PlatformUserId,
        status: UserStatus,
        audit: &AuditEntry,
    ) -> Result<Option<PlatformUser>, StoreError> {
        let sql = format!(
            "UPDATE platform_users SET status = $2, updated_at = $3 WHERE id = $1 RETURNING {USER_COLUMNS}"
        );
        let row: Option<PlatformUserRow> = dispatch!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let row: Option<PlatformUserRow> = sqlx::query_as(&sql)
                .bind(id.as_uuid())
                .bind(status.as_str())
                .bind(Utc::now())
                .fetch_optional(&mut *tx)
                .await?;
            if row.is_some() {
                append_audit!(tx, audit);
                tx.commit().await?;
            }
            row
        });
        row.map(TryInto::try_into).transpose()
    }

    /// Issues a password reset of active platform user `id` (token stored as `token_hash`,
    /// good until `expires_at`), withdrawing their unused ones, with its audit entry; `None`
    /// when there is no such active user (nothing written then).
    pub async fn issue_platform_reset(
        &self,
        id: PlatformUserId,
        token_hash: &[u8],
        expires_at: DateTime<Utc>,
        issued_by: Option<PlatformUserId>,
        audit: &AuditEntry,
    ) -> Result<Option<PlatformUser>, StoreError> {
        let select = format!(
            "SELECT {USER_COLUMNS} FROM platform_users WHERE id = $1 AND status = 'active'"
        );
        let row: Option<PlatformUserRow> = dispatch!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let row: Option<PlatformUserRow> = sqlx::query_as(&select)
                .bind(id.as_uuid())
                .fetch_optional(&mut *tx)
                .await?;
            if row.is_some() {
                sqlx::query("DELETE FROM platform_password_resets WHERE platform_user_id = $1 AND used_at IS NULL")
                    .bind(id.as_uuid())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO platform_password_resets \
                     (token_hash, platform_user_id, issued_by, expires_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(token_hash)
                .bind(id.as_uuid())
                .bind(issued_by.map(|b| b.as_uuid()))
                .bind(expires_at)
                .bind(Utc::now())
                .execute(&mut *tx)
                .await?;
                append_audit!(tx, audit);
                tx.commit().await?;
            }
            row
        });
        row.map(TryInto::try_into).transpose()
    }

    /// Spends the reset whose token hashes to `token_hash`, if it is unused and unexpired and
    /// its platform user still active, setting their password to `password_hash`; the entry
    /// `audit` makes (from the user) is written with it, and the user's other unused resets are
    /// withdrawn. `None` when the token is no good (nothing written then); a token is spent
    /// once, also when two try it at the same time.
    pub async fn redeem_platform_reset(
        &self,
        token_hash: &[u8],
        password_hash: &str,
        audit: impl FnOnce(&PlatformUser) -> AuditEntry,
    ) -> Result<Option<PlatformUser>, StoreError> {
        let now = Utc::now();
        let update = format!(
            "UPDATE platform_users SET password_hash = $2, updated_at = $3 \
             WHERE id = $1 AND status = 'active' RETURNING {USER_COLUMNS}"
        );
        let mut audit = Some(audit);
        let user: Option<PlatformUser> = dispatch!(&self.pool, p => {
            let mut tx = p.begin().await?;
            let open: Option<(Uuid, DateTime<Utc>)> = sqlx::query_as(
                "SELECT platform_user_id, expires_at FROM platform_password_resets \
                 WHERE token_hash = $1 AND used_at IS NULL",
            )
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await?;
            let mut spent = None;
            if let Some((id, _)) = open.filter(|(_, expires_at)| *expires_at > now) {
                // Spent here or by nobody: of two at once, one changes the row.
                let done = sqlx::query(
                    "UPDATE platform_password_resets SET used_at = $2 \
                     WHERE token_hash = $1 AND used_at IS NULL",
                )
                .bind(token_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    spent = Some(id);
                }
            }
            let row: Option<PlatformUserRow> = match spent {
                Some(id) => {
                    sqlx::query_as(&update)
                        .bind(id)
                        .bind(password_hash)
                        .bind(now)
                        .fetch_optional(&mut *tx)
                        .await?
                }
                None => None,
            };
            match (row, audit.take()) {
                (Some(row), Some(audit)) => {
                    let user = PlatformUser::try_from(row)?;
                    sqlx::query("DELETE FROM platform_password_resets WHERE platform_user_id = $1 AND used_at IS NULL")
                        .bind(user.id.as_uuid())
                        .execute(&mut *tx)
                        .await?;
                    let entry = audit(&user);
                    append_audit!(tx, &entry);
                    tx.commit().await?;
                    Some(user)
                }
                _ => None,
            }
        });
        Ok(user)
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
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM platform_audit_log \
             WHERE ($1 IS NULL OR tenant_id = $1) AND ($2 IS NULL OR id < $2) \
             ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<AuditRow> = dispatch!(&self.pool, p => {
            sqlx::query_as(&sql)
                .bind(tenant.map(|id| id.as_uuid()))
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(p)
                .await?
        });
        Ok(rows.into_iter().map(AuditRecord::from).collect())
    }

    /// Checks the platform audit log's chain from its first entry to its last, and names the
    /// first entry edited, removed or moved; entries written before the chain began are
    /// counted apart.
    pub async fn verify_audit_log(&self) -> Result<ChainReport, StoreError> {
        let unchained: i64 = dispatch!(&self.pool, p => {
            sqlx::query_scalar("SELECT COUNT(*) FROM platform_audit_log WHERE seq IS NULL")
                .fetch_one(p)
                .await?
        });
        let unchained = u64::try_from(unchained).unwrap_or_default();
        chain::check(&mut PlatformChain(&self.pool), unchained).await
    }
}

/// The platform log's chain, read from the directory.
struct PlatformChain<'a>(&'a Engine<PgPool, SqlitePool>);

impl ChainSource for PlatformChain<'_> {
    type Entry = AuditRow;

    async fn after(&mut self, seq: i64, limit: u32) -> Result<Vec<AuditRow>, StoreError> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM platform_audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        );
        Ok(dispatch!(self.0, p => {
            sqlx::query_as(&sql).bind(seq).bind(i64::from(limit)).fetch_all(p).await?
        }))
    }

    async fn holds(&mut self, hash: &[u8]) -> Result<bool, StoreError> {
        let found: Option<i64> = dispatch!(self.0, p => {
            sqlx::query_scalar("SELECT seq FROM platform_audit_log WHERE hash = $1 LIMIT 1")
                .bind(hash)
                .fetch_optional(p)
                .await?
        });
        Ok(found.is_some())
    }

    fn link(row: &AuditRow) -> Link<'_> {
        Link {
            seq: row.seq.unwrap_or_default(),
            prev_hash: row.prev_hash.as_deref().unwrap_or_default(),
            hash: row.hash.as_deref().unwrap_or_default(),
            recomputed: row.content_hash(),
        }
    }
}
