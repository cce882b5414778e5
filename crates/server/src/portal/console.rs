//! The platform operator's console at `/platform/`: tenants (list, create, suspend, resume),
//! the operator's own password, the other operators (a one-time password reset given, a
//! throttled sign-in unlocked) and the page where a reset is used, and the audit log with the state of its hash chain, over `lyceum_app::platform`'s audited use cases. An operator signs in like on
//! the platform API (same throttle) and holds a platform token (the API's, as short-lived) in an
//! `HttpOnly`, `SameSite=Strict` cookie scoped to `/platform`; forms carry the CSRF token of the
//! tenant portal's kind. The console speaks the operator's browser's language; its times are
//! in UTC (no tenant's zone applies to the whole platform).

use super::i18n::{self, PageLocale};
use super::session::{self, CSRF_COOKIE};
use super::{bare_problem, secure_headers};
use crate::api::auth::{
    password_sign_in, platform_claims, sign, verify_token, LoginRequest, PlatformClaims,
    PLATFORM_AUDIENCE,
};
use crate::http::context::RequestOrigin;
use crate::http::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{CookieJar, SameSite};
use lyceum_app::platform::{self, AdminRequest, Operator, TenantRequest};
use lyceum_domain::{Email, Origin, Plan, PlatformUserId, TenantStatus, UserStatus};
use lyceum_store::{AuditRecord, ChainReport, KeyOwner, Tenant};
use serde::Deserialize;

const OPERATOR_COOKIE: &str = "lyceum_operator";
/// Where the console lives; its cookies are scoped to it.
const CONSOLE: &str = "/platform";
/// Audit entries shown.
const AUDIT_SHOWN: u32 = 200;

/// The console's routes (no tenant is resolved here).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/platform/", get(tenants))
        .route("/platform/sign-in", get(sign_in_form).post(sign_in))
        .route("/platform/sign-out", post(sign_out))
        .route("/platform/tenants", post(create_tenant))
        .route("/platform/tenants/{slug}/suspend", post(suspend))
        .route("/platform/tenants/{slug}/resume", post(resume))
        .route("/platform/audit", get(audit))
        .route(
            "/platform/password",
            get(password_form).post(change_password),
        )
        .route("/platform/operators", get(operators))
        .route(
            "/platform/operators/{id}/password-reset",
            post(send_operator_reset),
        )
        .route("/platform/operators/{id}/unlock", post(unlock_operator))
        .route(
            "/platform/reset-password",
            get(reset_form).post(reset_password),
        )
}

/// What every console page knows: the signed-in operator, if any, the page's language and the
/// form token.
pub(crate) struct Desk {
    pub locale: PageLocale,
    /// The operator's e-mail, when signed in.
    pub operator: Option<String>,
    operator_id: Option<PlatformUserId>,
    pub csrf: String,
    csrf_is_new: bool,
    secure: bool,
    origin: Origin,
}

impl FromRequestParts<AppState> for Desk {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let (csrf, csrf_is_new) = session::csrf_token(&jar);
        let Ok(RequestOrigin(origin)) = RequestOrigin::from_request_parts(parts, state).await;
        let claims = match jar.get(OPERATOR_COOKIE) {
            Some(token) if token.value().len() <= 4096 => verify_token::<PlatformClaims>(
                state,
                KeyOwner::Platform,
                token.value(),
                PLATFORM_AUDIENCE,
            )
            .await
            .ok(),
            _ => None,
        };
        // A deactivated operator's cookie signs nobody in.
        let claims = match claims {
            Some(claims) => {
                let id = PlatformUserId::from_uuid(claims.sub);
                platform::operator_is_active(&state.store, id)
                    .await
                    .unwrap_or(false)
                    .then_some(claims)
            }
            None => None,
        };
        let locale = i18n::choose(None, None, &parts.headers);
        Ok(Desk {
            locale: PageLocale::new(state.catalogue.clone(), locale, chrono_tz::Tz::UTC),
            operator: claims.as_ref().map(|c| c.email.clone()),
            operator_id: claims.map(|c| PlatformUserId::from_uuid(c.sub)),
            csrf,
            csrf_is_new,
            secure: session::over_tls(&parts.headers),
            origin,
        })
    }
}

impl Desk {
    fn operator(&self) -> Option<Operator> {
        Some(Operator::User {
            id: self.operator_id?,
            email: self.operator.clone()?,
            origin: self.origin.clone(),
        })
    }

