//! A course's question banks in the portal, for its staff: the list of the course's banks with
//! their sizes and a form for a new one (from the course builder and its assessments), and a
//! bank's page with its questions (written with `authoring`'s question editor) and its
//! deletion, refused while an assessment draws from it (`BANK_IN_USE`). Assessments choose
//! their draws from these banks on their own page (`authoring`). Every rule is the use cases'
//! (`lyceum_app::assessments`).

use super::authoring::{question_rows, QuestionRow, KINDS};
use super::pages::{to_sign_in, Id};
use super::staff::{shown_in_form, Problems};
use super::{CheckedForm, Chrome, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::assessments::{self, BankDetail, BankSummary};
use lyceum_app::learning::courses;
use lyceum_app::Actor;
use lyceum_domain::assessment::QuestionKind;
use lyceum_domain::{CourseId, QuestionBankId};
use serde::Deserialize;

fn banks_path(course: CourseId) -> String {
    format!("/teach/courses/{course}/question-banks")
}

/// A bank's page.
pub(super) fn bank_path(id: QuestionBankId) -> String {
    format!("/teach/question-banks/{id}")
}

#[derive(Template)]
#[template(path = "portal/banks.html")]
struct BanksPage {
    chrome: Chrome,
    course: courses::Course,
    banks: Vec<BankSummary>,
    /// The new bank's title as typed.
    title: String,
    problems: Problems,
}

async fn list_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    course: CourseId,
    title: String,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| {
            let course = courses::editable_course(tx, actor, course).await?;
            let banks = assessments::banks_of(tx, actor, course.id).await?;
            Ok((course, banks))
        })
        .await;
    visit.show_as(status, read, |(course, banks), chrome| BanksPage {
        chrome,
        course,
        banks,
        title,
        problems,
    })
}

/// A course's question banks, with the form for a new one.
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
        String::new(),
        Problems::default(),
        ok,
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct NewBank {
    #[serde(default)]
    title: String,
}

/// Creates a bank (its title; its questions on its own page).
pub(crate) async fn create(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<CourseId>>,
    CheckedForm(form): CheckedForm<NewBank>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&banks_path(id)));
    };
    let made = visit
        .write(&state, async |tx| {
            assessments::create_bank(tx, &actor, id, &form.title).await
        })
        .await;
    match made {
        Ok(bank) => visit.redirect(&bank_path(bank.id)),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                list_page(&state, &visit, &actor, id, form.title, problems, status).await
            }
            None => visit.problem(e),
        },
    }
}

#[derive(Template)]
#[template(path = "portal/bank.html")]
struct BankPage {
    chrome: Chrome,
    detail: BankDetail,
    questions: Vec<QuestionRow>,
    problems: Problems,
}

impl BankPage {
    fn kinds(&self) -> [QuestionKind; 7] {
        KINDS
    }

    /// Where `question_list.html` links a new question of a kind.
    fn new_question_path(&self) -> String {
        format!("{}/questions/new", bank_path(self.detail.bank.id))
    }
}

async fn bank_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    id: QuestionBankId,
    problems: Problems,
    status: StatusCode,
) -> Response {
    let read = visit
        .read(state, async |tx| assessments::bank(tx, actor, id).await)
        .await;
    visit.show_as(status, read, |mut detail, chrome| {
        let questions = question_rows(std::mem::take(&mut detail.questions));
        BankPage {
            chrome,
            detail,
            questions,
            problems,
        }
    })
}

/// A bank: its questions with the links to add, edit and remove them, and its deletion.
pub(crate) async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<QuestionBankId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let ok = StatusCode::OK;
    bank_page(&state, &visit, &actor, id, Problems::default(), ok).await
}

/// Deletes a bank with its questions; while an assessment draws from it the bank's page says
/// so (409 `BANK_IN_USE`) and nothing is deleted.
pub(crate) async fn delete(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<QuestionBankId>>,
    _: CheckedForm<super::pages::Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link(&bank_path(id)));
    };
    let deleted = visit
        .write(&state, async |tx| {
            let course = assessments::bank(tx, &actor, id).await?.bank.course_id;
            assessments::delete_bank(tx, &actor, id).await?;
            Ok(course)
        })
        .await;
    match deleted {
        Ok(course) => visit.redirect(&banks_path(course)),
        Err(e) => match shown_in_form(&e) {
            Some(status) => {
                let problems = Problems::of(&visit.locale, e);
                bank_page(&state, &visit, &actor, id, problems, status).await
            }
            None => visit.problem(e),
        },
    }
}
