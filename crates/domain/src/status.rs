//! Statuses of a tenant's records: a user's account, an enrollment, a learner's progress on a
//! lesson. Stored and sent as their lower-case text; parsing any other text is refused.

use crate::error::{parse_variant, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a status enum with its text form (the variant's name in snake case: serde and the
/// OpenAPI schema derive it the same way, and a test holds `as_str` to it), `ALL`, `Display`
/// and `FromStr`.
macro_rules! statuses {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$variant_doc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $($(#[$variant_doc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                parse_variant($what, s, $name::ALL, $name::as_str)
            }
        }

        /// For decoding a stored column.
        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

/// For the other modules' stored enums (assessments' kinds and policies).
pub(crate) use statuses;

statuses! {
    /// A user's account in a tenant.
    UserStatus, "user status" {
        /// Can sign in.
        Active = "active",
        /// Created without a password: waits for the invitation to be accepted.
        Invited = "invited",
        /// Cannot sign in; their records stay.
        Deactivated = "deactivated",
    }
}

statuses! {
    /// A learner's enrollment in a course.
    EnrollmentStatus, "enrollment status" {
        Active = "active",
        /// Every module completed (kept once reached).
        Completed = "completed",
        /// Left the course; enrolling again takes it up.
        Dropped = "dropped",
    }
}

statuses! {
    /// A learner's progress on one lesson.
    LessonProgressStatus, "progress status" {
        InProgress = "in_progress",
        Completed = "completed",
    }
}

statuses! {
    /// Where a background job stands in its tenant's queue.
    JobState, "job state" {
        /// Waiting for its `run_at` (a first run or a retry).
        Queued = "queued",
        /// Claimed by a worker, whose lease on it ends at `locked_until`; a job whose lease ran
        /// out (its worker died) is claimed again.
        Running = "running",
        /// Done.
        Succeeded = "succeeded",
        /// Failed on its last allowed attempt, or failed for good: waits for an operator
        /// (`lyceum jobs retry`).
        Dead = "dead",
        /// Cancelled by an operator, or superseded by a queued job with the same unique key.
        Cancelled = "cancelled",
    }
}

statuses! {
    /// Where one delivery of an event to a webhook endpoint stands.
    DeliveryStatus, "delivery status" {
        /// Queued: its first attempt has not been made yet.
        Pending = "pending",
        /// An attempt failed; the next one is queued with backoff.
        Retrying = "retrying",
        /// The endpoint answered 2xx.
        Succeeded = "succeeded",
        /// Its attempts are spent: only a replay sends it again.
        Dead = "dead",
        /// Not sent: the endpoint was disabled before an attempt was made.
        Cancelled = "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_text_and_refuse_others() {
        fn check<T>(all: &[T])
        where
            T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr + Serialize,
            <T as FromStr>::Err: fmt::Debug,
        {
            for status in all {
                assert_eq!(status.to_string().parse::<T>().unwrap(), *status);
                let json = serde_json::to_string(status).unwrap();
                assert_eq!(
                    json,
                    format!("{:?}", status.to_string()),
                    "serde and as_str disagree"
                );
            }
        }
        check(UserStatus::ALL);
        check(EnrollmentStatus::ALL);
        check(LessonProgressStatus::ALL);
        check(JobState::ALL);
        check(DeliveryStatus::ALL);
        assert_eq!(
            "in_progress".parse::<LessonProgressStatus>().unwrap(),
            LessonProgressStatus::InProgress
        );
        assert!("Active".parse::<UserStatus>().is_err());
        assert!("gone".parse::<EnrollmentStatus>().is_err());
    }
}
