//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `GET /api/v1/openapi.json`. Tenant routes are documented once, without the `/t/{slug}`
//! prefix under which they are also served.

use axum::response::{IntoResponse, Response};

use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lyceum API",
        description = "Multi-tenant learning platform. Tenant routes resolve their tenant from, in \
            order: the path prefix `/t/{slug}`, a sub-domain of the configured base domain, a \
            verified custom domain, the `X-Tenant-ID` header (id or slug), or the bearer token. \
            Every error answers `{\"error\": CODE, \"message\": ..., \"request_id\": ...}`."
    ),
    paths(
        crate::http::health::healthz,
        crate::http::health::readyz,
        document,
        crate::http::metrics::scrape,
        crate::api::tenant_profile::show,
        crate::api::auth::handlers::jwks,
        crate::api::auth::handlers::login,
        crate::api::auth::handlers::refresh,
        crate::api::auth::handlers::logout,
        crate::api::auth::handlers::me,
        crate::api::users::sign_up,
        crate::api::users::list,
        crate::api::users::create,
        crate::api::users::show,
        crate::api::users::update,
        crate::api::users::deactivate,
        crate::api::invitations::reissue,
        crate::api::invitations::accept,
        crate::api::learning::courses::list,
        crate::api::learning::courses::create,
        crate::api::learning::courses::show,
        crate::api::learning::courses::replace,
        crate::api::learning::courses::delete,
        crate::api::learning::courses::publish,
        crate::api::learning::courses::archive,
        crate::api::learning::modules::list,
        crate::api::learning::modules::create,
        crate::api::learning::modules::reorder,
        crate::api::learning::modules::update,
        crate::api::learning::modules::delete,
        crate::api::learning::lessons::list,
        crate::api::learning::lessons::create,
        crate::api::learning::lessons::reorder,
        crate::api::learning::lessons::show,
        crate::api::learning::lessons::replace,
        crate::api::learning::lessons::delete,
        crate::api::learning::progress::record_progress,
        crate::api::learning::progress::show,
        crate::api::learning::enrollments::enroll,
        crate::api::learning::enrollments::import,
        crate::api::learning::enrollments::students,
        crate::api::learning::enrollments::list,
        crate::api::learning::enrollments::update,
        crate::api::learning::enrollments::unenroll,
        crate::api::learning::dashboard::show,
        crate::api::learning::certificates::verify,
        crate::api::platform::login,
        crate::api::auth::handlers::platform_jwks,
        crate::api::platform::list_tenants,
        crate::api::platform::create_tenant,
        crate::api::platform::show_tenant,
        crate::api::platform::suspend_tenant,
        crate::api::platform::resume_tenant,
        crate::api::platform::audit_log,
    ),
    modifiers(&BearerToken, &TenantRateLimit, &OperationIds, &CommonRefusals),
    servers((url = "/", description = "This server; tenant routes are also served under `/t/{slug}`")),
    tags(
        (name = "operations", description = "Probes and the API description"),
        (name = "tenant", description = "The resolved tenant's public profile"),
        (name = "auth", description = "Sign-in, tokens and the signed-in user"),
        (name = "users", description = "A tenant's users, for its admins"),
        (name = "courses", description = "The catalog and course editing"),
        (name = "content", description = "Modules and lessons"),
        (name = "enrollments", description = "Who learns what"),
        (name = "progress", description = "Progress, certificates and the learner's dashboard"),
        (name = "platform", description = "The platform operator (super_admin): tenants and audit log"),
    )
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The operations of a path, whatever their method.
fn operations(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

/// Every tenant route may answer 429 `RATE_LIMITED` when its tenant is over its plan's rate.
struct TenantRateLimit;

impl Modify for TenantRateLimit {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let untenanted = [
            "/healthz",
            "/readyz",
            "/metrics",
            "/api/v1/openapi.json",
            "/api/v1/platform/",
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            if untenanted.iter().any(|p| path.starts_with(p)) {
                continue;
            }
            for operation in operations(item) {
                operation.responses.responses.entry("429".to_owned()).or_insert_with(|| {
                    utoipa::openapi::ResponseBuilder::new()
                        .description(
                            "`RATE_LIMITED`: the tenant is over its plan's request rate; see \
                             `Retry-After`, `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`",
                        )
                        .into()
                });
                operation
                    .responses
                    .responses
                    .entry("503".to_owned())
                    .or_insert_with(|| {
                        utoipa::openapi::ResponseBuilder::new()
                        .description(
                            "`TENANT_BUSY`: the tenant's data stayed locked by other writes for \
                             the busy timeout, try again after `Retry-After`; \
                             `DATABASE_UNAVAILABLE`; `SHUTTING_DOWN`",
                        )
                        .into()
                    });
            }
        }
    }
}

/// Operation ids unique over the document: the path's fixed segments, then the handler's name
/// unless the path already ends with it (`courses_show` for `GET /api/v1/courses/{id}`,
/// `modules_lessons_create` for `POST /api/v1/modules/{id}/lessons`), since several resources
/// have handlers of the same name.
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let resource: Vec<String> = path
                .split('/')
                .filter(|s| !s.is_empty() && !s.starts_with('{') && *s != "api" && *s != "v1")
                .map(|s| s.replace(|c: char| !c.is_ascii_alphanumeric(), "_"))
                .collect();
            let resource = resource.join("_");
            for operation in operations(item) {
                if let Some(id) = operation.operation_id.as_mut() {
                    if !resource.ends_with(id.as_str()) {
                        *id = format!("{resource}_{id}");
                    } else {
                        *id = resource.clone();
                    }
                }
            }
        }
    }
}

/// The refusals every operation of a kind can answer, declared where the handler's annotation
/// did not: a signed-in operation 401 (no, a malformed, a forged or an expired token); one with a
/// body 400 (not JSON), 413 (too large), 415 (not `application/json`) and 422 (valid JSON of the
/// wrong shape); one with path or query parameters 400 (a malformed id or query); one with query
/// parameters 422 (a value out of range); one with path parameters 404. Each with the error
/// body.
struct CommonRefusals;

impl Modify for CommonRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        let error = |description: &str| -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
            utoipa::openapi::ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .into()
        };
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let signed_in = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = operation.request_body.is_some();
                let parameters = operation.parameters.as_deref().unwrap_or_default();
                let in_path = parameters
                    .iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Path));
                let in_query = parameters
                    .iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query));
                let mut declare = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| error(description));
                };
                if signed_in {
                    declare(
                        "401",
                        "`UNAUTHENTICATED`, `INVALID_TOKEN`, `TOKEN_EXPIRED`: sign in (again)",
                    );
                }
                if has_body {
                    declare("400", "`INVALID_JSON`: the body is not JSON");
                    declare("413", "`PAYLOAD_TOO_LARGE`");
                    declare("415", "`UNSUPPORTED_MEDIA_TYPE`: send `application/json`");
                    declare("422", "`VALIDATION_FAILED`: valid JSON of the wrong shape, or a value breaking a rule");
                }
                if in_path || in_query {
                    declare("400", "`BAD_REQUEST`: a malformed id or query parameter");
                }
                if in_query {
                    declare("422", "`VALIDATION_FAILED`: a value out of range (`limit`)");
                }
                if in_path {
                    declare("404", "`NOT_FOUND`: nothing you may see by that id");
                }
            }
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub(crate) async fn document() -> Response {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let json = DOCUMENT.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .expect("the OpenAPI document serializes")
    });
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json.as_str(),
    )
        .into_response()
}
