//! Rubric arithmetic (a score is the sum of the levels chosen or their overrides, between zero
//! and the rubric's maximum; an unknown criterion or level, a criterion graded twice or left out,
//! an override above the criterion's worth are refused), the checks on an assignment's settings
//! and on a learner's draft.

use super::*;

fn level(id: &str, points: u32) -> RubricLevel {
    RubricLevel {
        id: id.to_owned(),
        title: format!("Level {id}"),
        description: String::new(),
        points: Points::whole(points),
    }
}

fn criterion(id: &str, levels: &[(&str, u32)]) -> RubricCriterion {
    RubricCriterion {
        id: id.to_owned(),
        title: format!("Criterion {id}"),
        description: String::new(),
        levels: levels.iter().map(|(l, p)| level(l, *p)).collect(),
    }
}

fn rubric() -> Vec<RubricCriterion> {
    vec![
        criterion("clarity", &[("poor", 0), ("good", 3), ("great", 5)]),
        // The top level need not come last.
        criterion("sources", &[("many", 4), ("none", 0), ("some", 2)]),
    ]
}

fn grade(criterion: &str, level: &str) -> CriterionGrade {
    CriterionGrade {
        criterion: criterion.to_owned(),
        level: level.to_owned(),
        points: None,
        feedback: None,
    }
}

#[test]
fn the_maximum_is_the_sum_of_each_criterions_top_level() {
    let settings = AssignmentSettings {
        rubric: rubric(),
        ..AssignmentSettings::default()
    };
    assert_eq!(settings.max_score(), Points::whole(9));
}

#[test]
fn the_score_is_the_sum_of_the_levels_chosen_and_the_overrides() {
    let scored = score_rubric(
        &rubric(),
        &[grade("sources", "some"), grade("clarity", "good")],
    )
    .unwrap();
    assert_eq!(scored.score, Points::whole(5));
    assert_eq!(scored.max_score, Points::whole(9));
    assert_eq!(
        scored.criteria[0].criterion, "clarity",
        "in the rubric's order"
    );
    let mut overridden = grade("clarity", "good");
    overridden.points = Some(Points::from_hundredths(450));
    overridden.feedback = Some("  Nearly great.  ".to_owned());
    let scored = score_rubric(&rubric(), &[overridden, grade("sources", "none")]).unwrap();
    assert_eq!(scored.score, Points::from_hundredths(450));
    assert_eq!(
        scored.criteria[0].feedback.as_deref(),
        Some("Nearly great.")
    );
}

#[test]
fn bad_grades_are_refused_with_their_codes() {
    let code = |grades: &[CriterionGrade]| score_rubric(&rubric(), grades).unwrap_err().code();
    assert_eq!(
        code(&[grade("clarity", "good"), grade("style", "good")]),
        "UNKNOWN_CRITERION"
    );
    assert_eq!(
        code(&[grade("clarity", "superb"), grade("sources", "some")]),
        "UNKNOWN_LEVEL"
    );
    assert_eq!(code(&[grade("clarity", "good")]), "INCOMPLETE_GRADE");
    assert_eq!(
        code(&[
            grade("clarity", "good"),
            grade("clarity", "poor"),
            grade("sources", "some")
        ]),
        "INVALID_GRADE"
    );
    let mut over = grade("sources", "some");
    over.points = Some(Points::from_hundredths(401));
    assert_eq!(code(&[grade("clarity", "good"), over]), "INVALID_GRADE");
    let mut nul = grade("sources", "some");
    nul.feedback = Some("a\0b".to_owned());
    assert_eq!(code(&[grade("clarity", "good"), nul]), "INVALID_GRADE");
    assert_eq!(score_rubric(&[], &[]).unwrap_err().code(), "NO_RUBRIC");
}

