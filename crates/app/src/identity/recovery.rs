//! Passwords changed and recovered. A signed-in person changes their password by giving their
//! current one ([`verify_current`], then [`change_password`]): every other session ends. A
//! person who forgot it asks for a reset by e-mail ([`request_reset`]), or an admin sends one
//! ([`send_reset`]): a one-time token, stored only as its hash, good for [`RESET_VALID_FOR`],
//! mailed as a link; presenting it with a new password ([`confirm_reset`]) sets the password
//! and ends every session. Nothing here answers whether an e-mail is known: the request does
//! the same work, and tells the same, for every address.

use super::{new_opaque_token, opaque_token_hash, passwords, NewPassword, User};
use crate::audit::{self, Change};
use crate::{mail, Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::UserStatus;
use lyceum_domain::{events, AuditAction, AuditTarget, Email, Origin, Permission, UserId};
use lyceum_store::repo::{outbox, password_resets, refresh_tokens, users};
use lyceum_store::{TenantTx, WriteTx};
use serde::Serialize;

/// How long a password reset link works.
pub const RESET_VALID_FOR: chrono::Duration = chrono::Duration::hours(1);

/// The current password of a signed-in person, checked: what [`change_password`] takes, so
/// that no face can change a password without it.
#[derive(Debug)]
pub struct VerifiedPassword {
    user: UserId,
}

/// `WRONG_PASSWORD`: the current password given is not the person's.
pub fn wrong_password() -> Refusal {
    Refusal::forbidden(
        "WRONG_PASSWORD",
        "the current password is not right; your password is unchanged",
    )
}

/// The signed-in person and their password hash, read for [`verify_current`] (in a
/// transaction of its own, ended before the slow check).
pub async fn credentials(
    tx: &mut TenantTx,
    actor: &Actor,
) -> Result<(User, Option<String>), Refusal> {
    users::password_hash(tx, actor.user)
        .await?
        .ok_or_else(|| Refusal::not_found("user not found"))
}

/// Checks `password` against the person's `stored` hash (Argon2, off the request threads; run
/// it outside any transaction). A wrong one is `WRONG_PASSWORD`.
pub async fn verify_current(
    user: &User,
    stored: Option<String>,
    password: String,
) -> Result<VerifiedPassword, Refusal> {
    if passwords::verify(password, stored).await {
        Ok(VerifiedPassword { user: user.id })
    } else {
        Err(wrong_password())
    }
}

/// Sets the signed-in person's password to `new`, their current one `verified`. Every refresh
/// token of theirs is revoked but the session `keep_session` (the one the change is made in,
/// when given and theirs), and their unused reset links are withdrawn. Records
/// `user.password_changed`, audited as `user.password_changed`.
pub async fn change_password(
    tx: &mut WriteTx,
    actor: &Actor,
    verified: VerifiedPassword,
    new: &NewPassword,
    keep_session: Option<&str>,
) -> Result<User, Refusal> {
    if verified.user != actor.user {
        return Err(wrong_password());
    }
    tx.affects_only(actor.user);
    let user = users::set_password(tx, actor.user, new.hash())
        .await?
        .ok_or_else(|| Refusal::not_found("user not found"))?;
    let keep = match keep_session {
        Some(token) => refresh_tokens::by_hash(tx, &opaque_token_hash(token))
            .await?
            .filter(|t| t.user_id == user.id.as_uuid() && t.revoked_at.is_none())
            .map(|t| t.family_id),
        None => None,
    };
    refresh_tokens::revoke_user_except(tx, user.id, keep).await?;
    password_resets::withdraw(tx, user.id).await?;
    changed(tx, &user, false).await?;
    let change = Change::new(AuditAction::UserPasswordChanged).on(AuditTarget::User(user.id));
    audit::record_by(tx, &user, &actor.origin, change).await?;
    Ok(user)
}

async fn changed(tx: &mut WriteTx, user: &User, reset: bool) -> Result<(), Refusal> {
    let event = events::UserPasswordChanged {
        user_id: user.id,
        reset,
    };
    outbox::append(tx, Some(user.id), &event.into()).await?;
    Ok(())
}

/// Issues a reset for active `user`, withdrawing their unused ones, records
/// `user.password_reset_issued` and queues the mail carrying the link.
async fn issue(
    tx: &mut WriteTx,
    user: UserId,
    token: &str,
    hash: &[u8],
    by: Option<UserId>,
) -> Result<DateTime<Utc>, Refusal> {
    let expires_at = Utc::now() + RESET_VALID_FOR;
    password_resets::issue(tx, user, hash, expires_at, by).await?;
    let issued = events::UserPasswordResetIssued {
        user_id: user,
        by,
        expires_at,
    };
    outbox::append(tx, by, &issued.into()).await?;
    mail::send_password_reset(tx, user, token, expires_at).await?;
    Ok(expires_at)
}

/// Someone asks, from `origin`, for a reset of the password of `email` (as typed). For an
/// active person of the tenant with that e-mail, a reset is issued and mailed; for anything
/// else (unknown, invited, deactivated, not an e-mail at all) nothing is. Either way the
/// answer is the same and the work nearly so (a token is drawn and hashed, the tenant's
/// expired resets are cleared, the address looked up, the request audited as
/// `user.password_reset_requested` by the address typed, so both commits write): the caller
/// must not tell the two apart, and must not either.
pub async fn request_reset(tx: &mut WriteTx, email: &str, origin: &Origin) -> Result<(), Refusal> {
    tx.affects_nothing_cached();
    let (token, hash) = new_opaque_token()?;
    password_resets::purge_expired(tx).await?;
    let found = match Email::parse(email.trim()) {
        Ok(email) => users::by_email(tx, &email).await?,
        Err(_) => None,
    };
    let mut change = Change::new(AuditAction::UserPasswordResetRequested);
    if let Some(user) = found.filter(|u| u.status == UserStatus::Active) {
        issue(tx, user.id, &token, &hash, None).await?;
        change = change.on(AuditTarget::User(user.id));
    }
    audit::record_by_visitor(tx, email, origin, change).await
}

/// A reset an admin sent: when its link stops working (the token is only in the mail).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetSent {
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
}

