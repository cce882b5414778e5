//! The course tree of one tenant: courses, their instructors, modules and lessons.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::TenantTx;
use chrono::{DateTime, Utc};
use lyceum_domain::error::required_text;
use lyceum_domain::{CourseId, LessonId, ModuleId, UserId};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Course {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub status: String,
    pub max_enrollment: Option<i32>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewCourse {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub max_enrollment: Option<i32>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Module {
    pub id: Uuid,
    pub course_id: Uuid,
    pub title: String,
    pub position: i32,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Lesson {
    pub id: Uuid,
    pub module_id: Uuid,
    pub title: String,
    pub kind: String,
    pub position: i32,
    pub content: Json<serde_json::Value>,
    pub duration_seconds: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct NewLesson {
    pub title: String,
    pub kind: String,
    pub position: i32,
    pub content: serde_json::Value,
    pub duration_seconds: Option<i32>,
}

const COURSE_COLUMNS: &str =
    "id, slug, title, description, status, max_enrollment, published_at, created_at, updated_at";

pub async fn insert(tx: &mut TenantTx, new: &NewCourse) -> Result<Course, StoreError> {
    let title = required_text("title", &new.title, 300)?;
    let slug = required_text("slug", &new.slug, 100)?;
    let (tenant, id, now) = (tx.tenant(), CourseId::new(), Utc::now());
    let sql = format!(
        "INSERT INTO courses (tenant_id, id, slug, title, description, status, max_enrollment, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $7) RETURNING {COURSE_COLUMNS}"
    );
    let course = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(&slug)
            .bind(&title)
            .bind(&new.description)
            .bind(new.max_enrollment)
            .bind(now)
            .fetch_one(c)
            .await?
    });
    Ok(course)
}

pub async fn get(tx: &mut TenantTx, id: CourseId) -> Result<Option<Course>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COURSE_COLUMNS} FROM courses WHERE tenant_id = $1 AND id = $2");
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    }))
}

/// Courses in id order after the cursor `after`, `limit` at most.
pub async fn list(
    tx: &mut TenantTx,
    after: Option<CourseId>,
    limit: u32,
) -> Result<Vec<Course>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COURSE_COLUMNS} FROM courses WHERE tenant_id = $1 AND ($2 IS NULL OR id > $2) ORDER BY id LIMIT $3"
    );
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(after.map(|a| a.as_uuid()))
            .bind(i64::from(limit))
            .fetch_all(c)
            .await?
    }))
}

pub async fn add_instructor(
    tx: &mut TenantTx,
    course: CourseId,
    user: UserId,
) -> Result<(), StoreError> {
    let tenant = tx.tenant();
    dispatch!(tx.conn(), c => {
        sqlx::query("INSERT INTO course_instructors (tenant_id, course_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(tenant)
            .bind(course.as_uuid())
            .bind(user.as_uuid())
            .execute(c)
            .await?.rows_affected()
    });
    Ok(())
}

pub async fn instructors(tx: &mut TenantTx, course: CourseId) -> Result<Vec<UserId>, StoreError> {
    let tenant = tx.tenant();
    let ids: Vec<Uuid> = dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT user_id FROM course_instructors WHERE tenant_id = $1 AND course_id = $2 ORDER BY user_id")
            .bind(tenant)
            .bind(course.as_uuid())
            .fetch_all(c)
            .await?
    });
    Ok(ids.into_iter().map(UserId::from_uuid).collect())
}

pub async fn add_module(
    tx: &mut TenantTx,
    course: CourseId,
    title: &str,
    position: i32,
) -> Result<Module, StoreError> {
    let title = required_text("title", title, 300)?;
    let (tenant, id, now) = (tx.tenant(), ModuleId::new(), Utc::now());
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "INSERT INTO modules (tenant_id, id, course_id, title, position, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id, course_id, title, position",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(course.as_uuid())
        .bind(&title)
        .bind(position)
        .bind(now)
        .fetch_one(c)
        .await?
    }))
}

pub async fn modules(tx: &mut TenantTx, course: CourseId) -> Result<Vec<Module>, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT id, course_id, title, position FROM modules WHERE tenant_id = $1 AND course_id = $2 ORDER BY position, id",
        )
        .bind(tenant)
        .bind(course.as_uuid())
        .fetch_all(c)
        .await?
    }))
}

pub async fn add_lesson(
    tx: &mut TenantTx,
    module: ModuleId,
    new: &NewLesson,
) -> Result<Lesson, StoreError> {
    let title = required_text("title", &new.title, 300)?;
    let (tenant, id, now) = (tx.tenant(), LessonId::new(), Utc::now());
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "INSERT INTO lessons (tenant_id, id, module_id, title, kind, position, content, duration_seconds, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             RETURNING id, module_id, title, kind, position, content, duration_seconds",
        )
        .bind(tenant)
        .bind(id.as_uuid())
        .bind(module.as_uuid())
        .bind(&title)
        .bind(&new.kind)
        .bind(new.position)
        .bind(Json(&new.content))
        .bind(new.duration_seconds)
        .bind(now)
        .fetch_one(c)
        .await?
    }))
}

pub async fn lessons(tx: &mut TenantTx, module: ModuleId) -> Result<Vec<Lesson>, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT id, module_id, title, kind, position, content, duration_seconds FROM lessons \
             WHERE tenant_id = $1 AND module_id = $2 ORDER BY position, id",
        )
        .bind(tenant)
        .bind(module.as_uuid())
        .fetch_all(c)
        .await?
    }))
}
