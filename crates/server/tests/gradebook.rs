//! The gradebook over HTTP through the real router, on both engines (the cross-tenant test on
//! every PostgreSQL placement): weighted categories and the course percent, missing work per
//! the course's setting, paging, assignments (their released grade counts, an unreleased one
//! is the staff's alone), letter grades, a learner's own grades and nothing of anyone else's,
//! the CSV export (formula-safe, never cached), item analysis, bad input refused with nothing
//! stored, and another tenant's ids never found.

mod common;

use axum::http::{Method, StatusCode};
use common::world::{User, World};
use lyceum_domain::{Plan, Role};
use serde_json::{json, Value};

struct School {
    admin: User,
    teacher: User,
    other_teacher: User,
    students: [User; 3],
}

async fn school(w: &World, slug: &str) -> School {
    w.provision(slug, Plan::Pro, json!({})).await;
    let email = |name: &str| format!("{name}@{slug}.test");
    School {
        admin: w.user(slug, &email("admin"), Role::Admin).await,
        teacher: w.user(slug, &email("teacher"), Role::Instructor).await,
        other_teacher: w.user(slug, &email("other"), Role::Instructor).await,
        students: [
            w.user(slug, &email("s1"), Role::Student).await,
            w.user(slug, &email("s2"), Role::Student).await,
            w.user(slug, &email("s3"), Role::Student).await,
        ],
    }
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap().to_owned()
}

/// A published course of `s.teacher` with a quiz (two true/false questions), an exam (one
/// single choice, due yesterday, late work accepted) and an uncategorised practice quiz, the
/// three students enrolled.
struct Course {
    id: String,
    quiz: String,
    exam: String,
    practice: String,
}

