//! Assignments over HTTP through the real router, on both engines (the cross-tenant test on
//! every PostgreSQL placement): a learner's draft, files and submission, the graders' queue, a
//! rubric grade hidden until released, its release completing the assignment lesson and mailing
//! the learner, work sent back for another version, the due date with a learner's extension
//! (for quizzes too), the average per rubric criterion, bad input refused with nothing stored,
//! and another tenant's ids never found.

mod common;

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use common::world::{User, World};
use lyceum_app::jobs::{self, JobFilter};
use lyceum_domain::{Job, Mail, Plan, Role, SendMail};
use lyceum_store::repo::outbox;
use serde_json::{json, Value};

struct School {
    teacher: User,
    student: User,
    student2: User,
    outsider: User,
    admin: User,
}

async fn school(w: &World, slug: &str) -> School {
    w.provision(slug, Plan::Pro, json!({})).await;
    let email = |name: &str| format!("{name}@{slug}.test");
    School {
        admin: w.user(slug, &email("admin"), Role::Admin).await,
        teacher: w.user(slug, &email("teacher"), Role::Instructor).await,
        student: w.user(slug, &email("student"), Role::Student).await,
        student2: w.user(slug, &email("student2"), Role::Student).await,
        outsider: w.user(slug, &email("outsider"), Role::Student).await,
    }
}

/// The first bytes of a PNG image.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
];

/// A PDF's first bytes.
const PDF: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";

fn rubric() -> Value {
    json!([
        {"id": "clarity", "title": "Clarity", "levels": [
            {"id": "poor", "title": "Poor", "points": 0},
            {"id": "good", "title": "Good", "points": 3},
            {"id": "great", "title": "Great", "description": "Crystal <b>clear</b>", "points": 5}
        ]},
        {"id": "sources", "title": "Sources", "levels": [
            {"id": "none", "title": "None", "points": 0},
            {"id": "some", "title": "Some", "points": 2},
            {"id": "many", "title": "Many", "points": 4}
        ]}
    ])
}

/// A published course of `s.teacher` with an assignment lesson linking an assignment
/// (`settings` on top of its own), its prompt, rubric and artifacts saved; both students
/// enrolled.
struct Assignment {
    course: String,
    lesson: String,
    assessment: String,
}

