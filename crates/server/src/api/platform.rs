//! The platform operator's API under `/api/v1/platform`: sign-in of platform users
//! (`super_admin`, kept in the directory; listed, deactivated and reactivated here, and each
//! changing their own password), and tenant
//! administration (list, create, show, suspend, resume) with the platform audit log. These routes resolve no tenant; a tenant
//! user's token is refused here and a platform token is refused on tenant routes (different
//! keys and audience). Every action is written to the audit log with the change it records.

use crate::api::auth::{password_sign_in, verify_token, LoginRequest, PlatformClaims};
use crate::http::context::RequestOrigin;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lyceum_app::identity::invitations::InvitationToken;
use lyceum_app::platform::{self, AdminRequest, Operator, TenantRequest};
use lyceum_domain::{Email, Origin, Placement, Plan, PlatformUserId, TenantStatus, UserId};
use lyceum_store::{AuditRecord, KeyOwner, PlatformUser, Tenant};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A signed-in platform operator.
#[derive(Debug, Clone)]
pub struct PlatformOperator {
    pub id: PlatformUserId,
    pub email: String,
}

impl PlatformOperator {
    /// The operator as the platform use cases see them, asking from `origin`.
    fn operator(&self, origin: Origin) -> Operator {
        Operator::User {
            id: self.id,
            email: self.email.clone(),
            origin,
        }
    }
}

impl FromRequestParts<AppState> for PlatformOperator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = crate::api::auth::bearer(&parts.headers).ok_or_else(|| {
            ApiError::unauthorized("UNAUTHENTICATED", "sign in first: no bearer token")
        })?;
        let claims: PlatformClaims = verify_token(
            state,
            KeyOwner::Platform,
            token,
            crate::api::auth::PLATFORM_AUDIENCE,
        )
        .await?;
        let id = PlatformUserId::from_uuid(claims.sub);
        // Held against the operator's status now: a deactivated one is out at once.
        if !platform::operator_is_active(&state.store, id).await? {
            return Err(ApiError::unauthorized(
                "INVALID_TOKEN",
                "this platform user is no longer active",
            ));
        }
        Ok(PlatformOperator {
            id,
            email: claims.email,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct PlatformTokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
}

/// Signs a platform operator in: a short-lived platform token (no refresh token; an operator
/// signs in again).
#[utoipa::path(post, path = "/api/v1/platform/auth/login", tag = "platform", request_body = LoginRequest,
    responses(
        (status = 200, body = PlatformTokenResponse),
        (status = 401, description = "`INVALID_CREDENTIALS`", body = ErrorBody),
        (status = 429, description = "`LOGIN_THROTTLED`", body = ErrorBody),
    ))]
