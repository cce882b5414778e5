//! Courses and their structure: course lifecycle, lesson kinds, the rule that completes a
//! module, the rule that releases it, and the prerequisite graph between courses (which must
//! stay acyclic).

use crate::error::{parse_variant, ValidationError};
use crate::ids::{CourseId, LessonId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::str::FromStr;

/// A course's lifecycle. Students see published courses only; archived courses keep their
/// enrollments and progress but take no new enrollments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CourseStatus {
    Draft,
    Published,
    Archived,
}

impl CourseStatus {
    pub const ALL: [CourseStatus; 3] = [
        CourseStatus::Draft,
        CourseStatus::Published,
        CourseStatus::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CourseStatus::Draft => "draft",
            CourseStatus::Published => "published",
            CourseStatus::Archived => "archived",
        }
    }
}

impl fmt::Display for CourseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for CourseStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_variant("course status", s, &CourseStatus::ALL, CourseStatus::as_str)
    }
}

/// What a lesson is. The kind decides which content blocks it may hold (see `content`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LessonKind {
    Video,
    Text,
    Quiz,
    Assignment,
}

impl LessonKind {
    pub const ALL: [LessonKind; 4] = [
        LessonKind::Video,
        LessonKind::Text,
        LessonKind::Quiz,
        LessonKind::Assignment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LessonKind::Video => "video",
            LessonKind::Text => "text",
            LessonKind::Quiz => "quiz",
            LessonKind::Assignment => "assignment",
        }
    }

    /// Is a lesson of this kind completed only by passing its assessment (never by a progress
    /// report, so that no certificate is earned without answering or handing work in)? Quiz
    /// lessons pass with their quiz, assignment lessons with a released passing grade.
    pub fn completed_by_passing(self) -> bool {
        matches!(self, LessonKind::Quiz | LessonKind::Assignment)
    }
}

impl fmt::Display for LessonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for LessonKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_variant("lesson kind", s, &LessonKind::ALL, LessonKind::as_str)
    }
}

/// When a module counts as completed. JSON: `{"kind":"all"}`, `{"kind":"at_least","count":3}`,
/// `{"kind":"required","lessons":["<lesson id>", ...]}`.
///
/// Only lessons of the module count: a `Required` lesson that has since left the module is
/// ignored, and a module without lessons is never completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CompletionRule {
    /// Every lesson of the module.
    #[default]
    All,
    /// At least `count` lessons of the module (all of them if the module has fewer).
    AtLeast { count: u32 },
    /// These lessons of the module; the others are optional.
    Required { lessons: Vec<LessonId> },
}

