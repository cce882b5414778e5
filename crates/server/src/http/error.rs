//! The HTTP layer's one error type. Every error is answered as
//! `{"error": CODE, "message": ..., "request_id": ...}` with a stable upper-case code; server-side
//! failures are logged with their detail and answered without it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use lyceum_app::Refusal;
use lyceum_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Set when the error is a sign that tenant isolation was attacked or broken
    /// (`policy_refused`, `foreign_row`): counted and logged as a security event.
    pub alarm: Option<&'static str>,
    /// Seconds after which a retry may succeed, sent as `Retry-After`.
    pub retry_after: Option<u32>,
    /// The rejected value behind the error, for a face that words it in the reader's language
    /// (the portal); the API answers `message`.
    pub invalid: Option<Box<lyceum_domain::ValidationError>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            alarm: None,
            retry_after: None,
            invalid: None,
        }
    }

    /// A server-side failure; the message is logged, the client sees only the code.
    pub fn internal(message: &str) -> Self {
        tracing::error!(message, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL",
            "internal error",
        )
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }
}

/// What every 4xx and 5xx response carries.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody<'a> {
    /// A stable upper-case code, such as `TENANT_NOT_FOUND` (see docs/errors.md).
    pub error: &'a str,
    /// For people; may change between versions.
    pub message: &'a str,
    /// The request's `X-Request-Id`, to quote when reporting a problem.
    pub request_id: &'a str,
}

impl From<lyceum_domain::ValidationError> for ApiError {
    fn from(e: lyceum_domain::ValidationError) -> Self {
        ApiError::from(StoreError::from(e))
    }
}

/// A refusal of the application layer, as the API answers it: its code, with the status that
/// fits its kind; a store failure as any other.
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let status = match &refusal {
            Refusal::Forbidden { .. } => StatusCode::FORBIDDEN,
            Refusal::NotFound { .. } => StatusCode::NOT_FOUND,
            Refusal::Conflict { .. } => StatusCode::CONFLICT,
            Refusal::Unacceptable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Malformed { .. } => StatusCode::BAD_REQUEST,
            Refusal::Unauthenticated { code, message } => {
                return ApiError::unauthorized(code, message);
            }
            Refusal::Store(_) | Refusal::Invalid(_) | Refusal::Internal(_) => {
                return match refusal {
                    Refusal::Store(e) => e.into(),
                    Refusal::Invalid(e) => e.into(),
                    Refusal::Internal(message) => ApiError::internal(message),
                    _ => unreachable!("matched just above"),
                };
            }
        };
        ApiError::new(status, refusal.code(), refusal.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = match &e {
            StoreError::Validation(_)
            | StoreError::ConstraintViolation(_)
            | StoreError::InvalidReference(_) => StatusCode::UNPROCESSABLE_ENTITY,
            StoreError::SlugTaken(_) | StoreError::Conflict(_) => StatusCode::CONFLICT,
            StoreError::TenantNotFound(_) | StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::PlacementUnsupported { .. } => StatusCode::BAD_REQUEST,
            StoreError::Unavailable(_)
            | StoreError::TenantUnavailable { .. }
            | StoreError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let alarm = match &e {
            StoreError::IsolationViolation(_) => Some("policy_refused"),
            StoreError::ForeignRow(_) => Some("foreign_row"),
            _ => None,
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %e, code = e.code(), "request failed");
            "internal error".to_owned()
        } else {
            e.to_string()
        };
        ApiError {
            alarm,
            invalid: match &e {
                StoreError::Validation(invalid) => Some(Box::new(invalid.clone())),
                _ => None,
            },
            // Writers of a busy tenant are served in turn, one second is several turns; a
            // database out of connections or a pool wait that timed out frees up as quickly.
            retry_after: matches!(e, StoreError::Busy | StoreError::Unavailable(_)).then_some(1),
            ..ApiError::new(status, e.code(), message)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // The request-context middleware re-renders this with the request id.
        let body = Json(serde_json::json!({"error": self.code, "message": self.message}));
        let mut response = (self.status, body).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response.extensions_mut().insert(self);
        response
    }
}
