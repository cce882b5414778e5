//! The OpenAPI 3.1 document, generated from the handlers' annotations and served at
//! `GET /api/v1/openapi.json`. Tenant routes are documented once, without the `/t/{slug}`
//! prefix under which they are also served: the document's `servers` name both forms (see
//! [`TenantForms`]), and tenant operations declare the `X-Tenant-ID` header.
//!
//! The modifiers add what every operation of a kind shares, so that no handler has to repeat
//! it: the security scheme, unique operation ids, how a tenant is named, the refusals of tenant
//! resolution and rate limits, the refusals of bodies, ids and queries, the error body on every
//! error response, and `allOf` compositions any answer can satisfy.
//! `crates/server/tests/openapi.rs` holds the result against the router and against the
//! official OpenAPI 3.1 schema.

use axum::http::Method;
use axum::response::{IntoResponse, Response};

use std::sync::OnceLock;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::response::{ResponseBuilder, Responses};
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::{Server, ServerBuilder, ServerVariableBuilder};
use utoipa::openapi::{ContentBuilder, Header, Ref, RefOr, Required};
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
    tags(
        (name = "operations", description = "Probes and the API description"),
        (name = "tenant", description = "The resolved tenant's public profile"),
        (name = "auth", description = "Sign-in, tokens and the signed-in user"),
        (name = "users", description = "A tenant's users, for its admins"),
        (name = "groups", description = "Groups (cohorts) of a tenant's people, for its admins"),
        (name = "courses", description = "The catalog and course editing"),
        (name = "content", description = "Modules and lessons"),
        (name = "enrollments", description = "Who learns what"),
        (name = "progress", description = "Progress, certificates and the learner's dashboard"),
        (name = "assessments", description = "Quizzes, exams and assignments: questions, banks, attempts, grading"),
        (name = "gradebook", description = "Grades per learner and course, weighted categories, CSV export, item analysis"),
        (name = "audit", description = "The tenant's audit log, for its admins"),
        (name = "webhooks", description = "The tenant's webhooks and their deliveries, for its admins"),
        (name = "platform", description = "The platform operator (super_admin): tenants and audit log"),
        (name = "signup", description = "Organisations signing themselves up, where the operator lets them"),
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
fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
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

/// The API's tenant paths (served also under `/t/{slug}`, resolving a tenant): read from the
/// router's own registration, so the document cannot disagree with it.
struct TenantPaths(Vec<String>);

impl TenantPaths {
    fn contains(&self, path: &str) -> bool {
        self.0.iter().any(|tenant| tenant == path)
    }
}

/// Routes of the platform operator: no tenant, but the database behind them.
fn is_platform_path(path: &str) -> bool {
    path.starts_with("/api/v1/platform/")
}

/// The `tenant` server variable: the tenant's slug.
fn tenant_variable() -> utoipa::openapi::server::ServerVariable {
    ServerVariableBuilder::new()
        .default_value("acme")
        .description(Some("The tenant's slug"))
        .build()
}

/// How a request names its tenant, as the document's `servers` and parameters say it:
///
/// - `/`: this host. Tenant routes take the tenant from the host name (a sub-domain of the base
///   domain, or a tenant's verified custom domain), else from the `X-Tenant-ID` header, else
///   from the bearer token;
/// - `/t/{tenant}`: the path prefix, on any host;
/// - `https://{tenant}.{base_domain}`: the sub-domain form spelled out.
///
/// Paths that are not tenant routes (probes, this document, the platform operator's routes)
/// override the list with `/` alone, since they are not served under `/t/{slug}` nor resolve a
/// sub-domain. Every tenant operation declares the optional `X-Tenant-ID` header.
struct TenantForms<'a>(&'a TenantPaths);

