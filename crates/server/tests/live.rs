//! Live events over a real socket: `GET /api/v1/events/stream` served by the real router on a
//! local port, with the worker delivering the outbox, on SQLite and on every PostgreSQL
//! placement. Scope (a learner never receives another learner's events, a tenant never another
//! tenant's), resuming with `Last-Event-ID`, and refusals.

mod common;

use common::{school, PORTAL_PASSWORD};
use lyceum_domain::Role;
use lyceum_server::{app, AppState, ServerConfig};
use lyceum_store::Store;
use lyceum_worker::{Worker, WorkerConfig};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// An event as the stream sent it.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    event: String,
    data: Value,
}

/// A client of the event stream over a plain socket (HTTP/1.0: the body is the stream as
/// sent, up to the end of the connection).
struct Stream {
    reader: BufReader<TcpStream>,
    status: u16,
    head: String,
}

impl Stream {
    async fn open(address: SocketAddr, path: &str, token: &str, last: Option<&str>) -> Stream {
        let mut socket = TcpStream::connect(address).await.unwrap();
        let mut request = format!(
            "GET {path} HTTP/1.0\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n"
        );
        if let Some(last) = last {
            request.push_str(&format!("Last-Event-ID: {last}\r\n"));
        }
        request.push_str("\r\n");
        socket.write_all(request.as_bytes()).await.unwrap();
        let mut reader = BufReader::new(socket);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Stream {
            reader,
            status,
            head,
        }
    }

    /// The next event within `wait`; `None` if none came (or the stream ended).
    async fn next_within(&mut self, wait: Duration) -> Option<Received> {
        tokio::time::timeout(wait, self.next()).await.ok().flatten()
    }

    async fn next(&mut self) -> Option<Received> {
        let (mut id, mut event, mut data) = (String::new(), String::new(), String::new());
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).await.ok()? == 0 {
                return None;
            }
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if data.is_empty() {
                    continue; // a keep-alive comment's end
                }
                return Some(Received {
                    id,
                    event,
                    data: serde_json::from_str(&data).unwrap(),
                });
            }
            if let Some(value) = line.strip_prefix("id:") {
                id = value.trim().to_owned();
            } else if let Some(value) = line.strip_prefix("event:") {
                event = value.trim().to_owned();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push_str(value.trim_start());
            }
        }
    }

    /// Events until one of `event` type arrives (it included), within 10 s.
    async fn until(&mut self, event: &str) -> Vec<Received> {
        let mut seen = Vec::new();
        loop {
            let received = self
                .next_within(Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("no {event} within 10 s; saw {seen:?}"));
            let done = received.event == event;
            seen.push(received);
            if done {
                return seen;
            }
        }
    }
}

