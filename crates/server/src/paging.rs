//! Keyset pagination shared by every list endpoint: the page size a request may ask for, and
//! the cursor of the next page.

/// Rows per page when the request names no `limit`.
const DEFAULT_PAGE: u32 = 50;
/// The largest page a request may ask for.
const MAX_PAGE: u32 = 200;

/// The page size for a requested `limit`: 1 to 200, 50 when none is given.
pub(crate) fn page_size(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

/// The cursor of the page after `items` (the key of its last row), or `None` when the page
/// was not full, so nothing follows.
pub(crate) fn next_cursor<T, K>(items: &[T], size: u32, key: impl Fn(&T) -> K) -> Option<K> {
    (items.len() == size as usize)
        .then(|| items.last().map(key))
        .flatten()
}
