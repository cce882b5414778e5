//! [`Refusal`]: the application layer's one error type.

use lyceum_domain::ValidationError;
use lyceum_store::StoreError;

/// Why a use case did not do what it was asked: a rule said no (with a stable code), or the
/// store failed.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The actor may not do this (`PERMISSION_DENIED`, `NOT_ENROLLED`, `PLAN_LIMIT_REACHED` ...).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// Nothing the actor may see by that id (`NOT_FOUND`, `CERTIFICATE_NOT_FOUND` ...).
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    /// Not now, in the state things are in (`COURSE_FULL`, `COURSE_NOT_OPEN`, ...).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A value breaks a rule (`INVALID_PROGRESS`, `PROGRESS_DECREASE`, ...).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Well-formed, but naming something the rule does not accept (`INVALID_INSTRUCTOR`,
    /// `INVALID_PREREQUISITE` ...).
    #[error("{message}")]
    Unacceptable { code: &'static str, message: String },
    /// The input cannot be read at all (`INVALID_CSV` ...).
    #[error("{message}")]
    Malformed { code: &'static str, message: String },
    /// Wrong credentials or a token that is no longer good (`INVALID_CREDENTIALS` ...).
    #[error("{message}")]
    Unauthenticated { code: &'static str, message: String },
    /// More than a limit allows in one request or in all (`FILE_TOO_LARGE`,
    /// `STORAGE_QUOTA_EXCEEDED`).
    #[error("{message}")]
    TooLarge { code: &'static str, message: String },
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

    pub(crate) fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Refusal::Forbidden {
            code,
            message: message.into(),
        }
    }

    /// `PERMISSION_DENIED`.
    pub(crate) fn denied(message: impl Into<String>) -> Self {
        Refusal::forbidden("PERMISSION_DENIED", message)
    }

    /// `NOT_FOUND`, naming what was asked for.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Refusal::NotFound {
            code: "NOT_FOUND",
            message: message.into(),
        }
    }

    pub(crate) fn unacceptable(code: &'static str, message: impl Into<String>) -> Self {
        Refusal::Unacceptable {
            code,
            message: message.into(),
        }
    }

    /// The same refusal once more (for a repeat of what was refused); a store failure, which
    /// cannot be copied, is answered as an internal one.
    pub(crate) fn again(&self) -> Self {
        let (code, message) = (self.code(), self.to_string());
        match self {
            Refusal::Forbidden { .. } => Refusal::Forbidden { code, message },
            Refusal::NotFound { .. } => Refusal::NotFound { code, message },
            Refusal::Conflict { .. } => Refusal::Conflict { code, message },
            Refusal::Unacceptable { .. } => Refusal::Unacceptable { code, message },
            Refusal::TooLarge { .. } => Refusal::TooLarge { code, message },
            Refusal::Malformed { .. } => Refusal::Malformed { code, message },
            Refusal::Unauthenticated { .. } => Refusal::Unauthenticated { code, message },
            Refusal::Invalid(e) => Refusal::Invalid(e.clone()),
            Refusal::Store(_) | Refusal::Internal(_) => {
                Refusal::Internal("a repeated enrollment failed")
            }
        }
    }

    pub(crate) fn too_large(code: &'static str, message: impl Into<String>) -> Self {
        Refusal::TooLarge {
            code,
            message: message.into(),
        }
    }

    /// The stable code faces report.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Forbidden { code, .. }
            | Refusal::NotFound { code, .. }
            | Refusal::Conflict { code, .. }
            | Refusal::Unacceptable { code, .. }
            | Refusal::Malformed { code, .. }
            | Refusal::Unauthenticated { code, .. }
            | Refusal::TooLarge { code, .. } => code,
            Refusal::Invalid(e) => e.code(),
            Refusal::Store(e) => e.code(),
            Refusal::Internal(_) => "INTERNAL",
        }
    }
}
