//! Tenant resolution: before any other logic, every tenant route learns which tenant it serves.
//!
//! Sources, in order: the path prefix `/t/{slug}/...`; a sub-domain of the configured base
//! domain (reserved names skipped); a verified custom domain; the `X-Tenant-ID` header (id or
//! slug); the bearer token's tenant claim. A later explicit source that names another tenant is refused (`TENANT_MISMATCH`).
//! Lookups go through the directory's bounded, expiring cache.

use crate::api::auth;
use crate::http::error::ApiError;
use crate::http::metrics::ResolvedTenant;
use crate::http::ratelimit::{Payer, Verdict};
use crate::AppState;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use lyceum_domain::{Slug, TenantId, TenantStatus};
use lyceum_store::{Tenant, TenantKey};
use std::net::IpAddr;
use std::sync::Arc;

/// The tenant this request serves, in request extensions.
#[derive(Debug, Clone)]
pub struct CurrentTenant(pub Arc<Tenant>);

const TENANT_HEADER: &str = "x-tenant-id";

pub(crate) async fn resolve_tenant(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let tenant = serving_tenant(&state, uri.path(), request.headers()).await?;
    tracing::Span::current().record("tenant", tenant.slug.as_str());
    Ok(within_rate(&state, tenant, request, next, |tenant| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            format!("tenant {} is over its plan's request rate", tenant.slug),
        )
        .into_response()
    })
    .await)
}

/// Serves `request` for `tenant` within its plan's request rate, whichever face it reaches:
/// the handler's answer with the `RateLimit` headers, or, over the rate, what `refused` says
/// (each face in its own medium) with `Retry-After`.
pub(crate) async fn within_rate(
    state: &AppState,
    tenant: Arc<Tenant>,
    mut request: Request,
    next: Next,
    refused: impl FnOnce(&Tenant) -> Response,
) -> Response {
    let token = auth::bearer(request.headers()).map(str::to_owned);
    let address = auth::client_address(state, request.extensions(), request.headers());
    let payer = payer(state, &tenant, token.as_deref(), address).await;
    let verdict = state.rate_limits.check(tenant.id(), tenant.plan, payer);
    let mut response = match verdict {
        Some(Verdict::Refused { .. }) => {
            state.metrics.rate_limited(tenant.slug.as_str());
            refused(&tenant)
        }
        _ => {
            request
                .extensions_mut()
                .insert(CurrentTenant(tenant.clone()));
            next.run(request).await
        }
    };
    // A handler's own limit (sign-in throttling) speaks for itself. The tenant's bucket is
    // shown to its members only; a visitor learns only when to come back.
    let shown =
        |verdict: &Verdict| payer == Payer::Member || matches!(verdict, Verdict::Refused { .. });
    if let Some(verdict) = verdict
        .filter(shown)
        .filter(|_| !response.headers().contains_key("ratelimit-limit"))
    {
        verdict.write_headers(response.headers_mut());
    }
    response
        .extensions_mut()
        .insert(ResolvedTenant(tenant.slug.to_string()));
    response
}

/// Who pays for a request to `tenant` bearing `token`, from `address` (see [`Payer`]).
async fn payer(
    state: &AppState,
    tenant: &Tenant,
    token: Option<&str>,
    address: Option<IpAddr>,
) -> Payer {
    if let Some(token) = token {
        if auth::verified_claims(state, tenant, token).await.is_ok() {
            return Payer::Member;
        }
    }
    Payer::Visitor(address)
}

/// The tenant a request names, if it is being served (not suspended, provisioning, deleted).
pub(crate) async fn serving_tenant(
    state: &AppState,
    path: &str,
    headers: &HeaderMap,
) -> Result<Arc<Tenant>, ApiError> {
    let tenant = resolve(state, path, headers).await?;
    match tenant.status() {
        TenantStatus::Active => Ok(tenant),
        TenantStatus::Suspended => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "TENANT_SUSPENDED",
            format!("tenant {} is suspended", tenant.slug),
        )),
        TenantStatus::Provisioning | TenantStatus::Deleted => Err(tenant_not_found()),
    }
}

