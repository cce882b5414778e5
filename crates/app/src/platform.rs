//! The platform operator's use cases, across every tenant of the node: tenants (list, create,
//! show, suspend, resume), platform users (create, list, deactivate, reactivate, their
//! passwords changed or set on the node) and the
//! platform audit log (read, and its chain checked). Each change
//! is an audited operation: its audit entry, naming who did it and from where, is written with
//! the change.

use crate::identity::NewPassword;
use crate::Refusal;
use lyceum_domain::{
    Email, Origin, Placement, Plan, PlatformUserId, Slug, TenantId, TenantStatus, UserStatus,
};
use lyceum_store::{AuditEntry, AuditRecord, ChainReport, NewTenant, PlatformUser, Store, Tenant};
use serde_json::json;
use uuid::Uuid;

/// Who operates the platform.
#[derive(Debug, Clone)]
pub enum Operator {
    /// A signed-in platform user, through the API or the console, asking from `origin` (which
    /// the audit log records).
    User {
        id: PlatformUserId,
        email: String,
        origin: Origin,
    },
    /// Whoever runs the `lyceum` command on the node.
    Console,
}

impl Operator {
    pub(crate) fn audit(&self, action: &'static str) -> AuditEntry {
        match self {
            Operator::User { id, email, origin } => AuditEntry {
                actor_id: Some(*id),
                actor: email.clone(),
                action,
                tenant: None,
                detail: json!({}),
                origin: origin.clone(),
            },
            Operator::Console => AuditEntry::cli(action),
        }
    }
}

/// Creates a platform user (`super_admin`) with `password`, recording `platform_user.create`.
pub async fn create_operator(
    store: &Store,
    operator: &Operator,
    email: &Email,
    name: &str,
    password: &NewPassword,
) -> Result<PlatformUser, Refusal> {
    let mut audit = operator.audit("platform_user.create");
    audit.detail = json!({ "email": email.as_str() });
    Ok(store
        .directory()
        .insert_platform_user(email, name, password.hash(), &audit)
        .await?)
}

/// The platform user with this e-mail and their password hash, for the sign-in to check.
pub async fn operator_credentials(
    store: &Store,
    email: &Email,
) -> Result<Option<(PlatformUser, Option<String>)>, Refusal> {
    let found = store.directory().platform_credentials(email).await?;
    Ok(found.map(|(user, hash)| (user, Some(hash))))
}

/// A platform user's current password, checked: what [`change_operator_password`] takes.
#[derive(Debug)]
pub struct VerifiedOperatorPassword {
    id: PlatformUserId,
}

/// Checks active platform user `id`'s current `password` (Argon2, off the request threads);
/// a wrong one is `WRONG_PASSWORD`.
pub async fn verify_operator_password(
    store: &Store,
    id: PlatformUserId,
    password: String,
) -> Result<VerifiedOperatorPassword, Refusal> {
    let stored = store.directory().platform_password_hash(id).await?;
    if crate::identity::passwords::verify(password, stored).await {
        Ok(VerifiedOperatorPassword { id })
    } else {
        Err(crate::identity::recovery::wrong_password())
    }
}

/// A signed-in platform user changes their own password, their current one `verified`;
/// recorded as `platform_user.password_changed`.
pub async fn change_operator_password(
    store: &Store,
    operator: &Operator,
    verified: VerifiedOperatorPassword,
    new: &NewPassword,
) -> Result<PlatformUser, Refusal> {
    let Operator::User { id, .. } = operator else {
        return Err(Refusal::denied(
            "only a signed-in platform user changes their password",
        ));
    };
    if *id != verified.id {
        return Err(crate::identity::recovery::wrong_password());
    }
    let mut audit = operator.audit("platform_user.password_changed");
    audit.detail = json!({ "platform_user": id });
    store
        .directory()
        .set_platform_password(*id, new.hash(), &audit)
        .await?
        .ok_or_else(|| Refusal::not_found("no such platform user"))
}

