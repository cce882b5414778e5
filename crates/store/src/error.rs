//! The store's one error type. Database errors are classified by kind (unique violation,
//! foreign key, row-level security refusal, missing storage) so that callers map them to a
//! stable code without knowing which engine produced them.

use lyceum_domain::ValidationError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("the slug {0:?} is already taken")]
    SlugTaken(String),
    #[error("no tenant {0:?}")]
    TenantNotFound(String),
    #[error("tenant {slug:?} is {status} and cannot be served")]
    TenantUnavailable { slug: String, status: String },
    #[error("placement {placement} is not available on the {engine} engine")]
    PlacementUnsupported {
        placement: &'static str,
        engine: &'static str,
    },
    #[error("the tenant's storage is missing: {0}")]
    StorageMissing(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("a referenced row does not exist: {0}")]
    InvalidReference(String),
    #[error("a value breaks a database constraint: {0}")]
    ConstraintViolation(String),
    #[error("the tenant isolation policy refused the statement: {0}")]
    IsolationViolation(String),
    #[error("a row of another tenant reached a scoped query on {0}")]
    ForeignRow(&'static str),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("the tenant's data is busy with other writes; try again in a moment")]
    Busy,
    #[error("unsafe database role: {0}")]
    UnsafeRole(String),
    #[error("connection budget: {0}")]
    Budget(String),
    #[error("migration of {target} failed: {message}")]
    Migration { target: String, message: String },
    #[error("storage i/o failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl StoreError {
    /// Stable upper-case code for API responses and CLI output.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Validation(e) => e.code(),
            StoreError::SlugTaken(_) => "TENANT_SLUG_TAKEN",
            StoreError::TenantNotFound(_) => "TENANT_NOT_FOUND",
            StoreError::TenantUnavailable { .. } => "TENANT_UNAVAILABLE",
            StoreError::PlacementUnsupported { .. } => "PLACEMENT_UNSUPPORTED",
            StoreError::StorageMissing(_) => "TENANT_STORAGE_MISSING",
            StoreError::NotFound(_) => "NOT_FOUND",
            StoreError::Conflict(_) => "CONFLICT",
            StoreError::InvalidReference(_) => "INVALID_REFERENCE",
            StoreError::ConstraintViolation(_) => "VALIDATION_FAILED",
            StoreError::IsolationViolation(_) | StoreError::ForeignRow(_) => {
                "TENANT_ISOLATION_VIOLATION"
            }
            StoreError::Unavailable(_) => "DATABASE_UNAVAILABLE",
            StoreError::Busy => "TENANT_BUSY",
            StoreError::UnsafeRole(_) => "UNSAFE_DATABASE_ROLE",
            StoreError::Budget(_) => "CONNECTION_BUDGET",
            StoreError::Migration { .. } => "MIGRATION_FAILED",
            StoreError::Io(_) => "STORAGE_IO",
            StoreError::Database(_) => "DATABASE_ERROR",
        }
    }
}

// PostgreSQL SQLSTATEs and SQLite result codes that mean "the tenant's storage is gone".
const UNDEFINED_TABLE: &str = "42P01";
const INVALID_SCHEMA_NAME: &str = "3F000";
const INVALID_CATALOG_NAME: &str = "3D000";
const INSUFFICIENT_PRIVILEGE: &str = "42501";
const SQLITE_CANTOPEN: &str = "14";
// SQLite primary result codes (the low byte of an extended code) for a lock not had in time.
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;

/// Whether `db` is SQLite saying that the file stayed locked for the whole busy timeout.
fn sqlite_busy(db: &dyn sqlx::error::DatabaseError) -> bool {
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .is_some_and(|_| {
            db.code()
                .and_then(|code| code.parse::<i64>().ok())
                .is_some_and(|code| matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
        })
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match &err {
            sqlx::Error::Database(db) => {
                if sqlite_busy(db.as_ref()) {
                    return StoreError::Busy;
                }
                let message = db.message().to_owned();
                match db.kind() {
                    ErrorKind::UniqueViolation => return StoreError::Conflict(message),
                    ErrorKind::ForeignKeyViolation => return StoreError::InvalidReference(message),
                    ErrorKind::CheckViolation | ErrorKind::NotNullViolation => {
                        return StoreError::ConstraintViolation(message)
                    }
                    _ => {}
                }
                match db.code().as_deref() {
                    // `too_many_connections` and the rest of class 53, insufficient resources:
                    // the server is full for now (its `max_connections` lowered under us, or
                    // other clients took the reserve), not broken.
                    Some(code) if code.starts_with("53") => StoreError::Unavailable(message),
                    Some(INSUFFICIENT_PRIVILEGE) if message.contains("row-level security") => {
                        StoreError::IsolationViolation(message)
                    }
                    Some(
                        UNDEFINED_TABLE | INVALID_SCHEMA_NAME | INVALID_CATALOG_NAME
                        | SQLITE_CANTOPEN,
                    ) => StoreError::StorageMissing(message),
                    _ => StoreError::Database(err),
                }
            }
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => StoreError::Unavailable(err.to_string()),
            _ => StoreError::Database(err),
        }
    }
}
