//! Lyceum's HTTP server: the axum router and what sits in front of every handler.
//!
//! This crate owns HTTP concerns only: routing, tenant resolution, status codes and the error
//! shape, request ids, body limits, timeouts and request logging. `http/` holds that plumbing,
//! `api/` the JSON API's resources (the web portal goes beside them). It never talks SQL and
//! holds no rule of Lyceum's: handlers open tenant transactions on `lyceum_store::Store` and
//! call `lyceum_app`'s use cases in them.

mod api;
mod http;
mod portal;

pub use api::signup::SignUpConfig;
use api::{
    assessments, assignments, audit, files, gradebook, groups, invitations, learning,
    tenant_profile, tenant_settings, users, webhooks,
};
pub use api::{auth, live, platform};
pub use http::metrics;
use http::{context, error, headers, health, nul, openapi, ratelimit, response_cache, tenancy};

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Method;
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use learning::{certificates, courses, dashboard, enrollments, lessons, modules, progress};
use lyceum_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use auth::LoginThrottle;
pub use auth::LoginThrottleConfig;
pub use context::RequestId;
pub use error::ApiError;
pub use metrics::Metrics;
pub use ratelimit::RateLimitConfig;
use ratelimit::TenantRateLimits;
use response_cache::ResponseCache;
pub use response_cache::ResponseCacheConfig;
pub use tenancy::CurrentTenant;

/// Largest request body (JSON); the CSV import takes larger files.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// HTTP settings.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// `lms.example`: `acme.lms.example` then resolves to the tenant `acme`.
    pub base_domain: Option<String>,
    pub auth: AuthConfig,
    pub rate_limit: RateLimitConfig,
    pub login_throttle: LoginThrottleConfig,
    /// Distinct tenants that get a label of their own in `/metrics`; the rest are `other`.
    pub metrics_tenant_labels: usize,
    /// Origins allowed to call the API from a browser (`*` for any); none: no CORS headers.
    pub cors_origins: Vec<String>,
    /// Bearer token `/metrics` requires; `None`: only loopback clients are answered.
    pub metrics_token: Option<String>,
    pub response_cache: ResponseCacheConfig,
    /// A request still running after this long is cancelled (408 `REQUEST_TIMEOUT`) and its
    /// transaction rolled back.
    pub request_timeout: Duration,
    /// How long a client has to send a request's headers, from when its connection opened or
    /// its previous answer went out: a slower client, and an idle keep-alive connection, is
    /// closed then (see `http::connections`).
    pub client_header_timeout: Duration,
    /// `max-age` of the `Strict-Transport-Security` header on every answer; 0 sends none.
    pub hsts_max_age_secs: u64,
    /// How a custom domain's verification file is fetched.
    pub domain_check: lyceum_app::settings::DomainCheckConfig,
    /// Which addresses webhook endpoints may be on (checked when one is saved).
    pub webhook_targets: lyceum_domain::TargetPolicy,
    /// Whether organisations may sign themselves up, and how often per address.
    pub signup: SignUpConfig,
    /// Where uploaded files are kept and how long their download URLs last.
    pub storage: lyceum_app::files::StorageConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            base_domain: None,
            auth: AuthConfig::default(),
            rate_limit: RateLimitConfig::default(),
            login_throttle: LoginThrottleConfig::default(),
            metrics_tenant_labels: 100,
            cors_origins: Vec::new(),
            metrics_token: None,
            response_cache: ResponseCacheConfig::default(),
            request_timeout: Duration::from_secs(30),
            client_header_timeout: Duration::from_secs(30),
            hsts_max_age_secs: 0,
            domain_check: Default::default(),
            webhook_targets: lyceum_domain::TargetPolicy::default(),
            signup: SignUpConfig::default(),
            storage: lyceum_app::files::StorageConfig::default(),
        }
    }
}

impl ServerConfig {
    /// The defaults without rate limits or sign-in throttling, for load generators on this
    /// host (benchmarks, load tests): their load would trip both, and neither is under test.
    pub fn unthrottled() -> Self {
        Self {
            rate_limit: RateLimitConfig {
                enabled: false,
                ..RateLimitConfig::default()
            },
            login_throttle: LoginThrottleConfig {
                attempts_per_minute_per_address: u32::MAX,
                ..LoginThrottleConfig::default()
            },
            ..Self::default()
        }
    }
}

