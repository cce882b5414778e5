//! Configuration: built-in defaults, then an optional TOML file, then `LYCEUM_*` environment
//! variables, into one typed struct. With nothing set, Lyceum runs on SQLite in `./lyceum-data`.

use anyhow::{Context, Result};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use lyceum_domain::mail::DigestEvery;
use lyceum_domain::{Placement, TargetPolicy};
use lyceum_store::{PgConnectOptions, PoolLimits, SqliteSynchronous, StoreConfig};
use lyceum_worker::mail::{MailConfig, MailTransport, SmtpConfig, SmtpTls};
use lyceum_worker::{WebhookConfig, Worker, WorkerConfig};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// Longest a cached page may be served (it bounds how late changes by other processes show).
const MAX_RESPONSE_CACHE_TTL_SECS: u64 = 24 * 3600;

const DAY: u64 = 24 * 3600;

/// How the worker sends mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransportKind {
    /// `.eml` files under `mail_folder`.
    File,
    /// The SMTP server `mail_smtp_host`.
    Smtp,
}

/// Whether `lyceum serve` runs the worker in its process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkerMode {
    On,
    Off,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Folder of the embedded default (SQLite directory and tenant files).
    pub data_dir: PathBuf,
    /// PostgreSQL URL of the runtime role. Unset: the embedded SQLite default.
    pub database_url: Option<String>,
    /// PostgreSQL URL of the owner role that runs migrations and provisioning (required with
    /// `database_url`).
    pub migration_database_url: Option<String>,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Base domain for tenant sub-domains: with `lms.example`, `acme.lms.example` is tenant `acme`.
    pub base_domain: Option<String>,
    /// Placement of new tenants (`pool`, `schema`, `database`); unset: the engine's default.
    pub default_placement: Option<Placement>,
    /// Apply pending migrations to every tenant when `serve` starts.
    pub auto_migrate: bool,
    pub shared_max_connections: u32,
    pub tenant_max_connections: u32,
    /// Tenants' own pools open at once; unset: as many as the tenant connection budget holds.
    pub max_open_tenant_pools: Option<u64>,
    /// PostgreSQL: connections this process may hold on its server; unset: the server's
    /// `max_connections` less its superuser reserve and a tenth kept for other clients.
    pub pg_connection_budget: Option<u32>,
    /// Connections of all tenants' own pools together (dedicated databases, SQLite files);
    /// unset: what the PostgreSQL budget leaves, or on SQLite 1,100 or what the open-file
    /// limit holds.
    pub tenant_connection_budget: Option<u64>,
    pub tenant_pool_idle_secs: u64,
    pub acquire_timeout_secs: u64,
    /// SQLite: milliseconds a write waits for a tenant file's write lock before it is refused
    /// with 503 `TENANT_BUSY`.
    pub sqlite_busy_timeout_ms: u64,
    /// SQLite: `normal` (survives a crash of the process; a power cut may lose the last
    /// commits) or `full` (every commit synced to disk).
    pub sqlite_synchronous: String,
    /// Seconds after which a request is cancelled (408) and its transaction rolled back.
    pub request_timeout_secs: u64,
    /// Seconds a client has to send a request's headers, from when its connection opened or its
    /// previous answer went out; a slower client, or an idle keep-alive connection, is closed.
    pub client_header_timeout_secs: u64,
    /// `max-age` of `Strict-Transport-Security` on every answer (behind TLS); 0 sends none.
    pub hsts_max_age_secs: u64,
    /// For tests and private set-ups only: the address a custom domain's verification check
    /// connects to instead of the domain's public DNS addresses (any address, loopback and
    /// private ones included). Unset in production.
    pub domain_verify_address: Option<std::net::IpAddr>,
    /// For tests and private set-ups only: the port the verification check connects to
    /// instead of 80 (443 after a redirect to https). Unset in production.
    pub domain_verify_port: Option<u16>,
    /// Seconds `serve` waits, once asked to stop, for requests in flight; the rest are then
    /// cancelled and their transactions rolled back.
    pub shutdown_grace_secs: u64,
    /// Lifetime of access tokens, in seconds.
    pub access_token_ttl_secs: u64,
    /// Lifetime of refresh tokens, in seconds.
    pub refresh_token_ttl_secs: u64,
    /// Tenant resolutions cached in memory.
    pub tenant_cache_capacity: u64,
    /// Seconds a cached tenant resolution is trusted (changes by other processes show after this).
    pub tenant_cache_ttl_secs: u64,
    /// Let organisations sign themselves up (`POST /api/v1/signup`, the portal's `/signup`).
    pub self_signup: bool,
    /// Organisation sign-ups one client address may make in an hour.
    pub self_signup_per_address_per_hour: u32,
    /// Refuse a tenant's requests past its plan's rate (429 `RATE_LIMITED`).
    pub rate_limits: bool,
    /// Seconds of its plan's rate a tenant may spend in one burst.
    pub rate_limit_burst_secs: u32,
    /// Failed sign-ins on one account within the window before it is locked.
    pub login_max_failures: u32,
    pub login_failure_window_secs: u64,
    /// Sign-in attempts per minute from one client address.
    pub login_attempts_per_minute_per_address: u32,
    /// Comma-separated addresses or CIDR ranges of proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: String,
    /// Comma-separated browser origins allowed by CORS (`*` for any); empty: no CORS.
    pub cors_origins: String,
    /// Distinct tenants labelled in `/metrics` (the rest count as `other`).
    pub metrics_tenant_labels: usize,
    /// Bearer token `/metrics` requires; unset: only clients on this host are answered.
    pub metrics_token: Option<String>,
    /// MiB of catalog pages and dashboards kept in memory; 0 turns the response cache off.
    pub response_cache_mb: u64,
    /// Seconds a cached page is served at most. Committed changes retire copies at once (on
    /// PostgreSQL also in the other server processes, by notice); this bounds the rest: a
    /// notice lost to a broken connection, a due date passing, changes by another process on
    /// SQLite.
    pub response_cache_ttl_secs: u64,
    /// `on`: `serve` runs the worker (outbox delivery, jobs) in process; `off`: it does not (run
    /// `lyceum worker` somewhere instead).
    pub worker: WorkerMode,
    /// Tenants the worker works on at once.
    pub worker_concurrency: usize,
    /// Seconds between the worker's sweeps of every tenant.
    pub worker_sweep_secs: u64,
    /// Seconds a job is its worker's before another may claim it again.
    pub worker_job_lease_secs: u64,
    /// Days delivered events and finished jobs are kept before the daily housekeeping deletes
    /// them.
    pub retention_days: u64,
    /// `file` (the default: each message an `.eml` file under `mail_folder`) or `smtp`.
    pub mail_transport: MailTransportKind,
    /// Folder of the `file` transport; unset: `<data_dir>/mail/outbox`.
    pub mail_folder: Option<PathBuf>,
    /// The sender of every message (`Lyceum <no-reply@lms.example>`; a bare address carries
    /// the tenant's name).
    pub mail_from: String,
    /// Where messages' links lead (`https://lms.example`); unset: `http://<bind>`.
    pub mail_link_base: Option<String>,
    pub mail_smtp_host: Option<String>,
    /// Unset: 25, 587 or 465, as `mail_smtp_tls` asks.
    pub mail_smtp_port: Option<u16>,
    /// `none`, `starttls` or `tls`.
    pub mail_smtp_tls: SmtpTls,
    pub mail_smtp_username: Option<String>,
    pub mail_smtp_password: Option<String>,
    /// Seconds a whole SMTP send may take before it counts as failed (and is retried).
    pub mail_smtp_timeout_secs: u64,
    /// Days ahead learners are reminded of a due date; 0: no reminders.
    pub mail_remind_days: u32,
    /// `off`, `daily` or `weekly`: how often learners get a digest of their courses.
    pub mail_digest: DigestEvery,
    /// Let webhook endpoints be on loopback, private, link-local or other non-public addresses
    /// (receivers on the operator's own network); off, they are refused when saved and at
    /// every delivery.
    pub webhook_allow_private_targets: bool,
    /// Seconds a webhook delivery attempt may take in all (connect, send, answer).
    pub webhook_timeout_secs: u64,
    /// Folder of uploaded files (local storage); unset: `<data_dir>/objects`. Not used when
    /// `storage_s3_bucket` is set.
    pub storage_dir: Option<PathBuf>,
    /// An S3-compatible bucket for uploaded files; unset: the local folder.
    pub storage_s3_bucket: Option<String>,
    /// The S3 endpoint (`https://s3.example.com`); unset: AWS's for the region.
    pub storage_s3_endpoint: Option<String>,
    pub storage_s3_region: Option<String>,
    /// S3 credentials; unset: the standard `AWS_*` variables.
    pub storage_s3_access_key_id: Option<String>,
    pub storage_s3_secret_access_key: Option<String>,
    /// Allow an `http://` S3 endpoint (a storage server on the same host or network).
    pub storage_s3_allow_http: bool,
    /// Seconds a signed download URL of a file works.
    pub storage_url_ttl_secs: u64,
    /// Log filter, in `tracing` syntax (`info`, `lyceum=debug,sqlx=warn`).
    pub log: String,
    /// `text` or `json`.
    pub log_format: String,
}

