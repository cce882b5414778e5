//! Writing quizzes and exams in the portal, for a course's staff: a course's assessments (from
//! the course builder), an assessment's settings, its questions and its draws from the course's
//! question banks, the question editor an assessment's and a bank's questions share (a form per
//! kind of question: options with the right ones ticked, true or false, accepted answers, a
//! pattern or a number; matching and ordering as a line per pair or item), the attempts and the
//! grading of essays. The banks' own pages are `banks`'s. Every rule is the use cases'
//! (`lyceum_app::assessments`); the forms only read what was typed.

use super::i18n::PageLocale;
use super::pages::{to_sign_in, Id};
use super::staff::{shown_in_form, Problems};
use super::{CheckedForm, Chrome, Fields, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use lyceum_app::assessments::attempts::{self, AnswerGrade, AttemptSummary, StaffSubmission};
use lyceum_app::assessments::{
    self, AssessmentChange, AssessmentDetail, AssessmentInput, BankSummary, Draw, Question,
    QuestionChange, QuestionOwner,
};
use lyceum_app::learning::courses;
use lyceum_app::learning::enrollments;
use lyceum_app::{Actor, Refusal};
use lyceum_domain::assessment::{
    Answer, AssessmentKind, AssessmentRules, Choice, ChoiceScoring, CountedAttempt, LatePolicy,
    OrderScoring, Points, QuestionDraft, QuestionKey, QuestionKind, ReviewPolicy, TextRule,
};
use lyceum_domain::{AssessmentId, CourseId, QuestionBankId, QuestionId, SubmissionId, UserId};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

fn assessments_path(course: CourseId) -> String {
    format!("/teach/courses/{course}/assessments")
}

fn assessment_path(id: AssessmentId) -> String {
    format!("/teach/assessments/{id}")
}

/// The page of what holds a question: its assessment's or its bank's.
fn holder_path(owner: QuestionOwner) -> String {
    match owner {
        QuestionOwner::Assessment(id) => assessment_path(id),
        QuestionOwner::Bank(id) => super::banks::bank_path(id),
    }
}

#[derive(Template)]
#[template(path = "portal/assessments.html")]
struct AssessmentsPage {
    chrome: Chrome,
    course: courses::Course,
    items: Vec<AssessmentDetail>,
    problems: Problems,
    title: String,
}

async fn list_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    course: CourseId,
    problems: Problems,
    title: String,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| {
            let course = courses::editable_course(tx, actor, course).await?;
            let items = assessments::of_course(tx, actor, course.id).await?;
            Ok((course, items))
        })
        .await;
    visit.show_as(status, read, |(course, items), chrome| AssessmentsPage {
        chrome,
        course,
        items,
        problems,
        title,
    })
}

/// A course's assessments, with the form for a new one.
pub(crate) async fn list(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let ok = StatusCode::OK;
    list_page(
        &state,
        &visit,
        &actor,
        id,
        Problems::default(),
        String::new(),
        ok,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct NewAssessment {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
}

/// Creates an assessment (its kind and title; the settings on its own page).
pub(crate) async fn create(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    CheckedForm(form): CheckedForm<NewAssessment>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&assessments_path(id)));
    };
    let kind = form.kind.parse().unwrap_or(AssessmentKind::Quiz);
    let input = AssessmentInput {
        kind,
        title: form.title.clone(),
        instructions: String::new(),
        rules: AssessmentRules::default(),
        draws: Vec::new(),
    };
    let made = visit
        .write(&state, async |tx| {
            assessments::create(tx, &actor, id, input).await
        })
        .await;
    match made {
        Ok(made) => visit.redirect(&assessment_path(made.id)),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                list_page(&state, &visit, &actor, id, problems, form.title, status).await
            }
            None => visit.problem(e),
        },
    }
}

/// An assessment's settings as the form holds them, as typed.
struct SettingsSheet {
    title: String,
    instructions: String,
    passing_percent: String,
    time_limit_minutes: String,
    max_attempts: String,
    available_from: String,
    available_until: String,
    due_at: String,
    shuffle_questions: bool,
    shuffle_options: bool,
    review: String,
    counts: String,
    late: String,
}

impl SettingsSheet {
    fn of(detail: &AssessmentDetail, locale: &PageLocale) -> Self {
        let a = &detail.assessment;
        let r = &a.rules;
        let local =
            |at: Option<DateTime<Utc>>| at.map(|at| locale.local_input(&at)).unwrap_or_default();
        SettingsSheet {
            title: a.title.clone(),
            instructions: a.instructions.clone(),
            passing_percent: r.passing_percent.to_string(),
            time_limit_minutes: r
                .time_limit_seconds
                .map(|s| s.div_ceil(60).to_string())
                .unwrap_or_default(),
            max_attempts: r.max_attempts.map(|n| n.to_string()).unwrap_or_default(),
            available_from: local(r.available_from),
            available_until: local(r.available_until),
            due_at: local(r.due_at),
            shuffle_questions: r.shuffle_questions,
            shuffle_options: r.shuffle_options,
            review: r.review.as_str().to_owned(),
            counts: r.counts.as_str().to_owned(),
            late: r.late.as_str().to_owned(),
        }
    }