async fn assignment_course(w: &World, s: &School, slug: &str, settings: Value) -> Assignment {
    let teacher = w.as_(&s.teacher);
    let id = |v: Value| v["id"].as_str().unwrap().to_owned();
    let course = id(teacher
        .post("/api/v1/courses")
        .json(&json!({"slug": slug, "title": format!("Course {slug}")}))
        .expect(StatusCode::CREATED)
        .await
        .json_value());
    let module = id(teacher
        .post(format!("/api/v1/courses/{course}/modules"))
        .json(&json!({"title": "Only"}))
        .expect(StatusCode::CREATED)
        .await
        .json_value());
    let mut body =
        json!({"kind": "assignment", "title": "Essay <script>x</script>", "passing_percent": 60});
    for (name, value) in settings.as_object().unwrap() {
        body[name] = value.clone();
    }
    let assessment = id(teacher
        .post(format!("/api/v1/courses/{course}/assessments"))
        .json(&body)
        .expect(StatusCode::CREATED)
        .await
        .json_value());
    teacher
        .put(format!("/api/v1/assessments/{assessment}/assignment"))
        .json(&json!({
            "prompt": "Write **an essay**. <script>alert(1)</script>",
            "rubric": rubric(),
            "artifacts": {
                "text": {"max_chars": 2000},
                "link": true,
                "files": {"types": ["application/pdf", "image/png"], "max_bytes": 4096, "max_files": 2}
            }
        }))
        .expect(StatusCode::OK)
        .await;
    let lesson = id(teacher
        .post(format!("/api/v1/modules/{module}/lessons"))
        .json(&json!({"title": "Essay", "kind": "assignment", "content": [
            {"type": "assessment", "assessment_id": assessment}
        ]}))
        .expect(StatusCode::CREATED)
        .await
        .json_value());
    teacher
        .post(format!("/api/v1/courses/{course}/publish"))
        .expect(StatusCode::OK)
        .await;
    for learner in [&s.student, &s.student2] {
        w.as_(learner)
            .post(format!("/api/v1/courses/{course}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
    }
    Assignment {
        course,
        lesson,
        assessment,
    }
}

async fn events(w: &World, kind: &str) -> Vec<Value> {
    let mut tx = w.store().begin(&w.tenant("acme")).await.unwrap();
    let all = outbox::pending(&mut tx, 10_000).await.unwrap();
    all.into_iter()
        .filter(|e| e.event_type == kind)
        .map(|e| e.payload.0)
        .collect()
}

async fn mails(w: &World) -> Vec<SendMail> {
    let filter = JobFilter {
        state: None,
        kind: Some(SendMail::KIND.to_owned()),
    };
    jobs::list(w.store(), Some("acme"), &filter, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|found| serde_json::from_value(found.job.payload.0).unwrap())
        .collect()
}

/// Objects kept for acme's submissions.
async fn submission_objects(w: &World) -> usize {
    let tenant = w.tenant("acme");
    w.state
        .files
        .as_deref()
        .unwrap()
        .count_under(&format!("{}/submissions", tenant.id()))
        .await
        .unwrap()
}

fn grades(clarity: &str, sources: &str) -> Value {
    json!({"criteria": [
        {"criterion": "clarity", "level": clarity, "feedback": "Nicely <i>argued</i>."},
        {"criterion": "sources", "level": sources}
    ], "feedback": "Overall good."})
}

/// Learners' files racing for the last room of the quota: each upload records its file holding
/// the tenant's quota, so they never pass it together (the course's files hold it the same
/// way: tests/files.rs).
#[tokio::test]
async fn learners_uploading_at_once_never_pass_the_quota_together() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let a = assignment_course(&w, &s, "racing", json!({})).await;
        let quota = Plan::Pro.limits().max_storage_bytes.unwrap();
        w.keep_stored("acme", &a.course, quota - 450).await;
        let mut png = PNG.to_vec();
        png.resize(300, 0);
        let work = format!(
            "/api/v1/assessments/{}/my-submission/files?name=w.png",
            a.assessment
        );
        // Four files of 300 bytes for 450 bytes of room: one fits.
        let uploads = [&s.student, &s.student2, &s.student, &s.student2].map(|learner| {
            w.as_(learner)
                .post(&work)
                .body("image/png", png.clone())
                .send()
        });
        let replies = futures_util::future::join_all(uploads).await;
        let stored = replies
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count();
        assert_eq!(stored, 1, "{w}");
        for refused in replies.iter().filter(|r| r.status != StatusCode::CREATED) {
            assert_eq!(
                (refused.status, refused.error_code()),
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Some("STORAGE_QUOTA_EXCEEDED")
                ),
                "{refused}"
            );
        }
        assert_eq!(submission_objects(&w).await, 1, "{w}");
    }
}

