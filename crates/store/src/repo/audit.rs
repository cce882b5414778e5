//! The tenant's audit log: entries appended in the transaction of the change they record, one
//! hash chain per tenant (see [`crate::chain`]), read newest first with filters, and checked
//! entry by entry. Nothing here updates or deletes an entry.
//!
//! Appends are serialized per tenant, so that two concurrent ones never fork the chain: on
//! PostgreSQL by a transaction-scoped advisory lock keyed by the tenant (taken before the last
//! entry is read, so the read sees whatever the previous holder committed), on SQLite by the
//! file's write lock every write transaction holds from its start.

use crate::chain::{self, Canonical, ChainReport, ChainSource, Link};
use crate::engine::{dispatch, Engine};
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, SubsecRound, Utc};
use lyceum_domain::{AuditAction, AuditTarget, Email, Origin, UserId};
use serde::Serialize;
use uuid::Uuid;

/// Tags the canonical bytes of a tenant's entries.
const CHAIN_TAG: &str = "lyceum.audit_log.v1";

/// An entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub action: AuditAction,
    /// The user who acted, when there is one (none for a failed sign-in with an unknown
    /// e-mail, or the system).
    pub actor_id: Option<UserId>,
    /// Who acted, readable after the user is gone: their e-mail, or `system`.
    pub actor: &'a str,
    pub target: Option<AuditTarget>,
    pub origin: &'a Origin,
    /// The state before and after the change, as JSON (never a secret).
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A written entry.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLogEntry {
    /// The entry's place in the tenant's chain: 1, 2, 3 ...
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub action: AuditAction,
    pub actor_id: Option<UserId>,
    /// The actor's e-mail when it was written (or the e-mail tried, for a failed sign-in),
    /// or `system`.
    pub actor: String,
    /// `user` or `course`.
    pub target_kind: Option<String>,
    pub target_id: Option<Uuid>,
    /// The client's address.
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<serde_json::Value>,
    /// The entry's hash (SHA-256, hexadecimal), which the next entry carries.
    pub hash: String,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    tenant_id: Uuid,
    seq: i64,
    occurred_at: DateTime<Utc>,
    action: String,
    actor_id: Option<Uuid>,
    actor: String,
    target_kind: Option<String>,
    target_id: Option<Uuid>,
    ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    before_state: Option<String>,
    after_state: Option<String>,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

impl TenantRow for EntryRow {
    const TABLE: &'static str = "audit_log";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

const COLUMNS: &str =
    "tenant_id, seq, occurred_at, action, actor_id, actor, target_kind, target_id, \
     ip, user_agent, request_id, before_state, after_state, prev_hash, hash";

impl EntryRow {
    /// The hash of the row's fields as stored, `prev_hash` included.
    fn content_hash(&self) -> crate::chain::ChainHash {
        Canonical::new(CHAIN_TAG)
            .uuid(Some(self.tenant_id))
            .int(self.seq)
            .int(self.occurred_at.timestamp_micros())
            .text(Some(&self.action))
            .uuid(self.actor_id)
            .text(Some(&self.actor))
            .text(self.target_kind.as_deref())
            .uuid(self.target_id)
            .text(self.ip.as_deref())
            .text(self.user_agent.as_deref())
            .text(self.request_id.as_deref())
            .text(self.before_state.as_deref())
            .text(self.after_state.as_deref())
            .bytes(Some(&self.prev_hash))
            .finish()
    }
}

impl TryFrom<EntryRow> for AuditLogEntry {
    type Error = StoreError;
    fn try_from(row: EntryRow) -> Result<Self, StoreError> {
        let json = |text: Option<String>| {
            text.map(|text| {
                serde_json::from_str(&text).map_err(|e| {
                    StoreError::ConstraintViolation(format!(
                        "audit entry {} holds a state that is not JSON: {e}",
                        row.seq
                    ))
                })
            })
            .transpose()
        };
        Ok(AuditLogEntry {
            seq: row.seq,
            occurred_at: row.occurred_at,
            action: row.action.parse()?,
            actor_id: row.actor_id.map(UserId::from_uuid),
            actor: row.actor,
            target_kind: row.target_kind,
            target_id: row.target_id,
            ip: row.ip,
            user_agent: row.user_agent,
            request_id: row.request_id,
            before: json(row.before_state)?,
            after: json(row.after_state)?,
            hash: crate::chain::hex(&row.hash),
        })
    }
}

/// The key of the advisory lock that serializes a tenant's appends on PostgreSQL: the same in
/// every process, distinct per tenant (two tenants sharing one only wait for each other), and
/// apart from the learners' locks ([`crate::LearnerLock`]).
fn chain_lock_key(tenant: Uuid) -> i64 {
    const AUDIT: u64 = u64::from_be_bytes(*b"auditlog");
    let id = tenant.as_u128();
    ((id >> 64) as u64 ^ id as u64 ^ AUDIT) as i64
}

/// Appends `entry` to the tenant's chain, in the transaction of the change it records: it is
/// kept if, and only if, the transaction commits. Appends of one tenant wait for each other
/// from here to their commit, so append last in a use case.
pub async fn append(tx: &mut WriteTx, entry: &NewEntry<'_>) -> Result<AuditLogEntry, StoreError> {
    let tenant = tx.tenant();
    if let Engine::Postgres(c) = tx.conn() {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(chain_lock_key(tenant))
            .execute(c)
            .await?;
    }
    let last: Option<(i64, Vec<u8>)> = dispatch!(tx.conn(), c => {
        sqlx::query_as("SELECT seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(tenant)
            .fetch_optional(c)
            .await?
    });
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, crate::chain::GENESIS.as_bytes().to_vec()),
    };
    let state = |value: &Option<serde_json::Value>| value.as_ref().map(|v| v.to_string());
    let mut row = EntryRow {
        tenant_id: tenant,
        seq,
        // Microseconds: what both engines store exactly, so the hash reads back the same.
        occurred_at: Utc::now().trunc_subsecs(6),
        action: entry.action.as_str().to_owned(),
        actor_id: entry.actor_id.map(|id| id.as_uuid()),
        actor: entry.actor.to_owned(),
        target_kind: entry.target.map(|t| t.kind().to_owned()),
        target_id: entry.target.map(|t| t.id()),
        ip: entry.origin.address().map(|ip| ip.to_string()),
        user_agent: entry.origin.user_agent().map(str::to_owned),
        request_id: entry.origin.request_id().map(str::to_owned),
        before_state: state(&entry.before),
        after_state: state(&entry.after),
        prev_hash,
        hash: Vec::new(),
    };
    row.hash = row.content_hash().as_bytes().to_vec();
    let sql = format!(
        "INSERT INTO audit_log ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    );
    dispatch!(tx.conn(), c => {
        sqlx::query(&sql)
            .bind(row.tenant_id)
            .bind(row.seq)
            .bind(row.occurred_at)
            .bind(&row.action)
            .bind(row.actor_id)
            .bind(&row.actor)
            .bind(&row.target_kind)
            .bind(row.target_id)
            .bind(&row.ip)
            .bind(&row.user_agent)
            .bind(&row.request_id)
            .bind(&row.before_state)
            .bind(&row.after_state)
            .bind(&row.prev_hash)
            .bind(&row.hash)
            .execute(c)
            .await?
            .rows_affected()
    });
    row.try_into()
}

/// Who acted, for a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorFilter {
    /// The user with this id.
    User(UserId),
    /// Whoever acted, or tried to sign in, with this e-mail.
    Email(Email),
}

/// Which entries to read; every field given narrows them.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<ActorFilter>,
    pub action: Option<AuditAction>,
    /// Entries about this user or course.
    pub target: Option<Uuid>,
    /// At or after.
    pub from: Option<DateTime<Utc>>,
    /// Before.
    pub to: Option<DateTime<Utc>>,
}

