//! `lyceum jobs ...` and `lyceum outbox status`: the platform operator's view of the tenants'
//! background work: job queues (list, retry, cancel; each change audited, as `cli`) and how
//! the delivery of each outbox stands.

use anyhow::Result;
use clap::Subcommand;
use lyceum_app::jobs::{self, JobFilter, TenantJob};
use lyceum_app::platform::Operator;
use lyceum_domain::{JobId, JobState};
use lyceum_store::{Store, StoreError};

#[derive(Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first within each tenant.
    List {
        /// Only this tenant's (default: every tenant's).
        #[arg(long)]
        tenant: Option<String>,
        /// queued, running, succeeded, dead or cancelled
        #[arg(long)]
        state: Option<String>,
        /// Only this kind (`housekeeping`, ...).
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Run a dead, cancelled or queued job now, its attempts counted afresh.
    Retry {
        id: JobId,
        /// The job's tenant (default: looked for in every tenant).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Cancel a queued, running or dead job.
    Cancel {
        id: JobId,
        /// The job's tenant (default: looked for in every tenant).
        #[arg(long)]
        tenant: Option<String>,
    },
}

pub async fn run(store: &Store, command: JobsCommand) -> Result<()> {
    match command {
        JobsCommand::List {
            tenant,
            state,
            kind,
            limit,
            json,
        } => {
            let filter = JobFilter {
                state: state
                    .map(|s| s.parse::<JobState>())
                    .transpose()
                    .map_err(StoreError::from)?,
                kind,
            };
            let found = jobs::list(store, tenant.as_deref(), &filter, limit).await?;
            if json {
                let rows: Vec<_> = found
                    .iter()
                    .map(|f| serde_json::json!({"tenant": f.tenant, "job": f.job}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                println!(
                    "{:<24} {:<36} {:<20} {:<10} {:>8}  {:<25} LAST ERROR",
                    "TENANT", "ID", "KIND", "STATE", "ATTEMPTS", "RUN AT"
                );
                for TenantJob { tenant, job } in &found {
                    println!(
                        "{:<24} {:<36} {:<20} {:<10} {:>8}  {:<25} {}",
                        tenant,
                        job.id,
                        job.kind,
                        job.state,
                        format!("{}/{}", job.attempts, job.max_attempts),
                        job.run_at.format("%Y-%m-%d %H:%M:%S UTC"),
                        job.last_error.as_deref().unwrap_or("")
                    );
                }
            }
        }
        JobsCommand::Retry { id, tenant } => {
            let done = jobs::retry(store, &Operator::Console, id, tenant.as_deref()).await?;
            println!(
                "job {} of {} ({}) is {}",
                done.job.id, done.tenant, done.job.kind, done.job.state
            );
        }
        JobsCommand::Cancel { id, tenant } => {
            let done = jobs::cancel(store, &Operator::Console, id, tenant.as_deref()).await?;
            println!(
                "job {} of {} ({}) is {}",
                done.job.id, done.tenant, done.job.kind, done.job.state
            );
        }
    }
    Ok(())
}

/// `lyceum outbox status`: how each tenant's outbox stands.
pub async fn outbox_status(store: &Store, tenant: Option<&str>, json: bool) -> Result<()> {
    let found = lyceum_app::dispatch::status(store, tenant).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&found)?);
        return Ok(());
    }
    println!(
        "{:<24} {:>8} {:>10} {:>8}  LAST ERROR",
        "TENANT", "PENDING", "DELIVERED", "FAILURES"
    );
    for status in found {
        let dispatch = status.dispatch.unwrap_or_default();
        println!(
            "{:<24} {:>8} {:>10} {:>8}  {}",
            status.tenant,
            status.pending,
            dispatch.delivered,
            dispatch.failures,
            dispatch.last_error.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
