//! Files kept in object storage (`files`): one row per stored object, with the name it is shown
//! under, its type, its size (counted against the plan's storage quota) and its key. The
//! objects themselves, and who may upload, read or delete, are the application's. This module
//! stores and reads the rows.

use crate::engine::{dispatch, Engine};
use crate::error::StoreError;
use crate::scope::{TenantRow, TenantTx, WriteTx};
use chrono::{DateTime, Utc};
use lyceum_domain::{CourseId, FileId, FileName, FilePurpose, UserId};
use serde::Serialize;
use std::collections::HashSet;
use uuid::Uuid;

/// A stored file's record.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredFile {
    pub id: FileId,
    pub purpose: FilePurpose,
    /// The course it belongs to (course files and covers).
    pub course_id: Option<CourseId>,
    /// Whose it is (a submission's learner), if anyone's in particular.
    pub owner_id: Option<UserId>,
    /// The name it is shown and downloaded under (metadata only).
    pub name: FileName,
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the content, in hex.
    pub sha256: String,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    /// Where the object is, in the object store (begins with the tenant's id).
    #[serde(skip)]
    pub key: String,
}

/// A file to record, after its object was stored under `key`.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub id: FileId,
    pub purpose: FilePurpose,
    pub course_id: Option<CourseId>,
    pub owner_id: Option<UserId>,
    pub key: String,
    pub name: FileName,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
    pub created_by: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    tenant_id: Uuid,
    id: Uuid,
    purpose: String,
    course_id: Option<Uuid>,
    owner_id: Option<Uuid>,
    object_key: String,
    name: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl TenantRow for FileRow {
    const TABLE: &'static str = "files";
    fn tenant_id(&self) -> Uuid {
        self.tenant_id
    }
}

fn own(tx: &TenantTx, row: FileRow) -> Result<StoredFile, StoreError> {
    let row = tx.own(row)?;
    Ok(StoredFile {
        id: FileId::from_uuid(row.id),
        purpose: row.purpose.parse()?,
        course_id: row.course_id.map(CourseId::from_uuid),
        owner_id: row.owner_id.map(UserId::from_uuid),
        name: FileName::stored(row.name),
        content_type: row.content_type,
        size: u64::try_from(row.size_bytes).unwrap_or_default(),
        sha256: row.sha256,
        created_by: row.created_by.map(UserId::from_uuid),
        created_at: row.created_at,
        key: row.object_key,
    })
}

const COLUMNS: &str = "tenant_id, id, purpose, course_id, owner_id, object_key, name, \
    content_type, size_bytes, sha256, created_by, created_at";

/// Records a stored file.
pub async fn insert(tx: &mut WriteTx, file: &NewFile) -> Result<StoredFile, StoreError> {
    let tenant = tx.tenant();
    let size = i64::try_from(file.size).unwrap_or(i64::MAX);
    dispatch!(tx.conn(), c => {
        sqlx::query(
            "INSERT INTO files (tenant_id, id, purpose, course_id, owner_id, object_key, name, \
             content_type, size_bytes, sha256, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(tenant)
        .bind(file.id.as_uuid())
        .bind(file.purpose.as_str())
        .bind(file.course_id.map(|c| c.as_uuid()))
        .bind(file.owner_id.map(|u| u.as_uuid()))
        .bind(&file.key)
        .bind(file.name.as_str())
        .bind(&file.content_type)
        .bind(size)
        .bind(&file.sha256)
        .bind(file.created_by.map(|u| u.as_uuid()))
        .bind(Utc::now())
        .execute(c)
        .await?
        .rows_affected()
    });
    get(tx, file.id).await?.ok_or(StoreError::NotFound("file"))
}

pub async fn get(tx: &mut TenantTx, id: FileId) -> Result<Option<StoredFile>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!("SELECT {COLUMNS} FROM files WHERE tenant_id = $1 AND id = $2");
    let row: Option<FileRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(id.as_uuid()).fetch_optional(c).await?
    });
    row.map(|row| own(tx, row)).transpose()
}

/// The files with these ids, in any order (a lesson's media in one statement).
pub async fn by_ids(tx: &mut TenantTx, ids: &[FileId]) -> Result<Vec<StoredFile>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM files WHERE tenant_id = $1 AND id IN ({})",
        super::placeholders(2, ids.len())
    );
    let rows: Vec<FileRow> = dispatch!(tx.conn(), c => {
        let mut query = sqlx::query_as(&sql).bind(tenant);
        for id in ids {
            query = query.bind(id.as_uuid());
        }
        query.fetch_all(c).await?
    });
    rows.into_iter().map(|row| own(tx, row)).collect()
}

