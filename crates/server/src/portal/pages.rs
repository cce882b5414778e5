//! The portal's pages: the tenant's public catalog and course pages, signing in and out, the
//! learner's dashboard, course outline, lesson player and certificates, and one's own account
//! (the language of the pages). Each handler reads
//! the request, calls the use cases of `lyceum_app` in a tenant transaction and renders a
//! template; a refusal becomes a branded page with the status that fits.

use super::session::{self, SESSION_COOKIE};
use super::{CheckedForm, Chrome, Visit};
use crate::api::auth::{refresh_expiry, tenant_password_sign_in, LoginRequest};
use crate::api::files::cover_addresses;
use crate::http::error::ApiError;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::SameSite;
use lyceum_app::files;
use lyceum_app::identity::{invitations, sessions, users, NewPassword};
use lyceum_app::learning::certificates::{self, Certificate};
use lyceum_app::learning::content::{self, CourseOutline, Lesson, Module};
use lyceum_app::learning::courses::{self, Course};
use lyceum_app::learning::dashboard::{dashboard as learner_dashboard, Dashboard};
use lyceum_app::learning::{enrollments, progress, Release};
use lyceum_app::Refusal;
use lyceum_domain::{
    AssessmentId, ContentBlock, CourseId, LessonId, LessonKind, Locale, Percent, Permission,
};
use lyceum_store::LearnerLock;
use serde::Deserialize;
use std::collections::HashMap;

/// `{id}` of a page's path, by name: under `/t/{slug}` the path has a second parameter.
#[derive(Deserialize)]
pub(crate) struct Id<T> {
    pub(super) id: T,
}

/// `{code}` of a certificate's page.
#[derive(Deserialize)]
pub(crate) struct Code {
    code: String,
}

/// Courses per catalog page.
const CATALOG_PAGE: u32 = 24;

/// The page explaining a refusal.
#[derive(Template)]
#[template(path = "portal/problem.html")]
pub(super) struct Problem {
    pub chrome: Chrome,
    pub title: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "portal/home.html")]
struct Home {
    chrome: Chrome,
    query: String,
    courses: Vec<Course>,
    /// The addresses of the courses' uploaded covers.
    covers: HashMap<CourseId, String>,
    next_page: Option<String>,
}

impl Home {
    fn cover(&self, course: &CourseId) -> Option<&str> {
        self.covers.get(course).map(String::as_str)
    }
}

#[derive(Deserialize)]
pub(crate) struct CatalogQuery {
    q: Option<String>,
    after: Option<CourseId>,
}

/// The tenant's landing page: its published catalog, searchable, a page at a time.
pub(crate) async fn home(
    State(state): State<AppState>,
    visit: Visit,
    Query(query): Query<CatalogQuery>,
) -> Response {
    let (filter, search) = super::search_box(query.q.as_deref());
    let found = visit
        .read(&state, async |tx| {
            let page = courses::public_catalog(tx, filter, query.after, CATALOG_PAGE).await?;
            let covers = cover_addresses(&state, tx, &visit.base, &page).await?;
            Ok((page, covers))
        })
        .await;
    let (courses, covers) = match found {
        Ok(found) => found,
        Err(e) => return visit.problem(e),
    };
    let next_page = (courses.len() == CATALOG_PAGE as usize)
        .then(|| courses.last())
        .flatten()
        .map(|last| {
            let q: String = url_encode(&search);
            visit.link(&format!("/?q={q}&after={}", last.id))
        });
    let page = Home {
        chrome: visit.chrome(),
        query: search,
        courses,
        covers,
        next_page,
    };
    visit.page(StatusCode::OK, &page)
}

