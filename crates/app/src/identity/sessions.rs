//! Sign-in sessions: a password checked against the stored hash, and the refresh-token families
//! that keep a person signed in. Each refresh token works once; presenting a spent one again
//! revokes its whole family (it was stolen or replayed).

use super::{new_opaque_token, opaque_token_hash, User};
use crate::audit::{self, Change};
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::{AuditAction, Email, Origin, Role, UserId, UserStatus};
use lyceum_store::repo::{refresh_tokens, users};
use lyceum_store::{TenantTx, WriteTx};
use uuid::Uuid;

/// The active user with this e-mail and their password hash (`None` when they have none), for
/// the sign-in to check; nobody when the e-mail is unknown or the user not active.
pub async fn credentials(
    tx: &mut TenantTx,
    email: &Email,
) -> Result<Option<(User, Option<String>)>, Refusal> {
    Ok(users::credentials(tx, email).await?)
}

/// Starts a session for `user`, who signed in from `origin` (with their password, or by
/// accepting an invitation or signing up): a refresh token of a new family, good until
/// `expires_at`. Audited as `sign_in`.
pub async fn sign_in(
    tx: &mut WriteTx,
    user: &User,
    expires_at: DateTime<Utc>,
    origin: &Origin,
) -> Result<String, Refusal> {
    let token = open(tx, user, Uuid::now_v7(), expires_at).await?;
    audit::record_by(tx, user, origin, Change::new(AuditAction::SignIn)).await?;
    Ok(token)
}

/// Records a sign-in refused for a wrong e-mail or password, in a transaction of its own that
/// the caller commits even though the sign-in fails. `tried` is the e-mail as typed, `user`
/// the active person it names, if any. Audited as `sign_in_failed`.
pub async fn sign_in_failed(
    tx: &mut WriteTx,
    tried: &str,
    user: Option<&User>,
    origin: &Origin,
) -> Result<(), Refusal> {
    // Nothing cached changes: a stream of failures retires no cached page.
    tx.affects_nothing_cached();
    audit::record_failed_sign_in(tx, tried, user, origin).await
}

/// Stores a new refresh token of `family` for `user`, good until `expires_at` (the user's
/// expired ones are cleared on the way), and answers it: a session started or, rotated, going
/// on.
pub async fn open(
    tx: &mut WriteTx,
    user: &User,
    family: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<String, Refusal> {
    tx.affects_only(user.id);
    refresh_tokens::purge_expired(tx, Some(user.id)).await?;
    let (token, hash) = new_opaque_token()?;
    refresh_tokens::insert(tx, family, user.id, &hash, expires_at).await?;
    Ok(token)
}

/// The active user whose session `token` is (a refresh token neither spent, revoked nor
/// expired), without spending it: how a browser's session cookie is checked on each page.
pub async fn resume(tx: &mut TenantTx, token: &str) -> Result<Option<User>, Refusal> {
    let Some(stored) = refresh_tokens::by_hash(tx, &opaque_token_hash(token)).await? else {
        return Ok(None);
    };
    if stored.revoked_at.is_some() || stored.used_at.is_some() || stored.expires_at <= Utc::now() {
        return Ok(None);
    }
    Ok(users::get(tx, UserId::from_uuid(stored.user_id))
        .await?
        .filter(|u| u.status == UserStatus::Active))
}

/// The role `user` holds now, or `None` once they are no longer active (deactivated, or gone):
/// what an access token, signed with the role of its day, is held against on each request, so
/// that deactivating or demoting someone takes effect on their next request.
pub async fn standing(tx: &mut TenantTx, user: UserId) -> Result<Option<Role>, Refusal> {
    Ok(users::get(tx, user)
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .map(|u| u.role))
}

/// What presenting a refresh token did.
#[derive(Debug)]
pub enum Refreshed {
    /// The token is spent; the session goes on in `family` for `user`.
    Rotated { user: User, family: Uuid },
    /// The token had been spent before: its family is revoked (commit that), and the caller
    /// must sign in again.
    Reused { family: Uuid },
}

fn invalid_refresh() -> Refusal {
    Refusal::Unauthenticated {
        code: "INVALID_TOKEN",
        message: "the refresh token is not valid".to_owned(),
    }
}

/// Spends refresh `token`: an unknown, revoked or expired one, or one of a user no longer
/// active, is `INVALID_TOKEN`.
pub async fn refresh(tx: &mut WriteTx, token: &str) -> Result<Refreshed, Refusal> {
    let stored = refresh_tokens::by_hash(tx, &opaque_token_hash(token))
        .await?
        .ok_or_else(invalid_refresh)?;
    tx.affects_only(UserId::from_uuid(stored.user_id));
    if stored.revoked_at.is_some() || stored.expires_at <= Utc::now() {
        return Err(invalid_refresh());
    }
    if stored.used_at.is_some() || !refresh_tokens::spend(tx, stored.id).await? {
        refresh_tokens::revoke_family(tx, stored.family_id).await?;
        return Ok(Refreshed::Reused {
            family: stored.family_id,
        });
    }
    let user = users::get(tx, UserId::from_uuid(stored.user_id))
        .await?
        .filter(|u| u.status == UserStatus::Active)
        .ok_or_else(invalid_refresh)?;
    Ok(Refreshed::Rotated {
        user,
        family: stored.family_id,
    })
}

/// Signs out: revokes refresh `token`'s family. Answers whether the token was known (an unknown
/// one changes nothing; roll back then).
pub async fn sign_out(tx: &mut WriteTx, token: &str) -> Result<bool, Refusal> {
    match refresh_tokens::by_hash(tx, &opaque_token_hash(token)).await? {
        Some(stored) => {
            tx.affects_only(UserId::from_uuid(stored.user_id));
            refresh_tokens::revoke_family(tx, stored.family_id).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// The signed-in actor as a user.
pub async fn me(tx: &mut TenantTx, actor: &Actor) -> Result<User, Refusal> {
    users::get(tx, actor.user)
        .await?
        .ok_or_else(|| Refusal::not_found("user not found"))
}
