//! The people of a tenant, as its admins manage them: list, create (active with a password, or
//! invited), read, change name and role, deactivate; self sign-up as a student where the
//! tenant allows it; and each person's own choice of language. The plan's student limit binds
//! every way in, and a tenant never loses its last active admin.

use super::invitations::{issue, InvitationToken};
use super::{NewPassword, User};
use crate::audit::{self, Change};
use crate::learning::courses::within_plan;
use crate::{Actor, Refusal};
use lyceum_domain::{
    events, AuditAction, AuditTarget, Email, Locale, Origin, Permission, Plan, Role, SearchText,
    TenantSettings, UserId, UserStatus,
};
use lyceum_store::repo::{outbox, refresh_tokens, users};
use lyceum_store::{Tenant, TenantTx, WriteTx};

fn user_not_found() -> Refusal {
    Refusal::not_found("no such user")
}

/// Which people a list shows: a search text (in the name or e-mail address, whatever the case;
/// `%` and `_` are plain characters), a role, a status; each left out picks everyone.
#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    pub search: Option<SearchText>,
    pub role: Option<Role>,
    pub status: Option<UserStatus>,
}

/// A page of the tenant's users, oldest first, after `after` (`user:manage`), those `filter`
/// picks.
pub async fn list(
    tx: &mut TenantTx,
    actor: &Actor,
    filter: &PeopleFilter,
    after: Option<UserId>,
    limit: u32,
) -> Result<Vec<User>, Refusal> {
    actor.require(Permission::UserManage)?;
    let filter = users::UserFilter {
        search: filter.search.as_ref(),
        role: filter.role,
        status: filter.status,
    };
    Ok(users::list(tx, filter, after, limit).await?)
}

/// A person to add to the tenant.
#[derive(Debug, Clone)]
pub struct NewPerson {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// Without one the user is `invited` and cannot sign in until they accept.
    pub password: Option<NewPassword>,
}

/// Creates a user (`user:manage`) and records `user.created`; an invited one (no password) also
/// gets an invitation, whose token the answer carries. Audited as `user.created` or
/// `user.invited`.
pub async fn create(
    tx: &mut WriteTx,
    actor: &Actor,
    person: NewPerson,
) -> Result<(User, Option<InvitationToken>), Refusal> {
    tx.affects_all_users();
    actor.require(Permission::UserManage)?;
    let user = insert(tx, actor.plan, person, Creator::Admin(actor.user)).await?;
    let (action, invitation) = match user.status {
        UserStatus::Invited => (
            AuditAction::UserInvited,
            Some(issue(tx, user.id, Some(actor.user)).await?),
        ),
        UserStatus::Active | UserStatus::Deactivated => (AuditAction::UserCreated, None),
    };
    audit::record(tx, actor, created(action, &user)).await?;
    Ok((user, invitation))
}

/// The audit entry of a new person.
fn created(action: AuditAction, user: &User) -> Change {
    Change::new(action)
        .on(AuditTarget::User(user.id))
        .after(serde_json::json!({
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role,
            "status": user.status,
        }))
}

/// Creates the first user of a tenant that has none yet, an admin (provisioning and the demo:
/// nobody is there to invite them); `TENANT_HAS_USERS` once it has any. Records `user.created`,
/// audited as done by the system. The actor answered acts from nowhere ([`Origin::default`]).
pub async fn first_admin(
    tx: &mut WriteTx,
    plan: Plan,
    email: String,
    display_name: String,
    password: NewPassword,
) -> Result<Actor, Refusal> {
    tx.affects_all_users();
    nobody_yet(tx).await?;
    let person = NewPerson {
        email,
        display_name,
        role: Role::Admin,
        password: Some(password),
    };
    let admin = insert(tx, plan, person, Creator::Platform).await?;
    audit::record_by_system(tx, created(AuditAction::UserCreated, &admin)).await?;
    Ok(Actor {
        user: admin.id,
        role: admin.role,
        plan,
        origin: Origin::default(),
    })
}

/// Invites the first user of a tenant that has none yet, an admin (provisioning: the operator
/// or the organisation's sign-up names them; they choose their password by accepting the
/// invitation mailed to them); `TENANT_HAS_USERS` once it has any. Records `user.created` and
/// `user.invited`, audited as `user.invited` done by the system.
pub async fn invite_first_admin(
    tx: &mut WriteTx,
    plan: Plan,
    email: &Email,
    display_name: &str,
) -> Result<(User, InvitationToken), Refusal> {
    tx.affects_all_users();
    nobody_yet(tx).await?;
    let person = NewPerson {
        email: email.as_str().to_owned(),
        display_name: display_name.to_owned(),
        role: Role::Admin,
        password: None,
    };
    let admin = insert(tx, plan, person, Creator::Platform).await?;
    let invitation = issue(tx, admin.id, None).await?;
    audit::record_by_system(tx, created(AuditAction::UserInvited, &admin)).await?;
    Ok((admin, invitation))
}

