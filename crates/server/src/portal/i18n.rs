//! The portal's languages. This module owns the message catalogues (Fluent files under
//! `crates/server/locales/<locale>/`, compiled into the binary and parsed once, when the
//! server's state is made), the choice of a request's [`Locale`] (the user's own, the tenant's,
//! then the browser's `Accept-Language`, then English), and the wording of what a page shows in
//! it: messages, dates and times in the tenant's time zone, numbers, percentages, the names of
//! roles and statuses, and refusals. Pages and templates never hold words of their own: they
//! name a message (`locale.msg("nav-catalog")`), and every message exists in every catalogue
//! (`tests/portal.rs` holds the catalogues and the code against each other).

use crate::http::error::ApiError;
use axum::http::{header, HeaderMap, StatusCode};
use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use chrono_tz::Tz;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use lyceum_domain::{
    ContentFault, CourseStatus, DeliveryStatus, EnrollmentStatus, LessonKind, Locale, Placement,
    Plan, Role, TenantStatus, UserStatus, ValidationError,
};
use lyceum_store::ChainBreak;
use std::fmt;
use std::sync::Arc;

/// How `<input type="datetime-local">` writes a date and time.
const LOCAL_INPUT: &str = "%Y-%m-%dT%H:%M";

type Bundle = FluentBundle<FluentResource>;

/// The Fluent files of a locale, in the order they are added to its bundle. A new language is
/// a new arm here, a folder of the same files, and a variant of [`Locale`].
fn sources(locale: Locale) -> [&'static str; 14] {
    match locale {
        Locale::En => [
            include_str!("../../locales/en/portal.ftl"),
            include_str!("../../locales/en/staff.ftl"),
            include_str!("../../locales/en/builder.ftl"),
            include_str!("../../locales/en/console.ftl"),
            include_str!("../../locales/en/refusals.ftl"),
            include_str!("../../locales/en/settings.ftl"),
            include_str!("../../locales/en/webhooks.ftl"),
            include_str!("../../locales/en/recovery.ftl"),
            include_str!("../../locales/en/signup.ftl"),
            include_str!("../../locales/en/people.ftl"),
            include_str!("../../locales/en/activity.ftl"),
            include_str!("../../locales/en/assessments.ftl"),
            include_str!("../../locales/en/assignments.ftl"),
            include_str!("../../locales/en/gradebook.ftl"),
        ],
        Locale::Fr => [
            include_str!("../../locales/fr/portal.ftl"),
            include_str!("../../locales/fr/staff.ftl"),
            include_str!("../../locales/fr/builder.ftl"),
            include_str!("../../locales/fr/console.ftl"),
            include_str!("../../locales/fr/refusals.ftl"),
            include_str!("../../locales/fr/settings.ftl"),
            include_str!("../../locales/fr/webhooks.ftl"),
            include_str!("../../locales/fr/recovery.ftl"),
            include_str!("../../locales/fr/signup.ftl"),
            include_str!("../../locales/fr/people.ftl"),
            include_str!("../../locales/fr/activity.ftl"),
            include_str!("../../locales/fr/assessments.ftl"),
            include_str!("../../locales/fr/assignments.ftl"),
            include_str!("../../locales/fr/gradebook.ftl"),
        ],
    }
}

/// Every locale's messages, parsed once.
pub(crate) struct Catalogue {
    /// In the order of [`Locale::ALL`].
    bundles: Vec<Bundle>,
}

impl Catalogue {
    /// The catalogues compiled into the binary. A file that does not parse is logged and its
    /// readable messages kept (the catalogue tests fail on it long before a release).
    pub(crate) fn embedded() -> Catalogue {
        let bundles = Locale::ALL
            .into_iter()
            .map(|locale| {
                let tag = locale.as_str().parse().unwrap_or_default();
                let mut bundle = Bundle::new_concurrent(vec![tag]);
                // No Unicode isolation marks around arguments: pages set their own direction.
                bundle.set_use_isolating(false);
                bundle.set_formatter(Some(match locale {
                    Locale::En => |value, _| grouped(value, ","),
                    Locale::Fr => |value, _| grouped(value, "\u{202f}"),
                }));
                for source in sources(locale) {
                    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(
                        |(resource, errors)| {
                            tracing::error!(?errors, %locale, "a message catalogue has errors");
                            resource
                        },
                    );
                    if let Err(errors) = bundle.add_resource(resource) {
                        tracing::error!(?errors, %locale, "a message catalogue repeats messages");
                    }
                }
                bundle
            })
            .collect();
        Catalogue { bundles }
    }

    fn bundle(&self, locale: Locale) -> &Bundle {
        let index = Locale::ALL.iter().position(|l| *l == locale).unwrap_or(0);
        &self.bundles[index]
    }
}

