//! People in bulk over HTTP, on both engines (and every placement where tenants meet): the CSV
//! import of people (every bad row kind, whole files refused writing nothing, an invitation
//! mail queued for each person created), the user list's search and filters, and groups
//! (create, rename, delete, members, enrolling a whole group, the students report by group,
//! and nothing of one tenant's groups reachable from another).

mod common;

use axum::http::StatusCode;
use common::world::{Call, User, World};
use lyceum_app::jobs::{self, JobFilter};
use lyceum_domain::{Job, Mail, Plan, Role, SendMail};
use serde_json::{json, Value};

/// Acme (Pro plan) with an admin, an instructor and a student; globex with an admin and a
/// student.
struct Cast {
    admin: User,
    instructor: User,
    student: User,
    globex_admin: User,
    globex_student: User,
}

async fn with_cast(worlds: Vec<World>) -> Vec<(World, Cast)> {
    let mut out = Vec::new();
    for w in worlds {
        w.provision("acme", Plan::Pro, json!({})).await;
        w.provision("globex", Plan::Pro, json!({})).await;
        let cast = Cast {
            admin: w.user("acme", "admin@acme.test", Role::Admin).await,
            instructor: w.user("acme", "teacher@acme.test", Role::Instructor).await,
            student: w.user("acme", "student@acme.test", Role::Student).await,
            globex_admin: w.user("globex", "admin@globex.test", Role::Admin).await,
            globex_student: w.user("globex", "student@globex.test", Role::Student).await,
        };
        out.push((w, cast));
    }
    out
}

async fn worlds() -> Vec<(World, Cast)> {
    with_cast(World::on_each_engine().await).await
}

async fn worlds_on_every_placement() -> Vec<(World, Cast)> {
    with_cast(World::on_every_placement().await).await
}

fn upload<'w>(w: &'w World, user: &User, csv: impl Into<Vec<u8>>) -> Call<'w> {
    w.as_(user)
        .post("/api/v1/users/import")
        .body("text/csv", csv.into())
}

/// A published course `slug` of `teacher`'s with one lesson (and `seats`, if given).
async fn published(w: &World, teacher: &User, slug: &str, seats: Option<u32>) -> String {
    let client = w.as_(teacher);
    let course = client
        .post("/api/v1/courses")
        .json(&json!({"slug": slug, "title": format!("Course {slug}"), "max_enrollment": seats}))
        .expect(StatusCode::CREATED)
        .await
        .json_value();
    let id = course["id"].as_str().unwrap().to_owned();
    let module = client
        .post(format!("/api/v1/courses/{id}/modules"))
        .json(&json!({"title": "M"}))
        .expect(StatusCode::CREATED)
        .await
        .json_value();
    let module = module["id"].as_str().unwrap();
    client
        .post(format!("/api/v1/modules/{module}/lessons"))
        .json(&json!({"title": "L", "kind": "text", "content": [{"type": "markdown", "markdown": "Body."}]}))
        .expect(StatusCode::CREATED)
        .await;
    client
        .post(format!("/api/v1/courses/{id}/publish"))
        .expect(StatusCode::OK)
        .await;
    id
}

/// The e-mail addresses of acme's users.
async fn emails(w: &World, admin: &User) -> Vec<String> {
    let page = w
        .as_(admin)
        .get("/api/v1/users?limit=200")
        .expect(StatusCode::OK)
        .await
        .json_value();
    let mut found: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

/// The invitation mails queued in acme, as (recipient id) strings.
async fn invitation_mails(w: &World) -> Vec<String> {
    let filter = JobFilter {
        state: None,
        kind: Some(SendMail::KIND.to_owned()),
    };
    jobs::list(w.store(), Some("acme"), &filter, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|found| serde_json::from_value::<SendMail>(found.job.payload.0).unwrap())
        .filter(|mail| matches!(mail.mail, Mail::Invitation { .. }))
        .map(|mail| mail.to.to_string())
        .collect()
}

fn row(report: &Value, line: u64) -> &Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["line"] == line)
        .unwrap_or_else(|| panic!("no line {line} in {report}"))
}

