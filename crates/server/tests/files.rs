//! Files in object storage through the real router: uploads streamed with size limits, type
//! sniffing and the plan's quota; downloads through signed URLs bound to the tenant, the file
//! and a time; who may read, list and delete. The round trip runs against a local folder and a
//! real S3-compatible server (moto, started here) on both engines; the rest on every
//! placement.

mod common;

use axum::http::StatusCode;
use common::world::{User, World};
use lyceum_app::files::{self, S3Storage, StorageBackend, StorageConfig};
use lyceum_domain::{FileId, FileName, FilePurpose, Plan, Role};
use lyceum_server::ServerConfig;
use lyceum_store::repo::files as file_rows;
use lyceum_store::{testing, StoreConfig};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The first bytes of a PNG image: enough for the type to be read from them.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0,
];

/// A PNG of `size` bytes (its header, then zeros).
fn png_of(size: usize) -> Vec<u8> {
    let mut bytes = PNG.to_vec();
    bytes.resize(size, 0);
    bytes
}

/// A world whose files go to `backend`.
async fn world_with(
    config: StoreConfig,
    guard: testing::TestGuard,
    backend: StorageBackend,
) -> World {
    let server = ServerConfig {
        base_domain: Some("lms.test".to_owned()),
        storage: StorageConfig {
            backend,
            ..StorageConfig::default()
        },
        ..ServerConfig::default()
    };
    World::with_server(config, Some(guard), server).await
}

/// One world per engine and PostgreSQL placement, files in memory, tenants under `lms.test`.
async fn worlds() -> Vec<World> {
    let mut worlds = Vec::new();
    for (config, guard) in common::configs_on_every_placement().await {
        worlds.push(world_with(config, guard, StorageBackend::Memory).await);
    }
    worlds
}

/// A tenant `slug` on `plan` with an admin, an instructor who made a published course, and a
/// student (not enrolled). Answers the people and the course's id.
#[derive(Clone)]
struct School {
    admin: User,
    teacher: User,
    student: User,
    course: String,
    module: String,
}

async fn school(w: &World, slug: &str, plan: Plan) -> School {
    w.provision(slug, plan, json!({})).await;
    let admin = w
        .user(slug, &format!("admin@{slug}.test"), Role::Admin)
        .await;
    let teacher = w
        .user(slug, &format!("teacher@{slug}.test"), Role::Instructor)
        .await;
    let student = w
        .user(slug, &format!("student@{slug}.test"), Role::Student)
        .await;
    let course = w
        .as_(&teacher)
        .post("/api/v1/courses")
        .json(&json!({"slug": "files", "title": "Files"}))
        .expect(StatusCode::CREATED)
        .await
        .json_value()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let module = w
        .as_(&teacher)
        .post(format!("/api/v1/courses/{course}/modules"))
        .json(&json!({"title": "M"}))
        .expect(StatusCode::CREATED)
        .await
        .json_value()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.as_(&teacher)
        .post(format!("/api/v1/modules/{module}/lessons"))
        .json(&json!({"title": "Intro", "kind": "text", "content": [{"type": "markdown", "markdown": "Hi"}]}))
        .expect(StatusCode::CREATED)
        .await;
    w.as_(&teacher)
        .post(format!("/api/v1/courses/{course}/publish"))
        .expect(StatusCode::OK)
        .await;
    School {
        admin,
        teacher,
        student,
        course,
        module,
    }
}

/// Uploads `bytes` as `user` to `course`, declared `content_type`, named `name`.
fn upload<'w>(
    w: &'w World,
    user: &User,
    course: &str,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> common::world::Call<'w> {
    w.as_(user)
        .post(format!("/api/v1/courses/{course}/files?name={name}"))
        .body(content_type, bytes)
}

/// How many objects the tenant `slug` keeps in the world's storage.
async fn objects_of(w: &World, slug: &str) -> usize {
    let storage = w.state.files.as_deref().expect("storage opened");
    storage
        .count_under(&w.tenant(slug).id().to_string())
        .await
        .unwrap()
}

/// A file's signed URL, as `GET /files/{id}` hands it to `user`.
async fn url_of(w: &World, user: &User, file: &str) -> String {
    let shown = w
        .as_(user)
        .get(format!("/api/v1/files/{file}"))
        .expect(StatusCode::OK)
        .await
        .json_value();
    shown["url"]["path"].as_str().unwrap().to_owned()
}