    fn page(&self, status: StatusCode, template: &impl Template) -> Response {
        match template.render() {
            Ok(html) => self.finish((status, Html(html)).into_response()),
            Err(e) => {
                tracing::error!(error = %e, "a console page failed to render");
                let failed = ApiError::internal("a console page failed to render");
                bare_problem(&self.locale, failed)
            }
        }
    }

    fn redirect(&self, to: &'static str) -> Response {
        let mut response = StatusCode::SEE_OTHER.into_response();
        response
            .headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static(to));
        self.finish(response)
    }

    fn finish(&self, mut response: Response) -> Response {
        secure_headers(response.headers_mut());
        if self.csrf_is_new {
            let cookie = session::cookie(
                CSRF_COOKIE,
                self.csrf.clone(),
                CONSOLE,
                self.secure,
                SameSite::Strict,
            );
            session::set_cookie(response.headers_mut(), &cookie);
        }
        response
    }

    fn refused_form(&self, jar: &CookieJar, field: &str) -> Option<Response> {
        let cookie = jar.get(CSRF_COOKIE).map(|c| c.value()).unwrap_or_default();
        (!session::csrf_matches(cookie, field)).then(|| {
            let expired = ApiError::new(StatusCode::FORBIDDEN, "CSRF_REFUSED", "");
            self.finish(bare_problem(&self.locale, expired))
        })
    }

    fn problem(&self, e: impl Into<ApiError>) -> Response {
        self.finish(bare_problem(&self.locale, e.into()))
    }
}

#[derive(Template)]
#[template(path = "portal/console_sign_in.html")]
struct SignIn {
    desk: Desk,
    problem: Option<String>,
    email: String,
    /// Organisations may sign themselves up: the page links to `/signup`.
    signup_open: bool,
}

async fn sign_in_form(State(state): State<AppState>, desk: Desk) -> Response {
    if desk.operator.is_some() {
        return desk.redirect("/platform/");
    }
    let page = SignIn {
        desk,
        problem: None,
        email: String::new(),
        signup_open: state.config.signup.enabled,
    };
    page.desk.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    desk: Desk,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Response {
    if let Some(refused) = desk.refused_form(&jar, &form.csrf) {
        return refused;
    }
    let email: String = form.email.trim().chars().take(254).collect();
    let parsed = Email::parse(&email).ok();
    let store = state.store.clone();
    let lookup = async move {
        let Some(email) = parsed else { return Ok(None) };
        Ok(platform::operator_credentials(&store, &email).await?)
    };
    let request = LoginRequest {
        email: email.clone(),
        password: form.password,
    };
    let client = desk.origin.address();
    let user = match password_sign_in(&state, None, "platform", request, client, lookup).await {
        Ok(user) => user,
        Err(refused) => {
            let refused = refused.into_response();
            let problem = if refused.status() == StatusCode::TOO_MANY_REQUESTS {
                desk.locale.msg("refusal-login-throttled").to_string()
            } else {
                desk.locale.msg("refusal-invalid-credentials").to_string()
            };
            let status = refused.status();
            let page = SignIn {
                desk,
                problem: Some(problem),
                email,
                signup_open: state.config.signup.enabled,
            };
            return page.desk.page(status, &page);
        }
    };
    let ttl = state.config.auth.access_token_ttl;
    let claims = platform_claims(&user, &state.config.auth.issuer, ttl);
    let token = match state.keys.get(KeyOwner::Platform).await {
        Ok(keys) => match sign(&keys, &claims) {
            Ok(token) => token,
            Err(e) => return desk.problem(e),
        },
        Err(e) => return desk.problem(e),
    };
    let mut response = desk.redirect("/platform/");
    let cookie = session::cookie(
        OPERATOR_COOKIE,
        token,
        CONSOLE,
        desk.secure,
        SameSite::Strict,
    );
    session::set_cookie(response.headers_mut(), &cookie);
    response
}

#[derive(Deserialize)]
struct Protected {
    #[serde(default)]
    csrf: String,
}

/// Signs out: the cookie is cleared (the platform token, like the API's, simply expires).
async fn sign_out(desk: Desk, jar: CookieJar, Form(form): Form<Protected>) -> Response {
    if let Some(refused) = desk.refused_form(&jar, &form.csrf) {
        return refused;
    }
    let mut response = desk.redirect("/platform/sign-in");
    let mut gone = session::cookie(
        OPERATOR_COOKIE,
        String::new(),
        CONSOLE,
        desk.secure,
        SameSite::Strict,
    );
    gone.make_removal();
    session::set_cookie(response.headers_mut(), &gone);
    response
}

#[derive(Template)]
#[template(path = "portal/console_tenants.html")]
struct Tenants {
    desk: Desk,
    tenants: Vec<Tenant>,
    plans: [Plan; 3],
    problem: Option<String>,
    /// What was made, said once (the tenant and its invited admin).
    notice: Option<String>,
    form: NewTenantForm,
}

async fn tenants_page(
    state: &AppState,
    desk: Desk,
    (problem, notice): (Option<String>, Option<String>),
    form: NewTenantForm,
    status: StatusCode,
) -> Response {
    match platform::tenants(&state.store, None).await {
        Ok(tenants) => {
            let page = Tenants {
                desk,
                tenants,
                plans: [Plan::Free, Plan::Pro, Plan::Enterprise],
                problem,
                notice,
                form,
            };
            page.desk.page(status, &page)
        }
        Err(e) => desk.problem(e),
    }
}

/// Every tenant, with a form to create one and buttons to suspend or resume each.
async fn tenants(State(state): State<AppState>, desk: Desk) -> Response {
    if desk.operator.is_none() {
        return desk.redirect("/platform/sign-in");
    }
    let form = NewTenantForm::default();
    tenants_page(&state, desk, (None, None), form, StatusCode::OK).await
}

#[derive(Deserialize, Default)]
struct NewTenantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    plan: Option<Plan>,
    /// The first admin, invited by mail (blank: none).
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    admin_name: String,
}

