//! Prometheus metrics at `GET /metrics`: request latency by route, method and status; requests,
//! rate-limit refusals and throttled sign-ins per tenant (the tenant label is bounded: past
//! `max_tenant_labels` distinct tenants, the rest count as `other`); connection pools per
//! engine; the response cache's hits; the data change notices between server processes; and
//! isolation alarms, each also logged as a security event with request id and tenant. The
//! registry belongs to the [`crate::AppState`], not to the process.

use crate::http::context::RequestId;
use crate::http::error::ApiError;
use crate::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TenantLabels {
    tenant: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AlarmLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    engine: String,
    pool: String,
    state: String,
}

/// The slug of the tenant a request resolved to, left in the response's extensions by tenant
/// resolution for the metrics layer.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedTenant(pub(crate) String);

/// The server's metrics. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    latency: Family<RouteLabels, Histogram>,
    tenant_requests: Family<TenantLabels, Counter>,
    rate_limited: Family<TenantLabels, Counter>,
    login_throttled: Family<TenantLabels, Counter>,
    isolation_alarms: Family<AlarmLabels, Counter>,
    connections: Family<PoolLabels, Gauge>,
    tenant_pools_open: Gauge,
    response_cache: Family<CacheLabels, Counter>,
    labelled_tenants: Mutex<HashSet<String>>,
    max_tenant_labels: usize,
}

impl Metrics {
    /// The server's metrics, plus those of `others` (the worker's, when it runs in process).
    pub fn new(
        max_tenant_labels: usize,
        store: lyceum_store::Store,
        others: Vec<Box<dyn Collector>>,
    ) -> Self {
        let mut registry = Registry::with_prefix("lyceum");
        registry.register_collector(Box::new(StoreCollector(store)));
        for collector in others {
            registry.register_collector(collector);
        }
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_25, 2.0, 18))
        });
        registry.register(
            "http_request_duration_seconds",
            "Latency of HTTP requests by method, route template and status",
            latency.clone(),
        );
        let tenant_requests = Family::default();
        registry.register(
            "tenant_requests",
            "Requests per resolved tenant (the first tenants seen get a label each; the rest count as `other`)",
            tenant_requests.clone(),
        );
        let rate_limited = Family::default();
        registry.register(
            "rate_limited",
            "Requests refused by the tenant's rate limit",
            rate_limited.clone(),
        );
        let login_throttled = Family::default();
        registry.register(
            "login_throttled",
            "Sign-in attempts refused by login throttling (`platform` for operators)",
            login_throttled.clone(),
        );
        let isolation_alarms = Family::<AlarmLabels, Counter>::default();
        // Present at 0 from the start, so that an alert on `increase()` sees the first one.
        for kind in ["policy_refused", "foreign_row"] {
            isolation_alarms
                .get_or_create(&AlarmLabels {
                    kind: kind.to_owned(),
                })
                .inc_by(0);
        }
        registry.register(
            "isolation_alarms",
            "Signs of a tenant isolation breach: a write refused by a tenant policy, a foreign row in a scoped query",
            isolation_alarms.clone(),
        );
        let connections = Family::default();
        registry.register(
            "db_connections",
            "Database connections by engine, pool and state (open, idle)",
            connections.clone(),
        );
        let tenant_pools_open = Gauge::default();
        registry.register(
            "tenant_pools_open",
            "Tenants whose own connection pool is open",
            tenant_pools_open.clone(),
        );
        let response_cache = Family::default();
        registry.register(
            "response_cache_lookups",
            "Cached pages (catalog, dashboard) served (`hit`) or read again (`miss`)",
            response_cache.clone(),
        );
        Metrics {
            inner: Arc::new(Inner {
                registry,
                latency,
                tenant_requests,
                rate_limited,
                login_throttled,
                isolation_alarms,
                connections,
                tenant_pools_open,
                response_cache,
                labelled_tenants: Mutex::new(HashSet::new()),
                max_tenant_labels,
            }),
        }
    }

    /// The label for a tenant: its slug while fewer than `max_tenant_labels` tenants have one.
    fn tenant_label(&self, slug: &str) -> TenantLabels {
        let mut labelled = self
            .inner
            .labelled_tenants
            .lock()
            .expect("metrics labels poisoned");
        let tenant = if labelled.contains(slug) {
            slug.to_owned()
        } else if labelled.len() < self.inner.max_tenant_labels {
            labelled.insert(slug.to_owned());
            slug.to_owned()
        } else {
            "other".to_owned()
        };
        TenantLabels { tenant }
    }

    pub(crate) fn rate_limited(&self, slug: &str) {
        self.inner
            .rate_limited
            .get_or_create(&self.tenant_label(slug))
            .inc();
    }

    pub(crate) fn login_throttled(&self, slug: &str) {
        self.inner
            .login_throttled
            .get_or_create(&self.tenant_label(slug))
            .inc();
    }

    pub(crate) fn response_cache(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.inner
            .response_cache
            .get_or_create(&CacheLabels { result })
            .inc();
    }

    /// The text exposition, with the pool gauges read from `store` now.
    pub fn render(&self, store: &lyceum_store::Store) -> String {
        for stats in store.pool_stats() {
            for (state, value) in [("open", stats.connections), ("idle", stats.idle)] {
                let labels = PoolLabels {
                    engine: stats.engine.clone(),
                    pool: stats.pool.to_owned(),
                    state: state.to_owned(),
                };
                self.inner
                    .connections
                    .get_or_create(&labels)
                    .set(i64::try_from(value).unwrap_or(i64::MAX));
            }
            if let Some(open) = stats.open_pools {
                self.inner
                    .tenant_pools_open
                    .set(i64::try_from(open).unwrap_or(i64::MAX));
            }
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.inner.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// What the store counts, read at each scrape: the data change notices between server
/// processes (PostgreSQL), and trouble with tenant transactions (connections released inside a
/// transaction, writes refused as busy) per tenant id (`shared`: the shared PostgreSQL pool).
struct StoreCollector(lyceum_store::Store);

impl std::fmt::Debug for StoreCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreCollector")
    }
}

