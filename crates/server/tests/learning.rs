//! Courses, content, enrollment, progress and certificates over HTTP through the real router,
//! two tenants with data, both engines: scope rules, every endpoint across tenants, completion
//! roll-up for each completion rule, prerequisites, plan limits, pagination under inserts,
//! ETags, events, and bad input.

mod common;

use axum::http::{Method, StatusCode};
use common::world::{Call, Response, User, World};
use lyceum_domain::{Plan, Role};
use lyceum_server::ServerConfig;
use lyceum_store::repo::outbox;
use lyceum_store::testing;
use serde_json::{json, Value};
use std::future::Future;

/// A tenant's admin, two instructors and two students.
struct People {
    admin: User,
    teacher: User,
    other_teacher: User,
    student: User,
    student2: User,
}

/// The tenant `slug` on `plan` with its people (`{name}@{slug}.test`), signed in.
async fn people(w: &World, slug: &str, plan: Plan) -> People {
    w.provision(slug, plan, json!({})).await;
    let email = |name: &str| format!("{name}@{slug}.test");
    People {
        admin: w.user(slug, &email("admin"), Role::Admin).await,
        teacher: w.user(slug, &email("teacher"), Role::Instructor).await,
        other_teacher: w.user(slug, &email("other"), Role::Instructor).await,
        student: w.user(slug, &email("student"), Role::Student).await,
        student2: w.user(slug, &email("student2"), Role::Student).await,
    }
}

/// Worlds with acme's people and globex's.
async fn with_people(worlds: Vec<World>, plan: Plan) -> Vec<(World, People, People)> {
    let mut out = Vec::new();
    for w in worlds {
        let acme = people(&w, "acme", plan).await;
        let globex = people(&w, "globex", plan).await;
        out.push((w, acme, globex));
    }
    out
}

async fn worlds_on(plan: Plan) -> Vec<(World, People, People)> {
    with_people(World::on_each_engine().await, plan).await
}

/// One world per engine and PostgreSQL placement (see [`World::on_every_placement`]).
async fn worlds_on_every_placement() -> Vec<(World, People, People)> {
    with_people(World::on_every_placement().await, Plan::Pro).await
}

async fn worlds() -> Vec<(World, People, People)> {
    worlds_on(Plan::Pro).await
}

fn text_lesson(title: &str) -> Value {
    json!({"title": title, "kind": "text", "content": [{"type": "markdown", "markdown": format!("# {title}\n\nBody.")}]})
}

/// A course by `user` with one module per rule, `lessons` text lessons each. Answers the
/// course id and, per module, its id and lesson ids.
async fn course_with(
    w: &World,
    user: &User,
    slug: &str,
    rules: &[Value],
    lessons: usize,
) -> (String, Vec<(String, Vec<String>)>) {
    let client = w.as_(user);
    let course = client
        .post("/api/v1/courses")
        .json(&json!({"slug": slug, "title": format!("Course {slug}")}))
        .expect(StatusCode::CREATED)
        .await
        .json_value();
    let id = course["id"].as_str().unwrap().to_owned();
    let mut modules = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let module = client
            .post(format!("/api/v1/courses/{id}/modules"))
            .json(&json!({"title": format!("M{i}")}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let module_id = module["id"].as_str().unwrap().to_owned();
        let mut lesson_ids = Vec::new();
        for l in 0..lessons {
            let lesson = client
                .post(format!("/api/v1/modules/{module_id}/lessons"))
                .json(&text_lesson(&format!("L{i}.{l}")))
                .expect(StatusCode::CREATED)
                .await
                .json_value();
            lesson_ids.push(lesson["id"].as_str().unwrap().to_owned());
        }
        let rule = match rule["kind"].as_str() {
            Some("required") => json!({"kind": "required", "lessons": [lesson_ids[lessons - 1]]}),
            _ => rule.clone(),
        };
        client
            .patch(format!("/api/v1/modules/{module_id}"))
            .json(&json!({"completion_rule": rule}))
            .expect(StatusCode::OK)
            .await;
        modules.push((module_id, lesson_ids));
    }
    (id, modules)
}

/// A course of `teacher`'s with one module of `lessons` text lessons (all required),
/// published. Answers its id and the lesson ids.
async fn published_course(
    w: &World,
    teacher: &User,
    slug: &str,
    lessons: usize,
) -> (String, Vec<String>) {
    let rules = [json!({"kind": "all"})];
    let (course, mut modules) = course_with(w, teacher, slug, &rules, lessons).await;
    w.as_(teacher)
        .post(format!("/api/v1/courses/{course}/publish"))
        .expect(StatusCode::OK)
        .await;
    (course, modules.remove(0).1)
}

/// A CSV import into `course` as `user`.
fn csv_upload<'w>(w: &'w World, user: &User, course: &str, csv: Vec<u8>) -> Call<'w> {
    w.as_(user)
        .post(format!("/api/v1/courses/{course}/enrollments/import"))
        .body("text/csv", csv)
}

/// `user` reports `percent` on `lesson`, which must be accepted; answers the reply.
async fn progress(w: &World, user: &User, lesson: &str, percent: u64) -> Value {
    w.as_(user)
        .put(format!("/api/v1/lessons/{lesson}/progress"))
        .json(&json!({"percent": percent}))
        .expect(StatusCode::OK)
        .await
        .json_value()
}

/// Acme's pending events of `kind`.
async fn events(w: &World, kind: &str) -> Vec<Value> {
    let mut tx = w.store().begin(&w.tenant("acme")).await.unwrap();
    let all = outbox::pending(&mut tx, 10_000).await.unwrap();
    all.into_iter()
        .filter(|e| e.event_type == kind)
        .map(|e| e.payload.0)
        .collect()
}

