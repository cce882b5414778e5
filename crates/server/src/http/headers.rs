//! Headers every answer carries, from the API, the portal and the console alike: no content-type
//! sniffing, no framing by other sites, no referrer leaving this origin, `Strict-Transport-Security`
//! when the operator turned it on (`hsts_max_age_secs`, for deployments served over TLS), and
//! `Cache-Control: no-store` unless the answer says otherwise: answers carry tokens and
//! personal data, and no shared or browser cache should keep them. Answers meant to be kept
//! (the stylesheet, public pages) set their own `Cache-Control`.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// Adds the headers every answer carries, keeping any a handler set itself.
pub(crate) async fn secure_headers(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let defaults = [
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
    ];
    for (name, value) in defaults {
        headers.entry(name).or_insert(value);
    }
    if let Some(hsts) = &state.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    response
}

/// The `Strict-Transport-Security` value for `max_age_secs`, none for 0.
pub(crate) fn hsts(max_age_secs: u64) -> Option<HeaderValue> {
    (max_age_secs > 0).then(|| {
        HeaderValue::from_str(&format!("max-age={max_age_secs}; includeSubDomains"))
            .expect("digits make a header value")
    })
}