pub(super) fn url_encode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// The tenant's colours as CSS custom properties (checked when read: see `Branding`).
pub(crate) async fn theme(visit: Visit) -> Response {
    let b = &visit.branding;
    let css = format!(
        ":root {{ --primary: {}; --on-primary: {}; --accent: {}; --on-accent: {}; }}\n",
        b.primary,
        b.primary.readable_text(),
        b.accent,
        b.accent.readable_text()
    );
    let mut response = css.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

#[derive(Template)]
#[template(path = "portal/course.html")]
struct CoursePage {
    chrome: Chrome,
    course: Course,
    /// The address of its uploaded cover.
    cover: Option<String>,
    modules: Vec<Module>,
    enrolled: bool,
    /// The signed-in person's role lets them enroll themselves (staff enroll others).
    may_enroll: bool,
}

/// A published course as a visitor sees it, with a way to enroll.
pub(crate) async fn course(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let read = visit
        .read(&state, async |tx| {
            let (course, modules) = courses::public_course(tx, id).await?;
            let enrolled = match visit.actor() {
                Some(actor) => actor.enrollment(tx, id).await?.is_some(),
                None => false,
            };
            let mut covers =
                cover_addresses(&state, tx, &visit.base, std::slice::from_ref(&course)).await?;
            let cover = covers.remove(&course.id);
            Ok((course, cover, modules, enrolled))
        })
        .await;
    let may_enroll = visit
        .actor()
        .is_some_and(|actor| actor.may(Permission::EnrollmentSelf));
    visit.show(read, |(course, cover, modules, enrolled), chrome| {
        CoursePage {
            chrome,
            course,
            cover,
            modules,
            enrolled,
            may_enroll,
        }
    })
}

/// A form with no fields of its own (its CSRF token is checked by [`CheckedForm`]).
#[derive(Deserialize)]
pub(crate) struct Protected {}

/// Enrolls the signed-in learner, then opens the course.
pub(crate) async fn enroll(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/courses/{id}")));
    };
    let enrolled = visit
        .write(&state, async |tx| {
            enrollments::enroll_in(tx, &actor, id, None, None).await?;
            Ok(())
        })
        .await;
    match enrolled {
        Ok(()) => visit.redirect(&format!("/learn/courses/{id}")),
        Err(e) => visit.problem(e),
    }
}

#[derive(Template)]
#[template(path = "portal/sign_in.html")]
struct SignIn {
    chrome: Chrome,
    problem: Option<String>,
    email: String,
    next: String,
    /// The tenant lets people sign themselves up.
    open_sign_up: bool,
    /// Coming from a password reset: tell the person their password changed.
    password_reset: bool,
}

#[derive(Deserialize)]
pub(crate) struct NextPage {
    next: Option<String>,
    /// `done` after a password reset.
    reset: Option<String>,
}

/// Where to go after signing in: the page asked for when it is one of this tenant's portal
/// pages (a path, never another site, never one whose dot segments a browser would resolve to
/// another tenant's), else the learner's dashboard.
fn next_target(visit: &Visit, next: Option<&str>) -> String {
    let fallback = visit.link("/learn");
    let Some(next) = next else { return fallback };
    let ours = if visit.base.is_empty() {
        next.starts_with('/')
    } else {
        next.starts_with(&format!("{}/", visit.base)) || next == visit.base
    };
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let dotted = path.split('/').any(|segment| {
        let segment = segment.to_ascii_lowercase().replace("%2e", ".");
        segment == "." || segment == ".."
    });
    let safe = ours
        && !dotted
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 1000;
    if safe {
        next.to_owned()
    } else {
        fallback
    }
}

