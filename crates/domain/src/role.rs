//! Roles a user holds inside one tenant. The platform operator's `super_admin` is not a tenant
//! role and cannot be granted here.

use crate::error::{parse_variant, ValidationError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Student,
    Instructor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Student => "student",
            Role::Instructor => "instructor",
            Role::Admin => "admin",
        }
    }
}

impl Role {
    /// What the role may do inside its tenant. Scope rules (an instructor acts on the courses
    /// they teach, a student on the courses they are enrolled in) narrow these further.
    pub fn permissions(self) -> &'static [&'static str] {
        match self {
            Role::Student => &["course:view", "enrollment:self", "progress:track"],
            Role::Instructor => &[
                "course:view",
                "course:create",
                "course:edit",
                "enrollment:view",
                "enrollment:manage",
                "progress:view",
                "assessment:grade",
            ],
            Role::Admin => &[
                "course:view",
                "course:create",
                "course:edit",
                "course:delete",
                "enrollment:view",
                "enrollment:manage",
                "progress:view",
                "assessment:grade",
                "user:manage",
                "report:view",
                "tenant:settings",
            ],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_variant(
            "role",
            s,
            &[Role::Student, Role::Instructor, Role::Admin],
            Role::as_str,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_users_and_settings() {
        for role in [Role::Student, Role::Instructor] {
            assert!(!role.permissions().contains(&"user:manage"), "{role}");
            assert!(!role.permissions().contains(&"tenant:settings"), "{role}");
        }
        assert!(Role::Admin.permissions().contains(&"user:manage"));
        assert!(Role::Instructor.permissions().contains(&"course:edit"));
        assert!(!Role::Student.permissions().contains(&"course:edit"));
    }

    #[test]
    fn super_admin_is_not_a_tenant_role() {
        assert!("super_admin".parse::<Role>().is_err());
        assert_eq!("instructor".parse::<Role>().unwrap(), Role::Instructor);
    }
}
