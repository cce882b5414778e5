//! Login throttling, for tenant users and platform operators alike: per account, failed
//! attempts within a window lock the account's sign-in until the window has passed since the
//! last failure; per client address, every attempt takes a token from that address's bucket
//! for the tenant (failures at one tenant do not lock another tenant's people out of a shared
//! office address) and one from its bucket for all tenants, which holds
//! [`ADDRESS_TENANTS`] times as much. Either answers
//! 429 `LOGIN_THROTTLED` with `Retry-After`. Requests for a password reset take from the same
//! address buckets, and each account (as typed) is sent a few reset mails a while at most. The
//! client address is the socket's peer; an `X-Forwarded-For` header counts only when the peer
//! is a configured trusted proxy.

use super::handlers::LoginRequest;
use crate::http::error::ApiError;
use crate::http::ratelimit::{Buckets, Verdict};
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;
use moka::future::Cache;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Login throttling settings.
#[derive(Debug, Clone)]
pub struct LoginThrottleConfig {
    /// Failed attempts on one account within `failure_window` before it is locked.
    pub max_failures: u32,
    pub failure_window: Duration,
    /// Attempts (failed or not) per minute from one client address.
    pub attempts_per_minute_per_address: u32,
    /// Peers whose `X-Forwarded-For` is believed (load balancers, reverse proxies).
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for LoginThrottleConfig {
    fn default() -> Self {
        Self {
            max_failures: 5,
            failure_window: Duration::from_secs(15 * 60),
            attempts_per_minute_per_address: 30,
            trusted_proxies: Vec::new(),
        }
    }
}

/// An account: the tenant (`None` for the platform) and the e-mail as typed, lower-cased.
type Account = (Option<Uuid>, String);

/// How many tenants' worth of sign-in attempts one address may make in all.
pub const ADDRESS_TENANTS: u32 = 4;

pub(crate) struct LoginThrottle {
    config: LoginThrottleConfig,
    /// Failures and the time of the last one; an entry lives `failure_window` after its last
    /// failure.
    failures: Cache<Account, (u32, Instant)>,
    /// Attempts per tenant (`None`: the platform) and address.
    per_address: Buckets<(Option<Uuid>, IpAddr)>,
    /// Attempts per address, whatever the tenant.
    per_address_overall: Buckets<IpAddr>,
    /// Password reset mails per account (tenant and e-mail as typed, known or not).
    reset_mails: Buckets<Account>,
}

/// Password reset mails one account may be sent at once ([`RESET_MAIL_EVERY`] brings one back).
pub const RESET_MAILS_BURST: u32 = 3;

/// How often one more password reset mail may go to the same account.
pub const RESET_MAIL_EVERY: Duration = Duration::from_secs(20 * 60);

/// What [`LoginThrottle::admit_reset`] lets happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ResetAdmission {
    /// Do the work, and send the mail if the address is known.
    Send,
    /// The account had its mails already: answer the same, do nothing.
    Quiet,
}

impl LoginThrottle {
    pub(crate) fn new(config: LoginThrottleConfig) -> Self {
        let failures = Cache::builder()
            .max_capacity(100_000)
            .time_to_live(config.failure_window)
            .build();
        let per_minute = config.attempts_per_minute_per_address;
        let overall = per_minute.saturating_mul(ADDRESS_TENANTS);
        LoginThrottle {
            per_address: Buckets::new(per_minute, per_minute),
            per_address_overall: Buckets::new(overall, overall),
            reset_mails: Buckets::every(RESET_MAIL_EVERY, RESET_MAILS_BURST),
            failures,
            config,
        }
    }

    /// Refuses an attempt on a locked account or from an address over its rate. The address
    /// bucket is charged for every attempt that gets this far.
    pub(crate) async fn admit(
        &self,
        tenant: Option<Uuid>,
        email: &str,
        client: Option<IpAddr>,
    ) -> Result<(), Throttled> {
        let account = (tenant, email.trim().to_lowercase());
        if let Some((count, last)) = self.failures.get(&account).await {
            if count >= self.config.max_failures {
                let retry_after = self.config.failure_window.saturating_sub(last.elapsed());
                return Err(Throttled(Verdict::Refused {
                    limit: self.config.max_failures,
                    retry_after,
                }));
            }
        }
        if let Some(address) = client {
            // The overall bucket is charged only for attempts the tenant's bucket let through.
            if let refused @ Verdict::Refused { .. } = self.per_address.check(&(tenant, address)) {
                return Err(Throttled(refused));
            }
            if let refused @ Verdict::Refused { .. } = self.per_address_overall.check(&address) {
                return Err(Throttled(refused));
            }
        }
        Ok(())
    }

