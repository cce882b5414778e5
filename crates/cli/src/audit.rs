//! `lyceum audit verify [SLUG | --platform]`: checks the hash chain of a tenant's audit log (the
//! platform's and every tenant's when no slug is given, tenants a few at a time) and names the
//! first entry that was edited, removed or moved; exits non-zero (`AUDIT_CHAIN_BROKEN`) when any
//! chain is broken.

use anyhow::Result;
use clap::Subcommand;
use futures_util::{stream, StreamExt};
use lyceum_app::{audit, platform};
use lyceum_domain::TenantStatus;
use lyceum_store::{ChainReport, Store, Tenant};

/// Tenants checked at once.
const PARALLEL_CHECKS: usize = 4;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check audit logs: the tenant SLUG's, the platform's (--platform), or the platform's and
    /// every tenant's. Prints each log's state and newest entry (keep it: it tells later that
    /// nothing was cut off or rewritten).
    Verify {
        slug: Option<String>,
        /// Only the platform audit log.
        #[arg(long, conflicts_with = "slug")]
        platform: bool,
    },
}

pub async fn run(store: &Store, command: AuditCommand) -> Result<()> {
    let AuditCommand::Verify {
        slug,
        platform: only_platform,
    } = command;
    let mut broken = 0;
    if slug.is_none() {
        let report = platform::verify_audit_log(store).await?;
        if !report.is_intact() {
            broken += 1;
        }
        println!("platform: {}", describe(&report));
    }
    let tenants = match slug {
        _ if only_platform => Vec::new(),
        Some(slug) => vec![platform::tenant(store, &slug).await?],
        None => platform::tenants(store, None)
            .await?
            .into_iter()
            .filter(|t| matches!(t.status(), TenantStatus::Active | TenantStatus::Suspended))
            .collect(),
    };
    let mut checks = stream::iter(tenants)
        .map(|tenant| async move {
            let report = check(store, &tenant).await;
            (tenant, report)
        })
        .buffer_unordered(PARALLEL_CHECKS);
    while let Some((tenant, report)) = checks.next().await {
        let report = report?;
        if !report.is_intact() {
            broken += 1;
        }
        println!("{}: {}", tenant.slug, describe(&report));
    }
    if broken > 0 {
        return Err(audit::chains_broken(broken).into());
    }
    Ok(())
}

async fn check(store: &Store, tenant: &Tenant) -> Result<ChainReport> {
    let mut tx = store.begin(tenant).await?;
    let report = audit::verify(&mut tx).await?;
    tx.commit().await?;
    Ok(report)
}

/// One line on a log's state.
fn describe(report: &ChainReport) -> String {
    let head = match &report.head {
        Some(head) => format!("entry {} {}", head.seq, head.hash),
        None => "none".to_owned(),
    };
    let before = match report.unchained {
        0 => String::new(),
        n => format!(" (and {} before the chain, unprotected)", entries(n)),
    };
    match &report.broken {
        None => format!("intact, {}{before}, newest {head}", entries(report.entries)),
        Some(broken) => format!(
            "BROKEN: {broken} ({} before it hold, the last {head})",
            entries(report.entries)
        ),
    }
}

/// `1 entry`, `2 entries`.
fn entries(n: u64) -> String {
    match n {
        1 => "1 entry".to_owned(),
        n => format!("{n} entries"),
    }
}
