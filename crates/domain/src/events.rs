//! Domain events: what happened inside a tenant, one struct per kind. They are recorded in the
//! tenant's outbox in the same transaction as the change they describe (the store's
//! `repo::outbox`), and delivered from there. The type name (`course.created`), the aggregate
//! the event is about and the payload's fields are fixed here, so every caller (the API, the
//! demo, later the portal and the worker) writes the same event for the same change. Every
//! payload carries `schema_version`; a change that is not additive raises it.

use crate::assessment::{AssessmentKind, Points};
use crate::{
    AssessmentId, CourseId, CourseSlug, EnrollmentId, EventId, FileId, FilePurpose, GroupId,
    LessonId, LessonKind, ModuleId, Role, SubmissionId, TenantId, UserId, UserStatus, WebhookId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Version of every payload's shape (`schema_version` in each payload).
pub const EVENT_SCHEMA_VERSION: u32 = 1;

/// A domain event as it is delivered to every consumer (live events, webhooks, jobs): what
/// happened (`type` and `payload`, whose schema is in the catalogue under `docs/events/`), in
/// which tenant, caused by whom and when. Documented once, in `docs/events/README.md`, with its
/// JSON Schema in `docs/events/envelope.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventEnvelope {
    /// Unique across tenants; a consumer that remembers the ids it handled has one effect per
    /// event, however often it is delivered.
    pub id: EventId,
    /// The event type (`course.created`): names the payload's schema.
    #[serde(rename = "type")]
    pub event_type: String,
    pub tenant_id: TenantId,
    /// The tenant user whose action caused the event; `null` when the system did (an import
    /// without a user, a background job).
    pub actor: Option<UserId>,
    /// When the change was made (the transaction that recorded it committed shortly after).
    pub occurred_at: DateTime<Utc>,
    /// The payload's shape version (also in the payload).
    pub schema_version: u32,
    /// The event's fields, as catalogued for its type.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payload: serde_json::Value,
}

impl EventEnvelope {
    /// The typed event; `None` for a type this version does not know.
    pub fn event(&self) -> Option<Result<DomainEvent, serde_json::Error>> {
        DomainEvent::decode(&self.event_type, &self.payload)
    }
}

/// Ids an event can be about.
pub trait Aggregate {
    fn aggregate(&self) -> Uuid;
}

macro_rules! aggregates {
    ($($id:ty),*) => {$(
        impl Aggregate for $id {
            fn aggregate(&self) -> Uuid {
                self.as_uuid()
            }
        }
    )*};
}
aggregates!(
    AssessmentId,
    SubmissionId,
    CourseId,
    EnrollmentId,
    FileId,
    GroupId,
    LessonId,
    ModuleId,
    UserId,
    WebhookId
);

impl Aggregate for Uuid {
    fn aggregate(&self) -> Uuid {
        *self
    }
}

