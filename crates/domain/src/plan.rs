//! Plans and the limits they grant. A tenant's effective limits are its plan's, optionally
//! overridden per tenant in the directory.

use crate::error::{parse_variant, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Plan {
    Free,
    Pro,
    Enterprise,
}

/// What a plan allows. `None` means unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLimits {
    pub max_courses: Option<u32>,
    pub max_students: Option<u32>,
    pub requests_per_minute: u32,
    pub custom_domains: bool,
    pub webhooks: bool,
    /// Bytes of files (course documents and images, submissions, branding) the tenant may keep
    /// in object storage.
    pub max_storage_bytes: Option<u64>,
}

/// A gigabyte (10^9 bytes), the unit storage quotas are sold in.
pub const GB: u64 = 1_000_000_000;

impl Plan {
    pub const ALL: [Plan; 3] = [Plan::Free, Plan::Pro, Plan::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
            Plan::Enterprise => "enterprise",
        }
    }

    pub fn limits(self) -> PlanLimits {
        match self {
            Plan::Free => PlanLimits {
                max_courses: Some(5),
                max_students: Some(50),
                requests_per_minute: 600,
                custom_domains: false,
                webhooks: false,
                max_storage_bytes: Some(5 * GB),
            },
            Plan::Pro => PlanLimits {
                max_courses: Some(200),
                max_students: Some(5_000),
                requests_per_minute: 6_000,
                custom_domains: true,
                webhooks: true,
                max_storage_bytes: Some(100 * GB),
            },
            Plan::Enterprise => PlanLimits {
                max_courses: None,
                max_students: None,
                requests_per_minute: 60_000,
                custom_domains: true,
                webhooks: true,
                max_storage_bytes: None,
            },
        }
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Plan {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_variant("plan", s, &Plan::ALL, Plan::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_plans_allow_more() {
        let (free, pro) = (Plan::Free.limits(), Plan::Pro.limits());
        assert!(free.max_courses < pro.max_courses);
        assert!(free.requests_per_minute < pro.requests_per_minute);
        assert_eq!(Plan::Enterprise.limits().max_students, None);
        assert!(free.max_storage_bytes < pro.max_storage_bytes);
        assert_eq!(free.max_storage_bytes, Some(5 * GB));
        assert_eq!(Plan::Enterprise.limits().max_storage_bytes, None);
    }

    #[test]
    fn parses_known_plans_only() {
        assert_eq!("pro".parse::<Plan>().unwrap(), Plan::Pro);
        assert_eq!(
            "gold".parse::<Plan>().unwrap_err().code(),
            "VALIDATION_FAILED"
        );
    }
}
