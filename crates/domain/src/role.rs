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

/// Something a tenant user may do. Carried in access tokens by its text (`course:view`), so a
/// typo in a rule does not compile, and a token naming a permission this release does not know
/// is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Permission {
    #[serde(rename = "course:view")]
    CourseView,
    #[serde(rename = "course:create")]
    CourseCreate,
    #[serde(rename = "course:edit")]
    CourseEdit,
    #[serde(rename = "course:delete")]
    CourseDelete,
    /// Enroll oneself (self-enrollment into an open course).
    #[serde(rename = "enrollment:self")]
    EnrollmentSelf,
    #[serde(rename = "enrollment:view")]
    EnrollmentView,
    #[serde(rename = "enrollment:manage")]
    EnrollmentManage,
    /// Record one's own progress.
    #[serde(rename = "progress:track")]
    ProgressTrack,
    /// See learners' progress.
    #[serde(rename = "progress:view")]
    ProgressView,
    #[serde(rename = "assessment:grade")]
    AssessmentGrade,
    /// Take quizzes and exams (start attempts, answer, submit) in courses one is enrolled in.
    #[serde(rename = "assessment:take")]
    AssessmentTake,
    #[serde(rename = "user:manage")]
    UserManage,
    #[serde(rename = "report:view")]
    ReportView,
    #[serde(rename = "tenant:settings")]
    TenantSettings,
    /// Read the tenant's audit log.
    #[serde(rename = "audit:view")]
    AuditView,
    /// Manage the tenant's webhook endpoints and read their deliveries (which carry the
    /// tenant's events: only admins).
    #[serde(rename = "webhook:manage")]
    WebhookManage,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::CourseView => "course:view",
            Permission::CourseCreate => "course:create",
            Permission::CourseEdit => "course:edit",
            Permission::CourseDelete => "course:delete",
            Permission::EnrollmentSelf => "enrollment:self",
            Permission::EnrollmentView => "enrollment:view",
            Permission::EnrollmentManage => "enrollment:manage",
            Permission::ProgressTrack => "progress:track",
            Permission::ProgressView => "progress:view",
            Permission::AssessmentGrade => "assessment:grade",
            Permission::AssessmentTake => "assessment:take",
            Permission::UserManage => "user:manage",
            Permission::ReportView => "report:view",
            Permission::TenantSettings => "tenant:settings",
            Permission::AuditView => "audit:view",
            Permission::WebhookManage => "webhook:manage",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Role {
    /// What the role may do inside its tenant. Scope rules (an instructor acts on the courses
    /// they teach, a student on the courses they are enrolled in) narrow these further.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Student => &[CourseView, EnrollmentSelf, ProgressTrack, AssessmentTake],
            Role::Instructor => &[
                CourseView,
                CourseCreate,
                CourseEdit,
                EnrollmentView,
                EnrollmentManage,
                ProgressView,
                AssessmentGrade,
            ],
            Role::Admin => &[
                CourseView,
                CourseCreate,
                CourseEdit,
                CourseDelete,
                EnrollmentView,
                EnrollmentManage,
                ProgressView,
                AssessmentGrade,
                UserManage,
                ReportView,
                TenantSettings,
                AuditView,
                WebhookManage,
            ],
        }
    }

    pub fn may(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
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
    fn only_admins_manage_users_and_settings_and_read_the_audit_log() {
        for role in [Role::Student, Role::Instructor] {
            assert!(!role.may(Permission::UserManage), "{role}");
            assert!(!role.may(Permission::TenantSettings), "{role}");
            assert!(!role.may(Permission::AuditView), "{role}");
            assert!(!role.may(Permission::WebhookManage), "{role}");
        }
        assert!(Role::Admin.may(Permission::UserManage));
        assert!(Role::Admin.may(Permission::AuditView));
        assert!(Role::Admin.may(Permission::WebhookManage));
        assert!(Role::Instructor.may(Permission::CourseEdit));
        assert!(!Role::Student.may(Permission::CourseEdit));
    }

    #[test]
    fn permissions_travel_as_their_text() {
        for permission in Role::Admin
            .permissions()
            .iter()
            .chain(Role::Student.permissions())
        {
            let text = serde_json::to_string(permission).unwrap();
            assert_eq!(text, format!("\"{}\"", permission.as_str()));
            assert_eq!(
                serde_json::from_str::<Permission>(&text).unwrap(),
                *permission
            );
        }
        assert!(serde_json::from_str::<Permission>("\"course:veiw\"").is_err());
    }

    #[test]
    fn super_admin_is_not_a_tenant_role() {
        assert!("super_admin".parse::<Role>().is_err());
        assert_eq!("instructor".parse::<Role>().unwrap(), Role::Instructor);
    }
}
