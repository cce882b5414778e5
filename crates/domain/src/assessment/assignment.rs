//! Assignments' rules, without I/O: an assignment's settings ([`AssignmentSettings`]: a Markdown
//! prompt, a rubric of criteria with levels, the artifacts a learner hands in), where a version
//! of a learner's work stands ([`AssignmentStatus`]), and the rubric's arithmetic
//! ([`score_rubric`]): a grade picks one level per criterion (its points, or an override within
//! the criterion's maximum), and the score is their sum, between zero and the rubric's maximum.

use super::Points;
use crate::content::render_markdown;
use crate::error::{parse_variant, ValidationError};
use crate::file::FilePurpose;
use crate::status::statuses;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

statuses! {
    /// Where a version of a learner's work on an assignment stands.
    AssignmentStatus, "assignment status" {
        /// Being written: text, link and files saved as the learner goes.
        Draft = "draft",
        /// Handed in on time.
        Submitted = "submitted",
        /// Handed in after the learner's due date, under the `accept` late policy.
        Late = "late",
        /// Graded against the rubric (the learner sees the grade once it is released).
        Graded = "graded",
        /// Sent back by an instructor for another version.
        Returned = "returned",
    }
}

impl AssignmentStatus {
    /// Handed in and waiting for a grade (the grading queue).
    pub fn awaits_grade(self) -> bool {
        matches!(self, AssignmentStatus::Submitted | AssignmentStatus::Late)
    }
}

/// The most criteria a rubric holds.
pub const MAX_CRITERIA: usize = 30;
/// The most levels a criterion holds.
pub const MAX_LEVELS: usize = 10;
/// The longest prompt, in characters.
pub const MAX_PROMPT_CHARS: usize = 50_000;
/// The longest link a learner hands in.
pub const MAX_LINK_CHARS: usize = 2_000;
/// The longest text answer an assignment may allow.
pub const MAX_TEXT_ANSWER_CHARS: u32 = 100_000;
/// The most files an assignment may take per version.
pub const MAX_FILES: u32 = 20;
/// The most points one level may give.
const MAX_LEVEL_POINTS: u32 = 1_000;
const MAX_TITLE_CHARS: usize = 200;
const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// The longest feedback on a criterion or a whole submission.
pub const MAX_GRADE_FEEDBACK_CHARS: usize = 10_000;

/// One level of a criterion: what the work shows at that level, and its points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RubricLevel {
    /// The author's id for it (1–40 letters, digits, `-`, `_`; unique in its criterion).
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub points: Points,
}

/// One criterion of a rubric, with its levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RubricCriterion {
    /// The author's id for it (1–40 letters, digits, `-`, `_`; unique in the rubric).
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub levels: Vec<RubricLevel>,
}

impl RubricCriterion {
    /// The points of its top level: what the criterion is worth.
    pub fn max_points(&self) -> Points {
        self.levels
            .iter()
            .map(|l| l.points)
            .max()
            .unwrap_or(Points::ZERO)
    }
}

/// A text answer the assignment takes, and its longest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TextArtifact {
    pub max_chars: u32,
}

/// Files the assignment takes: their types (held against each file's content), their largest
/// size and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileArtifact {
    /// Content types (`application/pdf`, `image/png` ...), among those submissions may have.
    pub types: Vec<String>,
    /// Bytes per file, at most 100 MiB.
    pub max_bytes: u64,
    /// Files per version.
    pub max_files: u32,
}

/// What a learner hands in: a text answer, a link, files (each absent when not taken).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExpectedArtifacts {
    #[serde(default)]
    pub text: Option<TextArtifact>,
    #[serde(default)]
    pub link: bool,
    #[serde(default)]
    pub files: Option<FileArtifact>,
}

impl Default for ExpectedArtifacts {
    fn default() -> Self {
        ExpectedArtifacts {
            text: Some(TextArtifact { max_chars: 10_000 }),
            link: false,
            files: None,
        }
    }
}

/// An assignment's own settings (its due date, late policy and passing percent are the
/// assessment's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentSettings {
    /// Markdown, shown sanitised like a lesson's.
    #[serde(default)]
    pub prompt: String,
    #[serde(default)]
    pub rubric: Vec<RubricCriterion>,
    #[serde(default)]
    pub artifacts: ExpectedArtifacts,
}

