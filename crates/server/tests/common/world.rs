//! One `World` for HTTP tests: a store on one engine and placement, the real router in front of
//! it, and a typed client whose every failure names the world it failed in.
//!
//! ```ignore
//! for w in World::on_every_placement().await {
//!     w.provision("acme", Plan::Pro, json!({})).await;
//!     let admin = w.user("acme", "admin@acme.test", Role::Admin).await;
//!     let course = w
//!         .as_(&admin)
//!         .post("/api/v1/courses")
//!         .json(&json!({"slug": "intro", "title": "Intro"}))
//!         .expect(StatusCode::CREATED)
//!         .await
//!         .json_value();
//! }
//! ```
//!
//! A client's paths are relative to its base: a user's base is their tenant's path form
//! (`/t/{slug}`), [`Client::at`] aims it at another tenant, and [`World::anonymous`] and
//! [`Client::unscoped`] take paths as the router sees them.

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use lyceum_domain::{Plan, Role};
use lyceum_server::{app, AppState, ServerConfig};
use lyceum_store::{testing, EngineKind, Store, StoreConfig, Tenant};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::sync::Mutex;
use tower::ServiceExt;

/// The password of every user a [`World`] makes.
pub const PASSWORD: &str = "a long passphrase";

/// Bodies longer than this are cut short in failure messages.
const SHOWN_BODY_CHARS: usize = 2_000;

/// A store on one engine and placement, with the real router in front of it.
pub struct World {
    /// `sqlite`, or `postgres/` and the placement of new tenants (`postgres/schema`): in every
    /// failure message of this world's requests.
    pub label: String,
    pub state: AppState,
    router: Router,
    tenants: Mutex<Vec<Tenant>>,
    _guard: Option<testing::TestGuard>,
}

/// A user a [`World`] made and signed in.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password: String,
    pub role: Role,
    /// The slug of the user's tenant.
    pub tenant: String,
    /// An access token, from signing in through the API.
    pub token: String,
}

impl World {
    /// A world on `config` with the default server configuration. `guard` keeps the store's
    /// storage alive (`None` for a second world on the storage of another).
    pub async fn open(config: StoreConfig, guard: Option<testing::TestGuard>) -> World {
        World::with_server(config, guard, ServerConfig::default()).await
    }

    /// A world on `config` served with `server`.
    pub async fn with_server(
        config: StoreConfig,
        guard: Option<testing::TestGuard>,
        server: ServerConfig,
    ) -> World {
        let store = Store::open(config).await.expect("open the test store");
        let label = match store.engine() {
            EngineKind::Sqlite => "sqlite".to_owned(),
            EngineKind::Postgres => format!("postgres/{}", store.default_placement()),
        };
        let state = AppState::new(store, server);
        World {
            label,
            router: app(state.clone()),
            state,
            tenants: Mutex::new(Vec::new()),
            _guard: guard,
        }
    }

    /// A world on SQLite and one on PostgreSQL (new tenants in its default placement).
    pub async fn on_each_engine() -> Vec<World> {
        let (sqlite, guard) = testing::sqlite_config();
        let (postgres, pg_guard) = testing::postgres_config().await;
        vec![
            World::open(sqlite, Some(guard)).await,
            World::open(postgres, Some(pg_guard)).await,
        ]
    }