/// Uploads, lists, reads through the signed URL and deletes a file, checking the object at
/// each step.
async fn round_trip(w: &World) {
    let s = school(w, "acme", Plan::Pro).await;
    let image = png_of(300_000);
    let stored = upload(
        w,
        &s.teacher,
        &s.course,
        "diagram.png",
        "image/png",
        image.clone(),
    )
    .expect(StatusCode::CREATED)
    .await
    .json_value();
    let id = stored["id"].as_str().unwrap().to_owned();
    assert_eq!(stored["name"], "diagram.png", "{}", w.label);
    assert_eq!(stored["size"], 300_000, "{}", w.label);
    assert_eq!(stored["content_type"], "image/png", "{}", w.label);
    assert_eq!(objects_of(w, "acme").await, 1, "{}", w.label);

    let listed = w
        .as_(&s.teacher)
        .get(format!("/api/v1/courses/{}/files", s.course))
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_eq!(listed["items"][0]["id"], id.as_str(), "{}", w.label);

    let url = url_of(w, &s.teacher, &id).await;
    assert!(url.starts_with("/t/acme/api/v1/files/"), "{url}");
    let got = w.anonymous().get(&url).expect(StatusCode::OK).await;
    assert_eq!(got.bytes(), image.as_slice(), "{}", w.label);
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert!(got
        .header("cache-control")
        .unwrap()
        .starts_with("private, max-age="));
    assert_eq!(
        got.header("content-disposition"),
        Some("inline; filename=\"diagram.png\"; filename*=UTF-8''diagram.png")
    );

    w.as_(&s.teacher)
        .delete(format!("/api/v1/files/{id}"))
        .expect(StatusCode::NO_CONTENT)
        .await;
    assert_eq!(objects_of(w, "acme").await, 0, "{}", w.label);
    w.anonymous()
        .get(&url)
        .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
        .await;
    w.as_(&s.teacher)
        .get(format!("/api/v1/files/{id}"))
        .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
        .await;

    // The upload and the deletion are audited and recorded as events.
    let log = w
        .as_(&s.admin)
        .get("/api/v1/audit-log")
        .expect(StatusCode::OK)
        .await
        .json_value();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"file.uploaded"),
        "{}: {actions:?}",
        w.label
    );
    assert!(
        actions.contains(&"file.deleted"),
        "{}: {actions:?}",
        w.label
    );
}

