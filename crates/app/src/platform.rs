//! The platform operator's use cases, across every tenant of the node: tenants (list, create
//! with their first admin, show, suspend, resume), an organisation's own sign-up, platform
//! users (create, list, deactivate, reactivate, their passwords changed or set on the node) and
//! the platform audit log (read, and its chain checked). Each change is an audited operation:
//! its audit entry, naming who did it and from where, is written with the change.

use crate::identity::invitations::InvitationToken;
use crate::identity::{users, NewPassword, User};
use crate::Refusal;
use chrono::{DateTime, Utc};
use lyceum_domain::error::shown;
use lyceum_domain::{
    Email, Origin, Placement, Plan, PlatformUserId, Slug, TenantId, TenantStatus, UserStatus,
    ValidationError,
};
use lyceum_store::{
    AuditEntry, AuditRecord, ChainReport, NewTenant, PlatformUser, Store, Tenant, TenantSeed,
    WriteTx,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// Who the platform audit log names for a tenant made by its own sign-up.
pub const SIGN_UP_ACTOR: &str = "sign-up";

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
    /// Nobody signed in: an organisation signing itself up, from `origin`.
    SignUp { origin: Origin },
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
            Operator::SignUp { origin } => AuditEntry {
                actor_id: None,
                actor: SIGN_UP_ACTOR.to_owned(),
                action,
                tenant: None,
                detail: json!({}),
                origin: origin.clone(),
            },
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

/// A password reset one operator gives another: the one-time token, shown to the operator who
/// asked and never stored (only its hash is), and when it stops working.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperatorReset {
    pub platform_user: PlatformUser,
    /// One-time; shown only here.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// An operator (a signed-in platform user, or whoever runs the `lyceum` command) gives active
/// platform user `id` a one-time password reset, good for
/// [`crate::identity::recovery::RESET_VALID_FOR`]; their earlier unused ones stop working.
/// Platform users have no mail of their own: the token is answered, for the operator to pass
/// on. Someone deactivated is `USER_NOT_ACTIVE` (reactivate them first). Recorded as
/// `platform_user.password_reset_sent`.
pub async fn send_operator_reset(
    store: &Store,
    operator: &Operator,
    id: PlatformUserId,
) -> Result<OperatorReset, Refusal> {
    let by = match operator {
        Operator::User { id, .. } => Some(*id),
        Operator::Console => None,
        Operator::SignUp { .. } => {
            return Err(Refusal::denied("only an operator sends a password reset"))
        }
    };
    let target = store
        .directory()
        .platform_user(id)
        .await?
        .ok_or_else(|| Refusal::not_found("no such platform user"))?;
    if target.status != UserStatus::Active.as_str() {
        return Err(Refusal::conflict(
            "USER_NOT_ACTIVE",
            "the platform user is deactivated: reactivate them first",
        ));
    }
    let (token, hash) = crate::identity::new_opaque_token()?;
    let expires_at = Utc::now() + crate::identity::recovery::RESET_VALID_FOR;
    let mut audit = operator.audit("platform_user.password_reset_sent");
    audit.detail = json!({ "platform_user": id, "expires_at": expires_at });
    let platform_user = store
        .directory()
        .issue_platform_reset(id, &hash, expires_at, by, &audit)
        .await?
        .ok_or_else(|| Refusal::conflict("USER_NOT_ACTIVE", "the platform user is not active"))?;
    Ok(OperatorReset {
        platform_user,
        token,
        expires_at,
    })
}

/// Sets a platform user's password with reset `token`, from `origin`: the token is spent
/// (once), and the platform user answered (the face clears what throttles their sign-in). An
/// unknown, used, expired or withdrawn token, or one of a user deactivated since, is
/// `RESET_TOKEN_INVALID`. Recorded as `platform_user.password_reset`, by the user.
pub async fn reset_operator_password(
    store: &Store,
    token: &str,
    new: &NewPassword,
    origin: &Origin,
) -> Result<PlatformUser, Refusal> {
    let hash = crate::identity::opaque_token_hash(token);
    let audit = |user: &PlatformUser| {
        let mut entry = Operator::User {
            id: user.id,
            email: user.email.to_string(),
            origin: origin.clone(),
        }
        .audit("platform_user.password_reset");
        entry.detail = json!({ "platform_user": user.id });
        entry
    };
    store
        .directory()
        .redeem_platform_reset(&hash, new.hash(), audit)
        .await?
        .ok_or_else(crate::identity::recovery::reset_token_invalid)
}

/// Records that an operator unlocked platform user `id`'s sign-in (`platform_user.unlock`) and
/// answers the user; the face then forgets the failed sign-ins that locked them, which its
/// process keeps.
pub async fn unlock_operator(
    store: &Store,
    operator: &Operator,
    id: PlatformUserId,
) -> Result<PlatformUser, Refusal> {
    let user = store
        .directory()
        .platform_user(id)
        .await?
        .ok_or_else(|| Refusal::not_found("no such platform user"))?;
    let mut audit = operator.audit("platform_user.unlock");
    audit.detail = json!({ "platform_user": id });
    store.directory().record(&audit).await?;
    Ok(user)
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
            message: format!("no tenant {:?}", shown(slug)),
        })
}

