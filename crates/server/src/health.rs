//! Liveness and readiness probes for load balancers and orchestrators.

use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

/// The process is up.
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process can serve: the directory and the shared engine answer.
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state.store.check_ready().await?;
    Ok(Json(
        json!({"status": "ready", "engine": state.store.engine().to_string()}),
    ))
}
