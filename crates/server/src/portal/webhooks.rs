//! The admins' webhooks page (`/admin/webhooks`): the endpoints, a form to add one (its secret
//! shown once, on the page that answers the form), rotating a secret, deleting; and an
//! endpoint's page (`/admin/webhooks/{id}`) with its deliveries and a button to replay each.
//! The rules (who may, the plan, which URLs) are `lyceum_app::webhooks`'s; a refusal is shown
//! above the form with what was typed.

use super::pages::{to_sign_in, Id, Protected};
use super::staff::{shown_in_form, Problems};
use super::{CheckedForm, Chrome, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use lyceum_app::webhooks::{self, Delivery, NewWebhook, Target, WebhookEndpoint, WithSecret};
use lyceum_app::{Actor, Refusal};
use lyceum_domain::{DeliveryId, WebhookId};
use serde::Deserialize;

/// Deliveries shown on an endpoint's page.
const DELIVERIES_SHOWN: u32 = 50;

#[derive(Template)]
#[template(path = "portal/webhooks.html")]
struct Webhooks {
    chrome: Chrome,
    webhooks: Vec<WebhookEndpoint>,
    problems: Problems,
    /// An endpoint's secret, just made: shown this once.
    secret: Option<WithSecret>,
    form_url: String,
    form_events: String,
    form_description: String,
}

#[derive(Template)]
#[template(path = "portal/webhook.html")]
struct WebhookPage {
    chrome: Chrome,
    webhook: WebhookEndpoint,
    deliveries: Vec<Delivery>,
}

/// What the list page shows besides the list.
#[derive(Default)]
struct Note {
    problems: Problems,
    secret: Option<WithSecret>,
    url: String,
    events: String,
    description: String,
}

async fn list_page(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    note: Note,
    status: StatusCode,
) -> Response {
    let listed = visit
        .read(state, async |tx| webhooks::list(tx, actor).await)
        .await;
    match listed {
        Ok(webhooks) => {
            let page = Webhooks {
                chrome: visit.chrome(),
                webhooks,
                problems: note.problems,
                secret: note.secret,
                form_url: note.url,
                form_events: if note.events.is_empty() {
                    "*".to_owned()
                } else {
                    note.events
                },
                form_description: note.description,
            };
            visit.page(status, &page)
        }
        Err(e) => visit.problem(e),
    }
}

/// The tenant's webhooks and a form to add one.
pub(crate) async fn list(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    list_page(&state, &visit, &actor, Note::default(), StatusCode::OK).await
}

#[derive(Deserialize)]
pub(crate) struct WebhookForm {
    #[serde(default)]
    url: String,
    /// Event types separated by commas or spaces; `*` for all.
    #[serde(default)]
    events: String,
    #[serde(default)]
    description: String,
}

/// Adds a webhook; the page that answers shows its secret, this once.
pub(crate) async fn add(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<WebhookForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/webhooks"));
    };
    let events: Vec<String> = form
        .events
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    let made = match Target::vet(&actor, &form.url, state.config.webhook_targets).await {
        Ok(target) => {
            let new = NewWebhook {
                target,
                events,
                description: Some(form.description.clone()),
            };
            visit
                .write(&state, async |tx| webhooks::create(tx, &actor, new).await)
                .await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(made) => {
            let note = Note {
                secret: Some(made),
                ..Note::default()
            };
            list_page(&state, &visit, &actor, note, StatusCode::CREATED).await
        }
        Err(e) => refused(&state, &visit, &actor, e, form).await,
    }
}

async fn refused(
    state: &AppState,
    visit: &Visit,
    actor: &Actor,
    e: Refusal,
    form: WebhookForm,
) -> Response {
    match shown_in_form(&e) {
        Some(status) => {
            let note = Note {
                problems: Problems::of(&visit.locale, e),
                url: form.url,
                events: form.events,
                description: form.description,
                secret: None,
            };
            list_page(state, visit, actor, note, status).await
        }
        None => visit.problem(e),
    }
}

/// Gives a webhook a new secret, shown on the page that answers, this once.
pub(crate) async fn rotate(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<WebhookId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/webhooks"));
    };
    let rotated = visit
        .write(&state, async |tx| {
            webhooks::rotate_secret(tx, &actor, id).await
        })
        .await;
    match rotated {
        Ok(made) => {
            let note = Note {
                secret: Some(made),
                ..Note::default()
            };
            list_page(&state, &visit, &actor, note, StatusCode::OK).await
        }
        Err(e) => visit.problem(e),
    }
}

/// Deletes a webhook and its deliveries.
pub(crate) async fn delete(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<WebhookId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/webhooks"));
    };
    match visit
        .write(&state, async |tx| webhooks::delete(tx, &actor, id).await)
        .await
    {
        Ok(()) => visit.redirect("/admin/webhooks"),
        Err(e) => visit.problem(e),
    }
}

/// A webhook and its latest deliveries.
pub(crate) async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<WebhookId>>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let read = visit
        .read(&state, async |tx| {
            let webhook = webhooks::show(tx, &actor, id).await?;
            let deliveries = webhooks::deliveries(tx, &actor, id, None, DELIVERIES_SHOWN).await?;
            Ok((webhook, deliveries))
        })
        .await;
    visit.show(read, |(webhook, deliveries), chrome| WebhookPage {
        chrome,
        webhook,
        deliveries,
    })
}

/// `{id}` and `{delivery}` of a delivery's replay.
#[derive(Deserialize)]
pub(crate) struct DeliveryPath {
    id: WebhookId,
    delivery: DeliveryId,
}

/// Sends a delivery again, then shows the webhook's page.
pub(crate) async fn replay(
    State(state): State<AppState>,
    visit: Visit,
    Path(DeliveryPath { id, delivery }): Path<DeliveryPath>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/webhooks"));
    };
    match visit
        .write(&state, async |tx| {
            webhooks::replay(tx, &actor, id, delivery).await
        })
        .await
    {
        Ok(_) => visit.redirect(&format!("/admin/webhooks/{id}")),
        Err(e) => visit.problem(e),
    }
}