#[tokio::test]
async fn files_round_trip_through_a_local_folder_on_both_engines() {
    for (config, guard) in [testing::sqlite_config(), testing::postgres_config().await] {
        let folder = tempfile::tempdir().unwrap();
        let backend = StorageBackend::Local {
            root: folder.path().join("objects"),
        };
        let w = world_with(config, guard, backend).await;
        round_trip(&w).await;
        // Keys begin with the tenant's id: its objects are all under one folder.
        let tenant = w.tenant("acme").id().to_string();
        let under: Vec<_> = std::fs::read_dir(folder.path().join("objects"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(under.iter().all(|name| name == &tenant), "{under:?}");
    }
}

/// A moto S3 server on a free port of this host, stopped when dropped.
struct Moto {
    child: Child,
    endpoint: String,
    bucket: String,
}

impl Moto {
    /// Storage in the server's bucket.
    fn backend(&self) -> StorageBackend {
        StorageBackend::S3(S3Storage {
            bucket: self.bucket.clone(),
            endpoint: Some(self.endpoint.clone()),
            region: Some("us-east-1".to_owned()),
            access_key_id: Some("testing".to_owned()),
            secret_access_key: Some("testing".to_owned()),
            allow_http: true,
        })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts moto's server (`LYCEUM_TEST_MOTO`, else `moto_server` on the `PATH`; `scripts/test`
/// installs it) and makes the bucket `bucket`.
async fn start_moto(bucket: &str) -> Moto {
    let program = std::env::var("LYCEUM_TEST_MOTO").unwrap_or_else(|_| "moto_server".to_owned());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "the S3 tests need moto's server ({program}: {e}); install it with \
                 `pip install 'moto[server]'` or set LYCEUM_TEST_MOTO to its moto_server"
            )
        });
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
        bucket: bucket.to_owned(),
    };
    // Up when it answers; then the bucket is made with a plain request (moto checks no signature).
    for attempt in 0.. {
        if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let request = format!(
                "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await.unwrap();
            let answer = String::from_utf8_lossy(&answer);
            assert!(
                answer.starts_with("HTTP/1.1 200"),
                "making the bucket: {answer}"
            );
            break;
        }
        assert!(attempt < 200, "moto's server did not start on port {port}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    moto
}

#[tokio::test]
async fn files_round_trip_through_s3_on_both_engines() {
    let moto = start_moto("lyceum-files").await;
    for (config, guard) in [testing::sqlite_config(), testing::postgres_config().await] {
        let backend = moto.backend();
        let w = world_with(config, guard, backend).await;
        round_trip(&w).await;
        // A file of several parts (S3's parts are 5 MiB) arrives whole.
        let teacher = w
            .sign_in(&w.user("acme", "big@acme.test", Role::Admin).await)
            .await;
        let course = w
            .as_(&teacher)
            .get("/api/v1/courses")
            .expect(StatusCode::OK)
            .await
            .json_value()["items"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mut big = png_of(12 * 1024 * 1024 + 17);
        for (i, byte) in big.iter_mut().enumerate().skip(PNG.len()) {
            *byte = (i % 251) as u8;
        }
        let stored = upload(&w, &teacher, &course, "big.png", "image/png", big.clone())
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let url = url_of(&w, &teacher, stored["id"].as_str().unwrap()).await;
        let got = w.anonymous().get(&url).expect(StatusCode::OK).await;
        assert!(
            got.bytes() == big.as_slice(),
            "{}: the content changed",
            w.label
        );
    }
}

/// Deleting a course removes its files' objects after the commit and its usage with them; the
/// housekeeping's sweep removes a tenant's objects no record names once past the grace
/// period, and nothing under another tenant's prefix.
async fn leftovers_are_removed(w: &World) {
    let acme = school(w, "acme", Plan::Pro).await;
    let beta = school(w, "beta", Plan::Pro).await;
    let stored = |s: &School, name: &str| {
        let s = s.clone();
        let name = name.to_owned();
        async move {
            let file = upload(w, &s.teacher, &s.course, &name, "image/png", png_of(2_000))
                .expect(StatusCode::CREATED)
                .await
                .json_value();
            file["id"].as_str().unwrap().parse::<FileId>().unwrap()
        }
    };
    stored(&acme, "a.png").await;
    w.as_(&acme.teacher)
        .post(format!(
            "/api/v1/courses/{}/files?name=cover.png&purpose=course_cover",
            acme.course
        ))
        .body("image/png", png_of(1_000))
        .expect(StatusCode::CREATED)
        .await;
    stored(&beta, "b.png").await;
    assert_eq!(objects_of(w, "acme").await, 2, "{}", w.label);
    w.as_(&acme.admin)
        .delete(format!("/api/v1/courses/{}", acme.course))
        .expect(StatusCode::NO_CONTENT)
        .await;
    assert_eq!(objects_of(w, "acme").await, 0, "{}", w.label);
    assert_eq!(objects_of(w, "beta").await, 1, "{}", w.label);
    let usage = w
        .as_(&acme.admin)
        .get("/api/v1/tenant/usage")
        .expect(StatusCode::OK)
        .await
        .json_value();
    assert_eq!(usage["storage_bytes"], json!(0), "{}", w.label);

    // Objects whose records are gone (a crash between a commit and the removal), in both
    // tenants; and one whose record stays.
    let course = w
        .as_(&acme.teacher)
        .post("/api/v1/courses")
        .json(&json!({"slug": "again", "title": "Again"}))
        .expect(StatusCode::CREATED)
        .await
        .json_value()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let acme = School { course, ..acme };
    let kept = stored(&acme, "kept.png").await;
    for (s, slug) in [(&acme, "acme"), (&beta, "beta")] {
        let orphan = stored(s, "orphan.png").await;
        let mut tx = w.store().begin_write(&w.tenant(slug)).await.unwrap();
        assert!(file_rows::delete(&mut tx, orphan).await.unwrap());
        tx.commit().await.unwrap();
    }
    let storage = w.state.files.as_deref().unwrap();
    let tenant = w.tenant("acme");
    let sweep = |before: chrono::DateTime<chrono::Utc>| files::sweep(storage, &tenant, before);
    // Within the grace period an object may be an upload whose record is on its way.
    let now = chrono::Utc::now();
    assert_eq!(sweep(now - files::UNRECORDED_GRACE).await.unwrap(), 0);
    assert_eq!(objects_of(w, "acme").await, 2, "{}", w.label);
    let later = now + chrono::Duration::seconds(2);
    assert_eq!(sweep(later).await.unwrap(), 1, "{}", w.label);
    assert_eq!(objects_of(w, "acme").await, 1, "{}", w.label);
    assert_eq!(objects_of(w, "beta").await, 2, "{}", w.label);
    let url = url_of(w, &acme.teacher, &kept.to_string()).await;
    w.anonymous().get(&url).expect(StatusCode::OK).await;
}

#[tokio::test]
async fn leftover_objects_are_removed_from_a_local_folder_on_both_engines() {
    for (config, guard) in [testing::sqlite_config(), testing::postgres_config().await] {
        let folder = tempfile::tempdir().unwrap();
        let backend = StorageBackend::Local {
            root: folder.path().join("objects"),
        };
        leftovers_are_removed(&world_with(config, guard, backend).await).await;
    }
}

#[tokio::test]
async fn leftover_objects_are_removed_from_s3_on_both_engines() {
    let moto = start_moto("lyceum-leftovers").await;
    for (config, guard) in [testing::sqlite_config(), testing::postgres_config().await] {
        let backend = moto.backend();
        leftovers_are_removed(&world_with(config, guard, backend).await).await;
    }
}

#[tokio::test]
async fn signed_urls_are_bound_to_their_tenant_their_file_and_their_time() {
    for w in worlds().await {
        let a = school(&w, "alpha", Plan::Pro).await;
        let b = school(&w, "beta", Plan::Pro).await;
        let a_file = upload(&w, &a.teacher, &a.course, "a.png", "image/png", png_of(100))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let b_file = upload(&w, &b.teacher, &b.course, "b.png", "image/png", png_of(100))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let a_url = url_of(&w, &a.teacher, &a_file).await;
        let query = a_url.split_once('?').unwrap().1.to_owned();
        let invalid = |path: String| {
            w.anonymous()
                .get(path)
                .expect_error(StatusCode::FORBIDDEN, "FILE_URL_INVALID")
        };

        // The URL works where it was made for, by path and by host.
        w.anonymous().get(&a_url).expect(StatusCode::OK).await;
        w.anonymous()
            .get(format!("/api/v1/files/{a_file}/content?{query}"))
            .header("host", "alpha.lms.test")
            .expect(StatusCode::OK)
            .await;
        // A's signature does not open B's file, in A or in B.
        invalid(format!("/t/alpha/api/v1/files/{b_file}/content?{query}")).await;
        invalid(format!("/t/beta/api/v1/files/{b_file}/content?{query}")).await;
        // A's URL is refused at B, by path and on B's host.
        invalid(format!("/t/beta/api/v1/files/{a_file}/content?{query}")).await;
        w.anonymous()
            .get(format!("/api/v1/files/{a_file}/content?{query}"))
            .header("host", "beta.lms.test")
            .expect_error(StatusCode::FORBIDDEN, "FILE_URL_INVALID")
            .await;
        // Tampered: another expiry, another signature, none.
        let (expires, signature) = query.split_once('&').unwrap();
        let later: i64 = expires
            .trim_start_matches("expires=")
            .parse::<i64>()
            .unwrap()
            + 3600;
        invalid(format!(
            "/t/alpha/api/v1/files/{a_file}/content?expires={later}&{signature}"
        ))
        .await;
        let mut forged = signature.to_owned();
        let last = forged.pop().unwrap();
        forged.push(if last == 'A' { 'B' } else { 'A' });
        invalid(format!(
            "/t/alpha/api/v1/files/{a_file}/content?{expires}&{forged}"
        ))
        .await;
        invalid(format!("/t/alpha/api/v1/files/{a_file}/content")).await;
        invalid(format!("/t/alpha/api/v1/files/{a_file}/content?{expires}")).await;
        // Expired.
        let storage = w.state.files.as_deref().unwrap();
        let past = chrono::Utc::now() - chrono::Duration::seconds(5);
        let id: FileId = a_file.parse().unwrap();
        let expired = storage
            .sign_until(w.tenant("alpha").id(), id, past)
            .await
            .unwrap();
        w.anonymous()
            .get(format!("/t/alpha{}", expired.path))
            .expect_error(StatusCode::FORBIDDEN, "FILE_URL_EXPIRED")
            .await;

        // B's people cannot read, list or delete A's files through B's routes.
        for user in [&b.admin, &b.teacher] {
            w.as_(user)
                .get(format!("/api/v1/files/{a_file}"))
                .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
                .await;
            w.as_(user)
                .delete(format!("/api/v1/files/{a_file}"))
                .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
                .await;
            w.as_(user)
                .get(format!("/api/v1/courses/{}/files", a.course))
                .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
                .await;
            upload(&w, user, &a.course, "x.png", "image/png", png_of(100))
                .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
                .await;
        }
        // A's token at B is refused before anything is read.
        w.bearer(&a.admin.token)
            .at("beta")
            .get(format!("/api/v1/files/{a_file}"))
            .expect_error(StatusCode::FORBIDDEN, "TENANT_MISMATCH")
            .await;
        // A's file is still there, whole.
        w.anonymous().get(&a_url).expect(StatusCode::OK).await;
        assert_eq!(objects_of(&w, "alpha").await, 1, "{}", w.label);
        assert_eq!(objects_of(&w, "beta").await, 1, "{}", w.label);
    }
}

#[tokio::test]
async fn only_course_staff_change_files_and_only_enrolled_learners_read_them() {
    for w in worlds().await {
        let s = school(&w, "acme", Plan::Pro).await;
        let id = upload(
            &w,
            &s.teacher,
            &s.course,
            "notes.txt",
            "text/plain",
            b"notes".to_vec(),
        )
        .expect(StatusCode::CREATED)
        .await
        .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        // Not enrolled: no URL, no list.
        w.as_(&s.student)
            .get(format!("/api/v1/files/{id}"))
            .expect_error(StatusCode::FORBIDDEN, "NOT_ENROLLED")
            .await;
        w.as_(&s.student)
            .get(format!("/api/v1/courses/{}/files", s.course))
            .expect_error(StatusCode::FORBIDDEN, "NOT_ENROLLED")
            .await;
        // Enrolled: a URL that serves the file.
        w.as_(&s.student)
            .post(format!("/api/v1/courses/{}/enroll", s.course))
            .expect(StatusCode::CREATED)
            .await;
        let url = url_of(&w, &s.student, &id).await;
        let got = w.anonymous().get(&url).expect(StatusCode::OK).await;
        assert_eq!(got.bytes(), b"notes");
        assert_eq!(
            got.header("content-disposition"),
            Some("attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt")
        );
        // A learner changes nothing.
        upload(
            &w,
            &s.student,
            &s.course,
            "x.txt",
            "text/plain",
            b"x".to_vec(),
        )
        .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
        .await;
        w.as_(&s.student)
            .delete(format!("/api/v1/files/{id}"))
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        // An instructor who does not teach the course neither.
        let other = w.user("acme", "other@acme.test", Role::Instructor).await;
        upload(&w, &other, &s.course, "x.txt", "text/plain", b"x".to_vec())
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
        assert_eq!(objects_of(&w, "acme").await, 1, "{}", w.label);
        // Without a token, nothing but a signed URL.
        w.anonymous()
            .at("acme")
            .get(format!("/api/v1/files/{id}"))
            .expect(StatusCode::UNAUTHORIZED)
            .await;
    }
}

#[tokio::test]
async fn oversized_uploads_are_refused_by_header_and_while_streaming_leaving_nothing() {
    for w in worlds().await {
        let s = school(&w, "acme", Plan::Pro).await;
        let max = FilePurpose::CourseCover.max_bytes() as usize;
        let cover = format!(
            "/api/v1/courses/{}/files?name=c.png&purpose=course_cover",
            s.course
        );
        // Announced too large: refused before a byte is read.
        w.as_(&s.teacher)
            .post(&cover)
            .body("image/png", png_of(10))
            .header("content-length", &(max + 1).to_string())
            .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "FILE_TOO_LARGE")
            .await;
        // Not announced: refused once the bytes pass the limit, the partial object removed.
        w.as_(&s.teacher)
            .post(&cover)
            .body("image/png", png_of(max + 1))
            .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "FILE_TOO_LARGE")
            .await;
        // Exactly the limit is taken.
        w.as_(&s.teacher)
            .post(&cover)
            .body("image/png", png_of(max))
            .expect(StatusCode::CREATED)
            .await;
        let listed = w
            .as_(&s.teacher)
            .get(format!("/api/v1/courses/{}/files", s.course))
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{}", w.label);
        assert_eq!(objects_of(&w, "acme").await, 1, "{}", w.label);
    }
}

#[tokio::test]
async fn a_files_content_must_be_of_its_declared_and_allowed_type() {
    for w in worlds().await {
        let s = school(&w, "acme", Plan::Pro).await;
        let refused = [
            ("image/jpeg", png_of(100), "FILE_TYPE_MISMATCH"),
            (
                "image/png",
                b"<html><script>alert(1)</script>".to_vec(),
                "FILE_TYPE_MISMATCH",
            ),
            (
                "application/pdf",
                b"just text".to_vec(),
                "FILE_TYPE_MISMATCH",
            ),
            ("text/plain", png_of(100), "FILE_TYPE_MISMATCH"),
            (
                "image/svg+xml",
                b"<svg onload=alert(1)/>".to_vec(),
                "FILE_TYPE_NOT_ALLOWED",
            ),
            ("text/html", b"<p>hi</p>".to_vec(), "FILE_TYPE_NOT_ALLOWED"),
            (
                "application/octet-stream",
                png_of(100),
                "FILE_TYPE_NOT_ALLOWED",
            ),
            ("image/png", Vec::new(), "FILE_EMPTY"),
        ];
        for (declared, bytes, code) in refused {
            upload(&w, &s.teacher, &s.course, "f", declared, bytes)
                .expect_error(StatusCode::UNPROCESSABLE_ENTITY, code)
                .await;
        }
        // A cover is an image: a PDF is not one, whatever it holds.
        w.as_(&s.teacher)
            .post(format!(
                "/api/v1/courses/{}/files?name=c.pdf&purpose=course_cover",
                s.course
            ))
            .body("application/pdf", b"%PDF-1.7\n".to_vec())
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "FILE_TYPE_NOT_ALLOWED")
            .await;
        w.as_(&s.teacher)
            .post(format!(
                "/api/v1/courses/{}/files?name=s&purpose=submission",
                s.course
            ))
            .body("image/png", png_of(100))
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_FILE_PURPOSE")
            .await;
        assert_eq!(objects_of(&w, "acme").await, 0, "{}", w.label);
        // A PDF course file is taken.
        upload(
            &w,
            &s.teacher,
            &s.course,
            "r.pdf",
            "application/pdf",
            b"%PDF-1.7\n%".to_vec(),
        )
        .expect(StatusCode::CREATED)
        .await;
    }
}

