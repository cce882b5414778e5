//! Liveness and readiness probes for load balancers and orchestrators.

use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok`
    status: &'static str,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Readiness {
    /// `ready`
    status: &'static str,
    /// `postgres` or `sqlite`
    engine: String,
    /// Connections found inside a transaction when they came back to their pool (each was
    /// closed instead of reused), since start. Per tenant in `/metrics`.
    connections_released_in_transaction: u64,
    /// Writes refused with `TENANT_BUSY` since start. Per tenant in `/metrics`.
    busy_refusals: u64,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up", body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The process can serve: the directory and the shared engine answer.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "A database does not answer", body = crate::http::error::ErrorBody),
    ))]
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Readiness>, ApiError> {
    state.store.check_ready().await?;
    let (released, busy) = state
        .store
        .transaction_trouble()
        .iter()
        .fold((0, 0), |(released, busy), (_, t)| {
            (released + t.released_in_transaction, busy + t.busy_refusals)
        });
    Ok(Json(Readiness {
        status: "ready",
        engine: state.store.engine().to_string(),
        connections_released_in_transaction: released,
        busy_refusals: busy,
    }))
}
