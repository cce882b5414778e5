//! The web portal over real HTTP through the real router, on SQLite and every PostgreSQL
//! placement: a learner's journey from signing in to the public certificate page, sessions that
//! end on the server and stay in their tenant, CSRF refusals, safe redirects, escaping, and the
//! headers every page carries. (The same journeys in a real browser: `tests/browser.rs`.)

mod common;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use common::{configs_on_every_placement, school, school_with, PORTAL_PASSWORD as PASSWORD};
use lyceum_server::{app, AppState, ServerConfig};
use lyceum_store::Store;
use std::collections::HashMap;
use tower::ServiceExt;

/// A browser of sorts: keeps the cookies the server sets, per name, and sends them back.
struct Browser {
    state: AppState,
    cookies: HashMap<String, String>,
    label: String,
    /// Sent as `Accept-Language`, when set.
    languages: Option<&'static str>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    /// Asserts the answer is an HTML page (a refusal too: never the API's JSON).
    fn is_html(&self) -> bool {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"))
            && self.body.starts_with("<!DOCTYPE html>")
    }

    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl Browser {
    fn new(state: &AppState, label: &str) -> Self {
        Browser {
            state: state.clone(),
            cookies: HashMap::new(),
            label: label.to_owned(),
            languages: None,
        }
    }

    /// The same browser, asking for these languages from now on.
    fn speaking(mut self, languages: &'static str) -> Self {
        self.languages = Some(languages);
        self
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Page {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        let mut request = request
            .header(header::COOKIE, cookie.join("; "))
            .header(header::ACCEPT, "text/html");
        if let Some(languages) = self.languages {
            request = request.header(header::ACCEPT_LANGUAGE, languages);
        }
        let request = request.body(body).unwrap();
        let response = app(self.state.clone()).oneshot(request).await.unwrap();
        let headers = response.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if set.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 8 << 20)
            .await
            .unwrap();
        Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    /// Posts a form, with the page's CSRF token unless `csrf` says otherwise.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)], csrf: Option<&str>) -> Page {
        let token = csrf
            .map(str::to_owned)
            .unwrap_or_else(|| self.cookies.get("lyceum_csrf").cloned().unwrap_or_default());
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &token));
        let body = serde_urlencoded::to_string(&all).unwrap();
        let request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        self.send(request, Body::from(body)).await
    }

    /// Posts a file as a `multipart/form-data` form of the fields `csrf` (the page's token
    /// unless `csrf` says otherwise) and `file`, in that order unless `file_first`.
    async fn upload(
        &mut self,
        path: &str,
        file: &[u8],
        csrf: Option<&str>,
        file_first: bool,
    ) -> Page {
        let token = csrf
            .map(str::to_owned)
            .unwrap_or_else(|| self.cookies.get("lyceum_csrf").cloned().unwrap_or_default());
        let boundary = "lyceum-test-boundary";
        let csrf_part = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
        )
        .into_bytes();
        let mut file_part = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
             filename=\"learners.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .into_bytes();
        file_part.extend_from_slice(file);
        file_part.extend_from_slice(b"\r\n");
        let mut body = Vec::new();
        if file_first {
            body.extend(file_part);
            body.extend(csrf_part);
        } else {
            body.extend(csrf_part);
            body.extend(file_part);
        }
        body.extend(format!("--{boundary}--\r\n").into_bytes());
        let request = Request::post(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        self.send(request, Body::from(body)).await
    }

    async fn sign_in(&mut self, slug: &str, email: &str) -> Page {
        let form = self.get(&format!("/t/{slug}/sign-in")).await;
        assert_eq!(form.status, StatusCode::OK, "{}: {}", self.label, form.body);
        let fields = [("email", email), ("password", PASSWORD)];
        self.post(&format!("/t/{slug}/sign-in"), &fields, None)
            .await
    }
}

fn label(config: &lyceum_store::StoreConfig) -> String {
    match (&config.engine, config.default_placement) {
        (lyceum_store::EngineConfig::Sqlite { .. }, _) => "sqlite".to_owned(),
        (_, placement) => format!("postgres/{placement:?}"),
    }
}

#[tokio::test]
async fn a_learner_signs_in_enrolls_completes_a_course_and_the_certificate_is_public() {
    for (config, _guard) in configs_on_every_placement().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (_, course) = school(&store, "north", "#2e7d32", 2).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let mut browser = Browser::new(&state, &label);

        // The public landing page lists the course, its title escaped.
        let home = browser.get("/t/north/").await;
        assert_eq!(home.status, StatusCode::OK, "{label}");
        assert!(
            home.body.contains("Basics &lt;script&gt;")
                || home.body.contains("Basics &#60;script&#62;"),
            "{label}: {}",
            home.body
        );
        assert!(
            !home.body.contains("<script>"),
            "{label}: markup must be escaped"
        );

        // A page that needs a session sends to sign-in and back.
        let away = browser.get("/t/north/learn").await;
        assert_eq!(away.status, StatusCode::SEE_OTHER, "{label}");
        assert_eq!(
            away.location(),
            "/t/north/sign-in?next=%2Ft%2Fnorth%2Flearn"
        );

        let wrong = browser
            .post(
                "/t/north/sign-in",
                &[
                    ("email", "student@north.test"),
                    ("password", "nope nope nope"),
                ],
                None,
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{label}");
        assert!(wrong.body.contains("Wrong e-mail or password"), "{label}");
        assert!(wrong.is_html(), "{label}: {}", wrong.body);
        assert!(
            wrong.body.contains("value=\"student@north.test\""),
            "{label}: the form keeps the e-mail: {}",
            wrong.body
        );

        let signed = browser.sign_in("north", "student@north.test").await;
        assert_eq!(
            signed.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            signed.body
        );
        assert_eq!(signed.location(), "/t/north/learn", "{label}");
        let set = signed
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        for part in ["HttpOnly", "SameSite=Lax", "Path=/t/north"] {
            assert!(set.contains(part), "{label}: {set}");
        }

        let overview = browser.get(&format!("/t/north/courses/{course}")).await;
        assert!(overview.body.contains("Enroll in this course"), "{label}");
        // A malformed address, or one that is no page, answers a page, not the API's JSON.
        for (address, status) in [
            ("/t/north/courses/not-an-id", StatusCode::BAD_REQUEST),
            ("/t/north/?after=garbage", StatusCode::BAD_REQUEST),
            ("/t/north/no-such-page", StatusCode::NOT_FOUND),
            ("/t/north/learn/", StatusCode::NOT_FOUND),
        ] {
            let page = browser.get(address).await;
            assert_eq!(page.status, status, "{label}: {address}: {}", page.body);
            assert!(page.is_html(), "{label}: {address}: {}", page.body);
        }
        // A page that takes no form answers a page for one, too.
        let posted = browser.post("/t/north/learn", &[], None).await;
        assert_eq!(posted.status, StatusCode::METHOD_NOT_ALLOWED, "{label}");
        assert!(posted.is_html(), "{label}: {}", posted.body);
        // Staff, who do not enroll themselves, are not offered the button.
        let mut staff = Browser::new(&state, &label);
        staff.sign_in("north", "teacher@north.test").await;
        let seen_by_staff = staff.get(&format!("/t/north/courses/{course}")).await;
        assert_eq!(seen_by_staff.status, StatusCode::OK, "{label}");
        assert!(
            !seen_by_staff.body.contains("Enroll in this course")
                && seen_by_staff.body.contains("not themselves"),
            "{label}: {}",
            seen_by_staff.body
        );
        let enrolled = browser
            .post(&format!("/t/north/courses/{course}/enroll"), &[], None)
            .await;
        assert_eq!(
            enrolled.location(),
            format!("/t/north/learn/courses/{course}"),
            "{label}"
        );

        let outline = browser
            .get(&format!("/t/north/learn/courses/{course}"))
            .await;
        assert_eq!(outline.status, StatusCode::OK, "{label}");
        assert_eq!(
            outline.headers.get(header::CACHE_CONTROL).unwrap(),
            "no-store",
            "{label}: pages with personal data are not stored"
        );
        let first = outline
            .body
            .split("/t/north/learn/lessons/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let lesson = browser
            .get(&format!("/t/north/learn/lessons/{first}"))
            .await;
        assert!(
            lesson.body.contains("<h1>Part 0</h1>"),
            "{label}: {}",
            lesson.body
        );
        assert!(
            !lesson.body.contains("onerror"),
            "{label}: lesson HTML is sanitised"
        );

        // Completing each lesson leads to the next, the last to the certificate.
        let mut at = format!("/t/north/learn/lessons/{first}");
        let certificate = loop {
            let done = browser.post(&format!("{at}/complete"), &[], None).await;
            assert_eq!(done.status, StatusCode::SEE_OTHER, "{label}: {}", done.body);
            at = done.location().to_owned();
            if at.contains("/certificates/") {
                break at;
            }
        };
        let dashboard = browser.get("/t/north/learn").await;
        assert!(
            dashboard.body.contains("100%"),
            "{label}: {}",
            dashboard.body
        );
        assert!(
            dashboard.body.contains(&certificate),
            "{label}: the certificate is listed"
        );

        // Anyone can verify it, signed in or not.
        let mut stranger = Browser::new(&state, &label);
        let public = stranger.get(&certificate).await;
        assert_eq!(public.status, StatusCode::OK, "{label}");
        assert!(public.body.contains("Certificate of completion"), "{label}");
        assert!(
            public.body.contains("student of north"),
            "{label}: {}",
            public.body
        );
        let forged = stranger.get("/t/north/certificates/NOPE12345").await;
        assert_eq!(forged.status, StatusCode::NOT_FOUND, "{label}");
        assert!(
            forged.body.contains("<html"),
            "{label}: a refusal is a page, not JSON"
        );
    }
}

#[tokio::test]
async fn sessions_end_on_the_server_and_stay_in_their_tenant() {
    for (config, _guard) in configs_on_every_placement().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        school(&store, "alpha", "#0b5fff", 1).await;
        school(&store, "beta", "#c62828", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());

        let mut alice = Browser::new(&state, &label);
        alice.sign_in("alpha", "student@alpha.test").await;
        let session = alice.cookies["lyceum_session"].clone();
        assert_eq!(
            alice.get("/t/alpha/learn").await.status,
            StatusCode::OK,
            "{label}"
        );

        // Alpha's session cookie presented to beta's portal names nobody there.
        let mut intruder = Browser::new(&state, &label);
        intruder
            .cookies
            .insert("lyceum_session".into(), session.clone());
        let there = intruder.get("/t/beta/learn").await;
        assert_eq!(there.status, StatusCode::SEE_OTHER, "{label}");
        assert!(there.location().starts_with("/t/beta/sign-in"), "{label}");

        // Each tenant's colour reaches its stylesheet, and only its own.
        let alpha = alice.get("/t/alpha/theme.css").await.body;
        let beta = intruder.get("/t/beta/theme.css").await.body;
        assert!(alpha.contains("--primary: #0b5fff"), "{label}: {alpha}");
        assert!(beta.contains("--primary: #c62828"), "{label}: {beta}");

        // Signing out ends the session on the server: the old cookie is refused afterwards.
        let out = alice.post("/t/alpha/sign-out", &[], None).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{label}");
        assert!(
            !alice.cookies.contains_key("lyceum_session"),
            "{label}: cookie cleared"
        );
        let mut replay = Browser::new(&state, &label);
        replay.cookies.insert("lyceum_session".into(), session);
        assert_eq!(
            replay.get("/t/alpha/learn").await.status,
            StatusCode::SEE_OTHER,
            "{label}"
        );
    }
}

#[tokio::test]
async fn forms_without_their_token_and_foreign_redirects_are_refused() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    let (_, course) = school(&store, "gamma", "#ffee00", 1).await;
    let state = AppState::new(store, ServerConfig::unthrottled());
    let mut browser = Browser::new(&state, "sqlite");

    // No token, a wrong one, or none in the cookie: 403, and nobody is signed in.
    browser.get("/t/gamma/sign-in").await;
    let fields = [("email", "student@gamma.test"), ("password", PASSWORD)];
    for csrf in ["", "0123456789abcdef0123456789abcdef"] {
        let refused = browser.post("/t/gamma/sign-in", &fields, Some(csrf)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "csrf {csrf:?}");
        assert!(refused.body.contains("expired"), "{}", refused.body);
        assert!(refused.is_html(), "{}", refused.body);
        assert!(!browser.cookies.contains_key("lyceum_session"));
    }

    // A redirect target off this tenant's portal is replaced by the dashboard.
    for next in [
        "//evil.example/",
        "https://evil.example/",
        "/t/other/learn",
        "/t/gamma\\@evil",
        "/t/gamma/../other/learn",
        "/t/gamma/%2e%2E/other/learn",
        "/t/gamma/learn/./../../other",
    ] {
        let fields = [
            ("email", "student@gamma.test"),
            ("password", PASSWORD),
            ("next", next),
        ];
        let page = browser.post("/t/gamma/sign-in", &fields, None).await;
        assert_eq!(page.location(), "/t/gamma/learn", "next {next:?}");
    }

    // Signed in, a state-changing form still needs its token.
    let refused = browser
        .post(&format!("/t/gamma/courses/{course}/enroll"), &[], Some(""))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let dashboard = browser.get("/t/gamma/learn").await;
    assert!(
        dashboard.body.contains("not enrolled in any course"),
        "{}",
        dashboard.body
    );

    // Every page forbids scripts and framing; a pale brand colour is darkened to stay readable.
    let home = browser.get("/t/gamma/").await;
    let csp = home
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(home.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
    let theme = browser.get("/t/gamma/theme.css").await.body;
    assert!(!theme.contains("#ffee00"), "{theme}");

    // Unknown tenants and courses answer pages, not JSON.
    let unknown = browser.get("/t/nobody-here/").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.is_html(), "{}", unknown.body);
    let missing = browser
        .get("/t/gamma/courses/01a23315-acda-737d-8783-9d247397d59a")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.body.contains("Back to the catalog"),
        "{}",
        missing.body
    );
}

