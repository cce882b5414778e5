//! The `lyceum` command: run the server (and the worker), migrate, administer tenants and jobs,
//! check audit logs, load demo data, measure.

mod audit;
mod bench;
mod bench_api;
mod bench_files;
mod bench_learning;
mod bench_people;
mod bench_portal;
mod bench_quiz;
mod bench_seed;
mod bench_tenants;
mod bench_webhooks;
mod bench_worker;
mod demo;
mod jobs;
mod platform_user;
mod settings;
mod tenant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use futures_util::future::BoxFuture;
use lyceum_server::AppState;
use lyceum_store::{MigrationScope, Store, StoreError};
use lyceum_worker::mail::MailTransport;
use lyceum_worker::Worker;
use prometheus_client::collector::Collector;
use settings::{Settings, WorkerMode};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "lyceum",
    version,
    about = "Multi-tenant learning platform server"
)]
struct Cli {
    /// TOML configuration file (default: ./lyceum.toml when present). `LYCEUM_*` variables win.
    #[arg(long, global = true, env = "LYCEUM_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server, and the worker unless `LYCEUM_WORKER=off`.
    Serve,
    /// Run the worker alone (outbox delivery and jobs), for deployments that separate it from
    /// the HTTP servers.
    Worker,
    /// Provision the demo tenants (if missing), then run the HTTP server.
    Demo,
    /// Apply pending migrations to the directory and the tenants the directory records as
    /// behind (or failed), in every placement, a few at a time.
    Migrate {
        /// Visit every tenant, checking its applied migrations, not only those recorded behind.
        #[arg(long)]
        every: bool,
    },
    /// Create, list and inspect tenants.
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// List, retry and cancel the tenants' background jobs.
    #[command(subcommand)]
    Jobs(jobs::JobsCommand),
    /// How the delivery of the tenants' events stands.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Create platform operators (super_admin).
    #[command(subcommand)]
    PlatformUser(platform_user::PlatformUserCommand),
    /// Check the audit logs' hash chains.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Measure provisioning and tenant-scoping costs on the configured engine.
    Bench(bench::BenchArgs),
}

#[derive(Subcommand)]
enum OutboxCommand {
    /// Per tenant: events waiting, delivered so far, failed batches in a row, the last error.
    Status {
        /// Only this tenant (default: every tenant).
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// Allocations from this size up are mapped for themselves and given back to the system when
/// freed. Sign-ins allocate 19 MiB each (Argon2id), and glibc's default raises this threshold to
/// the largest block freed so far, after which those buffers stay in the heap: a server held
/// 237 MB after 200 sign-ins. A fixed threshold keeps that default from adapting.
#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
const MAP_FROM_BYTES: i32 = 1 << 20;

/// mimalloc by default: with a thousand SQLite tenants read at random, 17 % more requests per
/// second than glibc's allocator with the response cache off and twice as many with it on. It is built without transparent huge pages (see the workspace's
/// `Cargo.toml`): on the embedded SQLite default every tenant connection runs on a thread of its
/// own (the driver's design), and with 2 MiB pages behind each thread's heap a thousand tenants
/// held 1.4-1.6 GB instead of 0.7 GB. glibc's allocator, whose arenas threads share, holds some
/// 15 % less than that for many SQLite tenants; build with `--no-default-features` for it (see
/// docs/operations.md, "Choosing the allocator").
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
    // SAFETY: `mallopt` sets an allocator parameter; called first thing in `main`, before any
    // thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MAP_FROM_BYTES);
    }
}

fn main() {
    tune_allocator();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    runtime.block_on(run_cli());
}

