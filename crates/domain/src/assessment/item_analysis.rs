//! Item analysis of a quiz, without I/O: per question, how many attempts held it, its
//! difficulty, its discrimination and, for choice questions, the share of attempts choosing
//! each option.
//!
//! - **Difficulty** (the p-value): the mean points earned on the question divided by its points,
//!   from 0 (nobody earned anything) to 1 (everybody earned everything).
//! - **Discrimination**: the corrected point-biserial correlation, the Pearson correlation
//!   between the points earned on the question and the attempt's points on every *other*
//!   question (the rest score, so the item does not correlate with itself), from -1 to 1; none
//!   with fewer than two attempts or when either side does not vary.

use super::{Answer, Points, QuestionKey};
use crate::ids::QuestionId;
use serde::Serialize;
use std::collections::HashMap;

/// A question to analyse: its key (for the options) and its points.
#[derive(Debug, Clone, Copy)]
pub struct AnalysedQuestion<'a> {
    pub id: QuestionId,
    pub key: &'a QuestionKey,
    pub points: Points,
}

/// What one attempt did with one of its questions: the points earned (0 unanswered) and the
/// answer, if any.
#[derive(Debug, Clone, Copy)]
pub struct ItemResponse<'a> {
    pub question: QuestionId,
    pub points: Points,
    pub answer: Option<&'a Answer>,
}

/// How many attempts chose an option, and their share of the attempts holding the question.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionShare {
    /// The option's id (`true`, `false` for a true/false question).
    pub option: String,
    pub chosen: u32,
    /// 0 to 1, to four decimals.
    pub share: f64,
}

/// One question's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemStatistics {
    pub question_id: QuestionId,
    /// Attempts that held the question.
    pub attempts: u32,
    /// Of them, attempts that answered it.
    pub answered: u32,
    /// The mean points earned on it.
    pub mean_points: f64,
    /// Mean points over the question's points, 0 to 1, to four decimals; none for a question
    /// worth nothing or held by no attempt.
    pub difficulty: Option<f64>,
    /// The corrected point-biserial correlation, -1 to 1, to four decimals.
    pub discrimination: Option<f64>,
    /// Choice questions only: each option in the key's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionShare>,
}

fn four_decimals(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}

/// The Pearson correlation of `pairs`; none with fewer than two or when a side does not vary.
fn correlation(pairs: &[(f64, f64)]) -> Option<f64> {
    if pairs.len() < 2 {
        return None;
    }
    let n = pairs.len() as f64;
    let (mx, my) = pairs
        .iter()
        .fold((0.0, 0.0), |(x, y), (a, b)| (x + a / n, y + b / n));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx) * (x - mx);
        syy += (y - my) * (y - my);
    }
    if sxx <= 1e-12 || syy <= 1e-12 {
        return None;
    }
    Some(four_decimals((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)))
}

/// The options a choice question offers, in its key's order.
fn options_of(key: &QuestionKey) -> Vec<String> {
    match key {
        QuestionKey::SingleChoice { options, .. } | QuestionKey::MultipleChoice { options, .. } => {
            options.iter().map(|o| o.id.clone()).collect()
        }
        QuestionKey::TrueFalse { .. } => vec!["true".into(), "false".into()],
        _ => Vec::new(),
    }
}

/// The options an answer chose.
fn chosen(answer: &Answer) -> Vec<String> {
    match answer {
        Answer::SingleChoice { option } => vec![option.clone()],
        Answer::MultipleChoice { options } => options.clone(),
        Answer::TrueFalse { value } => vec![value.to_string()],
        _ => Vec::new(),
    }
}

