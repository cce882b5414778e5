//! The `lyceum` command: run the server, migrate, administer tenants, load demo data, measure.

mod bench;
mod bench_api;
mod bench_learning;
mod bench_tenants;
mod demo;
mod platform_user;
mod settings;
mod tenant;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use lyceum_server::AppState;
use lyceum_store::{MigrationScope, Store};
use settings::Settings;
use std::path::PathBuf;

/// Sign-ins allocate 19 MiB each (Argon2id); glibc's allocator kept those blocks after use (RSS
/// grew past 230 MB over 200 sign-ins), mimalloc gives them back to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Run the HTTP server.
    Serve,
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
    /// Create platform operators (super_admin).
    #[command(subcommand)]
    PlatformUser(platform_user::PlatformUserCommand),
    /// Measure provisioning and tenant-scoping costs on the configured engine.
    Bench(bench::BenchArgs),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(error) = run(cli).await {
        let code = error
            .downcast_ref::<lyceum_store::StoreError>()
            .map(|e| e.code())
            .unwrap_or("ERROR");
        eprintln!("error: {code}: {error:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<()> {
    let settings = Settings::load(cli.config.as_deref())?;
    init_logging(&settings);
    if matches!(cli.command, Command::Serve | Command::Demo) {
        ensure_descriptors(&settings)?;
    }
    let store_config = settings.store_config()?;
    let store = Store::open(store_config.clone()).await?;
    let result = match cli.command {
        Command::Serve => serve(&settings, store.clone()).await,
        Command::Demo => {
            demo::provision(&store).await?;
            println!(
                "sign in, for example:\n  curl -X POST http://{}/t/acme/api/v1/auth/login -H 'content-type: application/json' \\\n    -d '{{\"email\":\"admin@acme.test\",\"password\":\"{}\"}}'\n\
                 demo users: admin@acme.test, irene@acme.test, sam@acme.test, kim@acme.test (acme); head@northwind.test, ms.lee@northwind.test, sam@acme.test, noah@northwind.test (northwind)",
                settings.bind,
                demo::PASSWORD
            );
            serve(&settings, store.clone()).await
        }
        Command::Migrate { every } => {
            let scope = if every {
                MigrationScope::Every
            } else {
                MigrationScope::Behind
            };
            tenant::migrate(&store, scope).await
        }
        Command::Tenant(command) => tenant::run(&store, command).await,
        Command::PlatformUser(command) => platform_user::run(&store, command).await,
        Command::Bench(args) => bench::run(&store, store_config, args).await,
    };
    store.close().await;
    result
}

/// Raises the process's soft limit on open files to its hard limit, and refuses to serve when
/// even that cannot hold what the configured pools may open (better a clear message at start
/// than `Too many open files` under load).
fn ensure_descriptors(settings: &Settings) -> Result<()> {
    let limit =
        rlimit::increase_nofile_limit(u64::MAX).context("cannot read the open-file limit")?;
    let needed = settings.descriptors_needed();
    anyhow::ensure!(
        needed <= limit,
        "the configured pools may open about {needed} file descriptors, but this process may open \
         only {limit} (ulimit -n): raise the limit, or lower LYCEUM_MAX_OPEN_TENANT_POOLS or \
         LYCEUM_TENANT_MAX_CONNECTIONS"
    );
    tracing::info!(limit, needed, "open-file limit");
    Ok(())
}

async fn serve(settings: &Settings, store: Store) -> Result<()> {
    store
        .reclaim_abandoned_provisioning(tenant::ABANDONED_PROVISIONING_AGE)
        .await?;
    if settings.auto_migrate {
        let report = store.migrate_all(MigrationScope::Behind, &|_| {}).await?;
        for failure in &report.failures {
            tracing::error!(tenant = %failure.slug, code = failure.code, "{}", failure.message);
        }
    }
    let listener = tokio::net::TcpListener::bind(&settings.bind)
        .await
        .with_context(|| format!("cannot listen on {}", settings.bind))?;
    tracing::info!(address = %listener.local_addr()?, engine = %store.engine(), "lyceum is serving");
    let state = AppState::new(store, settings.server_config()?);
    let grace = std::time::Duration::from_secs(settings.shutdown_grace_secs);
    lyceum_server::serve(listener, state, shutdown_signal(), grace).await?;
    tracing::info!("lyceum stopped");
    Ok(())
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
