//! Courses of one tenant, with their instructors and prerequisites, and the catalog query.

use crate::engine::dispatch;
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::error::required_text;
use lyceum_domain::{CourseId, CourseSlug, CourseStatus, SearchText, UserId};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Course {
    pub id: CourseId,
    pub slug: CourseSlug,
    pub title: String,
    pub description: String,
    pub status: CourseStatus,
    /// A media reference (object key or URL) of the cover image.
    pub cover_image: Option<String>,
    /// Active enrollments allowed at once; `None`: no limit.
    pub max_enrollment: Option<i32>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: serde_json::Value,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The editable part of a course: what create and replace take.
#[derive(Debug, Clone)]
pub struct CourseDraft {
    pub slug: CourseSlug,
    pub title: String,
    pub description: String,
    pub cover_image: Option<String>,
    pub max_enrollment: Option<i32>,
    pub settings: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct CourseRow {
    tenant_id: Uuid,
    id: Uuid,
    slug: String,
    title: String,
    description: String,
    status: String,
    cover_image: Option<String>,
    max_enrollment: Option<i32>,
    settings: Json<serde_json::Value>,
    published_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TenantRow for CourseRow {
    const TABLE: &'static str = "courses";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own(tx: &TenantTx, row: CourseRow) -> Result<Course, StoreError> {
    let row = tx.own(row)?;
    Ok(Course {
        id: CourseId::from_uuid(row.id),
        slug: CourseSlug::parse(&row.slug)?,
        title: row.title,
        description: row.description,
        status: row.status.parse()?,
        cover_image: row.cover_image,
        max_enrollment: row.max_enrollment,
        settings: row.settings.0,
        published_at: row.published_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

const COLUMNS: &str =
    "tenant_id, id, slug, title, description, status, cover_image, max_enrollment, \
     settings, published_at, created_at, updated_at";

/// Checks a draft and answers it trimmed, with its search key.
fn checked(draft: &CourseDraft) -> Result<(CourseDraft, String), StoreError> {
    let title = required_text("title", &draft.title, 300)?;
    if draft.description.chars().count() > 20_000 {
        return Err(lyceum_domain::ValidationError::TooLong {
            field: "description",
            max: 20_000,
        }
        .into());
    }
    if let Some(max) = draft.max_enrollment {
        if max < 1 {
            return Err(StoreError::ConstraintViolation(
                "max_enrollment must be at least 1".to_owned(),
            ));
        }
    }
    if !draft.settings.is_object() {
        return Err(StoreError::ConstraintViolation(
            "settings must be a JSON object".to_owned(),
        ));
    }
    let cover_image = draft
        .cover_image
        .as_deref()
        .map(|c| required_text("cover_image", c, 500))
        .transpose()?;
    let search = title.to_lowercase();
    Ok((
        CourseDraft {
            slug: draft.slug.clone(),
            title,
            description: draft.description.clone(),
            cover_image,
            max_enrollment: draft.max_enrollment,
            settings: draft.settings.clone(),
        },
        search,
    ))
}

fn slug_taken(e: StoreError, slug: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("a course with slug {slug} already exists"))
        }
        other => other,
    }
}

/// A new draft course.
pub async fn insert(tx: &mut WriteTx, draft: &CourseDraft) -> Result<Course, StoreError> {
    let (draft, search) = checked(draft)?;
    let (tenant, id, now) = (tx.tenant(), CourseId::new(), Utc::now());
    let sql = format!(
        "INSERT INTO courses (tenant_id, id, slug, title, title_search, description, status, cover_image, max_enrollment, settings, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10, $10) RETURNING {COLUMNS}"
    );
    let row: Result<CourseRow, sqlx::Error> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(draft.slug.as_str())
            .bind(&draft.title)
            .bind(&search)
            .bind(&draft.description)
            .bind(&draft.cover_image)
            .bind(draft.max_enrollment)
            .bind(Json(&draft.settings))
            .bind(now)
            .fetch_one(c)
            .await
    });
    let row = row.map_err(|e| slug_taken(e.into(), draft.slug.as_str()))?;
    own(tx, row)
}

/// Replaces the editable fields of a course.
pub async fn replace(
    tx: &mut WriteTx,
    id: CourseId,
    draft: &CourseDraft,
) -> Result<Option<Course>, StoreError> {
    let (draft, search) = checked(draft)?;
    let tenant = tx.tenant();
    let sql = format!(
        "UPDATE courses SET slug = $3, title = $4, title_search = $5, description = $6, cover_image = $7, \
         max_enrollment = $8, settings = $9, updated_at = $10 WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    );
    let row: Result<Option<CourseRow>, sqlx::Error> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(draft.slug.as_str())
            .bind(&draft.title)
            .bind(&search)
            .bind(&draft.description)
            .bind(&draft.cover_image)
            .bind(draft.max_enrollment)
            .bind(Json(&draft.settings))
            .bind(Utc::now())
            .fetch_optional(c)
            .await
    });
    let row = row.map_err(|e| slug_taken(e.into(), draft.slug.as_str()))?;
    row.map(|r| own(tx, r)).transpose()
}