/// The router on a local port.
async fn serve(state: &AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

/// A school's `people` added, its events delivered by a worker (its sweep every second), and
/// the router serving it on a local port.
async fn watched(
    store: &Store,
    school: &lyceum_store::Tenant,
    people: &[(&str, &str, Role)],
) -> (lyceum_worker::RunningWorker, AppState, SocketAddr) {
    common::add_users(store, school, people).await;
    let worker = Worker::new(
        store.clone(),
        WorkerConfig {
            sweep_every: Duration::from_secs(1),
            ..WorkerConfig::default()
        },
    )
    .start();
    let state = AppState::new(store.clone(), ServerConfig::unthrottled());
    let address = serve(&state).await;
    (worker, state, address)
}

async fn first_lesson(state: &AppState, slug: &str, course: &str, token: &str) -> String {
    let (_, modules) = common::call(
        state,
        "GET",
        &format!("/t/{slug}/api/v1/courses/{course}/modules"),
        Some(token),
        None,
    )
    .await;
    let module = modules["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, lessons) = common::call(
        state,
        "GET",
        &format!("/t/{slug}/api/v1/modules/{module}/lessons"),
        Some(token),
        None,
    )
    .await;
    lessons["items"][0]["id"].as_str().unwrap().to_owned()
}

async fn enroll(state: &AppState, slug: &str, course: &str, token: &str) {
    let path = format!("/t/{slug}/api/v1/courses/{course}/enroll");
    let (status, body) = common::call(state, "POST", &path, Some(token), Some(json!({}))).await;
    assert!(status.is_success(), "{status} {body}");
}

#[tokio::test]
async fn streams_carry_each_watchers_own_events_in_order_and_resume_after_a_reconnect() {
    for (config, _guard) in common::configs_on_every_placement().await {
        let label = format!("{config:?}");
        let label = &label[..label.len().min(60)];
        let store = Store::open(config).await.unwrap();
        let (alpha, course) = school(&store, "alpha", "#1565c0", 1).await;
        let (_beta, beta_course) = school(&store, "beta", "#2e7d32", 1).await;
        let (worker, state, address) = watched(
            &store,
            &alpha,
            &[("other@alpha.test", PORTAL_PASSWORD, Role::Student)],
        )
        .await;
        let token = |slug: &'static str, who: &'static str| {
            let state = state.clone();
            async move {
                common::token(&state, slug, &format!("{who}@{slug}.test"), PORTAL_PASSWORD).await
            }
        };
        let (student, other, teacher, admin, beta_admin, beta_student) = (
            token("alpha", "student").await,
            token("alpha", "other").await,
            token("alpha", "teacher").await,
            token("alpha", "admin").await,
            token("beta", "admin").await,
            token("beta", "student").await,
        );
        let path = "/t/alpha/api/v1/events/stream";
        let mut watched_by_student = Stream::open(address, path, &student, None).await;
        assert_eq!(
            watched_by_student.status, 200,
            "{label}: {}",
            watched_by_student.head
        );
        assert!(
            watched_by_student
                .head
                .to_ascii_lowercase()
                .contains("text/event-stream"),
            "{label}: {}",
            watched_by_student.head
        );
        let mut watched_by_other = Stream::open(address, path, &other, None).await;
        let mut watched_by_teacher = Stream::open(address, path, &teacher, None).await;
        let mut watched_by_admin = Stream::open(address, path, &admin, None).await;
        let beta_path = "/t/beta/api/v1/events/stream";
        let mut watched_in_beta = Stream::open(address, beta_path, &beta_admin, None).await;

        // The student enrolls and completes the course's one lesson.
        enroll(&state, "alpha", &course, &student).await;
        let lesson = first_lesson(&state, "alpha", &course, &student).await;
        let (status, body) = common::call(
            &state,
            "PUT",
            &format!("/t/alpha/api/v1/lessons/{lesson}/progress"),
            Some(&student),
            Some(json!({"percent": 100})),
        )
        .await;
        assert_eq!(status.as_u16(), 200, "{label}: {body}");
        // Then the other student enrolls: the marker that the first one's events went by.
        enroll(&state, "alpha", &course, &other).await;
        // And a student of beta.
        enroll(&state, "beta", &beta_course, &beta_student).await;

        let mine = watched_by_student.until("certificate.issued").await;
        let kinds: Vec<&str> = mine.iter().map(|r| r.event.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "student.enrolled",
                "lesson.completed",
                "enrollment.completed",
                "certificate.issued"
            ],
            "{label}"
        );
        let ids: Vec<i64> = mine.iter().map(|r| r.id.parse().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{label}: {ids:?}");
        for received in &mine {
            assert_eq!(received.data["type"], received.event.as_str());
            assert_eq!(received.data["tenant_id"], alpha.id().to_string());
        }

        // The other student sees their own enrollment, and nothing of the first student's.
        let theirs = watched_by_other.until("student.enrolled").await;
        assert_eq!(theirs.len(), 1, "{label}: {theirs:?}");
        let first_student = &mine[0].data["payload"]["user_id"];
        assert_ne!(
            &theirs[0].data["payload"]["user_id"], first_student,
            "{label}"
        );

        // The teacher of the course sees both learners' progress; the admin sees the same.
        for watcher in [&mut watched_by_teacher, &mut watched_by_admin] {
            let seen = watcher.until("certificate.issued").await;
            assert_eq!(seen.len(), 4, "{label}: {seen:?}");
            let next = watcher.until("student.enrolled").await;
            assert_eq!(next.len(), 1, "{label}: {next:?}");
        }

        // Beta's admin sees beta's enrollment, and never an event of alpha.
        let in_beta = watched_in_beta.until("student.enrolled").await;
        assert!(
            in_beta
                .iter()
                .all(|r| r.data["tenant_id"] != alpha.id().to_string()),
            "{label}: {in_beta:?}"
        );
        assert!(
            watched_by_other
                .next_within(Duration::from_millis(300))
                .await
                .is_none(),
            "{label}: nothing more for the other student"
        );

        // After a reconnect, Last-Event-ID resumes after the event named.
        drop(watched_by_student);
        let mut resumed = Stream::open(address, path, &student, Some(&mine[0].id)).await;
        let again = resumed.until("certificate.issued").await;
        let kinds: Vec<&str> = again.iter().map(|r| r.event.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "lesson.completed",
                "enrollment.completed",
                "certificate.issued"
            ],
            "{label}"
        );
        assert_eq!(again[0].id, mine[1].id, "{label}");
        // The same with `?after=`, for clients that cannot send the header.
        let after = format!("{path}?after={}", mine[2].id);
        let mut by_query = Stream::open(address, &after, &student, None).await;
        let last = by_query.until("certificate.issued").await;
        assert_eq!(last.len(), 1, "{label}: {last:?}");

        // A token of beta is refused on alpha's stream.
        let foreign = Stream::open(address, path, &beta_admin, None).await;
        assert_eq!(foreign.status, 403, "{label}: {}", foreign.head);
        worker.stop(Duration::from_secs(5)).await;
        store.close().await;
    }
}