/// Token settings.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `iss` of every access token.
    pub issuer: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            issuer: "lyceum".to_owned(),
            access_token_ttl: Duration::from_secs(15 * 60),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

/// What every handler can reach: one `Arc`, so that handing it to a request costs one
/// reference count, not a clone of every handle inside.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The contents of [`AppState`].
pub struct Shared {
    pub store: Store,
    pub config: ServerConfig,
    pub keys: auth::KeyRing,
    /// Signed-in users' current roles, which each request's token is held against.
    pub standings: auth::Standings,
    pub metrics: Metrics,
    rate_limits: TenantRateLimits,
    login_throttle: LoginThrottle,
    /// Organisations' sign-ups and slug checks per client address.
    signup_limits: api::signup::SignUpLimits,
    pages: ResponseCache,
    /// The `Strict-Transport-Security` header, if the configuration asks for one.
    hsts: Option<axum::http::HeaderValue>,
    /// The portal's messages in every language, parsed once.
    catalogue: Arc<portal::Catalogue>,
    /// The tenants' live event feeds, for their open event streams.
    live: Arc<api::live::LiveFeeds>,
    /// Fetches custom domains' verification files; `None` if its TLS stack could not start.
    domain_check: Option<lyceum_app::settings::DomainCheck>,
    /// Uploaded files' object storage; `None` if it could not be opened (logged; file routes
    /// answer `STORAGE_UNAVAILABLE`).
    pub files: Option<Arc<lyceum_app::files::FileStorage>>,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, config: ServerConfig) -> Self {
        Self::with_metrics_of(store, config, Vec::new())
    }

    /// Like [`AppState::new`], with the metrics of `others` on `/metrics` too (the worker's,
    /// when it runs in the same process).
    pub fn with_metrics_of(
        store: Store,
        config: ServerConfig,
        others: Vec<Box<dyn prometheus_client::collector::Collector>>,
    ) -> Self {
        let keys = auth::KeyRing::new(store.clone(), config.auth.access_token_ttl);
        let metrics = Metrics::new(config.metrics_tenant_labels, store.clone(), others);
        let pages = ResponseCache::new(&config.response_cache, store.clone(), metrics.clone());
        let files = match lyceum_app::files::FileStorage::open(&config.storage, store.clone()) {
            Ok(files) => Some(Arc::new(files)),
            Err(e) => {
                tracing::error!(error = %e, "file storage could not be opened");
                None
            }
        };
        Self(Arc::new(Shared {
            files,
            standings: auth::Standings::new(store.clone()),
            store,
            keys,
            metrics,
            pages,
            rate_limits: TenantRateLimits::new(&config.rate_limit),
            login_throttle: LoginThrottle::new(config.login_throttle.clone()),
            signup_limits: api::signup::SignUpLimits::new(&config.signup),
            hsts: headers::hsts(config.hsts_max_age_secs),
            catalogue: Arc::new(portal::Catalogue::embedded()),
            live: Arc::default(),
            domain_check: lyceum_app::settings::DomainCheck::new(config.domain_check.clone()).ok(),
            config,
        }))
    }
}