#[tokio::test]
async fn path_tricks_in_file_names_are_only_names() {
    for w in worlds().await {
        let s = school(&w, "acme", Plan::Pro).await;
        let tenant = w.tenant("acme").id().to_string();
        for (sent, kept) in [
            ("..%2F..%2F..%2Fetc%2Fpasswd", "passwd"),
            ("..%5C..%5Cboot.ini", "boot.ini"),
            ("%2E%2E", "file"),
            ("a%22%3B%20b%0D%0AX-Evil%3A%201.txt", "a\"; bX-Evil: 1.txt"),
        ] {
            let stored = upload(&w, &s.teacher, &s.course, sent, "text/plain", b"x".to_vec())
                .expect(StatusCode::CREATED)
                .await
                .json_value();
            assert_eq!(stored["name"], kept, "{}", w.label);
            let url = url_of(&w, &s.teacher, stored["id"].as_str().unwrap()).await;
            let got = w.anonymous().get(&url).expect(StatusCode::OK).await;
            let disposition = got.header("content-disposition").unwrap();
            assert_eq!(
                disposition,
                FileName::new(kept).content_disposition(false),
                "{}",
                w.label
            );
            assert!(!disposition.contains('\n') && !disposition.contains("/"));
        }
        // A NUL in the name is refused at the door.
        upload(
            &w,
            &s.teacher,
            &s.course,
            "a%00b",
            "text/plain",
            b"x".to_vec(),
        )
        .expect_error(StatusCode::BAD_REQUEST, "VALIDATION_FAILED")
        .await;
        // Every object is under the tenant's own key space, named by id only.
        let storage = w.state.files.as_deref().unwrap();
        assert_eq!(
            storage.count_under(&tenant).await.unwrap(),
            4,
            "{}",
            w.label
        );
        assert_eq!(storage.count_under("etc").await.unwrap(), 0);
    }
}