/// An admin (`user:manage`) sends active user `id` a reset link by mail (their earlier unused
/// links stop working). Someone not active is `USER_NOT_ACTIVE` (invite or reactivate them
/// instead). Audited as `user.password_reset_sent`.
pub async fn send_reset(tx: &mut WriteTx, actor: &Actor, id: UserId) -> Result<ResetSent, Refusal> {
    actor.require(Permission::UserManage)?;
    tx.affects_nothing_cached();
    let user = users::get(tx, id)
        .await?
        .ok_or_else(|| Refusal::not_found("no such user"))?;
    if user.status != UserStatus::Active {
        return Err(Refusal::conflict(
            "USER_NOT_ACTIVE",
            format!(
                "the user is {}: invite an invited person again, reactivate a deactivated one",
                user.status
            ),
        ));
    }
    let (token, hash) = new_opaque_token()?;
    let expires_at = issue(tx, id, &token, &hash, Some(actor.user)).await?;
    let change = Change::new(AuditAction::UserPasswordResetSent)
        .on(AuditTarget::User(id))
        .after(serde_json::json!({ "expires_at": expires_at }));
    audit::record(tx, actor, change).await?;
    Ok(ResetSent {
        user_id: id,
        expires_at,
    })
}

/// `RESET_TOKEN_INVALID`: the one answer for a reset token unknown here, spent, expired or
/// withdrawn.
pub fn reset_token_invalid() -> Refusal {
    Refusal::Malformed {
        code: "RESET_TOKEN_INVALID",
        message: "this password reset link is unknown, used or expired; ask for a new one"
            .to_owned(),
    }
}

/// Sets a new password with reset `token`, sent from `origin`: the token is spent (once: a
/// second use, even at the same time, is refused), every session of the person ends, and the
/// person is answered (the face clears what throttles their sign-in). Records
/// `user.password_changed`, audited as `user.password_reset` done by the person.
pub async fn confirm_reset(
    tx: &mut WriteTx,
    token: &str,
    password: &NewPassword,
    origin: &Origin,
) -> Result<User, Refusal> {
    let reset = password_resets::by_hash(tx, &opaque_token_hash(token))
        .await?
        .filter(|r| r.is_open(Utc::now()))
        .ok_or_else(reset_token_invalid)?;
    if !password_resets::spend(tx, reset.id).await? {
        return Err(reset_token_invalid());
    }
    let user_id = UserId::from_uuid(reset.user_id);
    tx.affects_only(user_id);
    let user = users::set_password(tx, user_id, password.hash())
        .await?
        .ok_or_else(reset_token_invalid)?;
    refresh_tokens::revoke_user(tx, user.id).await?;
    changed(tx, &user, true).await?;
    let change = Change::new(AuditAction::UserPasswordReset).on(AuditTarget::User(user.id));
    audit::record_by(tx, &user, origin, change).await?;
    Ok(user)
}
