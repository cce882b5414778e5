//! Assessments' rules, without I/O: what an assessment is ([`AssessmentKind`], its
//! [`AssessmentRules`]: passing percent, time limit, attempts, window, due date, shuffling, review,
//! which attempt counts, lateness), its questions with their answer keys ([`QuestionKey`]) and
//! the learner's view of them without the key ([`QuestionView`]), answers ([`Answer`]) and their
//! marking ([`mark`]), and an attempt's clock: its deadline, whether a submission is on time,
//! late or refused, when the review opens. Every rule that depends on the time takes `now`, so
//! callers (and tests) give the clock.

mod assignment;
pub mod gradebook;
pub mod item_analysis;
pub mod letter_scale;
mod question;
mod shuffle;

pub use assignment::{
    checked_feedback, score_rubric, AssignmentSetting, AssignmentSettings, AssignmentStatus,
    CriterionGrade, CriterionScore, ExpectedArtifacts, FileArtifact, RubricCriterion, RubricFault,
    RubricLevel, RubricScore, TextArtifact, MAX_CRITERIA, MAX_FILES, MAX_GRADE_FEEDBACK_CHARS,
    MAX_LEVELS, MAX_LINK_CHARS, MAX_PROMPT_CHARS,
};

pub use question::{
    mark, view_of, Answer, Choice, ChoiceScoring, Marking, OrderScoring, QuestionDraft,
    QuestionKey, QuestionKind, QuestionView, Shown, TextRule, MAX_ANSWER_CHARS,
};
pub use shuffle::shuffled;

use crate::error::{parse_variant, ValidationError};
use crate::status::statuses;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

statuses! {
    /// What an assessment is: a quiz or an exam (questions graded on the server), or an
    /// assignment (a submitted piece of work graded against a rubric).
    AssessmentKind, "assessment kind" {
        Quiz = "quiz",
        Exam = "exam",
        Assignment = "assignment",
    }
}

statuses! {
    /// When a learner may see the correct answers and how each of their answers was marked.
    ReviewPolicy, "review policy" {
        /// Once their attempt is submitted.
        AfterSubmission = "after_submission",
        /// Once their attempt is submitted and the due date (without one, the end of the
        /// availability window) has passed.
        AfterDue = "after_due",
        /// Never: the learner sees their score only.
        Never = "never",
    }
}

statuses! {
    /// Which of a learner's graded attempts makes their result.
    CountedAttempt, "counted attempt" {
        Highest = "highest",
        Latest = "latest",
        /// The mean of every graded attempt's percent.
        Average = "average",
    }
}

statuses! {
    /// What a submission after the deadline meets.
    LatePolicy, "late policy" {
        /// Refused (`DEADLINE_PASSED`); answers can no longer be saved either.
        Refuse = "refuse",
        /// Accepted, marked late.
        Accept = "accept",
    }
}

statuses! {
    /// Where an attempt (a submission) stands.
    SubmissionStatus, "submission status" {
        /// Started; answers are being saved.
        InProgress = "in_progress",
        /// Its deadline passed under the `refuse` late policy before it was submitted: closed,
        /// without a score.
        Expired = "expired",
        /// Submitted; an essay waits for an instructor.
        NeedsGrading = "needs_grading",
        /// Submitted and every answer marked.
        Graded = "graded",
    }
}

/// An amount of points, kept in hundredths (partial credit divides points), sent as a number
/// with at most two decimals (`2.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = f64))]
pub struct Points(u32);

impl Points {
    pub const ZERO: Points = Points(0);

    pub fn from_hundredths(hundredths: u32) -> Self {
        Points(hundredths)
    }

    pub fn whole(points: u32) -> Self {
        Points(points.saturating_mul(100))
    }

    pub fn hundredths(self) -> u32 {
        self.0
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    pub fn saturating_add(self, other: Points) -> Points {
        Points(self.0.saturating_add(other.0))
    }

    /// This amount as a percent of `max` (0 when `max` is none), to two decimals.
    pub fn percent_of(self, max: Points) -> f64 {
        if max.0 == 0 {
            return 0.0;
        }
        (f64::from(self.0) * 10_000.0 / f64::from(max.0)).round() / 100.0
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_f64())
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

/// The most points one answer can be given by hand.
pub const MAX_QUESTION_POINTS: u32 = 1_000;

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Points::try_from_f64(value).map_err(serde::de::Error::custom)
    }
}

