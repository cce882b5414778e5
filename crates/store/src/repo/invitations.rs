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

/// Issues an invitation for `user` with the token hash, withdrawing their open ones.
pub async fn issue(
    tx: &mut WriteTx,
    user: UserId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
    by: Option<UserId>,
) -> Result<(), StoreError> {
    issue_many(tx, &[(user, token_hash)], expires_at, by).await
}

/// Issues an invitation for each user with its token hash, withdrawing their open ones: a few
/// statements however many there are.
pub async fn issue_many(
    tx: &mut WriteTx,
    invited: &[(UserId, &[u8])],
    expires_at: DateTime<Utc>,
    by: Option<UserId>,
) -> Result<(), StoreError> {
    let (tenant, now, by) = (tx.tenant(), Utc::now(), by.map(|b| b.as_uuid()));
    for chunk in invited.chunks(super::BULK_ROWS) {
        dispatch!(tx.conn(), c => {
            let mut withdraw = sqlx::QueryBuilder::new("DELETE FROM invitations WHERE tenant_id = ");
            withdraw.push_bind(tenant);
            withdraw.push(" AND accepted_at IS NULL AND user_id IN (");
            let mut users = withdraw.separated(", ");
            for (user, _) in chunk {
                users.push_bind(user.as_uuid());
            }
            withdraw.push(")");
            withdraw.build().execute(&mut *c).await?;
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO invitations (tenant_id, id, user_id, token_hash, created_by, created_at, expires_at) ",
            );
            insert.push_values(chunk, |mut row, (user, hash)| {
                row.push_bind(tenant)
                    .push_bind(Uuid::now_v7())
                    .push_bind(user.as_uuid())
                    .push_bind(*hash)
                    .push_bind(by)
                    .push_bind(now)
                    .push_bind(expires_at);
            });
            insert.build().execute(&mut *c).await?;
        });
    }
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
