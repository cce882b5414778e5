//! Modules of a course: ordered, reorderable, each with its completion rule.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::error::required_text;
use lyceum_domain::{CompletionRule, CourseId, ModuleId};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Module {
    pub id: ModuleId,
    pub course_id: CourseId,
    pub title: String,
    /// 0-based place in the course.
    pub position: i32,
    pub completion_rule: CompletionRule,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ModuleRow {
    tenant_id: Uuid,
    id: Uuid,
    course_id: Uuid,
    title: String,
    position: i32,
    completion_rule: Json<CompletionRule>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for ModuleRow {
    const TABLE: &'static str = "modules";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own(tx: &TenantTx, row: ModuleRow) -> Result<Module, StoreError> {
    let row = tx.own(row)?;
    Ok(Module {
        id: ModuleId::from_uuid(row.id),
        course_id: CourseId::from_uuid(row.course_id),
        title: row.title,
        position: row.position,
        completion_rule: row.completion_rule.0,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

const COLUMNS: &str =
    "tenant_id, id, course_id, title, position, completion_rule, created_at, updated_at";

/// Appends a module at the end of the course.
pub async fn insert(
    tx: &mut WriteTx,
    course: CourseId,
    title: &str,
    rule: &CompletionRule,
) -> Result<Module, StoreError> {
    let title = required_text("title", title, 300)?;
    let (tenant, id, now) = (tx.tenant(), ModuleId::new(), Utc::now());
    let sql = format!(
        "INSERT INTO modules (tenant_id, id, course_id, title, position, completion_rule, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position) + 1, 0) FROM modules WHERE tenant_id = $1 AND course_id = $3), $5, $6, $6) \
         RETURNING {COLUMNS}"
    );
    let row: ModuleRow = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(course.as_uuid())
            .bind(&title)
            .bind(Json(rule))
            .bind(now)
            .fetch_one(c)
            .await?
    });
    own(tx, row)
}

/// Changes a module's title or completion rule; `None` keeps the current value.
pub async fn update(
    tx: &mut WriteTx,
    id: ModuleId,
    title: Option<&str>,
    rule: Option<&CompletionRule>,
) -> Result<Option<Module>, StoreError> {
    let title = title.map(|t| required_text("title", t, 300)).transpose()?;
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE modules SET title = COALESCE($3, title), completion_rule = COALESCE($4, completion_rule), updated_at = $5 \
         WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    );
    let row: Option<ModuleRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(title)
            .bind(rule.map(Json))
            .bind(Utc::now())
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

pub async fn get(tx: &mut TenantTx, id: ModuleId) -> Result<Option<Module>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COLUMNS} FROM modules WHERE tenant_id = $1 AND id = $2");
    let row: Option<ModuleRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// A course's modules in order.
pub async fn for_course(tx: &mut TenantTx, course: CourseId) -> Result<Vec<Module>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM modules WHERE tenant_id = $1 AND course_id = $2 ORDER BY position, id"
    );
    let rows: Vec<ModuleRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(course.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

pub async fn delete(tx: &mut WriteTx, id: ModuleId) -> Result<bool, StoreError> {
    super::delete_by_id(tx, "modules", id.as_uuid()).await
}

/// Puts the course's modules in the order given, which must name each of them once.
pub async fn reorder(
    tx: &mut WriteTx,
    course: CourseId,
    order: &[ModuleId],
) -> Result<Vec<Module>, StoreError> {
    let current = for_course(tx, course).await?;
    super::check_permutation(current.iter().map(|m| m.id), order, "module")?;
    super::set_positions(tx, "modules", order.iter().map(|m| m.as_uuid())).await?;
    for_course(tx, course).await
}