/// Sets the password of the platform user with `email`, without their current one: recovery
/// on the node itself, for whoever runs the `lyceum` command (`Operator::Console`) only.
/// Recorded as `platform_user.set_password`.
pub async fn set_operator_password(
    store: &Store,
    operator: &Operator,
    email: &Email,
    new: &NewPassword,
) -> Result<PlatformUser, Refusal> {
    if !matches!(operator, Operator::Console) {
        return Err(Refusal::denied(
            "another platform user's password is set on the node, with the lyceum command",
        ));
    }
    let user = operator_by_email(store, email).await?;
    let mut audit = operator.audit("platform_user.set_password");
    audit.detail = json!({ "platform_user": user.id, "email": email.as_str() });
    store
        .directory()
        .set_platform_password(user.id, new.hash(), &audit)
        .await?
        .ok_or_else(|| Refusal::not_found("no such platform user"))
}

/// Every platform user, oldest first.
pub async fn operators(store: &Store) -> Result<Vec<PlatformUser>, Refusal> {
    Ok(store.directory().platform_users().await?)
}

/// Is platform user `id` still active? What a platform token, good for its short life, is held
/// against on each request, so that a deactivated operator is out on their next request.
pub async fn operator_is_active(store: &Store, id: PlatformUserId) -> Result<bool, Refusal> {
    let user = store.directory().platform_user(id).await?;
    Ok(user.is_some_and(|u| u.status == UserStatus::Active.as_str()))
}

/// Deactivates platform user `id` (not oneself: `CANNOT_DEACTIVATE_SELF`), recording
/// `platform_user.deactivate`; they are refused from their next request on.
pub async fn deactivate_operator(
    store: &Store,
    operator: &Operator,
    id: PlatformUserId,
) -> Result<PlatformUser, Refusal> {
    if let Operator::User { id: own, .. } = operator {
        if *own == id {
            return Err(Refusal::conflict(
                "CANNOT_DEACTIVATE_SELF",
                "ask another operator to deactivate you",
            ));
        }
    }
    set_operator_status(
        store,
        operator,
        id,
        UserStatus::Deactivated,
        "platform_user.deactivate",
    )
    .await
}

/// Reactivates platform user `id`, recording `platform_user.reactivate`.
pub async fn reactivate_operator(
    store: &Store,
    operator: &Operator,
    id: PlatformUserId,
) -> Result<PlatformUser, Refusal> {
    set_operator_status(
        store,
        operator,
        id,
        UserStatus::Active,
        "platform_user.reactivate",
    )
    .await
}

async fn set_operator_status(
    store: &Store,
    operator: &Operator,
    id: PlatformUserId,
    status: UserStatus,
    action: &'static str,
) -> Result<PlatformUser, Refusal> {
    let mut audit = operator.audit(action);
    audit.detail = json!({ "platform_user": id });
    store
        .directory()
        .set_platform_user_status(id, status, &audit)
        .await?
        .ok_or_else(|| Refusal::not_found("no such platform user"))
}

/// The platform user with this e-mail, whatever their status (for the command line).
pub async fn operator_by_email(store: &Store, email: &Email) -> Result<PlatformUser, Refusal> {
    operators(store)
        .await?
        .into_iter()
        .find(|u| &u.email == email)
        .ok_or_else(|| Refusal::not_found("no platform user with this e-mail"))
}

/// Every tenant (in `status`, if given), oldest first.
pub async fn tenants(store: &Store, status: Option<TenantStatus>) -> Result<Vec<Tenant>, Refusal> {
    Ok(store
        .directory()
        .list()
        .await?
        .into_iter()
        .filter(|t| status.is_none_or(|s| t.status() == s))
        .collect())
}

/// Tenant `slug`, or every tenant whose storage is there to read (active or suspended): what
/// the operator's views of tenants' data walk.
pub(crate) async fn with_storage(
    store: &Store,
    slug: Option<&str>,
) -> Result<Vec<Tenant>, Refusal> {
    match slug {
        Some(slug) => Ok(vec![tenant(store, slug).await?]),
        None => Ok(tenants(store, None)
            .await?
            .into_iter()
            .filter(|t| t.status().has_storage())
            .collect()),
    }
}

