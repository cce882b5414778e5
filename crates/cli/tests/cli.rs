//! The `lyceum` binary on the embedded default, run as an operator would run it.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

fn lyceum(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lyceum"))
        .args(args)
        .current_dir(dir)
        .env_remove("LYCEUM_DATABASE_URL")
        .env("LYCEUM_LOG", "warn")
        .output()
        .expect("run lyceum")
}

fn tenant_list(dir: &Path) -> serde_json::Value {
    let list = lyceum(dir, &["tenant", "list", "--json"]);
    assert!(list.status.success(), "{}", stderr(&list));
    serde_json::from_slice(&list.stdout).unwrap()
}

fn slugs(tenants: &serde_json::Value) -> Vec<&str> {
    tenants
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn tenant_commands_create_list_show_and_refuse_bad_input_with_stable_codes() {
    let dir = tempfile::tempdir().unwrap();
    let created = lyceum(
        dir.path(),
        &[
            "tenant", "create", "acme", "--name", "Acme", "--plan", "pro",
        ],
    );
    assert!(created.status.success(), "{}", stderr(&created));

    for (args, code) in [
        (
            &["tenant", "create", "acme", "--name", "Again"][..],
            "TENANT_SLUG_TAKEN",
        ),
        (
            &["tenant", "create", "Bad_Slug", "--name", "x"][..],
            "INVALID_SLUG",
        ),
        (
            &["tenant", "create", "admin", "--name", "x"][..],
            "RESERVED_SLUG",
        ),
        (
            &[
                "tenant",
                "create",
                "other",
                "--name",
                "x",
                "--placement",
                "shard",
            ][..],
            "VALIDATION_FAILED",
        ),
        (
            &[
                "tenant",
                "create",
                "other",
                "--name",
                "x",
                "--placement",
                "schema",
            ][..],
            "PLACEMENT_UNSUPPORTED",
        ),
        (
            &["tenant", "create", "other", "--name", "x", "--plan", "gold"][..],
            "VALIDATION_FAILED",
        ),
        (&["tenant", "show", "nobody"][..], "TENANT_NOT_FOUND"),
    ] {
        let out = lyceum(dir.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(code), "{args:?}: {}", stderr(&out));
    }

    let tenants = tenant_list(dir.path());
    let slugs = slugs(&tenants);
    assert_eq!(slugs, ["acme"], "refused commands created nothing");
    assert_eq!(tenants[0]["placement"], "database");
    assert_eq!(tenants[0]["plan"], "pro");
    let files = std::fs::read_dir(dir.path().join("lyceum-data/tenants"))
        .unwrap()
        .count();
    assert_eq!(
        files, 1,
        "one SQLite file per tenant, none for refused ones"
    );

    let migrate = lyceum(dir.path(), &["migrate"]);
    assert!(migrate.status.success(), "{}", stderr(&migrate));
    assert!(String::from_utf8_lossy(&migrate.stdout).contains("0 changed, 0 failed"));
}

#[test]
fn unreachable_database_and_missing_owner_url_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let run = |vars: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_lyceum"));
        command.args(["tenant", "list"]).current_dir(dir.path());
        for (name, value) in vars {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let url = "postgres://lyceum@127.0.0.1:1/lyceum";
    let out = run(&[
        ("LYCEUM_DATABASE_URL", url),
        ("LYCEUM_MIGRATION_DATABASE_URL", url),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("DATABASE_UNAVAILABLE"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("Connection refused"),
        "{}",
        stderr(&out)
    );

    let out = Command::new(env!("CARGO_BIN_EXE_lyceum"))
        .args(["tenant", "list"])
        .current_dir(dir.path())
        .env("LYCEUM_DATABASE_URL", url)
        .env_remove("LYCEUM_MIGRATION_DATABASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("LYCEUM_MIGRATION_DATABASE_URL is required"),
        "{}",
        stderr(&out)
    );
}

fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.kill().ok();
    }
}

#[test]
fn demo_provisions_two_tenants_serves_and_shuts_down_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_lyceum"))
            .arg("demo")
            .current_dir(dir.path())
            .env_remove("LYCEUM_DATABASE_URL")
            .env("LYCEUM_BIND", format!("127.0.0.1:{port}"))
            .env("LYCEUM_LOG", "warn")
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let ready = loop {
        if let Some(response) = http_get(port, "/readyz") {
            break response;
        }
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(ready.contains("\"engine\":\"sqlite\""));

    let tenants = tenant_list(dir.path());
    let slugs = slugs(&tenants);
    assert_eq!(slugs, ["acme", "northwind"]);
    assert_eq!(
        tenants[0]["settings"]["branding"]["primary_color"],
        "#0B5FFF"
    );

    // A second server on the same data folder stops at once, with the reason; one in another
    // folder on the same address too, before it prints the demo's addresses or provisions.
    let other_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let second = Command::new(env!("CARGO_BIN_EXE_lyceum"))
        .arg("serve")
        .current_dir(dir.path())
        .env_remove("LYCEUM_DATABASE_URL")
        .env("LYCEUM_BIND", format!("127.0.0.1:{other_port}"))
        .env("LYCEUM_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("another lyceum server uses the data folder"),
        "{}",
        stderr(&second)
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let same_address = Command::new(env!("CARGO_BIN_EXE_lyceum"))
        .arg("demo")
        .current_dir(elsewhere.path())
        .env_remove("LYCEUM_DATABASE_URL")
        .env("LYCEUM_BIND", format!("127.0.0.1:{port}"))
        .env("LYCEUM_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(same_address.status.code(), Some(1));
    let said = stderr(&same_address);
    assert!(said.starts_with("error: cannot listen on"), "{said}");
    assert!(
        same_address.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&same_address.stdout)
    );
    assert!(tenant_list(elsewhere.path()).as_array().unwrap().is_empty());

    let status = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = server.0.wait().unwrap();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");
}

fn lyceum_with_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lyceum"))
        .args(args)
        .current_dir(dir)
        .env_remove("LYCEUM_DATABASE_URL")
        .env("LYCEUM_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run lyceum");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn platform_user_create_bootstraps_an_operator_once() {
    let dir = tempfile::tempdir().unwrap();
    let create = [
        "platform-user",
        "create",
        "ops@lyceum.example",
        "--password-stdin",
    ];
    let weak = lyceum_with_stdin(dir.path(), &create, "password\n");
    assert_eq!(weak.status.code(), Some(1));
    assert!(stderr(&weak).contains("WEAK_PASSWORD"), "{}", stderr(&weak));

    let made = lyceum_with_stdin(dir.path(), &create, "a long operator passphrase\n");
    assert!(made.status.success(), "{}", stderr(&made));
    let stdout = String::from_utf8_lossy(&made.stdout);
    assert!(
        stdout.contains("created platform user ops@lyceum.example"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("password"),
        "a given password is never echoed: {stdout}"
    );

    let again = lyceum_with_stdin(dir.path(), &create, "another long passphrase\n");
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("CONFLICT"), "{}", stderr(&again));

    let generated = lyceum(
        dir.path(),
        &["platform-user", "create", "second@lyceum.example"],
    );
    assert!(generated.status.success(), "{}", stderr(&generated));
    let stdout = String::from_utf8_lossy(&generated.stdout);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("a generated password is printed");
    assert!(password.len() >= 20, "{password}");

    let deactivated = lyceum(
        dir.path(),
        &["platform-user", "deactivate", "second@lyceum.example"],
    );
    assert!(deactivated.status.success(), "{}", stderr(&deactivated));
    let listed = lyceum(dir.path(), &["platform-user", "list", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let statuses: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["email"].as_str().unwrap(), u["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("ops@lyceum.example", "active"),
            ("second@lyceum.example", "deactivated")
        ]
    );
    let unknown = lyceum(
        dir.path(),
        &["platform-user", "reactivate", "nobody@x.test"],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("NOT_FOUND"),
        "{}",
        stderr(&unknown)
    );
}

/// `serve` under a shell's open-file limit.
fn serve_with_nofile(dir: &Path, limit: &str, connections: &str, port: u16) -> Child {
    Command::new("sh")
        .args(["-c", &format!("ulimit {limit} && exec \"$0\" serve")])
        .arg(env!("CARGO_BIN_EXE_lyceum"))
        .current_dir(dir)
        .env_remove("LYCEUM_DATABASE_URL")
        .env("LYCEUM_TENANT_CONNECTION_BUDGET", connections)
        .env("LYCEUM_BIND", format!("127.0.0.1:{port}"))
        .env("LYCEUM_LOG", "warn")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// A connection budget the process may never open files for: refused at start with a message
/// that says what to change. A low soft limit under a high hard one is raised instead, and
/// serves.
#[test]
fn serve_refuses_a_budget_the_open_file_limit_cannot_hold_and_raises_a_low_soft_limit() {
    let dir = tempfile::tempdir().unwrap();
    let free_port = || {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let refused = serve_with_nofile(dir.path(), "-n 512", "3000", free_port())
        .wait_with_output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    let message = stderr(&refused);
    assert!(
        message.contains("CONNECTION_BUDGET")
            && message.contains("9256 open files")
            && message.contains("LYCEUM_TENANT_CONNECTION_BUDGET"),
        "{message}"
    );

    let hard: u64 = String::from_utf8(
        Command::new("sh")
            .args(["-c", "ulimit -Hn"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap_or(u64::MAX);
    assert!(
        hard >= 12_500,
        "this test needs a hard open-file limit of at least 12,500 (ulimit -Hn), found {hard}"
    );
    let port = free_port();
    let mut server = Server(serve_with_nofile(dir.path(), "-Sn 512", "3000", port));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(response) = http_get(port, "/readyz") {
            assert!(response.starts_with("HTTP/1.1 200"), "{response}");
            break;
        }
        if let Some(exit) = server.0.try_wait().unwrap() {
            panic!("serve stopped ({exit:?}) instead of raising its soft limit");
        }
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Writes three audit entries into tenant `slug`'s log through the application layer, as the
/// server would: its first admin made, and two people invited.
fn audited_changes(dir: &Path, slug: &str) {
    use lyceum_app::identity::users::{self, NewPerson};
    use lyceum_app::identity::NewPassword;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = lyceum_store::StoreConfig::sqlite(dir.join("lyceum-data"));
        let store = lyceum_store::Store::open(config).await.unwrap();
        let tenant = lyceum_app::platform::tenant(&store, slug).await.unwrap();
        let mut tx = store.begin_write(&tenant).await.unwrap();
        let password = NewPassword::choose("a long passphrase".into())
            .await
            .unwrap();
        let admin = users::first_admin(
            &mut tx,
            tenant.plan,
            "a@x.test".into(),
            "A".into(),
            password,
        )
        .await
        .unwrap();
        for email in ["b@x.test", "c@x.test"] {
            let person = NewPerson {
                email: email.into(),
                display_name: email.into(),
                role: lyceum_domain::Role::Student,
                password: None,
            };
            users::create(&mut tx, &admin, person).await.unwrap();
        }
        tx.commit().await.unwrap();
        store.close().await;
    });
}

/// Runs `sql` on the one tenant file of the data folder, as someone with access to it would.
fn tamper(dir: &Path, sql: &str) {
    use sqlx::{Connection, Executor};
    let file = std::fs::read_dir(dir.join("lyceum-data/tenants"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|e| e == "sqlite"))
        .expect("a tenant file");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", file.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let done = conn.execute(sql).await.unwrap();
        assert_eq!(done.rows_affected(), 1, "{sql}");
        conn.close().await.unwrap();
    });
}

#[test]
fn audit_verify_names_the_entry_edited_in_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let created = lyceum(dir.path(), &["tenant", "create", "acme", "--name", "Acme"]);
    assert!(created.status.success(), "{}", stderr(&created));
    audited_changes(dir.path(), "acme");

    let intact = lyceum(dir.path(), &["audit", "verify"]);
    let out = String::from_utf8_lossy(&intact.stdout);
    assert!(intact.status.success(), "{out} {}", stderr(&intact));
    assert!(
        out.contains("\nacme: intact, 3 entries, newest entry 3 "),
        "{out}"
    );
    assert!(
        out.starts_with("platform: intact, 1 entry, newest entry 1 "),
        "tenant.create: {out}"
    );

    tamper(
        dir.path(),
        "UPDATE audit_log SET actor = 'someone@x.test' WHERE seq = 2",
    );
    let broken = lyceum(dir.path(), &["audit", "verify", "acme"]);
    let out = String::from_utf8_lossy(&broken.stdout);
    assert_eq!(broken.status.code(), Some(1), "{out}");
    assert!(out.contains("acme: BROKEN: entry 2 was edited"), "{out}");
    assert!(
        stderr(&broken).contains("AUDIT_CHAIN_BROKEN"),
        "{}",
        stderr(&broken)
    );

    let platform = lyceum(dir.path(), &["audit", "verify", "--platform"]);
    let out = String::from_utf8_lossy(&platform.stdout);
    assert!(platform.status.success(), "{out}");
    assert!(
        out.starts_with("platform: intact") && !out.contains("acme"),
        "{out}"
    );

    let unknown = lyceum(dir.path(), &["audit", "verify", "nobody"]);
    assert!(stderr(&unknown).contains("TENANT_NOT_FOUND"));
}

/// `lyceum <command>` serving on a free port, with `vars` set; answers once `/readyz` does,
/// with the port.
fn serving(dir: &Path, command: &str, vars: &[(&str, &str)]) -> (Server, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_lyceum"))
            .arg(command)
            .current_dir(dir)
            .env_remove("LYCEUM_DATABASE_URL")
            .env("LYCEUM_BIND", format!("127.0.0.1:{port}"))
            .env("LYCEUM_LOG", "warn")
            .envs(vars.iter().copied())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http_get(port, "/readyz").is_some_and(|r| r.starts_with("HTTP/1.1 200")) {
        assert!(Instant::now() < deadline, "{command} did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port)
}

/// Ends the process at once, as a crash would: no shutdown, nothing flushed.
fn kill_hard((mut server, _): (Server, u16)) {
    server.0.kill().unwrap();
    server.0.wait().unwrap();
}

fn json_of(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = lyceum(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The process dies (SIGKILL) after committing events and before delivering them, and after
/// queueing jobs and before running them: after a restart, the events are delivered and the
/// jobs run.
#[test]
fn events_and_jobs_committed_before_a_crash_are_done_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    // The demo's changes commit their events; with the worker off nothing delivers them.
    kill_hard(serving(dir.path(), "demo", &[("LYCEUM_WORKER", "off")]));
    let outbox = json_of(
        dir.path(),
        &["outbox", "status", "--tenant", "acme", "--json"],
    );
    let pending = outbox[0]["pending"].as_u64().unwrap();
    assert!(pending > 10, "the demo recorded events: {outbox}");
    assert!(
        outbox[0]["dispatch"].is_null(),
        "nothing dispatched yet: {outbox}"
    );

    let restarted = serving(dir.path(), "serve", &[("LYCEUM_WORKER_SWEEP_SECS", "1")]);
    eventually("delivery after the restart", || {
        let outbox = json_of(
            dir.path(),
            &["outbox", "status", "--tenant", "acme", "--json"],
        );
        outbox[0]["pending"] == 0 && outbox[0]["dispatch"]["delivered"] == pending
    });
    // Its sweep queued each tenant's housekeeping for later; the process dies again.
    let housekeeping = || {
        json_of(
            dir.path(),
            &[
                "jobs",
                "list",
                "--tenant",
                "acme",
                "--kind",
                "housekeeping",
                "--json",
            ],
        )
    };
    eventually("housekeeping queued", || {
        housekeeping()[0]["job"]["state"] == "queued"
    });
    kill_hard(restarted);
    let id = housekeeping()[0]["job"]["id"].as_str().unwrap().to_owned();
    let retried = lyceum(dir.path(), &["jobs", "retry", &id]);
    assert!(retried.status.success(), "{}", stderr(&retried));
    assert!(String::from_utf8_lossy(&retried.stdout).contains("is queued"));

    // This time the worker alone, which serves only the probes.
    let (worker, port) = serving(dir.path(), "worker", &[("LYCEUM_WORKER_SWEEP_SECS", "1")]);
    eventually("the job run after the restart", || {
        let jobs = json_of(dir.path(), &["jobs", "list", "--tenant", "acme", "--json"]);
        jobs.as_array()
            .unwrap()
            .iter()
            .any(|j| j["job"]["id"] == id.as_str() && j["job"]["state"] == "succeeded")
    });
    // Counted once its verdict is recorded.
    eventually("the worker's metrics", || {
        http_get(port, "/metrics").is_some_and(|metrics| {
            metrics.contains(r#"lyceum_jobs_run_total{kind="housekeeping",outcome="succeeded"} 1"#)
        })
    });
    let api = http_get(port, "/t/acme/api/v1/tenant").unwrap();
    assert!(
        api.starts_with("HTTP/1.1 404"),
        "the worker serves no API: {api}"
    );
    drop(worker);
    let cancelled = lyceum(dir.path(), &["jobs", "cancel", &id]);
    assert_eq!(cancelled.status.code(), Some(1));
    assert!(
        stderr(&cancelled).contains("JOB_STATE_CONFLICT"),
        "{}",
        stderr(&cancelled)
    );
}

#[test]
fn platform_user_set_password_recovers_an_operator_on_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let made = lyceum_with_stdin(
        dir.path(),
        &[
            "platform-user",
            "create",
            "ops@lyceum.example",
            "--password-stdin",
        ],
        "a long operator passphrase\n",
    );
    assert!(made.status.success(), "{}", stderr(&made));
    let set = [
        "platform-user",
        "set-password",
        "ops@lyceum.example",
        "--password-stdin",
    ];
    let weak = lyceum_with_stdin(dir.path(), &set, "password\n");
    assert_eq!(weak.status.code(), Some(1));
    assert!(stderr(&weak).contains("WEAK_PASSWORD"), "{}", stderr(&weak));

    let given = lyceum_with_stdin(dir.path(), &set, "a brand new operator passphrase\n");
    assert!(given.status.success(), "{}", stderr(&given));
    let stdout = String::from_utf8_lossy(&given.stdout);
    assert!(
        stdout.contains("set the password of platform user ops@lyceum.example"),
        "{stdout}"
    );
    assert!(!stdout.contains("passphrase"), "never echoed: {stdout}");

    let generated = lyceum(
        dir.path(),
        &["platform-user", "set-password", "ops@lyceum.example"],
    );
    assert!(generated.status.success(), "{}", stderr(&generated));
    let stdout = String::from_utf8_lossy(&generated.stdout);
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .expect("a generated password is printed");
    assert!(password.len() >= 20, "{password}");

    let unknown = lyceum(
        dir.path(),
        &["platform-user", "set-password", "nobody@x.test"],
    );
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        stderr(&unknown).contains("NOT_FOUND"),
        "{}",
        stderr(&unknown)
    );
}

/// One HTTP/1.1 request with a JSON body (and a bearer token); answers the status line and the
/// body.
fn http_json(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or_default();
    (
        head.lines().next().unwrap_or_default().to_owned(),
        body.to_owned(),
    )
}

/// `lyceum tenant create --admin-email` prints the invitation link the mail carries; the
/// worker of `lyceum serve` writes the mail; the admin follows it, chooses a password, signs
/// in and manages the organisation's people.
#[test]
fn tenant_create_invites_its_first_admin_who_gets_in_through_the_mail() {
    let dir = tempfile::tempdir().unwrap();
    let base = ("LYCEUM_MAIL_LINK_BASE", "https://lms.test");
    let bad = Command::new(env!("CARGO_BIN_EXE_lyceum"))
        .args([
            "tenant",
            "create",
            "acme",
            "--name",
            "Acme",
            "--admin-email",
            "not-an-address",
        ])
        .current_dir(dir.path())
        .env_remove("LYCEUM_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("INVALID_EMAIL"), "{}", stderr(&bad));
    assert_eq!(
        slugs(&tenant_list(dir.path())),
        Vec::<&str>::new(),
        "nothing made"
    );

    let created = Command::new(env!("CARGO_BIN_EXE_lyceum"))
        .args([
            "tenant",
            "create",
            "acme",
            "--name",
            "Acme",
            "--admin-email",
            "boss@acme.test",
            "--admin-name",
            "Boss",
        ])
        .current_dir(dir.path())
        .env_remove("LYCEUM_DATABASE_URL")
        .env("LYCEUM_LOG", "warn")
        .env(base.0, base.1)
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", stderr(&created));
    let out = String::from_utf8_lossy(&created.stdout).into_owned();
    let prefix = "invitation link: https://lms.test/t/acme/accept-invitation?token=";
    let printed = out
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no invitation link in {out}"))
        .to_owned();

    let server = serving(dir.path(), "serve", &[base]);
    let port = server.1;
    let outbox = dir.path().join("lyceum-data/mail/outbox/acme");
    let mut mailed = None;
    eventually("the invitation mail", || {
        let Ok(entries) = std::fs::read_dir(&outbox) else {
            return false;
        };
        let Some(file) = entries
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "eml"))
        else {
            return false;
        };
        mailed = Some(std::fs::read(file).unwrap());
        true
    });
    let raw = mailed.unwrap();
    let message = mail_parser::MessageParser::default()
        .parse(&raw[..])
        .unwrap();
    let to = message
        .to()
        .unwrap()
        .first()
        .unwrap()
        .address()
        .unwrap()
        .to_owned();
    assert_eq!(to, "boss@acme.test");
    let text = message.body_text(0).unwrap().into_owned();
    assert!(
        text.contains(&format!(
            "https://lms.test/t/acme/accept-invitation?token={printed}"
        )),
        "the mail carries the printed link: {text}"
    );

    let accept = format!(r#"{{"token": "{printed}", "password": "a brand new passphrase"}}"#);
    let (status, body) = http_json(
        port,
        "POST",
        "/t/acme/api/v1/auth/accept-invitation",
        None,
        &accept,
    );
    assert!(status.contains("200"), "{status} {body}");
    let login = r#"{"email": "boss@acme.test", "password": "a brand new passphrase"}"#;
    let (status, body) = http_json(port, "POST", "/t/acme/api/v1/auth/login", None, login);
    assert!(status.contains("200"), "{status} {body}");
    let token: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = token["access_token"].as_str().unwrap();
    let (status, body) = http_json(port, "GET", "/t/acme/api/v1/users", Some(token), "");
    assert!(
        status.contains("200"),
        "an admin lists the people: {status} {body}"
    );
    assert!(body.contains("boss@acme.test"), "{body}");
    drop(server);
}