/// Whole numbers with the locale's thousands separator (`12,500`, `12 500`); other numbers as
/// Fluent writes them.
fn grouped(value: &FluentValue, separator: &str) -> Option<String> {
    let FluentValue::Number(number) = value else {
        return None;
    };
    if number.value.fract() != 0.0 || number.value.abs() >= 1e15 {
        return None;
    }
    let digits = format!("{}", number.value.abs() as u64);
    let mut text = String::with_capacity(digits.len() + 8);
    if number.value < 0.0 {
        text.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            text.push_str(separator);
        }
        text.push(digit);
    }
    Some(text)
}

/// The language an `Accept-Language` header prefers among those Lyceum speaks: its language
/// ranges by weight (`q`, 1 when absent; equal weights keep their order), skipping the ones
/// weighted 0 ("not this") and the ones Lyceum does not speak.
pub(crate) fn preferred_by_browser(headers: &HeaderMap) -> Option<Locale> {
    let header = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut wishes: Vec<(u16, Locale)> = header
        .split(',')
        .take(32)
        .filter_map(|range| {
            let mut parts = range.split(';');
            let locale = Locale::from_tag(parts.next()?)?;
            let weight = match parts.find_map(|p| p.trim().strip_prefix("q=")) {
                Some(q) => weight(q)?,
                None => 1000,
            };
            Some((weight, locale))
        })
        .filter(|(weight, _)| *weight > 0)
        .collect();
    wishes.sort_by_key(|(weight, _)| std::cmp::Reverse(*weight));
    wishes.first().map(|(_, locale)| *locale)
}

