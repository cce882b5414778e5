//! The HTTP layer's one error type, answered as `{"error": CODE, "message": ...}`. Server-side
//! failures are logged with their detail and answered without it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use lyceum_store::StoreError;

#[derive(Debug)]
pub enum ApiError {
    Store(StoreError),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Store(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError::Store(e) = self;
        let status = match &e {
            StoreError::Validation(_) | StoreError::ConstraintViolation(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            StoreError::SlugTaken(_) | StoreError::Conflict(_) => StatusCode::CONFLICT,
            StoreError::TenantNotFound(_) | StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::InvalidReference(_) => StatusCode::UNPROCESSABLE_ENTITY,
            StoreError::Unavailable(_) | StoreError::TenantUnavailable { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
            tracing::error!(error = %e, code = e.code(), "request failed");
            "internal error".to_owned()
        } else {
            e.to_string()
        };
        (
            status,
            Json(serde_json::json!({"error": e.code(), "message": message})),
        )
            .into_response()
    }
}