    fn from_fields(fields: &Fields) -> Self {
        SettingsSheet {
            title: fields.text("title"),
            instructions: fields.text("instructions"),
            passing_percent: fields.text("passing_percent"),
            time_limit_minutes: fields.text("time_limit_minutes"),
            max_attempts: fields.text("max_attempts"),
            available_from: fields.text("available_from"),
            available_until: fields.text("available_until"),
            due_at: fields.text("due_at"),
            shuffle_questions: fields.one("shuffle_questions") == Some("on"),
            shuffle_options: fields.one("shuffle_options") == Some("on"),
            review: fields.text("review_policy"),
            counts: fields.text("counted_attempt"),
            late: fields.text("late_policy"),
        }
    }

    /// The change for the use case, or the field that could not be read.
    fn change(&self, locale: &PageLocale) -> Result<AssessmentChange, &'static str> {
        fn number(typed: &str, field: &'static str) -> Result<Option<u32>, &'static str> {
            let typed = typed.trim();
            if typed.is_empty() {
                return Ok(None);
            }
            typed.parse::<u32>().map(Some).map_err(|_| field)
        }
        let date =
            |typed: &str, field: &'static str| -> Result<Option<DateTime<Utc>>, &'static str> {
                let typed = typed.trim();
                if typed.is_empty() {
                    return Ok(None);
                }
                locale.parse_local(typed).map(Some).ok_or(field)
            };
        let passing = number(&self.passing_percent, "passing_percent")?.unwrap_or(50);
        Ok(AssessmentChange {
            title: Some(self.title.clone()),
            instructions: Some(self.instructions.clone()),
            passing_percent: Some(u8::try_from(passing).map_err(|_| "passing_percent")?),
            time_limit_seconds: Some(
                number(&self.time_limit_minutes, "time_limit_minutes")?
                    .map(|m| m.saturating_mul(60)),
            ),
            max_attempts: Some(number(&self.max_attempts, "max_attempts")?),
            available_from: Some(date(&self.available_from, "available_from")?),
            available_until: Some(date(&self.available_until, "available_until")?),
            due_at: Some(date(&self.due_at, "due_at")?),
            shuffle_questions: Some(self.shuffle_questions),
            shuffle_options: Some(self.shuffle_options),
            review: Some(self.review.parse().unwrap_or(ReviewPolicy::AfterSubmission)),
            counts: Some(self.counts.parse().unwrap_or(CountedAttempt::Highest)),
            late: Some(self.late.parse().unwrap_or(LatePolicy::Refuse)),
            draws: None,
        })
    }
}

/// A question of an assessment's or a bank's page (`question_list.html`), with its kind.
pub(super) struct QuestionRow {
    pub(super) question: Question,
    pub(super) kind: QuestionKind,
}

/// The rows of a question list.
pub(super) fn question_rows(questions: Vec<Question>) -> Vec<QuestionRow> {
    questions
        .into_iter()
        .map(|question| QuestionRow {
            kind: question.draft.key.kind(),
            question,
        })
        .collect()
}

/// A draw of the assessment's question list: how many questions each attempt takes at random
/// from which bank.
struct DrawnRow {
    bank: QuestionBankId,
    title: String,
    count: u32,
}

/// A bank of the course on the assessment's draws form, with the number each attempt draws
/// from it as typed (else as saved; empty for none).
struct DrawField {
    bank: BankSummary,
    count: String,
}

#[derive(Template)]
#[template(path = "portal/assessment.html")]
struct AssessmentPage {
    chrome: Chrome,
    detail: AssessmentDetail,
    questions: Vec<QuestionRow>,
    drawn: Vec<DrawnRow>,
    draw_fields: Vec<DrawField>,
    sheet: SettingsSheet,
    problems: Problems,
    saved: bool,
}

impl AssessmentPage {
    fn kinds(&self) -> [QuestionKind; 7] {
        KINDS
    }

    /// Where `question_list.html` links a new question of a kind.
    fn new_question_path(&self) -> String {
        format!(
            "{}/questions/new",
            assessment_path(self.detail.assessment.id)
        )
    }

    fn reviews(&self) -> Vec<Opt> {
        opts(
            &["after_submission", "after_due", "never"],
            &self.sheet.review,
        )
    }

    fn counted(&self) -> Vec<Opt> {
        opts(&["highest", "latest", "average"], &self.sheet.counts)
    }

    fn lates(&self) -> Vec<Opt> {
        opts(&["refuse", "accept"], &self.sheet.late)
    }

    fn takes_questions(&self) -> bool {
        self.detail.assessment.kind != AssessmentKind::Assignment
    }
}

/// Every kind of question, in the order the pages offer them.
pub(super) const KINDS: [QuestionKind; 7] = [
    QuestionKind::SingleChoice,
    QuestionKind::MultipleChoice,
    QuestionKind::TrueFalse,
    QuestionKind::ShortAnswer,
    QuestionKind::Matching,
    QuestionKind::Ordering,
    QuestionKind::Essay,
];

/// What the assessment's page shows besides the assessment: the settings or the draws as typed
/// (else as saved), the problem with them, whether they were just saved.
#[derive(Default)]
struct Shown {
    sheet: Option<SettingsSheet>,
    draws: Option<DrawSheet>,
    problems: Problems,
    status: StatusCode,
    saved: bool,
}

impl Shown {
    fn refused(sheet: SettingsSheet, problems: Problems, status: StatusCode) -> Self {
        Shown {
            sheet: Some(sheet),
            problems,
            status,
            ..Shown::default()
        }
    }
}

