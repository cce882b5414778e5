//! Users of one tenant. E-mails are stored normalized (lower case), so `(tenant_id, email)`
//! uniqueness is case-insensitive on both engines; the same e-mail may exist in other tenants.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{Email, Locale, Role, SearchText, UserId, UserStatus};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    /// The language the person chose for the pages; `null` follows the tenant's, then the
    /// browser's.
    pub locale: Option<Locale>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: Email,
    pub display_name: String,
    pub role: Role,
    pub password_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    tenant_id: Uuid,
    id: Uuid,
    email: String,
    display_name: String,
    role: String,
    status: String,
    locale: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: UserId::from_uuid(r.id),
            email: Email::parse(&r.email)?,
            display_name: r.display_name,
            role: r.role.parse()?,
            status: r.status.parse()?,
            // A language this release does not speak (any more) is no preference.
            locale: r.locale.and_then(|l| l.parse().ok()),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl TenantRow for UserRow {
    const TABLE: &'static str = "users";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

/// A row of this transaction's tenant, as a [`User`].
fn own(tx: &TenantTx, row: UserRow) -> Result<User, StoreError> {
    tx.own(row)?.try_into()
}

pub(crate) const COLUMNS: &str =
    "tenant_id, id, email, display_name, role, status, locale, created_at, updated_at";

pub async fn insert(tx: &mut WriteTx, new: &NewUser) -> Result<User, StoreError> {
    insert_with_status(tx, new, UserStatus::Active).await
}

/// Creates a user with a given status (`invited` users have no password yet).
pub async fn insert_with_status(
    tx: &mut WriteTx,
    new: &NewUser,
    status: UserStatus,
) -> Result<User, StoreError> {
    let display_name = lyceum_domain::error::required_text("display_name", &new.display_name, 200)?;
    let (tenant, id, now) = (tx.tenant(), UserId::new(), Utc::now());
    let sql = format!(
        "INSERT INTO users (tenant_id, id, email, display_name, role, password_hash, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $8, $7, $7) RETURNING {COLUMNS}"
    );
    let row: Result<UserRow, sqlx::Error> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(new.email.as_str())
            .bind(&display_name)
            .bind(new.role.as_str())
            .bind(new.password_hash.as_deref())
            .bind(now)
            .bind(status.as_str())
            .fetch_one(c)
            .await
    });
    match row.map_err(StoreError::from) {
        Err(StoreError::Conflict(_)) => Err(StoreError::Conflict(format!(
            "a user with e-mail {} already exists",
            new.email
        ))),
        other => own(tx, other?),
    }
}

pub async fn get(tx: &mut TenantTx, id: UserId) -> Result<Option<User>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2");
    let row: Option<UserRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

pub async fn by_email(tx: &mut TenantTx, email: &Email) -> Result<Option<User>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND email = $2");
    let row: Option<UserRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(email.as_str()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// The users named, in any order (one query).
pub async fn by_ids(tx: &mut TenantTx, ids: &[UserId]) -> Result<Vec<User>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND id IN ({})",
        super::placeholders(2, ids.len())
    );
    let rows: Vec<UserRow> = dispatch!(tx.conn(), c => {
        let mut query = sqlx::query_as(&sql).bind(tenant);
        for id in ids {
            query = query.bind(id.as_uuid());
        }
        query.fetch_all(c).await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// The users with these e-mails, in any order (bulk lookups, a few statements).
pub async fn by_emails(tx: &mut TenantTx, emails: &[Email]) -> Result<Vec<User>, StoreError> {
    let tenant = tx.tenant();
    let mut found = Vec::with_capacity(emails.len());
    for chunk in emails.chunks(super::BULK_ROWS) {
        let sql = format!(
            "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 AND email IN ({})",
            super::placeholders(2, chunk.len())
        );
        // Not a cached prepared statement: PostgreSQL would soon switch it to a generic plan,
        // which tests every row of the tenant against a 500-parameter list (~70x slower on a
        // tenant of 10,000 users than the plan made for the actual values).
        let rows: Vec<UserRow> = dispatch!(tx.conn(), c => {
            let mut query = sqlx::query_as(&sql).bind(tenant);
            for email in chunk {
                query = query.bind(email.as_str());
            }
            query.persistent(false).fetch_all(c).await?
        });
        for row in rows {
            found.push(own(tx, row)?);
        }
    }
    Ok(found)
}

/// Students who count toward the plan's limit: every student not deactivated.
pub async fn count_students(tx: &mut TenantTx) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND role = 'student' AND status <> 'deactivated'")
            .bind(tenant)
            .fetch_one(c)
            .await?
    }))
}