impl Default for Settings {
    fn default() -> Self {
        let limits = PoolLimits::default();
        let worker = WorkerConfig::default();
        Self {
            data_dir: PathBuf::from("./lyceum-data"),
            database_url: None,
            migration_database_url: None,
            bind: "127.0.0.1:8080".to_owned(),
            base_domain: None,
            default_placement: None,
            auto_migrate: true,
            shared_max_connections: limits.shared_max_connections,
            tenant_max_connections: limits.tenant_max_connections,
            max_open_tenant_pools: limits.max_open_tenant_pools,
            pg_connection_budget: limits.postgres_connection_budget,
            tenant_connection_budget: limits.tenant_connection_budget,
            tenant_pool_idle_secs: limits.tenant_pool_idle.as_secs(),
            acquire_timeout_secs: limits.acquire_timeout.as_secs(),
            sqlite_busy_timeout_ms: limits.sqlite_busy_timeout.as_millis() as u64,
            sqlite_synchronous: "normal".to_owned(),
            request_timeout_secs: 30,
            client_header_timeout_secs: 30,
            hsts_max_age_secs: 0,
            domain_verify_address: None,
            domain_verify_port: None,
            shutdown_grace_secs: 10,
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_secs: 30 * 24 * 3600,
            tenant_cache_capacity: limits.tenant_cache_capacity,
            tenant_cache_ttl_secs: limits.tenant_cache_ttl.as_secs(),
            self_signup: false,
            self_signup_per_address_per_hour: 5,
            rate_limits: true,
            rate_limit_burst_secs: 10,
            login_max_failures: 5,
            login_failure_window_secs: 15 * 60,
            login_attempts_per_minute_per_address: 30,
            trusted_proxies: String::new(),
            cors_origins: String::new(),
            metrics_tenant_labels: 100,
            metrics_token: None,
            response_cache_mb: 64,
            response_cache_ttl_secs: 10,
            worker: WorkerMode::On,
            worker_concurrency: worker.concurrency,
            worker_sweep_secs: worker.sweep_every.as_secs(),
            worker_job_lease_secs: worker.job_lease.as_secs(),
            retention_days: worker.retention.as_secs() / DAY,
            mail_transport: MailTransportKind::File,
            mail_folder: None,
            mail_from: "no-reply@localhost".to_owned(),
            mail_link_base: None,
            mail_smtp_host: None,
            mail_smtp_port: None,
            mail_smtp_tls: SmtpTls::StartTls,
            mail_smtp_username: None,
            mail_smtp_password: None,
            mail_smtp_timeout_secs: 30,
            mail_remind_days: 3,
            mail_digest: DigestEvery::Weekly,
            webhook_allow_private_targets: false,
            webhook_timeout_secs: WebhookConfig::default().timeout.as_secs(),
            storage_dir: None,
            storage_s3_bucket: None,
            storage_s3_endpoint: None,
            storage_s3_region: None,
            storage_s3_access_key_id: None,
            storage_s3_secret_access_key: None,
            storage_s3_allow_http: false,
            storage_url_ttl_secs: 3600,
            log: "info".to_owned(),
            log_format: "text".to_owned(),
        }
    }
}