/// The figures of each of `questions` (in their order) over `attempts` (each attempt: every
/// question it held, answered or not).
pub fn item_analysis(
    questions: &[AnalysedQuestion<'_>],
    attempts: &[Vec<ItemResponse<'_>>],
) -> Vec<ItemStatistics> {
    let totals: Vec<f64> = attempts
        .iter()
        .map(|items| items.iter().map(|i| i.points.as_f64()).sum())
        .collect();
    questions
        .iter()
        .map(|question| {
            let mut pairs = Vec::new();
            let mut answered = 0;
            let options = options_of(question.key);
            let mut counts: HashMap<&str, u32> = HashMap::new();
            for (items, total) in attempts.iter().zip(&totals) {
                let Some(item) = items.iter().find(|i| i.question == question.id) else {
                    continue;
                };
                let points = item.points.as_f64();
                pairs.push((points, total - points));
                if let Some(answer) = item.answer {
                    answered += 1;
                    for option in chosen(answer) {
                        if let Some(known) = options.iter().find(|o| **o == option) {
                            *counts.entry(known.as_str()).or_default() += 1;
                        }
                    }
                }
            }
            let n = pairs.len();
            let mean = (n > 0).then(|| pairs.iter().map(|p| p.0).sum::<f64>() / n as f64);
            let max = question.points.as_f64();
            ItemStatistics {
                question_id: question.id,
                attempts: n as u32,
                answered,
                mean_points: mean.map(four_decimals).unwrap_or(0.0),
                difficulty: mean.filter(|_| max > 0.0).map(|m| four_decimals(m / max)),
                discrimination: correlation(&pairs),
                options: options
                    .iter()
                    .map(|option| {
                        let chosen = counts.get(option.as_str()).copied().unwrap_or(0);
                        OptionShare {
                            option: option.clone(),
                            chosen,
                            share: if n == 0 {
                                0.0
                            } else {
                                four_decimals(f64::from(chosen) / n as f64)
                            },
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assessment::Choice;

    fn choice(ids: &[&str]) -> Vec<Choice> {
        ids.iter()
            .map(|id| Choice {
                id: (*id).into(),
                text: id.to_uppercase(),
            })
            .collect()
    }

    #[test]
    fn difficulty_and_discrimination_match_a_hand_computed_example() {
        // Three one-point questions, four attempts:
        //   A: 1 1 1   B: 1 1 0   C: 0 1 0   D: 0 0 0
        // q1: p = 0.5,  rest scores 2 1 1 0: r = 1 / sqrt(1 × 2) = 0.7071 (to four decimals)
        // q2: p = 0.75, rest scores 2 1 0 0: r = 0.75 / sqrt(0.75 × 2.75) = 0.5222
        // q3: p = 0.25, rest scores 2 2 1 0: r = 0.75 / sqrt(0.75 × 2.75) = 0.5222
        let key = QuestionKey::TrueFalse { correct: true };
        let ids = [QuestionId::new(), QuestionId::new(), QuestionId::new()];
        let questions: Vec<AnalysedQuestion> = ids
            .iter()
            .map(|id| AnalysedQuestion {
                id: *id,
                key: &key,
                points: Points::whole(1),
            })
            .collect();
        let right = Answer::TrueFalse { value: true };
        let wrong = Answer::TrueFalse { value: false };
        let attempts: Vec<Vec<ItemResponse>> = [[1, 1, 1], [1, 1, 0], [0, 1, 0], [0, 0, 0]]
            .iter()
            .map(|marks| {
                ids.iter()
                    .zip(marks)
                    .map(|(id, mark)| ItemResponse {
                        question: *id,
                        points: Points::whole(*mark),
                        answer: Some(if *mark == 1 { &right } else { &wrong }),
                    })
                    .collect()
            })
            .collect();
        let stats = item_analysis(&questions, &attempts);
        let figures: Vec<(Option<f64>, Option<f64>)> = stats
            .iter()
            .map(|s| (s.difficulty, s.discrimination))
            .collect();
        assert_eq!(
            figures,
            vec![
                (
                    Some(0.5),
                    Some(four_decimals(std::f64::consts::FRAC_1_SQRT_2))
                ),
                (Some(0.75), Some(0.5222)),
                (Some(0.25), Some(0.5222)),
            ]
        );
        assert_eq!(stats[1].attempts, 4);
        assert_eq!(
            stats[1].options,
            vec![
                OptionShare {
                    option: "true".into(),
                    chosen: 3,
                    share: 0.75
                },
                OptionShare {
                    option: "false".into(),
                    chosen: 1,
                    share: 0.25
                },
            ]
        );
    }

    #[test]
    fn option_shares_count_attempts_holding_the_question_and_unanswered_ones_score_zero() {
        let single = QuestionKey::SingleChoice {
            options: choice(&["a", "b", "c"]),
            correct: "b".into(),
        };
        let drawn = QuestionId::new();
        let other = QuestionId::new();
        let questions = [AnalysedQuestion {
            id: drawn,
            key: &single,
            points: Points::whole(2),
        }];
        let a = Answer::SingleChoice { option: "a".into() };
        let b = Answer::SingleChoice { option: "b".into() };
        let attempts = vec![
            vec![ItemResponse {
                question: drawn,
                points: Points::whole(2),
                answer: Some(&b),
            }],
            vec![ItemResponse {
                question: drawn,
                points: Points::ZERO,
                answer: Some(&a),
            }],
            vec![ItemResponse {
                question: drawn,
                points: Points::ZERO,
                answer: None,
            }],
            // Drew another question: not counted here.
            vec![ItemResponse {
                question: other,
                points: Points::whole(1),
                answer: None,
            }],
        ];
        let stats = &item_analysis(&questions, &attempts)[0];
        assert_eq!((stats.attempts, stats.answered), (3, 2));
        assert_eq!(stats.difficulty, Some(0.3333));
        assert_eq!(stats.mean_points, 0.6667);
        // No other question in these attempts: the rest score never varies.
        assert_eq!(stats.discrimination, None);
        let shares: Vec<(String, u32, f64)> = stats
            .options
            .iter()
            .map(|o| (o.option.clone(), o.chosen, o.share))
            .collect();
        assert_eq!(
            shares,
            vec![
                ("a".into(), 1, 0.3333),
                ("b".into(), 1, 0.3333),
                ("c".into(), 0, 0.0)
            ]
        );
    }

    #[test]
    fn a_question_nobody_drew_or_worth_nothing_has_no_difficulty() {
        let essay = QuestionKey::Essay { max_chars: None };
        let id = QuestionId::new();
        let stats = item_analysis(
            &[AnalysedQuestion {
                id,
                key: &essay,
                points: Points::ZERO,
            }],
            &[],
        );
        assert_eq!(stats[0].attempts, 0);
        assert_eq!(stats[0].difficulty, None);
        assert_eq!(stats[0].discrimination, None);
        assert!(stats[0].options.is_empty());
    }
}