impl Points {
    /// Points from a number: finite, not negative, at most 1,000,000, rounded to hundredths.
    pub fn try_from_f64(value: f64) -> Result<Self, &'static str> {
        if !value.is_finite() || !(0.0..=1_000_000.0).contains(&value) {
            return Err("points must be a number from 0 to 1000000");
        }
        Ok(Points((value * 100.0).round() as u32))
    }
}

/// The settings of an assessment that decide how it is taken and counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentRules {
    /// The percent of the maximum score that passes (0 to 100).
    pub passing_percent: u8,
    /// Seconds an attempt may last once started; none: no limit.
    pub time_limit_seconds: Option<u32>,
    /// Attempts a learner may start; none: no limit.
    pub max_attempts: Option<u32>,
    /// Before this, no attempt may start.
    pub available_from: Option<DateTime<Utc>>,
    /// After this, no attempt may start, and attempts in progress reach their deadline.
    pub available_until: Option<DateTime<Utc>>,
    /// Attempts reach their deadline here too; submissions after it follow the late policy.
    pub due_at: Option<DateTime<Utc>>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    #[serde(rename = "review_policy")]
    pub review: ReviewPolicy,
    #[serde(rename = "counted_attempt")]
    pub counts: CountedAttempt,
    #[serde(rename = "late_policy")]
    pub late: LatePolicy,
}

/// The longest time limit: a week.
pub const MAX_TIME_LIMIT_SECONDS: u32 = 7 * 24 * 3600;
/// The most attempts an assessment may allow.
pub const MAX_ATTEMPTS: u32 = 100;

impl Default for AssessmentRules {
    fn default() -> Self {
        AssessmentRules {
            passing_percent: 50,
            time_limit_seconds: None,
            max_attempts: None,
            available_from: None,
            available_until: None,
            due_at: None,
            shuffle_questions: false,
            shuffle_options: false,
            review: ReviewPolicy::AfterSubmission,
            counts: CountedAttempt::Highest,
            late: LatePolicy::Refuse,
        }
    }
}

fn invalid_rules(reason: impl Into<String>) -> ValidationError {
    ValidationError::InvalidAssessment(reason.into())
}

impl AssessmentRules {
    /// Checks the settings together (`INVALID_ASSESSMENT`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.passing_percent > 100 {
            return Err(invalid_rules("passing_percent must be from 0 to 100"));
        }
        if self
            .time_limit_seconds
            .is_some_and(|s| s == 0 || s > MAX_TIME_LIMIT_SECONDS)
        {
            return Err(invalid_rules(format!(
                "time_limit_seconds must be from 1 to {MAX_TIME_LIMIT_SECONDS}"
            )));
        }
        if self
            .max_attempts
            .is_some_and(|n| n == 0 || n > MAX_ATTEMPTS)
        {
            return Err(invalid_rules(format!(
                "max_attempts must be from 1 to {MAX_ATTEMPTS}"
            )));
        }
        if let (Some(from), Some(until)) = (self.available_from, self.available_until) {
            if until <= from {
                return Err(invalid_rules(
                    "available_until must be after available_from",
                ));
            }
        }
        if let (Some(from), Some(due)) = (self.available_from, self.due_at) {
            if due <= from {
                return Err(invalid_rules("due_at must be after available_from"));
            }
        }
        Ok(())
    }

    /// Why no attempt may start at `now`, if none may: outside the availability window, or
    /// past the due date when late submissions are refused.
    pub fn closed_at(&self, now: DateTime<Utc>) -> Option<Closed> {
        if self.available_from.is_some_and(|from| now < from) {
            return Some(Closed::NotYetOpen);
        }
        if self.available_until.is_some_and(|until| now >= until) {
            return Some(Closed::WindowOver);
        }
        if self.late == LatePolicy::Refuse && self.due_at.is_some_and(|due| now >= due) {
            return Some(Closed::DeadlinePassed);
        }
        None
    }

    /// A learner's due date: the assessment's, or the later date an instructor extended it to
    /// for them (an extension never moves it earlier).
    pub fn due_for(&self, extension: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        match (self.due_at, extension) {
            (Some(due), Some(extended)) => Some(due.max(extended)),
            (due, extended) => extended.or(due),
        }
    }

    /// These settings as they hold for a learner with `extension` (see [`Self::due_for`]): the
    /// deadline, the late policy, the start of attempts and the review all read their due date.
    pub fn for_learner(&self, extension: Option<DateTime<Utc>>) -> AssessmentRules {
        AssessmentRules {
            due_at: self.due_for(extension),
            ..self.clone()
        }
    }

    /// The deadline of an attempt started at `started_at`: the earliest of its time limit,
    /// the end of the availability window and the due date (the learner's own, with their
    /// extension, once the settings are read [`Self::for_learner`]); none when none is set.
    pub fn deadline(&self, started_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let limit = self
            .time_limit_seconds
            .map(|s| started_at + Duration::seconds(i64::from(s)));
        [limit, self.available_until, self.due_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// Whether answers saved or submitted at `now`, for an attempt started at `started_at`,
    /// are on time, late, or refused ([`Closed::DeadlinePassed`]).
    pub fn timing(&self, started_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Timing, Closed> {
        self.timing_by(self.deadline(started_at), now)
    }

    /// Whether answers given at `now` to an attempt whose deadline is `deadline` (as
    /// [`Self::deadline`] computed it) are on time, late, or refused.
    pub fn timing_by(
        &self,
        deadline: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Timing, Closed> {
        match deadline {
            Some(deadline) if now > deadline => match self.late {
                LatePolicy::Refuse => Err(Closed::DeadlinePassed),
                LatePolicy::Accept => Ok(Timing::Late),
            },
            _ => Ok(Timing::OnTime),
        }
    }

    /// Whether a learner whose attempt is `submitted` may see its review at `now`.
    pub fn review_open(&self, submitted: bool, now: DateTime<Utc>) -> bool {
        match self.review {
            ReviewPolicy::Never => false,
            ReviewPolicy::AfterSubmission => submitted,
            ReviewPolicy::AfterDue => {
                submitted
                    && self
                        .due_at
                        .or(self.available_until)
                        .is_none_or(|due| now >= due)
            }
        }
    }

    /// Whether `percent` passes.
    pub fn passes(&self, percent: f64) -> bool {
        percent + 1e-9 >= f64::from(self.passing_percent)
    }
}

/// Why an assessment cannot be taken or answered now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    NotYetOpen,
    WindowOver,
    DeadlinePassed,
}

/// A submission in time, or after the deadline under the `accept` late policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    OnTime,
    Late,
}

/// A graded attempt's result, for [`counted_percent`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradedAttempt {
    pub number: u32,
    pub score: Points,
    pub max_score: Points,
}