fn rubric_fault(field: impl Into<String>, reason: impl Into<String>) -> ValidationError {
    ValidationError::InvalidRubric {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The setting of an assignment an `INVALID_ASSIGNMENT` refusal is about, so a face can place
/// it next to its field without reading the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentSetting {
    /// The Markdown prompt.
    Prompt,
    /// The longest text answer taken (`artifacts.text.max_chars`).
    TextMaxChars,
    /// The largest file taken (`artifacts.files.max_bytes`).
    FileMaxBytes,
    /// How many files a version takes (`artifacts.files.max_files`).
    FileMaxFiles,
    /// The types of file taken (`artifacts.files.types`).
    FileTypes,
    /// What is taken at all: a text answer, a link, files.
    Artifacts,
}

fn assignment_fault(setting: AssignmentSetting, reason: impl Into<String>) -> ValidationError {
    ValidationError::InvalidAssignment {
        setting,
        reason: reason.into(),
    }
}

fn id_ok(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
}

/// A title (required) or description checked at `field`, answered trimmed.
fn rubric_text(
    field: String,
    text: &str,
    required: bool,
    max: usize,
) -> Result<String, ValidationError> {
    let trimmed = text.trim();
    if required && trimmed.is_empty() {
        return Err(rubric_fault(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(rubric_fault(
            field,
            format!("may hold at most {max} characters"),
        ));
    }
    if has_control(trimmed) {
        return Err(rubric_fault(field, "must not hold control characters"));
    }
    Ok(trimmed.to_owned())
}

impl AssignmentSettings {
    /// Checks the settings (`INVALID_ASSIGNMENT` for the prompt and artifacts, `INVALID_RUBRIC`
    /// naming the rubric's field) and answers them trimmed.
    pub fn validate(&self) -> Result<AssignmentSettings, ValidationError> {
        let prompt = self.prompt.trim().to_owned();
        if prompt.chars().count() > MAX_PROMPT_CHARS {
            return Err(assignment_fault(
                AssignmentSetting::Prompt,
                format!("the prompt may hold at most {MAX_PROMPT_CHARS} characters"),
            ));
        }
        if has_control(&prompt) {
            return Err(assignment_fault(
                AssignmentSetting::Prompt,
                "the prompt must not hold control characters",
            ));
        }
        render_markdown(&prompt)
            .map_err(|e| assignment_fault(AssignmentSetting::Prompt, format!("prompt: {e}")))?;
        Ok(AssignmentSettings {
            prompt,
            rubric: checked_rubric(&self.rubric)?,
            artifacts: checked_artifacts(&self.artifacts)?,
        })
    }

    /// The rubric's maximum: the sum of each criterion's top level.
    pub fn max_score(&self) -> Points {
        self.rubric
            .iter()
            .fold(Points::ZERO, |sum, c| sum.saturating_add(c.max_points()))
    }
}

fn checked_rubric(rubric: &[RubricCriterion]) -> Result<Vec<RubricCriterion>, ValidationError> {
    if rubric.len() > MAX_CRITERIA {
        return Err(rubric_fault(
            "rubric",
            format!("may hold at most {MAX_CRITERIA} criteria"),
        ));
    }
    let mut ids = HashSet::new();
    rubric
        .iter()
        .enumerate()
        .map(|(i, criterion)| {
            let at = format!("rubric[{i}]");
            if !id_ok(&criterion.id) {
                return Err(rubric_fault(
                    format!("{at}.id"),
                    "must be 1 to 40 letters, digits, - or _",
                ));
            }
            if !ids.insert(criterion.id.as_str()) {
                return Err(rubric_fault(format!("{at}.id"), "is used twice"));
            }
            if criterion.levels.is_empty() || criterion.levels.len() > MAX_LEVELS {
                return Err(rubric_fault(
                    format!("{at}.levels"),
                    format!("needs 1 to {MAX_LEVELS} levels"),
                ));
            }
            let mut level_ids = HashSet::new();
            let levels = criterion
                .levels
                .iter()
                .enumerate()
                .map(|(j, level)| {
                    let at = format!("{at}.levels[{j}]");
                    if !id_ok(&level.id) {
                        return Err(rubric_fault(
                            format!("{at}.id"),
                            "must be 1 to 40 letters, digits, - or _",
                        ));
                    }
                    if !level_ids.insert(level.id.as_str()) {
                        return Err(rubric_fault(format!("{at}.id"), "is used twice"));
                    }
                    if level.points > Points::whole(MAX_LEVEL_POINTS) {
                        return Err(rubric_fault(
                            format!("{at}.points"),
                            format!("may be at most {MAX_LEVEL_POINTS}"),
                        ));
                    }
                    Ok(RubricLevel {
                        id: level.id.clone(),
                        title: rubric_text(
                            format!("{at}.title"),
                            &level.title,
                            true,
                            MAX_TITLE_CHARS,
                        )?,
                        description: rubric_text(
                            format!("{at}.description"),
                            &level.description,
                            false,
                            MAX_DESCRIPTION_CHARS,
                        )?,
                        points: level.points,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(RubricCriterion {
                id: criterion.id.clone(),
                title: rubric_text(
                    format!("{at}.title"),
                    &criterion.title,
                    true,
                    MAX_TITLE_CHARS,
                )?,
                description: rubric_text(
                    format!("{at}.description"),
                    &criterion.description,
                    false,
                    MAX_DESCRIPTION_CHARS,
                )?,
                levels,
            })
        })
        .collect()
}

fn checked_artifacts(artifacts: &ExpectedArtifacts) -> Result<ExpectedArtifacts, ValidationError> {
    if let Some(text) = artifacts.text {
        if text.max_chars == 0 || text.max_chars > MAX_TEXT_ANSWER_CHARS {
            return Err(assignment_fault(
                AssignmentSetting::TextMaxChars,
                format!("artifacts.text.max_chars must be from 1 to {MAX_TEXT_ANSWER_CHARS}"),
            ));
        }
    }
    let files = match &artifacts.files {
        None => None,
        Some(files) => {
            let purpose_max = FilePurpose::Submission.max_bytes();
            if files.max_bytes == 0 || files.max_bytes > purpose_max {
                return Err(assignment_fault(
                    AssignmentSetting::FileMaxBytes,
                    format!("artifacts.files.max_bytes must be from 1 to {purpose_max}"),
                ));
            }
            if files.max_files == 0 || files.max_files > MAX_FILES {
                return Err(assignment_fault(
                    AssignmentSetting::FileMaxFiles,
                    format!("artifacts.files.max_files must be from 1 to {MAX_FILES}"),
                ));
            }
            let allowed = FilePurpose::Submission.allowed_types();
            let mut types = Vec::new();
            for declared in &files.types {
                let essence = declared.trim().to_ascii_lowercase();
                let Some(known) = allowed.iter().find(|t| **t == essence) else {
                    return Err(assignment_fault(AssignmentSetting::FileTypes, format!(
                        "artifacts.files.types: {:?} is not a type submissions may have; allowed: {}",
                        declared.chars().take(100).collect::<String>(),
                        allowed.join(", ")
                    )));
                };
                if !types.contains(&(*known).to_owned()) {
                    types.push((*known).to_owned());
                }
            }
            if types.is_empty() {
                return Err(assignment_fault(
                    AssignmentSetting::FileTypes,
                    "artifacts.files.types must name at least one type",
                ));
            }
            Some(FileArtifact {
                types,
                max_bytes: files.max_bytes,
                max_files: files.max_files,
            })
        }
    };
    if artifacts.text.is_none() && !artifacts.link && files.is_none() {
        return Err(assignment_fault(
            AssignmentSetting::Artifacts,
            "artifacts must take at least one of a text answer, a link or files",
        ));
    }
    Ok(ExpectedArtifacts {
        text: artifacts.text,
        link: artifacts.link,
        files,
    })
}

impl ExpectedArtifacts {
    /// Checks a draft's text answer and link against what is taken (`INVALID_SUBMISSION`):
    /// answered trimmed, empty ones as none.
    pub fn check_draft(
        &self,
        text: Option<&str>,
        link: Option<&str>,
    ) -> Result<(Option<String>, Option<String>), ValidationError> {
        let fault = |reason: String| ValidationError::InvalidSubmission(reason);
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        let link = link.map(str::trim).filter(|l| !l.is_empty());
        if let Some(text) = text {
            let Some(allowed) = self.text else {
                return Err(fault("this assignment takes no text answer".into()));
            };
            if text.chars().count() > allowed.max_chars as usize {
                return Err(fault(format!(
                    "the text answer may hold at most {} characters",
                    allowed.max_chars
                )));
            }
            if has_control(text) {
                return Err(fault(
                    "the text answer must not hold control characters".into(),
                ));
            }
        }
        if let Some(link) = link {
            if !self.link {
                return Err(fault("this assignment takes no link".into()));
            }
            check_link(link).map_err(|reason| fault(format!("link: {reason}")))?;
        }
        Ok((text.map(str::to_owned), link.map(str::to_owned)))
    }
}

/// An `http` or `https` address with a host, without spaces or control characters.
fn check_link(link: &str) -> Result<(), String> {
    if link.chars().count() > MAX_LINK_CHARS {
        return Err(format!("may hold at most {MAX_LINK_CHARS} characters"));
    }
    if link.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not hold spaces or control characters".into());
    }
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))
        .ok_or("must begin with https:// or http://")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with('@') || host.contains(['<', '>', '"', '\'']) {
        return Err("must name a host".into());
    }
    Ok(())
}

/// An instructor's grade of one criterion: the level chosen, optionally other points within
/// the criterion's maximum, and feedback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionGrade {
    pub criterion: String,
    pub level: String,
    /// Points instead of the level's (from 0 to the criterion's top level).
    #[serde(default)]
    pub points: Option<Points>,
    #[serde(default)]
    pub feedback: Option<String>,
}

/// How one criterion was graded, as kept with the submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionScore {
    pub criterion: String,
    pub level: String,
    pub points: Points,
    /// The criterion's top level.
    pub max_points: Points,
    pub feedback: Option<String>,
}

/// A rubric's grade: each criterion's, in the rubric's order, and their sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RubricScore {
    pub criteria: Vec<CriterionScore>,
    pub score: Points,
    pub max_score: Points,
}

/// Why a rubric grade is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RubricFault {
    #[error("the assignment has no rubric to grade against")]
    NoRubric,
    #[error("the rubric has no criterion {0:?}")]
    UnknownCriterion(String),
    #[error("the criterion {criterion:?} has no level {level:?}")]
    UnknownLevel { criterion: String, level: String },
    #[error("the criterion {0:?} is graded twice")]
    GradedTwice(String),
    #[error("the criterion {0:?} is not graded; grade every criterion")]
    Missing(String),
    #[error("the criterion {criterion:?} is worth at most {max} points")]
    OverMax { criterion: String, max: Points },
    #[error("feedback may hold at most {MAX_GRADE_FEEDBACK_CHARS} characters, without control characters")]
    BadFeedback,
}

