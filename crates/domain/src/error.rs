//! The domain's one error type: a value that breaks a rule, with a stable machine code.

use crate::ids::CourseId;
use thiserror::Error;

/// A rejected value. `code()` is stable and ends up in API responses and CLI output.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationError {
    #[error("invalid slug {value:?}: {reason}")]
    InvalidSlug { value: String, reason: &'static str },
    #[error("slug {0:?} is reserved")]
    ReservedSlug(String),
    #[error("invalid e-mail address {0:?}")]
    InvalidEmail(String),
    #[error("unknown {kind} {value:?}; expected one of: {expected}")]
    UnknownVariant {
        kind: &'static str,
        value: String,
        expected: String,
    },
    #[error("weak password: {0}")]
    WeakPassword(String),
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("{field} holds more than {max} values")]
    TooMany { field: &'static str, max: usize },
    #[error("{field} must not hold control characters")]
    ControlCharacters { field: &'static str },
    #[error("{field} must be a colour written #rrggbb or #rgb, not {value:?}")]
    InvalidColor { field: &'static str, value: String },
    #[error(
        "{field} has a contrast of {}:1 against white; it needs at least {}:1",
        tenths_text(*.tenths),
        tenths_text(*.needed_tenths)
    )]
    LowContrast {
        field: &'static str,
        tenths: u16,
        needed_tenths: u16,
    },
    #[error("logo_url must be an https:// address or a path on this server, at most 500 characters without quotes or brackets, not {0:?}")]
    InvalidLogoUrl(String),
    #[error("unknown locale {0:?}; Lyceum speaks en and fr")]
    UnknownLocale(String),
    #[error("unknown time zone {0:?}; use an IANA name such as Europe/Paris")]
    UnknownTimeZone(String),
    #[error("invalid domain {value:?}: {reason}")]
    InvalidDomain { value: String, reason: &'static str },
    #[error("{field} must be a day written as YYYY-MM-DD, not {value:?}")]
    InvalidDay { field: &'static str, value: String },
    #[error("invalid completion rule: {0}")]
    InvalidCompletionRule(String),
    #[error("prerequisites would form a cycle: {}", cycle_path(.0))]
    PrerequisiteCycle(Vec<CourseId>),
    #[error("progress must be between 0 and 100, got {0}")]
    InvalidProgress(u8),
    #[error("progress cannot go down from {previous} to {requested}")]
    ProgressDecrease { previous: u8, requested: u8 },
    /// `path` names the offending place, e.g. `content[2].media`, and `reason` what is wrong
    /// there.
    #[error("{path}: {reason}")]
    InvalidContent {
        path: String,
        reason: crate::content::ContentFault,
    },
    /// An assessment's settings that do not hold together.
    #[error("invalid assessment: {0}")]
    InvalidAssessment(String),
    /// A question that cannot be saved: `field` names the place (`key.options[1].id`).
    #[error("{field}: {reason}")]
    InvalidQuestion { field: String, reason: String },
    /// A short answer's regular expression the bounded engine does not take.
    #[error("invalid pattern: {0}")]
    InvalidPattern(String),
    /// An answer that does not answer its question (another kind, ids it does not have).
    #[error("invalid answer: {0}")]
    InvalidAnswer(String),
    /// A rubric that cannot be saved: `field` names the place (`rubric[1].levels[0].id`).
    #[error("{field}: {reason}")]
    InvalidRubric { field: String, reason: String },
    /// An assignment's prompt or expected artifacts that do not hold together: `setting` names
    /// the one at fault, `reason` what is wrong with it (the API's message).
    #[error("invalid assignment: {reason}")]
    InvalidAssignment {
        setting: crate::assessment::AssignmentSetting,
        reason: String,
    },
    /// A learner's draft holding what the assignment does not take (or too much of it).
    #[error("invalid submission: {0}")]
    InvalidSubmission(String),
    /// A grade category's weight that is not a number from 0 to 1,000.
    #[error("invalid weight: {0}")]
    InvalidWeight(String),
    /// A course's letter scale whose bands do not hold together (a letter empty or too long,
    /// percents out of 0 to 100 or not strictly decreasing, too many bands).
    #[error("invalid grading scale: {0}")]
    InvalidGradingScale(String),
}

/// `45` as `4.5`.
fn tenths_text(tenths: u16) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn cycle_path(path: &[CourseId]) -> String {
    path.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" -> ")
}

impl ValidationError {
    /// Stable upper-case code for clients and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidSlug { .. } => "INVALID_SLUG",
            Self::ReservedSlug(_) => "RESERVED_SLUG",
            Self::InvalidEmail(_) => "INVALID_EMAIL",
            Self::WeakPassword(_) => "WEAK_PASSWORD",
            Self::UnknownVariant { .. } => "VALIDATION_FAILED",
            Self::Empty { .. }
            | Self::TooLong { .. }
            | Self::TooMany { .. }
            | Self::ControlCharacters { .. }
            | Self::InvalidDay { .. } => "VALIDATION_FAILED",
            Self::InvalidColor { .. } => "INVALID_COLOR",
            Self::LowContrast { .. } => "LOW_CONTRAST",
            Self::InvalidLogoUrl(_) => "INVALID_LOGO_URL",
            Self::UnknownLocale(_) => "UNKNOWN_LOCALE",
            Self::UnknownTimeZone(_) => "UNKNOWN_TIME_ZONE",
            Self::InvalidDomain { .. } => "INVALID_DOMAIN",
            Self::InvalidCompletionRule(_) => "INVALID_COMPLETION_RULE",
            Self::PrerequisiteCycle(_) => "PREREQUISITE_CYCLE",
            Self::InvalidProgress(_) => "INVALID_PROGRESS",
            Self::ProgressDecrease { .. } => "PROGRESS_DECREASE",
            Self::InvalidContent { .. } => "INVALID_CONTENT",
            Self::InvalidAssessment(_) => "INVALID_ASSESSMENT",
            Self::InvalidQuestion { .. } => "INVALID_QUESTION",
            Self::InvalidPattern(_) => "INVALID_PATTERN",
            Self::InvalidAnswer(_) => "INVALID_ANSWER",
            Self::InvalidRubric { .. } => "INVALID_RUBRIC",
            Self::InvalidAssignment { .. } => "INVALID_ASSIGNMENT",
            Self::InvalidSubmission(_) => "INVALID_SUBMISSION",
            Self::InvalidWeight(_) => "INVALID_WEIGHT",
            Self::InvalidGradingScale(_) => "INVALID_GRADING_SCALE",
        }
    }
}

/// A refused value as an error message quotes it: its first 80 characters, so that a refusal
/// of a huge input is not huge itself.
pub fn shown(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(80).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// Checks a required, bounded free-text field (names, titles) and returns it trimmed.
pub fn required_text(
    field: &'static str,
    value: &str,
    max: usize,
) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::Empty { field });
    }
    if trimmed.chars().count() > max {
        return Err(ValidationError::TooLong { field, max });
    }
    Ok(trimmed.to_owned())
}

/// Parses one of a closed set of names (`plan`, `role`, `placement` ...) with a helpful error.
pub(crate) fn parse_variant<T: Copy>(
    kind: &'static str,
    value: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, ValidationError> {
    all.iter()
        .copied()
        .find(|v| name(*v) == value)
        .ok_or_else(|| ValidationError::UnknownVariant {
            kind,
            value: value.chars().take(40).collect(),
            expected: all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_value_is_quoted_short() {
        assert_eq!(shown("acme"), "acme");
        let long = "é".repeat(55_000);
        let quoted = shown(&long);
        assert_eq!(quoted.chars().count(), 81);
        assert!(quoted.ends_with('…'));
        assert_eq!(shown(&"x".repeat(80)), "x".repeat(80));
    }
}
