//! Refresh tokens of one tenant, stored as hashes. A token is spent once; its family records
//! the chain of rotations so that reuse of a spent token can revoke every descendant.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{Scoped, Table, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::UserId;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshToken {
    pub id: Uuid,
    pub family_id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Table for RefreshToken {
    const TABLE: &'static str = "refresh_tokens";
}

pub async fn insert(
    tx: &mut WriteTx,
    family_id: Uuid,
    user: UserId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO refresh_tokens (tenant_id, id, family_id, user_id, token_hash, issued_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant)
        .bind(Uuid::now_v7())
        .bind(family_id)
        .bind(user.as_uuid())
        .bind(token_hash)
        .bind(Utc::now())
        .bind(expires_at)
        .execute(c)
        .await?
        .rows_affected()
    });
    Ok(())
}

pub async fn by_hash(
    tx: &mut TenantTx,
    token_hash: &[u8],
) -> Result<Option<RefreshToken>, StoreError> {
    let tenant = tx.tenant();
    let token: Option<Scoped<RefreshToken>> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, id, family_id, user_id, expires_at, used_at, revoked_at FROM refresh_tokens \
             WHERE tenant_id = $1 AND token_hash = $2",
        )
        .bind(tenant)
        .bind(token_hash)
        .fetch_optional(c)
        .await?
    });
    token.map(|t| Ok(tx.own(t)?.record)).transpose()
}

/// Spends a token; false if it was spent already (by a concurrent refresh, or a replay).
pub async fn spend(tx: &mut WriteTx, id: Uuid) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let spent = dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE refresh_tokens SET used_at = $3 WHERE tenant_id = $1 AND id = $2 AND used_at IS NULL AND revoked_at IS NULL")
            .bind(tenant)
            .bind(id)
            .bind(Utc::now())
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(spent == 1)
}

/// Revokes every token of a family (logout, or reuse of a spent token).
pub async fn revoke_family(tx: &mut WriteTx, family_id: Uuid) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND family_id = $2 AND revoked_at IS NULL")
            .bind(tenant)
            .bind(family_id)
            .bind(Utc::now())
            .execute(c)
            .await?
            .rows_affected()
    }))
}

/// Revokes every token of a user (deactivation, password change).
pub async fn revoke_user(tx: &mut WriteTx, user: UserId) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL")
            .bind(tenant)
            .bind(user.as_uuid())
            .bind(Utc::now())
            .execute(c)
            .await?
            .rows_affected()
    }))
}

/// Revokes every token of a user but those of family `keep` (a password changed: the session
/// it was changed in goes on, every other ends).
pub async fn revoke_user_except(
    tx: &mut WriteTx,
    user: UserId,
    keep: Option<Uuid>,
) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND user_id = $2 \
             AND revoked_at IS NULL AND ($4 IS NULL OR family_id <> $4)",
        )
        .bind(tenant)
        .bind(user.as_uuid())
        .bind(Utc::now())
        .bind(keep)
        .execute(c)
        .await?
        .rows_affected()
    }))
}

/// Forgets the refresh tokens that have expired: `user`'s (run at each sign-in, so that the
/// rows of a user stay bounded by what is still valid), or with `None` everyone's (the
/// tenant's housekeeping, for users who never sign in again).
pub async fn purge_expired(tx: &mut WriteTx, user: Option<UserId>) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM refresh_tokens WHERE tenant_id = $1 AND ($2 IS NULL OR user_id = $2) AND expires_at < $3")
            .bind(tenant)
            .bind(user.map(|u| u.as_uuid()))
            .bind(Utc::now())
            .execute(c)
            .await?
            .rows_affected()
    }))
}
