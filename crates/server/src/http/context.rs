//! Per-request context: the request id (honoured from `X-Request-Id` when it is a sane token,
//! generated otherwise, returned on every response), where a request came from (for the audit
//! logs) and the final shape of error bodies.

use crate::api::auth::ClientAddress;
use crate::http::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

pub(crate) static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, in request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Where a request came from, as the audit logs record it: the client's address (the peer, or
/// the nearest untrusted hop behind trusted proxies: the sign-in throttle's rule), its user
/// agent and the request id.
pub(crate) struct RequestOrigin(pub lyceum_domain::Origin);

impl FromRequestParts<AppState> for RequestOrigin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ClientAddress(address) = ClientAddress::from_request_parts(parts, state).await?;
        let agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        let request_id = parts.extensions.get::<RequestId>().map(|r| r.0.as_str());
        Ok(RequestOrigin(lyceum_domain::Origin::new(
            address, agent, request_id,
        )))
    }
}

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
        // Keep what the error set besides its body (`Retry-After`, `RateLimit` ...).
        let headers = std::mem::take(response.headers_mut());
        response = error_body(error.status, error.code, &error.message, &id);
        for (name, value) in &headers {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                response.headers_mut().append(name, value.clone());
            }
        }
    } else if response.status().is_client_error() && !is_json(&response) && !is_page(&response) {
        // Rejections of axum's own extractors and layers (bad path or query, 405, 413 ...)
        // answer in plain text; give them the API's shape too (the portal's pages stay pages).
        let status = response.status();
        let text = axum::body::to_bytes(std::mem::take(response.body_mut()), 16 * 1024)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let message = if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned()
        } else {
            crate::http::error::in_our_words(&text)
        };
        response = error_body(status, code_for(status), &message, &id);
    }
    response.headers_mut().insert(
        REQUEST_ID.clone(),
        HeaderValue::from_str(&id).expect("request ids are visible ASCII"),
    );
    response
}

fn error_body(status: StatusCode, code: &str, message: &str, id: &str) -> Response {
    let body = ErrorBody {
        error: code,
        message,
        request_id: id,
    };
    (status, Json(body)).into_response()
}

fn content_type_is(response: &Response, media_type: &str) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(media_type))
}

fn is_json(response: &Response) -> bool {
    content_type_is(response, "application/json")
}

fn is_page(response: &Response) -> bool {
    content_type_is(response, "text/html")
}

/// The stable code of a refusal that came without one (axum's own, by its status).
pub(crate) fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "NOT_FOUND",
        StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        StatusCode::UNPROCESSABLE_ENTITY => "VALIDATION_FAILED",
        StatusCode::REQUEST_TIMEOUT => "REQUEST_TIMEOUT",
        _ => "BAD_REQUEST",
    }
}

/// Unknown routes answer in the same error shape; a browser asking for a page that is not
/// the API's gets a page saying so.
pub(crate) async fn not_found(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let page = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if page && !uri.path().contains("/api/") {
        return crate::portal::no_such_page(&state, &headers);
    }
    ApiError::not_found("no such route").into_response()
}