#[test]
fn every_rubric_score_lies_between_zero_and_the_maximum() {
    let seed = std::env::var("LYCEUM_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    for case in 0..5_000 {
        let rubric: Vec<RubricCriterion> = (0..rng.usize(1..=MAX_CRITERIA))
            .map(|c| RubricCriterion {
                id: format!("c{c}"),
                title: "t".into(),
                description: String::new(),
                levels: (0..rng.usize(1..=MAX_LEVELS))
                    .map(|l| RubricLevel {
                        id: format!("l{l}"),
                        title: "t".into(),
                        description: String::new(),
                        points: Points::from_hundredths(rng.u32(0..=100_000)),
                    })
                    .collect(),
            })
            .collect();
        let mut grades: Vec<CriterionGrade> = rubric
            .iter()
            .map(|c| {
                let level = &c.levels[rng.usize(..c.levels.len())];
                CriterionGrade {
                    criterion: c.id.clone(),
                    level: level.id.clone(),
                    points: rng
                        .bool()
                        .then(|| Points::from_hundredths(rng.u32(0..=c.max_points().hundredths()))),
                    feedback: None,
                }
            })
            .collect();
        rng.shuffle(&mut grades);
        let scored = score_rubric(&rubric, &grades)
            .unwrap_or_else(|e| panic!("seed {seed}, case {case}: {e}"));
        let max = AssignmentSettings {
            rubric: rubric.clone(),
            ..AssignmentSettings::default()
        }
        .max_score();
        assert_eq!(scored.max_score, max, "seed {seed}, case {case}");
        assert!(scored.score <= max, "seed {seed}, case {case}");
        let sum = scored
            .criteria
            .iter()
            .fold(Points::ZERO, |s, c| s.saturating_add(c.points));
        assert_eq!(scored.score, sum, "seed {seed}, case {case}");
    }
}

#[test]
fn settings_are_checked_on_save() {
    let valid = AssignmentSettings {
        prompt: "  Write **an essay**. <script>x</script> ".to_owned(),
        rubric: rubric(),
        artifacts: ExpectedArtifacts {
            text: Some(TextArtifact { max_chars: 100 }),
            link: true,
            files: Some(FileArtifact {
                types: vec!["Application/PDF".into(), "application/pdf".into()],
                max_bytes: 1_000,
                max_files: 2,
            }),
        },
    };
    let checked = valid.validate().unwrap();
    assert_eq!(
        checked.artifacts.files.unwrap().types,
        vec!["application/pdf"]
    );
    let code = |change: &dyn Fn(&mut AssignmentSettings)| {
        let mut settings = valid.clone();
        change(&mut settings);
        settings.validate().unwrap_err().code()
    };
    assert_eq!(
        code(&|s| s.rubric[1].id = "clarity".into()),
        "INVALID_RUBRIC"
    );
    assert_eq!(code(&|s| s.rubric[0].levels.clear()), "INVALID_RUBRIC");
    assert_eq!(
        code(&|s| s.rubric[0].levels[1].id = "poor".into()),
        "INVALID_RUBRIC"
    );
    assert_eq!(code(&|s| s.rubric[0].title = " ".into()), "INVALID_RUBRIC");
    assert_eq!(
        code(&|s| s.rubric[0].levels[0].points = Points::whole(1_001)),
        "INVALID_RUBRIC"
    );
    assert_eq!(code(&|s| s.rubric[0].id = "a b".into()), "INVALID_RUBRIC");
    assert_eq!(code(&|s| s.prompt = "a\0b".into()), "INVALID_ASSIGNMENT");
    assert_eq!(code(&|s| s.prompt = ">".repeat(500)), "INVALID_ASSIGNMENT");
    assert_eq!(
        code(&|s| s.artifacts.files.as_mut().unwrap().types = vec!["text/html".into()]),
        "INVALID_ASSIGNMENT"
    );
    assert_eq!(
        code(&|s| s.artifacts.files.as_mut().unwrap().max_bytes = 101 * 1024 * 1024),
        "INVALID_ASSIGNMENT"
    );
    assert_eq!(
        code(&|s| s.artifacts = ExpectedArtifacts {
            text: None,
            link: false,
            files: None
        }),
        "INVALID_ASSIGNMENT"
    );
}

