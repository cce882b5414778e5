//! Taking quizzes and exams in the portal: starting (or resuming) an attempt from its quiz
//! lesson, answering every kind of question in one form that works without script ("Save"
//! keeps the answers, "Submit" hands them in once the learner ticks that they are done), and
//! the result, with the review only when the assessment's review policy opens it.
//!
//! The pages show what `lyceum_app::assessments::attempts` hands a learner (`AttemptView`:
//! questions without their keys); they never see an answer key before the review opens.
//!
//! An attempt in progress with a deadline shows it, and runs the portal's one script
//! (`assets/countdown.js`, allowed by the page's nonce, see [`Countdown`]): the time left,
//! warnings before the end, and the form handed in when time runs out as the late policy
//! expects. Without script the page works the same; the server enforces the deadline.

use super::pages::{to_sign_in, Id};
use super::{CheckedForm, Chrome, Fields, PageScript, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use lyceum_app::assessments::attempts::{self, AttemptView, SubmissionRead};
use lyceum_app::assessments::{self, AssessmentDetail};
use lyceum_app::Refusal;
use lyceum_domain::assessment::{
    Answer, Choice, LatePolicy, Points, QuestionKey, Shown, SubmissionStatus, TextRule,
};
use lyceum_domain::{AssessmentId, CourseId, QuestionId, SubmissionId};
use lyceum_store::LearnerLock;
use std::collections::{BTreeMap, HashMap};

/// An option, a choice or an item as a form shows it, and whether the learner picked it.
pub(super) struct Pick {
    pub id: String,
    pub text: String,
    pub chosen: bool,
}

/// A matching question's prompt with the choices of its select.
pub(super) struct MatchRow {
    pub id: String,
    pub text: String,
    pub choices: Vec<Pick>,
}

/// An ordering question's item with its place (1 for the first) as the learner last put it.
pub(super) struct OrderRow {
    pub id: String,
    pub text: String,
    pub position: usize,
}

/// How a question is answered on the form.
pub(super) enum Input {
    /// Radios (single choice) or checkboxes (multiple choice).
    Choice {
        multiple: bool,
        options: Vec<Pick>,
    },
    TrueFalse {
        value: Option<bool>,
    },
    Short {
        value: String,
    },
    Essay {
        value: String,
        max: Option<u32>,
    },
    Matching {
        prompts: Vec<MatchRow>,
    },
    Ordering {
        items: Vec<OrderRow>,
    },
}

/// A question of the attempt on the form: its field name (`q{id}`), prompt, points and input.
pub(super) struct FormQuestion {
    pub number: usize,
    pub name: String,
    pub prompt: String,
    pub points: u32,
    pub input: Input,
}

fn field_name(id: impl std::fmt::Display) -> String {
    format!("q{id}")
}

fn picks(list: &[Choice], chosen: impl Fn(&str) -> bool) -> Vec<Pick> {
    list.iter()
        .map(|c| Pick {
            id: c.id.clone(),
            text: c.text.clone(),
            chosen: chosen(&c.id),
        })
        .collect()
}

/// The attempt's questions as form fields, filled with the learner's saved answers.
fn form_of(view: &AttemptView) -> Vec<FormQuestion> {
    let given: HashMap<QuestionId, &Answer> = view
        .answers
        .iter()
        .map(|a| (a.question_id, &a.answer))
        .collect();
    view.questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let saved = given.get(&QuestionId::from_uuid(q.id)).copied();
            let input = match (&q.shown, saved) {
                (Shown::SingleChoice { options }, saved) => Input::Choice {
                    multiple: false,
                    options: picks(options, |id| {
                        matches!(saved, Some(Answer::SingleChoice { option }) if option == id)
                    }),
                },
                (Shown::MultipleChoice { options }, saved) => Input::Choice {
                    multiple: true,
                    options: picks(options, |id| {
                        matches!(saved, Some(Answer::MultipleChoice { options }) if options.iter().any(|o| o == id))
                    }),
                },
                (Shown::TrueFalse, saved) => Input::TrueFalse {
                    value: match saved {
                        Some(Answer::TrueFalse { value }) => Some(*value),
                        _ => None,
                    },
                },
                (Shown::ShortAnswer, saved) => Input::Short {
                    value: match saved {
                        Some(Answer::ShortAnswer { text }) => text.clone(),
                        _ => String::new(),
                    },
                },
                (Shown::Essay { max_chars }, saved) => Input::Essay {
                    value: match saved {
                        Some(Answer::Essay { text }) => text.clone(),
                        _ => String::new(),
                    },
                    max: *max_chars,
                },
                (Shown::Matching { prompts, choices }, saved) => {
                    let matched = |prompt: &str| match saved {
                        Some(Answer::Matching { matches }) => matches.get(prompt).cloned(),
                        _ => None,
                    };
                    Input::Matching {
                        prompts: prompts
                            .iter()
                            .map(|p| {
                                let current = matched(&p.id);
                                MatchRow {
                                    id: p.id.clone(),
                                    text: p.text.clone(),
                                    choices: picks(choices, |c| current.as_deref() == Some(c)),
                                }
                            })
                            .collect(),
                    }
                }
                (Shown::Ordering { items }, saved) => {
                    let place = |id: &str, shown: usize| match saved {
                        Some(Answer::Ordering { order }) => order
                            .iter()
                            .position(|o| o == id)
                            .map_or(shown + 1, |p| p + 1),
                        _ => shown + 1,
                    };
                    Input::Ordering {
                        items: items
                            .iter()
                            .enumerate()
                            .map(|(shown, item)| OrderRow {
                                id: item.id.clone(),
                                text: item.text.clone(),
                                position: place(&item.id, shown),
                            })
                            .collect(),
                    }
                }
            };
            FormQuestion {
                number: i + 1,
                name: field_name(q.id),
                prompt: q.prompt.clone(),
                points: q.points,
                input,
            }
        })
        .collect()
}