/// The first `action` of a form on the page that starts with `prefix` (its id follows).
fn form_target(page: &Page, prefix: &str) -> String {
    let at = page
        .body
        .find(&format!("action=\"{prefix}"))
        .unwrap_or_else(|| panic!("no form posting to {prefix}* in {}", page.body));
    let rest = &page.body[at + "action=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn instructors_build_courses_and_admins_invite_people_in_the_portal() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    school(&store, "delta", "#6a1b9a", 1).await;
    let state = AppState::new(store, ServerConfig::unthrottled());

    // A student sees no teaching or people pages.
    let mut student = Browser::new(&state, "sqlite");
    student.sign_in("delta", "student@delta.test").await;
    assert_eq!(
        student.get("/t/delta/teach").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        student.get("/t/delta/admin/people").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = student
        .post(
            "/t/delta/teach/new",
            &[("title", "Mine"), ("slug", "mine")],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // An instructor starts a course; a bad address name comes back with what was typed.
    let mut teacher = Browser::new(&state, "sqlite");
    teacher.sign_in("delta", "teacher@delta.test").await;
    assert!(teacher
        .get("/t/delta/")
        .await
        .body
        .contains("/teach\">Teaching"));
    let bad = teacher
        .post(
            "/t/delta/teach/new",
            &[("title", "Safety"), ("slug", "Not A Slug")],
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.is_html() && bad.body.contains("value=\"Safety\""),
        "{}",
        bad.body
    );
    let made = teacher
        .post(
            "/t/delta/teach/new",
            &[("title", "Safety"), ("slug", "safety")],
            None,
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let builder_path = made.location().to_owned();
    assert!(builder_path.starts_with("/t/delta/teach/courses/"));
    let taken = teacher
        .post(
            "/t/delta/teach/new",
            &[("title", "Again"), ("slug", "safety")],
            None,
        )
        .await;
    assert_eq!(
        taken.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        taken.body
    );

    let builder = teacher.get(&builder_path).await;
    let add_module = form_target(&builder, "/t/delta/teach/courses/");
    let add_module = add_module.replace("/publish", "/modules");
    let module = teacher
        .post(&add_module, &[("title", "Hazards")], None)
        .await;
    assert_eq!(module.location(), builder_path);
    // Publishing an empty course is refused on the builder, which says why.
    let publish = format!("{builder_path}/publish");
    let empty = teacher.post(&publish, &[], None).await;
    assert_eq!(empty.status, StatusCode::CONFLICT);
    assert!(empty.body.contains("at least one lesson"), "{}", empty.body);
    let builder = teacher.get(&builder_path).await;
    let add_lesson = form_target(&builder, "/t/delta/teach/modules/");
    let lesson = teacher
        .post(
            &add_lesson,
            &[
                ("title", "Spotting hazards"),
                ("kind", "text"),
                ("block-0-type", "markdown"),
                ("block-0-markdown", "Look **around**."),
            ],
            None,
        )
        .await;
    assert_eq!(lesson.location(), builder_path);
    let published = teacher.post(&publish, &[], None).await;
    assert_eq!(published.location(), builder_path);
    let builder = teacher.get(&builder_path).await;
    assert!(
        builder
            .body
            .contains("<strong id=\"status\">published</strong>"),
        "{}",
        builder.body
    );
    assert!(builder.body.contains("Spotting hazards"));
    assert!(Browser::new(&state, "sqlite")
        .get("/t/delta/")
        .await
        .body
        .contains("Safety"));

    // An admin sees the plan's usage and invites a person, who accepts through the link.
    let mut admin = Browser::new(&state, "sqlite");
    admin.sign_in("delta", "admin@delta.test").await;
    let people = admin.get("/t/delta/admin/people").await;
    assert!(
        people.body.contains("Plan Pro: 1 of 5,000 students."),
        "{}",
        people.body
    );
    let invalid = admin
        .post(
            "/t/delta/admin/people",
            &[
                ("email", "not-an-address"),
                ("display_name", "Nia"),
                ("role", "student"),
            ],
            None,
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        invalid.body.contains("value=\"not-an-address\""),
        "{}",
        invalid.body
    );
    let invited = admin
        .post(
            "/t/delta/admin/people",
            &[
                ("email", "nia@delta.test"),
                ("display_name", "Nia"),
                ("role", "student"),
            ],
            None,
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    let link = invited
        .body
        .split("<code id=\"invitation-link\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .replace("&#61;", "=")
        .replace("&amp;", "&");
    // A lost link: inviting again makes a new one, and the old one stops working.
    let people = admin.get("/t/delta/admin/people").await;
    let again_at = people
        .body
        .split("nia@delta.test")
        .nth(1)
        .map(|rest| {
            form_target(
                &Page {
                    status: StatusCode::OK,
                    headers: HeaderMap::new(),
                    body: rest.to_owned(),
                },
                "/t/delta/admin/people/",
            )
        })
        .unwrap()
        .replace("/role", "/invitation");
    let reinvited = admin.post(&again_at, &[], None).await;
    assert_eq!(reinvited.status, StatusCode::CREATED, "{}", reinvited.body);
    let old_token = url_decode(link.split("token=").nth(1).unwrap());
    let link = reinvited
        .body
        .split("<code id=\"invitation-link\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    let mut nia = Browser::new(&state, "sqlite");
    nia.get(&link).await;
    let stale = nia
        .post(
            "/t/delta/accept-invitation",
            &[("token", &old_token), ("password", "a good long password")],
            None,
        )
        .await;
    assert_eq!(
        stale.status,
        StatusCode::BAD_REQUEST,
        "the first link no longer works: {}",
        stale.body
    );
    let form = nia.get(&link).await;
    assert_eq!(form.status, StatusCode::OK, "{link}: {}", form.body);
    let token = link.split("token=").nth(1).unwrap();
    let token = url_decode(token);
    let weak = nia
        .post(
            "/t/delta/accept-invitation",
            &[("token", &token), ("password", "short")],
            None,
        )
        .await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        weak.body
    );
    let accepted = nia
        .post(
            "/t/delta/accept-invitation",
            &[("token", &token), ("password", "a good long password")],
            None,
        )
        .await;
    assert_eq!(accepted.location(), "/t/delta/learn", "{}", accepted.body);
    assert_eq!(nia.get("/t/delta/learn").await.status, StatusCode::OK);
    let again = Browser::new(&state, "sqlite")
        .post(
            "/t/delta/accept-invitation",
            &[("token", &token), ("password", "another long password")],
            Some(""),
        )
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "without a form token");

    // Admins change roles; the last admin cannot leave.
    let people = admin.get("/t/delta/admin/people").await;
    assert!(people.body.contains("nia@delta.test"));
    let own = people
        .body
        .split("admin@delta.test")
        .nth(1)
        .map(|rest| {
            form_target(
                &Page {
                    status: StatusCode::OK,
                    headers: HeaderMap::new(),
                    body: rest.to_owned(),
                },
                "/t/delta/admin/people/",
            )
        })
        .unwrap();
    let demote = admin.post(&own, &[("role", "student")], None).await;
    assert_eq!(demote.status, StatusCode::CONFLICT, "{}", demote.body);
    assert!(
        demote.body.contains("at least one active admin"),
        "{}",
        demote.body
    );

    // A person deactivated is reactivated from the same list.
    let row_of = |body: &str, email: &str| -> String {
        let rest = body.split(email).nth(1).unwrap();
        rest[..rest.find("</tr>").unwrap()].to_owned()
    };
    let people = admin.get("/t/delta/admin/people").await;
    let row = row_of(&people.body, "student@delta.test");
    let at = row.find("/deactivate\"").expect("a deactivate button");
    let start = row[..at].rfind('"').unwrap() + 1;
    let deactivate = format!("{}/deactivate", &row[start..at]);
    let gone = admin.post(&deactivate, &[], None).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.body);
    let people = admin.get("/t/delta/admin/people").await;
    let row = row_of(&people.body, "student@delta.test");
    assert!(
        row.contains("Reactivate") && !row.contains("/deactivate"),
        "{row}"
    );
    let reactivate = deactivate.replace("/deactivate", "/reactivate");
    let back = admin.post(&reactivate, &[], None).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    let people = admin.get("/t/delta/admin/people").await;
    let row = row_of(&people.body, "student@delta.test");
    assert!(row.contains("/deactivate"), "{row}");
    let again = admin.post(&reactivate, &[], None).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.body.contains("This person is not deactivated"),
        "{}",
        again.body
    );
}

fn url_decode(text: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("t={text}"))
        .unwrap()
        .remove(0)
        .1
}

#[tokio::test]
async fn operators_run_tenants_from_the_console() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    school(&store, "omega", "#37474f", 1).await;
    let password = lyceum_app::identity::NewPassword::choose(PASSWORD.to_owned())
        .await
        .unwrap();
    let email = lyceum_domain::Email::parse("ops@lyceum.test").unwrap();
    let console = lyceum_app::platform::Operator::Console;
    lyceum_app::platform::create_operator(&store, &console, &email, "Ops", &password)
        .await
        .unwrap();
    let state = AppState::new(store, ServerConfig::unthrottled());

    // A tenant's session is nobody here.
    let mut learner = Browser::new(&state, "sqlite");
    learner.sign_in("omega", "student@omega.test").await;
    assert_eq!(
        learner.get("/platform/").await.location(),
        "/platform/sign-in"
    );

    let mut ops = Browser::new(&state, "sqlite");
    ops.get("/platform/sign-in").await;
    let wrong = ops
        .post(
            "/platform/sign-in",
            &[("email", "ops@lyceum.test"), ("password", "not it at all")],
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.is_html() && wrong.body.contains("Wrong e-mail or password"));
    let forged = ops
        .post(
            "/platform/sign-in",
            &[("email", "ops@lyceum.test"), ("password", PASSWORD)],
            Some(""),
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "a form without its token"
    );
    let signed = ops
        .post(
            "/platform/sign-in",
            &[("email", "ops@lyceum.test"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(signed.location(), "/platform/", "{}", signed.body);
    let cookie = signed
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        cookie.contains("Path=/platform")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let list = ops.get("/platform/").await;
    assert!(list.body.contains("omega"), "{}", list.body);

    // A tenant made here; a bad slug comes back with what was typed.
    let bad = ops
        .post(
            "/platform/tenants",
            &[("name", "Zeta school"), ("slug", "Zeta!"), ("plan", "pro")],
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("value=\"Zeta school\""), "{}", bad.body);
    let made = ops
        .post(
            "/platform/tenants",
            &[("name", "Zeta school"), ("slug", "zeta"), ("plan", "pro")],
            None,
        )
        .await;
    assert_eq!(made.location(), "/platform/", "{}", made.body);
    assert_eq!(ops.get("/t/zeta/").await.status, StatusCode::OK);

    // Suspended, a tenant's portal refuses its people; resumed, it serves them again.
    let suspended = ops.post("/platform/tenants/omega/suspend", &[], None).await;
    assert_eq!(suspended.location(), "/platform/");
    let refused = Browser::new(&state, "sqlite").get("/t/omega/sign-in").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        refused.is_html() && refused.body.contains("suspended"),
        "{}",
        refused.body
    );
    assert_eq!(
        learner.get("/t/omega/learn").await.status,
        StatusCode::FORBIDDEN
    );
    ops.post("/platform/tenants/omega/resume", &[], None).await;
    assert_eq!(learner.get("/t/omega/learn").await.status, StatusCode::OK);

    let audit = ops.get("/platform/audit").await;
    for action in ["tenant.create", "tenant.suspend", "tenant.resume"] {
        assert!(audit.body.contains(action), "{action}: {}", audit.body);
    }
    assert!(audit.body.contains("ops@lyceum.test"));
    assert!(
        audit.body.contains("Chain intact: 4 entries checked"),
        "the operator's creation, then create, suspend, resume: {}",
        audit.body
    );
    let out = ops.post("/platform/sign-out", &[], None).await;
    assert_eq!(out.location(), "/platform/sign-in");
    assert_eq!(
        ops.get("/platform/audit").await.location(),
        "/platform/sign-in"
    );
}

/// What an `href` attribute of a page says, its HTML escapes undone.
fn attribute_after(body: &str, marker: &str) -> String {
    let raw = body
        .split(marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no {marker} in {body}"));
    raw.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x3d;", "=")
        .replace("&#61;", "=")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn operators_give_each_other_a_reset_and_unlock_sign_ins_in_the_console() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let password = lyceum_app::identity::NewPassword::choose(PASSWORD.to_owned())
            .await
            .unwrap();
        let console = lyceum_app::platform::Operator::Console;
        for email in ["ops@lyceum.test", "second@lyceum.test"] {
            let email = lyceum_domain::Email::parse(email).unwrap();
            lyceum_app::platform::create_operator(&store, &console, &email, "Ops", &password)
                .await
                .unwrap();
        }
        // The sign-in throttle on, as deployed.
        let state = AppState::new(store, ServerConfig::default());
        let sign_in = |email: &'static str, password: &'static str| {
            [("email", email), ("password", password)]
        };

        // The second operator locks their sign-in with failures.
        let mut second = Browser::new(&state, &label);
        second.get("/platform/sign-in").await;
        for _ in 0..5 {
            let wrong = second
                .post(
                    "/platform/sign-in",
                    &sign_in("second@lyceum.test", "not it at all"),
                    None,
                )
                .await;
            assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{label}");
        }
        let locked = second
            .post(
                "/platform/sign-in",
                &sign_in("second@lyceum.test", PASSWORD),
                None,
            )
            .await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{label}");

        let mut ops = Browser::new(&state, &label);
        ops.get("/platform/sign-in").await;
        let signed = ops
            .post(
                "/platform/sign-in",
                &sign_in("ops@lyceum.test", PASSWORD),
                None,
            )
            .await;
        assert_eq!(signed.location(), "/platform/", "{label}: {}", signed.body);
        let home = ops.get("/platform/").await;
        assert!(
            home.body.contains("href=\"/platform/operators\""),
            "{label}: the page is in the navigation"
        );
        let page = ops.get("/platform/operators").await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(
            page.body.contains("second@lyceum.test") && page.body.contains("sign-in locked"),
            "{label}: {}",
            page.body
        );
        // Oldest first: the second operator's forms come last.
        let second_id = page
            .body
            .rsplit("action=\"/platform/operators/")
            .next()
            .and_then(|rest| rest.split('/').next())
            .unwrap()
            .to_owned();
        let forged = ops
            .post(
                &format!("/platform/operators/{second_id}/unlock"),
                &[],
                Some(""),
            )
            .await;
        assert_eq!(
            forged.status,
            StatusCode::FORBIDDEN,
            "{label}: no form token"
        );
        let unlocked = ops
            .post(
                &format!("/platform/operators/{second_id}/unlock"),
                &[],
                None,
            )
            .await;
        assert_eq!(unlocked.status, StatusCode::OK, "{label}");
        assert!(
            unlocked
                .body
                .contains("second@lyceum.test may sign in again")
                && !unlocked.body.contains("sign-in locked"),
            "{label}: {}",
            unlocked.body
        );
        let back = second
            .post(
                "/platform/sign-in",
                &sign_in("second@lyceum.test", PASSWORD),
                None,
            )
            .await;
        assert_eq!(back.location(), "/platform/", "{label}: unlocked");

        // A reset, its link shown once; used on its page by the second operator.
        let given = ops
            .post(
                &format!("/platform/operators/{second_id}/password-reset"),
                &[],
                None,
            )
            .await;
        assert_eq!(given.status, StatusCode::CREATED, "{label}: {}", given.body);
        let link = attribute_after(&given.body, "id=\"reset-link\" href=\"");
        assert!(
            link.starts_with("/platform/reset-password?token="),
            "{label}: {link}"
        );
        let token = link.split("token=").nth(1).unwrap().to_owned();
        let mut visitor = Browser::new(&state, &label);
        let form = visitor.get(&link).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains("Choose a new password"), "{label}");
        let weak = visitor
            .post(
                "/platform/reset-password",
                &[("token", &token), ("new_password", "short")],
                None,
            )
            .await;
        assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let new_password = "a new operator passphrase";
        let done = visitor
            .post(
                "/platform/reset-password",
                &[("token", &token), ("new_password", new_password)],
                None,
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{label}: {}", done.body);
        assert!(done.body.contains("id=\"password-reset\""), "{label}");
        let again = visitor
            .post(
                "/platform/reset-password",
                &[("token", &token), ("new_password", "another passphrase 1")],
                None,
            )
            .await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST, "{label}: once only");
        assert!(
            again.body.contains("already used"),
            "{label}: {}",
            again.body
        );
        let mut fresh = Browser::new(&state, &label);
        fresh.get("/platform/sign-in").await;
        let signed = fresh
            .post(
                "/platform/sign-in",
                &[("email", "second@lyceum.test"), ("password", new_password)],
                None,
            )
            .await;
        assert_eq!(signed.location(), "/platform/", "{label}: the new password");

        // In French too.
        let mut ops = ops.speaking("fr");
        let french = ops.get("/platform/operators").await;
        assert!(
            french.body.contains("Opérateurs de la plateforme"),
            "{label}: {}",
            french.body
        );
    }
}

#[tokio::test]
async fn portal_pages_spend_the_same_request_rate_as_the_api() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    common::provision(
        &store,
        "slow",
        lyceum_domain::Plan::Free,
        serde_json::json!({}),
    )
    .await;
    let server = ServerConfig {
        rate_limit: lyceum_server::RateLimitConfig {
            enabled: true,
            burst_seconds: 1,
        },
        ..ServerConfig::default()
    };
    let state = AppState::new(store, server);
    // One router for every request (building one per request takes longer than the bucket
    // takes to earn a request back), and pages asked for 30 at a time: the free plan's bucket
    // holds 10, and however slow the machine, a batch outruns what it earns back meanwhile.
    let router = app(state.clone());
    let mut refused = None;
    for _ in 0..10 {
        let pages = futures_util::future::join_all((0..30).map(|_| {
            let request = Request::get("/t/slow/").body(Body::empty()).unwrap();
            router.clone().oneshot(request)
        }))
        .await;
        for page in pages {
            let page = page.unwrap();
            if page.status() == StatusCode::TOO_MANY_REQUESTS {
                refused.get_or_insert(page);
                continue;
            }
            assert_eq!(page.status(), StatusCode::OK);
            assert!(
                !page.headers().contains_key("ratelimit-remaining"),
                "a visitor is not shown the tenant's bucket"
            );
        }
        if refused.is_some() {
            break;
        }
    }
    let refused = refused.expect("the free plan's rate runs out within 300 pages");
    let html = refused
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    assert!(html, "{:?}", refused.headers());
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    let api = router;
    // One bucket per tenant and visiting address, whichever face spends it: the API is
    // refused within two requests (a busy machine may earn one back meanwhile; a bucket of its
    // own would hold ten).
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let request = Request::get("/t/slow/api/v1/tenant")
            .body(Body::empty())
            .unwrap();
        statuses.push(api.clone().oneshot(request).await.unwrap().status());
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn people_sign_themselves_up_where_the_tenant_allows_it() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    let open = serde_json::json!({"self_signup": true});
    common::provision(&store, "open-door", lyceum_domain::Plan::Free, open).await;
    school(&store, "closed", "#1565c0", 1).await;
    let state = AppState::new(store, ServerConfig::unthrottled());

    let mut closed = Browser::new(&state, "sqlite");
    assert!(!closed
        .get("/t/closed/sign-in")
        .await
        .body
        .contains("/sign-up"));
    assert_eq!(
        closed.get("/t/closed/sign-up").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = closed
        .post(
            "/t/closed/sign-up",
            &[
                ("display_name", "Eve"),
                ("email", "eve@x.test"),
                ("password", "a long password here"),
            ],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let mut newcomer = Browser::new(&state, "sqlite");
    assert!(newcomer
        .get("/t/open-door/sign-in")
        .await
        .body
        .contains("/t/open-door/sign-up"));
    newcomer.get("/t/open-door/sign-up").await;
    let weak = newcomer
        .post(
            "/t/open-door/sign-up",
            &[
                ("display_name", "Lea <b>"),
                ("email", "lea@x.test"),
                ("password", "short"),
            ],
            None,
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        weak.body.contains("value=\"Lea &#60;b&#62;\"")
            || weak.body.contains("value=\"Lea &lt;b&gt;\""),
        "{}",
        weak.body
    );
    let joined = newcomer
        .post(
            "/t/open-door/sign-up",
            &[
                ("display_name", "Lea"),
                ("email", "lea@x.test"),
                ("password", "a long password here"),
            ],
            None,
        )
        .await;
    assert_eq!(joined.location(), "/t/open-door/learn", "{}", joined.body);
    let dashboard = newcomer.get("/t/open-door/learn").await;
    assert!(dashboard.body.contains("(Lea)"), "{}", dashboard.body);
    let again = Browser::new(&state, "sqlite")
        .post(
            "/t/open-door/sign-up",
            &[
                ("display_name", "Lea"),
                ("email", "lea@x.test"),
                ("password", "a long password here"),
            ],
            Some(""),
        )
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "without a form token");
}

#[tokio::test]
async fn admins_read_filter_and_download_the_audit_log_in_the_portal() {
    // One store per engine: the placements' differences are the API tests' (tests/audit.rs).
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        school(&store, "echo", "#00695c", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());

        let mut student = Browser::new(&state, &label);
        student.sign_in("echo", "student@echo.test").await;
        let refused = student.get("/t/echo/admin/audit").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        assert!(refused.is_html(), "{label}");
        assert!(!student
            .get("/t/echo/learn")
            .await
            .body
            .contains("/admin/audit"));
        let csv = student.get("/t/echo/admin/audit.csv").await;
        assert_eq!(csv.status, StatusCode::FORBIDDEN, "{label}");

        let mut stranger = Browser::new(&state, &label);
        let wrong = stranger.sign_in("echo", "=cmd@echo.test").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{label}");

        let mut admin = Browser::new(&state, &label);
        admin.sign_in("echo", "admin@echo.test").await;
        let home = admin.get("/t/echo/learn").await;
        assert!(
            home.body.contains("/t/echo/admin/audit\">Audit log"),
            "{label}"
        );
        let log = admin.get("/t/echo/admin/audit").await;
        assert_eq!(log.status, StatusCode::OK, "{label}: {}", log.body);
        assert_eq!(log.headers["cache-control"], "no-store", "{label}");
        for seen in ["sign_in_failed", "admin@echo.test", "student@echo.test"] {
            assert!(log.body.contains(seen), "{label}: {seen}: {}", log.body);
        }
        let failed = admin.get("/t/echo/admin/audit?action=sign_in_failed").await;
        assert_eq!(failed.status, StatusCode::OK, "{label}");
        assert!(failed.body.contains("cmd@echo.test"), "{label}");
        assert!(!failed.body.contains("<td>sign_in</td>"), "{label}");
        assert!(
            failed.body.contains("audit.csv?action=sign_in_failed"),
            "{label}: the download keeps the filter"
        );
        let mine = admin
            .get("/t/echo/admin/audit?actor=admin%40echo.test")
            .await;
        assert!(!mine.body.contains("cmd@echo.test"), "{label}");

        let file = admin
            .get("/t/echo/admin/audit.csv?action=sign_in_failed")
            .await;
        assert_eq!(file.status, StatusCode::OK, "{label}");
        assert!(file.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert_eq!(file.headers["cache-control"], "no-store", "{label}");
        let rows: Vec<&str> = file.body.lines().collect();
        assert_eq!(rows.len(), 2, "{label}: {}", file.body);
        assert!(
            rows[1].contains(",'=cmd@echo.test,"),
            "{label}: {}",
            rows[1]
        );

        let bad = admin.get("/t/echo/admin/audit?from=31.12.2025").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            bad.is_html() && bad.body.contains("is not a day: write it as YYYY-MM-DD"),
            "{label}"
        );
        let markup = admin
            .get("/t/echo/admin/audit?actor=%3Cb%3Ex%3C%2Fb%3E")
            .await;
        assert_eq!(markup.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(markup.is_html() && !markup.body.contains("<b>x"), "{label}");
    }
}

/// One store configuration per engine: SQLite, and PostgreSQL in its default placement.
async fn configs_on_each_engine(
) -> Vec<(lyceum_store::StoreConfig, lyceum_store::testing::TestGuard)> {
    vec![
        lyceum_store::testing::sqlite_config(),
        lyceum_store::testing::postgres_config().await,
    ]
}

/// The ids following `prefix` on a page, each once, in the order they first appear.
fn ids_after(page: &Page, prefix: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for piece in page.body.split(prefix).skip(1) {
        let id: String = piece.chars().take(36).collect();
        if id.len() == 36 && uuid::Uuid::parse_str(&id).is_ok() && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Where `text` first stands on a page.
fn at(page: &Page, text: &str) -> usize {
    page.body
        .find(text)
        .unwrap_or_else(|| panic!("{text:?} is not on the page: {}", page.body))
}

#[tokio::test]
async fn instructors_edit_courses_modules_and_lessons_in_the_builder() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (_, course) = school(&store, "eta", "#00695c", 2).await;
        let (_, foreign) = school(&store, "theta", "#4e342e", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let builder = format!("/t/eta/teach/courses/{course}");
        let mut teacher = Browser::new(&state, &label);
        teacher.sign_in("eta", "teacher@eta.test").await;

        // Details: an empty title comes back next to its field, with what was typed.
        let details = format!("{builder}/details");
        assert_eq!(
            teacher.get(&details).await.status,
            StatusCode::OK,
            "{label}"
        );
        let empty = teacher
            .post(
                &details,
                &[("title", " "), ("description", "Kept <i>")],
                None,
            )
            .await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(empty.is_html(), "{label}");
        assert!(
            empty.body.contains("id=\"title-problem\""),
            "{label}: {}",
            empty.body
        );
        assert!(empty.body.contains("Kept &#60;i&#62;") || empty.body.contains("Kept &lt;i&gt;"));
        let long = "x".repeat(5_000);
        let too_long = teacher.post(&details, &[("title", &long)], None).await;
        assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(too_long.body.contains("longer than 300"), "{label}");
        let nul = teacher
            .post(&details, &[("title", "Basics\0 two")], None)
            .await;
        assert_eq!(
            nul.status,
            StatusCode::BAD_REQUEST,
            "{label}: a NUL is refused"
        );
        let saved = teacher
            .post(
                &details,
                &[
                    ("title", "Basics <b>two</b>"),
                    ("description", "New & better"),
                ],
                None,
            )
            .await;
        assert_eq!(saved.location(), builder, "{label}: {}", saved.body);
        let page = teacher.get(&builder).await;
        assert!(
            page.body
                .contains("<h1>Basics &#60;b&#62;two&#60;/b&#62;</h1>")
                || page.body.contains("<h1>Basics &lt;b&gt;two&lt;/b&gt;</h1>"),
            "{label}: the markup escaped: {}",
            page.body
        );

        // The address name, the seats and the instructors: the teacher's box is ticked, the
        // admin's is offered, the student is not.
        let form = teacher.get(&details).await;
        assert!(
            form.body.contains(
                "name=\"slug\" type=\"text\" required maxlength=\"100\" value=\"basics\""
            ),
            "{label}: {}",
            form.body
        );
        let offered = ids_after(&form, "id=\"ins-");
        assert_eq!(offered.len(), 2, "{label}: {}", form.body);
        let chosen: Vec<&String> = offered
            .iter()
            .filter(|id| form.body.contains(&format!("value=\"{id}\" checked")))
            .collect();
        assert_eq!(chosen.len(), 1, "{label}");
        let (teacher_id, admin_id) = if chosen[0] == &offered[0] {
            (offered[0].clone(), offered[1].clone())
        } else {
            (offered[1].clone(), offered[0].clone())
        };
        let with = |slug: &'static str, seats: &'static str, people: Vec<String>| {
            let mut fields: Vec<(&'static str, String)> = vec![
                ("title", "Basics <b>two</b>".to_owned()),
                ("slug", slug.to_owned()),
                ("seats", seats.to_owned()),
                ("instructors-shown", "1".to_owned()),
            ];
            fields.extend(people.into_iter().map(|id| ("instructor", id)));
            fields
        };
        for (fields, problem) in [
            (with("basics", "0", vec![teacher_id.clone()]), "seats"),
            (with("basics", "many", vec![teacher_id.clone()]), "seats"),
            (with("Not A Slug", "", vec![teacher_id.clone()]), "slug"),
            (with("basics", "", Vec::new()), "instructors"),
            (
                with("basics", "", vec!["not-an-id".to_owned()]),
                "instructors",
            ),
        ] {
            let sent: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let refused = teacher.post(&details, &sent, None).await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{label}: {fields:?}"
            );
            assert!(
                refused.body.contains(&format!("id=\"{problem}-problem\"")),
                "{label}: {fields:?}: {}",
                refused.body
            );
        }
        let fields = with(
            "basics-two",
            "25",
            vec![teacher_id.clone(), admin_id.clone()],
        );
        let sent: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let saved = teacher.post(&details, &sent, None).await;
        assert_eq!(saved.location(), builder, "{label}: {}", saved.body);
        let form = teacher.get(&details).await;
        assert!(form.body.contains("value=\"basics-two\""), "{label}");
        assert!(form.body.contains("value=\"25\""), "{label}");
        for id in [&teacher_id, &admin_id] {
            assert!(
                form.body.contains(&format!("value=\"{id}\" checked")),
                "{label}"
            );
        }
        // Fields a form leaves out keep what the course has.
        let kept = teacher
            .post(&details, &[("title", "Basics <b>two</b>")], None)
            .await;
        assert_eq!(kept.status, StatusCode::SEE_OTHER, "{label}");
        let form = teacher.get(&details).await;
        assert!(form.body.contains("value=\"basics-two\""), "{label}");
        assert!(
            form.body.contains(&format!("value=\"{admin_id}\" checked")),
            "{label}"
        );

        // Prerequisites: a second course requires this one; the reverse would be a cycle.
        let made = teacher
            .post(
                "/t/eta/teach/new",
                &[("title", "Advanced"), ("slug", "advanced")],
                None,
            )
            .await;
        let advanced = made.location().rsplit('/').next().unwrap().to_owned();
        let required = teacher
            .post(
                &format!("/t/eta/teach/courses/{advanced}/details"),
                &[("title", "Advanced"), ("prerequisite", &course)],
                None,
            )
            .await;
        assert_eq!(
            required.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            required.body
        );
        let cycle = teacher
            .post(
                &details,
                &[("title", "Basics"), ("prerequisite", &advanced)],
                None,
            )
            .await;
        assert_eq!(cycle.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            cycle
                .body
                .contains("would go round in a circle: Basics → Advanced → Basics"),
            "{label}: {}",
            cycle.body
        );
        assert!(
            cycle
                .body
                .contains(&format!("value=\"{advanced}\" checked")),
            "{label}: the choice is kept"
        );
        let unknown = teacher
            .post(
                &details,
                &[("title", "Basics"), ("prerequisite", "nope")],
                None,
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(unknown.body.contains("not offered"), "{label}");

        // Modules: a second one, moved up; its rule and title changed.
        let added = teacher
            .post(&format!("{builder}/modules"), &[("title", "Warm-up")], None)
            .await;
        assert_eq!(added.location(), builder, "{label}");
        let page = teacher.get(&builder).await;
        let modules = ids_after(&page, "/t/eta/teach/modules/");
        assert_eq!(modules.len(), 2, "{label}");
        let (first, warm_up) = (modules[0].clone(), modules[1].clone());
        let refused = teacher
            .post(
                &format!("/t/eta/teach/modules/{warm_up}/move"),
                &[("step", "earlier")],
                Some(""),
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{label}: no form token"
        );
        assert_eq!(
            ids_after(&teacher.get(&builder).await, "/t/eta/teach/modules/"),
            modules,
            "{label}: a refused move moves nothing"
        );
        let moved = teacher
            .post(
                &format!("/t/eta/teach/modules/{warm_up}/move"),
                &[("step", "earlier")],
                None,
            )
            .await;
        assert_eq!(moved.location(), builder, "{label}");
        let page = teacher.get(&builder).await;
        assert_eq!(
            ids_after(&page, "/t/eta/teach/modules/"),
            vec![warm_up.clone(), first.clone()],
            "{label}"
        );
        assert!(
            at(&page, ">Warm-up</h2>") < at(&page, ">Module one</h2>"),
            "{label}"
        );

        let lessons = ids_after(&page, "/t/eta/teach/lessons/");
        assert_eq!(lessons.len(), 2, "{label}");
        let module_form = format!("/t/eta/teach/modules/{first}");
        assert_eq!(teacher.get(&module_form).await.status, StatusCode::OK);
        let zero = teacher
            .post(
                &module_form,
                &[
                    ("title", "Module one"),
                    ("rule", "at_least"),
                    ("count", "0"),
                ],
                None,
            )
            .await;
        assert_eq!(zero.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            zero.body.contains("id=\"rule-problem\""),
            "{label}: {}",
            zero.body
        );
        assert!(zero.body.contains("at least 1"), "{label}");
        let words = teacher
            .post(
                &module_form,
                &[("title", "Typed"), ("rule", "at_least"), ("count", "two")],
                None,
            )
            .await;
        assert_eq!(words.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(words.body.contains("Give the number of lessons"), "{label}");
        assert!(words.body.contains("value=\"Typed\""), "{label}");
        let changed = teacher
            .post(
                &module_form,
                &[
                    ("title", "Essentials"),
                    ("rule", "required"),
                    ("required", &lessons[1]),
                ],
                None,
            )
            .await;
        assert_eq!(changed.location(), builder, "{label}: {}", changed.body);
        let page = teacher.get(&builder).await;
        assert!(page.body.contains(">Essentials</h2>"), "{label}");
        assert!(page.body.contains("its 1 required lesson."), "{label}");

        // Lessons: the second moved up.
        let moved = teacher
            .post(
                &format!("/t/eta/teach/lessons/{}/move", lessons[1]),
                &[("step", "earlier")],
                None,
            )
            .await;
        assert_eq!(moved.location(), builder, "{label}");
        let page = teacher.get(&builder).await;
        assert_eq!(
            ids_after(&page, "/t/eta/teach/lessons/"),
            vec![lessons[1].clone(), lessons[0].clone()],
            "{label}"
        );
        // At the top already, a move up changes nothing.
        teacher
            .post(
                &format!("/t/eta/teach/lessons/{}/move", lessons[1]),
                &[("step", "earlier")],
                None,
            )
            .await;
        assert_eq!(
            ids_after(&teacher.get(&builder).await, "/t/eta/teach/lessons/")[0],
            lessons[1],
            "{label}"
        );

        // A video lesson: refused blocks come back next to themselves; the buttons edit the
        // form without saving; then it is saved with a release date.
        let new_video = format!("/t/eta/teach/modules/{warm_up}/lessons/new?kind=video");
        let form = teacher.get(&new_video).await;
        assert_eq!(form.status, StatusCode::OK, "{label}");
        assert!(form.body.contains("Video address"), "{label}");
        // Quiz lessons are written here (they pick their quiz); assignments not yet.
        assert!(form.body.contains("<option value=\"quiz\">"), "{label}");
        assert!(
            form.body.contains("<option value=\"assignment\" disabled>"),
            "{label}"
        );
        let add = format!("/t/eta/teach/modules/{warm_up}/lessons");
        let video = |media: &'static str, seconds: &'static str| {
            vec![
                ("title", "Clip"),
                ("kind", "video"),
                ("release", "none"),
                ("block-0-type", "video"),
                ("block-0-media", media),
                ("block-0-seconds", seconds),
            ]
        };
        let bad = teacher.post(&add, &video("", "90"), None).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            bad.body.contains("id=\"b0-problem\""),
            "{label}: {}",
            bad.body
        );
        assert!(
            bad.body.contains("The address must not be empty."),
            "{label}"
        );
        let bad = teacher
            .post(&add, &video("https://cdn.example/v.mp4", "soon"), None)
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            bad.body
                .contains("Give the length as a whole number of seconds"),
            "{label}"
        );
        assert!(bad.body.contains("value=\"soon\""), "{label}: typed, kept");
        let mut fields = video("https://cdn.example/v.mp4", "90");
        fields.push(("action", "add-markdown"));
        let grown = teacher.post(&add, &fields, None).await;
        assert_eq!(grown.status, StatusCode::OK, "{label}");
        assert!(grown.body.contains("name=\"block-1-markdown\""), "{label}");
        assert!(
            !grown.body.contains("value=\"add-video\""),
            "{label}: one video only"
        );
        let mut fields = video("https://cdn.example/v.mp4", "90");
        fields.extend([
            ("block-1-type", "markdown"),
            ("block-1-markdown", "Watch **closely**"),
            ("action", "up-1"),
        ]);
        let swapped = teacher.post(&add, &fields, None).await;
        assert_eq!(swapped.status, StatusCode::OK, "{label}");
        assert!(
            at(&swapped, "name=\"block-0-markdown\"") < at(&swapped, "name=\"block-1-media\""),
            "{label}: the text block is first now"
        );
        assert_eq!(
            ids_after(&teacher.get(&builder).await, "/t/eta/teach/lessons/").len(),
            2,
            "{label}: nothing saved yet"
        );
        let mut fields = vec![
            ("title", "Clip"),
            ("kind", "video"),
            ("release", "on_date"),
            ("release_at", "someday"),
            ("block-0-type", "markdown"),
            ("block-0-markdown", "Watch **closely**"),
            ("block-1-type", "video"),
            ("block-1-media", "https://cdn.example/v.mp4"),
            ("block-1-seconds", "90"),
        ];
        let undated = teacher.post(&add, &fields, None).await;
        assert_eq!(undated.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(undated.body.contains("id=\"release-problem\""), "{label}");
        fields[3] = ("release_at", "2030-01-31T09:00");
        let saved = teacher.post(&add, &fields, None).await;
        assert_eq!(saved.location(), builder, "{label}: {}", saved.body);
        let page = teacher.get(&builder).await;
        let clip = ids_after(&page, "/t/eta/teach/lessons/")[0].clone();
        let editor = teacher.get(&format!("/t/eta/teach/lessons/{clip}")).await;
        assert_eq!(editor.status, StatusCode::OK, "{label}");
        for kept in [
            "value=\"2030-01-31T09:00\"",
            "value=\"on_date\" checked",
            "value=\"https://cdn.example/v.mp4\"",
            "value=\"90\"",
            "Watch **closely**",
        ] {
            assert!(
                editor.body.contains(kept),
                "{label}: {kept} in {}",
                editor.body
            );
        }
        // Saved again as a text lesson with an image: the video block must go first.
        let text = [
            ("title", "Pictures"),
            ("kind", "text"),
            ("release", "after_previous"),
            ("block-0-type", "markdown"),
            ("block-0-markdown", "Look"),
            ("block-1-type", "image"),
            ("block-1-media", "https://cdn.example/map.png"),
            ("block-1-alt", "A map"),
        ];
        let edit = format!("/t/eta/teach/lessons/{clip}");
        assert_eq!(teacher.post(&edit, &text, None).await.location(), builder);
        let editor = teacher.get(&edit).await;
        assert!(editor.body.contains("value=\"A map\""), "{label}");
        assert!(
            editor.body.contains("value=\"after_previous\" checked"),
            "{label}"
        );
        // The builder's short form: a refusal opens the editor with what was typed.
        let short = teacher
            .post(
                &add,
                &[
                    ("kind", "text"),
                    ("block-0-type", "markdown"),
                    ("block-0-markdown", "Body"),
                ],
                None,
            )
            .await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            short.body.contains("id=\"title-problem\""),
            "{label}: {}",
            short.body
        );
        assert!(short.body.contains(">Body</textarea>"), "{label}");

        // Deleting asks first.
        let confirm = teacher
            .get(&format!("/t/eta/teach/lessons/{clip}/delete"))
            .await;
        assert!(
            confirm.body.contains("Delete the lesson “Pictures”?"),
            "{label}"
        );
        let gone = teacher
            .post(&format!("/t/eta/teach/lessons/{clip}/delete"), &[], None)
            .await;
        assert_eq!(gone.location(), builder, "{label}");
        let confirm = teacher
            .get(&format!("/t/eta/teach/modules/{warm_up}/delete"))
            .await;
        assert!(
            confirm.body.contains("Delete the module “Warm-up”?"),
            "{label}"
        );
        teacher
            .post(&format!("/t/eta/teach/modules/{warm_up}/delete"), &[], None)
            .await;
        let page = teacher.get(&builder).await;
        assert!(
            !page.body.contains("Warm-up") && !page.body.contains("Pictures"),
            "{label}"
        );
        assert_eq!(
            ids_after(&page, "/t/eta/teach/modules/"),
            vec![first.clone()]
        );

        // Another tenant's module or lesson is not found here; a student may not edit.
        let mut other = Browser::new(&state, &label);
        other.sign_in("theta", "teacher@theta.test").await;
        let theta = other
            .get(&format!("/t/theta/teach/courses/{foreign}"))
            .await;
        let foreign_module = ids_after(&theta, "/t/theta/teach/modules/")[0].clone();
        let foreign_lesson = ids_after(&theta, "/t/theta/teach/lessons/")[0].clone();
        for path in [
            format!("/t/eta/teach/courses/{foreign}/details"),
            format!("/t/eta/teach/modules/{foreign_module}"),
            format!("/t/eta/teach/lessons/{foreign_lesson}"),
            format!("/t/eta/teach/lessons/{foreign_lesson}/delete"),
        ] {
            let page = teacher.get(&path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{label}: {path}");
            assert!(page.is_html(), "{label}: {path}");
        }
        let refused = teacher
            .post(
                &format!("/t/eta/teach/modules/{foreign_module}/delete"),
                &[],
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{label}");
        assert!(other
            .get(&format!("/t/theta/teach/courses/{foreign}"))
            .await
            .body
            .contains(&foreign_module));
        let mut student = Browser::new(&state, &label);
        student.sign_in("eta", "student@eta.test").await;
        for path in [
            details.clone(),
            module_form.clone(),
            format!("/t/eta/teach/lessons/{}", lessons[0]),
        ] {
            assert_eq!(
                student.get(&path).await.status,
                StatusCode::FORBIDDEN,
                "{label}: {path}"
            );
        }
        let refused = student
            .post(&module_form, &[("title", "Mine"), ("rule", "all")], None)
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");

        // Deleting a course: not for instructors; an admin deletes the draft.
        let delete = format!("/t/eta/teach/courses/{advanced}/delete");
        assert!(!teacher
            .get(&format!("/t/eta/teach/courses/{advanced}"))
            .await
            .body
            .contains(&delete));
        assert_eq!(
            teacher.get(&delete).await.status,
            StatusCode::FORBIDDEN,
            "{label}"
        );
        let mut admin = Browser::new(&state, &label);
        admin.sign_in("eta", "admin@eta.test").await;
        let draft = admin.get(&format!("/t/eta/teach/courses/{advanced}")).await;
        assert!(draft.body.contains(&delete), "{label}");
        assert!(!admin
            .get(&builder)
            .await
            .body
            .contains("/delete\">Delete the course"));
        let confirm = admin.get(&delete).await;
        assert!(
            confirm.body.contains("Delete the course “Advanced”?"),
            "{label}"
        );
        let deleted = admin.post(&delete, &[], None).await;
        assert_eq!(deleted.location(), "/t/eta/teach", "{label}");
        assert_eq!(
            admin
                .get(&format!("/t/eta/teach/courses/{advanced}"))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
    }
}

#[tokio::test]
async fn staff_enroll_learners_from_an_uploaded_csv_file() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (_, course) = school(&store, "iota", "#283593", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let builder = format!("/t/iota/teach/courses/{course}");
        let import = format!("{builder}/enrollments");
        let mut teacher = Browser::new(&state, &label);
        teacher.sign_in("iota", "teacher@iota.test").await;
        let page = teacher.get(&builder).await;
        assert!(
            page.body.contains("enctype=\"multipart/form-data\""),
            "{label}"
        );
        let csv =
            b"email,due_at\nstudent@iota.test,2030-01-15\nnobody@iota.test,\nnot-an-address,\n";

        // The token must match, and come before the file: nothing is enrolled otherwise.
        let wrong = "0123456789abcdef0123456789abcdef";
        for (csrf, file_first) in [(Some(""), false), (Some(wrong), false), (None, true)] {
            let refused = teacher.upload(&import, csv, csrf, file_first).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}: {csrf:?}");
            assert!(
                refused.is_html() && refused.body.contains("expired"),
                "{label}"
            );
        }
        let page = teacher.get(&builder).await;
        assert!(page.body.contains("Nobody is enrolled yet"), "{label}");

        let report = teacher.upload(&import, csv, None, false).await;
        assert_eq!(report.status, StatusCode::OK, "{label}: {}", report.body);
        assert!(
            report
                .body
                .contains("<p id=\"summary\">1 enrolled, 0 already enrolled, 2 failed.</p>"),
            "{label}: {}",
            report.body
        );
        assert!(
            report.body.contains("<td>3</td><td>nobody@iota.test</td>"),
            "{label}"
        );
        assert!(
            report.body.contains("<td>4</td><td>not-an-address</td>"),
            "{label}"
        );
        let again = teacher.upload(&import, csv, None, false).await;
        assert!(
            again
                .body
                .contains("0 enrolled, 1 already enrolled, 2 failed."),
            "{label}: {}",
            again.body
        );
        // The learners' table shows the due date the file gave.
        let page = teacher.get(&builder).await;
        assert!(
            page.body.contains("<td>15 January 2030</td>"),
            "{label}: {}",
            page.body
        );

        // A file that cannot be read comes back on the builder, next to the file field.
        let unreadable = teacher.upload(&import, b"\xff\xfe", None, false).await;
        assert_eq!(unreadable.status, StatusCode::BAD_REQUEST, "{label}");
        assert!(
            unreadable.body.contains("id=\"csv-problem\""),
            "{label}: {}",
            unreadable.body
        );
        assert!(
            unreadable.body.contains("This file could not be read"),
            "{label}"
        );
        // A file past the limit is refused.
        let huge = vec![b'a'; lyceum_app::learning::import::MAX_CSV_BYTES + 1];
        let refused = teacher.upload(&import, &huge, None, false).await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE, "{label}");
        assert!(refused.is_html(), "{label}: {}", refused.body);

        // A student may not; an unknown course (or another tenant's) is not found.
        let mut student = Browser::new(&state, &label);
        student.sign_in("iota", "student@iota.test").await;
        let refused = student.upload(&import, csv, None, false).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        let unknown = "/t/iota/teach/courses/01a23315-acda-737d-8783-9d247397d59a/enrollments";
        let missing = teacher.upload(unknown, csv, None, false).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{label}");
    }
}

#[tokio::test]
async fn course_staff_set_a_learners_due_date_and_drop_them_from_the_builder() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (_, course) = school(&store, "kappa", "#283593", 1).await;
        school(&store, "lambda", "#283593", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let builder = format!("/t/kappa/teach/courses/{course}");
        let mut student = Browser::new(&state, &label);
        student.sign_in("kappa", "student@kappa.test").await;
        let enrolled = student
            .post(&format!("/t/kappa/courses/{course}/enroll"), &[], None)
            .await;
        assert_eq!(enrolled.status, StatusCode::SEE_OTHER, "{label}");

        // The learners' table links each learner's enrollment.
        let mut teacher = Browser::new(&state, &label);
        teacher.sign_in("kappa", "teacher@kappa.test").await;
        let page = teacher.get(&builder).await;
        let links = ids_after(&page, "/t/kappa/teach/enrollments/");
        assert_eq!(links.len(), 1, "{label}: {}", page.body);
        let enrollment = format!("/t/kappa/teach/enrollments/{}", links[0]);
        let page = teacher.get(&enrollment).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        assert!(page.body.contains("student@kappa.test"), "{label}");

        // A due date typed in the tenant's time zone is kept and shown.
        let set = teacher
            .post(
                &format!("{enrollment}/due"),
                &[("due_at", "2030-03-04T17:30")],
                None,
            )
            .await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{label}: {}", set.body);
        let page = teacher.get(&enrollment).await;
        assert!(
            page.body.contains("value=\"2030-03-04T17:30\""),
            "{label}: {}",
            page.body
        );
        let table = teacher.get(&builder).await;
        assert!(table.body.contains("<td>4 March 2030</td>"), "{label}");
        let dashboard = student.get("/t/kappa/learn").await;
        assert!(
            dashboard.body.contains("4 March 2030"),
            "{label}: {}",
            dashboard.body
        );

        // Something that is no date comes back next to the field, nothing changed.
        for typed in ["soon", "2030-02-30T10:00", "<b>2030</b>"] {
            let refused = teacher
                .post(&format!("{enrollment}/due"), &[("due_at", typed)], None)
                .await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{label}: {typed:?}"
            );
            assert!(refused.body.contains("id=\"due_at-problem\""), "{label}");
        }
        // A NUL byte is refused with the form, before any use case.
        let refused = teacher
            .post(
                &format!("{enrollment}/due"),
                &[("due_at", "2030-03-04T17:30\0")],
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{label}");
        // A forged form changes nothing; neither can the learner or another tenant's staff.
        let forged = teacher
            .post(
                &format!("{enrollment}/due"),
                &[("due_at", "")],
                Some("0123456789abcdef0123456789abcdef"),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");
        let refused = student.get(&enrollment).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{label}");
        let refused = student.post(&format!("{enrollment}/drop"), &[], None).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{label}");
        let mut stranger = Browser::new(&state, &label);
        stranger.sign_in("lambda", "admin@lambda.test").await;
        let foreign = format!("/t/lambda/teach/enrollments/{}", links[0]);
        assert_eq!(
            stranger.get(&foreign).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let refused = stranger.post(&format!("{foreign}/drop"), &[], None).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{label}");
        let page = teacher.get(&enrollment).await;
        assert!(page.body.contains("value=\"2030-03-04T17:30\""), "{label}");

        // Cleared, then the learner is dropped: back to the builder, the course off their
        // dashboard, and no way to drop them twice from the page.
        let cleared = teacher
            .post(&format!("{enrollment}/due"), &[("due_at", "")], None)
            .await;
        assert_eq!(cleared.status, StatusCode::SEE_OTHER, "{label}");
        assert!(
            teacher.get(&enrollment).await.body.contains("value=\"\""),
            "{label}"
        );
        let dropped = teacher.post(&format!("{enrollment}/drop"), &[], None).await;
        assert_eq!(dropped.status, StatusCode::SEE_OTHER, "{label}");
        assert_eq!(dropped.location(), builder, "{label}");
        let page = teacher.get(&enrollment).await;
        assert!(!page.body.contains("/drop\""), "{label}");
        let dashboard = student.get("/t/kappa/learn").await;
        assert!(
            !dashboard
                .body
                .contains(&format!("/learn/courses/{course}\"")),
            "{label}: {}",
            dashboard.body
        );
    }
}

#[tokio::test]
async fn admins_search_people_and_page_through_them() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (tenant, _) = school(&store, "kappa", "#ad1457", 1).await;
        let mut tx = store.begin_write(&tenant).await.unwrap();
        let mut people: Vec<(String, String, lyceum_domain::Role)> = (0..105)
            .map(|i| {
                let email = format!("learner{i:03}@kappa.test");
                (
                    email,
                    format!("Learner {i:03}"),
                    lyceum_domain::Role::Student,
                )
            })
            .collect();
        let zoe = (
            "zoe@kappa.test".to_owned(),
            "Zoë Percent_100 <b>".to_owned(),
        );
        people.push((zoe.0, zoe.1, lyceum_domain::Role::Instructor));
        for (email, name, role) in people {
            let person = lyceum_store::repo::users::NewUser {
                email: lyceum_domain::Email::parse(&email).unwrap(),
                display_name: name,
                role,
                password_hash: None,
            };
            lyceum_store::repo::users::insert(&mut tx, &person)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let state = AppState::new(store, ServerConfig::unthrottled());
        let mut admin = Browser::new(&state, &label);
        admin.sign_in("kappa", "admin@kappa.test").await;

        // 109 people: a first page of 100 and a link to the rest.
        let first = admin.get("/t/kappa/admin/people").await;
        assert_eq!(first.status, StatusCode::OK, "{label}");
        assert!(first.body.contains("learner096@kappa.test"), "{label}");
        assert!(!first.body.contains("learner097@kappa.test"), "{label}");
        let more = first
            .body
            .split("<a href=\"")
            .find_map(|rest| rest.split_once("\" rel=\"next\">More people"))
            .map(|(href, _)| href.replace("&amp;", "&").replace("&#38;", "&"))
            .unwrap_or_else(|| panic!("{label}: no link to more people: {}", first.body));
        let second = admin.get(&more).await;
        assert_eq!(second.status, StatusCode::OK, "{label}: {more}");
        for shown in [
            "learner097@kappa.test",
            "learner104@kappa.test",
            "zoe@kappa.test",
        ] {
            assert!(second.body.contains(shown), "{label}: {shown}");
        }
        assert!(!second.body.contains("learner096@kappa.test"), "{label}");
        assert!(
            !second.body.contains("More people"),
            "{label}: the last page"
        );

        // Search by part of a name or an address, whatever the case; wildcards are text.
        let found = admin.get("/t/kappa/admin/people?q=LEARNER%20007").await;
        assert!(found.body.contains("learner007@kappa.test"), "{label}");
        assert!(!found.body.contains("learner008@kappa.test"), "{label}");
        assert!(
            found.body.contains("value=\"LEARNER 007\""),
            "{label}: the search stays"
        );
        let by_mail = admin.get("/t/kappa/admin/people?q=zoe%40").await;
        assert!(
            by_mail.body.contains("Zoë Percent_100 &#60;b&#62;")
                || by_mail.body.contains("Zoë Percent_100 &lt;b&gt;"),
            "{label}: {}",
            by_mail.body
        );
        assert!(!by_mail.body.contains("learner0"), "{label}");
        let exact = admin.get("/t/kappa/admin/people?q=Zo%C3%AB").await;
        assert!(
            exact.body.contains("zoe@kappa.test"),
            "{label}: non-ASCII as stored"
        );
        let underscore = admin.get("/t/kappa/admin/people?q=t_1").await;
        assert!(underscore.body.contains("zoe@kappa.test"), "{label}");
        assert!(
            !underscore.body.contains("learner0"),
            "{label}: _ is no wildcard"
        );
        let nul = admin.get("/t/kappa/admin/people?q=%00nobody").await;
        assert_eq!(
            nul.status,
            StatusCode::BAD_REQUEST,
            "{label}: a NUL is refused"
        );
        let none = admin.get("/t/kappa/admin/people?q=%25nobody").await;
        assert_eq!(none.status, StatusCode::OK, "{label}");
        assert!(
            none.body.contains("Nobody matches"),
            "{label}: {}",
            none.body
        );
        let long = format!("/t/kappa/admin/people?q={}", "a".repeat(5_000));
        assert_eq!(admin.get(&long).await.status, StatusCode::OK, "{label}");
        // A search pages too.
        let many = admin.get("/t/kappa/admin/people?q=learner").await;
        assert!(
            many.body.contains("q=learner&amp;after=")
                || many.body.contains("q=learner&#38;after="),
            "{label}: {}",
            many.body
        );

        // A student may not look; the API's list filters the same way.
        let mut student = Browser::new(&state, &label);
        student.sign_in("kappa", "student@kappa.test").await;
        let refused = student.get("/t/kappa/admin/people?q=zoe").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        let token = common::token(&state, "kappa", "admin@kappa.test", PASSWORD).await;
        let list = |query: String| {
            let state = state.clone();
            let token = token.clone();
            async move {
                let path = format!("/t/kappa/api/v1/users?{query}");
                let (status, body) = common::call(&state, "GET", &path, Some(&token), None).await;
                assert_eq!(status, StatusCode::OK, "{path}: {body}");
                body
            }
        };
        let body = list("q=learner%20010&limit=5".into()).await;
        let emails: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap())
            .collect();
        assert_eq!(emails, ["learner010@kappa.test"], "{label}");
        let body = list("q=LEARNER&limit=100".into()).await;
        assert_eq!(body["items"].as_array().unwrap().len(), 100, "{label}");
        let after = body["next_cursor"].as_str().unwrap().to_owned();
        let body = list(format!("q=LEARNER&limit=100&after={after}")).await;
        assert_eq!(body["items"].as_array().unwrap().len(), 5, "{label}");
        assert!(body["next_cursor"].is_null(), "{label}");
    }
}

/// The `lang` of a page's `<html>`.
fn lang(page: &Page) -> &str {
    page.body
        .split_once("<html lang=\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or("", |(lang, _)| lang)
}

#[tokio::test]
async fn pages_speak_the_persons_language_then_the_tenants_and_show_dates_in_its_time_zone() {
    let (sqlite, _sqlite_guard) = lyceum_store::testing::sqlite_config();
    let (postgres, _postgres_guard) = lyceum_store::testing::postgres_config().await;
    for config in [sqlite, postgres] {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let settings = serde_json::json!({"branding": {
            "locale": "fr-CA", "time_zone": "Europe/Paris"}});
        let (tenant, course) = school_with(&store, "paris", settings, 1).await;
        // Due at 23:30 UTC on 30 November: already 1 December in Paris.
        let due = "2026-11-30T23:30:00Z".parse().unwrap();
        {
            use lyceum_app::learning::enrollments;
            use lyceum_store::repo::users;
            let mut tx = store.begin_write(&tenant).await.unwrap();
            let email = |e: &str| lyceum_domain::Email::parse(e).unwrap();
            let teacher = users::by_email(&mut tx, &email("teacher@paris.test"))
                .await
                .unwrap()
                .unwrap();
            let student = users::by_email(&mut tx, &email("student@paris.test"))
                .await
                .unwrap()
                .unwrap();
            let teacher = lyceum_app::Actor {
                user: teacher.id,
                role: teacher.role,
                plan: tenant.plan,
                origin: lyceum_domain::Origin::default(),
            };
            let course = course.parse().unwrap();
            enrollments::enroll_in(&mut tx, &teacher, course, Some(student.id), Some(due))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        let state = AppState::new(store, ServerConfig::unthrottled());
        // The tenant's language comes before the browser's.
        let mut browser = Browser::new(&state, &label).speaking("en-GB,en;q=0.9");

        let home = browser.get("/t/paris/").await;
        assert_eq!(lang(&home), "fr", "{label}: {}", home.body);
        assert!(home.body.contains("Les cours de"), "{label}: {}", home.body);
        assert!(!home.body.contains("Courses at"), "{label}");

        browser.sign_in("paris", "student@paris.test").await;
        let dashboard = browser.get("/t/paris/learn").await;
        assert_eq!(lang(&dashboard), "fr", "{label}");
        assert!(
            dashboard.body.contains("à terminer le 1 décembre 2026"),
            "{label}: {}",
            dashboard.body
        );
        assert!(dashboard.body.contains("0\u{a0}%"), "{label}");
        assert!(!dashboard.body.contains("30 novembre"), "{label}");

        // The person's own choice comes before the tenant's.
        let account = browser.get("/t/paris/account").await;
        assert_eq!(account.status, StatusCode::OK, "{label}: {}", account.body);
        assert!(account.body.contains("Français"), "{label}");
        let saved = browser
            .post("/t/paris/account", &[("locale", "en")], None)
            .await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            saved.body
        );
        let dashboard = browser.get("/t/paris/learn").await;
        assert_eq!(lang(&dashboard), "en", "{label}");
        assert!(
            dashboard.body.contains("due 1 December 2026"),
            "{label}: {}",
            dashboard.body
        );
        assert!(dashboard.body.contains("My learning"), "{label}");

        // A language Lyceum does not speak is refused, in the person's language; the form
        // needs its token.
        let refused = browser
            .post("/t/paris/account", &[("locale", "de")], None)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.body.contains("not one of the choices"), "{label}");
        let forged = browser
            .post("/t/paris/account", &[("locale", "fr")], Some(""))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");
        assert!(forged.body.contains("expired"), "{label}: {}", forged.body);

        // Staff pages speak the tenant's language too, roles and statuses included.
        let mut teacher = Browser::new(&state, &label);
        teacher.sign_in("paris", "teacher@paris.test").await;
        let teaching = teacher.get("/t/paris/teach").await;
        assert_eq!(lang(&teaching), "fr", "{label}");
        assert!(
            teaching.body.contains("Enseignement"),
            "{label}: {}",
            teaching.body
        );
        assert!(teaching.body.contains("<td>publié</td>"), "{label}");
        let builder = teacher
            .get(&format!("/t/paris/teach/courses/{course}"))
            .await;
        assert!(builder.body.contains("Ajouter un module"), "{label}");
        assert!(
            builder.body.contains("<td>en cours</td><td>0\u{a0}%</td>"),
            "{label}: {}",
            builder.body
        );
        // The builder's own words: its actions, the module's rule, the lessons' kinds, the
        // file upload and the learners' due dates (in the tenant's time zone).
        for french in [
            "Modifier les informations, les formateurs et les prérequis",
            "Modifier le module",
            "toutes ses leçons.",
            "<span class=\"tag\">texte</span>",
            "Nouvelle leçon dans Module one",
            "Inscrire des apprenants depuis un fichier",
            "Apprenants (fichier CSV)",
            "Échéance",
            "<td>1 décembre 2026</td>",
        ] {
            assert!(builder.body.contains(french), "{label}: {french}");
        }
        for english in [
            "Edit the module",
            "Learners (CSV file)",
            "Due</th>",
            "every lesson",
        ] {
            assert!(!builder.body.contains(english), "{label}: {english}");
        }
        let module = ids_after(&builder, "/teach/modules/")[0].clone();
        let lesson = ids_after(&builder, "/teach/lessons/")[0].clone();
        let details = teacher
            .get(&format!("/t/paris/teach/courses/{course}/details"))
            .await;
        assert_eq!(lang(&details), "fr", "{label}");
        assert!(
            details
                .body
                .contains("Informations, formateurs et prérequis"),
            "{label}"
        );
        let rule = teacher
            .get(&format!("/t/paris/teach/modules/{module}"))
            .await;
        assert!(
            rule.body.contains("au moins ce nombre de leçons"),
            "{label}"
        );
        let words = teacher
            .post(
                &format!("/t/paris/teach/modules/{module}"),
                &[("title", "Module one"), ("rule", "at_least"), ("count", "")],
                None,
            )
            .await;
        assert_eq!(words.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            words.body.contains("Indiquez le nombre de leçons"),
            "{label}: {}",
            words.body
        );

        // The lesson editor: its fields, its blocks and the content rules' refusals.
        let editor = teacher
            .get(&format!("/t/paris/teach/lessons/{lesson}"))
            .await;
        assert_eq!(lang(&editor), "fr", "{label}");
        for french in [
            "Modifier la leçon Lesson 0",
            "Bloc 1 : texte",
            "Texte et images",
            "Quand elle s",
            "tout de suite",
            "Ajouter une image",
            "Enregistrer la leçon",
        ] {
            assert!(editor.body.contains(french), "{label}: {french}");
        }
        let new_video = format!("/t/paris/teach/modules/{module}/lessons");
        let video = teacher.get(&format!("{new_video}/new?kind=video")).await;
        assert!(video.body.contains("Bloc 1 : vidéo"), "{label}");
        assert!(video.body.contains("Durée en secondes"), "{label}");
        let refused = teacher
            .post(
                &new_video,
                &[
                    ("title", "Vidéo"),
                    ("kind", "video"),
                    ("release", "none"),
                    ("block-0-type", "video"),
                    ("block-0-media", ""),
                    ("block-0-seconds", "90"),
                ],
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("adresse ne doit pas être vide."),
            "{label}: {}",
            refused.body
        );
        let confirm = teacher
            .get(&format!("/t/paris/teach/lessons/{lesson}/delete"))
            .await;
        assert!(
            confirm.body.contains("Supprimer la leçon « Lesson 0 » ?"),
            "{label}: {}",
            confirm.body
        );
        // A file that cannot be read is refused next to the field, in French.
        let import = format!("/t/paris/teach/courses/{course}/enrollments");
        let unreadable = teacher.upload(&import, b"\xff\xfe", None, false).await;
        assert_eq!(unreadable.status, StatusCode::BAD_REQUEST, "{label}");
        assert!(
            unreadable.body.contains("Ce fichier est illisible"),
            "{label}: {}",
            unreadable.body
        );

        // The people page: its search, roles and statuses.
        let mut admin = Browser::new(&state, &label);
        admin.sign_in("paris", "admin@paris.test").await;
        let people = admin.get("/t/paris/admin/people").await;
        assert_eq!(lang(&people), "fr", "{label}");
        for french in [
            "Rechercher une personne par nom ou adresse e-mail",
            "Les personnes de ",
            "<td>formateur</td><td>actif</td>",
            "Inviter une personne",
        ] {
            assert!(people.body.contains(french), "{label}: {french}");
        }
        let nobody = admin.get("/t/paris/admin/people?q=zzz").await;
        assert!(
            nobody.body.contains("Personne ne correspond à « zzz »."),
            "{label}: {}",
            nobody.body
        );

        // No choice of one's own: the tenant's language again.
        browser
            .post("/t/paris/account", &[("locale", "")], None)
            .await;
        let account = browser.get("/t/paris/account?saved=true").await;
        assert_eq!(lang(&account), "fr", "{label}");
        assert!(account.body.contains("enregistré"), "{label}");
    }
}

#[tokio::test]
async fn without_a_tenant_language_the_browser_chooses_and_english_is_the_fallback() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    // `de` is no language Lyceum speaks: the tenant names none it can use.
    let settings = serde_json::json!({"branding": {"locale": "de-CH"}});
    let (_, course) = school_with(&store, "zurich", settings, 1).await;
    let state = AppState::new(store, ServerConfig::unthrottled());

    for (languages, expected) in [
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("en;q=0.5, fr;q=0.8", "fr"),
        ("fr;q=0, en;q=0.1", "en"),
        ("de-CH,de;q=0.9,it;q=0.5", "en"),
        ("", "en"),
    ] {
        let mut browser = Browser::new(&state, languages).speaking(languages);
        let course_page = browser.get(&format!("/t/zurich/courses/{course}")).await;
        assert_eq!(course_page.status, StatusCode::OK, "{languages:?}");
        assert_eq!(lang(&course_page), expected, "{languages:?}");
        let (enroll, other) = match expected {
            "fr" => ("Se connecter pour s&#39;inscrire", "Sign in to enroll"),
            _ => ("Sign in to enroll", "Se connecter pour"),
        };
        let body = course_page.body.replace("&#x27;", "&#39;");
        assert!(body.contains(enroll), "{languages:?}: {body}");
        assert!(!body.contains(other), "{languages:?}");

        // Refusal pages and pages of no tenant speak it too.
        let missing = browser
            .get("/t/zurich/courses/01a23315-acda-737d-8783-9d247397d59a")
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert_eq!(lang(&missing), expected, "{languages:?}");
        let unknown = browser.get("/t/nobody-here/").await;
        assert_eq!(lang(&unknown), expected, "{languages:?}");
        let heading = if expected == "fr" {
            "Introuvable"
        } else {
            "Not found"
        };
        assert!(
            unknown.body.contains(heading),
            "{languages:?}: {}",
            unknown.body
        );

        let console = browser.get("/platform/sign-in").await;
        assert_eq!(lang(&console), expected, "{languages:?}");
    }
}

