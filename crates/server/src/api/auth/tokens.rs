//! Access tokens (JWT, EdDSA, `kid` in the header) and opaque refresh tokens.

use super::keys::Keys;
use crate::http::error::ApiError;
use axum::http::StatusCode;
use jsonwebtoken::{Algorithm, Header, Validation};
use lyceum_app::identity::User;
use lyceum_domain::{Permission, Role};
use lyceum_store::{PlatformUser, Tenant};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// What a tenant user's access token says. `aud` is the tenant's slug; `tenant_id` must match
/// the tenant the request resolved to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub tenant_id: Uuid,
    pub tenant_slug: String,
    pub role: Role,
    pub permissions: Vec<Permission>,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
}

/// The audience of platform operators' tokens. `platform` is a reserved slug, so no tenant's
/// audience can equal it.
pub(crate) const PLATFORM_AUDIENCE: &str = "platform";

/// What a platform operator's access token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlatformClaims {
    pub sub: Uuid,
    pub email: String,
    /// Always `super_admin`.
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
}

pub(crate) fn tenant_claims(tenant: &Tenant, user: &User, issuer: &str, ttl: Duration) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: user.id.as_uuid(),
        tenant_id: tenant.id().as_uuid(),
        tenant_slug: tenant.slug.to_string(),
        role: user.role,
        permissions: user.role.permissions().to_vec(),
        iss: issuer.to_owned(),
        aud: tenant.slug.to_string(),
        exp: now + ttl.as_secs() as i64,
        iat: now,
    }
}

pub(crate) fn platform_claims(user: &PlatformUser, issuer: &str, ttl: Duration) -> PlatformClaims {
    let now = chrono::Utc::now().timestamp();
    PlatformClaims {
        sub: user.id.as_uuid(),
        email: user.email.to_string(),
        role: "super_admin".to_owned(),
        iss: issuer.to_owned(),
        aud: PLATFORM_AUDIENCE.to_owned(),
        exp: now + ttl.as_secs() as i64,
        iat: now,
    }
}

/// Signs `claims` with the owner's current key, naming it in `kid`.
pub(crate) fn sign(keys: &Keys, claims: &impl Serialize) -> Result<String, ApiError> {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(keys.signing_kid.clone());
    jsonwebtoken::encode(&header, claims, &keys.signing)
        .map_err(|_| ApiError::internal("token signing failed"))
}

/// The claims of a token without checking its signature: only to route (which tenant does it
/// claim?) and to refuse early; never to authorize.
pub(crate) fn unverified_claims(token: &str) -> Option<Claims> {
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.insecure_disable_signature_validation();
    validation.validate_aud = false;
    validation.validate_exp = false;
    let key = jsonwebtoken::DecodingKey::from_secret(&[]);
    jsonwebtoken::decode::<Claims>(token, &key, &validation)
        .ok()
        .map(|d| d.claims)
}

pub(crate) enum Rejected {
    UnknownKey,
    Invalid(ApiError),
}

/// Verifies signature, algorithm, issuer, audience and expiry.
pub(crate) fn verify<C: DeserializeOwned>(
    keys: &Keys,
    token: &str,
    audience: &str,
    issuer: &str,
) -> Result<C, Rejected> {
    let invalid = |message: &str| {
        Rejected::Invalid(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_TOKEN",
            message,
        ))
    };
    let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("malformed token"))?;
    if header.alg != Algorithm::EdDSA {
        return Err(invalid("unexpected token algorithm"));
    }
    let kid = header.kid.ok_or_else(|| invalid("token has no key id"))?;
    let key = keys.verifier(&kid).ok_or(Rejected::UnknownKey)?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.leeway = 0;
    validation.set_audience(&[audience]);
    validation.set_issuer(&[issuer]);
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    jsonwebtoken::decode::<C>(token, key, &validation)
        .map(|d| d.claims)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => Rejected::Invalid(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "TOKEN_EXPIRED",
                "the access token has expired",
            )),
            _ => invalid("the token is not valid here"),
        })
}
