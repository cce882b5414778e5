//! The portal's password pages: "Forgot your password?" (an e-mail form whose answer is the
//! same whatever happens), "Choose a new password" (what a reset link opens; the page sends no
//! `Referer`, so its token never leaves it), "Change password" (reached from one's account),
//! and the people page's button that sends someone a reset. The steps are those of the API
//! (`api::auth::recovery`), so both faces throttle and refuse alike.

use super::pages::{to_sign_in, Id, Protected};
use super::{CheckedForm, Chrome, Visit};
use crate::api::auth::recovery::{ask_for_reset, change_own_password, reset_with_token};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use lyceum_app::identity::recovery;
use lyceum_domain::UserId;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "portal/forgot_password.html")]
struct Forgot {
    chrome: Chrome,
    /// The request went through (or was quietly dropped): the neutral confirmation.
    sent: bool,
    problem: Option<String>,
    email: String,
}

/// The form asking for a reset link.
pub(crate) async fn forgot_form(visit: Visit) -> Response {
    let page = Forgot {
        chrome: visit.chrome(),
        sent: false,
        problem: None,
        email: String::new(),
    };
    visit.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Asks for a reset link: the same confirmation, whatever the address; only a client over its
/// rate is told to wait.
pub(crate) async fn forgot(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<ForgotForm>,
) -> Response {
    let email: String = form.email.trim().chars().take(254).collect();
    let asked = ask_for_reset(&state, &visit.tenant, &email, &visit.origin).await;
    let (status, problem) = match asked {
        Ok(()) => (StatusCode::OK, None),
        Err(e) if e.status == StatusCode::TOO_MANY_REQUESTS => {
            (e.status, Some(visit.locale.explain(e)))
        }
        Err(e) => return visit.problem(e),
    };
    let page = Forgot {
        chrome: visit.chrome(),
        sent: problem.is_none(),
        problem,
        email: if status == StatusCode::OK {
            String::new()
        } else {
            email
        },
    };
    visit.page(status, &page)
}

#[derive(Template)]
#[template(path = "portal/reset_password.html")]
struct Reset {
    chrome: Chrome,
    problem: Option<String>,
    /// The link's token is unusable: offer to ask for another.
    ask_again: bool,
    token: String,
}

#[derive(Deserialize)]
pub(crate) struct ResetLink {
    #[serde(default)]
    token: String,
}

/// A page holding a reset token: it sends no `Referer` anywhere (its links and form
/// included), so the token in its address stays here.
fn without_referrer(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// What a reset link opens: choose a new password.
pub(crate) async fn reset_form(visit: Visit, Query(link): Query<ResetLink>) -> Response {
    let page = Reset {
        chrome: visit.chrome(),
        problem: None,
        ask_again: false,
        token: link.token.chars().take(128).collect(),
    };
    without_referrer(visit.page(StatusCode::OK, &page))
}

#[derive(Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// Sets the new password with the link's token, then on to signing in, with a notice.
pub(crate) async fn reset(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<ResetForm>,
) -> Response {
    let token: String = form.token.chars().take(128).collect();
    let done = reset_with_token(&state, &visit.tenant, &token, form.password, &visit.origin).await;
    match done {
        Ok(_) => without_referrer(visit.redirect("/sign-in?reset=done")),
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            let page = Reset {
                chrome: visit.chrome(),
                ask_again: e.code == "RESET_TOKEN_INVALID",
                problem: Some(visit.locale.explain(e)),
                token,
            };
            without_referrer(visit.page(status, &page))
        }
        Err(e) => without_referrer(visit.problem(e)),
    }
}

#[derive(Template)]
#[template(path = "portal/change_password.html")]
struct ChangePassword {
    chrome: Chrome,
    changed: bool,
    problem: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct Changed {
    changed: Option<String>,
}

/// The signed-in person's "Change password" page.
pub(crate) async fn change_form(visit: Visit, Query(query): Query<Changed>) -> Response {
    if visit.user.is_none() {
        return to_sign_in(&visit, &visit.link("/account/password"));
    }
    let page = ChangePassword {
        chrome: visit.chrome(),
        changed: query.changed.is_some(),
        problem: None,
    };
    visit.page(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub(crate) struct ChangeForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// Changes the signed-in person's password; this browser's session goes on, the others end.
pub(crate) async fn change(
    State(state): State<AppState>,
    visit: Visit,
    CheckedForm(form): CheckedForm<ChangeForm>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/account/password"));
    };
    let changed = change_own_password(
        &state,
        &visit.tenant,
        &actor,
        form.current_password,
        form.new_password,
        visit.session.as_deref(),
    )
    .await;
    match changed {
        Ok(_) => visit.redirect("/account/password?changed=1"),
        Err(e) if e.status.is_client_error() => {
            let status = e.status;
            let page = ChangePassword {
                chrome: visit.chrome(),
                changed: false,
                problem: Some(visit.locale.explain(e)),
            };
            visit.page(status, &page)
        }
        Err(e) => visit.problem(e),
    }
}

/// An admin sends a person a reset link (the people page's button), then back to the list.
pub(crate) async fn send_reset(
    State(state): State<AppState>,
    visit: Visit,
    Path(Id { id }): Path<Id<UserId>>,
    _: CheckedForm<Protected>,
) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.link("/admin/people"));
    };
    let sent = visit
        .write(&state, async |tx| {
            recovery::send_reset(tx, &actor, id).await
        })
        .await;
    match sent {
        Ok(_) => visit.redirect("/admin/people"),
        Err(e) => visit.problem(e),
    }
}