async fn create_tenant(
    State(state): State<AppState>,
    desk: Desk,
    jar: CookieJar,
    Form(form): Form<NewTenantForm>,
) -> Response {
    if let Some(refused) = desk.refused_form(&jar, &form.csrf) {
        return refused;
    }
    let Some(operator) = desk.operator() else {
        return desk.redirect("/platform/sign-in");
    };
    let admin = (!form.admin_email.trim().is_empty()).then(|| AdminRequest {
        email: form.admin_email.clone(),
        name: Some(form.admin_name.clone()),
    });
    let request = TenantRequest {
        slug: form.slug.trim().to_owned(),
        name: form.name.clone(),
        plan: form.plan,
        admin,
        ..TenantRequest::default()
    };
    match platform::create_tenant(&state.store, &operator, request).await {
        Ok(made) => match made.admin {
            Some(admin) => {
                let notice = desk
                    .locale
                    .msg("tenants-invited")
                    .arg("slug", made.tenant.slug.to_string())
                    .arg("email", admin.user.email.to_string())
                    .to_string();
                let form = NewTenantForm::default();
                tenants_page(
                    &state,
                    desk,
                    (None, Some(notice)),
                    form,
                    StatusCode::CREATED,
                )
                .await
            }
            None => desk.redirect("/platform/"),
        },
        Err(e) => {
            let problem = ApiError::from(e);
            if problem.status.is_client_error() {
                let status = problem.status;
                let message = desk.locale.explain(problem);
                tenants_page(&state, desk, (Some(message), None), form, status).await
            } else {
                desk.problem(problem)
            }
        }
    }
}

#[derive(Deserialize)]
struct SlugPath {
    slug: String,
}

async fn suspend(
    state: State<AppState>,
    desk: Desk,
    jar: CookieJar,
    path: Path<SlugPath>,
    form: Form<Protected>,
) -> Response {
    set_status(state, desk, jar, path, form, TenantStatus::Suspended).await
}

async fn resume(
    state: State<AppState>,
    desk: Desk,
    jar: CookieJar,
    path: Path<SlugPath>,
    form: Form<Protected>,
) -> Response {
    set_status(state, desk, jar, path, form, TenantStatus::Active).await
}

async fn set_status(
    State(state): State<AppState>,
    desk: Desk,
    jar: CookieJar,
    Path(SlugPath { slug }): Path<SlugPath>,
    Form(form): Form<Protected>,
    to: TenantStatus,
) -> Response {
    if let Some(refused) = desk.refused_form(&jar, &form.csrf) {
        return refused;
    }
    let Some(operator) = desk.operator() else {
        return desk.redirect("/platform/sign-in");
    };
    match platform::set_tenant_status(&state.store, &operator, &slug, to).await {
        Ok(_) => desk.redirect("/platform/"),
        Err(e) => desk.problem(e),
    }
}