    /// A world per engine and PostgreSQL placement (see [`super::configs_on_every_placement`]).
    pub async fn on_every_placement() -> Vec<World> {
        let mut worlds = Vec::new();
        for (config, guard) in super::configs_on_every_placement().await {
            worlds.push(World::open(config, Some(guard)).await);
        }
        worlds
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    /// Provisions a tenant (through the store, as an operator would).
    pub async fn provision(&self, slug: &str, plan: Plan, settings: Value) -> Tenant {
        let tenant = super::provision(self.store(), slug, plan, settings).await;
        self.tenants.lock().unwrap().push(tenant.clone());
        tenant
    }

    /// A tenant this world provisioned.
    pub fn tenant(&self, slug: &str) -> Tenant {
        let tenants = self.tenants.lock().unwrap();
        let found = tenants.iter().find(|t| t.slug.as_str() == slug);
        found
            .unwrap_or_else(|| panic!("{}: no tenant {slug} was provisioned", self.label))
            .clone()
    }

    /// Records a course file of `size` bytes the tenant `slug` keeps already (its row only,
    /// through the repository): what fills its storage quota but for the room a test needs.
    pub async fn keep_stored(&self, slug: &str, course: &str, size: u64) {
        use lyceum_domain::{FileId, FileName, FilePurpose};
        use lyceum_store::repo::files::{self, NewFile};
        let tenant = self.tenant(slug);
        let mut tx = self.store().begin_write(&tenant).await.unwrap();
        let id = FileId::new();
        let kept = NewFile {
            id,
            purpose: FilePurpose::CourseFile,
            course_id: Some(course.parse().unwrap()),
            owner_id: None,
            key: format!("{}/courses/{course}/{id}", tenant.id()),
            name: FileName::new("kept.pdf"),
            content_type: "application/pdf".to_owned(),
            size,
            sha256: String::new(),
            created_by: None,
        };
        files::insert(&mut tx, &kept).await.unwrap();
        tx.commit().await.unwrap();
    }

    /// A user of `role` in the tenant `slug`, with [`PASSWORD`] and the display name
    /// `"{role} of {slug}"`, signed in through the API.
    pub async fn user(&self, slug: &str, email: &str, role: Role) -> User {
        let tenant = self.tenant(slug);
        let made = super::add_users(self.store(), &tenant, &[(email, PASSWORD, role)]).await;
        let user = User {
            id: made[0].id.to_string(),
            email: email.to_owned(),
            password: PASSWORD.to_owned(),
            role,
            tenant: slug.to_owned(),
            token: String::new(),
        };
        self.sign_in(&user).await
    }

    /// `user`, signed in again: a fresh access token (after a role change, say).
    pub async fn sign_in(&self, user: &User) -> User {
        let reply = self
            .login(&user.tenant, &user.email, &user.password)
            .expect(StatusCode::OK)
            .await
            .json_value();
        let token = reply["access_token"].as_str();
        let token = token.unwrap_or_else(|| panic!("{}: no access token in {reply}", self.label));
        User {
            token: token.to_owned(),
            ..user.clone()
        }
    }

    /// The sign-in request at the tenant `slug`, to send or expect.
    pub fn login(&self, slug: &str, email: &str, password: &str) -> Call<'_> {
        self.anonymous()
            .at(slug)
            .post("/api/v1/auth/login")
            .json(&json!({"email": email, "password": password}))
    }

    /// Requests as `user`, under their tenant's `/t/{slug}`.
    pub fn as_(&self, user: &User) -> Client<'_> {
        Client {
            who: format!("as {}", user.email),
            ..self.bearer(&user.token).at(&user.tenant)
        }
    }

    /// Requests with a bearer token of any kind (one a response handed out, a forged one).
    /// Paths are taken as they are, until [`Client::at`] names a tenant.
    pub fn bearer(&self, token: &str) -> Client<'_> {
        Client {
            world: self,
            token: Some(token.to_owned()),
            who: "with a token".to_owned(),
            base: String::new(),
        }
    }

    /// `user` signed in to the portal of their tenant (through its sign-in form): requests
    /// with the session and CSRF cookies a browser would send.
    pub async fn portal(&self, user: &User) -> Portal<'_> {
        let csrf = "0123456789abcdef0123456789abcdef".to_owned();
        let mut portal = Portal {
            world: self,
            who: format!("in the portal as {}", user.email),
            base: format!("/t/{}", user.tenant),
            cookie: format!("lyceum_csrf={csrf}"),
            csrf,
        };
        let reply = portal
            .form(
                "/sign-in",
                &[
                    ("email", user.email.as_str()),
                    ("password", user.password.as_str()),
                ],
            )
            .expect(StatusCode::SEE_OTHER)
            .await;
        let session = reply
            .set_cookies()
            .into_iter()
            .find_map(|c| {
                let pair = c.split(';').next()?.to_owned();
                pair.starts_with("lyceum_session=").then_some(pair)
            })
            .unwrap_or_else(|| panic!("{}: no session cookie after signing in", self.label));
        portal.cookie = format!("{}; {session}", portal.cookie);
        portal
    }

    /// Requests without a token. Paths are taken as they are, until [`Client::at`] names a
    /// tenant.
    pub fn anonymous(&self) -> Client<'_> {
        Client {
            world: self,
            token: None,
            who: "anonymously".to_owned(),
            base: String::new(),
        }
    }
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// Who is asking, and under which base path.
#[derive(Clone)]
pub struct Client<'w> {
    world: &'w World,
    token: Option<String>,
    /// Who is asking, for messages: `as admin@acme.test`, `with a token`, `anonymously`.
    who: String,
    base: String,
}