/// A tenant to provision; what is not given takes the defaults (free plan, the engine's
/// placement, region `default`, no settings, no first admin).
#[derive(Debug, Clone, Default)]
pub struct TenantRequest {
    pub slug: String,
    pub name: String,
    pub plan: Option<Plan>,
    pub placement: Option<Placement>,
    pub region: Option<String>,
    pub settings: Option<serde_json::Map<String, serde_json::Value>>,
    /// Invited as the tenant's first admin.
    pub admin: Option<AdminRequest>,
}

/// The first admin of a new tenant, as asked for.
#[derive(Debug, Clone, Default)]
pub struct AdminRequest {
    pub email: String,
    /// Unset or blank: the part of the address before `@`.
    pub name: Option<String>,
}

/// Longest name of a first admin.
const MAX_ADMIN_NAME_CHARS: usize = 200;

impl AdminRequest {
    /// The address and the name, checked (before anything is provisioned).
    fn parse(&self) -> Result<FirstAdminSeed, ValidationError> {
        let email = Email::parse(self.email.trim())?;
        let name = match self.name.as_deref().map(str::trim) {
            Some(name) if !name.is_empty() => name,
            _ => email.as_str().split('@').next().unwrap_or_default(),
        };
        let name = lyceum_domain::error::required_text("admin_name", name, MAX_ADMIN_NAME_CHARS)?;
        if name.chars().any(char::is_control) {
            return Err(ValidationError::ControlCharacters {
                field: "admin_name",
            });
        }
        Ok(FirstAdminSeed { email, name })
    }
}

/// A tenant's first admin, invited when it was made.
#[derive(Debug)]
pub struct FirstAdmin {
    pub user: User,
    /// Mailed to them; shown to the operator who made the tenant, never to a sign-up.
    pub invitation: InvitationToken,
}

/// A tenant just provisioned, and its first admin if one was asked for.
#[derive(Debug)]
pub struct Provisioned {
    pub tenant: Tenant,
    pub admin: Option<FirstAdmin>,
}

/// The first admin, invited in the new tenant's first transaction.
struct FirstAdminSeed {
    email: Email,
    name: String,
}

impl TenantSeed for FirstAdminSeed {
    type Output = FirstAdmin;
    type Error = Refusal;

    async fn seed(self, tx: &mut WriteTx, tenant: &Tenant) -> Result<FirstAdmin, Refusal> {
        let (user, invitation) =
            users::invite_first_admin(tx, tenant.plan, &self.email, &self.name).await?;
        Ok(FirstAdmin { user, invitation })
    }
}