pub(crate) async fn login(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let email = Email::parse(&request.email).ok();
    let lookup = async {
        let Some(email) = email else { return Ok(None) };
        Ok(platform::operator_credentials(&state.store, &email).await?)
    };
    let client = origin.address();
    let user = match password_sign_in(&state, None, "platform", request, client, lookup).await {
        Ok(user) => user,
        Err(refused) => return Ok(refused.into_response()),
    };
    let ttl = state.config.auth.access_token_ttl;
    let keys = state.keys.get(KeyOwner::Platform).await?;
    let claims = crate::api::auth::platform_claims(&user, &state.config.auth.issuer, ttl);
    Ok(Json(PlatformTokenResponse {
        access_token: crate::api::auth::sign(&keys, &claims)?,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
    })
    .into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct TenantFilter {
    /// Only tenants in this status.
    status: Option<TenantStatus>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct TenantList {
    tenants: Vec<Tenant>,
}

/// Every tenant, oldest first.
#[utoipa::path(get, path = "/api/v1/platform/tenants", tag = "platform", params(TenantFilter),
    security(("bearer" = [])),
    responses((status = 200, body = TenantList), (status = 401, description = "Not a platform operator", body = ErrorBody)))]
pub(crate) async fn list_tenants(
    State(state): State<AppState>,
    _operator: PlatformOperator,
    Query(filter): Query<TenantFilter>,
) -> Result<Json<TenantList>, ApiError> {
    let tenants = platform::tenants(&state.store, filter.status).await?;
    Ok(Json(TenantList { tenants }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTenantRequest {
    slug: String,
    name: String,
    plan: Option<Plan>,
    placement: Option<Placement>,
    region: Option<String>,
    #[schema(value_type = Option<Object>)]
    settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// The tenant's first admin, invited by mail (the answer carries the invitation too).
    admin: Option<NewAdminRequest>,
}

/// A new tenant's first admin.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewAdminRequest {
    #[schema(max_length = 254)]
    pub(crate) email: String,
    /// Default: the part of the address before `@`.
    #[schema(max_length = 200)]
    pub(crate) name: Option<String>,
}

impl From<NewAdminRequest> for AdminRequest {
    fn from(admin: NewAdminRequest) -> Self {
        AdminRequest {
            email: admin.email,
            name: admin.name,
        }
    }
}

/// A new tenant's first admin, invited.
#[derive(Serialize, ToSchema)]
pub(crate) struct InvitedAdmin {
    id: UserId,
    email: Email,
    /// Mailed to them too; pass it on if the mail does not arrive.
    invitation: InvitationToken,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct CreatedTenant {
    #[serde(flatten)]
    tenant: Tenant,
    /// When one was asked for.
    admin: Option<InvitedAdmin>,
}

/// Provisions a tenant in its placement (default: the engine's), with its first admin if one
/// is given: invited by mail, the invitation also in the answer (`Cache-Control: no-store`). A
/// failure at any step leaves no tenant behind.
#[utoipa::path(post, path = "/api/v1/platform/tenants", tag = "platform", request_body = NewTenantRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = CreatedTenant, headers(("cache-control" = String, description = "`no-store`"))),
        (status = 400, description = "`PLACEMENT_UNSUPPORTED`", body = ErrorBody),
        (status = 422, description = "`INVALID_SLUG`, `RESERVED_SLUG`, `INVALID_EMAIL`, `VALIDATION_FAILED`", body = ErrorBody),
        (status = 409, description = "`TENANT_SLUG_TAKEN`", body = ErrorBody),
    ))]
pub(crate) async fn create_tenant(
    State(state): State<AppState>,
    operator: PlatformOperator,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(request): ApiJson<NewTenantRequest>,
) -> Result<Response, ApiError> {
    let request = TenantRequest {
        slug: request.slug,
        name: request.name,
        plan: request.plan,
        placement: request.placement,
        region: request.region,
        settings: request.settings,
        admin: request.admin.map(AdminRequest::from),
    };
    let operator = operator.operator(origin);
    let made = platform::create_tenant(&state.store, &operator, request).await?;
    let body = CreatedTenant {
        tenant: made.tenant,
        admin: made.admin.map(|admin| InvitedAdmin {
            id: admin.user.id,
            email: admin.user.email,
            invitation: admin.invitation,
        }),
    };
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct TenantPath {
    /// The tenant's slug.
    slug: String,
}

/// One tenant, with its placement, plan, status and migration state.
#[utoipa::path(get, path = "/api/v1/platform/tenants/{slug}", tag = "platform", params(TenantPath),
    security(("bearer" = [])),
    responses((status = 200, body = Tenant), (status = 404, description = "`TENANT_NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn show_tenant(
    State(state): State<AppState>,
    _operator: PlatformOperator,
    Path(path): Path<TenantPath>,
) -> Result<Json<Tenant>, ApiError> {
    Ok(Json(platform::tenant(&state.store, &path.slug).await?))
}

/// Suspends a tenant: its users are refused with `TENANT_SUSPENDED` until it is resumed;
/// nothing is deleted.
#[utoipa::path(post, path = "/api/v1/platform/tenants/{slug}/suspend", tag = "platform", params(TenantPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Tenant),
        (status = 404, description = "`TENANT_NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`TENANT_STATE_CONFLICT`", body = ErrorBody),
    ))]
pub(crate) async fn suspend_tenant(
    state: State<AppState>,
    operator: PlatformOperator,
    origin: RequestOrigin,
    path: Path<TenantPath>,
) -> Result<Json<Tenant>, ApiError> {
    change_status(state, operator, origin, path, TenantStatus::Suspended).await
}

/// Resumes a suspended tenant.
#[utoipa::path(post, path = "/api/v1/platform/tenants/{slug}/resume", tag = "platform", params(TenantPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Tenant),
        (status = 404, description = "`TENANT_NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`TENANT_STATE_CONFLICT`", body = ErrorBody),
    ))]
pub(crate) async fn resume_tenant(
    state: State<AppState>,
    operator: PlatformOperator,
    origin: RequestOrigin,
    path: Path<TenantPath>,
) -> Result<Json<Tenant>, ApiError> {
    change_status(state, operator, origin, path, TenantStatus::Active).await
}

async fn change_status(
    State(state): State<AppState>,
    operator: PlatformOperator,
    RequestOrigin(origin): RequestOrigin,
    Path(path): Path<TenantPath>,
    to: TenantStatus,
) -> Result<Json<Tenant>, ApiError> {
    let operator = operator.operator(origin);
    let tenant = platform::set_tenant_status(&state.store, &operator, &path.slug, to).await?;
    Ok(Json(tenant))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct OperatorList {
    items: Vec<PlatformUser>,
}

/// The platform's users (operators), oldest first, active or deactivated.
#[utoipa::path(get, path = "/api/v1/platform/users", tag = "platform",
    security(("bearer" = [])),
    responses(
        (status = 200, body = OperatorList),
        (status = 401, description = "`UNAUTHENTICATED`, `INVALID_TOKEN`", body = ErrorBody),
    ))]