impl Settings {
    /// Defaults, then `file` (or `lyceum.toml` if present), then `LYCEUM_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Settings> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) => {
                anyhow::ensure!(
                    path.exists(),
                    "configuration file {} does not exist",
                    path.display()
                );
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("lyceum.toml")),
        }
        let settings: Settings = figment
            .merge(Env::prefixed("LYCEUM_").ignore(&["config", "test_database_url"]))
            .extract()
            .context("invalid configuration")?;
        // Refuse a bad HTTP setting before any command does work.
        settings.server_config()?;
        Ok(settings)
    }

    pub fn server_config(&self) -> Result<lyceum_server::ServerConfig> {
        anyhow::ensure!(
            self.response_cache_ttl_secs <= MAX_RESPONSE_CACHE_TTL_SECS,
            "LYCEUM_RESPONSE_CACHE_TTL_SECS is at most {MAX_RESPONSE_CACHE_TTL_SECS} (a day)"
        );
        let trusted_proxies = list(&self.trusted_proxies)
            .map(|p| {
                p.parse::<ipnet::IpNet>()
                    .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .with_context(|| {
                        format!("LYCEUM_TRUSTED_PROXIES: {p:?} is no address or CIDR range")
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        if self.domain_verify_address.is_some() || self.domain_verify_port.is_some() {
            tracing::warn!(
                address = ?self.domain_verify_address,
                port = ?self.domain_verify_port,
                "custom domain checks go to a configured address or port instead of the domains' public addresses (LYCEUM_DOMAIN_VERIFY_*): meant for tests and private set-ups"
            );
        }
        Ok(lyceum_server::ServerConfig {
            base_domain: self
                .base_domain
                .as_ref()
                .map(|d| d.trim_end_matches('.').to_ascii_lowercase()),
            auth: lyceum_server::AuthConfig {
                access_token_ttl: Duration::from_secs(self.access_token_ttl_secs),
                refresh_token_ttl: Duration::from_secs(self.refresh_token_ttl_secs),
                ..Default::default()
            },
            signup: lyceum_server::SignUpConfig {
                enabled: self.self_signup,
                per_address_per_hour: self.self_signup_per_address_per_hour,
                ..lyceum_server::SignUpConfig::default()
            },
            rate_limit: lyceum_server::RateLimitConfig {
                enabled: self.rate_limits,
                burst_seconds: self.rate_limit_burst_secs,
            },
            login_throttle: lyceum_server::LoginThrottleConfig {
                max_failures: self.login_max_failures,
                failure_window: Duration::from_secs(self.login_failure_window_secs),
                attempts_per_minute_per_address: self.login_attempts_per_minute_per_address,
                trusted_proxies,
            },
            metrics_tenant_labels: self.metrics_tenant_labels,
            cors_origins: list(&self.cors_origins).map(str::to_owned).collect(),
            metrics_token: self.metrics_token.clone().filter(|t| !t.is_empty()),
            response_cache: lyceum_server::ResponseCacheConfig {
                capacity_bytes: self.response_cache_mb.saturating_mul(1024 * 1024),
                ttl: Duration::from_secs(self.response_cache_ttl_secs),
            },
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            client_header_timeout: Duration::from_secs(self.client_header_timeout_secs.max(1)),
            hsts_max_age_secs: self.hsts_max_age_secs,
            domain_check: lyceum_app::settings::DomainCheckConfig {
                address: self.domain_verify_address,
                port: self.domain_verify_port,
                ..Default::default()
            },
            webhook_targets: self.webhook_targets(),
            storage: self.storage_config()?,
        })
    }

    /// Where uploaded files go: the S3 bucket if one is set, else the local folder.
    pub fn storage_config(&self) -> Result<lyceum_app::files::StorageConfig> {
        use lyceum_app::files::{S3Storage, StorageBackend, StorageConfig};
        anyhow::ensure!(
            self.storage_url_ttl_secs >= 1,
            "LYCEUM_STORAGE_URL_TTL_SECS must be at least 1"
        );
        let set = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
        let backend = match set(&self.storage_s3_bucket) {
            Some(bucket) => StorageBackend::S3(S3Storage {
                bucket,
                endpoint: set(&self.storage_s3_endpoint),
                region: set(&self.storage_s3_region),
                access_key_id: set(&self.storage_s3_access_key_id),
                secret_access_key: set(&self.storage_s3_secret_access_key),
                allow_http: self.storage_s3_allow_http,
            }),
            None => StorageBackend::Local {
                root: self
                    .storage_dir
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("objects")),
            },
        };
        Ok(StorageConfig {
            backend,
            url_ttl: Duration::from_secs(self.storage_url_ttl_secs),
        })
    }

    fn webhook_targets(&self) -> TargetPolicy {
        TargetPolicy {
            allow_private: self.webhook_allow_private_targets,
        }
    }

    pub fn webhook_config(&self) -> WebhookConfig {
        WebhookConfig {
            targets: self.webhook_targets(),
            timeout: Duration::from_secs(self.webhook_timeout_secs.max(1)),
            ..WebhookConfig::default()
        }
    }

    /// The worker `serve` and `worker` run: the outbox, the job queues (the housekeeping
    /// sweeping file storage), mail and webhooks.
    pub fn worker(&self, store: lyceum_store::Store) -> Result<Worker> {
        let files = lyceum_app::files::FileStorage::open(&self.storage_config()?, store.clone())?;
        Worker::new(store, self.worker_config()?)
            .sweep_files(std::sync::Arc::new(files))
            .send_mail(self.mail_config()?)?
            .webhooks(self.webhook_config())
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    pub fn worker_config(&self) -> Result<WorkerConfig> {
        anyhow::ensure!(
            self.worker_job_lease_secs > 0 && self.worker_sweep_secs > 0,
            "LYCEUM_WORKER_JOB_LEASE_SECS and LYCEUM_WORKER_SWEEP_SECS must be above 0"
        );
        Ok(WorkerConfig {
            concurrency: self.worker_concurrency.max(1),
            job_lease: Duration::from_secs(self.worker_job_lease_secs),
            sweep_every: Duration::from_secs(self.worker_sweep_secs),
            retention: Duration::from_secs(self.retention_days.saturating_mul(DAY)),
            ..WorkerConfig::default()
        })
    }

    /// Where links to the portal lead (`mail_link_base`, else `http://<bind>`).
    pub fn link_base(&self) -> String {
        self.mail_link_base
            .clone()
            .filter(|b| !b.trim().is_empty())
            .unwrap_or_else(|| format!("http://{}", self.bind))
    }

    pub fn mail_config(&self) -> Result<MailConfig> {
        let transport = match self.mail_transport {
            MailTransportKind::File => MailTransport::File {
                folder: self
                    .mail_folder
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("mail").join("outbox")),
            },
            MailTransportKind::Smtp => {
                let host = self
                    .mail_smtp_host
                    .clone()
                    .filter(|h| !h.trim().is_empty())
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "LYCEUM_MAIL_SMTP_HOST is required with LYCEUM_MAIL_TRANSPORT=smtp"
                        )
                    })?;
                anyhow::ensure!(
                    self.mail_smtp_timeout_secs > 0,
                    "LYCEUM_MAIL_SMTP_TIMEOUT_SECS must be above 0"
                );
                MailTransport::Smtp(SmtpConfig {
                    port: self
                        .mail_smtp_port
                        .unwrap_or_else(|| self.mail_smtp_tls.default_port()),
                    host,
                    tls: self.mail_smtp_tls,
                    username: self.mail_smtp_username.clone().filter(|u| !u.is_empty()),
                    password: self.mail_smtp_password.clone().filter(|p| !p.is_empty()),
                    timeout: Duration::from_secs(self.mail_smtp_timeout_secs),
                })
            }
        };
        Ok(MailConfig {
            transport,
            from: self.mail_from.clone(),
            link_base: self.link_base(),
            remind_days: self.mail_remind_days,
            digest: self.mail_digest,
        })
    }

    pub fn store_config(&self) -> Result<StoreConfig> {
        let mut config = match &self.database_url {
            None => StoreConfig::sqlite(&self.data_dir),
            Some(runtime) => {
                let owner = self.migration_database_url.as_deref().ok_or_else(|| {
                    anyhow::anyhow!(
                        "LYCEUM_MIGRATION_DATABASE_URL is required with LYCEUM_DATABASE_URL: \
                         migrations run as an owner role, requests as a runtime role that cannot bypass row-level security"
                    )
                })?;
                StoreConfig::postgres(
                    parse_url("LYCEUM_DATABASE_URL", runtime)?,
                    parse_url("LYCEUM_MIGRATION_DATABASE_URL", owner)?,
                )
            }
        };
        config.limits = PoolLimits {
            shared_max_connections: self.shared_max_connections,
            tenant_max_connections: self.tenant_max_connections,
            max_open_tenant_pools: self.max_open_tenant_pools,
            postgres_connection_budget: self.pg_connection_budget,
            tenant_connection_budget: self.tenant_connection_budget,
            tenant_pool_idle: Duration::from_secs(self.tenant_pool_idle_secs),
            acquire_timeout: Duration::from_secs(self.acquire_timeout_secs),
            tenant_cache_capacity: self.tenant_cache_capacity,
            tenant_cache_ttl: Duration::from_secs(self.tenant_cache_ttl_secs),
            sqlite_busy_timeout: Duration::from_millis(self.sqlite_busy_timeout_ms),
            sqlite_synchronous: match self.sqlite_synchronous.to_ascii_lowercase().as_str() {
                "normal" => SqliteSynchronous::Normal,
                "full" => SqliteSynchronous::Full,
                other => anyhow::bail!(
                    "LYCEUM_SQLITE_SYNCHRONOUS: {other:?} is neither `normal` nor `full`"
                ),
            },
        };
        config.default_placement = self.default_placement;
        Ok(config)
    }
}