/// The API's operations that resolve a tenant, served at the root (tenant from host, header or
/// token) and under `/t/{slug}`. Each handler's `#[utoipa::path]` annotation gives both its
/// method and path to the router and its description to the OpenAPI document: one annotation,
/// so the two cannot disagree.
fn tenant_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(tenant_profile::show))
        .routes(routes!(tenant_settings::show, tenant_settings::update))
        .routes(routes!(
            tenant_settings::list_domains,
            tenant_settings::add_domain
        ))
        .routes(routes!(tenant_settings::verify_domain))
        .routes(routes!(tenant_settings::remove_domain))
        .routes(routes!(auth::handlers::jwks))
        .routes(routes!(auth::handlers::login))
        .routes(routes!(auth::handlers::refresh))
        .routes(routes!(auth::handlers::logout))
        .routes(routes!(auth::handlers::me, auth::handlers::change_me))
        .routes(routes!(auth::recovery::change_password))
        .routes(routes!(auth::recovery::request_reset))
        .routes(routes!(auth::recovery::confirm_reset))
        .routes(routes!(auth::recovery::send_reset))
        .routes(routes!(users::sign_up))
        .routes(routes!(users::list, users::create))
        .routes(with_body_limit(
            routes!(users::import),
            lyceum_app::identity::import::MAX_PEOPLE_CSV_BYTES,
        ))
        .routes(routes!(users::show, users::update))
        .routes(routes!(users::deactivate))
        .routes(routes!(users::reactivate))
        .routes(routes!(users::unlock))
        .routes(routes!(invitations::reissue))
        .routes(routes!(invitations::accept))
        .routes(routes!(courses::list, courses::create))
        .routes(routes!(courses::show, courses::replace, courses::delete))
        .routes(routes!(courses::publish))
        .routes(routes!(courses::archive))
        .routes(routes!(modules::list, modules::create))
        .routes(routes!(modules::reorder))
        .routes(routes!(modules::update, modules::delete))
        .routes(routes!(lessons::list, lessons::create))
        .routes(routes!(lessons::reorder))
        .routes(routes!(lessons::show, lessons::replace, lessons::delete))
        .routes(routes!(progress::record_progress))
        .routes(routes!(progress::show))
        .routes(routes!(enrollments::enroll))
        .routes(with_body_limit(
            routes!(enrollments::import),
            lyceum_app::learning::import::MAX_CSV_BYTES,
        ))
        .routes(routes!(enrollments::students))
        .routes(routes!(enrollments::list))
        .routes(routes!(enrollments::update, enrollments::unenroll))
        .routes(routes!(dashboard::show))
        .routes(routes!(certificates::verify))
        .routes(routes!(audit::list))
        .routes(routes!(groups::list, groups::create))
        .routes(routes!(groups::show, groups::rename, groups::delete))
        .routes(routes!(groups::add_members))
        .routes(routes!(groups::remove_member))
        .routes(routes!(groups::enroll))
        .routes(routes!(files::upload, files::list))
        .routes(routes!(files::show, files::delete))
        .routes(routes!(files::content))
        .routes(routes!(files::usage))
        .routes(routes!(files::upload_logo, files::remove_logo))
        .routes(routes!(files::brand_image))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::show, webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::replay))
        .routes(routes!(live::stream))
        .routes(routes!(assessments::list, assessments::create))
        .routes(routes!(
            assessments::show,
            assessments::update,
            assessments::delete
        ))
        .routes(routes!(assessments::add_question))
        .routes(routes!(
            assessments::show_question,
            assessments::update_question,
            assessments::delete_question
        ))
        .routes(routes!(assessments::list_banks, assessments::create_bank))
        .routes(routes!(assessments::show_bank, assessments::delete_bank))
        .routes(routes!(assessments::add_bank_question))
        .routes(routes!(assessments::start))
        .routes(routes!(assessments::save_answers))
        .routes(routes!(assessments::submit, assessments::submissions))
        .routes(routes!(assessments::show_submission))
        .routes(routes!(assessments::grade))
        .routes(routes!(assignments::show, assignments::update))
        .routes(routes!(assignments::my_work, assignments::save_draft))
        .routes(routes!(assignments::upload))
        .routes(routes!(assignments::detach_file))
        .routes(routes!(assignments::submit))
        .routes(routes!(assignments::queue))
        .routes(routes!(assignments::course_queue))
        .routes(routes!(assignments::read))
        .routes(routes!(assignments::grade))
        .routes(routes!(assignments::release))
        .routes(routes!(assignments::send_back))
        .routes(routes!(assignments::release_all))
        .routes(routes!(
            assignments::grant_extension,
            assignments::extensions
        ))
        .routes(routes!(assignments::revoke_extension))
        .routes(routes!(assignments::rubric_averages))
        .routes(routes!(gradebook::show))
        .routes(routes!(gradebook::csv))
        .routes(routes!(gradebook::mine))
        .routes(routes!(
            gradebook::list_categories,
            gradebook::create_category
        ))
        .routes(routes!(
            gradebook::update_category,
            gradebook::delete_category
        ))
        .routes(routes!(
            gradebook::show_settings,
            gradebook::update_settings
        ))
        .routes(routes!(gradebook::item_analysis))
}

