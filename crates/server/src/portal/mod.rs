//! The web portal: a tenant's branded LMS in server-rendered HTML, a second face over the same
//! `lyceum_app` use cases as the JSON API. Served by the same router, resolved like the API
//! (`/t/{slug}/...`, or the tenant's own host), working without JavaScript (the pages send no
//! script, but a timed attempt's countdown, allowed on its page alone by a nonce: see
//! [`PageScript`]), with a strict Content-Security-Policy and a per-tenant stylesheet carrying
//! the tenant's checked colours.
//!
//! `session` owns browser sessions and CSRF, `i18n` the languages (catalogues, the choice of a
//! request's locale, dates and numbers), `pages` the public and learners' pages, `staff` the
//! instructors' and admins' pages, `recovery` the password pages, with the course builder in
//! `builder` and `lessons` (a learner's enrollment in `roster`), quizzes taken in `quiz` and
//! written and graded in `authoring`, the courses' question banks in `banks`; assignments and
//! grading in `assignments`, the assignment editor and rubric averages in
//! `assignment_editor`; this module the request context every page shares ([`Visit`]), the
//! checked forms ([`CheckedForm`], [`CheckedFile`]), rendering and the portal's error pages.

mod activity;
mod assignment_editor;
mod assignments;
mod authoring;
mod banks;
mod builder;
mod console;
mod files;
mod gradebook;
mod i18n;
mod lessons;
mod pages;
mod people;
mod quiz;
mod recovery;
mod roster;
mod session;
mod settings;
mod signup;
mod staff;
mod webhooks;

use crate::api::files::logo_address;
use crate::http::context::RequestOrigin;
pub(crate) use i18n::Catalogue;

use crate::http::error::ApiError;
use crate::http::tenancy::{self, CurrentTenant};
use crate::AppState;
use askama::Template;
use axum::extract::multipart::{Field, Multipart};
use axum::extract::DefaultBodyLimit;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use axum_extra::extract::cookie::{CookieJar, SameSite};
use chrono_tz::Tz;
use i18n::PageLocale;
use lyceum_app::identity::{sessions, User};
use lyceum_app::learning::import::MAX_CSV_BYTES;
use lyceum_app::{Actor, Refusal};
use lyceum_domain::{AssessmentId, Branding, LessonId, ModuleId, QuestionBankId, Role, SearchText};
use lyceum_store::{Tenant, TenantTx, WriteTx};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::sync::Arc;

/// Room in an upload's body for its form around the file (boundaries, headers, the token).
const UPLOAD_FORM_BYTES: usize = 64 * 1024;

