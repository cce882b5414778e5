//! Questions: their answer keys ([`QuestionKey`], which only course staff ever read), checked
//! when saved ([`QuestionDraft::validate`]); the view a learner gets instead
//! ([`QuestionView`], built by [`view_of`]: no key, no scoring rule, options in the attempt's
//! order); answers ([`Answer`]), checked against the key ([`QuestionKey::accepts`]) and marked
//! ([`mark`]). Marking is exact integer arithmetic on hundredths of a point, so the order the
//! options were shown in never changes a score.

use super::shuffle::{question_seed, shuffled};
use super::{Points, MAX_QUESTION_POINTS};
use crate::error::{parse_variant, ValidationError};
use crate::status::statuses;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// The longest prompt.
pub const MAX_PROMPT_CHARS: usize = 10_000;
/// The longest option, item or accepted answer.
pub const MAX_OPTION_CHARS: usize = 1_000;
/// The most options (or items, prompts, choices) of one question.
pub const MAX_OPTIONS: usize = 50;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;
/// The longest regular expression of a short answer.
pub const MAX_PATTERN_CHARS: usize = 500;
/// The compiled size a regular expression may reach (the `regex` crate's engine runs in time
/// linear in the input, without backtracking; this bounds its memory).
const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// The longest text answer (an essay).
pub const MAX_ANSWER_CHARS: usize = 50_000;
/// The longest short answer.
const MAX_SHORT_ANSWER_CHARS: usize = 1_000;

statuses! {
    /// The kind of a question.
    QuestionKind, "question kind" {
        SingleChoice = "single_choice",
        MultipleChoice = "multiple_choice",
        TrueFalse = "true_false",
        ShortAnswer = "short_answer",
        Matching = "matching",
        Ordering = "ordering",
        /// Graded by hand.
        Essay = "essay",
    }
}

/// An option of a choice question, an item to order, a prompt or a choice of a matching
/// question: an id the author gives (letters, digits, `-` and `_`, unique in its list) and its
/// text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub text: String,
}

/// How a multiple-choice answer scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ChoiceScoring {
    /// Full points for exactly the correct options, else none.
    #[default]
    AllOrNothing,
    /// A share of the points for each option rightly chosen or rightly left out.
    Partial,
    /// A share for each correct option chosen, minus a share for each wrong one chosen; never
    /// below zero for the question.
    PartialNegative,
}

/// How a matching or ordering answer scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OrderScoring {
    /// Full points when every pair (or place) is right, else none.
    #[default]
    AllOrNothing,
    /// A share of the points for each right pair (or item in its right place).
    Partial,
}

/// How a short answer is recognised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "match", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TextRule {
    /// One of these texts exactly (spaces around it ignored).
    Exact { answers: Vec<String> },
    /// One of these texts, whatever the case (spaces around it ignored).
    CaseInsensitive { answers: Vec<String> },
    /// The whole answer (spaces around it ignored) matches this regular expression. Look-around
    /// and back-references are refused: the engine never backtracks.
    Regex { pattern: String },
    /// A number within `tolerance` of `value` (`,` read as a decimal point).
    Numeric { value: f64, tolerance: f64 },
}

/// A question's answer key: what it shows and what is right. Only course staff read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum QuestionKey {
    SingleChoice {
        options: Vec<Choice>,
        /// The id of the right option.
        correct: String,
    },
    MultipleChoice {
        options: Vec<Choice>,
        /// The ids of the right options (at least one).
        correct: Vec<String>,
        #[serde(default)]
        scoring: ChoiceScoring,
    },
    TrueFalse {
        correct: bool,
    },
    ShortAnswer {
        rule: TextRule,
    },
    Matching {
        prompts: Vec<Choice>,
        /// The choices the prompts are matched with (extra ones are distractors).
        choices: Vec<Choice>,
        /// Each prompt's id with the id of its right choice.
        answers: BTreeMap<String, String>,
        #[serde(default)]
        scoring: OrderScoring,
    },
    Ordering {
        /// The items in their right order (learners see them shuffled).
        items: Vec<Choice>,
        #[serde(default)]
        scoring: OrderScoring,
    },
    Essay {
        /// The longest answer accepted (at most 50,000 characters).
        #[serde(default)]
        max_chars: Option<u32>,
    },
}

