//! `GET /api/v1/tenant`: the public face of the resolved tenant (name and branding), which a
//! login page needs before anyone has signed in. Nothing private is returned.

use crate::api::files::{logo_address, tenant_prefix};
use crate::http::tenancy::CurrentTenant;
use axum::extract::OriginalUri;
use axum::{Extension, Json};
use lyceum_domain::Branding;
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
    /// The address of the logo to show: the uploaded one (a path of this server, as this
    /// request reached it), else `branding.logo_url`; `null` without either.
    logo: Option<String>,
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
    OriginalUri(uri): OriginalUri,
) -> Json<TenantProfile> {
    let branding = Branding::from_settings(&tenant.settings);
    Json(TenantProfile {
        logo: logo_address(&branding, &tenant_prefix(uri.path())),
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