/// The portal's pages of a tenant (mounted under `/t/{slug}` and at the root of tenant hosts).
pub(crate) fn tenant_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/theme.css", get(pages::theme))
        .route("/sign-in", get(pages::sign_in_form).post(pages::sign_in))
        .route("/sign-out", post(pages::sign_out))
        .route("/sign-up", get(pages::sign_up_form).post(pages::sign_up))
        .route("/courses/{id}", get(pages::course))
        .route("/courses/{id}/enroll", post(pages::enroll))
        .route("/learn", get(pages::dashboard))
        .route("/learn/courses/{id}", get(pages::outline))
        .route("/learn/lessons/{id}", get(pages::lesson))
        .route("/learn/lessons/{id}/complete", post(pages::complete))
        .route("/learn/assessments/{id}/attempts", post(quiz::start))
        .route(
            "/learn/attempts/{id}",
            get(quiz::attempt).post(quiz::answer),
        )
        .route("/certificates/{code}", get(pages::certificate))
        .route("/account", get(pages::account).post(pages::save_account))
        .route("/activity", get(activity::show))
        .route(
            "/account/password",
            get(recovery::change_form).post(recovery::change),
        )
        .route(
            "/forgot-password",
            get(recovery::forgot_form).post(recovery::forgot),
        )
        .route(
            "/reset-password",
            get(recovery::reset_form).post(recovery::reset),
        )
        .route(
            "/accept-invitation",
            get(pages::accept_form).post(pages::accept),
        )
        .route("/teach", get(staff::teaching))
        .route(
            "/teach/new",
            get(staff::new_course_form).post(staff::new_course),
        )
        .route("/teach/courses/{id}", get(builder::builder))
        .route(
            "/teach/courses/{id}/details",
            get(builder::details_form).post(builder::save_details),
        )
        .route(
            "/teach/courses/{id}/delete",
            get(builder::delete_course_form).post(builder::delete_course),
        )
        .route(
            "/teach/courses/{id}/files",
            get(files::list)
                .post(files::upload)
                .layer(DefaultBodyLimit::max(
                    lyceum_domain::FilePurpose::CourseFile.max_bytes() as usize + UPLOAD_FORM_BYTES,
                )),
        )
        .route("/teach/files/{id}/delete", post(files::delete))
        .route("/learn/assignments/{id}", get(assignments::show))
        .route(
            "/learn/assignments/{id}/draft",
            post(assignments::save_draft),
        )
        .route("/learn/assignments/{id}/submit", post(assignments::submit))
        .route("/learn/assignments/{id}/files", post(assignments::upload))
        .route("/teach/courses/{id}/grading", get(assignments::grading))
        .route(
            "/teach/courses/{id}/rubric-averages",
            get(assignment_editor::averages),
        )
        .route(
            "/teach/assignments/{id}",
            get(assignment_editor::edit_form).post(assignment_editor::save),
        )
        .route(
            "/teach/assessments/{id}/release",
            post(assignments::release_all),
        )
        .route(
            "/teach/assessments/{id}/extensions",
            post(assignments::grant_extension),
        )
        .route(
            "/teach/extensions/{id}/revoke",
            post(assignments::revoke_extension),
        )
        .route("/teach/submissions/{id}", get(assignments::grade_form))
        .route("/teach/submissions/{id}/grade", post(assignments::grade))
        .route(
            "/teach/submissions/{id}/release",
            post(assignments::release),
        )
        .route(
            "/teach/submissions/{id}/return",
            post(assignments::send_back),
        )
        .route("/teach/courses/{id}/gradebook", get(gradebook::show))
        .route("/teach/courses/{id}/gradebook.csv", get(gradebook::csv))
        .route(
            "/teach/courses/{id}/grade-categories",
            get(gradebook::grading).post(gradebook::save_settings),
        )
        .route(
            "/teach/courses/{id}/grade-categories/new",
            post(gradebook::add_category),
        )
        .route(
            "/teach/grade-categories/{id}",
            post(gradebook::save_category),
        )
        .route(
            "/teach/grade-categories/{id}/delete",
            post(gradebook::delete_category),
        )
        .route(
            "/teach/assessments/{id}/item-analysis",
            get(gradebook::item_analysis),
        )
        .route("/learn/courses/{id}/grades", get(gradebook::mine))
        .route("/teach/enrollments/{id}", get(roster::enrollment))
        .route("/teach/enrollments/{id}/due", post(roster::set_due))
        .route("/teach/enrollments/{id}/drop", post(roster::drop_learner))
        .route("/teach/courses/{id}/modules", post(builder::add_module))
        .route("/teach/courses/{id}/publish", post(builder::publish))
        .route("/teach/courses/{id}/archive", post(builder::archive))
        .route(
            "/teach/courses/{id}/enrollments",
            post(builder::import).layer(DefaultBodyLimit::max(MAX_CSV_BYTES + UPLOAD_FORM_BYTES)),
        )
        .route(
            "/teach/modules/{id}",
            get(builder::module_form).post(builder::save_module),
        )
        .route(
            "/teach/modules/{id}/move",
            post(builder::move_part::<ModuleId>),
        )
        .route(
            "/teach/modules/{id}/delete",
            get(builder::delete_part_form::<ModuleId>).post(builder::delete_part::<ModuleId>),
        )
        .route("/teach/modules/{id}/lessons", post(lessons::add_lesson))
        .route(
            "/teach/courses/{id}/assessments",
            get(authoring::list).post(authoring::create),
        )
        .route(
            "/teach/assessments/{id}",
            get(authoring::show).post(authoring::save),
        )
        .route("/teach/assessments/{id}/delete", post(authoring::delete))
        .route("/teach/assessments/{id}/draws", post(authoring::save_draws))
        .route(
            "/teach/assessments/{id}/questions/new",
            get(authoring::new_question::<AssessmentId>),
        )
        .route(
            "/teach/assessments/{id}/questions",
            post(authoring::add_question::<AssessmentId>),
        )
        .route(
            "/teach/courses/{id}/question-banks",
            get(banks::list).post(banks::create),
        )
        .route("/teach/question-banks/{id}", get(banks::show))
        .route("/teach/question-banks/{id}/delete", post(banks::delete))
        .route(
            "/teach/question-banks/{id}/questions/new",
            get(authoring::new_question::<QuestionBankId>),
        )
        .route(
            "/teach/question-banks/{id}/questions",
            post(authoring::add_question::<QuestionBankId>),
        )
        .route(
            "/teach/assessments/{id}/attempts",
            get(authoring::attempts_list),
        )
        .route(
            "/teach/questions/{id}",
            get(authoring::question).post(authoring::save_question),
        )
        .route(
            "/teach/questions/{id}/delete",
            post(authoring::delete_question),
        )
        .route("/teach/attempts/{id}", get(authoring::submission))
        .route("/teach/attempts/{id}/grades", post(authoring::grade))
        .route(
            "/teach/modules/{id}/lessons/new",
            get(lessons::new_lesson_form),
        )
        .route(
            "/teach/lessons/{id}",
            get(lessons::lesson_form).post(lessons::save_lesson),
        )
        .route(
            "/teach/lessons/{id}/move",
            post(builder::move_part::<LessonId>),
        )
        .route(
            "/teach/lessons/{id}/delete",
            get(builder::delete_part_form::<LessonId>).post(builder::delete_part::<LessonId>),
        )
        .route("/admin/people", get(staff::people).post(staff::invite))
        .route("/admin/people/{id}/role", post(staff::set_role))
        .route(
            "/admin/people/{id}/deactivate",
            post(staff::set_active::<false>),
        )
        .route(
            "/admin/people/{id}/reactivate",
            post(staff::set_active::<true>),
        )
        .route("/admin/people/{id}/unlock", post(staff::unlock))
        .route(
            "/admin/people/{id}/password-reset",
            post(recovery::send_reset),
        )
        .route("/admin/people/{id}/invitation", post(staff::reinvite))
        .route(
            "/admin/people/import",
            post(people::import).layer(DefaultBodyLimit::max(
                lyceum_app::identity::import::MAX_PEOPLE_CSV_BYTES + UPLOAD_FORM_BYTES,
            )),
        )
        .route("/admin/groups", get(people::list).post(people::create))
        .route("/admin/groups/{id}", get(people::show))
        .route("/admin/groups/{id}/members", post(people::add_member))
        .route(
            "/admin/groups/{id}/members/{user_id}/remove",
            post(people::remove_member),
        )
        .route("/admin/groups/{id}/enroll", post(people::enroll))
        .route("/admin/groups/{id}/rename", post(people::rename))
        .route("/admin/groups/{id}/delete", post(people::delete))
        .route("/admin/audit", get(staff::audit_log))
        .route("/admin/audit.csv", get(staff::audit_csv))
        .route("/admin/settings", get(settings::show).post(settings::save))
        .route("/admin/settings/domains", post(settings::add_domain))
        .route("/admin/settings/logo", post(settings::upload_logo))
        .route("/admin/settings/logo/remove", post(settings::remove_logo))
        .route(
            "/admin/settings/domains/verify",
            post(settings::verify_domain),
        )
        .route(
            "/admin/settings/domains/remove",
            post(settings::remove_domain),
        )
        .route("/admin/webhooks", get(webhooks::list).post(webhooks::add))
        .route("/admin/webhooks/{id}", get(webhooks::show))
        .route("/admin/webhooks/{id}/secret", post(webhooks::rotate))
        .route("/admin/webhooks/{id}/delete", post(webhooks::delete))
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/replay",
            post(webhooks::replay),
        )
}

