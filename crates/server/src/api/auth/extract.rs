//! [`Authenticated`]: the signed-in user of the resolved tenant, from a bearer token.

use super::tokens::{self, Claims, Rejected};
use crate::http::context::RequestOrigin;
use crate::http::error::ApiError;
use crate::http::tenancy::CurrentTenant;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use lyceum_domain::{Origin, Permission, Role, UserId};
use lyceum_store::{KeyOwner, Tenant};
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct Authenticated {
    pub user_id: UserId,
    /// The role the user holds now (the token's `role` claim is the one it was signed with).
    pub role: Role,
    pub tenant: Arc<Tenant>,
    pub claims: Claims,
    /// Where the request came from.
    pub origin: Origin,
}

impl Authenticated {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The user as the application layer's use cases see them.
    pub fn actor(&self) -> lyceum_app::Actor {
        lyceum_app::Actor {
            user: self.user_id,
            role: self.role,
            plan: self.tenant.plan,
            origin: self.origin.clone(),
        }
    }

    /// Refuses with 403 `PERMISSION_DENIED` unless the user's role grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        Ok(self.actor().require(permission)?)
    }
}

/// The bearer token of a request, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CurrentTenant(tenant) = parts
            .extensions
            .get::<CurrentTenant>()
            .cloned()
            .ok_or_else(|| {
                ApiError::internal("authentication used on a route without tenant resolution")
            })?;
        let Ok(RequestOrigin(origin)) = RequestOrigin::from_request_parts(parts, state).await;
        Authenticated::of(state, tenant, &parts.headers, origin).await
    }
}

impl Authenticated {
    /// The user of `tenant` whom the request's bearer token names, once the token is verified
    /// against that tenant's keys and audience, asking from `origin`.
    pub(crate) async fn of(
        state: &AppState,
        tenant: Arc<Tenant>,
        headers: &HeaderMap,
        origin: Origin,
    ) -> Result<Self, ApiError> {
        let token = bearer(headers).ok_or_else(|| {
            ApiError::unauthorized("UNAUTHENTICATED", "sign in first: no bearer token")
        })?;
        let claims = verified_claims(state, &tenant, token).await?;
        Authenticated::standing(state, tenant, claims, origin).await
    }

    /// The user a verified token names, with the role they hold now (refused once they are no
    /// longer active): see [`super::standing`]; asking from `origin`.
    async fn standing(
        state: &AppState,
        tenant: Arc<Tenant>,
        claims: Claims,
        origin: Origin,
    ) -> Result<Self, ApiError> {
        let user_id = UserId::from_uuid(claims.sub);
        let role = state.standings.role(&tenant, user_id).await?;
        Ok(Authenticated {
            user_id,
            role,
            tenant,
            claims,
            origin,
        })
    }
}

/// The claims of `token` once verified for `tenant`: its signature by one of the tenant's keys,
/// issuer, audience and expiry. The same bytes verified before need no second signature check
/// (the expiry still does), so a request's middleware and its handler can both ask.
pub(crate) async fn verified_claims(
    state: &AppState,
    tenant: &Tenant,
    token: &str,
) -> Result<Claims, ApiError> {
    if let Some(claims) = state.keys.verified(token).await {
        if claims.tenant_id == tenant.id().as_uuid() && claims.aud == tenant.slug.as_str() {
            if claims.exp > chrono::Utc::now().timestamp() {
                return Ok((*claims).clone());
            }
            return Err(ApiError::unauthorized(
                "TOKEN_EXPIRED",
                "the access token has expired",
            ));
        }
    }
    if let Some(claimed) = tokens::unverified_claims(token) {
        if claimed.tenant_id != tenant.id().as_uuid() {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "TENANT_MISMATCH",
                "the token belongs to another tenant",
            ));
        }
    }
    let claims: Claims = verify_token(
        state,
        KeyOwner::Tenant(tenant.id()),
        token,
        tenant.slug.as_str(),
    )
    .await?;
    state.keys.remember(token, &claims).await;
    Ok(claims)
}

/// Verifies `token` against the owner's keys, reloading them once when the `kid` is unknown
/// (another process may have rotated them).
pub(crate) async fn verify_token<C: serde::de::DeserializeOwned>(
    state: &AppState,
    owner: KeyOwner,
    token: &str,
    audience: &str,
) -> Result<C, ApiError> {
    let issuer = &state.config.auth.issuer;
    let keys = state.keys.get(owner).await?;
    match tokens::verify(&keys, token, audience, issuer) {
        Ok(claims) => Ok(claims),
        Err(Rejected::UnknownKey) => {
            let keys = state.keys.reload(owner).await?;
            match tokens::verify(&keys, token, audience, issuer) {
                Ok(claims) => Ok(claims),
                Err(Rejected::UnknownKey) => Err(ApiError::unauthorized(
                    "INVALID_TOKEN",
                    "the token's signing key is unknown",
                )),
                Err(Rejected::Invalid(e)) => Err(e),
            }
        }
        Err(Rejected::Invalid(e)) => Err(e),
    }
}