/// The percent that counts among a learner's graded attempts, under `policy`; none before any
/// is graded.
pub fn counted_percent(policy: CountedAttempt, graded: &[GradedAttempt]) -> Option<f64> {
    let percent = |a: &GradedAttempt| a.score.percent_of(a.max_score);
    match policy {
        CountedAttempt::Highest => graded.iter().map(percent).reduce(f64::max),
        CountedAttempt::Latest => graded.iter().max_by_key(|a| a.number).map(percent),
        CountedAttempt::Average => (!graded.is_empty()).then(|| {
            let sum: f64 = graded.iter().map(percent).sum();
            (sum / graded.len() as f64 * 100.0).round() / 100.0
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 10, minute, 0).unwrap()
    }

    #[test]
    fn the_deadline_is_the_earliest_of_limit_window_and_due_date() {
        let mut rules = AssessmentRules {
            time_limit_seconds: Some(600),
            ..AssessmentRules::default()
        };
        assert_eq!(rules.deadline(at(0)), Some(at(10)));
        rules.due_at = Some(at(5));
        assert_eq!(rules.deadline(at(0)), Some(at(5)));
        rules.available_until = Some(at(3));
        assert_eq!(rules.deadline(at(0)), Some(at(3)));
        assert_eq!(AssessmentRules::default().deadline(at(0)), None);
    }

    #[test]
    fn an_extension_moves_the_learners_due_date_and_deadline_later_never_earlier() {
        let rules = AssessmentRules {
            time_limit_seconds: Some(3600),
            due_at: Some(at(5)),
            available_until: Some(at(50)),
            ..AssessmentRules::default()
        };
        assert_eq!(rules.for_learner(None).deadline(at(0)), Some(at(5)));
        assert_eq!(
            rules.for_learner(Some(at(20))).deadline(at(0)),
            Some(at(20))
        );
        // The window's end still bounds it, and an earlier "extension" changes nothing.
        assert_eq!(
            rules.for_learner(Some(at(55))).deadline(at(0)),
            Some(at(50))
        );
        assert_eq!(rules.for_learner(Some(at(1))).deadline(at(0)), Some(at(5)));
        let extended = rules.for_learner(Some(at(20)));
        assert_eq!(extended.timing(at(0), at(10)), Ok(Timing::OnTime));
        assert_eq!(rules.timing(at(0), at(10)), Err(Closed::DeadlinePassed));
        assert_eq!(rules.closed_at(at(10)), Some(Closed::DeadlinePassed));
        assert_eq!(extended.closed_at(at(10)), None);
        let no_due = AssessmentRules::default();
        assert_eq!(no_due.due_for(Some(at(7))), Some(at(7)));
    }

    #[test]
    fn a_submission_after_the_deadline_is_refused_or_late_per_policy() {
        let mut rules = AssessmentRules {
            time_limit_seconds: Some(60),
            ..AssessmentRules::default()
        };
        assert_eq!(rules.timing(at(0), at(1)), Ok(Timing::OnTime));
        assert_eq!(rules.timing(at(0), at(2)), Err(Closed::DeadlinePassed));
        rules.late = LatePolicy::Accept;
        assert_eq!(rules.timing(at(0), at(2)), Ok(Timing::Late));
    }

    #[test]
    fn attempts_start_only_inside_the_window_and_before_a_refusing_due_date() {
        let rules = AssessmentRules {
            available_from: Some(at(10)),
            available_until: Some(at(50)),
            due_at: Some(at(40)),
            ..AssessmentRules::default()
        };
        assert_eq!(rules.closed_at(at(5)), Some(Closed::NotYetOpen));
        assert_eq!(rules.closed_at(at(20)), None);
        assert_eq!(rules.closed_at(at(45)), Some(Closed::DeadlinePassed));
        assert_eq!(rules.closed_at(at(50)), Some(Closed::WindowOver));
        let accepting = AssessmentRules {
            late: LatePolicy::Accept,
            ..rules
        };
        assert_eq!(accepting.closed_at(at(45)), None);
    }

    #[test]
    fn the_review_opens_per_policy() {
        let mut rules = AssessmentRules {
            due_at: Some(at(30)),
            ..AssessmentRules::default()
        };
        assert!(!rules.review_open(false, at(0)));
        assert!(rules.review_open(true, at(0)));
        rules.review = ReviewPolicy::AfterDue;
        assert!(!rules.review_open(true, at(29)));
        assert!(rules.review_open(true, at(30)));
        rules.review = ReviewPolicy::Never;
        assert!(!rules.review_open(true, at(59)));
    }

    #[test]
    fn the_counted_attempt_follows_the_policy() {
        let graded = [
            GradedAttempt {
                number: 1,
                score: Points::whole(8),
                max_score: Points::whole(10),
            },
            GradedAttempt {
                number: 2,
                score: Points::whole(4),
                max_score: Points::whole(10),
            },
        ];
        assert_eq!(
            counted_percent(CountedAttempt::Highest, &graded),
            Some(80.0)
        );
        assert_eq!(counted_percent(CountedAttempt::Latest, &graded), Some(40.0));
        assert_eq!(
            counted_percent(CountedAttempt::Average, &graded),
            Some(60.0)
        );
        assert_eq!(counted_percent(CountedAttempt::Average, &[]), None);
    }

    #[test]
    fn settings_out_of_range_are_refused() {
        for rules in [
            AssessmentRules {
                passing_percent: 101,
                ..AssessmentRules::default()
            },
            AssessmentRules {
                time_limit_seconds: Some(0),
                ..AssessmentRules::default()
            },
            AssessmentRules {
                max_attempts: Some(0),
                ..AssessmentRules::default()
            },
            AssessmentRules {
                available_from: Some(at(10)),
                available_until: Some(at(5)),
                ..AssessmentRules::default()
            },
        ] {
            assert_eq!(rules.validate().unwrap_err().code(), "INVALID_ASSESSMENT");
        }
        assert!(AssessmentRules::default().validate().is_ok());
    }

    #[test]
    fn points_travel_as_numbers_with_two_decimals() {
        assert_eq!(
            serde_json::to_string(&Points::from_hundredths(250)).unwrap(),
            "2.5"
        );
        let read: Points = serde_json::from_str("1.234").unwrap();
        assert_eq!(read.hundredths(), 123);
        assert!(serde_json::from_str::<Points>("-1").is_err());
        assert_eq!(Points::whole(1).percent_of(Points::whole(3)), 33.33);
    }

    #[test]
    fn kinds_and_policies_read_their_text() {
        assert_eq!("exam".parse::<AssessmentKind>(), Ok(AssessmentKind::Exam));
        assert_eq!(
            "after_due".parse::<ReviewPolicy>(),
            Ok(ReviewPolicy::AfterDue)
        );
        assert!("sometimes".parse::<LatePolicy>().is_err());
        let _ = parse_variant::<AssessmentKind>;
        let _: fn(&str) -> Result<CountedAttempt, _> = CountedAttempt::from_str;
    }
}