#[derive(Template)]
#[template(path = "portal/console_audit.html")]
struct Audit {
    desk: Desk,
    entries: Vec<AuditRecord>,
    /// The state of the log's hash chain.
    chain: ChainReport,
}

/// The platform audit log, newest first, with the state of its hash chain (checked whole on
/// each visit: the platform log grows with operators' actions only).
async fn audit(State(state): State<AppState>, desk: Desk) -> Response {
    if desk.operator.is_none() {
        return desk.redirect("/platform/sign-in");
    }
    let read = async {
        let chain = platform::verify_audit_log(&state.store).await?;
        let entries = platform::audit_log(&state.store, None, None, AUDIT_SHOWN).await?;
        Ok::<_, lyceum_app::Refusal>((chain, entries))
    };
    match read.await {
        Ok((chain, entries)) => {
            let page = Audit {
                desk,
                entries,
                chain,
            };
            page.desk.page(StatusCode::OK, &page)
        }
        Err(e) => desk.problem(e),
    }
}

#[derive(Template)]
#[template(path = "portal/console_password.html")]
struct PasswordPage {
    desk: Desk,
    changed: bool,
    problem: Option<String>,
}

#[derive(Deserialize)]
struct ChangedQuery {
    changed: Option<String>,
}

/// The signed-in operator's "Change my password" page.
async fn password_form(
    desk: Desk,
    axum::extract::Query(query): axum::extract::Query<ChangedQuery>,
) -> Response {
    if desk.operator.is_none() {
        return desk.redirect("/platform/sign-in");
    }
    let page = PasswordPage {
        desk,
        changed: query.changed.is_some(),
        problem: None,
    };
    page.desk.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// Changes the signed-in operator's password, given their current one (throttled like their
/// sign-in, as on the API).
async fn change_password(
    State(state): State<AppState>,
    desk: Desk,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Response {
    if let Some(refused) = desk.refused_form(&jar, &form.csrf) {
        return refused;
    }
    let (Some(id), Some(email)) = (desk.operator_id, desk.operator.clone()) else {
        return desk.redirect("/platform/sign-in");
    };
    let operator = crate::api::platform::PlatformOperator { id, email };
    let changed = crate::api::platform::change_operator_password(
        &state,
        &operator,
        desk.origin.clone(),
        form.current_password,
        form.new_password,
    )
    .await;
    match changed {
        Ok(_) => desk.redirect("/platform/password?changed=1"),
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            let problem = Some(desk.locale.explain(e));
            let page = PasswordPage {
                desk,
                changed: false,
                problem,
            };
            page.desk.page(status, &page)
        }
        Err(e) => desk.problem(e),
    }
}

/// A platform user as the operators' page lists them.
struct OperatorRow {
    id: PlatformUserId,
    email: String,
    name: String,
    status: UserStatus,
    /// Their sign-in is locked by failed attempts (in this process).
    locked: bool,
}

#[derive(Template)]
#[template(path = "portal/console_operators.html")]
struct Operators {
    desk: Desk,
    operators: Vec<OperatorRow>,
    problem: Option<String>,
    /// What was done, said once: a reset given (with its link) or a sign-in unlocked.
    notice: Option<String>,
    /// A reset's one-time link, shown once.
    link: Option<String>,
}

async fn operators_page(
    state: &AppState,
    desk: Desk,
    (problem, notice, link): (Option<String>, Option<String>, Option<String>),
    status: StatusCode,
) -> Response {
    let users = match platform::operators(&state.store).await {
        Ok(users) => users,
        Err(e) => return desk.problem(e),
    };
    let mut operators = Vec::with_capacity(users.len());
    for user in users {
        let email = user.email.to_string();
        operators.push(OperatorRow {
            id: user.id,
            locked: state.login_throttle.is_locked(None, &email).await,
            email,
            name: user.display_name,
            status: user.status.parse().unwrap_or(UserStatus::Deactivated),
        });
    }
    let page = Operators {
        desk,
        operators,
        problem,
        notice,
        link,
    };
    page.desk.page(status, &page)
}

/// Every platform user, with a button to give each a password reset or unlock their sign-in.
async fn operators(State(state): State<AppState>, desk: Desk) -> Response {
    if desk.operator.is_none() {
        return desk.redirect("/platform/sign-in");
    }
    operators_page(&state, desk, (None, None, None), StatusCode::OK).await
}

#[derive(Deserialize)]
struct OperatorIdPath {
    id: PlatformUserId,
}

/// Gives another platform user a one-time reset: its link is shown once, on the page answered.
async fn send_operator_reset(
    State(state): State<AppState>,
    desk: Desk,
    jar: CookieJar,
    Path(OperatorIdPath { id }): Path<OperatorIdPath>,
    Form(form): Form<Protected>,
) -> Response {
    if let Some(refused) = desk.refused_form(&jar, &form.csrf) {
        return refused;
    }
    let Some(operator) = desk.operator() else {
        return desk.redirect("/platform/sign-in");
    };
    match platform::send_operator_reset(&state.store, &operator, id).await {
        Ok(reset) => {
            let notice = desk
                .locale
                .msg("operators-reset-given")
                .arg("email", reset.platform_user.email.to_string())
                .arg(
                    "expires",
                    desk.locale.date_time(&reset.expires_at).to_string(),
                )
                .to_string();
            let link = crate::api::platform::reset_path(&reset.token);
            let shown = (None, Some(notice), Some(link));
            operators_page(&state, desk, shown, StatusCode::CREATED).await
        }
        Err(e) => operator_refused(&state, desk, e.into()).await,
    }
}

/// Unlocks a platform user's sign-in, locked by failed attempts (in this process).
async fn unlock_operator(
    State(state): State<AppState>,
    desk: Desk,
    jar: CookieJar,
    Path(OperatorIdPath { id }): Path<OperatorIdPath>,
    Form(form): Form<Protected>,
) -> Response {
    if let Some(refused) = desk.refused_form(&jar, &form.csrf) {
        return refused;
    }
    let (Some(operator_id), Some(email)) = (desk.operator_id, desk.operator.clone()) else {
        return desk.redirect("/platform/sign-in");
    };
    let operator = crate::api::platform::PlatformOperator {
        id: operator_id,
        email,
    };
    let unlocked =
        crate::api::platform::unlock_operator_sign_in(&state, &operator, desk.origin.clone(), id)
            .await;
    match unlocked {
        Ok(user) => {
            let notice = desk
                .locale
                .msg("operators-unlocked")
                .arg("email", user.email.to_string())
                .to_string();
            operators_page(&state, desk, (None, Some(notice), None), StatusCode::OK).await
        }
        Err(e) => operator_refused(&state, desk, e).await,
    }
}

/// A refusal about another operator, said on the operators' page (a server failure on its own).
async fn operator_refused(state: &AppState, desk: Desk, problem: ApiError) -> Response {
    if problem.status.is_client_error() {
        let status = problem.status;
        let message = desk.locale.explain(problem);
        operators_page(state, desk, (Some(message), None, None), status).await
    } else {
        desk.problem(problem)
    }
}

#[derive(Template)]
#[template(path = "portal/console_reset.html")]
struct ResetPage {
    desk: Desk,
    token: String,
    done: bool,
    problem: Option<String>,
}

#[derive(Deserialize)]
struct ResetQuery {
    #[serde(default)]
    token: String,
}

/// Where a platform user uses the reset another operator gave them: a new password.
async fn reset_form(
    desk: Desk,
    axum::extract::Query(query): axum::extract::Query<ResetQuery>,
) -> Response {
    let page = ResetPage {
        desk,
        token: query.token.chars().take(128).collect(),
        done: false,
        problem: None,
    };
    page.desk.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
}

/// Sets the new password with the reset's token, as the API does.
async fn reset_password(
    State(state): State<AppState>,
    desk: Desk,
    jar: CookieJar,
    Form(form): Form<ResetForm>,
) -> Response {
    if let Some(refused) = desk.refused_form(&jar, &form.csrf) {
        return refused;
    }
    let token: String = form.token.chars().take(128).collect();
    let origin = desk.origin.clone();
    let reset =
        crate::api::platform::reset_operator_with_token(&state, &token, form.new_password, &origin)
            .await;
    match reset {
        Ok(_) => {
            let page = ResetPage {
                desk,
                token: String::new(),
                done: true,
                problem: None,
            };
            page.desk.page(StatusCode::OK, &page)
        }
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            let problem = Some(desk.locale.explain(e));
            let page = ResetPage {
                desk,
                token,
                done: false,
                problem,
            };
            page.desk.page(status, &page)
        }
        Err(e) => desk.problem(e),
    }
}
