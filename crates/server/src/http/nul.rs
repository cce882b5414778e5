//! NUL characters are refused in every text a request carries, before any handler sees it: the
//! path and query (`%00`), JSON bodies (`\u0000`) and form bodies (`%00`). PostgreSQL cannot
//! store a NUL in text and SQLite would keep it silently, so letting one through would either
//! fail deep in a write or plant an invisible character in a name; refused at the door, it is
//! a plain 400 `VALIDATION_FAILED` on every route and both engines. CSV files are checked where
//! they are read (the enrollment import).

use crate::http::error::ApiError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

fn refused(place: &str) -> Response {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "VALIDATION_FAILED",
        format!("the {place} holds a NUL character (\\0), which no text may contain"),
    )
    .into_response()
}

/// Whether URL-encoded text (a path, a query, a form body) decodes to a NUL.
fn url_encoded_nul(text: &[u8]) -> bool {
    text.contains(&0) || text.windows(3).any(|w| w == b"%00")
}

/// Whether JSON text holds a `\u0000` escape (a NUL in a string or a key). A backslash inside a
/// JSON string always starts an escape, so the `\` before `u0000` is an escape of its own only
/// after an even run of backslashes (`\\u0000` is a backslash followed by the text `u0000`).
fn json_nul(text: &[u8]) -> bool {
    text.windows(6).enumerate().any(|(at, window)| {
        window == b"\\u0000"
            && text[..at].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
    })
}

/// The body kinds checked here; others (CSV, multipart files) are checked by what reads them.
enum TextBody {
    Json,
    Form,
}

fn text_body(request: &Request) -> Option<TextBody> {
    let essence = request
        .headers()
        .get(header::CONTENT_TYPE)?
        .to_str()
        .ok()?
        .split(';')
        .next()?
        .trim()
        .to_ascii_lowercase();
    if essence == "application/x-www-form-urlencoded" {
        Some(TextBody::Form)
    } else if essence == "application/json" || essence.ends_with("+json") {
        Some(TextBody::Json)
    } else {
        None
    }
}

/// Refuses a request whose path, query, JSON or form body holds a NUL.
pub(crate) async fn refuse_nul(request: Request, next: Next) -> Response {
    let uri = request.uri();
    if url_encoded_nul(uri.path().as_bytes()) {
        return refused("path");
    }
    if uri.query().is_some_and(|q| url_encoded_nul(q.as_bytes())) {
        return refused("query");
    }
    let Some(kind) = text_body(&request) else {
        return next.run(request).await;
    };
    // Text bodies are small (the body limit is 1 MiB); one over it is refused as the
    // extractors would refuse it, at once when its declared length says so (rather than after
    // waiting for a body that may never come).
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the body is over {} bytes", crate::MAX_BODY_BYTES),
        )
        .into_response()
    };
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > crate::MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await else {
        return too_large();
    };
    let nul = match kind {
        TextBody::Json => json_nul(&bytes),
        TextBody::Form => url_encoded_nul(&bytes),
    };
    if nul {
        return refused("body");
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_of_nul_are_found_and_escaped_backslashes_are_not() {
        assert!(json_nul(br#"{"title":"a\u0000b"}"#));
        assert!(json_nul(br#"{"a\u0000":1}"#));
        assert!(
            json_nul(br#"{"t":"\\\u0000"}"#),
            "an escaped backslash, then NUL"
        );
        assert!(
            !json_nul(br#"{"t":"\\u0000"}"#),
            "a backslash, then the text u0000"
        );
        assert!(!json_nul(br#"{"t":"u0000 \u0001"}"#));
    }

    #[test]
    fn url_encoded_nul_is_found_in_either_form() {
        assert!(url_encoded_nul(b"q=a%00b"));
        assert!(url_encoded_nul(b"q=a\0b"));
        assert!(
            !url_encoded_nul(b"q=a%2500b"),
            "an encoded percent sign, then 00"
        );
        assert!(!url_encoded_nul(b"q=%0A"));
    }
}
