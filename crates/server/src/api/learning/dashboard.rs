//! `GET /api/v1/me/dashboard`: a learner's courses with progress, last access and next lesson;
//! upcoming due dates; recent activity; overall progress; certificates. A fixed number of
//! queries however many courses the learner has, and none while the learner's cached copy is
//! current; `ETag` / `If-None-Match` spare the body too.

use crate::api::auth::Authenticated;
use crate::http::error::ApiError;
use crate::http::response_cache::{Page, PageKey};
use crate::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use lyceum_app::learning::dashboard::{dashboard, Dashboard};

/// Your learning at a glance.
#[utoipa::path(get, path = "/api/v1/me/dashboard", tag = "progress", security(("bearer" = [])),
    responses(
        (status = 200, body = Dashboard, headers(("ETag" = String))),
        (status = 304, description = "Unchanged since the `If-None-Match` tag"),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let key = PageKey::for_user(&auth, "dashboard".to_owned());
    state
        .pages
        .serve(key, &headers, || async {
            let mut tx = state.store.begin(&auth.tenant).await?;
            let dashboard = dashboard(&mut tx, &auth.actor()).await?;
            tx.commit().await?;
            Page::json(&dashboard)
        })
        .await
}
