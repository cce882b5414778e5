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
            Refusal::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
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
        let message = match &e {
            _ if status == StatusCode::INTERNAL_SERVER_ERROR => {
                tracing::error!(error = %e, code = e.code(), "request failed");
                "internal error".to_owned()
            }
            // The database's own words name constraints, tables and hosts: logged, not sent.
            StoreError::Conflict(_)
            | StoreError::InvalidReference(_)
            | StoreError::ConstraintViolation(_)
            | StoreError::Unavailable(_)
            | StoreError::StorageMissing(_) => {
                tracing::info!(error = %e, code = e.code(), "request refused by the database");
                match &e {
                    StoreError::Conflict(_) => "this clashes with something that exists already",
                    StoreError::InvalidReference(_) => "something this names does not exist",
                    StoreError::ConstraintViolation(_) => "a value is not acceptable",
                    _ => "the database is unavailable; try again in a moment",
                }
                .to_owned()
            }
            _ => e.to_string(),
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

/// A message axum or serde wrote about a request, in Lyceum's words: without the framework's
/// phrases (`Failed to deserialize query string`) and without Rust's type names
/// (`expected struct LoginRequest`, ``Cannot parse `x` to a `u64` ``): the client sent
/// something wrong, which is theirs to fix, not our types.
pub(crate) fn in_our_words(text: &str) -> String {
    const PHRASES: [(&str, &str); 8] = [
        (
            "Failed to deserialize query string: ",
            "the query is not valid: ",
        ),
        (
            "Failed to deserialize query string",
            "the query is not valid",
        ),
        (
            "Failed to deserialize the JSON body into the target type: ",
            "the body is not valid: ",
        ),
        (
            "Failed to parse the request body as JSON: ",
            "the body is not valid JSON: ",
        ),
        (
            "Failed to buffer the request body: ",
            "the body could not be read: ",
        ),
        (
            "Failed to deserialize form body: ",
            "the form is not valid: ",
        ),
        ("Failed to deserialize form: ", "the form is not valid: "),
        ("Invalid URL: ", "the address is not valid: "),
    ];
    let mut text = text.trim().to_owned();
    for (theirs, ours) in PHRASES {
        if let Some(rest) = text.strip_prefix(theirs) {
            text = format!("{ours}{rest}");
            break;
        }
    }
    if text.contains("Cannot parse `") {
        // `Cannot parse `abc` to a `u64``: name the value, not the type.
        let value = text
            .split('`')
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_default();
        return format!("the address is not valid: {value:?} is not a value it accepts");
    }
    if text.starts_with("Wrong number of path arguments") || text.contains("path arguments") {
        return "the address is not valid".to_owned();
    }
    let text = text.replace(
        "Expected request with `Content-Type: application/x-www-form-urlencoded`",
        "send the form as `application/x-www-form-urlencoded`",
    );
    without_type_names(&text)
}

/// Rust's type names in a deserializer's message replaced by what they mean to a client.
fn without_type_names(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("expected ") {
        out.push_str(&rest[..at + "expected ".len()]);
        rest = &rest[at + "expected ".len()..];
        let word_end = |s: &str| {
            s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(s.len())
        };
        for (kind, meaning) in [
            ("struct ", "a JSON object"),
            ("enum ", "one of the values allowed"),
        ] {
            if let Some(after) = rest.strip_prefix(kind) {
                out.push_str(meaning);
                rest = &after[word_end(after)..];
            }
        }
        let word = &rest[..word_end(rest)];
        let meaning = match word {
            "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => {
                Some("a whole number")
            }
            "f32" | "f64" => Some("a number"),
            "bool" => Some("true or false"),
            _ => None,
        };
        if let Some(meaning) = meaning {
            out.push_str(meaning);
            rest = &rest[word.len()..];
        }
    }
    out.push_str(rest);
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_phrases_and_rust_types_become_our_words() {
        let cases = [
            (
                "Failed to deserialize query string: limit: invalid digit found in string",
                "the query is not valid: limit: invalid digit found in string",
            ),
            (
                "Failed to deserialize the JSON body into the target type: invalid type: string \"x\", expected struct EnrollRequest at line 1 column 3",
                "the body is not valid: invalid type: string \"x\", expected a JSON object at line 1 column 3",
            ),
            (
                "invalid type: string \"x\", expected u32 at line 1 column 9",
                "invalid type: string \"x\", expected a whole number at line 1 column 9",
            ),
            ("expected enum Role", "expected one of the values allowed"),
            ("missing field `email`", "missing field `email`"),
            (
                "Invalid URL: Cannot parse `abc` to a `u64`",
                "the address is not valid: \"abc\" is not a value it accepts",
            ),
        ];
        for (theirs, ours) in cases {
            assert_eq!(in_our_words(theirs), ours, "{theirs}");
        }
    }

    #[test]
    fn database_words_stay_in_the_log() {
        let conflict = StoreError::Conflict(
            "duplicate key value violates unique constraint \"users_tenant_id_email_key\"".into(),
        );
        let answered = ApiError::from(conflict);
        assert_eq!(answered.code, "CONFLICT");
        assert!(!answered.message.contains("users_tenant_id_email_key"));
        let down = ApiError::from(StoreError::Unavailable(
            "cannot connect to db.internal:5432".into(),
        ));
        assert!(!down.message.contains("db.internal"));
    }
}