#[tokio::test]
async fn a_malformed_last_event_id_or_no_token_is_refused_and_streams_per_user_are_bounded() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    school(&store, "gamma", "#1565c0", 1).await;
    let state = AppState::new(store, ServerConfig::unthrottled());
    let address = serve(&state).await;
    let student = common::token(&state, "gamma", "student@gamma.test", PORTAL_PASSWORD).await;
    let path = "/t/gamma/api/v1/events/stream";
    for bad in ["abc", "-1", "1e3", "9999999999999999999999", "1\u{0}"] {
        let stream = Stream::open(address, path, &student, Some(bad)).await;
        assert_eq!(stream.status, 400, "{bad:?}: {}", stream.head);
    }
    let stream = Stream::open(address, &format!("{path}?after=x"), &student, None).await;
    assert_eq!(stream.status, 400, "{}", stream.head);
    let stream = Stream::open(address, path, "not-a-token", None).await;
    assert_eq!(stream.status, 401, "{}", stream.head);

    let mut open = Vec::new();
    for _ in 0..lyceum_server::live::STREAMS_PER_USER {
        let stream = Stream::open(address, path, &student, None).await;
        assert_eq!(stream.status, 200, "{}", stream.head);
        open.push(stream);
    }
    let refused = Stream::open(address, path, &student, None).await;
    assert_eq!(refused.status, 429, "{}", refused.head);
    // A stream closed gives its place back.
    drop(open.pop());
    // (The server finds the connection gone when it next writes: a keep-alive at the latest.)
    let mut reopened = None;
    for _ in 0..250 {
        let stream = Stream::open(address, path, &student, None).await;
        if stream.status == 200 {
            reopened = Some(stream);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reopened.is_some(), "the place came back");
}