/// The answers a sent form gives for the attempt's questions; a question left blank gives
/// none. Whether each answer fits its question is the use case's to check.
fn answers_of(view: &AttemptView, fields: &Fields) -> Vec<(QuestionId, Answer)> {
    let mut out = Vec::new();
    for q in &view.questions {
        let name = field_name(q.id);
        let sub = |part: &str| fields.one(&format!("{name}.{part}")).unwrap_or_default();
        let answer = match &q.shown {
            Shown::SingleChoice { .. } => {
                fields
                    .one(&name)
                    .filter(|v| !v.is_empty())
                    .map(|option| Answer::SingleChoice {
                        option: option.to_owned(),
                    })
            }
            Shown::MultipleChoice { .. } => {
                let options: Vec<String> = fields.all(&name).map(str::to_owned).collect();
                // Nothing ticked is no answer (an empty one would earn the options rightly
                // left out under partial scoring).
                (!options.is_empty()).then_some(Answer::MultipleChoice { options })
            }
            Shown::TrueFalse => match fields.one(&name) {
                Some("true") => Some(Answer::TrueFalse { value: true }),
                Some("false") => Some(Answer::TrueFalse { value: false }),
                _ => None,
            },
            Shown::ShortAnswer => fields
                .one(&name)
                .filter(|v| !v.trim().is_empty())
                .map(|text| Answer::ShortAnswer {
                    text: text.to_owned(),
                }),
            Shown::Essay { .. } => fields
                .one(&name)
                .filter(|v| !v.trim().is_empty())
                .map(|text| Answer::Essay {
                    text: text.to_owned(),
                }),
            Shown::Matching { prompts, .. } => {
                let matches: BTreeMap<String, String> = prompts
                    .iter()
                    .filter_map(|p| {
                        let choice = sub(&p.id);
                        (!choice.is_empty()).then(|| (p.id.clone(), choice.to_owned()))
                    })
                    .collect();
                (!matches.is_empty()).then_some(Answer::Matching { matches })
            }
            Shown::Ordering { items } => {
                // Items sorted by the place given them (ties keep the order shown); an item
                // without a number keeps its place at the end.
                let mut placed: Vec<(usize, usize, String)> = items
                    .iter()
                    .enumerate()
                    .map(|(shown, item)| {
                        let place = sub(&item.id).trim().parse::<usize>().unwrap_or(usize::MAX);
                        (place, shown, item.id.clone())
                    })
                    .collect();
                placed.sort();
                let given = items.iter().any(|item| !sub(&item.id).is_empty());
                given.then(|| Answer::Ordering {
                    order: placed.into_iter().map(|(_, _, id)| id).collect(),
                })
            }
        };
        if let Some(answer) = answer {
            out.push((QuestionId::from_uuid(q.id), answer));
        }
    }
    out
}

