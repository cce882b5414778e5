//! Courses, content, enrollment, progress and certificates over HTTP through the real router,
//! two tenants with data, both engines: scope rules, every endpoint across tenants, completion
//! roll-up for each completion rule, prerequisites, plan limits, pagination under inserts,
//! ETags, events, and bad input.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{call, send, tenant_on_plan, token};
use lyceum_domain::{Plan, Role};
use lyceum_server::{AppState, ServerConfig};
use lyceum_store::repo::outbox;
use lyceum_store::{testing, Store, Tenant};
use serde_json::{json, Value};

const PW: &str = "a long passphrase";

struct Tokens {
    admin: String,
    teacher: String,
    other_teacher: String,
    student: String,
    student2: String,
}

struct World {
    state: AppState,
    acme: Tenant,
    acme_tokens: Tokens,
    globex: Tokens,
    _guard: testing::TestGuard,
}

async fn tenant(store: &Store, slug: &str, plan: Plan) -> Tenant {
    let emails: Vec<(String, Role)> = [
        ("admin", Role::Admin),
        ("teacher", Role::Instructor),
        ("other", Role::Instructor),
        ("student", Role::Student),
        ("student2", Role::Student),
    ]
    .iter()
    .map(|(name, role)| (format!("{name}@{slug}.test"), *role))
    .collect();
    let people: Vec<(&str, &str, Role)> = emails
        .iter()
        .map(|(email, role)| (email.as_str(), PW, *role))
        .collect();
    tenant_on_plan(store, slug, plan, json!({}), &people).await
}

async fn tokens(state: &AppState, slug: &str) -> Tokens {
    let t = |name: &str| format!("{name}@{slug}.test");
    Tokens {
        admin: token(state, slug, &t("admin"), PW).await,
        teacher: token(state, slug, &t("teacher"), PW).await,
        other_teacher: token(state, slug, &t("other"), PW).await,
        student: token(state, slug, &t("student"), PW).await,
        student2: token(state, slug, &t("student2"), PW).await,
    }
}

async fn worlds_on(plan: Plan) -> Vec<World> {
    worlds_of(
        vec![testing::sqlite_config(), testing::postgres_config().await],
        plan,
    )
    .await
}

/// One world per engine and PostgreSQL placement (see [`common::configs_on_every_placement`]).
async fn worlds_on_every_placement() -> Vec<World> {
    worlds_of(common::configs_on_every_placement().await, Plan::Pro).await
}

async fn worlds_of(
    configs: Vec<(lyceum_store::StoreConfig, testing::TestGuard)>,
    plan: Plan,
) -> Vec<World> {
    let mut out = Vec::new();
    for (config, guard) in configs {
        let store = Store::open(config).await.unwrap();
        let acme = tenant(&store, "acme", plan).await;
        tenant(&store, "globex", plan).await;
        let state = AppState::new(store, ServerConfig::default());
        out.push(World {
            acme_tokens: tokens(&state, "acme").await,
            globex: tokens(&state, "globex").await,
            acme,
            state,
            _guard: guard,
        });
    }
    out
}

async fn worlds() -> Vec<World> {
    worlds_on(Plan::Pro).await
}

/// `call` under `/t/acme`, expecting `expected`; answers the body.
async fn acme(
    w: &World,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
    expected: StatusCode,
) -> Value {
    let (status, reply) = call(
        &w.state,
        method,
        &format!("/t/acme{path}"),
        Some(token),
        body.clone(),
    )
    .await;
    assert_eq!(status, expected, "{method} {path} {body:?}: {reply}");
    reply
}

fn text_lesson(title: &str) -> Value {
    json!({"title": title, "kind": "text", "content": [{"type": "markdown", "markdown": format!("# {title}\n\nBody.")}]})
}

/// A course by `token` with one module per rule, `lessons` text lessons each. Answers the
/// course id and, per module, its id and lesson ids.
async fn course_with(
    w: &World,
    token: &str,
    slug: &str,
    rules: &[Value],
    lessons: usize,
) -> (String, Vec<(String, Vec<String>)>) {
    let course = acme(
        w,
        "POST",
        "/api/v1/courses",
        token,
        Some(json!({"slug": slug, "title": format!("Course {slug}")})),
        StatusCode::CREATED,
    )
    .await;
    let id = course["id"].as_str().unwrap().to_owned();
    let mut modules = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let module = acme(
            w,
            "POST",
            &format!("/api/v1/courses/{id}/modules"),
            token,
            Some(json!({"title": format!("M{i}")})),
            StatusCode::CREATED,
        )
        .await;
        let module_id = module["id"].as_str().unwrap().to_owned();
        let mut lesson_ids = Vec::new();
        for l in 0..lessons {
            let lesson = acme(
                w,
                "POST",
                &format!("/api/v1/modules/{module_id}/lessons"),
                token,
                Some(text_lesson(&format!("L{i}.{l}"))),
                StatusCode::CREATED,
            )
            .await;
            lesson_ids.push(lesson["id"].as_str().unwrap().to_owned());
        }
        let rule = match rule["kind"].as_str() {
            Some("required") => json!({"kind": "required", "lessons": [lesson_ids[lessons - 1]]}),
            _ => rule.clone(),
        };
        acme(
            w,
            "PATCH",
            &format!("/api/v1/modules/{module_id}"),
            token,
            Some(json!({"completion_rule": rule})),
            StatusCode::OK,
        )
        .await;
        modules.push((module_id, lesson_ids));
    }
    (id, modules)
}

/// A course of the teacher's with one module of `lessons` text lessons (all required),
/// published. Answers its id and the lesson ids.
async fn published_course(w: &World, slug: &str, lessons: usize) -> (String, Vec<String>) {
    let t = &w.acme_tokens;
    let rules = [json!({"kind": "all"})];
    let (course, mut modules) = course_with(w, &t.teacher, slug, &rules, lessons).await;
    let path = format!("/api/v1/courses/{course}/publish");
    acme(w, "POST", &path, &t.teacher, None, StatusCode::OK).await;
    (course, modules.remove(0).1)
}

/// A CSV import into acme's `course` as `token`.
fn csv_upload(course: &str, token: &str, csv: Vec<u8>) -> Request<Body> {
    Request::post(format!(
        "/t/acme/api/v1/courses/{course}/enrollments/import"
    ))
    .header("authorization", format!("Bearer {token}"))
    .header("content-type", "text/csv")
    .body(Body::from(csv))
    .unwrap()
}

async fn progress(w: &World, token: &str, lesson: &str, percent: u64) -> Value {
    acme(
        w,
        "PUT",
        &format!("/api/v1/lessons/{lesson}/progress"),
        token,
        Some(json!({"percent": percent})),
        StatusCode::OK,
    )
    .await
}

async fn events(w: &World, kind: &str) -> Vec<Value> {
    let mut tx = w.state.store.begin(&w.acme).await.unwrap();
    let all = outbox::pending(&mut tx, 10_000).await.unwrap();
    all.into_iter()
        .filter(|e| e.event_type == kind)
        .map(|e| e.payload.0)
        .collect()
}