/// Declares each event's struct (its payload), its variant of [`DomainEvent`], its type name
/// and the field naming its aggregate.
macro_rules! domain_events {
    ($(
        $(#[$doc:meta])*
        $name:ident = $kind:literal, about $aggregate:ident {
            $($(#[$field_doc:meta])* $field:ident: $ty:ty),* $(,)?
        }
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
            #[serde(deny_unknown_fields)]
            pub struct $name {
                $($(#[$field_doc])* pub $field: $ty),*
            }

            impl From<$name> for DomainEvent {
                fn from(event: $name) -> Self {
                    DomainEvent::$name(event)
                }
            }
        )*

        /// Every kind of domain event.
        #[derive(Debug, Clone, PartialEq)]
        pub enum DomainEvent {
            $($name($name)),*
        }

        impl DomainEvent {
            /// Every event type name, in declaration order.
            pub const TYPES: &'static [&'static str] = &[$($kind),*];

            /// The event's type name, as stored and delivered: `course.created`.
            pub fn event_type(&self) -> &'static str {
                match self {
                    $(DomainEvent::$name(_) => $kind),*
                }
            }

            /// The id of what the event is about.
            pub fn aggregate_id(&self) -> Uuid {
                match self {
                    $(DomainEvent::$name(event) => event.$aggregate.aggregate()),*
                }
            }

            /// Each event type with the JSON Schema of its payload (`schema_version` included):
            /// the catalogue under `docs/events/` is checked against these.
            #[cfg(feature = "openapi")]
            pub fn catalogue() -> Vec<(&'static str, serde_json::Value)> {
                vec![$(($kind, payload_schema::<$name>())),*]
            }

            /// The event of type `event_type` read back from its stored `payload`; `None` for
            /// a type this version does not know.
            pub fn decode(
                event_type: &str,
                payload: &serde_json::Value,
            ) -> Option<Result<DomainEvent, serde_json::Error>> {
                let mut fields = payload.clone();
                if let Some(fields) = fields.as_object_mut() {
                    fields.remove("schema_version");
                }
                match event_type {
                    $($kind => Some(serde_json::from_value::<$name>(fields).map(DomainEvent::$name)),)*
                    _ => None,
                }
            }

            /// The payload as stored: the event's fields plus `schema_version`.
            pub fn payload(&self) -> serde_json::Value {
                let mut payload = match self {
                    $(DomainEvent::$name(event) => serde_json::to_value(event)),*
                }
                .expect("event payloads are plain data");
                if let Some(fields) = payload.as_object_mut() {
                    fields.insert("schema_version".to_owned(), EVENT_SCHEMA_VERSION.into());
                }
                payload
            }
        }
    };
}

/// A payload struct's schema with `schema_version`, as a standalone JSON Schema document.
#[cfg(feature = "openapi")]
fn payload_schema<T: utoipa::ToSchema>() -> serde_json::Value {
    let mut schema = standalone_schema::<T>();
    if let Some(fields) = schema.as_object_mut() {
        if let Some(properties) = fields.get_mut("properties").and_then(|p| p.as_object_mut()) {
            properties.insert(
                "schema_version".to_owned(),
                serde_json::json!({"type": "integer", "const": EVENT_SCHEMA_VERSION}),
            );
        }
        if let Some(required) = fields.get_mut("required").and_then(|r| r.as_array_mut()) {
            required.push("schema_version".into());
        }
    }
    schema
}

/// A type's schema as a standalone JSON Schema document: the types it names (ids, roles) go
/// under `$defs`.
#[cfg(feature = "openapi")]
fn standalone_schema<T: utoipa::ToSchema>() -> serde_json::Value {
    let mut named = Vec::new();
    T::schemas(&mut named);
    let defs: serde_json::Map<String, serde_json::Value> = named
        .into_iter()
        .map(|(name, schema)| {
            (
                name,
                serde_json::to_value(schema).expect("schemas serialize"),
            )
        })
        .collect();
    let mut schema = serde_json::to_value(T::schema()).expect("schemas serialize");
    if let Some(fields) = schema.as_object_mut() {
        fields.insert(
            "$schema".to_owned(),
            "https://json-schema.org/draft/2020-12/schema".into(),
        );
        if !defs.is_empty() {
            fields.insert("$defs".to_owned(), defs.into());
        }
    }
    // References point where OpenAPI keeps schemas; a JSON Schema keeps them in `$defs`.
    let text = schema
        .to_string()
        .replace("#/components/schemas/", "#/$defs/");
    serde_json::from_str(&text).expect("still JSON")
}

domain_events! {
    CourseCreated = "course.created", about course_id {
        course_id: CourseId,
        slug: CourseSlug,
        by: UserId,
    }
    /// Its details, instructors or prerequisites changed.
    CourseUpdated = "course.updated", about course_id {
        course_id: CourseId,
        by: UserId,
    }
    CoursePublished = "course.published", about course_id {
        course_id: CourseId,
        module_count: u64,
        lesson_count: u64,
        by: UserId,
    }
    CourseArchived = "course.archived", about course_id {
        course_id: CourseId,
        by: UserId,
    }
    CourseDeleted = "course.deleted", about course_id {
        course_id: CourseId,
        by: UserId,
    }
    ModuleCreated = "module.created", about module_id {
        course_id: CourseId,
        module_id: ModuleId,
    }
    ModuleUpdated = "module.updated", about module_id {
        course_id: CourseId,
        module_id: ModuleId,
    }
    ModuleDeleted = "module.deleted", about module_id {
        course_id: CourseId,
        module_id: ModuleId,
    }
    ModulesReordered = "module.reordered", about course_id {
        course_id: CourseId,
        order: Vec<ModuleId>,
    }
    LessonCreated = "lesson.created", about lesson_id {
        course_id: CourseId,
        module_id: ModuleId,
        lesson_id: LessonId,
        kind: LessonKind,
    }
    LessonUpdated = "lesson.updated", about lesson_id {
        lesson_id: LessonId,
        course_id: CourseId,
        by: UserId,
    }
    LessonDeleted = "lesson.deleted", about lesson_id {
        lesson_id: LessonId,
        module_id: ModuleId,
        course_id: CourseId,
        by: UserId,
    }
    LessonsReordered = "lesson.reordered", about module_id {
        module_id: ModuleId,
        course_id: CourseId,
        order: Vec<LessonId>,
    }
    /// A learner was enrolled: by themselves, by staff, by a CSV import (`by` who did it;
    /// none when the system did).
    StudentEnrolled = "student.enrolled", about enrollment_id {
        course_id: CourseId,
        user_id: UserId,
        enrollment_id: EnrollmentId,
        by: Option<UserId>,
    }
    EnrollmentDropped = "enrollment.dropped", about enrollment_id {
        enrollment_id: EnrollmentId,
        course_id: CourseId,
        user_id: UserId,
        by: UserId,
    }
    EnrollmentDueChanged = "enrollment.due_changed", about enrollment_id {
        enrollment_id: EnrollmentId,
        course_id: CourseId,
        user_id: UserId,
        due_at: Option<DateTime<Utc>>,
        by: UserId,
    }
    LessonCompleted = "lesson.completed", about lesson_id {
        lesson_id: LessonId,
        course_id: CourseId,
        user_id: UserId,
        /// The course's progress once this lesson counts.
        course_progress_percent: u8,
    }
    EnrollmentCompleted = "enrollment.completed", about enrollment_id {
        enrollment_id: EnrollmentId,
        course_id: CourseId,
        user_id: UserId,
        completed_at: DateTime<Utc>,
    }
    CertificateIssued = "certificate.issued", about certificate_id {
        certificate_id: Uuid,
        /// The public verification code.
        code: String,
        course_id: CourseId,
        user_id: UserId,
    }
    UserCreated = "user.created", about user_id {
        user_id: UserId,
        role: Role,
        /// `active` (created with a password) or `invited`.
        status: UserStatus,
        created_by: Option<UserId>,
    }
    /// Their role, name or language changed.
    UserUpdated = "user.updated", about user_id {
        user_id: UserId,
        role: Role,
        by: UserId,
    }
    UserDeactivated = "user.deactivated", about user_id {
        user_id: UserId,
        by: UserId,
    }
    UserReactivated = "user.reactivated", about user_id {
        user_id: UserId,
        by: UserId,
    }
    /// A person was invited (their invitation mailed, good until `expires_at`).
    UserInvited = "user.invited", about user_id {
        user_id: UserId,
        /// The admin who invited them; none for a tenant's first admin, invited by the
        /// platform when the tenant was made.
        by: Option<UserId>,
        expires_at: DateTime<Utc>,
    }
    /// An invitation was accepted: the user set a password and is active.
    UserActivated = "user.activated", about user_id {
        user_id: UserId,
        invitation_id: Uuid,
    }
    /// A password reset was issued (the person asked for it, or an admin, `by`, sent it): its
    /// one-time link is mailed to the person, good until `expires_at`. The token is not here.
    UserPasswordResetIssued = "user.password_reset_issued", about user_id {
        user_id: UserId,
        by: Option<UserId>,
        expires_at: DateTime<Utc>,
    }
    /// A person's password changed: with their current one (`reset` false), or with a reset
    /// link (`reset` true). Their other sessions are ended.
    UserPasswordChanged = "user.password_changed", about user_id {
        user_id: UserId,
        reset: bool,
    }
    /// An admin created a group (cohort) of people.
    GroupCreated = "group.created", about group_id {
        group_id: GroupId,
        name: String,
        by: UserId,
    }
    /// An admin renamed a group.
    GroupRenamed = "group.renamed", about group_id {
        group_id: GroupId,
        name: String,
        by: UserId,
    }
    /// An admin deleted a group (its people stay; only the grouping goes).
    GroupDeleted = "group.deleted", about group_id {
        group_id: GroupId,
        by: UserId,
    }
    /// A person joined a group.
    GroupMemberAdded = "group.member_added", about group_id {
        group_id: GroupId,
        user_id: UserId,
        by: UserId,
    }
    /// A person left a group.
    GroupMemberRemoved = "group.member_removed", about group_id {
        group_id: GroupId,
        user_id: UserId,
        by: UserId,
    }
    /// A file was stored: a course's document, image or cover uploaded by its staff (later a
    /// submission's attachment). `course_id` is the course it belongs to, if any.
    FileUploaded = "file.uploaded", about file_id {
        file_id: FileId,
        purpose: FilePurpose,
        course_id: Option<CourseId>,
        name: String,
        content_type: String,
        /// Bytes.
        size: u64,
        by: UserId,
    }
    /// A file was deleted (its bytes no longer count against the plan's storage).
    FileDeleted = "file.deleted", about file_id {
        file_id: FileId,
        course_id: Option<CourseId>,
        by: UserId,
    }
    /// An assessment (a quiz, an exam or an assignment) was made for a course.
    AssessmentCreated = "assessment.created", about assessment_id {
        assessment_id: AssessmentId,
        course_id: CourseId,
        kind: AssessmentKind,
        by: UserId,
    }
    /// Its settings changed: title, instructions, rules (scores, timing, attempts, review,
    /// late policy) or question draws.
    AssessmentUpdated = "assessment.updated", about assessment_id {
        assessment_id: AssessmentId,
        course_id: CourseId,
        by: UserId,
    }
    /// It was deleted, with its questions (only before any learner attempted it).
    AssessmentDeleted = "assessment.deleted", about assessment_id {
        assessment_id: AssessmentId,
        course_id: CourseId,
        by: UserId,
    }
    /// A learner submitted an attempt at a quiz or exam. `score` and `passed` are null while an
    /// essay answer waits for an instructor (`assessment.graded` follows).
    AssessmentSubmitted = "assessment.submitted", about submission_id {
        submission_id: SubmissionId,
        assessment_id: AssessmentId,
        course_id: CourseId,
        user_id: UserId,
        /// The attempt's number (1 for the first).
        attempt: u32,
        score: Option<Points>,
        max_score: Points,
        passed: Option<bool>,
        /// Submitted after its deadline, under the `accept` late policy.
        late: bool,
    }
    /// An attempt was graded: on the server as it was submitted (`by` null), or by an
    /// instructor grading its essay answers (again when a grade changes).
    AssessmentGraded = "assessment.graded", about submission_id {
        submission_id: SubmissionId,
        assessment_id: AssessmentId,
        course_id: CourseId,
        user_id: UserId,
        attempt: u32,
        score: Points,
        max_score: Points,
        /// The attempt's own percent reaches the passing percent.
        passed: bool,
        by: Option<UserId>,
    }
    /// A webhook endpoint failed every delivery for a day and was disabled; its admins are to
    /// be told. An admin enables it again.
    WebhookDisabled = "webhook.disabled", about webhook_id {
        webhook_id: WebhookId,
        url: String,
        /// When its run of failures began.
        failing_since: DateTime<Utc>,
        /// What the last attempt met.
        last_error: Option<String>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/events/<type>.json` is the JSON Schema of each event's payload, generated from
    /// the structs above: a changed event without its catalogue entry fails here. Run with
    /// `UPDATE_EVENT_CATALOGUE=1` to rewrite the catalogue after a deliberate change.
    #[cfg(feature = "openapi")]
    #[test]
    fn the_event_catalogue_matches_the_events() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/events");
        let update = std::env::var_os("UPDATE_EVENT_CATALOGUE").is_some();
        let catalogue = DomainEvent::catalogue();
        for (kind, schema) in &catalogue {
            let path = folder.join(format!("{kind}.json"));
            let expected = serde_json::to_string_pretty(schema).unwrap() + "\n";
            if update {
                std::fs::create_dir_all(&folder).unwrap();
                std::fs::write(&path, &expected).unwrap();
            }
            let documented = std::fs::read_to_string(&path).unwrap_or_else(|_| {
                panic!("{kind} has no {path:?}; run with UPDATE_EVENT_CATALOGUE=1")
            });
            assert_eq!(documented, expected, "{path:?} is out of date");
        }
        let path = folder.join(format!("{ENVELOPE}.json"));
        let expected =
            serde_json::to_string_pretty(&standalone_schema::<EventEnvelope>()).unwrap() + "\n";
        if update {
            std::fs::write(&path, &expected).unwrap();
        }
        let documented = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(documented, expected, "{path:?} is out of date");
        let mut listed: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|name| name.strip_suffix(".json").map(str::to_owned))
            .collect();
        listed.sort();
        let mut kinds: Vec<String> = catalogue.iter().map(|(k, _)| (*k).to_owned()).collect();
        kinds.push(ENVELOPE.to_owned());
        kinds.sort();
        assert_eq!(listed, kinds, "docs/events lists events that do not exist");
    }

    /// The envelope's schema sits beside the events' (its name has no dot, unlike theirs).
    #[cfg(feature = "openapi")]
    const ENVELOPE: &str = "envelope";

    #[test]
    fn an_event_reads_back_from_its_stored_payload() {
        let event = DomainEvent::from(CourseCreated {
            course_id: CourseId::new(),
            slug: CourseSlug::parse("intro").unwrap(),
            by: UserId::new(),
        });
        let decoded = DomainEvent::decode(event.event_type(), &event.payload());
        assert_eq!(decoded.unwrap().unwrap(), event);
        assert!(DomainEvent::decode("course.renamed", &event.payload()).is_none());
    }

    #[test]
    fn type_names_are_unique_and_dotted() {
        let mut names = DomainEvent::TYPES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), DomainEvent::TYPES.len());
        assert!(names.iter().all(|n| n.split('.').count() == 2), "{names:?}");
    }

    #[test]
    fn payloads_carry_their_fields_and_schema_version_and_name_their_aggregate() {
        let (course, user) = (CourseId::new(), UserId::new());
        let event = DomainEvent::from(CourseArchived {
            course_id: course,
            by: user,
        });
        assert_eq!(event.event_type(), "course.archived");
        assert_eq!(event.aggregate_id(), course.as_uuid());
        assert_eq!(
            event.payload(),
            serde_json::json!({"course_id": course, "by": user, "schema_version": 1})
        );
    }
}