#[tokio::test]
async fn the_plans_storage_quota_is_enforced_and_shown() {
    for w in worlds().await {
        let s = school(&w, "acme", Plan::Free).await;
        let quota = Plan::Free.limits().max_storage_bytes.unwrap();
        // Files the tenant keeps already, counted against its quota.
        w.keep_stored("acme", &s.course, quota - 1_000).await;

        // Announced past the quota, and found past it while streaming.
        w.as_(&s.teacher)
            .post(format!("/api/v1/courses/{}/files?name=a.png", s.course))
            .body("image/png", png_of(10))
            .header("content-length", "2000")
            .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "STORAGE_QUOTA_EXCEEDED")
            .await;
        upload(
            &w,
            &s.teacher,
            &s.course,
            "b.png",
            "image/png",
            png_of(1_001),
        )
        .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "STORAGE_QUOTA_EXCEEDED")
        .await;
        assert_eq!(objects_of(&w, "acme").await, 0, "{}", w.label);
        // What fits is taken; then the quota is full.
        upload(
            &w,
            &s.teacher,
            &s.course,
            "c.png",
            "image/png",
            png_of(1_000),
        )
        .expect(StatusCode::CREATED)
        .await;
        upload(
            &w,
            &s.teacher,
            &s.course,
            "d.png",
            "image/png",
            png_of(PNG.len()),
        )
        .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "STORAGE_QUOTA_EXCEEDED")
        .await;
        let usage = w
            .as_(&s.admin)
            .get("/api/v1/tenant/usage")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(usage["storage_bytes"], json!(quota), "{}", w.label);
        assert_eq!(usage["max_storage_bytes"], json!(quota), "{}", w.label);
        w.as_(&s.teacher)
            .get("/api/v1/tenant/usage")
            .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
            .await;
    }
}