/// The API's operations that resolve no tenant: probes, the API description, the platform
/// operator's API.
fn global_api() -> OpenApiRouter<AppState> {
    probe_api()
        .routes(routes!(openapi::document))
        .routes(routes!(platform::login))
        .routes(routes!(auth::handlers::platform_jwks))
        .routes(routes!(platform::list_tenants, platform::create_tenant))
        .routes(routes!(platform::show_tenant))
        .routes(routes!(platform::suspend_tenant))
        .routes(routes!(platform::resume_tenant))
        .routes(routes!(platform::audit_log))
        .routes(routes!(platform::list_operators))
        .routes(routes!(platform::deactivate_operator))
        .routes(routes!(platform::reactivate_operator))
        .routes(routes!(platform::change_password))
        .routes(routes!(platform::send_operator_reset))
        .routes(routes!(platform::confirm_operator_reset))
        .routes(routes!(platform::unlock_operator))
        .routes(routes!(api::signup::sign_up))
        .routes(routes!(api::signup::slug_available))
}

/// The probes: liveness, readiness and metrics.
fn probe_api() -> OpenApiRouter<AppState> {
    OpenApiRouter::default()
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::scrape))
}

/// An operation whose body may be larger than [`MAX_BODY_BYTES`] (up to `limit`).
fn with_body_limit(
    (schemas, paths, handler): UtoipaMethodRouter<AppState>,
    limit: usize,
) -> UtoipaMethodRouter<AppState> {
    (schemas, paths, handler.layer(DefaultBodyLimit::max(limit)))
}

/// The API's operations as the OpenAPI document describes them before its shared parts are
/// added: the tenant operations' paths, and every operation.
pub(crate) fn api_paths() -> (Vec<String>, utoipa::openapi::OpenApi) {
    let tenant = tenant_api().into_openapi();
    let tenant_paths = tenant.paths.paths.keys().cloned().collect();
    let mut every = global_api().into_openapi();
    every.merge(tenant);
    (tenant_paths, every)
}

/// Every method and path the router serves (tenant routes also under `/t/{slug}`), read from
/// the same annotations that route them.
pub fn served_routes() -> Vec<(Method, String)> {
    let (tenant_paths, every) = api_paths();
    let mut served = Vec::new();
    for (path, item) in &every.paths.paths {
        for method in http::openapi::methods_of(item) {
            if tenant_paths.contains(path) {
                served.push((method.clone(), format!("/t/{{slug}}{path}")));
            }
            served.push((method, path.clone()));
        }
    }
    served
}

/// The router with all routes and layers; drive it in tests with `tower::ServiceExt::oneshot`.
pub fn app(state: AppState) -> Router {
    let tenant_routes = Router::from(tenant_api())
        .route_layer(from_fn_with_state(state.clone(), tenancy::resolve_tenant));
    let portal_routes = portal::tenant_routes()
        .route_layer(from_fn_with_state(state.clone(), portal::resolve_tenant));
    let portal_home = portal::home_with_slash()
        .route_layer(from_fn_with_state(state.clone(), portal::resolve_tenant));
    let cors = cors_layer(&state.config.cors_origins);
    let router = Router::from(global_api())
        .route("/assets/portal.css", get(portal::stylesheet))
        .route("/assets/countdown.js", get(portal::countdown_script))
        .merge(portal::console_routes())
        .nest(
            "/t/{slug}",
            tenant_routes.clone().merge(portal_routes.clone()),
        )
        .merge(tenant_routes)
        .merge(portal_routes)
        .merge(portal_home)
        .fallback(context::not_found)
        .with_state(state.clone())
        .layer(request_layers(&state));
    match cors {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

/// What every route runs around its handler, outermost first. One stack, given to the router
/// in one `layer` call: each `Router::layer` wraps every route in a boxed service, and a boxed
/// service is cloned, with all it wraps, for every request it serves, so layers added one by
/// one cost a request some clones and allocations per layer and level.
fn request_layers(
    state: &AppState,
) -> impl tower::Layer<
    axum::routing::Route,
    Service: tower::Service<
        Request,
        Response: IntoResponse + 'static,
        Error: Into<std::convert::Infallible> + 'static,
        Future: Send + 'static,
    > + Clone
                 + Send
                 + Sync
                 + 'static,
> + Clone
       + Send
       + Sync
       + 'static {
    tower::ServiceBuilder::new()
        .layer(from_fn_with_state(state.clone(), headers::secure_headers))
        .layer(from_fn(context::request_context))
        .layer(from_fn_with_state(state.clone(), metrics::track))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let id = request.extensions().get::<RequestId>().map(|r| r.0.as_str()).unwrap_or("");
            tracing::info_span!("request", request_id = id, method = %request.method(), path = %request.uri().path(), tenant = tracing::field::Empty)
        }))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(from_fn(nul::refuse_nul))
}