fn parse_url(name: &str, url: &str) -> Result<PgConnectOptions> {
    anyhow::ensure!(
        url.starts_with("postgres://") || url.starts_with("postgresql://"),
        "{name} must be a postgres:// URL"
    );
    PgConnectOptions::from_str(url).with_context(|| format!("{name} is not a valid PostgreSQL URL"))
}

/// The non-empty items of a comma-separated setting.
fn list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

// figment's Jail closures return figment's own (large) error type.
#[allow(clippy::result_large_err)]
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_set_means_sqlite_in_the_local_data_folder() {
        figment::Jail::expect_with(|_| {
            let settings = Settings::load(None).unwrap();
            assert_eq!(settings.data_dir, PathBuf::from("./lyceum-data"));
            assert!(matches!(
                settings.store_config().unwrap().engine,
                lyceum_store::EngineConfig::Sqlite { .. }
            ));
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("lyceum.toml", "bind = \"0.0.0.0:9000\"\nmax_open_tenant_pools = 10\ndefault_placement = \"schema\"")?;
            jail.set_env("LYCEUM_MAX_OPEN_TENANT_POOLS", "20");
            let settings = Settings::load(None).unwrap();
            assert_eq!(settings.bind, "0.0.0.0:9000");
            assert_eq!(settings.max_open_tenant_pools, Some(20));
            assert_eq!(settings.default_placement, Some(Placement::Schema));
            Ok(())
        });
    }

    #[test]
    fn proxies_and_origins_are_comma_separated_lists() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("LYCEUM_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7");
            jail.set_env("LYCEUM_CORS_ORIGINS", "https://a.example,https://b.example");
            let config = Settings::load(None).unwrap().server_config().unwrap();
            let proxies: Vec<String> = config
                .login_throttle
                .trusted_proxies
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(proxies, ["10.0.0.0/8", "192.0.2.7/32"]);
            assert_eq!(
                config.cors_origins,
                ["https://a.example", "https://b.example"]
            );
            jail.set_env("LYCEUM_TRUSTED_PROXIES", "not-an-address");
            let err = Settings::load(None).unwrap_err();
            assert!(
                format!("{err:#}").contains("LYCEUM_TRUSTED_PROXIES"),
                "{err:#}"
            );
            Ok(())
        });
    }

    #[test]
    fn the_worker_runs_in_serve_unless_switched_off() {
        figment::Jail::expect_with(|jail| {
            assert_eq!(Settings::load(None).unwrap().worker, WorkerMode::On);
            jail.set_env("LYCEUM_WORKER", "off");
            jail.set_env("LYCEUM_RETENTION_DAYS", "30");
            let settings = Settings::load(None).unwrap();
            assert_eq!(settings.worker, WorkerMode::Off);
            let config = settings.worker_config().unwrap();
            assert_eq!(config.retention, Duration::from_secs(30 * DAY));
            jail.set_env("LYCEUM_WORKER", "sometimes");
            assert!(Settings::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn mail_goes_to_files_under_the_data_folder_unless_smtp_is_configured() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("LYCEUM_DATA_DIR", "/srv/lyceum");
            let config = Settings::load(None).unwrap().mail_config().unwrap();
            assert_eq!(
                config.transport,
                MailTransport::File {
                    folder: PathBuf::from("/srv/lyceum/mail/outbox")
                }
            );
            assert_eq!(config.link_base, "http://127.0.0.1:8080");
            jail.set_env("LYCEUM_MAIL_TRANSPORT", "smtp");
            let refused = Settings::load(None).unwrap().mail_config().unwrap_err();
            assert!(
                refused.to_string().contains("LYCEUM_MAIL_SMTP_HOST"),
                "{refused}"
            );
            jail.set_env("LYCEUM_MAIL_SMTP_HOST", "smtp.example");
            jail.set_env("LYCEUM_MAIL_SMTP_TLS", "tls");
            jail.set_env("LYCEUM_MAIL_SMTP_USERNAME", "lyceum");
            jail.set_env("LYCEUM_MAIL_SMTP_PASSWORD", "secret");
            jail.set_env("LYCEUM_MAIL_DIGEST", "off");
            let settings = Settings::load(None).unwrap();
            assert_eq!(settings.mail_digest, DigestEvery::Off);
            let MailTransport::Smtp(smtp) = settings.mail_config().unwrap().transport else {
                panic!("not SMTP");
            };
            assert_eq!((smtp.host.as_str(), smtp.port), ("smtp.example", 465));
            assert_eq!(smtp.tls, SmtpTls::Tls);
            assert_eq!(smtp.password.as_deref(), Some("secret"));
            assert!(!format!("{smtp:?}").contains("secret"));
            jail.set_env("LYCEUM_MAIL_SMTP_TLS", "sometimes");
            assert!(Settings::load(None).is_err());
            Ok(())
        });
    }

    #[test]
    fn bad_values_are_reported() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("LYCEUM_DEFAULT_PLACEMENT", "shard");
            assert!(Settings::load(None).is_err());
            jail.set_env("LYCEUM_DEFAULT_PLACEMENT", "pool");
            jail.set_env("LYCEUM_DATABASE_URL", "mysql://nope");
            assert!(Settings::load(None).unwrap().store_config().is_err());
            jail.set_env("LYCEUM_DATABASE_URL", "");
            jail.set_env("LYCEUM_RESPONSE_CACHE_TTL_SECS", "31536000000000");
            let refused = Settings::load(None).unwrap_err().to_string();
            assert!(
                refused.contains("LYCEUM_RESPONSE_CACHE_TTL_SECS"),
                "{refused}"
            );
            Ok(())
        });
    }
}
