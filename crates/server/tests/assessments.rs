//! Quizzes and exams over HTTP through the real router, on both engines (the cross-tenant test
//! on every PostgreSQL placement): taking a quiz and passing it completes its lesson (a progress
//! report cannot), no learner-facing answer carries an answer key before the review policy
//! allows, attempt limits hold under concurrent starts, the deadline is the server's, essays
//! are graded by hand and audited, banks draw questions at random, bad input is refused with
//! nothing stored, and another tenant's ids are never found.

mod common;

use axum::http::{Method, StatusCode};
use common::world::{User, World};
use lyceum_domain::{Plan, Role};
use lyceum_store::repo::outbox;
use serde_json::{json, Value};
use std::collections::HashMap;

/// A tenant's people, signed in.
struct School {
    teacher: User,
    other_teacher: User,
    student: User,
    student2: User,
    admin: User,
}

async fn school(w: &World, slug: &str) -> School {
    w.provision(slug, Plan::Pro, json!({})).await;
    let email = |name: &str| format!("{name}@{slug}.test");
    School {
        admin: w.user(slug, &email("admin"), Role::Admin).await,
        teacher: w.user(slug, &email("teacher"), Role::Instructor).await,
        other_teacher: w.user(slug, &email("other"), Role::Instructor).await,
        student: w.user(slug, &email("student"), Role::Student).await,
        student2: w.user(slug, &email("student2"), Role::Student).await,
    }
}

/// Texts only an answer key holds: none may reach a learner before the review opens.
const SECRETS: [&str; 3] = ["SECRET-WORD-7", "PATTERN-[0-9]+", "31415.9"];
/// Fields only an answer key (or a review) holds.
const KEY_FIELDS: [&str; 7] = [
    "correct",
    "rule",
    "scoring",
    "key",
    "tolerance",
    "review",
    "tags",
];

/// One question of every kind the server marks, one point each (their prompts name them).
fn questions() -> Vec<Value> {
    let options = |ids: &[&str]| -> Vec<Value> {
        ids.iter()
            .map(|id| json!({"id": id, "text": format!("Option <b>{id}</b>")}))
            .collect()
    };
    vec![
        json!({"prompt": "single", "points": 1, "tags": ["secret-tag"], "key": {"type": "single_choice", "options": options(&["a", "b", "c"]), "correct": "b"}}),
        json!({"prompt": "multiple", "points": 1, "key": {"type": "multiple_choice", "options": options(&["a", "b", "c", "d"]), "correct": ["a", "c"], "scoring": "partial"}}),
        json!({"prompt": "truefalse", "points": 1, "key": {"type": "true_false", "correct": true}}),
        json!({"prompt": "exact", "points": 1, "key": {"type": "short_answer", "rule": {"match": "case_insensitive", "answers": ["SECRET-WORD-7"]}}}),
        json!({"prompt": "regex", "points": 1, "key": {"type": "short_answer", "rule": {"match": "regex", "pattern": "PATTERN-[0-9]+"}}}),
        json!({"prompt": "numeric", "points": 1, "key": {"type": "short_answer", "rule": {"match": "numeric", "value": 31415.9, "tolerance": 0.1}}}),
        json!({"prompt": "matching", "points": 1, "key": {"type": "matching", "prompts": options(&["fr", "de"]), "choices": options(&["paris", "berlin", "rome"]), "answers": {"fr": "paris", "de": "berlin"}}}),
        json!({"prompt": "ordering", "points": 1, "key": {"type": "ordering", "items": options(&["one", "two", "three"])}}),
    ]
}

/// Right answers, by prompt.
fn right_answers() -> HashMap<&'static str, Value> {
    HashMap::from([
        ("single", json!({"type": "single_choice", "option": "b"})),
        (
            "multiple",
            json!({"type": "multiple_choice", "options": ["c", "a"]}),
        ),
        ("truefalse", json!({"type": "true_false", "value": true})),
        (
            "exact",
            json!({"type": "short_answer", "text": " secret-word-7 "}),
        ),
        (
            "regex",
            json!({"type": "short_answer", "text": "PATTERN-42"}),
        ),
        (
            "numeric",
            json!({"type": "short_answer", "text": "31415.95"}),
        ),
        (
            "matching",
            json!({"type": "matching", "matches": {"fr": "paris", "de": "berlin"}}),
        ),
        (
            "ordering",
            json!({"type": "ordering", "order": ["one", "two", "three"]}),
        ),
    ])
}

/// Wrong answers (none typing a secret), by prompt: the multiple choice earns half its point.
fn wrong_answers() -> HashMap<&'static str, Value> {
    HashMap::from([
        ("single", json!({"type": "single_choice", "option": "a"})),
        (
            "multiple",
            json!({"type": "multiple_choice", "options": ["a", "b"]}),
        ),
        ("truefalse", json!({"type": "true_false", "value": false})),
        ("exact", json!({"type": "short_answer", "text": "nope"})),
        ("regex", json!({"type": "short_answer", "text": "nope"})),
        ("numeric", json!({"type": "short_answer", "text": "12"})),
        (
            "matching",
            json!({"type": "matching", "matches": {"fr": "rome", "de": "berlin"}}),
        ),
        (
            "ordering",
            json!({"type": "ordering", "order": ["three", "two", "one"]}),
        ),
    ])
}

/// A published course of `s.teacher` with a text lesson and a quiz lesson linking a quiz of
/// every question kind (`settings` added to its own), `s.student` enrolled.
struct Quiz {
    course: String,
    text_lesson: String,
    quiz_lesson: String,
    assessment: String,
}

async fn quiz_course(w: &World, s: &School, slug: &str, settings: Value) -> Quiz {
    let teacher = w.as_(&s.teacher);
    let course = teacher
        .post("/api/v1/courses")
        .json(&json!({"slug": slug, "title": format!("Course {slug}")}))
        .expect(StatusCode::CREATED)
        .await
        .json_value()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let module = teacher
        .post(format!("/api/v1/courses/{course}/modules"))
        .json(&json!({"title": "Only"}))
        .expect(StatusCode::CREATED)
        .await
        .json_value()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut body =
        json!({"kind": "quiz", "title": "Final <script>quiz</script>", "passing_percent": 75});
    for (name, value) in settings.as_object().unwrap() {
        body[name] = value.clone();
    }
    let assessment = teacher
        .post(format!("/api/v1/courses/{course}/assessments"))
        .json(&body)
        .expect(StatusCode::CREATED)
        .await
        .json_value()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for question in questions() {
        teacher
            .post(format!("/api/v1/assessments/{assessment}/questions"))
            .json(&question)
            .expect(StatusCode::CREATED)
            .await;
    }
    let text_lesson = teacher
        .post(format!("/api/v1/modules/{module}/lessons"))
        .json(&json!({"title": "Read", "kind": "text", "content": [{"type": "markdown", "markdown": "Read this."}]}))
        .expect(StatusCode::CREATED)
        .await
        .json_value()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let quiz_lesson = teacher
        .post(format!("/api/v1/modules/{module}/lessons"))
        .json(&json!({"title": "Quiz", "kind": "quiz", "content": [
            {"type": "markdown", "markdown": "Answer them all."},
            {"type": "assessment", "assessment_id": assessment}
        ]}))
        .expect(StatusCode::CREATED)
        .await
        .json_value()["id"]
        .as_str()
        .unwrap()
        .to_owned();
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
    Quiz {
        course,
        text_lesson,
        quiz_lesson,
        assessment,
    }
}