/// Moves a course to `status`; publishing stamps `published_at` the first time.
pub async fn set_status(
    tx: &mut WriteTx,
    id: CourseId,
    status: CourseStatus,
) -> Result<Option<Course>, StoreError> {
    let (tenant, now) = (tx.tenant(), Utc::now());
    let published = (status == CourseStatus::Published).then_some(now);
    let sql = format!(
        "UPDATE courses SET status = $3, published_at = COALESCE(published_at, $4), updated_at = $5 \
         WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
    );
    let row: Option<CourseRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(status.as_str())
            .bind(published)
            .bind(now)
            .fetch_optional(c)
            .await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// Sets a course's cover image reference (`None` clears it), keeping the rest of the course;
/// with `only_if`, only while the cover is that reference (a file deleted clears the cover it
/// is, not a newer one). Answers whether the course changed.
pub async fn set_cover(
    tx: &mut WriteTx,
    id: CourseId,
    cover: Option<&str>,
    only_if: Option<&str>,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let sql = "UPDATE courses SET cover_image = $3, updated_at = $4 \
               WHERE tenant_id = $1 AND id = $2 AND ($5 IS NULL OR cover_image = $5)";
    let done = dispatch!(tx.conn(), c => {
        sqlx::query(sql)
            .bind(tenant)
            .bind(id.as_uuid())
            .bind(cover)
            .bind(Utc::now())
            .bind(only_if)
            .execute(c)
            .await?
            .rows_affected()
    });
    Ok(done > 0)
}

/// Deletes a course with its modules, lessons, instructors and prerequisites. Callers make
/// sure it has no enrollments (those are kept: the course is archived instead).
pub async fn delete(tx: &mut WriteTx, id: CourseId) -> Result<bool, StoreError> {
    super::delete_by_id(tx, "courses", id.as_uuid()).await
}

pub async fn get(tx: &mut TenantTx, id: CourseId) -> Result<Option<Course>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COLUMNS} FROM courses WHERE tenant_id = $1 AND id = $2");
    let row: Option<CourseRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|r| own(tx, r)).transpose()
}

/// The courses named, in any order (one query).
pub async fn by_ids(tx: &mut TenantTx, ids: &[CourseId]) -> Result<Vec<Course>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM courses WHERE tenant_id = $1 AND id IN ({})",
        super::placeholders(2, ids.len())
    );
    let rows: Vec<CourseRow> = dispatch!(tx.conn(), c => {
        let mut query = sqlx::query_as(&sql).bind(tenant);
        for id in ids {
            query = query.bind(id.as_uuid());
        }
        query.fetch_all(c).await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// The courses with these slugs, in any order (a few statements).
pub async fn by_slugs(tx: &mut TenantTx, slugs: &[CourseSlug]) -> Result<Vec<Course>, StoreError> {
    let tenant = tx.tenant();
    let mut found = Vec::with_capacity(slugs.len());
    for chunk in slugs.chunks(super::BULK_ROWS) {
        let sql = format!(
            "SELECT {COLUMNS} FROM courses WHERE tenant_id = $1 AND slug IN ({})",
            super::placeholders(2, chunk.len())
        );
        let rows: Vec<CourseRow> = dispatch!(tx.conn(), c => {
            let mut query = sqlx::query_as(&sql).bind(tenant);
            for slug in chunk {
                query = query.bind(slug.as_str());
            }
            query.persistent(false).fetch_all(c).await?
        });
        for row in rows {
            found.push(own(tx, row)?);
        }
    }
    Ok(found)
}

/// Which courses a catalog query may show.
#[derive(Debug, Clone, Copy)]
pub enum Visibility {
    /// Every course (admins).
    All,
    /// Published courses only (students).
    Published,
    /// Published courses, and those the user teaches in any status (instructors).
    PublishedOrTaughtBy(UserId),
}

/// A catalog query: optional status and title filter, keyset-paginated in creation order (ids
/// are time-ordered, so rows inserted meanwhile land after the cursor: nothing is skipped or
/// repeated).
#[derive(Debug, Clone)]
pub struct CatalogQuery {
    pub visibility: Visibility,
    pub status: Option<CourseStatus>,
    /// Case-insensitive substring of the title.
    pub search: Option<SearchText>,
    pub after: Option<CourseId>,
    pub limit: u32,
}

pub async fn list(tx: &mut TenantTx, query: &CatalogQuery) -> Result<Vec<Course>, StoreError> {
    let tenant = tx.tenant();
    // `title_search` holds the title lower-cased.
    let pattern = query
        .search
        .as_ref()
        .map(|s| super::containing(s).to_lowercase());
    let (restricted, viewer) = match query.visibility {
        Visibility::All => (false, None),
        Visibility::Published => (true, None),
        Visibility::PublishedOrTaughtBy(user) => (true, Some(user.as_uuid())),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM courses WHERE tenant_id = $1 \
         AND ($2 IS NULL OR status = $2) \
         AND ($3 IS NULL OR title_search LIKE $3 ESCAPE '\\') \
         AND (NOT $4 OR status = 'published' OR EXISTS (SELECT 1 FROM course_instructors ci \
              WHERE ci.tenant_id = courses.tenant_id AND ci.course_id = courses.id AND ci.user_id = $5)) \
         AND ($6 IS NULL OR id > $6) ORDER BY id LIMIT $7"
    );
    let rows: Vec<CourseRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql)
            .bind(tenant)
            .bind(query.status.map(CourseStatus::as_str))
            .bind(pattern.as_deref())
            .bind(restricted)
            .bind(viewer)
            .bind(query.after.map(|a| a.as_uuid()))
            .bind(i64::from(query.limit))
            .fetch_all(c)
            .await?
    });
    rows.into_iter().map(|r| own(tx, r)).collect()
}