/// The sign-in form.
pub(crate) async fn sign_in_form(visit: Visit, Query(next): Query<NextPage>) -> Response {
    if visit.user.is_some() {
        return visit.redirect(
            next_target(&visit, next.next.as_deref())
                .strip_prefix(&visit.base)
                .unwrap_or("/learn"),
        );
    }
    let page = SignIn {
        chrome: visit.chrome(),
        problem: None,
        email: String::new(),
        next: next_target(&visit, next.next.as_deref()),
        open_sign_up: open_sign_up(&visit),
        password_reset: next.reset.as_deref() == Some("done"),
    };
    visit.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// Signs in with e-mail and password (throttled like the API's sign-in): a session cookie,
/// then the page asked for.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<SignInForm>,
) -> Response {
    let next = next_target(&visit, form.next.as_deref());
    let email: String = form.email.trim().chars().take(254).collect();
    let again = |problem: String, status: StatusCode| {
        let page = SignIn {
            chrome: visit.chrome(),
            problem: Some(problem),
            email: email.clone(),
            next: next.clone(),
            open_sign_up: open_sign_up(&visit),
            password_reset: false,
        };
        visit.page(status, &page)
    };
    let request = LoginRequest {
        email: email.clone(),
        password: form.password,
    };
    let user = match tenant_password_sign_in(&state, &visit.tenant, request, &visit.origin).await {
        Ok(user) => user,
        Err(refused) if refused.status() == StatusCode::TOO_MANY_REQUESTS => {
            let problem = visit.locale.msg("refusal-login-throttled").to_string();
            return again(problem, StatusCode::TOO_MANY_REQUESTS);
        }
        Err(refused) if refused.status() == StatusCode::UNAUTHORIZED => {
            let problem = visit.locale.msg("refusal-invalid-credentials").to_string();
            return again(problem, StatusCode::UNAUTHORIZED);
        }
        Err(refused) => return refused,
    };
    let expires = refresh_expiry(&state);
    let opened = visit
        .write(&state, async |tx| {
            sessions::sign_in(tx, &user, expires, &visit.origin).await
        })
        .await;
    let token = match opened {
        Ok(token) => token,
        Err(e) => return visit.problem(e),
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&next) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    let cookie = session::cookie(
        SESSION_COOKIE,
        token,
        &visit.base,
        visit.secure,
        SameSite::Lax,
    );
    session::set_cookie(response.headers_mut(), &cookie);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Signs out: the session ends on the server (its token family is revoked) and the cookie is
/// cleared.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    visit: Visit,
    _: CheckedForm<Protected>,
) -> Response {
    if let Some(token) = &visit.session {
        let ended = visit
            .write(&state, async |tx| {
                sessions::sign_out(tx, token).await?;
                Ok(())
            })
            .await;
        if let Err(e) = ended {
            return visit.problem(e);
        }
    }
    let mut response = visit.redirect("/");
    let mut gone = session::cookie(
        SESSION_COOKIE,
        String::new(),
        &visit.base,
        visit.secure,
        SameSite::Lax,
    );
    gone.make_removal();
    session::set_cookie(response.headers_mut(), &gone);
    response
}

/// To signing in, and back to `back` (a portal address) after.
pub(super) fn to_sign_in(visit: &Visit, back: &str) -> Response {
    visit.redirect(&format!("/sign-in?next={}", url_encode(back)))
}

#[derive(Template)]
#[template(path = "portal/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    dashboard: Dashboard,
}

/// The learner's dashboard.
pub(crate) async fn dashboard(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            let dashboard = learner_dashboard(tx, &actor).await?;
            Ok(dashboard)
        })
        .await;
    visit.show(read, |dashboard, chrome| DashboardPage {
        chrome,
        dashboard,
    })
}

#[derive(Template)]
#[template(path = "portal/outline.html")]
struct OutlinePage {
    chrome: Chrome,
    outline: CourseOutline,
}

/// A course the learner takes: its modules and lessons, locked and completed, and progress.
pub(crate) async fn outline(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let outline = visit
        .read(&state, async |tx| {
            content::course_outline(tx, &actor, id).await
        })
        .await;
    visit.show(outline, |outline, chrome| OutlinePage { chrome, outline })
}