/// A page of entries matching `filter`, newest first, older than entry `before` if given.
pub async fn page(
    tx: &mut TenantTx,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditLogEntry>, StoreError> {
    let tenant = tx.tenant();
    let (actor_id, actor) = match &filter.actor {
        Some(ActorFilter::User(id)) => (Some(id.as_uuid()), None),
        Some(ActorFilter::Email(email)) => (None, Some(email.as_str())),
        None => (None, None),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM audit_log WHERE tenant_id = $1 \
         AND ($2 IS NULL OR seq < $2) AND ($3 IS NULL OR actor_id = $3) \
         AND ($4 IS NULL OR actor = $4) AND ($5 IS NULL OR action = $5) \
         AND ($6 IS NULL OR target_id = $6) AND ($7 IS NULL OR occurred_at >= $7) \
         AND ($8 IS NULL OR occurred_at < $8) \
         ORDER BY seq DESC LIMIT $9"
    );
    let rows: Vec<EntryRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(before)
            .bind(actor_id)
            .bind(actor)
            .bind(filter.action.map(AuditAction::as_str))
            .bind(filter.target)
            .bind(filter.from)
            .bind(filter.to)
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
    });
    rows.into_iter()
        .map(|row| tx.own(row)?.try_into())
        .collect()
}

/// Checks the tenant's chain from its first entry to its last, and names the first entry
/// that was edited, removed or moved.
pub async fn verify(tx: &mut TenantTx) -> Result<ChainReport, StoreError> {
    chain::check(&mut TenantChain(tx), 0).await
}

/// The tenant's chain, read in its transaction.
struct TenantChain<'a>(&'a mut TenantTx);

impl ChainSource for TenantChain<'_> {
    type Entry = EntryRow;

    async fn after(&mut self, seq: i64, limit: u32) -> Result<Vec<EntryRow>, StoreError> {
        let tx = &mut *self.0;
        let tenant = tx.tenant();
        let sql = format!(
            "SELECT {COLUMNS} FROM audit_log WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        );
        let rows: Vec<EntryRow> = dispatch!(tx.conn(), c => {
            sqlx::query_as(&sql)
                .bind(tenant)
                .bind(seq)
                .bind(i64::from(limit))
                .fetch_all(c)
                .await?
        });
        rows.into_iter().map(|row| tx.own(row)).collect()
    }

    async fn holds(&mut self, hash: &[u8]) -> Result<bool, StoreError> {
        let tx = &mut *self.0;
        let tenant = tx.tenant();
        let found: Option<i64> = dispatch!(tx.conn(), c => {
            sqlx::query_scalar("SELECT seq FROM audit_log WHERE tenant_id = $1 AND hash = $2 LIMIT 1")
                .bind(tenant)
                .bind(hash)
                .fetch_optional(c)
                .await?
        });
        Ok(found.is_some())
    }

    fn link(row: &EntryRow) -> Link<'_> {
        Link {
            seq: row.seq,
            prev_hash: &row.prev_hash,
            hash: &row.hash,
            recomputed: row.content_hash(),
        }
    }
}