/// The attempt's question ids by prompt.
fn ids_by_prompt(attempt: &Value) -> HashMap<String, String> {
    attempt["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["prompt"].as_str().unwrap().to_owned(),
                q["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `answers` (by prompt) for the attempt's questions, as a request's `answers`.
fn answering(attempt: &Value, answers: &HashMap<&'static str, Value>) -> Value {
    let ids = ids_by_prompt(attempt);
    Value::Array(
        answers
            .iter()
            .map(|(prompt, answer)| json!({"question_id": ids[*prompt], "answer": answer}))
            .collect(),
    )
}

async fn start(w: &World, learner: &User, assessment: &str) -> Value {
    w.as_(learner)
        .post(format!("/api/v1/assessments/{assessment}/attempts"))
        .expect(StatusCode::CREATED)
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

/// Every object key anywhere in `value`.
fn keys_of(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.push(key.clone());
                keys_of(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys_of(v, out)),
        _ => {}
    }
}

/// `body` carries nothing of an answer key: no key field, no secret text.
#[track_caller]
fn assert_no_key(body: &Value, what: &str) {
    let text = body.to_string();
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} leaks {secret}: {text}");
    }
    let mut keys = Vec::new();
    keys_of(body, &mut keys);
    for field in KEY_FIELDS {
        assert!(
            !keys.iter().any(|k| k == field),
            "{what} holds `{field}`: {text}"
        );
    }
    assert!(
        !text.contains("secret-tag"),
        "{what} shows the tags: {text}"
    );
}

/// `answers` (by prompt) as the portal's attempt form sends them: `q{id}` per question,
/// `q{id}.{prompt}` per matching prompt, `q{id}.{item}` with its place per ordering item.
fn form_fields(attempt: &Value, answers: &HashMap<&'static str, Value>) -> Vec<(String, String)> {
    let ids = ids_by_prompt(attempt);
    let mut fields = Vec::new();
    for (prompt, answer) in answers {
        let name = format!("q{}", ids[*prompt]);
        match answer["type"].as_str().unwrap() {
            "single_choice" => fields.push((name, answer["option"].as_str().unwrap().into())),
            "multiple_choice" => {
                for option in answer["options"].as_array().unwrap() {
                    fields.push((name.clone(), option.as_str().unwrap().into()));
                }
            }
            "true_false" => fields.push((name, answer["value"].to_string())),
            "short_answer" | "essay" => {
                fields.push((name, answer["text"].as_str().unwrap().into()))
            }
            "matching" => {
                for (p, c) in answer["matches"].as_object().unwrap() {
                    fields.push((format!("{name}.{p}"), c.as_str().unwrap().into()));
                }
            }
            "ordering" => {
                for (place, item) in answer["order"].as_array().unwrap().iter().enumerate() {
                    let item = item.as_str().unwrap();
                    fields.push((format!("{name}.{item}"), (place + 1).to_string()));
                }
            }
            other => panic!("no form for {other}"),
        }
    }
    fields
}

fn as_pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// A portal page carries nothing of an answer key: no secret text, no review, no right answer
/// marked.
#[track_caller]
fn assert_page_has_no_key(page: &str, what: &str) {
    for secret in SECRETS {
        assert!(!page.contains(secret), "{what} leaks {secret}: {page}");
    }
    for marker in ["id=\"review\"", "class=\"key\"", "secret-tag"] {
        assert!(!page.contains(marker), "{what} shows {marker}: {page}");
    }
}

#[tokio::test]
async fn a_progress_report_cannot_complete_a_quiz_lesson_and_passing_the_quiz_does() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let q = quiz_course(&w, &s, "passing", json!({"max_attempts": 3})).await;
        let student = w.as_(&s.student);
        // The certificate bypass, closed: 100 % on the quiz lesson is refused.
        student
            .put(format!("/api/v1/lessons/{}/progress", q.quiz_lesson))
            .json(&json!({"percent": 100}))
            .expect_error(StatusCode::CONFLICT, "QUIZ_NOT_PASSED")
            .await;
        // Partial progress is fine, and the text lesson completes as before.
        student
            .put(format!("/api/v1/lessons/{}/progress", q.quiz_lesson))
            .json(&json!({"percent": 40}))
            .expect(StatusCode::OK)
            .await;
        let done = student
            .put(format!("/api/v1/lessons/{}/progress", q.text_lesson))
            .json(&json!({"percent": 100}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(done["course"]["percent"], json!(50), "{w}: {done}");
        assert!(done["certificate"].is_null(), "{w}: {done}");

        // A failing attempt: 0.5 of 8 points (half the multiple choice's, by partial credit;
        // the matching's none, all or nothing by default) does not complete the lesson.
        let attempt = start(&w, &s.student, &q.assessment).await;
        assert_eq!(attempt["attempt"], json!(1), "{w}: {attempt}");
        assert_eq!(attempt["max_score"], json!(8.0), "{w}: {attempt}");
        let failed = student
            .post(format!("/api/v1/assessments/{}/submissions", q.assessment))
            .json(&json!({"answers": answering(&attempt, &wrong_answers())}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                failed["status"].as_str(),
                failed["score"].as_f64(),
                failed["passed"].as_bool()
            ),
            (Some("graded"), Some(0.5), Some(false)),
            "{w}: {failed}"
        );
        let outline = student
            .get(format!("/api/v1/courses/{}/progress", q.course))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(outline["percent"], json!(50), "{w}: {outline}");

        // A passing attempt completes the quiz lesson, the course, and issues a certificate.
        let attempt = start(&w, &s.student, &q.assessment).await;
        assert_eq!(attempt["attempt"], json!(2), "{w}: {attempt}");
        let id = attempt["id"].as_str().unwrap();
        // Answers saved again replace those saved before.
        for answers in [wrong_answers(), right_answers()] {
            student
                .put(format!("/api/v1/attempts/{id}/answers"))
                .json(&json!({"answers": answering(&attempt, &answers)}))
                .expect(StatusCode::OK)
                .await;
        }
        let passed = student
            .post(format!("/api/v1/assessments/{}/submissions", q.assessment))
            .json(&json!({"attempt_id": id}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (passed["score"].as_f64(), passed["passed"].as_bool()),
            (Some(8.0), Some(true)),
            "{w}: {passed}"
        );
        let progress = student
            .get(format!("/api/v1/courses/{}/progress", q.course))
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
        assert_eq!(events(&w, "certificate.issued").await.len(), 1, "{w}");
        let completed = events(&w, "lesson.completed").await;
        assert!(
            completed
                .iter()
                .any(|e| e["lesson_id"] == json!(q.quiz_lesson)),
            "{w}: {completed:?}"
        );
        // Each submission recorded its events with the seed payload.
        let submitted = events(&w, "assessment.submitted").await;
        let graded = events(&w, "assessment.graded").await;
        assert_eq!((submitted.len(), graded.len()), (2, 2), "{w}");
        let last = graded.iter().find(|e| e["attempt"] == json!(2)).unwrap();
        assert_eq!(
            (
                last["submission_id"].as_str(),
                last["assessment_id"].as_str(),
                last["user_id"].as_str(),
                last["score"].as_f64(),
                last["passed"].as_bool(),
                last["by"].as_str(),
            ),
            (
                Some(id),
                Some(q.assessment.as_str()),
                Some(s.student.id.as_str()),
                Some(8.0),
                Some(true),
                None
            ),
            "{w}: {last}"
        );
        // The learner's standing counts the highest attempt.
        let detail = student
            .get(format!("/api/v1/assessments/{}", q.assessment))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                detail["mine"]["counted_percent"].as_f64(),
                detail["mine"]["passed"].as_bool(),
                detail["mine"]["attempts_left"].as_u64()
            ),
            (Some(100.0), Some(true), Some(1)),
            "{w}: {detail}"
        );
    }
}

/// Every learner-facing answer of a quiz, checked for keys up to its submission, whose answer
/// holds the review only if `opens_on_submit`; answers the submission's id.
async fn learner_sees_no_key(w: &World, s: &School, q: &Quiz, opens_on_submit: bool) -> String {
    let student = w.as_(&s.student);
    let lesson = student
        .get(format!("/api/v1/lessons/{}", q.quiz_lesson))
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_no_key(&lesson, "the quiz lesson");
    let list = student
        .get(format!("/api/v1/courses/{}/assessments", q.course))
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_no_key(&list, "the course's assessments");
    let detail = student
        .get(format!("/api/v1/assessments/{}", q.assessment))
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_no_key(&detail, "the assessment");
    assert!(detail.get("questions").is_none(), "{w}: {detail}");
    let portal = w.portal(&s.student).await;
    let page = portal
        .get(format!("/learn/lessons/{}", q.quiz_lesson))
        .expect(StatusCode::OK)
        .await;
    assert_page_has_no_key(&page.text(), "the quiz lesson's page");
    assert!(
        page.text().contains("/attempts\""),
        "{w}: the lesson offers no start: {}",
        page.text()
    );
    let attempt = start(w, &s.student, &q.assessment).await;
    assert_no_key(&attempt, "the started attempt");
    let id = attempt["id"].as_str().unwrap().to_owned();
    let page = portal
        .get(format!("/learn/attempts/{id}"))
        .expect(StatusCode::OK)
        .await;
    assert_page_has_no_key(&page.text(), "the attempt's page");
    assert_eq!(page.header("cache-control"), Some("no-store"), "{w}");
    // Saved through the portal's form: every kind of question read from it (the submit
    // below scores what it saved).
    let fields = form_fields(&attempt, &wrong_answers());
    let mut sent = as_pairs(&fields);
    sent.push(("action", "save"));
    let page = portal
        .form(format!("/learn/attempts/{id}"), &sent)
        .expect(StatusCode::OK)
        .await;
    assert_page_has_no_key(&page.text(), "the attempt's page once saved");
    let resumed = student
        .post(format!("/api/v1/assessments/{}/attempts", q.assessment))
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_eq!(resumed["id"], attempt["id"], "{w}");
    assert_no_key(&resumed, "the resumed attempt");
    let saved = student
        .put(format!("/api/v1/attempts/{id}/answers"))
        .json(&json!({"answers": answering(&attempt, &wrong_answers())}))
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_no_key(&saved, "the saved answers");
    let read = student
        .get(format!("/api/v1/submissions/{id}"))
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_no_key(&read, "the attempt in progress");
    let submitted = student
        .post(format!("/api/v1/assessments/{}/submissions", q.assessment))
        .expect(StatusCode::OK)
        .await
        .json_value();
    // The score is the learner's to see; which answers were right only once the review opens.
    assert_eq!(submitted["score"].as_f64(), Some(0.5), "{w}: {submitted}");
    if opens_on_submit {
        assert!(submitted["review"].is_array(), "{w}: {submitted}");
    } else {
        assert_no_key(&submitted, "the submission");
    }
    let mine = student
        .get(format!("/api/v1/assessments/{}/submissions", q.assessment))
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_no_key(&mine, "the learner's attempts");
    assert_eq!(mine["items"].as_array().unwrap().len(), 1, "{w}: {mine}");
    let result = portal
        .get(format!("/learn/attempts/{id}"))
        .expect(StatusCode::OK)
        .await
        .text();
    let lesson_page = portal
        .get(format!("/learn/lessons/{}", q.quiz_lesson))
        .expect(StatusCode::OK)
        .await
        .text();
    assert_page_has_no_key(&lesson_page, "the quiz lesson's page once submitted");
    if opens_on_submit {
        assert!(result.contains("id=\"review\""), "{w}: {result}");
        assert!(result.contains("SECRET-WORD-7"), "{w}: {result}");
    } else {
        assert_page_has_no_key(&result, "the result page");
    }
    // Another learner's browser is not shown it.
    w.portal(&s.student2)
        .await
        .get(format!("/learn/attempts/{id}"))
        .expect(StatusCode::NOT_FOUND)
        .await;
    // Another learner reads nothing of it.
    w.as_(&s.student2)
        .get(format!("/api/v1/submissions/{id}"))
        .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
        .await;
    let theirs = w
        .as_(&s.student2)
        .get(format!("/api/v1/assessments/{}/submissions", q.assessment))
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_eq!(theirs["items"], json!([]), "{w}: {theirs}");
    id
}

