//! A tenant's webhooks, for its admins on a plan with webhooks: `GET/POST /api/v1/webhooks`,
//! `GET/PATCH/DELETE /api/v1/webhooks/{id}`, `POST /api/v1/webhooks/{id}/rotate-secret`,
//! `GET /api/v1/webhooks/{id}/deliveries` and
//! `POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/replay`. The rules, the audit entries
//! and the address checks are `lyceum_app::webhooks`'s; answers carrying a secret are never
//! stored by a cache (`Cache-Control: no-store`).

use crate::api::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use lyceum_app::webhooks::{
    self, Delivery, NewWebhook, Target, WebhookChanges, WebhookEndpoint, WithSecret,
};
use lyceum_domain::{DeliveryId, WebhookId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewWebhookRequest {
    /// Where deliveries are POSTed: an `http` or `https` URL whose host is a public address
    /// (unless the operator allows private targets).
    #[schema(max_length = 2048)]
    url: String,
    /// Event types to receive (`course.published` ...), or `["*"]` for all.
    #[schema(min_items = 1)]
    events: Vec<String>,
    #[schema(max_length = 500)]
    description: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookChangesRequest {
    #[schema(max_length = 2048)]
    url: Option<String>,
    #[schema(min_items = 1)]
    events: Option<Vec<String>>,
    #[schema(max_length = 500)]
    description: Option<String>,
    /// `true` enables the webhook again (its failures forgotten); `false` stops its deliveries.
    enabled: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct WebhookList {
    items: Vec<WebhookEndpoint>,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct WebhookWithSecret {
    #[serde(flatten)]
    webhook: WebhookEndpoint,
    /// Signs every delivery (`Lyceum-Signature`). Shown this once: keep it now.
    secret: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct DeliveryPage {
    items: Vec<Delivery>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    next_cursor: Option<DeliveryId>,
}

/// `{id}` of `/webhooks/{id}`, by name: under `/t/{slug}` the path has a second parameter.
#[derive(Deserialize, IntoParams)]
pub(crate) struct WebhookPath {
    /// The webhook's id.
    id: WebhookId,
}

#[derive(Deserialize, IntoParams)]
pub(crate) struct DeliveryPath {
    /// The webhook's id.
    id: WebhookId,
    /// The delivery's id.
    delivery_id: DeliveryId,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeliveryQuery {
    /// `next_cursor` of the previous page.
    before: Option<DeliveryId>,
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// An answer with a secret in it: never kept by a cache.
fn with_secret(status: StatusCode, made: WithSecret) -> Response {
    let body = WebhookWithSecret {
        webhook: made.webhook,
        secret: made.secret,
    };
    let mut response = (status, Json(body)).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Adds a webhook; the answer carries its signing secret, shown this once. Needs
/// `webhook:manage` and a plan with webhooks.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhookRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, body = WebhookWithSecret, description = "The webhook and its secret (`Cache-Control: no-store`)"),
        (status = 403, description = "`PERMISSION_DENIED`, `PLAN_FEATURE_UNAVAILABLE`", body = ErrorBody),
        (status = 409, description = "`WEBHOOK_LIMIT_REACHED`", body = ErrorBody),
        (status = 422, description = "`INVALID_WEBHOOK_URL`, `WEBHOOK_TARGET_REFUSED`, `VALIDATION_FAILED`", body = ErrorBody),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(request): ApiJson<NewWebhookRequest>,
) -> Result<Response, ApiError> {
    let target = Target::vet(&auth.actor(), &request.url, state.config.webhook_targets).await?;
    let new = NewWebhook {
        target,
        events: request.events,
        description: request.description,
    };
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let made = webhooks::create(&mut tx, &auth.actor(), new).await?;
    tx.commit().await?;
    Ok(with_secret(StatusCode::CREATED, made))
}

/// The tenant's webhooks, oldest first (never their secrets). Needs `webhook:manage`.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, body = WebhookList),
        (status = 403, description = "`PERMISSION_DENIED`, `PLAN_FEATURE_UNAVAILABLE`", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<WebhookList>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = webhooks::list(&mut tx, &auth.actor()).await?;
    tx.commit().await?;
    Ok(Json(WebhookList { items }))
}

/// One webhook. Needs `webhook:manage`.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(WebhookPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WebhookEndpoint),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(WebhookPath { id }): Path<WebhookPath>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    let mut tx = state.store.begin(&auth.tenant).await?;
    let webhook = webhooks::show(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(Json(webhook))
}

/// Changes a webhook's URL, events, description, or enables or disables it. Needs
/// `webhook:manage`.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(WebhookPath),
    request_body = WebhookChangesRequest, security(("bearer" = [])),
    responses(
        (status = 200, body = WebhookEndpoint),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`", body = ErrorBody),
        (status = 422, description = "`INVALID_WEBHOOK_URL`, `WEBHOOK_TARGET_REFUSED`, `VALIDATION_FAILED`", body = ErrorBody),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(WebhookPath { id }): Path<WebhookPath>,
    ApiJson(request): ApiJson<WebhookChangesRequest>,
) -> Result<Json<WebhookEndpoint>, ApiError> {
    let target = match &request.url {
        Some(url) => Some(Target::vet(&auth.actor(), url, state.config.webhook_targets).await?),
        None => None,
    };
    let changes = WebhookChanges {
        target,
        events: request.events,
        description: request.description,
        enabled: request.enabled,
    };
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let webhook = webhooks::update(&mut tx, &auth.actor(), id, changes).await?;
    tx.commit().await?;
    Ok(Json(webhook))
}

/// Deletes a webhook and its delivery log. Needs `webhook:manage`.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(WebhookPath),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(WebhookPath { id }): Path<WebhookPath>,
) -> Result<StatusCode, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    webhooks::delete(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives a webhook a new signing secret, shown this once; deliveries sent from now on are
/// signed with it. Needs `webhook:manage`.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", params(WebhookPath),
    security(("bearer" = [])),
    responses(
        (status = 200, body = WebhookWithSecret, description = "The webhook and its new secret (`Cache-Control: no-store`)"),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn rotate_secret(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(WebhookPath { id }): Path<WebhookPath>,
) -> Result<Response, ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let made = webhooks::rotate_secret(&mut tx, &auth.actor(), id).await?;
    tx.commit().await?;
    Ok(with_secret(StatusCode::OK, made))
}

/// A webhook's deliveries, newest first, a page at a time: status, attempts, the last answer
/// (status, duration, the first KiB of its body) and when the next attempt is due. Needs
/// `webhook:manage`.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(WebhookPath, DeliveryQuery), security(("bearer" = [])),
    responses(
        (status = 200, body = DeliveryPage),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(WebhookPath { id }): Path<WebhookPath>,
    Query(query): Query<DeliveryQuery>,
) -> Result<Json<DeliveryPage>, ApiError> {
    let limit = crate::http::paging::page_size(query.limit)?;
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = webhooks::deliveries(&mut tx, &auth.actor(), id, query.before, limit).await?;
    tx.commit().await?;
    let next_cursor = crate::http::paging::next_cursor(&items, limit, |d| d.id);
    Ok(Json(DeliveryPage { items, next_cursor }))
}

/// Sends a delivery again: a new delivery of the same event (same body, same
/// `Lyceum-Event-Id`), queued now. Needs `webhook:manage`.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay", tag = "webhooks",
    params(DeliveryPath), security(("bearer" = [])),
    responses(
        (status = 202, body = Delivery, description = "The new delivery, queued"),
        (status = 404, description = "`WEBHOOK_NOT_FOUND`, `DELIVERY_NOT_FOUND`", body = ErrorBody),
        (status = 409, description = "`WEBHOOK_DISABLED`", body = ErrorBody),
    ))]
pub(crate) async fn replay(
    State(state): State<AppState>,
    auth: Authenticated,
    Path(DeliveryPath { id, delivery_id }): Path<DeliveryPath>,
) -> Result<(StatusCode, Json<Delivery>), ApiError> {
    let mut tx = state.store.begin_write(&auth.tenant).await?;
    let delivery = webhooks::replay(&mut tx, &auth.actor(), id, delivery_id).await?;
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}