/// A question of the review, in words: the right answer, the learner's points, the feedback.
pub(super) struct ReviewRow {
    pub number: usize,
    pub prompt: String,
    pub points: u32,
    pub score: Option<Points>,
    /// The right answer, a line each (options, accepted texts, pairs, items in order).
    pub key: Vec<String>,
    /// A true/false question's right answer.
    pub truth: Option<bool>,
    /// The answer is a regular expression, or a number within a tolerance (shown as written).
    pub pattern: Option<String>,
    pub essay: bool,
    pub feedback: Option<String>,
}

fn text_of<'a>(list: &'a [Choice], id: &'a str) -> &'a str {
    list.iter()
        .find(|c| c.id == id)
        .map_or(id, |c| c.text.as_str())
}

fn review_rows(view: &AttemptView) -> Option<Vec<ReviewRow>> {
    let review = view.review.as_ref()?;
    let prompts: HashMap<QuestionId, (&str, u32)> = view
        .questions
        .iter()
        .map(|q| (QuestionId::from_uuid(q.id), (q.prompt.as_str(), q.points)))
        .collect();
    Some(
        review
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let (prompt, points) = prompts.get(&r.question_id).copied().unwrap_or(("", 0));
                let mut row = ReviewRow {
                    number: i + 1,
                    prompt: prompt.to_owned(),
                    points,
                    score: r.score,
                    key: Vec::new(),
                    truth: None,
                    pattern: None,
                    essay: false,
                    feedback: r.feedback.clone(),
                };
                match &r.key {
                    QuestionKey::SingleChoice { options, correct } => {
                        row.key.push(text_of(options, correct).to_owned());
                    }
                    QuestionKey::MultipleChoice {
                        options, correct, ..
                    } => {
                        row.key = correct
                            .iter()
                            .map(|id| text_of(options, id).to_owned())
                            .collect();
                    }
                    QuestionKey::TrueFalse { correct } => row.truth = Some(*correct),
                    QuestionKey::ShortAnswer { rule } => match rule {
                        TextRule::Exact { answers } | TextRule::CaseInsensitive { answers } => {
                            row.key = answers.clone();
                        }
                        TextRule::Regex { pattern } => row.pattern = Some(pattern.clone()),
                        TextRule::Numeric { value, tolerance } => {
                            row.pattern = Some(format!("{value} ± {tolerance}"));
                        }
                    },
                    QuestionKey::Matching {
                        prompts,
                        choices,
                        answers,
                        ..
                    } => {
                        row.key = answers
                            .iter()
                            .map(|(p, c)| {
                                format!("{} → {}", text_of(prompts, p), text_of(choices, c))
                            })
                            .collect();
                    }
                    QuestionKey::Ordering { items, .. } => {
                        row.key = items.iter().map(|i| i.text.clone()).collect();
                    }
                    QuestionKey::Essay { .. } => row.essay = true,
                }
                row
            })
            .collect(),
    )
}