#[tokio::test]
async fn no_learner_answer_carries_a_key_before_the_review_policy_opens_it() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        // After submission: keys only in the review of the submitted attempt.
        let q = quiz_course(&w, &s, "after", json!({"review_policy": "after_submission", "shuffle_options": true, "shuffle_questions": true})).await;
        let id = learner_sees_no_key(&w, &s, &q, true).await;
        let read = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let review = read["review"].as_array().expect("the review is open");
        assert_eq!(review.len(), 8, "{w}: {read}");
        assert!(read.to_string().contains("SECRET-WORD-7"), "{w}: {read}");
        // Never: not even after submitting.
        let q = quiz_course(&w, &s, "never", json!({"review_policy": "never"})).await;
        let id = learner_sees_no_key(&w, &s, &q, false).await;
        let read = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_no_key(&read, "a submission whose review never opens");
        let page = w
            .portal(&s.student)
            .await
            .get(format!("/learn/attempts/{id}"))
            .expect(StatusCode::OK)
            .await;
        assert_page_has_no_key(&page.text(), "a result whose review never opens");
        // After the due date: closed until it passes, open once it has.
        let due = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        let q = quiz_course(
            &w,
            &s,
            "due",
            json!({"review_policy": "after_due", "due_at": due, "late_policy": "accept"}),
        )
        .await;
        let id = learner_sees_no_key(&w, &s, &q, false).await;
        let past = (chrono::Utc::now() - chrono::Duration::minutes(1)).to_rfc3339();
        w.as_(&s.teacher)
            .patch(format!("/api/v1/assessments/{}", q.assessment))
            .json(&json!({"due_at": past}))
            .expect(StatusCode::OK)
            .await;
        let read = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert!(
            read["review"].is_array(),
            "{w}: the review did not open: {read}"
        );
        let page = w
            .portal(&s.student)
            .await
            .get(format!("/learn/attempts/{id}"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(page.contains("id=\"review\""), "{w}: {page}");
        // Staff read the keys all along, and another learner still reads nothing.
        let staff = w
            .as_(&s.teacher)
            .get(format!("/api/v1/submissions/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert!(staff.to_string().contains("SECRET-WORD-7"), "{w}: {staff}");
        w.as_(&s.student2)
            .get(format!("/api/v1/submissions/{id}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        // Every answer carrying it is kept out of caches.
        let reply = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{id}"))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{w}");
    }
}

#[tokio::test]
async fn a_learner_takes_a_quiz_in_the_portal_and_passing_it_completes_the_lesson() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let q = quiz_course(
            &w,
            &s,
            "portal",
            json!({"max_attempts": 2, "time_limit_seconds": 600}),
        )
        .await;
        let portal = w.portal(&s.student).await;
        let lesson = portal
            .get(format!("/learn/lessons/{}", q.quiz_lesson))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(lesson.contains("2 attempts left"), "{w}: {lesson}");
        assert!(lesson.contains("Time limit: 10 min"), "{w}: {lesson}");
        assert!(lesson.contains("Passing: 75"), "{w}: {lesson}");
        assert!(
            !lesson.contains("<script>quiz"),
            "{w}: the title unescaped: {lesson}"
        );
        let started = portal
            .form(format!("/learn/assessments/{}/attempts", q.assessment), &[])
            .expect(StatusCode::SEE_OTHER)
            .await;
        let at = started.header("location").unwrap().to_owned();
        let id = at.rsplit('/').next().unwrap().to_owned();
        assert!(at.ends_with(&format!("/learn/attempts/{id}")), "{w}: {at}");
        // Starting again resumes it.
        let again = portal
            .form(format!("/learn/assessments/{}/attempts", q.assessment), &[])
            .expect(StatusCode::SEE_OTHER)
            .await;
        assert_eq!(again.header("location"), Some(at.as_str()), "{w}");
        let reply = portal
            .get(format!("/learn/attempts/{id}"))
            .expect(StatusCode::OK)
            .await;
        let page = reply.text();
        // The countdown: the deadline and the server's clock as absolute times, the late
        // policy, and the script by its nonce, which the page's policy alone allows.
        let stored = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let deadline: chrono::DateTime<chrono::Utc> =
            stored["deadline_at"].as_str().unwrap().parse().unwrap();
        let attribute = |name: &str| {
            let start = page
                .find(&format!("{name}=\""))
                .unwrap_or_else(|| panic!("{w}: no {name} on {page}"))
                + name.len()
                + 2;
            page[start..start + page[start..].find('"').unwrap()].to_owned()
        };
        let shown: chrono::DateTime<chrono::Utc> = attribute("data-deadline").parse().unwrap();
        // To the millisecond, as a browser's clock reads it.
        assert!(
            (deadline - shown)
                .num_microseconds()
                .is_some_and(|us| (0..1000).contains(&us)),
            "{w}: {shown} for {deadline}"
        );
        let server_now: chrono::DateTime<chrono::Utc> = attribute("data-now").parse().unwrap();
        let minutes_left = (deadline - server_now).num_minutes();
        assert!((9..=10).contains(&minutes_left), "{w}: {minutes_left}");
        assert_eq!(attribute("data-late"), "refuse", "{w}");
        assert!(page.contains("aria-live=\"assertive\""), "{w}: {page}");
        assert!(page.contains("id=\"attempt-form\""), "{w}");
        let nonce = attribute("nonce");
        assert_eq!(nonce.len(), 32, "{w}: {nonce}");
        assert!(
            page.contains(&format!(
                "<script src=\"/assets/countdown.js\" nonce=\"{nonce}\" defer></script>"
            )),
            "{w}: {page}"
        );
        assert_eq!(page.matches("<script").count(), 1, "{w}: one script tag");
        assert!(
            !page.contains(" onclick=") && !page.contains(" onload="),
            "{w}"
        );
        let csp = reply.header("content-security-policy").unwrap().to_owned();
        assert!(
            csp.starts_with("default-src 'none';")
                && csp.ends_with(&format!("; script-src 'nonce-{nonce}'"))
                && !csp.contains("unsafe")
                && csp.matches("script-src").count() == 1,
            "{w}: {csp}"
        );
        let again = portal
            .get(format!("/learn/attempts/{id}"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(
            !again.contains(&format!("nonce=\"{nonce}\"")),
            "{w}: a nonce is new with every page"
        );
        let script = w
            .anonymous()
            .get("/assets/countdown.js")
            .expect(StatusCode::OK)
            .await;
        assert_eq!(
            script.header("content-type"),
            Some("text/javascript; charset=utf-8"),
            "{w}"
        );
        let code = script.text();
        for read in ["data-deadline", "data-now", "data-late", "attempt-form"] {
            assert!(code.contains(read), "{w}: the script reads {read}");
        }
        // The quiz's lesson page runs nothing.
        let lesson_reply = portal
            .get(format!("/learn/lessons/{}", q.quiz_lesson))
            .expect(StatusCode::OK)
            .await;
        assert!(!lesson_reply.text().contains("<script"), "{w}");
        assert!(
            !lesson_reply
                .header("content-security-policy")
                .unwrap()
                .contains("script-src"),
            "{w}"
        );
        for control in [
            "type=\"radio\"",
            "type=\"checkbox\"",
            "type=\"text\"",
            "<select",
            "type=\"number\"",
            "id=\"deadline\"",
        ] {
            assert!(page.contains(control), "{w}: no {control} on {page}");
        }
        let attempt = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let fields = form_fields(&attempt, &right_answers());
        let mut sent = as_pairs(&fields);
        sent.push(("action", "submit"));
        // Submit without ticking the confirmation: saved, not submitted.
        let unconfirmed = portal
            .form(format!("/learn/attempts/{id}"), &sent)
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .text();
        assert!(unconfirmed.contains("tick the box"), "{w}: {unconfirmed}");
        assert!(events(&w, "assessment.submitted").await.is_empty(), "{w}");
        sent.push(("confirm", "yes"));
        portal
            .form(format!("/learn/attempts/{id}"), &sent)
            .expect(StatusCode::SEE_OTHER)
            .await;
        let result = portal
            .get(format!("/learn/attempts/{id}"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(result.contains("Score: 8 of 8"), "{w}: {result}");
        assert!(
            !result.contains("<script") && !result.contains("data-deadline"),
            "{w}: a submitted attempt counts nothing down"
        );
        assert!(result.contains("Passed"), "{w}: {result}");
        assert!(result.contains("id=\"review\""), "{w}: {result}");
        assert_eq!(events(&w, "assessment.submitted").await.len(), 1, "{w}");
        // A second submit of the same form is refused, counted once.
        let twice = portal
            .form(format!("/learn/attempts/{id}"), &sent)
            .expect(StatusCode::CONFLICT)
            .await
            .text();
        assert!(twice.contains("submitted already"), "{w}: {twice}");
        assert_eq!(events(&w, "assessment.submitted").await.len(), 1, "{w}");
        let completed = events(&w, "lesson.completed").await;
        assert!(
            completed
                .iter()
                .any(|e| e["lesson_id"] == json!(q.quiz_lesson)),
            "{w}: passing did not complete the lesson: {completed:?}"
        );
        let lesson = portal
            .get(format!("/learn/lessons/{}", q.quiz_lesson))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(lesson.contains("Attempt 1"), "{w}: {lesson}");
        assert!(
            lesson.contains("1 attempt left") || lesson.contains("One attempt left"),
            "{w}: {lesson}"
        );
        // Bad input: an option the question does not have is refused, nothing stored.
        let second = portal
            .form(format!("/learn/assessments/{}/attempts", q.assessment), &[])
            .expect(StatusCode::SEE_OTHER)
            .await;
        let second = second
            .header("location")
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        let attempt = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{second}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let single = format!("q{}", ids_by_prompt(&attempt)["single"]);
        let bad = portal
            .form(
                format!("/learn/attempts/{second}"),
                &[(single.as_str(), "<b>nope\u{0}</b>"), ("action", "save")],
            )
            .send()
            .await;
        assert!(bad.status.is_client_error(), "{w}: {}", bad.status);
        let saved = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{second}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(saved["answers"], json!([]), "{w}: {saved}");
        let bad = portal
            .form(
                format!("/learn/attempts/{second}"),
                &[(single.as_str(), "zz"), ("action", "save")],
            )
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .text();
        assert!(bad.contains("does not fit"), "{w}: {bad}");
    }
}

#[tokio::test]
async fn fifty_learners_submitting_at_the_deadline_each_land_exactly_once() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let due = (chrono::Utc::now() + chrono::Duration::seconds(3)).to_rfc3339();
        let q = quiz_course(
            &w,
            &s,
            "crowd",
            json!({"due_at": due, "late_policy": "accept"}),
        )
        .await;
        let mut learners = Vec::new();
        for n in 0..50 {
            let learner = w
                .user("acme", &format!("crowd{n}@acme.test"), Role::Student)
                .await;
            w.as_(&learner)
                .post(format!("/api/v1/courses/{}/enroll", q.course))
                .expect(StatusCode::CREATED)
                .await;
            let attempt = start(&w, &learner, &q.assessment).await;
            learners.push((learner, attempt));
        }
        let path = format!("/api/v1/assessments/{}/submissions", q.assessment);
        let submit_all = || {
            futures_util::future::join_all(learners.iter().map(|(learner, attempt)| {
                w.as_(learner)
                    .post(&path)
                    .json(&json!({"answers": answering(attempt, &right_answers())}))
                    .send()
            }))
        };
        let replies = submit_all().await;
        for reply in &replies {
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{w}: {}",
                String::from_utf8_lossy(reply.bytes())
            );
            let body = reply.json_value();
            assert_eq!(body["status"], json!("graded"), "{w}: {body}");
            assert_eq!(body["score"].as_f64(), Some(8.0), "{w}: {body}");
        }
        // Sent again, every one is refused: none counted twice.
        for reply in submit_all().await {
            assert_eq!(reply.status, StatusCode::CONFLICT, "{w}");
            assert_eq!(reply.error_code(), Some("ALREADY_SUBMITTED"), "{w}");
        }
        let all = w
            .as_(&s.teacher)
            .get(&path)
            .expect(StatusCode::OK)
            .await
            .json_value();
        let items = all["items"].as_array().unwrap();
        assert_eq!(items.len(), 50, "{w}: {all}");
        assert!(
            items.iter().all(|i| i["status"] == json!("graded")),
            "{w}: {all}"
        );
        for kind in ["assessment.submitted", "assessment.graded"] {
            let events = events(&w, kind).await;
            let ids: std::collections::HashSet<String> = events
                .iter()
                .map(|e| e["submission_id"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!((events.len(), ids.len()), (50, 50), "{w}: {kind}");
        }
    }
}

/// Every kind of question the portal's editor writes.
const KINDS: [&str; 7] = [
    "single_choice",
    "multiple_choice",
    "true_false",
    "short_answer",
    "matching",
    "ordering",
    "essay",
];

/// A question of each kind as the portal's editor sends it (the first's right option is Paris,
/// the first of its options).
fn question_forms() -> Vec<Vec<(&'static str, &'static str)>> {
    vec![
        vec![
            ("kind", "single_choice"),
            ("prompt", "Capital of France?"),
            ("points", "1"),
            ("option-0-text", "Paris"),
            ("option-1-text", "Rome"),
            ("option-2-text", ""),
            ("correct", "0"),
        ],
        vec![
            ("kind", "multiple_choice"),
            ("prompt", "Capitals?"),
            ("points", "2"),
            ("option-0-text", "Paris"),
            ("option-1-text", "Lyon"),
            ("option-2-text", "Rome"),
            ("correct", "0"),
            ("correct", "2"),
            ("scoring", "partial"),
        ],
        vec![
            ("kind", "true_false"),
            ("prompt", "Rome is in Italy."),
            ("points", "1"),
            ("truth", "true"),
        ],
        vec![
            ("kind", "short_answer"),
            ("prompt", "Capital of Spain?"),
            ("points", "1"),
            ("rule", "case_insensitive"),
            ("answers", "Madrid\n"),
        ],
        vec![
            ("kind", "matching"),
            ("prompt", "Match them."),
            ("points", "1"),
            ("pairs", "France = Paris\nItaly = Rome"),
            ("distractors", "Oslo"),
            ("scoring", "partial"),
        ],
        vec![
            ("kind", "ordering"),
            ("prompt", "North to south."),
            ("points", "1"),
            ("items", "Oslo\nParis\nRome"),
        ],
        vec![
            ("kind", "essay"),
            ("prompt", "Why <b>capitals</b>?"),
            ("points", "2"),
            ("max_chars", "2000"),
        ],
    ]
}

/// The location a redirect answers, without the tenant's prefix.
fn location(reply: &common::world::Response) -> String {
    let at = reply.header("location").unwrap_or_default();
    at.strip_prefix("/t/acme").unwrap_or(at).to_owned()
}

#[tokio::test]
async fn an_instructor_writes_a_quiz_in_the_portal_links_it_and_grades_its_essays() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        w.provision("globex", Plan::Pro, json!({})).await;
        let stranger = w
            .user("globex", "teacher@globex.test", Role::Instructor)
            .await;
        let teacher = w.as_(&s.teacher);
        let course = teacher
            .post("/api/v1/courses")
            .json(&json!({"slug": "written", "title": "Written in the portal"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let module = teacher
            .post(format!("/api/v1/courses/{course}/modules"))
            .json(&json!({"title": "Only"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let portal = w.portal(&s.teacher).await;
        let builder = portal
            .get(format!("/teach/courses/{course}"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(
            builder.contains(&format!("/teach/courses/{course}/assessments")),
            "{w}: {builder}"
        );
        portal
            .get(format!("/teach/courses/{course}/assessments"))
            .expect(StatusCode::OK)
            .await;
        let made = portal
            .form(
                format!("/teach/courses/{course}/assessments"),
                &[("title", "Capitals"), ("kind", "quiz")],
            )
            .expect(StatusCode::SEE_OTHER)
            .await;
        let path = location(&made);
        let quiz = path.rsplit('/').next().unwrap().to_owned();
        // Settings: every field, then bad ones refused with nothing changed.
        let settings = [
            ("title", "Capitals"),
            ("instructions", "No notes."),
            ("passing_percent", "60"),
            ("time_limit_minutes", "10"),
            ("max_attempts", "2"),
            ("available_from", ""),
            ("available_until", ""),
            ("due_at", ""),
            ("shuffle_options", "on"),
            ("review_policy", "after_submission"),
            ("counted_attempt", "latest"),
            ("late_policy", "refuse"),
        ];
        portal
            .form(&path, &settings)
            .expect(StatusCode::SEE_OTHER)
            .await;
        let read = teacher
            .get(format!("/api/v1/assessments/{quiz}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                &read["passing_percent"],
                &read["time_limit_seconds"],
                &read["max_attempts"],
                &read["counted_attempt"],
                &read["shuffle_options"]
            ),
            (
                &json!(60),
                &json!(600),
                &json!(2),
                &json!("latest"),
                &json!(true)
            ),
            "{w}: {read}"
        );
        for (field, bad) in [
            ("passing_percent", "150"),
            ("max_attempts", "many"),
            ("due_at", "soon"),
        ] {
            let mut sent = settings.to_vec();
            sent.retain(|(n, _)| *n != field);
            sent.push((field, bad));
            let refused = portal.form(&path, &sent).send().await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{w}: {field}"
            );
            assert!(
                refused.text().contains("class=\"problem\""),
                "{w}: {}",
                refused.text()
            );
        }
        let after = teacher
            .get(format!("/api/v1/assessments/{quiz}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(after["passing_percent"], json!(60), "{w}: {after}");
        // A form per kind of question.
        let add = format!("/teach/assessments/{quiz}/questions");
        for kind in KINDS {
            let form = portal
                .get(format!("{add}/new?kind={kind}"))
                .expect(StatusCode::OK)
                .await
                .text();
            assert!(form.contains(&format!("value=\"{kind}\"")), "{w}: {form}");
        }
        let questions = question_forms();
        for question in &questions {
            let added = portal
                .form(&add, question)
                .expect(StatusCode::SEE_OTHER)
                .await;
            assert!(
                location(&added).starts_with(&path),
                "{w}: {}",
                location(&added)
            );
        }
        // A choice question without a right option is refused, nothing stored.
        let refused = portal
            .form(
                &add,
                &[
                    ("kind", "single_choice"),
                    ("prompt", "None right"),
                    ("points", "1"),
                    ("option-0-text", "A"),
                    ("option-1-text", "B"),
                ],
            )
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .text();
        assert!(
            refused.contains("The question cannot be saved")
                && refused.contains("tick at least one right answer")
                && !refused.contains("key.correct"),
            "{w}: {refused}"
        );
        let read = teacher
            .get(format!("/api/v1/assessments/{quiz}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let saved = read["questions"].as_array().unwrap();
        assert_eq!(saved.len(), 7, "{w}: {read}");
        let single = &saved[0]["key"];
        let paris = single["options"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(single["correct"], json!(paris), "{w}: {single}");
        assert_eq!(
            saved[1]["key"]["correct"].as_array().unwrap().len(),
            2,
            "{w}: {read}"
        );
        assert_eq!(saved[1]["key"]["scoring"], json!("partial"), "{w}: {read}");
        assert_eq!(
            saved[3]["key"]["rule"],
            json!({"match": "case_insensitive", "answers": ["Madrid"]}),
            "{w}: {read}"
        );
        assert_eq!(
            saved[4]["key"]["choices"].as_array().unwrap().len(),
            3,
            "{w}: {read}"
        );
        assert_eq!(
            saved[5]["key"]["items"][0]["text"],
            json!("Oslo"),
            "{w}: {read}"
        );
        // Editing keeps the options' ids; removing takes the question away.
        let first = saved[0]["id"].as_str().unwrap().to_owned();
        let form = portal
            .get(format!("/teach/questions/{first}"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(form.contains("value=\"Paris\""), "{w}: {form}");
        portal
            .form(
                format!("/teach/questions/{first}"),
                &[
                    ("kind", "single_choice"),
                    ("prompt", "Capital of France?"),
                    ("points", "3"),
                    ("option-0-id", &paris),
                    ("option-0-text", "Paris"),
                    ("option-1-id", "o2"),
                    ("option-1-text", "Rome"),
                    ("correct", "0"),
                ],
            )
            .expect(StatusCode::SEE_OTHER)
            .await;
        let edited = teacher
            .get(format!("/api/v1/questions/{first}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (&edited["points"], &edited["key"]["correct"]),
            (&json!(3), &json!(paris)),
            "{w}: {edited}"
        );
        let ordering = saved[5]["id"].as_str().unwrap().to_owned();
        portal
            .form(format!("/teach/questions/{ordering}/delete"), &[])
            .expect(StatusCode::SEE_OTHER)
            .await;
        let read = teacher
            .get(format!("/api/v1/assessments/{quiz}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            read["questions"].as_array().unwrap().len(),
            6,
            "{w}: {read}"
        );
        // The lesson editor links it from a quiz lesson.
        let editor = portal
            .get(format!("/teach/modules/{module}/lessons/new?kind=quiz"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(
            editor.contains(&format!("value=\"{quiz}\"")),
            "{w}: {editor}"
        );
        portal
            .form(
                format!("/teach/modules/{module}/lessons"),
                &[
                    ("title", "Check"),
                    ("kind", "quiz"),
                    ("release", "none"),
                    ("assessment", &quiz),
                    ("action", "save"),
                ],
            )
            .expect(StatusCode::SEE_OTHER)
            .await;
        let lessons = teacher
            .get(format!("/api/v1/modules/{module}/lessons"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let lesson = lessons["items"][0]["id"].as_str().map(str::to_owned);
        let lesson = lesson.unwrap_or_else(|| panic!("{w}: {lessons}"));
        let content = teacher
            .get(format!("/api/v1/lessons/{lesson}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert!(content.to_string().contains(&quiz), "{w}: {content}");
        let again = portal
            .get(format!("/teach/lessons/{lesson}"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(
            again.contains(&format!("value=\"{quiz}\" selected")),
            "{w}: {again}"
        );
        // A learner answers the essay; the instructor grades it in the portal.
        teacher
            .post(format!("/api/v1/courses/{course}/publish"))
            .expect(StatusCode::OK)
            .await;
        let student = w.as_(&s.student);
        student
            .post(format!("/api/v1/courses/{course}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
        let attempt = start(&w, &s.student, &quiz).await;
        let essay = ids_by_prompt(&attempt)["Why <b>capitals</b>?"].clone();
        let submitted = student
            .post(format!("/api/v1/assessments/{quiz}/submissions"))
            .json(&json!({"answers": [{"question_id": essay, "answer": {"type": "essay", "text": "Because <i>history</i>."}}]}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            submitted["status"],
            json!("needs_grading"),
            "{w}: {submitted}"
        );
        let sid = submitted["id"].as_str().unwrap().to_owned();
        let list = portal
            .get(format!("/teach/assessments/{quiz}/attempts"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(
            list.contains(&format!("/teach/attempts/{sid}")),
            "{w}: {list}"
        );
        assert!(
            list.contains("Student of acme") || list.contains("student of acme"),
            "{w}: {list}"
        );
        let grading = portal
            .get(format!("/teach/attempts/{sid}"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(
            grading.contains(&format!("name=\"points-{essay}\"")),
            "{w}: {grading}"
        );
        assert!(
            !grading.contains("<i>history"),
            "{w}: markup unescaped: {grading}"
        );
        let field = format!("points-{essay}");
        let feedback = format!("feedback-{essay}");
        let too_many = portal
            .form(
                format!("/teach/attempts/{sid}/grades"),
                &[(field.as_str(), "5")],
            )
            .send()
            .await;
        assert_eq!(
            too_many.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{w}: {}",
            too_many.text()
        );
        portal
            .form(
                format!("/teach/attempts/{sid}/grades"),
                &[(field.as_str(), "1.5"), (feedback.as_str(), "Good start.")],
            )
            .expect(StatusCode::SEE_OTHER)
            .await;
        let graded = teacher
            .get(format!("/api/v1/submissions/{sid}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (&graded["status"], graded["score"].as_f64()),
            (&json!("graded"), Some(1.5)),
            "{w}: {graded}"
        );
        let mine = w.portal(&s.student).await;
        let result = mine
            .get(format!("/learn/attempts/{sid}"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(result.contains("Good start."), "{w}: {result}");
        // Learners and other tenants reach none of it.
        for page in [
            format!("/teach/assessments/{quiz}"),
            format!("/teach/assessments/{quiz}/attempts"),
            format!("/teach/attempts/{sid}"),
        ] {
            let denied = mine.get(&page).send().await;
            assert!(
                matches!(denied.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{w}: {page} {}",
                denied.status
            );
        }
        let globex = w.portal(&stranger).await;
        for page in [
            format!("/teach/assessments/{quiz}"),
            format!("/teach/questions/{first}"),
            format!("/teach/attempts/{sid}"),
            format!("/teach/assessments/{quiz}/attempts"),
            format!("/learn/attempts/{sid}"),
        ] {
            globex.get(&page).expect(StatusCode::NOT_FOUND).await;
        }
        globex
            .form(format!("/teach/questions/{first}/delete"), &[])
            .expect(StatusCode::NOT_FOUND)
            .await;
        globex
            .form(format!("/teach/assessments/{quiz}/delete"), &[])
            .expect(StatusCode::NOT_FOUND)
            .await;
        teacher
            .get(format!("/api/v1/questions/{first}"))
            .expect(StatusCode::OK)
            .await;
    }
}

#[tokio::test]
async fn concurrent_starts_never_pass_the_attempt_limit() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let q = quiz_course(&w, &s, "limited", json!({"max_attempts": 2})).await;
        let path = format!("/api/v1/assessments/{}/attempts", q.assessment);
        let submit = format!("/api/v1/assessments/{}/submissions", q.assessment);
        for round in 1..=3 {
            let starts = (0..10).map(|_| w.as_(&s.student).post(&path).send());
            let replies = futures_util::future::join_all(starts).await;
            let statuses: Vec<StatusCode> = replies.iter().map(|r| r.status).collect();
            if round <= 2 {
                let created = statuses
                    .iter()
                    .filter(|s| **s == StatusCode::CREATED)
                    .count();
                let resumed = statuses.iter().filter(|s| **s == StatusCode::OK).count();
                assert_eq!(
                    (created, resumed),
                    (1, 9),
                    "{w}: round {round}: {statuses:?}"
                );
                let ids: std::collections::HashSet<String> = replies
                    .iter()
                    .map(|r| r.json_value()["id"].as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(
                    ids.len(),
                    1,
                    "{w}: round {round}: several attempts: {ids:?}"
                );
                w.as_(&s.student).post(&submit).expect(StatusCode::OK).await;
            } else {
                for reply in &replies {
                    assert_eq!(
                        (reply.status, reply.error_code()),
                        (StatusCode::CONFLICT, Some("MAX_ATTEMPTS_REACHED")),
                        "{w}: {reply}"
                    );
                }
            }
        }
        let mine = w
            .as_(&s.student)
            .get(format!("/api/v1/assessments/{}/submissions", q.assessment))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let numbers: Vec<u64> = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["attempt"].as_u64().unwrap())
            .collect();
        assert_eq!(numbers, vec![1, 2], "{w}: {mine}");
        // Concurrent submits of one attempt count it once.
        let q = quiz_course(&w, &s, "double", json!({})).await;
        start(&w, &s.student, &q.assessment).await;
        let submit = format!("/api/v1/assessments/{}/submissions", q.assessment);
        let submits = (0..5).map(|_| w.as_(&s.student).post(&submit).send());
        let replies = futures_util::future::join_all(submits).await;
        let ok = replies
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count();
        assert_eq!(ok, 1, "{w}");
        for reply in replies.iter().filter(|r| r.status != StatusCode::OK) {
            assert_eq!(
                reply.error_code(),
                Some("ALREADY_SUBMITTED"),
                "{w}: {reply}"
            );
        }
    }
}

#[tokio::test]
async fn a_submission_after_the_deadline_is_refused_or_marked_late_per_policy() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let due = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        let past = (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339();
        for (policy, slug) in [("refuse", "strict"), ("accept", "lenient")] {
            let q = quiz_course(&w, &s, slug, json!({"due_at": due, "late_policy": policy})).await;
            let attempt = start(&w, &s.student, &q.assessment).await;
            let id = attempt["id"].as_str().unwrap();
            let deadline = |read: &Value| {
                chrono::DateTime::parse_from_rfc3339(read["deadline_at"].as_str().unwrap()).unwrap()
            };
            // PostgreSQL keeps microseconds.
            let near = |a: chrono::DateTime<chrono::FixedOffset>, b: &str| {
                (a - chrono::DateTime::parse_from_rfc3339(b).unwrap()).num_milliseconds() == 0
            };
            assert!(near(deadline(&attempt), &due), "{w}: {attempt}");
            // The due date moves into the past while the attempt is in progress: its deadline
            // (kept with the attempt) moves with it.
            w.as_(&s.teacher)
                .patch(format!("/api/v1/assessments/{}", q.assessment))
                .json(&json!({"due_at": past}))
                .expect(StatusCode::OK)
                .await;
            let moved = w
                .as_(&s.student)
                .get(format!("/api/v1/submissions/{id}"))
                .expect(StatusCode::OK)
                .await
                .json_value();
            assert!(near(deadline(&moved), &past), "{w}: {moved}");
            let save = w
                .as_(&s.student)
                .put(format!("/api/v1/attempts/{id}/answers"))
                .json(&json!({"answers": answering(&attempt, &right_answers())}));
            let submit = w
                .as_(&s.student)
                .post(format!("/api/v1/assessments/{}/submissions", q.assessment))
                .json(&json!({"attempt_id": id}));
            if policy == "refuse" {
                save.expect_error(StatusCode::CONFLICT, "DEADLINE_PASSED")
                    .await;
                submit
                    .expect_error(StatusCode::CONFLICT, "DEADLINE_PASSED")
                    .await;
                let read = w
                    .as_(&s.student)
                    .get(format!("/api/v1/submissions/{id}"))
                    .expect(StatusCode::OK)
                    .await
                    .json_value();
                assert_eq!(
                    (
                        read["status"].as_str(),
                        read["answers"].as_array().map(Vec::len)
                    ),
                    (Some("expired"), Some(0)),
                    "{w}: {read}"
                );
                // No new attempt past a refusing due date either.
                w.as_(&s.student)
                    .post(format!("/api/v1/assessments/{}/attempts", q.assessment))
                    .expect_error(StatusCode::CONFLICT, "DEADLINE_PASSED")
                    .await;
            } else {
                save.expect(StatusCode::OK).await;
                let late = submit.expect(StatusCode::OK).await.json_value();
                assert_eq!(
                    (late["late"].as_bool(), late["score"].as_f64()),
                    (Some(true), Some(8.0)),
                    "{w}: {late}"
                );
            }
        }
        let submitted = events(&w, "assessment.submitted").await;
        assert_eq!(submitted.len(), 1, "{w}: only the late one: {submitted:?}");
        assert_eq!(submitted[0]["late"], json!(true), "{w}");
    }
}

#[tokio::test]
async fn essays_wait_for_an_instructor_whose_grade_is_audited() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let q = quiz_course(&w, &s, "essays", json!({"passing_percent": 50})).await;
        w.as_(&s.teacher)
            .post(format!("/api/v1/assessments/{}/questions", q.assessment))
            .json(&json!({"prompt": "essay", "points": 4, "key": {"type": "essay", "max_chars": 200}}))
            .expect(StatusCode::CREATED)
            .await;
        let attempt = start(&w, &s.student, &q.assessment).await;
        let mut answers = wrong_answers();
        answers.insert("essay", json!({"type": "essay", "text": "<b>My</b> view"}));
        let id = attempt["id"].as_str().unwrap().to_owned();
        let submitted = w
            .as_(&s.student)
            .post(format!("/api/v1/assessments/{}/submissions", q.assessment))
            .json(&json!({"answers": answering(&attempt, &answers)}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (submitted["status"].as_str(), submitted["score"].as_f64()),
            (Some("needs_grading"), None),
            "{w}: {submitted}"
        );
        let event = &events(&w, "assessment.submitted").await[0];
        assert_eq!(
            (event["score"].clone(), event["passed"].clone()),
            (Value::Null, Value::Null),
            "{w}"
        );
        assert!(events(&w, "assessment.graded").await.is_empty(), "{w}");
        let essay = ids_by_prompt(&attempt)["essay"].clone();
        let single = ids_by_prompt(&attempt)["single"].clone();
        let grades = |question: &str, points: f64| json!({"grades": [{"question_id": question, "points": points, "feedback": "Good <i>points</i>"}]});
        let path = format!("/api/v1/submissions/{id}/grades");
        // Learners and other instructors do not grade; answers marked on the server and
        // grades above the question's points are refused.
        w.as_(&s.student)
            .post(&path)
            .json(&grades(&essay, 4.0))
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        w.as_(&s.other_teacher)
            .post(&path)
            .json(&grades(&essay, 4.0))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        w.as_(&s.teacher)
            .post(&path)
            .json(&grades(&single, 1.0))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "NOT_GRADED_BY_HAND")
            .await;
        w.as_(&s.teacher)
            .post(&path)
            .json(&grades(&essay, 4.5))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_GRADE")
            .await;
        // 0.5 + 4 of 12 points: graded, and not passed.
        let graded = w
            .as_(&s.teacher)
            .post(&path)
            .json(&grades(&essay, 4.0))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                graded["status"].as_str(),
                graded["score"].as_f64(),
                graded["passed"].as_bool()
            ),
            (Some("graded"), Some(4.5), Some(false)),
            "{w}: {graded}"
        );
        let graded_events = events(&w, "assessment.graded").await;
        assert_eq!(graded_events.len(), 1, "{w}");
        assert_eq!(graded_events[0]["by"], json!(s.teacher.id), "{w}");
        let audit = w
            .as_(&s.admin)
            .get("/api/v1/audit-log?action=submission.graded")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let entries = audit["items"].as_array().unwrap();
        assert_eq!(entries.len(), 1, "{w}: {audit}");
        assert_eq!(entries[0]["target_id"], json!(id), "{w}: {audit}");
        // The learner sees the grade, and the feedback with the review.
        let read = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(read["score"].as_f64(), Some(4.5), "{w}: {read}");
        assert!(
            read.to_string().contains("Good <i>points</i>"),
            "{w}: {read}"
        );
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_refusal_and_stores_nothing() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let q = quiz_course(&w, &s, "bad", json!({})).await;
        let teacher = w.as_(&s.teacher);
        let add = format!("/api/v1/assessments/{}/questions", q.assessment);
        let regex = |pattern: &str| json!({"prompt": "p", "points": 1, "key": {"type": "short_answer", "rule": {"match": "regex", "pattern": pattern}}});
        for pattern in [r"(a)\1", r"(?=x)x", "a{1000}{1000}", &"a".repeat(600)] {
            teacher
                .post(&add)
                .json(&regex(pattern))
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_PATTERN")
                .await;
        }
        for (body, code) in [
            (
                json!({"prompt": "", "points": 1, "key": {"type": "true_false", "correct": true}}),
                "INVALID_QUESTION",
            ),
            (
                json!({"prompt": "x".repeat(20_000), "points": 1, "key": {"type": "true_false", "correct": true}}),
                "INVALID_QUESTION",
            ),
            (
                json!({"prompt": "p", "points": 5000, "key": {"type": "true_false", "correct": true}}),
                "INVALID_QUESTION",
            ),
            (
                json!({"prompt": "p", "points": 1, "key": {"type": "single_choice", "options": [{"id": "a", "text": "A"}], "correct": "a"}}),
                "INVALID_QUESTION",
            ),
        ] {
            teacher
                .post(&add)
                .json(&body)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, code)
                .await;
        }
        for body in [
            json!({"prompt": "p", "points": 1, "key": {"type": "telepathy"}}),
            json!({"prompt": "p", "points": 1, "key": {"type": "true_false", "correct": true}, "tenant_id": "x"}),
        ] {
            let reply = teacher.post(&add).json(&body).send().await;
            assert!(reply.status.is_client_error(), "{w}: {reply}");
        }
        let nul = teacher
            .post(&add)
            .body("application/json", r#"{"prompt": "a\u0000b", "points": 1, "key": {"type": "true_false", "correct": true}}"#)
            .send()
            .await;
        assert_eq!(nul.status, StatusCode::BAD_REQUEST, "{w}: {nul}");
        let detail = teacher
            .get(format!("/api/v1/assessments/{}", q.assessment))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            detail["questions"].as_array().unwrap().len(),
            8,
            "{w}: a bad question was stored"
        );
        // Markup is kept as text, for pages to escape.
        assert_eq!(detail["title"], json!("Final <script>quiz</script>"), "{w}");

        let attempt = start(&w, &s.student, &q.assessment).await;
        let id = attempt["id"].as_str().unwrap();
        let ids = ids_by_prompt(&attempt);
        let save = |answers: Value| {
            w.as_(&s.student)
                .put(format!("/api/v1/attempts/{id}/answers"))
                .json(&json!({"answers": answers}))
        };
        save(json!([{"question_id": uuid::Uuid::now_v7(), "answer": {"type": "true_false", "value": true}}]))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "UNKNOWN_QUESTION")
            .await;
        save(json!([
            {"question_id": ids["truefalse"], "answer": {"type": "true_false", "value": true}},
            {"question_id": ids["single"], "answer": {"type": "true_false", "value": true}},
        ]))
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_ANSWER")
        .await;
        save(json!([{"question_id": ids["single"], "answer": {"type": "single_choice", "option": "zzz"}}]))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_ANSWER")
            .await;
        save(json!([{"question_id": ids["exact"], "answer": {"type": "short_answer", "text": "x".repeat(5_000)}}]))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_ANSWER")
            .await;
        let malformed = save(json!([{"question_id": ids["truefalse"], "answer": {"type": "true_false", "value": "yes"}}]))
            .send()
            .await;
        assert!(malformed.status.is_client_error(), "{w}: {malformed}");
        // Nothing of the refused saves was kept (the first answer of the mixed one neither).
        let read = w
            .as_(&s.student)
            .get(format!("/api/v1/submissions/{id}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(read["answers"], json!([]), "{w}: {read}");
        // Submitting twice: the second is refused, and counted nowhere.
        let submit = format!("/api/v1/assessments/{}/submissions", q.assessment);
        w.as_(&s.student)
            .post(&submit)
            .json(&json!({"attempt_id": id}))
            .expect(StatusCode::OK)
            .await;
        w.as_(&s.student)
            .post(&submit)
            .json(&json!({"attempt_id": id}))
            .expect_error(StatusCode::CONFLICT, "ALREADY_SUBMITTED")
            .await;
        save(json!([]))
            .expect_error(StatusCode::CONFLICT, "ALREADY_SUBMITTED")
            .await;
        assert_eq!(events(&w, "assessment.submitted").await.len(), 1, "{w}");
        // Settings that do not hold together.
        w.as_(&s.teacher)
            .patch(format!("/api/v1/assessments/{}", q.assessment))
            .json(&json!({"passing_percent": 101}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_ASSESSMENT")
            .await;
        w.as_(&s.teacher)
            .post(format!("/api/v1/courses/{}/assessments", q.course))
            .json(&json!({"kind": "exam", "title": "T", "max_attempts": 0}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_ASSESSMENT")
            .await;
        // A learner neither authors nor deletes.
        w.as_(&s.student)
            .post(&add)
            .json(&json!({"prompt": "p", "points": 1, "key": {"type": "true_false", "correct": true}}))
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        // Learners attempted it, and a lesson links it: it stays.
        w.as_(&s.teacher)
            .delete(format!("/api/v1/assessments/{}", q.assessment))
            .expect_error(StatusCode::CONFLICT, "ASSESSMENT_IN_USE")
            .await;
    }
}

#[tokio::test]
async fn a_lesson_links_only_a_fitting_assessment_of_its_own_course() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let q = quiz_course(&w, &s, "home", json!({})).await;
        let other = quiz_course(&w, &s, "elsewhere", json!({})).await;
        let teacher = w.as_(&s.teacher);
        let module = teacher
            .get(format!("/api/v1/courses/{}/modules", q.course))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let module = module["items"][0]["id"]
            .as_str()
            .or_else(|| module[0]["id"].as_str())
            .unwrap()
            .to_owned();
        let lesson = |kind: &str, assessment: &str| json!({"title": "L", "kind": kind, "content": [{"type": "assessment", "assessment_id": assessment}]});
        let add = format!("/api/v1/modules/{module}/lessons");
        teacher
            .post(&add)
            .json(&lesson("quiz", &other.assessment))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "UNKNOWN_ASSESSMENT")
            .await;
        teacher
            .post(&add)
            .json(&lesson("quiz", &uuid::Uuid::now_v7().to_string()))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "UNKNOWN_ASSESSMENT")
            .await;
        let assignment = teacher
            .post(format!("/api/v1/courses/{}/assessments", q.course))
            .json(&json!({"kind": "assignment", "title": "Essay"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        teacher
            .post(&add)
            .json(&lesson("quiz", &assignment))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "ASSESSMENT_KIND_MISMATCH")
            .await;
        teacher
            .post(&add)
            .json(&lesson("assignment", &q.assessment))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "ASSESSMENT_KIND_MISMATCH")
            .await;
        teacher
            .post(&add)
            .json(&lesson("assignment", &assignment))
            .expect(StatusCode::CREATED)
            .await;
        // An assignment takes no questions and no attempts here.
        teacher
            .post(format!("/api/v1/assessments/{assignment}/questions"))
            .json(&json!({"prompt": "p", "points": 1, "key": {"type": "true_false", "correct": true}}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "NOT_A_QUIZ")
            .await;
        w.as_(&s.student)
            .post(format!("/api/v1/assessments/{assignment}/attempts"))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "NOT_A_QUIZ")
            .await;
        // Replacing the quiz lesson is checked the same way.
        teacher
            .put(format!("/api/v1/lessons/{}", q.quiz_lesson))
            .json(&lesson("quiz", &other.assessment))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "UNKNOWN_ASSESSMENT")
            .await;
    }
}

#[tokio::test]
async fn each_attempt_draws_its_questions_from_the_banks() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let q = quiz_course(&w, &s, "banked", json!({})).await;
        let teacher = w.as_(&s.teacher);
        let bank = teacher
            .post(format!("/api/v1/courses/{}/question-banks", q.course))
            .json(&json!({"title": "Pool"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        for i in 0..6 {
            teacher
                .post(format!("/api/v1/question-banks/{bank}/questions"))
                .json(&json!({"prompt": format!("pool {i}"), "points": 2, "key": {"type": "true_false", "correct": true}}))
                .expect(StatusCode::CREATED)
                .await;
        }
        teacher
            .patch(format!("/api/v1/assessments/{}", q.assessment))
            .json(&json!({"draws": [{"bank_id": bank, "count": 7}]}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_DRAW")
            .await;
        teacher
            .patch(format!("/api/v1/assessments/{}", q.assessment))
            .json(&json!({"draws": [{"bank_id": bank, "count": 3}]}))
            .expect(StatusCode::OK)
            .await;
        let detail = teacher
            .get(format!("/api/v1/assessments/{}", q.assessment))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                detail["question_count"].as_u64(),
                detail["max_score"].as_f64()
            ),
            (Some(11), Some(14.0)),
            "{w}: {detail}"
        );
        let mut drawn = std::collections::HashSet::new();
        for learner in [&s.student, &s.student2] {
            let attempt = start(&w, learner, &q.assessment).await;
            let pool: Vec<String> = ids_by_prompt(&attempt)
                .into_keys()
                .filter(|p| p.starts_with("pool"))
                .collect();
            assert_eq!(pool.len(), 3, "{w}: {attempt}");
            assert_eq!(attempt["max_score"], json!(14.0), "{w}");
            drawn.extend(pool);
        }
        assert!(drawn.len() >= 3, "{w}");
        teacher
            .delete(format!("/api/v1/question-banks/{bank}"))
            .expect_error(StatusCode::CONFLICT, "BANK_IN_USE")
            .await;
    }
}

/// The ids of a bank's questions, as its staff read them over the API.
async fn bank_questions(w: &World, teacher: &User, bank: &str) -> Vec<String> {
    w.as_(teacher)
        .get(format!("/api/v1/question-banks/{bank}"))
        .expect(StatusCode::OK)
        .await
        .json_value()["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The draws of an assessment, as its staff read them over the API.
async fn draws_of(w: &World, teacher: &User, assessment: &str) -> Value {
    w.as_(teacher)
        .get(format!("/api/v1/assessments/{assessment}"))
        .expect(StatusCode::OK)
        .await
        .json_value()["draws"]
        .clone()
}

#[tokio::test]
async fn staff_keep_question_banks_and_draws_in_the_portal_and_an_attempt_shows_only_its_draw() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        w.provision("globex", Plan::Pro, json!({})).await;
        let stranger = w
            .user("globex", "teacher@globex.test", Role::Instructor)
            .await;
        let q = quiz_course(&w, &s, "pooled", json!({})).await;
        let teacher = w.as_(&s.teacher);
        let portal = w.portal(&s.teacher).await;

        // The builder and the assessments link the course's banks; a blank title is refused.
        let banks = format!("/teach/courses/{}/question-banks", q.course);
        for page in [
            format!("/teach/courses/{}", q.course),
            format!("/teach/courses/{}/assessments", q.course),
        ] {
            let text = portal.get(&page).expect(StatusCode::OK).await.text();
            assert!(text.contains(&banks), "{w}: {page} {text}");
        }
        let list = portal.get(&banks).expect(StatusCode::OK).await.text();
        assert!(list.contains("no question banks yet"), "{w}: {list}");
        let refused = portal
            .form(&banks, &[("title", "  ")])
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .text();
        assert!(refused.contains("class=\"problem\""), "{w}: {refused}");
        let api_banks = format!("/api/v1/courses/{}/question-banks", q.course);
        let none = teacher.get(&api_banks).expect(StatusCode::OK).await;
        assert_eq!(none.json_value()["items"], json!([]), "{w}");
        let made = portal
            .form(&banks, &[("title", "Capitals <pool>")])
            .expect(StatusCode::SEE_OTHER)
            .await;
        let bank_page = location(&made);
        let bank = bank_page.rsplit('/').next().unwrap().to_owned();
        assert_eq!(bank_page, format!("/teach/question-banks/{bank}"), "{w}");

        // The question editor writes a bank's questions of every kind, as an assessment's.
        for kind in KINDS {
            let form = portal
                .get(format!("{bank_page}/questions/new?kind={kind}"))
                .expect(StatusCode::OK)
                .await
                .text();
            assert!(form.contains(&format!("value=\"{kind}\"")), "{w}: {form}");
            assert!(
                form.contains(&format!("action=\"/t/acme{bank_page}/questions\"")),
                "{w}: {form}"
            );
            assert!(form.contains("Back to the bank"), "{w}: {form}");
        }
        for question in &question_forms() {
            let added = portal
                .form(format!("{bank_page}/questions"), question)
                .expect(StatusCode::SEE_OTHER)
                .await;
            assert!(location(&added).starts_with(&bank_page), "{w}");
        }
        let refused = portal
            .form(
                format!("{bank_page}/questions"),
                &[
                    ("kind", "ordering"),
                    ("prompt", "One item"),
                    ("points", "1"),
                    ("items", "Alone"),
                ],
            )
            .expect(StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .text();
        assert!(
            refused.contains("The question cannot be saved: check the options"),
            "{w}: {refused}"
        );
        let pool = bank_questions(&w, &s.teacher, &bank).await;
        assert_eq!(pool.len(), 7, "{w}");
        let detail = teacher
            .get(format!("/api/v1/question-banks/{bank}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let single = &detail["questions"][0]["key"];
        assert_eq!(
            single["correct"], single["options"][0]["id"],
            "{w}: {single}"
        );
        let read = portal.get(&bank_page).expect(StatusCode::OK).await.text();
        assert!(read.contains("7 questions"), "{w}: {read}");
        assert!(read.contains("Capitals &#60;pool&#62;"), "{w}: {read}");
        assert!(!read.contains("<pool>"), "{w}: markup unescaped");
        for id in &pool {
            assert!(read.contains(&format!("/teach/questions/{id}\"")), "{w}");
        }
        let list = portal.get(&banks).expect(StatusCode::OK).await.text();
        assert!(
            list.contains(&format!("/teach/question-banks/{bank}\""))
                && list.contains("<td>7</td>"),
            "{w}: {list}"
        );
        let listed = teacher.get(&api_banks).expect(StatusCode::OK).await;
        assert_eq!(
            listed.json_value()["items"][0]["question_count"],
            json!(7),
            "{w}"
        );

        // A bank's question is edited and removed on the assessment's question pages.
        let first = &pool[0];
        let form = portal
            .get(format!("/teach/questions/{first}"))
            .expect(StatusCode::OK)
            .await
            .text();
        assert!(
            form.contains(&format!("href=\"/t/acme{bank_page}#questions\"")),
            "{w}: {form}"
        );
        let mut edited = question_forms()[2].clone();
        edited.retain(|(name, _)| *name != "points");
        edited.push(("points", "4"));
        let essay = pool[6].clone();
        let saved = portal
            .form(format!("/teach/questions/{}", pool[2]), &edited)
            .expect(StatusCode::SEE_OTHER)
            .await;
        assert!(location(&saved).starts_with(&bank_page), "{w}");
        let read = teacher
            .get(format!("/api/v1/questions/{}", pool[2]))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(read.json_value()["points"], json!(4), "{w}");
        let removed = portal
            .form(format!("/teach/questions/{essay}/delete"), &[])
            .expect(StatusCode::SEE_OTHER)
            .await;
        assert!(location(&removed).starts_with(&bank_page), "{w}");
        let pool = bank_questions(&w, &s.teacher, &bank).await;
        assert_eq!(pool.len(), 6, "{w}");

        // Draws: refused as the API refuses them, with the problem shown and nothing stored.
        let quiz_page = format!("/teach/assessments/{}", q.assessment);
        let draws = format!("{quiz_page}/draws");
        let field = format!("draw-{bank}");
        let page = portal.get(&quiz_page).expect(StatusCode::OK).await.text();
        assert!(page.contains(&format!("name=\"{field}\"")), "{w}: {page}");
        let unknown = format!("draw-{}", uuid::Uuid::now_v7());
        for (name, count, code_message) in [
            (field.as_str(), "0", "at least one question"),
            (field.as_str(), "-2", "could not be read"),
            (field.as_str(), "7", "at least one question"),
            (field.as_str(), "many", "could not be read"),
            (unknown.as_str(), "2", "at least one question"),
            ("draw-not-an-id", "2", "could not be read"),
        ] {
            let refused = portal
                .form(&draws, &[(name, count)])
                .expect(StatusCode::UNPROCESSABLE_ENTITY)
                .await
                .text();
            assert!(
                refused.contains("id=\"draws-problem\"") && refused.contains(code_message),
                "{w}: {name}={count}: {refused}"
            );
            assert_eq!(
                draws_of(&w, &s.teacher, &q.assessment).await,
                json!([]),
                "{w}"
            );
        }
        portal
            .form(&draws, &[(field.as_str(), "3")])
            .expect(StatusCode::SEE_OTHER)
            .await;
        assert_eq!(
            draws_of(&w, &s.teacher, &q.assessment).await,
            json!([{"bank_id": bank, "count": 3}]),
            "{w}"
        );
        let page = portal.get(&quiz_page).expect(StatusCode::OK).await.text();
        assert!(
            page.contains("3 random questions from the bank “Capitals &#60;pool&#62;”")
                && page.contains("value=\"3\""),
            "{w}: {page}"
        );
        assert!(page.contains("11 questions"), "{w}: {page}");

        // The bank is in use: deleting it is refused on its page, nothing deleted.
        let refused = portal
            .form(format!("{bank_page}/delete"), &[])
            .expect(StatusCode::CONFLICT)
            .await
            .text();
        assert!(
            refused.contains("An assessment draws from this bank."),
            "{w}: {refused}"
        );
        assert_eq!(bank_questions(&w, &s.teacher, &bank).await.len(), 6, "{w}");

        // A learner's attempt holds the quiz's questions and three of the bank's, and the page
        // shows none of the others nor any key.
        let learner = w.portal(&s.student).await;
        let started = learner
            .form(format!("/learn/assessments/{}/attempts", q.assessment), &[])
            .expect(StatusCode::SEE_OTHER)
            .await;
        let attempt = learner
            .get(location(&started))
            .expect(StatusCode::OK)
            .await
            .text();
        let shown = pool
            .iter()
            .filter(|id| attempt.contains(id.as_str()))
            .count();
        assert_eq!(shown, 3, "{w}: {attempt}");
        assert_page_has_no_key(&attempt, "the attempt's page");
        assert!(
            !attempt.contains("Capitals &#60;pool&#62;"),
            "{w}: the bank named"
        );
        let other = start(&w, &s.student2, &q.assessment).await;
        assert_eq!(other["questions"].as_array().unwrap().len(), 11, "{w}");
        let drawn = ids_by_prompt(&other)
            .into_values()
            .filter(|id| pool.contains(id))
            .count();
        assert_eq!(drawn, 3, "{w}: {other}");
        assert_no_key(&other, "the other learner's attempt");

        // Learners and another tenant's staff reach none of it; forged forms change nothing.
        let globex = w.portal(&stranger).await;
        let pages = [
            banks.clone(),
            bank_page.clone(),
            format!("{bank_page}/questions/new?kind=essay"),
            format!("/teach/questions/{}", pool[0]),
        ];
        let forms = [
            (banks.clone(), vec![("title", "Stolen")]),
            (
                format!("{bank_page}/questions"),
                question_forms()[2].clone(),
            ),
            (
                format!("/teach/questions/{}", pool[0]),
                question_forms()[2].clone(),
            ),
            (format!("/teach/questions/{}/delete", pool[0]), vec![]),
            (draws.clone(), vec![(field.as_str(), "1")]),
            (format!("{bank_page}/delete"), vec![]),
        ];
        for page in &pages {
            let denied = learner.get(page).send().await;
            assert_eq!(denied.status, StatusCode::FORBIDDEN, "{w}: {page}");
            globex.get(page).expect(StatusCode::NOT_FOUND).await;
        }
        for (path, fields) in &forms {
            let denied = learner.form(path, fields).send().await;
            assert_eq!(denied.status, StatusCode::FORBIDDEN, "{w}: {path}");
            globex
                .form(path, fields)
                .expect(StatusCode::NOT_FOUND)
                .await;
            portal
                .forged(path, fields)
                .expect(StatusCode::FORBIDDEN)
                .await;
        }
        let questions = bank_questions(&w, &s.teacher, &bank).await;
        assert_eq!(questions, pool, "{w}");
        let first = teacher
            .get(format!("/api/v1/questions/{}", pool[0]))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(
            first.json_value()["prompt"],
            json!("Capital of France?"),
            "{w}"
        );
        let listed = teacher.get(&api_banks).expect(StatusCode::OK).await;
        assert_eq!(
            listed.json_value()["items"].as_array().unwrap().len(),
            1,
            "{w}"
        );
        assert_eq!(
            draws_of(&w, &s.teacher, &q.assessment).await,
            json!([{"bank_id": bank, "count": 3}]),
            "{w}"
        );

        // With the draw taken away the bank is deleted, its questions with it.
        portal
            .form(&draws, &[(field.as_str(), "")])
            .expect(StatusCode::SEE_OTHER)
            .await;
        assert_eq!(
            draws_of(&w, &s.teacher, &q.assessment).await,
            json!([]),
            "{w}"
        );
        let deleted = portal
            .form(format!("{bank_page}/delete"), &[])
            .expect(StatusCode::SEE_OTHER)
            .await;
        assert_eq!(location(&deleted), banks, "{w}");
        teacher
            .get(format!("/api/v1/questions/{}", pool[0]))
            .expect(StatusCode::NOT_FOUND)
            .await;
        let list = portal.get(&banks).expect(StatusCode::OK).await.text();
        assert!(list.contains("no question banks yet"), "{w}: {list}");
    }
}

/// Every assessment route with an id in its path, with a body it accepts.
fn routes(
    course: &str,
    assessment: &str,
    question: &str,
    bank: &str,
    submission: &str,
) -> Vec<(Method, String, Option<Value>)> {
    let question_body =
        json!({"prompt": "Stolen", "points": 1, "key": {"type": "true_false", "correct": true}});
    vec![
        (
            Method::GET,
            format!("/api/v1/courses/{course}/assessments"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/assessments"),
            Some(json!({"kind": "quiz", "title": "Stolen"})),
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{assessment}"),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/assessments/{assessment}"),
            Some(json!({"title": "Stolen"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/assessments/{assessment}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/assessments/{assessment}/questions"),
            Some(question_body.clone()),
        ),
        (Method::GET, format!("/api/v1/questions/{question}"), None),
        (
            Method::PATCH,
            format!("/api/v1/questions/{question}"),
            Some(json!({"prompt": "Stolen"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/questions/{question}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/question-banks"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/question-banks"),
            Some(json!({"title": "Stolen"})),
        ),
        (Method::GET, format!("/api/v1/question-banks/{bank}"), None),
        (
            Method::DELETE,
            format!("/api/v1/question-banks/{bank}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/question-banks/{bank}/questions"),
            Some(question_body),
        ),
        (
            Method::POST,
            format!("/api/v1/assessments/{assessment}/attempts"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/attempts/{submission}/answers"),
            Some(json!({"answers": []})),
        ),
        (
            Method::POST,
            format!("/api/v1/assessments/{assessment}/submissions"),
            Some(json!({"attempt_id": submission})),
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{assessment}/submissions"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/submissions/{submission}"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/submissions/{submission}/grades"),
            Some(json!({"grades": [{"question_id": question, "points": 0}]})),
        ),
        // The gradebook's (tests/gradebook.rs tests it too).
        (
            Method::GET,
            format!("/api/v1/assessments/{assessment}/item-analysis"),
            None,
        ),
    ]
}

/// What names an assignment's route (`tests/assignments.rs` tests those across tenants).
const ASSIGNMENT_ROUTES: [&str; 7] = [
    "/assignment",
    "/my-submission",
    "/grading-queue",
    "/extensions",
    "/release-grades",
    "/rubric-averages",
    "/assignment-submissions/",
];

/// The routes above, as the router names them: `tests/learning.rs` holds its list of routes
/// tested elsewhere against these.
#[test]
fn every_assessment_route_with_an_id_is_in_the_cross_tenant_test() {
    let ids = ["C0", "A0", "Q0", "B0", "S0"];
    let listed: std::collections::BTreeSet<(String, String)> =
        routes(ids[0], ids[1], ids[2], ids[3], ids[4])
            .into_iter()
            .map(|(method, path, _)| {
                let mut template = path;
                for id in ids {
                    template = template.replace(&format!("/{id}"), "/{id}");
                }
                (method.to_string(), template)
            })
            .collect();
    let served: std::collections::BTreeSet<(String, String)> = lyceum_server::served_routes()
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .filter(|(_, path)| {
            !path.starts_with("/t/{slug}")
                && path.contains("/{")
                && (path.contains("assessment")
                    || path.contains("question")
                    || path.contains("attempt")
                    || path.contains("submission"))
                // Assignments' routes: tests/assignments.rs holds them.
                && !ASSIGNMENT_ROUTES.iter().any(|part| path.contains(part))
        })
        .collect();
    assert_eq!(listed, served);
}

#[tokio::test]
async fn another_tenants_assessments_questions_banks_and_submissions_are_not_found() {
    for w in World::on_every_placement().await {
        let acme = school(&w, "acme").await;
        let globex = school(&w, "globex").await;
        let q = quiz_course(&w, &acme, "secret", json!({})).await;
        w.as_(&acme.teacher)
            .post(format!("/api/v1/assessments/{}/questions", q.assessment))
            .json(&json!({"prompt": "essay", "points": 1, "key": {"type": "essay"}}))
            .expect(StatusCode::CREATED)
            .await;
        let bank = w
            .as_(&acme.teacher)
            .post(format!("/api/v1/courses/{}/question-banks", q.course))
            .json(&json!({"title": "Pool"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let staff_view = w
            .as_(&acme.teacher)
            .get(format!("/api/v1/assessments/{}", q.assessment))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let question = staff_view["questions"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let attempt = start(&w, &acme.student, &q.assessment).await;
        let submission = attempt["id"].as_str().unwrap().to_owned();
        let fresh = || uuid::Uuid::now_v7().to_string();
        let theirs = routes(&q.course, &q.assessment, &question, &bank, &submission);
        let nobodys = routes(&fresh(), &fresh(), &fresh(), &fresh(), &fresh());
        for ((method, path, body), (_, unknown, _)) in theirs.iter().zip(&nobodys) {
            for user in [&globex.admin, &globex.teacher, &globex.student] {
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
            // An acme token on globex's address is refused before anything else.
            w.as_(&acme.admin)
                .at("globex")
                .request(method.clone(), path)
                .maybe_json(body.as_ref())
                .expect(StatusCode::FORBIDDEN)
                .await;
        }
        // Nothing changed in acme: the attempt is in progress, the questions are all there.
        let read = w
            .as_(&acme.student)
            .get(format!("/api/v1/submissions/{submission}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(read["status"], json!("in_progress"), "{w}: {read}");
        let after = w
            .as_(&acme.teacher)
            .get(format!("/api/v1/assessments/{}", q.assessment))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(after["title"], staff_view["title"], "{w}");
        assert_eq!(after["questions"], staff_view["questions"], "{w}");
        let banks = w
            .as_(&acme.teacher)
            .get(format!("/api/v1/courses/{}/question-banks", q.course))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(banks["items"].as_array().unwrap().len(), 1, "{w}: {banks}");
    }
}