#[tokio::test]
async fn an_import_creates_the_good_rows_and_says_why_each_bad_one_failed() {
    for (w, c) in worlds().await {
        let course = published(&w, &c.instructor, "intro", None).await;
        let draft = w
            .as_(&c.instructor)
            .post("/api/v1/courses")
            .json(&json!({"slug": "draft", "title": "Draft"}))
            .expect(StatusCode::CREATED)
            .await;
        assert_eq!(draft.status, StatusCode::CREATED);
        let csv = "\u{feff}email,name,role,courses\n\
            ann@acme.test,Ann,student,intro\n\
            bea@acme.test,Bea,Instructor,\n\
            not-an-address,Cid,student,\n\
            ANN@acme.test,Ann again,student,\n\
            student@acme.test,Already here,student,\n\
            dan@acme.test,Dan,wizard,\n\
            eve@acme.test,Eve,student,intro;nosuch\n\
            fay@acme.test,Fay\n\
            gus@acme.test,,student,\n\
            hal@acme.test,Hal,student,draft\n\
            ivy@acme.test,\"Ivy, the =1+1\",admin,\n";
        let report = upload(&w, &c.admin, csv)
            .expect(StatusCode::OK)
            .await
            .json_value();
        let expect = [
            (2, "created", None),
            (3, "created", None),
            (4, "failed", Some("INVALID_EMAIL")),
            (5, "failed", Some("DUPLICATE_EMAIL")),
            (6, "already_exists", Some("USER_EXISTS")),
            (7, "failed", Some("UNKNOWN_ROLE")),
            (8, "failed", Some("UNKNOWN_COURSE")),
            (9, "failed", Some("INVALID_ROW")),
            (10, "failed", Some("INVALID_ROW")),
            (11, "failed", Some("COURSE_NOT_OPEN")),
            (12, "created", None),
        ];
        for (line, result, code) in expect {
            let got = row(&report, line);
            assert_eq!(
                (got["result"].as_str(), got["code"].as_str()),
                (Some(result), code),
                "{w}: line {line}: {got}"
            );
        }
        assert_eq!(
            (
                &report["created"],
                &report["already_exists"],
                &report["failed"]
            ),
            (&json!(3), &json!(1), &json!(7)),
            "{w}: {report}"
        );
        // The good rows are there, invited; the bad ones wrote nothing.
        let now = emails(&w, &c.admin).await;
        for made in ["ann@acme.test", "bea@acme.test", "ivy@acme.test"] {
            assert!(now.contains(&made.to_owned()), "{w}: {now:?}");
        }
        for refused in [
            "dan@acme.test",
            "eve@acme.test",
            "fay@acme.test",
            "gus@acme.test",
            "hal@acme.test",
        ] {
            assert!(
                !now.contains(&refused.to_owned()),
                "{w}: {refused} in {now:?}"
            );
        }
        let listed = w
            .as_(&c.admin)
            .get("/api/v1/users?q=ann@acme")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let ann = &listed["items"][0];
        assert_eq!(
            (
                ann["status"].as_str(),
                ann["role"].as_str(),
                ann["display_name"].as_str()
            ),
            (Some("invited"), Some("student"), Some("Ann")),
            "{w}: {listed}"
        );
        let bea = w
            .as_(&c.admin)
            .get("/api/v1/users?q=bea@acme")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(bea["items"][0]["role"], "instructor", "{w}: {bea}");
        // Ann is enrolled in the course her row names.
        let students = w
            .as_(&c.instructor)
            .get(format!("/api/v1/courses/{course}/students"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let enrolled: Vec<&str> = students["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["user"]["email"].as_str().unwrap())
            .collect();
        assert_eq!(enrolled, ["ann@acme.test"], "{w}: {students}");
        // One invitation mail for each person created, and none for anyone else.
        let mut mailed = invitation_mails(&w).await;
        mailed.sort();
        let mut created: Vec<String> = Vec::new();
        for email in ["ann@acme.test", "bea@acme.test", "ivy@acme.test"] {
            let found = w
                .as_(&c.admin)
                .get(format!("/api/v1/users?q={email}"))
                .expect(StatusCode::OK)
                .await
                .json_value();
            created.push(found["items"][0]["id"].as_str().unwrap().to_owned());
        }
        created.sort();
        assert_eq!(mailed, created, "{w}");
        // The same file again changes nothing.
        let again = upload(&w, &c.admin, csv)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (&again["created"], &again["already_exists"]),
            (&json!(0), &json!(4)),
            "{w}: {again}"
        );
        assert_eq!(invitation_mails(&w).await.len(), 3, "{w}");
    }
}

#[tokio::test]
async fn a_file_that_cannot_be_read_is_refused_whole_writing_nothing() {
    for (w, c) in worlds().await {
        let before = emails(&w, &c.admin).await;
        let mut too_many = String::from("email,name\n");
        for i in 0..10_001 {
            too_many.push_str(&format!("p{i}@acme.test,P {i}\n"));
        }
        let bad: Vec<(&str, Vec<u8>)> = vec![
            (
                "not UTF-8",
                b"email,name\nann@acme.test,\xff\xfe\n".to_vec(),
            ),
            ("a NUL byte", b"email,name\nann@acme.test,A\0nn\n".to_vec()),
            (
                "no email column",
                b"mail,name\nann@acme.test,Ann\n".to_vec(),
            ),
            ("no name column", b"email\nann@acme.test\n".to_vec()),
            ("too many rows", too_many.into_bytes()),
            ("empty", Vec::new()),
        ];
        for (what, csv) in bad {
            let reply = upload(&w, &c.admin, csv).send().await;
            assert_eq!(
                (reply.status, reply.error_code()),
                (StatusCode::BAD_REQUEST, Some("INVALID_CSV")),
                "{w}: {what}: {reply}"
            );
        }
        // Larger than the limit: refused before it is read.
        let huge = vec![b'a'; 9 * 1024 * 1024];
        upload(&w, &c.admin, huge)
            .expect(StatusCode::PAYLOAD_TOO_LARGE)
            .await;
        assert_eq!(emails(&w, &c.admin).await, before, "{w}");
        assert!(invitation_mails(&w).await.is_empty(), "{w}");
        // Only admins import.
        for user in [&c.instructor, &c.student] {
            upload(&w, user, "email,name\nzed@acme.test,Zed\n")
                .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                .await;
        }
        assert_eq!(emails(&w, &c.admin).await, before, "{w}");
    }
}

#[tokio::test]
async fn a_full_course_or_plan_fails_the_rows_past_it_and_keeps_the_others() {
    for (w, c) in worlds().await {
        published(&w, &c.instructor, "small", Some(1)).await;
        let csv = "email,name,courses\none@acme.test,One,small\ntwo@acme.test,Two,small\n";
        let report = upload(&w, &c.admin, csv)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(row(&report, 2)["result"], "created", "{w}: {report}");
        assert_eq!(row(&report, 3)["code"], "COURSE_FULL", "{w}: {report}");
        assert!(!emails(&w, &c.admin)
            .await
            .contains(&"two@acme.test".to_owned()));
    }
}

/// The e-mails of a course's learners, sorted.
async fn learners(w: &World, admin: &User, course: &str) -> Vec<String> {
    let students = w
        .as_(admin)
        .get(format!("/api/v1/courses/{course}/students?limit=200"))
        .expect(StatusCode::OK)
        .await
        .json_value();
    let mut found: Vec<String> = students["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["user"]["email"].as_str().unwrap().to_owned())
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn an_import_enrolls_each_person_in_their_courses_with_one_event_each() {
    for (w, c) in worlds_on_every_placement().await {
        let intro = published(&w, &c.instructor, "intro", None).await;
        let small = published(&w, &c.instructor, "small", Some(2)).await;
        // The student takes one of the small course's two seats first.
        w.as_(&c.student)
            .post(format!("/api/v1/courses/{small}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        let csv = "email,name,courses\n\
                   ann@acme.test,Ann,intro;small\n\
                   bob@acme.test,Bob,small;intro\n\
                   cat@acme.test,Cat,intro\n\
                   dan@acme.test,Dan,intro; intro\n";
        let report = upload(&w, &c.admin, csv)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(row(&report, 2)["result"], "created", "{w}: {report}");
        // The last seat went to Ann: Bob's row fails whole, and Bob is not created.
        assert_eq!(row(&report, 3)["code"], "COURSE_FULL", "{w}: {report}");
        assert!(
            row(&report, 3)["reason"]
                .as_str()
                .unwrap()
                .contains("Course small"),
            "{w}: the course is named by its title: {report}"
        );
        assert_eq!(row(&report, 4)["result"], "created", "{w}: {report}");
        assert_eq!(row(&report, 5)["result"], "created", "{w}: {report}");
        assert_eq!(
            learners(&w, &c.admin, &intro).await,
            ["ann@acme.test", "cat@acme.test", "dan@acme.test"],
            "{w}"
        );
        assert_eq!(
            learners(&w, &c.admin, &small).await,
            ["ann@acme.test", "student@acme.test"],
            "{w}"
        );
        // One `student.enrolled` per enrollment made, each naming the admin who imported.
        let mut tx = w.store().begin(&w.tenant("acme")).await.unwrap();
        let enrolled: Vec<Value> = lyceum_store::repo::outbox::pending(&mut tx, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event_type == "student.enrolled")
            .map(|e| e.payload.0)
            .collect();
        drop(tx);
        let by_admin: Vec<&Value> = enrolled
            .iter()
            .filter(|e| e["by"] == json!(c.admin.id))
            .collect();
        assert_eq!(by_admin.len(), 4, "{w}: {enrolled:?}");
        let mut pairs: Vec<(String, String)> = by_admin
            .iter()
            .map(|e| {
                (
                    e["course_id"].as_str().unwrap().to_owned(),
                    e["user_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        pairs.sort();
        pairs.dedup();
        assert_eq!(
            pairs.len(),
            4,
            "{w}: one event per enrollment: {enrolled:?}"
        );
    }
}

#[tokio::test]
async fn the_user_list_searches_literally_and_filters_by_role_and_status() {
    for (w, c) in worlds().await {
        let csv = "email,name,role\n\
            percent@acme.test,100% sure,student\n\
            under@acme.test,snake_case,instructor\n\
            plain@acme.test,Plain,student\n";
        upload(&w, &c.admin, csv).expect(StatusCode::OK).await;
        let find = |query: &'static str| {
            let admin = w.as_(&c.admin);
            async move {
                let page = admin
                    .get(format!("/api/v1/users?{query}"))
                    .expect(StatusCode::OK)
                    .await
                    .json_value();
                let mut found: Vec<String> = page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|u| u["email"].as_str().unwrap().to_owned())
                    .collect();
                found.sort();
                found
            }
        };
        // `%` and `_` are plain characters, not wildcards.
        assert_eq!(find("q=%25").await, ["percent@acme.test"], "{w}");
        assert_eq!(find("q=_").await, ["under@acme.test"], "{w}");
        assert_eq!(find("q=SNAKE").await, ["under@acme.test"], "{w}");
        assert_eq!(
            find("role=instructor").await,
            ["teacher@acme.test", "under@acme.test"],
            "{w}"
        );
        assert_eq!(
            find("status=invited&role=student").await,
            ["percent@acme.test", "plain@acme.test"],
            "{w}"
        );
        assert_eq!(
            find("status=active&q=plain").await,
            Vec::<String>::new(),
            "{w}"
        );
        // Unknown values are refused; a NUL byte too, on either engine.
        for query in ["role=wizard", "status=sleeping", "q=a%00b"] {
            w.as_(&c.admin)
                .get(format!("/api/v1/users?{query}"))
                .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
                .await;
        }
    }
}

#[tokio::test]
async fn groups_are_created_renamed_filled_enrolled_and_deleted() {
    for (w, c) in worlds().await {
        let admin = w.as_(&c.admin);
        let course = published(&w, &c.instructor, "cohort-course", None).await;
        let group = admin
            .post("/api/v1/groups")
            .json(&json!({"name": "Spring 2026"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let id = group["id"].as_str().unwrap().to_owned();
        admin
            .post("/api/v1/groups")
            .json(&json!({"name": "SPRING 2026"}))
            .expect_error(StatusCode::CONFLICT, "GROUP_NAME_TAKEN")
            .await;
        for name in ["", "   ", "a\0b"] {
            let reply = admin
                .post("/api/v1/groups")
                .json(&json!({ "name": name }))
                .send()
                .await;
            assert!(reply.status.is_client_error(), "{w}: {name:?}: {reply}");
        }
        admin
            .patch(format!("/api/v1/groups/{id}"))
            .json(&json!({"name": "Spring cohort"}))
            .expect(StatusCode::OK)
            .await;
        // The student and a new person join; the instructor is added twice, once counted.
        let csv = "email,name\nnew@acme.test,New\n";
        upload(&w, &c.admin, csv).expect(StatusCode::OK).await;
        let new_id = {
            let found = admin
                .get("/api/v1/users?q=new@acme")
                .expect(StatusCode::OK)
                .await
                .json_value();
            found["items"][0]["id"].as_str().unwrap().to_owned()
        };
        let added = admin
            .post(format!("/api/v1/groups/{id}/members"))
            .json(&json!({"user_ids": [c.student.id, new_id, new_id]}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(added["added"].as_array().unwrap().len(), 2, "{w}: {added}");
        let again = admin
            .post(format!("/api/v1/groups/{id}/members"))
            .json(&json!({"user_ids": [c.student.id]}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(again["added"], json!([]), "{w}: {again}");
        let shown = admin
            .get(format!("/api/v1/groups/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                shown["name"].as_str(),
                shown["members"].as_array().map(Vec::len)
            ),
            (Some("Spring cohort"), Some(2)),
            "{w}: {shown}"
        );
        let listed = admin
            .get("/api/v1/groups")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(listed["items"][0]["members"], 2, "{w}: {listed}");
        // The student enrolls themselves first: skipped when the group is enrolled.
        w.as_(&c.student)
            .post(format!("/api/v1/courses/{course}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        let enrolled = admin
            .post(format!("/api/v1/groups/{id}/enroll"))
            .json(&json!({"course_id": course}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (&enrolled["enrolled"], &enrolled["already_enrolled"]),
            (&json!(1), &json!(1)),
            "{w}: {enrolled}"
        );
        // The report by group: only the group's learners.
        let outsider = w.user("acme", "outsider@acme.test", Role::Student).await;
        w.as_(&outsider)
            .post(format!("/api/v1/courses/{course}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        let all = admin
            .get(format!("/api/v1/courses/{course}/students"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(all["items"].as_array().unwrap().len(), 3, "{w}: {all}");
        let by_group = admin
            .get(format!("/api/v1/courses/{course}/students?group={id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let mut in_group: Vec<&str> = by_group["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["user"]["email"].as_str().unwrap())
            .collect();
        in_group.sort();
        assert_eq!(in_group, ["new@acme.test", "student@acme.test"], "{w}");
        let unknown = uuid::Uuid::now_v7();
        admin
            .get(format!("/api/v1/courses/{course}/students?group={unknown}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        // Members leave; only admins manage groups.
        admin
            .delete(format!("/api/v1/groups/{id}/members/{}", c.student.id))
            .expect(StatusCode::NO_CONTENT)
            .await;
        admin
            .delete(format!("/api/v1/groups/{id}/members/{}", c.student.id))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        for user in [&c.instructor, &c.student] {
            w.as_(user)
                .get("/api/v1/groups")
                .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                .await;
        }
        admin
            .delete(format!("/api/v1/groups/{id}"))
            .expect(StatusCode::NO_CONTENT)
            .await;
        admin
            .get(format!("/api/v1/groups/{id}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        // The people stay.
        assert!(emails(&w, &c.admin)
            .await
            .contains(&"new@acme.test".to_owned()));
    }
}

#[tokio::test]
async fn another_tenants_groups_and_people_are_not_found_and_nothing_changes() {
    for (w, c) in worlds_on_every_placement().await {
        let theirs = w
            .as_(&c.globex_admin)
            .post("/api/v1/groups")
            .json(&json!({"name": "Globex people"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let theirs = theirs["id"].as_str().unwrap().to_owned();
        w.as_(&c.globex_admin)
            .post(format!("/api/v1/groups/{theirs}/members"))
            .json(&json!({"user_ids": [c.globex_student.id]}))
            .expect(StatusCode::OK)
            .await;
        let course = published(&w, &c.instructor, "acme-course", None).await;
        let admin = w.as_(&c.admin);
        let ours = admin
            .post("/api/v1/groups")
            .json(&json!({"name": "Acme people"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let ours = ours["id"].as_str().unwrap().to_owned();
        // Every `{id}` route, with globex's group id: not found.
        let student = &c.globex_student.id;
        admin
            .get(format!("/api/v1/groups/{theirs}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        admin
            .patch(format!("/api/v1/groups/{theirs}"))
            .json(&json!({"name": "Taken over"}))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        admin
            .post(format!("/api/v1/groups/{theirs}/members"))
            .json(&json!({"user_ids": [c.student.id]}))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        admin
            .delete(format!("/api/v1/groups/{theirs}/members/{student}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        admin
            .post(format!("/api/v1/groups/{theirs}/enroll"))
            .json(&json!({"course_id": course}))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        admin
            .get(format!("/api/v1/courses/{course}/students?group={theirs}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        admin
            .delete(format!("/api/v1/groups/{theirs}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        // Globex's people cannot join acme's group, nor be removed from it.
        admin
            .post(format!("/api/v1/groups/{ours}/members"))
            .json(&json!({"user_ids": [c.student.id, student]}))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        admin
            .delete(format!("/api/v1/groups/{ours}/members/{student}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        let mine = admin
            .get(format!("/api/v1/groups/{ours}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(mine["members"], json!([]), "{w}: {mine}");
        let listed = admin
            .get("/api/v1/groups")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert!(!listed.to_string().contains(&theirs), "{w}: {listed}");
        // Globex's group is as it was.
        let kept = w
            .as_(&c.globex_admin)
            .get(format!("/api/v1/groups/{theirs}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                kept["name"].as_str(),
                kept["members"].as_array().map(Vec::len)
            ),
            (Some("Globex people"), Some(1)),
            "{w}: {kept}"
        );
        // Acme's token on globex's address is refused outright.
        w.as_(&c.admin)
            .at("globex")
            .get(format!("/api/v1/groups/{theirs}"))
            .expect_error(StatusCode::FORBIDDEN, "TENANT_MISMATCH")
            .await;
    }
}