/// What the countdown of an attempt in progress reads from its page (`data-` attributes of
/// `#countdown`): absolute server times, so the script counts from the server's clock whatever
/// the browser's says.
pub(super) struct Countdown {
    /// The attempt's deadline, RFC 3339 in UTC.
    pub deadline: String,
    /// The server's clock as the page was made, RFC 3339 in UTC.
    pub now: String,
    /// Late answers are taken (marked late): the form is handed in at the deadline; refused,
    /// a few seconds before it.
    pub late_accepted: bool,
    pub script: PageScript,
}

impl Countdown {
    /// The countdown of an attempt still taking answers before its deadline, if it has one.
    fn of(view: &AttemptView, detail: &AssessmentDetail, now: DateTime<Utc>) -> Option<Self> {
        let deadline = view.summary.deadline_at?;
        let open = view.summary.status == SubmissionStatus::InProgress;
        open.then(|| Countdown {
            deadline: deadline.to_rfc3339_opts(SecondsFormat::Millis, true),
            now: now.to_rfc3339_opts(SecondsFormat::Millis, true),
            late_accepted: detail.assessment.rules.late == LatePolicy::Accept,
            script: PageScript::new(),
        })
    }
}

#[derive(Template)]
#[template(path = "portal/attempt.html")]
struct AttemptPage {
    chrome: Chrome,
    view: AttemptView,
    title: String,
    course: CourseId,
    now: DateTime<Utc>,
    questions: Vec<FormQuestion>,
    review: Option<Vec<ReviewRow>>,
    /// A message above the form: saved, or why the submit did not go through.
    notice: Option<String>,
    problem: Option<String>,
    countdown: Option<Countdown>,
}

impl AttemptPage {
    fn in_progress(&self) -> bool {
        self.view.summary.status == SubmissionStatus::InProgress
    }

    fn waits_for_grading(&self) -> bool {
        self.view.summary.status == SubmissionStatus::NeedsGrading
    }

    fn expired(&self) -> bool {
        self.view.summary.status == SubmissionStatus::Expired
    }

    /// The page, running the countdown's script when it has one.
    fn answer(&self, visit: &Visit, status: StatusCode) -> Response {
        let script = self.countdown.as_ref().map(|c| &c.script);
        visit.scripted_page(status, self, script)
    }

    fn percent(&self) -> Option<f64> {
        self.view
            .summary
            .score
            .map(|s| s.percent_of(self.view.summary.max_score))
    }
}

/// Starts an attempt at a quiz (or resumes the one in progress) and opens it.
pub(crate) async fn start(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    _: CheckedForm<super::pages::Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/learn"));
    };
    let started = async {
        let lock = LearnerLock {
            learner: actor.user,
        };
        let mut tx = state.store.begin_learner_write(&visit.tenant, lock).await?;
        let started = attempts::start(&mut tx, &actor, id, Utc::now()).await?;
        tx.commit().await?;
        Ok::<_, Refusal>(started)
    };
    match started.await {
        Ok(started) => visit.redirect(&format!("/learn/attempts/{}", started.attempt.summary.id)),
        Err(e) => visit.problem(e),
    }
}

/// The learner's attempt and its assessment, as the actor may read them.
async fn attempt_and_assessment(
    tx: &mut lyceum_store::TenantTx,
    actor: &lyceum_app::Actor,
    id: SubmissionId,
    now: DateTime<Utc>,
) -> Result<(AttemptView, AssessmentDetail), Refusal> {
    let SubmissionRead::Learner(view) = attempts::read(tx, actor, id, now).await? else {
        // Staff read attempts on their own pages.
        return Err(Refusal::NotFound {
            code: "NOT_FOUND",
            message: "no such attempt".to_owned(),
        });
    };
    let detail = assessments::show(tx, actor, view.summary.assessment_id, now).await?;
    Ok((view, detail))
}

