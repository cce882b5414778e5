//! `GET /verify/{code}`: anyone holding a certificate's code can confirm it with the tenant
//! that issued it: learner, course and date. No sign-in needed; nothing else is revealed.

use crate::http::error::{ApiError, ErrorBody};
use crate::http::tenancy::CurrentTenant;
use crate::AppState;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use lyceum_app::learning::certificates;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
pub(crate) struct CodePath {
    /// The code printed on the certificate.
    code: String,
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Verification {
    code: String,
    learner: String,
    course: String,
    issued_at: DateTime<Utc>,
    organization: String,
}

/// Confirms a certificate of the resolved tenant.
#[utoipa::path(get, path = "/verify/{code}", tag = "progress", params(CodePath),
    responses(
        (status = 200, body = Verification),
        (status = 404, description = "`CERTIFICATE_NOT_FOUND`", body = ErrorBody),
    ))]
pub(crate) async fn verify(
    State(state): State<AppState>,
    Extension(CurrentTenant(tenant)): Extension<CurrentTenant>,
    Path(CodePath { code }): Path<CodePath>,
) -> Result<Json<Verification>, ApiError> {
    let mut tx = state.store.begin(&tenant).await?;
    let certificate = certificates::verify(&mut tx, &code).await?;
    tx.commit().await?;
    Ok(Json(Verification {
        code: certificate.code,
        learner: certificate.learner,
        course: certificate.course_title,
        issued_at: certificate.issued_at,
        organization: tenant.name.clone(),
    }))
}
