//! `GET /api/v1/tenant`: the public face of the resolved tenant (name and branding), which a
//! login page needs before anyone has signed in. Nothing private is returned.

use crate::tenancy::CurrentTenant;
use axum::{Extension, Json};
use serde_json::{json, Value};

pub(crate) async fn show(
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
) -> Json<Value> {
    Json(json!({
        "slug": tenant.slug,
        "name": tenant.name,
        "branding": tenant.settings.get("branding").cloned().unwrap_or_else(|| json!({})),
        "self_signup": tenant.settings.get("self_signup").and_then(Value::as_bool).unwrap_or(false),
    }))
}
