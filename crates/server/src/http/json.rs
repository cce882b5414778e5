//! [`ApiJson`]: JSON request bodies whose rejections answer in the API's error shape with
//! stable codes. Request types deny unknown fields, so a `tenant_id` in a body is refused.

use crate::http::error::{in_our_words, ApiError};
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::{header, HeaderMap};
use axum::Json;
use serde::de::DeserializeOwned;

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    /// Every request body is a JSON object: serde would also fill a struct from an array of its
    /// fields in order (`["email", "password"]`), which no client means on purpose.
    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(request.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                "send the body as `Content-Type: application/json`",
            ));
        }
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection.status() {
                    StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "PAYLOAD_TOO_LARGE",
                        "the body is larger than this address accepts",
                    ),
                    status => {
                        ApiError::new(status, "INVALID_JSON", in_our_words(&rejection.body_text()))
                    }
                })?;
        // Not JSON at all (cut short, say) is told as such, before any field is looked at.
        if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "INVALID_JSON",
                format!("the body is not JSON: {error}"),
            ));
        }
        let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if !object {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
                "the body must be a JSON object",
            ));
        }
        match Json::<T>::from_bytes(&bytes) {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => {
                let code = match rejection.status() {
                    StatusCode::UNPROCESSABLE_ENTITY => "VALIDATION_FAILED",
                    _ => "INVALID_JSON",
                };
                Err(ApiError::new(
                    rejection.status(),
                    code,
                    in_our_words(&rejection.body_text()),
                ))
            }
        }
    }
}

/// `application/json`, or a `+json` type (`application/merge-patch+json`), parameters aside.
fn json_content_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
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
        ApiError::new(status, code, in_our_words(&e.to_string()))
    })
}
