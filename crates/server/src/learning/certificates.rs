//! `GET /verify/{code}`: anyone holding a certificate's code can confirm it with the tenant
//! that issued it: learner, course and date. No sign-in needed; nothing else is revealed.

use crate::error::{ApiError, ErrorBody};
use crate::tenancy::CurrentTenant;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chrono::{DateTime, Utc};
use lyceum_store::repo::certificates;
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
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "CERTIFICATE_NOT_FOUND",
            "no certificate with this code here",
        )
    };
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 64 {
        return Err(not_found());
    }
    let mut tx = state.store.begin(&tenant).await?;
    let certificate = certificates::by_code(&mut tx, &code)
        .await?
        .ok_or_else(not_found)?;
    tx.commit().await?;
    Ok(Json(Verification {
        code: certificate.code,
        learner: certificate.learner,
        course: certificate.course_title,
        issued_at: certificate.issued_at,
        organization: tenant.name.clone(),
    }))
}