/// The platform operator's console at `/platform/`.
pub(crate) fn console_routes() -> Router<AppState> {
    console::routes().merge(signup::routes())
}

/// The tenant's home under the path form, `/t/{slug}/` (the nested routes serve `/t/{slug}`).
pub(crate) fn home_with_slash() -> Router<AppState> {
    Router::new().route("/t/{slug}/", get(pages::home))
}

/// The portal's stylesheet, the same for every tenant (the tenant's colours come in
/// `theme.css`).
pub(crate) async fn stylesheet() -> Response {
    asset(
        include_str!("../../assets/portal.css"),
        "text/css; charset=utf-8",
    )
}

/// The countdown of a timed attempt (`assets/countdown.js`), the portal's one script: only a
/// page answered with [`Visit::scripted_page`] runs it.
pub(crate) async fn countdown_script() -> Response {
    asset(
        include_str!("../../assets/countdown.js"),
        "text/javascript; charset=utf-8",
    )
}

/// A file of `crates/server/assets/`, compiled into the binary and the same for every tenant.
fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}

/// Resolves the tenant of a portal page like the API does, within the same per-tenant request
/// rate, answering a page (not JSON) when there is none to serve or the rate is spent.
pub(crate) async fn resolve_tenant(
    State(state): State<AppState>,
    OriginalUri(uri): OriginalUri,
    request: Request,
    next: Next,
) -> Response {
    match tenancy::serving_tenant(&state, uri.path(), request.headers()).await {
        Ok(tenant) => {
            tracing::Span::current().record("tenant", tenant.slug.as_str());
            let branding = Branding::from_settings(&tenant.settings);
            let locale = visitor_locale(&state, Some(&branding), request.headers());
            let response = tenancy::within_rate(&state, tenant, request, next, |_| {
                let busy = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED", "");
                bare_problem(&locale, busy)
            })
            .await;
            page_for_rejection(&locale, response).await
        }
        Err(e) => bare_problem(&visitor_locale(&state, None, request.headers()), e),
    }
}

