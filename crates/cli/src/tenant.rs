//! `lyceum tenant ...` and `lyceum migrate`: operator commands on the directory.

use anyhow::Result;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use lyceum_app::platform::{self, AdminRequest, Operator, Provisioned, TenantRequest};
use lyceum_domain::{Placement, Plan};
use lyceum_store::{MigrationScope, Store, StoreError, Tenant};
use lyceum_worker::mail::invitation_link;

#[derive(Subcommand)]
pub enum TenantCommand {
    /// Provision a tenant in its placement, migrated to the latest version, with its first
    /// admin (invited by mail; the invitation link is printed too).
    Create {
        slug: String,
        #[arg(long)]
        name: String,
        /// The first admin's e-mail address: they are invited by mail to choose a password.
        #[arg(long)]
        admin_email: Option<String>,
        /// The first admin's name (default: the part of the address before `@`).
        #[arg(long, requires = "admin_email")]
        admin_name: Option<String>,
        /// pool, schema or database (default: the engine's default placement)
        #[arg(long)]
        placement: Option<String>,
        /// free, pro or enterprise
        #[arg(long, default_value = "free")]
        plan: String,
        #[arg(long, default_value = "default")]
        region: String,
    },
    /// List every tenant.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one tenant.
    Show {
        slug: String,
        #[arg(long)]
        json: bool,
    },
}

/// Runs `command`; invitation links lead to the portal under `link_base` (as the mail's do).
pub async fn run(store: &Store, link_base: &str, command: TenantCommand) -> Result<()> {
    match command {
        TenantCommand::Create {
            slug,
            name,
            admin_email,
            admin_name,
            placement,
            plan,
            region,
        } => {
            let request = TenantRequest {
                slug,
                name,
                plan: Some(plan.parse::<Plan>().map_err(StoreError::from)?),
                placement: placement
                    .map(|p| p.parse::<Placement>())
                    .transpose()
                    .map_err(StoreError::from)?,
                region: Some(region),
                settings: None,
                admin: admin_email.map(|email| AdminRequest {
                    email,
                    name: admin_name,
                }),
            };
            let started = std::time::Instant::now();
            let Provisioned { tenant, admin } =
                platform::create_tenant(store, &Operator::Console, request).await?;
            println!(
                "created tenant {} ({}) in placement {} at schema version {} in {} ms",
                tenant.slug,
                tenant.id(),
                tenant.placement(),
                tenant.schema_version,
                started.elapsed().as_millis()
            );
            if let Some(admin) = admin {
                println!(
                    "invited {} as its admin (the invitation is mailed; it expires {})",
                    admin.user.email, admin.invitation.expires_at
                );
                println!(
                    "invitation link: {}",
                    invitation_link(link_base, &tenant.slug, &admin.invitation.token)
                );
            }
        }
        TenantCommand::List { json } => {
            let tenants = platform::tenants(store, None).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&tenants)?);
            } else {
                println!(
                    "{:<24} {:<12} {:<10} {:<10} {:>7}  NAME",
                    "SLUG", "STATUS", "PLAN", "PLACEMENT", "VERSION"
                );
                for t in tenants {
                    println!(
                        "{:<24} {:<12} {:<10} {:<10} {:>7}  {}",
                        t.slug,
                        t.status(),
                        t.plan,
                        t.placement(),
                        t.schema_version,
                        t.name
                    );
                }
            }
        }
        TenantCommand::Show { slug, json } => {
            let tenant = platform::tenant(store, &slug).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&tenant)?);
            } else {
                print_tenant(&tenant);
            }
        }
    }
    Ok(())
}

fn print_tenant(t: &Tenant) {
    println!("slug:            {}", t.slug);
    println!("id:              {}", t.id());
    println!("name:            {}", t.name);
    println!("status:          {}", t.status());
    println!("plan:            {}", t.plan);
    println!("region:          {}", t.region);
    println!("placement:       {}", t.placement());
    println!("schema version:  {}", t.schema_version);
    if let Some(error) = &t.migration_error {
        println!("migration error: {error}");
    }
    println!("settings:        {}", t.settings);
    println!("created:         {}", t.created_at);
}

/// `lyceum migrate`: every target, with a progress bar; exits non-zero if any tenant failed.
/// How long a tenant may stay in `provisioning` before it counts as abandoned (a crash between
/// reserving the slug and activating the tenant). Far longer than any real provisioning.
pub const ABANDONED_PROVISIONING_AGE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

pub async fn migrate(store: &Store, scope: MigrationScope) -> Result<()> {
    for slug in store
        .reclaim_abandoned_provisioning(ABANDONED_PROVISIONING_AGE)
        .await?
    {
        println!("reclaimed abandoned provisioning of {slug}");
    }
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} tenants {msg}")
            .expect("valid progress template"),
    );
    let report = store
        .migrate_all(scope, &|p| {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
            bar.set_message(p.target);
        })
        .await?;
    bar.finish_and_clear();
    println!(
        "migrated {} targets to version {}: {} changed, {} failed",
        report.targets,
        report.latest_version,
        report.changed,
        report.failures.len()
    );
    for failure in &report.failures {
        println!("  {} {}: {}", failure.slug, failure.code, failure.message);
    }
    if report.failures.is_empty() {
        Ok(())
    } else {
        Err(lyceum_store::StoreError::Migration {
            target: format!("{} tenants", report.failures.len()),
            message: "fix them and run `lyceum migrate` again".to_owned(),
        }
        .into())
    }
}
