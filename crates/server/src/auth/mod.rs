//! Identity inside a tenant: passwords (Argon2id, hashed off the async threads), per-tenant
//! Ed25519 signing keys, short-lived access tokens (JWT), rotating refresh tokens with reuse
//! detection, and the [`Authenticated`] extractor that turns a bearer token into a user of the
//! resolved tenant. A token of one tenant is never accepted by another.

mod extract;
pub(crate) mod handlers;
mod keys;
pub mod password;
mod throttle;
mod tokens;

pub use extract::Authenticated;
pub(crate) use extract::{bearer, verify_token};
pub(crate) use handlers::{
    jwks, login, logout, me, platform_jwks, refresh, sign_in, LoginRequest, TokenResponse,
};
pub use keys::KeyRing;
pub use throttle::LoginThrottleConfig;
pub(crate) use throttle::{password_sign_in, ClientAddress, LoginThrottle};
pub(crate) use tokens::{
    new_opaque_token, opaque_token_hash, platform_claims, sign, PLATFORM_AUDIENCE,
};
pub use tokens::{Claims, PlatformClaims};

/// The unverified claims of a request's bearer token (for routing only, never to authorize).
pub(crate) fn extract_bearer_claims(headers: &axum::http::HeaderMap) -> Option<Claims> {
    extract::bearer(headers).and_then(tokens::unverified_claims)
}