/// Message ids of every Fluent file of a locale's folder (`locales/<locale>/*.ftl`), with the
/// variables each message uses.
fn catalogue(
    locale: &str,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    use fluent_syntax::ast;
    fn variables(pattern: &ast::Pattern<&str>, found: &mut std::collections::BTreeSet<String>) {
        for element in &pattern.elements {
            if let ast::PatternElement::Placeable { expression } = element {
                expression_variables(expression, found);
            }
        }
    }
    fn expression_variables(
        expression: &ast::Expression<&str>,
        found: &mut std::collections::BTreeSet<String>,
    ) {
        let inline = |inline: &ast::InlineExpression<&str>,
                      found: &mut std::collections::BTreeSet<String>| {
            match inline {
                ast::InlineExpression::VariableReference { id } => {
                    found.insert(id.name.to_owned());
                }
                ast::InlineExpression::Placeable { expression } => {
                    expression_variables(expression, found)
                }
                _ => {}
            }
        };
        match expression {
            ast::Expression::Inline(expression) => inline(expression, found),
            ast::Expression::Select { selector, variants } => {
                inline(selector, found);
                for variant in variants {
                    variables(&variant.value, found);
                }
            }
        }
    }
    let folder = format!("{}/locales/{locale}", env!("CARGO_MANIFEST_DIR"));
    let mut messages = std::collections::BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{folder} has no catalogue");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let resource = fluent_syntax::parser::parse(text.as_str())
            .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", file.display()));
        for entry in resource.body {
            if let ast::Entry::Message(message) = entry {
                let mut found = std::collections::BTreeSet::new();
                if let Some(value) = &message.value {
                    variables(value, &mut found);
                }
                let id = message.id.name.to_owned();
                assert!(
                    messages.insert(id.clone(), found).is_none(),
                    "{locale}: {id} is defined twice"
                );
            }
        }
    }
    messages
}

