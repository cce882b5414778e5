//! A student's progress: how lesson completions roll up into module and course completion, and
//! the rule that a lesson's reported progress never goes down.

use crate::course::CompletionRule;
use crate::error::ValidationError;
use crate::ids::{LessonId, ModuleId};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One module as progress sees it: its completion rule and its lessons in position order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModuleOutline {
    pub id: ModuleId,
    pub rule: CompletionRule,
    /// In position order.
    pub lessons: Vec<LessonId>,
}

/// A student's progress through one course. The default is a course not started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseProgress {
    /// 0 to 100, rounded down; 100 exactly when `completed`.
    pub percent: u8,
    /// Every module's rule is met (and the course has modules).
    pub completed: bool,
    pub modules_completed: usize,
    pub modules_total: usize,
    /// The first lesson, in course order, not completed yet (optional ones included).
    pub next_lesson: Option<LessonId>,
}

/// Rolls lesson completions up into course progress. `modules` are in position order.
///
/// A module's fraction is `min(1, done / needed)`, counting only the lessons its rule counts
/// (`All`: every lesson; `AtLeast`: `min(count, lessons)`; `Required`: the listed lessons still
/// in the module). A module without lessons counts as 0 and is never completed. `percent` is
/// the mean fraction, rounded down.
pub fn roll_up(modules: &[ModuleOutline], completed: &HashSet<LessonId>) -> CourseProgress {
    let modules_total = modules.len();
    let mut modules_completed = 0;
    let mut fraction_sum = 0.0_f64;
    for module in modules {
        let (done, needed) = module.rule.tally(&module.lessons, completed);
        if needed > 0 && done >= needed {
            modules_completed += 1;
            fraction_sum += 1.0;
        } else if needed > 0 {
            fraction_sum += done as f64 / needed as f64;
        }
    }
    let completed_course = modules_total > 0 && modules_completed == modules_total;
    let percent = if completed_course {
        100
    } else if modules_total == 0 {
        0
    } else {
        // The epsilon absorbs float error on exact values (three modules at 7/10 sum to
        // 2.0999…, which would floor to 69); the cap
        // keeps 100 for completed courses only.
        let mean = fraction_sum / modules_total as f64;
        ((100.0 * mean + 1e-9).floor() as u8).min(99)
    };
    let next_lesson = modules
        .iter()
        .flat_map(|m| m.lessons.iter())
        .find(|l| !completed.contains(l))
        .copied();
    CourseProgress {
        percent,
        completed: completed_course,
        modules_completed,
        modules_total,
        next_lesson,
    }
}

/// How far a learner is through a lesson: 0 to 100 (100 completes it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = u8))]
pub struct Percent(u8);

impl Percent {
    /// All of it: the lesson is complete.
    pub const COMPLETE: Percent = Percent(100);

    /// `value` if it is at most 100 (`INVALID_PROGRESS` otherwise).
    pub fn new(value: u8) -> Result<Self, ValidationError> {
        if value > 100 {
            Err(ValidationError::InvalidProgress(value))
        } else {
            Ok(Percent(value))
        }
    }

    /// A value read back from storage, where it was checked when written (out of range is
    /// clamped rather than trusted).
    pub fn stored(value: i32) -> Self {
        Percent(value.clamp(0, 100) as u8)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    pub fn is_complete(self) -> bool {
        self == Self::COMPLETE
    }
}

impl TryFrom<u8> for Percent {
    type Error = ValidationError;