impl<'w> Client<'w> {
    /// Paths under the tenant `slug`'s `/t/{slug}` from now on.
    pub fn at(mut self, slug: &str) -> Self {
        self.base = format!("/t/{slug}");
        self
    }

    /// Paths as the router sees them from now on (a user's token may name its tenant).
    pub fn unscoped(mut self) -> Self {
        self.base.clear();
        self
    }

    pub fn get(&self, path: impl AsRef<str>) -> Call<'w> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: impl AsRef<str>) -> Call<'w> {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: impl AsRef<str>) -> Call<'w> {
        self.request(Method::PUT, path)
    }

    pub fn patch(&self, path: impl AsRef<str>) -> Call<'w> {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: impl AsRef<str>) -> Call<'w> {
        self.request(Method::DELETE, path)
    }

    pub fn request(&self, method: Method, path: impl AsRef<str>) -> Call<'w> {
        let mut headers = Vec::new();
        if let Some(token) = &self.token {
            headers.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        Call {
            world: self.world,
            who: self.who.clone(),
            method,
            path: format!("{}{}", self.base, path.as_ref()),
            headers,
            body: None,
        }
    }
}

/// A signed-in browser of the portal: its pages under the tenant's `/t/{slug}`, its forms sent
/// with the CSRF token.
pub struct Portal<'w> {
    world: &'w World,
    who: String,
    base: String,
    cookie: String,
    csrf: String,
}

impl<'w> Portal<'w> {
    pub fn get(&self, path: impl AsRef<str>) -> Call<'w> {
        self.call(Method::GET, path)
    }

    /// A form sent with the page's CSRF token.
    pub fn form(&self, path: impl AsRef<str>, fields: &[(&str, &str)]) -> Call<'w> {
        self.form_with(path, fields, &self.csrf)
    }

    /// A form sent with a token that is not the page's, as a forged cross-site form would be.
    pub fn forged(&self, path: impl AsRef<str>, fields: &[(&str, &str)]) -> Call<'w> {
        self.form_with(path, fields, "fedcba9876543210fedcba9876543210")
    }

    fn form_with(&self, path: impl AsRef<str>, fields: &[(&str, &str)], token: &str) -> Call<'w> {
        let mut all = fields.to_vec();
        all.push(("csrf", token));
        let body = serde_urlencoded::to_string(&all).expect("a form that encodes");
        self.call(Method::POST, path)
            .body("application/x-www-form-urlencoded", body.into_bytes())
    }

    fn call(&self, method: Method, path: impl AsRef<str>) -> Call<'w> {
        Call {
            world: self.world,
            who: self.who.clone(),
            method,
            path: format!("{}{}", self.base, path.as_ref()),
            headers: vec![
                ("cookie".to_owned(), self.cookie.clone()),
                ("accept".to_owned(), "text/html".to_owned()),
            ],
            body: None,
        }
    }
}

/// One request, to [`Call::send`] or [`Call::expect`].
pub struct Call<'w> {
    world: &'w World,
    who: String,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
}

impl<'w> Call<'w> {
    /// A JSON body.
    pub fn json(self, body: &impl Serialize) -> Self {
        let bytes = serde_json::to_vec(body).expect("a request body that serializes");
        self.body("application/json", bytes)
    }

    /// A JSON body if there is one.
    pub fn maybe_json(self, body: Option<&impl Serialize>) -> Self {
        match body {
            Some(body) => self.json(body),
            None => self,
        }
    }

