//! An organisation signing itself up, where the operator lets them (`LYCEUM_SELF_SIGNUP`):
//! `POST /api/v1/signup` makes the tenant and invites its admin by mail, and
//! `GET /api/v1/signup/slug-available` says whether a slug can be had. Both are platform
//! routes (no tenant in the path) and limited per client address (429
//! `SIGNUP_RATE_LIMITED`); while sign-up is off both answer 404 `SIGNUP_CLOSED`. The rules are
//! `lyceum_app::platform`'s.

use crate::http::context::RequestOrigin;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::ratelimit::{Buckets, Verdict};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use lyceum_app::platform::{self, AdminRequest, OrganisationSignUp, SignUps, SlugAvailability};
use lyceum_domain::Slug;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use utoipa::{IntoParams, ToSchema};

/// Organisations' own sign-up, as the operator sets it.
#[derive(Debug, Clone)]
pub struct SignUpConfig {
    /// Off (the default): nobody can sign an organisation up; the operator makes tenants.
    pub enabled: bool,
    /// Sign-ups a client address may make in an hour.
    pub per_address_per_hour: u32,
    /// Slug checks a client address may make in an hour.
    pub checks_per_address_per_hour: u32,
}

impl Default for SignUpConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            per_address_per_hour: 5,
            checks_per_address_per_hour: 600,
        }
    }
}

impl SignUpConfig {
    pub(crate) fn sign_ups(&self) -> SignUps {
        if self.enabled {
            SignUps::Open
        } else {
            SignUps::Closed
        }
    }
}

/// The per-address buckets of sign-ups and of slug checks.
pub(crate) struct SignUpLimits {
    sign_ups: Buckets<Option<IpAddr>>,
    checks: Buckets<Option<IpAddr>>,
}

impl SignUpLimits {
    pub(crate) fn new(config: &SignUpConfig) -> Self {
        SignUpLimits {
            sign_ups: Buckets::per_hour(config.per_address_per_hour),
            checks: Buckets::per_hour(config.checks_per_address_per_hour),
        }
    }

    /// Takes a sign-up from `address`'s bucket, or refuses it (a face answers in its medium).
    pub(crate) fn sign_up(&self, address: Option<IpAddr>) -> Result<(), Verdict> {
        within(self.sign_ups.check(&address))
    }

    fn check(&self, address: Option<IpAddr>) -> Result<(), Verdict> {
        within(self.checks.check(&address))
    }
}

fn within(verdict: Verdict) -> Result<(), Verdict> {
    match verdict {
        Verdict::Allowed { .. } => Ok(()),
        refused @ Verdict::Refused { .. } => Err(refused),
    }
}

/// The API's answer to an address over its rate: 429 with `Retry-After`.
fn rate_limited(verdict: Verdict) -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "SIGNUP_RATE_LIMITED",
        "too many sign-ups from this address; try again later",
    )
    .into_response();
    verdict.write_headers(response.headers_mut());
    response
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrganisationRequest {
    /// The organisation's name.
    #[schema(min_length = 1, max_length = 200)]
    name: String,
    /// What its portal is reached by (`/t/{slug}/`).
    #[schema(min_length = 3, max_length = 63)]
    slug: String,
    /// Its first admin, invited by mail.
    #[schema(max_length = 254)]
    admin_email: String,
    /// Default: the part of the address before `@`.
    #[schema(max_length = 200)]
    admin_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct SignedUp {
    /// The new organisation's slug.
    #[schema(value_type = String)]
    slug: Slug,
    /// What happens next, in words.
    message: &'static str,
}

/// Signs an organisation up: a tenant on the default plan and placement, its admin invited by
/// mail to choose a password (the invitation is only mailed, never answered).
#[utoipa::path(post, path = "/api/v1/signup", tag = "signup", request_body = OrganisationRequest,
    responses(
        (status = 202, body = SignedUp, description = "Made; the admin's invitation is on its way by mail"),
        (status = 404, description = "`SIGNUP_CLOSED`", body = ErrorBody),
        (status = 409, description = "`TENANT_SLUG_TAKEN`", body = ErrorBody),
        (status = 422, description = "`INVALID_SLUG`, `RESERVED_SLUG`, `INVALID_EMAIL`, `VALIDATION_FAILED`", body = ErrorBody),
        (status = 429, description = "`SIGNUP_RATE_LIMITED`", body = ErrorBody),
    ))]
pub(crate) async fn sign_up(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(request): ApiJson<OrganisationRequest>,
) -> Result<Response, ApiError> {
    let sign_ups = state.config.signup.sign_ups();
    if sign_ups == SignUps::Open {
        if let Err(refused) = state.signup_limits.sign_up(origin.address()) {
            return Ok(rate_limited(refused));
        }
    }
    let request = OrganisationSignUp {
        name: request.name,
        slug: request.slug,
        admin: AdminRequest {
            email: request.admin_email,
            name: request.admin_name,
        },
    };
    let tenant = platform::sign_up_organisation(&state.store, sign_ups, &origin, request).await?;
    let body = SignedUp {
        slug: tenant.slug,
        message: "the organisation is ready; its admin's invitation is on its way by mail",
    };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct SlugQuery {
    /// The slug wanted (none: answered as an invalid one).
    slug: Option<String>,
}

/// Whether a slug can be had for a new organisation now (not whether it still can at sign-up).
#[utoipa::path(get, path = "/api/v1/signup/slug-available", tag = "signup", params(SlugQuery),
    responses(
        (status = 200, body = SlugAvailability),
        (status = 404, description = "`SIGNUP_CLOSED`", body = ErrorBody),
        (status = 429, description = "`SIGNUP_RATE_LIMITED`", body = ErrorBody),
    ))]
pub(crate) async fn slug_available(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    Query(query): Query<SlugQuery>,
) -> Result<Response, ApiError> {
    let sign_ups = state.config.signup.sign_ups();
    if sign_ups == SignUps::Open {
        if let Err(refused) = state.signup_limits.check(origin.address()) {
            return Ok(rate_limited(refused));
        }
    }
    let answer = platform::slug_availability(
        &state.store,
        sign_ups,
        query.slug.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(answer).into_response())
}
