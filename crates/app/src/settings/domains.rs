//! A tenant's custom domains, for its admins (`tenant:settings`) where the plan allows them
//! (`PLAN_FEATURE_UNAVAILABLE` otherwise): claim one (a verification token to publish),
//! verify it (the file is fetched, see [`DomainCheck`]), remove it. Only a verified domain
//! reaches the tenant; a domain another tenant holds is `DOMAIN_TAKEN`, and the service's own
//! base domain and the names under it are `DOMAIN_RESERVED`. Each change is audited
//! (`domain.added`, `domain.verified`, `domain.removed`) as the settings' are.

use super::{audited, DomainCheck};
use crate::audit::Change;
use crate::identity::new_opaque_token;
use crate::{Actor, Refusal};
use lyceum_domain::{AuditAction, AuditTarget, DomainName, Permission};
use lyceum_store::{CustomDomain, DomainClaim, Store, Tenant};
use serde_json::json;

/// Most custom domains one tenant may hold.
pub const MAX_DOMAINS: usize = 20;

/// May `actor` manage the tenant's domains?
fn may_manage(actor: &Actor) -> Result<(), Refusal> {
    actor.require(Permission::TenantSettings)?;
    if !actor.plan.limits().custom_domains {
        return Err(Refusal::forbidden(
            "PLAN_FEATURE_UNAVAILABLE",
            format!("the {} plan does not include custom domains", actor.plan),
        ));
    }
    Ok(())
}

fn domain_not_found(domain: &DomainName) -> Refusal {
    Refusal::NotFound {
        code: "DOMAIN_NOT_FOUND",
        message: format!("the organisation has no custom domain {domain}"),
    }
}

/// The tenant's custom domains, verified or not (`tenant:settings`; any plan may look).
pub async fn list(
    store: &Store,
    tenant: &Tenant,
    actor: &Actor,
) -> Result<Vec<CustomDomain>, Refusal> {
    actor.require(Permission::TenantSettings)?;
    Ok(store.directory().custom_domains(tenant.id()).await?)
}

/// Claims `domain` for the tenant: answers it with the token to publish at
/// [`DomainCheck::url`]. Claiming a domain the tenant holds already answers it as it is.
/// `base_domain` is the service's own (its names are the tenants' sub-domains).
pub async fn add(
    store: &Store,
    tenant: &Tenant,
    actor: &Actor,
    domain: &str,
    base_domain: Option<&str>,
) -> Result<CustomDomain, Refusal> {
    may_manage(actor)?;
    let domain = DomainName::parse(domain)?;
    if let Some(base) = base_domain.filter(|base| domain.is_within(base)) {
        return Err(Refusal::unacceptable(
            "DOMAIN_RESERVED",
            format!("{domain} is this service's own domain ({base}) or under it"),
        ));
    }
    let held = store.directory().custom_domains(tenant.id()).await?;
    if let Some(ours) = held.iter().find(|d| d.domain == domain.as_str()) {
        return Ok(ours.clone());
    }
    if held.len() >= MAX_DOMAINS {
        return Err(Refusal::forbidden(
            "PLAN_LIMIT_REACHED",
            format!("an organisation holds at most {MAX_DOMAINS} custom domains"),
        ));
    }
    let (token, _) = new_opaque_token()?;
    let entry = Change::new(AuditAction::DomainAdded)
        .on(AuditTarget::Tenant(tenant.id()))
        .after(json!({ "domain": domain }));
    audited(store, tenant, actor, entry, async {
        match store
            .directory()
            .claim_custom_domain(tenant.id(), &domain, &token)
            .await?
        {
            DomainClaim::Claimed(row) | DomainClaim::AlreadyOurs(row) => Ok(row),
            DomainClaim::HeldByAnother => Err(Refusal::conflict(
                "DOMAIN_TAKEN",
                format!("{domain} is already used by another organisation"),
            )),
        }
    })
    .await
}

/// Verifies the tenant's claim on `domain`: fetches its verification file with `check` and,
/// when it holds the token, marks the domain verified, from when on it reaches the tenant.
/// A file missing, wrong or unreachable is `DOMAIN_VERIFICATION_FAILED`, and nothing
/// changes. A domain verified already is answered as it is.
pub async fn verify(
    store: &Store,
    tenant: &Tenant,
    actor: &Actor,
    domain: &str,
    check: &DomainCheck,
) -> Result<CustomDomain, Refusal> {
    may_manage(actor)?;
    let domain = DomainName::parse(domain)?;
    let claim = held(store, tenant, &domain).await?;
    if claim.verified_at.is_some() {
        return Ok(claim);
    }
    let Some(token) = claim.verification_token.as_deref() else {
        return Err(domain_not_found(&domain));
    };
    if let Err(failure) = check.verify(&domain, token).await {
        return Err(Refusal::unacceptable(
            "DOMAIN_VERIFICATION_FAILED",
            format!(
                "{domain} is not verified: {failure} (serve the token at {})",
                DomainCheck::url(&domain)
            ),
        ));
    }
    let entry = Change::new(AuditAction::DomainVerified)
        .on(AuditTarget::Tenant(tenant.id()))
        .after(json!({ "domain": domain }));
    audited(store, tenant, actor, entry, async {
        if store
            .directory()
            .mark_domain_verified(tenant.id(), &domain)
            .await?
        {
            Ok(())
        } else {
            // Removed, or verified by a concurrent request, meanwhile.
            Err(Refusal::conflict(
                "DOMAIN_STATE_CONFLICT",
                format!("{domain} changed while it was being verified; try again"),
            ))
        }
    })
    .await?;
    held(store, tenant, &domain).await
}

/// Removes the tenant's custom domain: it stops reaching the tenant at once, and another
/// tenant may claim it. Allowed on any plan, so a tenant whose plan lost the feature can
/// still let its domains go.
pub async fn remove(
    store: &Store,
    tenant: &Tenant,
    actor: &Actor,
    domain: &str,
) -> Result<(), Refusal> {
    actor.require(Permission::TenantSettings)?;
    let domain = DomainName::parse(domain)?;
    let claim = held(store, tenant, &domain).await?;
    let entry = Change::new(AuditAction::DomainRemoved)
        .on(AuditTarget::Tenant(tenant.id()))
        .before(json!({ "domain": domain, "verified": claim.verified_at.is_some() }));
    audited(store, tenant, actor, entry, async {
        if store
            .directory()
            .remove_custom_domain(tenant.id(), &domain)
            .await?
        {
            Ok(())
        } else {
            Err(domain_not_found(&domain))
        }
    })
    .await
}

/// The tenant's own claim on `domain`, or `DOMAIN_NOT_FOUND` (also for another tenant's).
async fn held(
    store: &Store,
    tenant: &Tenant,
    domain: &DomainName,
) -> Result<CustomDomain, Refusal> {
    store
        .directory()
        .custom_domains(tenant.id())
        .await?
        .into_iter()
        .find(|d| d.domain == domain.as_str())
        .ok_or_else(|| domain_not_found(domain))
}