/// The locale of a visitor nobody has signed in as: the tenant's language, if a tenant is
/// known, else the browser's; the tenant's time zone, else UTC.
fn visitor_locale(
    state: &AppState,
    branding: Option<&Branding>,
    headers: &HeaderMap,
) -> PageLocale {
    let tenant_locale = branding.and_then(|b| b.locale);
    PageLocale::new(
        state.catalogue.clone(),
        i18n::choose(None, tenant_locale, headers),
        branding.map_or(Tz::UTC, |b| b.time_zone),
    )
}

/// A refusal of axum's own extractors on a portal page (a malformed id in the address, a query
/// it cannot read, a method the page does not take) comes as plain text or empty: the visitor
/// gets a page saying so instead.
async fn page_for_rejection(locale: &PageLocale, response: Response) -> Response {
    // Plain text, or nothing at all (a 405).
    let bare = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !response.status().is_client_error() || !bare {
        return response;
    }
    let status = response.status();
    let text = axum::body::to_bytes(response.into_body(), 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let refusal = ApiError::new(
        status,
        crate::http::context::code_for(status),
        crate::http::error::in_our_words(&text),
    );
    bare_problem(locale, refusal)
}

/// What a page's search box was sent: the search it makes, and the text to show back in the
/// box (the search as it is matched; empty for none).
pub(crate) fn search_box(typed: Option<&str>) -> (Option<SearchText>, String) {
    let search = typed.and_then(SearchText::new);
    let shown = search
        .as_ref()
        .map(SearchText::as_str)
        .unwrap_or_default()
        .to_owned();
    (search, shown)
}

/// The page a browser gets for an address that is neither a page nor the API's.
pub(crate) fn no_such_page(state: &AppState, headers: &HeaderMap) -> Response {
    let missing = ApiError::not_found("no such page");
    bare_problem(&visitor_locale(state, None, headers), missing)
}

/// A page without a tenant to brand it (the tenant is unknown or not served, or the page could
/// not be made), in the visitor's language.
fn bare_problem(locale: &PageLocale, e: ApiError) -> Response {
    let status = e.status;
    let body = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><link rel=\"stylesheet\" href=\"/assets/portal.css\"></head>\
         <body><main id=\"main\"><h1>{title}</h1><p>{}</p></main></body></html>",
        locale.locale(),
        escape(&locale.explain(e)),
        title = escape(&locale.problem_title(status).to_string()),
    );
    let mut response = (status, Html(body)).into_response();
    secure_headers(response.headers_mut());
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What every portal page knows of its request: the tenant and its branding, where the
/// portal is mounted, the signed-in user if any, the page's language and the form token.
pub(crate) struct Visit {
    pub tenant: Arc<Tenant>,
    pub branding: Branding,
    pub locale: PageLocale,
    /// `/t/acme` under the path form, empty on the tenant's own host.
    pub base: String,
    pub user: Option<User>,
    /// The session cookie's token, when it names a session.
    pub session: Option<String>,
    pub csrf: String,
    /// The CSRF cookie must be set with the answer (the browser had none).
    csrf_is_new: bool,
    pub secure: bool,
    /// The page asked for (path and query), to come back to after signing in.
    pub asked_for: String,
    /// Where the request came from.
    pub origin: lyceum_domain::Origin,
}

impl FromRequestParts<AppState> for Visit {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let CurrentTenant(tenant) = parts
            .extensions
            .get::<CurrentTenant>()
            .cloned()
            .ok_or_else(|| {
                let locale = visitor_locale(state, None, &parts.headers);
                bare_problem(
                    &locale,
                    ApiError::internal("a portal page without a tenant"),
                )
            })?;
        let branding = Branding::from_settings(&tenant.settings);
        let visitor = visitor_locale(state, Some(&branding), &parts.headers);
        let problem_of = |e: Refusal| bare_problem(&visitor, e.into());
        let uri = parts
            .extensions
            .get::<OriginalUri>()
            .map_or_else(|| parts.uri.clone(), |o| o.0.clone());
        let base = match uri.path().strip_prefix("/t/") {
            Some(rest) => format!("/t/{}", rest.split('/').next().unwrap_or_default()),
            None => String::new(),
        };
        let jar = CookieJar::from_headers(&parts.headers);
        let (csrf, csrf_is_new) = session::csrf_token(&jar);
        let token = jar
            .get(session::SESSION_COOKIE)
            .map(|c| c.value().to_owned());
        let Ok(RequestOrigin(origin)) = RequestOrigin::from_request_parts(parts, state).await;
        let user = match &token {
            Some(token) if !token.is_empty() && token.len() <= 128 => {
                let resumed = async {
                    let mut tx = state.store.begin(&tenant).await?;
                    let user = sessions::resume(&mut tx, token).await?;
                    tx.commit().await?;
                    Ok::<_, Refusal>(user)
                };
                resumed.await.map_err(problem_of)?
            }
            _ => None,
        };
        let locale = match user.as_ref().and_then(|u| u.locale) {
            Some(own) => PageLocale::new(state.catalogue.clone(), own, branding.time_zone),
            None => visitor,
        };
        Ok(Visit {
            branding,
            locale,
            session: token.filter(|_| user.is_some()),
            user,
            tenant,
            base,
            csrf,
            csrf_is_new,
            secure: session::over_tls(&parts.headers),
            asked_for: uri
                .path_and_query()
                .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned()),
            origin,
        })
    }
}

