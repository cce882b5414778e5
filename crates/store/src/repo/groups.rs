//! Groups (cohorts) of a tenant's people (`groups`) and their members (`group_members`). A
//! group's name is unique in its tenant whatever the case; who may manage groups, and what a
//! group's events are, are the application's rules. This module stores and reads.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{GroupId, UserId};
use serde::Serialize;
use uuid::Uuid;

/// A group, with how many people it holds.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub id: GroupId,
    pub name: String,
    pub members: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    tenant_id: Uuid,
    id: Uuid,
    name: String,
    members: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for GroupRow {
    const TABLE: &'static str = "groups";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own(tx: &TenantTx, row: GroupRow) -> Result<Group, StoreError> {
    let row = tx.own(row)?;
    Ok(Group {
        id: GroupId::from_uuid(row.id),
        name: row.name,
        members: row.members,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

const COLUMNS: &str = "g.tenant_id, g.id, g.name, \
    (SELECT COUNT(*) FROM group_members m WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id) AS members, \
    g.created_at, g.updated_at";

/// The longest group name.
pub const MAX_NAME_CHARS: usize = 100;

fn name_key(name: &str) -> String {
    name.to_lowercase()
}

fn taken(name: &str) -> StoreError {
    StoreError::Conflict(format!("a group named {name:?} exists already"))
}

/// Creates a group named `name` (`Conflict` when the tenant has one by that name, whatever the
/// case).
pub async fn insert(tx: &mut WriteTx, name: &str, by: UserId) -> Result<Group, StoreError> {
    let name = lyceum_domain::error::required_text("name", name, MAX_NAME_CHARS)?;
    let (tenant, id, now) = (tx.tenant(), GroupId::new(), Utc::now());
    let done = dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO groups (tenant_id, id, name, name_key, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(&name)
        .bind(name_key(&name))
        .bind(by.as_uuid())
        .bind(now)
        .execute(c)
        .await
        .map(|done| done.rows_affected())
    });
    match done.map_err(StoreError::from) {
        Err(StoreError::Conflict(_)) => return Err(taken(&name)),
        other => other?,
    };
    get(tx, id).await?.ok_or(StoreError::NotFound("group"))
}

/// Renames a group; `None` when there is none by that id.
pub async fn rename(
    tx: &mut WriteTx,
    id: GroupId,
    name: &str,
) -> Result<Option<Group>, StoreError> {
    let name = lyceum_domain::error::required_text("name", name, MAX_NAME_CHARS)?;
    let tenant = tx.tenant();
    let done = dispatch!(tx.conn(), c => {
        sqlx::query("UPDATE groups SET name = $3, name_key = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(&name)
            .bind(name_key(&name))
            .bind(Utc::now())
            .execute(c)
            .await
            .map(|done| done.rows_affected())
    });
    match done.map_err(StoreError::from) {
        Err(StoreError::Conflict(_)) => Err(taken(&name)),
        Err(e) => Err(e),
        Ok(0) => Ok(None),
        Ok(_) => get(tx, id).await,
    }
}

/// Deletes a group and its memberships; `false` when there is none by that id.
pub async fn delete(tx: &mut WriteTx, id: GroupId) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2")
            .bind(tenant)
            .bind(id.as_uuid())
            .execute(c)
            .await?
            .rows_affected()
    });
    super::delete_by_id(tx, "groups", id.as_uuid()).await
}

pub async fn get(tx: &mut TenantTx, id: GroupId) -> Result<Option<Group>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COLUMNS} FROM groups g WHERE g.tenant_id = $1 AND g.id = $2");
    let row: Option<GroupRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// Every group of the tenant, by name.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Group>, StoreError> {
    let tenant = tx.tenant();
    let sql =
        format!("SELECT {COLUMNS} FROM groups g WHERE g.tenant_id = $1 ORDER BY g.name_key, g.id");
    let rows: Vec<GroupRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// Adds `users` to a group (those in it already are skipped); answers who was added.
pub async fn add_members(
    tx: &mut WriteTx,
    group: GroupId,
    users: &[UserId],
    by: UserId,
) -> Result<Vec<UserId>, StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let mut added = Vec::with_capacity(users.len());
    for chunk in users.chunks(super::BULK_ROWS) {
        let rows: Vec<(Uuid, Uuid)> = dispatch!(tx.conn(), c => {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO group_members (tenant_id, group_id, user_id, added_by, added_at) ",
            );
            insert.push_values(chunk, |mut row, user| {
                row.push_bind(tenant)
                    .push_bind(group.as_uuid())
                    .push_bind(user.as_uuid())
                    .push_bind(by.as_uuid())
                    .push_bind(now);
            });
            insert.push(" ON CONFLICT (tenant_id, group_id, user_id) DO NOTHING RETURNING tenant_id, user_id");
            insert.build_query_as().fetch_all(c).await?
        });
        added.extend(
            tx.own_all("group_members", rows)?
                .into_iter()
                .map(UserId::from_uuid),
        );
    }
    Ok(added)
}

/// Removes `user` from a group; `false` when they were not in it.
pub async fn remove_member(
    tx: &mut WriteTx,
    group: GroupId,
    user: UserId,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let removed = dispatch!(tx.conn(), c => {
        sqlx::query("DELETE FROM group_members WHERE tenant_id = $1 AND group_id = $2 AND user_id = $3")
            .bind(tenant)
            .bind(group.as_uuid())
            .bind(user.as_uuid())
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(removed > 0)
}

/// The members of a group, in the order they joined the tenant.
pub async fn members(tx: &mut TenantTx, group: GroupId) -> Result<Vec<UserId>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, Uuid)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, user_id FROM group_members WHERE tenant_id = $1 AND group_id = $2 ORDER BY user_id",
        )
        .bind(tenant)
        .bind(group.as_uuid())
        .fetch_all(c)
        .await?
    });
    Ok(tx
        .own_all("group_members", rows)?
        .into_iter()
        .map(UserId::from_uuid)
        .collect())
}
