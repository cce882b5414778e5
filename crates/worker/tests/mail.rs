//! Mail sent by the worker, on both engines: written as `.eml` files that read back (headers,
//! both parts, the tenant's branding, the recipient's language), and sent to a real SMTP
//! server that the tests start (a small sink speaking enough SMTP, over TCP): a round trip with
//! credentials, a server down (retried, then sent once it is up, while the worker goes on with
//! other jobs), a server that refuses for good (dead at once) or stays silent (retried). What
//! people typed (names, titles) is escaped in HTML and cannot add a header.

use futures_util::future::BoxFuture;
use lyceum_app::identity::users::{self as people, NewPerson};
use lyceum_app::jobs::{JobFilter, Queueing};
use lyceum_app::platform::Operator;
use lyceum_app::Actor;
use lyceum_domain::mail::DigestEvery;
use lyceum_domain::{Email, Job, JobId, JobState, Locale, Origin, Plan, Role, SendMail, Slug};
use lyceum_store::repo::{jobs, users};
use lyceum_store::testing::{postgres_config, sqlite_config, TestGuard};
use lyceum_store::{NewTenant, Store, Tenant};
use lyceum_worker::mail::{MailConfig, MailTransport, SmtpConfig, SmtpTls};
use lyceum_worker::{JobContext, JobHandler, WorkError, Worker, WorkerConfig};
use mail_parser::{HeaderName, MessageParser};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// A display name with markup, a line break that would start a header, and (where the engine
/// stores it: PostgreSQL's text refuses it) a NUL.
fn hostile_name(engine: &str) -> &'static str {
    match engine {
        "sqlite" => "Zoé <b>Z</b>\r\nBcc: eve@evil.test\0 & co",
        _ => "Zoé <b>Z</b>\r\nBcc: eve@evil.test & co",
    }
}

struct Bed {
    label: &'static str,
    store: Store,
    tenant: Tenant,
    _guard: TestGuard,
}

/// A store per engine, each with a branded tenant.
async fn beds(slug: &str) -> Vec<Bed> {
    let mut beds = Vec::new();
    for (label, (config, guard)) in [
        ("sqlite", sqlite_config()),
        ("postgres", postgres_config().await),
    ] {
        let store = Store::open(config).await.unwrap();
        let mut new = NewTenant::new(Slug::parse(slug).unwrap(), "Acme Academy");
        new.settings = serde_json::json!({"branding": {
            "primary_color": "#0b5fff",
            "accent_color": "#ff8800",
            "logo_url": "https://cdn.acme.test/logo.png",
            "time_zone": "Europe/Paris"
        }});
        let tenant = store.provision(new).await.unwrap();
        beds.push(Bed {
            label,
            store,
            tenant,
            _guard: guard,
        });
    }
    beds
}

fn mail_config(transport: MailTransport) -> MailConfig {
    MailConfig {
        transport,
        from: "Lyceum <no-reply@lms.test>".to_owned(),
        link_base: "https://lms.test".to_owned(),
        remind_days: 0,
        digest: DigestEvery::Off,
    }
}

fn smtp(port: u16, timeout: Duration) -> MailTransport {
    MailTransport::Smtp(SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port,
        tls: SmtpTls::None,
        username: Some("lyceum".to_owned()),
        password: Some("s3cret".to_owned()),
        timeout,
    })
}

fn worker(store: &Store, transport: MailTransport) -> Worker {
    let config = WorkerConfig {
        job_lease: Duration::from_secs(30),
        ..WorkerConfig::default()
    };
    Worker::new(store.clone(), config)
        .send_mail(mail_config(transport))
        .unwrap()
}

