//! Tenant self-administration, for the tenant's admins (`tenant:settings`): the
//! organisation's name and settings (brand, language, time zone, self sign-up and the e-mail
//! domains it admits; this module) and its custom domains (`domains`, checked by `check`).
//!
//! Settings and domains live in the directory, the audit log in the tenant's own storage, so
//! no one transaction holds both. Each change is made inside the tenant's write transaction
//! that records it: the audit entry is written first, then the directory, then the
//! transaction commits; a refused or failed directory write rolls the entry back, so nothing
//! is half-written. The commit also moves the tenant's data version, and the directory's own
//! change forgets the cached tenant here and, on PostgreSQL, in every other process, so the
//! next request of any process sees the change.

mod check;
pub mod domains;

pub use check::{is_public, CheckFailure, DomainCheck, DomainCheckConfig, WELL_KNOWN_PATH};

use crate::audit::{self, Change};
use crate::{Actor, Refusal};
use lyceum_domain::{AuditTarget, Permission, SettingsChange, TenantId, TenantSettings};
use lyceum_store::{Store, Tenant};
use serde_json::{json, Value};
use std::future::Future;

/// The organisation as its admins set it up.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganisationSettings {
    pub name: String,
    pub settings: TenantSettings,
    /// Does the tenant's plan allow custom domains?
    pub custom_domains: bool,
}

/// The tenant as the directory knows it now (not as cached when the request resolved it).
pub(crate) async fn fresh(store: &Store, tenant: TenantId) -> Result<Tenant, Refusal> {
    store
        .directory()
        .by_id(tenant)
        .await?
        .ok_or_else(|| Refusal::NotFound {
            code: "TENANT_NOT_FOUND",
            message: "the organisation is gone".to_owned(),
        })
}

fn organisation(tenant: Tenant) -> OrganisationSettings {
    OrganisationSettings {
        settings: TenantSettings::read(&tenant.settings),
        custom_domains: tenant.plan.limits().custom_domains,
        name: tenant.name,
    }
}

/// The organisation's name and settings (`tenant:settings`).
pub async fn show(
    store: &Store,
    tenant: &Tenant,
    actor: &Actor,
) -> Result<OrganisationSettings, Refusal> {
    actor.require(Permission::TenantSettings)?;
    Ok(organisation(fresh(store, tenant.id()).await?))
}

/// Changes the organisation's name and settings (`tenant:settings`), every value checked (see
/// [`SettingsChange::apply`]); audited as `tenant.settings_changed` with the state before and
/// after. A change that changes nothing records nothing.
pub async fn update(
    store: &Store,
    tenant: &Tenant,
    actor: &Actor,
    change: SettingsChange,
) -> Result<OrganisationSettings, Refusal> {
    actor.require(Permission::TenantSettings)?;
    let row = fresh(store, tenant.id()).await?;
    let current = TenantSettings::read(&row.settings);
    let (name, next) = change.apply(&row.name, &current)?;
    if name == row.name && next == current {
        return Ok(organisation(row));
    }
    let mut stored = row.settings.clone();
    next.write_into(&mut stored);
    let entry = Change::new(lyceum_domain::AuditAction::TenantSettingsChanged)
        .on(AuditTarget::Tenant(tenant.id()))
        .before(state(&row.name, &current))
        .after(state(&name, &next));
    audited(store, tenant, actor, entry, async {
        Ok(store
            .directory()
            .update_settings(tenant.id(), &name, &stored)
            .await?)
    })
    .await?;
    Ok(organisation(fresh(store, tenant.id()).await?))
}

/// What the audit log keeps of the settings.
pub(crate) fn state(name: &str, settings: &TenantSettings) -> Value {
    let mut stored = json!({});
    settings.write_into(&mut stored);
    stored["name"] = json!(name);
    stored
}

/// Makes a directory change (`write`) inside the tenant's write transaction that records it
/// with `entry`: the entry first, then the change; the commit last, so a failed change leaves
/// no entry.
async fn audited<T>(
    store: &Store,
    tenant: &Tenant,
    actor: &Actor,
    entry: Change,
    write: impl Future<Output = Result<T, Refusal>>,
) -> Result<T, Refusal> {
    let mut tx = store.begin_write(tenant).await?;
    // The tenant's name and brand are on every page.
    tx.affects_all_users();
    audit::record(&mut tx, actor, entry).await?;
    let done = write.await?;
    tx.commit().await?;
    Ok(done)
}