impl Modify for TenantForms<'_> {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.servers = Some(vec![
            ServerBuilder::new()
                .url("/")
                .description(Some(
                    "This host. Tenant routes take their tenant from the host name (a sub-domain \
                     of the configured `base_domain`, or a tenant's verified custom domain), else \
                     from the `X-Tenant-ID` header, else from the bearer token's tenant",
                ))
                .build(),
            ServerBuilder::new()
                .url("/t/{tenant}")
                .description(Some(
                    "Tenant routes under the tenant's path prefix, on any host (not the probes, \
                     this document or the platform routes)",
                ))
                .parameter("tenant", tenant_variable())
                .build(),
            ServerBuilder::new()
                .url("https://{tenant}.{base_domain}")
                .description(Some(
                    "Tenant routes on the tenant's sub-domain of the configured `base_domain`",
                ))
                .parameter("tenant", tenant_variable())
                .parameter(
                    "base_domain",
                    ServerVariableBuilder::new()
                        .default_value("lms.example")
                        .description(Some("The server's configured `base_domain`"))
                        .build(),
                )
                .build(),
        ]);
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !self.0.contains(path) {
                item.servers = Some(vec![Server::new("/")]);
                continue;
            }
            for operation in operations(item) {
                operation
                    .parameters
                    .get_or_insert_with(Vec::new)
                    .push(tenant_header());
            }
        }
    }
}

/// The optional `X-Tenant-ID` request header.
fn tenant_header() -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name("X-Tenant-ID")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The tenant, by id (UUID) or slug, where neither the path (`/t/{slug}`) nor the host \
             names it; refused with 403 `TENANT_MISMATCH` when it names another tenant than they \
             do",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .examples(["acme"]),
        ))
        .build()
}

/// An integer response header.
fn integer_header(description: &str, minimum: u32) -> Header {
    let mut header = Header::new(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(minimum)),
    );
    header.description = Some(description.to_owned());
    header
}

fn retry_after() -> (&'static str, Header) {
    (
        "Retry-After",
        integer_header("Seconds to wait before trying again", 1),
    )
}

/// The refusals of tenant resolution (`tenancy.rs`) on every tenant operation: 400 when nothing
/// names a tenant or the host is malformed, 403 when the tenant is suspended or two sources name
/// different tenants, 404 when the named tenant does not exist, 429 when the tenant is over its
/// plan's rate (`ratelimit.rs`), and 503 when its data or the database is unavailable (a store
/// refusal, `error.rs`) or the server stops. The platform operator's routes reach the database
/// too: 503 there.
struct TenantRefusals<'a>(&'a TenantPaths);

impl Modify for TenantRefusals<'_> {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let tenant = self.0.contains(path);
            if !tenant && !is_platform_path(path) {
                continue;
            }
            for operation in operations(item) {
                let responses = &mut operation.responses;
                if !tenant {
                    declare(
                        responses,
                        "503",
                        "`DATABASE_UNAVAILABLE`: the database does not answer, retry after \
                         `Retry-After`; `SHUTTING_DOWN`: the server stopped while serving the \
                         request",
                        [retry_after()],
                    );
                    continue;
                }
                declare(
                    responses,
                    "400",
                    "`TENANT_NOT_RESOLVED`: neither path, host, `X-Tenant-ID` nor a bearer token \
                     names a tenant; `INVALID_HOST`: a malformed `Host` header",
                    [],
                );
                declare(
                    responses,
                    "403",
                    "`TENANT_SUSPENDED`: the tenant is suspended; `TENANT_MISMATCH`: \
                     `X-Tenant-ID`, or a bearer token, names another tenant than the request's \
                     address",
                    [],
                );
                declare(responses, "404", "`TENANT_NOT_FOUND`: no such tenant", []);
                declare(
                    responses,
                    "429",
                    "`RATE_LIMITED`: the tenant is over its plan's request rate, retry after \
                     `Retry-After`",
                    [
                        retry_after(),
                        (
                            "RateLimit-Limit",
                            integer_header("The tenant's burst: requests at once", 1),
                        ),
                        (
                            "RateLimit-Remaining",
                            integer_header("Requests left in the burst (0 when refused)", 0),
                        ),
                        (
                            "RateLimit-Reset",
                            integer_header("Seconds until a request is allowed again", 1),
                        ),
                    ],
                );
                declare(
                    responses,
                    "503",
                    "`TENANT_BUSY`: the tenant's data stayed locked by other writes for the busy \
                     timeout, and `DATABASE_UNAVAILABLE`: the database does not answer, both to \
                     retry after `Retry-After`; `SHUTTING_DOWN`: the server stopped while serving \
                     the request",
                    [retry_after()],
                );
            }
        }
    }
}

