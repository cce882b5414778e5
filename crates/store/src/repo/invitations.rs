//! Invitations of one tenant: one-time tokens, stored as hashes, with which an invited user
//! sets a password.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::UserId;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invitation {
    tenant_id: Uuid,
    pub id: Uuid,
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
}

impl TenantRow for Invitation {
    const TABLE: &'static str = "invitations";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

/// Issues an invitation for `user`, withdrawing the user's open ones.
pub async fn issue(
    tx: &mut WriteTx,
    user: UserId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
    by: Option<UserId>,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM invitations WHERE tenant_id = $1 AND user_id = $2 AND accepted_at IS NULL")
            .bind(tenant)
            .bind(user.as_uuid())
            .execute(&mut *c)
            .await?;
        sqlx::query(
            "INSERT INTO invitations (tenant_id, id, user_id, token_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(tenant)
        .bind(Uuid::now_v7())
        .bind(user.as_uuid())
        .bind(token_hash)
        .bind(by.map(|b| b.as_uuid()))
        .bind(Utc::now())
        .bind(expires_at)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

pub async fn by_hash(
    tx: &mut TenantTx,
    token_hash: &[u8],
) -> Result<Option<Invitation>, StoreError> {
    let tenant = tx.tenant();
    let found: Option<Invitation> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, id, user_id, expires_at, accepted_at FROM invitations WHERE tenant_id = $1 AND token_hash = $2",
        )
        .bind(tenant)
        .bind(token_hash)
        .fetch_optional(c)
        .await?
    });
    found.map(|row| tx.own(row)).transpose()
}

/// Marks an open invitation accepted; `false` when it was accepted meanwhile.
pub async fn accept(tx: &mut WriteTx, id: Uuid) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let done = dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE invitations SET accepted_at = $3 WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL")
            .bind(tenant)
            .bind(id)
            .bind(Utc::now())
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(done > 0)
}