    /// Admits a request for a password reset of `email` (as typed) at `tenant`: from an address
    /// over its rate (the same buckets as sign-in attempts) it is refused; an account sent
    /// [`RESET_MAILS_BURST`] mails lately gets no more for now ([`ResetAdmission::Quiet`]),
    /// whether or not the address is known, so the answer tells nothing either way.
    pub(crate) fn admit_reset(
        &self,
        tenant: Uuid,
        email: &str,
        client: Option<IpAddr>,
    ) -> Result<ResetAdmission, Throttled> {
        if let Some(address) = client {
            if let refused @ Verdict::Refused { .. } =
                self.per_address.check(&(Some(tenant), address))
            {
                return Err(Throttled(refused));
            }
            if let refused @ Verdict::Refused { .. } = self.per_address_overall.check(&address) {
                return Err(Throttled(refused));
            }
        }
        let account = (Some(tenant), email.trim().to_lowercase());
        Ok(match self.reset_mails.check(&account) {
            Verdict::Allowed { .. } => ResetAdmission::Send,
            Verdict::Refused { .. } => ResetAdmission::Quiet,
        })
    }

    /// Counts a failure; answers how long the account is locked when this failure locked it
    /// (the one that reached `max_failures`; later ones are refused before they count).
    pub(crate) async fn failed(&self, tenant: Option<Uuid>, email: &str) -> Option<Duration> {
        let account = (tenant, email.trim().to_lowercase());
        let count = self.failures.get(&account).await.map_or(0, |(c, _)| c) + 1;
        self.failures.insert(account, (count, Instant::now())).await;
        (count == self.config.max_failures.max(1)).then_some(self.config.failure_window)
    }

    /// Forgets the account's failures: after a good password, or an admin's unlock.
    pub(crate) async fn forget_failures(&self, tenant: Option<Uuid>, email: &str) {
        self.failures
            .invalidate(&(tenant, email.trim().to_lowercase()))
            .await;
    }

    /// Is the account's sign-in locked by its failures (in this process)?
    pub(crate) async fn is_locked(&self, tenant: Option<Uuid>, email: &str) -> bool {
        let account = (tenant, email.trim().to_lowercase());
        self.failures
            .get(&account)
            .await
            .is_some_and(|(count, _)| count >= self.config.max_failures)
    }

    /// The client's address: the peer, or the nearest untrusted hop of `X-Forwarded-For`
    /// when the peer is a trusted proxy.
    fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let trusted = |ip: &IpAddr| self.config.trusted_proxies.iter().any(|n| n.contains(ip));
        if !trusted(&peer) {
            return peer;
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
            .map(|hop| hop.to_canonical())
            .collect::<Vec<_>>();
        hops.into_iter()
            .rev()
            .find(|hop| !trusted(hop))
            .unwrap_or(peer)
    }
}

/// An admin's unlock of user `id`'s sign-in, for every face: the use case (permission, audit
/// entry) in its own transaction, then this process forgets the failures that locked it.
pub(crate) async fn unlock_sign_in(
    state: &AppState,
    tenant: &lyceum_store::Tenant,
    actor: &lyceum_app::Actor,
    id: lyceum_domain::UserId,
) -> Result<lyceum_app::identity::User, lyceum_app::Refusal> {
    let mut tx = state.store.begin_write(tenant).await?;
    let user = lyceum_app::identity::users::unlock(&mut tx, actor, id).await?;
    tx.commit().await?;
    state
        .login_throttle
        .forget_failures(Some(tenant.id().as_uuid()), user.email.as_str())
        .await;
    Ok(user)
}

