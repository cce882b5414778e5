//! The activity page (`/activity`): what happened lately that the signed-in person may watch,
//! newest first — everything of the tenant for an admin, the courses they teach for an
//! instructor, their own learning and their courses' news for a learner. Who sees what is
//! `lyceum_app::live`'s rule, the same as for the live event stream.

use super::pages::to_sign_in;
use super::{Chrome, Visit};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use lyceum_app::live::{self, Activity};

/// Events shown on the page.
const SHOWN: usize = 50;

#[derive(Template)]
#[template(path = "portal/activity.html")]
struct ActivityPage {
    chrome: Chrome,
    activity: Vec<Activity>,
}

/// The signed-in person's recent activity.
pub(crate) async fn show(State(state): State<AppState>, visit: Visit) -> Response {
    let Some(actor) = visit.actor() else {
        return to_sign_in(&visit, &visit.asked_for);
    };
    let recent = visit
        .read(&state, async |tx| live::recent(tx, &actor, SHOWN).await)
        .await;
    visit.show(recent, |activity, chrome| ActivityPage { chrome, activity })
}
