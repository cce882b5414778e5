//! Browser sessions and form protection. A signed-in browser holds a session cookie whose value
//! is a refresh token of the tenant's own (the same family, expiry and revocation as the API's
//! sign-in), `HttpOnly`, `SameSite=Lax`, `Secure` over TLS, scoped to the tenant's portal path:
//! another tenant's store does not know the token, so a cookie of tenant A is nobody on tenant
//! B. Every form that changes something carries a CSRF token that must equal the browser's
//! `lyceum_csrf` cookie (a double-submit token: a page of another site can neither read the
//! cookie nor set the field).

use axum::http::{header, HeaderMap, HeaderValue};
use axum_extra::extract::cookie::{Cookie, SameSite};
use ring::rand::{SecureRandom, SystemRandom};

pub(crate) const SESSION_COOKIE: &str = "lyceum_session";
pub(crate) const CSRF_COOKIE: &str = "lyceum_csrf";

/// The browser's CSRF token from its cookie, and `false`; or a fresh one, and `true` (the
/// answer must then set it).
pub(crate) fn csrf_token(jar: &axum_extra::extract::CookieJar) -> (String, bool) {
    match jar.get(CSRF_COOKIE) {
        Some(c) if c.value().len() == 32 => (c.value().to_owned(), false),
        _ => (random_token(), true),
    }
}

/// A fresh CSRF token or script nonce (128 random bits, hex).
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    // A failing system generator leaves no safe token to hand out; refuse every form then.
    if SystemRandom::new().fill(&mut bytes).is_err() {
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Does a form's `csrf` field match the browser's cookie? Compared in constant time; an empty
/// token never matches.
pub(crate) fn csrf_matches(cookie: &str, field: &str) -> bool {
    let differing = cookie
        .bytes()
        .zip(field.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    !cookie.is_empty() && cookie.len() == field.len() && differing == 0
}

/// Was the request made over TLS (directly, or as a proxy in front says)?
pub(crate) fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// A cookie of the tenant's portal at `base` (`/t/acme`, or empty on the tenant's own host).
pub(crate) fn cookie(
    name: &'static str,
    value: String,
    base: &str,
    secure: bool,
    same_site: SameSite,
) -> Cookie<'static> {
    let path = if base.is_empty() {
        "/".to_owned()
    } else {
        base.to_owned()
    };
    Cookie::build((name, value))
        .path(path)
        .http_only(true)
        .secure(secure)
        .same_site(same_site)
        .build()
}

/// `Set-Cookie` for `cookie` (a cookie value that cannot be a header value is left out).
pub(crate) fn set_cookie(headers: &mut HeaderMap, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        headers.append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_are_random_and_compared_whole() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(csrf_matches(&a, &a));
        assert!(!csrf_matches(&a, &b));
        assert!(!csrf_matches(&a, &a[..31]));
        assert!(!csrf_matches("", ""));
    }

    #[test]
    fn cookies_are_scoped_to_the_tenant_and_hidden_from_scripts() {
        let c = cookie(SESSION_COOKIE, "t".into(), "/t/acme", true, SameSite::Lax);
        let text = c.to_string();
        for part in ["Path=/t/acme", "HttpOnly", "Secure", "SameSite=Lax"] {
            assert!(text.contains(part), "{text}");
        }
        let host = cookie(CSRF_COOKIE, "x".into(), "", false, SameSite::Strict).to_string();
        assert!(
            host.contains("Path=/") && !host.contains("Secure"),
            "{host}"
        );
    }
}