/// A `q` value in thousandths (`0.8` → 800); `None` when it is not one (0 to 1, three decimals
/// at most).
fn weight(q: &str) -> Option<u16> {
    let (whole, fraction) = q.trim().split_once('.').unwrap_or((q.trim(), ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The locale of a page: the first that speaks of the person's own choice, the tenant's
/// language and the browser's; English when none does.
pub(crate) fn choose(user: Option<Locale>, tenant: Option<Locale>, headers: &HeaderMap) -> Locale {
    user.or(tenant)
        .or_else(|| preferred_by_browser(headers))
        .unwrap_or(Locale::FALLBACK)
}

/// The locale a page is written in, with the time zone its dates are shown in.
#[derive(Clone)]
pub(crate) struct PageLocale {
    catalogue: Arc<Catalogue>,
    locale: Locale,
    zone: Tz,
}

impl PageLocale {
    pub(crate) fn new(catalogue: Arc<Catalogue>, locale: Locale, zone: Tz) -> PageLocale {
        PageLocale {
            catalogue,
            locale,
            zone,
        }
    }

    /// The tenant's time zone, in which the pages show dates and read the days typed.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// `at` as a form's `<input type="datetime-local">` shows it, in the tenant's time zone.
    pub fn local_input(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.zone).format(LOCAL_INPUT).to_string()
    }

    /// A date and time typed in a form (`2026-12-01T14:30`, as `<input type="datetime-local">`
    /// sends it, with or without seconds, or with a space for the `T`), read in the tenant's
    /// time zone; `None` when it is not one, or names a time the clocks skip there.
    pub fn parse_local(&self, typed: &str) -> Option<DateTime<Utc>> {
        let typed = typed.trim();
        ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(typed, format).ok())
            .and_then(|at| at.and_local_timezone(self.zone).earliest())
            .map(|at| at.with_timezone(&Utc))
    }

    /// The locale (for `<html lang>` and the language form).
    pub fn locale(&self) -> Locale {
        self.locale
    }

    /// A ratio given in tenths (`45`), written with the language's decimal sign (`4.5`, `4,5`).
    pub fn tenths(&self, tenths: u16) -> String {
        let sign = match self.locale {
            Locale::En => '.',
            Locale::Fr => ',',
        };
        format!("{}{sign}{}", tenths / 10, tenths % 10)
    }

    /// The message `id`, to which arguments may be added before it is shown.
    pub fn msg(&self, id: &'static str) -> Message<'_> {
        Message {
            page: self,
            id,
            args: None,
        }
    }

    /// A day, in the tenant's time zone: `1 December 2026`, `1 décembre 2026`.
    pub fn date(&self, at: &DateTime<Utc>) -> Message<'_> {
        let local = at.with_timezone(&self.zone);
        self.msg("date")
            .arg("day", local.day().to_string())
            .arg("month", local.month())
            .arg("year", local.year().to_string())
    }

    /// A day and a time of day, in the tenant's time zone.
    pub fn date_time(&self, at: &DateTime<Utc>) -> Message<'_> {
        let local = at.with_timezone(&self.zone);
        self.msg("date-time")
            .arg("date", self.date(at))
            .arg("time", local.format("%H:%M").to_string())
    }

    /// What an event of type `event_type` (`student.enrolled`) records, in words; an event
    /// type this version does not know is shown as it is named.
    pub fn event<'e>(&'e self, event_type: &'e str) -> Message<'e> {
        self.msg("activity-event")
            .arg("type", event_type.replace('.', "_"))
            .arg("name", event_type)
    }

    /// A percentage: `45%`, `45 %`.
    pub fn percent<'p>(&'p self, value: impl Into<FluentValue<'p>>) -> Message<'p> {
        self.msg("percent").arg("value", value)
    }

    /// A language's name in itself (`Français` on every page), for choosing it.
    pub fn language(&self, locale: Locale) -> Message<'_> {
        match locale {
            Locale::En => self.msg("language-en"),
            Locale::Fr => self.msg("language-fr"),
        }
    }

    pub fn role(&self, role: &Role) -> Message<'_> {
        match role {
            Role::Student => self.msg("role-student"),
            Role::Instructor => self.msg("role-instructor"),
            Role::Admin => self.msg("role-admin"),
        }
    }

    pub fn user_status(&self, status: &UserStatus) -> Message<'_> {
        match status {
            UserStatus::Active => self.msg("user-status-active"),
            UserStatus::Invited => self.msg("user-status-invited"),
            UserStatus::Deactivated => self.msg("user-status-deactivated"),
        }
    }

    pub fn delivery_status(&self, status: &DeliveryStatus) -> Message<'_> {
        match status {
            DeliveryStatus::Pending => self.msg("delivery-status-pending"),
            DeliveryStatus::Retrying => self.msg("delivery-status-retrying"),
            DeliveryStatus::Succeeded => self.msg("delivery-status-succeeded"),
            DeliveryStatus::Dead => self.msg("delivery-status-dead"),
            DeliveryStatus::Cancelled => self.msg("delivery-status-cancelled"),
        }
    }

    pub fn course_status(&self, status: &CourseStatus) -> Message<'_> {
        match status {
            CourseStatus::Draft => self.msg("course-status-draft"),
            CourseStatus::Published => self.msg("course-status-published"),
            CourseStatus::Archived => self.msg("course-status-archived"),
        }
    }

    pub fn lesson_kind(&self, kind: &LessonKind) -> Message<'_> {
        match kind {
            LessonKind::Video => self.msg("lesson-kind-video"),
            LessonKind::Text => self.msg("lesson-kind-text"),
            LessonKind::Quiz => self.msg("lesson-kind-quiz"),
            LessonKind::Assignment => self.msg("lesson-kind-assignment"),
        }
    }

    pub fn enrollment_status(&self, status: &EnrollmentStatus) -> Message<'_> {
        match status {
            EnrollmentStatus::Active => self.msg("enrollment-status-active"),
            EnrollmentStatus::Completed => self.msg("enrollment-status-completed"),
            EnrollmentStatus::Dropped => self.msg("enrollment-status-dropped"),
        }
    }

    pub fn plan(&self, plan: &Plan) -> Message<'_> {
        match plan {
            Plan::Free => self.msg("plan-free"),
            Plan::Pro => self.msg("plan-pro"),
            Plan::Enterprise => self.msg("plan-enterprise"),
        }
    }

    pub fn placement(&self, placement: &Placement) -> Message<'_> {
        match placement {
            Placement::Pool => self.msg("placement-pool"),
            Placement::Schema => self.msg("placement-schema"),
            Placement::Database => self.msg("placement-database"),
        }
    }

    pub fn tenant_status(&self, status: &TenantStatus) -> Message<'_> {
        match status {
            TenantStatus::Provisioning => self.msg("tenant-status-provisioning"),
            TenantStatus::Active => self.msg("tenant-status-active"),
            TenantStatus::Suspended => self.msg("tenant-status-suspended"),
            TenantStatus::Deleted => self.msg("tenant-status-deleted"),
        }
    }

    /// What checking an audit log's chain found broken, naming the entry.
    pub fn chain_break(&self, broken: &ChainBreak) -> Message<'_> {
        let id = match broken {
            ChainBreak::Edited { .. } => "audit-chain-edited",
            ChainBreak::Removed { .. } => "audit-chain-removed",
            ChainBreak::Reordered { .. } => "audit-chain-reordered",
        };
        self.msg(id).arg("seq", broken.seq())
    }

    /// The heading of a page explaining a failure with `status`.
    pub fn problem_title(&self, status: StatusCode) -> Message<'_> {
        match status {
            StatusCode::NOT_FOUND => self.msg("problem-not-found"),
            StatusCode::FORBIDDEN => self.msg("problem-not-allowed"),
            StatusCode::CONFLICT => self.msg("problem-not-possible"),
            StatusCode::TOO_MANY_REQUESTS => self.msg("problem-too-many"),
            s if s.is_server_error() => self.msg("problem-went-wrong"),
            _ => self.msg("problem-did-not-work"),
        }
    }

    /// Why something was refused, in words for the person who asked: by the rejected value
    /// when there is one, else by the refusal's code, else by its status. A server's own
    /// failure says only to try again (its detail is logged).
    pub fn explain(&self, error: impl Into<ApiError>) -> String {
        let error = error.into();
        if error.status.is_server_error() {
            return self.msg("refusal-try-again").to_string();
        }
        if let Some(invalid) = &error.invalid {
            return self.invalid(invalid).to_string();
        }
        match self.refusal(error.code) {
            Some(message) => message.to_string(),
            None => self.problem_fallback(error.status).to_string(),
        }
    }

    /// Why a row of an enrollment list failed, by its code.
    pub fn row_failure(&self, code: &str) -> Message<'_> {
        self.refusal(code)
            .unwrap_or_else(|| self.msg("refusal-validation-failed"))
    }

    fn problem_fallback(&self, status: StatusCode) -> Message<'_> {
        match status {
            StatusCode::NOT_FOUND => self.msg("refusal-not-found"),
            StatusCode::FORBIDDEN => self.msg("refusal-permission-denied"),
            StatusCode::CONFLICT => self.msg("refusal-conflict"),
            _ => self.msg("refusal-validation-failed"),
        }
    }

    fn invalid<'a>(&'a self, invalid: &'a ValidationError) -> Message<'a> {
        match invalid {
            ValidationError::InvalidSlug { value, .. } => {
                self.msg("invalid-slug").arg("value", value.as_str())
            }
            ValidationError::ReservedSlug(value) => self
                .msg("invalid-reserved-slug")
                .arg("value", value.as_str()),
            ValidationError::InvalidEmail(value) => {
                self.msg("invalid-email").arg("value", value.as_str())
            }
            ValidationError::UnknownVariant { value, .. } => {
                self.msg("invalid-choice").arg("value", value.as_str())
            }
            ValidationError::WeakPassword(_) => self.msg("invalid-weak-password"),
            ValidationError::Empty { field } => self.msg("invalid-empty").arg("field", *field),
            ValidationError::TooLong { field, max } => self
                .msg("invalid-too-long")
                .arg("field", *field)
                .arg("max", *max),
            ValidationError::InvalidDay { value, .. } => {
                self.msg("invalid-day").arg("value", value.as_str())
            }
            ValidationError::InvalidCompletionRule(_) => self.msg("invalid-completion-rule"),
            ValidationError::PrerequisiteCycle(_) => self.msg("invalid-prerequisite-cycle"),
            ValidationError::InvalidProgress(_) | ValidationError::ProgressDecrease { .. } => {
                self.msg("invalid-progress")
            }
            ValidationError::InvalidContent { path, reason } => self.content_fault(path, reason),
            ValidationError::TooMany { max, .. } => self.msg("invalid-too-many").arg("max", *max),
            ValidationError::ControlCharacters { .. } => self.msg("invalid-control-characters"),
            ValidationError::InvalidColor { value, .. } => {
                self.msg("invalid-color").arg("value", value.as_str())
            }
            ValidationError::LowContrast {
                tenths,
                needed_tenths,
                ..
            } => self
                .msg("invalid-low-contrast")
                .arg("ratio", self.tenths(*tenths))
                .arg("needed", self.tenths(*needed_tenths)),
            ValidationError::InvalidLogoUrl(_) => self.msg("invalid-logo-url"),
            ValidationError::UnknownLocale(value) => {
                self.msg("invalid-locale").arg("value", value.as_str())
            }
            ValidationError::UnknownTimeZone(value) => {
                self.msg("invalid-time-zone").arg("value", value.as_str())
            }
            ValidationError::InvalidDomain { value, .. } => {
                self.msg("invalid-domain").arg("value", value.as_str())
            }
            ValidationError::InvalidAssessment(_) => self.msg("invalid-assessment"),
            ValidationError::InvalidQuestion { field, .. } => self
                .msg("invalid-question")
                .arg("part", question_part(field))
                .arg("field", field.as_str()),
            ValidationError::InvalidPattern(_) => self.msg("invalid-pattern"),
            ValidationError::InvalidAnswer(_) => self.msg("invalid-answer"),
            ValidationError::InvalidRubric { field, .. } => {
                self.msg("invalid-rubric").arg("field", field.as_str())
            }
            ValidationError::InvalidAssignment { .. } => self.msg("invalid-assignment"),
            ValidationError::InvalidSubmission(reason) => self
                .msg("invalid-submission")
                .arg("reason", reason.as_str()),
            ValidationError::InvalidWeight(_) => self.msg("invalid-weight"),
            ValidationError::InvalidGradingScale(_) => self.msg("invalid-grading-scale"),
        }
    }

    /// What breaks a lesson's content rules, worded by the field the refusal's `path` ends with
    /// (`content[2].media`: the address of the third block); the lesson editor shows it next to
    /// the block.
    pub fn content_fault<'a>(&'a self, path: &'a str, fault: &'a ContentFault) -> Message<'a> {
        let field = path.rsplit_once("].").map_or("other", |(_, field)| field);
        match fault {
            ContentFault::NotAnArray => self.msg("content-not-an-array"),
            ContentFault::TooManyBlocks(count) => self
                .msg("content-too-many-blocks")
                .arg("count", *count)
                .arg("max", lyceum_domain::content::MAX_BLOCKS),
            ContentFault::NotAnObject
            | ContentFault::NotAString
            | ContentFault::UnknownType(_)
            | ContentFault::UnknownField { .. }
            | ContentFault::NotAUuid => self.msg("content-unreadable"),
            ContentFault::Required => self.msg("content-required").arg("field", field),
            ContentFault::NotAllowed { kind, block } => self
                .msg("content-not-allowed")
                .arg("kind", kind.as_str())
                .arg("block", *block),
            ContentFault::OnlyOne { kind, block } => self
                .msg("content-only-one")
                .arg("kind", kind.as_str())
                .arg("block", *block),
            ContentFault::Missing(kind) => self.msg("content-missing").arg("kind", kind.as_str()),
            ContentFault::Empty => self.msg("content-empty").arg("field", field),
            ContentFault::MarkdownTooLong => self
                .msg("content-markdown-too-long")
                .arg("max", lyceum_domain::content::MAX_MARKDOWN_CHARS),
            ContentFault::TooDeep => self
                .msg("content-too-deep")
                .arg("max", lyceum_domain::content::MAX_NESTING),
            ContentFault::NotSeconds => self.msg("content-not-seconds"),
            ContentFault::TooLong(max) => self
                .msg("content-too-long")
                .arg("field", field)
                .arg("max", *max),
            ContentFault::ControlCharacter => self.msg("content-control-character"),
        }
    }

    /// The words of a refusal's code, where the catalogue has them.
    fn refusal(&self, code: &str) -> Option<Message<'_>> {
        Some(match code {
            "NOT_FOUND" => self.msg("refusal-not-found"),
            "CERTIFICATE_NOT_FOUND" => self.msg("refusal-certificate-not-found"),
            "TENANT_NOT_FOUND" => self.msg("refusal-tenant-not-found"),
            "TENANT_NOT_RESOLVED" => self.msg("refusal-tenant-not-resolved"),
            "INVALID_HOST" => self.msg("refusal-invalid-host"),
            "TENANT_MISMATCH" => self.msg("refusal-tenant-mismatch"),
            "TENANT_SUSPENDED" => self.msg("refusal-tenant-suspended"),
            "RATE_LIMITED" => self.msg("refusal-rate-limited"),
            "PERMISSION_DENIED" => self.msg("refusal-permission-denied"),
            "NOT_ENROLLED" => self.msg("refusal-not-enrolled"),
            "LESSON_LOCKED" => self.msg("refusal-lesson-locked"),
            "PLAN_LIMIT_REACHED" => self.msg("refusal-plan-limit-reached"),
            "PLAN_FEATURE_UNAVAILABLE" => self.msg("refusal-plan-feature-unavailable"),
            "WEBHOOK_NOT_FOUND" | "DELIVERY_NOT_FOUND" => self.msg("refusal-not-found"),
            "INVALID_WEBHOOK_URL" => self.msg("refusal-invalid-webhook-url"),
            "WEBHOOK_TARGET_REFUSED" => self.msg("refusal-webhook-target-refused"),
            "WEBHOOK_LIMIT_REACHED" => self.msg("refusal-webhook-limit-reached"),
            "WEBHOOK_DISABLED" => self.msg("refusal-webhook-disabled"),
            "SIGNUP_DISABLED" => self.msg("refusal-signup-disabled"),
            "COURSE_EMPTY" => self.msg("refusal-course-empty"),
            "CONTENT_TOO_COMPLEX" => self.msg("refusal-content-too-complex"),
            "COURSE_NOT_OPEN" => self.msg("refusal-course-not-open"),
            "COURSE_FULL" => self.msg("refusal-course-full"),
            "PREREQUISITES_NOT_MET" => self.msg("refusal-prerequisites-not-met"),
            "ENROLLMENT_COMPLETED" => self.msg("refusal-enrollment-completed"),
            "CANNOT_DEACTIVATE_SELF" => self.msg("refusal-cannot-deactivate-self"),
            "LAST_ADMIN" => self.msg("refusal-last-admin"),
            "NOT_INVITED" => self.msg("refusal-not-invited"),
            "NOT_DEACTIVATED" => self.msg("refusal-not-deactivated"),
            "TENANT_STATE_CONFLICT" => self.msg("refusal-tenant-state-conflict"),
            "INVALID_INSTRUCTOR" => self.msg("refusal-invalid-instructor"),
            "INVALID_PREREQUISITE" => self.msg("refusal-invalid-prerequisite"),
            "INVALID_CSV" => self.msg("refusal-invalid-csv"),
            "INVALID_INVITATION" => self.msg("refusal-invalid-invitation"),
            "RESET_TOKEN_INVALID" => self.msg("refusal-reset-token-invalid"),
            "WRONG_PASSWORD" => self.msg("refusal-wrong-password"),
            "USER_NOT_ACTIVE" => self.msg("refusal-user-not-active"),
            "CONFLICT" => self.msg("refusal-conflict"),
            "TENANT_SLUG_TAKEN" => self.msg("refusal-tenant-slug-taken"),
            "INVALID_REFERENCE" => self.msg("refusal-invalid-reference"),
            "VALIDATION_FAILED" => self.msg("refusal-validation-failed"),
            "PLACEMENT_UNSUPPORTED" => self.msg("refusal-placement-unsupported"),
            "CSRF_REFUSED" => self.msg("refusal-csrf"),
            "PAYLOAD_TOO_LARGE" => self.msg("refusal-payload-too-large"),
            "INVALID_CREDENTIALS" => self.msg("refusal-invalid-credentials"),
            "LOGIN_THROTTLED" => self.msg("refusal-login-throttled"),
            "INVALID_EMAIL" => self.msg("refusal-invalid-email"),
            "INVALID_DATE" => self.msg("refusal-invalid-date"),
            "INVALID_ROW" => self.msg("refusal-invalid-row"),
            "UNKNOWN_USER" => self.msg("refusal-unknown-user"),
            "USER_DEACTIVATED" => self.msg("refusal-user-deactivated"),
            "SIGNUP_DOMAIN_NOT_ALLOWED" => self.msg("refusal-signup-domain-not-allowed"),
            "DOMAIN_TAKEN" => self.msg("refusal-domain-taken"),
            "DOMAIN_RESERVED" => self.msg("refusal-domain-reserved"),
            "DOMAIN_NOT_FOUND" => self.msg("refusal-domain-not-found"),
            "DOMAIN_VERIFICATION_FAILED" => self.msg("refusal-domain-verification-failed"),
            "DOMAIN_STATE_CONFLICT" => self.msg("refusal-domain-state-conflict"),
            "SIGNUP_CLOSED" => self.msg("refusal-signup-closed"),
            "SIGNUP_RATE_LIMITED" => self.msg("refusal-signup-rate-limited"),
            "INVALID_SLUG" => self.msg("refusal-invalid-slug"),
            "RESERVED_SLUG" => self.msg("refusal-reserved-slug"),
            "DUPLICATE_EMAIL" => self.msg("refusal-duplicate-email"),
            "USER_EXISTS" => self.msg("refusal-user-exists"),
            "UNKNOWN_ROLE" => self.msg("refusal-unknown-role"),
            "UNKNOWN_COURSE" => self.msg("refusal-unknown-course"),
            "GROUP_NAME_TAKEN" => self.msg("refusal-group-name-taken"),
            "QUIZ_NOT_PASSED" => self.msg("refusal-quiz-not-passed"),
            "ASSIGNMENT_NOT_PASSED" => self.msg("refusal-assignment-not-passed"),
            "NOT_AN_ASSIGNMENT" => self.msg("refusal-not-an-assignment"),
            "NOTHING_TO_SUBMIT" => self.msg("refusal-nothing-to-submit"),
            "EMPTY_SUBMISSION" => self.msg("refusal-empty-submission"),
            "TOO_MANY_FILES" => self.msg("refusal-too-many-files"),
            "NO_RUBRIC" => self.msg("refusal-no-rubric"),
            "UNKNOWN_CRITERION" => self.msg("refusal-unknown-criterion"),
            "UNKNOWN_LEVEL" => self.msg("refusal-unknown-level"),
            "INCOMPLETE_GRADE" => self.msg("refusal-incomplete-grade"),
            "NOT_GRADED" => self.msg("refusal-not-graded"),
            "ALREADY_RELEASED" => self.msg("refusal-already-released"),
            "INVALID_EXTENSION" => self.msg("refusal-invalid-extension"),
            "DRAFT_CONFLICT" => self.msg("refusal-draft-conflict"),
            "UNKNOWN_ASSESSMENT" => self.msg("refusal-unknown-assessment"),
            "ASSESSMENT_KIND_MISMATCH" => self.msg("refusal-assessment-kind-mismatch"),
            "ASSESSMENT_NOT_OPEN" => self.msg("refusal-assessment-not-open"),
            "DEADLINE_PASSED" => self.msg("refusal-deadline-passed"),
            "MAX_ATTEMPTS_REACHED" => self.msg("refusal-max-attempts-reached"),
            "ASSESSMENT_EMPTY" => self.msg("refusal-assessment-empty"),
            "ALREADY_SUBMITTED" => self.msg("refusal-already-submitted"),
            "NO_ATTEMPT_IN_PROGRESS" => self.msg("refusal-no-attempt-in-progress"),
            "UNKNOWN_QUESTION" => self.msg("refusal-unknown-question"),
            "NOT_A_QUIZ" => self.msg("refusal-not-a-quiz"),
            "ASSESSMENT_IN_USE" => self.msg("refusal-assessment-in-use"),
            "ASSESSMENT_HAS_SUBMISSIONS" => self.msg("refusal-assessment-has-submissions"),
            "NOT_GRADED_BY_HAND" => self.msg("refusal-not-graded-by-hand"),
            "NOTHING_TO_GRADE" => self.msg("refusal-nothing-to-grade"),
            "INVALID_GRADE" => self.msg("refusal-invalid-grade"),
            "NOT_SUBMITTED" => self.msg("refusal-not-submitted"),
            "INVALID_DRAW" => self.msg("refusal-invalid-draw"),
            "BANK_IN_USE" => self.msg("refusal-bank-in-use"),
            "TOO_MANY_QUESTIONS" => self.msg("refusal-too-many-questions"),
            "ATTEMPT_CONFLICT" => self.msg("refusal-attempt-conflict"),
            "TOO_MANY_MEMBERS" => self.msg("refusal-too-many-members"),
            "FILE_TOO_LARGE" => self.msg("refusal-file-too-large"),
            "STORAGE_QUOTA_EXCEEDED" => self.msg("refusal-storage-quota-exceeded"),
            "FILE_TYPE_NOT_ALLOWED" | "INVALID_FILE_PURPOSE" => {
                self.msg("refusal-file-type-not-allowed")
            }
            "FILE_TYPE_MISMATCH" => self.msg("refusal-file-type-mismatch"),
            "FILE_EMPTY" => self.msg("refusal-file-empty"),
            "FILE_URL_INVALID" => self.msg("refusal-file-url-invalid"),
            "FILE_URL_EXPIRED" => self.msg("refusal-file-url-expired"),
            "UPLOAD_INCOMPLETE" => self.msg("refusal-upload-incomplete"),
            "STORAGE_UNAVAILABLE" => self.msg("refusal-storage-unavailable"),
            "INVALID_POSITION" => self.msg("refusal-invalid-position"),
            "TOO_MANY_CATEGORIES" => self.msg("refusal-too-many-categories"),
            "TOO_MANY_LEARNERS" => self.msg("refusal-too-many-learners"),
            _ => return None,
        })
    }
}