/// A question as its author writes it: prompt, points, tags and answer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionDraft {
    /// Plain text (markup is shown as written).
    pub prompt: String,
    /// 0 to 1,000.
    pub points: u32,
    #[serde(default)]
    pub tags: Vec<String>,
    pub key: QuestionKey,
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> ValidationError {
    ValidationError::InvalidQuestion {
        field: field.into(),
        reason: reason.into(),
    }
}

/// A text that must not be empty once trimmed, nor longer than `max`; trimmed.
fn text(field: &str, value: &str, max: usize) -> Result<String, ValidationError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(invalid(field, format!("must be at most {max} characters")));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(invalid(field, "must not hold control characters"));
    }
    Ok(trimmed.to_owned())
}

fn id_ok(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks a list of choices (`2..=MAX_OPTIONS` unless `min` says otherwise): ids well formed and
/// unique, texts present; answers them trimmed.
fn choices(field: &str, list: &[Choice], min: usize) -> Result<Vec<Choice>, ValidationError> {
    if list.len() < min {
        return Err(invalid(field, format!("needs at least {min}")));
    }
    if list.len() > MAX_OPTIONS {
        return Err(invalid(field, format!("may hold at most {MAX_OPTIONS}")));
    }
    let mut seen = HashSet::new();
    list.iter()
        .enumerate()
        .map(|(i, choice)| {
            if !id_ok(&choice.id) {
                return Err(invalid(
                    format!("{field}[{i}].id"),
                    "must be 1 to 40 letters, digits, - or _",
                ));
            }
            if !seen.insert(choice.id.as_str()) {
                return Err(invalid(format!("{field}[{i}].id"), "is used twice"));
            }
            Ok(Choice {
                id: choice.id.clone(),
                text: text(
                    &format!("{field}[{i}].text"),
                    &choice.text,
                    MAX_OPTION_CHARS,
                )?,
            })
        })
        .collect()
}

/// The accepted answers of an exact or case-insensitive short answer.
fn accepted(answers: &[String]) -> Result<Vec<String>, ValidationError> {
    if answers.is_empty() {
        return Err(invalid("key.rule.answers", "needs at least one answer"));
    }
    if answers.len() > MAX_OPTIONS {
        return Err(invalid(
            "key.rule.answers",
            format!("may hold at most {MAX_OPTIONS}"),
        ));
    }
    answers
        .iter()
        .enumerate()
        .map(|(i, a)| text(&format!("key.rule.answers[{i}]"), a, MAX_OPTION_CHARS))
        .collect()
}

/// A short answer's regular expression, compiled to match the whole answer: bounded in length,
/// nesting and compiled size; look-around and back-references (which need backtracking) are
/// not in the engine's language and are refused.
pub(crate) fn compile_pattern(pattern: &str) -> Result<regex::Regex, ValidationError> {
    let refused = |reason: String| ValidationError::InvalidPattern(reason);
    if pattern.is_empty() {
        return Err(refused("the pattern is empty".to_owned()));
    }
    if pattern.chars().count() > MAX_PATTERN_CHARS {
        return Err(refused(format!(
            "the pattern is longer than {MAX_PATTERN_CHARS} characters"
        )));
    }
    let build = |source: &str| {
        regex::RegexBuilder::new(source)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .nest_limit(32)
            .build()
    };
    let explain = |e: regex::Error| match e {
        regex::Error::CompiledTooBig(_) => {
            refused("the pattern compiles too large; write a smaller one".to_owned())
        }
        other => {
            let detail: String = other
                .to_string()
                .lines()
                .last()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            refused(format!(
                "not a pattern this engine accepts (no look-around, no back-references): {}",
                detail.trim()
            ))
        }
    };
    // Alone first, so that the pattern's own groups are balanced before it is anchored.
    build(pattern).map_err(explain)?;
    build(&format!("^(?:{pattern})$")).map_err(explain)
}

impl QuestionDraft {
    /// The draft checked and tidied (texts trimmed), or why it cannot be saved
    /// (`INVALID_QUESTION`, `INVALID_PATTERN`).
    pub fn validate(&self) -> Result<QuestionDraft, ValidationError> {
        let prompt = text("prompt", &self.prompt, MAX_PROMPT_CHARS)?;
        if self.points > MAX_QUESTION_POINTS {
            return Err(invalid(
                "points",
                format!("must be from 0 to {MAX_QUESTION_POINTS}"),
            ));
        }
        if self.tags.len() > MAX_TAGS {
            return Err(invalid("tags", format!("may hold at most {MAX_TAGS}")));
        }
        let mut tags: Vec<String> = self
            .tags
            .iter()
            .enumerate()
            .map(|(i, t)| text(&format!("tags[{i}]"), t, MAX_TAG_CHARS))
            .collect::<Result<_, _>>()?;
        tags.dedup();
        let key = self.key.validate()?;
        Ok(QuestionDraft {
            prompt,
            points: self.points,
            tags,
            key,
        })
    }
}

impl QuestionKey {
    pub fn kind(&self) -> QuestionKind {
        match self {
            QuestionKey::SingleChoice { .. } => QuestionKind::SingleChoice,
            QuestionKey::MultipleChoice { .. } => QuestionKind::MultipleChoice,
            QuestionKey::TrueFalse { .. } => QuestionKind::TrueFalse,
            QuestionKey::ShortAnswer { .. } => QuestionKind::ShortAnswer,
            QuestionKey::Matching { .. } => QuestionKind::Matching,
            QuestionKey::Ordering { .. } => QuestionKind::Ordering,
            QuestionKey::Essay { .. } => QuestionKind::Essay,
        }
    }

    fn validate(&self) -> Result<QuestionKey, ValidationError> {
        Ok(match self {
            QuestionKey::SingleChoice { options, correct } => {
                let options = choices("key.options", options, 2)?;
                if !options.iter().any(|o| &o.id == correct) {
                    return Err(invalid(
                        "key.correct",
                        "must be the id of one of the options",
                    ));
                }
                QuestionKey::SingleChoice {
                    options,
                    correct: correct.clone(),
                }
            }
            QuestionKey::MultipleChoice {
                options,
                correct,
                scoring,
            } => {
                let options = choices("key.options", options, 2)?;
                if correct.is_empty() {
                    return Err(invalid("key.correct", "needs at least one right option"));
                }
                let ids: HashSet<&str> = options.iter().map(|o| o.id.as_str()).collect();
                let mut seen = HashSet::new();
                for id in correct {
                    if !ids.contains(id.as_str()) {
                        return Err(invalid("key.correct", format!("{id:?} is not an option")));
                    }
                    if !seen.insert(id.as_str()) {
                        return Err(invalid("key.correct", format!("{id:?} is named twice")));
                    }
                }
                QuestionKey::MultipleChoice {
                    options,
                    correct: correct.clone(),
                    scoring: *scoring,
                }
            }
            QuestionKey::TrueFalse { correct } => QuestionKey::TrueFalse { correct: *correct },
            QuestionKey::ShortAnswer { rule } => QuestionKey::ShortAnswer {
                rule: match rule {
                    TextRule::Exact { answers } => TextRule::Exact {
                        answers: accepted(answers)?,
                    },
                    TextRule::CaseInsensitive { answers } => TextRule::CaseInsensitive {
                        answers: accepted(answers)?,
                    },
                    TextRule::Regex { pattern } => {
                        compile_pattern(pattern)?;
                        TextRule::Regex {
                            pattern: pattern.clone(),
                        }
                    }
                    TextRule::Numeric { value, tolerance } => {
                        if !value.is_finite() || value.abs() > 1e15 {
                            return Err(invalid("key.rule.value", "must be a finite number"));
                        }
                        if !tolerance.is_finite() || *tolerance < 0.0 || *tolerance > 1e15 {
                            return Err(invalid(
                                "key.rule.tolerance",
                                "must be a finite number, 0 or more",
                            ));
                        }
                        TextRule::Numeric {
                            value: *value,
                            tolerance: *tolerance,
                        }
                    }
                },
            },
            QuestionKey::Matching {
                prompts,
                choices: offered,
                answers,
                scoring,
            } => {
                let prompts = choices("key.prompts", prompts, 1)?;
                let offered = choices("key.choices", offered, 2)?;
                let choice_ids: HashSet<&str> = offered.iter().map(|c| c.id.as_str()).collect();
                if answers.len() != prompts.len()
                    || prompts.iter().any(|p| !answers.contains_key(&p.id))
                {
                    return Err(invalid(
                        "key.answers",
                        "must give every prompt exactly one choice",
                    ));
                }
                if let Some((prompt, _)) = answers
                    .iter()
                    .find(|(_, c)| !choice_ids.contains(c.as_str()))
                {
                    return Err(invalid(
                        format!("key.answers.{prompt}"),
                        "must be the id of one of the choices",
                    ));
                }
                QuestionKey::Matching {
                    prompts,
                    choices: offered,
                    answers: answers.clone(),
                    scoring: *scoring,
                }
            }
            QuestionKey::Ordering { items, scoring } => QuestionKey::Ordering {
                items: choices("key.items", items, 2)?,
                scoring: *scoring,
            },
            QuestionKey::Essay { max_chars } => {
                if max_chars.is_some_and(|m| m == 0 || m as usize > MAX_ANSWER_CHARS) {
                    return Err(invalid(
                        "key.max_chars",
                        format!("must be from 1 to {MAX_ANSWER_CHARS}"),
                    ));
                }
                QuestionKey::Essay {
                    max_chars: *max_chars,
                }
            }
        })
    }

    /// Whether `answer` answers this question (its kind, ids it names, its length); the
    /// reason when not. Right or wrong is [`mark`]'s.
    pub fn accepts(&self, answer: &Answer) -> Result<(), String> {
        if answer.kind() != self.kind() {
            return Err(format!(
                "a {} question takes a {} answer, not {}",
                self.kind(),
                self.kind(),
                answer.kind()
            ));
        }
        let known = |list: &[Choice], id: &str| list.iter().any(|c| c.id == id);
        match (self, answer) {
            (QuestionKey::SingleChoice { options, .. }, Answer::SingleChoice { option })
                if !known(options, option) =>
            {
                return Err(format!("{:?} is not an option", clip(option)));
            }
            (
                QuestionKey::MultipleChoice { options, .. },
                Answer::MultipleChoice { options: chosen },
            ) => {
                let mut seen = HashSet::new();
                for id in chosen {
                    if !known(options, id) {
                        return Err(format!("{:?} is not an option", clip(id)));
                    }
                    if !seen.insert(id) {
                        return Err(format!("{:?} is chosen twice", clip(id)));
                    }
                }
            }
            (QuestionKey::ShortAnswer { .. }, Answer::ShortAnswer { text })
                if text.chars().count() > MAX_SHORT_ANSWER_CHARS =>
            {
                return Err(format!(
                    "a short answer is at most {MAX_SHORT_ANSWER_CHARS} characters"
                ));
            }
            (
                QuestionKey::Matching {
                    prompts, choices, ..
                },
                Answer::Matching { matches },
            ) => {
                for (prompt, choice) in matches {
                    if !known(prompts, prompt) {
                        return Err(format!("{:?} is not a prompt", clip(prompt)));
                    }
                    if !known(choices, choice) {
                        return Err(format!("{:?} is not a choice", clip(choice)));
                    }
                }
            }
            (QuestionKey::Ordering { items, .. }, Answer::Ordering { order }) => {
                let named: HashSet<&str> = order.iter().map(String::as_str).collect();
                if order.len() != items.len()
                    || named.len() != items.len()
                    || items.iter().any(|i| !named.contains(i.id.as_str()))
                {
                    return Err("an order must name every item exactly once".to_owned());
                }
            }
            (QuestionKey::Essay { max_chars }, Answer::Essay { text }) => {
                let max = max_chars.map_or(MAX_ANSWER_CHARS, |m| m as usize);
                if text.chars().count() > max {
                    return Err(format!("this answer is at most {max} characters"));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// At most 40 characters of a text quoted back in a message.
fn clip(text: &str) -> String {
    text.chars().take(40).collect()
}

/// A learner's answer to one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Answer {
    SingleChoice {
        option: String,
    },
    MultipleChoice {
        options: Vec<String>,
    },
    TrueFalse {
        value: bool,
    },
    ShortAnswer {
        text: String,
    },
    /// Each prompt's id with the id of the choice picked for it.
    Matching {
        matches: BTreeMap<String, String>,
    },
    /// Every item's id, in the order the learner puts them.
    Ordering {
        order: Vec<String>,
    },
    Essay {
        text: String,
    },
}

impl Answer {
    pub fn kind(&self) -> QuestionKind {
        match self {
            Answer::SingleChoice { .. } => QuestionKind::SingleChoice,
            Answer::MultipleChoice { .. } => QuestionKind::MultipleChoice,
            Answer::TrueFalse { .. } => QuestionKind::TrueFalse,
            Answer::ShortAnswer { .. } => QuestionKind::ShortAnswer,
            Answer::Matching { .. } => QuestionKind::Matching,
            Answer::Ordering { .. } => QuestionKind::Ordering,
            Answer::Essay { .. } => QuestionKind::Essay,
        }
    }
}

/// How an answer was marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marking {
    /// Marked on the server: these points.
    Auto(Points),
    /// An essay with text: an instructor marks it.
    ByHand,
}

/// `full * numerator / denominator` in hundredths, never below zero (a zero denominator gives
/// zero).
fn share(full: u64, numerator: i64, denominator: i64) -> Points {
    if denominator <= 0 || numerator <= 0 {
        return Points::ZERO;
    }
    let value = (full as i128 * numerator as i128 / denominator as i128).max(0) as u64;
    Points::from_hundredths(u32::try_from(value).unwrap_or(u32::MAX))
}

/// Marks `answer` (none when unanswered) to a question worth `points` with key `key`. An answer
/// the key does not accept ([`QuestionKey::accepts`]) scores nothing.
pub fn mark(key: &QuestionKey, points: u32, answer: Option<&Answer>) -> Marking {
    let full = u64::from(points) * 100;
    let all = |right: bool| {
        if right {
            Points::from_hundredths(u32::try_from(full).unwrap_or(u32::MAX))
        } else {
            Points::ZERO
        }
    };
    let Some(answer) = answer.filter(|a| key.accepts(a).is_ok()) else {
        return Marking::Auto(Points::ZERO);
    };
    Marking::Auto(match (key, answer) {
        (QuestionKey::SingleChoice { correct, .. }, Answer::SingleChoice { option }) => {
            all(option == correct)
        }
        (
            QuestionKey::MultipleChoice {
                options,
                correct,
                scoring,
            },
            Answer::MultipleChoice { options: chosen },
        ) => {
            let right: HashSet<&str> = correct.iter().map(String::as_str).collect();
            let picked: HashSet<&str> = chosen.iter().map(String::as_str).collect();
            let hits = picked.intersection(&right).count() as i64;
            let misses = picked.difference(&right).count() as i64;
            let (n, c) = (options.len() as i64, right.len() as i64);
            let w = n - c;
            match scoring {
                ChoiceScoring::AllOrNothing => all(picked == right),
                ChoiceScoring::Partial => {
                    // Options rightly chosen plus options rightly left out.
                    let rightly = hits + (w - misses);
                    share(full, rightly, n)
                }
                ChoiceScoring::PartialNegative => {
                    if w == 0 {
                        share(full, hits, c)
                    } else {
                        share(full, hits * w - misses * c, c * w)
                    }
                }
            }
        }
        (QuestionKey::TrueFalse { correct }, Answer::TrueFalse { value }) => all(value == correct),
        (QuestionKey::ShortAnswer { rule }, Answer::ShortAnswer { text }) => {
            all(text_matches(rule, text.trim()))
        }
        (
            QuestionKey::Matching {
                prompts,
                answers,
                scoring,
                ..
            },
            Answer::Matching { matches },
        ) => {
            let right = prompts
                .iter()
                .filter(|p| {
                    matches.get(&p.id).is_some() && matches.get(&p.id) == answers.get(&p.id)
                })
                .count() as i64;
            let n = prompts.len() as i64;
            match scoring {
                OrderScoring::AllOrNothing => all(right == n),
                OrderScoring::Partial => share(full, right, n),
            }
        }
        (QuestionKey::Ordering { items, scoring }, Answer::Ordering { order }) => {
            let right = items
                .iter()
                .zip(order)
                .filter(|(item, id)| item.id == **id)
                .count() as i64;
            let n = items.len() as i64;
            match scoring {
                OrderScoring::AllOrNothing => all(right == n),
                OrderScoring::Partial => share(full, right, n),
            }
        }
        (QuestionKey::Essay { .. }, Answer::Essay { text }) => {
            if text.trim().is_empty() {
                Points::ZERO
            } else {
                return Marking::ByHand;
            }
        }
        _ => Points::ZERO,
    })
}

fn text_matches(rule: &TextRule, text: &str) -> bool {
    match rule {
        TextRule::Exact { answers } => answers.iter().any(|a| a == text),
        TextRule::CaseInsensitive { answers } => {
            let text = text.to_lowercase();
            answers.iter().any(|a| a.to_lowercase() == text)
        }
        // A pattern that no longer compiles (a later release's limits) accepts nothing.
        TextRule::Regex { pattern } => compile_pattern(pattern).is_ok_and(|re| re.is_match(text)),
        TextRule::Numeric { value, tolerance } => text
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .is_some_and(|n| (n - value).abs() <= tolerance + 1e-9 * value.abs().max(1.0)),
    }
}

/// What a learner is shown of a question's key: no right answer, no scoring rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Shown {
    SingleChoice {
        options: Vec<Choice>,
    },
    MultipleChoice {
        options: Vec<Choice>,
    },
    TrueFalse,
    ShortAnswer,
    /// Match each prompt with one of the choices.
    Matching {
        prompts: Vec<Choice>,
        choices: Vec<Choice>,
    },
    /// Put the items in order (shown shuffled).
    Ordering {
        items: Vec<Choice>,
    },
    Essay {
        max_chars: Option<u32>,
    },
}

/// A question as a learner taking an attempt sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionView {
    pub id: Uuid,
    pub prompt: String,
    pub points: u32,
    #[serde(flatten)]
    pub shown: Shown,
}

/// The learner's view of question `id` in an attempt drawn with `seed`: options shuffled when
/// `shuffle_options`; a matching question's choices and an ordering question's items always
/// (their order would give the answer away), never left in the right order.
pub fn view_of(id: Uuid, draft: &QuestionDraft, seed: u64, shuffle_options: bool) -> QuestionView {
    let seed = question_seed(seed, id);
    let maybe = |list: &[Choice]| {
        if shuffle_options {
            shuffled(list, seed)
        } else {
            list.to_vec()
        }
    };
    let shown = match &draft.key {
        QuestionKey::SingleChoice { options, .. } => Shown::SingleChoice {
            options: maybe(options),
        },
        QuestionKey::MultipleChoice { options, .. } => Shown::MultipleChoice {
            options: maybe(options),
        },
        QuestionKey::TrueFalse { .. } => Shown::TrueFalse,
        QuestionKey::ShortAnswer { .. } => Shown::ShortAnswer,
        QuestionKey::Matching {
            prompts, choices, ..
        } => Shown::Matching {
            prompts: maybe(prompts),
            choices: shuffled(choices, seed.rotate_left(7)),
        },
        QuestionKey::Ordering { items, .. } => {
            let mut shown = shuffled(items, seed);
            if shown == *items {
                shown.rotate_left(1);
            }
            Shown::Ordering { items: shown }
        }
        QuestionKey::Essay { max_chars } => Shown::Essay {
            max_chars: *max_chars,
        },
    };
    QuestionView {
        id,
        prompt: draft.prompt.clone(),
        points: draft.points,
        shown,
    }
}

#[cfg(test)]
mod tests;