/// A sign-in with e-mail and password, throttled: refuses a locked account or a client over
/// its rate, looks the account up with `lookup` (user and password hash, if any), verifies the
/// password (against a throwaway hash when there is none, so timing does not tell which
/// e-mails exist) and counts the outcome. `tenant` is `None` for platform operators; `label`
/// names them in the metrics.
pub(crate) async fn password_sign_in<U, Lookup>(
    state: &AppState,
    tenant: Option<Uuid>,
    label: &str,
    request: LoginRequest,
    client: Option<IpAddr>,
    lookup: Lookup,
) -> Result<U, SignInRefused<U>>
where
    Lookup: std::future::Future<Output = Result<Option<(U, Option<String>)>, ApiError>>,
{
    let throttle = &state.login_throttle;
    if let Err(throttled) = throttle.admit(tenant, &request.email, client).await {
        state.metrics.login_throttled(label);
        return Err(SignInRefused::Early(throttled.into_response()));
    }
    let found = lookup
        .await
        .map_err(|e| SignInRefused::Early(e.into_response()))?;
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    let verified = lyceum_app::identity::passwords::verify(request.password, hash).await;
    match user {
        Some(user) if verified => {
            throttle.forget_failures(tenant, &request.email).await;
            Ok(user)
        }
        user => {
            let locked_for = throttle.failed(tenant, &request.email).await;
            let response =
                ApiError::unauthorized("INVALID_CREDENTIALS", "wrong e-mail or password")
                    .into_response();
            Err(SignInRefused::WrongCredentials {
                user,
                locked_for,
                response,
            })
        }
    }
}

/// Why a sign-in did not pass, with the response that says so.
pub(crate) enum SignInRefused<U> {
    /// Before any password was checked: throttled, or the account could not be looked up.
    Early(Response),
    /// A wrong e-mail or password (401 `INVALID_CREDENTIALS`); `user` is the person the
    /// e-mail names, if any; `locked_for`, how long this failure locked the account.
    WrongCredentials {
        user: Option<U>,
        locked_for: Option<Duration>,
        response: Response,
    },
}

impl<U> IntoResponse for SignInRefused<U> {
    fn into_response(self) -> Response {
        match self {
            SignInRefused::Early(response) | SignInRefused::WrongCredentials { response, .. } => {
                response
            }
        }
    }
}

/// A refused sign-in attempt.
pub(crate) struct Throttled(Verdict);

impl Throttled {
    /// The refusal as an error any face words: 429 `LOGIN_THROTTLED`, with `Retry-After`.
    pub(crate) fn into_error(self) -> ApiError {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "LOGIN_THROTTLED",
            "too many attempts; wait and try again",
        );
        if let Verdict::Refused { retry_after, .. } = self.0 {
            let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            error.retry_after = Some(u32::try_from(seconds.max(1)).unwrap_or(u32::MAX));
        }
        error
    }
}

impl IntoResponse for Throttled {
    fn into_response(self) -> Response {
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "LOGIN_THROTTLED",
            "too many sign-in attempts; wait and try again",
        )
        .into_response();
        self.0.write_headers(response.headers_mut());
        response
    }
}

/// The client address of a request, where known (requests served without connection info,
/// as in tests through `oneshot`, have none and are throttled per account only).
pub(crate) struct ClientAddress(pub(crate) Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(client_address(
            state,
            &parts.extensions,
            &parts.headers,
        )))
    }
}

/// The client address of a request (see [`ClientAddress`]).
pub(crate) fn client_address(
    state: &AppState,
    extensions: &Extensions,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_canonical())?;
    Some(state.login_throttle.client_address(peer, headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle(trusted: &[&str]) -> LoginThrottle {
        LoginThrottle::new(LoginThrottleConfig {
            trusted_proxies: trusted.iter().map(|n| n.parse().unwrap()).collect(),
            ..LoginThrottleConfig::default()
        })
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.7, 10.0.0.9".parse().unwrap());
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(throttle(&[]).client_address(peer, &headers), peer);
        assert_eq!(
            throttle(&["10.0.0.0/8"]).client_address(peer, &headers),
            "203.0.113.7".parse::<IpAddr>().unwrap(),
            "the nearest untrusted hop, not a spoofable leftmost entry"
        );
        headers.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.7".parse().unwrap(),
        );
        assert_eq!(
            throttle(&["10.0.0.0/8"]).client_address(peer, &headers),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
    }
}