/// The files attached to a version of a learner's work on an assignment, in the order they
/// were attached.
pub async fn of_submission(
    tx: &mut TenantTx,
    submission: lyceum_domain::SubmissionId,
) -> Result<Vec<StoredFile>, StoreError> {
    let tenant = tx.tenant();
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("f.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns} FROM files f JOIN assignment_submission_files a            ON a.tenant_id = f.tenant_id AND a.file_id = f.id          WHERE f.tenant_id = $1 AND a.submission_id = $2 ORDER BY a.position, f.id"
    );
    let rows: Vec<FileRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(submission.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|row| own(tx, row)).collect()
}

/// A course's files, newest first.
pub async fn of_course(tx: &mut TenantTx, course: CourseId) -> Result<Vec<StoredFile>, StoreError> {
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT {COLUMNS} FROM files WHERE tenant_id = $1 AND course_id = $2 \
         ORDER BY created_at DESC, id DESC"
    );
    let rows: Vec<FileRow> = dispatch!(tx.conn(), c => {
        sqlx::query_as(&sql).bind(tenant).bind(course.as_uuid()).fetch_all(c).await?
    });
    rows.into_iter().map(|row| own(tx, row)).collect()
}

/// The object keys of a course's files (its documents, images, cover and learners' work): what
/// deleting the course leaves in object storage.
pub async fn keys_of_course(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<Vec<String>, StoreError> {
    let tenant = tx.tenant();
    let rows: Vec<(Uuid, String)> = dispatch!(tx.conn(), c => {
        sqlx::query_as(
            "SELECT tenant_id, object_key FROM files WHERE tenant_id = $1 AND course_id = $2",
        )
        .bind(tenant)
        .bind(course.as_uuid())
        .fetch_all(c)
        .await?
    });
    tx.own_all("files", rows)
}

/// Which of `keys` a record names: the objects that are not left over.
pub async fn recorded_keys(
    tx: &mut TenantTx,
    keys: &[String],
) -> Result<HashSet<String>, StoreError> {
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let tenant = tx.tenant();
    let sql = format!(
        "SELECT tenant_id, object_key FROM files WHERE tenant_id = $1 AND object_key IN ({})",
        super::placeholders(2, keys.len())
    );
    let rows: Vec<(Uuid, String)> = dispatch!(tx.conn(), c => {
        let mut query = sqlx::query_as(&sql).bind(tenant);
        for key in keys {
            query = query.bind(key);
        }
        query.fetch_all(c).await?
    });
    Ok(tx.own_all("files", rows)?.into_iter().collect())
}

/// Deletes a file's record; `false` when there is none by that id.
pub async fn delete(tx: &mut WriteTx, id: FileId) -> Result<bool, StoreError> {
    super::delete_by_id(tx, "files", id.as_uuid()).await
}

/// The tenant's storage quota held by `tx` until it ends, and the bytes of all the tenant's
/// files: what an upload checks before it records its file. On PostgreSQL the hold is a
/// transaction-scoped advisory lock keyed by tenant (two 32-bit keys: a key space apart from
/// [`crate::LearnerLock`]'s), taken before counting, so concurrent uploads of a tenant check
/// and insert one after the other, each counting what the one before committed (READ
/// COMMITTED reads afresh per statement). SQLite's write transactions are serialized already.
pub async fn hold_quota(tx: &mut WriteTx) -> Result<u64, StoreError> {
    let key = quota_lock_key(tx.tenant_id());
    if let Engine::Postgres(c) = tx.conn() {
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(QUOTA_LOCK_CLASS)
            .bind(key)
            .execute(c)
            .await?;
    }
    bytes_used(tx).await
}

/// The first key of the quota's advisory lock ("LyQu"): what the lock guards.
const QUOTA_LOCK_CLASS: i32 = 0x4c79_5175;

/// The second key of the quota's advisory lock: the tenant's id folded to 32 bits (two tenants
/// sharing a key only wait for each other).
fn quota_lock_key(tenant: lyceum_domain::TenantId) -> i32 {
    let id = tenant.as_uuid().as_u128();
    let folded = (id >> 64) as u64 ^ id as u64;
    ((folded >> 32) as u32 ^ folded as u32) as i32
}

/// Bytes of all the tenant's files: what counts against the plan's storage quota.
pub async fn bytes_used(tx: &mut TenantTx) -> Result<u64, StoreError> {
    let tenant = tx.tenant();
    let used: i64 = dispatch!(tx.conn(), c => {
        sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM files WHERE tenant_id = $1",
        )
        .bind(tenant)
        .fetch_one(c)
        .await?
    });
    Ok(u64::try_from(used).unwrap_or_default())
}
