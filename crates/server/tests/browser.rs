//! The portal in a real browser: headless Chromium driven over WebDriver (`chromedriver`),
//! against a real server on a local port, on SQLite and on PostgreSQL. `scripts/test` installs
//! Debian's `chromium` and `chromium-driver` when they are missing; without them these tests
//! fail and say how to get them. Every page the journeys pass is audited with axe-core (vendored
//! in `fixtures/`): no serious or critical violation. A failing journey leaves a screenshot of
//! the page it was on in `target/browser-artifacts/`.

mod common;

use common::{school, PORTAL_PASSWORD};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use lyceum_server::{AppState, LocalServer, ServerConfig};
use lyceum_store::{testing, Store, StoreConfig};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

fn tool(variable: &str, default: &str) -> PathBuf {
    let path = PathBuf::from(std::env::var(variable).unwrap_or_else(|_| default.to_owned()));
    assert!(
        path.exists(),
        "{} not found: install Debian's chromium and chromium-driver (`apt-get install chromium \
         chromium-driver`, which scripts/test does when they are missing) or set {variable}",
        path.display()
    );
    path
}

/// A `chromedriver` on a free local port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
    profile: tempfile::TempDir,
}

impl Driver {
    async fn start() -> Driver {
        let driver = tool("LYCEUM_TEST_CHROMEDRIVER", "/usr/bin/chromedriver");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            profile: tempfile::tempdir().expect("a browser profile folder"),
        }
    }

    /// A fresh headless browser (its own profile: no cookies from another test).
    async fn browser(&self) -> Client {
        let chromium = tool("LYCEUM_TEST_CHROMIUM", "/usr/bin/chromium");
        let profile = tempfile::tempdir_in(self.profile.path()).expect("a profile");
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--window-size=1024,900".to_owned(),
            format!("--user-data-dir={}", profile.keep().display()),
        ];
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({"binary": chromium, "args": args}),
        );
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a browser session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

type Step = Result<(), String>;

/// axe-core, vendored for the tests (see `fixtures/README.md`).
const AXE: &str = include_str!("fixtures/axe-core/axe.min.js");

/// Runs axe-core on the page and fails on any serious or critical violation, naming the rule
/// and the elements.
async fn audit(browser: &Client, page: &str) -> Step {
    browser
        .execute(&format!("{AXE}\nreturn true;"), vec![])
        .await
        .map_err(fail("load axe"))?;
    let script = "const done = arguments[arguments.length - 1];\n\
        axe.run(document, {resultTypes: ['violations']})\n\
          .then(r => done(r.violations\n\
            .filter(v => v.impact === 'serious' || v.impact === 'critical')\n\
            .map(v => v.id + ': ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))\n\
          .catch(e => done(['axe failed: ' + e]));";
    let found = browser
        .execute_async(script, vec![])
        .await
        .map_err(fail("run axe"))?;
    let violations: Vec<String> = serde_json::from_value(found).map_err(|e| e.to_string())?;
    if violations.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "accessibility on {page}: {}",
            violations.join("; ")
        ))
    }
}

/// Runs a journey; on failure keeps a screenshot of the page and fails with the step's reason.
async fn journey(browser: &Client, name: &str, steps: impl std::future::Future<Output = Step>) {
    if let Err(reason) = steps.await {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts");
        let _ = std::fs::create_dir_all(&dir);
        let shot = dir.join(format!("{name}.png"));
        if let Ok(png) = browser.screenshot().await {
            let _ = std::fs::write(&shot, png);
        }
        let url = browser.current_url().await.map(|u| u.to_string());
        panic!(
            "{name}: {reason} (at {url:?}; screenshot {})",
            shot.display()
        );
    }
}

fn fail(what: &str) -> impl Fn(fantoccini::error::CmdError) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// The element, once the page shows it (a click's navigation may still be under way).
async fn element(
    browser: &Client,
    locator: Locator<'_>,
) -> Result<fantoccini::elements::Element, String> {
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(locator)
        .await
        .map_err(|e| format!("{locator:?}: {e}"))
}

async fn click_link(browser: &Client, text: &str) -> Step {
    let link = element(browser, Locator::LinkText(text)).await?;
    link.click().await.map_err(fail(text))
}

async fn press(browser: &Client, css: &str) -> Step {
    let button = element(browser, Locator::Css(css)).await?;
    button.click().await.map_err(fail(css))
}

async fn text_of(browser: &Client, css: &str) -> Result<String, String> {
    let found = element(browser, Locator::Css(css)).await?;
    found.text().await.map_err(fail(css))
}

