//! The gradebook's arithmetic, without I/O: where a learner stands on one quiz or exam
//! ([`assessment_grade`], from their attempts and the assessment's rules, the counted percent
//! by [`super::counted_percent`]) or on one assignment ([`assignment_grade`], from their
//! versions: the latest released grade counts), what of it counts ([`AssessmentGrade::item`]),
//! a category's mean and the course's weighted mean ([`course_grade`]), and the weight of a
//! category ([`Weight`]).
//!
//! The course percent is the weighted mean of the category means, the weights renormalised over
//! the categories that have at least one counted result for the learner. A category's mean is
//! the plain mean of its counted percents. What counts: a graded result always; a missing one
//! (the due date, else the window's end, passed with nothing submitted) as 0 only when the
//! course says `missing_counts_as_zero`, otherwise it is left out like a pending one.
//! Assessments in no category make one implicit category weighing the mean of the course's
//! category weights (1 when the course has none, so the course percent is then the plain mean
//! of the assessments' percents).

use super::{
    counted_percent, AssessmentRules, AssignmentStatus, CountedAttempt, GradedAttempt, Points,
    SubmissionStatus,
};
use crate::error::{parse_variant, ValidationError};
use crate::status::statuses;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// The heaviest a category may weigh.
pub const MAX_WEIGHT: u32 = 1_000;

/// A category's weight: a number from 0 to 1,000 kept in hundredths. Only the ratios between a
/// course's weights matter (`40` and `60` weigh as `0.4` and `0.6`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = f64))]
pub struct Weight(u32);

impl Weight {
    pub fn from_hundredths(hundredths: u32) -> Self {
        Weight(hundredths.min(MAX_WEIGHT * 100))
    }

    pub fn hundredths(self) -> u32 {
        self.0
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// A weight from a number: finite, from 0 to 1,000, rounded to hundredths
    /// (`INVALID_WEIGHT` otherwise).
    pub fn try_from_f64(value: f64) -> Result<Self, ValidationError> {
        if !value.is_finite() || !(0.0..=f64::from(MAX_WEIGHT)).contains(&value) {
            return Err(ValidationError::InvalidWeight(format!(
                "a weight is a number from 0 to {MAX_WEIGHT}"
            )));
        }
        Ok(Weight((value * 100.0).round() as u32))
    }
}

impl fmt::Display for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_f64())
    }
}

impl FromStr for Weight {
    type Err = ValidationError;
    /// A weight typed in a form (`40`, `12.5`, `12,5`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value: f64 = s.trim().replace(',', ".").parse().map_err(|_| {
            ValidationError::InvalidWeight(format!("a weight is a number from 0 to {MAX_WEIGHT}"))
        })?;
        Weight::try_from_f64(value)
    }
}

impl Serialize for Weight {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        Weight::try_from_f64(value).map_err(serde::de::Error::custom)
    }
}

statuses! {
    /// Where a learner stands on one assessment, as the gradebook shows it.
    GradeStatus, "grade status" {
        /// No attempt, or only attempts that expired.
        NotAttempted = "not_attempted",
        /// An attempt is open.
        InProgress = "in_progress",
        /// Submitted; an essay waits for an instructor, and no attempt is graded yet.
        NeedsGrading = "needs_grading",
        /// At least one attempt is graded, or an assignment's grade is released: the result
        /// counts.
        Graded = "graded",
        /// An assignment graded but its grade not released: shown to its staff only (the
        /// learner reads `needs_grading`), and it does not count until released.
        Unreleased = "unreleased",
        /// An assignment's work sent back for another version, none handed in since.
        Returned = "returned",
    }
}

/// Who reads a gradebook: its staff see assignment grades not released yet, a learner never.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradeReader {
    Staff,
    Learner,
}

/// What the gradebook reads of one attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttemptFacts {
    pub number: u32,
    pub status: SubmissionStatus,
    pub started_at: DateTime<Utc>,
    pub late: bool,
    pub score: Option<Points>,
    pub max_score: Points,
}

