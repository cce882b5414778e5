//! The tenant's audit log: what each audited use case records, in the transaction of the
//! change it records (so a change rolled back leaves no entry), and the log read back by the
//! tenant's admins (`audit:view`) and checked by the operator.
//!
//! Audited: sign-ins and failed sign-ins, people created, invited, activated, renamed, given
//! another role or deactivated, courses published, archived or deleted, and enrollment imports.
//! An entry names who acted (their id and e-mail), from where ([`Origin`]), what to, and the
//! state before and after; never a password or token. Use cases record last, once the change
//! is made: appends of one tenant wait for each other until their transaction ends.

use crate::identity::User;
use crate::{Actor, Refusal};
use lyceum_domain::{AuditAction, AuditTarget, Origin, Permission};
use lyceum_store::repo::audit::{self as log, NewEntry};
use lyceum_store::repo::users;
use lyceum_store::{ChainReport, TenantTx, WriteTx};
use serde_json::Value;

pub use lyceum_store::repo::audit::{ActorFilter, AuditFilter, AuditLogEntry};

/// Who an entry names when nobody signed in acted (the tenant's first admin, made when it was
/// provisioned).
const SYSTEM: &str = "system";

/// What an audited use case changed.
pub(crate) struct Change {
    action: AuditAction,
    target: Option<AuditTarget>,
    before: Option<Value>,
    after: Option<Value>,
}

impl Change {
    pub(crate) fn new(action: AuditAction) -> Self {
        Change {
            action,
            target: None,
            before: None,
            after: None,
        }
    }

    pub(crate) fn on(mut self, target: AuditTarget) -> Self {
        self.target = Some(target);
        self
    }

    pub(crate) fn before(mut self, state: Value) -> Self {
        self.before = Some(state);
        self
    }

    pub(crate) fn after(mut self, state: Value) -> Self {
        self.after = Some(state);
        self
    }

    async fn append(
        self,
        tx: &mut WriteTx,
        actor_id: Option<lyceum_domain::UserId>,
        actor: &str,
        origin: &Origin,
    ) -> Result<(), Refusal> {
        let entry = NewEntry {
            action: self.action,
            actor_id,
            actor,
            target: self.target,
            origin,
            before: self.before,
            after: self.after,
        };
        log::append(tx, &entry).await?;
        Ok(())
    }
}

/// Records `change`, made by the signed-in `actor`.
pub(crate) async fn record(tx: &mut WriteTx, actor: &Actor, change: Change) -> Result<(), Refusal> {
    let email = users::get(tx, actor.user)
        .await?
        .map(|u| u.email.to_string());
    let who = email.unwrap_or_else(|| actor.user.to_string());
    change
        .append(tx, Some(actor.user), &who, &actor.origin)
        .await
}

/// Records `change`, made by `user` on their own behalf (signing in, accepting an invitation,
/// signing up) from `origin`.
pub(crate) async fn record_by(
    tx: &mut WriteTx,
    user: &User,
    origin: &Origin,
    change: Change,
) -> Result<(), Refusal> {
    change
        .append(tx, Some(user.id), user.email.as_str(), origin)
        .await
}

/// Records `change`, made without anyone signed in (provisioning).
pub(crate) async fn record_by_system(tx: &mut WriteTx, change: Change) -> Result<(), Refusal> {
    change.append(tx, None, SYSTEM, &Origin::default()).await
}

/// Records a sign-in refused for a wrong e-mail or password: `tried` is the e-mail as typed
/// (kept only when it reads as an e-mail, so a password typed in its place is never stored),
/// `user` the person it names, if any.
pub(crate) async fn record_failed_sign_in(
    tx: &mut WriteTx,
    tried: &str,
    user: Option<&User>,
    origin: &Origin,
) -> Result<(), Refusal> {
    let change = Change::new(AuditAction::SignInFailed);
    match user {
        Some(user) => record_by(tx, user, origin, change).await,
        None => {
            let tried = lyceum_domain::Email::parse(tried);
            let who = tried.as_ref().map_or("(not an e-mail)", |e| e.as_str());
            change.append(tx, None, who, origin).await
        }
    }
}

/// Records `change`, asked for by someone not signed in who typed the e-mail `tried` (kept
/// only when it reads as an e-mail): the actor is that text, never a person, whoever it names.
pub(crate) async fn record_by_visitor(
    tx: &mut WriteTx,
    tried: &str,
    origin: &Origin,
    change: Change,
) -> Result<(), Refusal> {
    let tried = lyceum_domain::Email::parse(tried.trim());
    let who = tried.as_ref().map_or("(not an e-mail)", |e| e.as_str());
    change.append(tx, None, who, origin).await
}

/// Reads a filter's actor: a user's id, or an e-mail (also one tried in a failed sign-in);
/// nothing when blank.
pub fn actor_filter(text: &str) -> Result<Option<ActorFilter>, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(match text.parse::<uuid::Uuid>() {
        Ok(id) => ActorFilter::User(lyceum_domain::UserId::from_uuid(id)),
        Err(_) => ActorFilter::Email(lyceum_domain::Email::parse(text)?),
    }))
}

/// A page of the tenant's audit log (`audit:view`), newest first: entries matching `filter`,
/// older than entry `before` if given.
pub async fn entries(
    tx: &mut TenantTx,
    actor: &Actor,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditLogEntry>, Refusal> {
    actor.require(Permission::AuditView)?;
    Ok(log::page(tx, filter, before, limit).await?)
}

/// Checks the tenant's chain (for the operator: no tenant user may) and names the first
/// entry edited, removed or moved.
pub async fn verify(tx: &mut TenantTx) -> Result<ChainReport, Refusal> {
    Ok(log::verify(tx).await?)
}

/// `AUDIT_CHAIN_BROKEN`: `logs` audit logs failed their check (the operator's commands exit
/// with it).
pub fn chains_broken(logs: usize) -> Refusal {
    Refusal::conflict(
        "AUDIT_CHAIN_BROKEN",
        format!("{logs} audit log(s) failed the check: entries were edited, removed or moved"),
    )
}