/// Courses that count toward the plan's limit: every course not archived.
pub async fn count_unarchived(tx: &mut TenantTx) -> Result<i64, StoreError> {
    let tenant = tx.tenant();
    Ok(dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM courses WHERE tenant_id = $1 AND status <> 'archived'")
            .bind(tenant)
            .fetch_one(c)
            .await?
    }))
}

/// Makes `instructors` the course's instructors (replacing any before).
pub async fn set_instructors(
    tx: &mut WriteTx,
    course: CourseId,
    instructors: &[UserId],
) -> Result<(), StoreError> {
    let users = instructors.iter().map(|u| u.as_uuid());
    super::replace_course_links(tx, "course_instructors", "user_id", course, users).await
}

pub async fn instructors(tx: &mut TenantTx, course: CourseId) -> Result<Vec<UserId>, StoreError> {
    let ids = super::course_links(tx, "course_instructors", "user_id", course).await?;
    Ok(ids.into_iter().map(UserId::from_uuid).collect())
}

/// Scope rule: does `user` teach `course`?
pub async fn teaches(
    tx: &mut TenantTx,
    course: CourseId,
    user: UserId,
) -> Result<bool, StoreError> {
    let tenant = tx.tenant();
    let found: Option<i32> = dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT 1 FROM course_instructors WHERE tenant_id = $1 AND course_id = $2 AND user_id = $3")
            .bind(tenant)
            .bind(course.as_uuid())
            .bind(user.as_uuid())
            .fetch_optional(c)
            .await?
    });
    Ok(found.is_some())
}

/// The courses `user` is listed as an instructor of.
pub async fn taught_by(tx: &mut TenantTx, user: UserId) -> Result<Vec<CourseId>, StoreError> {
    let tenant = tx.tenant();
    let ids: Vec<uuid::Uuid> = dispatch!(tx.conn(), c => {
        sqlx::query_scalar("SELECT course_id FROM course_instructors WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant)
            .bind(user.as_uuid())
            .fetch_all(c)
            .await?
    });
    Ok(ids.into_iter().map(CourseId::from_uuid).collect())
}

/// Makes `requires` the courses to complete before `course` (replacing any before).
pub async fn set_prerequisites(
    tx: &mut WriteTx,
    course: CourseId,
    requires: &[CourseId],
) -> Result<(), StoreError> {
    let required = requires.iter().map(|c| c.as_uuid());
    super::replace_course_links(tx, "course_prerequisites", "requires_id", course, required).await
}

pub async fn prerequisites(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<CourseId>, StoreError> {
    let ids = super::course_links(tx, "course_prerequisites", "requires_id", course).await?;
    Ok(ids.into_iter().map(CourseId::from_uuid).collect())
}

/// Every prerequisite edge of the tenant, as (course, required course), for cycle checks.
pub async fn prerequisite_edges(
    tx: &mut TenantTx,
) -> Result<Vec<(CourseId, CourseId)>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, Uuid, Uuid)> = dispatch!(tx.conn(), c => {
        sqlx::query_as("SELECT tenant_id, course_id, requires_id FROM course_prerequisites WHERE tenant_id = $1")
            .bind(tenant)
            .fetch_all(c)
            .await?
    });
    let edges = rows.into_iter().map(|(t, c, r)| (t, (c, r))).collect();
    Ok(tx
        .own_all("course_prerequisites", edges)?
        .into_iter()
        .map(|(c, r)| (CourseId::from_uuid(c), CourseId::from_uuid(r)))
        .collect())
}

/// The prerequisites of `course` that `user` has not completed.
pub async fn unmet_prerequisites(
    tx: &mut TenantTx,
    course: CourseId,
    user: UserId,
) -> Result<Vec<CourseId>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, Uuid)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT p.tenant_id, p.requires_id FROM course_prerequisites p WHERE p.tenant_id = $1 AND p.course_id = $2 \
             AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.tenant_id = p.tenant_id \
                 AND e.course_id = p.requires_id AND e.user_id = $3 AND e.status = 'completed') \
             ORDER BY p.requires_id",
        )
        .bind(tenant)
        .bind(course.as_uuid())
        .bind(user.as_uuid())
        .fetch_all(c)
        .await?
    });
    let ids = tx.own_all("course_prerequisites", rows)?;
    Ok(ids.into_iter().map(CourseId::from_uuid).collect())
}