/// The draws form as typed: `draw-{bank}` fields, each the number of questions an attempt
/// draws from the bank (empty for none).
struct DrawSheet {
    typed: Vec<(String, String)>,
}

impl DrawSheet {
    fn from_fields(fields: &Fields) -> Self {
        DrawSheet {
            typed: fields
                .iter()
                .filter_map(|(name, value)| {
                    let bank = name.strip_prefix("draw-")?;
                    Some((bank.to_owned(), value.trim().to_owned()))
                })
                .collect(),
        }
    }

    /// What `bank`'s field holds.
    fn count_of(&self, bank: QuestionBankId) -> String {
        let bank = bank.to_string();
        self.typed
            .iter()
            .find(|(typed, _)| *typed == bank)
            .map(|(_, count)| count.clone())
            .unwrap_or_default()
    }

    /// The draws for the use case (which checks them: `INVALID_DRAW`), or `None` when a bank
    /// or a number cannot be read.
    fn draws(&self) -> Option<Vec<Draw>> {
        self.typed
            .iter()
            .filter(|(_, count)| !count.is_empty())
            .map(|(bank, count)| {
                Some(Draw {
                    bank_id: bank.parse().ok()?,
                    count: count.parse().ok()?,
                })
            })
            .collect()
    }
}

async fn assessment_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: AssessmentId,
    shown: Shown,
) -> Response {
    let Shown {
        sheet,
        draws: typed,
        problems,
        status,
        saved,
    } = shown;
    let read = visit
        .read(state, async |tx| {
            let detail = assessments::show(tx, actor, id, Utc::now()).await?;
            if detail.questions.is_none() {
                // A learner reads an assessment on its lesson, not here.
                return Err(staff_only());
            }
            let banks = if detail.assessment.kind == AssessmentKind::Assignment {
                Vec::new()
            } else {
                assessments::banks_of(tx, actor, detail.assessment.course_id).await?
            };
            Ok((detail, banks))
        })
        .await;
    let (mut detail, banks) = match read {
        Ok(read) => read,
        Err(e) => return visit.problem(e),
    };
    let questions = question_rows(detail.questions.take().unwrap_or_default());
    let draws = detail.draws.take().unwrap_or_default();
    let drawn = draws
        .iter()
        .map(|draw| DrawnRow {
            bank: draw.bank_id,
            title: banks
                .iter()
                .find(|b| b.bank.id == draw.bank_id)
                .map(|b| b.bank.title.clone())
                .unwrap_or_default(),
            count: draw.count,
        })
        .collect();
    let draw_fields = banks
        .into_iter()
        .map(|bank| {
            let id = bank.bank.id;
            let count = match &typed {
                Some(typed) => typed.count_of(id),
                None => draws
                    .iter()
                    .find(|d| d.bank_id == id)
                    .map(|d| d.count.to_string())
                    .unwrap_or_default(),
            };
            DrawField { bank, count }
        })
        .collect();
    let page = AssessmentPage {
        chrome: visit.chrome(),
        sheet: sheet.unwrap_or_else(|| SettingsSheet::of(&detail, &visit.locale)),
        detail,
        questions,
        drawn,
        draw_fields,
        problems,
        saved,
    };
    visit.page(status, &page)
}

#[derive(Deserialize)]
pub(crate) struct Saved {
    saved: Option<String>,
}

/// An assessment: its settings' form, its questions, the links to its attempts.
pub(crate) async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    Query(saved): Query<Saved>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let shown = Shown {
        saved: saved.saved.is_some(),
        ..Shown::default()
    };
    assessment_page(&state, &visit, &actor, id, shown).await
}

/// Saves an assessment's settings.
pub(crate) async fn save(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&assessment_path(id)));
    };
    let sheet = SettingsSheet::from_fields(&fields);
    let change = match sheet.change(&visit.locale) {
        Ok(change) => change,
        Err(field) => {
            let problems = Problems::at(field, visit.locale.msg("authoring-unreadable"));
            let shown = Shown::refused(sheet, problems, StatusCode::UNPROCESSABLE_ENTITY);
            return assessment_page(&state, &visit, &actor, id, shown).await;
        }
    };
    let changed = visit
        .write(&state, async |tx| {
            assessments::change(tx, &actor, id, change).await
        })
        .await;
    match changed {
        Ok(_) => visit.redirect(&format!("{}?saved=1", assessment_path(id))),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                let shown = Shown::refused(sheet, problems, status);
                assessment_page(&state, &visit, &actor, id, shown).await
            }
            None => visit.problem(e),
        },
    }
}

