//! Writes under load with clients that hang up at any moment: the real server on a TCP port,
//! concurrent writers (progress, enrollment, sign-in) whose connections are dropped at random
//! points (before the body is complete, while the transaction opens, runs or commits), then
//! every following write must succeed and the data must be whole: each enrollment with exactly
//! one `student.enrolled` event, each completed lesson with exactly one `lesson.completed`, each
//! enrollment's percent equal to its learner's rolled-up progress, and no connection found
//! inside a transaction when it came back to its pool. On SQLite, PostgreSQL pool, schema and
//! database placements. And a server stopped while a write waits: after the grace period the
//! write is cancelled, answers 503 `SHUTTING_DOWN`, and leaves nothing behind.

mod common;

use axum::http::StatusCode;
use common::call;
use lyceum_domain::{Email, Placement, Plan, Role, Slug};
use lyceum_server::{AppState, LocalServer, ServerConfig};
use lyceum_store::repo::{enrollments, outbox, progress, users};
use lyceum_store::{testing, LearnerLock, NewTenant, Store, StoreConfig, Tenant};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PASSWORD: &str = "correct horse battery";
const STUDENTS: usize = 6;
const LESSONS: usize = 5;
const CLIENTS: usize = 8;
const REQUESTS_PER_CLIENT: usize = 60;

/// A small deterministic generator (xorshift), seeded per run and printed on failure.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

struct World {
    label: String,
    state: AppState,
    tenant: Tenant,
    port: u16,
    /// Published courses: the first with every student enrolled, the others open to enroll in.
    courses: Vec<String>,
    lessons: Vec<String>,
    students: Vec<(String, String)>,
    server: LocalServer,
}

async fn world(
    label: &str,
    config: StoreConfig,
    placement: Option<Placement>,
    grace: Duration,
) -> World {
    let store = Store::open(config).await.unwrap();
    let mut new = NewTenant::new(Slug::parse("acme").unwrap(), "Acme");
    new.plan = Plan::Pro;
    new.placement = placement;
    let tenant = store.provision(new).await.unwrap();
    let hash = lyceum_app::identity::passwords::hash(PASSWORD.to_owned())
        .await
        .unwrap();
    let mut people = vec![("teacher@acme.test".to_owned(), Role::Instructor)];
    people.extend((0..STUDENTS).map(|i| (format!("s{i}@acme.test"), Role::Student)));
    let mut tx = store.begin_write(&tenant).await.unwrap();
    for (email, role) in &people {
        let user = users::NewUser {
            email: Email::parse(email).unwrap(),
            display_name: email.clone(),
            role: *role,
            password_hash: Some(hash.clone()),
        };
        users::insert(&mut tx, &user).await.unwrap();
    }
    tx.commit().await.unwrap();
    let state = AppState::new(store, ServerConfig::unthrottled());

    let login = |email: String| {
        let state = state.clone();
        async move {
            let (status, body) = call(
                &state,
                "POST",
                "/t/acme/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": PASSWORD})),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            body["access_token"].as_str().unwrap().to_owned()
        }
    };
    let teacher = login("teacher@acme.test".to_owned()).await;
    let expect = |status: StatusCode, body: &Value, wanted: StatusCode| {
        assert_eq!(status, wanted, "{label}: {body}");
    };
    let mut courses = Vec::new();
    let mut lessons = Vec::new();
    for c in 0..3 {
        let (status, course) = call(
            &state,
            "POST",
            "/t/acme/api/v1/courses",
            Some(&teacher),
            Some(json!({"title": format!("Course {c}"), "slug": format!("course-{c}")})),
        )
        .await;
        expect(status, &course, StatusCode::CREATED);
        let course = course["id"].as_str().unwrap().to_owned();
        let (status, module) = call(
            &state,
            "POST",
            &format!("/t/acme/api/v1/courses/{course}/modules"),
            Some(&teacher),
            Some(json!({"title": "Module", "completion_rule": {"kind": "all"}})),
        )
        .await;
        expect(status, &module, StatusCode::CREATED);
        let module = module["id"].as_str().unwrap();
        for l in 0..LESSONS {
            let (status, lesson) = call(
                &state,
                "POST",
                &format!("/t/acme/api/v1/modules/{module}/lessons"),
                Some(&teacher),
                Some(json!({"title": format!("Lesson {l}"), "kind": "text",
                    "content": [{"type": "markdown", "markdown": "Body."}]})),
            )
            .await;
            expect(status, &lesson, StatusCode::CREATED);
            if c == 0 {
                lessons.push(lesson["id"].as_str().unwrap().to_owned());
            }
        }
        let (status, body) = call(
            &state,
            "POST",
            &format!("/t/acme/api/v1/courses/{course}/publish"),
            Some(&teacher),
            None,
        )
        .await;
        expect(status, &body, StatusCode::OK);
        courses.push(course);
    }
    let mut students = Vec::new();
    for i in 0..STUDENTS {
        let email = format!("s{i}@acme.test");
        let token = login(email.clone()).await;
        let (status, body) = call(
            &state,
            "POST",
            &format!("/t/acme/api/v1/courses/{}/enroll", courses[0]),
            Some(&token),
            None,
        )
        .await;
        expect(status, &body, StatusCode::CREATED);
        students.push((email, token));
    }

    let server = LocalServer::start(state.clone(), grace).await.unwrap();
    let port = server.address.port();
    World {
        label: label.to_owned(),
        state,
        tenant,
        port,
        courses,
        lessons,
        students,
        server,
    }
}