/// The ids named by `msg("...")` in a source text (templates and the portal's Rust).
fn message_ids_used(source: &str) -> Vec<String> {
    source
        .split("msg(\"")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(id, _)| id.to_owned()))
        .collect()
}

/// The ids of `used` that a catalogue lacks.
fn missing(
    used: &[String],
    catalogue: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
) -> Vec<String> {
    used.iter()
        .filter(|id| !catalogue.contains_key(id.as_str()))
        .cloned()
        .collect()
}

#[test]
fn every_language_has_every_message_the_portal_uses() {
    let english = catalogue("en");
    let root = env!("CARGO_MANIFEST_DIR");
    let languages: Vec<String> = std::fs::read_dir(format!("{root}/locales"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for locale in lyceum_domain::Locale::ALL {
        assert!(
            languages.contains(&locale.as_str().to_owned()),
            "no catalogue for {locale}"
        );
    }

    // The same messages, with the same variables, in every language.
    for language in &languages {
        let other = catalogue(language);
        let only_english: Vec<_> = english
            .keys()
            .filter(|id| !other.contains_key(*id))
            .collect();
        let only_other: Vec<_> = other
            .keys()
            .filter(|id| !english.contains_key(*id))
            .collect();
        assert!(only_english.is_empty(), "{language} lacks {only_english:?}");
        assert!(only_other.is_empty(), "only {language} has {only_other:?}");
        for (id, variables) in &english {
            assert_eq!(&other[id], variables, "{language}: the variables of {id}");
        }
    }

    // Every message a template or the portal's code names is in the catalogues.
    let mut used = Vec::new();
    for folder in ["templates/portal", "src/portal"] {
        for entry in std::fs::read_dir(format!("{root}/{folder}")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            used.extend(message_ids_used(&text));
        }
    }
    assert!(used.len() > 100, "found only {} message ids", used.len());
    assert_eq!(missing(&used, &english), Vec::<String>::new());

    // And the check would see one that is not.
    let broken = message_ids_used(
        r#"{{ chrome.locale.msg("nav-catalog") }} {{ chrome.locale.msg("nav-nowhere") }}"#,
    );
    assert_eq!(missing(&broken, &english), ["nav-nowhere"]);

    // No template holds words of its own, between its tags or in the attributes people read.
    let mut templates = 0;
    for entry in std::fs::read_dir(format!("{root}/templates/portal")).unwrap() {
        let path = entry.unwrap().path();
        let words = own_words(&std::fs::read_to_string(&path).unwrap());
        assert!(words.is_empty(), "{}: {words:?}", path.display());
        templates += 1;
    }
    assert!(templates > 20, "found only {templates} templates");
    assert_eq!(
        own_words(r#"<p>{{ chrome.locale.msg("a") }} Due</p><a aria-label="Main">x</a>"#),
        ["aria-label=\"Main\"", "Due", "x"]
    );
}

/// The words a template writes itself (not through a message): text between its tags and
/// the values of `aria-label`, `alt`, `title` and `placeholder`, with template expressions
/// and tags left out.
fn own_words(template: &str) -> Vec<String> {
    let mut text = String::new();
    let mut words = Vec::new();
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        let skip_to = |close: &str| rest.find(close).map_or(rest.len(), |i| i + close.len());
        let (skipped, separates) = match c {
            '{' if rest.starts_with("{{") => (skip_to("}}"), true),
            '{' if rest.starts_with("{%") => (skip_to("%}"), true),
            '{' if rest.starts_with("{#") => (skip_to("#}"), true),
            '<' => {
                let end = skip_to(">");
                let tag = &rest[..end];
                for attribute in ["aria-label=\"", "alt=\"", "title=\"", "placeholder=\""] {
                    for value in tag.split(attribute).skip(1) {
                        let value = value.split('"').next().unwrap_or_default();
                        if !value.is_empty() && !value.starts_with("{{") {
                            words.push(format!("{attribute}{value}\""));
                        }
                    }
                }
                (end, true)
            }
            _ => {
                text.push(c);
                (c.len_utf8(), false)
            }
        };
        if separates {
            text.push(' ');
        }
        rest = &rest[skipped..];
    }
    words.extend(
        text.split_whitespace()
            .filter(|word| word.chars().any(char::is_alphabetic))
            .map(str::to_owned),
    );
    words
}

#[tokio::test]
async fn admins_change_the_organisations_settings_in_both_languages() {
    let (sqlite, _sqlite_guard) = lyceum_store::testing::sqlite_config();
    let (postgres, _postgres_guard) = lyceum_store::testing::postgres_config().await;
    for config in [sqlite, postgres] {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        school(&store, "echo", "#0b5fff", 1).await;
        let state = AppState::new(store.clone(), ServerConfig::unthrottled());

        let mut student = Browser::new(&state, &label);
        student.sign_in("echo", "student@echo.test").await;
        let refused = student.get("/t/echo/admin/settings").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        assert!(refused.is_html(), "{label}");
        let refused = student
            .post("/t/echo/admin/settings", &[("name", "Mine")], None)
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");

        let mut admin = Browser::new(&state, &label).speaking("en");
        admin.sign_in("echo", "admin@echo.test").await;
        let home = admin.get("/t/echo/").await;
        assert!(
            home.body.contains("/t/echo/admin/settings\">Settings"),
            "{label}"
        );
        let page = admin.get("/t/echo/admin/settings").await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(page.body.contains("Organisation settings"), "{label}");
        assert!(page.body.contains("value=\"#0b5fff\""), "{label}");
        assert!(
            page.body.contains("Europe/Paris"),
            "{label}: the time zones are offered"
        );

        // Without the form token nothing changes.
        let forged = admin
            .post("/t/echo/admin/settings", &[("name", "Forged")], Some("x"))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");

        let form = |name: &'static str, primary: &'static str| {
            vec![
                ("name", name),
                ("primary_color", primary),
                ("accent_color", "#b25e00"),
                ("logo_url", ""),
                ("locale", "fr"),
                ("time_zone", "Europe/Paris"),
                ("self_signup", "on"),
                ("signup_domains", "echo.test\r\nbücher.example"),
            ]
        };
        // A pale colour is refused next to its field, with its contrast shown; what was typed
        // stays.
        let mut pale = form("Echo School", "#ffee00");
        pale.push(("intent", "preview"));
        let checked = admin.post("/t/echo/admin/settings", &pale, None).await;
        assert_eq!(checked.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            checked.body.contains("id=\"primary_color-problem\""),
            "{label}"
        );
        assert!(
            checked.body.contains("it needs at least 4.5:1"),
            "{label}: {}",
            checked.body
        );
        assert!(checked.body.contains("value=\"Echo School\""), "{label}");
        // A preview that passes saves nothing.
        let mut fine = form("Echo School", "#0b5fff");
        fine.push(("intent", "preview"));
        let previewed = admin.post("/t/echo/admin/settings", &fine, None).await;
        assert_eq!(previewed.status, StatusCode::OK, "{label}");
        assert!(previewed.body.contains("nothing is saved yet"), "{label}");
        let stored = store.directory().by_slug("echo").await.unwrap().unwrap();
        assert_eq!(stored.name, "echo", "{label}");

        let saved = admin
            .post(
                "/t/echo/admin/settings",
                &form("Echo <School>", "#0b5fff"),
                None,
            )
            .await;
        assert_eq!(
            saved.location(),
            "/t/echo/admin/settings?saved=1",
            "{label}: {}",
            saved.body
        );
        // The tenant's language is now French, and its name is escaped on every page.
        let french = admin.get("/t/echo/admin/settings?saved=1").await;
        assert_eq!(lang(&french), "fr", "{label}");
        assert!(
            french.body.contains("Les réglages sont enregistrés."),
            "{label}"
        );
        assert!(
            french.body.contains("Echo &#60;School&#62;")
                || french.body.contains("Echo &lt;School&gt;"),
            "{label}"
        );
        assert!(french.body.contains("xn--bcher-kva.example"), "{label}");
        let refused = admin
            .post("/t/echo/admin/settings", &form("Echo", "rouge"), None)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("n’est pas une couleur"),
            "{label}: {}",
            refused.body
        );

        // Custom domains: claimed on the page, with the token to publish; taken ones refused.
        let added = admin
            .post(
                "/t/echo/admin/settings/domains",
                &[("domain", "learn.echo.test")],
                None,
            )
            .await;
        assert_eq!(
            added.location(),
            "/t/echo/admin/settings#domains",
            "{label}: {}",
            added.body
        );
        let page = admin.get("/t/echo/admin/settings").await;
        assert!(
            page.body
                .contains("http://learn.echo.test/.well-known/lyceum-domain-verification"),
            "{label}"
        );
        let bad = admin
            .post(
                "/t/echo/admin/settings/domains",
                &[("domain", "10.0.0.1")],
                None,
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(bad.body.contains("id=\"domain-problem\""), "{label}");
        let removed = admin
            .post(
                "/t/echo/admin/settings/domains/remove",
                &[("domain", "learn.echo.test")],
                None,
            )
            .await;
        assert_eq!(
            removed.location(),
            "/t/echo/admin/settings#domains",
            "{label}"
        );
        let page = admin.get("/t/echo/admin/settings").await;
        assert!(!page.body.contains("learn.echo.test"), "{label}");
    }
}

#[tokio::test]
async fn admins_add_rotate_and_delete_webhooks_and_replay_deliveries_in_the_portal() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (tenant, _) = school(&store, "echo", "#00695c", 1).await;
        let server = ServerConfig {
            webhook_targets: lyceum_domain::TargetPolicy {
                allow_private: true,
            },
            ..ServerConfig::unthrottled()
        };
        let state = AppState::new(store.clone(), server);

        let mut student = Browser::new(&state, &label);
        student.sign_in("echo", "student@echo.test").await;
        let refused = student.get("/t/echo/admin/webhooks").await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        assert!(!student
            .get("/t/echo/learn")
            .await
            .body
            .contains("/admin/webhooks"));

        let mut admin = Browser::new(&state, &label);
        admin.sign_in("echo", "admin@echo.test").await;
        let home = admin.get("/t/echo/learn").await;
        assert!(
            home.body.contains("/t/echo/admin/webhooks\">Webhooks"),
            "{label}"
        );
        let empty = admin.get("/t/echo/admin/webhooks").await;
        assert_eq!(empty.status, StatusCode::OK, "{label}: {}", empty.body);
        assert!(empty.body.contains("No webhooks yet."), "{label}");

        let fields = [
            ("url", "ftp://files.example.com/"),
            ("events", "*"),
            ("description", ""),
        ];
        let bad = admin.post("/t/echo/admin/webhooks", &fields, None).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            bad.body.contains("starting with https://")
                && bad.body.contains("ftp://files.example.com/")
        );

        let fields = [
            ("url", "http://127.0.0.1:9/hook"),
            ("events", "course.published, user.created"),
            ("description", "CRM"),
        ];
        let added = admin.post("/t/echo/admin/webhooks", &fields, None).await;
        assert_eq!(added.status, StatusCode::CREATED, "{label}: {}", added.body);
        let secret = |page: &Page| {
            let start = page.body.find("id=\"webhook-secret\">").map(|i| i + 20)?;
            Some(page.body[start..].split('<').next()?.to_owned())
        };
        let first = secret(&added).expect("the secret is shown once");
        assert!(first.starts_with("whsec_"), "{label}: {first}");
        assert!(added.body.contains("course.published, user.created"));
        let again = admin.get("/t/echo/admin/webhooks").await;
        assert_eq!(secret(&again), None, "{label}: never shown again");
        assert!(!again.body.contains(&first));

        let id = form_target(&again, "/t/echo/admin/webhooks/");
        let id = id
            .trim_start_matches("/t/echo/admin/webhooks/")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let rotated = admin
            .post(&format!("/t/echo/admin/webhooks/{id}/secret"), &[], None)
            .await;
        assert_eq!(rotated.status, StatusCode::OK, "{label}: {}", rotated.body);
        let second = secret(&rotated).unwrap();
        assert!(second.starts_with("whsec_") && second != first, "{label}");

        // A delivery, as the worker's fan-out records it, shown with a button to replay it.
        let envelope = lyceum_domain::EventEnvelope {
            id: lyceum_domain::EventId::new(),
            event_type: "user.created".into(),
            tenant_id: tenant.id(),
            actor: None,
            occurred_at: chrono::Utc::now(),
            schema_version: 1,
            payload: serde_json::json!({}),
        };
        let mut tx = store.begin_write(&tenant).await.unwrap();
        lyceum_app::webhooks::fan_out(&mut tx, &[envelope])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let deliveries = admin.get(&format!("/t/echo/admin/webhooks/{id}")).await;
        assert_eq!(
            deliveries.status,
            StatusCode::OK,
            "{label}: {}",
            deliveries.body
        );
        assert!(deliveries.body.contains("user.created") && deliveries.body.contains("Waiting"));
        let replay = form_target(
            &deliveries,
            &format!("/t/echo/admin/webhooks/{id}/deliveries/"),
        );
        let replayed = admin.post(&replay, &[], None).await;
        assert_eq!(
            replayed.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            replayed.body
        );
        let after = admin.get(&format!("/t/echo/admin/webhooks/{id}")).await;
        assert_eq!(after.body.matches("user.created<br>").count(), 2, "{label}");

        let forged = admin
            .post(
                &format!("/t/echo/admin/webhooks/{id}/delete"),
                &[],
                Some("forged"),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");
        let deleted = admin
            .post(&format!("/t/echo/admin/webhooks/{id}/delete"), &[], None)
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{label}");
        assert!(admin
            .get("/t/echo/admin/webhooks")
            .await
            .body
            .contains("No webhooks yet."));
        let gone = admin.get(&format!("/t/echo/admin/webhooks/{id}")).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "{label}");
    }
}

