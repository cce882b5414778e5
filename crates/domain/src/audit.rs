//! The vocabulary of a tenant's audit log: what was done ([`AuditAction`]), to what
//! ([`AuditTarget`]), and from where the request came ([`Origin`]). The log itself (its hash
//! chain, its storage) is the store's; which use case records which action is the application
//! layer's.

use crate::error::{parse_variant, ValidationError};
use crate::ids::{
    AssessmentId, CourseId, FileId, GroupId, SubmissionId, TenantId, UserId, WebhookId,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Declares [`AuditAction`] with its text form, `ALL`, `Display` and `FromStr`.
macro_rules! audit_actions {
    ($($(#[$doc:meta])* $variant:ident = $text:literal),+ $(,)?) => {
        /// Something a tenant's audit log records. Stored and sent as its text
        /// (`user.role_changed`); a new action is a new variant, never a string at a call site.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum AuditAction {
            $($(#[$doc])* #[serde(rename = $text)] $variant),+
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $text),+
                }
            }
        }
    };
}

/// The OpenAPI schema: the actions' text forms (the derive would list the variants' names, as
/// it does not see the `serde` renames a macro writes).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for AuditAction {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "Something a tenant's audit log records, as its text (`user.role_changed`).",
            ))
            .enum_values(Some(AuditAction::ALL.iter().map(|action| action.as_str())))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for AuditAction {}

audit_actions! {
    /// A person signed in with their password (or right after accepting an invitation or
    /// signing up).
    SignIn = "sign_in",
    /// A sign-in with a wrong e-mail or password.
    SignInFailed = "sign_in_failed",
    /// An admin created a person with a password, the person signed up, or the tenant's first
    /// admin was made.
    UserCreated = "user.created",
    /// An admin invited a person (created them without a password, or invited them again).
    UserInvited = "user.invited",
    /// A person accepted their invitation and chose a password.
    UserActivated = "user.activated",
    /// An admin changed a person's name.
    UserRenamed = "user.renamed",
    /// An admin changed a person's role.
    UserRoleChanged = "user.role_changed",
    /// An admin deactivated a person.
    UserDeactivated = "user.deactivated",
    /// An admin reactivated a deactivated person.
    UserReactivated = "user.reactivated",
    /// An admin unlocked a person's sign-in, locked after failed attempts.
    UserUnlocked = "user.unlocked",
    /// A person changed their password, giving their current one.
    UserPasswordChanged = "user.password_changed",
    /// Someone asked for a password reset link by mail (the actor is the address typed; the
    /// target the person it names, when it names an active one).
    UserPasswordResetRequested = "user.password_reset_requested",
    /// An admin sent a person a password reset link.
    UserPasswordResetSent = "user.password_reset_sent",
    /// A person chose a new password with a reset link.
    UserPasswordReset = "user.password_reset",
    /// An admin created people from a CSV file (invited, each sent an invitation).
    UserImported = "user.imported",
    /// Course staff published a course.
    CoursePublished = "course.published",
    /// Course staff archived a course.
    CourseArchived = "course.archived",
    /// An admin deleted a course.
    CourseDeleted = "course.deleted",
    /// Course staff enrolled learners from a CSV file.
    EnrollmentImported = "enrollment.imported",
    /// An admin changed the organisation's name or settings (brand, language, time zone, self
    /// sign-up and its e-mail domains).
    TenantSettingsChanged = "tenant.settings_changed",
    /// An admin claimed a custom domain (it answers nothing until verified).
    DomainAdded = "domain.added",
    /// A custom domain's verification file was found: the domain now reaches the tenant.
    DomainVerified = "domain.verified",
    /// An admin removed a custom domain.
    DomainRemoved = "domain.removed",
    /// An admin created a group (cohort) of people.
    GroupCreated = "group.created",
    /// An admin renamed a group.
    GroupRenamed = "group.renamed",
    /// An admin deleted a group.
    GroupDeleted = "group.deleted",
    /// An admin added people to a group.
    GroupMembersAdded = "group.members_added",
    /// An admin removed a person from a group.
    GroupMemberRemoved = "group.member_removed",
    /// An admin enrolled a group's members in a course.
    GroupEnrolled = "group.enrolled",
    /// Course staff uploaded a file to a course (a document, an image, a cover).
    FileUploaded = "file.uploaded",
    /// Course staff deleted a course's file.
    FileDeleted = "file.deleted",
    /// An admin added a webhook endpoint.
    WebhookCreated = "webhook.created",
    /// An admin changed a webhook endpoint (its URL, events, description, or enabled it again).
    WebhookUpdated = "webhook.updated",
    /// An admin deleted a webhook endpoint.
    WebhookDeleted = "webhook.deleted",
    /// An admin replaced a webhook endpoint's signing secret.
    WebhookSecretRotated = "webhook.secret_rotated",
    /// An admin sent a webhook delivery again.
    WebhookDeliveryReplayed = "webhook.delivery_replayed",
    /// Course staff graded answers of a submission by hand, or changed such a grade.
    SubmissionGraded = "submission.graded",
    /// Course staff released the grade of a learner's assignment work to them.
    SubmissionReleased = "submission.released",
    /// Course staff sent a learner's assignment work back for another version.
    SubmissionReturned = "submission.returned",
    /// Course staff gave a learner a later due date for an assessment (or changed it).
    ExtensionGranted = "extension.granted",
    /// Course staff took a learner's extension back.
    ExtensionRevoked = "extension.revoked",
    /// Course staff added a grade category to a course's gradebook.
    GradeCategoryCreated = "grade_category.created",
    /// Course staff renamed, reweighed or reordered a grade category, or changed its assessments.
    GradeCategoryChanged = "grade_category.changed",
    /// Course staff deleted a grade category (its assessments are left uncategorised).
    GradeCategoryDeleted = "grade_category.deleted",
    /// Course staff changed a course's grading settings (passing percent, missing work as zero).
    GradingSettingsChanged = "course.grading_changed",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for AuditAction {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_variant("audit action", s, AuditAction::ALL, AuditAction::as_str)
    }
}