/// A raw HTTP/1.1 request to the tenant.
fn request(method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Vec<u8> {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let auth = token
        .map(|t| format!("authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    format!(
        "{method} /t/acme{path} HTTP/1.1\r\nhost: localhost\r\n{auth}content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends `raw` and reads the whole answer; answers the status line and the body.
async fn exchange(port: u16, raw: &[u8]) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(raw).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (
        head.lines().next().unwrap_or("").to_owned(),
        body.to_owned(),
    )
}

/// How a chaotic client treats its request.
enum HangUp {
    /// Waits for the answer.
    Never,
    /// Sends part of the request, then closes.
    MidRequest(usize),
    /// Sends it all, waits this many microseconds, then closes (a reset when `reset`).
    After { micros: u64, reset: bool },
}

async fn chaotic(port: u16, raw: Vec<u8>, hang_up: HangUp) {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", port)).await else {
        return;
    };
    let mut stream = stream;
    match hang_up {
        HangUp::Never => {
            let _ = stream.write_all(&raw).await;
            let mut sink = Vec::new();
            let _ = stream.read_to_end(&mut sink).await;
        }
        HangUp::MidRequest(at) => {
            let _ = stream.write_all(&raw[..at.min(raw.len())]).await;
        }
        HangUp::After { micros, reset } => {
            let _ = stream.write_all(&raw).await;
            tokio::time::sleep(Duration::from_micros(micros)).await;
            if reset {
                // A zero linger resets the connection at once: dropping it never blocks.
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(Duration::ZERO));
            }
        }
    }
}

/// Concurrent writers that hang up at random moments.
async fn storm(w: &World, seed: u64) {
    let w_courses = Arc::new(w.courses.clone());
    let lessons = Arc::new(w.lessons.clone());
    let students = Arc::new(w.students.clone());
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (courses, lessons, students, port) =
            (w_courses.clone(), lessons.clone(), students.clone(), w.port);
        clients.push(tokio::spawn(async move {
            let mut dice = Dice(seed ^ (client as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            for _ in 0..REQUESTS_PER_CLIENT {
                let (email, token) = &students[dice.below(STUDENTS as u64) as usize];
                let raw = match dice.below(3) {
                    0 => {
                        let lesson = &lessons[dice.below(LESSONS as u64) as usize];
                        let percent = 10 * (1 + dice.below(10));
                        request(
                            "PUT",
                            &format!("/api/v1/lessons/{lesson}/progress"),
                            Some(token),
                            Some(json!({ "percent": percent })),
                        )
                    }
                    1 => {
                        let course = &courses[1 + dice.below(2) as usize];
                        request(
                            "POST",
                            &format!("/api/v1/courses/{course}/enroll"),
                            Some(token),
                            None,
                        )
                    }
                    _ => request(
                        "POST",
                        "/api/v1/auth/login",
                        None,
                        Some(json!({"email": email, "password": PASSWORD})),
                    ),
                };
                let hang_up = match dice.below(10) {
                    0..=1 => HangUp::Never,
                    2 => HangUp::MidRequest(dice.below(raw.len() as u64) as usize),
                    _ => HangUp::After {
                        // Sign-in hashes for tens of milliseconds; writes take one or two.
                        micros: dice.below(3_000),
                        reset: dice.below(2) == 0,
                    },
                };
                chaotic(port, raw, hang_up).await;
            }
        }));
    }
    for client in clients {
        client.await.unwrap();
    }
}

/// Every student can still sign in, record progress and enroll, over the real server.
async fn every_write_succeeds(w: &World, seed: u64) {
    let label = &w.label;
    for (i, (email, token)) in w.students.iter().enumerate() {
        let (status, body) = exchange(
            w.port,
            &request(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": PASSWORD})),
            ),
        )
        .await;
        assert!(
            status.contains(" 200 "),
            "{label} seed {seed}: sign-in of {email}: {status} {body}"
        );
        let lesson = &w.lessons[i % LESSONS];
        let (status, body) = exchange(
            w.port,
            &request(
                "PUT",
                &format!("/api/v1/lessons/{lesson}/progress"),
                Some(token),
                Some(json!({"status": "completed", "percent": 100})),
            ),
        )
        .await;
        assert!(
            status.contains(" 200 "),
            "{label} seed {seed}: progress of {email}: {status} {body}"
        );
        let (status, body) = exchange(
            w.port,
            &request(
                "POST",
                &format!("/api/v1/courses/{}/enroll", w.courses[1]),
                Some(token),
                None,
            ),
        )
        .await;
        assert!(
            status.contains(" 200 ") || status.contains(" 201 "),
            "{label} seed {seed}: enrollment of {email}: {status} {body}"
        );
    }
}

/// No change without its event, no event without its change, roll-ups in step.
async fn data_is_whole(w: &World, seed: u64) {
    let label = &w.label;
    let mut tx = w.state.store.begin(&w.tenant).await.unwrap();
    let events = outbox::pending(&mut tx, 100_000).await.unwrap();
    let count = |kind: &str, key: &dyn Fn(&Value) -> String| {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for event in events.iter().filter(|e| e.event_type == kind) {
            *counts.entry(key(&event.payload.0)).or_default() += 1;
        }
        counts
    };
    let enrolled = count("student.enrolled", &|p| {
        format!("{}/{}", p["user_id"], p["course_id"]).replace('"', "")
    });
    let completed = count("lesson.completed", &|p| {
        format!("{}/{}", p["user_id"], p["lesson_id"]).replace('"', "")
    });
    let mut enrollments_seen = 0;
    let mut completions_seen = 0;
    for (email, token) in &w.students {
        let user = users::by_email(&mut tx, &Email::parse(email).unwrap())
            .await
            .unwrap()
            .unwrap();
        for enrollment in enrollments::for_user(&mut tx, user.id).await.unwrap() {
            enrollments_seen += 1;
            let key = format!("{}/{}", user.id, enrollment.course_id);
            assert_eq!(
                enrolled.get(&key),
                Some(&1),
                "{label} seed {seed}: enrollment {key} and its events"
            );
            if enrollment.course_id.to_string() == w.courses[0] {
                let (status, rolled) = call(
                    &w.state,
                    "GET",
                    &format!("/t/acme/api/v1/courses/{}/progress", w.courses[0]),
                    Some(token),
                    None,
                )
                .await;
                assert_eq!(status, StatusCode::OK, "{label}: {rolled}");
                assert_eq!(
                    i64::from(enrollment.progress_percent),
                    rolled["percent"].as_i64().unwrap(),
                    "{label} seed {seed}: {email}'s enrollment percent and roll-up"
                );
            }
        }
        for lesson in &w.lessons {
            let row = progress::get(&mut tx, user.id, lesson.parse().unwrap())
                .await
                .unwrap();
            let key = format!("{}/{lesson}", user.id);
            let done = row
                .as_ref()
                .is_some_and(|p| p.status == lyceum_domain::LessonProgressStatus::Completed);
            completions_seen += usize::from(done);
            assert_eq!(
                completed.get(&key).copied().unwrap_or(0),
                usize::from(done),
                "{label} seed {seed}: lesson progress {key} ({row:?}) and its completion events"
            );
        }
    }
    tx.commit().await.unwrap();
    assert_eq!(
        enrolled.values().sum::<usize>(),
        enrollments_seen,
        "{label} seed {seed}: an enrollment event without its enrollment"
    );
    assert_eq!(
        completed.values().sum::<usize>(),
        completions_seen,
        "{label} seed {seed}: a completion event without its progress"
    );
}

async fn readiness(w: &World) -> Value {
    let (status, body) = exchange(
        w.port,
        b"GET /readyz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(status.contains(" 200 "), "{}: {status} {body}", w.label);
    serde_json::from_str(&body).unwrap()
}

async fn hang_ups_leave_nothing_jammed(
    label: &str,
    config: StoreConfig,
    placement: Option<Placement>,
) {
    let w = world(label, config, placement, Duration::from_secs(5)).await;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    storm(&w, seed).await;
    // Rollbacks of abandoned transactions run on tasks of their own; give them a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
    every_write_succeeds(&w, seed).await;
    data_is_whole(&w, seed).await;
    let ready = readiness(&w).await;
    assert_eq!(
        ready["connections_released_in_transaction"], 0,
        "{label} seed {seed}: {ready}"
    );
    w.server.stop().await.unwrap();
    w.state.store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hang_ups_leave_sqlite_writable_and_whole() {
    let (config, _guard) = testing::sqlite_config();
    hang_ups_leave_nothing_jammed("sqlite", config, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hang_ups_leave_postgres_writable_and_whole_on_every_placement() {
    for placement in [Placement::Pool, Placement::Schema, Placement::Database] {
        let (config, _guard) = testing::postgres_config().await;
        let label = format!("postgres {}", placement.as_str());
        hang_ups_leave_nothing_jammed(&label, config, Some(placement)).await;
    }
}

/// A write stuck behind a lock when the server is asked to stop: the server waits for it for
/// the grace period, then cancels it (503 `SHUTTING_DOWN`); once the lock is free nothing of
/// it was written, and the tenant takes writes as before.
async fn stopping_cancels_a_stuck_write_cleanly(
    label: &str,
    config: StoreConfig,
    placement: Option<Placement>,
) {
    let grace = Duration::from_millis(300);
    let w = world(label, config, placement, grace).await;
    let (email, token) = &w.students[0];
    let learner = {
        let mut tx = w.state.store.begin(&w.tenant).await.unwrap();
        let user = users::by_email(&mut tx, &Email::parse(email).unwrap())
            .await
            .unwrap()
            .unwrap();
        tx.commit().await.unwrap();
        user.id
    };
    // SQLite: the tenant's write turn; PostgreSQL: the learner's lock.
    let held = match placement {
        None => w.state.store.begin_write(&w.tenant).await.unwrap(),
        Some(_) => w
            .state
            .store
            .begin_learner_write(&w.tenant, LearnerLock { learner })
            .await
            .unwrap(),
    };
    let lesson = w.lessons[0].clone();
    let raw = request(
        "PUT",
        &format!("/api/v1/lessons/{lesson}/progress"),
        Some(token),
        Some(json!({"percent": 100})),
    );
    let port = w.port;
    let stuck = tokio::spawn(async move { exchange(port, &raw).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let asked = std::time::Instant::now();
    let stopping = tokio::spawn(w.server.stop());
    let (status, body) = stuck.await.unwrap();
    assert!(status.contains(" 503 "), "{label}: {status} {body}");
    assert!(body.contains("SHUTTING_DOWN"), "{label}: {body}");
    stopping.await.unwrap().unwrap();
    let waited = asked.elapsed();
    assert!(
        waited >= grace && waited < grace + Duration::from_secs(2),
        "{label}: stopped after {waited:?} with a grace of {grace:?}"
    );
    held.rollback().await.unwrap();
    // Whatever the cancelled request had started is rolled back on tasks of its own.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut tx = w.state.store.begin_write(&w.tenant).await.unwrap();
    let row = progress::get(&mut tx, learner, lesson.parse().unwrap())
        .await
        .unwrap();
    assert!(
        row.is_none(),
        "{label}: the cancelled report was written: {row:?}"
    );
    let events = outbox::pending(&mut tx, 10_000).await.unwrap();
    assert!(
        events.iter().all(|e| e.event_type != "lesson.completed"),
        "{label}: an event of the cancelled report"
    );
    progress::record(&mut tx, learner, lesson.parse().unwrap(), 40)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(
        w.state
            .store
            .transaction_trouble()
            .iter()
            .all(|(_, t)| t.released_in_transaction == 0),
        "{label}: {:?}",
        w.state.store.transaction_trouble()
    );
    w.state.store.close().await;
}

#[tokio::test]
async fn stopping_cancels_a_stuck_sqlite_write_cleanly() {
    let (config, _guard) = testing::sqlite_config();
    stopping_cancels_a_stuck_write_cleanly("sqlite", config, None).await;
}

#[tokio::test]
async fn stopping_cancels_a_stuck_postgres_write_cleanly() {
    let (config, _guard) = testing::postgres_config().await;
    stopping_cancels_a_stuck_write_cleanly("postgres pool", config, Some(Placement::Pool)).await;
}

/// A server like `w`'s whose requests time out after `timeout`.
fn impatient(w: &World, timeout: Duration) -> AppState {
    AppState::new(
        w.state.store.clone(),
        ServerConfig {
            request_timeout: timeout,
            ..ServerConfig::unthrottled()
        },
    )
}

/// PostgreSQL: a progress report that times out inside its transaction, holding the learner's
/// lock, while its write waits for a row another transaction holds. It answers 408; once that
/// row is free its transaction is rolled back (nothing of it kept) and the learner's next
/// report goes through at once.
#[tokio::test]
async fn a_write_timing_out_inside_its_transaction_leaves_nothing_on_postgres() {
    let (config, _guard) = testing::postgres_config().await;
    let w = world(
        "postgres pool",
        config,
        Some(Placement::Pool),
        Duration::from_secs(5),
    )
    .await;
    let (email, token) = &w.students[0];
    let mut holder = w.state.store.begin_write(&w.tenant).await.unwrap();
    let learner = users::by_email(&mut holder, &Email::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let enrollment = enrollments::for_user(&mut holder, learner).await.unwrap()[0].id;
    enrollments::set_due(&mut holder, enrollment, Some(chrono::Utc::now()))
        .await
        .unwrap();

    let lesson = &w.lessons[0];
    let report = |percent: u64| {
        axum::http::Request::put(format!("/t/acme/api/v1/lessons/{lesson}/progress"))
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(
                json!({ "percent": percent }).to_string(),
            ))
            .unwrap()
    };
    let (status, _, body) =
        common::send(&impatient(&w, Duration::from_millis(300)), report(100)).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{body}");
    holder.commit().await.unwrap();

    let started = std::time::Instant::now();
    let (status, _, body) = common::send(&w.state, report(30)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["lesson"]["percent"], 30,
        "the timed-out 100 was kept: {body}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let mut tx = w.state.store.begin(&w.tenant).await.unwrap();
    let events = outbox::pending(&mut tx, 10_000).await.unwrap();
    tx.commit().await.unwrap();
    assert!(events.iter().all(|e| e.event_type != "lesson.completed"));
    w.server.stop().await.unwrap();
}

/// SQLite: a large CSV import that times out while it holds the tenant file's write lock: 408,
/// not one row of it kept, and the tenant takes writes right after.
#[tokio::test]
async fn a_write_timing_out_holding_the_sqlite_lock_leaves_nothing() {
    let (config, _guard) = testing::sqlite_config();
    let w = world("sqlite", config, None, Duration::from_secs(5)).await;
    let admin = {
        let mut tx = w.state.store.begin_write(&w.tenant).await.unwrap();
        let hash = lyceum_app::identity::passwords::hash(PASSWORD.to_owned())
            .await
            .unwrap();
        users::insert(
            &mut tx,
            &users::NewUser {
                email: Email::parse("admin@acme.test").unwrap(),
                display_name: "Admin".into(),
                role: Role::Admin,
                password_hash: Some(hash),
            },
        )
        .await
        .unwrap();
        let mut csv = String::from("email\n");
        for i in 0..3000 {
            let email = format!("bulk{i}@acme.test");
            users::insert(
                &mut tx,
                &users::NewUser {
                    email: Email::parse(&email).unwrap(),
                    display_name: email.clone(),
                    role: Role::Student,
                    password_hash: None,
                },
            )
            .await
            .unwrap();
            csv.push_str(&email);
            csv.push('\n');
        }
        tx.commit().await.unwrap();
        csv
    };
    let token = common::token(&w.state, "acme", "admin@acme.test", PASSWORD).await;
    let course = &w.courses[2];
    let import = axum::http::Request::post(format!(
        "/t/acme/api/v1/courses/{course}/enrollments/import"
    ))
    .header("authorization", format!("Bearer {token}"))
    .header("content-type", "text/csv")
    .body(axum::body::Body::from(admin))
    .unwrap();
    let (status, _, body) = common::send(&impatient(&w, Duration::from_millis(40)), import).await;
    assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{body}");

    let started = std::time::Instant::now();
    let (email, token) = &w.students[0];
    let (status, body) = call(
        &w.state,
        "POST",
        &format!("/t/acme/api/v1/courses/{course}/enroll"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{email}: {body}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let mut tx = w.state.store.begin(&w.tenant).await.unwrap();
    let enrolled = enrollments::of_course(&mut tx, course.parse().unwrap())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(enrolled.len(), 1, "rows of the timed-out import were kept");
    w.server.stop().await.unwrap();
}
