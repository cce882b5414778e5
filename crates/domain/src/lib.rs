//! Lyceum's domain: the types and rules every layer shares.
//!
//! This crate owns the vocabulary (tenants, slugs, plans, placements, roles, e-mails, ids,
//! courses, progress, lesson content, events, background jobs, e-mail and webhooks) and the rules that make a value valid. It never performs
//! I/O: no database, no clock reads beyond id generation, no network. Values that can only be
//! built valid ("parse, don't validate") let the store and the server trust them without
//! checking again.

pub mod assessment;
pub mod audit;
pub mod branding;
pub mod content;
pub mod course;
pub mod domain_name;
pub mod email;
pub mod error;
pub mod events;
pub mod file;
pub mod ids;
pub mod jobs;
pub mod locale;
pub mod mail;
pub mod password;
pub mod plan;
pub mod progress;
pub mod role;
pub mod search;
pub mod settings;
pub mod slug;
pub mod status;
pub mod tenant;
pub mod webhook;

pub use audit::{AuditAction, AuditTarget, Origin};
pub use branding::{brand_image_path, Branding, Rgb};
pub use content::{
    assessment_of, parse_content, render_markdown, validate_content, video_duration, ContentBlock,
    ContentFault,
};
pub use course::{
    check_prerequisites, prerequisite_cycle, CompletionRule, CourseStatus, LessonKind, ReleaseRule,
};
pub use domain_name::DomainName;
pub use email::Email;
pub use error::ValidationError;
pub use events::{DomainEvent, EventEnvelope, EVENT_SCHEMA_VERSION};
pub use file::{FileFault, FileName, FilePurpose};
pub use ids::{
    AssessmentId, CourseId, DeliveryId, EnrollmentId, EventId, ExtensionId, FileId,
    GradeCategoryId, GroupId, JobId, LessonId, ModuleId, PlatformUserId, QuestionBankId,
    QuestionId, SubmissionId, TenantId, UserId, WebhookId,
};
pub use jobs::{Backoff, Job};
pub use locale::Locale;
pub use mail::{Mail, MailKind, MailToken, SendMail};
pub use plan::{Plan, PlanLimits};
pub use progress::{clamp_progress, roll_up, CourseProgress, ModuleOutline, Percent};
pub use role::{Permission, Role};
pub use search::{SearchText, MAX_SEARCH_CHARS};
pub use settings::{BrandChoice, SettingsChange, TenantSettings};
pub use slug::{CourseSlug, Slug};
pub use status::{DeliveryStatus, EnrollmentStatus, JobState, LessonProgressStatus, UserStatus};
pub use tenant::{Placement, TenantStatus};
pub use webhook::{EventFilter, TargetFault, TargetPolicy, WebhookDelivery, WebhookUrl};