/// Release dates are typed and shown in the tenant's time zone, and kept in UTC.
#[tokio::test]
async fn lesson_release_dates_are_read_and_shown_in_the_tenants_time_zone() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    let paris = serde_json::json!({"branding": {"time_zone": "Europe/Paris"}});
    let (_, course) = common::school_with(&store, "zeta", paris, 1).await;
    let state = AppState::new(store, ServerConfig::unthrottled());
    let token = common::token(&state, "zeta", "teacher@zeta.test", common::PORTAL_PASSWORD).await;
    let modules = format!("/t/zeta/api/v1/courses/{course}/modules");
    let (_, listed) = common::call(&state, "GET", &modules, Some(&token), None).await;
    let module = listed["items"][0]["id"].as_str().unwrap().to_owned();
    let mut teacher = Browser::new(&state, "sqlite");
    teacher.sign_in("zeta", "teacher@zeta.test").await;
    let editor = teacher
        .get(&format!(
            "/t/zeta/teach/modules/{module}/lessons/new?kind=text"
        ))
        .await;
    assert!(editor.body.contains("(Europe/Paris)"), "{}", editor.body);
    let fields = [
        ("title", "Opens in winter"),
        ("kind", "text"),
        ("release", "on_date"),
        ("release_at", "2030-01-31T09:00"),
        ("block-0-type", "markdown"),
        ("block-0-markdown", "Hello"),
    ];
    let saved = teacher
        .post(
            &format!("/t/zeta/teach/modules/{module}/lessons"),
            &fields,
            None,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let lessons = format!("/t/zeta/api/v1/modules/{module}/lessons");
    let (_, listed) = common::call(&state, "GET", &lessons, Some(&token), None).await;
    let lesson = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["title"] == "Opens in winter")
        .expect("the lesson");
    // 09:00 in Paris in January is 08:00 UTC.
    assert!(
        lesson.to_string().contains("2030-01-31T08:00:00Z"),
        "{lesson}"
    );
    let id = lesson["id"].as_str().unwrap();
    let shown = teacher.get(&format!("/t/zeta/teach/lessons/{id}")).await;
    assert!(
        shown.body.contains("value=\"2030-01-31T09:00\""),
        "{}",
        shown.body
    );
    // A time the clocks skip in Paris (the spring change) is refused.
    let mut skipped = fields;
    skipped[3] = ("release_at", "2030-03-31T02:30");
    let refused = teacher
        .post(
            &format!("/t/zeta/teach/modules/{module}/lessons"),
            &skipped,
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"release-problem\""));
}

