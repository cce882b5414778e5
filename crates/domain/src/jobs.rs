//! Background jobs' vocabulary: what a kind of job is ([`Job`]: its name, its payload, how often
//! and how patiently it is tried), the retry schedule ([`Backoff`]), and the kinds Lyceum runs.
//! A job is queued in its tenant's storage in the same transaction as the change that causes
//! it, and run later by the worker; the queue itself is the store's, the running the worker's.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A kind of background job: its payload is the implementing type, stored as JSON under the
/// name [`Job::KIND`]. The payload carries no tenant: a job always runs in the tenant whose
/// queue holds it.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The kind's name, as stored and shown to operators (`housekeeping`). Never renamed: jobs
    /// already queued carry it.
    const KIND: &'static str;
    /// Attempts before the job is dead (stored with each job when it is queued).
    const MAX_ATTEMPTS: u32 = 10;
    /// The wait between attempts.
    const BACKOFF: Backoff = Backoff::STANDARD;
}

/// Exponential backoff with jitter: after the n-th failed attempt a job waits `first · 2ⁿ⁻¹`,
/// at most `most`, of which a random half ("equal jitter"), so that jobs failing together do
/// not come back together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub most: Duration,
}

impl Backoff {
    /// 10 s, 20 s, 40 s ... up to an hour.
    pub const STANDARD: Backoff = Backoff {
        first: Duration::from_secs(10),
        most: Duration::from_secs(3600),
    };

    /// The wait after `failed` failed attempts (1 for the first), with `jitter` a random number
    /// in `[0, 1)` (values outside are clamped): between half the exponential delay and all of it.
    pub fn delay(&self, failed: u32, jitter: f64) -> Duration {
        let doublings = failed.saturating_sub(1).min(31);
        let full = self.first.saturating_mul(1 << doublings).min(self.most);
        full / 2 + (full / 2).mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// Each tenant's daily tidy-up: delivered outbox events, finished jobs and expired refresh
/// tokens older than the retention are deleted, and the next run is queued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Housekeeping {}

impl Job for Housekeeping {
    const KIND: &'static str = "housekeeping";
    const MAX_ATTEMPTS: u32 = 5;
}

impl Housekeeping {
    /// At most one housekeeping job waits in a tenant's queue.
    pub const UNIQUE_KEY: &'static str = "housekeeping";
    /// How often it runs.
    pub const EVERY: Duration = Duration::from_secs(24 * 3600);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling_and_jitters_within_the_upper_half() {
        let backoff = Backoff {
            first: Duration::from_secs(10),
            most: Duration::from_secs(60),
        };
        assert_eq!(backoff.delay(1, 0.0), Duration::from_secs(5));
        assert_eq!(backoff.delay(1, 1.0), Duration::from_secs(10));
        assert_eq!(backoff.delay(2, 1.0), Duration::from_secs(20));
        assert_eq!(backoff.delay(3, 0.5), Duration::from_secs(30));
        assert_eq!(backoff.delay(4, 1.0), Duration::from_secs(60));
        assert_eq!(backoff.delay(400, 1.0), Duration::from_secs(60));
        assert_eq!(backoff.delay(2, 7.0), Duration::from_secs(20));
    }
}