/// An error response with the error body.
fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", error_content())
        .into()
}

fn error_content() -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("ErrorBody")))
        .build()
}

/// Declares that the operation answers `status` with the error body for the refusal(s) that
/// `text` names (its first code in backquotes, `` `CODE` ``, stands for them): a new response,
/// or, where the status is already declared (by the handler or an earlier modifier), `text`
/// added to its description unless that already names the code, and `headers` added where
/// missing.
fn declare<const N: usize>(
    responses: &mut Responses,
    status: &str,
    text: &str,
    headers: [(&str, Header); N],
) {
    let response = responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| error_response(""));
    let RefOr::T(response) = response else {
        return; // a shared response says it all
    };
    let code = text.split('`').nth(1).map(|code| format!("`{code}`"));
    let code = code.as_deref().unwrap_or(text);
    if !response.description.contains(code) {
        if !response.description.is_empty() {
            response.description.push_str("; ");
        }
        response.description.push_str(text);
    }
    for (name, header) in headers {
        response.headers.entry(name.to_owned()).or_insert(header);
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
/// did not declare the status: every operation 400 (a NUL character in its address or a
/// header) and 413 (a body larger than the address takes, whether or not it takes one); a
/// signed-in operation 401 (no, a malformed, a forged or an expired token); one with a body
/// 400 (not JSON), 415 (not `application/json`) and 422 (valid JSON of the wrong shape); one with path or query
/// parameters 400 (a malformed id or query); one with query parameters 422 (a value out of
/// range); one with path parameters 404. Each with the error body. A status the handler
/// declared is left to it.
struct CommonRefusals;

impl Modify for CommonRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
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
                let by_handler: Vec<String> =
                    operation.responses.responses.keys().cloned().collect();
                let mut refuse = |status: &str, text: &str| {
                    if !by_handler.iter().any(|s| s == status) {
                        declare(&mut operation.responses, status, text, []);
                    }
                };
                refuse(
                    "400",
                    "`VALIDATION_FAILED`: a NUL character in the address, the query or a header",
                );
                refuse(
                    "413",
                    "`PAYLOAD_TOO_LARGE`: a body larger than this address accepts",
                );
                if signed_in {
                    refuse(
                        "401",
                        "`UNAUTHENTICATED`, `INVALID_TOKEN`, `TOKEN_EXPIRED`: sign in (again)",
                    );
                }
                if has_body {
                    refuse("400", "`INVALID_JSON`: the body is not JSON");
                    refuse("413", "`PAYLOAD_TOO_LARGE`");
                    refuse("415", "`UNSUPPORTED_MEDIA_TYPE`: send `application/json`");
                    refuse(
                        "422",
                        "`VALIDATION_FAILED`: valid JSON of the wrong shape, or a value breaking \
                         a rule",
                    );
                }
                if in_path || in_query {
                    refuse("400", "`BAD_REQUEST`: a malformed id or query parameter");
                }
                if in_query {
                    refuse("422", "`VALIDATION_FAILED`: a value out of range (`limit`)");
                }
                if in_path {
                    refuse("404", "`NOT_FOUND`: nothing you may see by that id");
                }
            }
        }
    }
}

/// Every error answers with the error body (`error.rs`, `context.rs`): each 4xx and 5xx
/// response declared without content gets it, each 429 its `Retry-After`, and `default` stands
/// for the errors no status names (500 `INTERNAL`, 408 `REQUEST_TIMEOUT`, ...).
struct ErrorShape;