/// Uploads racing for the last room of the quota: on PostgreSQL each records its file holding
/// the tenant's quota, so they check and insert one after the other (READ COMMITTED would let
/// them all count the same usage); SQLite serialises them anyway.
#[tokio::test]
async fn concurrent_uploads_never_pass_the_quota_together() {
    for w in worlds().await {
        let s = school(&w, "acme", Plan::Free).await;
        let quota = Plan::Free.limits().max_storage_bytes.unwrap();
        w.keep_stored("acme", &s.course, quota - 1_000).await;
        // Eight files of 300 bytes for 1,000 bytes of room: three fit.
        let uploads = (0..8).map(|i| {
            upload(
                &w,
                &s.teacher,
                &s.course,
                &format!("{i}.png"),
                "image/png",
                png_of(300),
            )
            .send()
        });
        let replies = futures_util::future::join_all(uploads).await;
        let stored = replies
            .iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .count();
        assert_eq!(stored, 3, "{}", w.label);
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
        assert_eq!(objects_of(&w, "acme").await, 3, "{}", w.label);
        let usage = w
            .as_(&s.admin)
            .get("/api/v1/tenant/usage")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(usage["storage_bytes"], json!(quota - 100), "{}", w.label);
    }
}

#[tokio::test]
async fn lesson_images_naming_a_course_file_get_a_signed_url() {
    for w in worlds().await {
        let s = school(&w, "acme", Plan::Pro).await;
        let other = w
            .as_(&s.teacher)
            .post("/api/v1/courses")
            .json(&json!({"slug": "other", "title": "Other"}))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let mine = upload(&w, &s.teacher, &s.course, "d.png", "image/png", png_of(64))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let theirs = upload(&w, &s.teacher, &other, "o.png", "image/png", png_of(64))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let lesson = w
            .as_(&s.teacher)
            .post(format!("/api/v1/modules/{}/lessons", s.module))
            .json(&json!({"title": "Pictures", "kind": "text", "content": [
                {"type": "markdown", "markdown": "Look:"},
                {"type": "image", "media": format!("file:{mine}"), "alt": "mine"},
                {"type": "image", "media": format!("file:{theirs}"), "alt": "another course's"},
                {"type": "image", "media": "https://img.example/x.png", "alt": "elsewhere"},
            ]}))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        w.as_(&s.student)
            .post(format!("/api/v1/courses/{}/enroll", s.course))
            .expect(StatusCode::CREATED)
            .await;
        let shown = w
            .as_(&s.student)
            .get(format!("/api/v1/lessons/{lesson}"))
            .expect(StatusCode::OK)
            .await
            .json_value();
        let blocks: &Vec<Value> = shown["content"].as_array().unwrap();
        let url = blocks[1]["url"]
            .as_str()
            .expect("a URL for the course's file");
        assert!(
            blocks[2].get("url").is_none(),
            "{}: another course's file",
            w.label
        );
        assert!(blocks[3].get("url").is_none());
        let got = w.anonymous().get(url).expect(StatusCode::OK).await;
        assert_eq!(got.bytes(), png_of(64).as_slice());
    }
}

