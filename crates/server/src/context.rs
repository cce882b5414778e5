//! Per-request context: the request id (honoured from `X-Request-Id` when it is a sane token,
//! generated otherwise, returned on every response) and the final shape of error bodies.

use crate::error::ApiError;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

pub(crate) static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, in request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn acceptable(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

pub(crate) async fn request_context(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    request.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.run(request).await;
    if let Some(error) = response.extensions_mut().remove::<ApiError>() {
        let status = error.status;
        let body = Json(
            serde_json::json!({"error": error.code, "message": error.message, "request_id": id}),
        );
        response = (status, body).into_response();
    }
    response.headers_mut().insert(
        REQUEST_ID.clone(),
        HeaderValue::from_str(&id).expect("request ids are visible ASCII"),
    );
    response
}

/// Unknown routes answer in the same error shape.
pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("no such route")
}