/// Provisions a tenant in its placement, migrated to the latest version, with its first admin
/// if asked (invited as `admin`, the invitation mailed by the worker), and records
/// `tenant.create`. Everything is checked before anything is made; it runs to its end even if
/// the caller goes away, and a failure at any step (the admin's invitation included) leaves
/// nothing behind.
pub async fn create_tenant(
    store: &Store,
    operator: &Operator,
    request: TenantRequest,
) -> Result<Provisioned, Refusal> {
    let mut new = NewTenant::new(Slug::parse(&request.slug)?, request.name);
    new.name = lyceum_domain::settings::organisation_name(&new.name)?;
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
    let seed = request
        .admin
        .as_ref()
        .map(AdminRequest::parse)
        .transpose()?;
    let mut audit = operator.audit("tenant.create");
    audit.detail = json!({ "plan": new.plan, "placement": new.placement });
    if let Some(seed) = &seed {
        audit.detail["admin"] = json!(seed.email);
    }
    let (tenant, admin) = store
        .provision_seeded_detached(new, Some(audit), seed)
        .await?;
    Ok(Provisioned { tenant, admin })
}

/// An organisation signing itself up: its name, the slug it wants, and its first admin.
#[derive(Debug, Clone, Default)]
pub struct OrganisationSignUp {
    pub name: String,
    pub slug: String,
    pub admin: AdminRequest,
}

/// Whether organisations may sign themselves up on this platform (the operator's setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUps {
    Open,
    Closed,
}

fn sign_ups_closed() -> Refusal {
    Refusal::NotFound {
        code: "SIGNUP_CLOSED",
        message: "organisations cannot sign themselves up here; ask the platform's operator"
            .to_owned(),
    }
}

/// An organisation signs itself up, from `origin`, where the platform lets them
/// (`SIGNUP_CLOSED` otherwise): a tenant on the default plan and placement, its admin invited
/// by mail (the token is never answered: only the mailbox's owner gets in). Audited as
/// `tenant.create` by [`SIGN_UP_ACTOR`]. Like [`create_tenant`], nothing is left of a
/// sign-up that fails, and a slug taken meanwhile is `TENANT_SLUG_TAKEN`.
pub async fn sign_up_organisation(
    store: &Store,
    sign_ups: SignUps,
    origin: &Origin,
    request: OrganisationSignUp,
) -> Result<Tenant, Refusal> {
    if sign_ups == SignUps::Closed {
        return Err(sign_ups_closed());
    }
    let request = TenantRequest {
        slug: request.slug,
        name: request.name,
        admin: Some(request.admin),
        ..TenantRequest::default()
    };
    let operator = Operator::SignUp {
        origin: origin.clone(),
    };
    Ok(create_tenant(store, &operator, request).await?.tenant)
}

/// Whether a slug can be had, and if not why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlugAvailability {
    pub available: bool,
    /// Why not: `INVALID_SLUG`, `RESERVED_SLUG` or `TENANT_SLUG_TAKEN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// What is wrong with it, in words (English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Whether `slug` is free for a new organisation now (`SIGNUP_CLOSED` where organisations
/// cannot sign themselves up); a slug free now may be taken before the sign-up.
pub async fn slug_availability(
    store: &Store,
    sign_ups: SignUps,
    slug: &str,
) -> Result<SlugAvailability, Refusal> {
    if sign_ups == SignUps::Closed {
        return Err(sign_ups_closed());
    }
    let unavailable = |reason, message: String| SlugAvailability {
        available: false,
        reason: Some(reason),
        message: Some(message),
    };
    let slug = match Slug::parse(slug) {
        Ok(slug) => slug,
        Err(e) => return Ok(unavailable(e.code(), e.to_string())),
    };
    // Any tenant in the directory holds its slug, whatever its status.
    if store.directory().by_slug(slug.as_str()).await?.is_some() {
        return Ok(unavailable("TENANT_SLUG_TAKEN", format!("{slug} is taken")));
    }
    Ok(SlugAvailability {
        available: true,
        reason: None,
        message: None,
    })
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