/// The fields of a form that changes something, taken only once its `csrf` field matches the
/// browser's CSRF cookie: a handler that takes its form this way cannot forget the check. A
/// form that fails it, or cannot be read, is answered with a page before the handler runs.
/// (A form holding a NUL character never gets here: `http::nul` refuses it.)
pub(crate) struct CheckedForm<T>(pub T);

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// The CSRF cookie of a request (empty without one).
fn csrf_cookie(parts: &Parts) -> String {
    CookieJar::from_headers(&parts.headers)
        .get(session::CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default()
}

fn csrf_refused() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "CSRF_REFUSED",
        "this form has expired; go back, reload the page and send it again",
    )
}

fn unreadable_form() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
        "this form could not be read; go back and send it again",
    )
}

fn too_large(what: &'static str) -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", what)
}

/// The page a form refused before its handler ran.
async fn form_refused(mut parts: Parts, state: &AppState, problem: ApiError) -> Response {
    match Visit::from_request_parts(&mut parts, state).await {
        Ok(visit) => visit.problem(problem),
        Err(page) => page,
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CheckedForm<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let cookie = csrf_cookie(&parts);
        let problem = match axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await {
            Ok(bytes) => {
                let field: Option<CsrfField> = serde_urlencoded::from_bytes(&bytes).ok();
                let token = field.map(|f| f.csrf).unwrap_or_default();
                if !session::csrf_matches(&cookie, &token) {
                    csrf_refused()
                } else {
                    match serde_urlencoded::from_bytes(&bytes) {
                        Ok(form) => return Ok(CheckedForm(form)),
                        Err(_) => unreadable_form(),
                    }
                }
            }
            Err(_) => too_large("this form is too large"),
        };
        Err(form_refused(parts, state, problem).await)
    }
}

/// The fields of a form, in the order sent, for forms whose names repeat or are numbered
/// (checkbox lists, a lesson's blocks).
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct Fields(Vec<(String, String)>);

impl Fields {
    /// The first value named `name`.
    pub fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first value named `name`, or an empty text.
    pub fn text(&self, name: &str) -> String {
        self.one(name).unwrap_or_default().to_owned()
    }

