//! Keyset pagination shared by every list endpoint: the page size a request may ask for, and
//! the cursor of the next page.

use crate::http::error::ApiError;
use axum::http::StatusCode;

/// Rows per page when the request names no `limit`.
const DEFAULT_PAGE: u32 = 50;
/// The largest page a request may ask for.
const MAX_PAGE: u32 = 200;

/// The page size for a requested `limit`: 50 when none is given; outside 1 to 200, refused
/// with 422 `VALIDATION_FAILED` (a silently smaller page would read as the end of the list).
pub(crate) fn page_size(limit: Option<u32>) -> Result<u32, ApiError> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(limit) if (1..=MAX_PAGE).contains(&limit) => Ok(limit),
        Some(limit) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            format!("limit must be between 1 and {MAX_PAGE}, not {limit}"),
        )),
    }
}

/// The cursor of the page after `items` (the key of its last row), or `None` when the page
/// was not full, so nothing follows.
pub(crate) fn next_cursor<T, K>(items: &[T], size: u32, key: impl Fn(&T) -> K) -> Option<K> {
    (items.len() == size as usize)
        .then(|| items.last().map(key))
        .flatten()
}