/// Which users a list shows: all of them, or those a search text, a role or a status picks.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserFilter<'a> {
    /// Name or e-mail holds this text, whatever the case (taken literally: `%` and `_` too).
    pub search: Option<&'a SearchText>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

impl UserFilter<'_> {
    /// Every user.
    pub const ALL: UserFilter<'static> = UserFilter {
        search: None,
        role: None,
        status: None,
    };
}

/// Users in id (creation) order, `limit` at most, after the cursor `after`, those `filter`
/// picks.
pub async fn list(
    tx: &mut TenantTx,
    filter: UserFilter<'_>,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<User>, StoreError> {
    let tenant = tx.tenant();
    // Both sides lower-cased by the engine alike: PostgreSQL folds every letter, SQLite the
    // ASCII ones (text typed as it is stored always matches).
    let pattern = filter.search.map(super::containing);
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE tenant_id = $1 \
         AND ($2 IS NULL OR LOWER(display_name) LIKE LOWER($2) ESCAPE '\\' \
              OR LOWER(email) LIKE LOWER($2) ESCAPE '\\') \
         AND ($3 IS NULL OR id > $3) \
         AND ($5 IS NULL OR role = $5) AND ($6 IS NULL OR status = $6) ORDER BY id LIMIT $4"
    );
    let rows: Vec<UserRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(pattern.as_deref())
            .bind(after.map(|a| a.as_uuid()))
            .bind(i64::from(limit))
            .bind(filter.role.map(Role::as_str))
            .bind(filter.status.map(UserStatus::as_str))
            .fetch_all(c)
            .await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// Creates many invited users (no password) in few statements, for imports; the caller made
/// sure no e-mail is taken (one taken fails the whole statement with `Conflict`).
pub async fn insert_invited_many(
    tx: &mut WriteTx,
    people: &[NewUser],
) -> Result<Vec<User>, StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let mut checked = Vec::with_capacity(people.len());
    for new in people {
        let name = lyceum_domain::error::required_text("display_name", &new.display_name, 200)?;
        checked.push((UserId::new(), new, name));
    }
    let mut created = Vec::with_capacity(people.len());
    for chunk in checked.chunks(super::BULK_ROWS) {
        let rows: Vec<UserRow> = dispatch!(tx.conn(), c => {
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO users (tenant_id, id, email, display_name, role, password_hash, status, created_at, updated_at) ",
            );
            insert.push_values(chunk, |mut row, (id, new, name)| {
                row.push_bind(tenant)
                    .push_bind(id.as_uuid())
                    .push_bind(new.email.as_str())
                    .push_bind(name.as_str())
                    .push_bind(new.role.as_str())
                    .push_bind(None::<String>)
                    .push_bind(UserStatus::Invited.as_str())
                    .push_bind(now)
                    .push_bind(now);
            });
            insert.push(" RETURNING ");
            insert.push(COLUMNS);
            insert.build_query_as().fetch_all(c).await?
        });
        for row in rows {
            created.push(own(tx, row)?);
        }
    }
    Ok(created)
}

/// A user and their password hash, for signing in. Deactivated users are not returned.
pub async fn credentials(
    tx: &mut TenantTx,
    email: &Email,
) -> Result<Option<(User, Option<String>)>, StoreError> {
    with_password_hash(tx, Holder::Email(email)).await
}

/// The password hash of active user `id` (`None` inside when they have none), for checking
/// their current password; nothing when they are not active.
pub async fn password_hash(
    tx: &mut TenantTx,
    id: UserId,
) -> Result<Option<(User, Option<String>)>, StoreError> {
    with_password_hash(tx, Holder::Id(id)).await
}

/// Whose password hash is read.
enum Holder<'a> {
    Email(&'a Email),
    Id(UserId),
}

async fn with_password_hash(
    tx: &mut TenantTx,
    holder: Holder<'_>,
) -> Result<Option<(User, Option<String>)>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: Option<String>,
    }
    let tenant = tx.tenant();
    let column = match holder {
        Holder::Email(_) => "email",
        Holder::Id(_) => "id",
    };
    let sql = format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE tenant_id = $1 AND {column} = $2 AND status = 'active'"
    );
    let row: Option<Row> = dispatch!(tx.conn(), c => {
        let query = sqlx::query_as(&sql).bind(tenant);
        let query = match holder {
            Holder::Email(email) => query.bind(email.as_str()),
            Holder::Id(id) => query.bind(id.as_uuid()),
        };
        query.fetch_optional(c).await?
    });
    row.map(|r| Ok((own(tx, r.user)?, r.password_hash)))
        .transpose()
}