/// "Create your organisation": there only while sign-up is on, in the visitor's language, its
/// form refused without its token, a bad slug answered with what was typed, and a good one
/// making the organisation and inviting its admin by mail. The console's form takes a first
/// admin too.
#[tokio::test]
async fn organisations_sign_themselves_up_from_the_signup_page_when_it_is_on() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    let closed = AppState::new(store.clone(), ServerConfig::unthrottled());
    let mut visitor = Browser::new(&closed, "closed");
    let page = visitor.get("/signup").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    let page = visitor.get("/platform/sign-in").await;
    assert!(!page.body.contains("href=\"/signup\""), "no link while off");

    let open = ServerConfig {
        signup: lyceum_server::SignUpConfig {
            enabled: true,
            ..Default::default()
        },
        ..ServerConfig::unthrottled()
    };
    let state = AppState::new(store.clone(), open);
    let mut visitor = Browser::new(&state, "open");
    let page = visitor.get("/platform/sign-in").await;
    assert!(
        page.body.contains("href=\"/signup\""),
        "linked: {}",
        page.body
    );
    let page = visitor.get("/signup").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Create your organisation"),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"csrf\""));
    assert!(!page.body.contains("<script"), "no script needed");

    let fields = [
        ("name", "Zeta <b>school</b>"),
        ("slug", "zeta"),
        ("admin_email", "head@zeta.test"),
        ("admin_name", ""),
    ];
    let forged = visitor.post("/signup", &fields, Some("")).await;
    assert_eq!(
        forged.status,
        StatusCode::FORBIDDEN,
        "a form without its token"
    );
    let mut bad = fields;
    bad[1] = ("slug", "Zeta!");
    let refused = visitor.post("/signup", &bad, None).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"Zeta!\""), "{}", refused.body);
    assert!(
        refused.body.contains("Zeta &#60;b&#62;school") && !refused.body.contains("<b>school"),
        "escaped: {}",
        refused.body
    );
    assert!(store.directory().by_slug("zeta").await.unwrap().is_none());

    let made = visitor.post("/signup", &fields, None).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert!(made.body.contains("head@zeta.test"), "{}", made.body);
    assert!(
        made.body.contains("href=\"/t/zeta/sign-in\""),
        "{}",
        made.body
    );
    let zeta = store.directory().by_slug("zeta").await.unwrap().unwrap();
    assert_eq!(zeta.name, "Zeta <b>school</b>");

    // Taken now: said in French to a French browser.
    let mut french = Browser::new(&state, "fr").speaking("fr-FR,fr;q=0.9");
    let page = french.get("/signup").await;
    assert!(
        page.body.contains("Créer votre organisation"),
        "{}",
        page.body
    );
    let taken = french.post("/signup", &fields, None).await;
    assert_eq!(taken.status, StatusCode::CONFLICT, "{}", taken.body);
    assert!(taken.body.contains("lang=\"fr\""), "{}", taken.body);

    // The console: a tenant with its first admin, said once made.
    let password = lyceum_app::identity::NewPassword::choose(PASSWORD.to_owned())
        .await
        .unwrap();
    let email = lyceum_domain::Email::parse("ops@lyceum.test").unwrap();
    let console = lyceum_app::platform::Operator::Console;
    lyceum_app::platform::create_operator(&store, &console, &email, "Ops", &password)
        .await
        .unwrap();
    let mut ops = Browser::new(&state, "ops");
    ops.get("/platform/sign-in").await;
    let signed = ops
        .post(
            "/platform/sign-in",
            &[("email", "ops@lyceum.test"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(signed.location(), "/platform/");
    let bad = [
        ("name", "Eta"),
        ("slug", "eta"),
        ("admin_email", "nope"),
        ("admin_name", ""),
    ];
    let refused = ops.post("/platform/tenants", &bad, None).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"nope\""), "{}", refused.body);
    assert!(store.directory().by_slug("eta").await.unwrap().is_none());
    let good = [
        ("name", "Eta"),
        ("slug", "eta"),
        ("admin_email", "boss@eta.test"),
        ("admin_name", "Boss"),
    ];
    let made = ops.post("/platform/tenants", &good, None).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert!(made.body.contains("boss@eta.test"), "{}", made.body);
}

#[tokio::test]
async fn admins_import_people_filter_them_and_gather_them_in_groups() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (_, course) = school(&store, "lambda", "#00695c", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let mut admin = Browser::new(&state, &label);
        admin.sign_in("lambda", "admin@lambda.test").await;
        let people = admin.get("/t/lambda/admin/people").await;
        assert!(
            people
                .body
                .contains("action=\"/t/lambda/admin/people/import\""),
            "{label}: {}",
            people.body
        );
        assert!(
            people.body.contains("href=\"/t/lambda/admin/groups\""),
            "{label}"
        );

        // The import: a token first, then the file; each row's result shown.
        let csv = b"email,name,role\nnew@lambda.test,New <b>,student\nstudent@lambda.test,Again,student\nbad,Bad,student\nnew2@lambda.test,Two,instructor\n";
        let import = "/t/lambda/admin/people/import";
        let refused = admin.upload(import, csv, Some(""), false).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        let report = admin.upload(import, csv, None, false).await;
        assert_eq!(report.status, StatusCode::OK, "{label}: {}", report.body);
        assert!(
            report
                .body
                .contains("2 created, 1 already there, 1 refused."),
            "{label}: {}",
            report.body
        );
        assert!(report.body.contains("<td>4</td><td>bad</td>"), "{label}");
        let unreadable = admin.upload(import, b"name\nNobody\n", None, false).await;
        assert_eq!(unreadable.status, StatusCode::BAD_REQUEST, "{label}");
        assert!(unreadable.body.contains("import-file-problem"), "{label}");

        // Filters: a GET form, so links and the back button keep them.
        let instructors = admin.get("/t/lambda/admin/people?role=instructor").await;
        assert!(instructors.body.contains("new2@lambda.test"), "{label}");
        assert!(!instructors.body.contains("new@lambda.test<"), "{label}");
        let invited = admin
            .get("/t/lambda/admin/people?status=invited&role=")
            .await;
        assert!(invited.body.contains("new@lambda.test"), "{label}");
        assert!(!invited.body.contains("student@lambda.test"), "{label}");

        // Groups: create, add a member by address, enroll, remove, delete.
        let groups = admin.get("/t/lambda/admin/groups").await;
        assert_eq!(groups.status, StatusCode::OK, "{label}");
        let made = admin
            .post("/t/lambda/admin/groups", &[("name", "Cohort A")], None)
            .await;
        let group = made.location().to_owned();
        assert!(
            group.starts_with("/t/lambda/admin/groups/"),
            "{label}: {group}"
        );
        let taken = admin
            .post("/t/lambda/admin/groups", &[("name", "cohort a")], None)
            .await;
        assert_eq!(taken.status, StatusCode::CONFLICT, "{label}");
        let added = admin
            .post(
                &format!("{group}/members"),
                &[("email", "new@lambda.test")],
                None,
            )
            .await;
        assert_eq!(added.location(), group, "{label}");
        let unknown = admin
            .post(
                &format!("{group}/members"),
                &[("email", "ghost@lambda.test")],
                None,
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let page = admin.get(&group).await;
        assert!(
            page.body.contains("new@lambda.test"),
            "{label}: {}",
            page.body
        );
        let enrolled = admin
            .post(&format!("{group}/enroll"), &[("course", &course)], None)
            .await;
        assert!(
            enrolled
                .body
                .contains("1 enrolled, 0 enrolled already, 0 could not be enrolled."),
            "{label}: {}",
            enrolled.body
        );
        let member = page
            .body
            .split(&format!("action=\"{group}/members/"))
            .nth(1)
            .and_then(|rest| rest.split_once("/remove\""))
            .map(|(id, _)| id.to_owned())
            .unwrap_or_else(|| panic!("{label}: no remove form: {}", page.body));
        let removed = admin
            .post(&format!("{group}/members/{member}/remove"), &[], None)
            .await;
        assert_eq!(removed.location(), group, "{label}");
        assert!(
            admin
                .get(&group)
                .await
                .body
                .contains("Nobody in this group"),
            "{label}"
        );
        // Renamed from its page; a name another group has is refused above the forms.
        admin
            .post("/t/lambda/admin/groups", &[("name", "Cohort B")], None)
            .await;
        let renamed = admin
            .post(
                &format!("{group}/rename"),
                &[("name", "Cohort A1 <i>")],
                None,
            )
            .await;
        assert_eq!(renamed.location(), group, "{label}: {}", renamed.body);
        let page = admin.get(&group).await;
        assert!(
            page.body.contains("Cohort A1 &#60;i&#62;") && !page.body.contains("<i>"),
            "{label}: {}",
            page.body
        );
        let taken = admin
            .post(&format!("{group}/rename"), &[("name", "COHORT B")], None)
            .await;
        assert_eq!(
            taken.status,
            StatusCode::CONFLICT,
            "{label}: {}",
            taken.body
        );
        assert!(taken.body.contains("class=\"problem\""), "{label}");
        for bad in ["", "a\u{0}b", &"x".repeat(101)] {
            let refused = admin
                .post(&format!("{group}/rename"), &[("name", bad)], None)
                .await;
            assert!(
                refused.status.is_client_error(),
                "{label}: {bad:.10?}: {}",
                refused.status
            );
        }
        let forged = admin
            .post(&format!("{group}/rename"), &[("name", "Forged")], Some(""))
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");
        assert!(
            admin.get(&group).await.body.contains("Cohort A1"),
            "{label}"
        );
        let deleted = admin.post(&format!("{group}/delete"), &[], None).await;
        assert_eq!(deleted.location(), "/t/lambda/admin/groups", "{label}");
        assert_eq!(
            admin.get(&group).await.status,
            StatusCode::NOT_FOUND,
            "{label}"
        );
        let mut admin = admin.speaking("fr");
        let french = admin.get("/t/lambda/admin/groups").await;
        assert!(
            french.body.contains("Créer un groupe"),
            "{label}: {}",
            french.body
        );
    }
}

/// Delivers every pending event of `tenant`'s outbox, as the worker's dispatcher does.
async fn deliver_outbox(store: &Store, tenant: &lyceum_store::Tenant) {
    use lyceum_app::dispatch;
    let mut tx = store.begin_write(tenant).await.unwrap();
    dispatch::lock(&mut tx)
        .await
        .unwrap()
        .expect("the dispatch lock");
    let batch = dispatch::next_batch(&mut tx, 1_000).await.unwrap();
    dispatch::delivered(&mut tx, &batch).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn everyone_reads_the_recent_activity_they_may_watch() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (tenant, course) = school(&store, "kilo", "#37474f", 1).await;
        common::add_users(
            &store,
            &tenant,
            &[("other@kilo.test", PASSWORD, lyceum_domain::Role::Student)],
        )
        .await;
        let state = AppState::new(store.clone(), ServerConfig::unthrottled());

        let mut student = Browser::new(&state, &label);
        student.sign_in("kilo", "student@kilo.test").await;
        let enrolled = student
            .post(&format!("/t/kilo/courses/{course}/enroll"), &[], None)
            .await;
        assert_eq!(enrolled.status, StatusCode::SEE_OTHER, "{label}");
        // Nothing is shown before the dispatcher delivered it.
        let before = student.get("/t/kilo/activity").await;
        assert_eq!(before.status, StatusCode::OK, "{label}: {}", before.body);
        assert!(!before.body.contains("Learner enrolled"), "{label}");
        deliver_outbox(&store, &tenant).await;

        let mine = student.get("/t/kilo/activity").await;
        assert_eq!(mine.headers["cache-control"], "no-store", "{label}");
        assert!(mine.body.contains("/t/kilo/activity\">Activity"), "{label}");
        for seen in ["Learner enrolled", "Basics &#60;script&#62;"] {
            let seen_escaped = seen.replace("&#60;", "&lt;").replace("&#62;", "&gt;");
            assert!(
                mine.body.contains(seen) || mine.body.contains(&seen_escaped),
                "{label}: {seen}: {}",
                mine.body
            );
        }
        assert!(!mine.body.contains("<script>alert"), "{label}");
        // The teacher's making of the course is staff business, not the learner's.
        assert!(!mine.body.contains("Course created"), "{label}");

        let mut other = Browser::new(&state, &label);
        other.sign_in("kilo", "other@kilo.test").await;
        let theirs = other.get("/t/kilo/activity").await;
        assert_eq!(theirs.status, StatusCode::OK, "{label}");
        assert!(
            !theirs.body.contains("Learner enrolled"),
            "{label}: another learner's enrollment: {}",
            theirs.body
        );

        let mut admin = Browser::new(&state, &label);
        admin.sign_in("kilo", "admin@kilo.test").await;
        let all = admin.get("/t/kilo/activity").await;
        for seen in ["Learner enrolled", "Course created", "Lesson added"] {
            assert!(all.body.contains(seen), "{label}: {seen}: {}", all.body);
        }
        assert!(
            all.body.find("Learner enrolled") < all.body.find("Course created"),
            "{label}: newest first"
        );

        let mut french = Browser::new(&state, &label);
        french.languages = Some("fr");
        french.sign_in("kilo", "student@kilo.test").await;
        let en_francais = french.get("/t/kilo/activity").await;
        assert!(
            en_francais.body.contains("Apprenant inscrit"),
            "{label}: {}",
            en_francais.body
        );

        let away = Browser::new(&state, &label).get("/t/kilo/activity").await;
        assert_eq!(away.status, StatusCode::SEE_OTHER, "{label}");
    }
}

