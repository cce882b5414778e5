//! Tenant self-administration over HTTP, for the tenant's admins (`tenant:settings`):
//! `GET`/`PATCH /api/v1/tenant/settings` (name, brand, language, time zone, self sign-up and
//! its e-mail domains) and the custom domains under `/api/v1/tenant/domains` (claim, verify,
//! remove). The rules are `lyceum_app::settings`'; this module reads requests and shapes
//! answers. Answers carrying a domain's verification token are sent `Cache-Control: no-store`.

use crate::api::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use lyceum_app::settings::{self, domains, DomainCheck, OrganisationSettings};
use lyceum_domain::{FileId, SettingsChange};
use lyceum_store::CustomDomain;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The organisation's settings.
#[derive(Serialize, ToSchema)]
pub(crate) struct SettingsBody {
    name: String,
    branding: BrandingBody,
    /// May people create their own student account (`POST /api/v1/auth/signup`)?
    self_signup: bool,
    /// E-mail domains self sign-up admits (ASCII form); empty admits every address.
    signup_domains: Vec<String>,
    /// Does the plan include custom domains?
    custom_domains_allowed: bool,
}

/// The organisation's brand; `null` takes Lyceum's default.
#[derive(Serialize, ToSchema)]
pub(crate) struct BrandingBody {
    /// `#rrggbb`: header, buttons and links.
    primary_color: Option<String>,
    /// `#rrggbb`: the keyboard focus outline.
    accent_color: Option<String>,
    /// An `https://` address or a path on this server; an uploaded logo is shown instead.
    logo_url: Option<String>,
    /// The uploaded logo (`PUT /api/v1/tenant/logo`), if any: read-only here.
    logo_file: Option<FileId>,
    /// `en` or `fr`: the language of the pages, unless a person chose their own.
    locale: Option<String>,
    /// An IANA time zone name, such as `Europe/Paris`.
    time_zone: Option<String>,
}

impl From<OrganisationSettings> for SettingsBody {
    fn from(org: OrganisationSettings) -> Self {
        let brand = &org.settings.brand;
        SettingsBody {
            branding: BrandingBody {
                primary_color: brand.primary_color.map(|c| c.to_string()),
                accent_color: brand.accent_color.map(|c| c.to_string()),
                logo_url: brand.logo_url.clone(),
                logo_file: brand.logo_file,
                locale: brand.locale.map(|l| l.as_str().to_owned()),
                time_zone: brand.time_zone.map(|tz| tz.name().to_owned()),
            },
            self_signup: org.settings.self_signup,
            signup_domains: org
                .settings
                .signup_domains
                .iter()
                .map(ToString::to_string)
                .collect(),
            custom_domains_allowed: org.custom_domains,
            name: org.name,
        }
    }
}

/// A change to the settings: fields left out stay as they are; `null` (or `""`) clears an
/// optional one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SettingsPatch {
    #[schema(min_length = 1, max_length = 200)]
    name: Option<String>,
    branding: Option<BrandingPatch>,
    self_signup: Option<bool>,
    /// Replaces the list; host names, Unicode or ASCII, at most 50.
    #[schema(max_items = 50)]
    signup_domains: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct BrandingPatch {
    /// `#rrggbb` or `#rgb`, contrasting at least 4.5:1 with white.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    primary_color: Option<Option<String>>,
    /// `#rrggbb` or `#rgb`, contrasting at least 3:1 with white.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, pattern = "^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")]
    accent_color: Option<Option<String>>,
    /// An `https://` address, or a path on this server; at most 500 characters.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 500)]
    logo_url: Option<Option<String>>,
    /// A language tag whose language Lyceum speaks (`en`, `fr`, `fr-CA`).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    locale: Option<Option<String>>,
    /// An IANA time zone name.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    time_zone: Option<Option<String>>,
}

/// A field that is there, as `null` or a value (left out, `#[serde(default)]` makes it `None`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl From<SettingsPatch> for SettingsChange {
    fn from(patch: SettingsPatch) -> Self {
        let branding = patch.branding.unwrap_or_default();
        SettingsChange {
            name: patch.name,
            primary_color: branding.primary_color,
            accent_color: branding.accent_color,
            logo_url: branding.logo_url,
            locale: branding.locale,
            time_zone: branding.time_zone,
            self_signup: patch.self_signup,
            signup_domains: patch.signup_domains,
        }
    }
}

/// The organisation's name and settings. Needs `tenant:settings` (admins).
#[utoipa::path(get, path = "/api/v1/tenant/settings", tag = "tenant", security(("bearer" = [])),
    responses(
        (status = 200, body = SettingsBody),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<SettingsBody>, ApiError> {
    let org = settings::show(&state.store, &auth.tenant, &auth.actor()).await?;
    Ok(Json(org.into()))
}

/// Changes the organisation's name and settings; every value is checked, and a refused one
/// changes nothing. Audited as `tenant.settings_changed`. Needs `tenant:settings` (admins).
#[utoipa::path(patch, path = "/api/v1/tenant/settings", tag = "tenant", request_body = SettingsPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, body = SettingsBody),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 422, description = "`INVALID_COLOR`, `LOW_CONTRAST`, `INVALID_LOGO_URL`, `UNKNOWN_LOCALE`, \
            `UNKNOWN_TIME_ZONE`, `INVALID_DOMAIN`, `VALIDATION_FAILED`", body = ErrorBody),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(patch): ApiJson<SettingsPatch>,
) -> Result<Json<SettingsBody>, ApiError> {
    let org = settings::update(&state.store, &auth.tenant, &auth.actor(), patch.into()).await?;
    Ok(Json(org.into()))
}