/// A content block as the lesson player shows it.
enum Block {
    /// Sanitised HTML (rendered Markdown).
    Html(String),
    Video(String),
    Image {
        src: String,
        alt: String,
    },
    /// An assignment lesson's assessment: a link to its page.
    Assignment(AssessmentId),
    /// A quiz lesson's assessment: the page's quiz card.
    Quiz,
    /// What cannot be shown here yet, said in words.
    Unavailable(Missing),
}

/// Content the player cannot show.
enum Missing {
    /// Media that is neither `https://` nor on this server.
    Video,
    Image,
    /// An assessment block the page shows neither as a quiz nor as an assignment.
    Assessment,
}

/// Media the page may load: an `https://` address or a path of this server.
fn media(reference: &str) -> Option<String> {
    let ok = (reference.starts_with("https://")
        || (reference.starts_with('/') && !reference.starts_with("//")))
        && !reference
            .chars()
            .any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| reference.to_owned())
}

/// The lesson's blocks as the player shows them; `files` holds the addresses (signed URLs) of
/// the course's files its media name (`file:{id}`).
fn blocks_of(lesson: &Lesson, files: &HashMap<String, String>, quiz: bool) -> Vec<Block> {
    let parsed: Vec<ContentBlock> =
        serde_json::from_value(lesson.content.clone()).unwrap_or_default();
    let media = |reference: &str| files.get(reference).cloned().or_else(|| media(reference));
    parsed
        .into_iter()
        .map(|block| match block {
            ContentBlock::Markdown { html, .. } => Block::Html(html),
            ContentBlock::Video { media: m, .. } => match media(&m) {
                Some(src) => Block::Video(src),
                None => Block::Unavailable(Missing::Video),
            },
            ContentBlock::Image { media: m, alt } => match media(&m) {
                Some(src) => Block::Image { src, alt },
                None => Block::Unavailable(Missing::Image),
            },
            ContentBlock::Assessment { assessment_id } if lesson.kind == LessonKind::Assignment => {
                Block::Assignment(AssessmentId::from_uuid(assessment_id))
            }
            ContentBlock::Assessment { .. } if quiz => Block::Quiz,
            ContentBlock::Assessment { .. } => Block::Unavailable(Missing::Assessment),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/lesson.html")]
struct LessonPage {
    chrome: Chrome,
    lesson: Lesson,
    course: CourseId,
    blocks: Vec<Block>,
    completed: bool,
    /// A quiz lesson's assessment, when the reader may see it.
    quiz: Option<super::quiz::QuizCard>,
}

impl LessonPage {
    /// Does the page offer to mark the lesson complete (or go on, once it is)? A quiz lesson
    /// is completed by passing its quiz.
    fn completes_here(&self) -> bool {
        self.completed || !self.lesson.kind.completed_by_passing()
    }
}

/// The lesson player.
pub(crate) async fn lesson(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<LessonId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            let (lesson, course) = content::readable_lesson(tx, &actor, id).await?;
            let completed = Release::load(tx, course, actor.user).await?.completed(id);
            let quiz = match lyceum_domain::assessment_of(&lesson.content) {
                Some(assessment) if lesson.kind == LessonKind::Quiz => {
                    let assessment = AssessmentId::from_uuid(assessment);
                    super::quiz::card(tx, &actor, assessment).await?
                }
                _ => None,
            };
            let mut urls = HashMap::new();
            if let Some(storage) = state.files.as_deref() {
                for (reference, url) in
                    files::media_urls(tx, storage, course, &lesson.content).await?
                {
                    urls.insert(reference, visit.link(&url.path));
                }
            }
            Ok((lesson, course, completed, urls, quiz))
        })
        .await;
    visit.show(read, |(lesson, course, completed, urls, quiz), chrome| {
        LessonPage {
            chrome,
            blocks: blocks_of(&lesson, &urls, quiz.is_some()),
            lesson,
            course,
            completed,
            quiz,
        }
    })
}

/// Marks a lesson complete (progress 100 %), then opens the next lesson, or the course's
/// outline after the last one (or the certificate it just earned).
pub(crate) async fn complete(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<LessonId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/learn/lessons/{id}")));
    };
    let reported = async {
        let lock = LearnerLock {
            learner: actor.user,
        };
        let mut tx = state.store.begin_learner_write(&visit.tenant, lock).await?;
        let reported = progress::report(&mut tx, &actor, id, Percent::COMPLETE).await?;
        tx.commit().await?;
        Ok::<_, Refusal>(reported)
    };
    match reported.await {
        Ok(reported) => match (&reported.certificate, reported.progress.next_lesson) {
            (Some(certificate), _) => {
                visit.redirect(&format!("/certificates/{}", certificate.code))
            }
            (None, Some(next)) => visit.redirect(&format!("/learn/lessons/{next}")),
            (None, None) => visit.redirect(&format!("/learn/courses/{}", reported.course)),
        },
        Err(e) => visit.problem(e),
    }
}

