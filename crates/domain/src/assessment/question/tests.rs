//! Marking of every kind of question and scoring rule, checks on save, the learner's view, and
//! properties over random questions and answers: a score is never below zero nor above the
//! question's points, and the order options are shown (or written) in never changes it.

use super::*;
use serde_json::json;

fn c(id: &str) -> Choice {
    Choice {
        id: id.to_owned(),
        text: format!("option {id}"),
    }
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn score(key: &QuestionKey, points: u32, answer: Answer) -> u32 {
    match mark(key, points, Some(&answer)) {
        Marking::Auto(p) => p.hundredths(),
        Marking::ByHand => panic!("marked by hand"),
    }
}

fn multiple(scoring: ChoiceScoring) -> QuestionKey {
    // Five options, two right.
    QuestionKey::MultipleChoice {
        options: ["a", "b", "c", "d", "e"].map(c).to_vec(),
        correct: ids(&["a", "b"]),
        scoring,
    }
}

fn chose(list: &[&str]) -> Answer {
    Answer::MultipleChoice { options: ids(list) }
}

#[test]
fn single_choice_and_true_false_score_all_or_nothing() {
    let key = QuestionKey::SingleChoice {
        options: vec![c("a"), c("b")],
        correct: "b".into(),
    };
    assert_eq!(
        score(&key, 3, Answer::SingleChoice { option: "b".into() }),
        300
    );
    assert_eq!(
        score(&key, 3, Answer::SingleChoice { option: "a".into() }),
        0
    );
    let key = QuestionKey::TrueFalse { correct: false };
    assert_eq!(score(&key, 2, Answer::TrueFalse { value: false }), 200);
    assert_eq!(score(&key, 2, Answer::TrueFalse { value: true }), 0);
    assert_eq!(mark(&key, 2, None), Marking::Auto(Points::ZERO));
}

#[test]
fn multiple_choice_all_or_nothing() {
    let key = multiple(ChoiceScoring::AllOrNothing);
    assert_eq!(score(&key, 4, chose(&["b", "a"])), 400);
    assert_eq!(score(&key, 4, chose(&["a"])), 0);
    assert_eq!(score(&key, 4, chose(&["a", "b", "c"])), 0);
}

#[test]
fn multiple_choice_partial_counts_each_option_rightly_chosen_or_left_out() {
    let key = multiple(ChoiceScoring::Partial);
    assert_eq!(score(&key, 5, chose(&["a", "b"])), 500);
    // a right, b wrongly left out, c-e rightly left out: 4 of 5.
    assert_eq!(score(&key, 5, chose(&["a"])), 400);
    // Everything chosen: a and b right, c-e wrong: 2 of 5.
    assert_eq!(score(&key, 5, chose(&["a", "b", "c", "d", "e"])), 200);
    assert_eq!(score(&key, 5, chose(&[])), 300);
}

#[test]
fn multiple_choice_negative_marking_never_goes_below_zero() {
    let key = multiple(ChoiceScoring::PartialNegative);
    assert_eq!(score(&key, 6, chose(&["a", "b"])), 600);
    assert_eq!(score(&key, 6, chose(&["a"])), 300);
    // One right (+1/2), one wrong (-1/3): 1/6 of 6 points.
    assert_eq!(score(&key, 6, chose(&["a", "c"])), 100);
    assert_eq!(score(&key, 6, chose(&["c", "d", "e"])), 0);
    assert_eq!(score(&key, 6, chose(&["a", "b", "c", "d", "e"])), 0);
    // Every option right: no penalty to take.
    let key = QuestionKey::MultipleChoice {
        options: vec![c("a"), c("b")],
        correct: ids(&["a", "b"]),
        scoring: ChoiceScoring::PartialNegative,
    };
    assert_eq!(score(&key, 2, chose(&["a"])), 100);
}

fn short(rule: TextRule) -> QuestionKey {
    QuestionKey::ShortAnswer { rule }
}

fn says(text: &str) -> Answer {
    Answer::ShortAnswer { text: text.into() }
}

#[test]
fn short_answers_match_exactly_without_case_by_pattern_and_by_number() {
    let exact = short(TextRule::Exact {
        answers: ids(&["Paris"]),
    });
    assert_eq!(score(&exact, 1, says("  Paris ")), 100);
    assert_eq!(score(&exact, 1, says("paris")), 0);
    let loose = short(TextRule::CaseInsensitive {
        answers: ids(&["Paris", "Lutèce"]),
    });
    assert_eq!(score(&loose, 1, says("PARIS")), 100);
    assert_eq!(score(&loose, 1, says("LUTÈCE")), 100);
    assert_eq!(score(&loose, 1, says("Lyon")), 0);
    let pattern = short(TextRule::Regex {
        pattern: "colou?r".into(),
    });
    assert_eq!(score(&pattern, 1, says("color")), 100);
    assert_eq!(score(&pattern, 1, says("colour")), 100);
    // The whole answer must match, not a part of it.
    assert_eq!(score(&pattern, 1, says("watercolour")), 0);
    let alternatives = short(TextRule::Regex {
        pattern: "cat|dog".into(),
    });
    assert_eq!(score(&alternatives, 1, says("dog")), 100);
    assert_eq!(score(&alternatives, 1, says("cat dog")), 0);
    let number = short(TextRule::Numeric {
        value: 2.72,
        tolerance: 0.01,
    });
    assert_eq!(score(&number, 1, says("2.73")), 100);
    assert_eq!(score(&number, 1, says("2,71")), 100);
    assert_eq!(score(&number, 1, says("2.74")), 0);
    assert_eq!(score(&number, 1, says("pi")), 0);
    assert_eq!(score(&number, 1, says("NaN")), 0);
}

#[test]
fn matching_and_ordering_score_whole_or_per_part() {
    let matching = |scoring| QuestionKey::Matching {
        prompts: vec![c("fr"), c("de"), c("it")],
        choices: vec![c("paris"), c("berlin"), c("rome"), c("madrid")],
        answers: [("fr", "paris"), ("de", "berlin"), ("it", "rome")]
            .into_iter()
            .map(|(p, c)| (p.to_owned(), c.to_owned()))
            .collect(),
        scoring,
    };
    let two_of_three = Answer::Matching {
        matches: [("fr", "paris"), ("de", "berlin"), ("it", "madrid")]
            .into_iter()
            .map(|(p, c)| (p.to_owned(), c.to_owned()))
            .collect(),
    };
    assert_eq!(
        score(
            &matching(OrderScoring::AllOrNothing),
            3,
            two_of_three.clone()
        ),
        0
    );
    assert_eq!(
        score(&matching(OrderScoring::Partial), 3, two_of_three),
        200
    );
    let ordering = |scoring| QuestionKey::Ordering {
        items: vec![c("one"), c("two"), c("three"), c("four")],
        scoring,
    };
    let order = |list: &[&str]| Answer::Ordering { order: ids(list) };
    let right = order(&["one", "two", "three", "four"]);
    let half = order(&["one", "two", "four", "three"]);
    assert_eq!(
        score(&ordering(OrderScoring::AllOrNothing), 4, right.clone()),
        400
    );
    assert_eq!(
        score(&ordering(OrderScoring::AllOrNothing), 4, half.clone()),
        0
    );
    assert_eq!(score(&ordering(OrderScoring::Partial), 4, right), 400);
    assert_eq!(score(&ordering(OrderScoring::Partial), 4, half), 200);
}

#[test]
fn an_essay_waits_for_a_hand_unless_left_empty() {
    let key = QuestionKey::Essay { max_chars: None };
    assert_eq!(
        mark(
            &key,
            10,
            Some(&Answer::Essay {
                text: "My view".into()
            })
        ),
        Marking::ByHand
    );
    assert_eq!(
        mark(&key, 10, Some(&Answer::Essay { text: "  ".into() })),
        Marking::Auto(Points::ZERO)
    );
    assert_eq!(mark(&key, 10, None), Marking::Auto(Points::ZERO));
}

#[test]
fn answers_of_the_wrong_kind_or_naming_nothing_are_refused_and_score_nothing() {
    let key = QuestionKey::SingleChoice {
        options: vec![c("a"), c("b")],
        correct: "a".into(),
    };
    let wrong_kind = Answer::TrueFalse { value: true };
    assert!(key.accepts(&wrong_kind).is_err());
    assert_eq!(
        mark(&key, 1, Some(&wrong_kind)),
        Marking::Auto(Points::ZERO)
    );
    assert!(key
        .accepts(&Answer::SingleChoice { option: "z".into() })
        .is_err());
    let multiple = multiple(ChoiceScoring::Partial);
    assert!(multiple.accepts(&chose(&["a", "a"])).is_err());
    let ordering = QuestionKey::Ordering {
        items: vec![c("x"), c("y")],
        scoring: OrderScoring::Partial,
    };
    assert!(ordering
        .accepts(&Answer::Ordering { order: ids(&["x"]) })
        .is_err());
    assert!(ordering
        .accepts(&Answer::Ordering {
            order: ids(&["x", "x"])
        })
        .is_err());
    let essay = QuestionKey::Essay { max_chars: Some(5) };
    assert!(essay
        .accepts(&Answer::Essay {
            text: "too long".into()
        })
        .is_err());
}

fn draft(key: serde_json::Value) -> Result<QuestionDraft, ValidationError> {
    let draft: QuestionDraft =
        serde_json::from_value(json!({"prompt": "Which?", "points": 2, "key": key})).unwrap();
    draft.validate()
}

#[test]
fn questions_are_checked_when_saved() {
    let refused = |key| draft(key).unwrap_err().code();
    assert_eq!(
        refused(
            json!({"type": "single_choice", "options": [{"id": "a", "text": "A"}], "correct": "a"})
        ),
        "INVALID_QUESTION"
    );
    assert_eq!(
        refused(
            json!({"type": "single_choice", "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "correct": "c"})
        ),
        "INVALID_QUESTION"
    );
    assert_eq!(
        refused(
            json!({"type": "single_choice", "options": [{"id": "a", "text": "A"}, {"id": "a", "text": "B"}], "correct": "a"})
        ),
        "INVALID_QUESTION"
    );
    assert_eq!(
        refused(
            json!({"type": "multiple_choice", "options": [{"id": "a", "text": "A"}, {"id": "b", "text": " "}], "correct": ["a"]})
        ),
        "INVALID_QUESTION"
    );
    assert_eq!(
        refused(
            json!({"type": "matching", "prompts": [{"id": "p", "text": "P"}], "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "answers": {}})
        ),
        "INVALID_QUESTION"
    );
    assert_eq!(
        refused(
            json!({"type": "short_answer", "rule": {"match": "numeric", "value": 1.0, "tolerance": -1.0}})
        ),
        "INVALID_QUESTION"
    );
    assert_eq!(
        refused(json!({"type": "essay", "max_chars": 0})),
        "INVALID_QUESTION"
    );
    let ok = draft(json!({"type": "true_false", "correct": true})).unwrap();
    assert_eq!(ok.key.kind(), QuestionKind::TrueFalse);
    let huge = QuestionDraft {
        prompt: "x".repeat(MAX_PROMPT_CHARS + 1),
        points: 1,
        tags: vec![],
        key: QuestionKey::TrueFalse { correct: true },
    };
    assert_eq!(huge.validate().unwrap_err().code(), "INVALID_QUESTION");
    let too_many_points = QuestionDraft {
        points: MAX_QUESTION_POINTS + 1,
        ..ok
    };
    assert_eq!(
        too_many_points.validate().unwrap_err().code(),
        "INVALID_QUESTION"
    );
}

#[test]
fn patterns_that_need_backtracking_or_are_huge_are_refused() {
    let pattern =
        |p: &str| draft(json!({"type": "short_answer", "rule": {"match": "regex", "pattern": p}}));
    for bad in [
        r"(a)\1",        // back-reference
        r"(?=a)a",       // look-ahead
        r"(?<!a)b",      // look-behind
        "a{1000}{1000}", // compiles far too large
        "(unbalanced",
        "",
    ] {
        assert_eq!(
            pattern(bad).unwrap_err().code(),
            "INVALID_PATTERN",
            "{bad:?} was accepted"
        );
    }
    assert_eq!(
        pattern(&"a".repeat(MAX_PATTERN_CHARS + 1))
            .unwrap_err()
            .code(),
        "INVALID_PATTERN"
    );
    // A pattern that makes backtracking engines explode runs in linear time here.
    let key = pattern("(a+)+$").unwrap().key;
    let started = std::time::Instant::now();
    let long = format!("{}b", "a".repeat(MAX_SHORT_ANSWER_CHARS - 1));
    assert_eq!(score(&key, 1, says(&long)), 0);
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn the_learners_view_holds_no_key() {
    let keys = [
        json!({"type": "single_choice", "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "correct": "b"}),
        json!({"type": "multiple_choice", "options": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "correct": ["b"], "scoring": "partial_negative"}),
        json!({"type": "true_false", "correct": true}),
        json!({"type": "short_answer", "rule": {"match": "exact", "answers": ["secret-answer"]}}),
        json!({"type": "short_answer", "rule": {"match": "numeric", "value": 42.5, "tolerance": 0.5}}),
        json!({"type": "matching", "prompts": [{"id": "p", "text": "P"}], "choices": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}], "answers": {"p": "b"}, "scoring": "partial"}),
        json!({"type": "ordering", "items": [{"id": "x", "text": "X"}, {"id": "y", "text": "Y"}]}),
        json!({"type": "essay", "max_chars": 100}),
    ];
    for key in keys {
        let question = draft(key.clone()).unwrap();
        for seed in 0..20 {
            let view = view_of(Uuid::now_v7(), &question, seed, true);
            let text = serde_json::to_string(&view).unwrap();
            for secret in [
                "correct",
                "answers",
                "rule",
                "scoring",
                "secret-answer",
                "42.5",
                "tolerance",
                "\"tags\"",
            ] {
                assert!(!text.contains(secret), "{text} shows {secret}");
            }
            if let Shown::Ordering { items } = &view.shown {
                assert_ne!(items[0].id, "x", "an ordering was shown in its right order");
            }
        }
    }
}

/// A random question of each kind with a random answer to it, drawn from `rng`.
fn random_case(rng: &mut fastrand::Rng) -> (QuestionKey, Answer) {
    let n = rng.usize(2..8);
    let options: Vec<Choice> = (0..n).map(|i| c(&format!("o{i}"))).collect();
    let some = |rng: &mut fastrand::Rng| -> Vec<String> {
        options
            .iter()
            .filter(|_| rng.bool())
            .map(|o| o.id.clone())
            .collect()
    };
    match rng.u8(0..6) {
        0 => (
            QuestionKey::SingleChoice {
                options: options.clone(),
                correct: options[rng.usize(0..n)].id.clone(),
            },
            Answer::SingleChoice {
                option: options[rng.usize(0..n)].id.clone(),
            },
        ),
        1 => {
            let mut correct = some(rng);
            if correct.is_empty() {
                correct.push(options[0].id.clone());
            }
            let scoring = [
                ChoiceScoring::AllOrNothing,
                ChoiceScoring::Partial,
                ChoiceScoring::PartialNegative,
            ][rng.usize(0..3)];
            (
                QuestionKey::MultipleChoice {
                    options: options.clone(),
                    correct,
                    scoring,
                },
                Answer::MultipleChoice { options: some(rng) },
            )
        }
        2 => (
            QuestionKey::TrueFalse {
                correct: rng.bool(),
            },
            Answer::TrueFalse { value: rng.bool() },
        ),
        3 => {
            let answers = options
                .iter()
                .map(|p| (p.id.clone(), format!("c{}", rng.usize(0..n))))
                .collect();
            let mut matches = BTreeMap::new();
            for p in &options {
                if rng.bool() {
                    matches.insert(p.id.clone(), format!("c{}", rng.usize(0..n)));
                }
            }
            (
                QuestionKey::Matching {
                    prompts: options.clone(),
                    choices: (0..n).map(|i| c(&format!("c{i}"))).collect(),
                    answers,
                    scoring: if rng.bool() {
                        OrderScoring::Partial
                    } else {
                        OrderScoring::AllOrNothing
                    },
                },
                Answer::Matching { matches },
            )
        }
        4 => {
            let mut order: Vec<String> = options.iter().map(|o| o.id.clone()).collect();
            rng.shuffle(&mut order);
            (
                QuestionKey::Ordering {
                    items: options.clone(),
                    scoring: if rng.bool() {
                        OrderScoring::Partial
                    } else {
                        OrderScoring::AllOrNothing
                    },
                },
                Answer::Ordering { order },
            )
        }
        _ => (
            QuestionKey::ShortAnswer {
                rule: TextRule::Numeric {
                    value: f64::from(rng.u8(..)),
                    tolerance: f64::from(rng.u8(0..5)),
                },
            },
            says(&rng.u8(..).to_string()),
        ),
    }
}

/// The key with the options of its lists written in another order (the right answers the
/// same): what shuffling does to what a learner sees.
fn reordered(key: &QuestionKey, rng: &mut fastrand::Rng) -> QuestionKey {
    let mut key = key.clone();
    match &mut key {
        QuestionKey::SingleChoice { options, .. } | QuestionKey::MultipleChoice { options, .. } => {
            rng.shuffle(options)
        }
        QuestionKey::Matching {
            prompts, choices, ..
        } => {
            rng.shuffle(prompts);
            rng.shuffle(choices);
        }
        _ => {}
    }
    key
}

#[test]
fn property_scores_stay_between_zero_and_the_points_and_ignore_option_order() {
    let seed = std::env::var("LYCEUM_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    let mut rng = fastrand::Rng::with_seed(seed);
    for case in 0..20_000 {
        let (key, answer) = random_case(&mut rng);
        let points = rng.u32(0..=MAX_QUESTION_POINTS);
        let Marking::Auto(scored) = mark(&key, points, Some(&answer)) else {
            panic!("seed {seed}, case {case}: marked by hand");
        };
        assert!(
            scored.hundredths() <= points * 100,
            "seed {seed}, case {case}: {scored} of {points} for {key:?} / {answer:?}"
        );
        let shown = reordered(&key, &mut rng);
        assert_eq!(
            mark(&shown, points, Some(&answer)),
            Marking::Auto(scored),
            "seed {seed}, case {case}: the order of the options changed the score of {key:?} / {answer:?}"
        );
        let view = view_of(
            Uuid::from_u128(case as u128),
            &QuestionDraft {
                prompt: "Q".into(),
                points,
                tags: vec![],
                key: key.clone(),
            },
            rng.u64(..),
            true,
        );
        // The view offers exactly the key's options, in some order.
        if let (
            Shown::SingleChoice { options } | Shown::MultipleChoice { options },
            QuestionKey::SingleChoice { options: all, .. }
            | QuestionKey::MultipleChoice { options: all, .. },
        ) = (&view.shown, &key)
        {
            let mut shown: Vec<_> = options.iter().map(|o| &o.id).collect();
            let mut every: Vec<_> = all.iter().map(|o| &o.id).collect();
            shown.sort();
            every.sort();
            assert_eq!(shown, every, "seed {seed}, case {case}");
        }
    }
}

#[test]
fn a_right_answer_always_scores_full_points() {
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..2_000 {
        let (key, _) = random_case(&mut rng);
        let right = match &key {
            QuestionKey::SingleChoice { correct, .. } => Answer::SingleChoice {
                option: correct.clone(),
            },
            QuestionKey::MultipleChoice { correct, .. } => Answer::MultipleChoice {
                options: correct.clone(),
            },
            QuestionKey::TrueFalse { correct } => Answer::TrueFalse { value: *correct },
            QuestionKey::Matching { answers, .. } => Answer::Matching {
                matches: answers.clone(),
            },
            QuestionKey::Ordering { items, .. } => Answer::Ordering {
                order: items.iter().map(|i| i.id.clone()).collect(),
            },
            QuestionKey::ShortAnswer {
                rule: TextRule::Numeric { value, .. },
            } => says(&value.to_string()),
            other => panic!("no right answer drawn for {other:?}"),
        };
        assert_eq!(
            mark(&key, 7, Some(&right)),
            Marking::Auto(Points::whole(7)),
            "{key:?}"
        );
    }
}
