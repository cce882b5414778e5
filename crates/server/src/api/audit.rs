//! The tenant's audit log over HTTP: `GET /api/v1/audit-log` for its admins (`audit:view`),
//! newest first, with filters and cursor paging, as JSON or as a CSV file (`?format=csv` or
//! `Accept: text/csv`). The log and its rules are `lyceum_app::audit`'s; this module reads the
//! query and shapes the answer, never cached (`Cache-Control: no-store`: it is personal data).

use crate::api::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use lyceum_app::audit::{self, AuditFilter, AuditLogEntry};
use lyceum_domain::AuditAction;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Entries in a CSV file when no `limit` is given.
pub(crate) const CSV_MAX_ROWS: u32 = 10_000;

/// The answer's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Format {
    Json,
    Csv,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditQuery {
    /// Only entries by this actor: a user's id, or an e-mail (also one tried in a failed
    /// sign-in).
    actor: Option<String>,
    /// Only entries of this action.
    action: Option<AuditAction>,
    /// Only entries about this user or course (its id).
    target: Option<Uuid>,
    /// Only entries at or after this time (RFC 3339).
    from: Option<DateTime<Utc>>,
    /// Only entries before this time (RFC 3339).
    to: Option<DateTime<Utc>>,
    /// `next_cursor` of the previous page: entries older than this one.
    before: Option<i64>,
    /// Entries per page: 1 to 200, default 50 (a CSV file without it holds up to 10000).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    /// `csv` for a CSV file (as `Accept: text/csv` asks); JSON otherwise.
    #[param(inline)]
    format: Option<Format>,
}

impl AuditQuery {
    /// The filters of the query, with `actor` read as a user id or an e-mail.
    fn filter(&self) -> Result<AuditFilter, ApiError> {
        Ok(AuditFilter {
            actor: audit::actor_filter(self.actor.as_deref().unwrap_or_default())?,
            action: self.action,
            target: self.target,
            from: self.from,
            to: self.to,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub(crate) struct AuditLogPage {
    items: Vec<AuditLogEntry>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    next_cursor: Option<i64>,
}

/// The tenant's audit log, newest first: sign-ins and failed sign-ins, people's roles and
/// statuses, courses published, archived or deleted, enrollment imports; who acted, from
/// where, and the state before and after. As a CSV file with `?format=csv` or
/// `Accept: text/csv` (`X-Next-Cursor` then names the next page, if any). Needs `audit:view`
/// (tenant admins).
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit", params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries (JSON), or a CSV file",
            content((AuditLogPage = "application/json"), (String = "text/csv")),
            headers(("x-next-cursor" = Option<i64>, description = "CSV only: `before` of the next page"))),
        (status = 403, description = "`PERMISSION_DENIED`", body = ErrorBody),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    Query(query): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    let csv = match query.format {
        Some(format) => format == Format::Csv,
        None => wants_csv(&headers),
    };
    let limit = match query.limit {
        None if csv => CSV_MAX_ROWS,
        limit => crate::http::paging::page_size(limit)?,
    };
    let filter = query.filter()?;
    let mut tx = state.store.begin(&auth.tenant).await?;
    let items = audit::entries(&mut tx, &auth.actor(), &filter, query.before, limit).await?;
    tx.commit().await?;
    let next_cursor = crate::http::paging::next_cursor(&items, limit, |e| e.seq);
    let mut response = if csv {
        let name = format!("audit-log-{}.csv", auth.tenant.slug);
        let mut response = csv_file(&items, &name);
        if let Some(next) = next_cursor {
            response
                .headers_mut()
                .insert("x-next-cursor", HeaderValue::from(next));
        }
        response
    } else {
        Json(AuditLogPage { items, next_cursor }).into_response()
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Does the request's `Accept` header ask for CSV?
fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            let media = media.split(';').next().unwrap_or_default().trim();
            media.eq_ignore_ascii_case("text/csv")
        })
}

/// `entries` as a CSV file named `name`, to download.
pub(crate) fn csv_file(entries: &[AuditLogEntry], name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut response = csv_of(entries).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(disposition) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    response
}

/// The CSV text of `entries`, one row each under a header row. Every cell a spreadsheet could
/// take for a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
/// prefixed with `'`, so opening the file runs nothing.
fn csv_of(entries: &[AuditLogEntry]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "seq",
        "occurred_at",
        "action",
        "actor_id",
        "actor",
        "target_kind",
        "target_id",
        "ip",
        "user_agent",
        "request_id",
        "before",
        "after",
        "hash",
    ];
    let mut rows = vec![header.map(str::to_owned).to_vec()];
    for e in entries {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let json = |value: &Option<serde_json::Value>| {
            value.as_ref().map(|v| v.to_string()).unwrap_or_default()
        };
        rows.push(vec![
            e.seq.to_string(),
            e.occurred_at.to_rfc3339(),
            e.action.to_string(),
            e.actor_id.map(|id| id.to_string()).unwrap_or_default(),
            e.actor.clone(),
            text(&e.target_kind),
            e.target_id.map(|id| id.to_string()).unwrap_or_default(),
            text(&e.ip),
            text(&e.user_agent),
            text(&e.request_id),
            json(&e.before),
            json(&e.after),
            e.hash.clone(),
        ]);
    }
    for row in rows {
        let cells = row.iter().map(|cell| inert(cell).into_owned());
        // Writing to a Vec fails only on allocation, which aborts anyway.
        writer.write_record(cells).expect("CSV into memory");
    }
    writer.into_inner().expect("CSV into memory")
}

/// A cell as a spreadsheet will not run it.
pub(crate) fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        for cell in ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"] {
            assert_eq!(inert(cell), format!("'{cell}"));
        }
        for cell in ["admin@acme.test", "user.role_changed", "", "1"] {
            assert_eq!(inert(cell), cell);
        }
    }

    #[test]
    fn accept_text_csv_asks_for_csv() {
        let mut headers = HeaderMap::new();
        assert!(!wants_csv(&headers));
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json;q=0.5, Text/CSV; charset=utf-8"),
        );
        assert!(wants_csv(&headers));
    }
}