/// Saves how many questions each attempt draws from which of the course's banks (`draw-{bank}`
/// fields; empty for none). Checked as the API's draws are (`INVALID_DRAW`): nothing is saved
/// unless every draw holds.
pub(crate) async fn save_draws(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&assessment_path(id)));
    };
    let sheet = DrawSheet::from_fields(&fields);
    let refused = |sheet: DrawSheet, problems: Problems, status: StatusCode| Shown {
        draws: Some(sheet),
        problems,
        status,
        ..Shown::default()
    };
    let Some(draws) = sheet.draws() else {
        let problems = Problems::at("draws", visit.locale.msg("authoring-unreadable"));
        let shown = refused(sheet, problems, StatusCode::UNPROCESSABLE_ENTITY);
        return assessment_page(&state, &visit, &actor, id, shown).await;
    };
    let change = AssessmentChange {
        draws: Some(draws),
        ..AssessmentChange::default()
    };
    let changed = visit
        .write(&state, async |tx| {
            assessments::change(tx, &actor, id, change).await
        })
        .await;
    match changed {
        Ok(_) => visit.redirect(&format!("{}?saved=1#questions", assessment_path(id))),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                let shown = refused(sheet, problems, status);
                assessment_page(&state, &visit, &actor, id, shown).await
            }
            None => visit.problem(e),
        },
    }
}

/// Deletes an assessment (refused while a lesson links it or once attempted).
pub(crate) async fn delete(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
    _: CheckedForm<super::pages::Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&assessment_path(id)));
    };
    let deleted = visit
        .write(&state, async |tx| {
            let detail = assessments::show(tx, &actor, id, Utc::now()).await?;
            assessments::delete(tx, &actor, id).await?;
            Ok(detail.assessment.course_id)
        })
        .await;
    match deleted {
        Ok(course) => visit.redirect(&assessments_path(course)),
        Err(e) => visit.problem(e),
    }
}

/// A row of a choice question's form: an option's id (kept when edited), text and whether it
/// is right.
struct OptionRow {
    id: String,
    text: String,
    correct: bool,
}

/// Blank rows a choice question's form offers for more options.
const SPARE_OPTIONS: usize = 3;
/// The most option rows a form is read with (the rules allow 50 options).
const MAX_OPTION_ROWS: usize = 60;
/// The fewest rows a choice question's form shows.
const MIN_OPTION_ROWS: usize = 4;

/// A question as its form holds it, as typed.
struct QuestionSheet {
    kind: QuestionKind,
    prompt: String,
    points: String,
    tags: String,
    options: Vec<OptionRow>,
    scoring: String,
    truth: bool,
    rule: String,
    answers: String,
    pattern: String,
    value: String,
    tolerance: String,
    /// Matching: a line per pair, `prompt = choice`.
    pairs: String,
    /// Matching: a line per extra choice.
    distractors: String,
    /// Ordering: a line per item, in the right order.
    items: String,
    max_chars: String,
}