async fn resolve(
    state: &AppState,
    path: &str,
    headers: &HeaderMap,
) -> Result<Arc<Tenant>, ApiError> {
    let mut resolved: Option<Arc<Tenant>> = None;

    if let Some(rest) = path.strip_prefix("/t/") {
        let slug = rest.split('/').next().unwrap_or_default();
        let slug = Slug::parse(slug).map_err(|_| tenant_not_found())?;
        resolved = Some(lookup(state, TenantKey::Slug(slug.to_string())).await?);
    }
    // A host that is no tenant's sub-domain or verified custom domain falls through to the
    // header: machine clients call the API on plain host names.
    let mut unknown_host = false;
    if resolved.is_none() {
        if let Some(host) = host(headers)? {
            if let Some(key) = host_key(&host, state.config.base_domain.as_deref()) {
                resolved = state.store.directory().resolve(&key).await?;
                unknown_host = resolved.is_none();
            }
        }
    }
    if let Some(value) = headers.get(TENANT_HEADER) {
        let value = value.to_str().map_err(|_| tenant_not_found())?.trim();
        let key = match value.parse::<TenantId>() {
            Ok(id) => TenantKey::Id(id),
            Err(_) => TenantKey::Slug(
                Slug::parse(value)
                    .map_err(|_| tenant_not_found())?
                    .to_string(),
            ),
        };
        let named = lookup(state, key).await?;
        match &resolved {
            Some(tenant) if tenant.id() != named.id() => {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "TENANT_MISMATCH",
                    "X-Tenant-ID names another tenant than the request's address",
                ))
            }
            Some(_) => {}
            None => resolved = Some(named),
        }
    }
    if unknown_host {
        return resolved.ok_or_else(tenant_not_found);
    }
    // Where nothing else names a tenant, the bearer token's claim does; the signature is
    // checked against that tenant's keys when the route authenticates.
    if resolved.is_none() {
        if let Some(claims) = crate::api::auth::extract_bearer_claims(headers) {
            resolved =
                Some(lookup(state, TenantKey::Id(TenantId::from_uuid(claims.tenant_id))).await?);
        }
    }
    resolved.ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "TENANT_NOT_RESOLVED",
            "no tenant named by path (/t/{slug}), host or X-Tenant-ID header",
        )
    })
}

async fn lookup(state: &AppState, key: TenantKey) -> Result<Arc<Tenant>, ApiError> {
    state
        .store
        .directory()
        .resolve(&key)
        .await?
        .ok_or_else(tenant_not_found)
}

fn tenant_not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "TENANT_NOT_FOUND", "no such tenant")
}

/// The request's host name, lower case, without port; refuses malformed or oversized values.
fn host(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(header::HOST) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_HOST",
            "the Host header is not a valid host name",
        )
    };
    let raw = value.to_str().map_err(|_| invalid())?;
    if raw.len() > 260 {
        return Err(invalid());
    }
    let name = match raw.rsplit_once(':') {
        Some((name, port)) if !name.contains(']') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => raw,
    }
    .trim_end_matches('.')
    .to_ascii_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if name.starts_with('[') {
        return Ok(None); // an IPv6 literal names no tenant
    }
    if !valid {
        return Err(invalid());
    }
    Ok(Some(name))
}

/// What a host name says about the tenant: a sub-domain of the base domain, or a custom domain.
fn host_key(host: &str, base_domain: Option<&str>) -> Option<TenantKey> {
    let is_ip = host
        .split('.')
        .all(|l| l.bytes().all(|b| b.is_ascii_digit()));
    if is_ip || host == "localhost" || !host.contains('.') {
        return None;
    }
    if let Some(base) = base_domain {
        if host == base {
            return None;
        }
        if let Some(label) = host.strip_suffix(base).and_then(|h| h.strip_suffix('.')) {
            // Only a single label directly under the base domain names a tenant.
            return Slug::parse(label)
                .ok()
                .map(|slug| TenantKey::Slug(slug.to_string()));
        }
    }
    Some(TenantKey::Domain(host.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(host: &str) -> Option<TenantKey> {
        host_key(host, Some("lms.example"))
    }

    #[test]
    fn sub_domains_of_the_base_domain_name_tenants() {
        assert_eq!(
            key("acme.lms.example"),
            Some(TenantKey::Slug("acme".into()))
        );
        for none in [
            "lms.example",
            "www.lms.example",
            "api.lms.example",
            "a.b.lms.example",
            "127.0.0.1",
            "localhost",
        ] {
            assert_eq!(key(none), None, "{none}");
        }
        assert_eq!(
            key("learn.acme-corp.com"),
            Some(TenantKey::Domain("learn.acme-corp.com".into()))
        );
    }

    #[test]
    fn host_header_is_normalized_and_checked() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "ACME.lms.example:8080".parse().unwrap());
        assert_eq!(host(&headers).unwrap().as_deref(), Some("acme.lms.example"));
        for bad in ["bad_host.example", "a..b", &"a".repeat(300), "exa mple.com"] {
            headers.insert(header::HOST, bad.parse().unwrap());
            assert_eq!(host(&headers).unwrap_err().code, "INVALID_HOST", "{bad}");
        }
    }
}