/// What an audited action was done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditTarget {
    User(UserId),
    Course(CourseId),
    /// The organisation itself (its settings, its custom domains).
    Tenant(TenantId),
    Webhook(WebhookId),
    Group(GroupId),
    File(FileId),
    /// A learner's attempt at an assessment, or a version of their assignment work.
    Submission(SubmissionId),
    /// An assessment (its extensions).
    Assessment(AssessmentId),
}

impl AuditTarget {
    /// The kind of record, as stored: `user`, `course`.
    pub fn kind(&self) -> &'static str {
        match self {
            AuditTarget::User(_) => "user",
            AuditTarget::Course(_) => "course",
            AuditTarget::Tenant(_) => "tenant",
            AuditTarget::Webhook(_) => "webhook",
            AuditTarget::Group(_) => "group",
            AuditTarget::File(_) => "file",
            AuditTarget::Submission(_) => "submission",
            AuditTarget::Assessment(_) => "assessment",
        }
    }

    pub fn id(&self) -> uuid::Uuid {
        match self {
            AuditTarget::User(id) => id.as_uuid(),
            AuditTarget::Course(id) => id.as_uuid(),
            AuditTarget::Tenant(id) => id.as_uuid(),
            AuditTarget::Webhook(id) => id.as_uuid(),
            AuditTarget::Group(id) => id.as_uuid(),
            AuditTarget::File(id) => id.as_uuid(),
            AuditTarget::Submission(id) => id.as_uuid(),
            AuditTarget::Assessment(id) => id.as_uuid(),
        }
    }
}

/// The longest user agent an entry keeps.
const MAX_USER_AGENT_CHARS: usize = 256;
/// The longest request id an entry keeps (the server accepts no longer ones).
const MAX_REQUEST_ID_CHARS: usize = 128;

/// Where a request came from, as far as the face that took it knows: the client's address,
/// its user agent and the request's id. The audit log records it with each entry; a command
/// run on the node has none of them ([`Origin::default`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    address: Option<IpAddr>,
    user_agent: Option<String>,
    request_id: Option<String>,
}

impl Origin {
    /// An origin whose texts are kept printable and short: control characters (NUL included)
    /// are dropped, and what is left is cut to a bounded length; an empty text is none.
    pub fn new(
        address: Option<IpAddr>,
        user_agent: Option<&str>,
        request_id: Option<&str>,
    ) -> Self {
        Origin {
            address,
            user_agent: user_agent.and_then(|text| printable(text, MAX_USER_AGENT_CHARS)),
            request_id: request_id.and_then(|text| printable(text, MAX_REQUEST_ID_CHARS)),
        }
    }

    pub fn address(&self) -> Option<IpAddr> {
        self.address
    }

    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

fn printable(text: &str, max: usize) -> Option<String> {
    let kept: String = text.chars().filter(|c| !c.is_control()).take(max).collect();
    let kept = kept.trim();
    (!kept.is_empty()).then(|| kept.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_through_their_text_and_serde_agrees() {
        for action in AuditAction::ALL {
            assert_eq!(action.as_str().parse::<AuditAction>().unwrap(), *action);
            let json = serde_json::to_string(action).unwrap();
            assert_eq!(json, format!("{:?}", action.as_str()));
        }
        assert!("user.deleted".parse::<AuditAction>().is_err());
    }

    #[test]
    fn an_origin_keeps_printable_bounded_text() {
        let huge = "x".repeat(10_000);
        let origin = Origin::new(None, Some(&format!("agent\0<b>{huge}")), Some("\u{7}"));
        let agent = origin.user_agent().unwrap();
        assert!(agent.starts_with("agent<b>"), "{agent}");
        assert_eq!(agent.chars().count(), MAX_USER_AGENT_CHARS);
        assert_eq!(origin.request_id(), None, "nothing printable is none");
        assert_eq!(Origin::new(None, Some("  "), None).user_agent(), None);
    }
}