/// How many objects the tenant `slug` keeps under its brand prefix.
async fn brand_objects_of(w: &World, slug: &str) -> usize {
    let storage = w.state.files.as_deref().expect("storage opened");
    let prefix = format!("{}/branding", w.tenant(slug).id());
    storage.count_under(&prefix).await.unwrap()
}

/// Uploads `bytes` as the logo of `user`'s tenant, declared `content_type`.
fn upload_logo<'w>(
    w: &'w World,
    user: &User,
    content_type: &str,
    bytes: Vec<u8>,
) -> common::world::Call<'w> {
    w.as_(user)
        .put("/api/v1/tenant/logo?name=logo.png")
        .body(content_type, bytes)
}

/// The logo the tenant `slug`'s public profile names.
async fn profile_logo(w: &World, slug: &str) -> Value {
    w.anonymous()
        .get(format!("/t/{slug}/api/v1/tenant"))
        .expect(StatusCode::OK)
        .await
        .json_value()["logo"]
        .clone()
}

#[tokio::test]
async fn an_uploaded_logo_is_kept_under_its_tenant_served_to_anyone_and_replaced_whole() {
    for w in worlds().await {
        let a = school(&w, "alpha", Plan::Pro).await;
        let b = school(&w, "beta", Plan::Pro).await;
        let image = png_of(5_000);

        // Only the tenant's admins, only images whose content is of their declared type.
        for user in [&a.teacher, &a.student] {
            upload_logo(&w, user, "image/png", image.clone())
                .expect_error(StatusCode::FORBIDDEN, "PERMISSION_DENIED")
                .await;
        }
        upload_logo(&w, &a.admin, "application/pdf", b"%PDF-1.4\n".to_vec())
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "FILE_TYPE_NOT_ALLOWED")
            .await;
        upload_logo(&w, &a.admin, "image/png", b"<svg onload=alert(1)>".to_vec())
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "FILE_TYPE_MISMATCH")
            .await;
        upload_logo(&w, &a.admin, "image/png", png_of(2 * 1024 * 1024 + 1))
            .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "FILE_TOO_LARGE")
            .await;
        assert_eq!(brand_objects_of(&w, "alpha").await, 0, "{}", w.label);
        assert_eq!(profile_logo(&w, "alpha").await, Value::Null, "{}", w.label);

        let first = upload_logo(&w, &a.admin, "image/png", image.clone())
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        assert_eq!(first["purpose"], "branding", "{}", w.label);
        let first = first["id"].as_str().unwrap().to_owned();
        assert_eq!(brand_objects_of(&w, "alpha").await, 1, "{}", w.label);
        let address = format!("/t/alpha/api/v1/branding/{first}");
        assert_eq!(
            profile_logo(&w, "alpha").await,
            json!(address),
            "{}",
            w.label
        );
        // By host, the address has no path prefix.
        let by_host = w
            .anonymous()
            .get("/api/v1/tenant")
            .header("host", "alpha.lms.test")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(by_host["logo"], json!(format!("/api/v1/branding/{first}")));

        // Anyone reads it, without a sign-in or a signature, and may keep it.
        let got = w.anonymous().get(&address).expect(StatusCode::OK).await;
        assert_eq!(got.bytes(), image.as_slice(), "{}", w.label);
        assert_eq!(got.header("content-type"), Some("image/png"));
        assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(got.header("cache-control"), Some("public, max-age=86400"));
        // Not at another tenant, by path or by host.
        w.anonymous()
            .get(format!("/t/beta/api/v1/branding/{first}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        w.anonymous()
            .get(format!("/api/v1/branding/{first}"))
            .header("host", "beta.lms.test")
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        // Only brand images are served so: a course's file needs its signed URL.
        let course_file = upload(&w, &a.teacher, &a.course, "c.png", "image/png", png_of(100))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        w.anonymous()
            .get(format!("/t/alpha/api/v1/branding/{course_file}"))
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        // B's admin cannot change A's logo: B's token is refused at A.
        w.bearer(&b.admin.token)
            .at("alpha")
            .delete("/api/v1/tenant/logo")
            .expect_error(StatusCode::FORBIDDEN, "TENANT_MISMATCH")
            .await;

        // A second logo replaces the first, record and object.
        let second = upload_logo(&w, &a.admin, "image/png", png_of(6_000))
            .expect(StatusCode::CREATED)
            .await
            .json_value()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(brand_objects_of(&w, "alpha").await, 1, "{}", w.label);
        w.anonymous()
            .get(&address)
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        let settings = w
            .as_(&a.admin)
            .get("/api/v1/tenant/settings")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(settings["branding"]["logo_file"], json!(second));

        // Removed, the pages fall back to the logo address; removing again finds none.
        w.as_(&a.admin)
            .patch("/api/v1/tenant/settings")
            .json(&json!({"branding": {"logo_url": "https://cdn.alpha.test/logo.png"}}))
            .expect(StatusCode::OK)
            .await;
        assert_eq!(
            profile_logo(&w, "alpha").await,
            json!(format!("/t/alpha/api/v1/branding/{second}"))
        );
        w.as_(&a.admin)
            .delete("/api/v1/tenant/logo")
            .expect(StatusCode::NO_CONTENT)
            .await;
        assert_eq!(
            profile_logo(&w, "alpha").await,
            json!("https://cdn.alpha.test/logo.png"),
            "{}",
            w.label
        );
        assert_eq!(brand_objects_of(&w, "alpha").await, 0, "{}", w.label);
        w.as_(&a.admin)
            .delete("/api/v1/tenant/logo")
            .expect_error(StatusCode::NOT_FOUND, "NOT_FOUND")
            .await;
        // B's storage was never touched; the changes are audited and recorded.
        assert_eq!(brand_objects_of(&w, "beta").await, 0, "{}", w.label);
        let log = w
            .as_(&a.admin)
            .get("/api/v1/audit-log")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let settings_changes = log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "tenant.settings_changed")
            .count();
        assert_eq!(settings_changes, 4, "{}: {log}", w.label);
    }
}