async fn course(w: &World, s: &School, slug: &str, quiz_title: &str) -> Course {
    let teacher = w.as_(&s.teacher);
    let id = id_of(
        &teacher
            .post("/api/v1/courses")
            .json(&json!({"slug": slug, "title": format!("Course {slug}")}))
            .expect(StatusCode::CREATED)
            .await
            .json_value(),
    );
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let mut made = Vec::new();
    for body in [
        json!({"kind": "quiz", "title": quiz_title}),
        json!({"kind": "exam", "title": "Exam", "due_at": yesterday, "late_policy": "accept"}),
        json!({"kind": "quiz", "title": "Practice"}),
    ] {
        made.push(id_of(
            &teacher
                .post(format!("/api/v1/courses/{id}/assessments"))
                .json(&body)
                .expect(StatusCode::CREATED)
                .await
                .json_value(),
        ));
    }
    let (quiz, exam, practice) = (made[0].clone(), made[1].clone(), made[2].clone());
    let module = id_of(
        &teacher
            .post(format!("/api/v1/courses/{id}/modules"))
            .json(&json!({"title": "Only"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value(),
    );
    teacher
        .post(format!("/api/v1/modules/{module}/lessons"))
        .json(&json!({"title": "Read", "kind": "text", "content": [{"type": "markdown", "markdown": "Read this."}]}))
        .expect(StatusCode::CREATED)
        .await;
    for (prompt, correct) in [("tf1", true), ("tf2", false)] {
        teacher
            .post(format!("/api/v1/assessments/{quiz}/questions"))
            .json(&json!({"prompt": prompt, "points": 1, "key": {"type": "true_false", "correct": correct}}))
            .expect(StatusCode::CREATED)
            .await;
    }
    teacher
        .post(format!("/api/v1/assessments/{exam}/questions"))
        .json(&json!({"prompt": "sc", "points": 2, "key": {"type": "single_choice",
            "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}],
            "correct": "b"}}))
        .expect(StatusCode::CREATED)
        .await;
    teacher
        .post(format!("/api/v1/assessments/{practice}/questions"))
        .json(&json!({"prompt": "p", "points": 1, "key": {"type": "true_false", "correct": true}}))
        .expect(StatusCode::CREATED)
        .await;
    teacher
        .post(format!("/api/v1/courses/{id}/publish"))
        .expect(StatusCode::OK)
        .await;
    for learner in &s.students {
        w.as_(learner)
            .post(format!("/api/v1/courses/{id}/enroll"))
            .expect(StatusCode::CREATED)
            .await;
    }
    Course {
        id,
        quiz,
        exam,
        practice,
    }
}

/// `learner` takes `assessment` and answers each question by its prompt.
async fn take(w: &World, learner: &User, assessment: &str, answers: &[(&str, Value)]) -> Value {
    let attempt = w
        .as_(learner)
        .post(format!("/api/v1/assessments/{assessment}/attempts"))
        .expect(StatusCode::CREATED)
        .await
        .json_value();
    let answers: Vec<Value> = answers
        .iter()
        .map(|(prompt, answer)| {
            let question = attempt["questions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["prompt"] == json!(prompt))
                .unwrap();
            json!({"question_id": question["id"], "answer": answer})
        })
        .collect();
    w.as_(learner)
        .post(format!("/api/v1/assessments/{assessment}/submissions"))
        .json(&json!({"answers": answers}))
        .expect(StatusCode::OK)
        .await
        .json_value()
}

fn tf(value: bool) -> Value {
    json!({"type": "true_false", "value": value})
}

/// s1: quiz 100 %, exam 0 % (late); s2: quiz 50 %, no exam; s3: quiz 0 %, no exam. Categories
/// Quizzes 40 (the quiz) and Exams 60 (the exam); the practice quiz in none.
async fn graded_course(w: &World, s: &School, slug: &str) -> (Course, String, String) {
    let c = course(w, s, slug, "Quiz").await;
    take(
        w,
        &s.students[0],
        &c.quiz,
        &[("tf1", tf(true)), ("tf2", tf(false))],
    )
    .await;
    take(
        w,
        &s.students[0],
        &c.exam,
        &[("sc", json!({"type": "single_choice", "option": "a"}))],
    )
    .await;
    take(
        w,
        &s.students[1],
        &c.quiz,
        &[("tf1", tf(true)), ("tf2", tf(true))],
    )
    .await;
    take(
        w,
        &s.students[2],
        &c.quiz,
        &[("tf1", tf(false)), ("tf2", tf(true))],
    )
    .await;
    let teacher = w.as_(&s.teacher);
    let quizzes = teacher
        .post(format!("/api/v1/courses/{}/grade-categories", c.id))
        .json(&json!({"name": "Quizzes", "weight": 40, "assessment_ids": [c.quiz]}))
        .expect(StatusCode::CREATED)
        .await
        .json_value();
    let exams = teacher
        .post(format!("/api/v1/courses/{}/grade-categories", c.id))
        .json(&json!({"name": "Exams", "weight": 60, "assessment_ids": [c.exam, c.exam]}))
        .expect(StatusCode::CREATED)
        .await
        .json_value();
    assert_eq!(exams["assessment_ids"], json!([c.exam]), "{w}: {exams}");
    assert_eq!(exams["position"], json!(2), "{w}: {exams}");
    (c, id_of(&quizzes), id_of(&exams))
}

/// An assignment "Essay" of course `course`, due yesterday with late work accepted, graded on
/// one criterion: `none` 0, `most` 8, `all` 10 points.
async fn essay(w: &World, s: &School, course: &str) -> String {
    let teacher = w.as_(&s.teacher);
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let id = id_of(
        &teacher
            .post(format!("/api/v1/courses/{course}/assessments"))
            .json(&json!({"kind": "assignment", "title": "Essay", "due_at": yesterday, "late_policy": "accept"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value(),
    );
    teacher
        .put(format!("/api/v1/assessments/{id}/assignment"))
        .json(&json!({
            "prompt": "Write.",
            "rubric": [{"id": "quality", "title": "Quality", "levels": [
                {"id": "none", "title": "None", "points": 0},
                {"id": "most", "title": "Most", "points": 8},
                {"id": "all", "title": "All", "points": 10}
            ]}],
            "artifacts": {"text": {"max_chars": 2000}}
        }))
        .expect(StatusCode::OK)
        .await;
    id
}

/// `learner` writes a draft of `assignment`, and hands it in when `submit`; the version's id.
async fn hand_in(w: &World, learner: &User, assignment: &str, submit: bool) -> String {
    let learner = w.as_(learner);
    let work = learner
        .put(format!("/api/v1/assessments/{assignment}/my-submission"))
        .json(&json!({"text": "My essay"}))
        .expect(StatusCode::OK)
        .await
        .json_value();
    if submit {
        learner
            .post(format!(
                "/api/v1/assessments/{assignment}/my-submission/submit"
            ))
            .expect(StatusCode::OK)
            .await;
    }
    work["versions"][0]["id"].as_str().unwrap().to_owned()
}

/// The row of `learner` in a gradebook answer.
fn row_of<'a>(book: &'a Value, learner: &User) -> &'a Value {
    book["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["learner"]["id"] == json!(learner.id))
        .unwrap_or_else(|| panic!("no row of {} in {book}", learner.email))
}

/// The grade of the assessment `id` in a row.
fn grade_in<'a>(row: &'a Value, id: &str) -> &'a Value {
    row["grades"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["assessment_id"] == json!(id))
        .unwrap()
}

#[tokio::test]
async fn the_gradebook_weighs_categories_and_counts_missing_work_per_the_course_setting() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let (c, quizzes, exams) = graded_course(&w, &s, "algebra").await;
        let teacher = w.as_(&s.teacher);
        let book = teacher
            .get(format!("/api/v1/courses/{}/gradebook", c.id))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(book.header("cache-control"), Some("no-store"), "{w}");
        let book = book.json_value();
        // The two categories, then the implicit one (the practice quiz), weighing their mean.
        assert_eq!(
            book["categories"],
            json!([
                {"id": quizzes, "name": "Quizzes", "weight": 40.0},
                {"id": exams, "name": "Exams", "weight": 60.0},
                {"id": null, "name": "", "weight": 50.0},
            ]),
            "{w}: {book}"
        );
        assert_eq!(book["rows"].as_array().unwrap().len(), 3, "{w}: {book}");
        let s1 = row_of(&book, &s.students[0]);
        let exam = grade_in(s1, &c.exam);
        assert_eq!(exam["status"], json!("graded"), "{w}: {s1}");
        assert_eq!(exam["percent"], json!(0.0), "{w}: {s1}");
        assert_eq!(exam["late"], json!(true), "{w}: {s1}");
        assert_eq!(exam["max_score"], json!(2.0), "{w}: {s1}");
        assert_eq!(grade_in(s1, &c.quiz)["score"], json!(2.0), "{w}: {s1}");
        assert_eq!(grade_in(s1, &c.practice)["status"], json!("not_attempted"));
        // 0.4 × 100 + 0.6 × 0.
        assert_eq!(s1["percent"], json!(40.0), "{w}: {s1}");
        assert_eq!(s1["passed"], json!(null), "{w}: {s1}");
        let s2 = row_of(&book, &s.students[1]);
        assert_eq!(grade_in(s2, &c.exam)["missing"], json!(true), "{w}: {s2}");
        assert_eq!(grade_in(s2, &c.exam)["status"], json!("not_attempted"));
        // With an extension to tomorrow the exam is not missing yet, for that learner only.
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        let extension = teacher
            .post(format!("/api/v1/assessments/{}/extensions", c.exam))
            .json(&json!({"user_id": s.students[1].id, "due_at": tomorrow}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let extended = teacher
            .get(format!("/api/v1/courses/{}/gradebook", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let exam_of =
            |learner: &User| grade_in(row_of(&extended, learner), &c.exam)["missing"].clone();
        assert_eq!(exam_of(&s.students[1]), json!(false), "{w}: {extended}");
        assert_eq!(exam_of(&s.students[2]), json!(true), "{w}: {extended}");
        teacher
            .delete(format!("/api/v1/extensions/{}", id_of(&extension)))
            .expect(StatusCode::NO_CONTENT)
            .await;
        // The exam is missing, left out: the quizzes make the whole grade.
        assert_eq!(
            s2["categories"],
            json!([
                {"category_id": quizzes, "percent": 50.0},
                {"category_id": exams, "percent": null},
                {"category_id": null, "percent": null},
            ]),
            "{w}: {s2}"
        );
        assert_eq!(s2["percent"], json!(50.0), "{w}: {s2}");
        assert_eq!(row_of(&book, &s.students[2])["percent"], json!(0.0));

        // Missing work as zero, and a passing percent.
        let settings = teacher
            .put(format!("/api/v1/courses/{}/grading", c.id))
            .json(&json!({"passing_percent": 30, "missing_counts_as_zero": true}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(settings["missing_counts_as_zero"], json!(true), "{w}");
        let book = teacher
            .get(format!("/api/v1/courses/{}/gradebook", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let s1 = row_of(&book, &s.students[0]);
        assert_eq!(
            (&s1["percent"], &s1["passed"]),
            (&json!(40.0), &json!(true))
        );
        let s2 = row_of(&book, &s.students[1]);
        // 0.4 × 50 + 0.6 × 0.
        assert_eq!(
            (&s2["percent"], &s2["passed"]),
            (&json!(20.0), &json!(false))
        );

        // Moving the quiz into the exams' category: one category counts, its mean.
        teacher
            .patch(format!("/api/v1/grade-categories/{exams}"))
            .json(&json!({"assessment_ids": [c.exam, c.quiz], "position": 1}))
            .expect(StatusCode::OK)
            .await;
        let cats = teacher
            .get(format!("/api/v1/courses/{}/grade-categories", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            cats["items"][0]["assessment_ids"].as_array().unwrap().len(),
            2,
            "{w}: {cats}"
        );
        assert_eq!(cats["items"][1]["assessment_ids"], json!([]), "{w}: {cats}");
        let book = teacher
            .get(format!("/api/v1/courses/{}/gradebook", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            row_of(&book, &s.students[0])["percent"],
            json!(50.0),
            "{w}: {book}"
        );
        // Deleting it leaves both uncategorised: the implicit category alone.
        teacher
            .delete(format!("/api/v1/grade-categories/{exams}"))
            .expect(StatusCode::NO_CONTENT)
            .await;
        let book = teacher
            .get(format!("/api/v1/courses/{}/gradebook", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            book["categories"].as_array().unwrap().len(),
            2,
            "{w}: {book}"
        );

        // Paging over the learners.
        let first = teacher
            .get(format!("/api/v1/courses/{}/gradebook?limit=2", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(first["rows"].as_array().unwrap().len(), 2, "{w}: {first}");
        let cursor = first["next_cursor"].as_str().unwrap();
        let second = teacher
            .get(format!(
                "/api/v1/courses/{}/gradebook?limit=2&after={cursor}",
                c.id
            ))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(second["rows"].as_array().unwrap().len(), 1, "{w}: {second}");
        assert!(second["next_cursor"].is_null(), "{w}: {second}");

        // Each change is audited.
        let log = w
            .as_(&s.admin)
            .get("/api/v1/audit-log?limit=200")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let actions: Vec<&str> = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        for action in [
            "grade_category.created",
            "grade_category.changed",
            "grade_category.deleted",
            "course.grading_changed",
        ] {
            assert!(actions.contains(&action), "{w}: no {action} in {actions:?}");
        }
    }
}

#[tokio::test]
async fn an_assignment_counts_its_released_grade_in_its_category_with_the_quizzes() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let (c, quizzes, _) = graded_course(&w, &s, "algebra").await;
        let essay = essay(&w, &s, &c.id).await;
        let teacher = w.as_(&s.teacher);
        // The quiz and the essay share the Quizzes category (40); the exam weighs 60.
        teacher
            .patch(format!("/api/v1/grade-categories/{quizzes}"))
            .json(&json!({"assessment_ids": [c.quiz, essay]}))
            .expect(StatusCode::OK)
            .await;
        // s1 hands in late and is graded 8 of 10; s3 only writes a draft; s2 does nothing.
        let s1_work = hand_in(&w, &s.students[0], &essay, true).await;
        hand_in(&w, &s.students[2], &essay, false).await;
        teacher
            .post(format!("/api/v1/assignment-submissions/{s1_work}/grade"))
            .json(&json!({"criteria": [{"criterion": "quality", "level": "most"}]}))
            .expect(StatusCode::OK)
            .await;
        let gradebook = format!("/api/v1/courses/{}/gradebook", c.id);
        let mine = format!("/api/v1/courses/{}/my-grades", c.id);

        // Not released: the staff see it marked, nobody's percent counts it.
        let book = teacher
            .get(&gradebook)
            .expect(StatusCode::OK)
            .await
            .json_value();
        let column = book["assessments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == json!(essay))
            .unwrap_or_else(|| panic!("{w}: no essay column in {book}"));
        assert_eq!(
            (&column["kind"], &column["category_id"]),
            (&json!("assignment"), &json!(quizzes)),
            "{w}: {column}"
        );
        let s1 = row_of(&book, &s.students[0]);
        let graded = grade_in(s1, &essay);
        assert_eq!(
            (
                &graded["status"],
                &graded["percent"],
                &graded["score"],
                &graded["late"]
            ),
            (
                &json!("unreleased"),
                &json!(80.0),
                &json!(8.0),
                &json!(true)
            ),
            "{w}: {s1}"
        );
        // 0.4 × 100 (the quiz alone) + 0.6 × 0.
        assert_eq!(s1["categories"][0]["percent"], json!(100.0), "{w}: {s1}");
        assert_eq!(
            (&s1["percent"], &s1["letter"]),
            (&json!(40.0), &json!("F")),
            "{w}: {s1}"
        );
        let learner = w.as_(&s.students[0]);
        let own = learner.get(&mine).expect(StatusCode::OK).await.json_value();
        let row = &own["rows"][0];
        let hidden = grade_in(row, &essay);
        assert_eq!(
            (
                &hidden["status"],
                &hidden["percent"],
                &hidden["score"],
                &hidden["max_score"]
            ),
            (
                &json!("needs_grading"),
                &json!(null),
                &json!(null),
                &json!(null)
            ),
            "{w}: {own}"
        );
        assert_eq!(row["percent"], json!(40.0), "{w}: {own}");
        assert!(!own.to_string().contains("unreleased"), "{w}: {own}");
        let s2 = row_of(&book, &s.students[1]);
        assert_eq!(
            (
                &grade_in(s2, &essay)["status"],
                &grade_in(s2, &essay)["missing"]
            ),
            (&json!("not_attempted"), &json!(true)),
            "{w}: {s2}"
        );
        let s3 = row_of(&book, &s.students[2]);
        assert_eq!(
            (
                &grade_in(s3, &essay)["status"],
                &grade_in(s3, &essay)["missing"]
            ),
            (&json!("in_progress"), &json!(true)),
            "{w}: {s3}"
        );

        // Released: it counts for both, the Quizzes mean (100 + 80) / 2 = 90; 0.4 × 90 = 36.
        teacher
            .post(format!("/api/v1/assignment-submissions/{s1_work}/release"))
            .expect(StatusCode::OK)
            .await;
        let book = teacher
            .get(&gradebook)
            .expect(StatusCode::OK)
            .await
            .json_value();
        let own = learner.get(&mine).expect(StatusCode::OK).await.json_value();
        for row in [row_of(&book, &s.students[0]), &own["rows"][0]] {
            let released = grade_in(row, &essay);
            assert_eq!(
                (
                    &released["status"],
                    &released["percent"],
                    &released["max_score"]
                ),
                (&json!("graded"), &json!(80.0), &json!(10.0)),
                "{w}: {row}"
            );
            assert_eq!(row["categories"][0]["percent"], json!(90.0), "{w}: {row}");
            assert_eq!(
                (&row["percent"], &row["letter"]),
                (&json!(36.0), &json!("F")),
                "{w}: {row}"
            );
        }
        // The other learners' rows never reach s1.
        let text = own.to_string();
        for other in [&s.students[1], &s.students[2]] {
            assert!(
                !text.contains(&other.id) && !text.contains(&other.email),
                "{w}: {text}"
            );
        }

        // Work never handed in counts as 0 once the course says so: s2's Quizzes mean is
        // (50 + 0) / 2 and the exam 0: 0.4 × 25 = 10.
        assert_eq!(row_of(&book, &s.students[1])["percent"], json!(50.0), "{w}");
        teacher
            .put(format!("/api/v1/courses/{}/grading", c.id))
            .json(&json!({"missing_counts_as_zero": true}))
            .expect(StatusCode::OK)
            .await;
        let book = teacher
            .get(&gradebook)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(row_of(&book, &s.students[1])["percent"], json!(10.0), "{w}");

        // s3's work handed in late and sent back: returned, no longer missing.
        let s3_work = hand_in(&w, &s.students[2], &essay, true).await;
        teacher
            .post(format!("/api/v1/assignment-submissions/{s3_work}/return"))
            .json(&json!({"feedback": "Again"}))
            .expect(StatusCode::OK)
            .await;
        let book = teacher
            .get(&gradebook)
            .expect(StatusCode::OK)
            .await
            .json_value();
        let s3 = grade_in(row_of(&book, &s.students[2]), &essay);
        assert_eq!(
            (&s3["status"], &s3["missing"], &s3["late"]),
            (&json!("returned"), &json!(false), &json!(true)),
            "{w}: {s3}"
        );

        // The CSV has the essay's columns and the letter.
        let text = String::from_utf8(
            teacher
                .get(format!("/api/v1/courses/{}/gradebook.csv", c.id))
                .expect(StatusCode::OK)
                .await
                .bytes()
                .to_vec(),
        )
        .unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let at = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("{w}: no {name} in {header:?}"))
        };
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let s1 = rows.iter().find(|r| r[0] == *s.students[0].id).unwrap();
        assert_eq!(&s1[at("Essay (%)")], "80", "{w}: {text}");
        assert_eq!(&s1[at("Essay (status)")], "graded late", "{w}: {text}");
        assert_eq!(&s1[at("course_percent")], "36", "{w}: {text}");
        assert_eq!(&s1[at("letter")], "F", "{w}: {text}");
        assert_eq!(at("letter") + 1, at("passed"), "{w}: {header:?}");
        let s3 = rows.iter().find(|r| r[0] == *s.students[2].id).unwrap();
        assert_eq!(&s3[at("Essay (status)")], "returned late", "{w}: {text}");
    }
}

#[tokio::test]
async fn the_course_letter_follows_the_courses_letter_scale() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let (c, _, _) = graded_course(&w, &s, "algebra").await;
        let teacher = w.as_(&s.teacher);
        let grading = format!("/api/v1/courses/{}/grading", c.id);
        let default = teacher
            .get(&grading)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            default["letter_scale"],
            json!([
                {"letter": "A", "min_percent": 90.0},
                {"letter": "B", "min_percent": 80.0},
                {"letter": "C", "min_percent": 70.0},
                {"letter": "D", "min_percent": 60.0},
                {"letter": "F", "min_percent": 0.0},
            ]),
            "{w}: {default}"
        );
        // s1 40, s2 50, s3 0.
        let scale = json!([
            {"letter": "Pass", "min_percent": 45},
            {"letter": "Near", "min_percent": 39.996},
        ]);
        let saved = teacher
            .put(&grading)
            .json(&json!({"letter_scale": scale}))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            saved["letter_scale"],
            json!([{"letter": "Pass", "min_percent": 45.0}, {"letter": "Near", "min_percent": 40.0}]),
            "{w}: {saved}"
        );
        let book = teacher
            .get(format!("/api/v1/courses/{}/gradebook", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            book["settings"]["letter_scale"], saved["letter_scale"],
            "{w}"
        );
        for (learner, letter) in [(0, json!("Near")), (1, json!("Pass")), (2, json!(null))] {
            assert_eq!(
                row_of(&book, &s.students[learner])["letter"],
                letter,
                "{w}: {book}"
            );
        }
        let own = w
            .as_(&s.students[1])
            .get(format!("/api/v1/courses/{}/my-grades", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(own["rows"][0]["letter"], json!("Pass"), "{w}: {own}");
        // An empty scale gives no letters.
        teacher
            .put(&grading)
            .json(&json!({"letter_scale": []}))
            .expect(StatusCode::OK)
            .await;
        let book = teacher
            .get(format!("/api/v1/courses/{}/gradebook", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(row_of(&book, &s.students[1])["letter"], json!(null), "{w}");
    }
}

#[tokio::test]
async fn a_learner_reads_only_their_own_grades() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let (c, _, _) = graded_course(&w, &s, "algebra").await;
        let learner = w.as_(&s.students[1]);
        let mine = learner
            .get(format!("/api/v1/courses/{}/my-grades", c.id))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(mine.header("cache-control"), Some("no-store"), "{w}");
        let mine = mine.json_value();
        let rows = mine["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{w}: {mine}");
        assert_eq!(
            rows[0]["learner"]["id"],
            json!(s.students[1].id),
            "{w}: {mine}"
        );
        assert_eq!(rows[0]["percent"], json!(50.0), "{w}: {mine}");
        let text = mine.to_string();
        for other in [&s.students[0], &s.students[2]] {
            assert!(!text.contains(&other.id), "{w}: another learner in {text}");
            assert!(
                !text.contains(&other.email),
                "{w}: another learner in {text}"
            );
        }
        assert!(!text.contains("\"correct\""), "{w}: a key in {text}");
        // The staff's views are refused to a learner, as they are to a teacher of another
        // course (to whom, as every assessment route does, the quiz is not found).
        for user in [&s.students[1], &s.other_teacher] {
            for path in [
                format!("/api/v1/courses/{}/gradebook", c.id),
                format!("/api/v1/courses/{}/gradebook.csv", c.id),
            ] {
                w.as_(user)
                    .get(&path)
                    .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                    .await;
            }
            w.as_(user)
                .post(format!("/api/v1/courses/{}/grade-categories", c.id))
                .json(&json!({"name": "Mine", "weight": 100}))
                .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                .await;
        }
        let analysis = format!("/api/v1/assessments/{}/item-analysis", c.quiz);
        w.as_(&s.students[1])
            .get(&analysis)
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        w.as_(&s.other_teacher)
            .get(&analysis)
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        // Staff have no grades of their own; a learner not enrolled neither.
        w.as_(&s.teacher)
            .get(format!("/api/v1/courses/{}/my-grades", c.id))
            .expect_error(StatusCode::FORBIDDEN, "NOT_ENROLLED")
            .await;
    }
}

#[tokio::test]
async fn the_csv_export_neutralises_formulas_and_is_never_cached() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let c = course(&w, &s, "csv", "@SUM(A1:A9)").await;
        take(&w, &s.students[0], &c.quiz, &[("tf1", tf(true))]).await;
        w.as_(&s.teacher)
            .post(format!("/api/v1/courses/{}/grade-categories", c.id))
            .json(&json!({"name": "=HYPERLINK(\"http://evil\",\"x\")", "weight": 1, "assessment_ids": [c.quiz]}))
            .expect(StatusCode::CREATED)
            .await;
        let reply = w
            .as_(&s.teacher)
            .get(format!("/api/v1/courses/{}/gradebook.csv", c.id))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{w}");
        assert_eq!(
            reply.header("content-type"),
            Some("text/csv; charset=utf-8"),
            "{w}"
        );
        assert!(reply
            .header("content-disposition")
            .unwrap()
            .starts_with("attachment"));
        let text = String::from_utf8(reply.bytes().to_vec()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert!(
            header.contains(&"'@SUM(A1:A9) (%)".to_owned()),
            "{w}: {header:?}"
        );
        assert!(
            header.contains(&"'=HYPERLINK(\"http://evil\",\"x\") (category %)".to_owned()),
            "{w}: {header:?}"
        );
        for cell in text.split([',', '\n']) {
            let cell = cell.trim_start_matches('"');
            assert!(!cell.starts_with(['=', '+', '@']), "{w}: {cell} in {text}");
        }
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 3, "{w}: {text}");
        let s1 = rows.iter().find(|r| r[0] == *s.students[0].id).unwrap();
        let quiz_column = header.iter().position(|h| h == "'@SUM(A1:A9) (%)").unwrap();
        assert_eq!(&s1[quiz_column], "50", "{w}: {text}");
        assert_eq!(&s1[quiz_column + 1], "graded", "{w}: {text}");
    }
}

#[tokio::test]
async fn item_analysis_gives_difficulty_discrimination_and_option_shares() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let (c, _, _) = graded_course(&w, &s, "algebra").await;
        let teacher = w.as_(&s.teacher);
        let quiz = teacher
            .get(format!("/api/v1/assessments/{}/item-analysis", c.quiz))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(quiz["attempts"], json!(3), "{w}: {quiz}");
        // tf1: right for s1 and s2, wrong for s3; tf2: right for s1 only. Hand-computed:
        // p = 2/3 and 1/3, r = 0.5 each (their rest scores are each other).
        let q = quiz["questions"].as_array().unwrap();
        assert_eq!(q[0]["prompt"], json!("tf1"), "{w}: {quiz}");
        assert_eq!(q[0]["difficulty"], json!(0.6667), "{w}: {quiz}");
        assert_eq!(q[0]["discrimination"], json!(0.5), "{w}: {quiz}");
        assert_eq!(q[1]["difficulty"], json!(0.3333), "{w}: {quiz}");
        assert_eq!(q[1]["discrimination"], json!(0.5), "{w}: {quiz}");
        assert_eq!(
            q[0]["options"],
            json!([
                {"option": "true", "chosen": 2, "share": 0.6667},
                {"option": "false", "chosen": 1, "share": 0.3333},
            ]),
            "{w}: {quiz}"
        );
        let exam = teacher
            .get(format!("/api/v1/assessments/{}/item-analysis", c.exam))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let sc = &exam["questions"][0];
        assert_eq!(
            (&sc["attempts"], &sc["difficulty"]),
            (&json!(1), &json!(0.0)),
            "{w}: {exam}"
        );
        assert_eq!(
            sc["options"][0],
            json!({"option": "a", "chosen": 1, "share": 1.0}),
            "{w}: {exam}"
        );
        assert_eq!(sc["option_texts"]["b"], json!("B"), "{w}: {exam}");
        assert!(sc["discrimination"].is_null(), "{w}: {exam}");
        // An assignment has no items.
        let assignment = id_of(
            &teacher
                .post(format!("/api/v1/courses/{}/assessments", c.id))
                .json(&json!({"kind": "assignment", "title": "Essay"}))
                .expect(StatusCode::CREATED)
                .await
                .json_value(),
        );
        teacher
            .get(format!("/api/v1/assessments/{assignment}/item-analysis"))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "NOT_A_QUIZ")
            .await;
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_refusal_and_stores_nothing() {
    for w in World::on_each_engine().await {
        let s = school(&w, "acme").await;
        let c = course(&w, &s, "algebra", "Quiz").await;
        let other = course(&w, &s, "geometry", "Other quiz").await;
        let teacher = w.as_(&s.teacher);
        let categories = format!("/api/v1/courses/{}/grade-categories", c.id);
        for (body, status, code) in [
            (
                json!({"name": "Q", "weight": -1}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_WEIGHT",
            ),
            (
                json!({"name": "Q", "weight": 1000.5}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_WEIGHT",
            ),
            (
                json!({"name": "Q", "weight": 1e300}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_WEIGHT",
            ),
            (
                json!({"name": "Q", "weight": "NaN"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
            ),
            (
                json!({"name": "Q\u{0}uiz", "weight": 1}),
                StatusCode::BAD_REQUEST,
                "VALIDATION_FAILED",
            ),
            (
                json!({"name": "Q\u{7}uiz", "weight": 1}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
            ),
            (
                json!({"name": "   ", "weight": 1}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
            ),
            (
                json!({"name": "x".repeat(100_000), "weight": 1}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
            ),
            (
                json!({"name": "Q", "weight": 1, "assessment_ids": [uuid::Uuid::now_v7()]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNKNOWN_ASSESSMENT",
            ),
            (
                json!({"name": "Q", "weight": 1, "assessment_ids": [other.quiz]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNKNOWN_ASSESSMENT",
            ),
            (
                json!({"name": "Q", "weight": 1, "assessment_ids": ["not-an-id"]}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
            ),
            (
                json!({"name": "Q", "weight": 1, "tenant_id": "x"}),
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
            ),
        ] {
            let reply = teacher.post(&categories).json(&body).send().await;
            assert_eq!(
                (reply.status, reply.error_code()),
                (status, Some(code)),
                "{w}: {body:.200}: {reply}"
            );
        }
        let none = teacher
            .get(&categories)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(none["items"], json!([]), "{w}: {none}");

        // Markup is kept as text, never run.
        let kept = teacher
            .post(&categories)
            .json(&json!({"name": "<script>alert(1)</script>", "weight": 0, "assessment_ids": [c.quiz]}))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        assert_eq!(kept["name"], json!("<script>alert(1)</script>"), "{w}");
        let category = id_of(&kept);
        for (body, code) in [
            (json!({"weight": 1001}), "INVALID_WEIGHT"),
            (json!({"position": 0}), "INVALID_POSITION"),
            (json!({"position": 2}), "INVALID_POSITION"),
            (json!({"name": "a\u{1b}b"}), "VALIDATION_FAILED"),
            (
                json!({"assessment_ids": [other.exam]}),
                "UNKNOWN_ASSESSMENT",
            ),
        ] {
            teacher
                .patch(format!("/api/v1/grade-categories/{category}"))
                .json(&body)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, code)
                .await;
        }
        let after = teacher
            .get(&categories)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            after["items"][0]["name"],
            json!("<script>alert(1)</script>"),
            "{w}"
        );
        assert_eq!(after["items"][0]["weight"], json!(0.0), "{w}");
        assert_eq!(after["items"][0]["assessment_ids"], json!([c.quiz]), "{w}");

        let grading = format!("/api/v1/courses/{}/grading", c.id);
        teacher
            .put(&grading)
            .json(&json!({"passing_percent": 101}))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_ASSESSMENT")
            .await;
        let reply = teacher
            .put(&grading)
            .json(&json!({"passing_percent": 300}))
            .send()
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{w}: {reply}"
        );
        let settings = teacher
            .get(&grading)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (
                &settings["passing_percent"],
                &settings["missing_counts_as_zero"]
            ),
            (&json!(null), &json!(false)),
            "{w}: {settings}"
        );
        let default_scale = settings["letter_scale"].clone();
        assert_eq!(default_scale[0]["letter"], json!("A"), "{w}: {settings}");
        let band = |letter: Value, min: Value| json!({"letter": letter, "min_percent": min});
        let many: Vec<Value> = (0..21)
            .map(|i| band(json!(format!("L{i}")), json!(100 - i)))
            .collect();
        for scale in [
            json!([band(json!("A"), json!(80)), band(json!("B"), json!(90))]),
            json!([band(json!("A"), json!(80)), band(json!("B"), json!(80))]),
            json!([band(json!("A"), json!(100.5))]),
            json!([band(json!("A"), json!(-1))]),
            json!([band(json!(""), json!(90))]),
            json!([band(json!("  "), json!(90))]),
            json!([band(json!("Excellent"), json!(90))]),
            json!([band(json!("A\u{7}"), json!(90))]),
            json!([band(json!("A"), json!(90)), band(json!("A"), json!(80))]),
            json!(many),
        ] {
            let reply = teacher
                .put(&grading)
                .json(&json!({"passing_percent": 50, "letter_scale": scale}))
                .send()
                .await;
            assert_eq!(
                (reply.status, reply.error_code()),
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some("INVALID_GRADING_SCALE")
                ),
                "{w}: {scale}: {reply}"
            );
        }
        for scale in [
            json!([band(json!("A"), json!("NaN"))]),
            json!([{"letter": "A", "min_percent": 90, "max_percent": 100}]),
            json!("A 90"),
        ] {
            let reply = teacher
                .put(&grading)
                .json(&json!({"passing_percent": 50, "letter_scale": scale}))
                .send()
                .await;
            assert_eq!(
                (reply.status, reply.error_code()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("VALIDATION_FAILED")),
                "{w}: {scale}: {reply}"
            );
        }
        let unchanged = teacher
            .get(&grading)
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(
            (&unchanged["passing_percent"], &unchanged["letter_scale"]),
            (&json!(null), &default_scale),
            "{w}: {unchanged}"
        );
        teacher
            .get(format!("/api/v1/courses/{}/gradebook?limit=0", c.id))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
            .await;
    }
}

/// Every gradebook route with an id in its path, with a body it accepts.
fn routes(course: &str, category: &str, assessment: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (
            Method::GET,
            format!("/api/v1/courses/{course}/gradebook"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/gradebook.csv"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/my-grades"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/grade-categories"),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/courses/{course}/grade-categories"),
            Some(json!({"name": "Stolen", "weight": 1})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/grade-categories/{category}"),
            Some(json!({"name": "Stolen"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/grade-categories/{category}"),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{course}/grading"),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/courses/{course}/grading"),
            Some(
                json!({"passing_percent": 1, "letter_scale": [{"letter": "Stolen", "min_percent": 0}]}),
            ),
        ),
        (
            Method::GET,
            format!("/api/v1/assessments/{assessment}/item-analysis"),
            None,
        ),
    ]
}

/// The routes above, as the router names them: `tests/learning.rs` lists them as tested here.
#[test]
fn every_gradebook_route_with_an_id_is_in_the_cross_tenant_test() {
    let ids = ["C0", "G0", "A0"];
    let listed: std::collections::BTreeSet<(String, String)> = routes(ids[0], ids[1], ids[2])
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
                && (path.contains("/gradebook")
                    || path.contains("/my-grades")
                    || path.contains("/grade-categories")
                    || path.ends_with("/grading")
                    || path.contains("/item-analysis"))
        })
        .collect();
    assert_eq!(listed, served);
}

#[tokio::test]
async fn another_tenants_gradebook_categories_and_item_analysis_are_not_found() {
    for w in World::on_every_placement().await {
        let acme = school(&w, "acme").await;
        let globex = school(&w, "globex").await;
        let (c, quizzes, _) = graded_course(&w, &acme, "secret").await;
        let fresh = || uuid::Uuid::now_v7().to_string();
        let theirs = routes(&c.id, &quizzes, &c.quiz);
        let nobodys = routes(&fresh(), &fresh(), &fresh());
        for ((method, path, body), (_, unknown, _)) in theirs.iter().zip(&nobodys) {
            for user in [&globex.admin, &globex.teacher, &globex.students[0]] {
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
                assert!(!reply.to_string().contains("Quizzes"), "{w}: {reply}");
            }
            // An acme token on globex's address is refused before anything else.
            w.as_(&acme.admin)
                .at("globex")
                .request(method.clone(), path)
                .maybe_json(body.as_ref())
                .expect(StatusCode::FORBIDDEN)
                .await;
        }
        // Nothing changed in acme.
        let cats = w
            .as_(&acme.teacher)
            .get(format!("/api/v1/courses/{}/grade-categories", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let names: Vec<&str> = cats["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Quizzes", "Exams"], "{w}: {cats}");
        let grading = w
            .as_(&acme.teacher)
            .get(format!("/api/v1/courses/{}/grading", c.id))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(grading["passing_percent"], json!(null), "{w}");
        assert_eq!(
            grading["letter_scale"][0]["letter"],
            json!("A"),
            "{w}: {grading}"
        );
    }
}