fn attempt_page(
    visit: &Visit,
    view: AttemptView,
    detail: &AssessmentDetail,
    now: DateTime<Utc>,
    notice: Option<String>,
    problem: Option<String>,
) -> AttemptPage {
    AttemptPage {
        chrome: visit.chrome(),
        countdown: Countdown::of(&view, detail, now),
        questions: form_of(&view),
        review: review_rows(&view),
        title: detail.assessment.title.clone(),
        course: detail.assessment.course_id,
        now,
        view,
        notice,
        problem,
    }
}

/// An attempt: its form while in progress, its result once submitted (with the review once
/// the policy opens it).
pub(crate) async fn attempt(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<SubmissionId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let now = Utc::now();
    let read = visit
        .read(&state, async |tx| {
            attempt_and_assessment(tx, &actor, id, now).await
        })
        .await;
    match read {
        Ok((view, detail)) => {
            let page = attempt_page(&visit, view, &detail, now, None, None);
            page.answer(&visit, StatusCode::OK)
        }
        Err(e) => visit.problem(e),
    }
}

/// Saves the form's answers, or submits them once the learner ticked `confirm`; a submit
/// without it saves them and asks for it.
pub(crate) async fn answer(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<SubmissionId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/learn/attempts/{id}")));
    };
    let submitting = fields.one("action") == Some("submit");
    let confirmed = fields.one("confirm") == Some("yes");
    let now = Utc::now();
    let outcome = async {
        let lock = LearnerLock {
            learner: actor.user,
        };
        let mut tx = state.store.begin_learner_write(&visit.tenant, lock).await?;
        let (view, detail) = attempt_and_assessment(&mut tx, &actor, id, now).await?;
        let answers = answers_of(&view, &fields);
        let view = if submitting && confirmed {
            attempts::submit(
                &mut tx,
                &actor,
                view.summary.assessment_id,
                Some(id),
                &answers,
                now,
            )
            .await?
        } else {
            attempts::save(&mut tx, &actor, id, &answers, now).await?
        };
        tx.commit().await?;
        Ok::<_, Refusal>((view, detail))
    };
    match outcome.await {
        Ok(_) if submitting && confirmed => visit.redirect(&format!("/learn/attempts/{id}")),
        Ok((view, detail)) => {
            let (notice, problem) = if submitting {
                (
                    None,
                    Some(visit.locale.msg("quiz-confirm-first").to_string()),
                )
            } else {
                (Some(visit.locale.msg("quiz-saved").to_string()), None)
            };
            let status = if submitting {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let page = attempt_page(&visit, view, &detail, now, notice, problem);
            page.answer(&visit, status)
        }
        Err(e) => visit.problem(e),
    }
}

/// What a quiz lesson shows of its assessment: its settings, the learner's attempts and
/// whether they may start (or resume) one.
pub(super) struct QuizCard {
    pub detail: AssessmentDetail,
}

impl QuizCard {
    pub fn in_progress(&self) -> Option<SubmissionId> {
        self.detail.mine.as_ref().and_then(|m| {
            m.attempts
                .iter()
                .find(|a| a.status == SubmissionStatus::InProgress)
                .map(|a| a.id)
        })
    }

    /// A learner may start one (none in progress, attempts left).
    pub fn may_start(&self) -> bool {
        self.detail
            .mine
            .as_ref()
            .is_some_and(|m| m.attempts_left != Some(0))
    }

    pub fn time_limit_minutes(&self) -> Option<u32> {
        self.detail
            .assessment
            .rules
            .time_limit_seconds
            .map(|s| s.div_ceil(60))
    }
}

/// The quiz card of a quiz lesson whose content links `assessment`, when the actor may read it.
pub(super) async fn card(
    tx: &mut lyceum_store::TenantTx,
    actor: &lyceum_app::Actor,
    assessment: AssessmentId,
) -> Result<Option<QuizCard>, Refusal> {
    match assessments::show(tx, actor, assessment, Utc::now()).await {
        Ok(detail) => Ok(Some(QuizCard { detail })),
        Err(Refusal::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}
