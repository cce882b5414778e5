//! "Create your organisation" at `/signup`, where the operator lets organisations sign
//! themselves up (`LYCEUM_SELF_SIGNUP`): a form that works without script, carrying the CSRF
//! token of the other forms (its cookie scoped to `/signup`), in the visitor's browser's
//! language; limited per client address like the API's sign-up. While sign-up is off the page
//! is not there (404). The rules are `lyceum_app::platform`'s.

use super::i18n::{self, PageLocale};
use super::session::{self, CSRF_COOKIE};
use super::{bare_problem, secure_headers};
use crate::http::context::RequestOrigin;
use crate::http::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::{CookieJar, SameSite};
use lyceum_app::platform::{self, AdminRequest, OrganisationSignUp, SignUps};
use lyceum_domain::Origin;
use serde::Deserialize;

/// Where the page lives; its form token's cookie is scoped to it.
const PAGE: &str = "/signup";

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route(PAGE, get(form).post(sign_up))
}

/// What the page knows of its visitor: their language, the form token, where they ask from.
pub(crate) struct Visitor {
    pub locale: PageLocale,
    pub csrf: String,
    csrf_is_new: bool,
    secure: bool,
    origin: Origin,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let jar = CookieJar::from_headers(&parts.headers);
        let (csrf, csrf_is_new) = session::csrf_token(&jar);
        let Ok(RequestOrigin(origin)) = RequestOrigin::from_request_parts(parts, state).await;
        let locale = i18n::choose(None, None, &parts.headers);
        Ok(Visitor {
            locale: PageLocale::new(state.catalogue.clone(), locale, chrono_tz::Tz::UTC),
            csrf,
            csrf_is_new,
            secure: session::over_tls(&parts.headers),
            origin,
        })
    }
}

impl Visitor {
    fn page(&self, status: StatusCode, template: &impl Template) -> Response {
        match template.render() {
            Ok(html) => self.finish((status, Html(html)).into_response()),
            Err(e) => {
                tracing::error!(error = %e, "the sign-up page failed to render");
                self.problem(ApiError::internal("the sign-up page failed to render"))
            }
        }
    }

    fn finish(&self, mut response: Response) -> Response {
        secure_headers(response.headers_mut());
        if self.csrf_is_new {
            let cookie = session::cookie(
                CSRF_COOKIE,
                self.csrf.clone(),
                PAGE,
                self.secure,
                SameSite::Strict,
            );
            session::set_cookie(response.headers_mut(), &cookie);
        }
        response
    }

    fn problem(&self, e: impl Into<ApiError>) -> Response {
        self.finish(bare_problem(&self.locale, e.into()))
    }
}

#[derive(Template)]
#[template(path = "portal/signup.html")]
struct SignUpPage {
    visitor: Visitor,
    problem: Option<String>,
    form: SignUpForm,
    /// Once made: the new organisation's slug.
    made: Option<String>,
}

#[derive(Deserialize, Default)]
struct SignUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    admin_email: String,
    #[serde(default)]
    admin_name: String,
}

/// The page, or 404 `SIGNUP_CLOSED` while sign-up is off.
fn closed(state: &AppState, visitor: &Visitor) -> Option<Response> {
    (state.config.signup.sign_ups() == SignUps::Closed).then(|| {
        visitor.problem(ApiError::new(
            StatusCode::NOT_FOUND,
            "SIGNUP_CLOSED",
            "organisations cannot sign themselves up here",
        ))
    })
}

async fn form(State(state): State<AppState>, visitor: Visitor) -> Response {
    if let Some(closed) = closed(&state, &visitor) {
        return closed;
    }
    let page = SignUpPage {
        visitor,
        problem: None,
        form: SignUpForm::default(),
        made: None,
    };
    page.visitor.page(StatusCode::OK, &page)
}

async fn sign_up(
    State(state): State<AppState>,
    visitor: Visitor,
    jar: CookieJar,
    Form(form): Form<SignUpForm>,
) -> Response {
    if let Some(closed) = closed(&state, &visitor) {
        return closed;
    }
    let cookie = jar.get(CSRF_COOKIE).map(|c| c.value()).unwrap_or_default();
    if !session::csrf_matches(cookie, &form.csrf) {
        return visitor.problem(ApiError::new(StatusCode::FORBIDDEN, "CSRF_REFUSED", ""));
    }
    let refused = |visitor: Visitor, form: SignUpForm, problem: ApiError| {
        let status = problem.status;
        if !status.is_client_error() {
            return visitor.problem(problem);
        }
        let page = SignUpPage {
            problem: Some(visitor.locale.explain(problem)),
            visitor,
            form,
            made: None,
        };
        page.visitor.page(status, &page)
    };
    if let Err(verdict) = state.signup_limits.sign_up(visitor.origin.address()) {
        let mut response = refused(
            visitor,
            form,
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "SIGNUP_RATE_LIMITED",
                "too many sign-ups from this address; try again later",
            ),
        );
        verdict.write_headers(response.headers_mut());
        return response;
    }
    let request = OrganisationSignUp {
        name: form.name.clone(),
        slug: form.slug.trim().to_owned(),
        admin: AdminRequest {
            email: form.admin_email.clone(),
            name: Some(form.admin_name.clone()),
        },
    };
    let sign_ups = state.config.signup.sign_ups();
    match platform::sign_up_organisation(&state.store, sign_ups, &visitor.origin, request).await {
        Ok(tenant) => {
            let page = SignUpPage {
                visitor,
                problem: None,
                form,
                made: Some(tenant.slug.to_string()),
            };
            page.visitor.page(StatusCode::OK, &page)
        }
        Err(e) => refused(visitor, form, ApiError::from(e)),
    }
}