#[tokio::test]
async fn a_demoted_watcher_sees_only_the_new_roles_events_and_a_deactivated_one_stops_watching() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    let (delta, course) = school(&store, "delta", "#1565c0", 1).await;
    let (worker, state, address) = watched(
        &store,
        &delta,
        &[("deputy@delta.test", PORTAL_PASSWORD, Role::Admin)],
    )
    .await;
    let admin = common::token(&state, "delta", "admin@delta.test", PORTAL_PASSWORD).await;
    let deputy = common::token(&state, "delta", "deputy@delta.test", PORTAL_PASSWORD).await;
    let teacher = common::token(&state, "delta", "teacher@delta.test", PORTAL_PASSWORD).await;
    let id_of = |token: String| {
        let state = state.clone();
        async move {
            let (_, me) =
                common::call(&state, "GET", "/t/delta/api/v1/me", Some(&token), None).await;
            me["user"]["id"].as_str().unwrap().to_owned()
        }
    };
    let (deputy_id, teacher_id) = (id_of(deputy.clone()).await, id_of(teacher.clone()).await);
    let path = "/t/delta/api/v1/events/stream";
    let mut watched_by_deputy = Stream::open(address, path, &deputy, None).await;
    assert_eq!(watched_by_deputy.status, 200, "{}", watched_by_deputy.head);
    assert!(
        watched_by_deputy
            .head
            .to_ascii_lowercase()
            .contains("cache-control: no-store"),
        "{}",
        watched_by_deputy.head
    );
    let mut watched_by_teacher = Stream::open(address, path, &teacher, None).await;
    let admin_call = |method: &'static str, path: String, body: Option<Value>| {
        let (state, admin) = (state.clone(), admin.clone());
        async move {
            let (status, body) = common::call(&state, method, &path, Some(&admin), body).await;
            assert!(status.is_success(), "{method} {path}: {status} {body}");
        }
    };
    let user = format!("/t/delta/api/v1/users/{deputy_id}");

    // The deputy admin sees a group made, as admins do; then is made a student.
    admin_call(
        "POST",
        "/t/delta/api/v1/groups".into(),
        Some(json!({"name": "Before"})),
    )
    .await;
    let before = watched_by_deputy.until("group.created").await;
    assert_eq!(before.len(), 1, "{before:?}");
    admin_call("PATCH", user.clone(), Some(json!({"role": "student"}))).await;
    admin_call(
        "POST",
        "/t/delta/api/v1/groups".into(),
        Some(json!({"name": "After"})),
    )
    .await;
    admin_call(
        "PATCH",
        user,
        Some(json!({"display_name": "Deputy, renamed"})),
    )
    .await;
    // Their own account's two events, and not the group made after the demotion.
    let after = watched_by_deputy.until("user.updated").await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0].data["payload"]["role"], "student");
    let next = watched_by_deputy.until("user.updated").await;
    assert_eq!(
        next.len(),
        1,
        "the group made after the demotion came through: {next:?}"
    );

    // The teacher, made a student, no longer watches the course they were listed on: a learner
    // enrolling there does not reach them.
    admin_call(
        "PATCH",
        format!("/t/delta/api/v1/users/{teacher_id}"),
        Some(json!({"role": "student"})),
    )
    .await;
    let student = common::token(&state, "delta", "student@delta.test", PORTAL_PASSWORD).await;
    enroll(&state, "delta", &course, &student).await;
    // Then deactivated, they stop watching: their course archived next does not reach them.
    admin_call(
        "POST",
        format!("/t/delta/api/v1/users/{teacher_id}/deactivate"),
        None,
    )
    .await;
    admin_call(
        "POST",
        format!("/t/delta/api/v1/courses/{course}/archive"),
        None,
    )
    .await;
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(10), watched_by_teacher.next()).await {
            Ok(Some(received)) => seen.push(received),
            Ok(None) => break,
            Err(_) => panic!("the deactivated teacher's stream did not end: {seen:?}"),
        }
    }
    let kinds: Vec<&str> = seen.iter().map(|r| r.event.as_str()).collect();
    assert_eq!(kinds.last(), Some(&"user.deactivated"), "{seen:?}");
    assert!(kinds.contains(&"user.updated"), "{seen:?}");
    assert!(!kinds.contains(&"student.enrolled"), "{seen:?}");
    assert!(!kinds.contains(&"course.archived"), "{seen:?}");
    worker.stop(Duration::from_secs(5)).await;
    store.close().await;
}

/// A stopping server ends its event streams (their clients resume elsewhere with
/// `Last-Event-ID`) instead of waiting for them, which never end by themselves.
#[tokio::test]
async fn a_stopping_server_ends_its_streams() {
    let (config, _guard) = lyceum_store::testing::sqlite_config();
    let store = Store::open(config).await.unwrap();
    school(&store, "omega", "#1565c0", 1).await;
    let state = AppState::new(store.clone(), ServerConfig::unthrottled());
    let student = common::token(&state, "omega", "student@omega.test", PORTAL_PASSWORD).await;
    let server = lyceum_server::LocalServer::start(state, Duration::from_secs(30))
        .await
        .unwrap();
    let path = "/t/omega/api/v1/events/stream";
    let mut stream = Stream::open(server.address, path, &student, None).await;
    assert_eq!(stream.status, 200, "{}", stream.head);
    tokio::time::timeout(Duration::from_secs(10), server.stop())
        .await
        .expect("the server stopped within 10 s, its stream open")
        .unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(5), stream.next()).await;
    assert!(matches!(ended, Ok(None)), "the stream ended: {ended:?}");
    store.close().await;
}