/// What the gradebook reads of one version of a learner's work on an assignment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VersionFacts {
    pub version: u32,
    pub status: AssignmentStatus,
    pub late: bool,
    pub score: Option<Points>,
    pub max_score: Option<Points>,
    pub released: bool,
}

/// A learner's result on one assessment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentGrade {
    pub status: GradeStatus,
    /// The percent of the result: a quiz's counted percent (under its `counted_attempt`) once
    /// an attempt is graded, an assignment's once graded. It counts only when `status` is
    /// `graded` (an `unreleased` one is shown to staff, not counted).
    pub percent: Option<f64>,
    /// The counted attempt's score and maximum (`highest`, `latest`; none under `average`),
    /// an assignment's grade.
    pub score: Option<Points>,
    pub max_score: Option<Points>,
    /// The counted attempt was submitted late (under `average`: any graded attempt was); an
    /// assignment's last version handed in was.
    pub late: bool,
    /// The due date (else the window's end; the learner's extension included) passed and
    /// nothing was submitted.
    pub missing: bool,
    /// Attempts started, expired ones included; an assignment's versions, a draft included.
    pub attempts: u32,
}

impl AssessmentGrade {
    /// What the learner's result adds to their category: its percent once `graded`, else
    /// missing or pending.
    pub fn item(&self) -> ItemResult {
        match (self.status, self.percent, self.missing) {
            (GradeStatus::Graded, Some(percent), _) => ItemResult::Graded(percent),
            (_, _, true) => ItemResult::Missing,
            _ => ItemResult::Pending,
        }
    }
}

/// Where a learner stands on an assessment with `rules`, from their `attempts`, at `now`.
pub fn assessment_grade(
    rules: &AssessmentRules,
    attempts: &[AttemptFacts],
    now: DateTime<Utc>,
) -> AssessmentGrade {
    let graded: Vec<(GradedAttempt, bool)> = attempts
        .iter()
        .filter(|a| a.status == SubmissionStatus::Graded)
        .filter_map(|a| {
            Some((
                GradedAttempt {
                    number: a.number,
                    score: a.score?,
                    max_score: a.max_score,
                },
                a.late,
            ))
        })
        .collect();
    let results: Vec<GradedAttempt> = graded.iter().map(|(g, _)| *g).collect();
    let percent = counted_percent(rules.counts, &results);
    let counted = match rules.counts {
        CountedAttempt::Highest => {
            graded
                .iter()
                .fold(None, |best: Option<&(GradedAttempt, bool)>, a| match best {
                    Some(b)
                        if b.0.score.percent_of(b.0.max_score)
                            >= a.0.score.percent_of(a.0.max_score) =>
                    {
                        Some(b)
                    }
                    _ => Some(a),
                })
        }
        CountedAttempt::Latest => graded.iter().max_by_key(|(g, _)| g.number),
        CountedAttempt::Average => None,
    };
    let open = attempts.iter().any(|a| {
        a.status == SubmissionStatus::InProgress && rules.timing(a.started_at, now).is_ok()
    });
    let submitted = attempts.iter().any(|a| {
        matches!(
            a.status,
            SubmissionStatus::Graded | SubmissionStatus::NeedsGrading
        )
    });
    let status = if !graded.is_empty() {
        GradeStatus::Graded
    } else if attempts
        .iter()
        .any(|a| a.status == SubmissionStatus::NeedsGrading)
    {
        GradeStatus::NeedsGrading
    } else if open {
        GradeStatus::InProgress
    } else {
        GradeStatus::NotAttempted
    };
    let due = rules.due_at.or(rules.available_until);
    AssessmentGrade {
        status,
        percent,
        score: counted.map(|(g, _)| g.score),
        max_score: counted.map(|(g, _)| g.max_score),
        late: match counted {
            Some((_, late)) => *late,
            None if rules.counts == CountedAttempt::Average => graded.iter().any(|(_, late)| *late),
            None => false,
        },
        missing: !submitted && due.is_some_and(|due| now >= due),
        attempts: attempts.len() as u32,
    }
}

