//! Repositories, one module per aggregate. Every function takes `&mut TenantTx`, binds the
//! transaction's tenant into every statement, and is written once for both engines.

pub mod certificates;
pub mod courses;
pub mod enrollments;
pub mod lessons;
pub mod modules;
pub mod outbox;
pub mod progress;
pub mod refresh_tokens;
pub mod users;

use crate::error::StoreError;
use std::collections::HashSet;
use std::hash::Hash;

/// Rows per statement in bulk writes and lookups: well below both engines' bind limits.
const BULK_ROWS: usize = 500;

/// `$first, $first+1, ...` for an `IN (...)` list of `count` binds. Lists are bounded by the
/// callers (a page, a learner's enrollments), far below either engine's bind limit.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A new order must name every current item exactly once.
fn check_permutation<T: Hash + Eq + Copy>(
    current: impl Iterator<Item = T>,
    order: &[T],
    what: &str,
) -> Result<(), StoreError> {
    let current: HashSet<T> = current.collect();
    let proposed: HashSet<T> = order.iter().copied().collect();
    if proposed.len() != order.len() || proposed != current {
        return Err(StoreError::ConstraintViolation(format!(
            "the new order must name each {what} exactly once ({} now)",
            current.len()
        )));
    }
    Ok(())
}