/// A scoring rule's name, as the API writes it (`all_or_nothing`).
fn text_of(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parsed<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// A value of a select, and whether it is the one chosen.
struct Opt {
    value: &'static str,
    chosen: bool,
}

fn opts(values: &[&'static str], current: &str) -> Vec<Opt> {
    values
        .iter()
        .map(|value| Opt {
            value,
            chosen: *value == current,
        })
        .collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl QuestionSheet {
    fn new(kind: QuestionKind) -> Self {
        QuestionSheet {
            kind,
            prompt: String::new(),
            points: "1".to_owned(),
            tags: String::new(),
            options: Vec::new(),
            scoring: String::new(),
            truth: true,
            rule: "exact".to_owned(),
            answers: String::new(),
            pattern: String::new(),
            value: String::new(),
            tolerance: "0".to_owned(),
            pairs: String::new(),
            distractors: String::new(),
            items: String::new(),
            max_chars: String::new(),
        }
        .with_spare_rows()
    }

    fn with_spare_rows(mut self) -> Self {
        let wanted = (self.options.len() + SPARE_OPTIONS).max(MIN_OPTION_ROWS);
        while self.options.len() < wanted {
            self.options.push(OptionRow {
                id: String::new(),
                text: String::new(),
                correct: false,
            });
        }
        self
    }

    fn of(draft: &QuestionDraft) -> Self {
        let mut sheet = QuestionSheet::new(draft.key.kind());
        sheet.options.clear();
        sheet.prompt = draft.prompt.clone();
        sheet.points = draft.points.to_string();
        sheet.tags = draft.tags.join(", ");
        let rows = |options: &[Choice], right: &dyn Fn(&str) -> bool| -> Vec<OptionRow> {
            options
                .iter()
                .map(|o| OptionRow {
                    id: o.id.clone(),
                    text: o.text.clone(),
                    correct: right(&o.id),
                })
                .collect()
        };
        match &draft.key {
            QuestionKey::SingleChoice { options, correct } => {
                sheet.options = rows(options, &|id| id == correct);
            }
            QuestionKey::MultipleChoice {
                options,
                correct,
                scoring,
            } => {
                sheet.options = rows(options, &|id| correct.iter().any(|c| c == id));
                sheet.scoring = text_of(scoring);
            }
            QuestionKey::TrueFalse { correct } => sheet.truth = *correct,
            QuestionKey::ShortAnswer { rule } => match rule {
                TextRule::Exact { answers } => answers.clone_into_lines(&mut sheet.answers),
                TextRule::CaseInsensitive { answers } => {
                    sheet.rule = "case_insensitive".to_owned();
                    answers.clone_into_lines(&mut sheet.answers);
                }
                TextRule::Regex { pattern } => {
                    sheet.rule = "regex".to_owned();
                    sheet.pattern = pattern.clone();
                }
                TextRule::Numeric { value, tolerance } => {
                    sheet.rule = "numeric".to_owned();
                    sheet.value = value.to_string();
                    sheet.tolerance = tolerance.to_string();
                }
            },
            QuestionKey::Matching {
                prompts,
                choices,
                answers,
                scoring,
            } => {
                let text = |list: &[Choice], id: &str| {
                    list.iter()
                        .find(|c| c.id == id)
                        .map(|c| c.text.clone())
                        .unwrap_or_default()
                };
                sheet.pairs = prompts
                    .iter()
                    .map(|p| {
                        let choice = answers.get(&p.id).map(|c| text(choices, c));
                        format!("{} = {}", p.text, choice.unwrap_or_default())
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                let used: Vec<&String> = answers.values().collect();
                sheet.distractors = choices
                    .iter()
                    .filter(|c| !used.contains(&&c.id))
                    .map(|c| c.text.clone())
                    .collect::<Vec<_>>()
                    .join("\n");
                sheet.scoring = text_of(scoring);
            }
            QuestionKey::Ordering { items, scoring } => {
                sheet.items = items
                    .iter()
                    .map(|i| i.text.clone())
                    .collect::<Vec<_>>()
                    .join("\n");
                sheet.scoring = text_of(scoring);
            }
            QuestionKey::Essay { max_chars } => {
                sheet.max_chars = max_chars.map(|m| m.to_string()).unwrap_or_default();
            }
        }
        sheet.with_spare_rows()
    }

    fn from_fields(fields: &Fields) -> Self {
        let kind = fields
            .one("kind")
            .and_then(|k| k.parse().ok())
            .unwrap_or(QuestionKind::SingleChoice);
        let mut rows: BTreeMap<usize, OptionRow> = BTreeMap::new();
        for (name, value) in fields.iter() {
            let Some((index, part)) = name
                .strip_prefix("option-")
                .and_then(|rest| rest.split_once('-'))
            else {
                continue;
            };
            let Ok(index) = index.parse::<usize>() else {
                continue;
            };
            if index >= MAX_OPTION_ROWS {
                continue;
            }
            let row = rows.entry(index).or_insert_with(|| OptionRow {
                id: String::new(),
                text: String::new(),
                correct: false,
            });
            match part {
                "id" => row.id = value.to_owned(),
                "text" => row.text = value.to_owned(),
                _ => {}
            }
        }
        for right in fields.all("correct") {
            if let Some(row) = right.parse::<usize>().ok().and_then(|i| rows.get_mut(&i)) {
                row.correct = true;
            }
        }
        QuestionSheet {
            kind,
            prompt: fields.text("prompt"),
            points: fields.text("points"),
            tags: fields.text("tags"),
            options: rows.into_values().collect(),
            scoring: fields.text("scoring"),
            truth: fields.one("truth") != Some("false"),
            rule: fields.text("rule"),
            answers: fields.text("answers"),
            pattern: fields.text("pattern"),
            value: fields.text("value"),
            tolerance: fields.text("tolerance"),
            pairs: fields.text("pairs"),
            distractors: fields.text("distractors"),
            items: fields.text("items"),
            max_chars: fields.text("max_chars"),
        }
    }

    /// The question for the use cases (which check it: `INVALID_QUESTION`). Options keep their
    /// ids; new ones, and matching's and ordering's lines, are numbered.
    fn draft(&self) -> QuestionDraft {
        let filled: Vec<&OptionRow> = self
            .options
            .iter()
            .filter(|o| !o.text.trim().is_empty())
            .collect();
        let mut taken: Vec<String> = filled
            .iter()
            .filter(|o| !o.id.is_empty())
            .map(|o| o.id.clone())
            .collect();
        let mut n = 0;
        let mut fresh = |taken: &mut Vec<String>| loop {
            n += 1;
            let id = format!("o{n}");
            if !taken.contains(&id) {
                taken.push(id.clone());
                return id;
            }
        };
        let options: Vec<(Choice, bool)> = filled
            .iter()
            .map(|o| {
                let id = if o.id.is_empty() {
                    fresh(&mut taken)
                } else {
                    o.id.clone()
                };
                (
                    Choice {
                        id,
                        text: o.text.trim().to_owned(),
                    },
                    o.correct,
                )
            })
            .collect();
        let numbered = |prefix: &str, texts: Vec<String>| -> Vec<Choice> {
            texts
                .into_iter()
                .enumerate()
                .map(|(i, text)| Choice {
                    id: format!("{prefix}{}", i + 1),
                    text,
                })
                .collect()
        };
        let order_scoring = match self.scoring.as_str() {
            "partial" => OrderScoring::Partial,
            _ => OrderScoring::AllOrNothing,
        };
        let key = match self.kind {
            QuestionKind::SingleChoice => QuestionKey::SingleChoice {
                correct: options
                    .iter()
                    .find(|(_, right)| *right)
                    .map(|(o, _)| o.id.clone())
                    .unwrap_or_default(),
                options: options.into_iter().map(|(o, _)| o).collect(),
            },
            QuestionKind::MultipleChoice => QuestionKey::MultipleChoice {
                correct: options
                    .iter()
                    .filter(|(_, right)| *right)
                    .map(|(o, _)| o.id.clone())
                    .collect(),
                options: options.into_iter().map(|(o, _)| o).collect(),
                scoring: parsed(&self.scoring).unwrap_or(ChoiceScoring::AllOrNothing),
            },
            QuestionKind::TrueFalse => QuestionKey::TrueFalse {
                correct: self.truth,
            },
            QuestionKind::ShortAnswer => QuestionKey::ShortAnswer {
                rule: match self.rule.as_str() {
                    "case_insensitive" => TextRule::CaseInsensitive {
                        answers: lines(&self.answers),
                    },
                    "regex" => TextRule::Regex {
                        pattern: self.pattern.trim().to_owned(),
                    },
                    "numeric" => {
                        let number =
                            |t: &str| t.trim().replace(',', ".").parse().unwrap_or(f64::NAN);
                        TextRule::Numeric {
                            value: number(&self.value),
                            tolerance: number(&self.tolerance),
                        }
                    }
                    _ => TextRule::Exact {
                        answers: lines(&self.answers),
                    },
                },
            },
            QuestionKind::Matching => {
                let mut prompts = Vec::new();
                let mut choices: Vec<Choice> = Vec::new();
                let mut answers = BTreeMap::new();
                for (i, line) in lines(&self.pairs).into_iter().enumerate() {
                    let (prompt, choice) = line.split_once('=').unwrap_or((&line, ""));
                    let prompt_id = format!("p{}", i + 1);
                    prompts.push(Choice {
                        id: prompt_id.clone(),
                        text: prompt.trim().to_owned(),
                    });
                    let choice = choice.trim().to_owned();
                    let choice_id = match choices.iter().find(|c| c.text == choice) {
                        Some(same) => same.id.clone(),
                        None => {
                            let id = format!("c{}", choices.len() + 1);
                            choices.push(Choice {
                                id: id.clone(),
                                text: choice,
                            });
                            id
                        }
                    };
                    answers.insert(prompt_id, choice_id);
                }
                for extra in lines(&self.distractors) {
                    let id = format!("c{}", choices.len() + 1);
                    choices.push(Choice { id, text: extra });
                }
                QuestionKey::Matching {
                    prompts,
                    choices,
                    answers,
                    scoring: order_scoring,
                }
            }
            QuestionKind::Ordering => QuestionKey::Ordering {
                items: numbered("i", lines(&self.items)),
                scoring: order_scoring,
            },
            QuestionKind::Essay => QuestionKey::Essay {
                max_chars: self.max_chars.trim().parse().ok(),
            },
        };
        QuestionDraft {
            prompt: self.prompt.clone(),
            // A number that cannot be read is out of range: the rules say so.
            points: self.points.trim().parse().unwrap_or(u32::MAX),
            tags: self
                .tags
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            key,
        }
    }
}

trait IntoLines {
    fn clone_into_lines(&self, into: &mut String);
}

impl IntoLines for Vec<String> {
    fn clone_into_lines(&self, into: &mut String) {
        *into = self.join("\n");
    }
}

/// Where a question's form posts: a new question of an assessment or a bank, or a saved one
/// (with what holds it).
#[derive(Clone, Copy)]
enum QuestionTarget {
    New(QuestionOwner),
    Saved(QuestionId, QuestionOwner),
}

impl QuestionTarget {
    fn owner(self) -> QuestionOwner {
        match self {
            QuestionTarget::New(owner) | QuestionTarget::Saved(_, owner) => owner,
        }
    }
}

#[derive(Template)]
#[template(path = "portal/question.html")]
struct QuestionPage {
    chrome: Chrome,
    /// The page of its assessment or bank.
    back: String,
    in_bank: bool,
    title: String,
    action: String,
    saved: Option<QuestionId>,
    sheet: QuestionSheet,
    problems: Problems,
}

impl QuestionPage {
    fn is(&self, kind: &str) -> bool {
        self.sheet.kind.as_str() == kind
    }

    fn scorings(&self) -> Vec<Opt> {
        let values: &[&'static str] = if self.is("multiple_choice") {
            &["all_or_nothing", "partial", "partial_negative"]
        } else {
            &["all_or_nothing", "partial"]
        };
        opts(values, &self.sheet.scoring)
    }

    fn rules(&self) -> Vec<Opt> {
        opts(
            &["exact", "case_insensitive", "regex", "numeric"],
            &self.sheet.rule,
        )
    }
}

fn question_page(
    visit: &Visit,
    target: QuestionTarget,
    title: String,
    sheet: QuestionSheet,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let owner = target.owner();
    let (action, saved) = match target {
        QuestionTarget::New(_) => (format!("{}/questions", holder_path(owner)), None),
        QuestionTarget::Saved(q, _) => (format!("/teach/questions/{q}"), Some(q)),
    };
    let page = QuestionPage {
        chrome: visit.chrome(),
        back: visit.link(&holder_path(owner)),
        in_bank: matches!(owner, QuestionOwner::Bank(_)),
        title,
        action: visit.link(&action),
        saved,
        sheet,
        problems,
    };
    visit.page(status, &page)
}

#[derive(Deserialize)]
pub(crate) struct NewQuestion {
    kind: Option<String>,
}

/// The title of an assessment or a bank, for one who may add questions to it.
async fn holder_title(
    tx: &mut lyceum_store::TenantTx,
    actor: &Actor,
    owner: QuestionOwner,
) -> Result<String, Refusal> {
    match owner {
        QuestionOwner::Assessment(id) => {
            let detail = assessments::show(tx, actor, id, Utc::now()).await?;
            courses::editable_course(tx, actor, detail.assessment.course_id).await?;
            Ok(detail.assessment.title)
        }
        QuestionOwner::Bank(id) => Ok(assessments::bank(tx, actor, id).await?.bank.title),
    }
}

/// The form of a new question of `?kind=` of an assessment or a bank (`H`, its id).
pub(crate) async fn new_question<H: Into<QuestionOwner> + Copy>(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<H>>,
    Query(new): Query<NewQuestion>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let kind = new
        .kind
        .and_then(|k| k.parse().ok())
        .unwrap_or(QuestionKind::SingleChoice);
    let owner = id.into();
    let read = visit
        .read(&state, async |tx| holder_title(tx, &actor, owner).await)
        .await;
    match read {
        Ok(title) => question_page(
            &visit,
            QuestionTarget::New(owner),
            title,
            QuestionSheet::new(kind),
            Problems::default(),
            StatusCode::OK,
        ),
        Err(e) => visit.problem(e),
    }
}

async fn write_question(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    target: QuestionTarget,
    fields: &Fields,
) -> Response {
    let sheet = QuestionSheet::from_fields(fields);
    let draft = sheet.draft();
    let written = visit
        .write(state, async |tx| match target {
            QuestionTarget::New(QuestionOwner::Assessment(assessment)) => {
                assessments::add_question(tx, actor, assessment, &draft).await?;
                Ok(())
            }
            QuestionTarget::New(QuestionOwner::Bank(bank)) => {
                assessments::add_bank_question(tx, actor, bank, &draft).await?;
                Ok(())
            }
            QuestionTarget::Saved(question, _) => {
                let change = QuestionChange {
                    prompt: Some(draft.prompt.clone()),
                    points: Some(draft.points),
                    tags: Some(draft.tags.clone()),
                    key: Some(draft.key.clone()),
                };
                assessments::change_question(tx, actor, question, change).await?;
                Ok(())
            }
        })
        .await;
    match written {
        Ok(()) => visit.redirect(&format!("{}#questions", holder_path(target.owner()))),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                let sheet = sheet.with_spare_rows();
                question_page(visit, target, String::new(), sheet, problems, status)
            }
            None => visit.problem(e),
        },
    }
}

/// Adds a question to an assessment or a bank (`H`, its id).
pub(crate) async fn add_question<H: Into<QuestionOwner> + Copy>(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<H>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let owner = id.into();
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&holder_path(owner)));
    };
    write_question(&state, &visit, &actor, QuestionTarget::New(owner), &fields).await
}