#[test]
fn an_assignment_refusal_names_its_setting_and_keeps_its_message() {
    let valid = AssignmentSettings {
        prompt: "Write.".to_owned(),
        rubric: rubric(),
        artifacts: ExpectedArtifacts {
            text: Some(TextArtifact { max_chars: 100 }),
            link: false,
            files: Some(FileArtifact {
                types: vec!["application/pdf".into()],
                max_bytes: 1_000,
                max_files: 2,
            }),
        },
    };
    let fault = |change: &dyn Fn(&mut AssignmentSettings)| {
        let mut settings = valid.clone();
        change(&mut settings);
        match settings.validate().unwrap_err() {
            e @ ValidationError::InvalidAssignment { setting, .. } => (setting, e.to_string()),
            other => panic!("not an assignment's refusal: {other:?}"),
        }
    };
    fn files(s: &mut AssignmentSettings) -> &mut FileArtifact {
        s.artifacts.files.as_mut().unwrap()
    }
    type Change<'a> = &'a dyn Fn(&mut AssignmentSettings);
    let cases: [(Change, AssignmentSetting, &str); 8] = [
        (
            &|s| s.prompt = "x".repeat(MAX_PROMPT_CHARS + 1),
            AssignmentSetting::Prompt,
            "invalid assignment: the prompt may hold at most 50000 characters",
        ),
        (
            &|s| s.prompt = "a\u{1}b".into(),
            AssignmentSetting::Prompt,
            "invalid assignment: the prompt must not hold control characters",
        ),
        (
            &|s| s.artifacts.text = Some(TextArtifact { max_chars: 0 }),
            AssignmentSetting::TextMaxChars,
            "invalid assignment: artifacts.text.max_chars must be from 1 to 100000",
        ),
        (
            &|s| files(s).max_bytes = 0,
            AssignmentSetting::FileMaxBytes,
            "invalid assignment: artifacts.files.max_bytes must be from 1 to 104857600",
        ),
        (
            &|s| files(s).max_files = MAX_FILES + 1,
            AssignmentSetting::FileMaxFiles,
            "invalid assignment: artifacts.files.max_files must be from 1 to 20",
        ),
        (
            &|s| files(s).types = vec!["text/html".into()],
            AssignmentSetting::FileTypes,
            "invalid assignment: artifacts.files.types: \"text/html\" is not a type",
        ),
        (
            &|s| files(s).types.clear(),
            AssignmentSetting::FileTypes,
            "invalid assignment: artifacts.files.types must name at least one type",
        ),
        (
            &|s| {
                s.artifacts = ExpectedArtifacts {
                    text: None,
                    link: false,
                    files: None,
                }
            },
            AssignmentSetting::Artifacts,
            "invalid assignment: artifacts must take at least one of",
        ),
    ];
    for (change, setting, message) in cases {
        let (named, said) = fault(change);
        assert_eq!(named, setting, "{said}");
        assert!(said.starts_with(message), "{said}");
    }
}

#[test]
fn a_draft_holds_only_what_the_assignment_takes() {
    let artifacts = ExpectedArtifacts {
        text: Some(TextArtifact { max_chars: 5 }),
        link: false,
        files: None,
    };
    assert_eq!(
        artifacts.check_draft(Some(" hello "), None).unwrap(),
        (Some("hello".to_owned()), None)
    );
    let code = |text: Option<&str>, link: Option<&str>| {
        artifacts.check_draft(text, link).unwrap_err().code()
    };
    assert_eq!(code(Some("too long"), None), "INVALID_SUBMISSION");
    assert_eq!(code(Some("a\0b"), None), "INVALID_SUBMISSION");
    assert_eq!(
        code(None, Some("https://example.com")),
        "INVALID_SUBMISSION"
    );
    let links = ExpectedArtifacts {
        link: true,
        ..artifacts
    };
    assert!(links
        .check_draft(None, Some("https://example.com/x?y#z"))
        .is_ok());
    for bad in [
        "javascript:alert(1)",
        "https://",
        "https://a b",
        "ftp://x",
        "https://@x",
    ] {
        assert_eq!(
            links.check_draft(None, Some(bad)).unwrap_err().code(),
            "INVALID_SUBMISSION",
            "{bad}"
        );
    }
}