    fn try_from(value: u8) -> Result<Self, ValidationError> {
        Percent::new(value)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Percent::new(u8::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Checks a lesson progress report against what was recorded before: never lower. Returns the
/// value to store.
pub fn clamp_progress(
    previous: Option<Percent>,
    requested: Percent,
) -> Result<Percent, ValidationError> {
    match previous {
        Some(previous) if requested < previous => Err(ValidationError::ProgressDecrease {
            previous: previous.get(),
            requested: requested.get(),
        }),
        _ => Ok(requested),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lessons(n: usize) -> Vec<LessonId> {
        (0..n).map(|_| LessonId::new()).collect()
    }

    fn module(rule: CompletionRule, lessons: &[LessonId]) -> ModuleOutline {
        ModuleOutline {
            id: ModuleId::new(),
            rule,
            lessons: lessons.to_vec(),
        }
    }

    fn done(ids: &[LessonId]) -> HashSet<LessonId> {
        ids.iter().copied().collect()
    }

    #[test]
    fn no_modules_is_zero_and_not_completed() {
        let p = roll_up(&[], &done(&lessons(2)));
        assert_eq!(
            p,
            CourseProgress {
                percent: 0,
                completed: false,
                modules_completed: 0,
                modules_total: 0,
                next_lesson: None,
            }
        );
    }

    #[test]
    fn all_rule_counts_every_lesson() {
        let l = lessons(4);
        let modules = [module(CompletionRule::All, &l)];
        let p = roll_up(&modules, &done(&l[..1]));
        assert_eq!(
            (p.percent, p.completed, p.modules_completed),
            (25, false, 0)
        );
        assert_eq!(p.next_lesson, Some(l[1]));
        let p = roll_up(&modules, &done(&l));
        assert_eq!(
            (p.percent, p.completed, p.modules_completed),
            (100, true, 1)
        );
        assert_eq!(p.next_lesson, None);
    }

    #[test]
    fn percent_rounds_down() {
        let l = lessons(3);
        let modules = [module(CompletionRule::All, &l)];
        assert_eq!(roll_up(&modules, &done(&l[..1])).percent, 33);
        assert_eq!(roll_up(&modules, &done(&l[..2])).percent, 66);
    }

    #[test]
    fn percent_is_exact_despite_float_error() {
        // Three modules at 7/10 each: 70, not 69.
        let outlines: Vec<(ModuleOutline, Vec<LessonId>)> = (0..3)
            .map(|_| {
                let l = lessons(10);
                (module(CompletionRule::All, &l), l)
            })
            .collect();
        let completed: HashSet<LessonId> = outlines
            .iter()
            .flat_map(|(_, l)| l[..7].iter().copied())
            .collect();
        let modules: Vec<ModuleOutline> = outlines.into_iter().map(|(m, _)| m).collect();
        assert_eq!(roll_up(&modules, &completed).percent, 70);
    }

    #[test]
    fn at_least_needs_min_of_count_and_lessons() {
        let l = lessons(4);
        let modules = [module(CompletionRule::AtLeast { count: 2 }, &l)];
        let p = roll_up(&modules, &done(&l[..1]));
        assert_eq!((p.percent, p.completed), (50, false));
        // More than needed still counts as one whole module.
        let p = roll_up(&modules, &done(&l[..3]));
        assert_eq!(
            (p.percent, p.completed, p.modules_completed),
            (100, true, 1)
        );
        assert_eq!(p.next_lesson, Some(l[3]), "optional lessons are still next");

        // The module has fewer lessons than the count: all of them are needed.
        let short = lessons(2);
        let modules = [module(CompletionRule::AtLeast { count: 5 }, &short)];
        assert_eq!(roll_up(&modules, &done(&short[..1])).percent, 50);
        assert!(roll_up(&modules, &done(&short)).completed);
    }

    #[test]
    fn required_counts_listed_lessons_only() {
        let l = lessons(4);
        let rule = CompletionRule::Required {
            lessons: vec![l[1], l[3]],
        };
        let modules = [module(rule, &l)];
        // l[0] is optional: it does not count.
        let p = roll_up(&modules, &done(&[l[0], l[1]]));
        assert_eq!((p.percent, p.completed), (50, false));
        assert_eq!(p.next_lesson, Some(l[2]));
        let p = roll_up(&modules, &done(&[l[1], l[3]]));
        assert_eq!((p.percent, p.completed), (100, true));
        assert_eq!(p.next_lesson, Some(l[0]));
    }

    #[test]
    fn module_without_lessons_counts_zero_and_blocks_completion() {
        let l = lessons(2);
        let modules = [
            module(CompletionRule::All, &l),
            module(CompletionRule::All, &[]),
        ];
        let p = roll_up(&modules, &done(&l));
        assert_eq!(
            (p.percent, p.completed, p.modules_completed, p.modules_total),
            (50, false, 1, 2)
        );
        assert_eq!(p.next_lesson, None);
    }

    #[test]
    fn completions_outside_the_course_are_ignored() {
        let l = lessons(2);
        let modules = [module(CompletionRule::All, &l)];
        let p = roll_up(&modules, &done(&lessons(5)));
        assert_eq!((p.percent, p.completed), (0, false));
        assert_eq!(p.next_lesson, Some(l[0]));
    }

    #[test]
    fn mean_over_modules_and_next_lesson_in_order() {
        let (a, b, c) = (lessons(2), lessons(3), lessons(1));
        let modules = [
            module(CompletionRule::All, &a),
            module(CompletionRule::All, &b),
            module(CompletionRule::AtLeast { count: 1 }, &c),
        ];
        // Module 1 done, module 2 at 1/3, module 3 done: (1 + 1/3 + 1) / 3 = 77.7…
        let p = roll_up(&modules, &done(&[a[0], a[1], b[1], c[0]]));
        assert_eq!(p.percent, 77);
        assert_eq!((p.modules_completed, p.modules_total), (2, 3));
        assert!(!p.completed);
        assert_eq!(p.next_lesson, Some(b[0]));
    }

    #[test]
    fn only_completed_courses_reach_100() {
        // 999 of 1000 lessons done in a single module: 99, never 100.
        let l = lessons(1000);
        let modules = [module(CompletionRule::All, &l)];
        let p = roll_up(&modules, &done(&l[..999]));
        assert_eq!((p.percent, p.completed), (99, false));
        // Many completed modules and one untouched one.
        let mut modules: Vec<ModuleOutline> = Vec::new();
        let mut completed = HashSet::new();
        for _ in 0..300 {
            let l = lessons(1);
            completed.insert(l[0]);
            modules.push(module(CompletionRule::All, &l));
        }
        modules.push(module(CompletionRule::All, &lessons(1)));
        let p = roll_up(&modules, &completed);
        assert_eq!((p.percent, p.completed), (99, false));
    }

    #[test]
    fn progress_serializes_with_snake_case_fields() {
        let l = lessons(1);
        let p = roll_up(&[module(CompletionRule::All, &l)], &HashSet::new());
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["percent"], 0);
        assert_eq!(json["modules_total"], 1);
        assert_eq!(json["next_lesson"], l[0].to_string());
    }

    #[test]
    fn progress_accepts_0_to_100_and_never_decreases() {
        let p = |v| Percent::new(v).unwrap();
        assert_eq!(clamp_progress(None, p(0)), Ok(p(0)));
        assert_eq!(clamp_progress(None, p(100)), Ok(Percent::COMPLETE));
        assert_eq!(clamp_progress(Some(p(40)), p(40)), Ok(p(40)));
        assert_eq!(clamp_progress(Some(p(40)), p(75)), Ok(p(75)));
        let err = Percent::new(101).unwrap_err();
        assert_eq!(err.code(), "INVALID_PROGRESS");
        assert_eq!(err, ValidationError::InvalidProgress(101));
        assert_eq!(Percent::new(255).unwrap_err().code(), "INVALID_PROGRESS");
        assert!(serde_json::from_str::<Percent>("101").is_err());
        assert_eq!(serde_json::from_str::<Percent>("42").unwrap(), p(42));
        assert_eq!(Percent::stored(140), Percent::COMPLETE);
        let err = clamp_progress(Some(p(60)), p(59)).unwrap_err();
        assert_eq!(err.code(), "PROGRESS_DECREASE");
        assert_eq!(err.to_string(), "progress cannot go down from 60 to 59");
    }
}