/// A saved question's form.
pub(crate) async fn question(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<QuestionId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            let question = assessments::question(tx, &actor, id).await?;
            Ok(question)
        })
        .await;
    match read {
        Ok(question) => match question.owner() {
            Some(owner) => question_page(
                &visit,
                QuestionTarget::Saved(id, owner),
                String::new(),
                QuestionSheet::of(&question.draft),
                Problems::default(),
                StatusCode::OK,
            ),
            None => visit.problem(question_not_here()),
        },
        Err(e) => visit.problem(e),
    }
}

/// A page of a course's staff asked for by one of its learners.
fn staff_only() -> Refusal {
    Refusal::Forbidden {
        code: "PERMISSION_DENIED",
        message: "only the course's instructors and admins may do this".to_owned(),
    }
}

fn question_not_here() -> Refusal {
    Refusal::NotFound {
        code: "NOT_FOUND",
        message: "no such question".to_owned(),
    }
}

/// The assessment or bank of a saved question (its form posts to the question).
async fn owner_of_question(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: QuestionId,
) -> Result<QuestionOwner, Refusal> {
    visit
        .read(state, async |tx| {
            assessments::question(tx, actor, id)
                .await?
                .owner()
                .ok_or_else(question_not_here)
        })
        .await
}

/// Saves a question.
pub(crate) async fn save_question(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<QuestionId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/teach/questions/{id}")));
    };
    let owner = match owner_of_question(&state, &visit, &actor, id).await {
        Ok(owner) => owner,
        Err(e) => return visit.problem(e),
    };
    let target = QuestionTarget::Saved(id, owner);
    write_question(&state, &visit, &actor, target, &fields).await
}