    /// A body of another content type (a CSV file, say).
    pub fn body(mut self, content_type: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.to_owned(), bytes.into()));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends the request through the real router and answers whatever came back.
    pub async fn send(self) -> Response {
        let mut request = Request::builder()
            .method(self.method.clone())
            .uri(&self.path);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let request = match &self.body {
            Some((content_type, bytes)) => request
                .header("content-type", content_type)
                .body(Body::from(bytes.clone())),
            None => request.body(Body::empty()),
        };
        let context = self.context();
        let request = request.unwrap_or_else(|e| panic!("{context}: a bad request: {e}"));
        let response = self.world.router.clone().oneshot(request).await;
        let response = response.unwrap_or_else(|e| panic!("{context}: the router failed: {e}"));
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 64 << 20).await;
        let bytes = bytes.unwrap_or_else(|e| panic!("{context}: reading the body: {e}"));
        Response {
            context,
            request_body: self.body.map(|(_, bytes)| bytes),
            status,
            headers,
            json: serde_json::from_slice(&bytes).ok(),
            bytes: bytes.to_vec(),
        }
    }

    /// Sends the request, which must answer `status`.
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> impl Future<Output = Response> + 'w {
        let caller = Location::caller();
        async move {
            let response = self.send().await;
            if response.status != status {
                panic!("{}\n  at {caller}", response.mismatch(status, None));
            }
            response
        }
    }

    /// Sends the request, which must answer `status` with the error code `code`.
    #[track_caller]
    pub fn expect_error(
        self,
        status: StatusCode,
        code: &'static str,
    ) -> impl Future<Output = Response> + 'w {
        let caller = Location::caller();
        async move {
            let response = self.send().await;
            if response.status != status || response.error_code() != Some(code) {
                panic!("{}\n  at {caller}", response.mismatch(status, Some(code)));
            }
            response
        }
    }

    /// `label: METHOD path who`.
    fn context(&self) -> String {
        let (label, method, path) = (&self.world.label, &self.method, &self.path);
        format!("{label}: {method} {path} {}", self.who)
    }
}

/// What came back: status, headers and body, and the request it answers for messages.
pub struct Response {
    context: String,
    request_body: Option<Vec<u8>>,
    pub status: StatusCode,
    headers: HeaderMap,
    bytes: Vec<u8>,
    json: Option<Value>,
}

impl Response {
    /// The body as `T`.
    #[track_caller]
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("{self}\n  not the JSON expected: {e}"))
    }

    /// The body as JSON of any shape.
    #[track_caller]
    pub fn json_value(&self) -> Value {
        match &self.json {
            Some(value) => value.clone(),
            None => panic!("{self}\n  the body is not JSON"),
        }
    }

    /// The stable error code of a refusal (`body.error`), if the body has one.
    pub fn error_code(&self) -> Option<&str> {
        self.json.as_ref()?.get("error")?.as_str()
    }

    /// A response header, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The body as bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn mismatch(&self, status: StatusCode, code: Option<&str>) -> String {
        let expected = match code {
            Some(code) => format!("{status} {code}"),
            None => status.to_string(),
        };
        let got = match (code, self.error_code()) {
            (Some(_), Some(got)) => format!("{} {got}", self.status),
            _ => self.status.to_string(),
        };
        let mut message = format!("{}: expected {expected}, got {got}", self.context);
        if let Some(body) = &self.request_body {
            message.push_str(&format!("\n  request body: {}", shown(body)));
        }
        message.push_str(&format!("\n  response body: {}", shown(&self.bytes)));
        message
    }
}

/// `label: METHOD path answered STATUS: body`, for messages of assertions made on a response.
impl fmt::Display for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answered {}: {}",
            self.context,
            self.status,
            shown(&self.bytes)
        )
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A body for a message: its text, cut short when long.
fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(SHOWN_BODY_CHARS) {
        Some((cut, _)) => format!("{}… ({} bytes in all)", &text[..cut], bytes.len()),
        None if text.is_empty() => "(empty)".to_owned(),
        None => text.into_owned(),
    }
}