pub(crate) async fn list_operators(
    State(state): State<AppState>,
    _operator: PlatformOperator,
) -> Result<Json<OperatorList>, ApiError> {
    let items = platform::operators(&state.store).await?;
    Ok(Json(OperatorList { items }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct OperatorPath {
    /// The platform user's id.
    id: PlatformUserId,
}

/// Deactivates a platform user: their token is refused from their next request on, and they
/// cannot sign in. Not oneself.
#[utoipa::path(post, path = "/api/v1/platform/users/{id}/deactivate", tag = "platform", params(OperatorPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PlatformUser),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`CANNOT_DEACTIVATE_SELF`", body = ErrorBody),
    ))]
pub(crate) async fn deactivate_operator(
    State(state): State<AppState>,
    operator: PlatformOperator,
    RequestOrigin(origin): RequestOrigin,
    Path(OperatorPath { id }): Path<OperatorPath>,
) -> Result<Json<PlatformUser>, ApiError> {
    let operator = operator.operator(origin);
    Ok(Json(
        platform::deactivate_operator(&state.store, &operator, id).await?,
    ))
}

/// Reactivates a deactivated platform user: they sign in with their password again.
#[utoipa::path(post, path = "/api/v1/platform/users/{id}/reactivate", tag = "platform", params(OperatorPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PlatformUser),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn reactivate_operator(
    State(state): State<AppState>,
    operator: PlatformOperator,
    RequestOrigin(origin): RequestOrigin,
    Path(OperatorPath { id }): Path<OperatorPath>,
) -> Result<Json<PlatformUser>, ApiError> {
    let operator = operator.operator(origin);
    Ok(Json(
        platform::reactivate_operator(&state.store, &operator, id).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    /// Only entries about this tenant (slug).
    tenant: Option<String>,
    /// `next_cursor` of the previous page.
    before: Option<Uuid>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AuditPage {
    entries: Vec<AuditRecord>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    next_cursor: Option<Uuid>,
}

/// The platform audit log, newest first.
#[utoipa::path(get, path = "/api/v1/platform/audit-log", tag = "platform", params(AuditQuery),
    security(("bearer" = [])),
    responses((status = 200, body = AuditPage), (status = 404, description = "`TENANT_NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    _operator: PlatformOperator,
    Query(query): Query<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = crate::http::paging::page_size(query.limit)?;
    let slug = query.tenant.as_deref();
    let entries = platform::audit_log(&state.store, slug, query.before, limit).await?;
    let next_cursor = crate::http::paging::next_cursor(&entries, limit, |e| e.id);
    Ok(Json(AuditPage {
        entries,
        next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OperatorPasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the signed-in platform user's own password, given their current one (throttled
/// like their sign-in: a wrong current password counts as a failed one).
#[utoipa::path(post, path = "/api/v1/platform/me/password", tag = "platform",
    request_body = OperatorPasswordChange,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Changed (`Cache-Control: no-store`)"),
        (status = 401, description = "`UNAUTHENTICATED`, `INVALID_TOKEN`", body = ErrorBody),
        (status = 403, description = "`WRONG_PASSWORD`", body = ErrorBody),
        (status = 422, description = "`WEAK_PASSWORD`", body = ErrorBody),
        (status = 429, description = "`LOGIN_THROTTLED`", body = ErrorBody),
    ))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    operator: PlatformOperator,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(change): ApiJson<OperatorPasswordChange>,
) -> Result<Response, ApiError> {
    change_operator_password(
        &state,
        &operator,
        origin,
        change.current_password,
        change.new_password,
    )
    .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// A platform user changes their own password, for the API and the console alike: throttled
/// like their sign-in, the current password checked, then the new one against the policy.
pub(crate) async fn change_operator_password(
    state: &AppState,
    operator: &PlatformOperator,
    origin: Origin,
    current: String,
    new: String,
) -> Result<PlatformUser, ApiError> {
    let throttle = &state.login_throttle;
    throttle
        .admit(None, &operator.email, origin.address())
        .await
        .map_err(|t| t.into_error())?;
    let verified =
        match platform::verify_operator_password(&state.store, operator.id, current).await {
            Ok(verified) => verified,
            Err(wrong) => {
                throttle.failed(None, &operator.email).await;
                return Err(wrong.into());
            }
        };
    throttle.forget_failures(None, &operator.email).await;
    let new = lyceum_app::identity::NewPassword::choose(new).await?;
    let operator = operator.operator(origin);
    Ok(platform::change_operator_password(&state.store, &operator, verified, &new).await?)
}

/// Where an operator's password reset is used: the console's page, the token in its query.
pub(crate) fn reset_path(token: &str) -> String {
    format!("/platform/reset-password?token={token}")
}

/// A password reset given to a platform user, shown once to the operator who asked.
#[derive(Serialize, ToSchema)]
pub(crate) struct OperatorResetGiven {
    platform_user: PlatformUser,
    /// One-time; shown only here. Pass it on (or the `path`) to the platform user.
    token: String,
    /// The console page that takes the token, relative to this server.
    path: String,
    expires_at: chrono::DateTime<chrono::Utc>,
}

/// Gives another platform user a one-time password reset, good for an hour (their earlier
/// unused ones stop working). Platform users have no mail of their own: the token is answered
/// here, once, for the operator to pass on.
#[utoipa::path(post, path = "/api/v1/platform/users/{id}/password-reset", tag = "platform", params(OperatorPath),
    security(("bearer" = [])),
    responses(
        (status = 201, body = OperatorResetGiven, description = "Given (`Cache-Control: no-store`)"),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`USER_NOT_ACTIVE`", body = ErrorBody),
    ))]
pub(crate) async fn send_operator_reset(
    State(state): State<AppState>,
    operator: PlatformOperator,
    RequestOrigin(origin): RequestOrigin,
    Path(OperatorPath { id }): Path<OperatorPath>,
) -> Result<Response, ApiError> {
    let operator = operator.operator(origin);
    let reset = platform::send_operator_reset(&state.store, &operator, id).await?;
    let given = OperatorResetGiven {
        path: reset_path(&reset.token),
        platform_user: reset.platform_user,
        token: reset.token,
        expires_at: reset.expires_at,
    };
    let mut response = (StatusCode::CREATED, Json(given)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct OperatorResetConfirmation {
    /// The token an operator gave.
    token: String,
    /// The new password.
    password: String,
}

/// A platform user chooses a new password with the token another operator gave them. The
/// token works once; their sign-in is no longer locked.
#[utoipa::path(post, path = "/api/v1/platform/auth/password-reset/confirm", tag = "platform",
    request_body = OperatorResetConfirmation,
    responses(
        (status = 204, description = "Changed (`Cache-Control: no-store`)"),
        (status = 400, description = "`RESET_TOKEN_INVALID`: unknown, used, withdrawn or expired", body = ErrorBody),
        (status = 422, description = "`WEAK_PASSWORD`", body = ErrorBody),
    ))]
pub(crate) async fn confirm_operator_reset(
    State(state): State<AppState>,
    RequestOrigin(origin): RequestOrigin,
    ApiJson(confirmation): ApiJson<OperatorResetConfirmation>,
) -> Result<Response, ApiError> {
    let token: String = confirmation.token.chars().take(128).collect();
    reset_operator_with_token(&state, &token, confirmation.password, &origin).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Sets a platform user's password with a reset `token`, for the API and the console: the
/// new password checked against the policy first, then the token spent; the user's sign-in
/// is no longer locked in this process.
pub(crate) async fn reset_operator_with_token(
    state: &AppState,
    token: &str,
    password: String,
    origin: &Origin,
) -> Result<PlatformUser, ApiError> {
    let password = lyceum_app::identity::NewPassword::choose(password).await?;
    let user = platform::reset_operator_password(&state.store, token, &password, origin).await?;
    state
        .login_throttle
        .forget_failures(None, user.email.as_str())
        .await;
    Ok(user)
}

/// Unlocks a platform user's sign-in, locked by failed attempts: they may try again at once.
/// The lock is kept by each server process; this clears it in the process that answers.
#[utoipa::path(post, path = "/api/v1/platform/users/{id}/unlock", tag = "platform", params(OperatorPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = PlatformUser),
        (status = 404, description = "`NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn unlock_operator(
    State(state): State<AppState>,
    operator: PlatformOperator,
    RequestOrigin(origin): RequestOrigin,
    Path(OperatorPath { id }): Path<OperatorPath>,
) -> Result<Json<PlatformUser>, ApiError> {
    Ok(Json(
        unlock_operator_sign_in(&state, &operator, origin, id).await?,
    ))
}

/// An operator's unlock of platform user `id`, for the API and the console: recorded, then
/// this process forgets the failures that locked them.
pub(crate) async fn unlock_operator_sign_in(
    state: &AppState,
    operator: &PlatformOperator,
    origin: Origin,
    id: PlatformUserId,
) -> Result<PlatformUser, ApiError> {
    let operator = operator.operator(origin);
    let user = platform::unlock_operator(&state.store, &operator, id).await?;
    state
        .login_throttle
        .forget_failures(None, user.email.as_str())
        .await;
    Ok(user)
}
