//! [`ApiJson`]: JSON request bodies whose rejections answer in the API's error shape with
//! stable codes. Request types deny unknown fields, so a `tenant_id` in a body is refused.

use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::Json;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => {
                let status = rejection.status();
                let code = match status {
                    StatusCode::UNPROCESSABLE_ENTITY => "VALIDATION_FAILED",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
                    StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
                    _ => "INVALID_JSON",
                };
                Err(ApiError::new(status, code, rejection.body_text()))
            }
        }
    }
}

/// A JSON body that may be left out: an empty body is `T::default()`; anything else must parse
/// as `T`, with the same codes as [`ApiJson`].
pub(crate) fn optional_body<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        let (status, code) = if e.is_data() {
            (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
        } else {
            (StatusCode::BAD_REQUEST, "INVALID_JSON")
        };
        ApiError::new(status, code, e.to_string())
    })
}
