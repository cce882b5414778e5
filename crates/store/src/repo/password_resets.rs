//! Password resets of one tenant: one-time tokens, stored as hashes, with which an active user
//! chooses a new password. A token is spent once, atomically: of two requests presenting it at
//! the same time, one spends it and the other finds it spent.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::UserId;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PasswordReset {
    tenant_id: Uuid,
    pub id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

impl PasswordReset {
    /// Neither spent nor expired at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        self.used_at.is_none() && self.expires_at > now
    }
}

impl TenantRow for PasswordReset {
    const TABLE: &'static str = "password_resets";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

/// Issues a reset for `user`, withdrawing the user's unused ones (an earlier link stops
/// working). `by` is the admin who sent it, if one did.
pub async fn issue(
    tx: &mut WriteTx,
    user: UserId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
    by: Option<UserId>,
) -> Result<(), StoreError> {
    withdraw(tx, user).await?;
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO password_resets (tenant_id, id, user_id, token_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant)
        .bind(Uuid::now_v7())
        .bind(user.as_uuid())
        .bind(token_hash)
        .bind(by.map(|b| b.as_uuid()))
        .bind(Utc::now())
        .bind(expires_at)
        .execute(c)
        .await?;
    });
    Ok(())
}

/// The reset whose token hashes to `token_hash`, spent or not.
pub async fn by_hash(
    tx: &mut TenantTx,
    token_hash: &[u8],
) -> Result<Option<PasswordReset>, StoreError> {
    let tenant = tx.tenant();
    let found: Option<PasswordReset> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, id, user_id, expires_at, used_at FROM password_resets \
             WHERE tenant_id = $1 AND token_hash = $2",
        )
        .bind(tenant)
        .bind(token_hash)
        .fetch_optional(c)
        .await?
    });
    found.map(|row| tx.own(row)).transpose()
}

/// Spends an open reset; `false` when it was spent meanwhile (by a concurrent request) or has
/// expired. On PostgreSQL a second spender waits for the first to end, then finds it spent.
pub async fn spend(tx: &mut WriteTx, id: Uuid) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let now = Utc::now();
    let done = dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE password_resets SET used_at = $3 \
             WHERE tenant_id = $1 AND id = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(tenant)
        .bind(id)
        .bind(now)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(done == 1)
}

/// Withdraws `user`'s unused resets (their password changed some other way).
pub async fn withdraw(tx: &mut WriteTx, user: UserId) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM password_resets WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL")
            .bind(tenant)
            .bind(user.as_uuid())
            .execute(c)
            .await?
            .rows_affected()
    }))
}

/// Forgets the tenant's resets that have expired (spent or not): what a request for a reset
/// does first, whoever it names, so that the table stays bounded by the resets still open.
pub async fn purge_expired(tx: &mut WriteTx) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM password_resets WHERE tenant_id = $1 AND expires_at < $2")
            .bind(tenant)
            .bind(Utc::now())
            .execute(c)
            .await?
            .rows_affected()
    }))
}

/// Test support: the tenant's resets, spent or not (tests count what a request left behind).
#[cfg(any(test, feature = "testing"))]
pub async fn count(tx: &mut TenantTx) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM password_resets WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_one(c)
            .await?
    }))
}

/// Test support: every reset of the tenant expired a minute ago (a test of expiry cannot
/// wait an hour).
#[cfg(any(test, feature = "testing"))]
pub async fn expire_all(tx: &mut WriteTx) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    let past = Utc::now() - chrono::Duration::minutes(1);
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE password_resets SET expires_at = $2 WHERE tenant_id = $1")
            .bind(tenant)
            .bind(past)
            .execute(c)
            .await?
            .rows_affected()
    }))
}