/// A `multipart/form-data` body of the upload form's fields: `csrf`, `purpose`, then `file`.
fn upload_form(csrf: &str, purpose: &str, name: &str, content_type: &str, file: &[u8]) -> Body {
    multipart_form(
        &[("csrf", csrf), ("purpose", purpose)],
        name,
        content_type,
        file,
    )
}

/// A `multipart/form-data` body of `fields`, then a `file` named `name`.
fn multipart_form(fields: &[(&str, &str)], name: &str, content_type: &str, file: &[u8]) -> Body {
    let boundary = "lyceum-test-boundary";
    let mut body = String::new();
    for (field, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    ));
    let mut body = body.into_bytes();
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    Body::from(body)
}

#[tokio::test]
async fn admins_upload_the_organisations_logo_and_every_page_shows_it() {
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H',
    ];
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        school(&store, "oscar", "#2e7d32", 1).await;
        school(&store, "papa", "#c62828", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let mut admin = Browser::new(&state, &label).speaking("en");
        admin.sign_in("oscar", "admin@oscar.test").await;
        let page = admin.get("/t/oscar/admin/settings").await;
        assert!(page.body.contains("No logo is uploaded"), "{label}");
        assert!(
            page.body.contains(
                "action=\"/t/oscar/admin/settings/logo\" enctype=\"multipart/form-data\""
            ),
            "{label}: {}",
            page.body
        );
        let logo_path = "/t/oscar/admin/settings/logo";
        let multipart = || {
            Request::post(logo_path).header(
                header::CONTENT_TYPE,
                "multipart/form-data; boundary=lyceum-test-boundary",
            )
        };
        let csrf = admin
            .cookies
            .get("lyceum_csrf")
            .cloned()
            .unwrap_or_default();
        // Without the page's token nothing is stored.
        let forged = multipart_form(&[("csrf", "forged")], "logo.png", "image/png", PNG);
        let refused = admin.send(multipart(), forged).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        // Something that is no image is refused on the page, next to the file.
        let script = multipart_form(&[("csrf", &csrf)], "logo.png", "image/png", b"<script>");
        let refused = admin.send(multipart(), script).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("id=\"file-problem\""),
            "{label}: {}",
            refused.body
        );
        // A learner may not.
        let mut student = Browser::new(&state, &label);
        student.sign_in("oscar", "student@oscar.test").await;
        let token = student
            .cookies
            .get("lyceum_csrf")
            .cloned()
            .unwrap_or_default();
        let theirs = multipart_form(&[("csrf", &token)], "logo.png", "image/png", PNG);
        let refused = student.send(multipart(), theirs).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");

        let logo = multipart_form(&[("csrf", &csrf)], "logo.png", "image/png", PNG);
        let stored = admin.send(multipart(), logo).await;
        assert_eq!(
            stored.location(),
            "/t/oscar/admin/settings#logo",
            "{label}: {}",
            stored.body
        );
        let logo_src = |page: &Page| {
            page.body
                .split("<a class=\"brand\" href=\"/t/oscar/\">")
                .nth(1)
                .and_then(|s| s.split("<img src=\"").nth(1))
                .and_then(|s| s.split('"').next())
                .map(str::to_owned)
        };
        // Every page's header shows it, to visitors too, and its address serves the image.
        let mut visitor = Browser::new(&state, &label);
        for page in [
            visitor.get("/t/oscar/").await,
            visitor.get("/t/oscar/sign-in").await,
            admin.get("/t/oscar/admin/settings").await,
        ] {
            let src = logo_src(&page).unwrap_or_else(|| panic!("{label}: no logo: {}", page.body));
            assert!(
                src.starts_with("/t/oscar/api/v1/branding/"),
                "{label}: {src}"
            );
            let got = visitor.get(&src).await;
            assert_eq!(got.status, StatusCode::OK, "{label}");
            assert_eq!(got.headers[header::CONTENT_TYPE], "image/png", "{label}");
        }
        // Not on another tenant's pages.
        assert!(
            logo_src(&visitor.get("/t/papa/").await).is_none(),
            "{label}"
        );
        let settings = admin.get("/t/oscar/admin/settings").await;
        assert!(
            settings.body.contains("Remove the uploaded logo"),
            "{label}"
        );

        // Removed, the header has no logo again.
        let removed = admin
            .post("/t/oscar/admin/settings/logo/remove", &[], None)
            .await;
        assert_eq!(
            removed.location(),
            "/t/oscar/admin/settings#logo",
            "{label}"
        );
        assert!(
            logo_src(&visitor.get("/t/oscar/").await).is_none(),
            "{label}"
        );
        let again = admin
            .post("/t/oscar/admin/settings/logo/remove", &[], None)
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{label}");
        assert!(again.is_html(), "{label}");
    }
}

#[tokio::test]
async fn course_staff_upload_files_in_the_builder_and_learners_see_the_images() {
    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H',
    ];
    for (config, _guard) in configs_on_every_placement().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (_, course) = school(&store, "north", "#2e7d32", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let mut teacher = Browser::new(&state, &label);
        teacher.sign_in("north", "teacher@north.test").await;

        // The builder links to the course's files, whose page has the upload form.
        let builder = teacher
            .get(&format!("/t/north/teach/courses/{course}"))
            .await;
        let files_path = format!("/t/north/teach/courses/{course}/files");
        assert!(
            builder.body.contains(&format!("href=\"{files_path}\"")),
            "{label}"
        );
        let page = teacher.get(&files_path).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(page.body.contains("enctype=\"multipart/form-data\""));

        let multipart = || {
            Request::post(&files_path).header(
                header::CONTENT_TYPE,
                "multipart/form-data; boundary=lyceum-test-boundary",
            )
        };
        let csrf = teacher
            .cookies
            .get("lyceum_csrf")
            .cloned()
            .unwrap_or_default();
        // Without the page's token, nothing is stored.
        let forged = upload_form("forged", "course_file", "a.png", "image/png", PNG);
        let refused = teacher.send(multipart(), forged).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{label}");
        assert!(refused.is_html());
        // Content that is not its declared type is refused on the page, which says why.
        let lying = upload_form(&csrf, "course_file", "a.png", "image/png", b"<html>");
        let refused = teacher.send(multipart(), lying).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("not of the type"),
            "{label}: {}",
            refused.body
        );
        // An image is stored, and listed with its reference.
        let image = upload_form(&csrf, "course_file", "../diagram <b>.png", "image/png", PNG);
        let stored = teacher.send(multipart(), image).await;
        assert_eq!(
            stored.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            stored.body
        );
        assert_eq!(stored.location(), files_path);
        let page = teacher.get(&files_path).await;
        assert!(
            page.body.contains("diagram &lt;b&gt;.png")
                || page.body.contains("diagram &#60;b&#62;.png"),
            "{label}: {}",
            page.body
        );
        let file = ids_after(&page, "file:")[0].clone();

        // A lesson shows it through a signed URL to an enrolled learner.
        let builder = teacher
            .get(&format!("/t/north/teach/courses/{course}"))
            .await;
        let lesson = ids_after(&builder, "/t/north/teach/lessons/")[0].clone();
        let reference = format!("file:{file}");
        let saved = teacher
            .post(
                &format!("/t/north/teach/lessons/{lesson}"),
                &[
                    ("title", "With a picture"),
                    ("kind", "text"),
                    ("block-0-type", "markdown"),
                    ("block-0-markdown", "Look:"),
                    ("block-1-type", "image"),
                    ("block-1-media", &reference),
                    ("block-1-alt", "A diagram"),
                ],
                None,
            )
            .await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            saved.body
        );
        let mut learner = Browser::new(&state, &label);
        learner.sign_in("north", "student@north.test").await;
        learner
            .post(&format!("/t/north/courses/{course}/enroll"), &[], None)
            .await;
        let shown = learner
            .get(&format!("/t/north/learn/lessons/{lesson}"))
            .await;
        assert_eq!(shown.status, StatusCode::OK, "{label}: {}", shown.body);
        let src = shown
            .body
            .split("src=\"")
            .skip(1)
            .map(|s| {
                s.split('"')
                    .next()
                    .unwrap()
                    .replace("&amp;", "&")
                    .replace("&#38;", "&")
            })
            .find(|s| s.starts_with(&format!("/t/north/api/v1/files/{file}/content?")))
            .unwrap_or_else(|| panic!("{label}: no signed image in {}", shown.body));
        let got = learner.get(&src).await;
        assert_eq!(got.status, StatusCode::OK, "{label}: {src}: {}", got.body);
        assert_eq!(got.body, String::from_utf8_lossy(PNG));
        assert_eq!(got.headers[header::CONTENT_TYPE], "image/png");

        // The teacher deletes it; it is gone from the list and from storage.
        let gone = teacher
            .post(&format!("/t/north/teach/files/{file}/delete"), &[], None)
            .await;
        assert_eq!(gone.location(), files_path, "{label}: {}", gone.body);
        assert!(!teacher.get(&files_path).await.body.contains(&reference));
        assert_eq!(learner.get(&src).await.status, StatusCode::NOT_FOUND);

        // A cover uploaded is the course's cover: on the builder, the catalog and the
        // course's page, through a signed address that serves the image.
        let builder_path = format!("/t/north/teach/courses/{course}");
        assert!(
            teacher
                .get(&builder_path)
                .await
                .body
                .contains("No cover image yet"),
            "{label}"
        );
        let cover = upload_form(&csrf, "course_cover", "cover.png", "image/png", PNG);
        let stored = teacher.send(multipart(), cover).await;
        assert_eq!(
            stored.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            stored.body
        );
        let cover_file = ids_after(&teacher.get(&files_path).await, "file:")[0].clone();
        let cover_src = |page: &Page| {
            page.body
                .split("<img class=\"cover\" src=\"")
                .nth(1)
                .map(|s| {
                    s.split('"')
                        .next()
                        .unwrap()
                        .replace("&amp;", "&")
                        .replace("&#38;", "&")
                })
        };
        let anonymous = Browser::new(&state, &label);
        let mut anonymous = anonymous;
        for (who, path) in [
            ("teacher", builder_path.clone()),
            ("visitor", "/t/north/".to_owned()),
            ("visitor", format!("/t/north/courses/{course}")),
        ] {
            let page = if who == "teacher" {
                teacher.get(&path).await
            } else {
                anonymous.get(&path).await
            };
            let src = cover_src(&page)
                .unwrap_or_else(|| panic!("{label}: no cover on {path}: {}", page.body));
            assert!(
                src.starts_with(&format!("/t/north/api/v1/files/{cover_file}/content?")),
                "{label}: {src}"
            );
            let got = anonymous.get(&src).await;
            assert_eq!(got.status, StatusCode::OK, "{label}: {path}");
            assert_eq!(got.headers[header::CONTENT_TYPE], "image/png", "{label}");
        }
        // A file that is no image is refused as a cover, and the cover stays.
        let text = upload_form(&csrf, "course_cover", "notes.txt", "text/plain", b"notes");
        let refused = teacher.send(multipart(), text).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            cover_src(&anonymous.get("/t/north/").await).is_some(),
            "{label}"
        );
        // Deleting the cover's file takes the cover away.
        teacher
            .post(
                &format!("/t/north/teach/files/{cover_file}/delete"),
                &[],
                None,
            )
            .await;
        assert!(
            cover_src(&anonymous.get("/t/north/").await).is_none(),
            "{label}"
        );
        assert!(
            teacher
                .get(&builder_path)
                .await
                .body
                .contains("No cover image yet"),
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_quiz_lesson_offers_no_way_to_mark_it_complete() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (_, course) = school(&store, "lima", "#4e342e", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let teacher = common::token(&state, "lima", "teacher@lima.test", PASSWORD).await;
        let api = async |path: String, body: serde_json::Value| {
            let (status, answer) = common::call(
                &state,
                "POST",
                &format!("/t/lima/api/v1{path}"),
                Some(&teacher),
                Some(body),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{label}: {path}: {answer}");
            answer["id"].as_str().unwrap().to_owned()
        };
        let module = api(
            format!("/courses/{course}/modules"),
            serde_json::json!({"title": "Check"}),
        )
        .await;
        let assessment = api(
            format!("/courses/{course}/assessments"),
            serde_json::json!({"kind": "quiz", "title": "Check", "passing_percent": 50}),
        )
        .await;
        api(
            format!("/assessments/{assessment}/questions"),
            serde_json::json!({"prompt": "Sure?", "points": 1, "key": {"type": "true_false", "correct": true}}),
        )
        .await;
        let lesson = api(
            format!("/modules/{module}/lessons"),
            serde_json::json!({"title": "The quiz", "kind": "quiz", "content": [
                {"type": "assessment", "assessment_id": assessment}
            ]}),
        )
        .await;

        let mut student = Browser::new(&state, &label);
        student.sign_in("lima", "student@lima.test").await;
        let enrolled = student
            .post(&format!("/t/lima/courses/{course}/enroll"), &[], None)
            .await;
        assert_eq!(enrolled.status, StatusCode::SEE_OTHER, "{label}");
        let page = student
            .get(&format!("/t/lima/learn/lessons/{lesson}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(
            !page
                .body
                .contains(&format!("/learn/lessons/{lesson}/complete")),
            "{label}: {}",
            page.body
        );
        assert!(
            page.body
                .contains("You complete this lesson by passing its quiz."),
            "{label}: {}",
            page.body
        );
        // Posting the form anyway is refused with a page, and completes nothing.
        let forced = student
            .post(
                &format!("/t/lima/learn/lessons/{lesson}/complete"),
                &[],
                None,
            )
            .await;
        assert_eq!(forced.status, StatusCode::CONFLICT, "{label}");
        assert!(forced.is_html(), "{label}");
    }
}

#[tokio::test]
async fn staff_keep_the_gradebook_and_learners_read_their_own_grades_in_the_portal() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (_, course) = school(&store, "mike", "#1b5e20", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let teacher = common::token(&state, "mike", "teacher@mike.test", PASSWORD).await;
        let student = common::token(&state, "mike", "student@mike.test", PASSWORD).await;
        let call = async |token: &str, method: &str, path: String, body: serde_json::Value| {
            let (status, answer) = common::call(
                &state,
                method,
                &format!("/t/mike/api/v1{path}"),
                Some(token),
                Some(body),
            )
            .await;
            assert!(status.is_success(), "{label}: {path}: {status} {answer}");
            answer
        };
        let quiz = call(
            &teacher,
            "POST",
            format!("/courses/{course}/assessments"),
            serde_json::json!({"kind": "quiz", "title": "Weekly <b>check</b>"}),
        )
        .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        call(
            &teacher,
            "POST",
            format!("/assessments/{quiz}/questions"),
            serde_json::json!({"prompt": "Sure?", "points": 1, "key": {"type": "true_false", "correct": true}}),
        )
        .await;
        call(
            &student,
            "POST",
            format!("/courses/{course}/enroll"),
            serde_json::json!({}),
        )
        .await;
        let attempt = call(
            &student,
            "POST",
            format!("/assessments/{quiz}/attempts"),
            serde_json::json!({}),
        )
        .await;
        let question = attempt["questions"][0]["id"].clone();
        call(
            &student,
            "POST",
            format!("/assessments/{quiz}/submissions"),
            serde_json::json!({"answers": [{"question_id": question, "answer": {"type": "true_false", "value": true}}]}),
        )
        .await;

        // The teacher finds the gradebook from the builder.
        let mut staff = Browser::new(&state, &label);
        staff.sign_in("mike", "teacher@mike.test").await;
        let builder = staff.get(&format!("/t/mike/teach/courses/{course}")).await;
        let gradebook = format!("/t/mike/teach/courses/{course}/gradebook");
        let grading = format!("/t/mike/teach/courses/{course}/grade-categories");
        assert!(
            builder.body.contains(&gradebook),
            "{label}: {}",
            builder.body
        );
        assert!(builder.body.contains(&grading), "{label}");
        let page = staff.get(&gradebook).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(
            page.body.contains("Weekly &#60;b&#62;check&#60;/b&#62;"),
            "{label}: {}",
            page.body
        );
        assert!(page.body.contains("100%"), "{label}: {}", page.body);
        assert!(page.body.contains(&format!("{gradebook}.csv")), "{label}");
        let analysis = format!("/t/mike/teach/assessments/{quiz}/item-analysis");
        assert!(page.body.contains(&analysis), "{label}");
        let csv = staff.get(&format!("{gradebook}.csv")).await;
        assert_eq!(csv.status, StatusCode::OK, "{label}");
        assert_eq!(csv.headers[header::CACHE_CONTROL], "no-store", "{label}");
        assert!(
            csv.body.contains("Weekly <b>check</b> (%)"),
            "{label}: {}",
            csv.body
        );
        let items = staff.get(&analysis).await;
        assert_eq!(items.status, StatusCode::OK, "{label}: {}", items.body);
        assert!(
            items.body.contains("Sure?") && items.body.contains("Difficulty"),
            "{label}"
        );

        // Categories: a bad weight is refused on the page, nothing stored; a good one saved.
        let editor = staff.get(&grading).await;
        assert_eq!(editor.status, StatusCode::OK, "{label}: {}", editor.body);
        let add = format!("{grading}/new");
        let refused = staff
            .post(
                &add,
                &[("name", "Quizzes"), ("weight", "-3"), ("assessment", &quiz)],
                None,
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused
                .body
                .contains("A weight is a number from 0 to 1,000."),
            "{label}: {}",
            refused.body
        );
        assert!(
            !refused.body.contains("/teach/grade-categories/"),
            "{label}: stored"
        );
        let forged = staff
            .post(
                &add,
                &[("name", "Quizzes"), ("weight", "40")],
                Some("forged"),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}");
        let added = staff
            .post(
                &add,
                &[("name", "Quizzes"), ("weight", "40"), ("assessment", &quiz)],
                None,
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            added.body
        );
        let editor = staff.get(&grading).await;
        let category = form_target(&editor, "/t/mike/teach/grade-categories/");
        assert!(editor.body.contains("checked"), "{label}: {}", editor.body);
        let renamed = staff
            .post(
                &category,
                &[
                    ("name", "Weekly quizzes"),
                    ("weight", "12,5"),
                    ("position", "1"),
                ],
                None,
            )
            .await;
        assert_eq!(
            renamed.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            renamed.body
        );
        let settings = staff
            .post(
                &grading,
                &[("passing_percent", "50"), ("missing_counts_as_zero", "on")],
                None,
            )
            .await;
        assert_eq!(
            settings.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            settings.body
        );
        let page = staff.get(&gradebook).await;
        assert!(
            page.body.contains("Weekly quizzes"),
            "{label}: {}",
            page.body
        );
        assert!(page.body.contains("passed"), "{label}: {}", page.body);
        // The default letter scale: 100 % is an A.
        assert!(
            page.body.contains("<strong>A</strong>"),
            "{label}: {}",
            page.body
        );

        // An assignment is a column, its title opening the course's grading queue.
        call(
            &teacher,
            "POST",
            format!("/courses/{course}/assessments"),
            serde_json::json!({"kind": "assignment", "title": "Field report"}),
        )
        .await;
        let page = staff.get(&gradebook).await;
        assert!(
            page.body.contains("Field report")
                && page
                    .body
                    .contains(&format!("/t/mike/teach/courses/{course}/grading\"")),
            "{label}: {}",
            page.body
        );

        // The letter scale: refused on the page when the bands do not hold, else saved.
        let refused = staff
            .post(&grading, &[("letter_scale", "A 90\nB 95")], None)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("The letter scale cannot be saved"),
            "{label}: {}",
            refused.body
        );
        let saved = staff
            .post(
                &grading,
                &[
                    ("passing_percent", "50"),
                    ("letter_scale", "Pass 50\r\nFail 0"),
                ],
                None,
            )
            .await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            saved.body
        );
        let editor = staff.get(&grading).await;
        assert!(
            editor.body.contains("Pass 50\nFail 0"),
            "{label}: {}",
            editor.body
        );

        // The learner reads their grades from the course outline, and nobody else's.
        let mut learner = Browser::new(&state, &label);
        learner.sign_in("mike", "student@mike.test").await;
        let outline = learner
            .get(&format!("/t/mike/learn/courses/{course}"))
            .await;
        let mine = format!("/t/mike/learn/courses/{course}/grades");
        assert!(outline.body.contains(&mine), "{label}: {}", outline.body);
        let page = learner.get(&mine).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(
            page.body.contains("Course grade: 100%") && page.body.contains("Letter: Pass"),
            "{label}: {}",
            page.body
        );
        assert!(page.body.contains("Field report"), "{label}: {}", page.body);
        assert!(!page.body.contains("teacher@mike.test"), "{label}");
        for path in [&gradebook, &grading, &analysis] {
            let refused = learner.get(path).await;
            assert!(refused.status.is_client_error(), "{label}: {path}");
            assert!(refused.is_html(), "{label}: {path}");
        }
        let deleted = staff.post(&format!("{category}/delete"), &[], None).await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{label}");
    }
}