/// Sets the password of active user `id`; `None` when there is no such active user.
pub async fn set_password(
    tx: &mut WriteTx,
    id: UserId,
    password_hash: &str,
) -> Result<Option<User>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE users SET password_hash = $3, updated_at = $4 \
         WHERE tenant_id = $1 AND id = $2 AND status = 'active' RETURNING {COLUMNS}"
    );
    let row: Option<UserRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(password_hash)
            .bind(Utc::now())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// Changes a user's name and role; `None` keeps the current value.
pub async fn update(
    tx: &mut WriteTx,
    id: UserId,
    display_name: Option<&str>,
    role: Option<Role>,
) -> Result<Option<User>, StoreError> {
    let display_name = display_name
        .map(|name| lyceum_domain::error::required_text("display_name", name, 200))
        .transpose()?;
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE users SET display_name = COALESCE($3, display_name), role = COALESCE($4, role), updated_at = $5 \
         WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    );
    let row: Option<UserRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(display_name)
            .bind(role.map(Role::as_str))
            .bind(Utc::now())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// Sets a user's own language for the pages (`None`: no preference of their own).
pub async fn set_locale(
    tx: &mut WriteTx,
    id: UserId,
    locale: Option<Locale>,
) -> Result<Option<User>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE users SET locale = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    );
    let row: Option<UserRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(locale.map(Locale::as_str))
            .bind(Utc::now())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// Sets an invited user's password and makes them active.
pub async fn activate_with_password(
    tx: &mut WriteTx,
    id: UserId,
    password_hash: &str,
) -> Result<Option<User>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE users SET password_hash = $3, status = 'active', updated_at = $4 \
         WHERE tenant_id = $1 AND id = $2 AND status = 'invited' RETURNING {COLUMNS}"
    );
    let row: Option<UserRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(password_hash)
            .bind(Utc::now())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// Sets a user's status.
pub async fn set_status(
    tx: &mut WriteTx,
    id: UserId,
    status: UserStatus,
) -> Result<Option<User>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("UPDATE users SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}");
    let row: Option<UserRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(status.as_str())
            .bind(Utc::now())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

const ACTIVE_ADMINS: &str =
    "SELECT tenant_id, id FROM users WHERE tenant_id = $1 AND role = 'admin' AND status = 'active' ORDER BY id";

/// Active admins of the tenant, to tell them something.
pub async fn active_admins(tx: &mut TenantTx) -> Result<Vec<UserId>, StoreError> {
    admins(tx, ACTIVE_ADMINS).await
}

/// Active admins of the tenant. On PostgreSQL their rows are locked until the transaction
/// ends, so that two admins demoting each other at once cannot leave the tenant without one
/// (SQLite write transactions are serialized already).
pub async fn lock_active_admins(tx: &mut WriteTx) -> Result<Vec<UserId>, StoreError> {
    let sql = format!("{ACTIVE_ADMINS}{}", tx.row_lock());
    admins(tx, &sql).await
}

async fn admins(tx: &mut TenantTx, sql: &str) -> Result<Vec<UserId>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, Uuid)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(sql).bind(tenant).fetch_all(c).await?
    });
    let ids = tx.own_all("users", rows)?;
    Ok(ids.into_iter().map(UserId::from_uuid).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{beds, provision};

    /// The guard behind `WHERE tenant_id` and row-level security: a row that names another
    /// tenant is refused, never turned into a `User`.
    #[tokio::test]
    async fn a_row_of_another_tenant_is_refused_by_the_scoped_transaction() {
        for bed in beds().await {
            let placement = bed.store.default_placement();
            let tenant = provision(&bed.store, "guarded", placement).await;
            let tx = bed.store.begin(&tenant).await.unwrap();
            let row = |tenant_id| UserRow {
                tenant_id,
                id: Uuid::now_v7(),
                email: "eve@example.org".into(),
                display_name: "Eve".into(),
                role: "admin".into(),
                status: "active".into(),
                locale: None,
                created_at: Utc::now(),
                updated_at: Utc::now(),
            };
            let err = own(&tx, row(Uuid::now_v7())).unwrap_err();
            assert!(matches!(err, StoreError::ForeignRow("users")), "{err}");
            assert_eq!(err.code(), "TENANT_ISOLATION_VIOLATION");
            own(&tx, row(tenant.id.as_uuid())).expect("own rows pass");

            // Id lists and pairs read with their rows' tenant: one foreign row refuses them all.
            let mine = tenant.id.as_uuid();
            let ids = tx.own_all("course_instructors", vec![(mine, 1), (mine, 2)]);
            assert_eq!(ids.unwrap(), [1, 2]);
            let mixed = vec![(mine, 1), (Uuid::now_v7(), 2)];
            let err = tx.own_all("course_instructors", mixed).unwrap_err();
            assert!(
                matches!(err, StoreError::ForeignRow("course_instructors")),
                "{err}"
            );
        }
    }
}
