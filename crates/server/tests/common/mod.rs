//! Helpers for HTTP tests: a request through the real router, tenants with users, sign-in, and
//! [`world::World`], a store on one engine and placement with a typed client.
#![allow(dead_code)] // each test file uses a different subset

pub mod world;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use lyceum_app::learning::content::{self, LessonInput};
use lyceum_app::learning::courses::{self, CourseDraft, CourseInput};
use lyceum_app::Actor;
use lyceum_domain::{CourseSlug, Email, LessonKind, Plan, Role, Slug};
use lyceum_server::{app, AppState};
use lyceum_store::repo::users;
use lyceum_store::{testing, NewTenant, Store, Tenant};
use serde_json::{json, Value};
use tower::ServiceExt;

pub async fn call(
    state: &AppState,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = app(state.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A tenant on the free plan with the given users (e-mail, password, role) and settings.
pub async fn tenant_with_users(
    store: &Store,
    slug: &str,
    settings: Value,
    people: &[(&str, &str, Role)],
) -> Tenant {
    let tenant = provision(store, slug, Plan::Free, settings).await;
    add_users(store, &tenant, people).await;
    tenant
}

/// A tenant on `plan` with the given settings, in the store's default placement.
pub async fn provision(store: &Store, slug: &str, plan: Plan, settings: Value) -> Tenant {
    let mut new = NewTenant::new(Slug::parse(slug).unwrap(), slug);
    new.settings = settings;
    new.plan = plan;
    store.provision(new).await.unwrap()
}

/// Active users (e-mail, password, role) in `tenant`, named `"{role} of {slug}"`, in one
/// transaction.
pub async fn add_users(
    store: &Store,
    tenant: &Tenant,
    people: &[(&str, &str, Role)],
) -> Vec<users::User> {
    let mut tx = store.begin_write(tenant).await.unwrap();
    let mut made = Vec::new();
    for (email, password, role) in people {
        let user = users::NewUser {
            email: Email::parse(email).unwrap(),
            display_name: format!("{role} of {}", tenant.slug),
            role: *role,
            password_hash: Some(
                lyceum_app::identity::passwords::hash((*password).to_owned())
                    .await
                    .unwrap(),
            ),
        };
        made.push(users::insert(&mut tx, &user).await.unwrap());
    }
    tx.commit().await.unwrap();
    made
}

pub async fn login(
    state: &AppState,
    slug: &str,
    email: &str,
    password: &str,
) -> (StatusCode, Value) {
    let body = json!({"email": email, "password": password});
    call(
        state,
        "POST",
        &format!("/t/{slug}/api/v1/auth/login"),
        None,
        Some(body),
    )
    .await
}

/// The access token of a user who must be able to sign in.
pub async fn token(state: &AppState, slug: &str, email: &str, password: &str) -> String {
    let (status, body) = login(state, slug, email, password).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "sign-in of {email} at {slug}: {body}"
    );
    body["access_token"].as_str().unwrap().to_owned()
}

/// A request through the real router, answering status, headers and JSON body.
pub async fn send(
    state: &AppState,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    send_through(&app(state.clone()), request).await
}

/// Like [`send`], through a router built once (building one per request takes longer than a
/// rate-limit bucket takes to earn a request back on a loaded machine).
pub async fn send_through(
    router: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, body)
}

/// Two lists of `(method, path)` routes name the same routes: each of `left` is in `right`
/// (else `missing_from_right`), and each of `right` in `left` (else `missing_from_left`).
pub fn assert_same_routes(
    left: &[(String, String)],
    right: &[(String, String)],
    missing_from_right: &str,
    missing_from_left: &str,
) {
    for (method, path) in left {
        assert!(
            right.contains(&(method.clone(), path.clone())),
            "{method} {path} {missing_from_right}"
        );
    }
    for (method, path) in right {
        assert!(
            left.contains(&(method.clone(), path.clone())),
            "{method} {path} {missing_from_left}"
        );
    }
}

/// One store configuration per engine and PostgreSQL placement: SQLite, and PostgreSQL with
/// new tenants in the shared pool, in schemas of their own, and in databases of their own.
pub async fn configs_on_every_placement() -> Vec<(lyceum_store::StoreConfig, testing::TestGuard)> {
    let mut configs = vec![testing::sqlite_config()];
    for placement in lyceum_domain::Placement::ALL {
        let (mut config, guard) = testing::postgres_config().await;
        config.default_placement = Some(placement);
        configs.push((config, guard));
    }
    configs
}

/// The password of the portal tests' people.
pub const PORTAL_PASSWORD: &str = "portal password 1";

/// A tenant with an admin, an instructor and a student, and a published course of `lessons`
/// lessons (the title carries markup, which pages must escape).
pub async fn school(store: &Store, slug: &str, colour: &str, lessons: usize) -> (Tenant, String) {
    let settings = serde_json::json!({"branding": {"primary_color": colour}});
    school_with(store, slug, settings, lessons).await
}

/// A school as [`school`] makes it, with the given tenant settings.
pub async fn school_with(
    store: &Store,
    slug: &str,
    settings: Value,
    lessons: usize,
) -> (Tenant, String) {
    let people = [
        (format!("admin@{slug}.test"), Role::Admin),
        (format!("teacher@{slug}.test"), Role::Instructor),
        (format!("student@{slug}.test"), Role::Student),
    ];
    let people: Vec<(&str, &str, Role)> = people
        .iter()
        .map(|(email, role)| (email.as_str(), PORTAL_PASSWORD, *role))
        .collect();
    let tenant = provision(store, slug, Plan::Pro, settings).await;
    let made = add_users(store, &tenant, &people).await;
    let teacher = &made[1];
    let mut tx = store.begin_write(&tenant).await.unwrap();
    let teacher = Actor {
        user: teacher.id,
        role: teacher.role,
        plan: tenant.plan,
        origin: lyceum_domain::Origin::default(),
    };
    let input = CourseInput {
        draft: CourseDraft {
            slug: CourseSlug::parse("basics").unwrap(),
            title: "Basics <script>alert(1)</script>".into(),
            description: "Start here & learn".into(),
            cover_image: None,
            max_enrollment: None,
            settings: serde_json::json!({}),
        },
        instructors: None,
        prerequisites: None,
    };
    let course = courses::create(&mut tx, &teacher, &input)
        .await
        .unwrap()
        .course;
    let module = content::add_module(&mut tx, &teacher, course.id, "Module one", None)
        .await
        .unwrap();
    for l in 0..lessons {
        let lesson = LessonInput {
            title: format!("Lesson {l}"),
            kind: LessonKind::Text,
            content: serde_json::json!([{"type": "markdown", "markdown": format!("# Part {l}\n\n<img src=x onerror=alert(1)> text")}]),
            duration_seconds: None,
            release_rule: None,
        };
        let draft = lesson.draft().await.unwrap();
        content::add_lesson(&mut tx, &teacher, module.id, &draft)
            .await
            .unwrap();
    }
    courses::publish(&mut tx, &teacher, course.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (tenant, course.id.to_string())
}