#[tokio::test]
async fn a_learner_hands_in_work_graded_against_the_rubric_and_sees_it_once_released() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let a = assignment_course(&w, &s, "essays", json!({})).await;
        let student = w.as_(&s.student);
        let teacher = w.as_(&s.teacher);
        // The certificate bypass, closed for assignment lessons too.
        student
            .put(format!("/api/v1/lessons/{}/progress", a.lesson))
            .json(&json!({"percent": 100}))
            .expect_error(StatusCode::CONFLICT, "ASSIGNMENT_NOT_PASSED")
            .await;
        // The prompt is rendered sanitised; the rubric's maximum is 9.
        let shown = student
            .get(format!("/api/v1/assessments/{}/assignment", a.assessment))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(shown.header("cache-control"), Some("no-store"), "{w}");
        let shown = shown.json_value();
        assert_eq!(shown["max_score"], json!(9.0), "{w}: {shown}");
        let html = shown["prompt_html"].as_str().unwrap();
        assert!(
            html.contains("<strong>an essay</strong>") && !html.contains("<script"),
            "{w}: {html}"
        );

        // A draft saved as they go, a file attached, handed in.
        student
            .put(format!(
                "/api/v1/assessments/{}/my-submission",
                a.assessment
            ))
            .json(&json!({"text": "My first thoughts", "link": "https://example.com/essay"}))
            .expect(StatusCode::OK)
            .await;
        let file = student
            .post(format!(
                "/api/v1/assessments/{}/my-submission/files?name=../../etc/passwd.png",
                a.assessment
            ))
            .body("image/png", PNG.to_vec())
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        assert_eq!(file["name"], json!("passwd.png"), "{w}: {file}");
        assert_eq!(file["purpose"], json!("submission"), "{w}: {file}");
        assert_eq!(submission_objects(&w).await, 1, "{w}");
        let work = student
            .post(format!(
                "/api/v1/assessments/{}/my-submission/submit",
                a.assessment
            ))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let version = &work["versions"][0];
        assert_eq!(
            (
                version["status"].as_str(),
                version["files"].as_array().unwrap().len()
            ),
            (Some("submitted"), 1),
            "{w}: {work}"
        );
        let id = version["id"].as_str().unwrap().to_owned();
        let submitted = events(&w, "assessment.submitted").await;
        assert_eq!(submitted.len(), 1, "{w}");
        assert_eq!(
            (
                submitted[0]["submission_id"].as_str(),
                submitted[0]["attempt"].as_u64(),
                submitted[0]["late"].as_bool()
            ),
            (Some(id.as_str()), Some(1), Some(false)),
            "{w}: {submitted:?}"
        );
        // The learner's file is theirs and their graders' to read.
        let file_id = file["id"].as_str().unwrap();
        for reader in [&s.student, &s.teacher] {
            w.as_(reader)
                .get(format!("/api/v1/files/{file_id}"))
                .expect(StatusCode::OK)
                .await;
        }
        w.as_(&s.student2)
            .get(format!("/api/v1/files/{file_id}"))
            .expect(StatusCode::NOT_FOUND)
            .await;

        // The graders' queues, of the assignment and of the course; a learner has none.
        for path in [
            format!("/api/v1/assessments/{}/grading-queue", a.assessment),
            format!("/api/v1/courses/{}/grading-queue", a.course),
        ] {
            let queue = teacher.get(&path).expect(StatusCode::OK).await.json_value();
            assert_eq!(queue["items"][0]["id"], json!(id), "{w}: {queue}");
            student
                .get(&path)
                .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                .await;
        }

        // Graded: hidden from the learner until released.
        let graded = teacher
            .post(format!("/api/v1/assignment-submissions/{id}/grade"))
            .json(&grades("great", "some"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                graded["status"].as_str(),
                graded["score"].as_f64(),
                graded["passed"].as_bool()
            ),
            (Some("graded"), Some(7.0), Some(true)),
            "{w}: {graded}"
        );
        let hidden = student
            .get(format!("/api/v1/assignment-submissions/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(hidden["status"], json!("submitted"), "{w}: {hidden}");
        for field in ["grade", "score", "criteria", "feedback"] {
            assert!(hidden.get(field).is_none(), "{w}: {field} in {hidden}");
        }
        assert!(
            !hidden.to_string().contains("Overall good"),
            "{w}: {hidden}"
        );
        assert!(events(&w, "assessment.graded").await.is_empty(), "{w}");
        let queue = teacher
            .get(format!(
                "/api/v1/assessments/{}/grading-queue",
                a.assessment
            ))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(queue["items"], json!([]), "{w}: {queue}");

        // Released: the learner sees the grade and each criterion's feedback, the lesson and
        // the course complete, the learner is mailed.
        teacher
            .post(format!("/api/v1/assignment-submissions/{id}/release"))
            .expect(StatusCode::OK)
            .await;
        teacher
            .post(format!("/api/v1/assignment-submissions/{id}/release"))
            .expect_error(StatusCode::CONFLICT, "ALREADY_RELEASED")
            .await;
        let seen = student
            .get(format!(
                "/api/v1/assessments/{}/my-submission",
                a.assessment
            ))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let grade = &seen["versions"][0]["grade"];
        assert_eq!(
            (
                seen["versions"][0]["status"].as_str(),
                grade["score"].as_f64(),
                grade["max_score"].as_f64()
            ),
            (Some("graded"), Some(7.0), Some(9.0)),
            "{w}: {seen}"
        );
        assert_eq!(
            grade["criteria"][0]["feedback"],
            json!("Nicely <i>argued</i>."),
            "{w}: {seen}"
        );
        let graded_events = events(&w, "assessment.graded").await;
        assert_eq!(graded_events.len(), 1, "{w}");
        assert_eq!(
            (
                graded_events[0]["score"].as_f64(),
                graded_events[0]["passed"].as_bool(),
                graded_events[0]["by"].as_str()
            ),
            (Some(7.0), Some(true), Some(s.teacher.id.as_str())),
            "{w}: {graded_events:?}"
        );
        let progress = student
            .get(format!("/api/v1/courses/{}/progress", a.course))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                progress["percent"].as_u64(),
                progress["completed"].as_bool()
            ),
            (Some(100), Some(true)),
            "{w}: {progress}"
        );
        let mailed = mails(&w).await;
        assert!(
            mailed.iter().any(|m| m.to.to_string() == s.student.id
                && matches!(m.mail, Mail::GradePosted { submission_id } if submission_id.to_string() == id)),
            "{w}: {mailed:?}"
        );
        // A regrade of a released grade is released again, and audited.
        teacher
            .post(format!("/api/v1/assignment-submissions/{id}/grade"))
            .json(&grades("good", "many"))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(events(&w, "assessment.graded").await.len(), 2, "{w}");
        for action in ["submission.graded", "submission.released"] {
            let audit = w
                .as_(&s.admin)
                .get(format!("/api/v1/audit-log?action={action}"))
                .expect(StatusCode::OK)
                .await
                .json_value();
            let expected = if action == "submission.graded" { 2 } else { 1 };
            assert_eq!(
                audit["items"].as_array().unwrap().len(),
                expected,
                "{w}: {audit}"
            );
            assert_eq!(audit["items"][0]["target_id"], json!(id), "{w}: {audit}");
        }

        // Sent back: a new version starts from the last one's work; versions are kept.
        let student2 = w.as_(&s.student2);
        student2
            .put(format!(
                "/api/v1/assessments/{}/my-submission",
                a.assessment
            ))
            .json(&json!({"text": "First try"}))
            .expect(StatusCode::OK)
            .await;
        let first = student2
            .post(format!(
                "/api/v1/assessments/{}/my-submission/submit",
                a.assessment
            ))
            .expect(StatusCode::OK)
            .await
            .json_value()["versions"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        student2
            .put(format!(
                "/api/v1/assessments/{}/my-submission",
                a.assessment
            ))
            .json(&json!({"text": "Changed my mind"}))
            .expect_error(StatusCode::CONFLICT, "ALREADY_SUBMITTED")
            .await;
        teacher
            .post(format!("/api/v1/assignment-submissions/{first}/return"))
            .json(&json!({"feedback": "Add sources."}))
            .expect(StatusCode::OK)
            .await;
        let work = student2
            .put(format!(
                "/api/v1/assessments/{}/my-submission",
                a.assessment
            ))
            .json(&json!({"text": "Second try, with sources"}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let versions = work["versions"].as_array().unwrap();
        assert_eq!(versions.len(), 2, "{w}: {work}");
        assert_eq!(
            (
                versions[0]["status"].as_str(),
                versions[0]["returned_feedback"].as_str(),
                versions[0]["text"].as_str()
            ),
            (Some("returned"), Some("Add sources."), Some("First try")),
            "{w}: {work}"
        );
        assert_eq!(
            (
                versions[1]["version"].as_u64(),
                versions[1]["status"].as_str()
            ),
            (Some(2), Some("draft")),
            "{w}"
        );
        let second = student2
            .post(format!(
                "/api/v1/assessments/{}/my-submission/submit",
                a.assessment
            ))
            .expect(StatusCode::OK)
            .await
            .json_value()["versions"][1]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // A failing grade, released with the others at once, completes nothing.
        teacher
            .post(format!("/api/v1/assignment-submissions/{second}/grade"))
            .json(&grades("poor", "some"))
            .expect(StatusCode::OK)
            .await;
        let released = teacher
            .post(format!(
                "/api/v1/assessments/{}/release-grades",
                a.assessment
            ))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(released["released"], json!(1), "{w}: {released}");
        let progress = student2
            .get(format!("/api/v1/courses/{}/progress", a.course))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(progress["completed"], json!(false), "{w}: {progress}");

        // The average per rubric criterion: clarity (3 + 0) / 2, sources (4 + 2) / 2.
        let averages = teacher
            .get(format!("/api/v1/courses/{}/rubric-averages", a.course))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let items = averages["items"].as_array().unwrap();
        assert_eq!(
            items
                .iter()
                .map(|i| (
                    i["criterion"].as_str().unwrap(),
                    i["average"].as_f64().unwrap(),
                    i["graded"].as_u64().unwrap()
                ))
                .collect::<Vec<_>>(),
            vec![("clarity", 1.5, 2), ("sources", 3.0, 2)],
            "{w}: {averages}"
        );
        assert_eq!(items[0]["average_percent"], json!(30.0), "{w}: {averages}");
        student
            .get(format!("/api/v1/courses/{}/rubric-averages", a.course))
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
    }
}

#[tokio::test]
async fn the_due_date_with_a_learners_extension_decides_on_time_late_or_refused() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let past = (Utc::now() - Duration::hours(1)).to_rfc3339();
        let later = Utc::now() + Duration::hours(2);
        let refusing = assignment_course(&w, &s, "refusing", json!({"due_at": past})).await;
        let student = w.as_(&s.student);
        let teacher = w.as_(&s.teacher);
        let draft = |a: &str| {
            student
                .put(format!("/api/v1/assessments/{a}/my-submission"))
                .json(&json!({"text": "Work"}))
        };
        draft(&refusing.assessment)
            .expect_error(StatusCode::CONFLICT, "DEADLINE_PASSED")
            .await;
        // Extensions are checked: later than the due date, in the future, for an enrolled learner.
        let grant = |user: &User, due: String| {
            teacher
                .post(format!(
                    "/api/v1/assessments/{}/extensions",
                    refusing.assessment
                ))
                .json(&json!({"user_id": user.id, "due_at": due, "reason": "Ill"}))
        };
        grant(&s.student, (Utc::now() - Duration::hours(2)).to_rfc3339())
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_EXTENSION")
            .await;
        grant(&s.outsider, later.to_rfc3339())
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "NOT_ENROLLED")
            .await;
        w.as_(&s.student2)
            .post(format!(
                "/api/v1/assessments/{}/extensions",
                refusing.assessment
            ))
            .json(&json!({"user_id": s.student2.id, "due_at": later.to_rfc3339()}))
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        let extension = grant(&s.student, later.to_rfc3339())
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let work = draft(&refusing.assessment)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            work["due_at"]
                .as_str()
                .map(|d| d.parse::<chrono::DateTime<Utc>>().unwrap().timestamp()),
            Some(later.timestamp()),
            "{w}: {work}"
        );
        let work = student
            .post(format!(
                "/api/v1/assessments/{}/my-submission/submit",
                refusing.assessment
            ))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            work["versions"][0]["status"],
            json!("submitted"),
            "{w}: {work}"
        );
        // The other learner, without one, is still refused.
        w.as_(&s.student2)
            .put(format!(
                "/api/v1/assessments/{}/my-submission",
                refusing.assessment
            ))
            .json(&json!({"text": "Work"}))
            .expect_error(StatusCode::CONFLICT, "DEADLINE_PASSED")
            .await;
        let listed = teacher
            .get(format!(
                "/api/v1/assessments/{}/extensions",
                refusing.assessment
            ))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(listed["items"][0]["id"], extension["id"], "{w}: {listed}");
        teacher
            .delete(format!(
                "/api/v1/extensions/{}",
                extension["id"].as_str().unwrap()
            ))
            .expect(StatusCode::NO_CONTENT)
            .await;
        for action in ["extension.granted", "extension.revoked"] {
            let audit = w
                .as_(&s.admin)
                .get(format!("/api/v1/audit-log?action={action}"))
                .expect(StatusCode::OK)
                .await
                .json_value();
            assert_eq!(
                audit["items"].as_array().unwrap().len(),
                1,
                "{w}: {action} {audit}"
            );
        }

        // Under `accept`, work after the due date is marked late.
        let accepting = assignment_course(
            &w,
            &s,
            "accepting",
            json!({"due_at": past, "late_policy": "accept"}),
        )
        .await;
        draft(&accepting.assessment).expect(StatusCode::OK).await;
        let work = student
            .post(format!(
                "/api/v1/assessments/{}/my-submission/submit",
                accepting.assessment
            ))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                work["versions"][0]["status"].as_str(),
                work["versions"][0]["late"].as_bool()
            ),
            (Some("late"), Some(true)),
            "{w}: {work}"
        );
        let late = events(&w, "assessment.submitted").await;
        assert_eq!(late.last().unwrap()["late"], json!(true), "{w}: {late:?}");

        // A quiz's attempts read the extension too: its deadline moves with it.
        let quiz = teacher
            .post(format!("/api/v1/courses/{}/assessments", accepting.course))
            .json(&json!({"kind": "quiz", "title": "Check", "due_at": past}))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        teacher
            .post(format!("/api/v1/assessments/{quiz}/questions"))
            .json(&json!({"prompt": "?", "points": 1, "key": {"type": "true_false", "correct": true}}))
            .expect(StatusCode::CREATED)
            .await;
        student
            .post(format!("/api/v1/assessments/{quiz}/attempts"))
            .expect_error(StatusCode::CONFLICT, "DEADLINE_PASSED")
            .await;
        teacher
            .post(format!("/api/v1/assessments/{quiz}/extensions"))
            .json(&json!({"user_id": s.student.id, "due_at": later.to_rfc3339()}))
            .expect(StatusCode::CREATED)
            .await;
        let attempt = student
            .post(format!("/api/v1/assessments/{quiz}/attempts"))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        assert_eq!(
            attempt["deadline_at"]
                .as_str()
                .map(|d| d.parse::<chrono::DateTime<Utc>>().unwrap().timestamp()),
            Some(later.timestamp()),
            "{w}: {attempt}"
        );
        // The assignment routes are not a quiz's.
        student
            .put(format!("/api/v1/assessments/{quiz}/my-submission"))
            .json(&json!({"text": "x"}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "NOT_AN_ASSIGNMENT")
            .await;
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_refusal_and_stores_nothing() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let a = assignment_course(&w, &s, "strict", json!({})).await;
        let teacher = w.as_(&s.teacher);
        let student = w.as_(&s.student);
        let settings_path = format!("/api/v1/assessments/{}/assignment", a.assessment);
        let before = teacher
            .get(&settings_path)
            .expect(StatusCode::OK)
            .await
            .json_value();
        let mut bad_rubric = rubric();
        bad_rubric[1]["id"] = json!("clarity");
        for (body, code) in [
            (json!({"rubric": bad_rubric}), "INVALID_RUBRIC"),
            (
                json!({"rubric": [{"id": "x", "title": "X", "levels": []}]}),
                "INVALID_RUBRIC",
            ),
            (
                json!({"rubric": [{"id": "x", "title": "X", "levels": [{"id": "a", "title": "A", "points": -1}]}]}),
                "VALIDATION_FAILED",
            ),
            // NUL is refused for every body before it reaches the rules; other control
            // characters by the rules.
            (json!({"prompt": "a\u{0}b"}), "VALIDATION_FAILED"),
            (json!({"prompt": "a\u{1}b"}), "INVALID_ASSIGNMENT"),
            (json!({"prompt": "x".repeat(60_000)}), "INVALID_ASSIGNMENT"),
            (
                json!({"artifacts": {"files": {"types": ["text/html"], "max_bytes": 10, "max_files": 1}}}),
                "INVALID_ASSIGNMENT",
            ),
            (json!({"surprise": true}), "VALIDATION_FAILED"),
        ] {
            let reply = teacher.put(&settings_path).json(&body).send().await;
            assert!(reply.status.is_client_error(), "{w}: {reply}");
            assert_eq!(reply.error_code(), Some(code), "{w}: {body} -> {reply}");
        }
        let after = teacher
            .get(&settings_path)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(before, after, "{w}");

        // Drafts hold only what the assignment takes.
        let mine = format!("/api/v1/assessments/{}/my-submission", a.assessment);
        for body in [
            json!({"text": "x".repeat(2001)}),
            json!({"text": "bell \u{7} byte"}),
            json!({"link": "javascript:alert(1)"}),
            json!({"link": "https://exa mple.com"}),
        ] {
            student
                .put(&mine)
                .json(&body)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_SUBMISSION")
                .await;
        }
        student
            .put(&mine)
            .json(&json!({"text": "nul \u{0} byte"}))
            .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
            .await;
        for body in [json!({"text": "<script>".repeat(100_000)})] {
            student
                .put(&mine)
                .json(&body)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_SUBMISSION")
                .await;
        }
        let nothing = student.get(&mine).expect(StatusCode::OK).await.json_value();
        assert_eq!(nothing["versions"], json!([]), "{w}: {nothing}");
        student
            .post(format!("{mine}/submit"))
            .expect_error(StatusCode::CONFLICT, "NOTHING_TO_SUBMIT")
            .await;

        // Files: the type is sniffed from the content, never trusted from the name or the header.
        let upload = |name: &str, content_type: &str, bytes: Vec<u8>| {
            student
                .post(format!("{mine}/files?name={name}"))
                .body(content_type, bytes)
        };
        upload(
            "page.html",
            "text/html",
            b"<html><script>x</script>".to_vec(),
        )
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "FILE_TYPE_NOT_ALLOWED")
        .await;
        upload("essay.pdf", "application/pdf", PNG.to_vec())
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "FILE_TYPE_MISMATCH")
            .await;
        upload("notes.txt", "text/plain", b"plain words".to_vec())
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "FILE_TYPE_NOT_ALLOWED")
            .await;
        let mut big = PDF.to_vec();
        big.resize(4097, b' ');
        upload("big.pdf", "application/pdf", big)
            .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "FILE_TOO_LARGE")
            .await;
        assert_eq!(submission_objects(&w).await, 0, "{w}");
        let nothing = student.get(&mine).expect(StatusCode::OK).await.json_value();
        assert_eq!(
            nothing["versions"],
            json!([]),
            "{w}: refused uploads left a draft {nothing}"
        );

        // An empty draft is not handed in; two files are the most.
        student
            .put(&mine)
            .json(&json!({}))
            .expect(StatusCode::OK)
            .await;
        student
            .post(format!("{mine}/submit"))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "EMPTY_SUBMISSION")
            .await;
        for name in ["a.pdf", "b.png"] {
            let bytes = if name.ends_with("pdf") {
                PDF.to_vec()
            } else {
                PNG.to_vec()
            };
            let kind = if name.ends_with("pdf") {
                "application/pdf"
            } else {
                "image/png"
            };
            upload(name, kind, bytes).expect(StatusCode::CREATED).await;
        }
        upload("c.pdf", "application/pdf", PDF.to_vec())
            .expect_error(StatusCode::CONFLICT, "TOO_MANY_FILES")
            .await;
        assert_eq!(submission_objects(&w).await, 2, "{w}");

        // Grading a draft; then the double submit.
        let draft = student.get(&mine).expect(StatusCode::OK).await.json_value()["versions"][0]
            ["id"]
            .as_str()
            .unwrap()
            .to_owned();
        teacher
            .post(format!("/api/v1/assignment-submissions/{draft}/grade"))
            .json(&grades("good", "some"))
            .expect_error(StatusCode::CONFLICT, "NOT_SUBMITTED")
            .await;
        teacher
            .post(format!("/api/v1/assignment-submissions/{draft}/release"))
            .expect_error(StatusCode::CONFLICT, "NOT_GRADED")
            .await;
        student
            .post(format!("{mine}/submit"))
            .expect(StatusCode::OK)
            .await;
        student
            .post(format!("{mine}/submit"))
            .expect_error(StatusCode::CONFLICT, "ALREADY_SUBMITTED")
            .await;
        upload("d.pdf", "application/pdf", PDF.to_vec())
            .expect_error(StatusCode::CONFLICT, "ALREADY_SUBMITTED")
            .await;
        assert_eq!(events(&w, "assessment.submitted").await.len(), 1, "{w}");

        // Unknown criteria and levels, an override above the criterion, a criterion left out.
        let grade = |body: Value| {
            teacher
                .post(format!("/api/v1/assignment-submissions/{draft}/grade"))
                .json(&body)
        };
        for (body, code) in [
            (
                json!({"criteria": [{"criterion": "clarity", "level": "good"}, {"criterion": "style", "level": "good"}]}),
                "UNKNOWN_CRITERION",
            ),
            (
                json!({"criteria": [{"criterion": "clarity", "level": "superb"}, {"criterion": "sources", "level": "some"}]}),
                "UNKNOWN_LEVEL",
            ),
            (
                json!({"criteria": [{"criterion": "clarity", "level": "good", "points": 5.01}, {"criterion": "sources", "level": "some"}]}),
                "INVALID_GRADE",
            ),
            (
                json!({"criteria": [{"criterion": "clarity", "level": "good"}]}),
                "INCOMPLETE_GRADE",
            ),
            (
                json!({"criteria": [{"criterion": "clarity", "level": "good"}, {"criterion": "sources", "level": "some"}], "feedback": "x\u{1}"}),
                "INVALID_GRADE",
            ),
        ] {
            grade(body)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, code)
                .await;
        }
        w.as_(&s.student2)
            .post(format!("/api/v1/assignment-submissions/{draft}/grade"))
            .json(&grades("good", "some"))
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        w.as_(&s.student2)
            .get(format!("/api/v1/assignment-submissions/{draft}"))
            .expect(StatusCode::NOT_FOUND)
            .await;
        let read = teacher
            .get(format!("/api/v1/assignment-submissions/{draft}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (read["status"].as_str(), read["score"].as_f64()),
            (Some("submitted"), None),
            "{w}: {read}"
        );
        // An assessment with handed-in work is not deleted.
        w.as_(&s.teacher)
            .delete(format!("/api/v1/lessons/{}", a.lesson))
            .expect(StatusCode::NO_CONTENT)
            .await;
        teacher
            .delete(format!("/api/v1/assessments/{}", a.assessment))
            .expect_error(StatusCode::CONFLICT, "ASSESSMENT_HAS_SUBMISSIONS")
            .await;
    }
}