/// Where a learner stands on an assignment with `rules` (theirs, with their extension), from
/// their `versions`, at `now`, as `reader` sees it. Only the last version can hold a grade (a
/// new version follows only work sent back); its grade counts once released. Before that its
/// staff read it `unreleased`, with its score; the learner reads `needs_grading`, without.
/// Missing: the due date (else the window's end) passed and no version was ever handed in.
pub fn assignment_grade(
    rules: &AssessmentRules,
    versions: &[VersionFacts],
    now: DateTime<Utc>,
    reader: GradeReader,
) -> AssessmentGrade {
    let last = versions.iter().max_by_key(|v| v.version);
    let handed_in = versions
        .iter()
        .filter(|v| v.status != AssignmentStatus::Draft)
        .max_by_key(|v| v.version);
    let graded = last
        .filter(|v| v.status == AssignmentStatus::Graded)
        .and_then(|v| Some((v.score?, v.max_score?, v.released)))
        .filter(|(_, _, released)| *released || reader == GradeReader::Staff);
    let status = match (last.map(|v| v.status), graded) {
        (_, Some((_, _, true))) => GradeStatus::Graded,
        (_, Some((_, _, false))) => GradeStatus::Unreleased,
        (None, _) => GradeStatus::NotAttempted,
        (Some(AssignmentStatus::Draft), _) => GradeStatus::InProgress,
        (Some(AssignmentStatus::Returned), _) => GradeStatus::Returned,
        (Some(_), _) => GradeStatus::NeedsGrading,
    };
    let due = rules.due_at.or(rules.available_until);
    AssessmentGrade {
        status,
        percent: graded.map(|(score, max, _)| score.percent_of(max)),
        score: graded.map(|(score, _, _)| score),
        max_score: graded.map(|(_, max, _)| max),
        late: handed_in.is_some_and(|v| v.late),
        missing: handed_in.is_none() && due.is_some_and(|due| now >= due),
        attempts: versions.len() as u32,
    }
}

/// One assessment's part in its category.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ItemResult {
    /// Its counted percent.
    Graded(f64),
    /// Past due with nothing submitted.
    Missing,
    /// Not graded yet, not due yet.
    Pending,
}

/// A category's weight and the results of its assessments.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryResults {
    pub weight: Weight,
    pub items: Vec<ItemResult>,
}

/// A learner's course grade: each category's mean (in the order given; none when nothing in it
/// counts) and the course percent (none when no category counts, or the counting ones all
/// weigh 0).
#[derive(Debug, Clone, PartialEq)]
pub struct CourseGrade {
    pub categories: Vec<Option<f64>>,
    pub percent: Option<f64>,
}

