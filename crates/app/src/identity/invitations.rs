//! Invitations: an admin creates a user without a password (`invited`) or invites them again;
//! the one-time token is mailed to the person (and shown to the admin, who may pass it on
//! themselves); the person accepts it, sets a password and is active.

use super::{new_opaque_token, opaque_token_hash, NewPassword, User};
use crate::audit::{self, Change};
use crate::{mail, Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::{
    events, AuditAction, AuditTarget, DomainEvent, Origin, Permission, UserId, UserStatus,
};
use lyceum_store::repo::{invitations, outbox, users};
use lyceum_store::WriteTx;
use serde::Serialize;

/// How long an invitation can be accepted.
const VALID_FOR: chrono::Duration = chrono::Duration::days(7);

/// What the admin passes on to the invited person.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationToken {
    /// One-time; shown only here.
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues a fresh invitation for an invited user, withdrawing earlier ones, records
/// `user.invited` and queues the invitation mail. `by` is the inviting admin; none for a
/// tenant's first admin, invited by the platform (their `user.invited` names no inviter).
pub(crate) async fn issue(
    tx: &mut WriteTx,
    user: UserId,
    by: Option<UserId>,
) -> Result<InvitationToken, Refusal> {
    let mut issued = issue_many(tx, &[user], by).await?;
    issued
        .pop()
        .ok_or(Refusal::Internal("an invitation was not issued"))
}

/// [`issue`] for each of `users`, in a few statements however many there are (an import);
/// their tokens in the same order.
pub(crate) async fn issue_many(
    tx: &mut WriteTx,
    users: &[UserId],
    by: Option<UserId>,
) -> Result<Vec<InvitationToken>, Refusal> {
    let expires_at = Utc::now() + VALID_FOR;
    let mut tokens = Vec::with_capacity(users.len());
    for _ in users {
        tokens.push(new_opaque_token()?);
    }
    let hashes: Vec<(UserId, &[u8])> = users
        .iter()
        .zip(&tokens)
        .map(|(&user, (_, hash))| (user, hash.as_ref()))
        .collect();
    invitations::issue_many(tx, &hashes, expires_at, by).await?;
    let invited: Vec<DomainEvent> = users
        .iter()
        .map(|&user_id| {
            events::UserInvited {
                user_id,
                by,
                expires_at,
            }
            .into()
        })
        .collect();
    outbox::append_many(tx, by, &invited).await?;
    let mails: Vec<(UserId, &str)> = users
        .iter()
        .zip(&tokens)
        .map(|(&user, (token, _))| (user, token.as_str()))
        .collect();
    mail::invitations(tx, &mails, expires_at).await?;
    Ok(tokens
        .into_iter()
        .map(|(token, _)| InvitationToken { token, expires_at })
        .collect())
}

/// Invites an invited user again (`user:manage`): a new token; earlier ones stop working.
/// Audited as `user.invited`.
pub async fn reinvite(
    tx: &mut WriteTx,
    actor: &Actor,
    user: UserId,
) -> Result<InvitationToken, Refusal> {
    actor.require(Permission::UserManage)?;
    let invited = users::get(tx, user)
        .await?
        .ok_or_else(|| Refusal::not_found("no such user"))?;
    if invited.status != UserStatus::Invited {
        return Err(Refusal::conflict(
            "NOT_INVITED",
            format!("the user is {}, not invited", invited.status),
        ));
    }
    let invitation = issue(tx, user, Some(actor.user)).await?;
    let change = Change::new(AuditAction::UserInvited)
        .on(AuditTarget::User(user))
        .after(serde_json::json!({ "expires_at": invitation.expires_at }));
    audit::record(tx, actor, change).await?;
    Ok(invitation)
}

/// Accepts the invitation `token`, sent from `origin`: sets the password, activates the user
/// and records `user.activated` (audited as done by the person). An unknown, used or expired
/// token is `INVALID_INVITATION`.
pub async fn accept(
    tx: &mut WriteTx,
    token: &str,
    password: &NewPassword,
    origin: &Origin,
) -> Result<User, Refusal> {
    let invalid = || Refusal::Malformed {
        code: "INVALID_INVITATION",
        message: "this invitation is unknown, used or expired; ask for a new one".to_owned(),
    };
    let invitation = invitations::by_hash(tx, &opaque_token_hash(token))
        .await?
        .filter(|i| i.accepted_at.is_none() && i.expires_at > Utc::now())
        .ok_or_else(invalid)?;
    let user_id = UserId::from_uuid(invitation.user_id);
    tx.affects_only(user_id);
    let user = users::activate_with_password(tx, user_id, password.hash())
        .await?
        .ok_or_else(invalid)?;
    if !invitations::accept(tx, invitation.id).await? {
        return Err(invalid());
    }
    let activated = events::UserActivated {
        user_id: user.id,
        invitation_id: invitation.id,
    };
    outbox::append(tx, Some(user.id), &activated.into()).await?;
    let change = Change::new(AuditAction::UserActivated)
        .on(AuditTarget::User(user.id))
        .before(serde_json::json!({ "status": UserStatus::Invited }))
        .after(serde_json::json!({ "status": user.status }));
    audit::record_by(tx, &user, origin, change).await?;
    Ok(user)
}
