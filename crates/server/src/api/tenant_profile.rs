//! `GET /api/v1/tenant`: the public face of the resolved tenant (name and branding), which a
//! login page needs before anyone has signed in. Nothing private is returned.

use crate::http::tenancy::CurrentTenant;
use axum::{Extension, Json};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct TenantProfile {
    slug: String,
    name: String,
    /// The tenant's `branding` settings (colours, logo ...), `{}` when unset.
    #[schema(value_type = Object)]
    branding: Value,
    /// Whether `POST /api/v1/auth/signup` is open.
    self_signup: bool,
}

/// The resolved tenant's public profile.
#[utoipa::path(get, path = "/api/v1/tenant", tag = "tenant",
    responses(
        (status = 200, body = TenantProfile),
        (status = "4XX", description = "Tenant not resolved, unknown or suspended", body = crate::http::error::ErrorBody),
    ))]
pub(crate) async fn show(
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
) -> Json<TenantProfile> {
    Json(TenantProfile {
        slug: tenant.slug.to_string(),
        name: tenant.name.clone(),
        branding: tenant
            .settings
            .get("branding")
            .cloned()
            .unwrap_or_else(|| json!({})),
        self_signup: lyceum_domain::TenantSettings::read(&tenant.settings).self_signup,
    })
}