fn two_decimals(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The mean of a category's counted percents (missing results as 0 when
/// `missing_counts_as_zero`, else left out with pending ones); none when nothing counts.
pub fn category_percent(items: &[ItemResult], missing_counts_as_zero: bool) -> Option<f64> {
    let counted: Vec<f64> = items
        .iter()
        .filter_map(|item| match item {
            ItemResult::Graded(percent) => Some(percent.clamp(0.0, 100.0)),
            ItemResult::Missing if missing_counts_as_zero => Some(0.0),
            _ => None,
        })
        .collect();
    (!counted.is_empty()).then(|| two_decimals(counted.iter().sum::<f64>() / counted.len() as f64))
}

/// The course grade: the weighted mean of the category means, the weights renormalised over
/// the categories where something counts.
pub fn course_grade(categories: &[CategoryResults], missing_counts_as_zero: bool) -> CourseGrade {
    let means: Vec<Option<f64>> = categories
        .iter()
        .map(|c| category_percent(&c.items, missing_counts_as_zero))
        .collect();
    let (mut weighted, mut total) = (0.0, 0.0);
    for (category, mean) in categories.iter().zip(&means) {
        if let Some(mean) = mean {
            let weight = f64::from(category.weight.hundredths());
            weighted += weight * mean;
            total += weight;
        }
    }
    let percent = (total > 0.0).then(|| two_decimals(weighted / total).clamp(0.0, 100.0));
    CourseGrade {
        categories: means,
        percent,
    }
}

/// The weight of the implicit category of uncategorised assessments: the mean of the course's
/// category weights, 1 when it has none.
pub fn implicit_weight(weights: &[Weight]) -> Weight {
    if weights.is_empty() {
        return Weight(100);
    }
    let sum: u64 = weights.iter().map(|w| u64::from(w.0)).sum();
    Weight((sum / weights.len() as u64) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::LatePolicy;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 10, minute, 0).unwrap()
    }

    fn w(value: f64) -> Weight {
        Weight::try_from_f64(value).unwrap()
    }

    fn attempt(
        number: u32,
        status: SubmissionStatus,
        score: Option<u32>,
        late: bool,
    ) -> AttemptFacts {
        AttemptFacts {
            number,
            status,
            started_at: at(0),
            late,
            score: score.map(Points::whole),
            max_score: Points::whole(10),
        }
    }

    #[test]
    fn weights_are_numbers_from_0_to_1000() {
        assert_eq!(w(40.0).hundredths(), 4000);
        assert_eq!("12,5".parse::<Weight>().unwrap().hundredths(), 1250);
        for bad in [-1.0, 1000.01, f64::NAN, f64::INFINITY] {
            assert_eq!(
                Weight::try_from_f64(bad).unwrap_err().code(),
                "INVALID_WEIGHT"
            );
        }
        for bad in ["NaN", "", "abc", "-5", "1e9"] {
            assert!(bad.parse::<Weight>().is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Weight>("-3").is_err());
        assert_eq!(serde_json::to_string(&w(12.5)).unwrap(), "12.5");
    }

    #[test]
    fn the_course_percent_is_the_weighted_mean_of_the_category_means() {
        // Quizzes 40 %: 80 and 60 (mean 70); exams 60 %: 90. 0.4 × 70 + 0.6 × 90 = 82.
        let grade = course_grade(
            &[
                CategoryResults {
                    weight: w(40.0),
                    items: vec![ItemResult::Graded(80.0), ItemResult::Graded(60.0)],
                },
                CategoryResults {
                    weight: w(60.0),
                    items: vec![ItemResult::Graded(90.0)],
                },
            ],
            false,
        );
        assert_eq!(grade.categories, vec![Some(70.0), Some(90.0)]);
        assert_eq!(grade.percent, Some(82.0));
    }

    #[test]
    fn weights_are_renormalised_over_the_categories_that_count() {
        let categories = [
            CategoryResults {
                weight: w(40.0),
                items: vec![ItemResult::Graded(50.0)],
            },
            CategoryResults {
                weight: w(60.0),
                items: vec![ItemResult::Pending, ItemResult::Missing],
            },
        ];
        // Nothing counts in the exams: the quizzes make the whole grade.
        let grade = course_grade(&categories, false);
        assert_eq!(grade.categories, vec![Some(50.0), None]);
        assert_eq!(grade.percent, Some(50.0));
        // The missing exam as zero: 0.4 × 50 + 0.6 × 0 = 20.
        let grade = course_grade(&categories, true);
        assert_eq!(grade.categories, vec![Some(50.0), Some(0.0)]);
        assert_eq!(grade.percent, Some(20.0));
        // Nothing counts anywhere: no course percent.
        let nothing = [CategoryResults {
            weight: w(1.0),
            items: vec![ItemResult::Pending],
        }];
        assert_eq!(course_grade(&nothing, true).percent, None);
        // Only weightless categories count: none either.
        let weightless = [CategoryResults {
            weight: w(0.0),
            items: vec![ItemResult::Graded(70.0)],
        }];
        assert_eq!(course_grade(&weightless, false).percent, None);
    }

    #[test]
    fn uncategorised_assessments_weigh_as_an_average_category() {
        assert_eq!(implicit_weight(&[]), w(1.0));
        assert_eq!(implicit_weight(&[w(40.0), w(60.0)]), w(50.0));
    }

    #[test]
    fn an_assessment_grade_follows_the_counted_attempt() {
        let rules = AssessmentRules::default();
        let attempts = [
            attempt(1, SubmissionStatus::Graded, Some(8), true),
            attempt(2, SubmissionStatus::Graded, Some(4), false),
        ];
        let highest = assessment_grade(&rules, &attempts, at(1));
        assert_eq!(highest.status, GradeStatus::Graded);
        assert_eq!(highest.percent, Some(80.0));
        assert_eq!(highest.score, Some(Points::whole(8)));
        assert!(highest.late);
        let latest = AssessmentRules {
            counts: CountedAttempt::Latest,
            ..rules.clone()
        };
        let grade = assessment_grade(&latest, &attempts, at(1));
        assert_eq!(
            (grade.percent, grade.score, grade.late),
            (Some(40.0), Some(Points::whole(4)), false)
        );
        let average = AssessmentRules {
            counts: CountedAttempt::Average,
            ..rules.clone()
        };
        let grade = assessment_grade(&average, &attempts, at(1));
        assert_eq!(
            (grade.percent, grade.score, grade.late),
            (Some(60.0), None, true)
        );
        assert_eq!(grade.attempts, 2);
    }

    #[test]
    fn an_assessment_grade_says_what_waits_and_what_is_missing() {
        let rules = AssessmentRules {
            time_limit_seconds: Some(120),
            due_at: Some(at(30)),
            ..AssessmentRules::default()
        };
        let none = assessment_grade(&rules, &[], at(10));
        assert_eq!(
            (none.status, none.missing, none.item()),
            (GradeStatus::NotAttempted, false, ItemResult::Pending)
        );
        let past_due = assessment_grade(&rules, &[], at(30));
        assert_eq!(
            (past_due.missing, past_due.item()),
            (true, ItemResult::Missing)
        );
        let open = [attempt(1, SubmissionStatus::InProgress, None, false)];
        assert_eq!(
            assessment_grade(&rules, &open, at(1)).status,
            GradeStatus::InProgress
        );
        // Its time limit passed under the refusing late policy: expired, not attempted.
        assert_eq!(
            assessment_grade(&rules, &open, at(5)).status,
            GradeStatus::NotAttempted
        );
        let accepting = AssessmentRules {
            late: LatePolicy::Accept,
            ..rules.clone()
        };
        assert_eq!(
            assessment_grade(&accepting, &open, at(5)).status,
            GradeStatus::InProgress
        );
        let waiting = [attempt(1, SubmissionStatus::NeedsGrading, None, false)];
        let grade = assessment_grade(&rules, &waiting, at(40));
        assert_eq!(
            (grade.status, grade.missing, grade.item()),
            (GradeStatus::NeedsGrading, false, ItemResult::Pending)
        );
    }

    fn version(number: u32, status: AssignmentStatus, score: Option<u32>) -> VersionFacts {
        VersionFacts {
            version: number,
            status,
            late: false,
            score: score.map(Points::whole),
            max_score: score.map(|_| Points::whole(20)),
            released: false,
        }
    }

    #[test]
    fn an_assignment_counts_its_released_grade_and_hides_an_unreleased_one_from_the_learner() {
        let rules = AssessmentRules {
            due_at: Some(at(30)),
            ..AssessmentRules::default()
        };
        let graded = [
            version(1, AssignmentStatus::Returned, Some(5)),
            version(2, AssignmentStatus::Graded, Some(15)),
        ];
        let staff = assignment_grade(&rules, &graded, at(40), GradeReader::Staff);
        assert_eq!(
            (staff.status, staff.percent, staff.score, staff.attempts),
            (
                GradeStatus::Unreleased,
                Some(75.0),
                Some(Points::whole(15)),
                2
            )
        );
        // Shown to staff, counted for nobody until released.
        assert_eq!(staff.item(), ItemResult::Pending);
        let learner = assignment_grade(&rules, &graded, at(40), GradeReader::Learner);
        assert_eq!(
            (
                learner.status,
                learner.percent,
                learner.score,
                learner.missing
            ),
            (GradeStatus::NeedsGrading, None, None, false)
        );
        let mut released = graded;
        released[1].released = true;
        released[1].late = true;
        for reader in [GradeReader::Staff, GradeReader::Learner] {
            let grade = assignment_grade(&rules, &released, at(40), reader);
            assert_eq!(
                (grade.status, grade.item(), grade.late),
                (GradeStatus::Graded, ItemResult::Graded(75.0), true)
            );
        }
        // A released grade sent back no longer counts: the new version waits.
        let mut returned = released;
        returned[1].status = AssignmentStatus::Returned;
        let grade = assignment_grade(&rules, &returned, at(40), GradeReader::Learner);
        assert_eq!(
            (grade.status, grade.item()),
            (GradeStatus::Returned, ItemResult::Pending)
        );
    }

    #[test]
    fn an_assignment_never_handed_in_is_missing_once_due() {
        let rules = AssessmentRules {
            due_at: Some(at(30)),
            ..AssessmentRules::default()
        };
        let draft = [version(1, AssignmentStatus::Draft, None)];
        let before = assignment_grade(&rules, &draft, at(10), GradeReader::Learner);
        assert_eq!(
            (before.status, before.item()),
            (GradeStatus::InProgress, ItemResult::Pending)
        );
        let after = assignment_grade(&rules, &draft, at(30), GradeReader::Staff);
        assert_eq!((after.missing, after.item()), (true, ItemResult::Missing));
        let none = assignment_grade(&rules, &[], at(30), GradeReader::Staff);
        assert_eq!(
            (none.status, none.missing),
            (GradeStatus::NotAttempted, true)
        );
        let handed_in = [version(1, AssignmentStatus::Late, None)];
        let waiting = assignment_grade(&rules, &handed_in, at(40), GradeReader::Staff);
        assert_eq!(
            (waiting.status, waiting.missing, waiting.item()),
            (GradeStatus::NeedsGrading, false, ItemResult::Pending)
        );
        // With the learner's extension, not missing yet.
        let extended = rules.for_learner(Some(at(50)));
        assert!(!assignment_grade(&extended, &draft, at(40), GradeReader::Staff).missing);
    }

    fn seed() -> u64 {
        std::env::var("LYCEUM_PROPERTY_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| fastrand::u64(..))
    }

    fn random_categories(rng: &mut fastrand::Rng) -> Vec<CategoryResults> {
        (0..rng.usize(0..6))
            .map(|_| CategoryResults {
                weight: Weight::from_hundredths(rng.u32(0..=MAX_WEIGHT * 100)),
                items: (0..rng.usize(0..5))
                    .map(|_| match rng.u8(0..3) {
                        0 => ItemResult::Graded(f64::from(rng.u32(0..=10_000)) / 100.0),
                        1 => ItemResult::Missing,
                        _ => ItemResult::Pending,
                    })
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn property_the_course_percent_stays_between_0_and_100_and_ignores_the_weights_scale() {
        let seed = seed();
        let mut rng = fastrand::Rng::with_seed(seed);
        for case in 0..20_000 {
            let categories = random_categories(&mut rng);
            let zero = rng.bool();
            let grade = course_grade(&categories, zero);
            if let Some(percent) = grade.percent {
                assert!(
                    (0.0..=100.0).contains(&percent),
                    "seed {seed}, case {case}: {percent}"
                );
            }
            for mean in grade.categories.iter().flatten() {
                assert!(
                    (0.0..=100.0).contains(mean),
                    "seed {seed}, case {case}: {mean}"
                );
            }
            // Every weight times the same factor: the same grade (to the rounding's hundredth).
            let factor = rng.u32(1..=10);
            let scaled: Vec<CategoryResults> = categories
                .iter()
                .map(|c| CategoryResults {
                    weight: Weight(c.weight.0 / 10 * factor),
                    items: c.items.clone(),
                })
                .collect();
            let base: Vec<CategoryResults> = categories
                .iter()
                .map(|c| CategoryResults {
                    weight: Weight(c.weight.0 / 10),
                    items: c.items.clone(),
                })
                .collect();
            let (a, b) = (course_grade(&base, zero), course_grade(&scaled, zero));
            assert_eq!(a.categories, b.categories, "seed {seed}, case {case}");
            match (a.percent, b.percent) {
                (Some(x), Some(y)) => assert!(
                    (x - y).abs() <= 0.010_000_1,
                    "seed {seed}, case {case}: {x} vs {y}"
                ),
                (x, y) => assert_eq!(x, y, "seed {seed}, case {case}"),
            }
        }
    }
}
