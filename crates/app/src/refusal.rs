//! [`Refusal`]: the application layer's one error type.

use lyceum_domain::ValidationError;
use lyceum_store::StoreError;

/// Why a use case did not do what it was asked: a rule said no (with a stable code), or the
/// store failed.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The actor may not do this (`PERMISSION_DENIED`, `NOT_ENROLLED`, ...).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Nothing the actor may see by that id.
    #[error("{0}")]
    NotFound(String),
    /// Not now, in the state things are in (`COURSE_FULL`, `COURSE_NOT_OPEN`, ...).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A value breaks a rule (`INVALID_PROGRESS`, `PROGRESS_DECREASE`, ...).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something Lyceum needs failed (not the caller's doing).
    #[error("{0}")]
    Internal(&'static str),
}

impl Refusal {
    pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Refusal::Conflict {
            code,
            message: message.into(),
        }
    }

    /// The stable code faces report.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Forbidden { code, .. } | Refusal::Conflict { code, .. } => code,
            Refusal::NotFound(_) => "NOT_FOUND",
            Refusal::Invalid(e) => e.code(),
            Refusal::Store(e) => e.code(),
            Refusal::Internal(_) => "INTERNAL",
        }
    }
}
