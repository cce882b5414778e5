//! Repositories, one module per aggregate. Every function takes `&mut TenantTx`, binds the
//! transaction's tenant into every statement, and is written once for both engines.

pub mod assessments;
pub mod assignments;
pub mod audit;
pub mod certificates;
pub mod courses;
pub mod enrollments;
pub mod files;
pub mod gradebook;
pub mod groups;
pub mod invitations;
pub mod jobs;
pub mod lessons;
pub mod modules;
pub mod outbox;
pub mod password_resets;
pub mod progress;
pub mod refresh_tokens;
pub mod reminders;
pub mod submissions;
pub mod users;
pub mod webhooks;

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::TenantTx;
use lyceum_domain::{CourseId, SearchText};
use std::collections::HashSet;
use std::hash::Hash;
use uuid::Uuid;

/// Rows per statement in bulk writes and lookups: well below both engines' bind limits.
const BULK_ROWS: usize = 500;

/// `$first, $first+1, ...` for an `IN (...)` list of `count` binds. Lists are bounded by the
/// callers (a page, a learner's enrollments), far below either engine's bind limit.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A new order must name every current item exactly once.
fn check_permutation<T: Hash + Eq + Copy>(
    current: impl Iterator<Item = T>,
    order: &[T],
    what: &str,
) -> Result<(), StoreError> {
    let current: HashSet<T> = current.collect();
    let proposed: HashSet<T> = order.iter().copied().collect();
    if proposed.len() != order.len() || proposed != current {
        return Err(StoreError::ConstraintViolation(format!(
            "the new order must name each {what} exactly once ({} now)",
            current.len()
        )));
    }
    Ok(())
}

/// Stores a new order: each row of `table` named in `order` gets its index as `position`.
async fn set_positions(
    tx: &mut TenantTx,
    table: &str,
    order: impl Iterator<Item = Uuid>,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    let sql = format!("UPDATE {table} SET position = $3 WHERE tenant_id = $1 AND id = $2");
    for (position, id) in order.enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        dispatch!(tx.conn(), c => {
            sqlx::query(&sql).bind(tenant).bind(id).bind(position).execute(c).await?.rows_affected()
        });
    }
    Ok(())
}

/// Replaces the links of `course` in a link table (`course_id` plus `column`) with `targets`.
async fn replace_course_links(
    tx: &mut TenantTx,
    table: &str,
    column: &str,
    course: CourseId,
    targets: impl Iterator<Item = Uuid>,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    let forget = format!("DELETE FROM {table} WHERE tenant_id = $1 AND course_id = $2");
    let link = format!(
        "INSERT INTO {table} (tenant_id, course_id, {column}) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    );
    dispatch!(tx.conn(), c => {
        sqlx::query(&forget).bind(tenant).bind(course.as_uuid()).execute(&mut *c).await?;
        for target in targets {
            sqlx::query(&link)
                .bind(tenant)
                .bind(course.as_uuid())
                .bind(target)
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(())
}

/// The targets `course` links to in a link table (`course_id` plus `column`), in order.
async fn course_links(
    tx: &mut TenantTx,
    table: &'static str,
    column: &str,
    course: CourseId,
) -> Result<Vec<Uuid>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT tenant_id, {column} FROM {table} WHERE tenant_id = $1 AND course_id = $2 ORDER BY {column}"
    );
    let rows: Vec<(Uuid, Uuid)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(course.as_uuid()).fetch_all(c).await?
    });
    tx.own_all(table, rows)
}

/// Deletes the row `id` of `table`; `false` when there was none.
async fn delete_by_id(tx: &mut TenantTx, table: &str, id: Uuid) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("DELETE FROM {table} WHERE tenant_id = $1 AND id = $2");
    let deleted = dispatch!(tx.conn(), c => {
        sqlx::query(&sql).bind(tenant).bind(id).execute(c).await?.rows_affected()
    });
    Ok(deleted > 0)
}

/// A `LIKE ... ESCAPE '\'` pattern for text holding `search` anywhere, taken literally (`%`,
/// `_` and `\` escaped). A [`SearchText`] is short, so the pattern stays within what SQLite
/// takes (50,000 bytes).
pub(crate) fn containing(search: &SearchText) -> String {
    let escaped = search
        .as_str()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