impl CompletionRule {
    /// Checks the rule against the module's current lessons. `AtLeast` may ask for more lessons
    /// than the module has yet (lessons are added later), but not for none.
    pub fn validate(&self, module_lessons: &[LessonId]) -> Result<(), ValidationError> {
        let invalid = |reason: String| Err(ValidationError::InvalidCompletionRule(reason));
        match self {
            CompletionRule::All => Ok(()),
            CompletionRule::AtLeast { count: 0 } => {
                invalid("at_least needs a count of at least 1".to_owned())
            }
            CompletionRule::AtLeast { .. } => Ok(()),
            CompletionRule::Required { lessons } => {
                if lessons.is_empty() {
                    return invalid("required needs at least one lesson".to_owned());
                }
                let mut seen = HashSet::with_capacity(lessons.len());
                for lesson in lessons {
                    if !seen.insert(lesson) {
                        return invalid(format!("lesson {lesson} is listed twice"));
                    }
                    if !module_lessons.contains(lesson) {
                        return invalid(format!("lesson {lesson} is not in this module"));
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether a student who completed `completed` has completed the module.
    pub fn is_met(&self, module_lessons: &[LessonId], completed: &HashSet<LessonId>) -> bool {
        let (done, needed) = self.tally(module_lessons, completed);
        needed > 0 && done >= needed
    }

    /// `(done, needed)`: lessons completed that count toward the rule, and how many it needs.
    /// `needed == 0` means the rule cannot be met (no lessons count).
    pub(crate) fn tally(
        &self,
        module_lessons: &[LessonId],
        completed: &HashSet<LessonId>,
    ) -> (usize, usize) {
        if module_lessons.is_empty() {
            return (0, 0);
        }
        let in_module: HashSet<&LessonId> = module_lessons.iter().collect();
        match self {
            CompletionRule::All => {
                let done = in_module.iter().filter(|l| completed.contains(l)).count();
                (done, in_module.len())
            }
            CompletionRule::AtLeast { count } => {
                let done = in_module.iter().filter(|l| completed.contains(l)).count();
                // A count of 0 is refused by `validate`; should one slip through, one lesson
                // is still needed so that "met" keeps meaning "did something".
                let count = usize::try_from(*count).unwrap_or(usize::MAX).max(1);
                (done, count.min(in_module.len()))
            }
            CompletionRule::Required { lessons } => {
                let required: HashSet<&LessonId> =
                    lessons.iter().filter(|l| in_module.contains(l)).collect();
                let done = required.iter().filter(|l| completed.contains(l)).count();
                (done, required.len())
            }
        }
    }
}

/// When a module opens to students. JSON: `{"kind":"after_previous"}`,
/// `{"kind":"on_date","at":"2030-01-31T09:00:00Z"}`. No rule means open at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReleaseRule {
    /// Once the previous module is completed (the first module is always open).
    AfterPrevious,
    /// From this instant on.
    OnDate { at: DateTime<Utc> },
}

impl ReleaseRule {
    /// Whether the module is open at `now`. `previous_completed` is whether the student
    /// completed the previous module; pass `true` for the first module.
    pub fn is_released(&self, now: DateTime<Utc>, previous_completed: bool) -> bool {
        match self {
            ReleaseRule::AfterPrevious => previous_completed,
            ReleaseRule::OnDate { at } => now >= *at,
        }
    }
}

/// Answers the cycle that setting `course`'s prerequisites to `requires` would create, as a
/// path `[course, required, ..., course]`, or `None` when the graph stays acyclic.
///
/// `existing` holds the current edges `(course, required course)`; `course`'s own edges in it
/// are replaced by `requires`. A course requiring itself is the cycle `[course, course]`. The
/// path found is a shortest one through `course`.
pub fn prerequisite_cycle(
    existing: &[(CourseId, CourseId)],
    course: CourseId,
    requires: &[CourseId],
) -> Option<Vec<CourseId>> {
    if requires.contains(&course) {
        return Some(vec![course, course]);
    }
    let mut graph: HashMap<CourseId, Vec<CourseId>> = HashMap::new();
    for &(from, to) in existing {
        if from != course {
            graph.entry(from).or_default().push(to);
        }
    }
    // Breadth-first from `course` over the new edges: the first time `course` is reached again
    // closes a shortest cycle through it. Nodes are visited in edge order, so the answer is
    // deterministic.
    let mut parent: HashMap<CourseId, CourseId> = HashMap::new();
    let mut queue: VecDeque<CourseId> = VecDeque::new();
    for &next in requires {
        if let Entry::Vacant(e) = parent.entry(next) {
            e.insert(course);
            queue.push_back(next);
        }
    }
    while let Some(node) = queue.pop_front() {
        for &next in graph.get(&node).map(Vec::as_slice).unwrap_or_default() {
            if next == course {
                // Walk back to the first step, then read the chain forwards.
                let mut chain = vec![node];
                let mut at = node;
                while let Some(&p) = parent.get(&at) {
                    if p == course {
                        break;
                    }
                    chain.push(p);
                    at = p;
                }
                chain.reverse();
                let mut path = Vec::with_capacity(chain.len() + 2);
                path.push(course);
                path.extend(chain);
                path.push(course);
                return Some(path);
            }
            if let Entry::Vacant(e) = parent.entry(next) {
                e.insert(node);
                queue.push_back(next);
            }
        }
    }
    None
}

/// Like [`prerequisite_cycle`], as a `ValidationError` (`PREREQUISITE_CYCLE`).
pub fn check_prerequisites(
    existing: &[(CourseId, CourseId)],
    course: CourseId,
    requires: &[CourseId],
) -> Result<(), ValidationError> {
    match prerequisite_cycle(existing, course, requires) {
        Some(path) => Err(ValidationError::PrerequisiteCycle(path)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn lessons(n: usize) -> Vec<LessonId> {
        (0..n).map(|_| LessonId::new()).collect()
    }

    fn set(ids: &[LessonId]) -> HashSet<LessonId> {
        ids.iter().copied().collect()
    }

    #[test]
    fn course_status_names_round_trip() {
        for status in CourseStatus::ALL {
            assert_eq!(status.as_str().parse::<CourseStatus>(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                json!(status.as_str())
            );
        }
        assert_eq!(
            serde_json::from_value::<CourseStatus>(json!("published")).unwrap(),
            CourseStatus::Published
        );
        let err = "Published".parse::<CourseStatus>().unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED");
        assert!(
            err.to_string().contains("draft, published, archived"),
            "{err}"
        );
    }

    #[test]
    fn lesson_kind_names_round_trip() {
        for kind in LessonKind::ALL {
            assert_eq!(kind.as_str().parse::<LessonKind>(), Ok(kind));
            assert_eq!(format!("{kind:>10}"), format!("{:>10}", kind.as_str()));
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        }
        assert_eq!(
            "assignment".parse::<LessonKind>().unwrap(),
            LessonKind::Assignment
        );
        assert_eq!(
            "podcast".parse::<LessonKind>().unwrap_err().code(),
            "VALIDATION_FAILED"
        );
    }

    #[test]
    fn completion_rule_json_shapes() {
        let l = lessons(2);
        let cases = [
            (CompletionRule::All, json!({"kind": "all"})),
            (
                CompletionRule::AtLeast { count: 3 },
                json!({"kind": "at_least", "count": 3}),
            ),
            (
                CompletionRule::Required { lessons: l.clone() },
                json!({"kind": "required", "lessons": [l[0].to_string(), l[1].to_string()]}),
            ),
        ];
        for (rule, value) in cases {
            assert_eq!(serde_json::to_value(&rule).unwrap(), value);
            assert_eq!(
                serde_json::from_value::<CompletionRule>(value).unwrap(),
                rule
            );
        }
        assert_eq!(CompletionRule::default(), CompletionRule::All);
    }

    #[test]
    fn completion_rule_json_is_strict() {
        for bad in [
            json!({"kind": "most"}),
            json!({"kind": "at_least"}),
            json!({"kind": "at_least", "count": -1}),
            json!({"kind": "at_least", "count": "2"}),
            json!({"kind": "at_least", "count": 2, "extra": true}),
            json!({"kind": "required", "lessons": ["not-a-uuid"]}),
            json!({"count": 2}),
            json!("all"),
        ] {
            assert!(
                serde_json::from_value::<CompletionRule>(bad.clone()).is_err(),
                "{bad} must be refused"
            );
        }
    }

    #[test]
    fn validate_all_and_at_least() {
        let l = lessons(3);
        assert_eq!(CompletionRule::All.validate(&l), Ok(()));
        assert_eq!(CompletionRule::All.validate(&[]), Ok(()));
        // Lessons may be added later: a count above the current lessons is fine.
        assert_eq!(CompletionRule::AtLeast { count: 1 }.validate(&l), Ok(()));
        assert_eq!(CompletionRule::AtLeast { count: 10 }.validate(&l), Ok(()));
        assert_eq!(CompletionRule::AtLeast { count: 2 }.validate(&[]), Ok(()));
        let err = CompletionRule::AtLeast { count: 0 }
            .validate(&l)
            .unwrap_err();
        assert_eq!(err.code(), "INVALID_COMPLETION_RULE");
        assert!(err.to_string().contains("at least 1"), "{err}");
    }

    #[test]
    fn validate_required() {
        let l = lessons(3);
        let required = |lessons: Vec<LessonId>| CompletionRule::Required { lessons };
        assert_eq!(required(vec![l[0], l[2]]).validate(&l), Ok(()));

        let err = required(vec![]).validate(&l).unwrap_err();
        assert_eq!(err.code(), "INVALID_COMPLETION_RULE");
        assert!(err.to_string().contains("at least one lesson"), "{err}");

        let err = required(vec![l[1], l[0], l[1]]).validate(&l).unwrap_err();
        assert_eq!(err.code(), "INVALID_COMPLETION_RULE");
        assert!(err.to_string().contains("listed twice"), "{err}");
        assert!(err.to_string().contains(&l[1].to_string()), "{err}");

        let stranger = LessonId::new();
        let err = required(vec![l[0], stranger]).validate(&l).unwrap_err();
        assert_eq!(err.code(), "INVALID_COMPLETION_RULE");
        assert!(err.to_string().contains("not in this module"), "{err}");
        assert!(err.to_string().contains(&stranger.to_string()), "{err}");
    }

    #[test]
    fn all_needs_every_lesson_and_at_least_one() {
        let l = lessons(3);
        let rule = CompletionRule::All;
        assert!(!rule.is_met(&[], &HashSet::new()));
        assert!(!rule.is_met(&[], &set(&l)));
        assert!(!rule.is_met(&l, &set(&l[..2])));
        assert!(rule.is_met(&l, &set(&l)));
        // Completions elsewhere do not matter.
        let mut more = set(&l);
        more.insert(LessonId::new());
        assert!(rule.is_met(&l, &more));
    }

    #[test]
    fn at_least_counts_module_lessons_up_to_their_number() {
        let l = lessons(4);
        let rule = CompletionRule::AtLeast { count: 2 };
        assert!(!rule.is_met(&l, &set(&l[..1])));
        assert!(rule.is_met(&l, &set(&l[..2])));
        assert!(rule.is_met(&l, &set(&[l[0], l[3]])));
        // Lessons of other modules do not count.
        assert!(!rule.is_met(&l, &set(&[l[0], LessonId::new(), LessonId::new()])));
        // Fewer lessons than the count: all of them.
        let big = CompletionRule::AtLeast { count: 9 };
        assert!(!big.is_met(&l, &set(&l[..3])));
        assert!(big.is_met(&l, &set(&l)));
        // No lessons: never met.
        assert!(!rule.is_met(&[], &set(&l)));
        // A count of 0 (refused by validate) still needs something done.
        let zero = CompletionRule::AtLeast { count: 0 };
        assert!(!zero.is_met(&l, &HashSet::new()));
        assert!(zero.is_met(&l, &set(&l[..1])));
    }

    #[test]
    fn required_needs_the_listed_lessons_only() {
        let l = lessons(4);
        let rule = CompletionRule::Required {
            lessons: vec![l[1], l[2]],
        };
        assert!(!rule.is_met(&l, &set(&[l[0], l[1], l[3]])));
        assert!(rule.is_met(&l, &set(&[l[1], l[2]])));
        // A listed lesson that left the module no longer counts.
        assert!(rule.is_met(&[l[0], l[1], l[3]], &set(&[l[1]])));
        // None of the listed lessons is in the module: nothing to meet.
        assert!(!rule.is_met(&[l[0], l[3]], &set(&l)));
        assert!(!CompletionRule::Required { lessons: vec![] }.is_met(&l, &set(&l)));
    }

    #[test]
    fn release_rules() {
        let at = Utc.with_ymd_and_hms(2030, 1, 31, 9, 0, 0).unwrap();
        let rule = ReleaseRule::OnDate { at };
        assert_eq!(
            serde_json::to_value(&rule).unwrap(),
            json!({"kind": "on_date", "at": "2030-01-31T09:00:00Z"})
        );
        assert_eq!(
            serde_json::from_value::<ReleaseRule>(
                json!({"kind": "on_date", "at": "2030-01-31T10:00:00+01:00"})
            )
            .unwrap(),
            rule
        );
        assert_eq!(
            serde_json::to_value(ReleaseRule::AfterPrevious).unwrap(),
            json!({"kind": "after_previous"})
        );
        assert!(serde_json::from_value::<ReleaseRule>(json!({"kind": "on_date"})).is_err());
        assert!(serde_json::from_value::<ReleaseRule>(
            json!({"kind": "on_date", "at": "tomorrow"})
        )
        .is_err());
        assert!(serde_json::from_value::<ReleaseRule>(json!({"kind": "weekly"})).is_err());

        assert!(!rule.is_released(at - chrono::Duration::seconds(1), true));
        assert!(rule.is_released(at, false));
        assert!(ReleaseRule::AfterPrevious.is_released(at, true));
        assert!(!ReleaseRule::AfterPrevious.is_released(at, false));
    }

    fn courses<const N: usize>() -> [CourseId; N] {
        std::array::from_fn(|_| CourseId::new())
    }

    #[test]
    fn a_course_cannot_require_itself() {
        let [a, b] = courses();
        assert_eq!(prerequisite_cycle(&[], a, &[b, a]), Some(vec![a, a]));
    }

    #[test]
    fn acyclic_prerequisites_pass() {
        let [a, b, c, d] = courses();
        assert_eq!(prerequisite_cycle(&[], a, &[]), None);
        assert_eq!(prerequisite_cycle(&[], a, &[b, c]), None);
        // A diamond is not a cycle: a -> b -> d, a -> c -> d.
        let existing = [(b, d), (c, d)];
        assert_eq!(prerequisite_cycle(&existing, a, &[b, c]), None);
        // d requiring something unrelated is fine too.
        assert_eq!(prerequisite_cycle(&existing, d, &[CourseId::new()]), None);
        assert_eq!(check_prerequisites(&existing, a, &[b, c, b]), Ok(()));
    }

    #[test]
    fn direct_and_longer_cycles_are_found_in_order() {
        let [a, b, c, d] = courses();
        // b requires a; a requiring b closes a -> b -> a.
        assert_eq!(prerequisite_cycle(&[(b, a)], a, &[b]), Some(vec![a, b, a]));
        // a -> b -> c exists; c requiring a closes c -> a -> b -> c.
        let existing = [(a, b), (b, c), (c, d)];
        assert_eq!(
            prerequisite_cycle(&existing, c, &[d, a]),
            Some(vec![c, a, b, c])
        );
    }

    #[test]
    fn the_shortest_cycle_is_answered() {
        let [a, b, c, d, e] = courses();
        // Two ways back to a: b -> c -> d -> a, and e -> a.
        let existing = [(b, c), (c, d), (d, a), (e, a)];
        assert_eq!(
            prerequisite_cycle(&existing, a, &[b, e]),
            Some(vec![a, e, a])
        );
        assert_eq!(
            prerequisite_cycle(&existing, a, &[b]),
            Some(vec![a, b, c, d, a])
        );
    }

    #[test]
    fn the_course_own_edges_are_replaced() {
        let [a, b, c] = courses();
        // a currently requires b, and b requires a (broken data or a pending change): setting
        // a's prerequisites to c removes a -> b, so there is no cycle.
        let existing = [(a, b), (b, a)];
        assert_eq!(prerequisite_cycle(&existing, a, &[c]), None);
        assert_eq!(prerequisite_cycle(&existing, a, &[]), None);
        // Keeping b brings the cycle back.
        assert_eq!(prerequisite_cycle(&existing, a, &[b]), Some(vec![a, b, a]));
        // Cycles that do not go through the course are not its business.
        assert_eq!(prerequisite_cycle(&existing, c, &[a]), None);
    }

    #[test]
    fn cycle_as_validation_error() {
        let [a, b] = courses();
        let err = check_prerequisites(&[(b, a)], a, &[b]).unwrap_err();
        assert_eq!(err.code(), "PREREQUISITE_CYCLE");
        assert_eq!(err, ValidationError::PrerequisiteCycle(vec![a, b, a]));
        assert_eq!(
            err.to_string(),
            format!("prerequisites would form a cycle: {a} -> {b} -> {a}")
        );
    }
}