#[tokio::test]
async fn an_uploaded_cover_is_given_as_an_address_in_the_apis_course_answers() {
    for w in worlds().await {
        let s = school(&w, "acme", Plan::Pro).await;
        let course_of = |reply: &Value| {
            reply["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == s.course.as_str())
                .cloned()
                .unwrap()
        };
        let catalog = w
            .as_(&s.student)
            .get("/api/v1/courses")
            .expect(StatusCode::OK)
            .await
            .json_value();
        assert_eq!(course_of(&catalog)["cover_url"], Value::Null, "{}", w.label);

        let cover = w
            .as_(&s.teacher)
            .post(format!(
                "/api/v1/courses/{}/files?name=c.png&purpose=course_cover",
                s.course
            ))
            .body("image/png", png_of(200))
            .expect(StatusCode::CREATED)
            .await
            .json_value();
        let cover = cover["id"].as_str().unwrap().to_owned();
        let catalog = w
            .as_(&s.student)
            .get("/api/v1/courses")
            .expect(StatusCode::OK)
            .await
            .json_value();
        let listed = course_of(&catalog);
        assert_eq!(listed["cover_image"], json!(format!("file:{cover}")));
        let address = listed["cover_url"].as_str().unwrap().to_owned();
        assert!(
            address.starts_with(&format!("/t/acme/api/v1/files/{cover}/content?expires=")),
            "{}: {address}",
            w.label
        );
        // The course's own answer names the same address, and keeps its entity tag.
        let shown = w
            .as_(&s.student)
            .get(format!("/api/v1/courses/{}", s.course))
            .expect(StatusCode::OK)
            .await;
        let tag = shown.header("etag").unwrap().to_owned();
        assert_eq!(
            shown.json_value()["cover_url"],
            json!(address),
            "{}",
            w.label
        );
        let again = w
            .as_(&s.student)
            .get(format!("/api/v1/courses/{}", s.course))
            .header("if-none-match", &tag)
            .send()
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{}", w.label);
        // It serves the image, to anyone holding it, and is this tenant's only.
        let got = w.anonymous().get(&address).expect(StatusCode::OK).await;
        assert_eq!(got.bytes(), png_of(200).as_slice(), "{}", w.label);
        w.anonymous()
            .get(address.replacen("/t/acme/", "/t/beta/", 1))
            .expect(StatusCode::NOT_FOUND)
            .await;
    }
}