impl Modify for ErrorShape {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let responses = &mut operation.responses.responses;
                responses.entry("default".to_owned()).or_insert_with(|| {
                    error_response(
                        "Any other error, such as 500 `INTERNAL` or 408 `REQUEST_TIMEOUT`",
                    )
                });
                for (status, response) in responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let error = status == "default" || status.starts_with(['4', '5']);
                    if error && response.content.is_empty() {
                        response
                            .content
                            .insert("application/json".to_owned(), error_content());
                    }
                    if status == "429" {
                        let (name, header) = retry_after();
                        response.headers.entry(name.to_owned()).or_insert(header);
                    }
                }
            }
        }
    }
}

/// A response type that flattens a request type (`Question` holds a `QuestionDraft`) is an
/// `allOf` of the two; a request type refuses unknown fields (`additionalProperties: false`),
/// which would make every answer fail the `allOf`. Members of an `allOf` are made open: a closed
/// schema referred to is put there as a copy without the closing.
struct OpenCompositions;

impl Modify for OpenCompositions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let closed: std::collections::BTreeMap<String, Schema> = components
            .schemas
            .iter()
            .filter_map(|(name, schema)| match schema {
                RefOr::T(schema @ Schema::Object(object)) if closes(object) => Some((
                    format!("#/components/schemas/{name}"),
                    opened(schema.clone()),
                )),
                _ => None,
            })
            .collect();
        for schema in components.schemas.values_mut() {
            let RefOr::T(Schema::AllOf(all_of)) = schema else {
                continue;
            };
            for member in &mut all_of.items {
                match member {
                    RefOr::Ref(reference) => {
                        if let Some(open) = closed.get(&reference.ref_location) {
                            *member = RefOr::T(open.clone());
                        }
                    }
                    RefOr::T(inline) => *inline = opened(inline.clone()),
                }
            }
        }
    }
}

fn closes(object: &utoipa::openapi::schema::Object) -> bool {
    matches!(
        object.additional_properties.as_deref(),
        Some(AdditionalProperties::FreeForm(false))
    )
}

fn opened(schema: Schema) -> Schema {
    match schema {
        Schema::Object(mut object) if closes(&object) => {
            object.additional_properties = None;
            Schema::Object(object)
        }
        other => other,
    }
}

/// The whole document: the operations the router registers (each from its handler's
/// annotation), the document's own parts ([`ApiDoc`]), then what every operation of a kind
/// shares.
fn description() -> utoipa::openapi::OpenApi {
    let (tenant_paths, operations) = crate::api_paths();
    let tenant_paths = TenantPaths(tenant_paths);
    let mut doc = ApiDoc::openapi();
    doc.merge(operations);
    let shared: [&dyn Modify; 7] = [
        &BearerToken,
        &OperationIds,
        &TenantForms(&tenant_paths),
        &CommonRefusals,
        &TenantRefusals(&tenant_paths),
        &ErrorShape,
        &OpenCompositions,
    ];
    for modifier in shared {
        modifier.modify(&mut doc);
    }
    doc
}

/// The methods `item` holds an operation under.
pub(crate) fn methods_of(item: &utoipa::openapi::PathItem) -> Vec<Method> {
    [
        (&item.get, Method::GET),
        (&item.put, Method::PUT),
        (&item.post, Method::POST),
        (&item.delete, Method::DELETE),
        (&item.options, Method::OPTIONS),
        (&item.head, Method::HEAD),
        (&item.patch, Method::PATCH),
        (&item.trace, Method::TRACE),
    ]
    .into_iter()
    .filter_map(|(operation, method)| operation.is_some().then_some(method))
    .collect()
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub(crate) async fn document() -> Response {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let json = DOCUMENT.get_or_init(|| {
        description()
            .to_json()
            .expect("the OpenAPI document serializes")
    });
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json.as_str(),
    )
        .into_response()
}
