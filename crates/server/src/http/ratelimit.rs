//! Token buckets (GCRA, from `governor`) keyed by tenant or client address, and the headers
//! they answer with. Each tenant has a bucket of its own sized by its plan, so one tenant's
//! burst empties only its own bucket and never starves the others.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use lyceum_domain::{Plan, TenantId};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

type Limiter<K> =
    RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// What a bucket says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allowed { limit: u32, remaining: u32 },
    Refused { limit: u32, retry_after: Duration },
}

impl Verdict {
    /// `RateLimit-Limit` / `-Remaining` (and `-Reset` with `Retry-After` when refused), in
    /// whole seconds rounded up.
    pub(crate) fn write_headers(&self, headers: &mut HeaderMap) {
        let mut set = |name: &'static str, value: u64| {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        };
        match *self {
            Verdict::Allowed { limit, remaining } => {
                set("ratelimit-limit", limit.into());
                set("ratelimit-remaining", remaining.into());
            }
            Verdict::Refused { limit, retry_after } => {
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                let seconds = seconds.max(1);
                set("ratelimit-limit", limit.into());
                set("ratelimit-remaining", 0);
                set("ratelimit-reset", seconds);
                set("retry-after", seconds);
            }
        }
    }
}

/// A token bucket per key: `per_minute` tokens a minute, at most `burst` at once.
pub(crate) struct Buckets<K: Hash + Eq + Clone> {
    limiter: Limiter<K>,
    burst: u32,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> Buckets<K> {
    pub(crate) fn new(per_minute: u32, burst: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute.max(1)).expect("at least one");
        let burst = NonZeroU32::new(burst.max(1)).expect("at least one");
        let quota = Quota::per_minute(per_minute).allow_burst(burst);
        Buckets {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            burst: burst.get(),
            checks: AtomicU64::new(0),
        }
    }

    /// A bucket per key of `burst` tokens, one coming back every `period`.
    pub(crate) fn every(period: Duration, burst: u32) -> Self {
        let burst = NonZeroU32::new(burst.max(1)).expect("at least one");
        let quota = Quota::with_period(period)
            .expect("a period longer than zero")
            .allow_burst(burst);
        Buckets {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            burst: burst.get(),
            checks: AtomicU64::new(0),
        }
    }

    /// `per_hour` tokens an hour, all of them at once if need be.
    pub(crate) fn per_hour(per_hour: u32) -> Self {
        let per_hour = per_hour.max(1);
        Self::every(Duration::from_secs(3600) / per_hour, per_hour)
    }

    /// Takes a token from `key`'s bucket if it has one.
    pub(crate) fn check(&self, key: &K) -> Verdict {
        // Forget full buckets now and then, so that keys seen once do not pile up.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.limiter.retain_recent();
        }
        match self.limiter.check_key(key) {
            Ok(state) => Verdict::Allowed {
                limit: self.burst,
                remaining: state.remaining_burst_capacity(),
            },
            Err(not_until) => Verdict::Refused {
                limit: self.burst,
                retry_after: not_until.wait_time_from(self.limiter.clock().now()),
            },
        }
    }
}

/// Rate limits of tenant requests.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    /// Off: no tenant is ever refused for its rate.
    pub enabled: bool,
    /// A bucket holds this many seconds of the plan's rate (plans grant requests per minute).
    pub burst_seconds: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            burst_seconds: 10,
        }
    }
}

/// Who a tenant request is charged to. A member of the tenant (a bearer token the tenant
/// signed, verified) spends the tenant's bucket; anyone else (no token, a bad or expired one,
/// another tenant's, and browsers, whose session the page checks later) spends a bucket of
/// their own for this tenant and client address. Anonymous traffic then cannot starve the
/// tenant's members, and a request refused for its token costs the tenant nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Payer {
    Member,
    Visitor(Option<IpAddr>),
}

/// A bucket per tenant and one per tenant and visiting address, sized by the tenant's plan.
pub(crate) struct TenantRateLimits {
    by_plan: Option<Vec<(Plan, PlanBuckets)>>,
}

struct PlanBuckets {
    members: Buckets<TenantId>,
    visitors: Buckets<(TenantId, Option<IpAddr>)>,
}

impl TenantRateLimits {
    pub(crate) fn new(config: &RateLimitConfig) -> Self {
        let by_plan = config.enabled.then(|| {
            Plan::ALL
                .iter()
                .map(|&plan| {
                    let per_minute = plan.limits().requests_per_minute;
                    let burst = per_minute.saturating_mul(config.burst_seconds) / 60;
                    let buckets = PlanBuckets {
                        members: Buckets::new(per_minute, burst),
                        visitors: Buckets::new(per_minute, burst),
                    };
                    (plan, buckets)
                })
                .collect()
        });
        TenantRateLimits { by_plan }
    }

    /// Takes a token from the bucket `payer` spends for `tenant`; `None` when rate limits are
    /// off.
    pub(crate) fn check(&self, tenant: TenantId, plan: Plan, payer: Payer) -> Option<Verdict> {
        let by_plan = self.by_plan.as_ref()?;
        let (_, buckets) = by_plan.iter().find(|(p, _)| *p == plan)?;
        Some(match payer {
            Payer::Member => buckets.members.check(&tenant),
            Payer::Visitor(address) => buckets.visitors.check(&(tenant, address)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refuses_past_its_burst_and_keys_do_not_share() {
        let buckets = Buckets::new(60, 3);
        for remaining in [2, 1, 0] {
            assert_eq!(
                buckets.check(&"a"),
                Verdict::Allowed {
                    limit: 3,
                    remaining
                }
            );
        }
        let Verdict::Refused { retry_after, .. } = buckets.check(&"a") else {
            panic!("the fourth request in a burst of three is refused");
        };
        assert!(retry_after <= Duration::from_secs(1), "{retry_after:?}");
        assert!(matches!(buckets.check(&"b"), Verdict::Allowed { .. }));
    }

    #[test]
    fn refusals_carry_retry_after_rounded_up() {
        let mut headers = HeaderMap::new();
        Verdict::Refused {
            limit: 100,
            retry_after: Duration::from_millis(1200),
        }
        .write_headers(&mut headers);
        assert_eq!(headers["retry-after"], "2");
        assert_eq!(headers["ratelimit-remaining"], "0");
        assert_eq!(headers["ratelimit-limit"], "100");
    }
}