/// Refuses to make a tenant's first admin once it has users (`TENANT_HAS_USERS`).
async fn nobody_yet(tx: &mut WriteTx) -> Result<(), Refusal> {
    if !users::list(tx, users::UserFilter::ALL, None, 1)
        .await?
        .is_empty()
    {
        return Err(Refusal::conflict(
            "TENANT_HAS_USERS",
            "the organization has users already; its admins invite the next ones",
        ));
    }
    Ok(())
}

/// Signs a person up as a student of `tenant`, from `origin`, where its settings allow self
/// sign-up (`SIGNUP_DISABLED` otherwise) for the address's domain (`SIGNUP_DOMAIN_NOT_ALLOWED`
/// outside the domains it lists, if any). Records `user.created`, audited as done by the person.
pub async fn sign_up(
    tx: &mut WriteTx,
    tenant: &Tenant,
    email: String,
    display_name: String,
    password: NewPassword,
    origin: &Origin,
) -> Result<User, Refusal> {
    tx.affects_all_users();
    let settings = TenantSettings::read(&tenant.settings);
    if !settings.self_signup {
        return Err(Refusal::forbidden(
            "SIGNUP_DISABLED",
            "this organization does not allow self sign-up",
        ));
    }
    if !settings.admits(&Email::parse(&email)?) {
        return Err(Refusal::forbidden(
            "SIGNUP_DOMAIN_NOT_ALLOWED",
            "this organization admits self sign-up only from its own e-mail domains",
        ));
    }
    let person = NewPerson {
        email,
        display_name,
        role: Role::Student,
        password: Some(password),
    };
    let user = insert(tx, tenant.plan, person, Creator::Themself).await?;
    let change = created(AuditAction::UserCreated, &user);
    audit::record_by(tx, &user, origin, change).await?;
    Ok(user)
}

/// Who makes a user.
#[derive(Clone, Copy)]
enum Creator {
    /// An admin of the tenant.
    Admin(UserId),
    /// The person, signing up.
    Themself,
    /// Provisioning (the first admin): nobody in the tenant.
    Platform,
}

async fn insert(
    tx: &mut WriteTx,
    plan: Plan,
    person: NewPerson,
    creator: Creator,
) -> Result<User, Refusal> {
    let email = Email::parse(&person.email)?;
    if person.role == Role::Student {
        let used = users::count_students(tx).await?;
        within_plan("students", used, plan.limits().max_students)?;
    }
    let status = match person.password {
        Some(_) => UserStatus::Active,
        None => UserStatus::Invited,
    };
    let new = users::NewUser {
        email,
        display_name: person.display_name,
        role: person.role,
        password_hash: person.password.map(|p| p.hash().to_owned()),
    };
    let user = users::insert_with_status(tx, &new, status).await?;
    let created = events::UserCreated {
        user_id: user.id,
        role: user.role,
        status,
        created_by: match creator {
            Creator::Admin(admin) => Some(admin),
            Creator::Themself | Creator::Platform => None,
        },
    };
    let actor = match creator {
        Creator::Admin(admin) => Some(admin),
        Creator::Themself => Some(user.id),
        Creator::Platform => None,
    };
    outbox::append(tx, actor, &created.into()).await?;
    Ok(user)
}

/// One user: everyone may read themselves, others need `user:manage`.
pub async fn show(tx: &mut TenantTx, actor: &Actor, id: UserId) -> Result<User, Refusal> {
    if actor.user != id {
        actor.require(Permission::UserManage)?;
    }
    users::get(tx, id).await?.ok_or_else(user_not_found)
}

/// Refuses to take the last active admin's role or access: nobody could manage the tenant.
async fn keep_an_admin(tx: &mut WriteTx, user: UserId) -> Result<(), Refusal> {
    let admins = users::lock_active_admins(tx).await?;
    if admins == [user] {
        return Err(Refusal::conflict(
            "LAST_ADMIN",
            "the organization needs at least one active admin; appoint another first",
        ));
    }
    Ok(())
}

/// Changes a user's name or role (`user:manage`); a new student counts toward the plan. Records
/// `user.updated`; audited as `user.role_changed` (or `user.renamed` when only the name
/// changed), with what changed before and after.
pub async fn change(
    tx: &mut WriteTx,
    actor: &Actor,
    id: UserId,
    display_name: Option<&str>,
    role: Option<Role>,
) -> Result<User, Refusal> {
    tx.affects_all_users();
    actor.require(Permission::UserManage)?;
    if role.is_some_and(|role| role != Role::Admin) {
        keep_an_admin(tx, id).await?;
    }
    let current = users::get(tx, id).await?.ok_or_else(user_not_found)?;
    if role == Some(Role::Student) && current.role != Role::Student {
        let used = users::count_students(tx).await?;
        within_plan("students", used, actor.plan.limits().max_students)?;
    }
    let user = users::update(tx, id, display_name, role)
        .await?
        .ok_or_else(user_not_found)?;
    let updated = events::UserUpdated {
        user_id: id,
        role: user.role,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &updated.into()).await?;
    if let Some(change) = changed(&current, &user) {
        audit::record(tx, actor, change).await?;
    }
    Ok(user)
}