/// CORS for browser clients on other origins: bearer tokens travel in `Authorization`, so no
/// cookies (no credentials mode) are involved.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allowed = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| o.parse().ok()))
    };
    let layer = CorsLayer::new()
        .allow_origin(allowed)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            axum::http::header::AUTHORIZATION,
            axum::http::header::CONTENT_TYPE,
            axum::http::header::IF_NONE_MATCH,
            axum::http::HeaderName::from_static("x-tenant-id"),
            axum::http::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            axum::http::header::ETAG,
            axum::http::header::LINK,
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderName::from_static("x-request-id"),
            axum::http::HeaderName::from_static("x-next-cursor"),
            axum::http::HeaderName::from_static("ratelimit-limit"),
            axum::http::HeaderName::from_static("ratelimit-remaining"),
            axum::http::HeaderName::from_static("ratelimit-reset"),
        ])
        .max_age(Duration::from_secs(600));
    Some(layer)
}

/// The work every authenticated tenant request does before its handler: resolve the tenant
/// from the path, host or headers (through the directory cache) and verify the bearer token
/// against that tenant's keys (cached). Public for `lyceum bench`.
pub async fn authenticate(
    state: &AppState,
    path: &str,
    headers: &axum::http::HeaderMap,
) -> Result<auth::Authenticated, ApiError> {
    let tenant = tenancy::serving_tenant(state, path, headers).await?;
    let origin = lyceum_domain::Origin::default();
    auth::Authenticated::of(state, tenant, headers, origin).await
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// for up to `grace`; those still running then are cancelled (answered 503
/// `SHUTTING_DOWN`), which rolls their transactions back.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let client_header_timeout = state.config.client_header_timeout;
    // Event streams never end by themselves: they end as the server stops taking requests.
    let live = state.live.clone();
    let shutdown = async move {
        shutdown.await;
        live.stop();
    };
    serve_router(listener, app(state), client_header_timeout, shutdown, grace).await
}

/// The probes alone: `/healthz`, `/readyz` and `/metrics` (answered as by [`app`]), for a
/// process that serves no API (`lyceum worker`) but is watched and scraped like the others.
pub fn probes(state: AppState) -> Router {
    Router::from(probe_api())
        .fallback(context::not_found)
        .with_state(state)
        .layer(from_fn(context::request_context))
}

/// Serves [`probes`] like [`serve`] serves the whole application.
pub async fn serve_probes(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let client_header_timeout = state.config.client_header_timeout;
    serve_router(
        listener,
        probes(state),
        client_header_timeout,
        shutdown,
        grace,
    )
    .await
}

async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    client_header_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (give_up, given_up) = tokio::sync::watch::channel(false);
    let router = router.layer(from_fn(move |request: Request, next: Next| {
        let mut given_up = given_up.clone();
        async move {
            tokio::select! {
                response = next.run(request) => response,
                _ = given_up.wait_for(|given_up| *given_up) => ApiError::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "SHUTTING_DOWN",
                    "the server is stopping; try again",
                )
                .into_response(),
            }
        }
    }));
    let (stopping, mut asked_to_stop) = tokio::sync::watch::channel(false);
    let server = http::connections::serve(listener, router, client_header_timeout, async move {
        shutdown.await;
        stopping.send_replace(true);
    });
    tokio::pin!(server);
    let grace_over = async {
        let _ = asked_to_stop.wait_for(|asked| *asked).await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        () = &mut server => {}
        () = grace_over => {
            tracing::warn!("shutdown grace period over: cancelling requests still in flight");
            give_up.send_replace(true);
            server.await;
        }
    }
    Ok(())
}

/// The server on a free loopback port until [`LocalServer::stop`]: for benchmarks and tests
/// that talk to it over real sockets.
pub struct LocalServer {
    pub address: std::net::SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl LocalServer {
    pub async fn start(state: AppState, grace: Duration) -> std::io::Result<LocalServer> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async {
            stopped.await.ok();
        };
        let task = tokio::spawn(serve(listener, state, shutdown, grace));
        Ok(LocalServer {
            address,
            stop,
            task,
        })
    }

    /// Asks it to stop and waits until it has (see [`serve`]).
    pub async fn stop(self) -> std::io::Result<()> {
        self.stop.send(()).ok();
        self.task.await.map_err(std::io::Error::other)?
    }
}