    /// Every value named `name`, in order.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every field, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

/// A file sent with a form (`multipart/form-data`) of two fields: `csrf` first, then `file`,
/// of at most `MAX` bytes. The file is read only once the token matches the browser's CSRF
/// cookie (browsers send fields in the form's order, so the token arrives first); a form that
/// fails, or a larger file, is answered with a page before the handler runs.
pub(crate) struct CheckedFile<const MAX: usize>(pub Vec<u8>);

impl<const MAX: usize> FromRequest<AppState> for CheckedFile<MAX> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (parts, body) = request.into_parts();
        let cookie = csrf_cookie(&parts);
        let request = Request::from_parts(parts.clone(), body);
        let problem = match Multipart::from_request(request, state).await {
            Ok(mut form) => match checked_file(&mut form, &cookie, MAX).await {
                Ok(file) => return Ok(CheckedFile(file)),
                Err(problem) => problem,
            },
            Err(_) => unreadable_form(),
        };
        Err(form_refused(parts, state, problem).await)
    }
}

/// Longest CSRF field read (the token is 32 characters).
const MAX_CSRF_FIELD: usize = 64;

async fn checked_file(form: &mut Multipart, cookie: &str, max: usize) -> Result<Vec<u8>, ApiError> {
    // The token's field ends before the next is asked for (multer reads one at a time).
    let token = {
        let Ok(Some(mut field)) = form.next_field().await else {
            return Err(csrf_refused());
        };
        if field.name() != Some("csrf") {
            return Err(csrf_refused());
        }
        read_field(&mut field, MAX_CSRF_FIELD)
            .await
            .map_err(|_| csrf_refused())?
    };
    if !session::csrf_matches(cookie, &String::from_utf8_lossy(&token)) {
        return Err(csrf_refused());
    }
    match form.next_field().await {
        Ok(Some(mut field)) if field.name() == Some("file") => {
            read_field(&mut field, max).await.map_err(|e| match e {
                FieldError::TooLarge => too_large("this file is too large"),
                FieldError::Unreadable => unreadable_form(),
            })
        }
        _ => Err(unreadable_form()),
    }
}

enum FieldError {
    TooLarge,
    Unreadable,
}