impl Collector for StoreCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        self.encode_trouble(&mut encoder)?;
        let churn = self.0.tenant_pool_churn();
        for (name, help, value) in [
            (
                "tenant_pool_opens",
                "Tenants' own pools opened for a tenant without one (on PostgreSQL, a new backend each)",
                churn.opened,
            ),
            (
                "tenant_pool_evictions",
                "Tenants' own pools closed to make room in the connection budget for another tenant",
                churn.closed_for_room,
            ),
        ] {
            let family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            ConstCounter::new(value).encode(family)?;
        }
        let Some(counts) = self.0.notice_counts() else {
            return Ok(());
        };
        let mut family = encoder.encode_descriptor(
            "data_version_notices",
            "Data change notices between server processes (PostgreSQL): sent, unsent, overflows (queue full: everything announced instead), heard from others, listener_losses",
            None,
            MetricType::Counter,
        )?;
        for (event, value) in [
            ("sent", counts.sent),
            ("unsent", counts.unsent),
            ("overflows", counts.overflows),
            ("heard", counts.heard),
            ("listener_losses", counts.listener_losses),
        ] {
            let labels = [("event", event)];
            ConstCounter::new(value).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// Times every request and counts it per tenant; raises isolation alarms.
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let request_id = request.extensions().get::<RequestId>().cloned();
    let response = next.run(request).await;
    let metrics = &state.metrics;
    metrics
        .inner
        .latency
        .get_or_create(&RouteLabels {
            method,
            route,
            status: response.status().as_u16(),
        })
        .observe(started.elapsed().as_secs_f64());
    let tenant = response.extensions().get::<ResolvedTenant>();
    if let Some(ResolvedTenant(slug)) = tenant {
        metrics
            .inner
            .tenant_requests
            .get_or_create(&metrics.tenant_label(slug))
            .inc();
    }
    if let Some(kind) = response
        .extensions()
        .get::<ApiError>()
        .and_then(|e| e.alarm)
    {
        metrics
            .inner
            .isolation_alarms
            .get_or_create(&AlarmLabels {
                kind: kind.to_owned(),
            })
            .inc();
        tracing::error!(
            target: "security",
            kind,
            request_id = request_id.as_ref().map(|r| r.0.as_str()).unwrap_or(""),
            tenant = tenant.map(|t| t.0.as_str()).unwrap_or(""),
            "tenant isolation alarm"
        );
    }
    response
}