/// Waits until the text of `css` on the page satisfies `wanted` (the page a click led to is
/// there: a page still leaving, or not yet loaded, only makes it wait longer).
async fn until(browser: &Client, css: &str, wanted: impl Fn(&str) -> bool) -> Result<(), String> {
    for _ in 0..150 {
        if let Ok(found) = browser.find(Locator::Css(css)).await {
            if found.text().await.is_ok_and(|t| wanted(&t)) {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = text_of(browser, css).await.unwrap_or_default();
    Err(format!("{css} still reads {seen:?}"))
}

/// Waits until the page's `main h1` reads `title`.
async fn arrive(browser: &Client, title: &str) -> Step {
    until(browser, "main h1", |t| t == title).await
}

async fn sign_in(browser: &Client, email: &str) -> Step {
    let form = browser
        .form(Locator::Css("form.stack"))
        .await
        .map_err(fail("form"))?;
    form.set_by_name("email", email)
        .await
        .map_err(fail("email"))?;
    form.set_by_name("password", PORTAL_PASSWORD)
        .await
        .map_err(fail("password"))?;
    form.submit().await.map_err(fail("submit"))?;
    // The answer is a redirect away from the sign-in page: wait for it, or the next `goto`
    // races the landing page and loses to it.
    for _ in 0..150 {
        if let Ok(url) = browser.current_url().await {
            if !url.path().ends_with("/sign-in") {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("{email} is still on the sign-in page"))
}

async fn header_colour(browser: &Client) -> Result<String, String> {
    let script = "return getComputedStyle(document.querySelector('header.site')).backgroundColor";
    let value = browser
        .execute(script, vec![])
        .await
        .map_err(fail("computed style"))?;
    Ok(value.as_str().unwrap_or_default().to_owned())
}

async fn learner_journey(config: StoreConfig, label: &str, driver: &Driver) {
    let store = Store::open(config).await.unwrap();
    let (_, course) = school(&store, "north", "#2e7d32", 2).await;
    school(&store, "south", "#c62828", 1).await;
    let state = AppState::new(store.clone(), ServerConfig::unthrottled());
    let server = LocalServer::start(state, Duration::from_secs(5))
        .await
        .unwrap();
    let base = format!("http://{}", server.address);
    let browser = driver.browser().await;
    let name = format!("learner-{}", label.replace('/', "-"));
    journey(&browser, &name, async {
        browser
            .goto(&format!("{base}/t/north/"))
            .await
            .map_err(fail("home"))?;
        audit(&browser, "catalog").await?;
        let north = header_colour(&browser).await?;
        if north != "rgb(46, 125, 50)" {
            return Err(format!("north's header is {north}, not its brand colour"));
        }
        click_link(&browser, "Basics <script>alert(1)</script>").await?;
        click_link(&browser, "Sign in to enroll").await?;
        arrive(&browser, "Sign in to north").await?;
        audit(&browser, "sign-in").await?;
        sign_in(&browser, "student@north.test").await?;
        // Back on the course page, now with the enroll button.
        audit(&browser, "course").await?;
        press(&browser, "form[action$='/enroll'] button").await?;
        let at = browser.current_url().await.map_err(fail("url"))?;
        if !at.path().contains(&format!("/courses/{course}")) {
            return Err(format!(
                "after signing in the learner was at {at}, not the course"
            ));
        }
        element(&browser, Locator::LinkText("Lesson 0")).await?;
        audit(&browser, "outline").await?;
        click_link(&browser, "Lesson 0").await?;
        arrive(&browser, "Lesson 0").await?;
        audit(&browser, "lesson").await?;
        press(&browser, "form.actions button").await?;
        arrive(&browser, "Lesson 1").await?;
        press(&browser, "form.actions button").await?;
        arrive(&browser, "Certificate of completion").await?;
        audit(&browser, "certificate").await?;
        let certificate = browser.current_url().await.map_err(fail("url"))?;
        click_link(&browser, "My learning").await?;
        arrive(&browser, "My learning").await?;
        audit(&browser, "dashboard").await?;
        click_link(&browser, "Activity").await?;
        arrive(&browser, "Recent activity").await?;
        audit(&browser, "activity").await?;

        // The learner reads the pages in French for a while, chosen on their account page.
        click_link(&browser, "My account").await?;
        arrive(&browser, "My account").await?;
        audit(&browser, "account").await?;
        let language = element(&browser, Locator::Css("#locale")).await?;
        language
            .select_by_value("fr")
            .await
            .map_err(fail("French"))?;
        press(&browser, "main form button").await?;
        arrive(&browser, "Mon compte").await?;
        audit(&browser, "account in French").await?;
        let language = element(&browser, Locator::Css("#locale")).await?;
        language
            .select_by_value("")
            .await
            .map_err(fail("no language"))?;
        press(&browser, "main form button").await?;
        arrive(&browser, "My account").await?;

        // Without the form's token (its cookie gone), a form is refused with a page.
        click_link(&browser, "Catalog").await?;
        arrive(&browser, "Courses at north").await?;
        browser
            .delete_cookie("lyceum_csrf")
            .await
            .map_err(fail("delete cookie"))?;
        press(&browser, "header form button").await?;
        let refused = text_of(&browser, "main p.refusal").await?;
        if !refused.contains("expired") {
            return Err(format!(
                "a form without its token was not refused: {refused:?}"
            ));
        }
        audit(&browser, "refusal").await?;
        // With a fresh token, signing out works, and the certificate stays public.
        press(&browser, "header form button").await?;
        element(&browser, Locator::LinkText("Sign in")).await?;
        browser
            .goto(certificate.as_str())
            .await
            .map_err(fail("certificate"))?;
        arrive(&browser, "Certificate of completion").await?;
        let learner = text_of(&browser, ".certificate .learner").await?;
        if learner != "student of north" {
            return Err(format!("the public certificate names {learner:?}"));
        }

        // Another tenant, another colour.
        browser
            .goto(&format!("{base}/t/south/"))
            .await
            .map_err(fail("south"))?;
        arrive(&browser, "Courses at south").await?;
        let south = header_colour(&browser).await?;
        if south == north || south != "rgb(198, 40, 40)" {
            return Err(format!("south's header is {south} (north's: {north})"));
        }

        // The learner forgot their password: a link by mail, a new password, signed in again.
        browser
            .goto(&format!("{base}/t/north/sign-in"))
            .await
            .map_err(fail("sign-in"))?;
        click_link(&browser, "Forgot your password?").await?;
        arrive(&browser, "Forgot your password?").await?;
        audit(&browser, "forgot password").await?;
        fill(&browser, "#email", "student@north.test").await?;
        press(&browser, "main form button").await?;
        until(&browser, "#forgot-sent", |t| t.contains("on its way")).await?;
        audit(&browser, "forgot password sent").await?;
        let token = reset_token(&store, "north").await?;
        browser
            .goto(&format!("{base}/t/north/reset-password?token={token}"))
            .await
            .map_err(fail("reset link"))?;
        arrive(&browser, "Choose a new password").await?;
        audit(&browser, "choose a new password").await?;
        fill(&browser, "#password", "a brand new passphrase").await?;
        press(&browser, "main form button").await?;
        until(&browser, "#password-reset", |t| {
            t.contains("password is changed")
        })
        .await?;
        audit(&browser, "signed out after a reset").await?;
        fill(&browser, "#email", "student@north.test").await?;
        fill(&browser, "#password", "a brand new passphrase").await?;
        press(&browser, "main form button").await?;
        arrive(&browser, "My learning").await?;

        // And changes it again from their account page.
        click_link(&browser, "My account").await?;
        click_link(&browser, "Change your password").await?;
        arrive(&browser, "Change password").await?;
        audit(&browser, "change password").await?;
        fill(&browser, "#current_password", "a brand new passphrase").await?;
        fill(&browser, "#new_password", "a third long passphrase").await?;
        press(&browser, "main form button").await?;
        until(&browser, "#password-changed", |t| {
            t.contains("password is changed")
        })
        .await?;
        audit(&browser, "password changed").await?;
        Ok(())
    })
    .await;
    browser.close().await.ok();
    server.stop().await.unwrap();
}

/// The token of the newest password reset mail queued at `slug` (the worker is not running:
/// the test reads the queue, as the mail would carry it).
async fn reset_token(store: &Store, slug: &str) -> Result<String, String> {
    use lyceum_domain::{Job, Mail, SendMail};
    let filter = lyceum_app::jobs::JobFilter {
        state: None,
        kind: Some(SendMail::KIND.to_owned()),
    };
    let found = lyceum_app::jobs::list(store, Some(slug), &filter, 10)
        .await
        .map_err(|e| format!("mail jobs: {e}"))?;
    found
        .into_iter()
        .find_map(|found| {
            let job: SendMail = serde_json::from_value(found.job.payload.0).ok()?;
            match job.mail {
                Mail::PasswordReset { token, .. } => Some(token.expose().to_owned()),
                _ => None,
            }
        })
        .ok_or_else(|| "no password reset mail was queued".to_owned())
}

#[tokio::test]
async fn a_learner_completes_a_course_in_a_real_browser_on_both_engines() {
    let driver = Driver::start().await;
    let (sqlite, _guard) = testing::sqlite_config();
    learner_journey(sqlite, "sqlite", &driver).await;
    let (postgres, _guard) = testing::postgres_config().await;
    learner_journey(postgres, "postgres", &driver).await;
}

async fn fill(browser: &Client, css: &str, value: &str) -> Step {
    let field = element(browser, Locator::Css(css)).await?;
    field.send_keys(value).await.map_err(fail(css))
}

async fn staff_journeys(config: StoreConfig, label: &str, driver: &Driver) {
    let store = Store::open(config).await.unwrap();
    school(&store, "east", "#00695c", 1).await;
    let password = lyceum_app::identity::NewPassword::choose(PORTAL_PASSWORD.to_owned());
    let email = lyceum_domain::Email::parse("ops@lyceum.test").unwrap();
    let console = lyceum_app::platform::Operator::Console;
    let password = password.await.unwrap();
    lyceum_app::platform::create_operator(&store, &console, &email, "Ops", &password)
        .await
        .unwrap();
    let second = lyceum_domain::Email::parse("second@lyceum.test").unwrap();
    lyceum_app::platform::create_operator(&store, &console, &second, "Second", &password)
        .await
        .unwrap();
    let state = AppState::new(store, ServerConfig::unthrottled());
    let server = LocalServer::start(state, Duration::from_secs(5))
        .await
        .unwrap();
    let base = format!("http://{}", server.address);

    // An instructor builds a course and publishes it.
    let teacher = driver.browser().await;
    let name = format!("instructor-{}", label.replace('/', "-"));
    journey(&teacher, &name, async {
        teacher
            .goto(&format!("{base}/t/east/sign-in"))
            .await
            .map_err(fail("sign-in"))?;
        sign_in(&teacher, "teacher@east.test").await?;
        click_link(&teacher, "Teaching").await?;
        arrive(&teacher, "Teaching").await?;
        audit(&teacher, "teaching").await?;
        click_link(&teacher, "New course").await?;
        arrive(&teacher, "New course").await?;
        audit(&teacher, "new course").await?;
        fill(&teacher, "#title", "Fire drills").await?;
        fill(&teacher, "#slug", "fire-drills").await?;
        press(&teacher, "form.stack button").await?;
        arrive(&teacher, "Fire drills").await?;
        audit(&teacher, "course builder").await?;
        fill(&teacher, "#module-title", "Before the alarm").await?;
        press(&teacher, "form[action$='/modules'] button").await?;
        until(&teacher, "section.module h2", |t| t == "Before the alarm").await?;
        press(&teacher, "details summary").await?;
        fill(&teacher, "details input[name=title]", "Exits").await?;
        fill(&teacher, "details textarea", "Know **two** ways out.").await?;
        press(&teacher, "details form button").await?;
        until(&teacher, "ol.lessons", |t| t.contains("Exits")).await?;
        press(&teacher, "form[action$='/publish'] button").await?;
        until(&teacher, "#status", |t| t == "published").await?;
        // Its details, its module's completion rule, a video lesson moved up, then deleted.
        click_link(&teacher, "Edit details, instructors and prerequisites").await?;
        arrive(&teacher, "Details, instructors and prerequisites").await?;
        audit(&teacher, "course details").await?;
        fill(&teacher, "#description", "What to do when the alarm rings.").await?;
        press(&teacher, "form[action$='/details'] button").await?;
        arrive(&teacher, "Fire drills").await?;
        press(&teacher, "section.module .actions-row a").await?;
        arrive(&teacher, "Edit the module").await?;
        audit(&teacher, "module").await?;
        press(&teacher, "#rule-at-least").await?;
        fill(&teacher, "#count", "1").await?;
        press(&teacher, "main form button").await?;
        until(&teacher, "section.module p.hint", |t| {
            t.contains("at least 1")
        })
        .await?;
        click_link(&teacher, "video").await?;
        arrive(&teacher, "New lesson in Before the alarm").await?;
        fill(&teacher, "#title", "Drill video").await?;
        fill(&teacher, "#b0-media", "https://cdn.example/drill.mp4").await?;
        fill(&teacher, "#b0-seconds", "60").await?;
        press(&teacher, "button[value=add-markdown]").await?;
        fill(&teacher, "#b1-markdown", "Watch it **twice**.").await?;
        audit(&teacher, "lesson editor").await?;
        press(&teacher, "button[value=save]").await?;
        until(&teacher, "ol.lessons", |t| t.contains("Drill video")).await?;
        press(&teacher, "ol.lessons li:nth-child(2) button[value=earlier]").await?;
        until(&teacher, "ol.lessons li:first-child a", |t| {
            t == "Drill video"
        })
        .await?;
        press(&teacher, "ol.lessons li:first-child a[href$='/delete']").await?;
        arrive(&teacher, "Delete the lesson “Drill video”?").await?;
        audit(&teacher, "confirm deletion").await?;
        press(&teacher, "main form button").await?;
        until(&teacher, "ol.lessons", |t| !t.contains("Drill video")).await?;
        // An image for the lessons, uploaded from the course's files page.
        click_link(&teacher, "Files and images").await?;
        arrive(&teacher, "Files of Fire drills").await?;
        audit(&teacher, "course files").await?;
        let folder = tempfile::tempdir().map_err(|e| e.to_string())?;
        let image = folder.path().join("exit-map.png");
        let png = [
            0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H',
        ];
        std::fs::write(&image, png).map_err(|e| e.to_string())?;
        element(&teacher, Locator::Css("#file-file"))
            .await?
            .send_keys(&image.display().to_string())
            .await
            .map_err(fail("choose the file"))?;
        press(&teacher, "form[aria-labelledby=upload] button").await?;
        until(&teacher, "main table", |t| t.contains("exit-map.png")).await?;
        audit(&teacher, "course files with a file").await?;
        // The course's gradebook and its grade categories.
        click_link(&teacher, "Back to the course").await?;
        arrive(&teacher, "Fire drills").await?;
        click_link(&teacher, "Gradebook").await?;
        arrive(&teacher, "Gradebook: Fire drills").await?;
        audit(&teacher, "gradebook").await?;
        click_link(&teacher, "Grade categories and settings").await?;
        arrive(&teacher, "Grade categories: Fire drills").await?;
        audit(&teacher, "grade categories").await?;
        fill(&teacher, "#new-name", "Drills").await?;
        fill(&teacher, "#new-weight", "40").await?;
        press(&teacher, "form[aria-labelledby=add-category] button").await?;
        until(&teacher, "section.module h2", |t| t == "Drills").await?;
        audit(&teacher, "grade categories with one").await
    })
    .await;
    teacher.close().await.ok();

    // An admin invites a person, sees it in the audit log, and the person accepts through the
    // link and is signed in.
    let admin = driver.browser().await;
    let name = format!("admin-{}", label.replace('/', "-"));
    journey(&admin, &name, async {
        admin
            .goto(&format!("{base}/t/east/sign-in"))
            .await
            .map_err(fail("sign-in"))?;
        sign_in(&admin, "admin@east.test").await?;
        click_link(&admin, "People").await?;
        arrive(&admin, "People").await?;
        audit(&admin, "people").await?;
        fill(&admin, "#invite-email", "omar@east.test").await?;
        fill(&admin, "#invite-name", "Omar").await?;
        press(&admin, "form[aria-labelledby=invite] button").await?;
        let link = text_of(&admin, "#invitation-link").await?;
        // The people filtered by role, then gathered in a group.
        admin
            .find(Locator::Css("#role-filter option[value=instructor]"))
            .await
            .map_err(fail("role filter"))?
            .click()
            .await
            .map_err(fail("role filter"))?;
        press(&admin, "form.search button").await?;
        until(&admin, "table tbody", |t| {
            t.contains("teacher@east.test") && !t.contains("omar@east.test")
        })
        .await?;
        click_link(&admin, "Groups").await?;
        arrive(&admin, "Groups").await?;
        audit(&admin, "groups").await?;
        fill(&admin, "#group-name", "Night shift").await?;
        press(&admin, "form[aria-labelledby=new-group] button").await?;
        arrive(&admin, "Night shift").await?;
        fill(&admin, "#member-email", "student@east.test").await?;
        press(&admin, "form[aria-labelledby=add-member] button").await?;
        until(&admin, "table tbody", |t| t.contains("student@east.test")).await?;
        audit(&admin, "group").await?;
        element(&admin, Locator::Css("#group-name"))
            .await?
            .clear()
            .await
            .map_err(fail("group name"))?;
        fill(&admin, "#group-name", "Night crew").await?;
        press(&admin, "form[aria-labelledby=rename-group] button").await?;
        arrive(&admin, "Night crew").await?;
        click_link(&admin, "Audit log").await?;
        arrive(&admin, "Audit log").await?;
        audit(&admin, "tenant audit log").await?;
        until(&admin, "table tbody", |t| t.contains("user.invited")).await?;
        press(&admin, "header form button").await?;
        element(&admin, Locator::LinkText("Sign in")).await?;
        admin.goto(&link).await.map_err(fail("invitation link"))?;
        arrive(&admin, "Join east").await?;
        audit(&admin, "accept invitation").await?;
        fill(&admin, "#password", "omar's long password").await?;
        press(&admin, "form.stack button").await?;
        arrive(&admin, "My learning").await?;
        let who = text_of(&admin, "header .who").await?;
        if who != "(Omar)" {
            return Err(format!("signed in as {who:?}, not Omar"));
        }
        Ok(())
    })
    .await;
    admin.close().await.ok();

    // An operator suspends the tenant: its portal then refuses to sign anyone in.
    let operator = driver.browser().await;
    let name = format!("operator-{}", label.replace('/', "-"));
    journey(&operator, &name, async {
        operator
            .goto(&format!("{base}/platform/sign-in"))
            .await
            .map_err(fail("console"))?;
        audit(&operator, "console sign-in").await?;
        fill(&operator, "#email", "ops@lyceum.test").await?;
        fill(&operator, "#password", PORTAL_PASSWORD).await?;
        press(&operator, "form.stack button").await?;
        arrive(&operator, "Tenants").await?;
        audit(&operator, "tenants").await?;
        press(&operator, "form[action$='/east/suspend'] button").await?;
        element(
            &operator,
            Locator::Css("form[action$='/east/resume'] button"),
        )
        .await?;
        // Another operator given a password reset: the link, shown once, leads to its page.
        click_link(&operator, "Operators").await?;
        arrive(&operator, "Platform operators").await?;
        audit(&operator, "operators").await?;
        press(
            &operator,
            "tbody tr:last-child form[action$='/password-reset'] button",
        )
        .await?;
        let link = element(&operator, Locator::Css("#reset-link"))
            .await?
            .attr("href")
            .await
            .map_err(fail("reset link"))?
            .ok_or("the reset link has no address")?;
        audit(&operator, "reset given").await?;
        click_link(&operator, "Audit log").await?;
        arrive(&operator, "Audit log").await?;
        audit(&operator, "audit log").await?;
        until(&operator, "table tbody", |t| {
            t.contains("platform_user.password_reset_sent")
        })
        .await?;
        operator
            .goto(&format!("{base}{link}"))
            .await
            .map_err(fail("reset page"))?;
        arrive(&operator, "Choose a new password").await?;
        audit(&operator, "operator reset").await?;
        fill(&operator, "#new_password", "second's new passphrase").await?;
        press(&operator, "form.stack button").await?;
        element(&operator, Locator::Css("#password-reset")).await?;
        operator
            .goto(&format!("{base}/t/east/sign-in"))
            .await
            .map_err(fail("suspended portal"))?;
        let said = text_of(&operator, "main p").await?;
        if !said.contains("suspended") {
            return Err(format!("a suspended tenant's portal said {said:?}"));
        }
        Ok(())
    })
    .await;
    operator.close().await.ok();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn staff_and_operators_work_in_a_real_browser_on_both_engines() {
    let driver = Driver::start().await;
    let (sqlite, _guard) = testing::sqlite_config();
    staff_journeys(sqlite, "sqlite", &driver).await;
    let (postgres, _guard) = testing::postgres_config().await;
    staff_journeys(postgres, "postgres", &driver).await;
}

/// A school `west` whose course also holds an assignment lesson (a rubric of two criteria worth
/// 9 points, a text answer), its student enrolled. Answers the course's id.
async fn assignment_school(store: &Store) -> String {
    use lyceum_app::assessments::{self, assignments, AssessmentInput};
    use lyceum_app::learning::content::{self, LessonInput};
    use lyceum_domain::assessment::{AssessmentKind, AssessmentRules, AssignmentSettings};
    use lyceum_domain::{CourseId, Email, LessonKind};
    let (tenant, course) = school(store, "west", "#1565c0", 1).await;
    let course: CourseId = course.parse().unwrap();
    let mut tx = store.begin_write(&tenant).await.unwrap();
    let person = |email: &str| Email::parse(email).unwrap();
    let teacher = lyceum_store::repo::users::by_email(&mut tx, &person("teacher@west.test"))
        .await
        .unwrap()
        .unwrap();
    let student = lyceum_store::repo::users::by_email(&mut tx, &person("student@west.test"))
        .await
        .unwrap()
        .unwrap();
    let actor = lyceum_app::Actor {
        user: teacher.id,
        role: teacher.role,
        plan: tenant.plan,
        origin: lyceum_domain::Origin::default(),
    };
    let input = AssessmentInput {
        kind: AssessmentKind::Assignment,
        title: "Essay".into(),
        instructions: String::new(),
        rules: AssessmentRules::default(),
        draws: Vec::new(),
    };
    let assessment = assessments::create(&mut tx, &actor, course, input)
        .await
        .unwrap();
    let settings: AssignmentSettings = serde_json::from_value(serde_json::json!({
        "prompt": "Write about **fire safety**.",
        "rubric": [
            {"id": "clarity", "title": "Clarity", "levels": [
                {"id": "poor", "title": "Poor", "points": 0},
                {"id": "great", "title": "Great", "points": 5}
            ]},
            {"id": "sources", "title": "Sources", "levels": [
                {"id": "none", "title": "None", "points": 0},
                {"id": "some", "title": "Some", "points": 2},
                {"id": "many", "title": "Many", "points": 4}
            ]}
        ],
        "artifacts": {"text": {"max_chars": 5000}, "link": true}
    }))
    .unwrap();
    assignments::set_settings(&mut tx, &actor, assessment.id, &settings)
        .await
        .unwrap();
    let module = content::add_module(&mut tx, &actor, course, "Module two", None)
        .await
        .unwrap();
    let lesson = LessonInput {
        title: "Essay lesson".into(),
        kind: LessonKind::Assignment,
        content: serde_json::json!([
            {"type": "markdown", "markdown": "Hand in your essay."},
            {"type": "assessment", "assessment_id": assessment.id}
        ]),
        duration_seconds: None,
        release_rule: None,
    };
    let draft = lesson.draft().await.unwrap();
    content::add_lesson(&mut tx, &actor, module.id, &draft)
        .await
        .unwrap();
    lyceum_store::repo::enrollments::enroll(&mut tx, course, student.id, None, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    course.to_string()
}

async fn assignment_journey(config: StoreConfig, label: &str, driver: &Driver) {
    let store = Store::open(config).await.unwrap();
    let course = assignment_school(&store).await;
    let state = AppState::new(store, ServerConfig::unthrottled());
    let server = LocalServer::start(state, Duration::from_secs(5))
        .await
        .unwrap();
    let base = format!("http://{}", server.address);
    let student = driver.browser().await;
    let teacher = driver.browser().await;
    let name = format!("assignment-{}", label.replace('/', "-"));
    journey(&student, &name, async {
        // The learner opens the assignment from its lesson, writes a draft and hands it in.
        student
            .goto(&format!("{base}/t/west/sign-in"))
            .await
            .map_err(fail("sign-in"))?;
        sign_in(&student, "student@west.test").await?;
        arrive(&student, "My learning").await?;
        student
            .goto(&format!("{base}/t/west/learn/courses/{course}"))
            .await
            .map_err(fail("outline"))?;
        click_link(&student, "Essay lesson").await?;
        arrive(&student, "Essay lesson").await?;
        audit(&student, "assignment lesson").await?;
        click_link(&student, "Open the assignment").await?;
        arrive(&student, "Essay").await?;
        audit(&student, "assignment").await?;
        fill(&student, "#draft-text", "Keep the exits clear.").await?;
        press(&student, "form[action$='/draft'] button").await?;
        until(&student, "#version-1", |t| t.contains("draft")).await?;
        press(&student, "form[action$='/submit'] button").await?;
        until(&student, "#version-1", |t| t.contains("handed in")).await?;
        audit(&student, "assignment handed in").await?;
        Ok(())
    })
    .await;
    journey(&teacher, &format!("{name}-grader"), async {
        // The instructor finds it in the grading queue, grades it per criterion and releases it.
        teacher
            .goto(&format!("{base}/t/west/sign-in"))
            .await
            .map_err(fail("sign-in"))?;
        sign_in(&teacher, "teacher@west.test").await?;
        teacher
            .goto(&format!("{base}/t/west/teach/courses/{course}"))
            .await
            .map_err(fail("builder"))?;
        click_link(&teacher, "Grading").await?;
        arrive(&teacher, "Grading: Basics <script>alert(1)</script>").await?;
        audit(&teacher, "grading queue").await?;
        click_link(&teacher, "student of west").await?;
        arrive(&teacher, "student of west: Essay").await?;
        audit(&teacher, "grading page").await?;
        press(&teacher, "input[name='level-clarity'][value='great']").await?;
        press(&teacher, "input[name='level-sources'][value='some']").await?;
        fill(&teacher, "#feedback-clarity", "Clear and to the point.").await?;
        press(&teacher, "form[action$='/grade'] button").await?;
        until(&teacher, "main p strong", |t| t.contains("7 of 9")).await?;
        press(&teacher, "form[action$='/release'] button").await?;
        until(&teacher, "main", |t| t.contains("released")).await?;
        audit(&teacher, "grade released").await?;
        // From the grading page: the assignment's editor, then the rubric averages.
        click_link(&teacher, "Back to grading").await?;
        arrive(&teacher, "Grading: Basics <script>alert(1)</script>").await?;
        press(&teacher, "section a[href*='/teach/assignments/']").await?;
        arrive(&teacher, "Edit the assignment: Essay").await?;
        until(&teacher, "#c0-title", |_| true).await?;
        audit(&teacher, "assignment editor").await?;
        click_link(&teacher, "Back to grading").await?;
        arrive(&teacher, "Grading: Basics <script>alert(1)</script>").await?;
        click_link(&teacher, "Rubric averages").await?;
        arrive(
            &teacher,
            "Rubric averages: Basics <script>alert(1)</script>",
        )
        .await?;
        until(&teacher, "main table", |t| t.contains("5 of 5")).await?;
        audit(&teacher, "rubric averages").await?;
        Ok(())
    })
    .await;
    journey(&student, &format!("{name}-grade"), async {
        // The learner sees the released grade and each criterion's feedback.
        student.refresh().await.map_err(fail("refresh"))?;
        until(&student, "#versions ~ section", |t| {
            t.contains("7 of 9 points") && t.contains("Clear and to the point.")
        })
        .await?;
        audit(&student, "released grade").await?;
        Ok(())
    })
    .await;
    student.close().await.ok();
    teacher.close().await.ok();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn an_assignment_is_handed_in_graded_and_released_in_a_real_browser_on_both_engines() {
    let driver = Driver::start().await;
    let (sqlite, _guard) = testing::sqlite_config();
    assignment_journey(sqlite, "sqlite", &driver).await;
    let (postgres, _guard) = testing::postgres_config().await;
    assignment_journey(postgres, "postgres", &driver).await;
}

/// An instructor writes a quiz of two questions and links it from a quiz lesson; a learner
/// takes it, submits, and sees their score and the review.
async fn quiz_journey(config: StoreConfig, label: &str, driver: &Driver) {
    let store = Store::open(config).await.unwrap();
    let (tenant, course) = school(&store, "west", "#1565c0", 1).await;
    let state = AppState::new(store.clone(), ServerConfig::unthrottled());
    let server = LocalServer::start(state, Duration::from_secs(5))
        .await
        .unwrap();
    let base = format!("http://{}", server.address);
    let title = "Basics <script>alert(1)</script>";

    let teacher = driver.browser().await;
    let name = format!("quiz-author-{}", label.replace('/', "-"));
    journey(&teacher, &name, async {
        teacher
            .goto(&format!("{base}/t/west/sign-in"))
            .await
            .map_err(fail("sign-in"))?;
        sign_in(&teacher, "teacher@west.test").await?;
        click_link(&teacher, "Teaching").await?;
        click_link(&teacher, title).await?;
        arrive(&teacher, title).await?;
        click_link(&teacher, "Quizzes and exams").await?;
        arrive(&teacher, &format!("Assessments of {title}")).await?;
        audit(&teacher, "assessments").await?;
        fill(&teacher, "#title", "Safety check").await?;
        press(&teacher, "form[action$='/assessments'] button").await?;
        arrive(&teacher, "Safety check").await?;
        audit(&teacher, "assessment").await?;
        let at = teacher.current_url().await.map_err(fail("url"))?;
        let quiz = at.path().rsplit('/').next().unwrap_or_default().to_owned();
        click_link(&teacher, "Single choice").await?;
        arrive(&teacher, "New question Single choice").await?;
        audit(&teacher, "question form").await?;
        fill(&teacher, "#prompt", "Which way out?").await?;
        fill(&teacher, "#option-0", "Left").await?;
        fill(&teacher, "#option-1", "Right").await?;
        press(&teacher, "#correct-1").await?;
        press(&teacher, "main form button[type=submit]").await?;
        until(&teacher, "ol.questions", |t| t.contains("Which way out?")).await?;
        click_link(&teacher, "True or false").await?;
        fill(&teacher, "#prompt", "Fire doors stay shut.").await?;
        press(&teacher, "#truth-true").await?;
        press(&teacher, "main form button[type=submit]").await?;
        until(&teacher, "ol.questions", |t| t.contains("Fire doors")).await?;
        audit(&teacher, "assessment with questions").await?;
        // A bank of the course, and one question of it drawn by each attempt.
        click_link(&teacher, "The course's question banks").await?;
        arrive(&teacher, &format!("Question banks of {title}")).await?;
        audit(&teacher, "question banks").await?;
        fill(&teacher, "#title", "Exits").await?;
        press(&teacher, "form[action$='/question-banks'] button").await?;
        arrive(&teacher, "Exits").await?;
        let at = teacher.current_url().await.map_err(fail("url"))?;
        let bank = at.path().rsplit('/').next().unwrap_or_default().to_owned();
        click_link(&teacher, "Short answer").await?;
        arrive(&teacher, "New question Short answer").await?;
        fill(&teacher, "#prompt", "Name an exit.").await?;
        fill(&teacher, "#answers", "Stairs").await?;
        press(&teacher, "main form button[type=submit]").await?;
        until(&teacher, "ol.questions", |t| t.contains("Name an exit.")).await?;
        audit(&teacher, "question bank").await?;
        teacher
            .goto(&format!("{base}/t/west/teach/assessments/{quiz}"))
            .await
            .map_err(fail("assessment"))?;
        fill(&teacher, &format!("#draw-{bank}"), "1").await?;
        press(&teacher, "form[action$='/draws'] button").await?;
        until(&teacher, "ul.draws", |t| {
            t.contains("One random question from the bank “Exits”")
        })
        .await?;
        audit(&teacher, "assessment with draws").await?;
        teacher
            .goto(&format!("{base}/t/west/teach/courses/{course}"))
            .await
            .map_err(fail("builder"))?;
        click_link(&teacher, "quiz").await?;
        arrive(&teacher, "New lesson in Module one").await?;
        fill(&teacher, "#title", "Check").await?;
        element(&teacher, Locator::Css("#assessment"))
            .await?
            .select_by_value(&quiz)
            .await
            .map_err(fail("choose the quiz"))?;
        audit(&teacher, "quiz lesson editor").await?;
        press(&teacher, "button[value=save]").await?;
        until(&teacher, "ol.lessons", |t| t.contains("Check")).await
    })
    .await;
    teacher.close().await.ok();

    let learner = driver.browser().await;
    let name = format!("quiz-taker-{}", label.replace('/', "-"));
    journey(&learner, &name, async {
        learner
            .goto(&format!("{base}/t/west/sign-in"))
            .await
            .map_err(fail("sign-in"))?;
        sign_in(&learner, "student@west.test").await?;
        learner
            .goto(&format!("{base}/t/west/courses/{course}"))
            .await
            .map_err(fail("course"))?;
        press(&learner, "form[action$='/enroll'] button").await?;
        click_link(&learner, "Check").await?;
        arrive(&learner, "Check").await?;
        audit(&learner, "quiz lesson").await?;
        press(&learner, "form[action$='/attempts'] button").await?;
        arrive(&learner, "Safety check").await?;
        until(&learner, "main form", |t| t.contains("Name an exit.")).await?;
        audit(&learner, "attempt").await?;
        press(&learner, "input[type=radio][value=o2]").await?;
        press(&learner, "input[type=radio][value=true]").await?;
        press(&learner, "button[value=save]").await?;
        until(&learner, "p.notice", |t| t.contains("saved")).await?;
        press(&learner, "input[name=confirm]").await?;
        press(&learner, "button[value=submit]").await?;
        // The drawn question is left unanswered.
        until(&learner, "#score", |t| t.contains("2 of 3")).await?;
        until(&learner, "#passed", |t| t == "Passed").await?;
        audit(&learner, "result").await?;
        // A second attempt whose deadline is near: the page counts down, warns, and hands
        // in the answers typed (not saved) when time runs out, without a click on submit.
        learner
            .goto(&format!("{base}/t/west/learn/courses/{course}"))
            .await
            .map_err(fail("outline"))?;
        click_link(&learner, "Check").await?;
        arrive(&learner, "Check").await?;
        press(&learner, "form[action$='/attempts'] button").await?;
        arrive(&learner, "Safety check").await?;
        let at = learner.current_url().await.map_err(fail("url"))?;
        let attempt: lyceum_domain::SubmissionId = at
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .parse()
            .map_err(|e| format!("attempt id: {e:?}"))?;
        let deadline = chrono::Utc::now() + chrono::Duration::seconds(20);
        let mut tx = store
            .begin_write(&tenant)
            .await
            .map_err(|e| e.to_string())?;
        lyceum_store::repo::submissions::set_deadlines(&mut tx, &[(attempt, Some(deadline))])
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        learner.refresh().await.map_err(fail("refresh"))?;
        until(&learner, "#countdown-left", |t| {
            t.starts_with("0:00:") && t != "0:00:00"
        })
        .await?;
        until(&learner, "#countdown-alert", |t| {
            t.contains("1 minute left")
        })
        .await?;
        audit(&learner, "attempt counting down").await?;
        press(&learner, "input[type=radio][value=o2]").await?;
        press(&learner, "input[type=radio][value=true]").await?;
        // Handed in 5 s before the deadline (late answers are refused): the result opens
        // (waited for twice as long as a click's page).
        let scored = |t: &str| t.contains("2 of 3");
        if until(&learner, "#score", scored).await.is_err() {
            until(&learner, "#score", scored).await?;
        }
        until(&learner, "main h1 + p", |t| t.contains("Attempt 2")).await
    })
    .await;
    learner.close().await.ok();
    server.stop().await.unwrap();
}

#[tokio::test]
async fn a_quiz_is_written_and_taken_in_a_real_browser_on_both_engines() {
    let driver = Driver::start().await;
    let (sqlite, _guard) = testing::sqlite_config();
    quiz_journey(sqlite, "sqlite", &driver).await;
    let (postgres, _guard) = testing::postgres_config().await;
    quiz_journey(postgres, "postgres", &driver).await;
}