/// Invites a person (an admin is made first): the invitation's mail is queued with it. The
/// person's language is French when asked.
async fn invite(bed: &Bed, email: &str, name: &str, french: bool) -> String {
    let mut tx = bed.store.begin_write(&bed.tenant).await.unwrap();
    let boss = users::NewUser {
        email: Email::parse(&format!("boss.{email}")).unwrap(),
        display_name: "Boss".to_owned(),
        role: Role::Admin,
        password_hash: Some("not a real hash".to_owned()),
    };
    let boss = users::insert(&mut tx, &boss).await.unwrap();
    let actor = Actor {
        user: boss.id,
        role: Role::Admin,
        plan: Plan::Enterprise,
        origin: Origin::default(),
    };
    let person = NewPerson {
        email: email.to_owned(),
        display_name: name.to_owned(),
        role: Role::Student,
        password: None,
    };
    let (user, invitation) = people::create(&mut tx, &actor, person).await.unwrap();
    if french {
        users::set_locale(&mut tx, user.id, Some(Locale::Fr))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    invitation.unwrap().token
}

async fn mail_jobs(bed: &Bed) -> Vec<jobs::JobRecord> {
    let mut tx = bed.store.begin(&bed.tenant).await.unwrap();
    let filter = JobFilter {
        state: None,
        kind: Some(SendMail::KIND.to_owned()),
    };
    let found = jobs::list(&mut tx, &filter, 100).await.unwrap();
    tx.commit().await.unwrap();
    found
}

/// Waits (20 ms at a time, 20 s at most) until `done` answers something.
async fn eventually<T>(what: &str, mut done: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = done().await {
            return found;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The first mail job once it is in `state`.
async fn mail_job_in(bed: &Bed, state: JobState) -> jobs::JobRecord {
    let what = format!("{}: a mail job {state}", bed.label);
    eventually(&what, async || {
        mail_jobs(bed).await.into_iter().find(|j| j.state == state)
    })
    .await
}

fn eml_files(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect()
}

/// What every delivered invitation shows: one recipient, the subject in the recipient's
/// language, both parts, the branding, the link with the token, and the hostile name inert.
fn check_invitation(label: &str, raw: &[u8], token: &str, french: bool) {
    let message = MessageParser::default()
        .parse(raw)
        .expect("a readable message");
    let subject = message.subject().unwrap();
    if french {
        assert_eq!(
            subject, "Vous êtes invité·e à rejoindre Acme Academy",
            "{label}"
        );
    } else {
        assert_eq!(subject, "You are invited to Acme Academy", "{label}");
    }
    let from = message.from().unwrap().first().unwrap();
    assert_eq!(from.address(), Some("no-reply@lms.test"));
    let to = message.to().unwrap();
    assert_eq!(to.iter().count(), 1, "{label}: one recipient");
    let headers = |name: HeaderName| message.headers().iter().filter(|h| h.name == name).count();
    assert_eq!(headers(HeaderName::To), 1, "{label}");
    assert_eq!(headers(HeaderName::Subject), 1, "{label}");
    assert_eq!(headers(HeaderName::Bcc), 0, "{label}: no header injected");
    assert_eq!(headers(HeaderName::Cc), 0, "{label}");
    let raw_text = String::from_utf8_lossy(raw);
    let head = raw_text.split("\r\n\r\n").next().unwrap();
    assert!(
        !head
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{label}: {head}"
    );
    assert!(
        head.contains("Content-Language: fr") == french,
        "{label}: {head}"
    );

    let link = format!(
        "https://lms.test/t/{}/accept-invitation?token={token}",
        "mail-test"
    );
    let text = message.body_text(0).unwrap();
    let html = message.body_html(0).unwrap();
    assert!(text.contains(&link), "{label}: {text}");
    assert!(html.contains(&link), "{label}: {html}");
    assert!(
        html.contains("#0b5fff") && html.contains("#ff8800"),
        "{label}"
    );
    assert!(html.contains("https://cdn.acme.test/logo.png"), "{label}");
    assert!(html.contains("Acme Academy"), "{label}");
    if french {
        assert!(
            html.contains("lang=\"fr\"") && text.contains("Bonjour"),
            "{label}"
        );
        // The expiry is worded in the tenant's time zone.
        assert!(text.contains("(Europe/Paris)"), "{label}: {text}");
    }
    // The hostile name: markup escaped, its NUL and line break gone, nothing else lost.
    assert!(!html.contains("<b>Z</b>"), "{label}");
    let escaped = "Zoé &#60;b&#62;Z&#60;/b&#62; Bcc: eve@evil.test &#38; co";
    assert!(html.contains(escaped), "{label}: {html}");
    assert!(
        text.contains("Zoé <b>Z</b> Bcc: eve@evil.test & co"),
        "{label}"
    );
    assert!(!raw.contains(&0), "{label}: no NUL anywhere");
}

#[tokio::test]
async fn the_file_transport_writes_a_readable_message_in_the_recipients_language_and_branding() {
    for bed in beds("mail-test").await {
        let folder = tempfile::tempdir().unwrap();
        let transport = MailTransport::File {
            folder: folder.path().to_owned(),
        };
        let running = worker(&bed.store, transport).start();
        let token = invite(&bed, "zoe@acme.test", hostile_name(bed.label), true).await;
        let job = mail_job_in(&bed, JobState::Succeeded).await;
        running.stop(Duration::from_secs(5)).await;

        let tenant_folder = folder.path().join("mail-test");
        let files = eml_files(&tenant_folder);
        assert_eq!(
            files,
            [tenant_folder.join(format!("{}.eml", job.id))],
            "{}",
            bed.label
        );
        let raw = std::fs::read(&files[0]).unwrap();
        check_invitation(bed.label, &raw, &token, true);
        let message = MessageParser::default().parse(&raw[..]).unwrap();
        let to = message.to().unwrap().first().unwrap();
        assert_eq!(to.address(), Some("zoe@acme.test"));
    }
}

/// One message an SMTP client handed over.
#[derive(Debug, Clone, Default)]
struct Delivery {
    auth: Option<String>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Manner {
    /// Takes every message.
    Accepting,
    /// Refuses every recipient for good (550).
    Refusing,
    /// Accepts connections and never says a word.
    Silent,
}

/// An SMTP server for the tests: greets, answers EHLO (offering AUTH PLAIN), AUTH, MAIL, RCPT,
/// DATA, RSET, NOOP and QUIT, and keeps what it was given.
struct Sink {
    port: u16,
    delivered: Arc<Mutex<Vec<Delivery>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Sink {
    async fn start(port: u16, manner: Manner) -> Sink {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let keep = delivered.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(converse(stream, manner, keep.clone()));
            }
        });
        Sink {
            port,
            delivered,
            task,
        }
    }

    fn delivered(&self) -> Vec<Delivery> {
        self.delivered.lock().unwrap().clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn converse(stream: TcpStream, manner: Manner, delivered: Arc<Mutex<Vec<Delivery>>>) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    if manner == Manner::Silent {
        let mut ignored = Vec::new();
        let _ = read.read_to_end(&mut ignored).await;
        return;
    }
    let mut say = async |line: &str| write.write_all(format!("{line}\r\n").as_bytes()).await;
    let _ = say("220 sink.test ESMTP").await;
    let mut current = Delivery::default();
    let mut auth = None;
    loop {
        let mut line = String::new();
        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" | "HELO" => "250-sink.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME",
            "AUTH" => {
                auth = Some(command.clone());
                "235 2.7.0 authenticated"
            }
            "MAIL" => {
                current = Delivery {
                    auth: auth.clone(),
                    from: command.clone(),
                    ..Delivery::default()
                };
                "250 2.1.0 ok"
            }
            "RCPT" if manner == Manner::Refusing => "550 5.1.1 no such mailbox here",
            "RCPT" => {
                current.to.push(command.clone());
                "250 2.1.5 ok"
            }
            "DATA" => {
                let _ = say("354 end with <CRLF>.<CRLF>").await;
                let mut data = Vec::new();
                loop {
                    let mut line = Vec::new();
                    if read.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    // Dot-stuffing undone.
                    let line = line.strip_prefix(b".").unwrap_or(&line);
                    data.extend_from_slice(line);
                }
                current.data = data;
                delivered.lock().unwrap().push(std::mem::take(&mut current));
                "250 2.0.0 queued"
            }
            "RSET" | "NOOP" => "250 2.0.0 ok",
            "QUIT" => {
                let _ = say("221 2.0.0 bye").await;
                return;
            }
            _ => "502 5.5.2 not implemented",
        };
        if say(answer).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn a_message_makes_the_round_trip_through_a_real_smtp_server_with_credentials() {
    for bed in beds("mail-test").await {
        let sink = Sink::start(0, Manner::Accepting).await;
        let running = worker(&bed.store, smtp(sink.port, Duration::from_secs(10))).start();
        let token = invite(&bed, "ada@acme.test", hostile_name(bed.label), false).await;
        mail_job_in(&bed, JobState::Succeeded).await;
        running.stop(Duration::from_secs(5)).await;

        let delivered = sink.delivered();
        assert_eq!(delivered.len(), 1, "{}", bed.label);
        let delivery = &delivered[0];
        assert_eq!(delivery.from, "MAIL FROM:<no-reply@lms.test>");
        assert_eq!(delivery.to, ["RCPT TO:<ada@acme.test>"]);
        // AUTH PLAIN carries "\0user\0password" in base64.
        assert_eq!(
            delivery.auth.as_deref(),
            Some("AUTH PLAIN AGx5Y2V1bQBzM2NyZXQ="),
            "{}",
            bed.label
        );
        check_invitation(bed.label, &delivery.data, &token, false);
    }
}

/// A job of another kind, to see the worker go on while mail fails.
#[derive(Debug, Serialize, Deserialize)]
struct Tick {}

impl Job for Tick {
    const KIND: &'static str = "test.tick";
}

#[derive(Clone, Default)]
struct Ticks(Arc<Mutex<u32>>);

impl JobHandler for Ticks {
    type Job = Tick;

    fn run<'a>(&'a self, _: &'a JobContext, _: Tick) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            *self.0.lock().unwrap() += 1;
            Ok(())
        })
    }
}

/// A port nothing listens on (bound, then let go).
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

async fn lock_account(bed: &Bed, email: &str) -> JobId {
    let mut tx = bed.store.begin_write(&bed.tenant).await.unwrap();
    let new = users::NewUser {
        email: Email::parse(email).unwrap(),
        display_name: "Locked Out".to_owned(),
        role: Role::Student,
        password_hash: Some("not a real hash".to_owned()),
    };
    let user = users::insert(&mut tx, &new).await.unwrap();
    let until = chrono::Utc::now() + chrono::Duration::minutes(15);
    lyceum_app::mail::account_locked(&mut tx, user.id, until)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    mail_jobs(bed).await[0].id
}

#[tokio::test]
async fn a_server_that_is_down_fails_the_attempt_the_worker_goes_on_and_a_retry_sends() {
    for bed in beds("mail-test").await {
        let port = closed_port().await;
        let ticks = Ticks::default();
        let running = worker(&bed.store, smtp(port, Duration::from_secs(5)))
            .handle(ticks.clone())
            .start();
        let job = lock_account(&bed, "kim@acme.test").await;
        let failed = eventually(bed.label, async || {
            mail_jobs(&bed)
                .await
                .into_iter()
                .find(|j| j.state == JobState::Queued && j.attempts == 1)
        })
        .await;
        assert_eq!(failed.id, job);
        let error = failed.last_error.clone().unwrap_or_default();
        assert!(
            error.contains(&format!("127.0.0.1:{port}")),
            "{}: {error}",
            bed.label
        );
        // Retried later, not at once (the kind's first backoff is 15 to 30 seconds).
        assert!(
            failed.run_at > chrono::Utc::now() + chrono::Duration::seconds(10),
            "{}",
            bed.label
        );

        // The worker goes on with other work meanwhile.
        let mut tx = bed.store.begin_write(&bed.tenant).await.unwrap();
        lyceum_app::jobs::enqueue(&mut tx, &Tick {}, Queueing::default())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        eventually(bed.label, async || {
            (*ticks.0.lock().unwrap() == 1).then_some(())
        })
        .await;

        // The server comes up; the retry (brought forward by an operator) sends.
        let sink = Sink::start(port, Manner::Accepting).await;
        let slug = Some(bed.tenant.slug.as_str());
        lyceum_app::jobs::retry(&bed.store, &Operator::Console, job, slug)
            .await
            .unwrap();
        let sent = mail_job_in(&bed, JobState::Succeeded).await;
        assert_eq!(sent.id, job);
        running.stop(Duration::from_secs(5)).await;
        let delivered = sink.delivered();
        assert_eq!(delivered.len(), 1, "{}", bed.label);
        let message = MessageParser::default()
            .parse(&delivered[0].data[..])
            .unwrap();
        assert_eq!(
            message.subject(),
            Some("Signing in to Acme Academy is paused")
        );
    }
}

#[tokio::test]
async fn a_permanent_refusal_makes_the_job_dead_at_once_and_a_silent_server_times_out() {
    for bed in beds("mail-test").await {
        let refusing = Sink::start(0, Manner::Refusing).await;
        let running = worker(&bed.store, smtp(refusing.port, Duration::from_secs(5))).start();
        let job = lock_account(&bed, "refused@acme.test").await;
        let dead = mail_job_in(&bed, JobState::Dead).await;
        running.stop(Duration::from_secs(5)).await;
        assert_eq!((dead.id, dead.attempts), (job, 1), "{}", bed.label);
        let error = dead.last_error.unwrap_or_default();
        assert!(error.contains("refused"), "{}: {error}", bed.label);
        assert!(refusing.delivered().is_empty());

        let silent = Sink::start(0, Manner::Silent).await;
        let running = worker(&bed.store, smtp(silent.port, Duration::from_millis(500))).start();
        lock_account(&bed, "waiting@acme.test").await;
        let waiting = eventually(bed.label, async || {
            mail_jobs(&bed)
                .await
                .into_iter()
                .find(|j| j.state == JobState::Queued && j.attempts == 1)
        })
        .await;
        running.stop(Duration::from_secs(5)).await;
        let error = waiting.last_error.unwrap_or_default();
        assert!(
            error.contains("did not take the message") || error.contains("timed out"),
            "{}: {error}",
            bed.label
        );
    }
}
