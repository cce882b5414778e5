//! Modules of a course: list, add, change (title, completion rule), remove, reorder.

use super::CoursePath;
use crate::api::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use lyceum_app::learning::content::{self, Module};
use lyceum_domain::{CompletionRule, ModuleId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `{id}` of `/modules/{id}`.
#[derive(Deserialize, IntoParams)]
pub(crate) struct ModulePath {
    /// The module's id.
    pub(super) id: ModuleId,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct ModuleList {
    items: Vec<Module>,
}

/// A course's modules in order (titles and completion rules; lessons are read per module).
#[utoipa::path(get, path = "/api/v1/courses/{id}/modules", tag = "content", params(CoursePath),
    security(("bearer" = [])),
    responses((status = 200, body = ModuleList), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
) -> Result<Json<ModuleList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = content::modules_of(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(ModuleList { items }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewModuleRequest {
    #[schema(min_length = 1, max_length = 300)]
    title: String,
    /// Default: every lesson.
    completion_rule: Option<CompletionRule>,
}

/// Adds a module at the end of the course. Course staff and admins.
#[utoipa::path(post, path = "/api/v1/courses/{id}/modules", tag = "content", params(CoursePath),
    request_body = NewModuleRequest, security(("bearer" = [])),
    responses((status = 201, body = Module), (status = 422, description = "`INVALID_COMPLETION_RULE` ...", body = ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    ApiJson(request): ApiJson<NewModuleRequest>,
) -> Result<(StatusCode, Json<Module>), ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let module = content::add_module(
        &mut tx,
        &auth.actor(),
        id,
        &request.title,
        request.completion_rule,
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(module)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModuleChanges {
    title: Option<String>,
    completion_rule: Option<CompletionRule>,
}

/// Changes a module's title or completion rule (checked against its lessons).
#[utoipa::path(patch, path = "/api/v1/modules/{id}", tag = "content", params(ModulePath),
    request_body = ModuleChanges, security(("bearer" = [])),
    responses((status = 200, body = Module), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(ModulePath { id }): Path<ModulePath>,
    ApiJson(changes): ApiJson<ModuleChanges>,
) -> Result<Json<Module>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let module = content::change_module(
        &mut tx,
        &auth.actor(),
        id,
        changes.title.as_deref(),
        changes.completion_rule.as_ref(),
    )
    .await?;
    tx.commit().await?;
    Ok(Json(module))
}

/// Removes a module with its lessons (and learners' progress on them).
#[utoipa::path(delete, path = "/api/v1/modules/{id}", tag = "content", params(ModulePath),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed"), (status = 404, description = "`NOT_FOUND`", body = ErrorBody)))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(ModulePath { id }): Path<ModulePath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    content::remove_module(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ModuleOrder {
    /// Every module of the course, once, in the new order.
    order: Vec<ModuleId>,
}

/// Reorders a course's modules.
#[utoipa::path(put, path = "/api/v1/courses/{id}/modules/order", tag = "content", params(CoursePath),
    request_body = ModuleOrder, security(("bearer" = [])),
    responses((status = 200, body = ModuleList), (status = 422, description = "`VALIDATION_FAILED`: not a permutation", body = ErrorBody)))]
pub(crate) async fn reorder(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(CoursePath { id }): Path<CoursePath>,
    ApiJson(request): ApiJson<ModuleOrder>,
) -> Result<Json<ModuleList>, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let items = content::reorder_modules(&mut tx, &auth.actor(), id, request.order).await?;
    tx.commit().await?;
    Ok(Json(ModuleList { items }))
}