#[derive(Template)]
#[template(path = "portal/certificate.html")]
struct CertificatePage {
    chrome: Chrome,
    certificate: Certificate,
}

/// A certificate's public page: anyone with its code can confirm it (printable).
pub(crate) async fn certificate(
    State(state): State<AppState>,
    visit: Visit,
    Path(Code { code }): Path<Code>,
) -> Response {
    let read = visit
        .read(&state, async |tx| {
            let certificate = certificates::verify(tx, &code).await?;
            Ok(certificate)
        })
        .await;
    visit.show(read, |certificate, chrome| CertificatePage {
        chrome,
        certificate,
    })
}

#[derive(Template)]
#[template(path = "portal/accept.html")]
struct Accept {
    chrome: Chrome,
    problem: Option<String>,
    token: String,
}

#[derive(Deserialize)]
pub(crate) struct InvitationLink {
    #[serde(default)]
    token: String,
}

/// The page an invitation link opens: choose a password.
pub(crate) async fn accept_form(visit: Visit, Query(link): Query<InvitationLink>) -> Response {
    let page = Accept {
        chrome: visit.chrome(),
        problem: None,
        token: link.token.chars().take(128).collect(),
    };
    visit.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct AcceptForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// Accepts an invitation: sets the password, activates the person and signs them in.
pub(crate) async fn accept(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<AcceptForm>,
) -> Response {
    let token: String = form.token.chars().take(128).collect();
    let again = |problem: String, status: StatusCode| {
        let page = Accept {
            chrome: visit.chrome(),
            problem: Some(problem),
            token: token.clone(),
        };
        visit.page(status, &page)
    };
    let password = match NewPassword::choose(form.password).await {
        Ok(password) => password,
        Err(e) => return again(visit.locale.explain(e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let expires = refresh_expiry(&state);
    let accepted = visit
        .write(&state, async |tx| {
            let user = invitations::accept(tx, &token, &password, &visit.origin).await?;
            sessions::sign_in(tx, &user, expires, &visit.origin).await
        })
        .await;
    match accepted {
        Ok(session) => {
            let mut response = visit.redirect("/learn");
            let cookie = session::cookie(
                SESSION_COOKIE,
                session,
                &visit.base,
                visit.secure,
                SameSite::Lax,
            );
            session::set_cookie(response.headers_mut(), &cookie);
            response
        }
        Err(e @ (Refusal::Malformed { .. } | Refusal::Invalid(_))) => {
            again(visit.locale.explain(e), StatusCode::BAD_REQUEST)
        }
        Err(e) => visit.problem(e),
    }
}

/// Does the tenant let people sign themselves up (its `self_signup` setting)?
fn open_sign_up(visit: &Visit) -> bool {
    lyceum_domain::TenantSettings::read(&visit.tenant.settings).self_signup
}

#[derive(Template)]
#[template(path = "portal/sign_up.html")]
struct SignUp {
    chrome: Chrome,
    problem: Option<String>,
    name: String,
    email: String,
}

/// The self sign-up form, where the tenant allows it.
pub(crate) async fn sign_up_form(visit: Visit) -> Response {
    if !open_sign_up(&visit) {
        return visit.problem(ApiError::new(
            StatusCode::FORBIDDEN,
            "SIGNUP_DISABLED",
            "this organization does not allow self sign-up; ask its admins for an invitation",
        ));
    }
    let page = SignUp {
        chrome: visit.chrome(),
        problem: None,
        name: String::new(),
        email: String::new(),
    };
    visit.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct SignUpForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Signs a person up as a student (the tenant's rule and plan limit apply), then signs them in.
pub(crate) async fn sign_up(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<SignUpForm>,
) -> Response {
    let again = |problem: String, status: StatusCode| {
        let page = SignUp {
            chrome: visit.chrome(),
            problem: Some(problem),
            name: form.display_name.clone(),
            email: form.email.clone(),
        };
        visit.page(status, &page)
    };
    let password = match NewPassword::choose(form.password.clone()).await {
        Ok(password) => password,
        Err(e) => return again(visit.locale.explain(e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let expires = refresh_expiry(&state);
    let tenant = visit.tenant.clone();
    let joined = visit
        .write(&state, async |tx| {
            let user = users::sign_up(
                tx,
                &tenant,
                form.email.trim().to_owned(),
                form.display_name.clone(),
                password,
                &visit.origin,
            )
            .await?;
            sessions::sign_in(tx, &user, expires, &visit.origin).await
        })
        .await;
    match joined {
        Ok(session) => {
            let mut response = visit.redirect("/learn");
            let cookie = session::cookie(
                SESSION_COOKIE,
                session,
                &visit.base,
                visit.secure,
                SameSite::Lax,
            );
            session::set_cookie(response.headers_mut(), &cookie);
            response
        }
        Err(e) => {
            let problem = ApiError::from(e);
            if problem.status.is_client_error() {
                let status = problem.status;
                again(visit.locale.explain(problem), status)
            } else {
                visit.problem(problem)
            }
        }
    }
}

#[derive(Template)]
#[template(path = "portal/account.html")]
struct Account {
    chrome: Chrome,
    /// The person's own language, if they chose one.
    chosen: Option<Locale>,
    choices: Vec<LanguageChoice>,
    saved: bool,
}

/// A language offered on the account page.
struct LanguageChoice {
    code: Locale,
    /// In the language itself.
    name: String,
    chosen: bool,
}

#[derive(Deserialize)]
pub(crate) struct AccountQuery {
    #[serde(default)]
    saved: bool,
}

/// The signed-in person's account: the language they read the pages in.
pub(crate) async fn account(visit: Visit, Query(query): Query<AccountQuery>) -> Response {
    let Some(user) = &visit.user else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let choices = Locale::ALL
        .into_iter()
        .map(|code| LanguageChoice {
            code,
            name: visit.locale.language(code).to_string(),
            chosen: user.locale == Some(code),
        })
        .collect();
    let page = Account {
        chrome: visit.chrome(),
        chosen: user.locale,
        choices,
        saved: query.saved,
    };
    visit.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct AccountForm {
    /// A language's code, or empty for none of one's own.
    #[serde(default)]
    locale: String,
}

/// Saves the person's language, then shows the account page in it.
pub(crate) async fn save_account(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<AccountForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/account"));
    };
    let locale = match form.locale.as_str() {
        "" => None,
        code => match code.parse::<Locale>() {
            Ok(locale) => Some(locale),
            Err(e) => return visit.problem(e),
        },
    };
    let chosen = visit
        .write(&state, async |tx| {
            users::choose_locale(tx, &actor, locale).await?;
            Ok(())
        })
        .await;
    match chosen {
        Ok(()) => visit.redirect("/account?saved=true"),
        Err(e) => visit.problem(e),
    }
}
