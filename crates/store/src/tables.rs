//! The registry of tenant tables: every table the tenant migrations create (in
//! `migrations/{postgres,sqlite}/tenant/`), in foreign-key order, parents before children.
//!
//! Work that walks a tenant's data table by table (export, deletion, a move between placements)
//! reads this list: forwards to insert, backwards to delete. The store's tests hold it against
//! the migrated schemas of both engines (every table registered, nothing else, the same tables
//! and columns on both, `parents` equal to the real foreign keys, order respected, and on
//! PostgreSQL forced row-level security with both tenant policies), so a new tenant table fails
//! the suite until it is added here.

/// One tenant table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantTable {
    /// The table's name (unqualified: the schema is the placement's).
    pub name: &'static str,
    /// The other tenant tables it has foreign keys to, each named once; all come earlier in
    /// [`TENANT_TABLES`]. Ids kept without a foreign key (`enrollments.enrolled_by`,
    /// `invitations.created_by`, `password_resets.created_by`, `outbox_events.aggregate_id`
    /// and `actor_id`, `audit_log.actor_id`, `webhook_endpoints.created_by`, `groups.created_by`,
    /// `group_members.added_by`, `webhook_deliveries.job_id`, `files.owner_id` and `created_by`,
    /// `assessments.created_by`, `submissions.graded_by`, `submission_answers.graded_by` and
    /// `question_id`, `assignment_submissions.graded_by`, `extensions.granted_by`) make no
    /// parent.
    pub parents: &'static [&'static str],
    /// What a row holds, in one line.
    pub holds: &'static str,
}

const fn table(
    name: &'static str,
    parents: &'static [&'static str],
    holds: &'static str,
) -> TenantTable {
    TenantTable {
        name,
        parents,
        holds,
    }
}

/// Every tenant table, parents before children.
pub const TENANT_TABLES: &[TenantTable] = &[
    table(
        "users",
        &[],
        "a user: email, name, role, password hash, status",
    ),
    table(
        "courses",
        &[],
        "a course: slug, title, description, status, settings",
    ),
    table(
        "course_instructors",
        &["courses", "users"],
        "a user who teaches a course",
    ),
    table("modules", &["courses"], "a module of a course, in order"),
    table(
        "lessons",
        &["modules"],
        "a lesson of a module: kind, content, release rule",
    ),
    table(
        "enrollments",
        &["courses", "users"],
        "a learner enrolled in a course: status, due date, progress",
    ),
    table(
        "lesson_progress",
        &["users", "lessons"],
        "a learner's progress through one lesson",
    ),
    table(
        "outbox_events",
        &[],
        "a domain event waiting for (or past) delivery",
    ),
    table(
        "refresh_tokens",
        &["users"],
        "a refresh token's hash, in its family, spent or revoked",
    ),
    table(
        "course_prerequisites",
        &["courses"],
        "a course that must be completed before another",
    ),
    table(
        "certificates",
        &["enrollments", "users", "courses"],
        "a certificate issued for a completed enrollment",
    ),
    table(
        "invitations",
        &["users"],
        "an invitation's one-time token hash, open or accepted",
    ),
    table(
        "jobs",
        &[],
        "a background job: kind, payload, state, attempts, when it runs next",
    ),
    table(
        "outbox_dispatch",
        &[],
        "where the outbox dispatcher stands: events delivered, the last failure",
    ),
    table(
        "audit_log",
        &[],
        "an entry of the audit log: who did what, when, from where; hash-chained",
    ),
    table(
        "webhook_endpoints",
        &[],
        "a webhook endpoint: URL, event filter, signing secret, enabled, failing since",
    ),
    table(
        "webhook_deliveries",
        &["webhook_endpoints"],
        "a delivery of an event to an endpoint: the body sent, status, last answer",
    ),
    table(
        "password_resets",
        &["users"],
        "a password reset's one-time token hash, open or spent",
    ),
    table(
        "groups",
        &[],
        "a group (cohort) of people: name, unique in the tenant",
    ),
    table(
        "group_members",
        &["groups", "users"],
        "a person's membership of a group",
    ),
    table(
        "files",
        &["courses"],
        "a file in object storage: purpose, course, key, name, type, size, checksum",
    ),
    table(
        "assessments",
        &["courses"],
        "a quiz, exam or assignment of a course: its settings (attempts, time, review)",
    ),
    table(
        "question_banks",
        &["courses"],
        "a bank of questions of a course, drawn from at random",
    ),
    table(
        "questions",
        &["assessments", "question_banks"],
        "a question of an assessment or a bank: prompt, points, tags, answer key",
    ),
    table(
        "assessment_draws",
        &["assessments", "question_banks"],
        "how many questions each attempt at an assessment draws from a bank",
    ),
    table(
        "submissions",
        &["assessments", "users"],
        "a learner's attempt at an assessment: its questions, deadline, score, status",
    ),
    table(
        "submission_answers",
        &["submissions"],
        "an answer of an attempt, with its score and an instructor's grade and feedback",
    ),
    table(
        "assignment_settings",
        &["assessments"],
        "an assignment's prompt, rubric and expected artifacts",
    ),
    table(
        "assignment_submissions",
        &["assessments", "users"],
        "a version of a learner's work on an assignment: text, link, status, rubric grade, release",
    ),
    table(
        "assignment_submission_files",
        &["assignment_submissions", "files"],
        "a file attached to a version of a learner's work",
    ),
    table(
        "extensions",
        &["assessments", "users"],
        "a learner's later due date for an assessment, granted by an instructor",
    ),
    table(
        "grade_categories",
        &["courses"],
        "a grade category of a course's gradebook: name, weight, position",
    ),
    table(
        "assessment_categories",
        &["assessments", "grade_categories"],
        "the grade category an assessment belongs to",
    ),
    table(
        "course_grading",
        &["courses"],
        "a course's grading settings: passing percent, missing work as zero, letter scale",
    ),
];