async fn run_cli() {
    let cli = Cli::parse();
    if let Err(error) = run(cli).await {
        // A refusal of the application layer, or a store error, prints its stable code.
        let code = error
            .downcast_ref::<lyceum_app::Refusal>()
            .map(|e| e.code())
            .or_else(|| error.downcast_ref::<StoreError>().map(|e| e.code()));
        match code {
            Some(code) => eprintln!("error: {code}: {error:#}"),
            None => eprintln!("error: {error:#}"),
        }
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    init_logging(&settings);
    if matches!(
        cli.command,
        Command::Serve | Command::Demo | Command::Worker
    ) {
        raise_open_file_limit()?;
    }
    // A server claims its SQLite data folder before the store opens (and migrates) it, so that
    // a second one stops at once, having changed nothing.
    let _claim = match cli.command {
        Command::Serve | Command::Demo => claim_data_folder(&settings)?,
        _ => None,
    };
    let store_config = settings.store_config()?;
    let store = Store::open(store_config.clone())
        .await
        .map_err(|e| match e {
            StoreError::Budget(_) => anyhow::Error::new(e).context(
                "the connection budget does not fit (settings: LYCEUM_PG_CONNECTION_BUDGET, \
                 LYCEUM_TENANT_CONNECTION_BUDGET, LYCEUM_SHARED_MAX_CONNECTIONS)",
            ),
            e => e.into(),
        })?;
    // A server takes its address before it does anything (the demo provisions and prints).
    let result = match cli.command {
        Command::Serve => {
            let listener = listen(&settings).await?;
            serve(&settings, store.clone(), listener).await
        }
        Command::Demo => {
            let listener = listen(&settings).await?;
            demo::provision(&store).await?;
            println!(
                "portal: http://{}/t/acme/ and http://{}/t/northwind/ (sign in as a demo user)\n\
                 API, for example:\n  curl -X POST http://{}/t/acme/api/v1/auth/login -H 'content-type: application/json' \\\n    -d '{{\"email\":\"admin@acme.test\",\"password\":\"{}\"}}'\n\
                 demo users: admin@acme.test, irene@acme.test, sam@acme.test, kim@acme.test (acme); head@northwind.test, ms.lee@northwind.test, sam@acme.test, noah@northwind.test (northwind)",
                settings.bind,
                settings.bind,
                settings.bind,
                demo::PASSWORD
            );
            if let MailTransport::File { folder } = settings.mail_config()?.transport {
                println!("mail: each message an .eml file under {}", folder.display());
            }
            serve(&settings, store.clone(), listener).await
        }
        Command::Migrate { every } => {
            let scope = if every {
                MigrationScope::Every
            } else {
                MigrationScope::Behind
            };
            tenant::migrate(&store, scope).await
        }
        Command::Worker => work(&settings, store.clone()).await,
        Command::Jobs(command) => jobs::run(&store, command).await,
        Command::Outbox(OutboxCommand::Status { tenant, json }) => {
            jobs::outbox_status(&store, tenant.as_deref(), json).await
        }
        Command::Tenant(command) => {
            let link_base = settings.link_base();
            tenant::run(&store, &link_base, command).await
        }
        Command::PlatformUser(command) => platform_user::run(&store, command).await,
        Command::Audit(command) => audit::run(&store, command).await,
        Command::Bench(args) => bench::run(&store, store_config, args).await,
    };
    store.close().await;
    result
}

/// Raises the process's soft limit on open files to its hard limit: the store sizes its
/// connection budget from it, and refuses at start a configured budget it cannot hold (better
/// a clear message at start than `Too many open files` under load).
fn raise_open_file_limit() -> Result<()> {
    let limit =
        rlimit::increase_nofile_limit(u64::MAX).context("cannot read the open-file limit")?;
    tracing::info!(limit, "open-file limit");
    Ok(())
}

/// What `serve` and `worker` do before they start: reclaim abandoned provisionings and, with
/// `auto_migrate`, bring the tenants to this release's schema.
async fn prepare(settings: &Settings, store: &Store) -> Result<()> {
    store
        .reclaim_abandoned_provisioning(tenant::ABANDONED_PROVISIONING_AGE)
        .await?;
    if settings.auto_migrate {
        let report = store.migrate_all(MigrationScope::Behind, &|_| {}).await?;
        for failure in &report.failures {
            tracing::error!(tenant = %failure.slug, code = failure.code, "{}", failure.message);
        }
    }
    Ok(())
}

/// One `serve` (or `demo`) per SQLite data folder: a second process on the same files would
/// serve with caches, rate limits and sign-in throttles of its own, each blind to the other's
/// changes for up to the response cache's life. The claim is a lock on `serve.lock` in the
/// folder, held until the process exits (the system lets it go however the process ends).
/// Commands that do one thing and exit (`tenant`, `migrate`, `jobs` ...) and a separate
/// `worker` do not claim it. `None` on PostgreSQL, which any number of servers share.
fn claim_data_folder(settings: &Settings) -> Result<Option<std::fs::File>> {
    if settings.database_url.is_some() {
        return Ok(None);
    }
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("cannot create {}", settings.data_dir.display()))?;
    let path = settings.data_dir.join("serve.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
            "another lyceum server uses the data folder {} (it holds {}): run one server per SQLite data folder, or PostgreSQL (LYCEUM_DATABASE_URL) for several",
            settings.data_dir.display(),
            path.display()
        ),
        Err(std::fs::TryLockError::Error(error)) => {
            Err(error).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

async fn serve(settings: &Settings, store: Store, listener: tokio::net::TcpListener) -> Result<()> {
    prepare(settings, &store).await?;
    tracing::info!(address = %listener.local_addr()?, engine = %store.engine(), "lyceum is serving");
    let worker = match settings.worker {
        WorkerMode::On => Some(settings.worker(store.clone())?),
        WorkerMode::Off => None,
    };
    let state = AppState::with_metrics_of(store, settings.server_config()?, collectors(&worker));
    anyhow::ensure!(
        state.files.is_some(),
        "file storage could not be opened (see the log above; LYCEUM_STORAGE_* settings)"
    );
    let grace = std::time::Duration::from_secs(settings.shutdown_grace_secs);
    until_stopped(worker, grace, |stopped| {
        lyceum_server::serve(listener, state, stopped, grace)
    })
    .await?;
    tracing::info!("lyceum stopped");
    Ok(())
}

/// `lyceum worker`: the worker alone, with the probes (`/healthz`, `/readyz`, `/metrics`) on
/// `bind`, until SIGTERM or Ctrl-C; then its running jobs get the grace period to finish.
async fn work(settings: &Settings, store: Store) -> Result<()> {
    prepare(settings, &store).await?;
    let listener = listen(settings).await?;
    tracing::info!(address = %listener.local_addr()?, engine = %store.engine(), "lyceum worker is working");
    let worker = Some(settings.worker(store.clone())?);
    let state = AppState::with_metrics_of(store, settings.server_config()?, collectors(&worker));
    let grace = std::time::Duration::from_secs(settings.shutdown_grace_secs);
    until_stopped(worker, grace, |stopped| {
        lyceum_server::serve_probes(listener, state, stopped, grace)
    })
    .await?;
    tracing::info!("lyceum worker stopped");
    Ok(())
}

/// The worker `serve` and `worker` run: Lyceum's job kinds, mail included.
async fn listen(settings: &Settings) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(&settings.bind)
        .await
        .with_context(|| format!("cannot listen on {}", settings.bind))
}

fn collectors(worker: &Option<Worker>) -> Vec<Box<dyn Collector>> {
    worker
        .iter()
        .map(|w| Box::new(w.collector()) as Box<dyn Collector>)
        .collect()
}

/// Starts `worker` and runs `serving` (given the future that says when to stop) until SIGTERM
/// or Ctrl-C: then the server lets its requests finish and the worker its jobs, each within
/// `grace`. A server that fails stops the worker too.
async fn until_stopped<F>(
    worker: Option<Worker>,
    grace: std::time::Duration,
    serving: impl FnOnce(BoxFuture<'static, ()>) -> F,
) -> std::io::Result<()>
where
    F: std::future::Future<Output = std::io::Result<()>>,
{
    let running = worker.map(Worker::start);
    let stop = std::sync::Arc::new(tokio::sync::watch::channel(false).0);
    let signalled = stop.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        signalled.send_replace(true);
    });
    let asked = |mut stopping: tokio::sync::watch::Receiver<bool>| -> BoxFuture<'static, ()> {
        Box::pin(async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        })
    };
    let server = async {
        let served = serving(asked(stop.subscribe())).await;
        stop.send_replace(true);
        served
    };
    let worker_stopped = async {
        if let Some(running) = running {
            asked(stop.subscribe()).await;
            running.stop(grace).await;
        }
    };
    let (served, ()) = tokio::join!(server, worker_stopped);
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if settings.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