/// `GET /metrics`: OpenMetrics text for Prometheus. With a metrics token configured it
/// must come as a bearer token; without one only clients on the loopback interface (or in
/// process) are answered.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text"),
        (status = 403, description = "`METRICS_FORBIDDEN`", body = crate::http::error::ErrorBody),
    ))]
pub(crate) async fn scrape(State(state): State<AppState>, request: Request) -> Response {
    let allowed = match &state.config.metrics_token {
        // Compared as digests, so the comparison's timing tells nothing about the token.
        Some(expected) => crate::api::auth::bearer(request.headers()).is_some_and(|token| {
            let digest = |t: &str| ring::digest::digest(&ring::digest::SHA256, t.as_bytes());
            digest(token).as_ref() == digest(expected).as_ref()
        }),
        None => request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .is_none_or(|ConnectInfo(addr)| addr.ip().to_canonical().is_loopback()),
    };
    if !allowed {
        return ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "METRICS_FORBIDDEN",
            "metrics need the metrics token (or a client on this host when none is set)",
        )
        .into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(&state.store),
    )
        .into_response()
}

impl StoreCollector {
    fn encode_trouble(&self, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let trouble = self.0.transaction_trouble();
        let label = |tenant: &Option<lyceum_domain::TenantId>| {
            tenant.map_or_else(|| "shared".to_owned(), |t| t.to_string())
        };
        let mut family = encoder.encode_descriptor(
            "connections_released_in_transaction",
            "Connections that came back to their pool inside a transaction and were closed, by tenant id (`shared`: the shared PostgreSQL pool)",
            None,
            MetricType::Counter,
        )?;
        for (tenant, counts) in &trouble {
            let labels = [("tenant_id", label(tenant))];
            ConstCounter::new(counts.released_in_transaction)
                .encode(family.encode_family(&labels)?)?;
        }
        let mut family = encoder.encode_descriptor(
            "tenant_busy_refusals",
            "Writes refused with TENANT_BUSY (a SQLite tenant file stayed locked for the busy timeout), by tenant id",
            None,
            MetricType::Counter,
        )?;
        for (tenant, counts) in &trouble {
            let labels = [("tenant_id", label(tenant))];
            ConstCounter::new(counts.busy_refusals).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use lyceum_store::StoreError;
    use tower::ServiceExt;

    /// A write refused by a tenant policy, or a foreign row, reaching the HTTP layer is counted
    /// by kind (and logged as a security event).
    #[tokio::test]
    async fn isolation_errors_raise_alarms_by_kind() {
        let (config, _guard) = lyceum_store::testing::sqlite_config();
        let store = lyceum_store::Store::open(config).await.unwrap();
        let state = AppState::new(store, crate::ServerConfig::default());
        let app = axum::Router::new()
            .route(
                "/refused",
                get(|| async {
                    Err::<(), _>(ApiError::from(StoreError::IsolationViolation(
                        "new row violates row-level security policy".into(),
                    )))
                }),
            )
            .route(
                "/foreign",
                get(|| async { Err::<(), _>(ApiError::from(StoreError::ForeignRow("users"))) }),
            )
            .route("/fine", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn_with_state(state.clone(), track));
        for path in ["/refused", "/foreign", "/foreign", "/fine"] {
            let request = axum::http::Request::get(path).body(Body::empty()).unwrap();
            app.clone().oneshot(request).await.unwrap();
        }
        let text = state.metrics.render(&state.store);
        assert!(
            text.contains("lyceum_isolation_alarms_total{kind=\"policy_refused\"} 1"),
            "{text}"
        );
        assert!(text.contains("lyceum_isolation_alarms_total{kind=\"foreign_row\"} 2"));
    }
}