/// The value of the hidden field `name` on a page.
fn hidden_value(page: &Page, name: &str) -> String {
    attribute_after(&page.body, &format!("name=\"{name}\" value=\""))
}

#[tokio::test]
async fn instructors_edit_an_assignments_rubric_in_the_portal_and_read_its_averages() {
    for (config, _guard) in configs_on_each_engine().await {
        let label = label(&config);
        let store = Store::open(config).await.unwrap();
        let (_, course) = school(&store, "mike", "#1565c0", 1).await;
        let (_, _) = school(&store, "november", "#4e342e", 1).await;
        let state = AppState::new(store, ServerConfig::unthrottled());
        let teacher_token = common::token(&state, "mike", "teacher@mike.test", PASSWORD).await;
        let api =
            async |method: &str, path: String, token: &str, body: Option<serde_json::Value>| {
                common::call(
                    &state,
                    method,
                    &format!("/t/mike/api/v1{path}"),
                    Some(token),
                    body,
                )
                .await
            };
        let (status, made) = api(
            "POST",
            format!("/courses/{course}/assessments"),
            &teacher_token,
            Some(
                serde_json::json!({"kind": "assignment", "title": "Essay", "passing_percent": 50}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{label}: {made}");
        let assignment = made["id"].as_str().unwrap().to_owned();
        let editor = format!("/t/mike/teach/assignments/{assignment}");
        let saved_settings = async || {
            let (status, view) = api(
                "GET",
                format!("/assessments/{assignment}/assignment"),
                &teacher_token,
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{label}: {view}");
            view
        };

        // The grading page links the editor and the averages; the assignment page, seen by
        // its staff, links the editor too.
        let mut teacher = Browser::new(&state, &label);
        teacher.sign_in("mike", "teacher@mike.test").await;
        let grading = teacher
            .get(&format!("/t/mike/teach/courses/{course}/grading"))
            .await;
        assert_eq!(grading.status, StatusCode::OK, "{label}: {}", grading.body);
        assert!(
            grading.body.contains(&format!("href=\"{editor}\"")),
            "{label}"
        );
        assert!(
            grading.body.contains(&format!(
                "href=\"/t/mike/teach/courses/{course}/rubric-averages\""
            )),
            "{label}"
        );
        let preview = teacher
            .get(&format!("/t/mike/learn/assignments/{assignment}"))
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{label}: {}", preview.body);
        assert!(
            preview.body.contains(&format!("href=\"{editor}\"")),
            "{label}"
        );

        // The editor of a new assignment: the default text answer, one blank criterion.
        let form = teacher.get(&editor).await;
        assert_eq!(form.status, StatusCode::OK, "{label}: {}", form.body);
        assert!(
            form.is_html() && form.body.contains("name=\"csrf\""),
            "{label}"
        );
        assert!(form.body.contains("name=\"c0-l3-title\""), "{label}");
        assert!(!form.body.contains("name=\"c1-title\""), "{label}");
        assert_eq!(
            form.headers.get(header::CACHE_CONTROL).unwrap(),
            "no-store",
            "{label}"
        );

        // A rubric of one criterion and two levels (a third row left blank, a second criterion
        // left blank), files and a link; the API reads what the form saved.
        let first = [
            ("prompt", "Write about **fire** <script>alert(1)</script>"),
            ("text", "on"),
            ("text_max_chars", "5000"),
            ("link", "on"),
            ("files", "on"),
            ("file_types", "application/pdf"),
            ("file_types", "image/png"),
            ("max_mb", "2,5"),
            ("max_files", "3"),
            ("c0-id", ""),
            ("c0-title", "Clarity <b>now</b>"),
            ("c0-description", "Is it clear?"),
            ("c0-l0-id", ""),
            ("c0-l0-title", "Poor"),
            ("c0-l0-points", "0"),
            ("c0-l0-description", ""),
            ("c0-l1-id", ""),
            ("c0-l1-title", "Great"),
            ("c0-l1-points", "2,5"),
            ("c0-l1-description", "Crisp"),
            ("c0-l2-id", ""),
            ("c0-l2-title", ""),
            ("c0-l2-points", ""),
            ("c1-id", ""),
            ("c1-title", ""),
            ("c1-l0-title", ""),
            ("c1-l0-points", ""),
        ];
        let saved = teacher.post(&editor, &first, None).await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            saved.body
        );
        assert_eq!(saved.location(), editor, "{label}");
        let view = saved_settings().await;
        assert_eq!(
            view["rubric"].as_array().unwrap().len(),
            1,
            "{label}: {view}"
        );
        assert_eq!(view["rubric"][0]["title"], "Clarity <b>now</b>", "{label}");
        assert_eq!(view["rubric"][0]["levels"][1]["points"], 2.5, "{label}");
        assert_eq!(view["max_score"], 2.5, "{label}");
        assert_eq!(view["artifacts"]["text"]["max_chars"], 5000, "{label}");
        assert_eq!(view["artifacts"]["link"], true, "{label}");
        assert_eq!(
            view["artifacts"]["files"],
            serde_json::json!({"types": ["application/pdf", "image/png"], "max_bytes": 2_621_440, "max_files": 3}),
            "{label}"
        );
        assert!(
            !view["prompt_html"].as_str().unwrap().contains("<script"),
            "{label}"
        );
        let criterion = view["rubric"][0]["id"].as_str().unwrap().to_owned();
        let great = view["rubric"][0]["levels"][1]["id"]
            .as_str()
            .unwrap()
            .to_owned();

        // The editor again: the saved rows (markup escaped), a blank level row, a new criterion.
        let form = teacher.get(&editor).await;
        assert!(
            form.body
                .contains("value=\"Clarity &#60;b&#62;now&#60;/b&#62;\"")
                || form
                    .body
                    .contains("value=\"Clarity &lt;b&gt;now&lt;/b&gt;\""),
            "{label}: {}",
            form.body
        );
        assert!(!form.body.contains("<b>now</b>"), "{label}");
        assert_eq!(hidden_value(&form, "c0-id"), criterion, "{label}");
        assert_eq!(hidden_value(&form, "c0-l1-id"), great, "{label}");
        assert!(form.body.contains("name=\"c0-l2-title\""), "{label}");
        assert!(form.body.contains("name=\"c1-l3-title\""), "{label}");

        // Bad input comes back on the form as typed, with a message next to its field, and
        // changes nothing.
        let mut bad: Vec<(&str, &str)> = first.to_vec();
        let criterion_id = criterion.as_str();
        bad.retain(|(name, _)| *name != "c0-id");
        bad.push(("c0-id", criterion_id));
        let points = bad.iter().position(|(n, _)| *n == "c0-l1-points").unwrap();
        bad[points].1 = "lots";
        let refused = teacher.post(&editor, &bad, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.is_html(), "{label}");
        assert!(
            refused.body.contains("id=\"c0-l1-points-problem\""),
            "{label}: {}",
            refused.body
        );
        assert!(refused.body.contains("value=\"lots\""), "{label}");
        bad[points].1 = "1001";
        let refused = teacher.post(&editor, &bad, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("id=\"c0-l1-points-problem\"")
                && refused.body.contains("Points are a number from 0 to 1,000"),
            "{label}: {}",
            refused.body
        );
        bad[points].1 = "2";
        let untitled = bad.iter().position(|(n, _)| *n == "c1-l0-points").unwrap();
        bad[untitled].1 = "4";
        let refused = teacher.post(&editor, &bad, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("id=\"c1-l0-title-problem\""),
            "{label}: a level with points needs a title: {}",
            refused.body
        );
        bad[untitled].1 = "";
        let huge = "x".repeat(60_000);
        let prompt = bad.iter().position(|(n, _)| *n == "prompt").unwrap();
        bad[prompt].1 = &huge;
        let refused = teacher.post(&editor, &bad, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(refused.body.contains("id=\"prompt-problem\""), "{label}");
        bad[prompt].1 = "fine";
        let count = bad.iter().position(|(n, _)| *n == "max_files").unwrap();
        bad[count].1 = "many";
        let refused = teacher.post(&editor, &bad, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("id=\"max_files-problem\"")
                && refused.body.contains("Files per version is a whole number"),
            "{label}: {}",
            refused.body
        );
        bad[count].1 = "3";
        bad.retain(|(name, _)| *name != "file_types");
        let refused = teacher.post(&editor, &bad, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("id=\"file_types-problem\""),
            "{label}: {}",
            refused.body
        );
        bad.retain(|(name, _)| !["text", "link", "files"].contains(name));
        let refused = teacher.post(&editor, &bad, None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            refused.body.contains("id=\"artifacts-problem\""),
            "{label}: {}",
            refused.body
        );
        // Each setting the use case refuses comes back next to its own input, placed by the
        // refusal's typed setting, with that setting's own message; nothing is saved.
        let valid = [
            ("prompt", "fine"),
            ("text", "on"),
            ("text_max_chars", "5000"),
            ("files", "on"),
            ("file_types", "application/pdf"),
            ("max_mb", "2"),
            ("max_files", "3"),
        ];
        let settings_refused = [
            (
                "text_max_chars",
                "0",
                "The longest text answer is a whole number",
            ),
            (
                "text_max_chars",
                "100001",
                "The longest text answer is a whole number",
            ),
            ("max_mb", "101", "The largest file is a number of MB"),
            ("max_mb", "0", "The largest file is a number of MB"),
            ("max_files", "21", "Files per version is a whole number"),
            ("max_files", "0", "Files per version is a whole number"),
            ("file_types", "text/html", "Tick at least one file type"),
            (
                "prompt",
                "a\u{1}b",
                "The prompt holds at most 50,000 characters",
            ),
        ];
        for (field, value, words) in settings_refused {
            let mut typed = valid.to_vec();
            typed.iter_mut().find(|(name, _)| *name == field).unwrap().1 = value;
            let refused = teacher.post(&editor, &typed, None).await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{label}: {field}={value}"
            );
            let problem = format!("<p class=\"problem\" id=\"{field}-problem\">{words}");
            assert!(
                refused.body.contains(&problem)
                    && refused
                        .body
                        .contains(&format!("aria-describedby=\"{field}-problem\"")),
                "{label}: {field}={value} is shown next to its input: {}",
                refused.body
            );
            assert_eq!(
                refused.body.matches("class=\"problem\"").count(),
                1,
                "{label}: {field}={value} is shown once"
            );
        }
        assert_eq!(saved_settings().await, view, "{label}: nothing changed");
        let nul = teacher
            .post(&editor, &[("prompt", "a\0b"), ("text", "on")], None)
            .await;
        assert_eq!(
            nul.status,
            StatusCode::BAD_REQUEST,
            "{label}: a NUL is refused"
        );
        let forged = teacher
            .post(
                &editor,
                &[("prompt", "forged"), ("text", "on")],
                Some("forged"),
            )
            .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{label}: CSRF");
        assert_eq!(saved_settings().await, view, "{label}: nothing changed");

        // A second save: rename the criterion, remove the poor level by its box, add a level
        // and a criterion in the blank rows. Ids of rows kept stay.
        let poor = view["rubric"][0]["levels"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let second = [
            ("prompt", "Write about fire."),
            ("text", "on"),
            ("text_max_chars", "5000"),
            ("c0-id", criterion.as_str()),
            ("c0-title", "Clarity"),
            ("c0-l0-id", poor.as_str()),
            ("c0-l0-title", "Poor"),
            ("c0-l0-points", "0"),
            ("c0-l0-remove", "on"),
            ("c0-l1-id", great.as_str()),
            ("c0-l1-title", "Great"),
            ("c0-l1-points", "4"),
            ("c0-l2-id", ""),
            ("c0-l2-title", "Fair"),
            ("c0-l2-points", "1.5"),
            ("c1-id", ""),
            ("c1-title", "Sources"),
            ("c1-l0-id", ""),
            ("c1-l0-title", "None"),
            ("c1-l0-points", "0"),
            ("c1-l1-id", ""),
            ("c1-l1-title", "Many"),
            ("c1-l1-points", "3"),
        ];
        let saved = teacher.post(&editor, &second, None).await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{label}: {}",
            saved.body
        );
        let view = saved_settings().await;
        let rubric = view["rubric"].as_array().unwrap();
        assert_eq!(rubric.len(), 2, "{label}: {view}");
        assert_eq!(rubric[0]["id"], criterion.as_str(), "{label}");
        let levels: Vec<&str> = rubric[0]["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["title"].as_str().unwrap())
            .collect();
        assert_eq!(levels, ["Great", "Fair"], "{label}");
        assert_eq!(rubric[0]["levels"][0]["id"], great.as_str(), "{label}");
        assert_eq!(rubric[1]["title"], "Sources", "{label}");
        assert_eq!(view["max_score"], 7.0, "{label}");
        assert_eq!(
            view["artifacts"]["files"],
            serde_json::Value::Null,
            "{label}"
        );
        let sources = rubric[1]["id"].as_str().unwrap().to_owned();
        let many = rubric[1]["levels"][1]["id"].as_str().unwrap().to_owned();

        // A learner hands work in; it is graded; the averages page shows it.
        let mut student = Browser::new(&state, &label);
        student.sign_in("mike", "student@mike.test").await;
        let enrolled = student
            .post(&format!("/t/mike/courses/{course}/enroll"), &[], None)
            .await;
        assert_eq!(enrolled.status, StatusCode::SEE_OTHER, "{label}");
        let student_token = common::token(&state, "mike", "student@mike.test", PASSWORD).await;
        let (status, work) = api(
            "PUT",
            format!("/assessments/{assignment}/my-submission"),
            &student_token,
            Some(serde_json::json!({"text": "Keep exits clear."})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{label}: {work}");
        let version = work["versions"][0]["id"].as_str().unwrap().to_owned();
        let (status, work) = api(
            "POST",
            format!("/assessments/{assignment}/my-submission/submit"),
            &student_token,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{label}: {work}");
        let (status, graded) = api(
            "POST",
            format!("/assignment-submissions/{version}/grade"),
            &teacher_token,
            Some(serde_json::json!({"criteria": [
                {"criterion": criterion, "level": great},
                {"criterion": sources, "level": many, "points": 1.5}
            ]})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{label}: {graded}");
        let averages = format!("/t/mike/teach/courses/{course}/rubric-averages");
        let page = teacher.get(&averages).await;
        assert_eq!(page.status, StatusCode::OK, "{label}: {}", page.body);
        assert!(
            page.body.contains("<td>Clarity</td>"),
            "{label}: {}",
            page.body
        );
        assert!(
            page.body.contains("4 of 4 (100%)"),
            "{label}: {}",
            page.body
        );
        assert!(
            page.body.contains("1.5 of 3 (50%)"),
            "{label}: {}",
            page.body
        );
        let french = {
            let mut french = Browser::new(&state, &label).speaking("fr");
            french.sign_in("mike", "teacher@mike.test").await;
            french.get(&averages).await
        };
        assert!(
            french.body.contains("1,5 sur 3"),
            "{label}: {}",
            french.body
        );

        // A learner reaches neither the editor nor the averages, and cannot save.
        let denied = student.get(&editor).await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&denied.status),
            "{label}: {}",
            denied.status
        );
        assert!(
            denied.is_html() && !denied.body.contains("name=\"c0-title\""),
            "{label}"
        );
        let denied = student
            .post(
                &editor,
                &[("prompt", "mine"), ("text", "on"), ("text_max_chars", "10")],
                None,
            )
            .await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&denied.status),
            "{label}: {}",
            denied.status
        );
        let denied = student.get(&averages).await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&denied.status),
            "{label}: {}",
            denied.status
        );
        assert_eq!(
            saved_settings().await,
            view,
            "{label}: the learner changed nothing"
        );

        // Another tenant's instructor finds neither.
        let mut stranger = Browser::new(&state, &label);
        stranger.sign_in("november", "teacher@november.test").await;
        let foreign = stranger
            .get(&format!("/t/november/teach/assignments/{assignment}"))
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{label}");
        let foreign = stranger
            .post(
                &format!("/t/november/teach/assignments/{assignment}"),
                &[
                    ("prompt", "theirs"),
                    ("text", "on"),
                    ("text_max_chars", "10"),
                ],
                None,
            )
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{label}");
        let foreign = stranger
            .get(&format!(
                "/t/november/teach/courses/{course}/rubric-averages"
            ))
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{label}");
        assert_eq!(saved_settings().await, view, "{label}: nothing changed");
    }
}