/// A message of the page's catalogue with its arguments, written out where it is shown
/// (templates escape it like any other text).
pub(crate) struct Message<'a> {
    page: &'a PageLocale,
    id: &'static str,
    args: Option<FluentArgs<'a>>,
}

impl<'a> Message<'a> {
    /// The message with argument `$name`: a text, or a number (which also chooses plural
    /// forms).
    pub fn arg(mut self, name: &'static str, value: impl Into<FluentValue<'a>>) -> Self {
        self.args
            .get_or_insert_with(FluentArgs::new)
            .set(name, value);
        self
    }
}

/// A message written out, as the argument of another (`due { $date }`).
impl<'a> From<Message<'_>> for FluentValue<'a> {
    fn from(message: Message<'_>) -> Self {
        FluentValue::from(message.to_string())
    }
}

impl fmt::Display for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bundle = self.page.catalogue.bundle(self.page.locale);
        let Some(pattern) = bundle.get_message(self.id).and_then(|m| m.value()) else {
            tracing::error!(id = self.id, locale = %self.page.locale, "no such message");
            return f.write_str(self.id);
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, self.args.as_ref(), &mut errors);
        if !errors.is_empty() {
            tracing::error!(id = self.id, ?errors, "a message failed to format");
        }
        f.write_str(&text)
    }
}