/// Every assignment route that takes an id, with a body where it needs one.
fn routes(
    course: &str,
    assessment: &str,
    version: &str,
    extension: &str,
    file: &str,
) -> Vec<(axum::http::Method, String, Option<Value>)> {
    use axum::http::Method;
    let grade = grades("good", "some");
    vec![
        (
            Method::GET,
            format!("/api/v1/assessments/{assessment}/assignment"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/assessments/{assessment}/assignment"),
            Some(json!({"prompt": "Hacked"})),
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{assessment}/my-submission"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/assessments/{assessment}/my-submission"),
            Some(json!({"text": "x"})),
        ),
        (
            Method::POST,
            format!("/api/v1/assessments/{assessment}/my-submission/files?name=a.pdf"),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/assessments/{assessment}/my-submission/files/{file}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/assessments/{assessment}/my-submission/submit"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{assessment}/grading-queue"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/grading-queue"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/rubric-averages"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/assessments/{assessment}/release-grades"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{assessment}/extensions"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/assessments/{assessment}/extensions"),
            Some(
                json!({"user_id": uuid::Uuid::now_v7(), "due_at": (Utc::now() + Duration::days(9)).to_rfc3339()}),
            ),
        ),
        (
            Method::DELETE,
            format!("/api/v1/extensions/{extension}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/assignment-submissions/{version}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/assignment-submissions/{version}/grade"),
            Some(grade),
        ),
        (
            Method::POST,
            format!("/api/v1/assignment-submissions/{version}/release"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/assignment-submissions/{version}/return"),
            None,
        ),
    ]
}

/// The routes above are every assignment route with an id the router serves (a new one cannot
/// escape the cross-tenant test below); `tests/learning.rs` lists them as tested here.
#[test]
fn every_assignment_route_with_an_id_is_in_the_cross_tenant_test() {
    let ids = ["C0", "A0", "V0", "E0", "F0"];
    let listed: std::collections::BTreeSet<(String, String)> =
        routes(ids[0], ids[1], ids[2], ids[3], ids[4])
            .into_iter()
            .map(|(method, path, _)| {
                let mut template = path.split('?').next().unwrap().to_owned();
                template = template.replace("/F0", "/{file_id}");
                for id in ids {
                    template = template.replace(&format!("/{id}"), "/{id}");
                }
                (method.to_string(), template)
            })
            .collect();
    let parts = [
        "/assignment",
        "/my-submission",
        "/grading-queue",
        "/extensions",
        "/release-grades",
        "/rubric-averages",
        "/assignment-submissions/",
    ];
    let served: std::collections::BTreeSet<(String, String)> = lyceum_server::served_routes()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .filter(|(_, path)| {
            !path.starts_with("/t/{slug}")
                && path.contains("/{")
                && parts.iter().any(|part| path.contains(part))
        })
        .collect();
    assert_eq!(listed, served);
}

#[tokio::test]
async fn another_tenants_assignments_work_and_extensions_are_not_found() {
    for w in World::on_every_placement().await {
        let acme = school(&w, "acme").await;
        let globex = school(&w, "globex").await;
        let a = assignment_course(&w, &acme, "secret", json!({})).await;
        let mine = format!("/api/v1/assessments/{}/my-submission", a.assessment);
        w.as_(&acme.student)
            .put(&mine)
            .json(&json!({"text": "Mine"}))
            .expect(StatusCode::OK)
            .await;
        let file = w
            .as_(&acme.student)
            .post(format!("{mine}/files?name=a.pdf"))
            .body("application/pdf", PDF.to_vec())
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let version = w
            .as_(&acme.student)
            .post(format!("{mine}/submit"))
            .expect(StatusCode::OK)
            .await
            .json_value()["versions"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let extension = w
            .as_(&acme.teacher)
            .post(format!("/api/v1/assessments/{}/extensions", a.assessment))
            .json(&json!({"user_id": acme.student2.id, "due_at": (Utc::now() + Duration::days(3)).to_rfc3339()}))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let fresh = || uuid::Uuid::now_v7().to_string();
        let theirs = routes(&a.course, &a.assessment, &version, &extension, &file);
        let nobodys = routes(&fresh(), &fresh(), &fresh(), &fresh(), &fresh());
        for ((method, path, body), (_, unknown, _)) in theirs.iter().zip(&nobodys) {
            for user in [&globex.admin, &globex.teacher, &globex.student] {
                let request = |path: &str| {
                    let call = w.as_(user).request(method.clone(), path);
                    if path.contains("/files?") {
                        call.body("application/pdf", PDF.to_vec()).send()
                    } else {
                        call.maybe_json(body.as_ref()).send()
                    }
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
            w.as_(&acme.admin)
                .at("globex")
                .request(method.clone(), path)
                .maybe_json(body.as_ref())
                .expect(StatusCode::FORBIDDEN)
                .await;
        }
        // Nothing changed in acme.
        let read = w
            .as_(&acme.teacher)
            .get(format!("/api/v1/assignment-submissions/{version}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                read["status"].as_str(),
                read["files"].as_array().unwrap().len()
            ),
            (Some("submitted"), 1),
            "{w}: {read}"
        );
        let shown = w
            .as_(&acme.teacher)
            .get(format!("/api/v1/assessments/{}/assignment", a.assessment))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert!(
            shown["prompt"].as_str().unwrap().starts_with("Write"),
            "{w}: {shown}"
        );
        let listed = w
            .as_(&acme.teacher)
            .get(format!("/api/v1/assessments/{}/extensions", a.assessment))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            listed["items"].as_array().unwrap().len(),
            1,
            "{w}: {listed}"
        );
    }
}
