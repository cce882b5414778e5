//! Identity over HTTP: sign-in with its throttle, per-tenant Ed25519 signing keys, short-lived
//! access tokens (JWT) beside the refresh tokens of `lyceum_app::identity::sessions`, and the
//! [`Authenticated`] extractor that turns a bearer token into a user of the resolved tenant. A
//! token of one tenant is never accepted by another. Passwords are changed and recovered in
//! `recovery`. People, passwords and sessions follow the rules of `lyceum_app::identity`.

mod extract;
pub(crate) mod handlers;
mod keys;
pub(crate) mod recovery;
mod standing;
mod throttle;
mod tokens;

pub use extract::Authenticated;
pub(crate) use extract::{bearer, verified_claims, verify_token};
pub(crate) use handlers::{
    refresh_expiry, tenant_password_sign_in, tokens_for, LoginRequest, TokenResponse,
};
pub use keys::KeyRing;
pub use standing::Standings;
pub use throttle::LoginThrottleConfig;
pub(crate) use throttle::{
    client_address, password_sign_in, unlock_sign_in, ClientAddress, LoginThrottle,
};
pub(crate) use tokens::{platform_claims, sign, PLATFORM_AUDIENCE};
pub use tokens::{Claims, PlatformClaims};

/// The unverified claims of a request's bearer token (for routing only, never to authorize).
pub(crate) fn extract_bearer_claims(headers: &axum::http::HeaderMap) -> Option<Claims> {
    extract::bearer(headers).and_then(tokens::unverified_claims)
}