/// Sets the language the signed-in person reads the pages in (`None`: the tenant's, then their
/// browser's). Everyone chooses their own, and only their own. Records `user.updated`.
pub async fn choose_locale(
    tx: &mut WriteTx,
    actor: &Actor,
    locale: Option<Locale>,
) -> Result<User, Refusal> {
    tx.affects_only(actor.user);
    let user = users::set_locale(tx, actor.user, locale)
        .await?
        .ok_or_else(user_not_found)?;
    let updated = events::UserUpdated {
        user_id: user.id,
        role: user.role,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &updated.into()).await?;
    Ok(user)
}

/// The audit entry of a change from `before` to `after`: the fields that changed, or nothing.
fn changed(before: &User, after: &User) -> Option<Change> {
    let (mut old, mut new) = (serde_json::Map::new(), serde_json::Map::new());
    if before.display_name != after.display_name {
        old.insert("display_name".into(), before.display_name.clone().into());
        new.insert("display_name".into(), after.display_name.clone().into());
    }
    let action = if before.role != after.role {
        old.insert("role".into(), before.role.as_str().into());
        new.insert("role".into(), after.role.as_str().into());
        AuditAction::UserRoleChanged
    } else if !new.is_empty() {
        AuditAction::UserRenamed
    } else {
        return None;
    };
    Some(
        Change::new(action)
            .on(AuditTarget::User(after.id))
            .before(old.into())
            .after(new.into()),
    )
}

/// Deactivates a user (`user:manage`; not oneself, not the last admin) and signs them out
/// everywhere (their refresh tokens are revoked). Records `user.deactivated`, audited with the
/// status before and after.
pub async fn deactivate(tx: &mut WriteTx, actor: &Actor, id: UserId) -> Result<User, Refusal> {
    tx.affects_all_users();
    actor.require(Permission::UserManage)?;
    if actor.user == id {
        return Err(Refusal::conflict(
            "CANNOT_DEACTIVATE_SELF",
            "ask another admin to deactivate you",
        ));
    }
    keep_an_admin(tx, id).await?;
    let before = users::get(tx, id).await?.ok_or_else(user_not_found)?;
    let user = users::set_status(tx, id, UserStatus::Deactivated)
        .await?
        .ok_or_else(user_not_found)?;
    refresh_tokens::revoke_user(tx, id).await?;
    let deactivated = events::UserDeactivated {
        user_id: id,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &deactivated.into()).await?;
    let change = Change::new(AuditAction::UserDeactivated)
        .on(AuditTarget::User(id))
        .before(serde_json::json!({ "status": before.status }))
        .after(serde_json::json!({ "status": user.status }));
    audit::record(tx, actor, change).await?;
    Ok(user)
}

/// Reactivates a deactivated user (`user:manage`; `NOT_DEACTIVATED` otherwise); a student
/// counts toward the plan again. They sign in with their password as before. Records
/// `user.reactivated`, audited with the status before and after.
pub async fn reactivate(tx: &mut WriteTx, actor: &Actor, id: UserId) -> Result<User, Refusal> {
    tx.affects_all_users();
    actor.require(Permission::UserManage)?;
    let before = users::get(tx, id).await?.ok_or_else(user_not_found)?;
    if before.status != UserStatus::Deactivated {
        return Err(Refusal::conflict(
            "NOT_DEACTIVATED",
            "only a deactivated person can be reactivated",
        ));
    }
    if before.role == Role::Student {
        let used = users::count_students(tx).await?;
        within_plan("students", used, actor.plan.limits().max_students)?;
    }
    let user = users::set_status(tx, id, UserStatus::Active)
        .await?
        .ok_or_else(user_not_found)?;
    let reactivated = events::UserReactivated {
        user_id: id,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &reactivated.into()).await?;
    let change = Change::new(AuditAction::UserReactivated)
        .on(AuditTarget::User(id))
        .before(serde_json::json!({ "status": before.status }))
        .after(serde_json::json!({ "status": user.status }));
    audit::record(tx, actor, change).await?;
    Ok(user)
}

/// Records that an admin (`user:manage`) unlocks the sign-in of user `id`, locked after failed
/// attempts, and answers the user: the face that keeps the count of failures clears it.
/// Audited as `user.unlocked`.
pub async fn unlock(tx: &mut WriteTx, actor: &Actor, id: UserId) -> Result<User, Refusal> {
    actor.require(Permission::UserManage)?;
    let user = users::get(tx, id).await?.ok_or_else(user_not_found)?;
    tx.affects_nothing_cached();
    let change = Change::new(AuditAction::UserUnlocked).on(AuditTarget::User(id));
    audit::record(tx, actor, change).await?;
    Ok(user)
}