/// Removes a question (a bank's is refused while a draw needs it: `INVALID_DRAW`).
pub(crate) async fn delete_question(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<QuestionId>>,
    _: CheckedForm<super::pages::Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/teach"));
    };
    let removed = visit
        .write(&state, async |tx| {
            let question = assessments::question(tx, &actor, id).await?;
            let owner = question.owner().ok_or_else(question_not_here)?;
            assessments::remove_question(tx, &actor, id).await?;
            Ok(owner)
        })
        .await;
    match removed {
        Ok(owner) => visit.redirect(&format!("{}#questions", holder_path(owner))),
        Err(e) => visit.problem(e),
    }
}

/// An attempt in the staff's list, with its learner's name.
struct AttemptRow {
    summary: AttemptSummary,
    learner: String,
}

#[derive(Template)]
#[template(path = "portal/attempts.html")]
struct AttemptsPage {
    chrome: Chrome,
    assessment: AssessmentId,
    title: String,
    rows: Vec<AttemptRow>,
}

/// The most learners whose names the attempts' pages look up.
const NAMES: u32 = 1_000;

async fn names(
    tx: &mut lyceum_store::TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<HashMap<UserId, String>, Refusal> {
    Ok(enrollments::students(tx, actor, course, None, None, NAMES)
        .await?
        .into_iter()
        .map(|s| (s.user.id, s.user.display_name))
        .collect())
}

/// Every learner's attempts at an assessment, for its graders.
pub(crate) async fn attempts_list(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<AssessmentId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let now = Utc::now();
    let read = visit
        .read(&state, async |tx| {
            let detail = assessments::show(tx, &actor, id, now).await?;
            if detail.questions.is_none() {
                return Err(staff_only());
            }
            let list = attempts::of_assessment(tx, &actor, id, now).await?;
            let names = names(tx, &actor, detail.assessment.course_id).await?;
            Ok((detail.assessment.title, list, names))
        })
        .await;
    visit.show(read, |(title, list, names), chrome| AttemptsPage {
        chrome,
        assessment: id,
        title,
        rows: list
            .into_iter()
            .map(|summary| AttemptRow {
                learner: names
                    .get(&summary.user_id)
                    .cloned()
                    .unwrap_or_else(|| summary.user_id.to_string()),
                summary,
            })
            .collect(),
    })
}

/// A question of an attempt on the grading page: the learner's answer in words, its mark, and
/// a grading form for an essay.
struct GradeRow {
    number: usize,
    id: QuestionId,
    prompt: String,
    points: u32,
    answer: Option<String>,
    score: Option<Points>,
    feedback: String,
    essay: bool,
}

#[derive(Template)]
#[template(path = "portal/attempt_grading.html")]
struct GradingPage {
    chrome: Chrome,
    submission: StaffSubmission,
    title: String,
    learner: String,
    rows: Vec<GradeRow>,
    problems: Problems,
}

impl GradingPage {
    fn has_essays(&self) -> bool {
        self.rows.iter().any(|r| r.essay)
    }
}

fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::SingleChoice { option } => option.clone(),
        Answer::MultipleChoice { options } => options.join(", "),
        Answer::TrueFalse { value } => value.to_string(),
        Answer::ShortAnswer { text } | Answer::Essay { text } => text.clone(),
        Answer::Matching { matches } => matches
            .iter()
            .map(|(p, c)| format!("{p} → {c}"))
            .collect::<Vec<_>>()
            .join(", "),
        Answer::Ordering { order } => order.join(", "),
    }
}