/// The tenant `slug`, or `TENANT_NOT_FOUND`.
pub async fn tenant(store: &Store, slug: &str) -> Result<Tenant, Refusal> {
    store
        .directory()
        .by_slug(slug)
        .await?
        .ok_or_else(|| Refusal::NotFound {
            code: "TENANT_NOT_FOUND",
            message: format!("no tenant {slug:?}"),
        })
}

/// A tenant to provision; what is not given takes the defaults (free plan, the engine's
/// placement, region `default`, no settings).
#[derive(Debug, Clone, Default)]
pub struct TenantRequest {
    pub slug: String,
    pub name: String,
    pub plan: Option<Plan>,
    pub placement: Option<Placement>,
    pub region: Option<String>,
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Provisions a tenant in its placement, migrated to the latest version, and records
/// `tenant.create`. It runs to its end even if the caller goes away, and a failure leaves
/// nothing behind.
pub async fn create_tenant(
    store: &Store,
    operator: &Operator,
    request: TenantRequest,
) -> Result<Tenant, Refusal> {
    let mut new = NewTenant::new(Slug::parse(&request.slug)?, request.name);
    new.placement = request.placement;
    if let Some(plan) = request.plan {
        new.plan = plan;
    }
    if let Some(region) = request.region {
        new.region = lyceum_domain::error::required_text("region", &region, 64)?;
    }
    if let Some(settings) = request.settings {
        new.settings = serde_json::Value::Object(settings);
    }
    let mut audit = operator.audit("tenant.create");
    audit.detail = json!({ "plan": new.plan, "placement": new.placement });
    Ok(store.provision_detached(new, Some(audit)).await?)
}

/// Suspends (its users are refused with `TENANT_SUSPENDED`; nothing is deleted) or resumes
/// tenant `slug`, recording `tenant.suspend` or `tenant.resume`. Only an active or suspended
/// tenant can be either (`TENANT_STATE_CONFLICT`).
pub async fn set_tenant_status(
    store: &Store,
    operator: &Operator,
    slug: &str,
    to: TenantStatus,
) -> Result<Tenant, Refusal> {
    let tenant = tenant(store, slug).await?;
    if !matches!(
        tenant.status(),
        TenantStatus::Active | TenantStatus::Suspended
    ) || !matches!(to, TenantStatus::Active | TenantStatus::Suspended)
    {
        return Err(Refusal::conflict(
            "TENANT_STATE_CONFLICT",
            format!("a {} tenant cannot be {to}", tenant.status()),
        ));
    }
    if tenant.status() == to {
        return Ok(tenant);
    }
    let action = match to {
        TenantStatus::Suspended => "tenant.suspend",
        _ => "tenant.resume",
    };
    let mut audit = operator
        .audit(action)
        .on_tenant(tenant.id(), tenant.slug.as_str());
    audit.detail = json!({ "from": tenant.status(), "to": to });
    store
        .directory()
        .set_status(tenant.id(), to, Some(&audit))
        .await?;
    self::tenant(store, slug).await
}

/// A page of the platform audit log, newest first: entries before `before`, about tenant
/// `slug` if given.
pub async fn audit_log(
    store: &Store,
    slug: Option<&str>,
    before: Option<Uuid>,
    limit: u32,
) -> Result<Vec<AuditRecord>, Refusal> {
    let tenant: Option<TenantId> = match slug {
        Some(slug) => Some(tenant(store, slug).await?.id()),
        None => None,
    };
    Ok(store.directory().audit_log(tenant, before, limit).await?)
}

/// Checks the platform audit log's hash chain and names the first entry edited, removed or
/// moved (see `lyceum audit verify`).
pub async fn verify_audit_log(store: &Store) -> Result<ChainReport, Refusal> {
    Ok(store.directory().verify_audit_log().await?)
}