impl RubricFault {
    pub fn code(&self) -> &'static str {
        match self {
            RubricFault::NoRubric => "NO_RUBRIC",
            RubricFault::UnknownCriterion(_) => "UNKNOWN_CRITERION",
            RubricFault::UnknownLevel { .. } => "UNKNOWN_LEVEL",
            RubricFault::GradedTwice(_)
            | RubricFault::OverMax { .. }
            | RubricFault::BadFeedback => "INVALID_GRADE",
            RubricFault::Missing(_) => "INCOMPLETE_GRADE",
        }
    }
}

/// Feedback trimmed (none when empty), or refused when too long or holding control characters.
pub fn checked_feedback(feedback: Option<&str>) -> Result<Option<String>, RubricFault> {
    let Some(text) = feedback.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_GRADE_FEEDBACK_CHARS || has_control(text) {
        return Err(RubricFault::BadFeedback);
    }
    Ok(Some(text.to_owned()))
}

fn quoted(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Grades `rubric` with one grade per criterion: the level chosen gives its points unless an
/// override (at most the criterion's top level) replaces them. The score is the sum, so it lies
/// between zero and the rubric's maximum.
pub fn score_rubric(
    rubric: &[RubricCriterion],
    grades: &[CriterionGrade],
) -> Result<RubricScore, RubricFault> {
    if rubric.is_empty() {
        return Err(RubricFault::NoRubric);
    }
    let by_id: HashMap<&str, &RubricCriterion> =
        rubric.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut given: HashMap<&str, &CriterionGrade> = HashMap::new();
    for grade in grades {
        let criterion = by_id
            .get(grade.criterion.as_str())
            .ok_or_else(|| RubricFault::UnknownCriterion(quoted(&grade.criterion)))?;
        if given.insert(criterion.id.as_str(), grade).is_some() {
            return Err(RubricFault::GradedTwice(criterion.id.clone()));
        }
    }
    let mut criteria = Vec::with_capacity(rubric.len());
    let (mut score, mut max_score) = (Points::ZERO, Points::ZERO);
    for criterion in rubric {
        let grade = given
            .get(criterion.id.as_str())
            .ok_or_else(|| RubricFault::Missing(criterion.id.clone()))?;
        let level = criterion
            .levels
            .iter()
            .find(|l| l.id == grade.level)
            .ok_or_else(|| RubricFault::UnknownLevel {
                criterion: criterion.id.clone(),
                level: quoted(&grade.level),
            })?;
        let max = criterion.max_points();
        let points = grade.points.unwrap_or(level.points);
        if points > max {
            return Err(RubricFault::OverMax {
                criterion: criterion.id.clone(),
                max,
            });
        }
        score = score.saturating_add(points);
        max_score = max_score.saturating_add(max);
        criteria.push(CriterionScore {
            criterion: criterion.id.clone(),
            level: level.id.clone(),
            points,
            max_points: max,
            feedback: checked_feedback(grade.feedback.as_deref())?,
        });
    }
    Ok(RubricScore {
        criteria,
        score,
        max_score,
    })
}

#[cfg(test)]
mod tests;