#[tokio::test]
async fn scope_rules_decide_who_sees_and_changes_what() {
    for (w, t, _) in worlds().await {
        let (course, modules) =
            course_with(&w, &t.teacher, "intro", &[json!({"kind": "all"})], 1).await;
        let path = format!("/api/v1/courses/{course}");
        // A draft: its instructor and admins see it; nobody else knows it exists.
        w.as_(&t.teacher).get(&path).expect(StatusCode::OK).await;
        w.as_(&t.admin).get(&path).expect(StatusCode::OK).await;
        w.as_(&t.other_teacher)
            .get(&path)
            .expect(StatusCode::NOT_FOUND)
            .await;
        w.as_(&t.student)
            .get(&path)
            .expect(StatusCode::NOT_FOUND)
            .await;
        let catalog = w
            .as_(&t.student)
            .get("/api/v1/courses")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            catalog["items"].as_array().unwrap().len(),
            0,
            "{w}: drafts stay out of the catalog"
        );
        // Only its instructors and admins change it; students cannot create courses.
        let edit = json!({"slug": "intro", "title": "Intro, revised"});
        w.as_(&t.other_teacher)
            .put(&path)
            .json(&edit)
            .expect(StatusCode::NOT_FOUND)
            .await;
        w.as_(&t.admin)
            .put(&path)
            .json(&edit)
            .expect(StatusCode::OK)
            .await;
        w.as_(&t.student)
            .post("/api/v1/courses")
            .json(&json!({"slug": "mine", "title": "Mine"}))
            .expect(StatusCode::FORBIDDEN)
            .await;

        w.as_(&t.teacher)
            .post(format!("{path}/publish"))
            .expect(StatusCode::OK)
            .await;
        // Published: visible to all; the other instructor still may not edit it.
        w.as_(&t.student).get(&path).expect(StatusCode::OK).await;
        w.as_(&t.other_teacher)
            .put(&path)
            .json(&edit)
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        // Content needs an enrollment.
        let lessons = format!("/api/v1/modules/{}/lessons", modules[0].0);
        w.as_(&t.student)
            .get(&lessons)
            .expect_error(StatusCode::FORBIDDEN, "NOT_ENROLLED")
            .await;
        w.as_(&t.student)
            .get(format!("/api/v1/courses/{course}/modules"))
            .expect(StatusCode::OK)
            .await;
        let enroll = format!("{path}/enroll");
        w.as_(&t.student)
            .post(&enroll)
            .expect(StatusCode::CREATED)
            .await;
        w.as_(&t.student).post(&enroll).expect(StatusCode::OK).await;
        let listed = w
            .as_(&t.student)
            .get(&lessons)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert!(
            listed["items"][0]["content"][0]["html"]
                .as_str()
                .unwrap()
                .contains("<h1>"),
            "{w}: {listed}"
        );
        // A student may not see the students, nor enroll others; the instructor may.
        w.as_(&t.student)
            .get(format!("{path}/students"))
            .expect(StatusCode::FORBIDDEN)
            .await;
        let students = w
            .as_(&t.teacher)
            .get(format!("{path}/students"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            students["items"][0]["user"]["email"], "student@acme.test",
            "{w}: {students}"
        );
        let me = w
            .as_(&t.student2)
            .get("/api/v1/me")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let other = json!({"user_id": me["user"]["id"]});
        for user in [&t.student, &t.other_teacher] {
            w.as_(user)
                .post(&enroll)
                .json(&other)
                .expect(StatusCode::FORBIDDEN)
                .await;
        }
        let enrolled = w
            .as_(&t.teacher)
            .post(&enroll)
            .json(&other)
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let teacher = w
            .as_(&t.teacher)
            .get("/api/v1/me")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(enrolled["enrolled_by"], teacher["user"]["id"], "{w}");
        // A due date for one learner: the field is required (`null` clears it).
        let enrollment_path = format!("/api/v1/enrollments/{}", enrolled["id"].as_str().unwrap());
        w.as_(&t.teacher)
            .patch(&enrollment_path)
            .json(&json!({}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
            .await;
        let extended = w
            .as_(&t.teacher)
            .patch(&enrollment_path)
            .json(&json!({"due_at": "2027-03-01T12:00:00Z"}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            extended["due_at"], "2027-03-01T12:00:00Z",
            "{w}: {extended}"
        );
        w.as_(&t.student2)
            .patch(&enrollment_path)
            .json(&json!({"due_at": null}))
            .expect(StatusCode::NOT_FOUND)
            .await;
        // Deleting a course with enrollments archives it; it needs `course:delete` (admins).
        w.as_(&t.teacher)
            .delete(&path)
            .expect(StatusCode::FORBIDDEN)
            .await;
        let archived = w
            .as_(&t.admin)
            .delete(&path)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(archived["status"], "archived", "{w}: {archived}");
        w.as_(&t.admin)
            .post(format!("{path}/archive"))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(
            events(&w, "course.archived").await.len(),
            1,
            "{w}: archiving again changes nothing"
        );
        w.as_(&t.student).get(&path).expect(StatusCode::OK).await;
        w.as_(&t.other_teacher)
            .get(&path)
            .expect(StatusCode::NOT_FOUND)
            .await;
        // A draft that never had learners is deleted.
        let (draft, _) = course_with(&w, &t.teacher, "scratch", &[], 0).await;
        let draft = format!("/api/v1/courses/{draft}");
        w.as_(&t.admin)
            .delete(&draft)
            .expect(StatusCode::NO_CONTENT)
            .await;
        w.as_(&t.admin)
            .get(&draft)
            .expect(StatusCode::NOT_FOUND)
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
) -> Vec<(Method, String, Option<Value>)> {
    let lesson_body = text_lesson("Stolen");
    vec![
        (Method::GET, format!("/api/v1/courses/{course}"), None),
        (
            Method::PUT,
            format!("/api/v1/courses/{course}"),
            Some(json!({"slug": "x", "title": "x"})),
        ),
        (Method::DELETE, format!("/api/v1/courses/{course}"), None),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/publish"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/archive"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/modules"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/modules"),
            Some(json!({"title": "x"})),
        ),
        (
            Method::PUT,
            format!("/api/v1/courses/{course}/modules/order"),
            Some(json!({"order": [module]})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/modules/{module}"),
            Some(json!({"title": "x"})),
        ),
        (Method::DELETE, format!("/api/v1/modules/{module}"), None),
        (
            Method::GET,
            format!("/api/v1/modules/{module}/lessons"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/modules/{module}/lessons"),
            Some(lesson_body.clone()),
        ),
        (
            Method::PUT,
            format!("/api/v1/modules/{module}/lessons/order"),
            Some(json!({"order": [lesson]})),
        ),
        (Method::GET, format!("/api/v1/lessons/{lesson}"), None),
        (
            Method::PUT,
            format!("/api/v1/lessons/{lesson}"),
            Some(lesson_body),
        ),
        (Method::DELETE, format!("/api/v1/lessons/{lesson}"), None),
        (
            Method::PUT,
            format!("/api/v1/lessons/{lesson}/progress"),
            Some(json!({"percent": 100})),
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/progress"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/enroll"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/students"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/enrollments/{enrollment}"),
            Some(json!({"due_at": null})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/enrollments/{enrollment}"),
            None,
        ),
        (Method::GET, format!("/verify/{code}"), None),
    ]
}

/// Routes whose cross-tenant test lives elsewhere: the user routes in
/// `users.rs::admins_cannot_reach_users_of_another_tenant`, the CSV import right in
/// `every_endpoint_refuses_another_tenants_ids` (it takes a CSV body, not JSON), the webhook
/// routes in `webhooks.rs::another_tenants_webhooks_and_deliveries_are_not_found`, the group
/// routes in `people.rs::another_tenants_groups_and_people_are_not_found_and_nothing_changes`,
/// the assessment routes in
/// `assessments.rs::another_tenants_assessments_questions_banks_and_submissions_are_not_found`.
const CROSS_TENANT_TESTED_ELSEWHERE: [(&str, &str); 76] = [
    ("GET", "/api/v1/users/{id}"),
    ("PATCH", "/api/v1/users/{id}"),
    ("POST", "/api/v1/users/{id}/deactivate"),
    ("POST", "/api/v1/users/{id}/reactivate"),
    ("POST", "/api/v1/users/{id}/unlock"),
    ("POST", "/api/v1/users/{id}/invitation"),
    // tests/recovery.rs, `an_admin_sends_a_reset_but_not_to_another_tenants_people`.
    ("POST", "/api/v1/users/{id}/password-reset"),
    ("POST", "/api/v1/courses/{id}/enrollments/import"),
    // tests/settings.rs: another tenant's domain is `DOMAIN_NOT_FOUND`.
    ("POST", "/api/v1/tenant/domains/{domain}/verify"),
    ("DELETE", "/api/v1/tenant/domains/{domain}"),
    // tests/webhooks.rs, `another_tenants_webhooks_and_deliveries_are_not_found`.
    ("GET", "/api/v1/webhooks/{id}"),
    ("PATCH", "/api/v1/webhooks/{id}"),
    ("DELETE", "/api/v1/webhooks/{id}"),
    ("POST", "/api/v1/webhooks/{id}/rotate-secret"),
    ("GET", "/api/v1/webhooks/{id}/deliveries"),
    (
        "POST",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay",
    ),
    // tests/people.rs, `another_tenants_groups_and_people_are_not_found_and_nothing_changes`.
    ("GET", "/api/v1/groups/{id}"),
    ("PATCH", "/api/v1/groups/{id}"),
    ("DELETE", "/api/v1/groups/{id}"),
    ("POST", "/api/v1/groups/{id}/members"),
    ("DELETE", "/api/v1/groups/{id}/members/{user_id}"),
    ("POST", "/api/v1/groups/{id}/enroll"),
    // tests/files.rs, `signed_urls_are_bound_to_their_tenant_their_file_and_their_time`.
    ("POST", "/api/v1/courses/{id}/files"),
    ("GET", "/api/v1/courses/{id}/files"),
    ("GET", "/api/v1/files/{id}"),
    ("DELETE", "/api/v1/files/{id}"),
    ("GET", "/api/v1/files/{id}/content"),
    // tests/files.rs, `an_uploaded_logo_is_kept_under_its_tenant_served_to_anyone_and_replaced_whole`.
    ("GET", "/api/v1/branding/{id}"),
    // tests/assessments.rs, `another_tenants_assessments_questions_banks_and_submissions_are_not_found`.
    ("GET", "/api/v1/courses/{id}/assessments"),
    ("POST", "/api/v1/courses/{id}/assessments"),
    ("GET", "/api/v1/assessments/{id}"),
    ("PATCH", "/api/v1/assessments/{id}"),
    ("DELETE", "/api/v1/assessments/{id}"),
    ("POST", "/api/v1/assessments/{id}/questions"),
    ("GET", "/api/v1/questions/{id}"),
    ("PATCH", "/api/v1/questions/{id}"),
    ("DELETE", "/api/v1/questions/{id}"),
    ("GET", "/api/v1/courses/{id}/question-banks"),
    ("POST", "/api/v1/courses/{id}/question-banks"),
    ("GET", "/api/v1/question-banks/{id}"),
    ("DELETE", "/api/v1/question-banks/{id}"),
    ("POST", "/api/v1/question-banks/{id}/questions"),
    ("POST", "/api/v1/assessments/{id}/attempts"),
    ("PUT", "/api/v1/attempts/{id}/answers"),
    ("POST", "/api/v1/assessments/{id}/submissions"),
    ("GET", "/api/v1/assessments/{id}/submissions"),
    ("GET", "/api/v1/submissions/{id}"),
    ("POST", "/api/v1/submissions/{id}/grades"),
    // tests/assignments.rs, `another_tenants_assignments_work_and_extensions_are_not_found`.
    ("GET", "/api/v1/assessments/{id}/assignment"),
    ("PUT", "/api/v1/assessments/{id}/assignment"),
    ("GET", "/api/v1/assessments/{id}/my-submission"),
    ("PUT", "/api/v1/assessments/{id}/my-submission"),
    ("POST", "/api/v1/assessments/{id}/my-submission/files"),
    (
        "DELETE",
        "/api/v1/assessments/{id}/my-submission/files/{file_id}",
    ),
    ("POST", "/api/v1/assessments/{id}/my-submission/submit"),
    ("GET", "/api/v1/assessments/{id}/grading-queue"),
    ("GET", "/api/v1/courses/{id}/grading-queue"),
    ("GET", "/api/v1/courses/{id}/rubric-averages"),
    ("POST", "/api/v1/assessments/{id}/release-grades"),
    ("GET", "/api/v1/assessments/{id}/extensions"),
    ("POST", "/api/v1/assessments/{id}/extensions"),
    ("DELETE", "/api/v1/extensions/{id}"),
    ("GET", "/api/v1/assignment-submissions/{id}"),
    ("POST", "/api/v1/assignment-submissions/{id}/grade"),
    ("POST", "/api/v1/assignment-submissions/{id}/release"),
    ("POST", "/api/v1/assignment-submissions/{id}/return"),
    ("GET", "/api/v1/assessments/{id}/item-analysis"),
    // tests/gradebook.rs, `another_tenants_gradebook_categories_and_item_analysis_are_not_found`.
    ("GET", "/api/v1/courses/{id}/gradebook"),
    ("GET", "/api/v1/courses/{id}/gradebook.csv"),
    ("GET", "/api/v1/courses/{id}/my-grades"),
    ("GET", "/api/v1/courses/{id}/grade-categories"),
    ("POST", "/api/v1/courses/{id}/grade-categories"),
    ("PATCH", "/api/v1/grade-categories/{id}"),
    ("DELETE", "/api/v1/grade-categories/{id}"),
    ("GET", "/api/v1/courses/{id}/grading"),
    ("PUT", "/api/v1/courses/{id}/grading"),
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
            (method.to_string(), template)
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
    for (w, t, globex) in worlds_on_every_placement().await {
        let (course, modules) =
            course_with(&w, &t.teacher, "secret", &[json!({"kind": "all"})], 1).await;
        w.as_(&t.teacher)
            .post(format!("/api/v1/courses/{course}/publish"))
            .expect(StatusCode::OK)
            .await;
        let enrollment = w
            .as_(&t.student)
            .post(format!("/api/v1/courses/{course}/enroll"))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let done = progress(&w, &t.student, &modules[0].1[0], 100).await;
        let code = done["certificate"]["code"].as_str().unwrap().to_owned();
        let (module, lesson) = (modules[0].0.clone(), modules[0].1[0].clone());
        let enrollment = enrollment["id"].as_str().unwrap().to_owned();
        let fresh = || uuid::Uuid::now_v7().to_string();
        let theirs = routes(&course, &module, &lesson, &enrollment, &code);
        let nobodys = routes(&fresh(), &fresh(), &fresh(), &fresh(), "NOSUCHCODE12");
        // An admin of globex does not find it.
        w.as_(&globex.admin)
            .get(format!("/api/v1/courses/{course}"))
            .expect(StatusCode::NOT_FOUND)
            .await;
        for ((method, path, body), (_, unknown, _)) in theirs.iter().zip(&nobodys) {
            for user in [&globex.admin, &globex.teacher, &globex.student] {
                // Whatever the answer, it is the one an id that exists nowhere gets.
                let request = |path: &str| {
                    w.as_(user)
                        .request(method.clone(), path)
                        .maybe_json(body.as_ref())
                        .send()
                };
                let reply = request(path).await;
                let baseline = request(unknown).await;
                assert!(reply.status.is_client_error(), "{reply}");
                assert_eq!(
                    (reply.status, reply.error_code()),
                    (baseline.status, baseline.error_code()),
                    "{reply}\n  tells acme's ids apart from unknown ones: {baseline}"
                );
            }
            // An acme token on globex's address is refused (403) before anything else; the
            // public verification ignores tokens and finds nothing in globex.
            let expected = if path.starts_with("/verify/") {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::FORBIDDEN
            };
            w.as_(&t.admin)
                .at("globex")
                .request(method.clone(), path)
                .maybe_json(body.as_ref())
                .expect(expected)
                .await;
        }
        csv_upload(
            &w,
            &globex.admin,
            &course,
            b"email\nstudent@globex.test\n".to_vec(),
        )
        .expect(StatusCode::NOT_FOUND)
        .await;
        for path in [
            "/api/v1/courses",
            "/api/v1/enrollments",
            "/api/v1/me/dashboard",
        ] {
            let reply = w.as_(&globex.admin).get(path).expect(StatusCode::OK).await;
            assert!(
                !reply.json_value().to_string().contains(course.as_str()),
                "leaks acme's course: {reply}"
            );
        }
        // Nothing changed in acme.
        let reply = w
            .as_(&t.admin)
            .get(format!("/api/v1/courses/{course}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (reply["title"].as_str(), reply["status"].as_str()),
            (Some("Course secret"), Some("published")),
            "{w}: {reply}"
        );
        w.as_(&t.student)
            .get(format!("/verify/{code}"))
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn course_progress_rolls_up_through_each_completion_rule() {
    for (w, t, _) in worlds().await {
        let rules = [
            json!({"kind": "all"}),
            json!({"kind": "at_least", "count": 1}),
            json!({"kind": "required"}),
        ];
        let (course, modules) = course_with(&w, &t.teacher, "rules", &rules, 2).await;
        w.as_(&t.teacher)
            .post(format!("/api/v1/courses/{course}/publish"))
            .expect(StatusCode::OK)
            .await;
        w.as_(&t.student)
            .post(format!("/api/v1/courses/{course}/enroll"))
            .expect(StatusCode::CREATED)
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
                "{w}: {reply}"
            );
            assert_eq!(reply["certificate"].is_object(), completed, "{w}: {reply}");
        }
        let completed = events(&w, "lesson.completed").await;
        let percents: Vec<u64> = completed
            .iter()
            .map(|e| e["course_progress_percent"].as_u64().unwrap())
            .collect();
        assert_eq!(percents, [16, 50, 50, 66, 100], "{w}");
        assert_eq!(events(&w, "enrollment.completed").await.len(), 1, "{w}");
        assert_eq!(events(&w, "certificate.issued").await.len(), 1, "{w}");
        let published = events(&w, "course.published").await;
        assert_eq!(
            (
                published[0]["module_count"].as_u64(),
                published[0]["lesson_count"].as_u64()
            ),
            (Some(3), Some(6)),
            "{w}"
        );

        // Staff see a learner's progress; other learners and other instructors do not.
        let learner = w
            .as_(&t.student)
            .get("/api/v1/me")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let theirs = format!(
            "/api/v1/courses/{course}/progress?user_id={}",
            learner["user"]["id"].as_str().unwrap()
        );
        let seen = w
            .as_(&t.teacher)
            .get(&theirs)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (seen["percent"].as_u64(), seen["completed"].as_bool()),
            (Some(100), Some(true)),
            "{w}: {seen}"
        );
        w.as_(&t.other_teacher)
            .get(&theirs)
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        w.as_(&t.student2)
            .get(&theirs)
            .expect(StatusCode::FORBIDDEN)
            .await;
        let mine = w
            .as_(&t.student)
            .get("/api/v1/enrollments")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(mine["items"][0]["status"], "completed", "{w}: {mine}");
        assert!(mine["items"][0]["completed_at"].is_string(), "{w}: {mine}");
        let dashboard = w
            .as_(&t.student)
            .get("/api/v1/me/dashboard")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            dashboard["courses"][0]["progress_percent"], 100,
            "{w}: {dashboard}"
        );
        assert_eq!(dashboard["overall_percent"], 100, "{w}: {dashboard}");
        let code = dashboard["certificates"][0]["code"].as_str().unwrap();
        // Verification is public within the tenant, and only there.
        let verified = w
            .anonymous()
            .at("acme")
            .get(format!("/verify/{code}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (verified["course"].as_str(), verified["learner"].as_str()),
            (Some("Course rules"), Some("student of acme")),
            "{w}: {verified}"
        );
        w.anonymous()
            .at("globex")
            .get(format!("/verify/{code}"))
            .expect_error(StatusCode::NOT_FOUND, "CERTIFICATE_NOT_FOUND")
            .await;
        // Progress never goes back; a completed lesson stays complete.
        w.as_(&t.student)
            .put(format!("/api/v1/lessons/{}/progress", modules[0].1[0]))
            .json(&json!({"percent": 30}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "PROGRESS_DECREASE")
            .await;
    }
}

#[tokio::test]
async fn prerequisites_gate_self_enrollment_and_cannot_form_cycles() {
    for (w, t, _) in worlds().await {
        let (basics, basic_modules) =
            course_with(&w, &t.teacher, "basics", &[json!({"kind": "all"})], 1).await;
        let (advanced, _) =
            course_with(&w, &t.teacher, "advanced", &[json!({"kind": "all"})], 1).await;
        let requires = |slug: &str, ids: &[&str]| json!({"slug": slug, "title": format!("Course {slug}"), "prerequisites": ids});
        let teacher = w.as_(&t.teacher);
        teacher
            .put(format!("/api/v1/courses/{advanced}"))
            .json(&requires("advanced", &[&basics]))
            .expect(StatusCode::OK)
            .await;
        // Another teacher's draft is hidden from this one: as a prerequisite it is refused as
        // a course that does not exist, unless the course requires it already (an admin chose it).
        let (hidden, _) =
            course_with(&w, &t.other_teacher, "hidden", &[json!({"kind": "all"})], 1).await;
        for unseen in [hidden.as_str(), "01a23b6d-0000-7000-8000-000000000000"] {
            teacher
                .put(format!("/api/v1/courses/{advanced}"))
                .json(&requires("advanced", &[&basics, unseen]))
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_PREREQUISITE")
                .await;
        }
        w.as_(&t.admin)
            .put(format!("/api/v1/courses/{advanced}"))
            .json(&requires("advanced", &[&basics, &hidden]))
            .expect(StatusCode::OK)
            .await;
        teacher
            .put(format!("/api/v1/courses/{advanced}"))
            .json(&requires("advanced", &[&basics, &hidden]))
            .expect(StatusCode::OK)
            .await;
        teacher
            .put(format!("/api/v1/courses/{advanced}"))
            .json(&requires("advanced", &[&basics]))
            .expect(StatusCode::OK)
            .await;
        for cycle in [&advanced, &basics] {
            teacher
                .put(format!("/api/v1/courses/{basics}"))
                .json(&requires("basics", &[cycle]))
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "PREREQUISITE_CYCLE")
                .await;
        }
        let detail = teacher
            .get(format!("/api/v1/courses/{basics}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            detail["prerequisites"],
            json!([]),
            "{w}: nothing half-written"
        );

        for id in [&basics, &advanced] {
            teacher
                .post(format!("/api/v1/courses/{id}/publish"))
                .expect(StatusCode::OK)
                .await;
        }
        let student = w.as_(&t.student);
        student
            .post(format!("/api/v1/courses/{advanced}/enroll"))
            .expect_error(StatusCode::CONFLICT, "PREREQUISITES_NOT_MET")
            .await;
        student
            .post(format!("/api/v1/courses/{basics}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        progress(&w, &t.student, &basic_modules[0].1[0], 100).await;
        student
            .post(format!("/api/v1/courses/{advanced}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        // Staff may enroll a learner without the prerequisites.
        let me = w
            .as_(&t.student2)
            .get("/api/v1/me")
            .expect(StatusCode::OK)
            .await
            .json_value();
        teacher
            .post(format!("/api/v1/courses/{advanced}/enroll"))
            .json(&json!({"user_id": me["user"]["id"]}))
            .expect(StatusCode::CREATED)
            .await;
    }
}

#[tokio::test]
async fn bad_input_gets_clear_errors_and_writes_nothing() {
    for (w, t, _) in worlds().await {
        let (course, modules) =
            course_with(&w, &t.teacher, "strict", &[json!({"kind": "all"})], 2).await;
        let path = format!("/api/v1/courses/{course}");
        let (module, lessons) = (&modules[0].0, &modules[0].1);
        let teacher = w.as_(&t.teacher);
        // Enrolling in a draft: a draft is not visible to students.
        w.as_(&t.student)
            .post(format!("{path}/enroll"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        let me = w
            .as_(&t.student)
            .get("/api/v1/me")
            .expect(StatusCode::OK)
            .await
            .json_value();
        teacher
            .post(format!("{path}/enroll"))
            .json(&json!({"user_id": me["user"]["id"]}))
            .expect_error(StatusCode::CONFLICT, "COURSE_NOT_OPEN")
            .await;
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
            let reply = teacher.post("/api/v1/courses").json(&body).send().await;
            assert!(reply.status.is_client_error(), "{reply}");
            assert_eq!(reply.error_code(), Some(code), "{reply}");
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
            teacher
                .post(format!("/api/v1/modules/{module}/lessons"))
                .json(&json!({"title": "x", "kind": kind, "content": content}))
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_CONTENT")
                .await;
        }
        teacher
            .put(format!("/api/v1/modules/{module}/lessons/order"))
            .json(&json!({"order": [lessons[0], lessons[0]]}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
            .await;
        let listed = teacher
            .get(format!("/api/v1/modules/{module}/lessons"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let ids: Vec<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            [lessons[0].as_str(), lessons[1].as_str()],
            "{w}: order unchanged"
        );
        teacher
            .patch(format!("/api/v1/modules/{module}"))
            .json(&json!({"completion_rule": {"kind": "at_least", "count": 0}}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_COMPLETION_RULE")
            .await;

        // A full course, then progress out of range.
        teacher
            .put(&path)
            .json(&json!({"slug": "strict", "title": "Course strict", "max_enrollment": 1}))
            .expect(StatusCode::OK)
            .await;
        teacher
            .post(format!("{path}/publish"))
            .expect(StatusCode::OK)
            .await;
        w.as_(&t.student)
            .post(format!("{path}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        w.as_(&t.student2)
            .post(format!("{path}/enroll"))
            .expect_error(StatusCode::CONFLICT, "COURSE_FULL")
            .await;
        let lesson_progress = format!("/api/v1/lessons/{}/progress", lessons[0]);
        for (body, code) in [
            (json!({"percent": 101}), "INVALID_PROGRESS"),
            (json!({"percent": 300}), "VALIDATION_FAILED"),
            (json!({"percent": -5}), "VALIDATION_FAILED"),
            (json!({"percent": "half"}), "VALIDATION_FAILED"),
        ] {
            w.as_(&t.student)
                .put(&lesson_progress)
                .json(&body)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, code)
                .await;
        }
        progress(&w, &t.student, &lessons[0], 60).await;
        w.as_(&t.student)
            .put(&lesson_progress)
            .json(&json!({"percent": 59}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "PROGRESS_DECREASE")
            .await;
        let reply = progress(&w, &t.student, &lessons[0], 60).await;
        assert_eq!(reply["lesson"]["percent"], 60, "{w}: {reply}");
    }
}

#[tokio::test]
async fn release_rules_hold_lessons_back_from_learners_only() {
    for (w, t, _) in worlds().await {
        let (course, modules) =
            course_with(&w, &t.teacher, "paced", &[json!({"kind": "all"})], 2).await;
        let (first, second) = (&modules[0].1[0], &modules[0].1[1]);
        let mut locked = text_lesson("L0.1");
        locked["release_rule"] = json!({"kind": "after_previous"});
        let (teacher, student) = (w.as_(&t.teacher), w.as_(&t.student));
        teacher
            .put(format!("/api/v1/lessons/{second}"))
            .json(&locked)
            .expect(StatusCode::OK)
            .await;
        teacher
            .post(format!("/api/v1/courses/{course}/publish"))
            .expect(StatusCode::OK)
            .await;
        student
            .post(format!("/api/v1/courses/{course}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        student
            .get(format!("/api/v1/lessons/{second}"))
            .expect_error(StatusCode::FORBIDDEN, "LESSON_LOCKED")
            .await;
        teacher
            .get(format!("/api/v1/lessons/{second}"))
            .expect(StatusCode::OK)
            .await;
        let listed = student
            .get(format!("/api/v1/modules/{}/lessons", modules[0].0))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                listed["items"][1]["locked"].as_bool(),
                listed["items"][1]["content"].clone()
            ),
            (Some(true), json!([])),
            "{w}: {listed}"
        );
        progress(&w, &t.student, first, 100).await;
        student
            .get(format!("/api/v1/lessons/{second}"))
            .expect(StatusCode::OK)
            .await;
    }
}

/// A page size outside 1 to 200 is refused, not quietly clamped: a client asking for 0 or for
/// two billion rows learns its mistake instead of reading a short page as the end of the list.
#[tokio::test]
async fn page_sizes_out_of_range_are_refused() {
    for (w, t, _) in worlds().await {
        let admin = w.as_(&t.admin);
        for path in [
            "/api/v1/courses?limit=0",
            "/api/v1/courses?limit=201",
            "/api/v1/courses?limit=2147483648",
            "/api/v1/users?limit=0",
        ] {
            admin
                .get(path)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
                .await;
        }
        admin
            .get("/api/v1/courses?limit=200")
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn the_catalog_pages_without_skipping_or_repeating_while_courses_are_added() {
    for (w, t, _) in worlds().await {
        let admin = w.as_(&t.admin);
        for i in 0..7 {
            admin
                .post("/api/v1/courses")
                .json(&json!({"slug": format!("c{i}"), "title": format!("Topic {i}")}))
                .expect(StatusCode::CREATED)
                .await;
        }
        let mut seen: Vec<String> = Vec::new();
        // The first page under acme's path; the next ones where the `Link` header says.
        let mut next = "/t/acme/api/v1/courses?limit=3".to_owned();
        let mut added = 0;
        loop {
            let page = admin
                .clone()
                .unscoped()
                .get(&next)
                .expect(StatusCode::OK)
                .await;
            seen.extend(
                page.json_value()["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["slug"].as_str().unwrap().to_owned()),
            );
            if added < 2 {
                admin
                    .post("/api/v1/courses")
                    .json(&json!({"slug": format!("late{added}"), "title": "Late"}))
                    .expect(StatusCode::CREATED)
                    .await;
                added += 1;
            }
            match page.header("link") {
                Some(link) => {
                    next = link
                        .trim_start_matches('<')
                        .split('>')
                        .next()
                        .unwrap()
                        .to_owned();
                    assert!(link.ends_with("rel=\"next\""), "{page}: link {link}");
                }
                None => break,
            }
        }
        let expected: Vec<String> = (0..7)
            .map(|i| format!("c{i}"))
            .chain((0..2).map(|i| format!("late{i}")))
            .collect();
        assert_eq!(seen, expected, "{w}: every course once, in creation order");

        let found = admin
            .get("/api/v1/courses?q=TOPIC%203")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(found["items"][0]["slug"], "c3", "{w}: {found}");
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "{w}: {found}");
        // A search longer than a database pattern may be (SQLite's: 50,000 bytes) is cut to
        // 200 characters, not a 500; control characters and surrounding spaces do not count.
        let long = format!("%20%20topic%203{}", "x".repeat(60_000));
        let found = admin
            .get(format!("/api/v1/courses?q={long}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(found["items"].as_array().unwrap().len(), 0, "{w}: {found}");
        let found = admin
            .get("/api/v1/courses?q=%09topic%203")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(found["items"][0]["slug"], "c3", "{w}: {found}");
        let drafts = admin
            .get("/api/v1/courses?status=published")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            drafts["items"].as_array().unwrap().len(),
            0,
            "{w}: {drafts}"
        );
        admin
            .get("/api/v1/courses?status=lost")
            .expect(StatusCode::BAD_REQUEST)
            .await;
    }
}

#[tokio::test]
async fn course_detail_catalog_and_dashboard_answer_etags_and_not_modified() {
    for (w, t, _) in worlds().await {
        let (course, _) = published_course(&w, &t.teacher, "tagged", 1).await;
        w.as_(&t.student)
            .post(format!("/api/v1/courses/{course}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        let pages = [
            (format!("/api/v1/courses/{course}"), &t.teacher, "/title"),
            ("/api/v1/courses".to_owned(), &t.student, "/items/0/title"),
            (
                "/api/v1/me/dashboard".to_owned(),
                &t.student,
                "/courses/0/title",
            ),
        ];
        let etag_of = |reply: &Response| {
            let etag = reply.header("etag");
            etag.unwrap_or_else(|| panic!("{reply}: no ETag"))
                .to_owned()
        };
        let mut etags = Vec::new();
        for (path, user, _) in &pages {
            let first = w.as_(user).get(path).expect(StatusCode::OK).await;
            let etag = etag_of(&first);
            let again = w
                .as_(user)
                .get(path)
                .header("if-none-match", &etag)
                .expect(StatusCode::NOT_MODIFIED)
                .await;
            assert_eq!(etag_of(&again), etag, "{again}");
            assert!(again.bytes().is_empty(), "{again}: a 304 with a body");
            etags.push(etag);
        }
        w.as_(&t.teacher)
            .put(format!("/api/v1/courses/{course}"))
            .json(&json!({"slug": "tagged", "title": "Retitled"}))
            .expect(StatusCode::OK)
            .await;
        for ((path, user, title), etag) in pages.iter().zip(&etags) {
            // Changed since.
            let reply = w
                .as_(user)
                .get(path)
                .header("if-none-match", etag)
                .expect(StatusCode::OK)
                .await;
            assert_ne!(&etag_of(&reply), etag, "{reply}");
            assert_eq!(
                reply.json_value().pointer(title),
                Some(&json!("Retitled")),
                "{reply}"
            );
        }
    }
}

#[tokio::test]
async fn plan_limits_refuse_courses_and_students_past_the_plan() {
    for (w, t, _) in worlds_on(Plan::Free).await {
        let admin = w.as_(&t.admin);
        let max = Plan::Free.limits().max_courses.unwrap();
        let mut first = None;
        for i in 0..max {
            let course = admin
                .post("/api/v1/courses")
                .json(&json!({"slug": format!("p{i}"), "title": "P"}))
                .expect(StatusCode::CREATED)
                .await
                .json_value();
            first.get_or_insert(course["id"].as_str().unwrap().to_owned());
        }
        let reply = admin
            .post("/api/v1/courses")
            .json(&json!({"slug": "over", "title": "Over"}))
            .expect_error(StatusCode::FORBIDDEN, "PLAN_LIMIT_REACHED")
            .await;
        assert!(
            reply.json_value()["message"]
                .as_str()
                .unwrap()
                .contains("courses"),
            "{reply}"
        );
        admin
            .post(format!("/api/v1/courses/{}/archive", first.unwrap()))
            .expect(StatusCode::OK)
            .await;
        admin
            .post("/api/v1/courses")
            .json(&json!({"slug": "over", "title": "Over"}))
            .expect(StatusCode::CREATED)
            .await;

        let max = Plan::Free.limits().max_students.unwrap();
        for i in 2..max {
            admin
                .post("/api/v1/users")
                .json(&json!({"email": format!("s{i}@acme.test"), "display_name": "S", "role": "student"}))
                .expect(StatusCode::CREATED)
                .await;
        }
        let reply = admin
            .post("/api/v1/users")
            .json(&json!({"email": "one-more@acme.test", "display_name": "S", "role": "student"}))
            .expect_error(StatusCode::FORBIDDEN, "PLAN_LIMIT_REACHED")
            .await;
        assert!(
            reply.json_value()["message"]
                .as_str()
                .unwrap()
                .contains("students"),
            "{reply}"
        );
        admin
            .post("/api/v1/users")
            .json(
                &json!({"email": "teacher2@acme.test", "display_name": "T", "role": "instructor"}),
            )
            .expect(StatusCode::CREATED)
            .await;
    }
}

#[tokio::test]
async fn bulk_enrollment_from_a_csv_of_ten_thousand_rows_reports_each_row() {
    for (w, t, _) in worlds().await {
        let (course, _) = published_course(&w, &t.teacher, "bulk", 1).await;
        let mut tx = w.store().begin_write(&w.tenant("acme")).await.unwrap();
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
        let upload = |body: Vec<u8>| csv_upload(&w, &t.teacher, &course, body);
        let report = upload(csv.clone().into_bytes())
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(report["rows"].as_array().unwrap().len(), 10_000, "{w}");
        assert_eq!(
            (report["created"].as_u64(), report["failed"].as_u64()),
            (Some(9_990), Some(5)),
            "{w}: {}",
            report["rows"][9_990]
        );
        assert_eq!(
            report["already_enrolled"], 5,
            "{w}: repeated rows in one file"
        );
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
            ],
            "{w}"
        );
        let students = w
            .as_(&t.teacher)
            .get(format!("/api/v1/courses/{course}/students?limit=1"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            students["items"][0]["enrollment"]["due_at"], "2027-01-31T23:59:59Z",
            "{w}: {students}"
        );

        // The same file again changes nothing.
        let again = upload(csv.into_bytes())
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                again["created"].as_u64(),
                again["already_enrolled"].as_u64(),
                again["failed"].as_u64()
            ),
            (Some(0), Some(9_995), Some(5)),
            "{w}"
        );
        assert_eq!(events(&w, "student.enrolled").await.len(), 9_990, "{w}");

        // Whole-file refusals.
        let latin1 = b"email\nj\xe9r\xf4me@acme.test\n".to_vec();
        for (body, needle) in [(latin1, "UTF-8"), (b"name,mail\nx,y\n".to_vec(), "email")] {
            let reply = upload(body)
                .expect_error(StatusCode::BAD_REQUEST, "INVALID_CSV")
                .await;
            assert!(
                reply.json_value()["message"]
                    .as_str()
                    .unwrap()
                    .contains(needle),
                "{reply}"
            );
        }
    }
}

#[tokio::test]
async fn concurrent_reports_complete_a_course_once() {
    for (w, t, _) in worlds().await {
        let (course, modules) =
            course_with(&w, &t.teacher, "race", &[json!({"kind": "all"})], 1).await;
        w.as_(&t.teacher)
            .post(format!("/api/v1/courses/{course}/publish"))
            .expect(StatusCode::OK)
            .await;
        w.as_(&t.student)
            .post(format!("/api/v1/courses/{course}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        let path = format!("/api/v1/lessons/{}/progress", modules[0].1[0]);
        let report = || {
            w.as_(&t.student)
                .put(&path)
                .json(&json!({"percent": 100}))
                .expect(StatusCode::OK)
        };
        tokio::join!(report(), report(), report());
        assert_eq!(events(&w, "lesson.completed").await.len(), 1, "{w}");
        assert_eq!(events(&w, "enrollment.completed").await.len(), 1, "{w}");
        assert_eq!(events(&w, "certificate.issued").await.len(), 1, "{w}");
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

/// `GET path` in `user`'s tenant as `user`, which must answer 200; answers the body.
#[track_caller]
fn get<'w>(w: &'w World, user: &User, path: &str) -> impl Future<Output = Value> + 'w {
    let page = w.as_(user).get(path).expect(StatusCode::OK);
    async move { page.await.json_value() }
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
    for (w, t, globex) in worlds().await {
        let catalog = |user: &User| get(&w, user, "/api/v1/courses");
        let dashboard = |user: &User| get(&w, user, "/api/v1/me/dashboard");
        let admin = w.as_(&t.admin);
        let (first, modules) =
            course_with(&w, &t.admin, "first", &[json!({"kind": "all"})], 2).await;
        admin
            .post(format!("/api/v1/courses/{first}/publish"))
            .expect(StatusCode::OK)
            .await;

        // A second identical request is a hit and answers the same.
        let before = cache_hits(&w);
        assert_eq!(slugs(&catalog(&t.student).await), ["first"], "{w}");
        assert_eq!(slugs(&catalog(&t.student).await), ["first"], "{w}");
        assert_eq!(
            cache_hits(&w),
            before + 1,
            "{w}: the repeated page was not cached"
        );
        assert_eq!(slugs(&catalog(&t.student2).await), ["first"], "{w}");
        assert_eq!(
            cache_hits(&w),
            before + 2,
            "{w}: students do not share the catalog"
        );

        // Copies are per viewer: the admin's page has the draft, the student's never does.
        course_with(&w, &t.admin, "draft", &[json!({"kind": "all"})], 1).await;
        assert_eq!(slugs(&catalog(&t.admin).await), ["first", "draft"], "{w}");
        assert_eq!(slugs(&catalog(&t.student).await), ["first"], "{w}");

        // Any write in the tenant retires the copies read before it.
        let path = format!("/api/v1/courses/{}/publish", {
            let page = catalog(&t.admin).await;
            page["items"][1]["id"].as_str().unwrap().to_owned()
        });
        admin.post(&path).expect(StatusCode::OK).await;
        assert_eq!(slugs(&catalog(&t.student).await), ["first", "draft"], "{w}");

        assert_eq!(dashboard(&t.student).await["courses"], json!([]), "{w}");
        w.as_(&t.student)
            .post(format!("/api/v1/courses/{first}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        let board = dashboard(&t.student).await;
        assert_eq!(board["courses"][0]["progress_percent"], 0, "{w}: {board}");
        progress(&w, &t.student, &modules[0].1[0], 100).await;
        let board = dashboard(&t.student).await;
        assert_eq!(board["courses"][0]["progress_percent"], 50, "{w}: {board}");
        assert_eq!(
            dashboard(&t.student2).await["courses"],
            json!([]),
            "{w}: another learner"
        );

        // A learner's own writes (enrolling, progress, signing in) leave the copies the tenant
        // shares: the students' catalog read before them is still served.
        let before = cache_hits(&w);
        w.sign_in(&t.student2).await;
        assert_eq!(
            slugs(&catalog(&t.student2).await),
            ["first", "draft"],
            "{w}"
        );
        assert_eq!(
            cache_hits(&w),
            before + 1,
            "{w}: a learner's write retired the catalog"
        );
        // Nor does anyone signing out with a made-up token (which changes nothing).
        w.anonymous()
            .at("acme")
            .post("/api/v1/auth/logout")
            .json(&json!({"refresh_token": "made-up"}))
            .expect(StatusCode::NO_CONTENT)
            .await;
        catalog(&t.student).await;
        assert_eq!(
            cache_hits(&w),
            before + 2,
            "{w}: a bogus sign-out retired the catalog"
        );

        // Staff enrolling a learner retires that learner's dashboard.
        let me = get(&w, &t.student2, "/api/v1/me").await;
        assert_eq!(dashboard(&t.student2).await["courses"], json!([]), "{w}");
        let enrollment = admin
            .post(format!("/api/v1/courses/{first}/enroll"))
            .json(&json!({"user_id": me["user"]["id"]}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let board = dashboard(&t.student2).await;
        assert_eq!(
            board["courses"][0]["course_id"].as_str(),
            Some(first.as_str()),
            "{w}: {board}"
        );
        // ... as does giving them an extension.
        admin
            .patch(format!(
                "/api/v1/enrollments/{}",
                enrollment["id"].as_str().unwrap()
            ))
            .json(&json!({"due_at": "2031-01-31T00:00:00Z"}))
            .expect(StatusCode::OK)
            .await;
        let board = dashboard(&t.student2).await;
        assert_eq!(
            board["upcoming"][0]["due_at"], "2031-01-31T00:00:00Z",
            "{w}: {board}"
        );

        // Another tenant's copies outlive acme's writes, and never show acme's courses.
        assert_eq!(
            slugs(&catalog(&globex.student).await),
            Vec::<&str>::new(),
            "{w}"
        );
        let before = cache_hits(&w);
        progress(&w, &t.student, &modules[0].1[1], 100).await;
        assert_eq!(
            slugs(&catalog(&globex.student).await),
            Vec::<&str>::new(),
            "{w}"
        );
        assert_eq!(
            cache_hits(&w),
            before + 1,
            "{w}: acme's write retired globex's copy"
        );
        let board = dashboard(&t.student).await;
        assert_eq!(board["courses"][0]["progress_percent"], 100, "{w}: {board}");
        assert_eq!(
            board["certificates"].as_array().unwrap().len(),
            1,
            "{w}: {board}"
        );
    }
}

#[tokio::test]
async fn a_change_through_one_server_shows_on_another_sharing_the_database() {
    let (config, guard) = testing::postgres_config().await;
    // Copies that would otherwise be served for an hour: only the notice can retire them.
    let server = || {
        let mut config = ServerConfig::default();
        config.response_cache.ttl = std::time::Duration::from_secs(3600);
        config
    };
    let mut one = World::with_server(config.clone(), Some(guard), server()).await;
    let mut two = World::with_server(config, None, server()).await;
    one.label.push_str(" (server one)");
    two.label.push_str(" (server two)");
    one.provision("acme", Plan::Pro, json!({})).await;
    let admin = one.user("acme", "admin@acme.test", Role::Admin).await;
    let student = one.user("acme", "student@acme.test", Role::Student).await;
    let student = two.sign_in(&student).await;
    let catalog = || get(&two, &student, "/api/v1/courses");
    assert_eq!(slugs(&catalog().await), Vec::<&str>::new(), "{two}");

    let admin = one.as_(&admin);
    let id = |reply: Response| reply.json_value()["id"].as_str().unwrap().to_owned();
    let course = id(admin
        .post("/api/v1/courses")
        .json(&json!({"slug": "news", "title": "News"}))
        .expect(StatusCode::CREATED)
        .await);
    let module = id(admin
        .post(format!("/api/v1/courses/{course}/modules"))
        .json(&json!({"title": "M"}))
        .expect(StatusCode::CREATED)
        .await);
    admin
        .post(format!("/api/v1/modules/{module}/lessons"))
        .json(&text_lesson("L"))
        .expect(StatusCode::CREATED)
        .await;
    admin
        .post(format!("/api/v1/courses/{course}/publish"))
        .expect(StatusCode::OK)
        .await;

    let shown = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            if slugs(&catalog().await) == ["news"] {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(shown.is_ok(), "{two} kept serving its stale catalog");
    // Server two reports what it heard; neither lost its listener.
    let notices = |w: &World, event: &str| {
        let line = format!("lyceum_data_version_notices_total{{event=\"{event}\"}} ");
        let text = w.state.metrics.render(&w.state.store);
        text.lines()
            .find_map(|l| {
                l.strip_prefix(line.as_str())
                    .map(|n| n.parse::<u64>().unwrap())
            })
            .unwrap_or_else(|| panic!("{w}: no {event} notices in\n{text}"))
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
    for (w, t, _) in worlds().await {
        let (draft, _) = course_with(&w, &t.teacher, "taught", &[json!({"kind": "all"})], 1).await;
        let page = get(&w, &t.teacher, "/api/v1/courses").await;
        assert_eq!(slugs(&page), ["taught"], "{w}");
        let me = get(&w, &t.teacher, "/api/v1/me").await;
        w.as_(&t.admin)
            .patch(format!(
                "/api/v1/users/{}",
                me["user"]["id"].as_str().unwrap()
            ))
            .json(&json!({"role": "student"}))
            .expect(StatusCode::OK)
            .await;

        let demoted = w.sign_in(&t.teacher).await;
        let page = get(&w, &demoted, "/api/v1/courses").await;
        assert_eq!(
            slugs(&page),
            Vec::<&str>::new(),
            "{w}: a student saw a draft"
        );
        w.as_(&demoted)
            .get(format!("/api/v1/courses/{draft}"))
            .expect(StatusCode::NOT_FOUND)
            .await;
    }
}

#[tokio::test]
async fn a_csv_may_be_larger_than_a_json_body_up_to_its_own_limit() {
    for (w, t, _) in worlds().await {
        let (course, _) = published_course(&w, &t.teacher, "big", 1).await;
        let upload = |body: String| csv_upload(&w, &t.teacher, &course, body.into_bytes());
        // 40,000 rows of long addresses nobody has: past the 1 MiB a JSON body may have.
        let mut csv = String::from("email\n");
        for i in 0..40_000 {
            csv.push_str(&format!(
                "a-rather-long-address-number-{i}@elsewhere.example\n"
            ));
        }
        assert!(csv.len() > 1 << 20);
        let report = upload(csv).expect(StatusCode::OK).await.json_value();
        assert_eq!(report["failed"], 40_000, "{w}");
        assert_eq!(report["rows"][39_999]["code"], "UNKNOWN_USER", "{w}");

        upload("x".repeat(9 << 20))
            .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
            .await;
        let long = json!({"slug": "long", "title": "Long", "description": "x".repeat(2 << 20)});
        w.as_(&t.teacher)
            .post("/api/v1/courses")
            .json(&long)
            .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE")
            .await;
    }
}

#[tokio::test]
async fn concurrent_requests_for_a_stale_page_wait_for_one_read() {
    for (w, t, _) in worlds().await {
        published_course(&w, &t.teacher, "first", 1).await;
        get(&w, &t.student, "/api/v1/courses").await;
        // A course published: the students' catalog copy is stale.
        published_course(&w, &t.teacher, "second", 1).await;
        let (hits, misses) = (cache_lookups(&w, "hit"), cache_lookups(&w, "miss"));
        let catalog = |user: &User| get(&w, user, "/api/v1/courses");
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
        assert!(
            pages.iter().all(|p| slugs(p) == ["first", "second"]),
            "{w}: {pages:?}"
        );
        assert_eq!(
            cache_lookups(&w, "miss"),
            misses + 1,
            "{w}: more than one read"
        );
        assert_eq!(cache_lookups(&w, "hit"), hits + 7, "{w}");
    }
}