/// The part of a question a refusal's field names (`key.options[1].id`), as the message
/// catalogue words it; `other` for a field it has no words for (the message then names it).
fn question_part(field: &str) -> &'static str {
    let path = field.split('[').next().unwrap_or(field);
    match path {
        "prompt" => "text",
        "points" => "points",
        "tags" => "tags",
        "key.correct" => "correct",
        "key.options" | "key.choices" | "key.items" | "key.prompts" => "options",
        "key.max_chars" => "length",
        _ if path.starts_with("key.rule") || path.starts_with("key.answers") => "answers",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn browser(header: &str) -> Option<Locale> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_str(header).unwrap(),
        );
        preferred_by_browser(&headers)
    }

    #[test]
    fn the_browser_is_heard_by_weight_and_only_in_languages_lyceum_speaks() {
        assert_eq!(browser("fr-CA,fr;q=0.9,en;q=0.8"), Some(Locale::Fr));
        assert_eq!(browser("en-US,en;q=0.9,fr;q=0.8"), Some(Locale::En));
        assert_eq!(browser("de;q=1, en;q=0.2, fr;q=0.7"), Some(Locale::Fr));
        assert_eq!(browser("en;q=0.5, fr"), Some(Locale::Fr));
        assert_eq!(browser("fr;q=0, en;q=0.1"), Some(Locale::En));
        assert_eq!(browser("fr;q=0"), None);
        assert_eq!(browser("de-CH, it, *"), None);
        assert_eq!(browser("fr;q=2, en;q=0.3"), Some(Locale::En), "q above 1");
        assert_eq!(browser("fr;q=0.1234, en;q=0.3"), Some(Locale::En));
        assert_eq!(browser(""), None);
        assert_eq!(preferred_by_browser(&HeaderMap::new()), None);
    }

    #[test]
    fn the_persons_choice_comes_first_then_the_tenants_then_the_browsers() {
        let mut french = HeaderMap::new();
        french.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("fr"));
        assert_eq!(
            choose(Some(Locale::En), Some(Locale::Fr), &french),
            Locale::En
        );
        assert_eq!(choose(None, Some(Locale::En), &french), Locale::En);
        assert_eq!(choose(None, None, &french), Locale::Fr);
        assert_eq!(choose(None, None, &HeaderMap::new()), Locale::En);
    }

    #[test]
    fn numbers_take_the_locales_separators() {
        let catalogue = Arc::new(Catalogue::embedded());
        let page = |locale| PageLocale::new(catalogue.clone(), locale, Tz::UTC);
        let students = |locale| {
            page(locale)
                .msg("people-usage")
                .arg("plan", "pro")
                .arg("students", 12_500)
                .to_string()
        };
        assert!(
            students(Locale::En).contains("12,500"),
            "{}",
            students(Locale::En)
        );
        assert!(
            students(Locale::Fr).contains("12\u{202f}500"),
            "{}",
            students(Locale::Fr)
        );
        assert_eq!(page(Locale::En).percent(45).to_string(), "45%");
        assert_eq!(page(Locale::Fr).percent(45).to_string(), "45\u{a0}%");
    }

    #[test]
    fn dates_are_shown_in_the_tenants_time_zone() {
        let catalogue = Arc::new(Catalogue::embedded());
        // 23:30 UTC on 30 November is already 1 December in Paris.
        let at = "2026-11-30T23:30:00Z".parse::<DateTime<Utc>>().unwrap();
        let paris = PageLocale::new(catalogue.clone(), Locale::Fr, Tz::Europe__Paris);
        assert_eq!(paris.date(&at).to_string(), "1 décembre 2026");
        assert_eq!(paris.date_time(&at).to_string(), "1 décembre 2026 à 00:30");
        let utc = PageLocale::new(catalogue, Locale::En, Tz::UTC);
        assert_eq!(utc.date(&at).to_string(), "30 November 2026");
        assert_eq!(utc.date_time(&at).to_string(), "30 November 2026, 23:30");
    }

    #[test]
    fn every_event_type_is_described_in_every_language() {
        let catalogue = Arc::new(Catalogue::embedded());
        for locale in [Locale::En, Locale::Fr] {
            let page = PageLocale::new(catalogue.clone(), locale, Tz::UTC);
            for event_type in lyceum_domain::DomainEvent::TYPES {
                let described = page.event(event_type).to_string();
                assert!(
                    !described.contains(event_type),
                    "{event_type} has no description in {locale}: {described}"
                );
            }
            let unknown = page.event("course.teleported").to_string();
            assert!(unknown.contains("course.teleported"), "{unknown}");
        }
    }
}