/// A custom domain of the organisation.
#[derive(Serialize, ToSchema)]
pub(crate) struct DomainBody {
    /// Lower case, ASCII (punycode).
    domain: String,
    /// Does the domain reach the organisation?
    verified: bool,
    verified_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    /// Until verified: what to publish, and where.
    verification: Option<VerificationBody>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct VerificationBody {
    /// The text to serve.
    token: String,
    /// Where to serve it (plain HTTP; redirects on the same host are followed).
    url: String,
    instructions: String,
}

impl From<CustomDomain> for DomainBody {
    fn from(d: CustomDomain) -> Self {
        let verification = match (&d.verified_at, d.verification_token) {
            (None, Some(token)) => {
                let url = DomainCheck::url(&d.domain);
                Some(VerificationBody {
                    instructions: format!(
                        "Point {domain} at this service in DNS, serve the token as the only content of {url}, \
                         then ask for verification (POST /api/v1/tenant/domains/{domain}/verify).",
                        domain = d.domain
                    ),
                    token,
                    url,
                })
            }
            _ => None,
        };
        DomainBody {
            verified: d.verified_at.is_some(),
            domain: d.domain,
            verified_at: d.verified_at,
            created_at: d.created_at,
            verification,
        }
    }
}

/// An answer that must not be kept by any cache (it carries verification tokens).
fn unstored(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewDomain {
    /// A host name such as `learn.example.com` (Unicode or ASCII; no scheme, port or path).
    #[schema(min_length = 1, max_length = 253)]
    domain: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct DomainPath {
    /// The custom domain, as listed.
    domain: String,
}

/// The organisation's custom domains, verified or not, with the tokens still to publish.
/// Needs `tenant:settings` (admins).
#[utoipa::path(get, path = "/api/v1/tenant/domains", tag = "tenant", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DomainBody>, headers(("cache-control" = String, description = "`no-store`"))),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
    ))]
pub(crate) async fn list_domains(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Response, ApiError> {
    let found = domains::list(&state.store, &auth.tenant, &auth.actor()).await?;
    let found: Vec<DomainBody> = found.into_iter().map(DomainBody::from).collect();
    Ok(unstored(StatusCode::OK, found))
}

/// Claims a custom domain: answers it with the verification token to serve at
/// `http://<domain>/.well-known/lyceum-domain-verification`; it reaches the organisation only
/// once verified. Claiming one the organisation holds answers it as it is. Audited as
/// `domain.added`. Needs `tenant:settings` and a plan with custom domains.
#[utoipa::path(post, path = "/api/v1/tenant/domains", tag = "tenant", request_body = NewDomain,
    security(("bearer" = [])),
    responses(
        (status = 201, body = DomainBody, headers(("cache-control" = String, description = "`no-store`"))),
        (status = 403, description = "`PERMISSION_DENIED`, `PLAN_FEATURE_UNAVAILABLE`, `PLAN_LIMIT_REACHED`", body = ErrorBody),
        (status = 409, description = "`DOMAIN_TAKEN`: another organisation holds it", body = ErrorBody),
        (status = 422, description = "`INVALID_DOMAIN`, `DOMAIN_RESERVED`", body = ErrorBody),
    ))]
pub(crate) async fn add_domain(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<NewDomain>,
) -> Result<Response, ApiError> {
    let base = state.config.base_domain.as_deref();
    let claimed = domains::add(
        &state.store,
        &auth.tenant,
        &auth.actor(),
        &request.domain,
        base,
    )
    .await?;
    Ok(unstored(StatusCode::CREATED, DomainBody::from(claimed)))
}

/// Verifies a custom domain: fetches its verification file and, when it holds the token,
/// lets the domain reach the organisation. Audited as `domain.verified`. Needs
/// `tenant:settings` and a plan with custom domains.
#[utoipa::path(post, path = "/api/v1/tenant/domains/{domain}/verify", tag = "tenant", params(DomainPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DomainBody, headers(("cache-control" = String, description = "`no-store`"))),
        (status = 403, description = "`PERMISSION_DENIED`, `PLAN_FEATURE_UNAVAILABLE`", body = ErrorBody),
        (status = 404, description = "`DOMAIN_NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`DOMAIN_STATE_CONFLICT`", body = ErrorBody),
        (status = 422, description = "`DOMAIN_VERIFICATION_FAILED`: the file is missing, wrong or unreachable; `INVALID_DOMAIN`", body = ErrorBody),
    ))]
pub(crate) async fn verify_domain(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(DomainPath { domain }): Path<DomainPath>,
) -> Result<Response, ApiError> {
    let check = domain_check(&state)?;
    let verified =
        domains::verify(&state.store, &auth.tenant, &auth.actor(), &domain, check).await?;
    Ok(unstored(StatusCode::OK, DomainBody::from(verified)))
}

/// Removes a custom domain: it stops reaching the organisation at once. Audited as
/// `domain.removed`. Needs `tenant:settings`.
#[utoipa::path(delete, path = "/api/v1/tenant/domains/{domain}", tag = "tenant", params(DomainPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
        (status = 404, description = "`DOMAIN_NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_DOMAIN`: not a domain name", body = ErrorBody),
    ))]
pub(crate) async fn remove_domain(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(DomainPath { domain }): Path<DomainPath>,
) -> Result<StatusCode, ApiError> {
    domains::remove(&state.store, &auth.tenant, &auth.actor(), &domain).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The server's verification check, which exists unless its TLS stack could not start.
pub(crate) fn domain_check(state: &AppState) -> Result<&DomainCheck, ApiError> {
    state
        .domain_check
        .as_ref()
        .ok_or_else(|| ApiError::internal("the domain check could not start"))
}