fn grade_rows(submission: &StaffSubmission) -> Vec<GradeRow> {
    submission
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let given = submission.answers.iter().find(|a| a.question_id == q.id);
            GradeRow {
                number: i + 1,
                id: q.id,
                prompt: q.question.prompt.clone(),
                points: q.question.points,
                answer: given.map(|a| answer_text(&a.answer)),
                score: given.and_then(|a| a.score),
                feedback: given.and_then(|a| a.feedback.clone()).unwrap_or_default(),
                essay: q.question.key.kind() == QuestionKind::Essay && given.is_some(),
            }
        })
        .collect()
}

async fn grading_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: SubmissionId,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let now = Utc::now();
    let read = visit
        .read(state, async |tx| {
            let attempts::SubmissionRead::Staff(submission) =
                attempts::read(tx, actor, id, now).await?
            else {
                return Err(staff_only());
            };
            let detail =
                assessments::show(tx, actor, submission.summary.assessment_id, now).await?;
            let names = names(tx, actor, detail.assessment.course_id).await?;
            let learner = names
                .get(&submission.summary.user_id)
                .cloned()
                .unwrap_or_else(|| submission.summary.user_id.to_string());
            Ok((submission, detail.assessment.title, learner))
        })
        .await;
    visit.show_as(status, read, |(submission, title, learner), chrome| {
        GradingPage {
            chrome,
            rows: grade_rows(&submission),
            submission,
            title,
            learner,
            problems,
        }
    })
}

/// An attempt as its graders read it, with a grading form for its essays.
pub(crate) async fn submission(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<SubmissionId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    grading_page(
        &state,
        &visit,
        &actor,
        id,
        Problems::default(),
        StatusCode::OK,
    )
    .await
}

/// Grades an attempt's essays: `points-{question}` and `feedback-{question}` per essay given
/// points.
pub(crate) async fn grade(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<SubmissionId>>,
    CheckedForm(fields): CheckedForm<Fields>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&format!("/teach/attempts/{id}")));
    };
    let mut grades = Vec::new();
    for (name, value) in fields.iter() {
        let Some(question) = name.strip_prefix("points-") else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let Ok(question) = question.parse::<QuestionId>() else {
            continue;
        };
        let points = value
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .and_then(|p| Points::try_from_f64(p).ok());
        let Some(points) = points else {
            let problems = Problems::at("points", visit.locale.msg("authoring-unreadable"));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return grading_page(&state, &visit, &actor, id, problems, status).await;
        };
        grades.push(AnswerGrade {
            question_id: question,
            points,
            feedback: fields
                .one(&format!("feedback-{question}"))
                .map(str::to_owned),
        });
    }
    let graded = visit
        .write(&state, async |tx| {
            attempts::grade(tx, &actor, id, &grades).await
        })
        .await;
    match graded {
        Ok(_) => visit.redirect(&format!("/teach/attempts/{id}")),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                grading_page(&state, &visit, &actor, id, problems, status).await
            }
            None => visit.problem(e),
        },
    }
}