/// A multipart field's bytes, refused as soon as they pass `max`.
async fn read_field(field: &mut Field<'_>, max: usize) -> Result<Vec<u8>, FieldError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            FieldError::TooLarge
        } else {
            FieldError::Unreadable
        }
    })? {
        if bytes.len() + chunk.len() > max {
            return Err(FieldError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// What the page frame (header, navigation, footer) shows.
pub(crate) struct Chrome {
    pub tenant_name: String,
    pub base: String,
    pub logo_url: Option<String>,
    pub locale: PageLocale,
    pub user_name: Option<String>,
    /// Shows the teaching pages (instructors and admins).
    pub teaches: bool,
    /// Shows the people pages (admins).
    pub administers: bool,
    pub csrf: String,
}

impl Visit {
    pub fn chrome(&self) -> Chrome {
        Chrome {
            tenant_name: self.tenant.name.clone(),
            base: self.base.clone(),
            logo_url: logo_address(&self.branding, &self.base),
            locale: self.locale.clone(),
            user_name: self.user.as_ref().map(|u| u.display_name.clone()),
            teaches: self.user.as_ref().is_some_and(|u| u.role != Role::Student),
            administers: self.user.as_ref().is_some_and(|u| u.role == Role::Admin),
            csrf: self.csrf.clone(),
        }
    }

    /// The signed-in user as the use cases see them.
    pub fn actor(&self) -> Option<Actor> {
        self.user.as_ref().map(|u| Actor {
            user: u.id,
            role: u.role,
            plan: self.tenant.plan,
            origin: self.origin.clone(),
        })
    }

    /// Runs `read` in a read transaction of the tenant, committed when it succeeds.
    pub async fn read<T>(
        &self,
        state: &AppState,
        read: impl AsyncFnOnce(&mut TenantTx) -> Result<T, Refusal>,
    ) -> Result<T, Refusal> {
        let mut tx = state.store.begin(&self.tenant).await?;
        let value = read(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// Runs `write` in a write transaction of the tenant, committed when it succeeds.
    pub async fn write<T>(
        &self,
        state: &AppState,
        write: impl AsyncFnOnce(&mut WriteTx) -> Result<T, Refusal>,
    ) -> Result<T, Refusal> {
        let mut tx = state.store.begin_write(&self.tenant).await?;
        let value = write(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    /// The page `render` makes of what a use case answered, or the page of its refusal.
    pub fn show<T, P: Template>(
        &self,
        outcome: Result<T, Refusal>,
        render: impl FnOnce(T, Chrome) -> P,
    ) -> Response {
        self.show_as(StatusCode::OK, outcome, render)
    }

    /// [`Visit::show`] answering `status` (a form shown again with its refusal: 422, 409 ...).
    pub fn show_as<T, P: Template>(
        &self,
        status: StatusCode,
        outcome: Result<T, Refusal>,
        render: impl FnOnce(T, Chrome) -> P,
    ) -> Response {
        match outcome {
            Ok(value) => self.page(status, &render(value, self.chrome())),
            Err(e) => self.problem(e),
        }
    }

    /// A portal address of this tenant.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The rendered page, with the portal's headers (and the CSRF cookie when new).
    pub fn page(&self, status: StatusCode, template: &impl Template) -> Response {
        self.scripted_page(status, template, None)
    }

    /// A page, which runs the portal's script when `script` is given: its policy then allows
    /// the one `<script>` tag carrying the script's nonce, and nothing else.
    pub fn scripted_page(
        &self,
        status: StatusCode,
        template: &impl Template,
        script: Option<&PageScript>,
    ) -> Response {
        match template.render() {
            Ok(html) => {
                let mut response = (status, Html(html)).into_response();
                match script {
                    Some(script) => script.allow(response.headers_mut()),
                    None => secure_headers(response.headers_mut()),
                }
                self.keep_csrf(response.headers_mut());
                response
            }
            Err(e) => {
                tracing::error!(error = %e, "a portal page failed to render");
                bare_problem(&self.locale, ApiError::internal("a page failed to render"))
            }
        }
    }

    fn keep_csrf(&self, headers: &mut HeaderMap) {
        if self.csrf_is_new {
            let cookie = session::cookie(
                session::CSRF_COOKIE,
                self.csrf.clone(),
                &self.base,
                self.secure,
                SameSite::Strict,
            );
            session::set_cookie(headers, &cookie);
        }
    }

    /// A file to download (its type and name set already), with the portal's headers.
    pub fn download(&self, mut response: Response) -> Response {
        secure_headers(response.headers_mut());
        self.keep_csrf(response.headers_mut());
        response
    }

    /// A redirect (303, so the browser follows with GET) to a path of this tenant's portal.
    pub fn redirect(&self, path: &str) -> Response {
        let mut response = StatusCode::SEE_OTHER.into_response();
        if let Ok(location) = HeaderValue::from_str(&self.link(path)) {
            response.headers_mut().insert(header::LOCATION, location);
        }
        secure_headers(response.headers_mut());
        self.keep_csrf(response.headers_mut());
        response
    }

    /// The page explaining why something failed, branded, with the status that fits.
    pub fn problem(&self, e: impl Into<ApiError>) -> Response {
        let e = e.into();
        let status = e.status;
        let page = pages::Problem {
            title: self.locale.problem_title(status).to_string(),
            message: self.locale.explain(e),
            chrome: self.chrome(),
        };
        self.page(status, &page)
    }
}

/// The portal's content policy: no script may run (but the one a [`PageScript`] allows) and
/// nothing is framed.
const CONTENT_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; \
     media-src 'self' https:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The portal's content policy on an answer. The headers every answer carries
/// (`http::headers`) add the rest, `Cache-Control: no-store` included: every portal page holds
/// a form's CSRF token, and most hold personal data.
fn secure_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_POLICY),
    );
}

/// The script a page runs (`/assets/countdown.js`): a nonce new with every answer, carried by
/// the page's `<script>` tag and named by its policy (`script-src 'nonce-...'`), so no other
/// tag, inline or not, and no other file of this origin (a learner's upload) can run.
pub(crate) struct PageScript {
    pub nonce: String,
}

impl PageScript {
    pub fn new() -> PageScript {
        PageScript {
            nonce: session::random_token(),
        }
    }

    fn allow(&self, headers: &mut HeaderMap) {
        let policy = format!("{CONTENT_POLICY}; script-src 'nonce-{}'", self.nonce);
        match HeaderValue::from_str(&policy) {
            Ok(policy) => {
                headers.insert(header::CONTENT_SECURITY_POLICY, policy);
            }
            // A nonce is hex; should it not be, the page runs no script and still works.
            Err(_) => secure_headers(headers),
        }
    }
}