#[tokio::test]
async fn scope_rules_decide_who_sees_and_changes_what() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let (course, modules) =
            course_with(&w, &t.teacher, "intro", &[json!({"kind": "all"})], 1).await;
        let path = format!("/api/v1/courses/{course}");
        // A draft: its instructor and admins see it; nobody else knows it exists.
        acme(&w, "GET", &path, &t.teacher, None, StatusCode::OK).await;
        acme(&w, "GET", &path, &t.admin, None, StatusCode::OK).await;
        acme(
            &w,
            "GET",
            &path,
            &t.other_teacher,
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
        acme(&w, "GET", &path, &t.student, None, StatusCode::NOT_FOUND).await;
        let catalog = acme(
            &w,
            "GET",
            "/api/v1/courses",
            &t.student,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            catalog["items"].as_array().unwrap().len(),
            0,
            "drafts stay out of the catalog"
        );
        // Only its instructors and admins change it; students cannot create courses.
        let edit = json!({"slug": "intro", "title": "Intro, revised"});
        acme(
            &w,
            "PUT",
            &path,
            &t.other_teacher,
            Some(edit.clone()),
            StatusCode::NOT_FOUND,
        )
        .await;
        acme(
            &w,
            "PUT",
            &path,
            &t.admin,
            Some(edit.clone()),
            StatusCode::OK,
        )
        .await;
        acme(
            &w,
            "POST",
            "/api/v1/courses",
            &t.student,
            Some(json!({"slug": "mine", "title": "Mine"})),
            StatusCode::FORBIDDEN,
        )
        .await;

        acme(
            &w,
            "POST",
            &format!("{path}/publish"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        // Published: visible to all; the other instructor still may not edit it.
        acme(&w, "GET", &path, &t.student, None, StatusCode::OK).await;
        let reply = acme(
            &w,
            "PUT",
            &path,
            &t.other_teacher,
            Some(edit),
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(reply["error"], "PERMISSION_DENIED");
        // Content needs an enrollment.
        let lessons = format!("/api/v1/modules/{}/lessons", modules[0].0);
        let reply = acme(&w, "GET", &lessons, &t.student, None, StatusCode::FORBIDDEN).await;
        assert_eq!(reply["error"], "NOT_ENROLLED");
        acme(
            &w,
            "GET",
            &format!("/api/v1/courses/{course}/modules"),
            &t.student,
            None,
            StatusCode::OK,
        )
        .await;
        acme(
            &w,
            "POST",
            &format!("{path}/enroll"),
            &t.student,
            None,
            StatusCode::CREATED,
        )
        .await;
        acme(
            &w,
            "POST",
            &format!("{path}/enroll"),
            &t.student,
            None,
            StatusCode::OK,
        )
        .await;
        let listed = acme(&w, "GET", &lessons, &t.student, None, StatusCode::OK).await;
        assert!(listed["items"][0]["content"][0]["html"]
            .as_str()
            .unwrap()
            .contains("<h1>"));
        // A student may not see the students, nor enroll others; the instructor may.
        acme(
            &w,
            "GET",
            &format!("{path}/students"),
            &t.student,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
        let students = acme(
            &w,
            "GET",
            &format!("{path}/students"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(students["items"][0]["user"]["email"], "student@acme.test");
        let me = acme(&w, "GET", "/api/v1/me", &t.student2, None, StatusCode::OK).await;
        let other = json!({"user_id": me["user"]["id"]});
        acme(
            &w,
            "POST",
            &format!("{path}/enroll"),
            &t.student,
            Some(other.clone()),
            StatusCode::FORBIDDEN,
        )
        .await;
        acme(
            &w,
            "POST",
            &format!("{path}/enroll"),
            &t.other_teacher,
            Some(other.clone()),
            StatusCode::FORBIDDEN,
        )
        .await;
        let enrolled = acme(
            &w,
            "POST",
            &format!("{path}/enroll"),
            &t.teacher,
            Some(other),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(
            enrolled["enrolled_by"],
            acme(&w, "GET", "/api/v1/me", &t.teacher, None, StatusCode::OK).await["user"]["id"]
        );
        // A due date for one learner: the field is required (`null` clears it).
        let enrollment_path = format!("/api/v1/enrollments/{}", enrolled["id"].as_str().unwrap());
        let reply = acme(
            &w,
            "PATCH",
            &enrollment_path,
            &t.teacher,
            Some(json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(reply["error"], "VALIDATION_FAILED");
        let extended = acme(
            &w,
            "PATCH",
            &enrollment_path,
            &t.teacher,
            Some(json!({"due_at": "2027-03-01T12:00:00Z"})),
            StatusCode::OK,
        )
        .await;
        assert_eq!(extended["due_at"], "2027-03-01T12:00:00Z");
        acme(
            &w,
            "PATCH",
            &enrollment_path,
            &t.student2,
            Some(json!({"due_at": null})),
            StatusCode::NOT_FOUND,
        )
        .await;
        // Deleting a course with enrollments archives it; it needs `course:delete` (admins).
        acme(&w, "DELETE", &path, &t.teacher, None, StatusCode::FORBIDDEN).await;
        let archived = acme(&w, "DELETE", &path, &t.admin, None, StatusCode::OK).await;
        assert_eq!(archived["status"], "archived");
        acme(
            &w,
            "POST",
            &format!("{path}/archive"),
            &t.admin,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            events(&w, "course.archived").await.len(),
            1,
            "archiving again changes nothing"
        );
        acme(&w, "GET", &path, &t.student, None, StatusCode::OK).await;
        acme(
            &w,
            "GET",
            &path,
            &t.other_teacher,
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
        // A draft that never had learners is deleted.
        let (draft, _) = course_with(&w, &t.teacher, "scratch", &[], 0).await;
        acme(
            &w,
            "DELETE",
            &format!("/api/v1/courses/{draft}"),
            &t.admin,
            None,
            StatusCode::NO_CONTENT,
        )
        .await;
        acme(
            &w,
            "GET",
            &format!("/api/v1/courses/{draft}"),
            &t.admin,
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
}

/// Every id-bearing learning endpoint, with a body where it takes one.
fn routes(
    course: &str,
    module: &str,
    lesson: &str,
    enrollment: &str,
    code: &str,
) -> Vec<(&'static str, String, Option<Value>)> {
    let lesson_body = text_lesson("Stolen");
    vec![
        ("GET", format!("/api/v1/courses/{course}"), None),
        (
            "PUT",
            format!("/api/v1/courses/{course}"),
            Some(json!({"slug": "x", "title": "x"})),
        ),
        ("DELETE", format!("/api/v1/courses/{course}"), None),
        ("POST", format!("/api/v1/courses/{course}/publish"), None),
        ("POST", format!("/api/v1/courses/{course}/archive"), None),
        ("GET", format!("/api/v1/courses/{course}/modules"), None),
        (
            "POST",
            format!("/api/v1/courses/{course}/modules"),
            Some(json!({"title": "x"})),
        ),
        (
            "PUT",
            format!("/api/v1/courses/{course}/modules/order"),
            Some(json!({"order": [module]})),
        ),
        (
            "PATCH",
            format!("/api/v1/modules/{module}"),
            Some(json!({"title": "x"})),
        ),
        ("DELETE", format!("/api/v1/modules/{module}"), None),
        ("GET", format!("/api/v1/modules/{module}/lessons"), None),
        (
            "POST",
            format!("/api/v1/modules/{module}/lessons"),
            Some(lesson_body.clone()),
        ),
        (
            "PUT",
            format!("/api/v1/modules/{module}/lessons/order"),
            Some(json!({"order": [lesson]})),
        ),
        ("GET", format!("/api/v1/lessons/{lesson}"), None),
        (
            "PUT",
            format!("/api/v1/lessons/{lesson}"),
            Some(lesson_body),
        ),
        ("DELETE", format!("/api/v1/lessons/{lesson}"), None),
        (
            "PUT",
            format!("/api/v1/lessons/{lesson}/progress"),
            Some(json!({"percent": 100})),
        ),
        ("GET", format!("/api/v1/courses/{course}/progress"), None),
        ("POST", format!("/api/v1/courses/{course}/enroll"), None),
        ("GET", format!("/api/v1/courses/{course}/students"), None),
        (
            "PATCH",
            format!("/api/v1/enrollments/{enrollment}"),
            Some(json!({"due_at": null})),
        ),
        ("DELETE", format!("/api/v1/enrollments/{enrollment}"), None),
        ("GET", format!("/verify/{code}"), None),
    ]
}

/// Routes whose cross-tenant test lives elsewhere: the user routes in
/// `users.rs::admins_cannot_reach_users_of_another_tenant`, the CSV import right in
/// `every_endpoint_refuses_another_tenants_ids` (it takes a CSV body, not JSON).
const CROSS_TENANT_TESTED_ELSEWHERE: [(&str, &str); 5] = [
    ("GET", "/api/v1/users/{id}"),
    ("PATCH", "/api/v1/users/{id}"),
    ("POST", "/api/v1/users/{id}/deactivate"),
    ("POST", "/api/v1/users/{id}/invitation"),
    ("POST", "/api/v1/courses/{id}/enrollments/import"),
];

/// Every tenant route that takes an id in its path is in the cross-tenant list below (or in
/// [`CROSS_TENANT_TESTED_ELSEWHERE`]): a new endpoint cannot escape the test by being left off a
/// hand-kept list, since the list is held against the router's own.
#[test]
fn the_cross_tenant_list_covers_every_route_with_an_id() {
    let ids = ["c0", "m0", "l0", "e0", "CODE"];
    let listed: Vec<(String, String)> = routes(ids[0], ids[1], ids[2], ids[3], ids[4])
        .into_iter()
        .map(|(method, path, _)| {
            let mut template = path;
            for id in ids {
                let placeholder = if id == "CODE" { "{code}" } else { "{id}" };
                template = template.replace(&format!("/{id}"), &format!("/{placeholder}"));
            }
            (method.to_owned(), template)
        })
        .chain(
            CROSS_TENANT_TESTED_ELSEWHERE
                .iter()
                .map(|(m, p)| ((*m).to_owned(), (*p).to_owned())),
        )
        .collect();
    let served: Vec<(String, String)> = lyceum_server::served_routes()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .filter(|(_, path)| {
            !path.starts_with("/t/{slug}") && path.contains("/{") && !path.contains("/platform/")
        })
        .collect();
    common::assert_same_routes(
        &served,
        &listed,
        "takes an id but is missing from the cross-tenant test",
        "is in the cross-tenant test but not served",
    );
}

#[tokio::test]
async fn every_endpoint_refuses_another_tenants_ids() {
    for w in worlds_on_every_placement().await {
        let label = format!("{} {}", w.state.store.engine(), w.acme.placement());
        let t = &w.acme_tokens;
        let (course, modules) =
            course_with(&w, &t.teacher, "secret", &[json!({"kind": "all"})], 1).await;
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{course}/publish"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        let enrollment = acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{course}/enroll"),
            &t.student,
            None,
            StatusCode::CREATED,
        )
        .await;
        let done = progress(&w, &t.student, &modules[0].1[0], 100).await;
        let code = done["certificate"]["code"].as_str().unwrap().to_owned();
        let (module, lesson) = (modules[0].0.clone(), modules[0].1[0].clone());
        let enrollment = enrollment["id"].as_str().unwrap().to_owned();
        let fresh = || uuid::Uuid::now_v7().to_string();
        let theirs = routes(&course, &module, &lesson, &enrollment, &code);
        let nobodys = routes(&fresh(), &fresh(), &fresh(), &fresh(), "NOSUCHCODE12");
        let globex = &w.globex;
        let (status, _) = call(
            &w.state,
            "GET",
            &format!("/t/globex/api/v1/courses/{course}"),
            Some(&globex.admin),
            None,
        )
        .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{label}: an admin of globex does not find it"
        );
        for ((method, path, body), (_, unknown, _)) in theirs.iter().zip(&nobodys) {
            for token in [&globex.admin, &globex.teacher, &globex.student] {
                // Whatever the answer, it is the one an id that exists nowhere gets.
                let (status, reply) = call(
                    &w.state,
                    method,
                    &format!("/t/globex{path}"),
                    Some(token),
                    body.clone(),
                )
                .await;
                let (expected, baseline) = call(
                    &w.state,
                    method,
                    &format!("/t/globex{unknown}"),
                    Some(token),
                    body.clone(),
                )
                .await;
                assert!(
                    status.is_client_error(),
                    "{label}: {method} {path}: {reply}"
                );
                assert_eq!(
                    (status, &reply["error"]),
                    (expected, &baseline["error"]),
                    "{label}: {method} {path} tells acme's ids apart"
                );
            }
            // An acme token on globex's address is refused (403) before anything else; the
            // public verification ignores tokens and finds nothing in globex.
            let (status, _) = call(
                &w.state,
                method,
                &format!("/t/globex{path}"),
                Some(&t.admin),
                body.clone(),
            )
            .await;
            let expected = if path.starts_with("/verify/") {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{label}: {method} {path}");
        }
        let import = Request::post(format!(
            "/t/globex/api/v1/courses/{course}/enrollments/import"
        ))
        .header("authorization", format!("Bearer {}", globex.admin))
        .header("content-type", "text/csv")
        .body(Body::from("email\nstudent@globex.test\n"))
        .unwrap();
        assert_eq!(send(&w.state, import).await.0, StatusCode::NOT_FOUND);
        for path in [
            "/api/v1/courses",
            "/api/v1/enrollments",
            "/api/v1/me/dashboard",
        ] {
            let (status, reply) = call(
                &w.state,
                "GET",
                &format!("/t/globex{path}"),
                Some(&globex.admin),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                !reply.to_string().contains(course.as_str()),
                "{path} leaks acme's course: {reply}"
            );
        }
        // Nothing changed in acme.
        let reply = acme(
            &w,
            "GET",
            &format!("/api/v1/courses/{course}"),
            &t.admin,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (reply["title"].as_str(), reply["status"].as_str()),
            (Some("Course secret"), Some("published"))
        );
        acme(
            &w,
            "GET",
            &format!("/verify/{code}"),
            &t.student,
            None,
            StatusCode::OK,
        )
        .await;
    }
}

#[tokio::test]
async fn course_progress_rolls_up_through_each_completion_rule() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let rules = [
            json!({"kind": "all"}),
            json!({"kind": "at_least", "count": 1}),
            json!({"kind": "required"}),
        ];
        let (course, modules) = course_with(&w, &t.teacher, "rules", &rules, 2).await;
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{course}/publish"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{course}/enroll"),
            &t.student,
            None,
            StatusCode::CREATED,
        )
        .await;
        let steps = [
            // (lesson, expected course percent, completed)
            (&modules[0].1[0], 16, false), // all: 1 of 2 → module at 50%
            (&modules[1].1[1], 50, false), // at least 1 of 2: met
            (&modules[2].1[0], 50, false), // required is the last lesson: this one does not count
            (&modules[0].1[1], 66, false),
            (&modules[2].1[1], 100, true),
        ];
        for (lesson, percent, completed) in steps {
            let reply = progress(&w, &t.student, lesson, 100).await;
            assert_eq!(
                (
                    reply["course"]["percent"].as_u64(),
                    reply["course"]["completed"].as_bool()
                ),
                (Some(percent), Some(completed)),
                "{reply}"
            );
            assert_eq!(reply["certificate"].is_object(), completed);
        }
        let completed = events(&w, "lesson.completed").await;
        let percents: Vec<u64> = completed
            .iter()
            .map(|e| e["course_progress_percent"].as_u64().unwrap())
            .collect();
        assert_eq!(percents, [16, 50, 50, 66, 100]);
        assert_eq!(events(&w, "enrollment.completed").await.len(), 1);
        assert_eq!(events(&w, "certificate.issued").await.len(), 1);
        let published = events(&w, "course.published").await;
        assert_eq!(
            (
                published[0]["module_count"].as_u64(),
                published[0]["lesson_count"].as_u64()
            ),
            (Some(3), Some(6))
        );

        // Staff see a learner's progress; other learners and other instructors do not.
        let learner = acme(&w, "GET", "/api/v1/me", &t.student, None, StatusCode::OK).await;
        let theirs = format!(
            "/api/v1/courses/{course}/progress?user_id={}",
            learner["user"]["id"].as_str().unwrap()
        );
        let seen = acme(&w, "GET", &theirs, &t.teacher, None, StatusCode::OK).await;
        assert_eq!(
            (seen["percent"].as_u64(), seen["completed"].as_bool()),
            (Some(100), Some(true))
        );
        let reply = acme(
            &w,
            "GET",
            &theirs,
            &t.other_teacher,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(reply["error"], "PERMISSION_DENIED");
        acme(&w, "GET", &theirs, &t.student2, None, StatusCode::FORBIDDEN).await;
        let mine = acme(
            &w,
            "GET",
            "/api/v1/enrollments",
            &t.student,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(mine["items"][0]["status"], "completed");
        assert!(mine["items"][0]["completed_at"].is_string());
        let dashboard = acme(
            &w,
            "GET",
            "/api/v1/me/dashboard",
            &t.student,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(dashboard["courses"][0]["progress_percent"], 100);
        assert_eq!(dashboard["overall_percent"], 100);
        let code = dashboard["certificates"][0]["code"].as_str().unwrap();
        // Verification is public within the tenant, and only there.
        let (status, verified) = call(
            &w.state,
            "GET",
            &format!("/t/acme/verify/{code}"),
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{verified}");
        assert_eq!(
            (verified["course"].as_str(), verified["learner"].as_str()),
            (Some("Course rules"), Some("student of acme"))
        );
        let (status, body) = call(
            &w.state,
            "GET",
            &format!("/t/globex/verify/{code}"),
            None,
            None,
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::NOT_FOUND, Some("CERTIFICATE_NOT_FOUND"))
        );
        // Progress never goes back; a completed lesson stays complete.
        let reply = acme(
            &w,
            "PUT",
            &format!("/api/v1/lessons/{}/progress", modules[0].1[0]),
            &t.student,
            Some(json!({"percent": 30})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(reply["error"], "PROGRESS_DECREASE");
    }
}

#[tokio::test]
async fn prerequisites_gate_self_enrollment_and_cannot_form_cycles() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let (basics, basic_modules) =
            course_with(&w, &t.teacher, "basics", &[json!({"kind": "all"})], 1).await;
        let (advanced, _) =
            course_with(&w, &t.teacher, "advanced", &[json!({"kind": "all"})], 1).await;
        let requires = |slug: &str, ids: &[&str]| json!({"slug": slug, "title": format!("Course {slug}"), "prerequisites": ids});
        acme(
            &w,
            "PUT",
            &format!("/api/v1/courses/{advanced}"),
            &t.teacher,
            Some(requires("advanced", &[&basics])),
            StatusCode::OK,
        )
        .await;
        let reply = acme(
            &w,
            "PUT",
            &format!("/api/v1/courses/{basics}"),
            &t.teacher,
            Some(requires("basics", &[&advanced])),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(reply["error"], "PREREQUISITE_CYCLE");
        let reply = acme(
            &w,
            "PUT",
            &format!("/api/v1/courses/{basics}"),
            &t.teacher,
            Some(requires("basics", &[&basics])),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(reply["error"], "PREREQUISITE_CYCLE");
        let detail = acme(
            &w,
            "GET",
            &format!("/api/v1/courses/{basics}"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(detail["prerequisites"], json!([]), "nothing half-written");

        for id in [&basics, &advanced] {
            acme(
                &w,
                "POST",
                &format!("/api/v1/courses/{id}/publish"),
                &t.teacher,
                None,
                StatusCode::OK,
            )
            .await;
        }
        let reply = acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{advanced}/enroll"),
            &t.student,
            None,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(reply["error"], "PREREQUISITES_NOT_MET");
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{basics}/enroll"),
            &t.student,
            None,
            StatusCode::CREATED,
        )
        .await;
        progress(&w, &t.student, &basic_modules[0].1[0], 100).await;
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{advanced}/enroll"),
            &t.student,
            None,
            StatusCode::CREATED,
        )
        .await;
        // Staff may enroll a learner without the prerequisites.
        let me = acme(&w, "GET", "/api/v1/me", &t.student2, None, StatusCode::OK).await;
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{advanced}/enroll"),
            &t.teacher,
            Some(json!({"user_id": me["user"]["id"]})),
            StatusCode::CREATED,
        )
        .await;
    }
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_writes_nothing() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let (course, modules) =
            course_with(&w, &t.teacher, "strict", &[json!({"kind": "all"})], 2).await;
        let path = format!("/api/v1/courses/{course}");
        let (module, lessons) = (&modules[0].0, &modules[0].1);
        // Enrolling in a draft.
        let reply = acme(
            &w,
            "POST",
            &format!("{path}/enroll"),
            &t.student,
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(
            reply["error"], "NOT_FOUND",
            "a draft is not visible to students"
        );
        let me = acme(&w, "GET", "/api/v1/me", &t.student, None, StatusCode::OK).await;
        let reply = acme(
            &w,
            "POST",
            &format!("{path}/enroll"),
            &t.teacher,
            Some(json!({"user_id": me["user"]["id"]})),
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(reply["error"], "COURSE_NOT_OPEN");
        for (body, code) in [
            (json!({"slug": "Bad Slug", "title": "x"}), "INVALID_SLUG"),
            (json!({"slug": "ok", "title": ""}), "VALIDATION_FAILED"),
            (
                json!({"slug": "ok", "title": "x", "max_enrollment": 0}),
                "VALIDATION_FAILED",
            ),
            (
                json!({"slug": "ok", "title": "x", "max_enrollment": "ten"}),
                "VALIDATION_FAILED",
            ),
            (
                json!({"slug": "ok", "title": "x", "tenant_id": "x"}),
                "VALIDATION_FAILED",
            ),
            (json!({"slug": "strict", "title": "x"}), "CONFLICT"),
        ] {
            let (status, reply) = call(
                &w.state,
                "POST",
                "/t/acme/api/v1/courses",
                Some(&t.teacher),
                Some(body.clone()),
            )
            .await;
            assert!(status.is_client_error(), "{body}: {status}");
            assert_eq!(reply["error"], code, "{body}: {reply}");
        }
        for (content, kind) in [
            (json!([]), "text"),
            (
                json!([{"type": "video", "media": "v.mp4", "duration_seconds": 10}]),
                "text",
            ),
            (json!([{"type": "markdown"}]), "text"),
            (json!([{"type": "markdown", "markdown": "x"}]), "video"),
            (json!("not blocks"), "quiz"),
        ] {
            let body = json!({"title": "x", "kind": kind, "content": content});
            let reply = acme(
                &w,
                "POST",
                &format!("/api/v1/modules/{module}/lessons"),
                &t.teacher,
                Some(body),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
            assert_eq!(reply["error"], "INVALID_CONTENT", "{reply}");
        }
        let reply = acme(
            &w,
            "PUT",
            &format!("/api/v1/modules/{module}/lessons/order"),
            &t.teacher,
            Some(json!({"order": [lessons[0], lessons[0]]})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(reply["error"], "VALIDATION_FAILED");
        let listed = acme(
            &w,
            "GET",
            &format!("/api/v1/modules/{module}/lessons"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        let ids: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [lessons[0].as_str(), lessons[1].as_str()],
            "order unchanged"
        );
        let reply = acme(
            &w,
            "PATCH",
            &format!("/api/v1/modules/{module}"),
            &t.teacher,
            Some(json!({"completion_rule": {"kind": "at_least", "count": 0}})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(reply["error"], "INVALID_COMPLETION_RULE");

        // A full course, then progress out of range.
        let full = json!({"slug": "strict", "title": "Course strict", "max_enrollment": 1});
        acme(&w, "PUT", &path, &t.teacher, Some(full), StatusCode::OK).await;
        acme(
            &w,
            "POST",
            &format!("{path}/publish"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        acme(
            &w,
            "POST",
            &format!("{path}/enroll"),
            &t.student,
            None,
            StatusCode::CREATED,
        )
        .await;
        let reply = acme(
            &w,
            "POST",
            &format!("{path}/enroll"),
            &t.student2,
            None,
            StatusCode::CONFLICT,
        )
        .await;
        assert_eq!(reply["error"], "COURSE_FULL");
        for (body, code) in [
            (json!({"percent": 101}), "INVALID_PROGRESS"),
            (json!({"percent": 300}), "VALIDATION_FAILED"),
            (json!({"percent": -5}), "VALIDATION_FAILED"),
            (json!({"percent": "half"}), "VALIDATION_FAILED"),
        ] {
            let (status, reply) = call(
                &w.state,
                "PUT",
                &format!("/t/acme/api/v1/lessons/{}/progress", lessons[0]),
                Some(&t.student),
                Some(body.clone()),
            )
            .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(reply["error"], code, "{body}: {reply}");
        }
        progress(&w, &t.student, &lessons[0], 60).await;
        let reply = acme(
            &w,
            "PUT",
            &format!("/api/v1/lessons/{}/progress", lessons[0]),
            &t.student,
            Some(json!({"percent": 59})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(reply["error"], "PROGRESS_DECREASE");
        let reply = progress(&w, &t.student, &lessons[0], 60).await;
        assert_eq!(reply["lesson"]["percent"], 60);
    }
}

#[tokio::test]
async fn release_rules_hold_lessons_back_from_learners_only() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let (course, modules) =
            course_with(&w, &t.teacher, "paced", &[json!({"kind": "all"})], 2).await;
        let (first, second) = (&modules[0].1[0], &modules[0].1[1]);
        let mut locked = text_lesson("L0.1");
        locked["release_rule"] = json!({"kind": "after_previous"});
        acme(
            &w,
            "PUT",
            &format!("/api/v1/lessons/{second}"),
            &t.teacher,
            Some(locked),
            StatusCode::OK,
        )
        .await;
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{course}/publish"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{course}/enroll"),
            &t.student,
            None,
            StatusCode::CREATED,
        )
        .await;
        let reply = acme(
            &w,
            "GET",
            &format!("/api/v1/lessons/{second}"),
            &t.student,
            None,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(reply["error"], "LESSON_LOCKED");
        acme(
            &w,
            "GET",
            &format!("/api/v1/lessons/{second}"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        let listed = acme(
            &w,
            "GET",
            &format!("/api/v1/modules/{}/lessons", modules[0].0),
            &t.student,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (
                listed["items"][1]["locked"].as_bool(),
                listed["items"][1]["content"].clone()
            ),
            (Some(true), json!([]))
        );
        progress(&w, &t.student, first, 100).await;
        acme(
            &w,
            "GET",
            &format!("/api/v1/lessons/{second}"),
            &t.student,
            None,
            StatusCode::OK,
        )
        .await;
    }
}

/// A page size outside 1 to 200 is refused, not quietly clamped: a client asking for 0 or for
/// two billion rows learns its mistake instead of reading a short page as the end of the list.
#[tokio::test]
async fn page_sizes_out_of_range_are_refused() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        for path in [
            "/t/acme/api/v1/courses?limit=0",
            "/t/acme/api/v1/courses?limit=201",
            "/t/acme/api/v1/courses?limit=2147483648",
            "/t/acme/api/v1/users?limit=0",
        ] {
            let (status, body) = call(&w.state, "GET", path, Some(&t.admin), None).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {body}");
            assert_eq!(body["error"], "VALIDATION_FAILED", "{path}");
        }
        let (status, _) = call(
            &w.state,
            "GET",
            "/t/acme/api/v1/courses?limit=200",
            Some(&t.admin),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_catalog_pages_without_skipping_or_repeating_while_courses_are_added() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        for i in 0..7 {
            acme(
                &w,
                "POST",
                "/api/v1/courses",
                &t.admin,
                Some(json!({"slug": format!("c{i}"), "title": format!("Topic {i}")})),
                StatusCode::CREATED,
            )
            .await;
        }
        let mut seen: Vec<String> = Vec::new();
        let mut next = "/t/acme/api/v1/courses?limit=3".to_owned();
        let mut added = 0;
        loop {
            let request = Request::get(&next)
                .header("authorization", format!("Bearer {}", t.admin))
                .body(Body::empty())
                .unwrap();
            let (status, headers, page) = send(&w.state, request).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["slug"].as_str().unwrap().to_owned()),
            );
            if added < 2 {
                acme(
                    &w,
                    "POST",
                    "/api/v1/courses",
                    &t.admin,
                    Some(json!({"slug": format!("late{added}"), "title": "Late"})),
                    StatusCode::CREATED,
                )
                .await;
                added += 1;
            }
            match headers.get("link") {
                Some(link) => {
                    let link = link.to_str().unwrap();
                    next = link
                        .trim_start_matches('<')
                        .split('>')
                        .next()
                        .unwrap()
                        .to_owned();
                    assert!(link.ends_with("rel=\"next\""));
                }
                None => break,
            }
        }
        let expected: Vec<String> = (0..7)
            .map(|i| format!("c{i}"))
            .chain((0..2).map(|i| format!("late{i}")))
            .collect();
        assert_eq!(seen, expected, "every course once, in creation order");

        let found = acme(
            &w,
            "GET",
            "/api/v1/courses?q=TOPIC%203",
            &t.admin,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(found["items"][0]["slug"], "c3");
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        let drafts = acme(
            &w,
            "GET",
            "/api/v1/courses?status=published",
            &t.admin,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(drafts["items"].as_array().unwrap().len(), 0);
        let (status, reply) = call(
            &w.state,
            "GET",
            "/t/acme/api/v1/courses?status=lost",
            Some(&t.admin),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
    }
}

#[tokio::test]
async fn course_detail_catalog_and_dashboard_answer_etags_and_not_modified() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let (course, _) = published_course(&w, "tagged", 1).await;
        let enroll = format!("/api/v1/courses/{course}/enroll");
        acme(&w, "POST", &enroll, &t.student, None, StatusCode::CREATED).await;
        let pages = [
            (
                format!("/t/acme/api/v1/courses/{course}"),
                &t.teacher,
                "/title",
            ),
            (
                "/t/acme/api/v1/courses".to_owned(),
                &t.student,
                "/items/0/title",
            ),
            (
                "/t/acme/api/v1/me/dashboard".to_owned(),
                &t.student,
                "/courses/0/title",
            ),
        ];
        let get = |path: &str, token: &str, etag: Option<&str>| {
            let mut request = Request::get(path).header("authorization", format!("Bearer {token}"));
            if let Some(etag) = etag {
                request = request.header("if-none-match", etag);
            }
            request.body(Body::empty()).unwrap()
        };
        let mut etags = Vec::new();
        for (path, token, _) in &pages {
            let (status, headers, _) = send(&w.state, get(path, token, None)).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            let etag = headers["etag"].to_str().unwrap().to_owned();
            let (status, headers, body) = send(&w.state, get(path, token, Some(&etag))).await;
            assert_eq!(status, StatusCode::NOT_MODIFIED, "{path}");
            assert_eq!(headers["etag"].to_str().unwrap(), etag, "{path}");
            assert_eq!(
                body,
                Value::String(String::new()),
                "{path}: a 304 with a body"
            );
            etags.push(etag);
        }
        let retitle = Some(json!({"slug": "tagged", "title": "Retitled"}));
        let path = format!("/api/v1/courses/{course}");
        acme(&w, "PUT", &path, &t.teacher, retitle, StatusCode::OK).await;
        for ((path, token, title), etag) in pages.iter().zip(&etags) {
            let (status, headers, body) = send(&w.state, get(path, token, Some(etag))).await;
            assert_eq!(status, StatusCode::OK, "{path}: changed since");
            assert_ne!(headers["etag"].to_str().unwrap(), etag, "{path}");
            assert_eq!(
                body.pointer(title),
                Some(&json!("Retitled")),
                "{path}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn plan_limits_refuse_courses_and_students_past_the_plan() {
    for w in worlds_on(Plan::Free).await {
        let t = &w.acme_tokens;
        let max = Plan::Free.limits().max_courses.unwrap();
        let mut first = None;
        for i in 0..max {
            let course = acme(
                &w,
                "POST",
                "/api/v1/courses",
                &t.admin,
                Some(json!({"slug": format!("p{i}"), "title": "P"})),
                StatusCode::CREATED,
            )
            .await;
            first.get_or_insert(course["id"].as_str().unwrap().to_owned());
        }
        let reply = acme(
            &w,
            "POST",
            "/api/v1/courses",
            &t.admin,
            Some(json!({"slug": "over", "title": "Over"})),
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(reply["error"], "PLAN_LIMIT_REACHED");
        assert!(
            reply["message"].as_str().unwrap().contains("courses"),
            "{reply}"
        );
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{}/archive", first.unwrap()),
            &t.admin,
            None,
            StatusCode::OK,
        )
        .await;
        acme(
            &w,
            "POST",
            "/api/v1/courses",
            &t.admin,
            Some(json!({"slug": "over", "title": "Over"})),
            StatusCode::CREATED,
        )
        .await;

        let max = Plan::Free.limits().max_students.unwrap();
        for i in 2..max {
            acme(&w, "POST", "/api/v1/users", &t.admin, Some(json!({"email": format!("s{i}@acme.test"), "display_name": "S", "role": "student"})), StatusCode::CREATED).await;
        }
        let reply = acme(
            &w,
            "POST",
            "/api/v1/users",
            &t.admin,
            Some(json!({"email": "one-more@acme.test", "display_name": "S", "role": "student"})),
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(reply["error"], "PLAN_LIMIT_REACHED");
        assert!(reply["message"].as_str().unwrap().contains("students"));
        acme(
            &w,
            "POST",
            "/api/v1/users",
            &t.admin,
            Some(json!({"email": "teacher2@acme.test", "display_name": "T", "role": "instructor"})),
            StatusCode::CREATED,
        )
        .await;
    }
}

#[tokio::test]
async fn bulk_enrollment_from_a_csv_of_ten_thousand_rows_reports_each_row() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let (course, _) = published_course(&w, "bulk", 1).await;
        let mut tx = w.state.store.begin_write(&w.acme).await.unwrap();
        for i in 0..9_990 {
            let user = lyceum_store::repo::users::NewUser {
                email: lyceum_domain::Email::parse(&format!("learner{i}@acme.test")).unwrap(),
                display_name: format!("Learner {i}"),
                role: Role::Student,
                password_hash: None,
            };
            lyceum_store::repo::users::insert(&mut tx, &user)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let mut csv = String::from("Email,due_at\n");
        for i in 0..9_990 {
            let due = if i % 1000 == 0 { "2027-01-31" } else { "" };
            csv.push_str(&format!("learner{i}@acme.test,{due}\n"));
        }
        for bad in [
            "not-an-email,",
            "ghost@acme.test,",
            "learner1@acme.test,someday",
            "learner2@acme.test,2027-02-30",
        ] {
            csv.push_str(bad);
            csv.push('\n');
        }
        for i in 0..5 {
            csv.push_str(&format!("learner{i}@acme.test,\n"));
        }
        csv.push_str("\"unterminated@acme.test,\n");
        let upload = |body: Vec<u8>| csv_upload(&course, &t.teacher, body);
        let (status, _, report) = send(&w.state, upload(csv.clone().into_bytes())).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["rows"].as_array().unwrap().len(), 10_000);
        assert_eq!(
            (report["created"].as_u64(), report["failed"].as_u64()),
            (Some(9_990), Some(5)),
            "{}",
            report["rows"][9_990]
        );
        assert_eq!(report["already_enrolled"], 5, "repeated rows in one file");
        let failed: Vec<(u64, &str)> = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["result"] == "failed")
            .map(|r| (r["line"].as_u64().unwrap(), r["code"].as_str().unwrap()))
            .collect();
        assert_eq!(
            failed[..4],
            [
                (9_992, "INVALID_EMAIL"),
                (9_993, "UNKNOWN_USER"),
                (9_994, "INVALID_DATE"),
                (9_995, "INVALID_DATE")
            ]
        );
        let students = acme(
            &w,
            "GET",
            &format!("/api/v1/courses/{course}/students?limit=1"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            students["items"][0]["enrollment"]["due_at"],
            "2027-01-31T23:59:59Z"
        );

        // The same file again changes nothing.
        let (status, _, again) = send(&w.state, upload(csv.into_bytes())).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (
                again["created"].as_u64(),
                again["already_enrolled"].as_u64(),
                again["failed"].as_u64()
            ),
            (Some(0), Some(9_995), Some(5))
        );
        assert_eq!(events(&w, "student.enrolled").await.len(), 9_990);

        // Whole-file refusals.
        let latin1 = b"email\nj\xe9r\xf4me@acme.test\n".to_vec();
        for (body, needle) in [(latin1, "UTF-8"), (b"name,mail\nx,y\n".to_vec(), "email")] {
            let (status, _, reply) = send(&w.state, upload(body)).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{reply}");
            assert_eq!(reply["error"], "INVALID_CSV");
            assert!(
                reply["message"].as_str().unwrap().contains(needle),
                "{reply}"
            );
        }
    }
}

#[tokio::test]
async fn concurrent_reports_complete_a_course_once() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let (course, modules) =
            course_with(&w, &t.teacher, "race", &[json!({"kind": "all"})], 1).await;
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{course}/publish"),
            &t.teacher,
            None,
            StatusCode::OK,
        )
        .await;
        acme(
            &w,
            "POST",
            &format!("/api/v1/courses/{course}/enroll"),
            &t.student,
            None,
            StatusCode::CREATED,
        )
        .await;
        let path = format!("/t/acme/api/v1/lessons/{}/progress", modules[0].1[0]);
        let report = || {
            call(
                &w.state,
                "PUT",
                &path,
                Some(&t.student),
                Some(json!({"percent": 100})),
            )
        };
        let (a, b, c) = tokio::join!(report(), report(), report());
        for (status, body) in [a, b, c] {
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        assert_eq!(events(&w, "lesson.completed").await.len(), 1);
        assert_eq!(events(&w, "enrollment.completed").await.len(), 1);
        assert_eq!(events(&w, "certificate.issued").await.len(), 1);
    }
}

/// Catalog pages and dashboards served from the response cache so far.
fn cache_hits(w: &World) -> u64 {
    cache_lookups(w, "hit")
}

/// Response cache lookups with this result (`hit`, `miss`) so far.
fn cache_lookups(w: &World, result: &str) -> u64 {
    let line = format!("lyceum_response_cache_lookups_total{{result=\"{result}\"}} ");
    let text = w.state.metrics.render(&w.state.store);
    text.lines()
        .find_map(|l| l.strip_prefix(line.as_str()))
        .map_or(0, |n| n.parse().unwrap())
}

/// `GET path` on `tenant` as `token`, which must answer 200.
async fn get(w: &World, tenant: &str, path: &str, token: String) -> Value {
    let path = format!("/t/{tenant}{path}");
    let (status, page) = call(&w.state, "GET", &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {page}");
    page
}

fn slugs(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["slug"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn cached_catalog_and_dashboard_follow_every_write_per_tenant_and_viewer() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let catalog = |token: String| get(&w, "acme", "/api/v1/courses", token);
        let dashboard = |token: String| get(&w, "acme", "/api/v1/me/dashboard", token);
        let (first, modules) =
            course_with(&w, &t.admin, "first", &[json!({"kind": "all"})], 2).await;
        let path = format!("/api/v1/courses/{first}/publish");
        acme(&w, "POST", &path, &t.admin, None, StatusCode::OK).await;

        // A second identical request is a hit and answers the same.
        let before = cache_hits(&w);
        assert_eq!(slugs(&catalog(t.student.clone()).await), ["first"]);
        assert_eq!(slugs(&catalog(t.student.clone()).await), ["first"]);
        assert_eq!(
            cache_hits(&w),
            before + 1,
            "the repeated page was not cached"
        );
        assert_eq!(slugs(&catalog(t.student2.clone()).await), ["first"]);
        assert_eq!(
            cache_hits(&w),
            before + 2,
            "students do not share the catalog"
        );

        // Copies are per viewer: the admin's page has the draft, the student's never does.
        course_with(&w, &t.admin, "draft", &[json!({"kind": "all"})], 1).await;
        assert_eq!(slugs(&catalog(t.admin.clone()).await), ["first", "draft"]);
        assert_eq!(slugs(&catalog(t.student.clone()).await), ["first"]);

        // Any write in the tenant retires the copies read before it.
        let path = format!("/api/v1/courses/{}/publish", {
            let page = catalog(t.admin.clone()).await;
            page["items"][1]["id"].as_str().unwrap().to_owned()
        });
        acme(&w, "POST", &path, &t.admin, None, StatusCode::OK).await;
        assert_eq!(slugs(&catalog(t.student.clone()).await), ["first", "draft"]);

        assert_eq!(dashboard(t.student.clone()).await["courses"], json!([]));
        let path = format!("/api/v1/courses/{first}/enroll");
        acme(&w, "POST", &path, &t.student, None, StatusCode::CREATED).await;
        let board = dashboard(t.student.clone()).await;
        assert_eq!(board["courses"][0]["progress_percent"], 0, "{board}");
        progress(&w, &t.student, &modules[0].1[0], 100).await;
        let board = dashboard(t.student.clone()).await;
        assert_eq!(board["courses"][0]["progress_percent"], 50, "{board}");
        assert_eq!(
            dashboard(t.student2.clone()).await["courses"],
            json!([]),
            "another learner"
        );

        // A learner's own writes (enrolling, progress, signing in) leave the copies the tenant
        // shares: the students' catalog read before them is still served.
        let before = cache_hits(&w);
        token(&w.state, "acme", "student2@acme.test", PW).await;
        assert_eq!(
            slugs(&catalog(t.student2.clone()).await),
            ["first", "draft"]
        );
        assert_eq!(
            cache_hits(&w),
            before + 1,
            "a learner's write retired the catalog"
        );
        // Nor does anyone signing out with a made-up token (which changes nothing).
        let body = Some(json!({"refresh_token": "made-up"}));
        let (status, _) = call(&w.state, "POST", "/t/acme/api/v1/auth/logout", None, body).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        catalog(t.student.clone()).await;
        assert_eq!(
            cache_hits(&w),
            before + 2,
            "a bogus sign-out retired the catalog"
        );

        // Staff enrolling a learner retires that learner's dashboard.
        let me = get(&w, "acme", "/api/v1/me", t.student2.clone()).await;
        assert_eq!(dashboard(t.student2.clone()).await["courses"], json!([]));
        let body = Some(json!({"user_id": me["user"]["id"]}));
        let path = format!("/api/v1/courses/{first}/enroll");
        let enrollment = acme(&w, "POST", &path, &t.admin, body, StatusCode::CREATED).await;
        let board = dashboard(t.student2.clone()).await;
        assert_eq!(
            board["courses"][0]["course_id"].as_str(),
            Some(first.as_str())
        );
        // ... as does giving them an extension.
        let path = format!("/api/v1/enrollments/{}", enrollment["id"].as_str().unwrap());
        let body = Some(json!({"due_at": "2031-01-31T00:00:00Z"}));
        acme(&w, "PATCH", &path, &t.admin, body, StatusCode::OK).await;
        let board = dashboard(t.student2.clone()).await;
        assert_eq!(
            board["upcoming"][0]["due_at"], "2031-01-31T00:00:00Z",
            "{board}"
        );

        // Another tenant's copies outlive acme's writes, and never show acme's courses.
        let globex = |token: String| get(&w, "globex", "/api/v1/courses", token);
        assert_eq!(
            slugs(&globex(w.globex.student.clone()).await),
            Vec::<&str>::new()
        );
        let before = cache_hits(&w);
        progress(&w, &t.student, &modules[0].1[1], 100).await;
        assert_eq!(
            slugs(&globex(w.globex.student.clone()).await),
            Vec::<&str>::new()
        );
        assert_eq!(
            cache_hits(&w),
            before + 1,
            "acme's write retired globex's copy"
        );
        let board = dashboard(t.student.clone()).await;
        assert_eq!(board["courses"][0]["progress_percent"], 100, "{board}");
        assert_eq!(
            board["certificates"].as_array().unwrap().len(),
            1,
            "{board}"
        );
    }
}

#[tokio::test]
async fn a_change_through_one_server_shows_on_another_sharing_the_database() {
    let (config, _guard) = testing::postgres_config().await;
    // Copies that would otherwise be served for an hour: only the notice can retire them.
    let server = |store| {
        let mut config = ServerConfig::default();
        config.response_cache.ttl = std::time::Duration::from_secs(3600);
        AppState::new(store, config)
    };
    let one = server(Store::open(config.clone()).await.unwrap());
    let two = server(Store::open(config).await.unwrap());
    tenant(&one.store, "acme", Plan::Pro).await;
    let admin = token(&one, "acme", "admin@acme.test", PW).await;
    let student = token(&two, "acme", "student@acme.test", PW).await;
    let catalog = || call(&two, "GET", "/t/acme/api/v1/courses", Some(&student), None);
    assert_eq!(slugs(&catalog().await.1), Vec::<&str>::new());

    let post = |path: String, body: Option<Value>| {
        let (one, admin) = (&one, &admin);
        async move {
            let (status, reply) =
                call(one, "POST", &format!("/t/acme{path}"), Some(admin), body).await;
            assert!(status.is_success(), "{path}: {status} {reply}");
            reply["id"].as_str().map(str::to_owned)
        }
    };
    let course = post(
        "/api/v1/courses".into(),
        Some(json!({"slug": "news", "title": "News"})),
    )
    .await
    .unwrap();
    let module = post(
        format!("/api/v1/courses/{course}/modules"),
        Some(json!({"title": "M"})),
    )
    .await
    .unwrap();
    post(
        format!("/api/v1/modules/{module}/lessons"),
        Some(text_lesson("L")),
    )
    .await;
    post(format!("/api/v1/courses/{course}/publish"), None).await;

    let shown = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            if slugs(&catalog().await.1) == ["news"] {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(shown.is_ok(), "server two kept serving its stale catalog");
    // Server two reports what it heard; neither lost its listener.
    let notices = |state: &AppState, event: &str| {
        let line = format!("lyceum_data_version_notices_total{{event=\"{event}\"}} ");
        let text = state.metrics.render(&state.store);
        text.lines()
            .find_map(|l| {
                l.strip_prefix(line.as_str())
                    .map(|n| n.parse::<u64>().unwrap())
            })
            .unwrap_or_else(|| panic!("no {event} notices in\n{text}"))
    };
    // (At least the publishing: equal notices in one batch are sent once.)
    assert!(notices(&two, "heard") >= 1);
    assert_eq!(
        notices(&one, "listener_losses") + notices(&two, "listener_losses"),
        0
    );
    assert_eq!(notices(&one, "unsent"), 0);
}

#[tokio::test]
async fn an_instructor_made_a_student_no_longer_sees_the_drafts_they_taught() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let (draft, _) = course_with(&w, &t.teacher, "taught", &[json!({"kind": "all"})], 1).await;
        let page = get(&w, "acme", "/api/v1/courses", t.teacher.clone()).await;
        assert_eq!(slugs(&page), ["taught"]);
        let me = get(&w, "acme", "/api/v1/me", t.teacher.clone()).await;
        let path = format!("/api/v1/users/{}", me["user"]["id"].as_str().unwrap());
        let body = Some(json!({"role": "student"}));
        acme(&w, "PATCH", &path, &t.admin, body, StatusCode::OK).await;

        let demoted = token(&w.state, "acme", "teacher@acme.test", PW).await;
        let page = get(&w, "acme", "/api/v1/courses", demoted.clone()).await;
        assert_eq!(slugs(&page), Vec::<&str>::new(), "a student saw a draft");
        let path = format!("/api/v1/courses/{draft}");
        acme(&w, "GET", &path, &demoted, None, StatusCode::NOT_FOUND).await;
    }
}

#[tokio::test]
async fn a_csv_may_be_larger_than_a_json_body_up_to_its_own_limit() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        let (course, _) = published_course(&w, "big", 1).await;
        let upload = |body: String| csv_upload(&course, &t.teacher, body.into_bytes());
        // 40,000 rows of long addresses nobody has: past the 1 MiB a JSON body may have.
        let mut csv = String::from("email\n");
        for i in 0..40_000 {
            csv.push_str(&format!(
                "a-rather-long-address-number-{i}@elsewhere.example\n"
            ));
        }
        assert!(csv.len() > 1 << 20);
        let (status, _, report) = send(&w.state, upload(csv)).await;
        assert_eq!(status, StatusCode::OK, "{}", report["message"]);
        assert_eq!(report["failed"], 40_000);
        assert_eq!(report["rows"][39_999]["code"], "UNKNOWN_USER");

        let (status, _, reply) = send(&w.state, upload("x".repeat(9 << 20))).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(reply["error"], "PAYLOAD_TOO_LARGE");
        let long = json!({"slug": "long", "title": "Long", "description": "x".repeat(2 << 20)});
        let reply = acme(
            &w,
            "POST",
            "/api/v1/courses",
            &t.teacher,
            Some(long),
            StatusCode::PAYLOAD_TOO_LARGE,
        )
        .await;
        assert_eq!(reply["error"], "PAYLOAD_TOO_LARGE");
    }
}

#[tokio::test]
async fn concurrent_requests_for_a_stale_page_wait_for_one_read() {
    for w in worlds().await {
        let t = &w.acme_tokens;
        published_course(&w, "first", 1).await;
        get(&w, "acme", "/api/v1/courses", t.student.clone()).await;
        // A course published: the students' catalog copy is stale.
        published_course(&w, "second", 1).await;
        let (hits, misses) = (cache_lookups(&w, "hit"), cache_lookups(&w, "miss"));
        let catalog = |token: &String| get(&w, "acme", "/api/v1/courses", token.clone());
        let (s1, s2) = (&t.student, &t.student2);
        let pages = tokio::join!(
            catalog(s1),
            catalog(s2),
            catalog(s1),
            catalog(s2),
            catalog(s1),
            catalog(s2),
            catalog(s1),
            catalog(s2)
        );
        let pages = [
            pages.0, pages.1, pages.2, pages.3, pages.4, pages.5, pages.6, pages.7,
        ];
        assert!(pages.iter().all(|p| slugs(p) == ["first", "second"]));
        assert_eq!(cache_lookups(&w, "miss"), misses + 1, "more than one read");
        assert_eq!(cache_lookups(&w, "hit"), hits + 7);
    }
}
